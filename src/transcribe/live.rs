//! The live transcriber of one answer: a worker thread that takes in the audio as it is recorded,
//! asks [`Phrases`] what to decode next, and sends each decode to the session's engine thread.
//!
//! The capture loop never waits for Whisper: it hands audio over through a channel and picks up
//! progress reports from another. The worker never owns the engine either; it holds an
//! [`EngineHandle`], so an answer that ends, fails or is abandoned leaves the engine where it was,
//! ready for the next answer. When the answer ends, a decode still running is waited for if the
//! end uses it as it is (the decode to the mark the tail starts at), and otherwise told to stop
//! (through a flag the engine checks); then only the end of the answer is decoded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::{self, JoinHandle};

use std::time::{Duration, Instant};

use super::engine_thread::{At, EngineHandle, Pending};
use super::incremental::{Job, LiveParams, Phrases};
use super::plan;
use super::{TranscribeError, Transcript};
use crate::audio::samples_to_ms;

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

/// A finished answer: its transcript and the samples it was transcribed from.
#[derive(Debug)]
pub struct Heard {
    /// The complete transcript.
    pub transcript: Transcript,
    /// Every sample fed, at 16 kHz.
    pub samples: Vec<f32>,
}

/// A worker thread transcribing an answer while it is spoken.
pub struct LiveTranscriber {
    feed: Sender<Feed>,
    progress: Receiver<Progress>,
    /// Taken by [`LiveTranscriber::finish`]. Dropped without it, the session failed mid-answer
    /// and wants no transcript: the worker, finding its feed closed without an end, stops the
    /// decode running (within [`POLL`]) and decodes nothing more, so the engine thread is free at
    /// once for whoever shuts it down.
    worker: Option<JoinHandle<Result<Heard, TranscribeError>>>,
}

impl LiveTranscriber {
    /// Starts the worker, which sends its decodes to the engine behind `engine`.
    /// Provisional decodes are asked for only when the engine makes them, and settled as they are
    /// only when the engine says they are as good as settled text.
    pub fn start(engine: EngineHandle, mut params: LiveParams) -> Self {
        params.provisional &= engine.decodes_provisionally();
        params.settle_provisional &= engine.provisional_is_final();
        let (feed, feed_rx) = mpsc::channel();
        let (progress_tx, progress) = mpsc::channel();
        let worker = thread::Builder::new()
            .name("transcribe".into())
            .spawn(move || transcribe_live(&engine, params, &feed_rx, &progress_tx))
            .expect("the system can start a thread");
        LiveTranscriber {
            feed,
            progress,
            worker: Some(worker),
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

    /// Ends the answer and waits for the complete transcript, which comes with every sample fed
    /// (the worker keeps them, so the caller need not keep a copy of its own).
    pub fn finish(mut self) -> Result<Heard, TranscribeError> {
        let _ = self.feed.send(Feed::End);
        let worker = self.worker.take().expect("only finish takes the worker");
        worker.join().unwrap_or(Err(TranscribeError::LivePanicked))
    }
}

/// How the feed stands after taking in what was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fed {
    /// More audio may come.
    Open,
    /// The answer ended: decode what is left.
    Ended,
    /// The capture side went away without ending the answer: nobody wants the transcript.
    Dropped,
}

/// How often the worker looks at the feed while a decode runs, so the end of the answer is
/// noticed at once rather than when the decode returns.
const POLL: Duration = Duration::from_millis(10);

/// A decode sent to the engine thread, with the flag that stops it.
struct Running {
    job: Job,
    pending: Pending,
    stop: Arc<AtomicBool>,
    /// When it was sent.
    sent: Instant,
}

/// How long this session's decodes take per second of audio, to tell at the end of the answer
/// whether the decode running is worth waiting for.
///
/// The pace drifts within a session (a stretch decoded again and again grows its text, another
/// process takes a core): the estimate is the slower of the whole session's pace and that of its
/// last few decodes, so a decode that has slowed down is not waited for on an old, quicker pace.
#[derive(Debug, Default)]
struct Pace {
    decodes: u32,
    audio_ms: u64,
    took_ms: u64,
    /// Milliseconds of decoding per millisecond of audio of the last [`Pace::RECENT`] decodes of
    /// at least [`Pace::MEASURED_MS`] of audio, oldest first.
    recent: std::collections::VecDeque<f64>,
}

impl Pace {
    /// Decodes that must finish before the pace is trusted.
    const SEEN: u32 = 2;
    /// How many recent decodes make the recent pace.
    const RECENT: usize = 4;
    /// Shorter decodes say little about the pace (their fixed costs dominate).
    const MEASURED_MS: u64 = 3_000;
    /// A decode with more than this many milliseconds still to run, beyond what doing without
    /// it costs, is stopped at the end of the answer when the end can do without it. (Stopped in
    /// whisper.cpp's encoder, a decode still runs to the encoder's end, about a third of its
    /// time.)
    const WORTH_WAITING_MS: f64 = 250.0;
    /// A decode that has run this many times its expected time, plus [`Pace::WORTH_WAITING_MS`],
    /// is doing more than one pass (decoding again what Whisper skipped), and when it ends
    /// cannot be told.
    const OVERRUN: f64 = 1.25;

    /// Notes a decode of `job` that took `took`.
    fn finished(&mut self, job: Job, took: Duration) {
        let audio_ms = samples_to_ms(job.end - job.start);
        let took_ms = took.as_millis() as u64;
        self.decodes += 1;
        self.audio_ms += audio_ms;
        self.took_ms += took_ms;
        if audio_ms >= Self::MEASURED_MS {
            if self.recent.len() == Self::RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(took_ms as f64 / audio_ms as f64);
        }
    }

    /// Whether a decode of `job` that has run for `ran` is better stopped than waited for at
    /// the end of the answer, when doing without it means decoding `extra_ms` more audio: when it
    /// likely has more than [`Pace::WORTH_WAITING_MS`] still to run beyond that extra decoding,
    /// or has overrun ([`Pace::OVERRUN`]). Never until [`Pace::SEEN`] decodes finished.
    fn worth_stopping(&self, job: Job, ran: Duration, extra_ms: u64) -> bool {
        if self.decodes < Self::SEEN || self.audio_ms == 0 {
            return false;
        }
        let whole = self.took_ms as f64 / self.audio_ms as f64;
        let recent = match self.recent.len() {
            0 => 0.0,
            n => self.recent.iter().sum::<f64>() / n as f64,
        };
        let rate = whole.max(recent);
        let expected = rate * samples_to_ms(job.end - job.start) as f64;
        let ran = ran.as_millis() as f64;
        ran > expected * Self::OVERRUN + Self::WORTH_WAITING_MS
            || expected - ran > Self::WORTH_WAITING_MS + rate * extra_ms as f64
    }
}

/// The worker: decode whatever [`Phrases`] asks for, between taking in audio.
fn transcribe_live(
    engine: &EngineHandle,
    params: LiveParams,
    feed: &Receiver<Feed>,
    progress: &Sender<Progress>,
) -> Result<Heard, TranscribeError> {
    let mut phrases = Phrases::new(params);
    let mut running: Option<Running> = None;
    let mut clock = FeedClock::default();
    let mut pace = Pace::default();
    let fed = loop {
        let fed = drain(feed, &mut phrases);
        clock.heard(phrases.samples().len());
        if let done @ (Fed::Ended | Fed::Dropped) = fed {
            if let Some(r) = running.take() {
                // A decode the end needs as it is (the last chunk to its last mark, usually) is
                // waited for; any other is stopped, and taken only if it has finished.
                let since = Instant::now();
                let wanted = done == Fed::Ended && phrases.wanted_at_end(r.job);
                // Unless, when someone waits, the end can do without it and it has long to go,
                // then or later.
                let extra_ms = phrases.extra_without(r.job).filter(|_| clock.real_time());
                let mut waiting = wanted;
                let result = loop {
                    if waiting
                        && extra_ms.is_some_and(|x| pace.worth_stopping(r.job, r.sent.elapsed(), x))
                    {
                        waiting = false;
                    }
                    if !waiting {
                        r.stop.store(true, Ordering::Relaxed);
                        break r.pending.wait_for(POLL);
                    }
                    if let Some(result) = r.pending.wait_for(POLL) {
                        break Some(result);
                    }
                };
                tracing::debug!(
                    start_ms = samples_to_ms(r.job.start),
                    end_ms = samples_to_ms(r.job.end),
                    heard_ms = samples_to_ms(phrases.samples().len()),
                    wanted,
                    stopped = !waiting,
                    waited_ms = since.elapsed().as_millis() as u64,
                    "the answer ended during a decode"
                );
                if done == Fed::Ended
                    && let Some(result) = result
                    && let Some(t) = result?
                {
                    phrases.apply(r.job, t);
                }
            }
            break done;
        }
        if let Some(r) = running.take() {
            match r.pending.wait_for(POLL) {
                Some(result) => {
                    pace.finished(r.job, r.sent.elapsed());
                    if let Some(t) = result? {
                        phrases.apply(r.job, t);
                        report(&phrases, progress);
                    }
                }
                None => running = Some(r),
            }
            continue;
        }
        match phrases.next_job() {
            Some(job) => running = Some(submit(engine, &phrases, job)),
            // Nothing to do until more audio comes.
            None => match feed.recv() {
                Ok(Feed::Audio(s)) => phrases.push(&s),
                Ok(Feed::End) => break Fed::Ended,
                Err(_) => break Fed::Dropped,
            },
        }
    };
    if fed == Fed::Ended {
        finish_answer(engine, feed, &mut phrases, clock.real_time())?;
    }
    Ok(Heard {
        transcript: phrases.settled(),
        samples: phrases.into_samples(),
    })
}

/// Sends one job to the engine thread.
fn submit(engine: &EngineHandle, phrases: &Phrases, job: Job) -> Running {
    let part = phrases.samples()[job.start..job.end].to_vec();
    let at = At {
        offset_ms: samples_to_ms(job.start),
        keep_from_ms: samples_to_ms(job.keep_from),
    };
    tracing::debug!(
        start_ms = at.offset_ms,
        end_ms = samples_to_ms(job.end),
        settle = job.settle,
        "a live job"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let pending = if job.settle {
        engine.submit(part, at, Some(Arc::clone(&stop)))
    } else {
        engine.submit_provisional(part, at, Some(Arc::clone(&stop)))
    };
    Running {
        job,
        pending,
        stop,
        sent: Instant::now(),
    }
}

/// Settles the answer once it has ended: the last audio queued, then what is left to decode,
/// which is normally a few seconds after the last prefix in hand. The engine thread first
/// finishes a decode that was told to stop, which stops after whisper.cpp's encoder at the latest.
fn finish_answer(
    engine: &EngineHandle,
    feed: &Receiver<Feed>,
    phrases: &mut Phrases,
    real_time: bool,
) -> Result<(), TranscribeError> {
    drain(feed, phrases);
    for piece in phrases.end(real_time) {
        let t = match phrases.ready(piece) {
            Some(t) => t,
            None => {
                if piece.tail && plan::silent_after(phrases.samples(), piece.keep_from) {
                    break;
                }
                let since = Instant::now();
                let mut t = decode_piece(engine, phrases.samples(), piece)?;
                if let Some(again) = phrases.tail_again(piece, &t) {
                    t = decode_piece(engine, phrases.samples(), again)?;
                }
                tracing::debug!(
                    start_ms = samples_to_ms(piece.start),
                    keep_from_ms = samples_to_ms(piece.keep_from),
                    end_ms = samples_to_ms(piece.end),
                    waited_ms = since.elapsed().as_millis() as u64,
                    heard = t.text,
                    "decoded at the end of the answer"
                );
                t
            }
        };
        phrases.apply_end(piece, t);
    }
    Ok(())
}

/// Decodes one piece of the end of the answer.
fn decode_piece(
    engine: &EngineHandle,
    samples: &[f32],
    piece: plan::Piece,
) -> Result<Transcript, TranscribeError> {
    // Not abandoned: nothing is raised on this flag.
    Ok(engine
        .transcribe_until(
            &samples[piece.start..piece.end],
            At {
                offset_ms: samples_to_ms(piece.start),
                keep_from_ms: samples_to_ms(piece.keep_from),
            },
            &Arc::default(),
        )?
        .unwrap_or_default())
}

/// When the audio began to come, to tell a recording made in real time from a file read faster
/// than it plays.
#[derive(Debug, Default)]
struct FeedClock {
    first: Option<Instant>,
    samples: usize,
}

impl FeedClock {
    /// Notes how many samples have come so far.
    fn heard(&mut self, samples: usize) {
        if samples > 0 && self.first.is_none() {
            self.first = Some(Instant::now());
        }
        self.samples = samples;
    }

    /// Whether the audio came about as fast as it plays (a quarter faster at most, after a first
    /// two seconds that may come at once).
    fn real_time(&self) -> bool {
        let Some(first) = self.first else {
            return true;
        };
        let heard = samples_to_ms(self.samples) as f64;
        heard <= first.elapsed().as_secs_f64() * 1_000.0 * 1.25 + 2_000.0
    }
}

/// Takes in all queued audio and says whether more may come.
fn drain(feed: &Receiver<Feed>, phrases: &mut Phrases) -> Fed {
    loop {
        match feed.try_recv() {
            Ok(Feed::Audio(s)) => phrases.push(&s),
            Ok(Feed::End) => return Fed::Ended,
            Err(TryRecvError::Disconnected) => return Fed::Dropped,
            Err(TryRecvError::Empty) => return Fed::Open,
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
mod tests;
