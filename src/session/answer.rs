//! One answer, from the first sample to its report.
//!
//! The loop takes audio from the source every few milliseconds and, in this order, writes it to
//! the answer's WAV file, feeds it to the live transcriber, and updates the view: clock, level,
//! transcript, checklist. It ends on a key, at the end of the input, on a long silence (when
//! asked for) or at the hard cap. Then the file is finished first, the last phrase transcribed,
//! and the answer measured and scored. A source that fails mid-answer ends the answer the same
//! way: what was recorded is kept, transcribed and scored, and the failure is reported after.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::SessionError;
use super::clock::{Clock, Milestone, Stage};
use super::source::AudioSource;
use super::view::{CheckItem, Key, LiveView, Phase, Screen};
use crate::audio::SAMPLE_RATE;
use crate::audio::capture::{level, meter_fraction};
use crate::audio::recorder::WavRecorder;
use crate::score::{
    self, AudioFormat, Heard, ModelUsed, ScoreReport, Scorer, Source, SourceKind, assess,
};
use crate::transcribe::incremental::{self, LiveParams};
use crate::transcribe::live::{self, LiveTranscriber, Progress};
use crate::transcribe::{EngineHandle, Transcript};

/// What one answer is: its question, clock, file and labels.
pub struct AnswerSpec<'a> {
    /// Shown as the view's title, such as "rehearse · debug-production-issue · 90-second version".
    pub title: String,
    /// The question whose rubric the answer is scored against, prepared.
    pub scorer: &'a Scorer<'a>,
    /// The question as asked: the bank's text, or an interviewer's follow-up.
    pub asked: String,
    /// Its clock.
    pub clock: Clock,
    /// The WAV file to record into; it must not exist yet.
    pub audio: PathBuf,
    /// The model, for the report.
    pub model: Option<ModelUsed>,
    /// Told the settled transcript each time it grows (the interviewer reads ahead with it).
    pub heard: Option<&'a dyn Fn(&str)>,
}

/// Why recording stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The speaker pressed the finish key.
    Key,
    /// The recording given with `--input` ran out.
    InputEnded,
    /// The speaker was silent long enough, with the silence end on.
    Silence,
    /// The hard cap was reached.
    Cap,
    /// The audio source failed; what came before is kept.
    SourceFailed,
}

/// A finished, scored answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// The answer's WAV file.
    pub audio: PathBuf,
    /// Seconds recorded.
    pub seconds: f64,
    /// Why recording stopped.
    pub ending: Ending,
    /// Milliseconds from the last sample to the finished report.
    pub final_latency_ms: u64,
    /// Samples the sound card delivered that could not be kept up with (always 0 for `--input`).
    pub overflows: u64,
    /// The transcript, delivery figures and score.
    pub report: ScoreReport,
}

/// How an answer ended from the speaker's side.
pub enum Outcome {
    /// Scored.
    Done(Box<Answer>),
    /// The speaker quit; the audio is kept at this path.
    Quit(PathBuf),
    /// The speaker asked to try again; this take's audio is kept at this path.
    Retry(PathBuf),
}

/// How often the view is redrawn.
const FRAME: Duration = Duration::from_millis(100);
/// How long a read from the source may wait.
const READ_WAIT: Duration = Duration::from_millis(20);
/// A block quieter than this, in dBFS, counts towards the silence end.
const QUIET_DBFS: f32 = -45.0;

/// Records, transcribes and scores one answer. The live transcriber sends its decodes to the
/// session's engine thread through `engine`, so the engine stays there whatever the answer does.
///
/// The steps run in an order that protects the recording (file finished before any transcript is
/// awaited, failures kept until the answer is scored); they are kept in one function of about 80
/// lines so that order can be read top to bottom.
pub fn run(
    spec: &AnswerSpec<'_>,
    source: &mut dyn AudioSource,
    engine: &EngineHandle,
    screen: &mut dyn Screen,
) -> Result<Outcome, SessionError> {
    let mut rec = WavRecorder::create(&spec.audio)?;
    let live = LiveTranscriber::start(engine.clone(), LiveParams::default());
    let mut take = Take::new(spec);
    let (ending, mut failure) = take.record(source, &mut rec, &live, screen);
    let ended_at = Instant::now();
    // The rest of the source's audio and the file come first: nothing after this can lose them.
    let rest = source.stop().unwrap_or_default();
    let appended = rec.append(&rest);
    take.fed += rest.len();
    live.feed(rest);
    // A recording that cannot be finished (a full disk) still has every sample in memory: the
    // answer is transcribed and scored from those, and the failure, which says how much of the
    // file is kept, ends it as cut short.
    let heard_secs = take.elapsed().as_secs_f64();
    let seconds = match appended.and_then(|()| rec.finish()) {
        Ok(secs) => secs,
        Err(e) => {
            failure.get_or_insert(SessionError::Audio(e));
            heard_secs
        }
    };
    let key = match ending {
        Ending::Key if take.key == Some(Key::Quit) => Some(Key::Quit),
        Ending::Key if take.key == Some(Key::Retry) => Some(Key::Retry),
        _ => None,
    };
    if let Some(k) = key {
        // The transcript is not wanted, but the answer is still finished properly, so the
        // engine thread is idle again before the next take starts.
        let _ = live.finish();
        if let Some(e) = failure {
            return Err(e);
        }
        let path = spec.audio.clone();
        return Ok(if k == Key::Quit {
            Outcome::Quit(path)
        } else {
            Outcome::Retry(path)
        });
    }
    take.view.phase = Phase::Finishing;
    take.view.status = "transcribing the last phrase…".into();
    screen.show(&take.view)?;
    let heard = live.finish().map_err(|source| SessionError::Transcribe {
        audio: spec.audio.clone(),
        source,
    })?;
    let mut report = take.report(spec, heard, failure.as_ref())?;
    let lost = source.overflows();
    if lost > 0 {
        report.notes.push(format!(
            "{:.1} s of audio were lost because the computer fell behind the microphone",
            lost as f64 / take.source_rate_hint()
        ));
    }
    let answer = Answer {
        audio: spec.audio.clone(),
        seconds,
        ending,
        final_latency_ms: ended_at.elapsed().as_millis() as u64,
        overflows: lost,
        report,
    };
    match failure {
        Some(cause) => Err(SessionError::Interrupted {
            answer: Box::new(answer),
            source: Box::new(cause),
        }),
        None => Ok(Outcome::Done(Box::new(answer))),
    }
}

/// The state of one take while it is recorded.
struct Take<'a> {
    scorer: &'a Scorer<'a>,
    clock: Clock,
    /// Samples recorded so far; the live transcriber keeps the samples themselves.
    fed: usize,
    view: LiveView,
    quiet: Duration,
    key: Option<Key>,
    heard: Option<&'a dyn Fn(&str)>,
    told: usize,
}

impl<'a> Take<'a> {
    fn new(spec: &AnswerSpec<'a>) -> Take<'a> {
        let view = LiveView {
            title: spec.title.clone(),
            question: spec.asked.clone(),
            phase: Phase::Recording,
            target: spec.clock.target,
            hard_cap: spec.clock.hard_cap,
            warn_before: spec.clock.warn_before,
            checklist: checklist(spec.scorer, None),
            status: format!("recording to {}", spec.audio.display()),
            keys: recording_keys(),
            ..LiveView::default()
        };
        Take {
            scorer: spec.scorer,
            clock: spec.clock,
            fed: 0,
            view,
            quiet: Duration::ZERO,
            key: None,
            heard: spec.heard,
            told: 0,
        }
    }

    /// Records until the answer ends; a source failure ends it too and is handed back.
    fn record(
        &mut self,
        source: &mut dyn AudioSource,
        rec: &mut WavRecorder,
        live: &LiveTranscriber,
        screen: &mut dyn Screen,
    ) -> (Ending, Option<SessionError>) {
        let mut last_draw: Option<Instant> = None;
        loop {
            let before = self.elapsed();
            match source.read(READ_WAIT) {
                Ok(Some(block)) => {
                    if let Err(e) = self.take_in(block, rec, live) {
                        return (Ending::SourceFailed, Some(e));
                    }
                }
                Ok(None) => return (Ending::InputEnded, None),
                Err(e) => return (Ending::SourceFailed, Some(e)),
            }
            if let Some(ending) = self.check_clock(before) {
                return (ending, None);
            }
            if let Some(p) = live.latest() {
                self.take_progress(&p);
            }
            if last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
                last_draw = Some(Instant::now());
                self.view.elapsed = self.elapsed();
                if let Err(e) = screen.show(&self.view) {
                    return (Ending::SourceFailed, Some(e));
                }
            }
            match screen.key(Duration::ZERO) {
                Ok(Some(k @ (Key::Finish | Key::Quit | Key::Retry))) => {
                    self.key = Some(k);
                    return (Ending::Key, None);
                }
                Ok(_) => {}
                Err(e) => return (Ending::SourceFailed, Some(e)),
            }
        }
    }

    /// Writes a block to disk, then hands it to the transcriber and the meters.
    fn take_in(
        &mut self,
        block: Vec<f32>,
        rec: &mut WavRecorder,
        live: &LiveTranscriber,
    ) -> Result<(), SessionError> {
        if block.is_empty() {
            return Ok(());
        }
        rec.append(&block)?;
        self.view.level = meter_fraction(level(&block));
        // Silence is timed in 20 ms frames, so a block that ends quiet counts only its quiet end.
        for frame in block.chunks(SAMPLE_RATE as usize / 50) {
            let len = Duration::from_secs_f64(frame.len() as f64 / SAMPLE_RATE as f64);
            self.quiet = if level(frame).rms_dbfs < QUIET_DBFS {
                self.quiet + len
            } else {
                Duration::ZERO
            };
        }
        self.fed += block.len();
        live.feed(block);
        Ok(())
    }

    /// Tells the speaker about milestones; says whether the clock ends the answer.
    fn check_clock(&mut self, before: Duration) -> Option<Ending> {
        let now = self.elapsed();
        match self.clock.crossed(before, now) {
            Some(Milestone::Warning) => {
                self.view.status = "15 seconds to the target: start wrapping up".into();
            }
            Some(Milestone::Target) => {
                self.view.status = "target reached: finish your sentence and press Enter".into();
            }
            _ => {}
        }
        if self.clock.stage(now) == Stage::Capped {
            return Some(Ending::Cap);
        }
        self.clock
            .silence_ends(now, self.quiet)
            .then_some(Ending::Silence)
    }

    fn take_progress(&mut self, p: &Progress) {
        if let Some(heard) = self.heard
            && p.settled.text.len() > self.told
        {
            self.told = p.settled.text.len();
            heard(&p.settled.text);
        }
        self.view.transcript = p.settled.text.clone();
        self.view.pending = p
            .pending
            .as_ref()
            .map(|t| t.text.clone())
            .unwrap_or_default();
        let so_far = match &p.pending {
            Some(pending) => incremental::join(&[p.settled.clone(), pending.clone()]),
            None => p.settled.clone(),
        };
        self.view.checklist = checklist(self.scorer, Some(&so_far));
    }

    /// Overflows are counted at the device's rate, which the session does not know; 16 kHz gives
    /// an upper bound on the time lost.
    fn source_rate_hint(&self) -> f64 {
        SAMPLE_RATE as f64
    }

    fn elapsed(&self) -> Duration {
        Duration::from_secs_f64(self.fed as f64 / SAMPLE_RATE as f64)
    }

    /// Measures and scores the finished answer.
    fn report(
        &self,
        spec: &AnswerSpec<'_>,
        recorded: live::Heard,
        failure: Option<&SessionError>,
    ) -> Result<ScoreReport, SessionError> {
        let transcript = recorded.transcript;
        if transcript.is_empty() {
            return Err(SessionError::NoSpeech {
                audio: spec.audio.clone(),
            });
        }
        let mut notes = Vec::new();
        if let Some(f) = failure {
            notes.push(format!("the answer was cut short: {f}"));
        }
        let heard = Heard {
            source: Source {
                path: spec.audio.display().to_string(),
                kind: SourceKind::Audio,
                audio: Some(AudioFormat {
                    container: "wav".into(),
                    codec: "pcm_s16le".into(),
                    sample_rate: SAMPLE_RATE,
                    channels: 1,
                }),
            },
            model: spec.model.clone(),
            transcript,
            samples: Some(&recorded.samples),
            notes,
        };
        Ok(assess(self.scorer, heard))
    }
}

/// The rubric's dimensions, lit where `heard` covers them.
fn checklist(scorer: &Scorer<'_>, heard: Option<&Transcript>) -> Vec<CheckItem> {
    let card = heard.map(|t| scorer.score(t, &score::measure(t, None, None)));
    scorer
        .question()
        .dimensions
        .iter()
        .map(|d| CheckItem {
            label: d.name.clone(),
            covered: card.as_ref().is_some_and(|c| {
                c.dimensions
                    .iter()
                    .any(|s| s.id == d.id && s.applies && s.covered > 0)
            }),
        })
        .collect()
}

fn recording_keys() -> Vec<(String, String)> {
    [
        ("Enter/Space", "finish"),
        ("q", "quit, keep audio"),
        ("r", "retry"),
    ]
    .into_iter()
    .map(|(k, a)| (k.to_string(), a.to_string()))
    .collect()
}
