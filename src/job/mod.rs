//! Practice for a job posting (`rehearse practice --job FILE`): which questions of the bank the
//! posting's interviewers would likely ask, each with the reason it was picked.
//!
//! # Layout
//!
//! - [`posting`]: reading and checking the posting file (text, UTF-8, not empty, not huge).
//! - [`model`]: asking the configured interviewer's model to pick, and reading its reply leniently.
//! - [`offline`]: the deterministic picker that matches the posting's words against each question's
//!   text, tags and rubric; used without an interviewer, and whenever the model's picks cannot be.
//!
//! [`pick`] ties them together. A model that is down, slow, or replies with something unusable
//! never stops the session: the offline picker takes over and [`Picks::fallback`] says why, in one
//! sentence. When nothing in the bank but the behavioural questions matches the posting,
//! [`Picks::suggestion`] says so and names the command that drafts a question for it.

pub mod model;
pub mod offline;
pub mod posting;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use posting::{Posting, PostingProblem};

use crate::interview::Endpoint;
use crate::questions::Question;

/// A posting given with `--job` that cannot be used. One sentence naming the file.
#[derive(Debug, thiserror::Error)]
#[error("job posting {} {problem}", path.display())]
pub struct JobError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: PostingProblem,
}

/// One question picked for the posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    /// The question's id.
    pub question: String,
    /// Why, in one sentence, as the report shows it ("Picked for this posting: …").
    pub because: String,
}

/// Who picked the questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickedBy {
    /// The configured interviewer's model.
    Interviewer,
    /// The offline picker, by the posting's words.
    Offline,
}

/// The questions picked for a posting, as the session's record keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picks {
    /// The posting file.
    pub posting: PathBuf,
    /// Who picked them.
    pub picked_by: PickedBy,
    /// The questions, in the order they are asked.
    pub picks: Vec<Pick>,
    /// Why the interviewer's picks were not used, when an interviewer was asked and failed.
    pub fallback: Option<String>,
    /// When the bank has nothing for the posting but general questions: what to do about it.
    pub suggestion: Option<String>,
}

/// Reads the posting at `path`.
pub fn read(path: &std::path::Path) -> Result<Posting, JobError> {
    Posting::read(path).map_err(|problem| JobError {
        path: path.to_path_buf(),
        problem,
    })
}

/// Picks up to `want` of `questions` (the bank, in its order) for `posting`: by the model behind
/// `endpoint` when there is one, else (or when it fails) offline. With `missing`, the model is also
/// asked for a question the bank lacks, which comes back beside the picks when it named one.
pub fn pick(
    questions: &[&Question],
    posting: &Posting,
    want: usize,
    endpoint: Option<&Endpoint>,
    missing: bool,
) -> (Picks, Option<String>) {
    let offline = || offline::pick(questions, &posting.text, want);
    let Some(endpoint) = endpoint else {
        return (from_offline(posting, offline(), None), None);
    };
    let why = match model::pick(endpoint, questions, posting, want, missing) {
        Ok(picked) if !picked.picks.is_empty() => {
            let picks = Picks {
                posting: posting.path.clone(),
                picked_by: PickedBy::Interviewer,
                picks: picked.picks,
                fallback: None,
                suggestion: None,
            };
            return (picks, picked.missing);
        }
        Ok(_) => "found no question in the bank for this posting".to_string(),
        Err(e) => crate::error_chain(&e),
    };
    let note = format!(
        "The interviewer did not pick the questions ({why}), so they were picked offline from the posting's words."
    );
    tracing::warn!("{note}");
    (from_offline(posting, offline(), Some(note)), None)
}

fn from_offline(posting: &Posting, found: offline::Offline, fallback: Option<String>) -> Picks {
    let suggestion = (!found.relevant).then(|| suggestion(posting, &found.unmatched));
    Picks {
        posting: posting.path.clone(),
        picked_by: PickedBy::Offline,
        picks: found
            .picks
            .into_iter()
            .map(|p| Pick {
                because: format!("Picked for this posting: {}", p.because),
                ..p
            })
            .collect(),
        fallback,
        suggestion,
    }
}

/// What to do when the bank has nothing for the posting: draft a question for it.
fn suggestion(posting: &Posting, unmatched: &[String]) -> String {
    let topic = if unmatched.is_empty() {
        "a question for this posting".to_string()
    } else {
        unmatched.join(" ")
    };
    format!(
        "No question in the bank matches this posting beyond the general behavioural ones; `rehearse questions new \"{topic}\" --job {}` drafts one for it.",
        posting.name()
    )
}
