//! Incremental transcription: the answer is transcribed while it is spoken, so the transcript is
//! ready the moment the speaker stops.
//!
//! Audio arrives in small blocks. [`Phrases`] keeps it and decides what to decode next. Audio is
//! *settled* (transcribed for good) in exactly the chunks a one-shot transcription of the whole
//! recording would use: [`guard::chunks`] groups the voiced spans into stretches of up to
//! [`guard::MAX_CHUNK_MS`] cut in the middle of pauses, and a chunk is settled as soon as the
//! speech after it shows it is complete. Whisper therefore hears each word with the same context
//! either way, which keeps the live transcript as accurate as the one-shot one. Meanwhile,
//! whenever the speaker pauses, the unsettled speech is transcribed *provisionally* and shown as
//! pending text. When the answer ends, the latest provisional transcript is settled as it is and
//! only the speech after it, normally the last phrase, is left to decode; a provisional decode
//! still running then is abandoned rather than waited for.
//!
//! This module is the bookkeeping alone, with no threads and no engine, so it can be tested step
//! by step; [`super::live::LiveTranscriber`] drives it while an answer is recorded.

use super::guard;
use super::{Segment, Transcript, Word};
use crate::audio::vad::{self, Span};
use crate::audio::{SAMPLE_RATE, ms_to_samples, samples_to_ms};

/// When to decode provisionally.
#[derive(Debug, Clone)]
pub struct LiveParams {
    /// A silence this long, in milliseconds, is a pause worth a provisional decode.
    pub pause_ms: u64,
    /// A new provisional decode waits for this much more audio than the last one covered, in
    /// milliseconds, unless the speaker has stopped for [`LiveParams::stop_ms`].
    pub step_ms: u64,
    /// A silence this long, in milliseconds, may be the end of the answer: decode now.
    pub stop_ms: u64,
    /// Whether to decode provisionally at all; false for an engine that does not (a transcription
    /// server with no local model), which then only settles chunks.
    pub provisional: bool,
    /// Whether a provisional transcript may be settled as it is (when a settling job covers the
    /// same audio, and when the answer ends). False when provisional text comes from another
    /// model than settled text (a local model beside a transcription server).
    pub settle_provisional: bool,
}

impl Default for LiveParams {
    fn default() -> Self {
        LiveParams {
            pause_ms: 300,
            step_ms: 2_000,
            stop_ms: 600,
            provisional: true,
            settle_provisional: true,
        }
    }
}

/// A stretch of samples to decode, and whether its transcript settles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
    /// True: the transcript is final. False: it is provisional.
    pub settle: bool,
}

/// The audio heard so far and what of it is transcribed.
#[derive(Debug, Default)]
pub struct Phrases {
    params: LiveParams,
    samples: Vec<f32>,
    /// Samples before this index are settled.
    settled_to: usize,
    settled: Vec<Transcript>,
    /// A provisional transcript of `[settled_to, end)`.
    provisional: Option<(usize, Transcript)>,
    /// The cuts found and the audio length they were found at: the voice detector looks at the
    /// whole answer, so it runs again only once another 100 ms has arrived.
    cut_cache: Option<(usize, Option<Cuts>)>,
}

/// How much audio before the provisional end the last job decodes again, for context.
const CONTEXT_MS: u64 = 4_000;
/// Audio kept before the voiced span the context starts at.
const CONTEXT_PAD_MS: u64 = 200;

/// The job left when the answer ends: decode `[decode_from, end)`, keep what is after `keep_from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastJob {
    /// Where decoding starts, a little before `keep_from`.
    pub decode_from: usize,
    /// Words after this sample are new; before it, the provisional transcript already has them.
    pub keep_from: usize,
    /// The end of the audio.
    pub end: usize,
}

/// New audio needed before pauses are looked for again.
const RECHECK_SAMPLES: usize = SAMPLE_RATE as usize / 10;

impl Phrases {
    /// An empty answer.
    pub fn new(params: LiveParams) -> Self {
        Phrases {
            params,
            ..Phrases::default()
        }
    }

    /// Appends newly captured 16 kHz samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.samples.extend_from_slice(samples);
    }

    /// All samples so far.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// The samples, once the answer is transcribed.
    pub fn into_samples(self) -> Vec<f32> {
        self.samples
    }

    /// What to decode next while the answer goes on, if anything.
    pub fn next_job(&mut self) -> Option<Job> {
        let len = self.samples.len();
        let found = match self.cut_cache {
            Some((at, found)) if len < at + RECHECK_SAMPLES => found,
            _ => {
                let found = self.find_cuts();
                self.cut_cache = Some((len, found));
                found
            }
        }?;
        if let Some(end) = found.settle.filter(|e| *e > self.settled_to) {
            return Some(Job {
                start: self.settled_to,
                end,
                settle: true,
            });
        }
        if !self.params.provisional {
            return None;
        }
        let (end, stopped) = found.pause.filter(|(e, _)| *e > self.settled_to)?;
        let covered = self
            .provisional
            .as_ref()
            .map_or(self.settled_to, |(e, _)| *e);
        let step = ms_to_samples(self.params.step_ms);
        (end > covered && (stopped || end >= covered + step || covered == self.settled_to))
            .then_some(Job {
                start: self.settled_to,
                end,
                settle: false,
            })
    }

    /// Takes the transcript of `job`.
    pub fn apply(&mut self, job: Job, transcript: Transcript) {
        if job.start != self.settled_to {
            return;
        }
        if job.settle {
            self.settled.push(transcript);
            self.settled_to = job.end;
            self.provisional = None;
        } else {
            self.provisional = Some((job.end, transcript));
        }
    }

    /// A job that settles a provisional transcript already in hand, so no decoding is needed.
    pub fn reuse_provisional(&mut self, job: Job) -> bool {
        if !self.params.settle_provisional {
            return false;
        }
        match &self.provisional {
            Some((end, _)) if job.settle && *end == job.end => {
                let (end, t) = self.provisional.take().expect("checked above");
                self.settled.push(t);
                self.settled_to = end;
                true
            }
            _ => false,
        }
    }

    /// The answer has ended: settles the provisional transcript and returns the last job, if any
    /// speech is left after it.
    ///
    /// Whisper hears a phrase cut out on its own worse than the same phrase in the middle of a
    /// chunk (a lone "Afterwards I write a blameless postmortem" came out as nonsense in testing),
    /// so the last job starts a few seconds earlier, inside the provisional stretch, and only the
    /// words after the provisional end are kept from it (see [`Phrases::apply_last`]).
    pub fn end(&mut self) -> Option<LastJob> {
        let region_start = self.settled_to;
        if let Some((end, t)) = self.provisional.take()
            && self.params.settle_provisional
        {
            self.settled.push(t);
            self.settled_to = end;
        }
        let rest = &self.samples[self.settled_to..];
        if rest.is_empty() || vad::is_silent(rest) {
            return None;
        }
        Some(LastJob {
            decode_from: self.context_start(region_start),
            keep_from: self.settled_to,
            end: self.samples.len(),
        })
    }

    /// Where the last job's decoding starts: the start of the voiced span that begins at least
    /// [`CONTEXT_MS`] before the settled point, but never before `floor`.
    fn context_start(&self, floor: usize) -> usize {
        let keep_ms = samples_to_ms(self.settled_to);
        let floor_ms = samples_to_ms(floor);
        let Some(latest) = keep_ms.checked_sub(CONTEXT_MS) else {
            return floor;
        };
        let spans = vad::speech_spans(&self.samples[..self.settled_to], &vad::VadParams::default());
        let start_ms = spans
            .iter()
            .map(|s| s.start_ms.saturating_sub(CONTEXT_PAD_MS))
            .rfind(|&t| t >= floor_ms && t <= latest)
            .unwrap_or(floor_ms);
        ms_to_samples(start_ms).max(floor)
    }

    /// Settles the last job's transcript, keeping only the words after the provisional end.
    pub fn apply_last(&mut self, job: LastJob, t: Transcript) {
        let keep_ms = samples_to_ms(job.keep_from);
        let words: Vec<Word> = t
            .words
            .into_iter()
            .filter(|w| (w.start_ms + w.end_ms) / 2 >= keep_ms)
            .collect();
        let Some((first, last)) = words.first().zip(words.last()) else {
            return;
        };
        let text = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let segment = Segment {
            text: text.clone(),
            start_ms: first.start_ms,
            end_ms: last.end_ms,
            no_speech_prob: t
                .segments
                .iter()
                .filter(|s| s.end_ms > keep_ms)
                .map(|s| s.no_speech_prob)
                .fold(0.0, f32::max),
        };
        self.settled.push(Transcript {
            text,
            words,
            segments: vec![segment],
            timed: t.timed,
        });
        self.settled_to = job.end;
    }

    /// The settled transcript.
    pub fn settled(&self) -> Transcript {
        join(&self.settled)
    }

    /// The provisional transcript of the speech after the settled part, if there is one.
    pub fn provisional(&self) -> Option<&Transcript> {
        self.provisional.as_ref().map(|(_, t)| t)
    }

    /// Where the unsettled audio may be cut: the end of a complete one-shot chunk, and the latest
    /// pause (with whether the speaker seems to have stopped there).
    fn find_cuts(&self) -> Option<Cuts> {
        let from_ms = samples_to_ms(self.settled_to);
        let now_ms = samples_to_ms(self.samples.len());
        // Spans relative to the settled point, as a one-shot run would see them from there.
        let spans: Vec<Span> = vad::speech_spans(&self.samples, &vad::VadParams::default())
            .into_iter()
            .filter(|s| s.end_ms > from_ms)
            .map(|s| Span {
                start_ms: s.start_ms.max(from_ms) - from_ms,
                end_ms: s.end_ms - from_ms,
            })
            .collect();
        let last = *spans.last()?;
        let region = self.samples.len() - self.settled_to;
        // A chunk is complete once a later chunk has begun: the speech after it shows where the
        // one-shot cut falls.
        let chunks = guard::chunks(region, &spans);
        let settle = (chunks.len() >= 2).then(|| self.settled_to + chunks[0].end);
        let mut pauses = vad::gaps(&spans, self.params.pause_ms);
        let trailing = (now_ms - from_ms).saturating_sub(last.end_ms);
        if trailing >= self.params.pause_ms {
            pauses.push(Span {
                start_ms: last.end_ms,
                end_ms: now_ms - from_ms,
            });
        }
        let pause = pauses.last().map(|p| {
            let cut_ms = from_ms + p.start_ms + (p.duration_ms() / 2).min(300);
            let stopped = trailing >= self.params.stop_ms && p.start_ms == last.end_ms;
            (ms_to_samples(cut_ms).min(self.samples.len()), stopped)
        });
        Some(Cuts { settle, pause })
    }
}

/// What [`Phrases::find_cuts`] found.
#[derive(Debug, Clone, Copy)]
struct Cuts {
    /// The end of the first complete chunk, ready to settle.
    settle: Option<usize>,
    /// The latest pause, and whether the speaker has been silent there long enough to have stopped.
    pause: Option<(usize, bool)>,
}

/// Joins transcripts of consecutive stretches into one.
pub fn join(parts: &[Transcript]) -> Transcript {
    let words: Vec<Word> = parts.iter().flat_map(|t| t.words.clone()).collect();
    let segments: Vec<Segment> = parts.iter().flat_map(|t| t.segments.clone()).collect();
    let text = parts
        .iter()
        .map(|t| t.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // Approximate times anywhere make the whole approximate.
    let timed = if parts.iter().any(|t| t.timed == super::Timing::Approximate) {
        super::Timing::Approximate
    } else {
        super::Timing::Words
    };
    Transcript {
        text,
        words,
        segments,
        timed,
    }
}

#[cfg(test)]
mod tests;
