//! Command-line arguments (clap derive). The doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use fieldproof_core::Severity;
use std::path::PathBuf;

/// fieldproof: SOC 2 and SOC 1 scope, controls and evidence for operational technology.
#[derive(Debug, Parser)]
#[command(name = "fieldproof", version, max_term_width = 100)]
pub struct Cli {
    /// Workspace directory (holding .fieldproof/). Default: the current directory or the
    /// nearest parent that has one.
    #[arg(long, global = true, env = "FIELDPROOF_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// Who is acting, recorded in the change log. Default: $FIELDPROOF_ACTOR, then $USER.
    #[arg(long, global = true, value_name = "NAME")]
    pub actor: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Assess an estate and write every scope output (boundary statement, responsibility
    /// matrix, scope JSON and Markdown) into a directory.
    Assess(AssessArgs),
    /// Create a workspace (.fieldproof/fieldproof.db) in DIR (default: current directory).
    Init(InitArgs),
    /// Load an estate file into the workspace; prints what was added, changed and removed.
    Apply(ApplyArgs),
    /// Check an estate file or CSV inventory without storing anything.
    Validate(ValidateArgs),
    /// Scope decision of every component, with triggers, categories, reasons and findings.
    Scope(ScopeArgs),
    /// The system boundary statement (in scope / shared / out of scope, with reasons).
    Boundary(BoundaryArgs),
    /// The shared responsibility matrix with CUECs and CSOCs.
    Responsibility(ResponsibilityArgs),
    /// The workspace change log: who changed what, when, from which file.
    Log(LogArgs),
    /// The rule tables: scope rules, triggers and finding rules.
    Rules(RulesArgs),
}

/// Where the estate comes from: a file, or the workspace.
#[derive(Debug, Args)]
pub struct EstateSource {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv). Default: the workspace's stored estate.
    #[arg(long, short = 'e', value_name = "FILE")]
    pub estate: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FailOn {
    /// Exit with code 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text).ok_or_else(|| format!("expected one of: {}", Severity::expected()))
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv).
    pub estate: PathBuf,
    /// Directory to write the outputs into (created if missing).
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        default_value = "fieldproof-out"
    )]
    pub out: PathBuf,
    #[command(flatten)]
    pub fail_on: FailOn,
    /// Summary format on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the workspace in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv).
    pub estate: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct ScopeArgs {
    #[command(flatten)]
    pub source: EstateSource,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScopeFormat::Table)]
    pub format: ScopeFormat,
    /// Explain one component's decision: every rule that matched and the facts behind it.
    #[arg(long, value_name = "ID")]
    pub explain: Option<String>,
    #[command(flatten)]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct BoundaryArgs {
    #[command(flatten)]
    pub source: EstateSource,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DocumentFormat::Md)]
    pub format: DocumentFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ResponsibilityArgs {
    #[command(flatten)]
    pub source: EstateSource,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Md)]
    pub format: MatrixFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Show at most N change sets, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Human-readable text.
    Text,
    /// JSON for scripts.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeFormat {
    /// Aligned table.
    Table,
    /// JSON (the scripting contract).
    Json,
    /// Markdown.
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// Markdown.
    Md,
    /// Self-contained HTML.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// Markdown.
    Md,
    /// CSV, every component listed.
    Csv,
    /// Self-contained HTML.
    Html,
}
