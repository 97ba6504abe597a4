//! Every evidence quote points at the words that earned it: its `matched` words are the transcript's
//! words from `word` on, they sit inside the quoted text, and one of the credited item's phrases
//! matches them, whatever contractions, numbers, hyphens, fillers, repeats and punctuation the
//! transcript holds around them.

use proptest::prelude::*;
use rehearse::questions::Question;
use rehearse::score::matcher::{Index, Phrase};
use rehearse::score::rubric::Quote;
use rehearse::text::tokenize;
use rehearse::transcribe::{Transcript, Word};

use crate::{flagship, score};
use rehearse::score::measure;

/// What trips word offsets up: contractions, numbers, hyphens, fillers, repeats, punctuation.
const NOISE: [&str; 34] = [
    "won't",
    "I've",
    "we're",
    "it's",
    "didn't",
    "can't",
    "I'd",
    "they'll",
    "five hundred",
    "500",
    "p99",
    "99.9%",
    "1,000",
    "post-mortem",
    "roll-back",
    "um",
    "uh,",
    "like",
    "you know,",
    "the the",
    "logs,",
    "(metrics)",
    "\"dashboards\"",
    "Sev-1.",
    "\u{2014}",
    "...",
    "I I",
    "so,",
    "notes",
    "will",
    "don't",
    "rock'n'roll",
    "e.g.",
    "it\u{2019}s",
];

/// Every phrase of the question's evidence items.
fn phrases(q: &Question) -> Vec<String> {
    q.dimensions
        .iter()
        .flat_map(|d| &d.evidence)
        .flat_map(|e| e.every_phrase())
        .cloned()
        .collect()
}

/// A piece of transcript: a rubric phrase or noise, sometimes capitalised or with punctuation.
fn piece(q: &'static Question) -> impl Strategy<Value = String> {
    let words = prop::sample::select(phrases(q)).boxed();
    let noise = prop::sample::select(NOISE.to_vec()).prop_map(str::to_string);
    (prop_oneof![words, noise], 0..6u8).prop_map(|(p, style)| match style {
        0 => format!("{p}."),
        1 => format!("{p},"),
        2 => {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
        3 => format!("\"{p}\""),
        _ => p,
    })
}

/// Checks one quote against the transcript's words and the credited item.
fn check(q: &Question, words: &[&str], quote: &Quote, dimension: &str) -> Result<(), String> {
    let matched: Vec<&str> = quote.matched.split_whitespace().collect();
    if matched.is_empty() || !quote.text.contains(&quote.matched) {
        return Err(format!("{quote:?}: the matched words are not in the quote"));
    }
    let source = words
        .get(quote.word..quote.word + matched.len())
        .ok_or_else(|| format!("{quote:?}: the quote runs past the transcript"))?;
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let (first, last) = (bare(source[0]), bare(source[source.len() - 1]));
    if !quote.matched.starts_with(&first) || !quote.matched.ends_with(&last) {
        return Err(format!("{quote:?}: the matched words are not {source:?}"));
    }
    let item = q
        .dimension(dimension)
        .and_then(|d| d.evidence.iter().find(|e| e.label == quote.counts_as))
        .ok_or_else(|| format!("{quote:?}: no such item"))?;
    let tokens = tokenize(source.iter().copied());
    let index = Index::new(&tokens, 200);
    let ends = (
        tokens.first().map(|t| t.word),
        tokens.last().map(|t| t.word),
    );
    let found = item
        .every_phrase()
        .filter_map(|p| Phrase::new(p))
        .flat_map(|p| [index.find(&p), index.find_fuzzy(&p)].concat())
        .any(|h| (Some(tokens[h.first].word), Some(tokens[h.last].word)) == ends);
    if found {
        Ok(())
    } else {
        Err(format!(
            "{quote:?}: no phrase of {} matches {source:?}",
            item.id
        ))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_quote_contains_the_words_that_earned_it(
        pieces in prop::collection::vec(piece(flagship()), 1..80),
        timed in any::<bool>(),
    ) {
        let q = flagship();
        let text = pieces.join(" ");
        let words: Vec<&str> = text.split_whitespace().collect();
        let t = if timed {
            let timed_words = words.iter().enumerate().map(|(i, w)| Word {
                text: w.to_string(),
                start_ms: 400 * i as u64,
                end_ms: 400 * i as u64 + 300,
                confidence: 0.9,
            }).collect();
            Transcript { text: text.clone(), words: timed_words, segments: vec![], timed: rehearse::transcribe::Timing::Words }
        } else {
            Transcript::from_text(&text)
        };
        let card = score(q, &t, &measure(&t, None, None));
        for d in &card.dimensions {
            for quote in &d.evidence {
                if let Err(e) = check(q, &words, quote, &d.id) {
                    return Err(TestCaseError::fail(e));
                }
                if timed {
                    prop_assert_eq!(quote.at_ms, Some(400 * quote.word as u64));
                }
            }
        }
    }
}

#[test]
fn a_contraction_never_earns_a_written_record() {
    let q = flagship();
    let text = "When it won't reproduce locally, I've learned to add more logging first. We're \
                careful, and I'd say it's worth it. Later I write up the issue so the team has notes.";
    let t = Transcript::from_text(text);
    let card = score(q, &t, &measure(&t, None, None));
    let words: Vec<&str> = text.split_whitespace().collect();
    let record = card
        .dimensions
        .iter()
        .flat_map(|d| &d.evidence)
        .find(|e| e.counts_as == "a written record")
        .expect("the write-up is a written record");
    assert!(record.matched.contains("write up") || record.matched.contains("notes"));
    assert!(record.word >= words.iter().position(|w| *w == "Later").unwrap());
}
