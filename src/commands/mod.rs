//! The commands: each turns resolved settings into work and prints its result. `run` dispatches.

mod models;
mod questions;
mod score;

use std::io::Write;

use crate::Error;
use crate::cli::{Cli, Command};
use crate::settings::Settings;

/// Runs the command the user asked for.
pub fn run(cli: &Cli) -> Result<(), Error> {
    match &cli.command {
        Command::Score(args) => {
            let settings = Settings::resolve(cli, Some(&args.whisper), args.format)?;
            let report = score::run(&settings, &args.file, args.question.as_deref())?;
            print(&report.render(settings.format))
        }
        Command::Questions { format } => {
            let settings = Settings::resolve(cli, None, *format)?;
            print(&questions::list(&settings)?)
        }
        Command::Models { action } => {
            let settings = Settings::resolve(cli, None, None)?;
            models::run(&settings, action, cli.quiet)
        }
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
