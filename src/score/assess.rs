//! The assessment: an answer as heard (its words, where they came from, the audio they were
//! spoken in) judged against a question, in the one record every command and the store share.
//!
//! [`assess`] is the one place the pipeline "samples -> voice activity -> delivery -> rubric ->
//! report" is put together: `rehearse score` calls it on a file, practice on a live answer. The
//! record's JSON form is a contract: its shape is documented in the README and versioned by
//! [`SCHEMA`].

use serde::{Deserialize, Serialize};

use super::ScoreCard;
use super::delivery::{Delivery, measure};
use super::rubric::Scorer;
use crate::audio::{samples_to_ms, vad};
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

/// An answer as heard, before it is judged.
#[derive(Debug, Clone)]
pub struct Heard<'a> {
    /// Where it came from.
    pub source: Source,
    /// The model that transcribed it, for recordings.
    pub model: Option<ModelUsed>,
    /// What was said.
    pub transcript: Transcript,
    /// The 16 kHz samples of a recording: its length and pauses are measured from them. `None`
    /// for a text transcript, whose timing figures are unknown.
    pub samples: Option<&'a [f32]>,
    /// Things the reader should know, carried into the report.
    pub notes: Vec<String>,
}

impl Heard<'_> {
    /// A typed transcript read from `path` (or written by rehearse itself, for a probe): no model,
    /// no samples, no timing.
    pub fn text(path: &str, text: &str) -> Heard<'static> {
        Heard {
            source: Source {
                path: path.into(),
                kind: SourceKind::Transcript,
                audio: None,
            },
            model: None,
            transcript: Transcript::from_text(text),
            samples: None,
            notes: Vec::new(),
        }
    }
}

/// Measures how the answer was said and judges what was said against the scorer's question.
/// Pure: the same answer always gives the same report.
pub fn assess(scorer: &Scorer<'_>, heard: Heard<'_>) -> ScoreReport {
    let delivery = match heard.samples {
        Some(samples) => {
            let spans = vad::speech_spans(samples, &vad::VadParams::default());
            measure(
                &heard.transcript,
                Some(samples_to_ms(samples.len())),
                Some(&spans),
            )
        }
        None => measure(&heard.transcript, None, None),
    };
    let mut notes = heard.notes;
    if heard.transcript.timed == crate::transcribe::Timing::Approximate {
        notes.push(APPROXIMATE_NOTE.into());
    }
    ScoreReport {
        schema: SCHEMA.into(),
        score: scorer.score(&heard.transcript, &delivery),
        source: heard.source,
        model: heard.model,
        transcript: heard.transcript,
        delivery,
        notes,
    }
}

/// The note on a report whose words were timed approximately.
pub const APPROXIMATE_NOTE: &str = "word times are approximate: the transcription server timed \
     segments only, so each word is placed within its segment's speech (pauses and pace still \
     come from the audio)";
