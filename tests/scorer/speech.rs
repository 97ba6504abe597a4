//! Matching that survives speech: negation and hypotheticals, ordering by first mention, the
//! spellings a recogniser produces, real Whisper transcripts, and timed answers.

use crate::{card_for, dim, fixture, flagship, flagship_card, level, timed};
use rehearse::report::render_text;
use rehearse::score::{ScoreCard, measure};

use crate::score;
use rehearse::transcribe::Transcript;

/// What a speech recogniser tends to do to a clean answer: lower case, punctuation lost, compounds
/// split or joined, hyphens dropped, numbers as digits, a few mishearings.
fn asr_like(text: &str) -> String {
    let swaps = [
        ("roll back", "rollback"),
        ("rolled back", "roll back"),
        ("postmortem", "post-mortem"),
        ("lowest-risk", "lowest risk"),
        ("feature flag", "future flag"),
        ("p99", "P 99"),
        ("200 milliseconds", "two hundred milliseconds"),
        ("ten minutes", "10 minutes"),
        ("8 percent", "8%"),
        ("production-like", "production like"),
        ("incident channel", "incident Channel"),
        ("canary", "canary's"),
    ];
    let mut out = text.to_lowercase();
    for (from, to) in swaps {
        out = out.replace(from, to);
    }
    out.chars()
        .filter(|c| !matches!(c, ',' | ':' | ';'))
        .collect()
}

#[test]
fn negated_evidence_does_not_count() {
    let q = flagship();
    let said = card_for(
        q,
        "We rolled back the deploy and switched off the feature flag.",
    );
    let denied = card_for(
        q,
        "We didn't roll back the deploy, and we never switched off the feature flag.",
    );
    assert_eq!(dim(&said, "stabilise").evidence.len(), 2);
    assert!(
        dim(&denied, "stabilise").evidence.is_empty(),
        "{:?}",
        dim(&denied, "stabilise").evidence
    );
    let instead = card_for(q, "Instead of a rollback, we kept debugging.");
    assert!(dim(&instead, "stabilise").evidence.is_empty());
}

#[test]
fn denied_and_hypothetical_mistakes_are_not_held_against_the_speaker() {
    let q = flagship();
    for text in [
        "I would never just restart everything.",
        "Rather than restarting everything blindly, we rolled back.",
        "If you restart everything blindly, you lose the evidence.",
        "I avoid editing production data by hand without a backup.",
        "We looked at not only the logs but metrics and traces.",
        "I did not do it by myself; the on-call engineer and I paired.",
    ] {
        let card = card_for(q, text);
        assert!(said(&card).is_empty(), "{text}: {:?}", said(&card));
    }
    let card = card_for(q, "Honestly, I just restarted everything and it came back.");
    assert_eq!(said(&card), ["reckless-fix"]);
    let card = card_for(q, "Then we pushed a patch straight to production.");
    assert_eq!(said(&card), ["reckless-fix"]);
    assert!(
        dim(&card, "fix").evidence.is_empty(),
        "a reckless patch earns no credit"
    );
}

#[test]
fn ordering_uses_first_mentions() {
    let q = flagship();
    let kept = card_for(
        q,
        "Users were affected at checkout, so we rolled back. Then we formed a hypothesis and found the root cause.",
    );
    assert!(
        kept.ordering.iter().all(|c| c.held == Some(true)),
        "{:?}",
        kept.ordering
    );
    let broken = card_for(
        q,
        "We formed a hypothesis and found the root cause. Users were affected at checkout, so we rolled back.",
    );
    assert!(
        broken.ordering.iter().all(|c| c.held == Some(false)),
        "{:?}",
        broken.ordering
    );
    assert!(level(&broken, "impact") < level(&kept, "impact"));
    assert!(level(&broken, "stabilise") < level(&kept, "stabilise"));
    let partial = card_for(q, "We formed a hypothesis and tested it.");
    assert!(partial.ordering.iter().all(|c| c.held.is_none()));
}

#[test]
fn ordering_reports_the_time_of_first_mention() {
    let q = flagship();
    let t = timed(
        "We formed a hypothesis first. Much later we saw that users were affected and rolled back.",
        150,
        1000,
    );
    let card = score(q, &t, &measure(&t, None, None));
    let rule = &card.ordering[0];
    assert_eq!(rule.held, Some(false));
    let (first, then) = (
        rule.first_at.as_ref().unwrap(),
        rule.then_at.as_ref().unwrap(),
    );
    assert!(
        then.at_ms.unwrap() < first.at_ms.unwrap(),
        "{then:?} {first:?}"
    );
}

#[test]
fn speech_recognition_variants_cost_little() {
    for name in ["flagship-framework.txt", "flagship-star.txt"] {
        let clean = flagship_card(name);
        let heard = card_for(flagship(), &asr_like(&fixture(name)));
        assert!(
            heard.overall + 10 >= clean.overall,
            "{name}: {} vs {}\n{}",
            heard.overall,
            clean.overall,
            render_text(&heard)
        );
    }
}

#[test]
fn real_whisper_transcripts_lose_at_most_10_points() {
    // Recorded once from the real tiny.en model reading the calibration answers synthesized by
    // espeak-ng (see the note in each file), so this runs without the model.
    for name in ["flagship-framework", "flagship-star"] {
        let json: serde_json::Value =
            serde_json::from_str(&fixture(&format!("whisper/{name}.json"))).unwrap();
        let t: Transcript = serde_json::from_value(json["transcript"].clone()).unwrap();
        let d = serde_json::from_value(json["delivery"].clone()).unwrap();
        let heard = score(flagship(), &t, &d);
        let clean = flagship_card(&format!("{name}.txt"));
        assert!(t.timed.has_times() && heard.story == clean.story);
        assert!(
            heard.overall + 10 >= clean.overall,
            "{name}: {} vs {}",
            heard.overall,
            clean.overall
        );
    }
}

#[test]
fn timed_answers_get_pace_fluency_and_quotes_with_times() {
    let q = flagship();
    let text = fixture("flagship-star.txt").replace("Then I paired", "Um, then I, I paired");
    let t = timed(&text, 140, 400);
    let card = score(q, &t, &measure(&t, None, None));
    assert!(card.length.by_time);
    assert!(!card.pace.windows.is_empty() && !card.pace.rushing_at_end);
    assert_eq!(card.fluency.fillers.count, 1);
    assert_eq!(card.fluency.repeats.count, 1);
    assert!(card.fluency.fillers.per_minute.is_some());
    assert!(
        card.dimensions
            .iter()
            .flat_map(|d| &d.evidence)
            .all(|q| q.at_ms.is_some())
    );
    assert!(render_text(&card).contains("Pace per 15 s"));
}

/// The mistakes shown by words said (one-line answers also lack a follow-up, which shows by what
/// is missing; that is not under test here).
fn said(card: &ScoreCard) -> Vec<&str> {
    card.mistakes
        .iter()
        .filter(|m| m.quote.is_some())
        .map(|m| m.id.as_str())
        .collect()
}
