//! Fake engines and test audio shared by the transcription tests, so that threads, channels and
//! the cutting logic can be tested without loading a model.
//!
//! Each fake is deterministic: what it returns depends only on the samples and offset it is given,
//! and the [`Scripted`] engine writes down what it was asked to do so a test can check the order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{TranscribeError, Transcriber, Transcript, Word};
use crate::audio::{ms_to_samples, samples_to_ms};

/// Speech-like noise bursts of the given lengths in milliseconds, separated by silences.
pub fn answer(parts: &[(u64, u64)]) -> Vec<f32> {
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

/// Continuous speech of `secs` seconds after half a second of silence: words of 200-500 ms with
/// 60 ms dips between them, and a pause of `pause_ms` after every `every`-th word.
pub fn talk(secs: u64, every: u64, pause_ms: u64) -> Vec<f32> {
    let mut parts = Vec::new();
    let (mut t, mut i) = (0, 0u64);
    while t < secs * 1_000 {
        let word = 200 + (i * 137) % 300;
        let gap = if i % every == every - 1 { pause_ms } else { 60 };
        parts.push((word, gap));
        t += word + gap;
        i += 1;
    }
    let mut audio = vec![0.0; ms_to_samples(500)];
    audio.extend(answer(&parts));
    audio
}

/// A transcript of one word, `text`, covering `[start_ms, end_ms)`.
pub fn one_word(text: String, start_ms: u64, end_ms: u64) -> Transcript {
    Transcript {
        text: text.clone(),
        words: vec![Word {
            text,
            start_ms,
            end_ms,
            confidence: 1.0,
        }],
        segments: Vec::new(),
        timed: super::Timing::Words,
    }
}

/// A transcriber that names each stretch by its start and end in milliseconds.
pub struct Stamps;

impl Transcriber for Stamps {
    fn transcribe(&mut self, s: &[f32], offset: u64) -> Result<Transcript, TranscribeError> {
        let end = offset + samples_to_ms(s.len());
        Ok(one_word(format!("[{offset}-{end}]"), offset, end))
    }
}

/// A fake engine that hears one "word" per 100 ms of absolute time, cut at the edges of what it
/// is given, so stretches decoded with context overlap the way real words do.
pub struct Ticks;
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
            timed: super::Timing::Words,
        })
    }
}

/// The offset that makes a [`Scripted`] engine panic, as a bug deep in an engine would.
pub const PANIC_AT_MS: u64 = 666;

/// What a [`Scripted`] engine shares with its test: the offsets of the jobs it ran, in order, how
/// many engines the factory built, and how many of them are still alive.
#[derive(Default)]
pub struct Script {
    pub ran: Mutex<Vec<u64>>,
    pub built: AtomicUsize,
    pub alive: AtomicUsize,
}

/// An engine that writes down each job's offset and panics on [`PANIC_AT_MS`]. It answers with
/// [`Stamps`]' transcript, tagged with which build of the engine ran the job.
pub struct Scripted {
    script: Arc<Script>,
    build: usize,
}

impl Scripted {
    /// A new engine counted in `script`.
    pub fn new(script: &Arc<Script>) -> Self {
        let build = script.built.fetch_add(1, Ordering::SeqCst) + 1;
        script.alive.fetch_add(1, Ordering::SeqCst);
        Scripted {
            script: Arc::clone(script),
            build,
        }
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.script.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Transcriber for Scripted {
    fn transcribe(&mut self, s: &[f32], offset: u64) -> Result<Transcript, TranscribeError> {
        self.script.ran.lock().unwrap().push(offset);
        if offset == PANIC_AT_MS {
            panic!("a scripted crash");
        }
        let mut t = Stamps.transcribe(s, offset)?;
        t.text = format!("{} by build {}", t.text, self.build);
        Ok(t)
    }

    fn transcribe_until(
        &mut self,
        s: &[f32],
        offset: u64,
        _keep_from: u64,
        stop: &Arc<AtomicBool>,
    ) -> Result<Option<Transcript>, TranscribeError> {
        // The flag is read before the work, so a test that raises it first knows the job stops.
        if stop.load(Ordering::SeqCst) {
            self.script.ran.lock().unwrap().push(offset);
            return Ok(None);
        }
        self.transcribe(s, offset).map(Some)
    }
}

/// An engine thread whose factory builds engines with `make`.
pub fn engine_thread<T, F>(make: F) -> super::EngineThread
where
    T: Transcriber + 'static,
    F: Fn() -> T + Send + 'static,
{
    super::EngineThread::start(Box::new(move || {
        Ok(Box::new(make()) as Box<dyn Transcriber>)
    }))
    .expect("a fake engine always builds")
}

/// Checks that `t` covers all of `audio`, each stretch once and in order.
pub fn assert_whole(t: &Transcript, audio: &[f32]) {
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
