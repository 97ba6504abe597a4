//! rehearse: a local voice coach for spoken interview answers.
//!
//! # Layout
//!
//! Data flows one way: audio -> samples -> transcript -> assessment -> report, with the interviewer
//! reading the transcript and assessment beside it and the store keeping what each step produced.
//! Lowest layer first; a module imports only modules above it in this list (`ARCHITECTURE.md` says
//! more, and `architecture_tests` keeps it true):
//!
//! - [`units`], [`logging`], [`text`]: small shared types, log set-up, the tokenizer.
//! - [`progress`]: progress bars on standard error for long work, on a terminal only.
//! - [`net`]: the API key that never prints and the HTTP transport shared by the servers' clients.
//! - [`audio`]: decoding recordings, resampling to 16 kHz mono, capture, WAV writing, voice activity.
//! - [`models`]: finding, fetching, importing and checking Whisper models.
//! - [`transcribe`]: the `Transcriber` seam, the whisper.cpp engine, incremental transcription.
//! - [`questions`] and `prompts/questions/`: the question bank and its rubrics, as plain data.
//! - [`score`]: pure assessment: an answer as heard in, a `ScoreReport` out.
//! - [`interview`]: the language-model interviewer: client, prompts, critique, voice.
//! - [`job`]: picking the questions a job posting's interviewers would ask (`practice --job`).
//! - [`store`]: session folders, the catalog, summaries, history, retention.
//! - [`session`]: the live practice pipeline: sources, clock, answers, rounds, the drill.
//! - [`report`]: every rendering of every record: text, Markdown, JSON, HTML.
//! - [`screen`]: the terminal: the full-screen view and plain progress lines.
//! - [`config`], [`cli`], [`settings`]: the config file and the command line, resolved into one
//!   `Settings` at the top of each command.
//! - [`error`]: the crate's error, one variant per layer.
//! - [`commands`]: one function per command, gluing the above together.
//! - `testkit`: helpers the tests share (tools they need, a file-backed ALSA device); hidden, and
//!   never called by the program.

pub mod audio;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod interview;
pub mod job;
pub mod logging;
pub mod models;
pub mod net;
pub mod progress;
pub mod questions;
pub mod report;
pub mod score;
pub mod screen;
pub mod session;
pub mod settings;
pub mod store;
#[doc(hidden)]
pub mod testkit;
pub mod text;
pub mod transcribe;
pub mod units;

#[cfg(test)]
mod architecture_tests;

pub use error::Error;

/// The error and its causes on one line, each cause after a colon, skipping causes whose text the
/// error already shows (transparent wrappers repeat their inner message).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out += ": ";
            out += &text;
        }
        source = cause.source();
    }
    out
}
