//! Finding rubric phrases in a transcript in a way that survives speech recognition.
//!
//! A phrase and the text are compared by their *squashed key*: the stems of their tokens written
//! together without spaces. That one rule makes "roll back", "rollback" and "rolled back" the same,
//! and "post mortem", "post-mortem" and "postmortems", and "p 95" and "P95", whichever way Whisper
//! happened to split or join the words. The text's keys are indexed once per transcript, for every
//! run of up to a few tokens that does not cross a sentence, so each phrase costs one hash lookup.
//! Long phrases that find nothing exactly get a second chance within one or two edits (Whisper's
//! "item potency" for "idempotency"); short words do not, because at that length one edit turns a
//! word into a different one. Hesitations ("um") and articles are skipped, so they do not split a
//! phrase and "behind the canary" is "behind a canary".
//!
//! Each hit carries its modality (see [`super::modality`]); the rubric decides what it is worth.

use super::edits::within_edits;
use super::modality::{Modality, NEGATION_WINDOW, modality};
use crate::questions::MAX_PHRASE_TOKENS;
use crate::text::{Break, Token, tokenize};

/// Phrases whose key has at least this many letters may match within one edit. Below it, one edit
/// too often lands on another real word ("latency" is the shortest term worth the risk).
pub const FUZZY_MIN_LEN: usize = 7;
/// Phrases whose key has at least this many letters may match within two edits.
pub const FUZZY_TWO_EDITS_LEN: usize = 12;
/// Phrases whose key has at least this many letters may match within three edits: several words
/// long, they survive a misheard syllable at a word edge ("midincident channel").
pub const FUZZY_THREE_EDITS_LEN: usize = 15;
/// Hesitations, skipped when matching so "roll, um, back" is still "roll back".
pub const HESITATIONS: [&str; 12] = [
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "ahh", "hmm", "hm", "mm",
];

/// Short words that join other words. A fuzzy match may not gain one the phrase does not have:
/// "added tests" is within an edit of "and tests", and "post incident" of "post in the incident".
pub const JOINING_WORDS: [&str; 24] = [
    "and", "or", "to", "in", "on", "at", "of", "for", "with", "by", "from", "as", "is", "it", "i",
    "we", "you", "so", "but", "then", "that", "this", "if", "be",
];

/// A rubric phrase in matching form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The stems of the phrase's tokens, written together.
    pub key: String,
    hash: u64,
    /// How many of its tokens are [`JOINING_WORDS`].
    joining: usize,
    /// Which letters its key holds (see [`letters`]).
    letters: u32,
}

impl Phrase {
    /// The matching form of `text`, or `None` when it has no words or too many.
    pub fn new(text: &str) -> Option<Phrase> {
        let tokens = tokenize(text.split_whitespace());
        if tokens.is_empty() || tokens.len() > MAX_PHRASE_TOKENS {
            return None;
        }
        let words = tokens.iter().filter(|t| !is_article(&t.text));
        let mut key: String = words.map(|t| t.stem.as_str()).collect();
        if key.is_empty() {
            key = tokens.iter().map(|t| t.stem.as_str()).collect();
        }
        Some(Phrase {
            hash: fnv(FNV_OFFSET, key.as_bytes()),
            joining: tokens.iter().filter(|t| is_joining(&t.text)).count(),
            letters: letters(key.as_bytes()),
            key,
        })
    }

    /// How many edits a fuzzy match may need; zero when the phrase must match exactly.
    fn edits_allowed(&self) -> usize {
        let letters = self.key.bytes().all(|b| b.is_ascii_lowercase());
        match self.key.len() {
            n if !letters || n < FUZZY_MIN_LEN => 0,
            n if n < FUZZY_TWO_EDITS_LEN => 1,
            n if n < FUZZY_THREE_EDITS_LEN => 2,
            _ => 3,
        }
    }
}

/// One place a phrase was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The first token of the match.
    pub first: usize,
    /// The last token of the match.
    pub last: usize,
    /// How it was said.
    pub modality: Modality,
    /// Whether it matched only within an edit or two.
    pub fuzzy: bool,
}

/// A run of text tokens, by position in the non-hesitation tokens. Its key is not stored: it is
/// the stems of its tokens, compared in place.
#[derive(Debug, Clone, Copy)]
struct Gram {
    start: u32,
    len: u8,
    key_len: u16,
    letters: u32,
}

/// A transcript's tokens indexed for phrase lookup.
pub struct Index<'t> {
    tokens: &'t [Token],
    content: Vec<usize>,
    grams: Vec<Gram>,
    /// (key hash, gram) sorted, for exact lookup by binary search.
    by_hash: Vec<(u64, u32)>,
    /// (first byte, key length, gram) packed into one sorted number, for fuzzy lookup by range.
    by_shape: Vec<u64>,
    /// The distinct first bytes of the keys, for the longest phrases, whose first sound may be
    /// misheard too.
    firsts: Vec<u8>,
}

impl<'t> Index<'t> {
    /// Indexes `tokens` for phrases whose key is at most `max_key_len` bytes long.
    pub fn new(tokens: &'t [Token], max_key_len: usize) -> Index<'t> {
        let content: Vec<usize> = (0..tokens.len())
            .filter(|&i| !is_hesitation(&tokens[i].text) && !is_article(&tokens[i].text))
            .collect();
        let limit = max_key_len + 2;
        let (mut grams, mut by_hash, mut by_shape) = (Vec::new(), Vec::new(), Vec::new());
        for start in 0..content.len() {
            let (mut h, mut key_len, mut seen) = (FNV_OFFSET, 0usize, 0u32);
            let Some(&first_byte) = tokens[content[start]].stem.as_bytes().first() else {
                continue;
            };
            for len in 1..=MAX_PHRASE_TOKENS + 2 {
                let Some(&ti) = content.get(start + len - 1) else {
                    break;
                };
                if len > 1 && tokens[ti].brk == Break::Sentence {
                    break;
                }
                h = fnv(h, tokens[ti].stem.as_bytes());
                key_len += tokens[ti].stem.len();
                seen |= letters(tokens[ti].stem.as_bytes());
                if key_len > limit {
                    break;
                }
                let id = grams.len() as u32;
                grams.push(Gram {
                    start: start as u32,
                    len: len as u8,
                    key_len: key_len as u16,
                    letters: seen,
                });
                by_hash.push((h, id));
                by_shape.push(shape(first_byte, key_len) | u64::from(id));
            }
        }
        by_hash.sort_unstable();
        by_shape.sort_unstable();
        let mut firsts: Vec<u8> = by_shape.iter().map(|&x| (x >> 56) as u8).collect();
        firsts.dedup();
        Index {
            tokens,
            content,
            grams,
            by_hash,
            by_shape,
            firsts,
        }
    }

    /// The tokens the index was built from.
    pub fn tokens(&self) -> &'t [Token] {
        self.tokens
    }

    /// Every place `phrase` occurs exactly, in text order.
    pub fn find(&self, phrase: &Phrase) -> Vec<Hit> {
        let from = self.by_hash.partition_point(|&(h, _)| h < phrase.hash);
        self.by_hash[from..]
            .iter()
            .take_while(|&&(h, _)| h == phrase.hash)
            .map(|&(_, id)| self.grams[id as usize])
            .filter(|g| self.key_is(g, phrase.key.as_bytes()))
            .map(|g| self.hit(&g, false))
            .collect()
    }

    /// Every place `phrase` occurs within the edits its length allows, in text order. Meant for
    /// phrases [`Index::find`] did not find. Candidates share the phrase's first letter, except for
    /// phrases long enough for three edits, where a misheard first syllable is tolerated too as
    /// long as the last letter agrees.
    pub fn find_fuzzy(&self, phrase: &Phrase) -> Vec<Hit> {
        let k = phrase.edits_allowed();
        if k == 0 {
            return Vec::new();
        }
        let want = phrase.key.as_bytes();
        let firsts = if k >= 3 { &self.firsts[..] } else { &want[..1] };
        let mut buf = Vec::new();
        let mut hits = Vec::new();
        for &first in firsts {
            let (lo, hi) = (
                shape(first, want.len().saturating_sub(k)),
                shape(first, want.len() + k + 1),
            );
            let from = self.by_shape.partition_point(|&x| x < lo);
            for &x in self.by_shape[from..].iter().take_while(|&&x| x < hi) {
                let g = self.grams[(x & 0xffff_ffff) as usize];
                // Each edit changes which letters a key holds by at most two: a cheap test that
                // rules out most candidates before the edit distance is counted.
                if (g.letters ^ phrase.letters).count_ones() as usize > 2 * k {
                    continue;
                }
                if first != want[0] && self.last_byte(&g) != want.last().copied() {
                    continue;
                }
                let joining = self.gram_tokens(&g).filter(|t| is_joining(&t.text)).count();
                if joining <= phrase.joining && within_edits(self.key_into(&g, &mut buf), want, k) {
                    hits.push(self.hit(&g, true));
                }
            }
        }
        hits.sort_by_key(|h| (h.first, h.last));
        hits
    }

    /// The content tokens of a gram.
    fn gram_tokens(&self, g: &Gram) -> impl Iterator<Item = &'t Token> + '_ {
        let tokens = self.tokens;
        self.content[g.start as usize..g.start as usize + g.len as usize]
            .iter()
            .map(move |&i| &tokens[i])
    }

    /// Whether a gram's key is `key`, compared stem by stem without building it.
    fn key_is(&self, g: &Gram, key: &[u8]) -> bool {
        if g.key_len as usize != key.len() {
            return false;
        }
        let mut rest = key;
        self.gram_tokens(g)
            .all(|t| match rest.strip_prefix(t.stem.as_bytes()) {
                Some(r) => {
                    rest = r;
                    true
                }
                None => false,
            })
    }

    /// The last byte of a gram's key.
    fn last_byte(&self, g: &Gram) -> Option<u8> {
        let last = self.content[g.start as usize + g.len as usize - 1];
        self.tokens[last].stem.as_bytes().last().copied()
    }

    /// A gram's key, written into `buf`.
    fn key_into<'b>(&self, g: &Gram, buf: &'b mut Vec<u8>) -> &'b [u8] {
        buf.clear();
        for t in self.gram_tokens(g) {
            buf.extend_from_slice(t.stem.as_bytes());
        }
        buf
    }

    /// The hit for a gram.
    fn hit(&self, g: &Gram, fuzzy: bool) -> Hit {
        let first = self.content[g.start as usize];
        let last = self.content[g.start as usize + g.len as usize - 1];
        Hit {
            first,
            last,
            modality: modality(self.tokens, first, NEGATION_WINDOW),
            fuzzy,
        }
    }
}

/// The high bits of a packed (first byte, key length, gram) entry.
fn shape(first_byte: u8, key_len: usize) -> u64 {
    (u64::from(first_byte) << 56) | ((key_len.min(0xff_ffff) as u64) << 32)
}

/// Whether a token is an article. Articles are left out of keys on both sides, because speech
/// recognition swaps "a" and "the" freely and they never decide what a phrase means.
fn is_article(text: &str) -> bool {
    matches!(text, "a" | "an" | "the")
}

/// The set of lower-case letters in `bytes`, one bit each; other bytes share the last bit.
fn letters(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0, |set, &b| {
        let bit = if b.is_ascii_lowercase() { b - b'a' } else { 26 };
        set | 1 << bit
    })
}

/// Whether a token is one of the [`JOINING_WORDS`].
fn is_joining(text: &str) -> bool {
    JOINING_WORDS.contains(&text)
}

/// Whether a token is a hesitation sound.
pub fn is_hesitation(text: &str) -> bool {
    HESITATIONS.contains(&text)
}

/// The FNV-1a offset basis: keys are hashed with fixed constants, so nothing in scoring draws on
/// the process's randomness and a key can be hashed a token at a time.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Extends an FNV-1a hash with `bytes`.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(text: &str, phrase: &str) -> Vec<(usize, usize, Modality)> {
        let tokens = tokenize(text.split_whitespace());
        let index = Index::new(&tokens, 40);
        let p = Phrase::new(phrase).expect("a phrase");
        let mut h = index.find(&p);
        if h.is_empty() {
            h = index.find_fuzzy(&p);
        }
        h.into_iter()
            .map(|h| (h.first, h.last, h.modality))
            .collect()
    }

    #[test]
    fn spellings_whisper_alternates_between_match() {
        for text in [
            "we rolled back",
            "we did a rollback",
            "the roll-back",
            "rolling back",
        ] {
            assert_eq!(hits(text, "roll back").len(), 1, "{text}");
        }
        for text in [
            "a post mortem",
            "the postmortem",
            "post-mortems",
            "Post-Mortem.",
        ] {
            assert_eq!(hits(text, "postmortem").len(), 1, "{text}");
        }
        assert_eq!(hits("P95 latency", "p ninety five latency").len(), 1);
        assert_eq!(hits("the canary's errors", "canary").len(), 1);
        assert_eq!(hits("we roll, um, back", "roll back").len(), 1);
    }

    #[test]
    fn long_words_tolerate_one_misheard_sound() {
        assert_eq!(
            hits("we made it item potent with keys", "idempotent").len(),
            1
        );
        assert!(hits("it was the latest build", "latency").is_empty());
        assert!(hits("a sentence. Roll back", "sentence roll back").is_empty());
        assert_eq!(
            hits("posted in midincident channel", "incident channel").len(),
            1
        );
        assert_eq!(
            hits("shipped it behind the canary", "behind a canary").len(),
            1
        );
        // An edit may not turn a joining word into part of the phrase.
        assert!(hits("we form ideas and test them", "added tests").is_empty());
        assert!(hits("I post in the incident channel", "post incident").is_empty());
        assert!(hits("first, uh, I guess", "first guess").is_empty());
    }
}
