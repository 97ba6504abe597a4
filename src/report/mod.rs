//! What `rehearse score` reports, and its text, Markdown and JSON renderings.
//!
//! The JSON form is a contract: its shape is documented in the README and versioned by `schema`.
//! Every renderer is a pure function of the report, so the same input prints the same bytes.

pub mod charts;
pub mod html;
mod markdown;
mod text;
pub mod tui;

use serde::{Deserialize, Serialize};

use crate::config::Format;
use crate::score::{Delivery, ScoreCard};
use crate::transcribe::Transcript;

/// The JSON schema identifier; bumped on any incompatible change.
pub const SCHEMA: &str = "rehearse.score/1";

/// Where the answer came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The path as the user gave it.
    pub path: String,
    /// `audio` or `transcript`.
    pub kind: SourceKind,
    /// Container, codec, sample rate and channels of a recording; absent for a transcript.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioFormat>,
}

/// The kind of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A recording, transcribed by Whisper.
    Audio,
    /// A plain-text transcript, with no timings.
    Transcript,
}

/// The recording's format as decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioFormat {
    /// `wav`, `mp3`, `flac`, `ogg` or `m4a`.
    pub container: String,
    /// The codec.
    pub codec: String,
    /// The original sample rate in Hz.
    pub sample_rate: u32,
    /// The original channel count.
    pub channels: u16,
}

/// The model that transcribed the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelUsed {
    /// Such as `tiny.en`.
    pub name: String,
    /// The ggml file.
    pub path: String,
}

/// The result of `rehearse score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreReport {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The input.
    pub source: Source,
    /// The model, for recordings.
    pub model: Option<ModelUsed>,
    /// What was said.
    pub transcript: Transcript,
    /// How it was said.
    pub delivery: Delivery,
    /// The answer judged against the question's rubric: coverage, structure, delivery, advice.
    pub score: ScoreCard,
    /// Things the reader should know about the result, such as "no speech was found".
    pub notes: Vec<String>,
}

impl ScoreReport {
    /// Renders the report in `format`. The output ends with a newline.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Markdown => markdown::render(self),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("a report always serialises");
                s.push('\n');
                s
            }
        }
    }
}

/// A figure that may be unknown, for the human renderings.
fn or_unknown(v: Option<String>) -> String {
    v.unwrap_or_else(|| "unknown (no timings in a text transcript)".to_string())
}

/// Seconds with one decimal, for pause lengths.
fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}
