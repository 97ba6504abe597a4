//! `summary.json`: the small record of a session that listings and history read.
//!
//! Every session folder (of `practice` or of `score`) holds one, rewritten atomically after each
//! answer, so it always lists the answers that are complete on disk. It carries what history needs
//! (scores per dimension, pace, fillers, length, the settings used) without the transcripts, so a
//! thousand sessions list in a blink. When it is missing (a session killed before its first
//! summary) or unreadable, [`super::catalog`] rebuilds it from the answers' own files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::score::ScoreReport;

/// The schema of `summary.json`.
pub const SCHEMA: &str = "rehearse.summary/1";

/// What made the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `rehearse practice`.
    Practice,
    /// `rehearse score`.
    Score,
}

/// The settings a session ran with (never a secret).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsedSettings {
    /// The answer target in seconds, for practice.
    pub target_secs: Option<u64>,
    /// The hard cap in seconds, for practice.
    pub hard_cap_secs: Option<u64>,
    /// Rounds asked for.
    pub rounds: Option<u32>,
    /// Whether it was the two-version drill.
    pub versions: bool,
    /// The Whisper model's name.
    pub model: Option<String>,
    /// The spoken language.
    pub language: String,
    /// The interviewer's base URL and model, when one was asked.
    pub interviewer: Option<String>,
}

/// One session, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What made it.
    pub kind: Kind,
    /// UTC start, `YYYYMMDD-HHMMSS`.
    pub started: String,
    /// The question's id (with `practice --job`, the first round's; each answer names its own).
    pub question: String,
    /// The job posting the questions were picked for (`practice --job`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The settings used.
    pub settings: UsedSettings,
    /// The answers complete on disk, in order.
    pub answers: Vec<AnswerSummary>,
    /// Whether the session ran to its end.
    pub complete: bool,
}

/// One answer, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerSummary {
    /// 1 for the first answer.
    pub n: usize,
    /// "answer", "round 2 of 3", "90-second version".
    pub label: String,
    /// The question as asked.
    pub asked: String,
    /// The id of the question the answer was judged against; absent in summaries written before
    /// sessions could ask several questions, where it is the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The report's file in the session folder.
    pub report: String,
    /// The recording's file, while it is kept.
    pub audio: Option<String>,
    /// The critique's file, when there is one.
    pub critique: Option<String>,
    /// Seconds long.
    pub seconds: f64,
    /// Words spoken.
    pub words: usize,
    /// Overall score, 0-100.
    pub overall: u8,
    /// Content score, 0-100.
    pub content: u8,
    /// Words per minute.
    pub wpm: Option<f64>,
    /// Fillers per 100 words.
    pub fillers_per_100: f64,
    /// Pauses of 2 s or more.
    pub long_pauses: Option<usize>,
    /// Each applying dimension's level, by id.
    pub dimensions: BTreeMap<String, u8>,
}

impl AnswerSummary {
    /// Sums up answer `n`'s `report`, stored in `report_file`.
    pub fn new(
        n: usize,
        label: &str,
        asked: &str,
        report_file: &str,
        report: &ScoreReport,
    ) -> AnswerSummary {
        let d = &report.delivery;
        let s = &report.score;
        AnswerSummary {
            n,
            label: label.to_string(),
            asked: asked.to_string(),
            question: Some(report.score.question.clone()).filter(|q| !q.is_empty()),
            report: report_file.to_string(),
            audio: None,
            critique: None,
            seconds: d.duration_ms.map_or(0.0, |ms| ms as f64 / 1000.0),
            words: d.words,
            overall: s.overall,
            content: s.content,
            wpm: d.speaking_rate_wpm,
            fillers_per_100: s.fluency.fillers.per_100_words,
            long_pauses: d.long_pauses.as_ref().map(Vec::len),
            dimensions: s
                .dimensions
                .iter()
                .filter(|x| x.applies)
                .map(|x| (x.id.clone(), x.level))
                .collect(),
        }
    }
}

impl SessionSummary {
    /// An empty summary of a session just started.
    pub fn new(
        kind: Kind,
        started: &str,
        question: &str,
        settings: UsedSettings,
    ) -> SessionSummary {
        SessionSummary {
            schema: SCHEMA.into(),
            kind,
            started: started.to_string(),
            question: question.to_string(),
            job: None,
            settings,
            answers: Vec::new(),
            complete: false,
        }
    }
}
