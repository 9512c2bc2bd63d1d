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
use fieldproof_app::{count, App, Config};
use fieldproof_catalog::views::CatalogShow;
use fieldproof_core::access::Role;
use fieldproof_core::engagement::EngagementRequest;
use fieldproof_core::findings::reaches;
use fieldproof_core::{Severity, TscCategory};
use fieldproof_report::catalog as catalog_text;
use fieldproof_report::evidence as evidence_text;
use fieldproof_report::scope as render;
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
        clock,
        passphrase: std::env::var("FIELDPROOF_KEY_PASSPHRASE").ok(),
        open_store: None,
    }))
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
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
                SummaryFormat::Text => output::print(&format!(
                    "Created a fieldproof workspace at {}{}\nEvidence ledger started (entry {}); signing key {} ({}), public key fingerprint {}\nGive that fingerprint to your auditor out of band: they pin it with `fieldproof verify PACK --fingerprint {}`.\nNext: fieldproof apply ESTATE.yaml (run from {} or pass --workspace)\n",
                    r.workspace,
                    if r.store.starts_with("sqlite:") {
                        String::new()
                    } else {
                        format!(" (store {})", r.store)
                    },
                    r.genesis_entry,
                    r.secret_key,
                    if r.key_protected { "owner-only, encrypted under $FIELDPROOF_KEY_PASSPHRASE" } else { "owner-only" },
                    r.key_fingerprint,
                    r.key_fingerprint,
                    args.dir.display()
                ))?,
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
                    inventory_text(&r.inventories),
                    preview_text(&r, &args.estate)
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
                    inventory_text(&r.inventories),
                    apply_text(&r, &args.estate)
                ))?,
            }
            Ok(Outcome::Ok)
        }
        Command::Log(args) => {
            let r = app.log(args.limit).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&log_text(&r))?,
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
                        output::print(&format!(
                            "{}{}: valid — {}{} ({} in scope, {} shared, {} out of scope), {}, {}, {}\n",
                            inventory_text(&r.inventories),
                            r.file,
                            count(r.components, "component", "components"),
                            if r.assets > 0 {
                                format!(" of {}", count(r.assets, "asset", "assets"))
                            } else {
                                String::new()
                            },
                            r.in_scope,
                            r.shared,
                            r.out_of_scope,
                            count(r.subservice_organisations, "subservice organisation", "subservice organisations"),
                            count(r.responsibilities, "responsibility statement", "responsibility statements"),
                            count(r.findings, "scope finding", "scope findings"),
                        ))?;
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
                    output::print(&fieldproof_report::readiness::readiness_text(r))?
                }
            }
            Ok(if r.fails_at(args.fail_on.fail_on) {
                Outcome::FindingsAtThreshold
            } else {
                Outcome::Ok
            })
        }
        Command::Report(args) => {
            use fieldproof_app::readiness::ReportFormat;
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
            // The server logs to stderr: internal errors with the reference a client was shown.
            let _ = tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("FIELDPROOF_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
                )
                .try_init();
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
                    SummaryFormat::Text => output::print(&token_list_text(&list))?,
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
        Command::Store(args) => {
            let crate::cli::StoreCommand::Migrate { from, to, format } = &args.command;
            let r = app.migrate_store(from, to).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => {
                    let c = &r.copied;
                    output::print(&format!(
                        "Copied the workspace from {} to {}: {}, {}, {}, {}, {}, {}.
The ledger verified before ({} entries) and after the copy ({} entries){}.
From now on use the copy: {}. The old store is left as it was; once the copy grows it no longer matches the workspace's signed checkpoint, so keep it only as an archive.
",
                        r.from,
                        r.to,
                        count(c.components, "component", "components"),
                        count(c.change_sets, "change set", "change sets"),
                        count(c.engagements, "engagement", "engagements"),
                        count(
                            c.control_statuses,
                            "control status or pin",
                            "control statuses and pins"
                        ),
                        count(c.catalogs, "imported catalog", "imported catalogs"),
                        count(c.ledger_entries, "ledger entry", "ledger entries"),
                        r.verified_before,
                        r.verified_after,
                        r.head
                            .as_ref()
                            .map(|h| format!("; head {}:{}", h.seq, h.hash))
                            .unwrap_or_default(),
                        r.use_with
                    ))?
                }
            }
            Ok(Outcome::Ok)
        }
        Command::Backup(args) => {
            let r = app.backup(&args.output).await?;
            match args.format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&format!(
                    "Wrote {} ({} bytes){}: one consistent copy of the workspace database.\nVerify it: {}\n",
                    r.path,
                    r.bytes,
                    r.head
                        .as_ref()
                        .map(|h| format!(", ledger head {}:{}", h.seq, h.hash))
                        .unwrap_or_default(),
                    r.verify_with
                ))?,
            }
            Ok(Outcome::Ok)
        }
    }
}

fn progress_for(file: Option<&Path>) -> Progress {
    file.map_or_else(Progress::none, Progress::reading)
}

fn category_titles(names: &[&str]) -> String {
    names
        .iter()
        .filter_map(|n| TscCategory::parse(n))
        .map(|c| c.title())
        .collect::<Vec<_>>()
        .join(", ")
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
        SummaryFormat::Text => {
            let s = &r.summary;
            let mut text = format!(
                "Assessed {}: {} — {} in scope, {} shared, {} out of scope.\nTrust Services Categories implicated: {}.\n",
                r.estate,
                count(s.components, "component", "components"),
                s.in_scope,
                s.shared,
                s.out_of_scope,
                category_titles(&s.tsc_categories)
            );
            if r.findings.is_empty() {
                text.push_str("No scope findings.\n");
            } else {
                text.push_str(&format!(
                    "{}:\n",
                    count(r.findings.len(), "scope finding", "scope findings")
                ));
                for f in &r.findings {
                    let subject = f
                        .component
                        .clone()
                        .or(f.subservice.clone())
                        .unwrap_or_default();
                    text.push_str(&format!(
                        "  [{}] {} {}: {}\n",
                        f.severity, f.rule, subject, f.message
                    ));
                }
            }
            if let Some(p) = &r.project {
                text.push_str(&project_text(p));
            }
            text.push_str("Wrote:\n");
            for path in &r.written {
                text.push_str(&format!("  {path}\n"));
            }
            if let Some(p) = &r.project {
                text.push_str(&format!(
                    "Next: open {}; the workspace answers every command with `fieldproof --workspace {} ...` (readiness, test, evidence status, export pack).\n",
                    r.written
                        .iter()
                        .find(|w| w.ends_with("readiness.html"))
                        .map(String::as_str)
                        .unwrap_or("readiness.html"),
                    p.workspace
                ));
            }
            output::print(&text)?;
        }
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

/// `token list` as a table.
fn token_list_text(list: &fieldproof_app::contract::TokenList) -> String {
    if list.tokens.is_empty() {
        return format!(
            "No API token in {}; `fieldproof token create` makes one.\n",
            list.organisation
        );
    }
    let mut out = format!("API tokens of {}:\n", list.organisation);
    for t in &list.tokens {
        out.push_str(&format!(
            "{}  {:<28} {:<16} {:<11} {:<20} created {}{}{}\n",
            t.token,
            t.email,
            t.name,
            t.effective_role
                .as_deref()
                .map_or_else(|| format!("({})", t.role), str::to_string),
            t.state,
            &t.created_at,
            t.expires_at
                .as_deref()
                .map(|e| format!(", expires {e}"))
                .unwrap_or_default(),
            t.last_used_at.as_deref().map_or_else(
                || ", never used".to_string(),
                |u| format!(", last used {u}")
            )
        ));
    }
    out
}

/// The engagement part of `assess` on a project.
fn project_text(p: &fieldproof_app::contract::ProjectRun) -> String {
    let s = &p.readiness;
    let mut text = format!(
        "\nRecorded in the workspace {} ({}): estate {}, {}, {} ({} already current).\n",
        p.workspace,
        if p.created { "created" } else { "existing" },
        match p.estate_change_set {
            Some(id) => format!("change set {id}"),
            None => "unchanged".to_string(),
        },
        count(
            p.status_changes,
            "design status change",
            "design status changes"
        ),
        count(
            p.evidence_added,
            "evidence file added",
            "evidence files added"
        ),
        p.evidence_unchanged
    );
    if !p.datasets.is_empty() {
        text.push_str("Event evidence ingested:\n");
        for d in &p.datasets {
            text.push_str(&format!(
                "  {:<24} {:>8} rows{}{}\n",
                d.dataset,
                d.rows,
                if d.rejected > 0 {
                    format!(", {} rejected", d.rejected)
                } else {
                    String::new()
                },
                if d.unchanged_files > 0 {
                    format!(
                        " ({} already ingested)",
                        count(d.unchanged_files, "file", "files")
                    )
                } else {
                    String::new()
                }
            ));
        }
    }
    text.push_str(&format!(
        "Engagement {}: {} applicable controls, {}% implemented and effective.\n",
        p.engagement, s.controls, s.ready_percent
    ));
    if p.tests_ran {
        text.push_str(&format!(
            "Full-population tests: {} with a result, {} with exceptions ({} exception rows).\n",
            s.tests_run, s.tests_failed, s.exception_rows
        ));
    } else {
        text.push_str("Full-population tests: not run (this build has no test engine).\n");
    }
    text.push_str(&format!(
        "{}: {}.\n",
        count(p.findings.len(), "readiness finding", "readiness findings"),
        s.findings
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for f in p.findings.iter().take(5) {
        text.push_str(&format!("  {:<8} {}\n", f.severity.as_str(), f.message));
    }
    if p.findings.len() > 5 {
        text.push_str(&format!(
            "  ... and {} more in the readiness report\n",
            p.findings.len() - 5
        ));
    }
    text.push_str("Roadmap:\n");
    for phase in &p.roadmap {
        text.push_str(&format!(
            "  {} (ends {}): {}, {} person-days\n",
            phase.title,
            phase.ends,
            count(phase.items, "item", "items"),
            phase.effort_days
        ));
    }
    for item in &p.oscal_to_complete {
        text.push_str(&format!("To complete in the OSCAL documents: {item}.\n"));
    }
    text
}

/// The estate source the flags name.
fn source_of(args: &crate::cli::EstateSource) -> EstateSource {
    EstateSource::with_options(args.estate.as_deref(), args.inventory.options())
}

/// Under `--unmapped report`, what an inventory left out goes to stderr, so that documents on
/// stdout stay clean and nothing is dropped unseen.
fn warn_inventories(reports: &[contract::InventoryReport]) {
    let text = inventory_warnings(reports);
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

/// The lines about values left unmapped or caught by a catch-all (empty when there are none).
fn inventory_warnings(reports: &[contract::InventoryReport]) -> String {
    let mut text = String::new();
    let lines = |v: &contract::UnmappedValue| {
        let shown: Vec<String> = v.lines.iter().map(u32::to_string).collect();
        format!(
            "{}{}",
            shown.join(", "),
            if v.count > v.lines.len() { ", ..." } else { "" }
        )
    };
    for r in reports {
        if r.rows_left_out > 0 {
            text.push_str(&format!(
                "warning: {}: {} left out, values not mapped:\n",
                r.file,
                count(r.rows_left_out, "row", "rows")
            ));
            for v in &r.unmapped {
                let value = if v.value.is_empty() {
                    "(empty)".to_string()
                } else {
                    format!("'{}'", v.value)
                };
                text.push_str(&format!(
                    "  {} {value} (column {}): {} (lines {})\n",
                    v.field,
                    v.column,
                    count(v.count, "row", "rows"),
                    lines(v)
                ));
            }
        }
        if !r.caught_by_otherwise.is_empty() {
            text.push_str(&format!(
                "note: {}: values mapped only by `otherwise`:\n",
                r.file
            ));
            for v in &r.caught_by_otherwise {
                text.push_str(&format!(
                    "  {} '{}' (column {}) -> {}: {} (lines {})\n",
                    v.field,
                    v.value,
                    v.column,
                    v.became.as_deref().unwrap_or("-"),
                    count(v.count, "row", "rows"),
                    lines(v)
                ));
            }
        }
    }
    text
}

/// One line per inventory read through a mapping or rolled up, then the warnings.
fn inventory_text(reports: &[contract::InventoryReport]) -> String {
    let mut text = String::new();
    for r in reports {
        if r.mapping.is_none() && r.components == r.assets {
            continue; // a plain inventory in fieldproof's columns: nothing to add
        }
        text.push_str(&format!(
            "{}: {} read -> {} in {}{}\n",
            r.file,
            count(r.rows, "row", "rows"),
            count(r.assets, "asset", "assets"),
            count(r.components, "component", "components"),
            r.mapping
                .as_deref()
                .map(|m| format!(" (mapping {m})"))
                .unwrap_or_default()
        ));
    }
    text.push_str(&inventory_warnings(reports));
    text
}

fn apply_text(r: &contract::ApplyResult, file: &Path) -> String {
    if r.changes.is_empty() {
        return format!(
            "No changes: the workspace already matches {}.\n",
            file.display()
        );
    }
    let mut text = change_lines(&r.changes);
    for c in &r.scope_changes {
        text.push_str(&format!(
            "scope of {}: {} -> {}\n",
            c.component,
            c.before.map_or("absent", |s| s.as_str()),
            c.after.map_or("absent", |s| s.as_str())
        ));
    }
    let assets = if r.assets_added + r.assets_removed + r.assets_changed > 0 {
        format!(
            "; assets: {} added, {} removed, {} moved or renamed",
            r.assets_added, r.assets_removed, r.assets_changed
        )
    } else {
        String::new()
    };
    text.push_str(&format!(
        "Applied {}: {} added, {} changed, {} removed{assets} (change set #{}, by {} at {}).\n",
        file.display(),
        r.added,
        r.changed,
        r.removed,
        r.change_set.unwrap_or_default(),
        r.actor,
        r.at
    ));
    text
}

/// `+ component id`, `~ component id (fields)`, `- component id`: one line per change.
fn change_lines(changes: &[contract::ChangeLine]) -> String {
    const ASSET_LINES: usize = 50;
    let mut text = String::new();
    let mut assets = 0;
    for c in changes {
        if c.entity == "scope_decision" {
            continue; // told as `scope of ID: before -> after`
        }
        if c.entity == "asset" {
            assets += 1;
            if assets > ASSET_LINES {
                continue;
            }
        }
        let mark = match c.action {
            "added" => '+',
            "removed" => '-',
            _ => '~',
        };
        let fields = if c.fields.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.fields.join(", "))
        };
        text.push_str(&format!("{mark} {} {}{fields}\n", c.entity, c.key));
    }
    if assets > ASSET_LINES {
        text.push_str(&format!(
            "... and {} more asset changes (--format json lists them all)\n",
            assets - ASSET_LINES
        ));
    }
    text
}

fn preview_text(r: &contract::ApplyPreview, file: &Path) -> String {
    if r.changes.is_empty() {
        return format!(
            "No changes: the workspace already matches {}.\n",
            file.display()
        );
    }
    let mut text = change_lines(&r.changes);
    let name = |s: Option<fieldproof_core::Scope>| s.map_or("absent", |s| s.as_str());
    for c in &r.scope_changes {
        text.push_str(&format!(
            "scope of {}: {} -> {}\n",
            c.component,
            name(c.before),
            name(c.after)
        ));
    }
    text.push_str(&format!(
        "Dry run of {}: {} changes, {} scope decisions change, scope findings {} -> {}. Nothing was stored.\n",
        file.display(),
        r.changes.len(),
        r.scope_changes.len(),
        r.findings_before,
        r.findings_after
    ));
    text
}

fn log_text(r: &contract::ChangeLogResult) -> String {
    if r.change_sets.is_empty() {
        return "The change log is empty: nothing has been applied yet.\n".to_string();
    }
    let mut text = String::new();
    for set in &r.change_sets {
        text.push_str(&format!(
            "#{} {} by {}: {} {}{}\n",
            set.id,
            set.meta.at,
            set.meta.actor,
            set.meta.command,
            set.meta.source.as_deref().unwrap_or("-"),
            set.meta
                .source_sha256
                .as_deref()
                .map(|h| format!(" (sha256 {h})"))
                .unwrap_or_default()
        ));
        for c in &set.changes {
            let fields = if c.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.fields.join(", "))
            };
            text.push_str(&format!(
                "    {} {} {}{fields}\n",
                c.action, c.entity, c.key
            ));
        }
    }
    text
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
            id,
            aliases,
            kind,
            format,
        } => {
            let r = app.import_oscal(file, id.as_deref(), aliases, kind).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&match r.change_set {
                    Some(set) => format!(
                        "Imported {} as '{}': {} ({} withdrawn), sha256 {} (change set #{set}).\n",
                        r.name,
                        r.id,
                        count(r.requirements, "requirement", "requirements"),
                        r.withdrawn,
                        r.sha256
                    ),
                    None => format!(
                        "No changes: '{}' is already this document (sha256 {}).\n",
                        r.id, r.sha256
                    ),
                })?,
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
                SummaryFormat::Text => {
                    let mut text = format!(
                        "Engagement {}: {}, {}\n",
                        r.engagement,
                        count(r.statuses.len(), "control status", "control statuses"),
                        count(r.pins.len(), "roadmap pin", "roadmap pins")
                    );
                    for s in &r.statuses {
                        text.push_str(&format!(
                            "  {:<10} {:<22} {}: {}{}\n",
                            s.control,
                            s.status.as_str(),
                            s.owner,
                            s.rationale,
                            s.due.map(|d| format!(" (due {d})")).unwrap_or_default()
                        ));
                    }
                    for p in &r.pins {
                        text.push_str(&format!("  pin {} to phase {}\n", p.item, p.phase));
                    }
                    output::print(&text)?;
                }
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
        SummaryFormat::Text => {
            let mut text = String::new();
            for c in &r.changes {
                text.push_str(&format!(
                    "{} {} {}{}\n",
                    c.action.mark(),
                    c.entity.as_str().replace('_', " "),
                    c.key,
                    if c.fields.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", c.fields.join(", "))
                    }
                ));
            }
            text.push_str(&match r.change_set {
                Some(set) => format!(
                    "Engagement {}: {} recorded as change set {set}.\n",
                    r.engagement,
                    count(r.changes.len(), "change", "changes")
                ),
                None => format!(
                    "Engagement {}: already current, nothing changed.\n",
                    r.engagement
                ),
            });
            output::print(&text)?;
        }
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
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    output::emit(output.as_deref(), text.as_bytes())?;
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
                let mut text = serde_json::to_string_pretty(&crosswalk)?;
                text.push('\n');
                output::emit(output.as_deref(), text.as_bytes())?;
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
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    output::emit(output.as_deref(), text.as_bytes())?;
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
                SummaryFormat::Text => {
                    let e = &r.engagement;
                    output::print(&format!(
                        "Engagement {} ({} {}, {}, {}) {}.\n",
                        e.id,
                        e.report,
                        e.report_type,
                        e.period,
                        e.categories
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        if r.change_set.is_some() {
                            "saved"
                        } else {
                            "unchanged"
                        }
                    ))?
                }
            }
        }
        EngagementCommand::List { format } => {
            let r = app.engagement_list().await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => {
                    let mut text = String::new();
                    if r.engagements.is_empty() {
                        text.push_str(
                            "No engagements; create one with `fieldproof engagement create`.\n",
                        );
                    }
                    for e in &r.engagements {
                        let cats: Vec<&str> = e.categories.iter().map(|c| c.as_str()).collect();
                        text.push_str(&format!(
                            "{:<16} {} {} {}  [{}]  {}\n",
                            e.id,
                            e.report,
                            e.report_type,
                            e.period,
                            cats.join(","),
                            e.name
                        ));
                    }
                    output::print(&text)?;
                }
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
                SummaryFormat::Text => output::print(&format!(
                    "Retired {} (ledger entry {}).\n",
                    r.evidence, r.entry
                ))?,
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
            let mut text = match &r.written {
                Some(path) => format!("Wrote {path} (fingerprint {})\n", r.fingerprint),
                None => format!("{}\n", r.public_key),
            };
            if r.written.is_none() {
                let _ = writeln!(std::io::stderr(), "fingerprint {}", r.fingerprint);
            }
            if r.keys.len() > 1 {
                for k in &r.keys {
                    text.push_str(&format!(
                        "  key {} signs from ledger entry {}\n",
                        k.fingerprint, k.from_entry
                    ));
                }
            }
            output::print(&text)?;
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
                SummaryFormat::Text => output::print(&format!(
                    "Rotated the ledger key at entry {}: {} -> {}. Give the new fingerprint to your auditors; packs verify across the rotation.\n",
                    r.entry, r.previous_fingerprint, r.fingerprint
                ))?,
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
                SummaryFormat::Text => output::print(&format!(
                    "The ledger key {} is now encrypted under the new passphrase (Argon2id, ChaCha20-Poly1305); set FIELDPROOF_KEY_PASSPHRASE to use it.\n",
                    r.fingerprint
                ))?,
            }
            Ok(Outcome::Ok)
        }
        KeyCommand::Unprotect { format } => {
            let r = app.key_protect(None).await?;
            match format {
                SummaryFormat::Json => output::json(&r)?,
                SummaryFormat::Text => output::print(&format!(
                    "The ledger key {} is stored unencrypted again (owner-only file).\n",
                    r.fingerprint
                ))?,
            }
            Ok(Outcome::Ok)
        }
    }
}
