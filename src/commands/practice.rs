//! `rehearse practice`: live answers against the clock, scored the moment they end.

use std::path::Path;

use crate::Error;
use crate::error::InputProblem;
use crate::interview::prompts::Prompts;
use crate::interview::voice::Voice;
use crate::interview::{Interviewer, LlmClient};
use crate::questions::{Bank, Question};
use crate::report::practice::Presenter;
use crate::report::{self, Format};
use crate::score::ModelUsed;
use crate::screen::{self, PlainScreen, TuiScreen};
use crate::session::SessionError;
use crate::session::practice::{self, JobRounds, PracticeOptions, Stage};
use crate::session::record::{InterviewerInfo, Practice, Round};
use crate::session::view::Screen;
use crate::settings::Settings;
use crate::store::draw::{self, Drawn};
use crate::store::history::Attempt;
use crate::store::summary::{AnswerSummary, UsedSettings};
use crate::transcribe::EngineThread;

/// Runs a practice session and returns what to print at the end.
pub fn run(settings: &Settings, quiet: bool) -> Result<String, Error> {
    let p = &settings.practice;
    let bank = Bank::load(settings.questions_dir.as_deref())?;
    // The store is read before this session exists: for the question to draw, and for its
    // history, to show progress and say what changed.
    let catalog = crate::store::Catalog::load(&settings.store.sessions_dir);
    for input in &p.inputs {
        check_input(input)?;
    }
    // The model is loaded before anyone speaks, so a missing one costs no answer (nor the
    // interviewer's picking and drafting for a posting). The engine thread keeps it for the whole
    // session and loads it again from the same description if a decode ever crashes.
    let recogniser = super::engine::recogniser(settings)?;
    let job = match &p.job {
        Some(path) => Some(for_posting(&bank, path, settings, quiet)?),
        None => None,
    };
    let (question, drawn) = match &job {
        // The bank's own copy: the job's go into the session's options.
        Some(j) => (
            bank.get(&j.questions[0].id)
                .expect("the picked questions are the bank's"),
            None,
        ),
        None => choose(&bank, &catalog, settings)?,
    };
    let model = recogniser.used;
    let engine = EngineThread::start(recogniser.factory)?;
    let past = crate::store::history::history(&catalog.entries, question);
    let previous = past.attempts.last().cloned();
    let progress = previous
        .is_some()
        .then(|| report::history::question(&past, question));
    let (mut interviewer, voice) = interviewer(settings, question)?;
    let mut opts = session_options(settings, model, progress, &interviewer);
    opts.drawn = drawn;
    opts.job = job;
    let mut screen = open_screen(p.plain, quiet)?;
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
    outcome(
        result,
        settings,
        previous.as_ref(),
        question,
        &mut interviewer,
    )
}

/// The question to practise: the one `--next` draws from the history in `catalog` (and why), else
/// the one named, else the configured default.
fn choose<'b>(
    bank: &'b Bank,
    catalog: &crate::store::Catalog,
    settings: &Settings,
) -> Result<(&'b Question, Option<Drawn>), Error> {
    let p = &settings.practice;
    if !p.next {
        return Ok((
            super::find_question(bank, p.question.as_deref(), settings)?,
            None,
        ));
    }
    let candidates = super::tagged(bank, p.tag.as_deref())?;
    let now = crate::store::dir::utc_stamp(std::time::SystemTime::now());
    let (question, drawn) = draw::next(&candidates, &catalog.entries, p.tag.as_deref(), &now)
        .expect("a bank, and a tag some question carries, hold at least one question");
    tracing::info!("{}: {}", question.id, drawn.because);
    Ok((question, Some(drawn)))
}

/// The questions for the job posting at `path`: read and checked first (a posting that cannot be
/// used stops the command before anything is written), then picked by the interviewer's model
/// when one is configured and not `--offline`, else (or when the model fails) offline.
fn for_posting(
    bank: &Bank,
    path: &Path,
    settings: &Settings,
    quiet: bool,
) -> Result<JobRounds, Error> {
    let posting = crate::job::read(path)?;
    let p = &settings.practice;
    let endpoint = match p.offline {
        false => settings.interviewer.endpoint.as_ref(),
        true => None,
    };
    if let (Some(e), false) = (endpoint, quiet) {
        eprintln!(
            "rehearse: asking the interviewer ({}) which questions {} calls for…",
            e.model,
            posting.name()
        );
    }
    if p.job_draft && endpoint.is_none() {
        return Err(Error::DraftNeedsInterviewer);
    }
    let all: Vec<&Question> = bank.all().iter().collect();
    let want = p.job_rounds as usize;
    let (mut picks, missing) = crate::job::pick(&all, &posting, want, endpoint, p.job_draft);
    let mut questions = picks
        .picks
        .iter()
        .map(|pick| {
            bank.get(&pick.question)
                .cloned()
                .expect("only the bank's questions are picked")
        })
        .collect::<Vec<_>>();
    if let (Some(text), Some(endpoint)) = (missing, endpoint) {
        let drafted =
            super::question_new::for_posting(bank, settings, endpoint, &text, &posting.text, quiet);
        match drafted {
            Ok((question, because)) => {
                // The drafted question is the last round, in place of the least likely pick; the
                // bank's first pick stays, as the session starts with a question of the bank.
                if questions.len() >= want.max(2) {
                    questions.pop();
                    picks.picks.pop();
                }
                picks.picks.push(crate::job::Pick {
                    question: question.id.clone(),
                    because,
                });
                questions.push(question);
            }
            Err(why) => {
                let note = format!(
                    "The interviewer named a question the bank lacks, \"{text}\", but could not draft it ({why}); `rehearse questions new \"{text}\" --job {}` tries again.",
                    posting.name()
                );
                tracing::warn!("{note}");
                picks.suggestion = Some(note);
            }
        }
    } else if p.job_draft && picks.picked_by == crate::job::PickedBy::Interviewer {
        tracing::info!("the interviewer named no question the bank lacks for this posting");
    }
    for (q, pick) in questions.iter().zip(&picks.picks) {
        tracing::info!("{}: {}", q.id, pick.because);
    }
    Ok(JobRounds { picks, questions })
}

/// What is printed, and the error returned, once the session is over: whatever went wrong, the
/// results that were computed are printed first.
fn outcome(
    result: Result<Practice, SessionError>,
    settings: &Settings,
    previous: Option<&Attempt>,
    question: &Question,
    interviewer: &mut Interviewer,
) -> Result<String, Error> {
    match result {
        Ok(session) => {
            let mut text = report::practice::session(&session, settings.format);
            if let (Some(before), Some(first), Format::Text) =
                (previous, session.rounds.first(), settings.format)
            {
                text += &since_last(before, first, question);
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
        Err(SessionError::NotSaved { session, unsaved }) => {
            // What was computed is shown before the error says what could not be kept.
            let _ = super::print(&report::practice::session(&session, settings.format));
            Err(Error::Session(SessionError::NotSaved { session, unsaved }))
        }
        Err(SessionError::Interrupted { answer, source }) => {
            let text = answer.report.render(Format::Text);
            let _ = super::print(&text);
            Err(Error::Session(SessionError::Interrupted { answer, source }))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the session needs from the resolved settings, the model and the interviewer.
fn session_options(
    settings: &Settings,
    model: ModelUsed,
    progress: Option<String>,
    interviewer: &Interviewer,
) -> PracticeOptions {
    let p = &settings.practice;
    let endpoint = interviewer.client().map(|c| c.endpoint());
    PracticeOptions {
        clock: p.clock,
        versions: p.versions,
        inputs: p.inputs.clone(),
        speed: p.speed,
        device: p.device.clone(),
        sessions_dir: settings.store.sessions_dir.clone(),
        limits: settings.audio.clone(),
        rounds: p.rounds,
        progress,
        drawn: None,
        job: None,
        used: UsedSettings {
            target_secs: Some(p.clock.target.as_secs()),
            hard_cap_secs: Some(p.clock.hard_cap.as_secs()),
            rounds: Some(if p.job.is_some() {
                p.job_rounds
            } else {
                p.rounds
            }),
            versions: p.versions,
            model: Some(model.name.clone()),
            language: settings.transcribe.language.clone(),
            interviewer: endpoint.map(|e| format!("{} ({})", e.model, e.base_url)),
        },
        interviewer: endpoint.map(|e| InterviewerInfo {
            base_url: e.base_url.clone(),
            model: e.model.clone(),
            failure: None,
        }),
        model: Some(model),
    }
}

/// What changed since the last attempt at the question, for the end of the text report.
fn since_last(before: &Attempt, first: &Round, question: &Question) -> String {
    let now = AnswerSummary::new(1, &first.label, &first.asked, "", &first.answer.report);
    let change = crate::store::history::change(&before.answer, &now, question);
    format!(
        "\nSince your last attempt ({}):\n{}",
        crate::units::when(&before.started),
        report::history::change(&change)
    )
}

/// The interviewer (online when an endpoint is configured and `--offline` is not given) and its
/// voice, both checked before anyone speaks.
fn interviewer(settings: &Settings, question: &Question) -> Result<(Interviewer, Voice), Error> {
    let s = &settings.interviewer;
    let target = settings.practice.clock.target;
    let client = match (&s.endpoint, settings.practice.offline) {
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

fn check_input(path: &Path) -> Result<(), Error> {
    let problem = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => InputProblem::IsDirectory,
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => InputProblem::NotFound,
        Err(_) => InputProblem::Unreadable,
    };
    Err(Error::Input {
        path: path.to_path_buf(),
        problem,
    })
}

/// The full-screen view in a terminal, plain lines otherwise or when asked.
fn open_screen(plain: bool, quiet: bool) -> Result<Box<dyn Screen>, Error> {
    if !plain && screen::is_interactive() {
        return Ok(Box::new(TuiScreen::start()?));
    }
    Ok(Box::new(PlainScreen::new(quiet)))
}
