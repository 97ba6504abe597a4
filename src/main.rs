//! The `rehearse` binary: parse, run, report the error once, exit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rehearse::cli::Cli::parse();
    rehearse::logging::init(cli.verbose, cli.quiet);
    match rehearse::commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rehearse: {}", rehearse::error_chain(&err));
            ExitCode::FAILURE
        }
    }
}
