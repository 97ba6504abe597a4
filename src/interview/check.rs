//! Checking a critique against what the candidate said, once it has arrived: quotes that are not in
//! the transcript are dropped and counted, an outline point that only echoes the answer is dropped,
//! a level with no quote behind it is held to 1, and the measures of how far the critique can be
//! trusted are kept with it ([`Check`], saved in the critique's file).
//!
//! Small models paraphrase when asked to quote, copy the transcript into every field and rate
//! everything 4/4; these checks make that visible and keep it off the candidate's screen.

use serde::{Deserialize, Serialize};

use super::critique::{Critique, disagreements};
use super::error::CritiqueProblem;
use crate::questions::Question;
use crate::score::ScoreCard;

/// The highest level a dimension may keep without a quote that supports it.
pub const UNQUOTED_CEILING: u8 = 1;

/// Consecutive transcript words that make an outline point an echo of the answer.
const ECHO_WORDS: usize = 7;

/// Longest clause offered as a quote, in words; longer sentences are cut at commas, then in
/// pieces of this size.
const CLAUSE_WORDS: usize = 20;

/// How far one critique can be trusted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Quotes the model gave.
    pub quotes: usize,
    /// Of those, the ones found word for word in the transcript (the only ones shown).
    pub verbatim: usize,
    /// Quotes dropped because the transcript does not contain them.
    pub dropped: usize,
    /// Dimensions whose level was held to 1 because no quote supports it.
    pub capped: Vec<String>,
    /// Outline points dropped because they repeat the answer's own words.
    pub echoed_outline: usize,
    /// The lowest and highest level given (after the caps).
    pub levels: Option<(u8, u8)>,
    /// Whether the follow-up is one question.
    pub one_question: bool,
    /// Whether the follow-up probes a dimension with the lowest level given.
    pub probes_weakest: bool,
    /// Quotes given for three or more dimensions (evidence of none of them in particular).
    pub shared_quotes: usize,
    /// Whether every dimension got the same level.
    pub uniform: bool,
    /// Comments that repeat the rubric's own description instead of judging the answer.
    ///
    /// These three are signs of a model not judging, counted and not acted on: on the interviewer
    /// bench, Qwen2.5-Coder-1.5B's levels (each held to 1 without a quote) were within one level of
    /// the labels on 80 % of dimensions, the local scorer's on 62 %, and on 24 of the 27 verdicts
    /// whose comment repeated the rubric (the local scorer: 18), so replacing them with the local
    /// level made the report worse.
    pub rubric_echoes: usize,
    /// Dimensions where the interviewer and the local scorer differ by two levels or more.
    pub disagreements: usize,
}

impl Check {
    /// The share of the model's quotes that were verbatim, when it gave any.
    pub fn verbatim_share(&self) -> Option<f64> {
        (self.quotes > 0).then(|| self.verbatim as f64 / self.quotes as f64)
    }
}

/// The transcript's clauses, as offered for quoting: sentences, long ones cut at commas and then
/// into pieces of at most [`CLAUSE_WORDS`] words. Each is the transcript's own text, trimmed of
/// the punctuation around it; clauses of one word and repeats are left out.
pub fn clauses(transcript: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sentence in transcript.split_inclusive(['.', '?', '!', ';', '\n']) {
        let pieces: Vec<&str> = if sentence.split_whitespace().count() > CLAUSE_WORDS {
            sentence.split_inclusive(',').collect()
        } else {
            vec![sentence]
        };
        for piece in pieces {
            let words: Vec<&str> = piece.split_whitespace().collect();
            for chunk in words.chunks(CLAUSE_WORDS) {
                let text = chunk
                    .join(" ")
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_string();
                if text.split_whitespace().count() >= 2 && !out.contains(&text) {
                    out.push(text);
                }
            }
        }
    }
    out
}

/// Lower-case words of letters, digits and apostrophes, for comparing quotes with the transcript
/// (and any two texts said by a model).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('’', "'").to_lowercase())
        .collect()
}

/// Whether `needle`'s words appear, in order and next to each other, in `hay`.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether some run of `n` words of `text` appears in the transcript's words.
fn echoes(transcript: &[String], text: &str, n: usize) -> bool {
    let said = words(text);
    said.len() >= n && said.windows(n).any(|w| contains_run(transcript, w))
}

/// Checks `critique` against the transcript it judges: keeps only verbatim quotes, caps unquoted
/// levels, drops echoed outline points, and records what it found in `critique.check`.
pub fn verify(critique: &mut Critique, transcript: &str, question: &Question, local: &ScoreCard) {
    let said = words(transcript);
    let mut check = Check::default();
    for v in &mut critique.dimensions {
        check.quotes += v.evidence.len();
        v.evidence.retain(|q| contains_run(&said, &words(q)));
        check.verbatim += v.evidence.len();
        if let Some(score) = v.score
            && v.evidence.is_empty()
            && score > UNQUOTED_CEILING
        {
            v.score = Some(UNQUOTED_CEILING);
            check.capped.push(v.id.clone());
        }
    }
    check.dropped = check.quotes - check.verbatim;
    signs(critique, question, &mut check);
    let before = critique.outline_90s.len();
    critique
        .outline_90s
        .retain(|p| !echoes(&said, p, ECHO_WORDS));
    check.echoed_outline = before - critique.outline_90s.len();
    let scores: Vec<u8> = critique.dimensions.iter().filter_map(|v| v.score).collect();
    check.levels = scores
        .iter()
        .min()
        .zip(scores.iter().max())
        .map(|(a, b)| (*a, *b));
    check.one_question = critique.follow_up.matches('?').count() == 1;
    check.probes_weakest = probes_weakest(critique, question);
    check.disagreements = disagreements(critique, local).len();
    critique.check = Some(check);
}

/// Fewest different texts a critique must have (over its summary, strengths, improvements,
/// outline points, comments and follow-up) to be a critique at all. Texts that begin with the
/// same [`SAME_START`] words count as one: a small model cut short by a length limit repeats
/// itself with different endings.
const MIN_DISTINCT_TEXTS: usize = 3;

/// Words at the start of two texts that make them the same for [`MIN_DISTINCT_TEXTS`].
const SAME_START: usize = 6;

/// Fewest words in a follow-up without a question mark.
const MIN_FOLLOW_UP_WORDS: usize = 3;

/// Whether `critique` says nothing: at most two different texts in all its fields, or a follow-up
/// of a word or two. Such a critique is not shown; the session goes on with the local scorer.
/// (SmolLM2-135M held to the schema writes this: one sentence in every comment, another in every
/// other field, a one-word follow-up. On the interviewer bench, one of Qwen2.5-Coder-0.5B's 11
/// critiques was this; 1.5B's had at least 8 different texts.)
pub fn repetitive(critique: &Critique) -> Option<CritiqueProblem> {
    let texts: Vec<Vec<String>> = std::iter::once(&critique.summary)
        .chain(&critique.strengths)
        .chain(&critique.improvements)
        .chain(&critique.outline_90s)
        .chain(critique.dimensions.iter().map(|v| &v.comment))
        .chain(std::iter::once(&critique.follow_up))
        .map(|t| words(t).into_iter().take(SAME_START).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    let distinct = texts.iter().collect::<std::collections::HashSet<_>>().len();
    if distinct < MIN_DISTINCT_TEXTS {
        return Some(CritiqueProblem::Repetitive {
            distinct,
            fields: texts.len(),
        });
    }
    let follow_up = critique.follow_up.trim();
    (!follow_up.contains('?') && follow_up.split_whitespace().count() < MIN_FOLLOW_UP_WORDS)
        .then(|| CritiqueProblem::NoFollowUp(follow_up.chars().take(40).collect()))
}

/// Counts the signs of a model not judging: shared quotes, uniform levels, rubric echoes.
fn signs(critique: &Critique, question: &Question, check: &mut Check) {
    let mut uses: std::collections::HashMap<Vec<String>, usize> = std::collections::HashMap::new();
    for v in &critique.dimensions {
        for q in &v.evidence {
            *uses.entry(words(q)).or_default() += 1;
        }
    }
    check.shared_quotes = uses.values().filter(|n| **n >= 3).sum();
    let levels: Vec<u8> = critique.dimensions.iter().filter_map(|v| v.score).collect();
    check.uniform = levels.len() >= 4 && levels.iter().all(|l| *l == levels[0]);
    check.rubric_echoes = critique
        .dimensions
        .iter()
        .filter(|v| {
            question
                .dimensions
                .iter()
                .find(|d| d.id == v.id)
                .is_some_and(|d| echoes(&words(&d.means), &v.comment, 5))
        })
        .count();
}

/// Whether the follow-up names (in `follow_up_dimension`) one of the dimensions with the lowest
/// level the interviewer gave.
fn probes_weakest(critique: &Critique, question: &Question) -> bool {
    let lowest = critique.dimensions.iter().filter_map(|v| v.score).min();
    let named = critique.follow_up_dimension.trim();
    if named.is_empty() || !question.dimensions.iter().any(|d| d.id == named) {
        return false;
    }
    critique
        .dimensions
        .iter()
        .any(|v| v.id == named && v.score == lowest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interview::critique::Verdict;
    use crate::questions::{Bank, FLAGSHIP};

    const SAID: &str = "First I check who's affected, and how badly. Then we roll back the \
        last release; I'd confirm the error rate drops. Finally I write it up so it can't come back.";

    fn question() -> Question {
        Bank::load(None).unwrap().get(FLAGSHIP).unwrap().clone()
    }

    fn verdict(id: &str, score: u8, evidence: &[&str]) -> Verdict {
        Verdict {
            id: id.into(),
            score: Some(score),
            enough_to_judge: true,
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
            comment: String::new(),
        }
    }

    #[test]
    fn clauses_are_the_transcripts_own_words() {
        let c = clauses(SAID);
        assert_eq!(c[0], "First I check who's affected, and how badly");
        assert!(c.contains(&"I'd confirm the error rate drops".to_string()));
        let said = words(SAID);
        assert!(c.iter().all(|q| contains_run(&said, &words(q))));
        let long = "word ".repeat(50);
        assert!(
            clauses(&long)
                .iter()
                .all(|q| q.split_whitespace().count() <= CLAUSE_WORDS)
        );
        assert!(
            clauses("Yes. No.").is_empty(),
            "one-word clauses are left out"
        );
    }

    #[test]
    fn paraphrased_quotes_are_dropped_and_unquoted_levels_capped() {
        let q = question();
        let ids: Vec<String> = q.dimensions.iter().map(|d| d.id.clone()).collect();
        let mut c = Critique {
            dimensions: vec![
                verdict(&ids[0], 4, &["who's  Affected, and how badly"]),
                verdict(
                    &ids[1],
                    4,
                    &["The candidate mentioned rolling back the release"],
                ),
                verdict(&ids[2], 1, &[]),
            ],
            outline_90s: vec![
                "Say who is hurt first".into(),
                "then we roll back the last release; I'd confirm".into(),
            ],
            follow_up_dimension: ids[2].clone(),
            follow_up: "What would you measure? And why?".into(),
            ..Critique::default()
        };
        let said = crate::transcribe::Transcript::from_text(SAID);
        let delivery = crate::score::measure(&said, None, None);
        let local = crate::score::Scorer::new(&q).score(&said, &delivery);
        verify(&mut c, SAID, &q, &local);
        let check = c.check.clone().unwrap();
        assert_eq!((check.quotes, check.verbatim, check.dropped), (2, 1, 1));
        assert_eq!(c.dimensions[0].score, Some(4), "a quoted level stands");
        assert_eq!(c.dimensions[1].score, Some(1), "no quote, no level above 1");
        assert!(c.dimensions[1].evidence.is_empty());
        assert_eq!(check.capped, vec![ids[1].clone()]);
        assert_eq!(c.outline_90s, vec!["Say who is hurt first"]);
        assert_eq!(check.echoed_outline, 1);
        assert_eq!(check.levels, Some((1, 4)));
        assert!(!check.one_question, "two question marks");
        assert!(check.probes_weakest);
        assert_eq!(check.verbatim_share(), Some(0.5));
    }

    #[test]
    fn signs_of_a_model_not_judging_are_counted() {
        let q = question();
        let ids: Vec<String> = q.dimensions.iter().map(|d| d.id.clone()).collect();
        let shared = "we roll back the last release";
        let mut c = Critique {
            dimensions: vec![
                verdict(&ids[0], 4, &[shared]),
                verdict(&ids[1], 4, &[shared]),
                verdict(&ids[2], 4, &[shared]),
                verdict(&ids[3], 4, &["I'd confirm the error rate drops"]),
            ],
            ..Critique::default()
        };
        c.dimensions[3].comment = q.dimensions[3].means.clone();
        let said = crate::transcribe::Transcript::from_text(SAID);
        let delivery = crate::score::measure(&said, None, None);
        let local = crate::score::Scorer::new(&q).score(&said, &delivery);
        verify(&mut c, SAID, &q, &local);
        let check = c.check.as_ref().unwrap();
        assert_eq!((check.shared_quotes, check.rubric_echoes), (3, 1));
        assert!(check.uniform);
        assert!(
            c.dimensions.iter().all(|v| v.score == Some(4)),
            "levels stand"
        );
    }

    #[test]
    fn a_critique_that_repeats_one_sentence_everywhere_is_not_a_critique() {
        let q = question();
        let same = "I'm going to do it in ten minutes.";
        let mut c = Critique {
            summary: same.into(),
            strengths: vec![same.into()],
            improvements: vec![same.into()],
            dimensions: q
                .dimensions
                .iter()
                .map(|d| {
                    let mut v = verdict(&d.id, 0, &[]);
                    v.comment = "Not sure how to do it.".into();
                    v
                })
                .collect(),
            follow_up: "I'm going to do it in ten minutes, cut short by".into(),
            ..Critique::default()
        };
        let e = repetitive(&c).unwrap().to_string();
        assert!(
            e.contains("repeats 2 sentence(s)"),
            "the same start is the same text: {e}"
        );
        c.follow_up = "What would you measure first, and why?".into();
        assert!(repetitive(&c).is_none(), "three different texts");
        c.follow_up = "detail".into();
        let e = repetitive(&c).unwrap().to_string();
        assert!(e.contains("follow-up question is \"detail\""), "{e}");
    }
}
