//! The fieldproof command line: argument parsing, workspace discovery, and one module per
//! command. Errors become one clear line on stderr and exit code 2; findings at or above
//! `--fail-on` give exit code 1.

mod cli;
mod commands;
mod context;
mod output;

use clap::Parser;
use std::process::ExitCode;

/// What a successful command reports to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: findings at or above the `--fail-on` severity.
    FindingsAtThreshold,
}

/// Runs the CLI and maps the result to an exit code.
pub fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::FindingsAtThreshold) => ExitCode::from(1),
        Err(error) => {
            let mut message = format!("error: {error}");
            for cause in error.chain().skip(1) {
                message.push_str(&format!("\n  caused by: {cause}"));
            }
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
