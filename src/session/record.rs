//! The record of a practice session: its rounds, each with the question as asked, the scored
//! answer and the interviewer's critique, and how the session went. `practice --format json`
//! prints it, `session.json` keeps it, `rehearse report -f json` reads it back.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::answer::Answer;
use super::versions::Comparison;
use crate::interview::critique::{Critique, Disagreement};
use crate::job::Picks;
use crate::store::draw::Drawn;

/// The JSON schema of a session summary. Version 2 added the questions asked, the critiques, the
/// interviewer and the summary; `drawn`, `job` and each round's `question` and `picked` came
/// later, each absent in older files.
pub const SCHEMA: &str = "rehearse.practice/2";

/// Which interviewer a session had.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InterviewerInfo {
    /// The endpoint's base URL.
    pub base_url: String,
    /// The model.
    pub model: String,
    /// Why the interviewer went offline, if it did.
    pub failure: Option<String>,
}

/// Who asked a round's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Asker {
    /// The question itself, or one of its follow-ups from the bank.
    QuestionBank,
    /// The language model's follow-up.
    Interviewer,
}

/// One answered round.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Round {
    /// "answer", "90-second version" or "2-minute version".
    pub label: String,
    /// The target in seconds.
    pub target_secs: u64,
    /// The question as asked.
    pub asked: String,
    /// Where it came from.
    pub asked_by: Asker,
    /// The id of the question the answer was judged against (a follow-up is judged against the
    /// question it follows); empty in sessions saved before rounds named it.
    #[serde(default)]
    pub question: String,
    /// Why the question was picked, when `practice --job` picked it for a posting.
    #[serde(default)]
    pub picked: Option<String>,
    /// The scored answer.
    pub answer: Answer,
    /// The interviewer's critique, when there was one.
    pub critique: Option<Critique>,
    /// Where the critique and the local score disagree by two levels or more.
    pub disagreements: Vec<Disagreement>,
}

/// A finished session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Practice {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The session folder.
    pub session_dir: PathBuf,
    /// The question's id.
    pub question: String,
    /// Why the question was drawn, when `--next` drew it.
    #[serde(default)]
    pub drawn: Option<Drawn>,
    /// The job posting and the questions picked for it, with `--job`.
    #[serde(default)]
    pub job: Option<Picks>,
    /// The scored answers, in order.
    pub rounds: Vec<Round>,
    /// Takes abandoned with retry or quit; their audio is kept.
    pub abandoned: Vec<PathBuf>,
    /// The two versions compared, after a complete `--versions` drill.
    pub comparison: Option<Comparison>,
    /// Whether the speaker quit before the end.
    pub quit: bool,
    /// The interviewer, if the session had one.
    pub interviewer: Option<InterviewerInfo>,
    /// The interviewer's end-of-session summary.
    pub summary: Option<String>,
    /// The notes the interviewer kept between rounds (not shown during the session).
    pub interviewer_notes: Vec<String>,
    /// Things to know about the session.
    pub notes: Vec<String>,
}
