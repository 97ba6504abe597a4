//! A practice session: the question, one answer or the two-version drill, the reports.
//!
//! The model is loaded and the session folder made before the first answer, so a missing model or
//! an unwritable folder is reported before anyone speaks. Each answer gets a fresh source (the
//! microphone is opened per answer and closed after it) and its own WAV file; a retry records a
//! new take beside the old one, which is kept. Every scored answer is written to the session folder
//! as soon as it is scored, and `session.json` sums the session up at the end.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::SessionError;
use super::answer::{self, Answer, AnswerSpec, Outcome};
use super::clock::Clock;
use super::screen::Screen;
use super::source::{AudioSource, Mic, Playback};
use super::store::SessionDir;
use super::versions::{self, Comparison};
use crate::audio::LoadLimits;
use crate::questions::Question;
use crate::report::ModelUsed;
use crate::report::tui::Key;
use crate::transcribe::Transcriber;

/// The JSON schema of a session summary.
pub const SCHEMA: &str = "rehearse.practice/1";

/// Everything a session needs, resolved.
pub struct PracticeOptions {
    /// The answer's clock (the drill uses 90 s and 2 min instead of its target).
    pub clock: Clock,
    /// Run the 90-second then 2-minute drill.
    pub versions: bool,
    /// Recordings to play instead of the microphone, one per answer (the last is reused).
    pub inputs: Vec<PathBuf>,
    /// Playback speed for `inputs`; 0 means as fast as possible.
    pub speed: f64,
    /// The input device name; `None`: the default.
    pub device: Option<String>,
    /// Where session folders go.
    pub sessions_dir: PathBuf,
    /// Limits on input recordings.
    pub limits: LoadLimits,
    /// The model, for reports.
    pub model: Option<ModelUsed>,
}

/// One answered round.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    /// "answer", "90-second version" or "2-minute version".
    pub label: String,
    /// The target in seconds.
    pub target_secs: u64,
    /// The scored answer.
    pub answer: Answer,
}

/// A finished session.
#[derive(Debug, Clone, Serialize)]
pub struct Practice {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The session folder.
    pub session_dir: PathBuf,
    /// The question's id.
    pub question: String,
    /// The scored answers, in order.
    pub rounds: Vec<Round>,
    /// Takes abandoned with retry or quit; their audio is kept.
    pub abandoned: Vec<PathBuf>,
    /// The two versions compared, after a complete `--versions` drill.
    pub comparison: Option<Comparison>,
    /// Whether the speaker quit before the end.
    pub quit: bool,
}

/// Runs a session on `question` with a loaded `engine`, showing progress on `screen`.
pub fn run(
    question: &Question,
    opts: &PracticeOptions,
    engine: Box<dyn Transcriber>,
    screen: &mut dyn Screen,
) -> Result<Practice, SessionError> {
    let dir = SessionDir::create(&opts.sessions_dir, &question.id)?;
    let mut engine = Some(engine);
    let mut session = Practice {
        schema: SCHEMA.into(),
        session_dir: dir.path().to_path_buf(),
        question: question.id.clone(),
        rounds: Vec::new(),
        abandoned: Vec::new(),
        comparison: None,
        quit: false,
    };
    let result = run_rounds(question, opts, &dir, &mut engine, screen, &mut session);
    // The summary is written whatever happened, so the folder always says what it holds.
    dir.write_json("session.json", &session)?;
    result.map(|()| session)
}

fn run_rounds(
    question: &Question,
    opts: &PracticeOptions,
    dir: &SessionDir,
    engine: &mut Option<Box<dyn Transcriber>>,
    screen: &mut dyn Screen,
    session: &mut Practice,
) -> Result<(), SessionError> {
    for (i, (label, clock)) in rounds(opts).into_iter().enumerate() {
        let Some(answer) = answer_round(
            question, opts, dir, engine, screen, session, i, &label, clock,
        )?
        else {
            session.quit = true;
            return Ok(());
        };
        let name = format!("answer-{}.json", i + 1);
        dir.write_json(&name, &answer)?;
        session.rounds.push(Round {
            label,
            target_secs: clock.target.as_secs(),
            answer,
        });
    }
    if let (true, [short, long]) = (opts.versions, session.rounds.as_slice()) {
        session.comparison = Some(versions::compare(
            question,
            &short.answer.report,
            &long.answer.report,
        ));
    }
    Ok(())
}

/// Records takes of one round until one is scored (`Some`) or the speaker quits (`None`).
#[allow(clippy::too_many_arguments)]
fn answer_round(
    question: &Question,
    opts: &PracticeOptions,
    dir: &SessionDir,
    engine: &mut Option<Box<dyn Transcriber>>,
    screen: &mut dyn Screen,
    session: &mut Practice,
    round: usize,
    label: &str,
    clock: Clock,
) -> Result<Option<Answer>, SessionError> {
    for take in 1.. {
        let audio = match take {
            1 => dir.file(&format!("answer-{}.wav", round + 1)),
            n => dir.file(&format!("answer-{}.take{n}.wav", round + 1)),
        };
        let spec = AnswerSpec {
            title: format!("rehearse · {} · {label}", question.id),
            question,
            clock,
            audio,
            model: opts.model.clone(),
        };
        let mut source = open_source(opts, round)?;
        let outcome = answer::run(&spec, source.as_mut(), engine, screen);
        match outcome {
            Ok(Outcome::Done(a)) => {
                let mut view = report_view(&spec, &a);
                if screen.report(&mut view)? == Some(Key::Quit) {
                    session.quit = true;
                }
                return Ok(Some(*a));
            }
            Ok(Outcome::Retry(path)) => session.abandoned.push(path),
            Ok(Outcome::Quit(path)) => {
                session.abandoned.push(path);
                return Ok(None);
            }
            Err(SessionError::Interrupted { answer, source }) => {
                let name = format!("answer-{}.json", round + 1);
                dir.write_json(&name, &answer)?;
                return Err(SessionError::Interrupted { answer, source });
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// The rounds of the session: one answer at the target, or the two versions.
fn rounds(opts: &PracticeOptions) -> Vec<(String, Clock)> {
    if !opts.versions {
        return vec![("answer".into(), opts.clock)];
    }
    let cap = |secs| {
        let mut c = opts.clock;
        let percent = (c.hard_cap.as_secs_f64() / c.target.as_secs_f64() * 100.0 - 100.0)
            .round()
            .max(0.0) as u32;
        c = Clock {
            silence_end: c.silence_end,
            ..Clock::new(Duration::from_secs(secs), percent)
        };
        c
    };
    vec![
        ("90-second version".into(), cap(90)),
        ("2-minute version".into(), cap(120)),
    ]
}

fn open_source(opts: &PracticeOptions, round: usize) -> Result<Box<dyn AudioSource>, SessionError> {
    if opts.inputs.is_empty() {
        return Ok(Box::new(Mic::open(opts.device.as_deref())?));
    }
    let path = &opts.inputs[round.min(opts.inputs.len() - 1)];
    Ok(Box::new(Playback::open(path, opts.speed, &opts.limits)?))
}

fn report_view(spec: &AnswerSpec<'_>, a: &Answer) -> crate::report::tui::LiveView {
    use crate::report::tui::{LiveView, Phase};
    LiveView {
        title: spec.title.clone(),
        question: spec.question.text.clone(),
        phase: Phase::Report,
        elapsed: Duration::from_secs_f64(a.seconds),
        target: spec.clock.target,
        hard_cap: spec.clock.hard_cap,
        warn_before: spec.clock.warn_before,
        transcript: a.report.transcript.text.clone(),
        status: format!("saved {}", a.audio.display()),
        keys: vec![
            ("Enter".into(), "continue".into()),
            ("q".into(), "quit".into()),
            ("↑/↓".into(), "scroll".into()),
        ],
        report: Some(a.report.render(crate::config::Format::Text)),
        ..LiveView::default()
    }
}
