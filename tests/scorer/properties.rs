//! Properties that hold for any input: no panic, scores within bounds, byte-identical output.

use proptest::prelude::*;
use rehearse::report::{render_markdown, render_text};
use rehearse::score::card::DeductionKind;
use rehearse::score::{ScoreCard, measure};

use crate::score;
use rehearse::transcribe::{Transcript, Word};

use crate::{card_for, fixture, flagship, timed};

#[test]
fn output_is_byte_identical_for_the_same_input() {
    let q = flagship();
    let t = timed(&fixture("rambling-keywords.txt"), 175, 300);
    let d = measure(&t, Some(200_000), None);
    let (a, b) = (score(q, &t, &d), score(q, &t, &d));
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(render_text(&a), render_text(&b));
    assert_eq!(render_markdown(&a), render_markdown(&b));
}

/// Checks the bounds every card must respect.
fn assert_bounded(card: &ScoreCard) {
    assert!(card.overall <= 100 && card.content <= 100 && card.overall <= card.content);
    assert!(
        card.dimensions
            .iter()
            .all(|d| d.level <= 4 && d.covered <= 4 && d.level <= d.covered)
    );
    assert!(
        card.fluency.fillers.per_100_words >= 0.0
            && card.improvements.iter().all(|i| i.points >= 0.0)
    );
}

#[test]
fn a_100_000_word_answer_is_scored_within_bounds() {
    let base = fixture("flagship-star.txt");
    let mut text = String::new();
    while text.split_whitespace().count() < 100_000 {
        text.push_str(&base);
        text.push(' ');
    }
    let q = flagship();
    let card = card_for(q, &text);
    assert_bounded(&card);
    assert!(card.fluency.words >= 100_000);
    assert!(
        card.deductions
            .iter()
            .any(|d| d.kind == DeductionKind::Rambling)
    );
    let t = timed(&text, 150, 200);
    assert_bounded(&score(q, &t, &measure(&t, None, None)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_text_scores_within_bounds_and_deterministically(text in any::<String>()) {
        let q = flagship();
        let a = card_for(q, &text);
        assert_bounded(&a);
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&card_for(q, &text)).unwrap());
        let _ = (render_text(&a), render_markdown(&a));
    }

    #[test]
    fn any_mix_of_rubric_words_scores_within_bounds(words in prop::collection::vec(
        prop::sample::select(vec!["roll", "back", "not", "never", "if", "logs", "only", "um", "like", "I", "I,", "root", "cause.",
            "users", "affected", "five", "hundred", "p", "99", "post-mortem", "restart", "everything", "just", "you", "know", "-", "..."]),
        0..400)) {
        let text = words.join(" ");
        let card = card_for(flagship(), &text);
        assert_bounded(&card);
    }

    #[test]
    fn any_timings_score_within_bounds(
        words in prop::collection::vec(("[a-z,.]{0,8}", any::<u64>(), any::<u64>()), 0..200),
        speaking_ms in any::<Option<u64>>(),
    ) {
        // The times are arbitrary, out of order and extreme on purpose; the delivery figures are
        // given directly so only the scorer's own handling of them is under test.
        let words: Vec<Word> = words.into_iter().map(|(text, s, e)| Word { text, start_ms: s, end_ms: e, confidence: 0.5 }).collect();
        let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        let t = Transcript { text, words, segments: vec![], timed: rehearse::transcribe::Timing::Words };
        let q = flagship();
        let mut d = measure(&Transcript::from_text(&t.text), None, None);
        d.speaking_ms = speaking_ms;
        d.speaking_rate_wpm = speaking_ms.map(|ms| ms as f64 / 1000.0);
        let a = score(q, &t, &d);
        assert_bounded(&a);
        prop_assert_eq!(render_text(&a), render_text(&score(q, &t, &d)));
    }
}
