//! The transcribe layer's one error, [`TranscribeError`]: loading the model into whisper.cpp and
//! running it, on the session's engine thread or directly.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use whisper_rs::WhisperError;

use crate::models::ModelError;

/// Failures of speech recognition.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The model file could not be loaded by whisper.cpp.
    #[error(
        "{} is not a whisper.cpp model that loads ({source}); fetch or import it again with `rehearse models fetch tiny.en` or `rehearse models import PATH`",
        .path.display()
    )]
    BadModel {
        /// The model file.
        path: PathBuf,
        /// Why it does not load.
        #[source]
        source: LoadFailure,
    },
    /// The model file does not exist.
    #[error("model file {} does not exist", .path.display())]
    MissingModel {
        /// The model file.
        path: PathBuf,
    },
    /// whisper.cpp failed while setting up or decoding.
    #[error("whisper failed while transcribing: {0}")]
    Engine(#[source] WhisperError),
    /// The thread that transcribed an answer while it was spoken panicked.
    #[error("whisper failed while transcribing: the live transcription thread panicked")]
    LivePanicked,
    /// The engine panicked during a job; the engine thread reloads it before the next job.
    #[error(
        "the speech engine crashed while transcribing ({message}) and is reloaded for what comes next"
    )]
    Panicked {
        /// What the panic said.
        message: PanicMessage,
    },
    /// The engine crashed earlier and could not be built again, so no job can run.
    #[error("the speech engine could not be reloaded after a crash: {0}")]
    Reload(#[source] Arc<TranscribeError>),
    /// The engine crashed earlier, and building it again panicked, so no job can run.
    #[error("the speech engine could not be reloaded after a crash: it panicked: {0}")]
    ReloadPanicked(PanicMessage),
    /// The engine thread has stopped, so the job was never run.
    #[error("the speech engine's thread has stopped")]
    Stopped,
    /// The transcription server failed or sent something that is not a transcription.
    #[error("the transcription server at {url} {problem}")]
    Server {
        /// The server's base URL.
        url: String,
        /// What went wrong.
        #[source]
        problem: ServerProblem,
    },
}

/// What went wrong with a transcription server, in words that end the sentence "the transcription
/// server at URL ...".
#[derive(Debug, thiserror::Error)]
pub enum ServerProblem {
    /// Connecting failed: nothing listens there, or the name does not resolve.
    #[error("cannot be reached; is it running, and is transcribe.base_url right?")]
    Unreachable(#[source] reqwest::Error),
    /// The server took too long.
    #[error("{0}")]
    Timeout(ServerWait),
    /// The server refused the API key, or wants one.
    #[error("refused the request ({status}): {}", key_advice(.key_env, *.key_set))]
    BadKey {
        /// The status it answered.
        status: reqwest::StatusCode,
        /// The variable the key is read from (`transcribe.api_key_env`).
        key_env: String,
        /// Whether that variable was set.
        key_set: bool,
    },
    /// Nothing answers at `BASE_URL/audio/transcriptions`.
    #[error("has no audio/transcriptions endpoint (404); transcribe.base_url usually ends in /v1")]
    NotFound,
    /// The server does not have the model asked for.
    #[error("does not know the model \"{model}\" (404); set transcribe.model to one it serves")]
    UnknownModel {
        /// The model asked for.
        model: String,
    },
    /// A 429 or 5xx answer, after every retry.
    #[error("answered {status} {tries} times: {message}")]
    GaveUp {
        /// The last status.
        status: reqwest::StatusCode,
        /// Attempts made.
        tries: u32,
        /// What the server said, scrubbed and shortened.
        message: crate::net::ServerText,
    },
    /// Any other refusal (400, 413, 415, ...).
    #[error("refused the audio ({status}): {message}")]
    Rejected {
        /// The status.
        status: reqwest::StatusCode,
        /// What the server said, scrubbed and shortened.
        message: crate::net::ServerText,
    },
    /// The server answered with an error in a successful reply (whisper.cpp's server does).
    #[error("could not transcribe the audio: {message}")]
    Reported {
        /// What the server said, scrubbed and shortened.
        message: crate::net::ServerText,
    },
    /// The reply was not a transcription.
    #[error("sent a reply that is not a transcription: {content}")]
    Garbage {
        /// The start of what it sent, scrubbed and shortened.
        content: crate::net::ServerText,
    },
    /// The connection broke while the reply was read.
    #[error("broke off its reply")]
    Broken(#[source] reqwest::Error),
    /// The runtime the requests wait on could not be started (the system is out of threads or
    /// file descriptors).
    #[error("could not be asked: the runtime that waits for its replies did not start")]
    Runtime(#[source] std::io::Error),
    /// Something else failed in the HTTP client.
    #[error("could not be asked")]
    Client(#[source] Box<async_openai::error::OpenAIError>),
}

/// Which wait ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerWait {
    /// The first byte of the reply (`transcribe.first_byte_timeout`).
    FirstByte(std::time::Duration),
    /// The whole request (`transcribe.timeout`).
    Whole(std::time::Duration),
}

impl fmt::Display for ServerWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerWait::FirstByte(d) => write!(
                f,
                "sent nothing within {} s (transcribe.first_byte_timeout)",
                d.as_secs()
            ),
            ServerWait::Whole(d) => write!(
                f,
                "did not finish within {} s (transcribe.timeout)",
                d.as_secs()
            ),
        }
    }
}

fn key_advice(env: &str, set: bool) -> String {
    if set {
        format!("check the API key in ${env}")
    } else {
        format!("it wants an API key; put it in ${env} (transcribe.api_key_env)")
    }
}

/// Why a model file does not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    /// The check before whisper.cpp sees the file found it unusable (boxed: the models layer's
    /// error is large, and this one is passed around by value).
    #[error(transparent)]
    Unusable(Box<ModelError>),
    /// whisper.cpp refused it.
    #[error(transparent)]
    Whisper(WhisperError),
}

/// The text a panic was raised with. A panic's payload is whatever was passed to `panic!`, so its
/// text is all there is to keep of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicMessage(String);

impl PanicMessage {
    /// The text of a panic's payload, when it was raised with text.
    pub fn of(payload: &(dyn Any + Send)) -> PanicMessage {
        PanicMessage(if let Some(s) = payload.downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "no message".into()
        })
    }
}

impl fmt::Display for PanicMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_reload_says_why_once() {
        let missing = TranscribeError::MissingModel {
            path: "models/gone.bin".into(),
        };
        let reload = TranscribeError::Reload(Arc::new(missing));
        let want = "the speech engine could not be reloaded after a crash: model file models/gone.bin does not exist";
        assert_eq!(reload.to_string(), want);
        assert_eq!(crate::error_chain(&reload), want);
        let payload: Box<dyn Any + Send> = Box::new("out of memory");
        let panicked = TranscribeError::ReloadPanicked(PanicMessage::of(&*payload));
        assert_eq!(
            panicked.to_string(),
            "the speech engine could not be reloaded after a crash: it panicked: out of memory"
        );
        let bad = TranscribeError::BadModel {
            path: "m.bin".into(),
            source: LoadFailure::Whisper(WhisperError::InitError),
        };
        assert_eq!(crate::error_chain(&bad), bad.to_string());
    }
}
