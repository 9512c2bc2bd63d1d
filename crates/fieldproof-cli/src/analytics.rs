//! The full-population test commands: `ingest`, `datasets`, `test`, `sample`, `generate`.
//! Each is one call into the application layer and a rendering of its typed result.

use crate::cli::{
    DatasetsArgs, GenerateArgs, IngestArgs, SampleArgs, SampleFormat, SummaryFormat, TestArgs,
    TestFormat,
};
use crate::output::{self, Progress};
use crate::Outcome;
use anyhow::{bail, Result};
use fieldproof_app::analytics::{
    GenerateRequest, IngestRequest, SampleRequest, SampleSize, TestRequest,
};
use fieldproof_app::contract::{DatasetList, GenerateResult, IngestResult, SampleResult};
use fieldproof_app::scope::EstateSource;
use fieldproof_app::App;
use fieldproof_core::dataset;
use fieldproof_core::safe_text::spreadsheet_record;
use fieldproof_core::sampling::SizeBasis;
use fieldproof_report::test_results;
use fieldproof_report::text::{count, truncate};

pub async fn ingest(app: &App, args: &IngestArgs) -> Result<Outcome> {
    let mut progress = Progress::labelled(format!("ingesting {}", args.dataset));
    let r = app
        .ingest(
            &IngestRequest {
                dataset: args.dataset.clone(),
                files: args.files.clone(),
                mapping: args.mapping.clone(),
                lookups: args.lookups.clone(),
            },
            &mut |d, t| progress.update(d, t),
        )
        .await?;
    progress.finish();
    match args.format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text => output::print(&ingest_text(&r))?,
    }
    Ok(Outcome::Ok)
}

fn ingest_text(r: &IngestResult) -> String {
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

pub async fn datasets(app: &App, args: &DatasetsArgs) -> Result<Outcome> {
    let r = app.datasets(args.dataset.as_deref()).await?;
    match args.format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text if args.dataset.is_some() => output::print(&dataset_text(&r))?,
        SummaryFormat::Text => output::print(&datasets_text(&r))?,
    }
    Ok(Outcome::Ok)
}

fn datasets_text(r: &DatasetList) -> String {
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

fn dataset_text(r: &DatasetList) -> String {
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

pub async fn test(app: &App, args: &TestArgs) -> Result<Outcome> {
    if args.list {
        let r = app.test_library().await?;
        match args.format {
            TestFormat::Json => output::json(&r)?,
            TestFormat::Table => {
                let rows: Vec<_> = r
                    .tests
                    .iter()
                    .map(|t| (&t.definition, t.origin.as_str()))
                    .collect();
                output::print(&test_results::library_text(&rows))?;
            }
        }
        return Ok(Outcome::Ok);
    }
    let request = TestRequest {
        engagement: args.engagement.clone(),
        only: args.only.clone(),
        params: args.params.clone(),
        memory_mb: Some(args.memory_mb),
    };
    if let Some(file) = &args.emit_sql {
        let r = app.export_test_sql(&request, file).await?;
        match args.format {
            TestFormat::Json => output::json(&r)?,
            TestFormat::Table => output::print(&format!(
                "Wrote {} ({} of engagement {}): the dataset parts, helper tables, views and queries another engine needs to run them.\n",
                r.file,
                count(r.tests.len(), "test", "tests"),
                r.engagement
            ))?,
        }
        return Ok(Outcome::Ok);
    }
    let run = app.run_tests(&request).await?;
    match args.format {
        TestFormat::Json => output::json(&run)?,
        TestFormat::Table => output::print(&test_results::run_text(&run))?,
    }
    Ok(if run.fails_at(args.fail_on) {
        Outcome::FindingsAtThreshold
    } else {
        Outcome::Ok
    })
}

pub async fn sample(app: &App, args: &SampleArgs) -> Result<Outcome> {
    let size = match (&args.frequency, args.size, args.confidence) {
        (Some(f), None, None) => SampleSize::Frequency(f.clone()),
        (None, Some(n), None) => SampleSize::Given(n),
        (None, None, Some(c)) => SampleSize::Attribute(
            c,
            args.tolerable.unwrap_or_default(),
            args.expected.unwrap_or_default(),
        ),
        _ => bail!(
            "give one of --frequency, --size, or --confidence with --tolerable and --expected"
        ),
    };
    let r = app
        .sample(&SampleRequest {
            dataset: args.dataset.clone(),
            engagement: args.engagement.clone(),
            condition: args.condition.clone(),
            size,
            seed: args.seed.clone(),
            table: args.table.clone(),
        })
        .await?;
    let bytes = match args.format {
        SampleFormat::Json => {
            let mut text = serde_json::to_string_pretty(&r)?;
            text.push('\n');
            text.into_bytes()
        }
        SampleFormat::Csv => sample_csv(&r)?,
        SampleFormat::Table => sample_text(&r).into_bytes(),
    };
    output::emit(args.output.as_deref(), &bytes)?;
    if args.output.is_some() || args.format == SampleFormat::Csv {
        // The selection header on stderr, so CSV on stdout stays clean.
        eprint!("{}", sample_header(&r));
    }
    Ok(Outcome::Ok)
}

fn basis_text(b: &SizeBasis) -> String {
    match b {
        SizeBasis::Frequency { frequency } => format!("the sample size table's size for a {frequency} control"),
        SizeBasis::PerEvent => "an event-driven population: 10 %, at least 3, at most 30".to_string(),
        SizeBasis::Attribute { confidence, tolerable, expected } => format!(
            "attribute sampling at {confidence} % confidence, {tolerable} % tolerable and {expected} % expected deviation"
        ),
        SizeBasis::Given => "given".to_string(),
    }
}

fn sample_header(r: &SampleResult) -> String {
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

fn sample_text(r: &SampleResult) -> String {
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

fn sample_csv(r: &SampleResult) -> Result<Vec<u8>> {
    let mut w = csv_writer();
    let mut header = vec!["rank".to_string(), "key".to_string()];
    header.extend(r.columns.iter().cloned());
    w.write_record(spreadsheet_record(&header))?;
    for row in &r.rows {
        let mut record = vec![row.rank.clone(), row.key.clone()];
        record.extend(row.values.iter().cloned());
        w.write_record(spreadsheet_record(&record))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

pub async fn generate(app: &App, args: &GenerateArgs) -> Result<Outcome> {
    let mut progress = Progress::reading(&args.estate);
    let r = app
        .generate(
            &GenerateRequest {
                estate: EstateSource::File(args.estate.clone(), Default::default()),
                devices: args.devices,
                days: args.days,
                start: Some(args.start.clone()),
                rate: args.rate,
                seed: args.seed,
                clean: args.clean,
                out: args.out.clone(),
            },
            &mut |d, t| progress.update(d, t),
        )
        .await?;
    progress.finish();
    match args.format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text => output::print(&generate_text(&r))?,
    }
    Ok(Outcome::Ok)
}

fn generate_text(r: &GenerateResult) -> String {
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
