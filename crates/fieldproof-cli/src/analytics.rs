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
use fieldproof_app::scope::EstateSource;
use fieldproof_app::App;
use fieldproof_report::{results, test_results};

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
        SummaryFormat::Text => output::print(&results::ingest_text(&r))?,
    }
    Ok(Outcome::Ok)
}

pub async fn datasets(app: &App, args: &DatasetsArgs) -> Result<Outcome> {
    let r = app.datasets(args.dataset.as_deref()).await?;
    match args.format {
        SummaryFormat::Json => output::json(&r)?,
        SummaryFormat::Text if args.dataset.is_some() => output::print(&results::dataset_text(&r))?,
        SummaryFormat::Text => output::print(&results::datasets_text(&r))?,
    }
    Ok(Outcome::Ok)
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
        cluster: args.cluster.clone(),
        cluster_parts: args.cluster_parts.clone(),
        incremental: args.incremental,
    };
    if let Some(file) = &args.emit_sql {
        let r = app.export_test_sql(&request, file).await?;
        match args.format {
            TestFormat::Json => output::json(&r)?,
            TestFormat::Table => output::print(&results::sql_export_text(&r))?,
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
        SampleFormat::Json => output::json_bytes(&r)?,
        SampleFormat::Csv => results::sample_csv(&r)?,
        SampleFormat::Table => results::sample_text(&r).into_bytes(),
    };
    output::emit(args.output.as_deref(), &bytes)?;
    if args.output.is_some() || args.format == SampleFormat::Csv {
        // The selection header on stderr, so CSV on stdout stays clean.
        eprint!("{}", results::sample_header(&r));
    }
    Ok(Outcome::Ok)
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
                scale: args.scale,
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
        SummaryFormat::Text => output::print(&results::generate_text(&r))?,
    }
    Ok(Outcome::Ok)
}

/// `fieldproof cluster scheduler|executor`: runs the role until the process is stopped.
pub async fn cluster(app: &App, args: crate::cli::ClusterArgs) -> Result<Outcome> {
    use crate::cli::ClusterCommand;
    match args.command {
        ClusterCommand::Scheduler {
            bind,
            external_host,
            executor_timeout,
        } => {
            let request = fieldproof_app::cluster::SchedulerRequest {
                bind,
                external_host,
                executor_timeout_secs: executor_timeout,
            };
            app.cluster_scheduler(&request, |bind| {
                eprintln!("fieldproof cluster scheduler listening on {bind}");
            })
            .await?;
        }
        ClusterCommand::Executor {
            scheduler,
            bind,
            external_host,
            vcores,
            memory_mb,
            work_dir,
        } => {
            let request = fieldproof_app::cluster::ExecutorRequest {
                scheduler,
                bind,
                external_host,
                vcores,
                memory_mb,
                work_dir,
            };
            app.cluster_executor(&request, |bind, scheduler| {
                eprintln!("fieldproof cluster executor on {bind}, scheduler {scheduler}");
            })
            .await?;
        }
    }
    Ok(Outcome::Ok)
}
