//! The fieldproof command line: argument parsing, one call into the application layer
//! (`fieldproof-app`) per command, and rendering of the typed result it returns (text through
//! `fieldproof-report`, or the JSON contract with `--format json`). No rule is decided here.
//!
//! Exit codes: 0 success, 1 findings at or above `--fail-on` (or a criterion uncovered or covered
//! only in part with `--fail-on-uncovered`), 2 a usage, input or environment error, printed as one line on stderr
//! naming the file, line and field and what to do.

#[cfg(feature = "analytics")]
mod analytics;
mod cli;
mod commands;
mod output;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// What a successful command reports to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: findings at or above the `--fail-on` severity.
    FindingsAtThreshold,
}

/// Whether `args` (without the program's name) form a valid command line, or clap's message
/// saying why not. The tests of the deployment files (deploy/) check their commands with it.
#[doc(hidden)]
pub fn check_command_line(args: &[String]) -> Result<(), String> {
    let argv = std::iter::once("fieldproof".to_string()).chain(args.iter().cloned());
    cli::Cli::try_parse_from(argv)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Runs the CLI and maps the result to an exit code.
pub fn main() -> ExitCode {
    exit_quietly_on_closed_stdout();
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::FindingsAtThreshold) => ExitCode::from(1),
        Err(error) => {
            report_error(&error);
            ExitCode::from(2)
        }
    }
}

/// Prints an error on stderr: the message, then each cause that adds something (an I/O error
/// already quoted in the message is not repeated). Writing never panics, so a closed stderr
/// still gives exit code 2.
fn report_error(error: &anyhow::Error) {
    let mut message = match error.downcast_ref::<fieldproof_app::AppError>() {
        Some(app) => format!("error: {}", cli_words(app)),
        None => format!("error: {error}"),
    };
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(&format!("\n  caused by: {text}"));
        }
    }
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// An application error in the command line's words, where it has its own (the flag to give).
fn cli_words(error: &fieldproof_app::AppError) -> String {
    use fieldproof_app::Field;
    if let Some(f) = error.field() {
        let message = f.render_flag(&format!("--{}", f.field.name()));
        // Where the command line lists the choices.
        let listed_by = match f.field {
            Field::Control if f.value.is_some() => Some("fieldproof controls --all"),
            Field::Only => Some("fieldproof test --list"),
            Field::Supersedes => Some("fieldproof evidence log"),
            _ => None,
        };
        return match listed_by {
            Some(command) => format!("{message}; `{command}` lists them"),
            None => message,
        };
    }
    match error {
        fieldproof_app::AppError::Unknown { thing, id, within } => {
            use fieldproof_app::Thing;
            let listed_by = match thing {
                Thing::Engagement => "`fieldproof engagement list` lists them".to_string(),
                Thing::Evidence => "`fieldproof evidence log` lists them".to_string(),
                Thing::Request => "`fieldproof request list` lists them".to_string(),
                Thing::Framework => "`fieldproof catalog list` lists them".to_string(),
                Thing::Token => format!(
                    "`fieldproof token list --org {}` lists them",
                    within.as_deref().unwrap_or("ORG")
                ),
                Thing::Organisation => format!("add it with `fieldproof org add {id}`"),
                Thing::Component => "`fieldproof scope` lists the components".to_string(),
            };
            format!("{error}; {listed_by}")
        }
        fieldproof_app::AppError::NoEngagement => {
            "no engagement yet; create one with `fieldproof engagement create`".to_string()
        }
        fieldproof_app::AppError::NoEstate { .. } => {
            format!("{error}; `fieldproof apply ESTATE` first")
        }
        fieldproof_app::AppError::EngagementRequired { choices } => format!(
            "there are {} engagements ({}) and none of them is current; choose one with --engagement",
            choices.len(),
            choices.join(", ")
        ),
        fieldproof_app::AppError::Forbidden {
            action: fieldproof_core::access::Action::ReviewRequest,
            ..
        } => "only the auditor gives a request its status; record the auditor's decision with --as-auditor (and --actor AUDITOR)".to_string(),
        other => other.to_string(),
    }
}

/// `fieldproof ... | head` closes stdout early; a write then fails. The reader has what it
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
