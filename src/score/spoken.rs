//! A transcript made ready for scoring: its words, their times and their normalised tokens
//! ([`crate::text`]), so that every match can be quoted and timed.

use crate::text::tokenize;
pub use crate::text::{Break, Token};
use crate::transcribe::Transcript;

/// A transcript made ready for scoring: its source words, their times when it has them, and its
/// tokens.
#[derive(Debug, Clone)]
pub struct Spoken<'a> {
    /// The words as written, punctuation attached.
    pub words: Vec<&'a str>,
    /// Each word's start and end in ms, when the transcript is timed.
    pub times: Option<Vec<(u64, u64)>>,
    /// The normalised tokens, each pointing back at its word.
    pub tokens: Vec<Token>,
}

impl<'a> Spoken<'a> {
    /// Prepares a transcript: its timed words when it has them, otherwise its text split on spaces.
    pub fn new(t: &'a Transcript) -> Spoken<'a> {
        let (words, times) = if t.timed.has_times() && !t.words.is_empty() {
            let words: Vec<&str> = t.words.iter().map(|w| w.text.as_str()).collect();
            (
                words,
                Some(
                    t.words
                        .iter()
                        .map(|w| (w.start_ms, w.end_ms.max(w.start_ms)))
                        .collect(),
                ),
            )
        } else {
            (t.text.split_whitespace().collect(), None)
        };
        let tokens = tokenize(words.iter().copied());
        Spoken {
            words,
            times,
            tokens,
        }
    }

    /// When word `i` starts, if the transcript is timed.
    pub fn start_ms(&self, i: usize) -> Option<u64> {
        self.times.as_ref().and_then(|t| t.get(i)).map(|&(s, _)| s)
    }
}
