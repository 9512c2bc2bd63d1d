//! Plain-text renderings of use-case results: what the command line prints by default (the
//! JSON contracts of [`crate::contract`] are the other rendering). Pure functions of a result,
//! so the command line's dispatch only parses, calls one use case and prints.

use crate::contract::{DatasetList, GenerateResult, IngestResult, SampleResult};
use crate::text::{count, truncate};
use fieldproof_core::dataset;
use fieldproof_core::safe_text::spreadsheet_record;
use fieldproof_core::sampling::SizeBasis;
use std::path::Path;

/// `token list` as a table.
pub fn token_list_text(list: &crate::contract::TokenList) -> String {
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
pub fn project_text(p: &crate::contract::ProjectRun) -> String {
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
        crate::readiness::findings_breakdown(s)
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

/// The lines about values left unmapped or caught by a catch-all (empty when there are none).
pub fn inventory_warnings(reports: &[crate::contract::InventoryReport]) -> String {
    let mut text = String::new();
    let lines = |v: &crate::contract::UnmappedValue| {
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

/// What reading one inventory did, in one line every front end shows: `assets.csv (mapping
/// netbox-devices): 120 rows, 118 assets in 9 components`.
pub fn inventory_line(r: &crate::contract::InventoryReport) -> String {
    format!(
        "{}{}: {}, {} in {}",
        r.file,
        r.mapping
            .as_deref()
            .map(|m| format!(" (mapping {m})"))
            .unwrap_or_default(),
        count(r.rows, "row", "rows"),
        count(r.assets, "asset", "assets"),
        count(r.components, "component", "components"),
    )
}

/// One line per inventory read through a mapping or rolled up, then the warnings.
pub fn inventory_text(reports: &[crate::contract::InventoryReport]) -> String {
    let mut text = String::new();
    for r in reports {
        if r.mapping.is_none() && r.components == r.assets {
            continue; // a plain inventory in fieldproof's columns: nothing to add
        }
        text.push_str(&inventory_line(r));
        text.push('\n');
    }
    text.push_str(&inventory_warnings(reports));
    text
}

fn no_changes(file: &Path) -> String {
    format!(
        "No changes: the workspace already matches {}.\n",
        file.display()
    )
}

/// The change lines, then `scope of ID: before -> after` per scope decision that moves; `None`
/// when nothing changes.
fn changes_text(
    changes: &[crate::contract::ChangeLine],
    scope_changes: &[crate::contract::ScopeChange],
) -> Option<String> {
    if changes.is_empty() {
        return None;
    }
    let mut text = change_lines(changes);
    let name = |s: Option<fieldproof_core::Scope>| s.map_or("absent", |s| s.as_str());
    for c in scope_changes {
        text.push_str(&format!(
            "scope of {}: {} -> {}\n",
            c.component,
            name(c.before),
            name(c.after)
        ));
    }
    Some(text)
}

/// `apply`: the changes, the scope decisions that moved, and the change set.
pub fn apply_text(r: &crate::contract::ApplyResult, file: &Path) -> String {
    let Some(mut text) = changes_text(&r.changes, &r.scope_changes) else {
        return no_changes(file);
    };
    text.push_str(&format!(
        "Applied {}: {} (change set #{}, by {} at {}).\n",
        file.display(),
        applied_counts(r),
        r.change_set.unwrap_or_default(),
        r.actor,
        r.at
    ));
    text
}

/// What an apply changed, in one phrase every front end shows: `3 added, 1 changed, 0
/// removed; assets: 2 added, 0 removed, 1 moved or renamed`.
pub fn applied_counts(r: &crate::contract::ApplyResult) -> String {
    let assets = if r.assets_added + r.assets_removed + r.assets_changed > 0 {
        format!(
            "; assets: {} added, {} removed, {} moved or renamed",
            r.assets_added, r.assets_removed, r.assets_changed
        )
    } else {
        String::new()
    };
    format!(
        "{} added, {} changed, {} removed{assets}",
        r.added, r.changed, r.removed
    )
}

/// What applying would change, in one phrase every front end shows: `12 changes, 2 scope
/// decisions change, scope findings 5 -> 4`.
pub fn preview_counts(r: &crate::contract::ApplyPreview) -> String {
    format!(
        "{}, {}, scope findings {} -> {}",
        count(r.changes.len(), "change", "changes"),
        count(
            r.scope_changes.len(),
            "scope decision changes",
            "scope decisions change"
        ),
        r.findings_before,
        r.findings_after
    )
}

/// `+ component id`, `~ component id (fields)`, `- component id`: one line per change.
pub fn change_lines(changes: &[crate::contract::ChangeLine]) -> String {
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

/// `apply --dry-run`: what applying would change; nothing is stored.
pub fn preview_text(r: &crate::contract::ApplyPreview, file: &Path) -> String {
    let Some(mut text) = changes_text(&r.changes, &r.scope_changes) else {
        return no_changes(file);
    };
    // The values a dry run would change, and the scope findings it would raise or settle.
    for c in r.changes.iter().filter(|c| !c.values.is_empty()) {
        for v in &c.values {
            text.push_str(&format!(
                "  {} {}: {}: {} -> {}\n",
                c.entity, c.key, v.field, v.before, v.after
            ));
        }
    }
    for (sign, findings) in [("+", &r.findings_new), ("-", &r.findings_gone)] {
        for f in findings {
            text.push_str(&format!(
                "{sign} finding {} {}: {}\n",
                f.severity.as_str(),
                f.subject,
                f.message
            ));
        }
    }
    text.push_str(&format!(
        "Dry run of {}: {}. Nothing was stored.\n",
        file.display(),
        preview_counts(r)
    ));
    text
}

/// `log`: the change sets, newest first, with their changes.
pub fn log_text(r: &crate::contract::ChangeLogResult) -> String {
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

/// `ingest`: per file, what was stored, left out and rejected.
pub fn ingest_text(r: &IngestResult) -> String {
    let mut out = format!(
        "{}{}\n",
        r.dataset,
        r.mapping
            .as_ref()
            .map(|m| format!(" (mapping {m})"))
            .unwrap_or_default()
    );
    for f in &r.files {
        if f.duplicate {
            out.push_str(&format!(
                "  {}: already ingested as {}; nothing new stored\n",
                f.file, f.evidence
            ));
            continue;
        }
        let mut parts = vec![format!("{} stored", count(f.rows as usize, "row", "rows"))];
        if f.already_stored > 0 {
            parts.push(format!(
                "{} already stored by an earlier part (the export overlaps it), left out",
                f.already_stored
            ));
        }
        if f.skipped > 0 {
            parts.push(format!("{} left out by the mapping's filter", f.skipped));
        }
        parts.push(format!("{} rejected", f.rejected));
        out.push_str(&format!(
            "  {}: {}; {} to {}; part {} (sha256 {})\n",
            f.file,
            parts.join(", "),
            if f.first_ts.is_empty() {
                "-"
            } else {
                &f.first_ts
            },
            if f.last_ts.is_empty() {
                "-"
            } else {
                &f.last_ts
            },
            f.evidence,
            f.sha256
        ));
        if let Some(rejects) = &f.rejects {
            out.push_str(&format!(
                "    rejected rows (line, reason, record): {rejects}\n"
            ));
            for line in f.first_rejections.iter().take(5) {
                out.push_str(&format!("    {line}\n"));
            }
            if f.rejected > 5 {
                out.push_str(&format!(
                    "    … {} more in the rejects file\n",
                    f.rejected - 5
                ));
            }
        }
    }
    out
}

/// `datasets`: every dataset with its rows and parts.
pub fn datasets_text(r: &DatasetList) -> String {
    let width = r
        .datasets
        .iter()
        .map(|d| d.dataset.len())
        .max()
        .unwrap_or(7);
    let mut out = format!(
        "{:<width$}  {:>5}  {:>12}  {}\n",
        "DATASET", "PARTS", "ROWS", "TIME RANGE"
    );
    for d in &r.datasets {
        let range = match (
            d.parts
                .iter()
                .map(|p| &p.first_ts)
                .filter(|t| !t.is_empty())
                .min(),
            d.parts.iter().map(|p| &p.last_ts).max(),
        ) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "-".to_string(),
        };
        out.push_str(&format!(
            "{:<width$}  {:>5}  {:>12}  {}\n",
            d.dataset,
            d.parts.len(),
            d.rows,
            range
        ));
    }
    out.push_str("\nColumns of one: fieldproof datasets NAME. Reference: docs/datasets.md.\n");
    out
}

/// `datasets NAME`: one dataset's schema and parts.
pub fn dataset_text(r: &DatasetList) -> String {
    let mut out = String::new();
    for d in &r.datasets {
        let s = &d.schema;
        out.push_str(&format!(
            "{}: {}\n  dated by {}{}; key {}\n\n",
            s.name,
            s.title,
            s.time,
            s.component
                .map(|c| format!(
                    ", component in column {c} (rows of components out of scope are not tested)"
                ))
                .unwrap_or_default(),
            s.key.join(" + ")
        ));
        for c in s.columns {
            out.push_str(&format!(
                "  {:<24} {:<9} {:<9} {}{}\n",
                c.name,
                c.ty.as_str(),
                if c.nullable { "nullable" } else { "required" },
                c.doc,
                if c.values.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.values.join(", "))
                }
            ));
        }
        out.push_str(&format!(
            "  {:<24} {:<9} {:<9} the source's other fields as one JSON object\n",
            dataset::EXTRA,
            "text",
            "nullable"
        ));
        out.push_str(&format!(
            "\n  {} in {}\n",
            count(d.rows as usize, "row", "rows"),
            count(d.parts.len(), "part", "parts")
        ));
        for p in &d.parts {
            out.push_str(&format!(
                "  {}  {:>10} rows  {} to {}  from {}{}  ingested {}\n",
                p.evidence,
                p.rows,
                p.first_ts,
                p.last_ts,
                p.sources.join(", "),
                p.mapping
                    .as_ref()
                    .map(|m| format!(" via {m}"))
                    .unwrap_or_default(),
                p.ingested_at
            ));
        }
    }
    out
}

/// How a sample's size was decided.
pub fn basis_text(b: &SizeBasis) -> String {
    match b {
        SizeBasis::Frequency { frequency } => format!("the sample size table's size for a {frequency} control"),
        SizeBasis::PerEvent => "an event-driven population: 10 %, at least 3, at most 30".to_string(),
        SizeBasis::Attribute { confidence, tolerable, expected } => format!(
            "attribute sampling at {confidence} % confidence, {tolerable} % tolerable and {expected} % expected deviation"
        ),
        SizeBasis::Given => "given".to_string(),
    }
}

/// The lines above a sample: population, its hash, size, seed.
pub fn sample_header(r: &SampleResult) -> String {
    format!(
        "Sample of {} for {} ({}){}\n  population {} rows, sha256 {}\n  size {} ({})\n  seed {}\n  Re-derive: rank every row by sha256(seed \":\" key) and take the {} smallest.\n",
        r.dataset,
        r.engagement.as_deref().unwrap_or("-"),
        r.period,
        r.condition.as_ref().map(|c| format!(" where {c}")).unwrap_or_default(),
        r.population,
        r.population_sha256,
        r.size,
        basis_text(&r.basis),
        r.seed,
        r.size
    )
}

/// `sample` as text: the header, then the rows in rank order.
pub fn sample_text(r: &SampleResult) -> String {
    let mut out = sample_header(r);
    out.push('\n');
    let shown: Vec<usize> = (0..r.columns.len()).collect();
    out.push_str(&format!(
        "{:<4} {:<12} {}\n",
        "#",
        "RANK",
        r.columns.join(" | ")
    ));
    for (i, row) in r.rows.iter().enumerate() {
        let cells: Vec<String> = shown
            .iter()
            .map(|&c| truncate(row.values.get(c).map_or("", String::as_str), 28))
            .collect();
        out.push_str(&format!(
            "{:<4} {:<12} {}\n",
            i + 1,
            &row.rank[..12.min(row.rank.len())],
            cells.join(" | ")
        ));
    }
    out
}

/// `sample --format csv`: rank, key and the row's columns, safe to open in a spreadsheet.
pub fn sample_csv(r: &SampleResult) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv_writer();
    let mut header = vec!["rank".to_string(), "key".to_string()];
    header.extend(r.columns.iter().cloned());
    w.write_record(spreadsheet_record(&header))?;
    for row in &r.rows {
        let mut record = vec![row.rank.clone(), row.key.clone()];
        record.extend(row.values.iter().cloned());
        w.write_record(spreadsheet_record(&record))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

/// `generate`: what was written and which exceptions were injected.
pub fn generate_text(r: &GenerateResult) -> String {
    let mut out = format!(
        "Wrote synthetic event evidence for {} over {} into {}{}\n",
        count(r.devices as usize, "device", "devices"),
        r.period,
        r.directory,
        if r.clean {
            " (clean: no exception injected)"
        } else {
            ""
        }
    );
    for (d, file) in &r.files {
        out.push_str(&format!(
            "  {:<24} {:>12} rows  {}\n",
            d,
            r.rows.get(d).copied().unwrap_or(0),
            file
        ));
    }
    if !r.clean {
        let total: usize = r.exceptions.values().sum();
        out.push_str(&format!(
            "\nInjected {} over {}; the truth file lists them: {}\n",
            count(total, "exception", "exceptions"),
            count(r.exceptions.len(), "test", "tests"),
            r.truth
        ));
    }
    out.push_str("\nNext: fieldproof ingest DATASET FILE for each, then fieldproof test.\n");
    out
}

/// `init`: where the workspace is, the ledger's first entry and the key to give auditors.
pub fn init_text(r: &crate::contract::InitResult, dir: &Path) -> String {
    format!(
        "Created a fieldproof workspace at {}{}\nEvidence ledger started (entry {}); signing key {} ({}), public key fingerprint {}\nGive that fingerprint to your auditor out of band: they pin it with `fieldproof verify PACK --fingerprint {}`.\nNext: fieldproof apply ESTATE.yaml (run from {} or pass --workspace)\n",
        r.workspace,
        if r.store.starts_with("sqlite:") {
            String::new()
        } else {
            format!(" (store {})", r.store)
        },
        r.genesis_entry,
        r.secret_key,
        if r.key_protected {
            "owner-only, encrypted under $FIELDPROOF_KEY_PASSPHRASE"
        } else {
            "owner-only"
        },
        r.key_fingerprint,
        r.key_fingerprint,
        dir.display()
    )
}

/// `validate` of a valid estate: what it holds.
pub fn validation_text(r: &crate::contract::ValidationResult) -> String {
    format!(
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
        count(
            r.subservice_organisations,
            "subservice organisation",
            "subservice organisations"
        ),
        count(
            r.responsibilities,
            "responsibility statement",
            "responsibility statements"
        ),
        count(r.findings, "scope finding", "scope findings"),
    )
}

fn category_titles(names: &[&str]) -> String {
    names
        .iter()
        .filter_map(|n| fieldproof_core::TscCategory::parse(n))
        .map(|c| c.title())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `assess`: the scope in brief, its findings, a project's run and the files written.
pub fn assess_text(r: &crate::contract::AssessResult) -> String {
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
    text
}

/// `store migrate`: what was copied and verified, and the store to use from now on.
pub fn migration_text(r: &crate::contract::StoreMigration) -> String {
    let c = &r.copied;
    format!(
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
    )
}

/// `backup`: the file written and how to verify it.
pub fn backup_text(r: &crate::contract::BackupResult) -> String {
    format!(
        "Wrote {} ({} bytes){}: one consistent copy of the workspace database.\nVerify it: {}\n",
        r.path,
        r.bytes,
        r.head
            .as_ref()
            .map(|h| format!(", ledger head {}:{}", h.seq, h.hash))
            .unwrap_or_default(),
        r.verify_with
    )
}

/// `engagement create`.
pub fn engagement_saved_text(r: &crate::contract::EngagementSaved) -> String {
    let e = &r.engagement;
    format!(
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
    )
}

/// `engagement list`.
pub fn engagement_list_text(r: &crate::contract::EngagementList) -> String {
    let mut text = String::new();
    if r.engagements.is_empty() {
        text.push_str("No engagements; create one with `fieldproof engagement create`.\n");
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
    text
}

/// `evidence retire`.
pub fn retired_text(r: &crate::contract::RetireResult) -> String {
    format!("Retired {} (ledger entry {}).\n", r.evidence, r.entry)
}

/// `key show`: the file written or the public key, and every key of the ledger.
pub fn key_text(r: &crate::contract::KeyInfo) -> String {
    let mut text = match &r.written {
        Some(path) => format!("Wrote {path} (fingerprint {})\n", r.fingerprint),
        None => format!("{}\n", r.public_key),
    };
    if r.keys.len() > 1 {
        for k in &r.keys {
            text.push_str(&format!(
                "  key {} signs from ledger entry {}\n",
                k.fingerprint, k.from_entry
            ));
        }
    }
    text
}

/// `key rotate`.
pub fn key_rotated_text(r: &crate::contract::KeyRotated) -> String {
    format!(
        "Rotated the ledger key at entry {}: {} -> {}. Give the new fingerprint to your auditors; packs verify across the rotation.\n",
        r.entry, r.previous_fingerprint, r.fingerprint
    )
}

/// `key protect` and `key unprotect`.
pub fn key_protection_text(r: &crate::contract::KeyProtection) -> String {
    if r.protected {
        format!(
            "The ledger key {} is now encrypted under the new passphrase (Argon2id, ChaCha20-Poly1305); set FIELDPROOF_KEY_PASSPHRASE to use it.\n",
            r.fingerprint
        )
    } else {
        format!(
            "The ledger key {} is stored unencrypted again (owner-only file).\n",
            r.fingerprint
        )
    }
}

/// `catalog import-oscal`.
pub fn import_text(r: &crate::contract::ImportResult) -> String {
    let mut text = String::new();
    if let Some(p) = &r.resolution {
        text.push_str(&format!(
            "Resolved the profile (sha256 {}) against {}: {} set.\n",
            p.profile_sha256,
            p.imports.join(", "),
            count(p.parameters_set, "parameter value", "parameter values"),
        ));
        if !p.warnings.is_empty() {
            text.push_str(&format!(
                "{} not applied:\n",
                count(p.warnings.len(), "setting was", "settings were")
            ));
            for w in p.warnings.iter().take(10) {
                text.push_str(&format!("  {w}\n"));
            }
            if p.warnings.len() > 10 {
                text.push_str(&format!(
                    "  ... and {} more (--format json lists them all)\n",
                    p.warnings.len() - 10
                ));
            }
            if let Some(hint) = &p.hint {
                text.push_str(&format!("{hint}\n"));
            }
        }
    }
    text.push_str(&import_line(r));
    if let Some(base) = &r.based_on {
        text.push_str(&format!(
            "Its requirements keep their {base} ids and are linked to them: `fieldproof map` reaches them.\n"
        ));
    }
    text
}

fn import_line(r: &crate::contract::ImportResult) -> String {
    match r.change_set {
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
    }
}

/// `status list`: an engagement's design statuses and roadmap pins.
pub fn status_list_text(r: &crate::contract::StatusList) -> String {
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
    text
}

/// `status set`, `status pin`, `status apply`: what changed.
pub fn status_applied_text(r: &crate::contract::StatusApplied) -> String {
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
    text
}

/// `test --emit-sql`.
pub fn sql_export_text(r: &crate::contract::SqlExport) -> String {
    format!(
        "Wrote {} ({} of engagement {}): the dataset parts, helper tables, views and queries another engine needs to run them.\n",
        r.file,
        count(r.tests.len(), "test", "tests"),
        r.engagement
    )
}
