//! Tests of the live transcriber against fake engines on a real engine thread: every stretch is
//! decoded once and in order, errors and crashes reach `finish`, and the engine thread outlives
//! an answer that failed, so the next answer is transcribed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use whisper_rs::WhisperError;

use super::*;
use crate::audio::ms_to_samples;
use crate::transcribe::EngineThread;
use crate::transcribe::Transcriber;
use crate::transcribe::fakes::{Ticks, answer, assert_whole, engine_thread};

/// An answer with four phrases and pauses between them, after two seconds of silence.
fn four_phrases() -> Vec<f32> {
    let mut audio = vec![0.0; ms_to_samples(2_000)];
    audio.extend(answer(&[
        (4_000, 900),
        (9_000, 1_000),
        (5_000, 800),
        (3_000, 0),
    ]));
    audio
}

/// Plays `audio` into a live transcriber in 20 ms blocks, as the capture loop does, and finishes.
fn play(engine: &EngineThread, audio: &[f32]) -> Result<Transcript, TranscribeError> {
    let live = LiveTranscriber::start(engine.handle(), LiveParams::default());
    for block in audio.chunks(320) {
        live.feed(block.to_vec());
    }
    live.finish().map(|h| h.transcript)
}

#[test]
fn the_worker_transcribes_every_stretch_once_and_in_order() {
    let engine = engine_thread(|| Ticks);
    let audio = four_phrases();
    assert_whole(&play(&engine, &audio).unwrap(), &audio);
}

#[test]
fn an_engine_error_reaches_finish_and_the_engine_stays() {
    struct Broken;
    impl Transcriber for Broken {
        fn transcribe(&mut self, _: &[f32], _: u64) -> Result<Transcript, TranscribeError> {
            Err(TranscribeError::Engine(WhisperError::NoSamples))
        }
    }
    let engine = engine_thread(|| Broken);
    for _ in 0..2 {
        match play(&engine, &answer(&[(2_000, 600)])) {
            Err(TranscribeError::Engine(WhisperError::NoSamples)) => {}
            other => panic!("{other:?}"),
        }
    }
}

/// [`Ticks`], except that the first decode of the whole session panics; `crashed` is raised as
/// the panic unwinds, after the panic hook has run.
struct CrashesOnce {
    armed: Arc<AtomicBool>,
    crashed: Arc<AtomicBool>,
}

/// Raises its flag when dropped, which a panic does on its way out.
struct RaiseOnDrop(Arc<AtomicBool>);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Transcriber for CrashesOnce {
    fn transcribe(&mut self, s: &[f32], offset: u64) -> Result<Transcript, TranscribeError> {
        if self.armed.swap(false, Ordering::SeqCst) {
            let _unwinding = RaiseOnDrop(Arc::clone(&self.crashed));
            panic!("whisper fell over");
        }
        Ticks.transcribe(s, offset)
    }
}

#[test]
fn a_crash_fails_one_answer_and_the_next_answer_is_transcribed() {
    let armed = Arc::new(AtomicBool::new(true));
    let crashed = Arc::new(AtomicBool::new(false));
    let (shared, crash) = (Arc::clone(&armed), Arc::clone(&crashed));
    let engine = engine_thread(move || CrashesOnce {
        armed: Arc::clone(&shared),
        crashed: Arc::clone(&crash),
    });
    let audio = four_phrases();
    let live = LiveTranscriber::start(engine.handle(), LiveParams::default());
    for block in audio.chunks(320) {
        live.feed(block.to_vec());
    }
    // The answer ends once the crash has happened, so its job is not one the end abandons.
    while !crashed.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    match live.finish().map(|h| h.transcript) {
        Err(e @ TranscribeError::Panicked { .. }) => {
            assert!(e.to_string().contains("whisper fell over"), "{e}");
        }
        other => panic!("the crash was not reported: {other:?}"),
    }
    assert!(!armed.load(Ordering::SeqCst), "the crash happened");
    // Where the live worker cuts depends on how fast the audio arrives, so the transcript is
    // checked for covering the answer rather than compared with another run.
    assert_whole(&play(&engine, &audio).unwrap(), &audio);
}

#[test]
fn an_answer_dropped_unfinished_leaves_the_engine_free() {
    let engine = engine_thread(|| Ticks);
    let live = LiveTranscriber::start(engine.handle(), LiveParams::default());
    live.feed(four_phrases());
    drop(live);
    let audio = four_phrases();
    assert_whole(&play(&engine, &audio).unwrap(), &audio);
}

#[test]
fn a_decode_is_stopped_at_the_end_when_it_has_long_to_go_or_has_overrun_at_the_sessions_pace() {
    let job = |secs: usize| Job {
        start: 0,
        keep_from: 0,
        end: ms_to_samples(secs as u64 * 1_000),
        settle: true,
    };
    let mut pace = Pace::default();
    let ms = Duration::from_millis;
    let stop = |pace: &Pace, secs, ran, extra| pace.worth_stopping(job(secs), ms(ran), extra);
    // No pace yet: every decode is waited for, however long it runs.
    assert!(!stop(&pace, 20, 0, 0));
    pace.finished(job(10), ms(400));
    assert!(!stop(&pace, 20, 5_000, 0), "one decode is not a pace");
    pace.finished(job(10), ms(400));
    // 40 ms a second: 20 s take 800 ms.
    assert!(stop(&pace, 20, 0, 0));
    assert!(stop(&pace, 20, 500, 0));
    assert!(
        !stop(&pace, 20, 600, 0),
        "200 ms to go is worth waiting for"
    );
    assert!(!stop(&pace, 5, 0, 0), "a short decode is worth waiting for");
    // Doing without it means decoding 10 s more, 400 ms: 550 ms to go is worth waiting for.
    assert!(!stop(&pace, 20, 250, 10_000));
    assert!(stop(&pace, 20, 0, 5_000));
    // Past 1.25 times its 800 ms and 250 ms more, it is doing more than one pass.
    assert!(!stop(&pace, 20, 1_200, 10_000));
    assert!(stop(&pace, 20, 1_300, 10_000));
    // Decodes that slowed to 70 ms a second: 20 s now take 1.4 s, though the session's average
    // is still under 60.
    for _ in 0..4 {
        pace.finished(job(10), ms(700));
    }
    assert!(stop(&pace, 20, 1_000, 0), "400 ms to go at the recent pace");
    assert!(!stop(&pace, 20, 1_200, 0));
    assert!(
        !stop(&pace, 20, 2_000, 0),
        "not yet overrun at the recent pace"
    );
}
