//! Which words count as evidence, and how they are quoted.
//!
//! For every evidence item of a dimension the earliest usable hit is chosen: not negated, not
//! overlapping words already counted for another item of the same dimension, and not inside a
//! longer hit of another item ("stack traces" is a log, not a trace). Exact matches are preferred;
//! an item with none gets the fuzzy ones. Each choice is quoted with a few words of its sentence
//! and the time it was said, so every judgment points at the words that earned it.

use serde::{Deserialize, Serialize};

use super::matcher::{Hit, Index, Phrase};
use super::modality::Modality;
use super::senses::Senses;
use super::spoken::Spoken;
use crate::text::{Break, Token};

/// Words quoted before a match, within its sentence, so the quote reads as speech.
pub const QUOTE_WORDS_BEFORE: usize = 2;
/// Words quoted after a match, within its sentence.
pub const QUOTE_WORDS_AFTER: usize = 3;

/// Where something was first said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// What it counts as ("who is affected", "reckless fix").
    pub counts_as: String,
    /// The words, as transcribed, with a little context.
    pub text: String,
    /// The words that matched, as transcribed: always inside `text`.
    #[serde(default)]
    pub matched: String,
    /// Index of the first matched word in the transcript.
    pub word: usize,
    /// When the match starts, in ms, for a timed transcript.
    pub at_ms: Option<u64>,
}

/// The evidence chosen for one dimension: per item, its hit if heard.
pub type Chosen = Vec<Option<Hit>>;

/// An evidence item or an anti-pattern in matching form: its groups of phrases, each with the
/// context it needs.
#[derive(Debug, Clone, Default)]
pub struct Item {
    /// The item's own phrases (misheard spellings included) first, then its `sense` tables.
    pub groups: Vec<Group>,
}

/// Phrases that share context rules.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// The phrases.
    pub phrases: Vec<Phrase>,
    /// The words that must, or must not, be near a phrase for it to count.
    pub senses: Senses,
}

impl Item {
    /// Every phrase of the item, context phrases included.
    pub fn all_phrases(&self) -> impl Iterator<Item = &Phrase> {
        self.groups
            .iter()
            .flat_map(|g| g.phrases.iter().chain(g.senses.phrases()))
    }

    /// The hits `find` gives for the item's phrases that are used in their group's sense, in text
    /// order, and whether `find` found anything at all before the context rules were applied.
    pub fn hits(&self, index: &Index, find: impl Fn(&Phrase) -> Vec<Hit>) -> (Vec<Hit>, bool) {
        let (mut hits, mut found_any) = (Vec::new(), false);
        for group in &self.groups {
            let found: Vec<Hit> = group.phrases.iter().flat_map(&find).collect();
            if found.is_empty() {
                continue;
            }
            found_any = true;
            let context = group.senses.context(index);
            hits.extend(found.into_iter().filter(|h| context.fits(index, h)));
        }
        hits.sort_by_key(|h| (h.first, h.last));
        (hits, found_any)
    }
}

/// For each evidence item, its earliest hit that is not negated and does not overlap words
/// already counted for an earlier item of the same dimension, nor the `blocked` spans (the clauses
/// where a mistake against this dimension was said: in "push a patch straight to production" the
/// patch is no credit). Exact matches are preferred; an item with none gets the fuzzy ones. A hit
/// inside a longer hit of another item belongs to that one: "stack traces" is a log, not a trace.
pub fn choose(index: &Index, items: &[Item], blocked: &[(usize, usize)]) -> Chosen {
    let all: Vec<Vec<Hit>> = items.iter().map(|item| item_hits(index, item)).collect();
    let spans = Spans::new(&all);
    let mut claimed: Vec<(usize, usize)> = blocked.to_vec();
    let mut out = Vec::with_capacity(items.len());
    for (item, hits) in all.iter().enumerate() {
        let free = |h: &&Hit| {
            !claimed.iter().any(|&(a, b)| h.first <= b && a <= h.last)
                && !spans.inside_longer(item, h)
        };
        let best = hits.iter().find(free).copied();
        if let Some(h) = best {
            claimed.push((h.first, h.last));
        }
        out.push(best);
    }
    out
}

/// The clause around tokens `first..=last`: from the last break at or before `first` to the token
/// before the next break after `last`.
pub fn clause(tokens: &[Token], first: usize, last: usize) -> (usize, usize) {
    let start = (1..=first)
        .rev()
        .find(|&i| tokens[i].brk != Break::None)
        .unwrap_or(0);
    let end = (last + 1..tokens.len())
        .find(|&i| tokens[i].brk != Break::None)
        .map_or(tokens.len(), |i| i);
    (start, end.saturating_sub(1).max(last))
}

/// An item's usable hits in text order: exact ones, or fuzzy ones when there are none, in the
/// sense the item's context rules allow.
fn item_hits(index: &Index, item: &Item) -> Vec<Hit> {
    let (mut hits, any_exact) = item.hits(index, |p| index.find(p));
    if !any_exact {
        hits = item.hits(index, |p| index.find_fuzzy(p)).0;
    }
    hits.retain(|h| h.modality != Modality::Negated);
    hits
}

/// Every hit of a dimension's items, sorted by start, to find the ones that contain another.
struct Spans {
    sorted: Vec<(usize, usize, usize)>,
    longest: usize,
}

impl Spans {
    /// Collects the hits of every item.
    fn new(all: &[Vec<Hit>]) -> Spans {
        let mut sorted: Vec<(usize, usize, usize)> = all
            .iter()
            .enumerate()
            .flat_map(|(item, hits)| hits.iter().map(move |h| (h.first, h.last, item)))
            .collect();
        sorted.sort_unstable();
        let longest = sorted.iter().map(|&(a, b, _)| b - a).max().unwrap_or(0);
        Spans { sorted, longest }
    }

    /// Whether a longer hit of another item covers `h`. Only hits starting at most `longest` tokens
    /// before `h` can, so the search stays local however long the answer is.
    fn inside_longer(&self, item: usize, h: &Hit) -> bool {
        let from = self
            .sorted
            .partition_point(|&(a, _, _)| a + self.longest < h.first);
        self.sorted[from..]
            .iter()
            .take_while(|&&(a, _, _)| a <= h.first)
            .any(|&(a, b, j)| j != item && h.last <= b && b - a > h.last - h.first)
    }
}

/// Quotes a hit with a little context from its sentence.
pub fn quote(spoken: &Spoken, hit: &Hit, counts_as: &str) -> Quote {
    let words = &spoken.words;
    let first = spoken.tokens[hit.first].word;
    let last = spoken.tokens[hit.last]
        .last_word
        .min(words.len().saturating_sub(1));
    let ends_sentence = |w: &str| {
        w.trim_end_matches(['"', '\'', ')'])
            .ends_with(['.', '?', '!'])
    };
    let mut from = first;
    while from > 0 && first - from < QUOTE_WORDS_BEFORE && !ends_sentence(words[from - 1]) {
        from -= 1;
    }
    let mut to = last;
    while to + 1 < words.len() && to - last < QUOTE_WORDS_AFTER && !ends_sentence(words[to]) {
        to += 1;
    }
    let bare = |s: String| s.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    Quote {
        counts_as: counts_as.to_string(),
        text: bare(words[from..=to].join(" ")),
        matched: bare(words[first..=last.max(first)].join(" ")),
        word: first,
        at_ms: spoken.start_ms(first),
    }
}
