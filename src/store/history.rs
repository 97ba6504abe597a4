//! Progress over time: every attempt at one question, first, best and latest per dimension, the
//! trends of pace, fillers and length, and what changed since the previous attempt.
//!
//! Pure: it reads session summaries (never a transcript) and returns figures, so it is as fast as
//! reading the summaries and the same sessions always give the same history.

use serde::Serialize;

use super::catalog::Entry;
use super::summary::AnswerSummary;
use crate::questions::Question;

/// One attempt at the question: an answer to the question itself (follow-up answers are judged
/// against the follow-up, so they are left out of the question's history).
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// The session's folder name.
    pub session: String,
    /// `YYYYMMDD-HHMMSS`, UTC.
    pub started: String,
    /// The answer.
    pub answer: AnswerSummary,
}

/// First, best and latest of one figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// The first attempt's value.
    pub first: f64,
    /// The best value (highest, or lowest where lower is better).
    pub best: f64,
    /// The latest value.
    pub latest: f64,
    /// Every attempt's value, oldest first.
    pub series: Vec<f64>,
}

impl Span {
    fn of(values: Vec<f64>, higher_is_better: bool) -> Option<Span> {
        let best = if higher_is_better {
            values.iter().copied().fold(f64::MIN, f64::max)
        } else {
            values.iter().copied().fold(f64::MAX, f64::min)
        };
        Some(Span {
            first: *values.first()?,
            latest: *values.last()?,
            best,
            series: values,
        })
    }
}

/// A question's history.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The question's id.
    pub question: String,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
    /// The overall score.
    pub overall: Option<Span>,
    /// Each rubric dimension's level: (id, name, span).
    pub dimensions: Vec<(String, String, Span)>,
    /// Words per minute (no "best": the right pace is a band, not a maximum).
    pub pace: Option<Span>,
    /// Fillers per 100 words (lower is better).
    pub fillers: Option<Span>,
    /// Length in seconds.
    pub length: Option<Span>,
}

/// What changed between two attempts.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Overall score before and after.
    pub overall: (u8, u8),
    /// Dimensions that went up: (name, before, after).
    pub better: Vec<(String, u8, u8)>,
    /// Dimensions that went down.
    pub worse: Vec<(String, u8, u8)>,
    /// Words per minute before and after.
    pub pace: (Option<f64>, Option<f64>),
    /// Fillers per 100 words before and after.
    pub fillers: (f64, f64),
    /// Seconds before and after.
    pub seconds: (f64, f64),
}

/// The attempts at `question` among `entries` (oldest first). An answer belongs to the question
/// it names, else to its session's (summaries written before sessions could ask several
/// questions), and counts when it answered the question itself rather than a follow-up.
pub fn attempts(entries: &[Entry], question: &Question) -> Vec<Attempt> {
    entries
        .iter()
        .flat_map(|e| {
            let session = e.summary.question.as_str();
            e.summary
                .answers
                .iter()
                .filter(move |a| a.question.as_deref().unwrap_or(session) == question.id)
                .filter(|a| a.asked == question.text)
                .map(move |a| Attempt {
                    session: e.id(),
                    started: e.summary.started.clone(),
                    answer: a.clone(),
                })
        })
        .collect()
}

/// The history of `question` over `entries`.
pub fn history(entries: &[Entry], question: &Question) -> History {
    let attempts = attempts(entries, question);
    let series = |f: &dyn Fn(&AnswerSummary) -> Option<f64>| -> Vec<f64> {
        attempts.iter().filter_map(|a| f(&a.answer)).collect()
    };
    let dimensions = question
        .dimensions
        .iter()
        .filter_map(|d| {
            let values = series(&|a| a.dimensions.get(&d.id).map(|l| f64::from(*l)));
            Span::of(values, true).map(|s| (d.id.clone(), d.name.clone(), s))
        })
        .collect();
    History {
        question: question.id.clone(),
        overall: Span::of(series(&|a| Some(f64::from(a.overall))), true),
        dimensions,
        pace: Span::of(series(&|a| a.wpm), true),
        fillers: Span::of(series(&|a| Some(a.fillers_per_100)), false),
        length: Span::of(series(&|a| (a.seconds > 0.0).then_some(a.seconds)), true),
        attempts,
    }
}

/// What changed from `before` to `after`, naming dimensions as `question` does.
pub fn change(before: &AnswerSummary, after: &AnswerSummary, question: &Question) -> Change {
    let mut better = Vec::new();
    let mut worse = Vec::new();
    for d in &question.dimensions {
        if let (Some(b), Some(a)) = (before.dimensions.get(&d.id), after.dimensions.get(&d.id)) {
            if a > b {
                better.push((d.name.clone(), *b, *a));
            } else if a < b {
                worse.push((d.name.clone(), *b, *a));
            }
        }
    }
    Change {
        overall: (before.overall, after.overall),
        better,
        worse,
        pace: (before.wpm, after.wpm),
        fillers: (before.fillers_per_100, after.fillers_per_100),
        seconds: (before.seconds, after.seconds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_know_which_way_is_better() {
        let s = Span::of(vec![3.0, 1.0, 2.0], false).unwrap();
        assert_eq!((s.first, s.best, s.latest), (3.0, 1.0, 2.0));
        let s = Span::of(vec![3.0, 5.0, 2.0], true).unwrap();
        assert_eq!(s.best, 5.0);
        assert!(Span::of(vec![], true).is_none());
    }
}
