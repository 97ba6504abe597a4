//! The commands: each turns resolved settings into work and prints its result. `run` dispatches.

mod devices;
mod doctor;
mod engine;
mod history;
mod models;
mod practice;
mod question_new;
mod questions;
mod report;
mod score;

use std::io::Write;

use crate::Error;
use crate::cli::{Cli, Command, QuestionsCommand};
use crate::settings::Settings;

/// Runs the command the user asked for.
pub fn run(cli: &Cli) -> Result<(), Error> {
    let settings = Settings::resolve(cli)?;
    match &cli.command {
        Command::Practice(_) => {
            history::apply_retention(&settings);
            print(&practice::run(&settings, cli.quiet)?)
        }
        Command::Devices { test, .. } => {
            let text = match test {
                Some(name) => devices::test(name, cli.quiet)?,
                None => devices::list(settings.format)?,
            };
            print(&text)
        }
        Command::Doctor { .. } => {
            let (text, verdict) = doctor::run(&settings);
            print(&text)?;
            verdict.map_err(Error::Doctor)
        }
        Command::History { question, .. } => {
            print(&history::run(&settings, question.as_deref(), cli.quiet)?)
        }
        Command::Report(args) => print(&report::run(&settings, args, cli.quiet)?),
        Command::Delete {
            sessions,
            older_than,
            audio_only,
        } => {
            let age = older_than.map(|d| std::time::Duration::from_millis(d.as_millis()));
            print(&history::delete(
                &settings,
                sessions,
                age,
                *audio_only,
                cli.quiet,
            )?)
        }
        Command::Score(args) => {
            history::apply_retention(&settings);
            let (report, samples) =
                score::run(&settings, &args.file, args.question.as_deref(), cli.quiet)?;
            // The result is printed before it is saved: a store that cannot be written must not
            // cost the score; the failure is reported after it.
            print(&report.render(settings.format))?;
            if !args.no_save {
                let dir = score::save(&settings, &report, samples.as_deref())?;
                tracing::info!("saved in {}", dir.display());
            }
            Ok(())
        }
        Command::Questions(args) => match &args.action {
            None => print(&questions::list(&settings, args.tag.as_deref())?),
            Some(QuestionsCommand::Check { file }) => {
                let (text, verdict) = questions::check(&settings, file)?;
                print(&text)?;
                verdict
            }
            Some(QuestionsCommand::New(new)) => question_new::run(&settings, new, cli.quiet),
        },
        Command::Models { action } => models::run(&settings, action, cli.quiet),
    }
}

/// The question named `id`, else the configured default; an unknown id lists the known ones.
fn find_question<'a>(
    bank: &'a crate::questions::Bank,
    id: Option<&str>,
    settings: &Settings,
) -> Result<&'a crate::questions::Question, Error> {
    let id = id.unwrap_or(&settings.default_question);
    bank.get(id).ok_or_else(|| Error::UnknownQuestion {
        id: id.to_string(),
        known: bank
            .all()
            .iter()
            .map(|q| q.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The questions tagged `tag`, or all of them without a tag; a tag no question carries lists the
/// tags there are.
fn tagged<'a>(
    bank: &'a crate::questions::Bank,
    tag: Option<&str>,
) -> Result<Vec<&'a crate::questions::Question>, Error> {
    let Some(tag) = tag else {
        return Ok(bank.all().iter().collect());
    };
    bank.tagged(tag).ok_or_else(|| Error::UnknownTag {
        tag: tag.to_string(),
        known: bank.tags().join(", "),
    })
}

/// Whisper settings for a resolved model file.
fn whisper_options(
    settings: &Settings,
    model: &std::path::Path,
) -> crate::transcribe::WhisperOptions {
    let t = &settings.transcribe;
    crate::transcribe::WhisperOptions {
        model: model.to_path_buf(),
        language: t.language.clone(),
        threads: t.threads,
        initial_prompt: t.initial_prompt.clone(),
        beam_size: t.beam_size,
    }
}

/// Writes `text` to standard output. A reader that went away (`| head`) is not an error.
fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Error::Output),
    }
}
