//! The rubric scorer end to end, without a model or audio: calibration answers written for this
//! project (in `tests/fixtures/answers/`), negation, ordering, speech-recognition tolerance, timed
//! transcripts, the question bank's loading rules, and properties that must hold for any input.

use std::path::Path;
use std::sync::LazyLock;

use rehearse::questions::{Bank, FLAGSHIP, Question};
use rehearse::report::{render_markdown, render_text};
use rehearse::score::card::DeductionKind;
use rehearse::score::rubric::DimensionScore;
use rehearse::score::{Delivery, ScoreCard, Scorer, measure};
use rehearse::transcribe::{Transcript, Word};

// The parts live beside this file in `tests/scorer/`, which Cargo builds as one test binary.
mod anchors;
mod bank;
mod calibration;
mod properties;
mod quotes;
mod speech;

/// The built-in flagship question, parsed and prepared once for all tests.
fn flagship() -> &'static Question {
    static FLAGSHIP_QUESTION: LazyLock<Question> = LazyLock::new(|| {
        Bank::builtin()
            .expect("the built-in bank is valid")
            .get(FLAGSHIP)
            .expect("the flagship exists")
            .clone()
    });
    &FLAGSHIP_QUESTION
}

/// Scores an answer to `q`, preparing its rubric afresh.
fn score(q: &Question, t: &Transcript, d: &Delivery) -> ScoreCard {
    Scorer::new(q).score(t, d)
}

/// A file of the repository, by its path from the root.
fn repo_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A calibration answer's text.
fn fixture(name: &str) -> String {
    repo_file(&format!("tests/fixtures/answers/{name}"))
}

/// Scores a text transcript against `q`.
fn card_for(q: &Question, text: &str) -> ScoreCard {
    let t = Transcript::from_text(text);
    score(q, &t, &measure(&t, None, None))
}

/// Scores a calibration answer against the flagship.
fn flagship_card(name: &str) -> ScoreCard {
    card_for(flagship(), &fixture(name))
}

/// The level of dimension `id`.
fn level(card: &ScoreCard, id: &str) -> u8 {
    dim(card, id).level
}

/// Dimension `id` of a card.
fn dim<'a>(card: &'a ScoreCard, id: &str) -> &'a DimensionScore {
    card.dimensions
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("no dimension {id}"))
}

/// A timed transcript of `text` at `wpm`, each sentence followed by a `gap_ms` silence.
fn timed(text: &str, wpm: u64, gap_ms: u64) -> Transcript {
    let step = 60_000 / wpm;
    let mut at = 500;
    let words: Vec<Word> = text
        .split_whitespace()
        .map(|w| {
            let word = Word {
                text: w.to_string(),
                start_ms: at,
                end_ms: at + step * 4 / 5,
                confidence: 0.9,
            };
            at += step + if w.ends_with('.') { gap_ms } else { 0 };
            word
        })
        .collect();
    Transcript {
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        words,
        segments: vec![],
        timed: rehearse::transcribe::Timing::Words,
    }
}

#[test]
fn the_framework_answer_scores_80_and_covers_its_dimensions() {
    let card = flagship_card("flagship-framework.txt");
    assert!(
        card.overall >= 80,
        "overall {}\n{}",
        card.overall,
        render_text(&card)
    );
    assert!(!card.story);
    for id in [
        "impact",
        "stabilise",
        "signals",
        "diagnosis",
        "fix",
        "prevention",
    ] {
        assert!(level(&card, id) >= 3, "{id}: {}", dim(&card, id).reason);
    }
    for id in ["communication", "depth"] {
        assert!(level(&card, id) >= 2, "{id}: {}", dim(&card, id).reason);
    }
    assert!(card.mistakes.is_empty(), "{:?}", card.mistakes);
    assert!(card.ordering.iter().all(|c| c.held == Some(true)));
}

#[test]
fn the_star_story_scores_80_and_covers_its_dimensions() {
    let card = flagship_card("flagship-star.txt");
    assert!(
        card.overall >= 80,
        "overall {}\n{}",
        card.overall,
        render_text(&card)
    );
    assert!(card.story, "the answer is a story");
    assert_eq!(level(&card, "star"), 4, "{}", dim(&card, "star").reason);
    for id in [
        "impact",
        "stabilise",
        "signals",
        "diagnosis",
        "fix",
        "communication",
        "prevention",
        "depth",
    ] {
        assert!(level(&card, id) >= 3, "{id}: {}", dim(&card, id).reason);
    }
    assert!(card.mistakes.is_empty(), "{:?}", card.mistakes);
}

/// A mistake answer scores at least `by` levels lower than the framework answer on `id`, and
/// clearly lower overall.
fn lower_on(mistake: &str, id: &str, by: u8) -> ScoreCard {
    let good = flagship_card("flagship-framework.txt");
    let bad = flagship_card(mistake);
    assert!(
        level(&bad, id) + by <= level(&good, id),
        "{mistake} on {id}: {} vs {}",
        dim(&bad, id).reason,
        dim(&good, id).reason
    );
    assert!(
        bad.overall + 10 <= good.overall,
        "{mistake}: {} vs {}",
        bad.overall,
        good.overall
    );
    bad
}

/// The ids of the anti-patterns a card shows.
fn mistakes(card: &ScoreCard) -> Vec<&str> {
    card.mistakes.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn root_cause_before_impact_costs_impact() {
    let card = lower_on("mistake-root-cause-first.txt", "impact", 2);
    let broken: Vec<&str> = card
        .ordering
        .iter()
        .filter(|c| c.held == Some(false))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        broken,
        ["impact before root cause", "stabilise before root cause"]
    );
    assert!(
        card.improvements[0].title.contains("before root cause"),
        "{:?}",
        card.improvements[0]
    );
}

#[test]
fn a_solo_hero_costs_communication() {
    let card = lower_on("mistake-solo-hero.txt", "communication", 2);
    assert_eq!(mistakes(&card), ["solo-hero"]);
}

#[test]
fn a_reckless_fix_costs_the_fix() {
    let card = lower_on("mistake-reckless-fix.txt", "fix", 2);
    assert_eq!(mistakes(&card), ["reckless-fix"]);
    assert_eq!(card.improvements[0].title, "Reckless fix");
}

#[test]
fn skipping_communication_costs_communication() {
    let card = lower_on("mistake-no-communication.txt", "communication", 2);
    assert_eq!(level(&card, "communication"), 0);
}

#[test]
fn skipping_prevention_costs_prevention() {
    let card = lower_on("mistake-no-prevention.txt", "prevention", 3);
    assert_eq!(mistakes(&card), ["no-follow-up"]);
}

#[test]
fn random_guessing_costs_diagnosis() {
    // Its flurry of untested changes ("bump the memory, flip a few config flags") is reckless too.
    let card = lower_on("mistake-random-guessing.txt", "diagnosis", 3);
    assert_eq!(mistakes(&card), ["reckless-fix", "random-guessing"]);
}

#[test]
fn only_logs_costs_signals() {
    let card = lower_on("mistake-only-logs.txt", "signals", 3);
    assert_eq!(mistakes(&card), ["only-logs"]);
}

#[test]
fn length_and_keywords_alone_do_not_win() {
    let short = flagship_card("short-sound.txt");
    let rambling = flagship_card("rambling-keywords.txt");
    let list = flagship_card("keyword-list.txt");
    assert!(rambling.fluency.words > 3 * short.fluency.words);
    assert!(
        rambling.overall + 30 <= short.overall,
        "rambling {} vs short {}",
        rambling.overall,
        short.overall
    );
    assert!(
        list.overall + 30 <= short.overall,
        "keyword list {} vs short {}",
        list.overall,
        short.overall
    );
    assert!(
        list.deductions
            .iter()
            .any(|d| d.kind == DeductionKind::KeywordList)
    );
    assert!(
        rambling
            .deductions
            .iter()
            .any(|d| d.kind == DeductionKind::Rambling)
    );
}

#[test]
fn the_card_lists_versions_improvements_and_strengths() {
    let card = flagship_card("flagship-star.txt");
    let keep: Vec<&str> = card
        .versions
        .keep_in_90s
        .iter()
        .map(|v| v.dimension.as_str())
        .collect();
    assert_eq!(keep[0], "Impact triage");
    assert!(
        card.versions
            .only_in_2min
            .iter()
            .any(|v| v.dimension == "STAR completeness")
    );
    assert!(card.improvements.len() >= 3 && !card.strengths.is_empty());
    let text = render_text(&card);
    let top = text.find("Top improvements").unwrap();
    assert!(top < text.find("Rubric").unwrap() && text.contains("90 seconds must keep"));
    let md = render_markdown(&card);
    assert!(
        md.starts_with("# How do you debug a production issue?")
            && md.contains("| Impact triage | 4/4 |")
    );
}

#[test]
fn every_question_has_a_sound_answer_that_scores_well_only_on_its_own_rubric() {
    let bank = Bank::builtin().unwrap();
    let pairs = [
        (FLAGSHIP, "flagship-framework.txt"),
        ("production-incident", "flagship-star.txt"),
        ("improve-reliability", "improve-reliability-sound.txt"),
        ("database-design", "database-design-sound.txt"),
        ("slow-endpoint", "slow-endpoint-sound.txt"),
        ("rate-limiter", "rate-limiter-sound.txt"),
        ("zero-downtime-migration", "zero-downtime-sound.txt"),
        ("technical-disagreement", "technical-disagreement-sound.txt"),
        ("url-shortener", "url-shortener-sound.txt"),
        ("flaky-test-suite", "flaky-test-suite-sound.txt"),
        ("on-call-handover", "on-call-handover-sound.txt"),
        ("risky-pull-request", "risky-pull-request-sound.txt"),
        ("tell-me-about-yourself", "tell-me-about-yourself-sound.txt"),
        (
            "conflict-with-colleague",
            "conflict-with-colleague-sound.txt",
        ),
        ("failure-lesson", "failure-lesson-sound.txt"),
        (
            "leading-without-authority",
            "leading-without-authority-sound.txt",
        ),
    ];
    for (id, file) in pairs {
        let q = bank.get(id).unwrap();
        let card = card_for(q, &fixture(file));
        assert!(
            card.overall >= 80,
            "{id}: {}\n{}",
            card.overall,
            render_text(&card)
        );
        assert!(card.mistakes.is_empty(), "{id}: {:?}", mistakes(&card));
        let off_topic = if id == "database-design" {
            "rate-limiter-sound.txt"
        } else {
            "database-design-sound.txt"
        };
        let other = card_for(q, &fixture(off_topic));
        assert!(
            other.overall + 30 <= card.overall,
            "{id}: {off_topic} scored {}",
            other.overall
        );
    }
}
