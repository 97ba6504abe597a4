//! The crate's top-level error: one variant per layer, each carrying that layer's own error, and
//! the few failures of the commands themselves. `main` prints it once, followed by its causes.

use std::path::PathBuf;

use crate::audio::AudioError;
use crate::config::ConfigError;
use crate::interview::InterviewError;
use crate::models::ModelError;
use crate::models::import::ImportError;
use crate::transcribe::TranscribeError;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Flags, config file or environment.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading a recording, capturing from a microphone, recording an answer.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// Finding, checking or downloading a model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Speech recognition.
    #[error(transparent)]
    Transcribe(#[from] TranscribeError),
    /// Converting a faster-whisper model.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A transcript file that cannot be used.
    #[error("{} {problem}", path.display())]
    Transcript {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        problem: TranscriptProblem,
    },
    /// A recording in which no speech was found.
    #[error("{} holds no speech: {why}", path.display())]
    NoSpeech {
        /// The file.
        path: PathBuf,
        /// Silence, or sound Whisper recognised no words in.
        why: Silence,
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
    /// No question carries the tag asked for.
    #[error("no question is tagged `{tag}`; the tags are: {known}")]
    UnknownTag {
        /// The tag asked for.
        tag: String,
        /// The tags there are.
        known: String,
    },
    /// A question file's strong example answer does not score above one of its weak ones.
    #[error(
        "question file {file}: the strong example at line {strong_line} scores {strong}, not above the weak example at line {weak_line} ({weak})"
    )]
    ExampleOrder {
        /// The question file.
        file: String,
        /// Where the strong example is written.
        strong_line: usize,
        /// Its overall score.
        strong: u8,
        /// Where the weak example is written.
        weak_line: usize,
        /// Its overall score.
        weak: u8,
    },
    /// `rehearse questions new` could not make or save the question asked for.
    #[error(transparent)]
    NewQuestion(#[from] NewQuestionError),
    /// A practice session.
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    /// A recording given with `--input` that cannot be used.
    #[error("{} {problem}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: InputProblem,
    },
    /// `practice --job --draft` without an interviewer to draft with.
    #[error(
        "--draft drafts a question with the interviewer's model, and there is none (no [interviewer] in the config, or --offline); configure one or leave out --draft"
    )]
    DraftNeedsInterviewer,
    /// A job posting given with `practice --job` that cannot be used.
    #[error(transparent)]
    Job(#[from] crate::job::JobError),
    /// The interviewer: its endpoint, prompt templates or voice, outside a session.
    #[error(transparent)]
    Interview(#[from] InterviewError),
    /// The interviewer failed during a session, which went on with the local scorer.
    #[error("the interviewer failed, so the session went on with the local scorer; everything is saved in {}", dir.display())]
    InterviewerFailed {
        /// The session folder.
        dir: PathBuf,
        /// What failed.
        #[source]
        source: InterviewError,
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

/// What is wrong with a transcript file given to `score`.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptProblem {
    /// Nothing is at the path.
    #[error("does not exist")]
    NotFound,
    /// The path is a folder.
    #[error("is a directory, not a transcript")]
    IsDirectory,
    /// The system would not let it be read.
    #[error("cannot be read: {0}")]
    Unreadable(#[source] std::io::Error),
    /// Its bytes are not UTF-8.
    #[error("is not UTF-8 text")]
    NotUtf8,
    /// It holds no words.
    #[error("is empty: there is no answer to score")]
    Empty,
}

/// Why `rehearse questions new` saved nothing, or saved the template instead of a draft.
#[derive(Debug, thiserror::Error)]
pub enum NewQuestionError {
    /// The question's text has no words.
    #[error("the question's text is empty; give the question as an interviewer would ask it")]
    EmptyText,
    /// The id given, or made from the text, is not an id.
    #[error(
        "`{0}` cannot be a question id; give one with --id: lower-case words joined by hyphens, such as `cache-design`"
    )]
    BadId(String),
    /// The text has no letters or digits to make an id from.
    #[error(
        "no id can be made from the question's text; give one with --id, such as `cache-design`"
    )]
    NoId,
    /// The job posting given with `--job` cannot be used.
    #[error("the job posting {} {problem}; nothing was saved", path.display())]
    Posting {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        problem: PostingProblem,
    },
    /// A question with the id exists.
    #[error(
        "there is already a question `{id}` ({origin}); choose another --id, or add --force to replace it"
    )]
    Exists {
        /// The id.
        id: String,
        /// Where it comes from: a built-in file or the user's.
        origin: String,
    },
    /// The file to save exists.
    #[error("{} already exists; add --force to replace it, or choose another --id or --output", .0.display())]
    FileExists(PathBuf),
    /// There is nowhere to save to.
    #[error(
        "there is no question folder to save in (no configuration directory was found); give the file with --output"
    )]
    NoFolder,
    /// Saving needs `--yes` when nobody can be asked.
    #[error("standard input is not a terminal, so rehearse cannot ask before saving {}; add --yes to save it, nothing was saved", .0.display())]
    NeedsYes(PathBuf),
    /// The file could not be written.
    #[error("cannot save the question file {}", path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The model failed, so the template was saved instead.
    #[error("the model could not draft the question, so the template was saved as {} for you to edit", path.display())]
    TemplateSaved {
        /// The file saved.
        path: PathBuf,
        /// What failed.
        #[source]
        source: InterviewError,
    },
    /// The model failed, and `--no-template` asked for nothing then.
    #[error("the model could not draft the question, and nothing was saved (--no-template)")]
    NotDrafted(#[source] InterviewError),
}

/// What is wrong with a job posting given to `questions new --job`.
#[derive(Debug, thiserror::Error)]
pub enum PostingProblem {
    /// Nothing is at the path.
    #[error("does not exist")]
    NotFound,
    /// The path is a folder.
    #[error("is a directory, not a text file")]
    IsDirectory,
    /// The system would not let it be read.
    #[error("cannot be read: {0}")]
    Unreadable(#[source] std::io::Error),
    /// Its bytes are not text.
    #[error("is not text (it holds binary data or is not UTF-8); save the posting as plain text")]
    NotText,
    /// It holds no words.
    #[error("is empty")]
    Empty,
}

/// What is wrong with a recording given with `--input`, found before it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// Nothing is at the path.
    #[error("does not exist")]
    NotFound,
    /// The path is a folder.
    #[error("is a directory, not a recording")]
    IsDirectory,
    /// The system would not say what is there.
    #[error("cannot be read")]
    Unreadable,
}

/// Why a recording holds no speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Silence {
    /// Voice activity found (almost) nothing.
    Silent,
    /// There is sound, but Whisper recognised no words in it.
    NoWords,
}

impl std::fmt::Display for Silence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Silence::Silent => "it is silent or nearly so",
            Silence::NoWords => "Whisper recognised no words in it",
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_own_messages_name_the_file() {
        let transcript = Error::Transcript {
            path: "a.txt".into(),
            problem: TranscriptProblem::Empty,
        };
        assert_eq!(
            transcript.to_string(),
            "a.txt is empty: there is no answer to score"
        );
        let input = Error::Input {
            path: "a.wav".into(),
            problem: InputProblem::IsDirectory,
        };
        assert_eq!(input.to_string(), "a.wav is a directory, not a recording");
        let silent = Error::NoSpeech {
            path: "a.wav".into(),
            why: Silence::NoWords,
        };
        assert_eq!(
            silent.to_string(),
            "a.wav holds no speech: Whisper recognised no words in it"
        );
    }
}
