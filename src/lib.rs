//! rehearse: a local voice coach for spoken interview answers.
//!
//! # Layout
//!
//! Data flows one way: audio -> samples -> transcript -> figures -> report.
//!
//! - [`cli`] and [`config`]: what the user typed and wrote; [`settings`] resolves them into one value.
//! - [`audio`]: decoding recordings, resampling to 16 kHz mono, voice activity.
//! - [`transcribe`]: the `Transcriber` seam and the whisper.cpp engine behind it.
//! - [`models`]: finding, fetching, importing and checking Whisper models.
//! - [`questions`] and `prompts/questions/`: the question bank and its rubrics, as data.
//! - [`score`]: pure measurement and rubric scoring of a transcript.
//! - [`report`]: text, Markdown and JSON renderings, and the terminal view.
//! - [`interview`]: the language-model interviewer: critique, follow-ups, voice.
//! - [`session`]: live practice sessions and their folders.
//! - [`commands`]: one function per command, gluing the above together.
//! - [`units`], [`logging`], [`error`]: small shared pieces.
//! - `testkit`: helpers the tests share (tools they need, a file-backed ALSA device); hidden, and
//!   never called by the program.

pub mod audio;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod interview;
pub mod logging;
pub mod models;
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
