//! Drawing the question that most needs practice (`rehearse practice --next`) from the session
//! history: first a question never answered, in bank order; else the one whose latest score is
//! the lowest, the one answered longest ago among equals.
//!
//! Pure: it reads the sessions' summaries and the time it is given, never the clock, so the same
//! history always draws the same question.

use serde::{Deserialize, Serialize};

use super::catalog::Entry;
use super::dir::stamp_secs;
use super::history::attempts;
use crate::questions::Question;

/// Why a question was drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// No saved session answers it.
    NeverAnswered,
    /// Its latest score is the lowest of all the questions drawn from.
    LowestScore {
        /// The latest overall score, 0-100.
        score: u8,
        /// When the latest attempt started, `YYYYMMDD-HHMMSS` UTC.
        last_attempt: String,
        /// Whole days from the latest attempt to the draw; `None` when its time is unknown.
        days_ago: Option<u32>,
    },
}

/// The question drawn, and why, as the session record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    /// The question's id.
    pub question: String,
    /// The tag the question was drawn from, when one was given.
    pub tag: Option<String>,
    /// Why this question.
    #[serde(flatten)]
    pub reason: Reason,
    /// The reason in one sentence, as the report shows it.
    pub because: String,
}

/// Where a question stands: never answered, or its latest score and when that attempt started.
/// The order is the order of drawing: never answered first, then the lower latest score, then the
/// older latest attempt (stamps sort as times).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    /// Never answered.
    Never,
    /// The latest score, then the latest attempt's start.
    Latest(u8, String),
}

/// The question among `candidates` (in bank order) that most needs practice by the history in
/// `entries`, and why, with days counted up to `now` (`YYYYMMDD-HHMMSS` UTC). `None` when there
/// are no candidates.
pub fn next<'q>(
    candidates: &[&'q Question],
    entries: &[Entry],
    tag: Option<&str>,
    now: &str,
) -> Option<(&'q Question, Drawn)> {
    let standings: Vec<Standing> = candidates.iter().map(|q| standing(entries, q)).collect();
    // `min_by_key` keeps the first of equals, so bank order breaks any tie left.
    let (i, best) = standings.iter().enumerate().min_by_key(|(_, s)| *s)?;
    let reason = match best {
        Standing::Never => Reason::NeverAnswered,
        Standing::Latest(score, started) => Reason::LowestScore {
            score: *score,
            last_attempt: started.clone(),
            days_ago: days_between(started, now),
        },
    };
    let question = candidates[i];
    let drawn = Drawn {
        question: question.id.clone(),
        tag: tag.map(str::to_string),
        because: because(&reason),
        reason,
    };
    Some((question, drawn))
}

/// The question's standing in `entries` (oldest first, as the catalog orders them).
fn standing(entries: &[Entry], question: &Question) -> Standing {
    match attempts(entries, question).pop() {
        None => Standing::Never,
        Some(last) => Standing::Latest(last.answer.overall, last.started),
    }
}

/// Whole days from `then` to `now`; `None` when either stamp cannot be read or `then` is later.
fn days_between(then: &str, now: &str) -> Option<u32> {
    let secs = stamp_secs(now)? - stamp_secs(then)?;
    u32::try_from(secs / 86_400).ok().filter(|_| secs >= 0)
}

/// The reason as the report says it.
fn because(reason: &Reason) -> String {
    match reason {
        Reason::NeverAnswered => "Drawn because you have never answered it".into(),
        Reason::LowestScore {
            score, days_ago, ..
        } => {
            let when = match days_ago {
                Some(0) => " (today)".to_string(),
                Some(1) => " (yesterday)".to_string(),
                Some(n) => format!(" ({n} days ago)"),
                None => String::new(),
            };
            format!("Drawn because your last score on it, {score}, is your lowest{when}")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::questions::Bank;
    use crate::store::summary::{AnswerSummary, Kind, SessionSummary, UsedSettings};

    /// A session on `question` started at `started` whose one answer scored `overall`.
    fn session(question: &Question, started: &str, overall: u8) -> Entry {
        let mut summary = SessionSummary::new(
            Kind::Practice,
            started,
            &question.id,
            UsedSettings::default(),
        );
        summary.answers.push(AnswerSummary {
            n: 1,
            label: "answer".into(),
            asked: question.text.clone(),
            question: None,
            report: "answer-1.json".into(),
            audio: None,
            critique: None,
            seconds: 60.0,
            words: 150,
            overall,
            content: overall,
            wpm: Some(150.0),
            fillers_per_100: 0.0,
            long_pauses: Some(0),
            dimensions: Default::default(),
        });
        Entry {
            dir: PathBuf::from(format!("/s/{started}-{}", question.id)),
            summary,
        }
    }

    const NOW: &str = "20261204-120000";

    #[test]
    fn a_question_never_answered_comes_first_in_bank_order() {
        let bank = Bank::builtin().unwrap();
        let all: Vec<&Question> = bank.all().iter().collect();
        let (q, drawn) = next(&all, &[], None, NOW).unwrap();
        assert_eq!(q.id, all[0].id);
        assert_eq!(drawn.reason, Reason::NeverAnswered);
        assert_eq!(drawn.because, "Drawn because you have never answered it");

        let entries = [
            session(all[0], "20261201-090000", 20),
            session(all[2], "20261202-090000", 90),
        ];
        let (q, _) = next(&all, &entries, None, NOW).unwrap();
        assert_eq!(q.id, all[1].id);
    }

    #[test]
    fn otherwise_the_lowest_latest_score_and_then_the_oldest_attempt() {
        let bank = Bank::builtin().unwrap();
        let (a, b, c) = (&bank.all()[0], &bank.all()[1], &bank.all()[2]);
        let three = [a, b, c];
        // a's latest score is 80 (its earlier 10 no longer counts); b and c tie at 34, and b's
        // last attempt is the older one.
        let entries = [
            session(a, "20261120-090000", 10),
            session(b, "20261201-100000", 34),
            session(c, "20261202-100000", 34),
            session(a, "20261203-090000", 80),
        ];
        let (q, drawn) = next(&three, &entries, Some("story"), NOW).unwrap();
        assert_eq!(q.id, b.id);
        assert_eq!(
            drawn.reason,
            Reason::LowestScore {
                score: 34,
                last_attempt: "20261201-100000".into(),
                days_ago: Some(3),
            }
        );
        assert_eq!(drawn.tag.as_deref(), Some("story"));
        assert_eq!(
            drawn.because,
            "Drawn because your last score on it, 34, is your lowest (3 days ago)"
        );
        let json = serde_json::to_value(&drawn).unwrap();
        assert_eq!(json["reason"], "lowest_score");
        assert_eq!(json["score"], 34);

        let lower_later = [
            session(a, "20261204-080000", 60),
            session(b, "20261204-090000", 33),
            session(c, "20261204-100000", 50),
        ];
        let (q, drawn) = next(&three, &lower_later, None, NOW).unwrap();
        assert_eq!(q.id, b.id);
        assert!(
            drawn.because.ends_with("33, is your lowest (today)"),
            "{drawn:?}"
        );
        assert!(next(&[], &lower_later, None, NOW).is_none());
    }

    #[test]
    fn follow_up_answers_are_not_attempts_at_the_question() {
        let bank = Bank::builtin().unwrap();
        let a = &bank.all()[0];
        let mut followed = session(a, "20261201-090000", 20);
        followed.summary.answers[0].asked = a.follow_ups[0].clone();
        let (q, drawn) = next(&[a], &[followed], None, NOW).unwrap();
        assert_eq!(
            (q.id.as_str(), drawn.reason),
            (a.id.as_str(), Reason::NeverAnswered)
        );
    }
}
