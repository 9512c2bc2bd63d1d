//! One module per command; [`run`] dispatches.

mod assess;
mod catalog;
mod evidence;
mod rules;
mod scope;
mod workspace;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::Outcome;
use anyhow::Result;
use fieldproof_core::assessment::Assessment;
use fieldproof_core::Severity;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    let context = Context::new(cli.workspace, cli.actor)?;
    match cli.command {
        Command::Assess(args) => assess::run(&args),
        Command::Init(args) => workspace::init(&context, &args),
        Command::Apply(args) => workspace::apply(&context, &args),
        Command::Log(args) => workspace::log(&context, &args),
        Command::Validate(args) => scope::validate(&args),
        Command::Scope(args) => scope::scope(&context, &args),
        Command::Boundary(args) => scope::boundary(&context, &args),
        Command::Responsibility(args) => scope::responsibility(&context, &args),
        Command::Rules(args) => rules::run(&args),
        Command::Catalog(args) => catalog::catalog(&context, &args),
        Command::Controls(args) => catalog::controls(&context, &args),
        Command::Map(args) => catalog::map(&context, &args),
        Command::Coverage(args) => catalog::coverage(&context, &args),
        Command::Export(args) => match &args.command {
            crate::cli::ExportCommand::Pack { engagement, output } => {
                evidence::export_pack(&context, engagement, output)
            }
            _ => catalog::export(&context, &args),
        },
        Command::Engagement(args) => evidence::engagement(&context, &args),
        Command::Evidence(args) => evidence::evidence(&context, &args),
        Command::Verify(args) => evidence::verify(&context, &args),
    }
}

/// Exit 1 when a finding is at or above `fail_on`.
fn threshold(assessment: &Assessment<'_>, fail_on: Option<Severity>) -> Outcome {
    match (fail_on, assessment.max_severity()) {
        (Some(limit), Some(worst)) if worst >= limit => Outcome::FindingsAtThreshold,
        _ => Outcome::Ok,
    }
}

/// Treats a closed pipe (`fieldproof scope | head`) as success.
fn ignore_broken_pipe(result: std::io::Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
