//! The interview layer's one error, [`InterviewError`]: the endpoint, the prompt templates and the
//! voice. Each message is one sentence that names the URL, the template or the voice setting, says
//! what is wrong in words a user can act on, and never holds the API key.
//!
//! What went wrong is typed: how long was waited for what ([`Wait`]), where the key came from
//! ([`KeySource`]), how a reply broke off ([`Cut`]) or is malformed ([`ReplyProblem`],
//! [`CritiqueProblem`]), and what else failed ([`Unexpected`]). Text that comes from the server is
//! kept as [`ServerText`], scrubbed of the key when it arrives, since a server may quote it back.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

use async_openai::error::OpenAIError;
use reqwest::StatusCode;

use super::prompts::Origin;
pub use crate::net::ServerText;
use crate::net::shorten;

/// What went wrong with the interviewer.
#[derive(Debug, thiserror::Error)]
pub enum InterviewError {
    /// Nothing listens at the URL, or the name does not resolve.
    #[error("cannot connect to the interviewer at {url}; is the server running?")]
    Connect {
        /// The base URL.
        url: String,
        /// What the connection attempt said.
        #[source]
        cause: reqwest::Error,
    },
    /// The server was silent for too long.
    #[error("the interviewer at {url} {wait}")]
    Timeout {
        /// The base URL.
        url: String,
        /// What took too long.
        wait: Wait,
    },
    /// 401 or 403.
    #[error("the interviewer at {url} refused the API key {key} ({status})")]
    BadKey {
        /// The base URL.
        url: String,
        /// Where the key came from, or that there was none.
        key: KeySource,
        /// The status.
        status: StatusCode,
    },
    /// The server does not know the model.
    #[error("the interviewer at {url} has no model `{model}`")]
    UnknownModel {
        /// The base URL.
        url: String,
        /// The model asked for.
        model: String,
    },
    /// 404 for the path itself.
    #[error("{url} has no {path} endpoint (404); is the base URL right? It usually ends in /v1")]
    NotFound {
        /// The base URL.
        url: String,
        /// The API path.
        path: &'static str,
    },
    /// A 4xx the request cannot recover from.
    #[error("the interviewer at {url} rejected the request ({status}): {message}")]
    Rejected {
        /// The base URL.
        url: String,
        /// The status.
        status: StatusCode,
        /// What the server said.
        message: ServerText,
    },
    /// 429 or 5xx on every attempt.
    #[error("the interviewer at {url} still answered {status} after {tries} tries: {message}")]
    GaveUp {
        /// The base URL.
        url: String,
        /// The last status.
        status: StatusCode,
        /// Attempts made.
        tries: u32,
        /// What the server said the last time.
        message: ServerText,
    },
    /// The stream ended before the model finished.
    #[error("the reply from {url} broke off before it was finished{cut}")]
    Truncated {
        /// The base URL.
        url: String,
        /// How it broke off.
        cut: Cut,
    },
    /// The model ran out of tokens.
    #[error(
        "the reply from {url} reached max_tokens ({max}) before it was finished; raise interviewer.max_tokens"
    )]
    TooLong {
        /// The base URL.
        url: String,
        /// The limit.
        max: u32,
    },
    /// The bytes are not an OpenAI-style stream or JSON body, or not the critique asked for.
    #[error("the reply from {url} is not what an OpenAI-compatible server sends: {problem}")]
    Malformed {
        /// The base URL.
        url: String,
        /// What is wrong with it.
        #[source]
        problem: ReplyProblem,
    },
    /// The critique parsed but says nothing: the model is too small for the job.
    #[error("the critique from {url} says nothing: {problem}")]
    Empty {
        /// The base URL.
        url: String,
        /// How it says nothing.
        problem: CritiqueProblem,
    },
    /// A question file the model could not draft usably, even with what failed sent back once.
    #[error("the model at {url} did not draft a usable question file: {problem}")]
    Draft {
        /// The base URL.
        url: String,
        /// What was still wrong after the repair request (boxed: a failed check carries the
        /// checker's whole error).
        #[source]
        problem: Box<DraftProblem>,
    },
    /// Anything else on the way.
    #[error("the request to the interviewer at {url} failed: {what}")]
    Other {
        /// The base URL.
        url: String,
        /// What failed.
        what: Unexpected,
    },
    /// A prompt template failed to render during a session.
    #[error("the request to the interviewer at the prompt templates failed: {source}")]
    Template {
        /// The template's failure.
        source: Box<InterviewError>,
    },
    /// The user's template file exists but cannot be read.
    #[error("cannot read the prompt template {path}")]
    TemplateRead {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// minijinja cannot parse or render a template.
    #[error("the prompt template {origin} is not a valid template: {source}")]
    TemplateSyntax {
        /// Where the template came from.
        origin: Origin,
        /// minijinja's error.
        #[source]
        source: minijinja::Error,
    },
    /// A template uses a placeholder nobody fills.
    #[error(
        "the prompt template {origin} uses `{name}`, which rehearse does not provide; it can use {}",
        allowed.join(", ")
    )]
    TemplateUnknown {
        /// Where the template came from.
        origin: Origin,
        /// The placeholder.
        name: String,
        /// The ones it may use.
        allowed: &'static [&'static str],
    },
    /// A template leaves out a placeholder the model must see.
    #[error(
        "the prompt template {origin} never uses `{{{{ {name} }}}}`, so the model would not see it"
    )]
    TemplateMissing {
        /// Where the template came from.
        origin: Origin,
        /// The placeholder.
        name: &'static str,
    },
    /// The voice engine's program is not installed.
    #[error("interviewer.voice is \"{0}\" but `{0}` is not installed (it is not on PATH)")]
    VoiceMissing(&'static str),
    /// piper needs a model, and `interviewer.voice_name` does not name one.
    #[error(
        "interviewer.voice is \"piper\" but interviewer.voice_name does not name a piper voice model (.onnx file): {}",
        not_a_model(.0)
    )]
    PiperModel(PathBuf),
    /// No program to play the API's audio with.
    #[error(
        "interviewer.voice is \"api\" but no audio player (aplay, paplay, afplay or play) is installed"
    )]
    NoPlayer,
    /// The API voice needs an endpoint.
    #[error(
        "interviewer.voice is \"api\" but no interviewer endpoint is configured (interviewer.base_url)"
    )]
    NoEndpoint,
    /// Speaking needed a temporary file or a runtime the system would not give.
    #[error("the interviewer's voice failed: {0}")]
    VoiceIo(#[source] std::io::Error),
    /// The speech endpoint failed.
    #[error("the interviewer's voice failed: {}", crate::error_chain(&**.0))]
    VoiceSpeech(#[source] Box<InterviewError>),
    /// The voice's program could not be run.
    #[error("the interviewer's voice failed: {program:?}: {source}")]
    VoiceProgram {
        /// The program.
        program: OsString,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The voice's program ran and failed.
    #[error("the interviewer's voice failed: {program:?} exited with {status}: {stderr}")]
    VoiceExited {
        /// The program.
        program: OsString,
        /// How it exited.
        status: ExitStatus,
        /// The first line it wrote to stderr.
        stderr: String,
    },
}

impl InterviewError {
    /// Whether this failure means a request without `response_format` might succeed.
    pub(crate) fn refuses_format(&self) -> bool {
        matches!(self, InterviewError::Rejected { status, .. } if *status == StatusCode::BAD_REQUEST)
    }
}

/// Why `interviewer.voice_name` is not a piper model: empty, or not a file.
fn not_a_model(name: &Path) -> String {
    if name.as_os_str().is_empty() {
        "it is empty".into()
    } else {
        format!("{} is not a file", name.display())
    }
}

/// What the interviewer took too long to do, with the setting that bounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Wait {
    /// The whole reply took longer than `interviewer.timeout`.
    #[error("did not finish its reply within {} s (interviewer.timeout)", .0.as_secs())]
    WholeReply(Duration),
    /// No text came within `interviewer.first_token_timeout` of the request: the server was still
    /// reading the prompt, or busy.
    #[error(
        "sent no first token within {} s (interviewer.first_token_timeout); a model on a CPU may \
         need longer to read the prompt",
        .0.as_secs()
    )]
    FirstToken(Duration),
    /// The stream stalled for longer than `interviewer.read_timeout` after its first token.
    #[error(
        "sent nothing for {} s in the middle of its reply (interviewer.read_timeout)",
        .0.as_secs()
    )]
    MidReply(Duration),
    /// No answer came within `interviewer.read_timeout`.
    #[error("did not answer within {} s (interviewer.read_timeout)", .0.as_secs())]
    Answer(Duration),
    /// The model list did not come within `interviewer.timeout`.
    #[error("did not list its models in time")]
    ModelList,
    /// The spoken question did not come within `interviewer.timeout`.
    #[error("did not send the spoken question in time")]
    Speech,
}

/// Where the API key was to come from: the variable `interviewer.api_key_env` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The key was read from this variable.
    Env(String),
    /// This variable is not set, so no key was sent.
    Unset(String),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env(var) => write!(f, "from ${var}"),
            KeySource::Unset(var) => write!(f, "(none: ${var} is not set)"),
        }
    }
}

/// How a streamed reply broke off, as the tail of a sentence.
#[derive(Debug, thiserror::Error)]
pub enum Cut {
    /// The stream carried the server's own error report.
    #[error(": the server reported {0}")]
    Reported(ServerText),
    /// The stream ended without a finish reason.
    #[error(" ({chars} characters arrived)")]
    NoFinish {
        /// Characters of text that arrived.
        chars: usize,
    },
    /// The event stream failed; async-openai's message may quote the server.
    #[error(": {0}")]
    Stream(ServerText),
    /// The body broke off; shown shortened, so it is no source (the chain would repeat it whole).
    #[error(": {}", shorten(&crate::error_chain(.0)))]
    Body(reqwest::Error),
}

/// What is wrong with a reply that arrived whole.
#[derive(Debug, thiserror::Error)]
pub enum ReplyProblem {
    /// It is not the JSON async-openai expects.
    #[error("{source} in `{content}`")]
    Json {
        /// The parser's error.
        source: serde_json::Error,
        /// What arrived.
        content: ServerText,
    },
    /// The critique does not parse, even after a repair request.
    #[error("the critique is not the JSON asked for, even after a repair request ({0})")]
    Critique(#[source] CritiqueProblem),
}

/// Why a critique reply cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CritiqueProblem {
    /// The reply has a JSON object that is never closed.
    #[error("the JSON object is not closed")]
    NotClosed,
    /// The reply has no JSON object.
    #[error("there is no JSON object in it")]
    NoObject,
    /// The object is not valid JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
    /// The object has none of the schema's fields.
    #[error("it has none of the fields the schema asks for (summary, dimensions, follow_up)")]
    NoFields,
    /// The critique says nothing: one or two sentences repeated in every field, or no real
    /// follow-up question; what a model too small for the job writes.
    #[error(
        "it repeats {distinct} sentence(s) across its {fields} fields instead of judging the answer; \
         the model is likely too small for critiques"
    )]
    Repetitive {
        /// Different texts in the critique.
        distinct: usize,
        /// Its text fields.
        fields: usize,
    },
    /// The follow-up is a word or two, not a question.
    #[error("its follow-up question is \"{0}\"; the model is likely too small for critiques")]
    NoFollowUp(String),
}

/// What is wrong with a piece of a drafted question file (see [`super::draft`]), as the model is
/// told when the piece goes back to it, and as the user reads it when the repair fails too.
#[derive(Debug, thiserror::Error)]
pub enum DraftProblem {
    /// The reply to one step has no JSON object.
    #[error("its reply for {step} has no JSON object")]
    NoObject {
        /// The step, such as "the dimensions".
        step: String,
    },
    /// The reply to one step opens a JSON object and never closes it.
    #[error("its reply for {step} is a JSON object that is not closed")]
    NotClosed {
        /// The step.
        step: String,
    },
    /// The reply to one step is not valid JSON, even leniently read.
    #[error("its reply for {step} is not valid JSON ({source})")]
    InvalidJson {
        /// The step.
        step: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The reply to one step lacks something the question file needs.
    #[error("its reply for {step} {lacks}")]
    Lacks {
        /// The step.
        step: String,
        /// What it lacks, as the end of a sentence ("gives no evidence phrases").
        lacks: String,
    },
    /// The assembled file breaks a rule of the format.
    #[error("the drafted file fails the question checks")]
    Check(#[source] crate::questions::QuestionError),
    /// The assembled file's strong example does not score far enough above its weak one.
    #[error(
        "its strong example answer scores {strong}/100, not {} its weak one ({weak}/100){}",
        above(*.margin),
        missed_dimensions(.missed)
    )]
    ExampleOrder {
        /// How many points above the weak example's score the strong one had to be.
        margin: u8,
        /// The strong example's overall score.
        strong: u8,
        /// The weak example's.
        weak: u8,
        /// The dimensions the strong example says nothing for.
        missed: Vec<String>,
    },
}

/// "above", or "15 points above" for a margin of more than one point.
fn above(margin: u8) -> String {
    match margin {
        0 | 1 => "above".into(),
        m => format!("{m} points above"),
    }
}

/// "; it says nothing the rubric hears for A, B" when some dimensions were missed.
fn missed_dimensions(missed: &[String]) -> String {
    match missed {
        [] => String::new(),
        names => format!(
            "; it says nothing the rubric hears for {}",
            names.join(", ")
        ),
    }
}

/// A failure that has no sentence of its own. The errors are shown as they say themselves, the
/// HTTP ones shortened; none is a source, since the chain would print them a second time whole.
/// None can hold the key: it only ever travels in a request header.
#[derive(Debug, thiserror::Error)]
pub enum Unexpected {
    /// The HTTP client could not be set up.
    #[error("{0}")]
    Client(reqwest::Error),
    /// The request failed on the way.
    #[error("{}", shorten(&crate::error_chain(.0)))]
    Http(reqwest::Error),
    /// async-openai failed on its side (boxed: its error is large).
    #[error("{}", shorten(&.0.to_string()))]
    Library(Box<OpenAIError>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interview::Endpoint;

    #[test]
    fn messages_name_the_url_and_say_what_is_wrong() {
        let url = || "http://127.0.0.1:8080/v1".to_string();
        let cases = [
            (
                InterviewError::Timeout {
                    url: url(),
                    wait: Wait::MidReply(Duration::from_secs(60)),
                },
                "the interviewer at http://127.0.0.1:8080/v1 sent nothing for 60 s in the middle of its reply (interviewer.read_timeout)",
            ),
            (
                InterviewError::BadKey {
                    url: url(),
                    key: KeySource::Unset("OPENAI_API_KEY".into()),
                    status: StatusCode::UNAUTHORIZED,
                },
                "the interviewer at http://127.0.0.1:8080/v1 refused the API key (none: $OPENAI_API_KEY is not set) (401 Unauthorized)",
            ),
            (
                InterviewError::Truncated {
                    url: url(),
                    cut: Cut::NoFinish { chars: 12 },
                },
                "the reply from http://127.0.0.1:8080/v1 broke off before it was finished (12 characters arrived)",
            ),
            (
                InterviewError::Malformed {
                    url: url(),
                    problem: ReplyProblem::Critique(CritiqueProblem::NoObject),
                },
                "the reply from http://127.0.0.1:8080/v1 is not what an OpenAI-compatible server sends: the critique is not the JSON asked for, even after a repair request (there is no JSON object in it)",
            ),
            (
                InterviewError::Template {
                    source: Box::new(InterviewError::TemplateMissing {
                        origin: Origin::BuiltIn("critique.md"),
                        name: "transcript",
                    }),
                },
                "the request to the interviewer at the prompt templates failed: the prompt template built-in critique.md never uses `{{ transcript }}`, so the model would not see it",
            ),
            (
                InterviewError::PiperModel(PathBuf::new()),
                "interviewer.voice is \"piper\" but interviewer.voice_name does not name a piper voice model (.onnx file): it is empty",
            ),
            (
                InterviewError::VoiceProgram {
                    program: "espeak-ng".into(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                },
                "the interviewer's voice failed: \"espeak-ng\": entity not found",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
            assert_eq!(crate::error_chain(&err), want);
        }
    }

    #[test]
    fn server_text_is_scrubbed_and_short() {
        let mut e = Endpoint::new("http://127.0.0.1:1/v1", "m");
        e.api_key = Some(super::super::ApiKey::new("sk-secret-123456".into()));
        let text = ServerText::new(
            e.api_key.as_ref(),
            &format!("bad key sk-secret-123456\n{}", "x".repeat(300)),
        );
        let shown = text.to_string();
        assert!(shown.starts_with("bad key [REDACTED] xxx"), "{shown}");
        assert_eq!(shown.chars().count(), 201);
        assert!(shown.ends_with('…'));
    }
}
