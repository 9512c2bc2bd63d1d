//! Command-line arguments (clap derive). The doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use fieldproof_app::{LoadOptions, Unmapped};
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

    /// The store: sqlite:PATH (the embedded default is the workspace's
    /// .fieldproof/fieldproof.db) or postgres://USER:PASSWORD@HOST:PORT/DATABASE?workspace=NAME
    /// (serve, org, user and token: postgres://.../DATABASE, one workspace per organisation).
    #[arg(long, global = true, env = "FIELDPROOF_STORE", value_name = "URL")]
    pub store: Option<String>,

    /// Who is acting, recorded in the change log and the ledger. Default: $FIELDPROOF_ACTOR,
    /// then the operating system account.
    #[arg(long, global = true, env = "FIELDPROOF_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job. A project (a directory with fieldproof.yaml): record it in a workspace in
    /// the output directory, run the full-population tests, and write the readiness, system
    /// description, controls and test reports, OSCAL and the scope documents. An estate file:
    /// write the scope documents only.
    Assess(AssessArgs),
    /// Create a workspace (.fieldproof/fieldproof.db) in DIR (default: current directory).
    Init(InitArgs),
    /// Load an estate file into the workspace; prints what was added, changed and removed.
    Apply(ApplyArgs),
    /// Check an estate file or CSV inventory without storing anything.
    Validate(ValidateArgs),
    /// Change one component of the stored estate by hand (recorded as a change set).
    Component(ComponentArgs),
    /// Read a supplier's SOC 1, SOC 2 or SOC 3 report (a PDF or its text) into facts with
    /// their pages, and the findings a reader should act on; with --supplier, record it in the
    /// supplier register.
    Review(ReviewArgs),
    /// The supplier register: the service organisations you rely on, their reviewed reports,
    /// and when the next review is due.
    Supplier(SupplierArgs),
    /// The CUECs of your suppliers' reports: list them with suggested controls, map them to
    /// your controls, give them a status.
    Cuec(CuecArgs),
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
    /// Framework catalogs: list them, show a framework, requirement or control, import OSCAL.
    Catalog(CatalogArgs),
    /// The controls an estate needs: applicable to components in scope or shared, for the TSC
    /// categories in play, each with the components that make it applicable.
    Controls(ControlsArgs),
    /// What satisfies what: follow typed mappings from a requirement or control to a framework.
    Map(MapArgs),
    /// Per TSC criterion in play, the applicable controls covering it, the criteria covered only
    /// in part (intersecting controls) and those left uncovered.
    Coverage(CoverageArgs),
    /// Export OSCAL documents (a catalog, the mapping collection) or an evidence pack.
    Export(ExportArgs),
    /// Engagements: SOC 2 / SOC 1 cycles that evidence belongs to.
    Engagement(EngagementArgs),
    /// Evidence: add files, URLs and attestations to the signed ledger; log, show, status, retire.
    Evidence(EvidenceArgs),
    /// The auditor's evidence requests: list them with freshness, status and comments; show
    /// one with its status history; comment; give the auditor's status.
    Request(RequestArgs),
    /// Verify the workspace (every blob and ledger entry), or an evidence pack offline.
    Verify(VerifyArgs),
    /// The ledger signing key: show it, rotate it, protect it with a passphrase.
    Key(KeyArgs),
    /// Write one consistent copy of the workspace database (which `verify --store` accepts);
    /// a workspace in PostgreSQL is copied into a new SQLite file.
    Backup(BackupArgs),
    /// The store itself: copy a workspace from one backend to another.
    Store(StoreArgs),
    /// Design status of controls (implemented, partially_implemented, planned,
    /// not_implemented, not_applicable) with owner and rationale, and roadmap pins.
    Status(StatusArgs),
    /// Readiness of an engagement: design and operating status per control, findings with
    /// owner and due date, rollups, the buyer's questions, the minimum evidence set, the roadmap.
    Readiness(ReadinessArgs),
    /// Reports: readiness, system-description, controls, tests, as Markdown, HTML or PDF.
    Report(ReportArgs),
    /// Year over year: scope drift, control status changes, new and closed findings, test trend
    /// between two engagements.
    Diff(DiffArgs),
    /// Serve the web app and the REST API (/api/v1) over a data directory of organisations.
    Serve(ServeArgs),
    /// Organisations of a server's data directory: each with its own workspace and key.
    Org(OrgArgs),
    /// Users of a server's data directory and their role per organisation.
    User(UserArgs),
    /// API tokens for scripts and CI, each with a role in one organisation.
    Token(TokenArgs),
    /// Ingest event evidence (JSON Lines or CSV, gzip too) into a dataset: validated rows become
    /// a Parquet part recorded in the ledger as a population; bad rows go to a rejects file.
    #[cfg(feature = "analytics")]
    Ingest(IngestArgs),
    /// The datasets, their documented columns and their ingested parts.
    #[cfg(feature = "analytics")]
    Datasets(DatasetsArgs),
    /// Run the full-population tests of the controls in play over the datasets, restricted to
    /// the engagement's period and scope; every run is recorded in the ledger.
    #[cfg(feature = "analytics")]
    Test(TestArgs),
    /// Draw a seeded, reproducible Type II sample from a dataset's population.
    #[cfg(feature = "analytics")]
    Sample(SampleArgs),
    /// Write synthetic event evidence for an estate, with known injected exceptions and a
    /// truth file listing them.
    #[cfg(feature = "analytics")]
    Generate(GenerateArgs),
    /// Run a role of a test cluster (Apache DataFusion Ballista): the scheduler, or an executor
    /// (needs the `cluster` feature; docs/scale-out.md).
    #[cfg(feature = "analytics")]
    Cluster(ClusterArgs),
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    pub command: ClusterCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ClusterCommand {
    /// The scheduler: plans each query into stages and hands their tasks to the executors.
    Scheduler {
        /// IP:PORT to listen on for executors and `fieldproof test --cluster`.
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:50050")]
        bind: String,
        /// The host name executors and clients reach this scheduler by, when not the bind IP.
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Seconds without a poll from an executor after which it is taken as lost and its
        /// tasks rerun elsewhere (at least 10: a busy executor polls every 5 s).
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        executor_timeout: u64,
    },
    /// An executor: runs the tasks the scheduler gives it over the workspace's Parquet parts.
    Executor {
        /// The scheduler.
        #[arg(long, value_name = "df://HOST:PORT")]
        scheduler: String,
        /// IP:PORT to serve shuffle data on (Arrow Flight).
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:50051")]
        bind: String,
        /// The host name other executors fetch shuffle data from, when not the bind IP.
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Tasks run at once (default: the cores).
        #[arg(long, value_name = "N")]
        vcores: Option<usize>,
        /// Memory its tasks may use before spilling, in MiB (default: a share of the host's).
        #[arg(long, value_name = "MIB")]
        memory_mb: Option<u64>,
        /// Where shuffle files and spills go.
        #[arg(long, value_name = "DIR", default_value = "fieldproof-executor")]
        work_dir: PathBuf,
    },
}

impl Command {
    /// Whether the command runs the query engine (which wants a thread per core).
    pub const fn is_analytics(&self) -> bool {
        if matches!(self, Command::Serve(_)) {
            return true;
        }
        #[cfg(feature = "analytics")]
        {
            matches!(
                self,
                Command::Ingest(_)
                    | Command::Test(_)
                    | Command::Sample(_)
                    | Command::Generate(_)
                    | Command::Cluster(_)
            )
        }
        #[cfg(not(feature = "analytics"))]
        {
            false
        }
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The dataset (`fieldproof datasets` lists them).
    pub dataset: String,
    /// Files to ingest: JSON Lines (.jsonl) or CSV (.csv), each optionally gzip-compressed.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A mapping from a source's export to the dataset: a TOML file, or the name of a bundled
    /// mapping (aws-iot-registry-events, azure-iot-hub-lifecycle, servicenow-change-request,
    /// github-releases).
    #[arg(long = "map", value_name = "MAPPING")]
    pub mapping: Option<String>,
    /// A lookup table the mapping joins, NAME=FILE (repeatable).
    #[arg(long = "lookup", value_name = "NAME=FILE")]
    pub lookups: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct DatasetsArgs {
    /// Show one dataset's columns.
    pub dataset: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The engagement whose period and categories apply (default: the only one).
    #[arg(long)]
    pub engagement: Option<String>,
    /// Run only this test (repeatable), even if none of its controls is in play.
    #[arg(long, value_name = "TEST")]
    pub only: Vec<String>,
    /// Override a test parameter, NAME=NUMBER (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Memory the engine may use before spilling to disk, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub memory_mb: usize,
    /// Run the queries on the Ballista cluster whose scheduler is at this URL instead of in this
    /// process (needs the `cluster` feature; docs/scale-out.md).
    #[arg(long, value_name = "df://HOST:PORT", env = "FIELDPROOF_CLUSTER")]
    pub cluster: Option<String>,
    /// With --cluster: copy the parts to this S3-compatible bucket and prefix, checked by
    /// SHA-256, and have the executors read them there (credentials from the AWS_* environment
    /// of each process; docs/scale-out.md).
    #[arg(
        long,
        value_name = "s3://BUCKET[/PREFIX]",
        env = "FIELDPROOF_CLUSTER_PARTS",
        requires = "cluster"
    )]
    pub cluster_parts: Option<String>,
    /// Keep each test's result in the workspace and build on it: a test whose parts are
    /// unchanged is not run again, and a test declaring `incremental` runs only over the new
    /// parts of that dataset. Results and hashes are a full run's (docs/tests.md).
    #[arg(long)]
    pub incremental: bool,
    /// List the test library instead of running it.
    #[arg(long, conflicts_with_all = ["only", "params", "emit_sql"])]
    pub list: bool,
    /// Write the SQL of the run (dataset parts and columns, helper tables, views, each test's
    /// queries) as one JSON file for another engine, instead of running the tests.
    #[arg(long, value_name = "FILE")]
    pub emit_sql: Option<PathBuf>,
    /// Exit with code 1 when a test of at least this severity fails.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Table)]
    pub format: TestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// A table, then the first exceptions of each failed test.
    Table,
    /// The test contract (docs/schemas/test.schema.json).
    Json,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("size_rule").required(true).args(["frequency", "size", "confidence"])))]
pub struct SampleArgs {
    /// The dataset to sample.
    #[arg(long)]
    pub dataset: String,
    /// The engagement whose period and scope bound the population (default: the only one).
    #[arg(long)]
    pub engagement: Option<String>,
    /// A SQL condition on the dataset's columns narrowing the population, e.g.
    /// "privileged AND role = 'vendor'".
    #[arg(long = "where", value_name = "CONDITION")]
    pub condition: Option<String>,
    /// Size from the sample size table by control frequency: annual, quarterly, monthly,
    /// weekly, daily, multiple_daily, per_event (10 %, 3 to 30), or a number of occurrences.
    #[arg(long)]
    pub frequency: Option<String>,
    /// A size given.
    #[arg(long)]
    pub size: Option<u64>,
    /// Attribute sampling: confidence level in percent (with --tolerable and --expected).
    #[arg(long, requires_all = ["tolerable", "expected"])]
    pub confidence: Option<f64>,
    /// Tolerable deviation rate in percent.
    #[arg(long, requires = "confidence")]
    pub tolerable: Option<f64>,
    /// Expected deviation rate in percent.
    #[arg(long, requires = "confidence")]
    pub expected: Option<f64>,
    /// The seed (any text). Default: drawn at random and printed, so the sample can be
    /// re-derived.
    #[arg(long)]
    pub seed: Option<String>,
    /// A sample size table (TSV: frequency, occurrences, size) instead of the bundled one.
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SampleFormat::Table)]
    pub format: SampleFormat,
    /// Write the sample to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SampleFormat {
    /// The selection header and the rows as a table.
    Table,
    /// The rows as CSV, with rank and key columns first.
    Csv,
    /// The sample contract (docs/schemas/sample.schema.json).
    Json,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The estate whose components the data names (.yaml or .csv).
    #[arg(long, short = 'e', value_name = "FILE")]
    pub estate: PathBuf,
    /// Connected devices in the telemetry and identity datasets.
    #[arg(long, default_value_t = 1000)]
    pub devices: u64,
    /// Days of data.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Telemetry messages per device per day (at least 5).
    #[arg(long, default_value_t = 24)]
    pub rate: u32,
    /// Multiplies the rows of the datasets that do not come from devices (privileged
    /// sessions, changes, production batches, alarms), for a benchmark whose whole library
    /// grows with the fleet.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub scale: u32,
    /// First day, YYYY-MM-DD.
    #[arg(long, default_value = "2026-01-01")]
    pub start: String,
    /// Seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Inject no exception (every test passes).
    #[arg(long)]
    pub clean: bool,
    /// Directory to write into (created).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// The current public key, its fingerprint, and every key of the ledger.
    Show {
        /// Write the public key to FILE (to hand to an auditor, who pins it with --key FILE).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Replace the signing key: a ledger entry signed by the current key introduces a new one.
    Rotate {
        /// Why (recorded in the ledger).
        #[arg(long)]
        reason: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Encrypt the private key under the passphrase in $FIELDPROOF_KEY_NEW_PASSPHRASE (the
    /// current one, if any, in $FIELDPROOF_KEY_PASSPHRASE).
    Protect {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Store the private key unencrypted again (owner-only file).
    Unprotect {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (must not exist).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy everything in a workspace's store (estate, change log, engagements, statuses,
    /// catalog imports, ledger) into another, new or empty one: the ledger is verified before
    /// and after, against the keys, blobs and checkpoint in the workspace directory.
    Migrate {
        /// The store to copy, e.g. sqlite:.fieldproof/fieldproof.db.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The store to copy into, e.g. postgres://fp@db/fieldproof?workspace=acme; anything
        /// but a new or empty workspace is refused.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct EngagementArgs {
    #[command(subcommand)]
    pub command: EngagementCommand,
}

#[derive(Debug, Subcommand)]
pub enum EngagementCommand {
    /// Create (or update) an engagement.
    Create {
        /// Identifier, e.g. soc2-2026.
        #[arg(long)]
        id: String,
        /// Display name (default: the id).
        #[arg(long)]
        name: Option<String>,
        /// soc2 or soc1.
        #[arg(long, default_value = "soc2")]
        report: String,
        /// type1 (design at a date) or type2 (operating effectiveness over a period).
        #[arg(long = "type", default_value = "type2")]
        report_type: String,
        /// Type II period, FROM..TO (YYYY-MM-DD..YYYY-MM-DD).
        #[arg(long, conflicts_with = "as_of")]
        period: Option<String>,
        /// Type I date, YYYY-MM-DD.
        #[arg(long)]
        as_of: Option<String>,
        /// TSC categories, comma-separated (security is always included).
        #[arg(long, value_delimiter = ',')]
        categories: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// List engagements.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The report: a PDF, or its text (or Markdown) with pages separated by form feeds or
    /// `<!-- page -->` lines.
    pub file: std::path::PathBuf,
    /// The day to judge freshness on: the review date or your fiscal year-end (default today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The date of the service organisation's bridge letter, covering the time after the period.
    #[arg(long, value_name = "DATE")]
    pub bridge_letter: Option<String>,
    /// Your own report: read it against this estate (a file or CSV inventory): the OT it puts
    /// in scope must be named in the report.
    #[arg(long, value_name = "FILE", conflicts_with = "own")]
    pub estate: Option<std::path::PathBuf>,
    /// Your own report: read it against the workspace's estate (as `--estate` does with a
    /// file).
    #[arg(long, conflicts_with = "supplier")]
    pub own: bool,
    /// Record the review in the workspace's supplier register for this supplier (its id): the
    /// file and the review's result become evidence of FP-VM-01, the review joins the
    /// supplier's history, its CUECs wait for your answers.
    #[arg(long, value_name = "ID")]
    pub supplier: Option<String>,
    /// Output format: a text summary, the JSON contract, or a review report to hand over
    /// (md, html, pdf).
    #[arg(long, value_enum, default_value_t = ReviewFormat::Text)]
    pub format: ReviewFormat,
    /// Write to FILE instead of stdout (needed for pdf).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    /// A summary for the terminal.
    Text,
    /// The review contract (docs/schemas/review.schema.json).
    Json,
    /// A review report in Markdown.
    Md,
    /// A review report as one self-contained HTML file.
    Html,
    /// A review report as PDF (needs -o).
    Pdf,
}

#[derive(Debug, Args)]
pub struct SupplierArgs {
    #[command(subcommand)]
    pub command: SupplierCommand,
}

#[derive(Debug, Subcommand)]
pub enum SupplierCommand {
    /// Add a supplier to the register, or change one (the fields given replace the stored ones).
    #[command(alias = "set")]
    Add {
        /// Its id: lower-case letters, digits and dashes (gridline).
        id: String,
        /// Its name (needed when adding).
        #[arg(long)]
        name: Option<String>,
        /// A service it provides (repeat for several).
        #[arg(long = "service", value_name = "TEXT")]
        services: Vec<String>,
        /// How much you depend on it: critical, high, medium or low (needed when adding).
        #[arg(long)]
        criticality: Option<String>,
        /// An estate component it provides or operates (repeat for several).
        #[arg(long = "component", value_name = "ID")]
        components: Vec<String>,
        /// Months between reviews of its report (default 12).
        #[arg(long, value_name = "MONTHS")]
        review_every: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// The register: every supplier, its latest review, the next review due and its CUECs.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One supplier: its reviews, the latest report's findings and CUECs.
    Show {
        /// The supplier's id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Which NIST SP 800-53 controls the supplier implements, shares with you through a CUEC,
    /// or leaves to you, from its latest reviewed report and the mappings, with the path.
    Controls {
        /// The supplier's id.
        id: String,
        /// List an imported NIST baseline's controls instead (a FedRAMP profile, say).
        #[arg(long, value_name = "FRAMEWORK")]
        baseline: Option<String>,
        /// Output format: text, json, csv, or oscal (an SSP fragment with the supplier as a
        /// leveraged authorisation).
        #[arg(long, value_enum, default_value_t = ProviderFormat::Text)]
        format: ProviderFormat,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OwnCuecFormat {
    /// One block per CUEC.
    Text,
    /// The cuec-own contract (docs/schemas/cuec-own.schema.json).
    Json,
    /// One row per CUEC, to send to customers or paste into the report.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderFormat {
    /// Counts, then the provider's and shared controls with their paths.
    Text,
    /// The supplier-controls contract (docs/schemas/supplier-controls.schema.json).
    Json,
    /// One row per control.
    Csv,
    /// An OSCAL 1.1.3 SSP fragment.
    Oscal,
}

#[derive(Debug, Args)]
pub struct CuecArgs {
    #[command(subcommand)]
    pub command: CuecCommand,
}

#[derive(Debug, Subcommand)]
pub enum CuecCommand {
    /// Your own CUECs: the customer duties of your responsibility matrix, which your customers
    /// answer when they read your report, with the controls of yours that rely on each.
    Own {
        /// The estate (default: the workspace's).
        #[arg(long, value_name = "FILE")]
        estate: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OwnCuecFormat::Text)]
        format: OwnCuecFormat,
    },
    /// The CUECs of every supplier's latest report (or one supplier's), with your answers and
    /// the controls suggested for each.
    List {
        /// Only this supplier's.
        #[arg(long, value_name = "ID")]
        supplier: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Map a CUEC to the controls of yours that address it (its status becomes addressed).
    Map {
        /// The supplier's id.
        supplier: String,
        /// The CUEC's number in the report (as `cuec list` shows).
        cuec: String,
        /// A control that addresses it (repeat for several).
        #[arg(long = "control", value_name = "ID", required = true)]
        controls: Vec<String>,
        /// Evidence that shows it addressed (repeat for several).
        #[arg(long = "evidence", value_name = "EV-ID")]
        evidence: Vec<String>,
        /// The review's number (default: the supplier's latest).
        #[arg(long, value_name = "N")]
        review: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Give a CUEC a status: addressed, not_applicable (with --reason) or gap (with --owner and
    /// --due), or open again.
    Status {
        /// The supplier's id.
        supplier: String,
        /// The CUEC's number in the report.
        cuec: String,
        /// open, addressed, not_applicable or gap.
        status: String,
        /// Why it does not apply, or what the gap is.
        #[arg(long)]
        reason: Option<String>,
        /// Who owns the gap.
        #[arg(long)]
        owner: Option<String>,
        /// When the gap is due to close (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
        /// The review's number (default: the supplier's latest).
        #[arg(long, value_name = "N")]
        review: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct ComponentArgs {
    #[command(subcommand)]
    pub command: ComponentCommand,
}

#[derive(Debug, Subcommand)]
pub enum ComponentCommand {
    /// Set a stored component's declared scope, owner, description or facts; what is not given
    /// is kept. Recorded in the change log like an applied estate file (the web app's edit
    /// form does the same).
    Set {
        /// Component id.
        id: String,
        /// The scope the current report declares: in, out, shared, or none.
        #[arg(long, value_name = "SCOPE")]
        declared_scope: Option<String>,
        /// Who owns it (empty: nobody).
        #[arg(long)]
        owner: Option<String>,
        /// What it is (empty: no description).
        #[arg(long)]
        description: Option<String>,
        /// A fact set true or false: NAME=true|false (repeatable; `fieldproof rules` names them).
        #[arg(long = "fact", value_name = "NAME=BOOL")]
        facts: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(subcommand)]
    pub command: RequestCommand,
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Every evidence request of an engagement: what is asked, what was provided, freshness,
    /// the auditor's status and the number of comments.
    List {
        /// Engagement (default: the only one, or the one whose period contains today).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One request: what was provided, its comments and every status it was given.
    Show {
        /// Control id.
        control: String,
        /// Request id.
        request: String,
        /// Engagement (default: the only one, or the one whose period contains today).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Add a comment to a request (recorded under --actor or your account name).
    Comment {
        /// Control id.
        control: String,
        /// Request id.
        request: String,
        /// The comment (1 to 4,000 characters).
        #[arg(long)]
        text: String,
        /// Engagement (default: the only one, or the one whose period contains today).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Record the auditor's status of a request: open, accepted or needs_more. Only the auditor
    /// gives a status: --as-auditor records it as theirs (an auditor working in the workspace,
    /// or their decision transcribed under --actor AUDITOR).
    Status {
        /// Control id.
        control: String,
        /// Request id.
        request: String,
        /// open, accepted or needs_more.
        status: String,
        /// Record the status as the auditor's.
        #[arg(long)]
        as_auditor: bool,
        /// Engagement (default: the only one, or the one whose period contains today).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub command: EvidenceCommand,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Add files (streamed, stored by SHA-256), a URL reference or an attestation.
    Add {
        /// Files to add.
        files: Vec<PathBuf>,
        /// Control the evidence supports (repeatable; at least one).
        #[arg(long = "control", value_name = "ID", required = true)]
        controls: Vec<String>,
        /// The controls' evidence request it answers (needed when a control has several).
        #[arg(long, value_name = "ID")]
        request: Option<String>,
        /// A population: a log or export of the whole --covers period, which evidences every
        /// window of it (otherwise evidence counts for the window of its date).
        #[arg(long, requires = "covers")]
        population: bool,
        /// Engagement it belongs to.
        #[arg(long)]
        engagement: Option<String>,
        /// Period it covers, FROM..TO (or one date).
        #[arg(long)]
        covers: Option<String>,
        /// Where it came from (system, export, person).
        #[arg(long)]
        source: Option<String>,
        /// Description.
        #[arg(long)]
        note: Option<String>,
        /// Evidence id this replaces (it is marked superseded).
        #[arg(long)]
        supersedes: Option<String>,
        /// Record a URL reference instead of files.
        #[arg(long, conflicts_with = "attest")]
        url: Option<String>,
        /// Record a short attestation text instead of files.
        #[arg(long)]
        attest: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// The ledger, oldest first.
    Log {
        /// Show the ledger as an auditor limited to this engagement sees it: other
        /// engagements' entries without their content, as in that engagement's pack.
        #[arg(long, value_name = "ID")]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One piece of evidence with its ledger entry.
    Show {
        /// Evidence id (EV-000002).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Write a piece of evidence's content to a file, checked against the SHA-256 its ledger
    /// entry records (nothing is written when they differ).
    Get {
        /// Evidence id (EV-000002).
        id: String,
        /// The file to write.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: std::path::PathBuf,
    },
    /// For each applicable control's evidence requests: present, stale or missing in the period.
    Status {
        /// Engagement (default: the only one, if there is exactly one).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Withdraw evidence from use (it stays in the ledger, marked retired).
    Retire {
        /// Evidence id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Print (or write) the ledger's public key and its fingerprint (same as `key show`).
    Key {
        /// Write the public key to FILE.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An evidence pack (.zip) to verify offline; without it, the workspace is verified.
    pub pack: Option<PathBuf>,
    /// Pin the organisation's public key (a file as `key show -o FILE` writes): verification
    /// fails unless the ledger is signed with it (repeatable).
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Pin the organisation's key by fingerprint (or hex public key) (repeatable).
    #[arg(long = "fingerprint", value_name = "HEX")]
    pub fingerprints: Vec<String>,
    /// A head seen earlier (from a pack's README or `export pack`): that entry must still be in
    /// the ledger, unchanged.
    #[arg(long, value_name = "SEQ:HASH")]
    pub expect_head: Option<String>,
    /// Verify the workspace as an auditor limited to this engagement sees it: every problem is
    /// reported, but those about other engagements' entries without naming their evidence.
    #[arg(long, value_name = "ID", conflicts_with = "pack")]
    pub engagement: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: CatalogCommand,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Frameworks with their requirement counts, and the control library.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// A framework (its requirements), a requirement (with what maps to it) or a control.
    Show {
        /// `tsc2017`, `CC6.1`, `nist:AC-2(1)`, `FP-AC-01`, ...
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Import an OSCAL catalog or profile (JSON) into the workspace: your own catalog, or a
    /// baseline such as FedRAMP Moderate, whose profile is resolved and linked to NIST SP 800-53.
    ImportOscal {
        /// The OSCAL catalog or profile file.
        file: PathBuf,
        /// For a profile: the catalog it imports (default: a file its import names beside the
        /// profile, else the bundled NIST SP 800-53 catalog when it names that).
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        /// Framework id to use (default: derived from the catalog title).
        #[arg(long)]
        id: Option<String>,
        /// Other names for it on the command line (repeatable).
        #[arg(long = "alias", value_name = "NAME")]
        aliases: Vec<String>,
        /// What its entries are: controls, requirements, criteria or control_objectives.
        #[arg(long, default_value = "controls")]
        kind: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

/// TSC categories to consider instead of those the estate implicates.
#[derive(Debug, Args)]
pub struct Categories {
    /// Comma-separated: security, availability, processing_integrity, confidentiality, privacy.
    /// Default: the categories the estate's components implicate.
    #[arg(long, value_delimiter = ',', value_parser = parse_category)]
    pub categories: Vec<fieldproof_core::TscCategory>,
}

fn parse_category(text: &str) -> Result<fieldproof_core::TscCategory, String> {
    fieldproof_core::TscCategory::parse(text.trim()).ok_or_else(|| {
        format!(
            "expected one of: {}",
            fieldproof_core::TscCategory::expected()
        )
    })
}

#[derive(Debug, Args)]
pub struct ControlsArgs {
    #[command(flatten)]
    pub source: EstateSource,
    #[command(flatten)]
    pub categories: Categories,
    /// List the whole control library, without looking at an estate.
    #[arg(long, conflicts_with = "estate")]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScopeFormat::Table)]
    pub format: ScopeFormat,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    /// Requirement or control: `CC6.1`, `tsc:CC6.1`, `nist:AC-2`, `FP-DI-01`.
    pub requirement: String,
    /// Target framework id or alias: iso27001, nist, tsc, soc1, iec62443-3-3, iec62443-2-4, nis2, pci.
    #[arg(long)]
    pub to: String,
    /// Longest path to follow, in mapping hops (control hops and crosswalk pivots).
    #[arg(long, default_value_t = 3)]
    pub max_hops: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    #[command(flatten)]
    pub source: EstateSource,
    #[command(flatten)]
    pub categories: Categories,
    /// Exit with code 1 when a criterion in play is not covered: no applicable control maps to
    /// it, or applicable controls only intersect it (covered in part).
    #[arg(long)]
    pub fail_on_uncovered: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(subcommand)]
    pub command: StatusCommand,
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// The design statuses and roadmap pins of an engagement.
    List {
        /// Engagement id (default: the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Set one control's design status (recorded in the change log).
    Set {
        /// Control id (`FP-PE-04`).
        control: String,
        /// implemented, partially_implemented, planned, not_implemented or not_applicable.
        #[arg(long)]
        status: String,
        /// Who owns the control (needed the first time).
        #[arg(long)]
        owner: Option<String>,
        /// What exists, what is missing, or why it does not apply (needed the first time).
        #[arg(long)]
        rationale: Option<String>,
        /// When the gap is due to close, YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
        /// Engagement id (default: the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Pin a roadmap item (a control id, scope:RULE, coverage:CRITERION, monitor:TEST) to a phase.
    Pin {
        /// The roadmap item.
        item: String,
        /// Phase 1, 2 or 3.
        #[arg(required_unless_present = "unpin")]
        phase: Option<u8>,
        /// Remove the pin instead.
        #[arg(long, conflicts_with = "phase")]
        unpin: bool,
        /// Engagement id (default: the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Apply a status file (YAML) like the estate: statuses and pins become the file's.
    Apply {
        /// The status file.
        file: PathBuf,
        /// Engagement id (default: the file's `engagement`, else the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct ReadinessArgs {
    /// Engagement id (default: the only one).
    #[arg(long)]
    pub engagement: Option<String>,
    #[command(flatten)]
    pub fail_on: FailOn,
    /// Output format (json: docs/schemas/readiness.schema.json).
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportName {
    /// Executive summary, scope, responsibility matrix, findings, heat map, tests, evidence, roadmap.
    Readiness,
    /// A system description draft organised by the description criteria.
    SystemDescription,
    /// The controls matrix (also CSV).
    Controls,
    /// Test results with populations, exceptions and hashes.
    Tests,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// Markdown.
    Md,
    /// One self-contained HTML file.
    Html,
    /// PDF (needs -o).
    Pdf,
    /// CSV (controls only).
    Csv,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[arg(value_enum)]
    pub report: ReportName,
    /// Engagement id (default: the only one).
    #[arg(long)]
    pub engagement: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Html)]
    pub format: ReportFormatArg,
    /// Add a year-over-year section comparing with this earlier engagement (readiness report).
    #[arg(long, value_name = "ENGAGEMENT")]
    pub compare_with: Option<String>,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier engagement.
    pub from: String,
    /// The later engagement.
    pub to: String,
    /// Output format (json: docs/schemas/diff.schema.json).
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The control library (default) or any framework as an OSCAL 1.1.3 catalog.
    OscalCatalog {
        /// Framework to export instead of the control library (`nist`, `tsc`, an imported id, ...).
        #[arg(long)]
        framework: Option<String>,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The system security plan of an engagement (OSCAL 1.1.3): boundary, components,
    /// implemented requirements with design status and shared responsibilities.
    OscalSsp {
        /// Engagement id (default: the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The assessment results of an engagement (OSCAL 1.1.3): observations from tests and
    /// evidence, a finding per TSC criterion, risks from open findings.
    OscalAr {
        /// Engagement id (default: the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The roadmap as an OSCAL 1.1.3 plan of action and milestones.
    OscalPoam {
        /// Engagement id (default: the only one).
        #[arg(long)]
        engagement: Option<String>,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every typed mapping as an OSCAL 1.2 mapping collection.
    OscalMapping {
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// One crosswalk (`catalog list` shows the ids), for example the designed TSC to IEC
    /// 62443-3-3 crosswalk, as CSV, an OSCAL 1.2 mapping collection or JSON.
    Crosswalk {
        /// Crosswalk id (`tsc2017-iec62443-3-3`, `tsc2017-iec62443-2-4`, ...).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CrosswalkFormat::Csv)]
        format: CrosswalkFormat,
        /// Write to FILE instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// An evidence pack for an engagement: blobs, manifest, ledger, public key, boundary
    /// statement and responsibility matrix, verifiable offline; optionally with reports.
    Pack {
        /// Engagement id.
        #[arg(long)]
        engagement: String,
        /// The zip file to write.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Add a report, covered by the pack's signature: KIND.FORMAT such as readiness.pdf,
        /// system-description.md, controls.csv, tests.html (repeatable).
        #[arg(long = "report", value_name = "KIND.FORMAT")]
        reports: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

/// Formats of `export crosswalk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CrosswalkFormat {
    /// One row per judged pair with relationship and rationale.
    Csv,
    /// An OSCAL 1.2 mapping collection.
    Oscal,
    /// The crosswalk contract (docs/schemas/crosswalk.schema.json).
    Json,
}

/// Where the estate comes from: a file, or the workspace.
#[derive(Debug, Args)]
pub struct EstateSource {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv). Default: the workspace's stored estate.
    #[arg(long, short = 'e', value_name = "FILE")]
    pub estate: Option<PathBuf>,
    #[command(flatten)]
    pub inventory: InventoryArgs,
}

/// How a CSV inventory is read.
#[derive(Debug, Args, Clone, Default)]
pub struct InventoryArgs {
    /// Read the CSV inventory through a mapping (TOML file, or a bundled mapping: netbox-devices,
    /// servicenow-cmdb-ci, defender-iot-devices); see docs/inventory-mappings.md.
    #[arg(long, value_name = "MAP")]
    pub map: Option<PathBuf>,
    /// Rows whose values the mapping cannot translate: `error` stops and lists them (default),
    /// `report` leaves them out and lists them.
    #[arg(long, value_name = "POLICY", default_value = "error", value_parser = parse_unmapped)]
    pub unmapped: Unmapped,
}

impl InventoryArgs {
    /// The load options these flags give.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            map: self.map.clone(),
            bundled: None,
            unmapped: self.unmapped,
            standalone: false,
        }
    }
}

fn parse_unmapped(text: &str) -> Result<Unmapped, String> {
    Unmapped::parse(text).ok_or_else(|| "expected error or report".to_string())
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
    /// A project directory (holding fieldproof.yaml) or project file; or an estate file
    /// (.yaml/.yml) or CSV inventory (.csv) for the scope only.
    #[arg(value_name = "PROJECT|ESTATE")]
    pub estate: PathBuf,
    /// Directory to write the outputs into (created if missing); a project's workspace is
    /// kept there too, unless --workspace names another.
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
    #[command(flatten)]
    pub inventory: InventoryArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the workspace in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv).
    pub estate: PathBuf,
    /// Show what would change (entries and scope decisions) without storing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    #[command(flatten)]
    pub inventory: InventoryArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Estate file (.yaml/.yml) or CSV inventory (.csv).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    #[command(flatten)]
    pub inventory: InventoryArgs,
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
    /// With --explain: list every asset rolled up into the component, with what differs from
    /// it and the scope each would get on its own.
    #[arg(long, requires = "explain")]
    pub assets: bool,
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

/// The data directory of a server.
#[derive(Debug, Args)]
pub struct DataDir {
    /// The server's data directory: server.db (accounts) and orgs/ORG/ (one workspace each).
    #[arg(
        long,
        env = "FIELDPROOF_DATA",
        value_name = "DIR",
        default_value = "fieldproof-data"
    )]
    pub data: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub data: DataDir,
    /// Mark session cookies Secure: set it when a TLS proxy is in front of the server.
    #[arg(long)]
    pub secure_cookies: bool,
    /// Largest request (an evidence upload), in MiB.
    #[arg(long, default_value_t = 100, value_name = "MIB")]
    pub max_upload_mb: usize,
    /// The longest a request may take before it is answered 503, in seconds (estate uploads of
    /// a large inventory and evidence packs take longest).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub request_timeout: u64,
    /// Take the client's address from the last entry of X-Forwarded-For, which the proxy in
    /// front adds: set it only behind such a proxy (sign-in throttling counts by address).
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// How the log on stderr is written: lines for people, or one JSON object per event for a
    /// log collector. What is logged follows FIELDPROOF_LOG (else RUST_LOG; default warn).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How `serve` writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line per event.
    Text,
    /// One JSON object per event (time, level, message and the event's fields).
    Json,
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    #[command(subcommand)]
    pub command: OrgCommand,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation: its workspace, ledger and signing key under DATA/orgs/ID (a
    /// workspace already there, e.g. moved to PostgreSQL with `store migrate`, is adopted).
    Add {
        /// Identifier: 2 to 40 lowercase letters, digits and dashes.
        id: String,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (password in $FIELDPROOF_PASSWORD, 12 characters or more) or give an
    /// existing user a role in an organisation.
    Add {
        /// E-mail address: the sign-in name.
        #[arg(long)]
        email: String,
        /// The organisation.
        #[arg(long)]
        org: String,
        /// owner, editor, contributor (adds evidence only), auditor (read-only, one
        /// engagement) or viewer.
        #[arg(long)]
        role: String,
        /// The engagement an auditor sees.
        #[arg(long)]
        engagement: Option<String>,
        #[command(flatten)]
        data: DataDir,
    },
    /// Remove a user from an organisation: their membership goes, their API tokens there are
    /// revoked, and their sessions no longer reach it.
    Remove {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// The organisation.
        #[arg(long)]
        org: String,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a member (printed once; send it as Authorization: Bearer).
    Create {
        /// The member's e-mail.
        #[arg(long)]
        email: String,
        /// The organisation.
        #[arg(long)]
        org: String,
        /// The token's role: at most the member's.
        #[arg(long)]
        role: String,
        /// A name to recognise it by.
        #[arg(long, default_value = "api")]
        name: String,
        /// When it stops working: days (90d), hours (12h) or a date (2027-06-30, valid through
        /// that day, UTC). Default: until revoked.
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
        #[command(flatten)]
        data: DataDir,
    },
    /// The API tokens of an organisation: reference, member, role (created and effective now),
    /// state, expiry and last use. Never the secrets.
    List {
        /// The organisation.
        #[arg(long)]
        org: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        #[command(flatten)]
        data: DataDir,
    },
    /// Revoke an API token by its reference (as `token list` shows it; a unique prefix of 6 or
    /// more digits will do). It stops working at once.
    Revoke {
        /// The token's reference.
        token: String,
        /// The organisation.
        #[arg(long)]
        org: String,
        #[command(flatten)]
        data: DataDir,
    },
}
