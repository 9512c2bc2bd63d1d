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
    exit_quietly_on_closed_stdout();
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

/// `fieldproof ... | head` closes stdout early; `println!` then panics. The reader has what it
/// wanted, so leave quietly (exit 0) instead of printing a panic, as Unix tools do.
fn exit_quietly_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
