//! `engagement`, `evidence`, `verify` and `export pack`: the tamper-evident evidence store.

use crate::cli::{
    EngagementArgs, EngagementCommand, EvidenceArgs, EvidenceCommand, SummaryFormat, VerifyArgs,
};
use crate::context::{self, Context};
use crate::output::emit;
use crate::Outcome;
use anyhow::{anyhow, bail, Result};
use fieldproof_catalog::applicability::applicable;
use fieldproof_catalog::model::Frequency;
use fieldproof_core::engagement::{Engagement, Period, Report, ReportType};
use fieldproof_core::{assess, responsibility, TscCategory};
use fieldproof_evidence::freshness::{self, Expectation, State, Window};
use fieldproof_evidence::ledger::{self, Body, EvidenceKind};
use fieldproof_evidence::{keys, pack, Metadata, Verification};
use fieldproof_report::{boundary, matrix};
use fieldproof_store::{ChangeMeta, Store};
use serde_json::json;
use std::path::Path;

fn print_json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn engagement(context: &Context, args: &EngagementArgs) -> Result<Outcome> {
    match &args.command {
        EngagementCommand::Create {
            id,
            name,
            report,
            report_type,
            period,
            as_of,
            categories,
        } => {
            let report = Report::parse(report)
                .ok_or_else(|| anyhow!("--report: expected one of: {}", Report::expected()))?;
            let report_type = ReportType::parse(report_type)
                .ok_or_else(|| anyhow!("--type: expected one of: {}", ReportType::expected()))?;
            let period = match (report_type, period, as_of) {
                (ReportType::TypeII, Some(p), None) => {
                    Period::parse(p).map_err(|e| anyhow!("--period: {e}"))?
                }
                (ReportType::TypeII, _, _) => bail!("a Type II engagement needs --period FROM..TO"),
                (ReportType::TypeI, None, Some(d)) => {
                    Period::parse(d).map_err(|e| anyhow!("--as-of: {e}"))?
                }
                (ReportType::TypeI, _, _) => bail!("a Type I engagement needs --as-of YYYY-MM-DD"),
            };
            if report_type == ReportType::TypeI && period.from != period.to {
                bail!("--as-of is one date, not a period");
            }
            let categories = if categories.is_empty() {
                vec![TscCategory::Security]
            } else {
                categories
                    .iter()
                    .map(|c| {
                        TscCategory::parse(c.trim()).ok_or_else(|| {
                            anyhow!("--categories: '{c}'; expected: {}", TscCategory::expected())
                        })
                    })
                    .collect::<Result<Vec<_>>>()?
            };
            if !fieldproof_core::component::is_valid_id(id) {
                bail!("--id '{id}': use letters, digits and - _ .");
            }
            let engagement = Engagement {
                id: id.clone(),
                name: name.clone().unwrap_or_else(|| id.clone()),
                report,
                report_type,
                period,
                categories,
            };
            let meta = ChangeMeta {
                at: context.now.clone(),
                actor: context.actor.clone(),
                command: "engagement create".into(),
                source: None,
                source_sha256: None,
            };
            context::runtime()?.block_on(async {
                let store = context.open_store().await?;
                store.save_engagement(&engagement, &meta).await?;
                store.close().await;
                anyhow::Ok(())
            })?;
            println!(
                "Engagement {} ({} {}, {}) saved.",
                engagement.id, engagement.report, engagement.report_type, engagement.period
            );
        }
        EngagementCommand::List { format } => {
            let list = with_store(context, |store| {
                Box::pin(async move { Ok(store.engagements().await?) })
            })?;
            match format {
                SummaryFormat::Json => print_json(&serde_json::to_value(&list)?)?,
                SummaryFormat::Text => {
                    if list.is_empty() {
                        println!("No engagements; create one with `fieldproof engagement create`.");
                    }
                    for e in &list {
                        let cats: Vec<&str> = e.categories.iter().map(|c| c.as_str()).collect();
                        println!(
                            "{:<16} {} {} {}  [{}]  {}",
                            e.id,
                            e.report,
                            e.report_type,
                            e.period,
                            cats.join(","),
                            e.name
                        );
                    }
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

type StoreFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + 'a>>;

/// Runs `f` with the workspace store open, then closes it.
fn with_store<T>(
    context: &Context,
    f: impl for<'a> FnOnce(&'a fieldproof_store_sqlite::SqliteStore) -> StoreFuture<'a, T>,
) -> Result<T> {
    context::runtime()?.block_on(async {
        let store = context.open_store().await?;
        let result = f(&store).await;
        store.close().await;
        result
    })
}

pub fn evidence(context: &Context, args: &EvidenceArgs) -> Result<Outcome> {
    let (_, paths) = context.evidence_paths()?;
    match &args.command {
        EvidenceCommand::Add {
            files,
            controls,
            engagement,
            covers,
            source,
            note,
            supersedes,
            url,
            attest,
            format,
        } => {
            let catalog = context.catalog()?;
            let mut resolved = Vec::new();
            for c in controls {
                let control = catalog.control(c).ok_or_else(|| anyhow!("--control {c}: not a control of the library; `fieldproof controls --all` lists them"))?;
                resolved.push(control.id.clone());
            }
            let covers = covers
                .as_deref()
                .map(Period::parse)
                .transpose()
                .map_err(|e| anyhow!("--covers: {e}"))?;
            let meta = Metadata {
                controls: resolved,
                engagement: engagement.clone(),
                covers,
                source: source.clone(),
                note: note.clone(),
                supersedes: supersedes.clone(),
                at: context.now.clone(),
                by: context.actor.clone(),
            };
            let text = match (url, attest) {
                (Some(u), None) => Some((EvidenceKind::Url, u.clone())),
                (None, Some(a)) => Some((EvidenceKind::Attestation, a.clone())),
                _ => None,
            };
            if text.is_none() && files.is_empty() {
                bail!("give files to add, or --url URL, or --attest TEXT");
            }
            if text.is_some() && !files.is_empty() {
                bail!("give either files or --url/--attest, not both");
            }
            let paths2 = paths.clone();
            let files2 = files.clone();
            let outcomes = with_store(context, move |store| {
                Box::pin(async move {
                    if let Some(id) = &meta.engagement {
                        if !store.engagements().await?.iter().any(|e| &e.id == id) {
                            bail!("--engagement {id}: no such engagement; create it with `fieldproof engagement create`");
                        }
                    }
                    Ok(match text {
                        Some((kind, t)) => vec![
                            fieldproof_evidence::add_text(store, &paths2, kind, &t, &meta).await?,
                        ],
                        None => {
                            fieldproof_evidence::add_files(store, &paths2, &files2, &meta).await?
                        }
                    })
                })
            })?;
            match format {
                SummaryFormat::Json => print_json(&serde_json::to_value(&outcomes)?)?,
                SummaryFormat::Text => {
                    for o in &outcomes {
                        if o.duplicate {
                            println!("= {} already recorded as {} (same content and metadata); nothing added", o.name, o.evidence);
                        } else {
                            println!(
                                "+ {} {} sha256:{} {} bytes{}",
                                o.evidence,
                                o.name,
                                o.sha256,
                                o.size,
                                if o.blob_reused {
                                    " (content already stored; recorded again)"
                                } else {
                                    ""
                                }
                            );
                        }
                    }
                }
            }
        }
        EvidenceCommand::Log { format } => {
            let entries = with_store(context, |store| {
                Box::pin(async move { Ok(store.ledger().await?) })
            })?;
            match format {
                SummaryFormat::Json => print_json(&serde_json::to_value(&entries)?)?,
                SummaryFormat::Text => {
                    for e in &entries {
                        let line = match serde_json::from_value::<Body>(e.body.clone()) {
                            Ok(Body::Genesis { public_key, at, by }) => format!(
                                "genesis by {by} at {at}, key {}",
                                &public_key[..16.min(public_key.len())]
                            ),
                            Ok(Body::Add(a)) => format!(
                                "add {} {:?} {} sha256:{} controls {}{}{}",
                                a.evidence,
                                a.kind,
                                a.name,
                                &a.sha256[..12.min(a.sha256.len())],
                                a.controls.join(","),
                                a.engagement
                                    .map(|x| format!(" engagement {x}"))
                                    .unwrap_or_default(),
                                a.supersedes
                                    .map(|x| format!(" supersedes {x}"))
                                    .unwrap_or_default()
                            ),
                            Ok(Body::Retire {
                                evidence,
                                reason,
                                by,
                                ..
                            }) => format!("retire {evidence} by {by}: {reason}"),
                            Err(_) => "unreadable entry (run `fieldproof verify`)".to_string(),
                        };
                        println!("#{:<5} {}  {line}", e.seq, &e.hash[..12.min(e.hash.len())]);
                    }
                }
            }
        }
        EvidenceCommand::Show { id, format } => {
            let entries = with_store(context, |store| {
                Box::pin(async move { Ok(store.ledger().await?) })
            })?;
            let (seq, added, status) = ledger::evidence(&entries)
                .into_iter()
                .find(|(_, a, _)| a.evidence.eq_ignore_ascii_case(id))
                .ok_or_else(|| anyhow!("no evidence {id}; `fieldproof evidence log` lists them"))?;
            let entry = entries.iter().find(|e| e.seq == seq).cloned();
            match format {
                SummaryFormat::Json => {
                    print_json(&json!({ "evidence": added, "status": status, "entry": entry }))?
                }
                SummaryFormat::Text => {
                    println!("{} {:?} {}", added.evidence, added.kind, added.name);
                    println!("  sha256 {}  {} bytes", added.sha256, added.size);
                    println!("  controls {}", added.controls.join(", "));
                    if let Some(e) = &added.engagement {
                        println!("  engagement {e}");
                    }
                    if let Some(c) = added.covers {
                        println!("  covers {c}");
                    }
                    println!(
                        "  collected {} by {}",
                        added.collected_at, added.collected_by
                    );
                    if let Some(s) = &added.source {
                        println!("  source {s}");
                    }
                    if let Some(n) = &added.note {
                        println!("  note {n}");
                    }
                    println!(
                        "  status {}",
                        serde_json::to_value(&status)?["status"]
                            .as_str()
                            .unwrap_or_default()
                    );
                    if let Some(e) = entry {
                        println!(
                            "  ledger entry {} hash {} signature {}…",
                            e.seq,
                            e.hash,
                            &e.signature[..16.min(e.signature.len())]
                        );
                    }
                    println!(
                        "  stored at {}",
                        fieldproof_evidence::blobs::BlobStore::new(&paths.blobs)
                            .path(&added.sha256)
                            .display()
                    );
                }
            }
        }
        EvidenceCommand::Status { engagement, format } => {
            return status(context, engagement.as_deref(), *format)
        }
        EvidenceCommand::Retire { id, reason } => {
            let (paths2, id2, reason2) = (paths.clone(), id.clone(), reason.clone());
            let (at, by) = (context.now.clone(), context.actor.clone());
            let entry = with_store(context, move |store| {
                Box::pin(async move {
                    Ok(
                        fieldproof_evidence::retire(store, &paths2, &id2, &reason2, &at, &by)
                            .await?,
                    )
                })
            })?;
            println!("Retired {id} (ledger entry {}).", entry.seq);
        }
        EvidenceCommand::Key { output } => {
            let key = keys::read_public(&paths.keys)?;
            let text = format!("{}\n", keys::public_hex(&key));
            match output {
                Some(path) => {
                    emit(Some(path), text.as_bytes())?;
                    println!(
                        "Wrote {} (fingerprint {})",
                        path.display(),
                        keys::fingerprint(&key)
                    );
                }
                None => {
                    print!("{text}");
                    eprintln!("fingerprint {}", keys::fingerprint(&key));
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

/// The windows that each need evidence, per cadence.
fn window_of(frequency: Frequency) -> Window {
    match frequency {
        Frequency::Daily => Window::Days(1),
        Frequency::Weekly => Window::Days(7),
        Frequency::Monthly => Window::Months(1),
        Frequency::Quarterly => Window::Months(3),
        Frequency::SemiAnnual => Window::Months(6),
        Frequency::Annual => Window::Months(12),
        Frequency::Continuous | Frequency::PerEvent => Window::Once,
    }
}

fn status(context: &Context, engagement: Option<&str>, format: SummaryFormat) -> Result<Outcome> {
    let catalog = context.catalog()?;
    let (engagements, entries, estate) = with_store(context, |store| {
        Box::pin(async move {
            Ok((
                store.engagements().await?,
                store.ledger().await?,
                store.load_estate().await?,
            ))
        })
    })?;
    let engagement = match engagement {
        Some(id) => engagements
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| anyhow!("no engagement '{id}'"))?,
        None => match engagements.as_slice() {
            [only] => only,
            [] => bail!("no engagement yet; create one with `fieldproof engagement create`"),
            _ => bail!("several engagements; choose one with --engagement"),
        },
    };
    if estate.components.is_empty() {
        bail!("the workspace has no estate; `fieldproof apply ESTATE` first, so that the applicable controls are known");
    }
    let assessment = assess(&estate);
    let controls = applicable(&catalog, &assessment, &engagement.categories);
    let expectations: Vec<Expectation> = controls
        .iter()
        .flat_map(|a| {
            a.control.evidence.iter().map(|e| Expectation {
                control: a.control.id.clone(),
                request: e.id.clone(),
                artifact: e.artifact.clone(),
                window: if engagement.report_type == ReportType::TypeI {
                    Window::Once
                } else {
                    window_of(e.cadence)
                },
            })
        })
        .collect();
    let rows = freshness::status(
        &expectations,
        &ledger::evidence(&entries),
        engagement.period,
        Some(&engagement.id),
    );
    let count = |s: State| rows.iter().filter(|r| r.state == s).count();
    match format {
        SummaryFormat::Json => print_json(&json!({ "engagement": engagement, "rows": rows }))?,
        SummaryFormat::Text => {
            println!(
                "Engagement {} ({} {}, {})",
                engagement.id, engagement.report, engagement.report_type, engagement.period
            );
            for r in &rows {
                let mark = match r.state {
                    State::Present => "present",
                    State::Stale => "STALE  ",
                    State::Missing => "MISSING",
                };
                let gap = r
                    .first_gap
                    .map(|g| format!(", first gap {g}"))
                    .unwrap_or_default();
                println!(
                    "  {mark} {:<9} {:<22} {}/{} windows{gap}  {}",
                    r.control, r.request, r.covered, r.windows, r.artifact
                );
            }
            println!(
                "{} evidence requests: {} present, {} stale, {} missing.",
                rows.len(),
                count(State::Present),
                count(State::Stale),
                count(State::Missing)
            );
        }
    }
    Ok(Outcome::Ok)
}

fn print_verification(report: &Verification, what: &str, format: SummaryFormat) -> Result<()> {
    match format {
        SummaryFormat::Json => {
            print_json(&json!({ "target": what, "ok": report.ok(), "report": report }))?
        }
        SummaryFormat::Text => {
            for p in &report.problems {
                println!("FAIL {p}");
            }
            for n in &report.notes {
                println!("note {n}");
            }
            println!(
                "{}: {} — {} ledger entries, {} blobs ({} bytes) checked, key fingerprint {}",
                what,
                if report.ok() {
                    "verified"
                } else {
                    "VERIFICATION FAILED"
                },
                report.entries,
                report.blobs,
                report.bytes,
                report.key_fingerprint
            );
        }
    }
    Ok(())
}

pub fn verify(context: &Context, args: &VerifyArgs) -> Result<Outcome> {
    let (what, report) = match &args.pack {
        Some(pack_path) => (pack_path.display().to_string(), pack::verify(pack_path)?),
        None => {
            let (dir, paths) = context.evidence_paths()?;
            let report = with_store(context, move |store| {
                Box::pin(async move { Ok(fieldproof_evidence::verify(store, &paths).await?) })
            })?;
            (format!("workspace {}", dir.display()), report)
        }
    };
    print_verification(&report, &what, args.format)?;
    if report.ok() {
        Ok(Outcome::Ok)
    } else {
        Err(anyhow!(
            "{} problem(s) found in {what}",
            report.problems.len()
        ))
    }
}

pub fn export_pack(context: &Context, engagement_id: &str, output: &Path) -> Result<Outcome> {
    let (_, paths) = context.evidence_paths()?;
    let (engagements, entries, estate) = with_store(context, |store| {
        Box::pin(async move {
            Ok((
                store.engagements().await?,
                store.ledger().await?,
                store.load_estate().await?,
            ))
        })
    })?;
    let engagement = engagements
        .iter()
        .find(|e| e.id == engagement_id)
        .ok_or_else(|| {
            anyhow!("no engagement '{engagement_id}'; `fieldproof engagement list` shows them")
        })?;
    let assessment = assess(&estate);
    let derived = responsibility::derive(&assessment);
    let documents = vec![
        (
            "boundary.md".to_string(),
            boundary::markdown(&assessment, &derived).into_bytes(),
        ),
        (
            "responsibility.md".to_string(),
            matrix::markdown(&assessment, &derived).into_bytes(),
        ),
        (
            "responsibility.csv".to_string(),
            matrix::csv(&derived).into_bytes(),
        ),
    ];
    let public = keys::public_hex(&keys::read_public(&paths.keys)?);
    let manifest = pack::export(
        &entries,
        &fieldproof_evidence::blobs::BlobStore::new(&paths.blobs),
        &public,
        engagement,
        &documents,
        &context.now,
        &context.actor,
        output,
    )?;
    println!(
        "Wrote {}: {} evidence files, ledger entries 1-{}, key fingerprint {}.",
        output.display(),
        manifest.files.len(),
        manifest.ledger_entries,
        manifest.key_fingerprint
    );
    println!(
        "Verify offline: fieldproof verify {}   (or unzip and `sha256sum -c SHA256SUMS`)",
        output.display()
    );
    Ok(Outcome::Ok)
}
