//! `rehearse practice`: live answers against the clock, scored the moment they end.

use std::path::Path;
use std::time::Duration;

use crate::Error;
use crate::cli::PracticeArgs;
use crate::interview::prompts::Prompts;
use crate::interview::voice::Voice;
use crate::interview::{Interviewer, LlmClient};
use crate::models::{self, inspect};
use crate::questions::Bank;
use crate::report::practice::Presenter;
use crate::report::{self, Format};
use crate::score::ModelUsed;
use crate::screen::{self, PlainScreen, TuiScreen};
use crate::session::SessionError;
use crate::session::clock::Clock;
use crate::session::practice::{self, InterviewerInfo, PracticeOptions, Stage};
use crate::session::view::Screen;
use crate::settings::{self, Settings};
use crate::store::summary::UsedSettings;
use crate::transcribe::{EngineThread, Transcriber, WhisperEngine};

/// Runs a practice session and returns what to print at the end.
pub fn run(settings: &Settings, args: &PracticeArgs, quiet: bool) -> Result<String, Error> {
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    let question = super::find_question(&bank, args.question.as_deref(), settings)?;
    let clock = clock(settings, args)?;
    for input in &args.input {
        check_input(input)?;
    }
    if !(0.0..=100.0).contains(&args.speed) || args.speed.is_nan() {
        return Err(Error::Settings(settings::SettingsError::Value {
            key: "--speed",
            problem: format!("must be between 0 and 100, not {}", args.speed),
        }));
    }
    // The model is loaded before anyone speaks, so a missing one costs no answer. The engine
    // thread keeps it for the whole session and loads it again from the same description if a
    // decode ever crashes.
    let model_path = models::resolve(settings.transcribe.model.as_deref(), &settings.model_dirs)?;
    let info = inspect::inspect(&model_path)?;
    let options = super::whisper_options(settings, &model_path);
    let described = info.clone();
    let engine = EngineThread::start(Box::new(move || {
        let engine = WhisperEngine::load_inspected(options.clone(), &described)?;
        Ok(Box::new(engine) as Box<dyn Transcriber>)
    }))?;
    let rounds = args.rounds.unwrap_or(settings.interviewer.rounds);
    if !(1..=20).contains(&rounds) {
        return Err(Error::Settings(settings::SettingsError::Value {
            key: "--rounds",
            problem: format!("must be 1 to 20, not {rounds}"),
        }));
    }
    // The question's history, to show progress and say what changed; read before this session
    // exists.
    let catalog = crate::store::catalog::Catalog::load(&settings.practice.sessions_dir);
    let past = crate::store::history::history(&catalog.entries, question);
    let previous = past.attempts.last().cloned();
    let progress = previous
        .is_some()
        .then(|| report::history::question(&past, question));
    let (mut interviewer, voice) = interviewer(settings, args, question, clock.target)?;
    let opts = PracticeOptions {
        clock,
        versions: args.versions,
        inputs: args.input.clone(),
        speed: args.speed,
        device: args
            .device
            .clone()
            .or_else(|| settings.practice.device.clone()),
        sessions_dir: settings.practice.sessions_dir.clone(),
        limits: settings.audio.clone(),
        model: Some(ModelUsed {
            name: info.name(),
            path: model_path.display().to_string(),
        }),
        rounds,
        progress,
        used: UsedSettings {
            target_secs: Some(clock.target.as_secs()),
            hard_cap_secs: Some(clock.hard_cap.as_secs()),
            rounds: Some(rounds),
            versions: args.versions,
            model: Some(info.name()),
            language: settings.transcribe.language.clone(),
            interviewer: interviewer
                .client()
                .map(|c| format!("{} ({})", c.endpoint().model, c.endpoint().base_url)),
        },
        interviewer: interviewer.client().map(|c| InterviewerInfo {
            base_url: c.endpoint().base_url.clone(),
            model: c.endpoint().model.clone(),
            failure: None,
        }),
    };
    let mut screen = open_screen(args, quiet)?;
    let stage = Stage {
        screen: screen.as_mut(),
        present: &Presenter,
        interviewer: &mut interviewer,
        voice: &voice,
    };
    let result = practice::run(question, &opts, engine.handle(), stage);
    // The full-screen view must be gone before anything is printed. The engine thread is idle
    // now, so stopping it here only frees the model sooner.
    drop(screen);
    drop(engine);
    match result {
        Ok(session) => {
            let mut text = report::practice::session(&session, settings.format);
            if let (Some(before), Some(first), Format::Text) =
                (&previous, session.rounds.first(), settings.format)
            {
                let now = crate::store::summary::AnswerSummary::new(
                    1,
                    &first.label,
                    &first.asked,
                    "",
                    &first.answer.report,
                );
                let change = crate::store::history::change(&before.answer, &now, question);
                text += &format!(
                    "\nSince your last attempt ({}):\n{}",
                    crate::units::when(&before.started),
                    report::history::change(&change)
                );
            }
            match interviewer.take_failure() {
                None => Ok(text),
                Some(source) => {
                    super::print(&text)?;
                    Err(Error::InterviewerFailed {
                        dir: session.session_dir,
                        source,
                    })
                }
            }
        }
        Err(SessionError::Interrupted { answer, source }) => {
            let text = answer.report.render(Format::Text);
            let _ = super::print(&text);
            Err(Error::Session(SessionError::Interrupted { answer, source }))
        }
        Err(e) => Err(e.into()),
    }
}

/// The interviewer (online when an endpoint is configured and `--offline` is not given) and its
/// voice, both checked before anyone speaks.
fn interviewer(
    settings: &Settings,
    args: &PracticeArgs,
    question: &crate::questions::Question,
    target: Duration,
) -> Result<(Interviewer, Voice), Error> {
    let s = &settings.interviewer;
    let client = match (&s.endpoint, args.offline) {
        (Some(e), false) => Some(LlmClient::new(e.clone())?),
        _ => None,
    };
    let voice = Voice::new(
        s.voice.clone(),
        &s.voice_name,
        &s.speech_model,
        client.is_some(),
    )?;
    let prompts = Prompts::load(s.prompts_dir.as_deref())?;
    let interviewer = Interviewer::new(question, target.as_secs(), client, prompts)?;
    Ok((interviewer, voice))
}

/// The answer clock from flags over config.
fn clock(settings: &Settings, args: &PracticeArgs) -> Result<Clock, Error> {
    let p = &settings.practice;
    let target = args
        .target
        .map_or(p.target, |t| Duration::from_millis(t.as_millis()));
    settings::check_target(target, "--target")?;
    let mut clock = Clock::new(target, p.hard_cap_percent);
    if let Some(cap) = args.hard_cap {
        let cap = Duration::from_millis(cap.as_millis());
        if cap < target {
            return Err(Error::Settings(settings::SettingsError::Value {
                key: "--hard-cap",
                problem: format!(
                    "must not be shorter than the target ({} s)",
                    target.as_secs()
                ),
            }));
        }
        clock.hard_cap = cap;
    }
    clock.silence_end = match args.silence_end {
        Some(d) => Some(settings::check_silence_end(d, "--silence-end")?),
        None => p.silence_end,
    };
    Ok(clock)
}

fn check_input(path: &Path) -> Result<(), Error> {
    let problem = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => "is a directory, not a recording",
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
        Err(_) => "cannot be read",
    };
    Err(Error::Input {
        path: path.display().to_string(),
        problem,
    })
}

/// The full-screen view in a terminal, plain lines otherwise or when asked.
fn open_screen(args: &PracticeArgs, quiet: bool) -> Result<Box<dyn Screen>, Error> {
    if !args.plain && screen::is_interactive() {
        return Ok(Box::new(TuiScreen::start()?));
    }
    Ok(Box::new(PlainScreen::new(quiet)))
}
