//! Incremental transcription: the answer is transcribed while it is spoken, so the transcript is
//! ready the moment the speaker stops.
//!
//! Audio arrives in small blocks. [`Phrases`] keeps it and decides what to decode next. Audio is
//! *settled* (transcribed for good) in exactly the chunks a one-shot transcription of the whole
//! recording would use: [`guard::chunks`] groups the voiced spans into stretches of up to 28
//! seconds cut in the middle of pauses, and a chunk is settled as soon as the speech after it
//! shows it is complete. Whisper therefore hears each word with the same context either way, which
//! keeps the live transcript as accurate as the one-shot one. Meanwhile, whenever the speaker
//! pauses, the unsettled speech is transcribed *provisionally* and shown as pending text. When the
//! answer ends, the latest provisional transcript is settled as it is and only the speech after
//! it, normally the last phrase, is left to decode; a provisional decode still running then is
//! abandoned rather than waited for.
//!
//! [`LiveTranscriber`] runs this on a worker thread that owns the engine, fed through a channel,
//! reporting each change back through another; the capture loop never waits for Whisper.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::{self, JoinHandle};

use super::guard;
use super::{Segment, TranscribeError, Transcriber, Transcript, Word};
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
}

impl Default for LiveParams {
    fn default() -> Self {
        LiveParams {
            pause_ms: 300,
            step_ms: 2_000,
            stop_ms: 600,
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
        if let Some((end, t)) = self.provisional.take() {
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
            timed: true,
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
    Transcript {
        text,
        words,
        segments,
        timed: true,
    }
}

/// What the capture loop sends the worker.
#[derive(Debug)]
pub enum Feed {
    /// More 16 kHz samples.
    Audio(Vec<f32>),
    /// The answer is over: transcribe what is left and stop.
    End,
}

/// What the worker reports after each decode.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Everything settled so far.
    pub settled: Transcript,
    /// Provisional text after it, if any.
    pub pending: Option<Transcript>,
}

/// A worker thread transcribing an answer while it is spoken.
pub struct LiveTranscriber {
    feed: Sender<Feed>,
    /// Raised when the answer ends, so a decode that is no longer wanted stops at once.
    ending: Arc<AtomicBool>,
    progress: Receiver<Progress>,
    worker: JoinHandle<(Box<dyn Transcriber>, Result<Transcript, TranscribeError>)>,
}

impl LiveTranscriber {
    /// Starts the worker; it owns `engine` until [`LiveTranscriber::finish`] hands it back.
    pub fn start(engine: Box<dyn Transcriber>, params: LiveParams) -> Self {
        let (feed, feed_rx) = mpsc::channel();
        let (progress_tx, progress) = mpsc::channel();
        let ending = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ending);
        let worker = thread::Builder::new()
            .name("transcribe".into())
            .spawn(move || work(engine, params, feed_rx, progress_tx, flag))
            .expect("the system can start a thread");
        LiveTranscriber {
            feed,
            ending,
            progress,
            worker,
        }
    }

    /// Hands the worker more audio; never blocks.
    pub fn feed(&self, samples: Vec<f32>) {
        // A worker that stopped has an error waiting in `finish`; the audio is recorded anyway.
        let _ = self.feed.send(Feed::Audio(samples));
    }

    /// The latest progress report, if the worker sent any since the last call.
    pub fn latest(&self) -> Option<Progress> {
        let mut last = None;
        loop {
            match self.progress.try_recv() {
                Ok(p) => last = Some(p),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return last,
            }
        }
    }

    /// Ends the answer and waits for the complete transcript; hands the engine back for the next
    /// answer unless the worker panicked with it.
    pub fn finish(
        self,
    ) -> (
        Option<Box<dyn Transcriber>>,
        Result<Transcript, TranscribeError>,
    ) {
        self.ending.store(true, Ordering::Relaxed);
        let _ = self.feed.send(Feed::End);
        match self.worker.join() {
            Ok((engine, result)) => (Some(engine), result),
            Err(_) => (
                None,
                Err(TranscribeError::Engine(
                    "the transcription thread panicked".into(),
                )),
            ),
        }
    }
}

/// The worker: decode whatever [`Phrases`] asks for, between taking in audio.
fn work(
    mut engine: Box<dyn Transcriber>,
    params: LiveParams,
    feed: Receiver<Feed>,
    progress: Sender<Progress>,
    ending: Arc<AtomicBool>,
) -> (Box<dyn Transcriber>, Result<Transcript, TranscribeError>) {
    let result = transcribe_live(&mut *engine, params, &feed, &progress, &ending);
    (engine, result)
}

fn transcribe_live(
    engine: &mut dyn Transcriber,
    params: LiveParams,
    feed: &Receiver<Feed>,
    progress: &Sender<Progress>,
    ending: &Arc<AtomicBool>,
) -> Result<Transcript, TranscribeError> {
    let mut phrases = Phrases::new(params);
    loop {
        let mut ended = drain(feed, &mut phrases);
        if !ended {
            match phrases.next_job() {
                Some(job) => {
                    if !phrases.reuse_provisional(job) {
                        let part = &phrases.samples()[job.start..job.end];
                        let offset_ms = samples_to_ms(job.start);
                        // An abandoned decode leaves nothing behind; the end handles the rest.
                        if let Some(t) = engine.transcribe_until(part, offset_ms, ending)? {
                            phrases.apply(job, t);
                        }
                    }
                    report(&phrases, progress);
                    continue;
                }
                // Nothing to do until more audio comes.
                None => match feed.recv() {
                    Ok(Feed::Audio(s)) => phrases.push(&s),
                    Ok(Feed::End) | Err(_) => ended = true,
                },
            }
        }
        if ended {
            drain(feed, &mut phrases);
            if let Some(job) = phrases.end() {
                let part = &phrases.samples()[job.decode_from..job.end];
                let t = engine.transcribe(part, samples_to_ms(job.decode_from))?;
                phrases.apply_last(job, t);
            }
            return Ok(phrases.settled());
        }
    }
}

/// Takes in all queued audio; true when the answer has ended.
fn drain(feed: &Receiver<Feed>, phrases: &mut Phrases) -> bool {
    loop {
        match feed.try_recv() {
            Ok(Feed::Audio(s)) => phrases.push(&s),
            Ok(Feed::End) | Err(TryRecvError::Disconnected) => return true,
            Err(TryRecvError::Empty) => return false,
        }
    }
}

fn report(phrases: &Phrases, progress: &Sender<Progress>) {
    let _ = progress.send(Progress {
        settled: phrases.settled(),
        pending: phrases.provisional().cloned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Speech-like noise bursts of the given lengths in milliseconds, separated by silences.
    fn answer(parts: &[(u64, u64)]) -> Vec<f32> {
        let mut out = Vec::new();
        let mut seed = 1u32;
        for &(speech_ms, silence_ms) in parts {
            for _ in 0..ms_to_samples(speech_ms) {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                out.push(((seed >> 9) as f32 / (1u32 << 23) as f32 - 0.5) * 0.6);
            }
            out.extend(std::iter::repeat_n(0.0, ms_to_samples(silence_ms)));
        }
        out
    }

    /// A transcriber that names each stretch by its start and end in milliseconds.
    struct Stamps;
    impl Transcriber for Stamps {
        fn transcribe(&mut self, s: &[f32], offset: u64) -> Result<Transcript, TranscribeError> {
            let end = offset + samples_to_ms(s.len());
            let text = format!("[{offset}-{end}]");
            Ok(Transcript {
                text: text.clone(),
                words: vec![Word {
                    text,
                    start_ms: offset,
                    end_ms: end,
                    confidence: 1.0,
                }],
                segments: Vec::new(),
                timed: true,
            })
        }
    }

    #[test]
    fn nothing_is_decoded_while_the_first_phrase_is_still_being_spoken() {
        let mut p = Phrases::new(LiveParams::default());
        p.push(&answer(&[(2_000, 0)]));
        assert_eq!(p.next_job(), None);
    }

    #[test]
    fn a_pause_gives_a_provisional_job_once() {
        let mut p = Phrases::new(LiveParams::default());
        p.push(&answer(&[(2_000, 1_500)]));
        let job = p.next_job().expect("a job at the pause");
        assert!(!job.settle);
        assert_eq!(job.start, 0);
        p.apply(job, Transcript::default());
        assert_eq!(p.next_job(), None, "the same pause is not decoded twice");
        p.push(&answer(&[(300, 400)]));
        assert_eq!(p.next_job(), None, "a short step waits for more");
        p.push(&answer(&[(3_000, 400)]));
        assert!(p.next_job().is_some(), "a longer step is decoded");
    }

    #[test]
    fn a_chunk_settles_where_a_one_shot_run_would_cut_it() {
        let mut p = Phrases::new(LiveParams::default());
        let mut audio = vec![0.0; ms_to_samples(1_000)];
        audio.extend(answer(&[
            (8_000, 1_000),
            (8_000, 1_000),
            (8_000, 1_000),
            (4_000, 1_000),
        ]));
        p.push(&audio);
        let job = p.next_job().expect("a settled chunk");
        assert!(job.settle);
        let spans = vad::speech_spans(&audio, &vad::VadParams::default());
        let one_shot = guard::chunks(audio.len(), &spans);
        assert_eq!(job.end, one_shot[0].end);
    }

    #[test]
    fn cuts_fall_inside_pauses() {
        let mut p = Phrases::new(LiveParams::default());
        p.push(&answer(&[(3_000, 800), (2_000, 400)]));
        let job = p.next_job().unwrap();
        let end_ms = samples_to_ms(job.end);
        assert!((5_800..=6_300).contains(&end_ms), "cut at {end_ms} ms");
    }

    #[test]
    fn speech_with_no_pause_is_cut_before_whisper_s_window_is_full() {
        let mut p = Phrases::new(LiveParams::default());
        // Gaps of 200 ms are too short to cut at; the leading silence sets the noise floor.
        p.push(&vec![0.0; ms_to_samples(4_000)]);
        p.push(&answer(&[(1_800, 200); 16]));
        let job = p.next_job().expect("a forced cut");
        assert!(job.settle);
        // The chunk starts 300 ms before the speech, which starts after 4 s of silence.
        assert!(samples_to_ms(job.end) <= 3_700 + 28_000, "{job:?}");
    }

    #[test]
    fn ending_settles_the_provisional_text_and_leaves_only_the_last_phrase() {
        let mut p = Phrases::new(LiveParams::default());
        p.push(&answer(&[(3_000, 500)]));
        let job = p.next_job().unwrap();
        p.apply(job, Stamps.transcribe(&p.samples()[..job.end], 0).unwrap());
        p.push(&answer(&[(1_500, 0)]));
        let last = p.end().expect("the last phrase");
        assert_eq!(last.keep_from, job.end);
        assert_eq!(last.end, p.samples().len());
        assert!(
            last.decode_from < last.keep_from,
            "the last job has context"
        );
        assert_eq!(p.settled().words.len(), 1);
        let t = Stamps.transcribe(
            &p.samples()[last.decode_from..],
            samples_to_ms(last.decode_from),
        );
        let mut t = t.unwrap();
        // Two words: one inside the context, one after the provisional end.
        t.words = vec![
            Word {
                text: "old".into(),
                start_ms: 100,
                end_ms: 400,
                confidence: 1.0,
            },
            Word {
                text: "new".into(),
                start_ms: 3_600,
                end_ms: 4_000,
                confidence: 1.0,
            },
        ];
        p.apply_last(last, t);
        assert_eq!(p.settled().text, "[0-3250] new");
    }

    #[test]
    fn a_silent_tail_needs_no_last_job() {
        let mut p = Phrases::new(LiveParams::default());
        p.push(&answer(&[(3_000, 500)]));
        let job = p.next_job().unwrap();
        p.apply(job, Transcript::default());
        p.push(&vec![0.0; 8_000]);
        assert_eq!(p.end(), None);
    }

    /// A fake engine that hears one "word" per 100 ms of absolute time, cut at the edges of what it
    /// is given, so stretches decoded with context overlap the way real words do.
    struct Ticks;
    impl Transcriber for Ticks {
        fn transcribe(&mut self, s: &[f32], offset: u64) -> Result<Transcript, TranscribeError> {
            let end = offset + samples_to_ms(s.len());
            let mut words = Vec::new();
            let mut t = offset;
            while t < end {
                let next = (t / 100 + 1) * 100;
                words.push(Word {
                    text: format!("{t}"),
                    start_ms: t,
                    end_ms: next.min(end),
                    confidence: 1.0,
                });
                t = next;
            }
            let text = words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            Ok(Transcript {
                text,
                words,
                segments: Vec::new(),
                timed: true,
            })
        }
    }

    #[test]
    fn the_worker_transcribes_every_stretch_once_and_in_order() {
        let live = LiveTranscriber::start(Box::new(Ticks), LiveParams::default());
        let mut audio = vec![0.0; ms_to_samples(2_000)];
        audio.extend(answer(&[
            (4_000, 900),
            (9_000, 1_000),
            (5_000, 800),
            (3_000, 0),
        ]));
        for block in audio.chunks(320) {
            live.feed(block.to_vec());
        }
        let t = live.finish().1.unwrap();
        assert!(!t.words.is_empty());
        // Settled chunks meet exactly; at the last job's seam a word is kept when its middle is
        // past the seam, so the seam may be off by part of one word either way, never by more.
        let mut expect_start = 0;
        for w in &t.words {
            assert!(
                w.start_ms.abs_diff(expect_start) < 100,
                "a word at {} after {expect_start}: {}",
                w.start_ms,
                t.text
            );
            expect_start = w.end_ms;
        }
        assert_eq!(expect_start, samples_to_ms(audio.len()));
    }

    #[test]
    fn an_engine_error_reaches_finish() {
        struct Broken;
        impl Transcriber for Broken {
            fn transcribe(&mut self, _: &[f32], _: u64) -> Result<Transcript, TranscribeError> {
                Err(TranscribeError::Engine("boom".into()))
            }
        }
        let live = LiveTranscriber::start(Box::new(Broken), LiveParams::default());
        live.feed(answer(&[(2_000, 600)]));
        let (engine, result) = live.finish();
        assert!(result.is_err());
        assert!(engine.is_some(), "the engine comes back after an error");
    }
}
