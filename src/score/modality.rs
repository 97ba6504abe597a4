//! How a phrase was said: plainly, as a condition, or denied, read from the words before it in its
//! clause.
//!
//! "We didn't roll back", "rather than restarting" and "I avoid editing production data" deny what
//! follows; "if you restart everything" and "before I restart anything" put it in a condition.
//! The reach of a negation is short for evidence and the whole clause for mistakes (see
//! [`modality`]); a comma, a full stop or a joining word ("but", "and", "so") ends it. "Not only",
//! "no matter" and "all or nothing" negate nothing.

use crate::text::{Break, Token};

/// How many tokens back a negation ("not", "never", "instead of") still applies to a phrase.
pub const NEGATION_WINDOW: usize = 4;
/// How many tokens back a condition ("if", "unless", "before") still applies to a phrase.
pub const CONDITION_WINDOW: usize = 8;

/// Words that negate what follows them in the same clause.
const NEGATORS: [&str; 15] = [
    "not", "never", "no", "without", "nobody", "nothing", "neither", "nor", "instead", "hardly",
    "avoid", "avoided", "avoiding", "avoids", "refused",
];
/// Words that put what follows them into a hypothetical or precondition.
const CONDITIONALS: [&str; 9] = [
    "if",
    "unless",
    "whether",
    "before",
    "suppose",
    "imagine",
    "otherwise",
    "tempting",
    "tempted",
];
/// Words that open a new clause, which ends the reach of a negation or condition before them.
const CLAUSE_WORDS: [&str; 13] = [
    "but", "and", "so", "then", "because", "until", "after", "once", "while", "which", "although",
    "though", "whereas",
];
/// How a phrase was said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Modality {
    /// Plainly said: "we rolled back".
    Asserted,
    /// Said as a hypothetical or precondition: "if we restart it".
    Conditional,
    /// Denied: "we did not roll back", "instead of restarting".
    Negated,
}

/// How the phrase starting at token `first` was said, judged from the words before it in its clause.
/// A negation within `negation_window` tokens wins; otherwise a condition within
/// [`CONDITION_WINDOW`] makes it conditional. Evidence uses the short [`NEGATION_WINDOW`], so "no
/// customer impact showed in the metrics" still counts the metrics; mistakes use the whole clause,
/// so "I avoid editing production data by hand without a backup" clears the speaker.
pub fn modality(tokens: &[Token], first: usize, negation_window: usize) -> Modality {
    // "not only logs" denies the phrase "only logs", though "not only" negates nothing after it.
    let limiter = matches!(tokens[first].text.as_str(), "only" | "just" | "merely");
    if limiter && first > 0 && tokens[first].brk == Break::None && tokens[first - 1].text == "not" {
        return Modality::Negated;
    }
    let mut found = Modality::Asserted;
    for back in 1..=CONDITION_WINDOW {
        let Some(j) = first.checked_sub(back) else {
            break;
        };
        if tokens[j + 1].brk != Break::None || CLAUSE_WORDS.contains(&tokens[j].text.as_str()) {
            break;
        }
        if back <= negation_window && is_negator(tokens, j) {
            return Modality::Negated;
        }
        if CONDITIONALS.contains(&tokens[j].text.as_str()) {
            found = Modality::Conditional;
        }
    }
    found
}

/// Whether token `j` negates what follows: "not only", "no matter" and "all or nothing" do not,
/// "rather than" does, and so does the "than" of "I'd rather wait longer than roll back".
fn is_negator(tokens: &[Token], j: usize) -> bool {
    let next = tokens.get(j + 1).map(|t| t.text.as_str());
    let prev = j.checked_sub(1).map(|p| tokens[p].text.as_str());
    match tokens[j].text.as_str() {
        "not" => !matches!(next, Some("only" | "just" | "merely")),
        "no" => !matches!(next, Some("matter" | "doubt")),
        "nothing" => prev != Some("or"),
        "rather" => next == Some("than"),
        "than" => prefers(tokens, j),
        w => NEGATORS.contains(&w),
    }
}

/// Whether the "than" at `j` closes a preference ("rather ... than", "sooner ... than") begun
/// earlier in its clause.
fn prefers(tokens: &[Token], j: usize) -> bool {
    for back in 1..=CONDITION_WINDOW {
        let Some(k) = j.checked_sub(back) else {
            return false;
        };
        if tokens[k + 1].brk != Break::None {
            return false;
        }
        if matches!(tokens[k].text.as_str(), "rather" | "sooner") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::matcher::{Index, Phrase};
    use crate::text::tokenize;

    /// The modality of each place `phrase` occurs in `text`.
    fn said(text: &str, phrase: &str) -> Modality {
        let tokens = tokenize(text.split_whitespace());
        let index = Index::new(&tokens, 40);
        index.find(&Phrase::new(phrase).expect("a phrase"))[0].modality
    }

    #[test]
    fn negation_and_conditions_are_read_from_the_clause() {
        use Modality::*;
        assert_eq!(said("we didn't roll back", "roll back"), Negated);
        assert_eq!(
            said("I would never just restart it", "just restart"),
            Negated
        );
        assert_eq!(
            said("rather than restarting everything", "restart everything"),
            Negated
        );
        assert_eq!(
            said(
                "if you restart everything you lose state",
                "restart everything"
            ),
            Conditional
        );
        assert_eq!(
            said("we did not panic, we rolled back", "roll back"),
            Asserted
        );
        assert_eq!(
            said("I didn't panic and rolled back", "roll back"),
            Asserted
        );
        assert_eq!(said("not only logs but metrics", "logs"), Asserted);
        assert_eq!(
            said(
                "I'd rather stay down a bit longer than roll back",
                "roll back"
            ),
            Negated
        );
        assert_eq!(said("it is faster than a roll back", "roll back"), Asserted);
        assert_eq!(
            said("I was tempted to restart everything", "restart everything"),
            Conditional
        );
        assert_eq!(
            said("no alert fired, the logs were clean", "logs"),
            Asserted
        );
        assert_eq!(
            said("all or nothing in a transaction", "transaction"),
            Asserted
        );
    }
}
