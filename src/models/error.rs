//! The models layer's one error, [`ModelError`]: finding a model, checking a model file and
//! fetching one. Each message is one sentence that names the model and the file or host.
//!
//! What is wrong is typed where it is found: a file that is not a usable model says how with a
//! [`ModelFlaw`], a host that does not answer why with a [`NoAnswer`], a download that stops why
//! with a [`Breakoff`]. The errors of the system and of reqwest are kept as they came.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why no model could be found, checked or fetched.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A path was given and it is not a file.
    #[error("model file {} does not exist", .0.display())]
    NoSuchFile(PathBuf),
    /// A name was given and no folder holds it.
    #[error(
        "model {name} is not installed (looked in {}); get it with `rehearse models fetch {name}`, or offline with `bash models/provision.sh`",
        paths(.searched)
    )]
    NotInstalled {
        /// The model's name.
        name: String,
        /// The folders searched.
        searched: Vec<PathBuf>,
    },
    /// Nothing was named and no folder holds any model.
    #[error(
        "no Whisper model is installed (looked in {}); get one with `rehearse models fetch tiny.en`, or offline with `bash models/provision.sh`",
        paths(.searched)
    )]
    NoneInstalled {
        /// The folders searched.
        searched: Vec<PathBuf>,
    },
    /// The model file could not be opened or read.
    #[error("cannot read model file {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file is not a ggml model, or it breaks off before its end.
    #[error("{path} is not a usable whisper.cpp model: {flaw}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        flaw: ModelFlaw,
    },
    /// The name is not in the catalogue.
    #[error("unknown model {name}; the known models are {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The catalogue's names, as a list.
        known: String,
    },
    /// No connection: offline, DNS failure, refused, or the connect timeout.
    #[error(
        "could not reach {host} to fetch {model}: {why}; check your connection, or import a faster-whisper model with `rehearse models import PATH`"
    )]
    Unreachable {
        /// The host (and port) of the download URL.
        host: String,
        /// The model being fetched.
        model: String,
        /// Why no answer came.
        why: NoAnswer,
    },
    /// The server has no such file.
    #[error(
        "{url} does not exist (HTTP 404), so {model} cannot be fetched from there; check the models base URL"
    )]
    NotOnServer {
        /// The download URL.
        url: String,
        /// The model being fetched.
        model: String,
    },
    /// Any other unexpected HTTP status.
    #[error("{url} answered HTTP {status} while fetching {model}; try again later")]
    HttpStatus {
        /// The download URL.
        url: String,
        /// The model being fetched.
        model: String,
        /// The status code.
        status: u16,
    },
    /// The HTTP client could not be set up (for example no TLS support).
    #[error("could not set up the HTTP client to fetch {model}: {}", innermost(.error))]
    HttpClient {
        /// The model being fetched.
        model: String,
        /// What reqwest said; the message shows only its innermost cause, so it is not a source
        /// (the error chain would print its outer text a second time).
        error: reqwest::Error,
    },
    /// Reading or writing the model folder failed.
    #[error(
        "could not {action} {path}: {source}; check the free disk space and that the folder is writable"
    )]
    Disk {
        /// What was being done.
        action: DiskAction,
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The connection broke mid-way; the partial file is kept.
    #[error(
        "the download of {model} from {host} stopped after {got} bytes ({why}); {part} is kept, and running the command again resumes it"
    )]
    Interrupted {
        /// The model being fetched.
        model: String,
        /// The host (and port) of the download URL.
        host: String,
        /// Bytes in the partial file.
        got: u64,
        /// The partial file.
        part: PathBuf,
        /// Why the download stopped.
        why: Breakoff,
    },
    /// The whole file does not have the published SHA-1; the partial file was deleted.
    #[error(
        "{file} from {url} has the wrong checksum (expected SHA-1 {expected}, got {got}), so the download was deleted; running the command again downloads it afresh"
    )]
    Checksum {
        /// The file name.
        file: String,
        /// The download URL.
        url: String,
        /// The published SHA-1, in hex.
        expected: String,
        /// The SHA-1 of what arrived, in hex.
        got: String,
    },
}

/// Folders as a comma-separated list.
fn paths(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The innermost cause's text, lower-cased at the start to sit inside a sentence.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map_or(text.clone(), |c| c.to_lowercase().chain(chars).collect())
}

/// How a file fails to be a whisper.cpp model, in the order the file is walked.
#[derive(Debug, thiserror::Error)]
pub enum ModelFlaw {
    /// The path is a folder.
    #[error("it is a directory")]
    Directory,
    /// Not even the magic number is there.
    #[error("the file is empty or shorter than a header")]
    NoHeader,
    /// The file starts with something else than the ggml magic number.
    #[error("it does not start with the ggml magic number (found {found:#010x})")]
    NotGgml {
        /// The first four bytes, as a little-endian number.
        found: u32,
    },
    /// The file ends inside the hyper-parameters.
    #[error("the header breaks off in the hyper-parameters")]
    HparamsCut,
    /// The hyper-parameters are out of the ranges Whisper models have.
    #[error("its hyper-parameters are not those of a Whisper model")]
    NotWhisper,
    /// The file ends before the mel filter bank.
    #[error("it breaks off before the mel filters")]
    MelCut,
    /// The mel filter bank's stated shape cannot be.
    #[error("its mel filter bank has an impossible shape {bands} x {bins}")]
    MelShape {
        /// Mel bands.
        bands: i64,
        /// FFT bins per band.
        bins: i64,
    },
    /// Moving through the file failed.
    #[error("{0}")]
    Seek(#[source] io::Error),
    /// The file ends before the vocabulary.
    #[error("it breaks off before the vocabulary")]
    VocabMissing,
    /// The vocabulary is larger than the hyper-parameters declare.
    #[error("its vocabulary has {entries} entries, more than the {declared} declared")]
    VocabTooLarge {
        /// Entries the vocabulary states.
        entries: u32,
        /// Entries the hyper-parameters declare.
        declared: u32,
    },
    /// The file ends inside the vocabulary.
    #[error("it breaks off inside the vocabulary")]
    VocabCut,
    /// A token is longer than any token can be.
    #[error("its vocabulary holds an impossible token")]
    ImpossibleToken,
    /// A tensor's data runs past the end of the file.
    #[error(
        "it is truncated: tensor {tensor} needs {missing} more bytes than the file has (an interrupted download?)"
    )]
    Truncated {
        /// The tensor.
        tensor: String,
        /// Bytes missing.
        missing: u64,
    },
    /// The file ends inside a tensor header.
    #[error("it is truncated inside a tensor header")]
    TensorHeaderCut,
    /// A tensor header has an impossible dimension count or name length.
    #[error("it holds a tensor header that makes no sense")]
    TensorHeaderNonsense,
    /// A tensor has a ggml type this check does not know.
    #[error("tensor {tensor} has unknown type {ttype}")]
    UnknownTensorType {
        /// The tensor.
        tensor: String,
        /// Its ggml type code.
        ttype: u32,
    },
    /// A tensor every Whisper model has is absent.
    #[error("tensor {0} is missing")]
    MissingTensor(String),
}

/// Why a download host gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum NoAnswer {
    /// The host name did not resolve.
    #[error("the host name could not be resolved (offline, or no DNS)")]
    Dns,
    /// No connection within the connect timeout.
    #[error("no answer within {secs} s")]
    Timeout {
        /// The connect timeout, in seconds.
        secs: u64,
    },
    /// The host refused the connection.
    #[error("the connection was refused")]
    Refused,
    /// Anything else, said by its innermost cause.
    #[error("{}", innermost(.0))]
    Other(reqwest::Error),
}

/// Why a download stopped before the whole file arrived.
#[derive(Debug, thiserror::Error)]
pub enum Breakoff {
    /// No data came within the read timeout.
    #[error("no data for {secs} s")]
    Stalled {
        /// The read timeout, in seconds.
        secs: u64,
    },
    /// The server ended the body before the length it announced.
    #[error("the server closed the connection early")]
    ClosedEarly,
    /// Anything else, said by its innermost cause.
    #[error("{}", innermost(.0))]
    Other(reqwest::Error),
}

/// What was being done to the model folder when the disk failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskAction {
    /// Creating the model folder.
    CreateFolder,
    /// Renaming the verified download to its final name.
    Rename,
    /// Opening the partial file.
    Open,
    /// Writing the partial file.
    Write,
    /// Reading a file (its size or its checksum).
    Read,
    /// Deleting a partial file.
    Delete,
}

impl fmt::Display for DiskAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiskAction::CreateFolder => "create the folder",
            DiskAction::Rename => "rename the download to",
            DiskAction::Open => "open",
            DiskAction::Write => "write",
            DiskAction::Read => "read",
            DiskAction::Delete => "delete",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_model_and_say_what_is_wrong() {
        let cases = [
            (
                ModelError::NotInstalled {
                    name: "base.en".into(),
                    searched: vec!["/a/models".into(), "/b/models".into()],
                },
                "model base.en is not installed (looked in /a/models, /b/models); get it with `rehearse models fetch base.en`, or offline with `bash models/provision.sh`",
            ),
            (
                ModelError::Invalid {
                    path: "m.bin".into(),
                    flaw: ModelFlaw::NotGgml { found: 0x46554747 },
                },
                "m.bin is not a usable whisper.cpp model: it does not start with the ggml magic number (found 0x46554747)",
            ),
            (
                ModelError::Unreachable {
                    host: "127.0.0.1:9".into(),
                    model: "tiny.en".into(),
                    why: NoAnswer::Timeout { secs: 15 },
                },
                "could not reach 127.0.0.1:9 to fetch tiny.en: no answer within 15 s; check your connection, or import a faster-whisper model with `rehearse models import PATH`",
            ),
            (
                ModelError::Interrupted {
                    model: "tiny.en".into(),
                    host: "h".into(),
                    got: 7,
                    part: "/m/ggml-tiny.en.bin.part".into(),
                    why: Breakoff::ClosedEarly,
                },
                "the download of tiny.en from h stopped after 7 bytes (the server closed the connection early); /m/ggml-tiny.en.bin.part is kept, and running the command again resumes it",
            ),
            (
                ModelError::Disk {
                    action: DiskAction::Rename,
                    path: "/m/ggml-tiny.en.bin".into(),
                    source: io::Error::other("disk full"),
                },
                "could not rename the download to /m/ggml-tiny.en.bin: disk full; check the free disk space and that the folder is writable",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
            assert_eq!(crate::error_chain(&err), want);
        }
    }
}
