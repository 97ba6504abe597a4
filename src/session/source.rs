//! Where an answer's audio comes from: the microphone, or a recording played as if spoken.
//!
//! Both give 16 kHz mono blocks through [`AudioSource`], so the rest of the session cannot tell
//! them apart. [`Playback`] is the simulated microphone behind `--input FILE`: it hands out a
//! recording in 20 ms blocks at speaking pace (or `--speed N` times faster, or as fast as the
//! session takes it), which makes sessions reproducible and testable with no sound hardware.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::SessionError;
use crate::audio::capture::Microphone;
use crate::audio::{self, LoadLimits, SAMPLE_RATE};

/// A live stream of 16 kHz mono audio.
pub trait AudioSource {
    /// What the audio comes from, for messages: `microphone "default"`, `recording answer.wav`.
    fn describe(&self) -> String;
    /// Waits up to `timeout` for audio and returns what arrived (possibly nothing), or `None` once
    /// the source has ended.
    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<f32>>, SessionError>;
    /// Stops the source and returns the audio still in flight.
    fn stop(&mut self) -> Result<Vec<f32>, SessionError>;
    /// Samples lost because the session fell behind the source.
    fn overflows(&self) -> u64 {
        0
    }
}

/// A recording played at a fixed pace, as a stand-in for a microphone.
pub struct Playback {
    name: String,
    samples: Vec<f32>,
    /// How many times faster than real time; 0 means as fast as it is read.
    speed: f64,
    sent: usize,
    started: Option<Instant>,
}

/// The block a playback hands out at a time: 20 ms, like a typical audio callback.
const BLOCK: usize = SAMPLE_RATE as usize / 50;

impl Playback {
    /// Loads `path` (any format `rehearse score` reads) to play at `speed` times real time.
    pub fn open(path: &Path, speed: f64, limits: &LoadLimits) -> Result<Playback, SessionError> {
        let audio = audio::load(path, limits)?;
        Ok(Playback::from_samples(
            &path.display().to_string(),
            audio.samples,
            speed,
        ))
    }

    /// Drops what would play after `length`: a session never records past its hard cap.
    pub fn keep_at_most(&mut self, length: Duration) {
        let n = (length.as_secs_f64() * SAMPLE_RATE as f64) as usize;
        if self.samples.len() > n {
            self.samples.truncate(n);
            self.samples.shrink_to_fit();
        }
    }

    /// Plays `samples` (16 kHz mono) under the name `name`.
    pub fn from_samples(name: &str, samples: Vec<f32>, speed: f64) -> Playback {
        Playback {
            name: name.to_string(),
            samples,
            speed: speed.max(0.0),
            sent: 0,
            started: None,
        }
    }

    /// The samples due by now at this pace.
    fn due(&self, started: Instant) -> usize {
        if self.speed == 0.0 {
            return self.samples.len();
        }
        let secs = started.elapsed().as_secs_f64() * self.speed;
        ((secs * SAMPLE_RATE as f64) as usize).min(self.samples.len())
    }
}

impl AudioSource for Playback {
    fn describe(&self) -> String {
        format!("recording {}", self.name)
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<f32>>, SessionError> {
        if self.sent >= self.samples.len() {
            return Ok(None);
        }
        let started = *self.started.get_or_insert_with(Instant::now);
        let deadline = Instant::now() + timeout;
        // Wait for at least one whole block, as a sound card would deliver it.
        while self.due(started) < (self.sent + BLOCK).min(self.samples.len()) {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Some(Vec::new()));
            }
            thread::sleep((deadline - now).min(Duration::from_millis(5)));
        }
        let end = self.due(started).min(self.sent + BLOCK * 25);
        let block = self.samples[self.sent..end].to_vec();
        self.sent = end;
        Ok(Some(block))
    }

    fn stop(&mut self) -> Result<Vec<f32>, SessionError> {
        self.sent = self.samples.len();
        Ok(Vec::new())
    }
}

/// The microphone, through [`Microphone`].
pub struct Mic {
    mic: Option<Microphone>,
    name: String,
    /// Overflows counted before the microphone was stopped.
    lost: u64,
}

impl Mic {
    /// Opens the named input device, or the default one.
    pub fn open(device: Option<&str>) -> Result<Mic, SessionError> {
        let mic = Microphone::open(device)?;
        let name = mic.device().name.clone();
        Ok(Mic {
            mic: Some(mic),
            name,
            lost: 0,
        })
    }
}

impl AudioSource for Mic {
    fn describe(&self) -> String {
        format!("microphone \"{}\"", self.name)
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<f32>>, SessionError> {
        match self.mic.as_mut() {
            Some(m) => Ok(Some(m.read(timeout)?)),
            None => Ok(None),
        }
    }

    fn overflows(&self) -> u64 {
        self.mic.as_ref().map_or(self.lost, |m| m.overflows())
    }

    fn stop(&mut self) -> Result<Vec<f32>, SessionError> {
        self.lost = self.overflows();
        match self.mic.take() {
            Some(m) => Ok(m.stop()?),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(p: &mut Playback) -> Vec<f32> {
        let mut all = Vec::new();
        while let Some(block) = p.read(Duration::from_millis(50)).unwrap() {
            all.extend(block);
        }
        all
    }

    #[test]
    fn playback_hands_out_every_sample_once_in_order() {
        let samples: Vec<f32> = (0..40_000).map(|i| i as f32).collect();
        let mut p = Playback::from_samples("x", samples.clone(), 0.0);
        assert_eq!(drain(&mut p), samples);
    }

    #[test]
    fn playback_past_the_cap_is_dropped_and_the_start_is_kept() {
        let samples: Vec<f32> = (0..48_000).map(|i| i as f32).collect();
        let mut p = Playback::from_samples("x", samples.clone(), 0.0);
        p.keep_at_most(Duration::from_secs(2));
        assert_eq!(drain(&mut p), samples[..32_000]);
        let mut short = Playback::from_samples("x", samples.clone(), 0.0);
        short.keep_at_most(Duration::from_secs(5));
        assert_eq!(drain(&mut short), samples);
    }

    #[test]
    fn playback_keeps_pace_with_the_clock() {
        let samples = vec![0.0; SAMPLE_RATE as usize]; // one second
        let mut p = Playback::from_samples("x", samples, 4.0);
        let started = Instant::now();
        drain(&mut p);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(240),
            "played 1 s at 4x in {took:?}"
        );
    }

    #[test]
    fn a_read_that_times_out_returns_an_empty_block_not_the_end() {
        let mut p = Playback::from_samples("x", vec![0.0; 16_000], 1.0);
        let first = p.read(Duration::from_millis(1)).unwrap();
        assert!(first.is_some());
    }
}
