//! Whether an answer tells a story, which decides if story-only dimensions (STAR completeness)
//! count for a method question.
//!
//! Two signals, either enough: phrases that open or frame a past event ("last year", "I was on
//! call", "we had"), and narration, a first-person subject followed by a past-tense verb ("I
//! checked", "we rolled back"). Narration is what survives speech recognition best: Whisper may
//! turn "I was on call" into "I won on call", but it keeps most of a story's "I checked" and "we
//! added".

use super::matcher::{Index, Phrase};
use super::modality::Modality;
use crate::text::{Break, Token};

/// Distinct story markers that make an answer a story. Three, because a method answer may say
/// "there was a deploy" once, but a told story says several.
pub const STORY_MIN_MARKERS: usize = 3;
/// First-person past-tense verbs that make an answer a story. Five: a method answer rarely
/// narrates more than one or two ("we shipped a deploy"), a two-minute story a dozen or more.
pub const STORY_MIN_NARRATION: usize = 5;

/// Phrases that mark a past, first-person story.
pub const STORY_MARKERS: [&str; 22] = [
    "i was",
    "we were",
    "we had",
    "there was",
    "it happened",
    "one time",
    "last year",
    "last month",
    "last week",
    "at my last",
    "at my previous",
    "i remember",
    "got paged",
    "was paged",
    "one night",
    "one morning",
    "a few months ago",
    "a few weeks ago",
    "that day",
    "my team was",
    "we noticed",
    "it turned out",
];

/// Common irregular past forms, which do not end in "-ed".
const IRREGULAR_PAST: [&str; 24] = [
    "was", "were", "had", "did", "told", "found", "saw", "went", "made", "took", "got", "wrote",
    "ran", "led", "built", "came", "knew", "thought", "brought", "sent", "kept", "spent", "set",
    "put",
];

/// Whether the answer tells a story: enough distinct markers said plainly, or enough narration.
pub fn tells_story(index: &Index, markers: &[Phrase]) -> bool {
    let said = markers
        .iter()
        .filter(|p| {
            index
                .find(p)
                .iter()
                .any(|h| h.modality == Modality::Asserted)
        })
        .count();
    said >= STORY_MIN_MARKERS || narration(index.tokens()) >= STORY_MIN_NARRATION
}

/// How many times "I" or "we" is directly followed by a past-tense verb in the same clause.
fn narration(tokens: &[Token]) -> usize {
    tokens
        .windows(2)
        .filter(|w| {
            matches!(w[0].text.as_str(), "i" | "we")
                && w[1].brk == Break::None
                && is_past(&w[1].text)
        })
        .count()
}

/// A regular past form ("checked", "rolled") or a common irregular one ("told", "found").
fn is_past(word: &str) -> bool {
    (word.len() > 4 && word.ends_with("ed")) || IRREGULAR_PAST.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn narrated(text: &str) -> usize {
        narration(&tokenize(text.split_whitespace()))
    }

    #[test]
    fn narration_counts_first_person_past_verbs() {
        assert_eq!(
            narrated("I checked the logs, we rolled back and I told support."),
            3
        );
        assert_eq!(
            narrated("I check the logs, we roll back and I would tell support."),
            0
        );
        assert_eq!(narrated("I, checked"), 0);
    }
}
