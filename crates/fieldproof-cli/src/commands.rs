//! One function per command: turn the arguments into a call of the application layer, then
//! render its typed result as text or as the JSON contract.

use crate::cli::{
    CatalogArgs, CatalogCommand, Cli, Command, CrosswalkFormat, DocumentFormat, EngagementArgs,
    EngagementCommand, EvidenceArgs, EvidenceCommand, ExportArgs, ExportCommand, KeyArgs,
    KeyCommand, MatrixFormat, ReportFormatArg, ReportName, ScopeFormat, StatusArgs, StatusCommand,
    SummaryFormat,
};
use crate::output::{self, Progress};
use crate::Outcome;
use anyhow::{anyhow, bail, Context as _, Result};
use fieldproof_app::catalog::OscalExport;
use fieldproof_app::clock::FixedClock;
use fieldproof_app::contract;
use fieldproof_app::evidence::{AddContent, AddRequest, VerifyRequest};
use fieldproof_app::scope::{BoundaryFormat, EstateSource};
use fieldproof_app::workspace::ServerDatabase;
use fieldproof_app::{App, Config};
use fieldproof_catalog::views::CatalogShow;
use fieldproof_core::access::Role;
use fieldproof_core::engagement::EngagementRequest;
use fieldproof_core::findings::reaches;
use fieldproof_core::Severity;
use fieldproof_report::catalog as catalog_text;
use fieldproof_report::evidence as evidence_text;
use fieldproof_report::results;
use fieldproof_report::scope as render;
use fieldproof_report::text::count;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// Builds the application from the global options and the environment.
fn app(cli: &Cli) -> Result<App> {
    let clock = match std::env::var("FIELDPROOF_NOW") {
        Ok(pinned) => Some(
            Arc::new(FixedClock::parse(&pinned).context("FIELDPROOF_NOW")?)
                as Arc<dyn fieldproof_app::clock::Clock>,
        ),
        Err(_) => None,
    };
    Ok(App::new(Config {
        cwd: std::env::current_dir().context("cannot read the current directory")?,
        workspace: cli.workspace.clone(),
        store: cli.store.clone(),
        actor: cli.actor.clone(),
        // The holder of a workspace's files acts with every permission.
        role: None,
        clock,
        passphrase: std::env::var("FIELDPROOF_KEY_PASSPHRASE").ok(),
        open_store: None,
    }))
}

/// The log on stderr: what FIELDPROOF_LOG (else RUST_LOG) asks for, `warn` by default. The
/// server logs internal errors with the reference a client was shown and, at `info`, one line
/// per request; long jobs (ingest, test runs, uploads, applies, migrations) log what they did
/// and how long it took at `info`. `serve --log-format json` writes one JSON object per event.
fn start_log(command: &Command) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIELDPROOF_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        // (sqlx's warnings about slow statements are timing, not failures.)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error"));
    let log = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter);
    let _ = match command {
        Command::Serve(args) if args.log_format == crate::cli::LogFormat::Json => {
            log.json().try_init()
        }
        _ => log.try_init(),
    };
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    start_log(&cli.command);
    let app = app(&cli)?;
    // The query engine runs its partitions as tasks: give it a thread per core.
    let runtime = if cli.command.is_analytics() {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(&app, cli.store.as_deref(), cli.command))
}

fn threshold(findings: &[fieldproof_core::Finding], fail_on: Option<Severity>) -> Outcome {
    if reaches(findings, fail_on) {
        Outcome::FindingsAtThreshold
    } else {
        Outcome::Ok
    }
}

async fn dispatch(app: &App, store: Option<&str>, command: Command) -> Result<Outcome> {
    match command {
        Command::Assess(args) => assess(app, &args).await,
        Command::Init(args) => {
            let r = app.init(&args.dir).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::init_text(&r, &args.dir))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Apply(args) if args.dry_run => {
            let mut progress = Progress::reading(&args.estate);
            let r = app
                .apply_preview(&args.estate, &args.inventory.options(), &mut |d, t| {
                    progress.update(d, t)
                })
                .await?;
            progress.finish();
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&format!(
                    "{}{}",
                    results::inventory_text(&r.inventories),
                    results::preview_text(&r, &args.estate)
                ))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Apply(args) => {
            let mut progress = Progress::reading(&args.estate);
            let r = app
                .apply(&args.estate, &args.inventory.options(), &mut |d, t| {
                    progress.update(d, t)
                })
                .await?;
            progress.finish();
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&format!(
                    "{}{}",
                    results::inventory_text(&r.inventories),
                    results::apply_text(&r, &args.estate)
                ))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Log(args) => {
            let r = app.log(args.limit).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::log_text(&r))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Review(args) => {
            if args.format == crate::cli::ReviewFormat::Pdf && args.output.is_none() {
                return Err(anyhow!(
                    "--format pdf writes a binary file: give -o FILE.pdf"
                ));
            }
            let r = app
                .review(
                    &args.file,
                    &fieldproof_app::review::ReviewRequest {
                        on: args.as_of.clone(),
                        bridge_letter: args.bridge_letter.clone(),
                        estate: match (&args.estate, args.own) {
                            (Some(f), _) => {
                                Some(fieldproof_app::scope::EstateSource::from_option(Some(f)))
                            }
                            (None, true) => Some(fieldproof_app::scope::EstateSource::Workspace),
                            (None, false) => None,
                        },
                        supplier: args.supplier.clone(),
                    },
                )
                .await?;
            use crate::cli::ReviewFormat;
            let document = || fieldproof_report::review::review_document(&r, &app.now());
            let bytes = match args.format {
                ReviewFormat::Json => output::json_bytes(&r)?,
                ReviewFormat::Text => fieldproof_report::review::review_text(&r).into_bytes(),
                ReviewFormat::Md => fieldproof_report::doc::markdown(&document()).into_bytes(),
                ReviewFormat::Html => fieldproof_report::doc::html(&document()).into_bytes(),
                ReviewFormat::Pdf => fieldproof_report::pdf::render(&document()),
            };
            output::emit(args.output.as_deref(), &bytes)?;
            Ok(Outcome::Ok)
        }
        Command::Component(args) => {
            let crate::cli::ComponentCommand::Set {
                id,
                declared_scope,
                owner,
                description,
                facts,
                format,
            } = &args.command;
            let r = app
                .component_edit(
                    id,
                    &fieldproof_app::scope::ComponentEditRequest {
                        declared_scope: declared_scope.clone(),
                        owner: owner.clone(),
                        description: description.clone(),
                        facts: facts.clone(),
                    },
                )
                .await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::apply_text(
                    &r,
                    std::path::Path::new(&format!("component {id}")),
                ))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Validate(args) => {
            let mut progress = Progress::reading(&args.file);
            let validated = app.validate(&args.file, &args.inventory.options(), &mut |d, t| {
                progress.update(d, t)
            });
            progress.finish();
            let r = &validated.result;
            if args.format == SummaryFormat::Json {
                output::json(r)?;
            }
            match validated.error {
                Some(error) => {
                    Err(anyhow::Error::new(error)
                        .context(format!("{} is not a valid estate", r.file)))
                }
                None if !r.valid => bail!(
                    "{}",
                    r.problems.first().map_or("invalid", |p| p.message.as_str())
                ),
                None => {
                    if args.format == SummaryFormat::Text {
                        output::print(&results::validation_text(r))?;
                    }
                    Ok(Outcome::Ok)
                }
            }
        }
        Command::Scope(args) => scope(app, &args).await,
        Command::Boundary(args) => {
            let format = match args.format {
                DocumentFormat::Md => BoundaryFormat::Markdown,
                DocumentFormat::Html => BoundaryFormat::Html,
            };
            let scoped = app.scope(&source_of(&args.source), &mut |_, _| {}).await?;
            warn_inventories(&scoped.inventories);
            let document = scoped.boundary(format);
            output::emit(args.output.as_deref(), document.as_bytes())?;
            Ok(Outcome::Ok)
        }
        Command::Responsibility(args) => {
            let format = match args.format {
                MatrixFormat::Md => fieldproof_app::scope::MatrixFormat::Markdown,
                MatrixFormat::Csv => fieldproof_app::scope::MatrixFormat::Csv,
                MatrixFormat::Html => fieldproof_app::scope::MatrixFormat::Html,
            };
            let scoped = app.scope(&source_of(&args.source), &mut |_, _| {}).await?;
            warn_inventories(&scoped.inventories);
            let document = scoped.responsibility(format);
            output::emit(args.output.as_deref(), document.as_bytes())?;
            Ok(Outcome::Ok)
        }
        Command::Rules(args) => {
            match args.format {
                SummaryFormat::Json => output::json(&app.rules())?,
                SummaryFormat::Text => output::print(&render::rules_text())?,
            }
            Ok(Outcome::Ok)
        }
        Command::Catalog(args) => catalog(app, &args).await,
        Command::Controls(args) => {
            let source = (!args.all).then(|| source_of(&args.source));
            if let Some(source) = &source {
                report_left_out(app, source);
            }
            let mut progress = progress_for(args.source.estate.as_deref());
            let r = app
                .controls(source.as_ref(), &args.categories.categories, &mut |d, t| {
                    progress.update(d, t)
                })
                .await?;
            progress.finish();
            match args.format {
                ScopeFormat::Json => output::json(&r)?,
                ScopeFormat::Md => output::print(&catalog_text::controls_markdown(&r))?,
                ScopeFormat::Table => output::print(&catalog_text::controls_table(&r))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Map(args) => {
            let r = app.map(&args.requirement, &args.to, args.max_hops).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&catalog_text::map_text(&r, args.max_hops))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Coverage(args) => {
            let source = source_of(&args.source);
            report_left_out(app, &source);
            let mut progress = progress_for(args.source.estate.as_deref());
            let r = app
                .coverage(&source, &args.categories.categories, &mut |d, t| {
                    progress.update(d, t)
                })
                .await?;
            progress.finish();
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&catalog_text::coverage_text(&r))?,
            }
            if args.fail_on_uncovered && !(r.uncovered.is_empty() && r.partial.is_empty()) {
                return Ok(Outcome::FindingsAtThreshold);
            }
            Ok(Outcome::Ok)
        }
        Command::Export(args) => export(app, &args).await,
        Command::Status(args) => status(app, &args).await,
        Command::Readiness(args) => {
            let basis = app.readiness(args.engagement.as_deref()).await?;
            let r = &basis.readiness;
            match args.format {
                SummaryFormat::Json => output::json(r)?,
                SummaryFormat::Text => {
                    output::print(&fieldproof_report::readiness::readiness_text(r))?;
                    output::print(&next_steps(r))?;
                }
            }
            Ok(if r.fails_at(args.fail_on.fail_on) {
                Outcome::FindingsAtThreshold
            } else {
                Outcome::Ok
            })
        }
        Command::Report(args) => {
            use fieldproof_app::reports::ReportFormat;
            use fieldproof_report::readiness::ReportKind;
            let kind = match args.report {
                ReportName::Readiness => ReportKind::Readiness,
                ReportName::SystemDescription => ReportKind::SystemDescription,
                ReportName::Controls => ReportKind::Controls,
                ReportName::Tests => ReportKind::Tests,
            };
            let format = match args.format {
                ReportFormatArg::Md => ReportFormat::Markdown,
                ReportFormatArg::Html => ReportFormat::Html,
                ReportFormatArg::Pdf => ReportFormat::Pdf,
                ReportFormatArg::Csv => ReportFormat::Csv,
            };
            if format == ReportFormat::Pdf && args.output.is_none() {
                return Err(anyhow!(
                    "--format pdf writes a binary file: give -o FILE.pdf"
                ));
            }
            let bytes = app
                .report(
                    kind,
                    args.engagement.as_deref(),
                    format,
                    args.compare_with.as_deref(),
                )
                .await?;
            output::emit(args.output.as_deref(), &bytes)?;
            if let Some(path) = &args.output {
                eprintln!("Wrote {} ({} bytes)", path.display(), bytes.len());
            }
            Ok(Outcome::Ok)
        }
        Command::Serve(args) => {
            let server = fieldproof_web::Server::open(fieldproof_web::ServerConfig {
                data: args.data.data.clone(),
                store: store.map(str::to_string),
                secure_cookies: args.secure_cookies,
                max_upload_bytes: args.max_upload_mb.saturating_mul(1024 * 1024),
                limits: fieldproof_web::Limits {
                    request_timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
                    ..Default::default()
                },
                trust_forwarded_for: args.trust_forwarded_for,
            })
            .await?;
            eprintln!(
                "fieldproof serving {} on http://{} (data {}{}); stop with Ctrl-C",
                env!("CARGO_PKG_VERSION"),
                args.bind,
                args.data.data.display(),
                store
                    .and_then(|url| ServerDatabase::parse(url, &args.data.data).ok())
                    .map(|db| format!(", stores in {}", db.display()))
                    .unwrap_or_default()
            );
            fieldproof_web::serve(server, &args.bind).await?;
            Ok(Outcome::Ok)
        }
        Command::Org(args) => {
            let crate::cli::OrgCommand::Add { id, name, data } = &args.command;
            let added = accounts(&data.data, store)
                .await?
                .add_organisation(id, name)
                .await?;
            output::print(&format!(
                "Added organisation {id}: {} {}.\nNext: fieldproof user add --data {} --email you@example.com --org {id} --role owner\n",
                if added.adopted {
                    "it adopts the workspace already in"
                } else {
                    "its workspace, ledger and signing key are in"
                },
                added.dir.display(),
                data.data.display()
            ))?;
            Ok(Outcome::Ok)
        }
        Command::User(args) => match &args.command {
            crate::cli::UserCommand::Add {
                email,
                org,
                role,
                engagement,
                data,
            } => {
                let role = Role::parse(role)?;
                let password = std::env::var("FIELDPROOF_PASSWORD").ok();
                let created = accounts(&data.data, store)
                    .await?
                    .add_member(email, password.as_deref(), org, role, engagement.as_deref())
                    .await?;
                output::print(&format!(
                    "{} {email}: {} in {org}{}.\n",
                    if created { "Added" } else { "Updated" },
                    role.as_str(),
                    engagement
                        .as_deref()
                        .map(|e| format!(", engagement {e}"))
                        .unwrap_or_default()
                ))?;
                Ok(Outcome::Ok)
            }
            crate::cli::UserCommand::Remove { email, org, data } => {
                let revoked = accounts(&data.data, store)
                    .await?
                    .remove_member(email, org, &fieldproof_app::clock::os_account())
                    .await?;
                output::print(&format!(
                    "Removed {email} from {org}; {revoked} API token{} revoked.\n",
                    if revoked == 1 { "" } else { "s" }
                ))?;
                Ok(Outcome::Ok)
            }
        },
        Command::Token(args) => match &args.command {
            crate::cli::TokenCommand::Create {
                email,
                org,
                role,
                name,
                expires,
                data,
            } => {
                let role = Role::parse(role)?;
                let expires = expires
                    .as_deref()
                    .map(|e| {
                        fieldproof_app::accounts::parse_expiry(e, fieldproof_app::accounts::now())
                    })
                    .transpose()?;
                let (token, reference) = accounts(&data.data, store)
                    .await?
                    .create_token(email, org, role, name, expires)
                    .await?;
                output::print(&format!(
                    "{token}\nThe token is shown once; send it as `Authorization: Bearer {token}` to /api/v1/o/{org}/...\nIts reference is {reference} (`fieldproof token revoke {reference} --org {org}` revokes it){}.\n",
                    expires
                        .map(|at| format!("; it expires at {}", fieldproof_app::accounts::stamp(at)))
                        .unwrap_or_default()
                ))?;
                Ok(Outcome::Ok)
            }
            crate::cli::TokenCommand::List { org, format, data } => {
                let list = accounts(&data.data, store).await?.tokens(org).await?;
                match format {
                    SummaryFormat::Json => output::json(&list)?,
                    SummaryFormat::Text => output::print(&results::token_list_text(&list))?,
                }
                Ok(Outcome::Ok)
            }
            crate::cli::TokenCommand::Revoke { token, org, data } => {
                let reference = accounts(&data.data, store)
                    .await?
                    .revoke_token(org, token, &fieldproof_app::clock::os_account())
                    .await?;
                output::print(&format!(
                    "Revoked token {reference} of {org}; it no longer works.\n"
                ))?;
                Ok(Outcome::Ok)
            }
        },
        Command::Diff(args) => {
            let r = app.compare(&args.from, &args.to).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => {
                    output::print(&fieldproof_report::readiness::comparison_text(&r))?
                }
            }
            Ok(Outcome::Ok)
        }
        Command::Engagement(args) => engagement(app, &args).await,
        Command::Supplier(args) => supplier(app, &args).await,
        Command::Cuec(args) => cuec(app, &args).await,
        Command::Evidence(args) => evidence(app, &args).await,
        Command::Request(args) => request(app, &args).await,
        Command::Verify(args) => {
            let r = app
                .verify(&VerifyRequest {
                    pack: args.pack.clone(),
                    key_files: args.keys.clone(),
                    fingerprints: args.fingerprints.clone(),
                    expect_head: args.expect_head.clone(),
                    limit: args.engagement.clone(),
                })
                .await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&evidence_text::verification_text(&r))?,
            }
            if r.passed() {
                Ok(Outcome::Ok)
            } else {
                Err(anyhow!(
                    "{} found in {}",
                    count(r.problems.len(), "problem", "problems"),
                    r.target
                ))
            }
        }
        Command::Key(args) => key(app, &args).await,
        #[cfg(feature = "analytics")]
        Command::Ingest(args) => crate::analytics::ingest(app, &args).await,
        #[cfg(feature = "analytics")]
        Command::Datasets(args) => crate::analytics::datasets(app, &args).await,
        #[cfg(feature = "analytics")]
        Command::Test(args) => crate::analytics::test(app, &args).await,
        #[cfg(feature = "analytics")]
        Command::Sample(args) => crate::analytics::sample(app, &args).await,
        #[cfg(feature = "analytics")]
        Command::Generate(args) => crate::analytics::generate(app, &args).await,
        #[cfg(feature = "analytics")]
        Command::Cluster(args) => crate::analytics::cluster(app, args).await,
        Command::Store(args) => {
            let crate::cli::StoreCommand::Migrate { from, to, format } = &args.command;
            let r = app.migrate_store(from, to).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::migration_text(&r))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Backup(args) => {
            let r = app.backup(&args.output).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::backup_text(&r))?,
            }
            Ok(Outcome::Ok)
        }
    }
}

fn progress_for(file: Option<&Path>) -> Progress {
    file.map_or_else(Progress::none, Progress::reading)
}

async fn assess(app: &App, args: &crate::cli::AssessArgs) -> Result<Outcome> {
    let mut progress = Progress::reading(&args.estate);
    let r = app
        .assess_path(
            &args.estate,
            &args.out,
            &args.inventory.options(),
            &mut |d, t| progress.update(d, t),
        )
        .await;
    progress.finish();
    let r = r?;
    match args.format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text => output::print(&results::assess_text(&r))?,
    }
    Ok(match &r.project {
        Some(p) if p.fails_at(args.fail_on.fail_on) => Outcome::FindingsAtThreshold,
        Some(_) => Outcome::Ok,
        None => threshold(&r.findings, args.fail_on.fail_on),
    })
}

/// The server's accounts and organisations, for the administration commands.
async fn accounts(data: &Path, store: Option<&str>) -> Result<fieldproof_app::accounts::Accounts> {
    Ok(fieldproof_app::accounts::Accounts::open(data, store).await?)
}

/// The estate source the flags name.
fn source_of(args: &crate::cli::EstateSource) -> EstateSource {
    EstateSource::with_options(args.estate.as_deref(), args.inventory.options())
}

/// Under `--unmapped report`, what an inventory left out goes to stderr, so that documents on
/// stdout stay clean and nothing is dropped unseen.
fn warn_inventories(reports: &[contract::InventoryReport]) {
    let text = results::inventory_warnings(reports);
    if !text.is_empty() {
        eprint!("{text}");
    }
}

/// For commands whose results do not carry the inventory reports: read the file once more to
/// list what `--unmapped report` leaves out.
fn report_left_out(app: &App, source: &EstateSource) {
    if let EstateSource::File(path, options) = source {
        if options.unmapped == fieldproof_app::Unmapped::Report {
            warn_inventories(
                &app.validate(path, options, &mut |_, _| {})
                    .result
                    .inventories,
            );
        }
    }
}

async fn scope(app: &App, args: &crate::cli::ScopeArgs) -> Result<Outcome> {
    let source = source_of(&args.source);
    let mut progress = progress_for(args.source.estate.as_deref());
    let scoped = app
        .scope(&source, &mut |d, t| progress.update(d, t))
        .await?;
    progress.finish();
    warn_inventories(&scoped.inventories);
    let assessment = scoped.assessment();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = match &args.explain {
        Some(id) => {
            let Some((c, d)) = assessment.get(id) else {
                bail!(
                    "no component with id '{id}' in the estate; `fieldproof scope` lists the ids"
                );
            };
            match args.format {
                ScopeFormat::Json => {
                    let reasons = assessment.reasons(c, d);
                    let mut explained = render::explanation(&assessment, c, d, &reasons);
                    if args.assets {
                        explained.asset_decisions = render::asset_decisions(&assessment, c);
                    }
                    serde_json::to_writer_pretty(&mut out, &explained)
                        .map_err(std::io::Error::from)
                        .and_then(|_| writeln!(out))
                }
                ScopeFormat::Table | ScopeFormat::Md => {
                    render::write_explanation(&assessment, c, d, &mut out).and_then(|_| {
                        if args.assets {
                            render::write_assets(&assessment, c, d, &mut out)
                        } else {
                            Ok(())
                        }
                    })
                }
            }
        }
        None => match args.format {
            ScopeFormat::Json => render::write_json(&assessment, &mut out),
            ScopeFormat::Table => render::write_table(&assessment, &mut out),
            ScopeFormat::Md => render::write_markdown(&assessment, &mut out),
        },
    };
    match result.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Outcome::Ok),
        other => other?,
    }
    if args.explain.is_some() {
        return Ok(Outcome::Ok);
    }
    Ok(threshold(&assessment.findings, args.fail_on.fail_on))
}

async fn catalog(app: &App, args: &CatalogArgs) -> Result<Outcome> {
    match &args.command {
        CatalogCommand::List { format } => {
            let r = app.catalog_list().await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&catalog_text::list_text(&r))?,
            }
        }
        CatalogCommand::Show { id, format } => {
            let r = app.catalog_show(id).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&match &r {
                    CatalogShow::Framework(f) => catalog_text::framework_text(f),
                    CatalogShow::Requirement(v) => catalog_text::requirement_text(v),
                    CatalogShow::Control(c) => catalog_text::control_text(c),
                })?,
            }
        }
        CatalogCommand::ImportOscal {
            file,
            catalog,
            id,
            aliases,
            kind,
            format,
        } => {
            let r = app
                .import_oscal(file, id.as_deref(), aliases, kind, catalog.as_deref())
                .await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::import_text(&r))?,
            }
        }
    }
    Ok(Outcome::Ok)
}

async fn status(app: &App, args: &StatusArgs) -> Result<Outcome> {
    use fieldproof_app::readiness::StatusSetRequest;
    let (r, format) = match &args.command {
        StatusCommand::List { engagement, format } => {
            let r = app.status_list(engagement.as_deref()).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::status_list_text(&r))?,
            }
            return Ok(Outcome::Ok);
        }
        StatusCommand::Set {
            control,
            status,
            owner,
            rationale,
            due,
            engagement,
            format,
        } => (
            app.status_set(&StatusSetRequest {
                engagement: engagement.clone(),
                control: control.clone(),
                status: status.clone(),
                owner: owner.clone(),
                rationale: rationale.clone(),
                due: due.clone(),
            })
            .await?,
            format,
        ),
        StatusCommand::Pin {
            item,
            phase,
            unpin,
            engagement,
            format,
        } => (
            app.status_pin(
                engagement.as_deref(),
                item,
                if *unpin { None } else { *phase },
            )
            .await?,
            format,
        ),
        StatusCommand::Apply {
            file,
            engagement,
            format,
        } => (app.status_apply(file, engagement.as_deref()).await?, format),
    };
    match format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text => output::print(&results::status_applied_text(&r))?,
    }
    Ok(Outcome::Ok)
}

async fn export_readiness(
    app: &App,
    which: fieldproof_app::readiness::ReadinessOscal,
    engagement: &Option<String>,
    output: &Option<std::path::PathBuf>,
) -> Result<Outcome> {
    let (document, to_complete) = app
        .export_readiness_oscal(which, engagement.as_deref())
        .await?;
    for item in &to_complete {
        eprintln!("to complete in the OSCAL document: {item}");
    }
    output::emit(output.as_deref(), &output::json_bytes(&document)?)?;
    Ok(Outcome::Ok)
}

async fn export(app: &App, args: &ExportArgs) -> Result<Outcome> {
    use fieldproof_app::readiness::ReadinessOscal;
    let (what, output) = match &args.command {
        ExportCommand::OscalSsp { engagement, output } => {
            return export_readiness(app, ReadinessOscal::Ssp, engagement, output).await;
        }
        ExportCommand::OscalAr { engagement, output } => {
            return export_readiness(app, ReadinessOscal::AssessmentResults, engagement, output)
                .await;
        }
        ExportCommand::OscalPoam { engagement, output } => {
            return export_readiness(app, ReadinessOscal::Poam, engagement, output).await;
        }
        ExportCommand::OscalCatalog { framework, output } => {
            (OscalExport::Catalog(framework.clone()), output)
        }
        ExportCommand::OscalMapping { output } => (OscalExport::Mapping, output),
        ExportCommand::Crosswalk { id, format, output } => match format {
            CrosswalkFormat::Oscal => (OscalExport::Crosswalk(id.clone()), output),
            CrosswalkFormat::Csv => {
                let crosswalk = app.crosswalk(id).await?;
                output::emit(
                    output.as_deref(),
                    catalog_text::crosswalk_csv(&crosswalk).as_bytes(),
                )?;
                return Ok(Outcome::Ok);
            }
            CrosswalkFormat::Json => {
                let crosswalk = app.crosswalk(id).await?;
                output::emit(output.as_deref(), &output::json_bytes(&crosswalk)?)?;
                return Ok(Outcome::Ok);
            }
        },
        ExportCommand::Pack {
            engagement,
            output,
            reports,
            format,
        } => {
            let r = app.export_pack(engagement, output, reports).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => {
                    let mut text = String::new();
                    for c in &r.cleaned {
                        text.push_str(&format!(
                            "removed {} ({} bytes), left by an interrupted export\n",
                            c.path, c.bytes
                        ));
                    }
                    text.push_str(&format!(
                        "Wrote {}: {}, ledger entries 1-{} ({} of other engagements without content), signed by key {}.\n\
                         Ledger head {} — keep it: `fieldproof verify --expect-head {}` proves later that nothing before it was cut.\n\
                         Verify offline: fieldproof verify {} --fingerprint {}\n",
                        r.path,
                        count(r.evidence, "evidence file", "evidence files"),
                        r.ledger.entries,
                        r.ledger.redacted,
                        r.key_fingerprint,
                        r.expect_head,
                        r.expect_head,
                        r.path,
                        r.key_fingerprint
                    ));
                    if !r.reports.is_empty() {
                        text.push_str(&format!("Reports in the pack: {}.\n", r.reports.join(", ")));
                    }
                    output::print(&text)?;
                }
            }
            return Ok(Outcome::Ok);
        }
    };
    let document = app.export_oscal(&what).await?;
    output::emit(output.as_deref(), &output::json_bytes(&document)?)?;
    Ok(Outcome::Ok)
}

async fn engagement(app: &App, args: &EngagementArgs) -> Result<Outcome> {
    match &args.command {
        EngagementCommand::Create {
            id,
            name,
            report,
            report_type,
            period,
            as_of,
            categories,
            format,
        } => {
            let r = app
                .engagement_create(&EngagementRequest {
                    id: id.clone(),
                    name: name.clone(),
                    report: Some(report.clone()),
                    report_type: Some(report_type.clone()),
                    period: period.clone(),
                    as_of: as_of.clone(),
                    categories: categories.clone(),
                })
                .await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::engagement_saved_text(&r))?,
            }
        }
        EngagementCommand::List { format } => {
            let r = app.engagement_list().await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::engagement_list_text(&r))?,
            }
        }
    }
    Ok(Outcome::Ok)
}

async fn request(app: &App, args: &crate::cli::RequestArgs) -> Result<Outcome> {
    use crate::cli::RequestCommand;
    use fieldproof_app::requests::{RequestWrite, Reviewer};
    use fieldproof_core::access::ReviewStatus;
    use fieldproof_report::requests::{request_detail_text, request_list_text};
    let detail = |format: &SummaryFormat, d: &fieldproof_app::contract::RequestDetail| match format
    {
        SummaryFormat::Json => output::json(d),
        SummaryFormat::Text => output::print(&request_detail_text(d)),
    };
    match &args.command {
        RequestCommand::List { engagement, format } => {
            let list = app.request_list(engagement.as_deref()).await?;
            match format {
                SummaryFormat::Json => output::json(&list)?,
                SummaryFormat::Text => output::print(&request_list_text(&list))?,
            }
        }
        RequestCommand::Show {
            control,
            request,
            engagement,
            format,
        } => detail(
            format,
            &app.request_show(engagement.as_deref(), control, request)
                .await?,
        )?,
        RequestCommand::Comment {
            control,
            request,
            text,
            engagement,
            format,
        } => {
            let write = RequestWrite {
                comment: Some(text.clone()),
                status: None,
            };
            let reviewer = Reviewer::workspace_holder(app.actor(), false);
            detail(
                format,
                &app.request_write(engagement.as_deref(), control, request, &write, reviewer)
                    .await?,
            )?
        }
        RequestCommand::Status {
            control,
            request,
            status,
            as_auditor,
            engagement,
            format,
        } => {
            let write = RequestWrite {
                comment: None,
                status: Some(ReviewStatus::parse(status)?),
            };
            let reviewer = Reviewer::workspace_holder(app.actor(), *as_auditor);
            detail(
                format,
                &app.request_write(engagement.as_deref(), control, request, &write, reviewer)
                    .await?,
            )?
        }
    }
    Ok(Outcome::Ok)
}

async fn evidence(app: &App, args: &EvidenceArgs) -> Result<Outcome> {
    match &args.command {
        EvidenceCommand::Add {
            files,
            controls,
            request,
            population,
            engagement,
            covers,
            source,
            note,
            supersedes,
            url,
            attest,
            format,
        } => {
            let content = match (url, attest, files.is_empty()) {
                (Some(u), None, true) => AddContent::Url(u.clone()),
                (None, Some(a), true) => AddContent::Attestation(a.clone()),
                (None, None, _) => AddContent::Files(files.clone()),
                _ => bail!("give either files or --url/--attest, not both"),
            };
            let r = app
                .evidence_add(&AddRequest {
                    content,
                    controls: controls.clone(),
                    request: request.clone(),
                    population: *population,
                    engagement: engagement.clone(),
                    covers: covers.clone(),
                    source: source.clone(),
                    note: note.clone(),
                    supersedes: supersedes.clone(),
                })
                .await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&evidence_text::added_text(&r.added))?,
            }
        }
        EvidenceCommand::Log { engagement, format } => {
            let r = app.evidence_log(engagement.as_deref()).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&evidence_text::ledger_text(&r.entries))?,
            }
        }
        EvidenceCommand::Show { id, format } => {
            let r = app.evidence_show(id).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&evidence_text::detail_text(&r))?,
            }
        }
        EvidenceCommand::Get { id, output } => {
            let r = app.evidence_get(id, output).await?;
            output::print(&format!(
                "{}: {} ({} bytes, sha256:{}) written to {}\n",
                r.evidence.evidence,
                r.evidence.name,
                r.evidence.size,
                r.evidence.sha256,
                output.display()
            ))?;
        }
        EvidenceCommand::Status { engagement, format } => {
            let r = app.evidence_status(engagement.as_deref()).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&evidence_text::freshness_text(&r))?,
            }
        }
        EvidenceCommand::Retire { id, reason, format } => {
            let r = app.evidence_retire(id, reason).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::retired_text(&r))?,
            }
        }
        EvidenceCommand::Key { output, format } => {
            return key_show(app, output.as_deref(), *format).await
        }
    }
    Ok(Outcome::Ok)
}

async fn key_show(app: &App, output: Option<&Path>, format: SummaryFormat) -> Result<Outcome> {
    let r = app.key_show(output).await?;
    match format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text => {
            if r.written.is_none() {
                let _ = writeln!(std::io::stderr(), "fingerprint {}", r.fingerprint);
            }
            output::print(&results::key_text(&r))?;
        }
    }
    Ok(Outcome::Ok)
}

async fn key(app: &App, args: &KeyArgs) -> Result<Outcome> {
    match &args.command {
        KeyCommand::Show { output, format } => key_show(app, output.as_deref(), *format).await,
        KeyCommand::Rotate { reason, format } => {
            let r = app.key_rotate(reason).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::key_rotated_text(&r))?,
            }
            Ok(Outcome::Ok)
        }
        KeyCommand::Protect { format } => {
            let passphrase = std::env::var("FIELDPROOF_KEY_NEW_PASSPHRASE").map_err(|_| {
                anyhow!("set the new passphrase in FIELDPROOF_KEY_NEW_PASSPHRASE (and the current one, if the key is protected, in FIELDPROOF_KEY_PASSPHRASE)")
            })?;
            let r = app.key_protect(Some(&passphrase)).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::key_protection_text(&r))?,
            }
            Ok(Outcome::Ok)
        }
        KeyCommand::Unprotect { format } => {
            let r = app.key_protect(None).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&results::key_protection_text(&r))?,
            }
            Ok(Outcome::Ok)
        }
    }
}

/// The commands that act on a readiness's findings, by the rule that raised them (the findings
/// say what to do; each front end says how).
fn next_steps(r: &fieldproof_readiness::Readiness) -> String {
    use fieldproof_readiness::ReadinessRule;
    let has = |rule: ReadinessRule| r.findings.iter().any(|f| f.rule == rule.as_str());
    let mut steps = Vec::new();
    if has(ReadinessRule::DesignNotStated) {
        steps.push("state a control's design status: `fieldproof status set CONTROL --status STATUS --owner WHO --rationale WHY` (or many at once with `fieldproof status apply FILE`)");
    }
    if r.findings.iter().any(|f| {
        f.rule == fieldproof_core::findings::FindingRuleId::RolledUpAssetsDisagree.as_str()
    }) {
        steps.push("list the assets of a rolled-up component: `fieldproof scope --explain COMPONENT --assets`");
    }
    if steps.is_empty() {
        return String::new();
    }
    let mut text = String::from("\nNext:\n");
    for step in steps {
        text.push_str(&format!("  - {step}\n"));
    }
    text
}

async fn supplier(app: &App, args: &crate::cli::SupplierArgs) -> Result<Outcome> {
    use crate::cli::SupplierCommand;
    use fieldproof_report::review as text;
    match &args.command {
        SupplierCommand::Add {
            id,
            name,
            services,
            criticality,
            components,
            review_every,
            format,
        } => {
            let r = app
                .supplier_save(&fieldproof_app::suppliers::SupplierInput {
                    id: id.clone(),
                    name: name.clone(),
                    services: services.clone(),
                    criticality: criticality.clone(),
                    components: components.clone(),
                    review_every: review_every.clone(),
                })
                .await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&text::supplier_saved_text(&r))?,
            }
        }
        SupplierCommand::List { format } => {
            let r = app.suppliers().await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&text::supplier_list_text(&r))?,
            }
        }
        SupplierCommand::Show { id, format } => {
            let r = app.supplier_show(id).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&text::supplier_detail_text(&r))?,
            }
        }
        SupplierCommand::Controls {
            id,
            baseline,
            format,
            output: file,
        } => {
            use crate::cli::ProviderFormat;
            let r = app.supplier_controls(id, baseline.as_deref()).await?;
            let bytes = match format {
                ProviderFormat::Text => text::supplier_controls_text(&r).into_bytes(),
                ProviderFormat::Csv => text::supplier_controls_csv(&r).into_bytes(),
                ProviderFormat::Json => output::json_bytes(&r)?,
                ProviderFormat::Oscal => {
                    output::json_bytes(&fieldproof_report::oscal::leveraged_ssp(&r, &app.now()))?
                }
            };
            output::emit(file.as_deref(), &bytes)?;
        }
    }
    Ok(Outcome::Ok)
}

async fn cuec(app: &App, args: &crate::cli::CuecArgs) -> Result<Outcome> {
    use crate::cli::CuecCommand;
    use fieldproof_app::suppliers::CuecInput;
    use fieldproof_report::review as text;
    let (r, format) = match &args.command {
        CuecCommand::Own { estate, format } => {
            use crate::cli::OwnCuecFormat;
            let source = EstateSource::from_option(estate.as_deref());
            let mut progress = progress_for(estate.as_deref());
            let r = app
                .own_cuecs(&source, &mut |d, t| progress.update(d, t))
                .await?;
            progress.finish();
            match format {
                OwnCuecFormat::Json => output::json(&r)?,
                OwnCuecFormat::Text => output::print(&text::own_cuecs_text(&r))?,
                OwnCuecFormat::Csv => output::print(&text::own_cuecs_csv(&r))?,
            }
            return Ok(Outcome::Ok);
        }
        CuecCommand::List { supplier, format } => {
            let r = app.cuecs(supplier.as_deref()).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&text::cuec_list_text(&r))?,
            }
            return Ok(Outcome::Ok);
        }
        CuecCommand::Map {
            supplier,
            cuec,
            controls,
            evidence,
            review,
            format,
        } => (
            app.cuec_answer(&CuecInput {
                supplier: supplier.clone(),
                review: review.clone(),
                cuec: cuec.clone(),
                controls: controls.clone(),
                status: None,
                evidence: evidence.clone(),
                ..CuecInput::default()
            })
            .await?,
            format,
        ),
        CuecCommand::Status {
            supplier,
            cuec,
            status,
            reason,
            owner,
            due,
            review,
            format,
        } => (
            app.cuec_answer(&CuecInput {
                supplier: supplier.clone(),
                review: review.clone(),
                cuec: cuec.clone(),
                status: Some(status.clone()),
                reason: reason.clone(),
                owner: owner.clone(),
                due: due.clone(),
                ..CuecInput::default()
            })
            .await?,
            format,
        ),
    };
    match format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text => output::print(&text::cuec_answered_text(&r))?,
    }
    Ok(Outcome::Ok)
}
