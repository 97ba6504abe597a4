//! Which sense a phrase is used in, read from the words around it.
//!
//! A rubric item may say that its phrases count only with certain words near them (`near`), or not
//! when certain words are near them (`not_near`): "tests" near "regression" or "so it cannot come
//! back" is prevention, not testing a hypothesis; "after the deploy" followed by "confirm" is
//! checking a fix, not asking what changed. "Near" means within [`CONTEXT_WORDS`] tokens either
//! side, in the same sentence, outside the phrase itself. The rules are data in the question files;
//! this module only applies them.

use super::matcher::{Hit, Index, Phrase};
use crate::questions::CONTEXT_WORDS;
use crate::text::Break;

/// An item's or anti-pattern's context rules, in matching form.
#[derive(Debug, Clone, Default)]
pub struct Senses {
    near: Vec<Phrase>,
    not_near: Vec<Phrase>,
}

/// Where a transcript says an item's context words: found once per transcript.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Whether the item has a `near` rule at all.
    needs_near: bool,
    near: Vec<Hit>,
    not_near: Vec<Hit>,
}

impl Senses {
    /// Compiles the rules; phrases that normalise to nothing are skipped (validation rejects them).
    pub fn new(near: &[String], not_near: &[String]) -> Senses {
        let compile = |list: &[String]| list.iter().filter_map(|p| Phrase::new(p)).collect();
        Senses {
            near: compile(near),
            not_near: compile(not_near),
        }
    }

    /// Every phrase the rules use, for sizing the index.
    pub fn phrases(&self) -> impl Iterator<Item = &Phrase> {
        self.near.iter().chain(&self.not_near)
    }

    /// Finds the context words in a transcript.
    pub fn context(&self, index: &Index) -> Context {
        let find = |list: &[Phrase]| {
            let mut hits: Vec<Hit> = list.iter().flat_map(|p| index.find(p)).collect();
            hits.sort_by_key(|h| (h.first, h.last));
            hits
        };
        Context {
            needs_near: !self.near.is_empty(),
            near: find(&self.near),
            not_near: find(&self.not_near),
        }
    }
}

impl Context {
    /// Whether `hit` is used in the sense the rules ask for.
    pub fn fits(&self, index: &Index, hit: &Hit) -> bool {
        let close = |c: &Hit| is_near(index, hit, c);
        (!self.needs_near || self.near.iter().any(close)) && !self.not_near.iter().any(close)
    }
}

/// Whether `other` lies within [`CONTEXT_WORDS`] of `hit`, in its sentence, and outside it.
fn is_near(index: &Index, hit: &Hit, other: &Hit) -> bool {
    let tokens = index.tokens();
    if other.last >= hit.first && other.first <= hit.last {
        return false;
    }
    let (from, to) = if other.last < hit.first {
        (other.last, hit.first)
    } else {
        (hit.last, other.first)
    };
    to - from <= CONTEXT_WORDS
        && !tokens[from + 1..=to]
            .iter()
            .any(|t| t.brk == Break::Sentence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    /// Whether `phrase` is found in `text` in the sense the rules allow.
    fn counts(text: &str, phrase: &str, near: &[&str], not_near: &[&str]) -> bool {
        let tokens = tokenize(text.split_whitespace());
        let index = Index::new(&tokens, 40);
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let senses = Senses::new(&owned(near), &owned(not_near));
        let context = senses.context(&index);
        let p = Phrase::new(phrase).expect("a phrase");
        index.find(&p).iter().any(|h| context.fits(&index, h))
    }

    #[test]
    fn a_word_near_the_phrase_changes_its_sense() {
        let not_near = ["fix", "regression"];
        assert!(!counts(
            "I write tests that prove the fix works",
            "prove",
            &[],
            &not_near
        ));
        assert!(counts(
            "I run an experiment to prove the theory.",
            "prove",
            &[],
            &not_near
        ));
        // The next sentence is out of reach.
        assert!(counts(
            "I prove the theory. Then I fix it.",
            "prove",
            &[],
            &not_near
        ));
    }

    #[test]
    fn a_required_word_must_be_near() {
        let near = ["confirm", "back to normal"];
        assert!(counts(
            "I watch the graphs to confirm it worked",
            "watch the graphs",
            &near,
            &[]
        ));
        assert!(!counts(
            "I watch the graphs all day",
            "watch the graphs",
            &near,
            &[]
        ));
        assert!(!counts(
            "one two three four five six seven eight nine ten confirm watch the graphs",
            "watch the graphs",
            &["one"],
            &[]
        ));
    }
}
