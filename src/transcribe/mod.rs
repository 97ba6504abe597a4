//! Speech to text: the [`Transcriber`] seam, the transcript types every later stage reads, and the
//! whisper.cpp engine behind it.
//!
//! The rest of rehearse never talks to whisper-rs directly. It hands 16 kHz mono samples to a
//! `Transcriber` and gets back a [`Transcript`]: words with start and end times in milliseconds, grouped
//! into segments. Tests and later stages swap in their own implementation of the trait.
//!
//! A practice session gives its engine to one [`EngineThread`] for the whole session and sends it
//! jobs through an [`EngineHandle`]; the live transcriber of each answer ([`live`]) is one such
//! sender. A one-shot `rehearse score` has a single job and calls the engine directly, asking it
//! to report how far it has got ([`Transcriber::transcribe_with_progress`]) for its progress bar.
//!
//! With `[transcribe] backend = "server"`, the engine is a [`server::ServerTranscriber`]: an
//! OpenAI-compatible transcription server for every transcript that counts, and a local model, when
//! one is installed, for provisional text and as the fallback.

pub mod engine_thread;
pub mod error;
#[cfg(test)]
mod fakes;
pub mod guard;
pub mod incremental;
pub mod live;
pub mod plan;
pub mod server;
pub mod whisper;
mod words;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

pub use engine_thread::{At, EngineFactory, EngineHandle, EngineThread};
pub use error::TranscribeError;
pub use whisper::{WhisperEngine, WhisperOptions};

/// One recognised word with its place in the recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// The word as Whisper wrote it, with punctuation attached and leading space removed.
    pub text: String,
    /// When the word starts, in milliseconds from the start of the recording.
    pub start_ms: u64,
    /// When the word ends, in milliseconds from the start of the recording.
    pub end_ms: u64,
    /// The mean probability of the word's tokens, 0 to 1.
    pub confidence: f32,
}

/// A stretch of speech Whisper decoded as one piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The segment's text, trimmed.
    pub text: String,
    /// Start in milliseconds.
    pub start_ms: u64,
    /// End in milliseconds.
    pub end_ms: u64,
    /// Whisper's estimate that the segment holds no speech, 0 to 1.
    pub no_speech_prob: f32,
}

/// What was said and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The whole text, segments joined by single spaces.
    pub text: String,
    /// Every word in order. Empty when the transcript came from text with no timings.
    pub words: Vec<Word>,
    /// Segments in order.
    pub segments: Vec<Segment>,
    /// Whether `words` carry times, and how far they can be trusted: none for a transcript read
    /// from a `.txt` file, approximate when a transcription server gave segment times only.
    pub timed: Timing,
}

/// How a transcript's words are timed. In JSON: `false`, `true`, or `"approximate"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Timing {
    /// No times: the transcript came from text.
    #[default]
    Untimed,
    /// Each word was timed by the recogniser (DTW or token times), refined with the audio's pauses.
    Words,
    /// Only segments were timed; each word's time is spread over its segment's voiced audio.
    Approximate,
}

impl Timing {
    /// Whether the words carry times at all, exact or approximate.
    pub fn has_times(self) -> bool {
        self != Timing::Untimed
    }
}

impl Serialize for Timing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Timing::Untimed => s.serialize_bool(false),
            Timing::Words => s.serialize_bool(true),
            Timing::Approximate => s.serialize_str("approximate"),
        }
    }
}

impl<'de> Deserialize<'de> for Timing {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Flag(bool),
            Word(String),
        }
        match Form::deserialize(d)? {
            Form::Flag(false) => Ok(Timing::Untimed),
            Form::Flag(true) => Ok(Timing::Words),
            Form::Word(w) if w == "approximate" => Ok(Timing::Approximate),
            Form::Word(w) => Err(serde::de::Error::custom(format!(
                "`timed` is true, false or \"approximate\", not \"{w}\""
            ))),
        }
    }
}

impl Transcript {
    /// A transcript with no timing information, as read from a plain text file.
    pub fn from_text(text: &str) -> Self {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        Transcript {
            text,
            words: Vec::new(),
            segments: Vec::new(),
            timed: Timing::Untimed,
        }
    }

    /// The words of the text, whether or not they are timed.
    pub fn word_count(&self) -> usize {
        if self.timed.has_times() {
            self.words.len()
        } else {
            self.text.split_whitespace().count()
        }
    }

    /// True when nothing was recognised.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Turns 16 kHz mono samples into a transcript.
///
/// Implementations keep their model loaded between calls, so one value serves a whole session.
pub trait Transcriber: Send {
    /// Transcribes a whole recording, `samples` (16 kHz, mono, -1.0 to 1.0). `offset_ms` is added
    /// to every time. The local engine cuts it as a live session would ([`plan`]).
    fn transcribe(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
    ) -> Result<Transcript, TranscribeError>;

    /// Transcribes one stretch of an answer as it is (at most about 28 seconds; `offset_ms` keeps
    /// its place in the whole), but gives up soon after `stop` becomes true and returns `None`.
    /// Engines that cannot stop early finish the work. The words before `keep_from_ms` (absolute,
    /// like `offset_ms`) are context the caller drops, which an engine need not get right.
    fn transcribe_until(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        _keep_from_ms: u64,
        stop: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        let t = self.transcribe(samples, offset_ms)?;
        Ok((!stop.load(Ordering::Relaxed)).then_some(t))
    }

    /// A provisional decode while an answer is spoken, which the settling decodes replace later.
    /// Like [`Transcriber::transcribe_until`] by default; an engine that does not decode
    /// provisionally (a server with no local model beside it) returns `None` at once.
    fn transcribe_provisional(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        keep_from_ms: u64,
        stop: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        self.transcribe_until(samples, offset_ms, keep_from_ms, stop)
    }

    /// Whether [`Transcriber::transcribe_provisional`] decodes anything, so a live session knows
    /// whether to ask for provisional text at all.
    fn decodes_provisionally(&self) -> bool {
        true
    }

    /// Whether provisional text is as good as settled text, so a live session may settle it as it
    /// is. False where settled text comes from elsewhere (a transcription server).
    fn provisional_is_final(&self) -> bool {
        true
    }

    /// Like [`Transcriber::transcribe`], calling `progress(done_ms, total_ms)` as the work goes
    /// on: the milliseconds of `samples` transcribed so far and their whole length. The last call
    /// has `done_ms == total_ms`. Engines that work in one piece report only that end.
    fn transcribe_with_progress(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        progress: &dyn Fn(u64, u64),
    ) -> Result<Transcript, TranscribeError> {
        let t = self.transcribe(samples, offset_ms)?;
        let total = crate::audio::samples_to_ms(samples.len());
        progress(total, total);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn an_engine_that_works_in_one_piece_reports_only_the_end() {
        let calls = RefCell::new(Vec::new());
        let samples = vec![0.0; 48_000];
        let hook = |done, total| calls.borrow_mut().push((done, total));
        let t = fakes::Stamps
            .transcribe_with_progress(&samples, 500, &hook)
            .unwrap();
        assert_eq!(calls.into_inner(), vec![(3_000, 3_000)]);
        assert_eq!(t.text, "[500-3500]");
    }

    #[test]
    fn timing_reads_and_writes_as_a_flag_or_approximate() {
        for (timing, json) in [
            (Timing::Untimed, "false"),
            (Timing::Words, "true"),
            (Timing::Approximate, "\"approximate\""),
        ] {
            assert_eq!(serde_json::to_string(&timing).unwrap(), json);
            assert_eq!(serde_json::from_str::<Timing>(json).unwrap(), timing);
        }
        let err = serde_json::from_str::<Timing>("\"roughly\"").unwrap_err();
        assert!(err.to_string().contains("roughly"), "{err}");
    }
}
