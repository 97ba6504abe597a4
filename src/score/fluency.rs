//! Fluency: fillers, hedges and repeated words, counted per 100 words and per minute.
//!
//! Hesitation sounds ("um", "uh", "er", "ah", "hmm") are always fillers. Discourse fillers are
//! words with real meanings too, so each is counted only where it stands as a filler: "like" after
//! a comma or a pause but not in "a queue like Kafka", "you know" at a clause edge but not in "do
//! you know what broke", "kind of" in "it kind of worked" but not in "what kind of cache". Hedges
//! ("I think maybe", "I guess", "probably") are counted longest phrase first, so "I think maybe" is
//! one hedge. Repeats are a word or a pair of words said twice in a row ("I, I", "it was it was").

use serde::{Deserialize, Serialize};

use super::matcher::is_hesitation;
use super::spoken::Spoken;
use crate::text::{Break, Token};

/// More fillers than this per 100 words is red. Source: the speech-coaching norm the issue cites.
pub const FILLERS_RED_PER_100: f64 = 5.0;
/// More fillers than this per 100 words is amber: noticeable, not yet distracting. Our own
/// midpoint between a clean answer (about 1) and the red line.
pub const FILLERS_AMBER_PER_100: f64 = 3.0;
/// More hedges than this per 100 words reads as unsure. Our own heuristic: one hedge every
/// 30-odd words is already heard as a habit.
pub const HEDGES_RED_PER_100: f64 = 3.0;
/// A silence at least this long on both sides of a discourse word makes it a filler.
/// 300 ms is a little above the 250 ms that counts as a pause in [`super::delivery`].
pub const FILLER_PAUSE_MS: u64 = 300;

/// Words before "like" that make it a verb or a comparison, not a filler.
const LIKE_MEANINGFUL_AFTER: [&str; 22] = [
    "would",
    "looks",
    "look",
    "looked",
    "seems",
    "seem",
    "seemed",
    "feel",
    "feels",
    "felt",
    "sounds",
    "sound",
    "something",
    "things",
    "stuff",
    "just",
    "more",
    "much",
    "exactly",
    "i",
    "we",
    "they",
];
/// Words after "you know" that make it a real question or statement ("you know what broke").
const YOU_KNOW_OBJECTS: [&str; 20] = [
    "what", "how", "that", "the", "where", "when", "why", "if", "whether", "about", "it", "them",
    "him", "her", "this", "which", "who", "a", "an", "more",
];
/// Words before "you know" that make it a real verb ("let you know", "do you know").
const YOU_KNOW_SUBJECTS: [&str; 10] = [
    "do", "did", "does", "if", "let", "would", "will", "to", "as", "not",
];
/// Words before "kind of" or "sort of" that make it a noun ("what kind of cache").
const KIND_OF_NOUN_AFTER: [&str; 14] = [
    "a",
    "the",
    "what",
    "this",
    "that",
    "some",
    "any",
    "which",
    "one",
    "every",
    "same",
    "different",
    "these",
    "those",
];
/// Adverbs that are fillers only at a clause edge or next to a pause.
const EDGE_FILLERS: [&str; 4] = ["basically", "literally", "actually", "honestly"];
/// Hedges, longest first so the longest one at a place wins.
const HEDGES: [&[&str]; 14] = [
    &["i", "think", "maybe"],
    &["i", "am", "not", "sure"],
    &["i", "feel", "like"],
    &["more", "or", "less"],
    &["i", "think"],
    &["i", "guess"],
    &["i", "suppose"],
    &["i", "believe"],
    &["not", "sure"],
    &["might", "be"],
    &["probably"],
    &["maybe"],
    &["perhaps"],
    &["hopefully"],
];
/// Words that may be said twice in a row on purpose ("we had had", "that that", "very very").
const FINE_TWICE: [&str; 6] = ["had", "that", "very", "really", "no", "bye"];

/// A count and its rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// How many.
    pub count: usize,
    /// Per 100 words, one decimal.
    pub per_100_words: f64,
    /// Per minute of speaking, one decimal, for a timed transcript.
    pub per_minute: Option<f64>,
    /// Each form heard and how often, most frequent first, then alphabetical.
    pub forms: Vec<(String, usize)>,
}

/// Fillers, hedges and repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fluency {
    /// Words in the answer.
    pub words: usize,
    /// Hesitations and discourse fillers.
    pub fillers: Rate,
    /// Hedges.
    pub hedges: Rate,
    /// Words or pairs said twice in a row.
    pub repeats: Rate,
}

/// Counts fillers, hedges and repeats. `speaking_ms` gives the per-minute rates.
pub fn measure(spoken: &Spoken, speaking_ms: Option<u64>) -> Fluency {
    let words = spoken.words.len();
    let rate = |forms: Vec<String>| to_rate(forms, words, speaking_ms);
    Fluency {
        words,
        fillers: rate(fillers(spoken)),
        hedges: rate(hedges(&spoken.tokens)),
        repeats: rate(repeats(&spoken.tokens)),
    }
}

/// Rounds to one decimal, so figures print the same everywhere.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Turns the forms found into a count, rates and a tally.
fn to_rate(mut found: Vec<String>, words: usize, speaking_ms: Option<u64>) -> Rate {
    let count = found.len();
    found.sort();
    let mut forms: Vec<(String, usize)> = Vec::new();
    for f in found {
        match forms.last_mut() {
            Some((last, n)) if *last == f => *n += 1,
            _ => forms.push((f, 1)),
        }
    }
    forms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Rate {
        count,
        per_100_words: if words == 0 {
            0.0
        } else {
            round1(count as f64 * 100.0 / words as f64)
        },
        per_minute: speaking_ms
            .filter(|&ms| ms > 0)
            .map(|ms| round1(count as f64 * 60_000.0 / ms as f64)),
        forms,
    }
}

/// Every filler, as the form it was counted under.
fn fillers(spoken: &Spoken) -> Vec<String> {
    let t = &spoken.tokens;
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let (form, len) = filler_at(spoken, i);
        if let Some(form) = form {
            out.push(form.to_string());
        }
        i += len;
    }
    out
}

/// Ranges of source words, first and last inclusive.
pub type WordSpans = Vec<(usize, usize)>;

/// The source-word ranges (first and last word, inclusive) of every filler and of every hedge in
/// `t`, found as [`measure`] finds them, for highlighting a transcript.
pub fn spans(t: &crate::transcribe::Transcript) -> (WordSpans, WordSpans) {
    let spoken = Spoken::new(t);
    let tok = &spoken.tokens;
    let range = |i: usize, len: usize| (tok[i].word, tok[i + len - 1].last_word);
    let mut fill = Vec::new();
    let mut i = 0;
    while i < tok.len() {
        let (form, len) = filler_at(&spoken, i);
        if form.is_some() {
            fill.push(range(i, len));
        }
        i += len;
    }
    let mut hedge = Vec::new();
    let mut i = 0;
    while i < tok.len() {
        match hedge_at(tok, i) {
            Some(h) => {
                hedge.push(range(i, h.len()));
                i += h.len();
            }
            None => i += 1,
        }
    }
    (fill, hedge)
}

/// The filler starting at token `i`, if it is one, and how many tokens to move on.
fn filler_at(spoken: &Spoken, i: usize) -> (Option<&'static str>, usize) {
    let t = &spoken.tokens;
    let word = t[i].text.as_str();
    let next = t
        .get(i + 1)
        .filter(|n| n.brk == Break::None)
        .map(|n| n.text.as_str());
    let prev = (i > 0 && t[i].brk == Break::None).then(|| t[i - 1].text.as_str());
    let edge = edge_before(t, i) || edge_after(t, i) || paused(spoken, i);
    match (word, next) {
        (w, _) if is_hesitation(w) => (Some(hesitation_form(w)), 1),
        ("like", _) => (like_is_filler(prev, edge).then_some("like"), 1),
        ("you", Some("know")) => {
            let after = t
                .get(i + 2)
                .filter(|n| n.brk == Break::None)
                .map(|n| n.text.as_str());
            let filler = edge_after(t, i + 1)
                || !(after.is_some_and(|a| YOU_KNOW_OBJECTS.contains(&a))
                    || prev.is_some_and(|p| YOU_KNOW_SUBJECTS.contains(&p)));
            (filler.then_some("you know"), 2)
        }
        ("i", Some("mean")) => (
            (edge_before(t, i) && edge_after(t, i + 1)).then_some("i mean"),
            2,
        ),
        ("kind" | "sort", Some("of")) => {
            let noun = prev.is_some_and(|p| KIND_OF_NOUN_AFTER.contains(&p)) || edge_before(t, i);
            (
                (!noun).then_some(if word == "kind" { "kind of" } else { "sort of" }),
                2,
            )
        }
        (w, _) if EDGE_FILLERS.contains(&w) => {
            let after_joiner = prev.is_some_and(|p| matches!(p, "and" | "but" | "so"));
            ((edge || after_joiner).then(|| edge_form(w)), 1)
        }
        _ => (None, 1),
    }
}

/// "like" is a filler at a clause edge, next to a pause, or after a joiner or a hesitation; after a
/// verb of seeming or a pronoun it means something, and elsewhere it is given the benefit of the
/// doubt ("a queue like Kafka").
fn like_is_filler(prev: Option<&str>, edge: bool) -> bool {
    if prev.is_some_and(|p| LIKE_MEANINGFUL_AFTER.contains(&p)) {
        return false;
    }
    edge || prev.is_some_and(|p| matches!(p, "and" | "but" | "so") || is_hesitation(p))
}

/// The tally name of a hesitation, so "umm" and "um" count together.
fn hesitation_form(w: &str) -> &'static str {
    match w {
        "um" | "umm" | "uhm" => "um",
        "uh" | "uhh" => "uh",
        "er" | "erm" => "er",
        "ah" | "ahh" => "ah",
        _ => "hmm",
    }
}

/// The tally name of an edge filler.
fn edge_form(w: &str) -> &'static str {
    EDGE_FILLERS
        .iter()
        .find(|f| **f == w)
        .copied()
        .unwrap_or("basically")
}

/// Whether token `i` starts a clause.
fn edge_before(t: &[Token], i: usize) -> bool {
    t[i].brk != Break::None
}

/// Whether token `i` ends a clause.
fn edge_after(t: &[Token], i: usize) -> bool {
    t.get(i + 1).is_none_or(|n| n.brk != Break::None)
}

/// Whether the word of token `i` has a silence of [`FILLER_PAUSE_MS`] on both sides, as a filler
/// said between hesitations does ("and... like... the"). One side is not enough: Whisper's word
/// edges drift, and a gap after "like" in "production like traffic" means nothing.
fn paused(spoken: &Spoken, i: usize) -> bool {
    let Some(times) = &spoken.times else {
        return false;
    };
    let w = spoken.tokens[i].word;
    let before = w
        .checked_sub(1)
        .and_then(|p| times.get(p))
        .is_some_and(|p| times[w].0.saturating_sub(p.1) >= FILLER_PAUSE_MS);
    let after = times
        .get(w + 1)
        .is_some_and(|n| n.0.saturating_sub(times[w].1) >= FILLER_PAUSE_MS);
    before && after
}

/// Every hedge, longest match first at each place.
fn hedges(t: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        match hedge_at(t, i) {
            Some(h) => {
                out.push(h.join(" "));
                i += h.len();
            }
            None => i += 1,
        }
    }
    out
}

/// The hedge starting at token `i`, if one does (the longest).
fn hedge_at(t: &[Token], i: usize) -> Option<&'static [&'static str]> {
    HEDGES.iter().copied().find(|h| {
        h.iter().enumerate().all(|(k, w)| {
            t.get(i + k)
                .is_some_and(|x| x.text == *w && (k == 0 || x.brk == Break::None))
        })
    })
}

/// Every word or pair of words said twice in a row within a sentence.
fn repeats(t: &[Token]) -> Vec<String> {
    let same = |a: usize, b: usize| t[a].text == t[b].text && t[b].brk != Break::Sentence;
    let mut out = Vec::new();
    let mut i = 1;
    while i < t.len() {
        let w = t[i].text.as_str();
        if same(i - 1, i)
            && !is_hesitation(w)
            && !FINE_TWICE.contains(&w)
            && !w.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push(w.to_string());
        } else if i >= 3 && same(i - 3, i - 1) && same(i - 2, i) && t[i - 2].text != t[i - 1].text {
            out.push(format!("{} {}", t[i - 1].text, t[i].text));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::Transcript;

    fn of(text: &str) -> Fluency {
        let t = Transcript::from_text(text);
        measure(&Spoken::new(&t), None)
    }

    fn forms(r: &Rate) -> Vec<(&str, usize)> {
        r.forms.iter().map(|(f, n)| (f.as_str(), *n)).collect()
    }

    #[test]
    fn hesitations_always_count() {
        let f = of("Um, so I, uh, checked the umm dashboards. Hmm.");
        assert_eq!(forms(&f.fillers), [("um", 2), ("hmm", 1), ("uh", 1)]);
    }

    #[test]
    fn discourse_words_count_only_as_fillers() {
        assert_eq!(
            of("we use a queue like Kafka and it looks like a leak")
                .fillers
                .count,
            0
        );
        assert_eq!(of("and, like, the cache was like full").fillers.count, 1);
        assert_eq!(
            of("do you know what broke? I let you know the fix")
                .fillers
                .count,
            0
        );
        assert_eq!(of("the cache, you know, was full").fillers.count, 1);
        assert_eq!(
            of("what kind of cache is it? It kind of worked")
                .fillers
                .count,
            1
        );
        assert_eq!(
            of("Basically, we rolled back. It basically works")
                .fillers
                .count,
            1
        );
    }

    #[test]
    fn hedges_count_longest_first() {
        let f = of("I think maybe it was the cache, probably. I guess.");
        assert_eq!(
            forms(&f.hedges),
            [("i guess", 1), ("i think maybe", 1), ("probably", 1)]
        );
    }

    #[test]
    fn repeats_and_restarts() {
        let f = of("I, I checked the the logs and it was it was fine. We had had enough.");
        assert_eq!(forms(&f.repeats), [("i", 1), ("it was", 1), ("the", 1)]);
    }

    #[test]
    fn rates_per_hundred_words_and_minute() {
        let t = Transcript::from_text("um one two three um five six seven eight nine");
        let f = measure(&Spoken::new(&t), Some(30_000));
        assert_eq!(f.fillers.per_100_words, 20.0);
        assert_eq!(f.fillers.per_minute, Some(4.0));
        assert_eq!(of("").fillers.per_100_words, 0.0);
    }
}
