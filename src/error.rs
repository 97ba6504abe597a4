//! The crate's top-level error: one variant per layer, each carrying that layer's own error.
//! `main` prints it once, followed by its causes.

use crate::audio::AudioError;
use crate::config::ConfigError;
use crate::models::ModelError;
use crate::models::fetch::FetchError;
use crate::models::import::ImportError;
use crate::models::inspect::InspectError;
use crate::transcribe::TranscribeError;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Flags, config file or environment.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading a recording.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Finding a model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Checking a model file.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// Speech recognition.
    #[error(transparent)]
    Transcribe(#[from] TranscribeError),
    /// Downloading a model.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Converting a faster-whisper model.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A transcript file that cannot be used.
    #[error("{path} {problem}")]
    Transcript {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A recording in which no speech was found.
    #[error("{path} holds no speech: {why}")]
    NoSpeech {
        /// The file.
        path: String,
        /// Silence, or sound Whisper recognised no words in.
        why: &'static str,
    },
    /// The question bank could not be read.
    #[error(transparent)]
    Questions(#[from] crate::questions::QuestionError),
    /// No question has the id asked for.
    #[error("there is no question `{id}`; `rehearse questions` lists them: {known}")]
    UnknownQuestion {
        /// The id asked for.
        id: String,
        /// The ids there are.
        known: String,
    },
    /// A practice session.
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    /// A recording given with `--input` that cannot be used.
    #[error("{path} {problem}")]
    Input {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The interviewer's prompt templates.
    #[error(transparent)]
    Prompt(#[from] crate::interview::prompts::PromptError),
    /// The interviewer's voice.
    #[error(transparent)]
    Voice(#[from] crate::interview::voice::VoiceError),
    /// The interviewer's endpoint, outside a session.
    #[error(transparent)]
    Llm(#[from] crate::interview::LlmError),
    /// The interviewer failed during a session, which went on with the local scorer.
    #[error("the interviewer failed, so the session went on with the local scorer; everything is saved in {}", dir.display())]
    InterviewerFailed {
        /// The session folder.
        dir: std::path::PathBuf,
        /// What failed.
        #[source]
        source: crate::interview::LlmError,
    },
    /// Some of `rehearse doctor`'s checks failed.
    #[error(transparent)]
    Doctor(#[from] DoctorFailed),
    /// The session store: a session not found, not readable or not deletable.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Writing the result failed.
    #[error("cannot write the result: {0}")]
    Output(#[source] std::io::Error),
}

/// A failed doctor: some checks failed.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} checks failed")]
pub struct DoctorFailed {
    /// The checks that failed.
    pub failed: usize,
    /// All the checks.
    pub total: usize,
}
