//! Full-population test use cases: ingest event evidence into dataset parts recorded in the
//! ledger, list them, run the test library for an engagement and record every run in the
//! ledger, draw Type II samples, and generate synthetic data. Compiled with the `analytics`
//! feature (on by default), which brings in Apache DataFusion.

use crate::contract::{
    DatasetList, DatasetPart, DatasetSummary, GenerateResult, IngestResult, IngestedFile,
    SampleResult, SampleRow, SqlExport, TestInfo, TestLibrary,
};
use crate::scope::{EstateSource, Progress};
use crate::workspace::Workspace;
use crate::{App, AppError, Field, FieldError, Result};
use fieldproof_analytics::engine::{Engine, Part, ScopedComponent, Setup};
use fieldproof_analytics::ingest::{self, IngestedPart, LookupTable};
use fieldproof_analytics::keys::{self, StoredPart};
use fieldproof_analytics::library::{self, LoadedTest};
use fieldproof_analytics::mapping::Mapping;
use fieldproof_analytics::parts_store::PartsStore;
use fieldproof_analytics::timestamp;
use fieldproof_analytics::{generate, AnalyticsError};
use fieldproof_catalog::applicability::applicable;
use fieldproof_core::control_test::{Skipped, TestResult, TestRun};
use fieldproof_core::dataset::{self, DATASETS};
use fieldproof_core::engagement::{Date, Engagement, Period};
use fieldproof_core::sampling::{self, SizeBasis};
use fieldproof_core::{assess, Assessment, Estate, Scope};
use fieldproof_evidence::hash::Sha256Hex;
use fieldproof_evidence::ledger::{Added, DatasetRecord, EvidenceKind, SourceFile, TestRecord};
use fieldproof_evidence::{Metadata, Produced};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

impl From<AnalyticsError> for AppError {
    fn from(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::Input(m) => AppError::Input(m),
            AnalyticsError::Field(f) => AppError::Field(f),
            AnalyticsError::Io { path, source } => AppError::Io { path, source },
            AnalyticsError::Engine(m) => AppError::Input(m),
        }
    }
}

/// An `ingest` as a user asks for it.
#[derive(Debug, Clone, Default)]
pub struct IngestRequest {
    /// The dataset.
    pub dataset: String,
    /// Files (JSON Lines or CSV, gzip or not).
    pub files: Vec<PathBuf>,
    /// A mapping file, or the name of a bundled mapping.
    pub mapping: Option<String>,
    /// Lookup tables: `NAME=FILE`.
    pub lookups: Vec<String>,
}

/// What `test` runs.
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    /// The engagement (its period and categories); default: the only one.
    pub engagement: Option<String>,
    /// Only these tests.
    pub only: Vec<String>,
    /// Parameter overrides: `NAME=VALUE`.
    pub params: Vec<String>,
    /// Memory the engine may use before spilling to disk, in MiB (default 1024).
    pub memory_mb: Option<usize>,
    /// Run the queries on the Ballista cluster whose scheduler is at this URL
    /// (`df://HOST:PORT`, docs/scale-out.md) instead of in this process.
    pub cluster: Option<String>,
    /// Where the cluster's executors read the parts when they share no file system with this
    /// process: an S3-compatible bucket and prefix, `s3://BUCKET[/PREFIX]` (docs/scale-out.md).
    /// The run copies each part there first, checked by its SHA-256.
    pub cluster_parts: Option<String>,
    /// Keep each test's result in the workspace (`cache/tests`) and build on it next time: a
    /// test whose parts are unchanged is not run again, and a test declaring `incremental`
    /// runs only over the new parts of that dataset (docs/tests.md). The results and their
    /// hashes are those of a full run; the engine recorded with each says what was reused.
    pub incremental: bool,
}

/// How a sample's size is chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleSize {
    /// From the table, by control frequency (`per_event` is the 10 % rule).
    Frequency(String),
    /// Attribute sampling: confidence, tolerable and expected deviation rates in percent.
    Attribute(f64, f64, f64),
    /// A size given.
    Given(u64),
}

/// A `sample` as a user asks for it.
#[derive(Debug, Clone)]
pub struct SampleRequest {
    /// The dataset.
    pub dataset: String,
    /// The engagement (period and scope).
    pub engagement: Option<String>,
    /// A SQL condition narrowing the population.
    pub condition: Option<String>,
    /// How to size the sample.
    pub size: SampleSize,
    /// The seed; default: drawn from the operating system and printed.
    pub seed: Option<String>,
    /// A sample size table other than the bundled one.
    pub table: Option<PathBuf>,
}

/// A `generate` as a user asks for it.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The estate whose components the rows name.
    pub estate: EstateSource,
    /// Devices.
    pub devices: u64,
    /// Days.
    pub days: u32,
    /// First day (default 2026-01-01).
    pub start: Option<String>,
    /// Messages per device per day.
    pub rate: u32,
    /// Multiplier of the datasets that do not come from devices (1: the estate's own pace).
    pub scale: u32,
    /// Seed.
    pub seed: u64,
    /// No injected exception.
    pub clean: bool,
    /// Output directory.
    pub out: PathBuf,
}

fn dataset_named(name: &str) -> Result<&'static dataset::Dataset> {
    dataset::dataset(name).ok_or_else(|| {
        AppError::Input(format!(
            "'{name}' is not a dataset; the datasets are: {}",
            dataset::names().join(", ")
        ))
    })
}

fn micros_to_date(micros: i64) -> Date {
    Date::from_days(micros.div_euclid(86_400_000_000))
}

fn ts_text(micros: i64) -> String {
    fieldproof_analytics::timestamp::format(micros)
}

/// The components in scope or shared, as the tests see them.
fn scoped(assessment: &Assessment<'_>) -> Vec<ScopedComponent> {
    assessment
        .by_id()
        .filter(|(_, d)| d.scope != Scope::Out)
        .map(|(c, d)| ScopedComponent::of(c, d))
        .collect()
}

/// What a test run, or its SQL export, works on.
struct Prepared {
    engagement: Engagement,
    tests: Vec<LoadedTest>,
    skipped: Vec<Skipped>,
    engine: Engine,
    components: Vec<String>,
}

impl App {
    fn analytics_dir(&self, ws: &Workspace, name: &str) -> Result<PathBuf> {
        let dir = ws.dir.join(name);
        std::fs::create_dir_all(&dir).map_err(|source| AppError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    fn mapping(&self, name: &str) -> Result<(Mapping, SourceFile)> {
        let path = self.path(Path::new(name));
        if path.is_file() {
            fieldproof_evidence::check_regular_file(&path)?;
            let text = std::fs::read_to_string(&path).map_err(|source| AppError::Io {
                path: path.clone(),
                source,
            })?;
            let mapping = Mapping::parse(&text, name)?;
            let info = SourceFile {
                name: name.to_string(),
                sha256: Sha256Hex::of(text.as_bytes()),
                size: text.len() as u64,
            };
            return Ok((mapping, info));
        }
        let bundled = fieldproof_analytics::mapping::BUNDLED
            .iter()
            .find(|(file, _)| file.trim_end_matches(".toml") == name.trim_end_matches(".toml"));
        match bundled {
            Some((file, text)) => Ok((
                Mapping::parse(text, file)?,
                SourceFile {
                    name: format!("bundled:{file}"),
                    sha256: Sha256Hex::of(text.as_bytes()),
                    size: text.len() as u64,
                },
            )),
            None => Err(FieldError::value(
                Field::Map,
                name,
                format!(
                    "neither a file nor a bundled mapping; the bundled mappings are: {}",
                    fieldproof_analytics::mapping::BUNDLED
                        .iter()
                        .map(|(f, _)| f.trim_end_matches(".toml"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into()),
        }
    }

    /// Ingests files into parts of a dataset, each recorded in the ledger as a population with
    /// its completeness-and-accuracy record. A file ingested before is a no-op.
    pub async fn ingest(
        &self,
        request: &IngestRequest,
        progress: Progress<'_>,
    ) -> Result<IngestResult> {
        let started = std::time::Instant::now();
        let dataset = dataset_named(&request.dataset)?;
        if request.files.is_empty() {
            return Err(AppError::Input(
                "give the files to ingest (JSON Lines or CSV, gzip too)".to_string(),
            ));
        }
        let files: Vec<PathBuf> = request.files.iter().map(|f| self.path(f)).collect();
        let mut total = 0u64;
        for file in &files {
            total += fieldproof_evidence::check_regular_file(file)
                .map_err(|e| AppError::Input(format!("{e}; nothing was ingested")))?
                .len();
        }
        let mapping = request
            .mapping
            .as_deref()
            .map(|m| self.mapping(m))
            .transpose()?;
        if let Some((m, _)) = &mapping {
            if m.dataset.name != dataset.name {
                return Err(FieldError::value(
                    Field::Map,
                    &m.file.mapping.name,
                    format!("the mapping feeds {}, not {}", m.dataset.name, dataset.name),
                )
                .into());
            }
        }
        let mut lookups: BTreeMap<String, LookupTable> = BTreeMap::new();
        for spec in &request.lookups {
            let (name, file) = spec
                .split_once('=')
                .ok_or_else(|| FieldError::value(Field::Lookup, spec, "write NAME=FILE"))?;
            let Some((m, _)) = &mapping else {
                return Err(FieldError::value(
                    Field::Lookup,
                    spec,
                    "a lookup table is read by a mapping; give the mapping that names it",
                )
                .into());
            };
            let rule = m.file.lookups.get(name).ok_or_else(|| {
                FieldError::value(
                    Field::Lookup,
                    spec,
                    format!("the mapping has no [lookups.{name}] table"),
                )
            })?;
            let path = self.path(Path::new(file));
            fieldproof_evidence::check_regular_file(&path)?;
            lookups.insert(name.to_string(), ingest::load_lookup(&path, rule, name)?);
        }
        if let Some((m, _)) = &mapping {
            let missing: Vec<&String> = m
                .file
                .lookups
                .keys()
                .filter(|name| !lookups.contains_key(*name))
                .collect();
            if !missing.is_empty() {
                return Err(FieldError::missing(
                    Field::Lookup,
                    format!(
                        "the mapping joins lookup tables {}: give each as NAME=FILE ({}) ({})",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        missing
                            .iter()
                            .map(|s| format!("{s}=FILE"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        missing
                            .iter()
                            .map(|n| format!("{n}: {}", m.file.lookups[*n].description))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .into());
            }
        }
        let ws = self.open().await?;
        let result = async {
            let tmp = self.analytics_dir(&ws, "tmp")?;
            let rejects_dir = self.analytics_dir(&ws, "rejects")?;
            let options = ingest::Options {
                dataset,
                mapping: mapping.as_ref().map(|(m, _)| m),
                lookups: &lookups,
                threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            };
            let ledger = ws.ledger();
            ledger.clean_leftovers();
            // The dataset's key holds across parts: the earlier parts, to leave out the rows of
            // an overlapping export that are already stored.
            let stored_parts: Vec<Added> = self
                .current_parts(&ws)
                .await?
                .into_iter()
                .filter(|a| {
                    a.dataset
                        .as_ref()
                        .is_some_and(|r| r.dataset == dataset.name)
                })
                .collect();
            let mut known: Vec<String> =
                stored_parts.iter().map(|a| a.sha256.to_string()).collect();
            let mut earlier: Vec<StoredPart> = stored_parts
                .iter()
                .filter_map(|a| {
                    let r = a.dataset.as_ref()?;
                    Some(StoredPart {
                        path: ws.blobs.path(&a.sha256),
                        rows: r.rows,
                        min_ts: timestamp::parse_rfc3339(&r.min_ts)?,
                        max_ts: timestamp::parse_rfc3339(&r.max_ts)?,
                    })
                })
                .collect();
            let mut done = 0u64;
            let mut out = Vec::new();
            for (file, given) in files.iter().zip(&request.files) {
                let counter = ingest::Progress::default();
                let part: IngestedPart = {
                    // Progress every 100 ms; the end of the file is taken at once, not at the
                    // next tick (a tick's wait was up to a tenth of a second per file).
                    let (finished, finished_rx) = std::sync::mpsc::channel::<()>();
                    let handle = std::thread::scope(|scope| {
                        let (path, tmp, options, read) = (file, &tmp, &options, &counter);
                        let worker = scope.spawn(move || {
                            let part = ingest::ingest_file(path, tmp, options, read);
                            let _ = finished.send(());
                            part
                        });
                        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                            finished_rx.recv_timeout(std::time::Duration::from_millis(100))
                        {
                            progress(done + counter.read(), total);
                        }
                        worker.join()
                    });
                    handle.map_err(|_| AppError::Input("ingestion panicked".to_string()))??
                };
                let mut part = part;
                // The same data ingested again is the ledger's no-op, not a file of stored rows.
                // (Hashed only when a stored part has the same rows and time range.)
                let alike = earlier.iter().any(|e| {
                    e.rows == part.rows && e.min_ts == part.min_ts && e.max_ts == part.max_ts
                });
                let same_part = alike && known.contains(&ingest::hash_file(&part.parquet)?.sha256);
                let checked = if same_part {
                    Ok(0)
                } else {
                    keys::drop_stored_rows(&mut part, dataset, &earlier)
                };
                let already_stored = match checked {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = std::fs::remove_file(&part.parquet);
                        if let Some(r) = &part.rejects {
                            let _ = std::fs::remove_file(r);
                        }
                        return Err(e.into());
                    }
                };
                done += part
                    .source
                    .size
                    .max(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0));
                progress(done, total);
                let rejects = match &part.rejects {
                    Some(r) => {
                        let target = rejects_dir.join(format!(
                            "{}-{}.rejects.jsonl",
                            dataset.name,
                            &part.source.sha256[..16]
                        ));
                        std::fs::rename(r, &target).map_err(|source| AppError::Io {
                            path: target.clone(),
                            source,
                        })?;
                        Some(target)
                    }
                    None => None,
                };
                let record = DatasetRecord {
                    dataset: dataset.name.to_string(),
                    rows: part.rows,
                    rejected: part.rejected,
                    skipped: part.skipped,
                    already_stored,
                    min_ts: ts_text(part.min_ts),
                    max_ts: ts_text(part.max_ts),
                    sources: vec![SourceFile {
                        name: part.source.name.clone(),
                        sha256: hex256(&part.source.sha256),
                        size: part.source.size,
                    }],
                    mapping: mapping.as_ref().map(|(_, info)| info.clone()),
                    lookups: lookups
                        .values()
                        .map(|l| SourceFile {
                            name: l.source.name.clone(),
                            sha256: hex256(&l.source.sha256),
                            size: l.source.size,
                        })
                        .collect(),
                    rejects_sha256: match &rejects {
                        Some(r) => Some(hex256(&ingest::hash_file(r)?.sha256)),
                        None => None,
                    },
                };
                let meta = Metadata {
                    controls: Vec::new(),
                    population: true,
                    covers: Some(Period {
                        from: micros_to_date(part.min_ts),
                        to: micros_to_date(part.max_ts),
                    }),
                    source: Some(part.source.name.clone()),
                    note: mapping
                        .as_ref()
                        .map(|(m, _)| format!("mapping {}", m.file.mapping.name)),
                    at: self.now(),
                    by: self.actor.clone(),
                    dataset: Some(record),
                    ..Metadata::default()
                };
                let name = format!("{} part from {}", dataset.name, part.source.name);
                let outcome = ledger
                    .add_produced(
                        EvidenceKind::Dataset,
                        &name,
                        Produced::Taken(&part.parquet),
                        &meta,
                    )
                    .await?;
                if !outcome.duplicate {
                    known.push(outcome.sha256.to_string());
                    earlier.push(StoredPart {
                        path: ws.blobs.path(&outcome.sha256),
                        rows: part.rows,
                        min_ts: part.min_ts,
                        max_ts: part.max_ts,
                    });
                }
                out.push(IngestedFile {
                    file: given.display().to_string(),
                    source_sha256: part.source.sha256.clone(),
                    evidence: outcome.evidence,
                    duplicate: outcome.duplicate,
                    sha256: outcome.sha256.to_string(),
                    rows: part.rows,
                    rejected: part.rejected,
                    skipped: part.skipped,
                    already_stored,
                    first_ts: ts_text(part.min_ts),
                    last_ts: ts_text(part.max_ts),
                    rejects: rejects.map(|r| r.display().to_string()),
                    first_rejections: part.first_rejections.clone(),
                });
            }
            Ok(IngestResult {
                dataset: dataset.name.to_string(),
                mapping: mapping
                    .as_ref()
                    .map(|(m, info)| format!("{} (sha256 {})", m.file.mapping.name, info.sha256)),
                files: out,
            })
        }
        .await;
        ws.close().await;
        if let Ok(r) = &result {
            tracing::info!(
                dataset = %r.dataset,
                files = r.files.len(),
                rows = r.files.iter().map(|f| f.rows).sum::<u64>(),
                rejected = r.files.iter().map(|f| f.rejected).sum::<u64>(),
                ms = started.elapsed().as_millis() as u64,
                "ingested"
            );
        }
        result
    }

    async fn current_parts(&self, ws: &Workspace) -> Result<Vec<Added>> {
        // Dataset parts belong to no engagement: the current evidence of no engagement holds them.
        let items = ws.ledger().current_for("\u{0}").await?;
        Ok(items.into_iter().filter(|a| a.dataset.is_some()).collect())
    }

    /// The datasets with their registered parts.
    /// Outside a workspace: the schemas, with no part. `only` keeps one dataset.
    pub async fn datasets(&self, only: Option<&str>) -> Result<DatasetList> {
        let wanted = only.map(dataset_named).transpose()?;
        let parts = match self.open_if_any().await? {
            Some(ws) => {
                let parts = self.current_parts(&ws).await;
                ws.close().await;
                parts?
            }
            None => Vec::new(),
        };
        Ok(DatasetList {
            datasets: DATASETS
                .iter()
                .filter(|d| wanted.is_none_or(|w| w.name == d.name))
                .map(|d| {
                    let mine: Vec<DatasetPart> = parts
                        .iter()
                        .filter_map(|a| {
                            let r = a.dataset.as_ref()?;
                            (r.dataset == d.name).then(|| DatasetPart {
                                evidence: a.evidence.clone(),
                                rows: r.rows,
                                first_ts: r.min_ts.clone(),
                                last_ts: r.max_ts.clone(),
                                sources: r.sources.iter().map(|s| s.name.clone()).collect(),
                                mapping: r.mapping.as_ref().map(|m| m.name.clone()),
                                ingested_at: a.collected_at.clone(),
                                sha256: a.sha256.to_string(),
                            })
                        })
                        .collect();
                    DatasetSummary {
                        dataset: d.name.to_string(),
                        title: d.title.to_string(),
                        schema: *d,
                        rows: mine.iter().map(|p| p.rows).sum(),
                        parts: mine,
                    }
                })
                .collect(),
        })
    }

    fn tests_dir(&self, ws: Option<&Workspace>) -> Option<PathBuf> {
        ws.map(|w| w.dir.join("tests"))
    }

    /// The test library: bundled tests and the workspace's own (`.fieldproof/tests/*.toml`).
    pub async fn test_library(&self) -> Result<TestLibrary> {
        let ws = self.open_if_any().await?;
        let dir = self.tests_dir(ws.as_ref());
        if let Some(ws) = ws {
            ws.close().await;
        }
        let tests = library::load(dir.as_deref())?;
        Ok(TestLibrary {
            tests: tests
                .into_iter()
                .map(|t| TestInfo {
                    definition: t.definition,
                    origin: t.origin,
                    sha256: t.sha256,
                })
                .collect(),
        })
    }

    /// The workspace's estate, which tests need to know the components in scope.
    async fn estate_for_tests(&self, ws: &Workspace) -> Result<Estate> {
        let estate = ws.store.load_estate().await?;
        if estate.components.is_empty() {
            return Err(AppError::NoEstate {
                needed_for: "the components in scope are not known",
            });
        }
        Ok(estate)
    }

    async fn engine_for(
        &self,
        ws: &Workspace,
        engagement: &Engagement,
        assessment: &Assessment<'_>,
        request: &TestRequest,
    ) -> Result<(Engine, Vec<String>)> {
        let cluster = request
            .cluster
            .as_deref()
            .map(|c| {
                fieldproof_core::cluster::ClusterUrl::parse(c)
                    .map(|u| u.to_string())
                    .map_err(|e| FieldError::value(Field::Cluster, c, e))
            })
            .transpose()?;
        let cluster_parts = request
            .cluster_parts
            .as_deref()
            .map(|p| {
                let url = fieldproof_core::cluster::PartsUrl::parse(p)
                    .map_err(|e| FieldError::value(Field::ClusterParts, p, e))?;
                if cluster.is_none() {
                    return Err(FieldError::value(
                        Field::ClusterParts,
                        p,
                        "only a run on a cluster reads its parts from a bucket: give the cluster too, or leave this out to run here",
                    ));
                }
                Ok::<_, FieldError>(PartsStore {
                    url,
                    record: ws.dir.join("cache").join("cluster-parts.json"),
                })
            })
            .transpose()?;
        let components = scoped(assessment);
        let ids = components.iter().map(|c| c.id.clone()).collect();
        let parts: Vec<Part> = self
            .current_parts(ws)
            .await?
            .into_iter()
            .filter_map(|a| {
                let record = a.dataset.as_ref()?;
                Some(Part {
                    dataset: record.dataset.clone(),
                    evidence: a.evidence.clone(),
                    sha256: a.sha256.to_string(),
                    rows: record.rows,
                    path: ws.blobs.path(&a.sha256),
                })
            })
            .collect();
        let engine = Engine::new(Setup {
            period: engagement.period,
            time_zone: assessment.estate.time_zone.clone(),
            components,
            parts,
            spill_dir: ws.dir.join("tmp").join("spill"),
            memory_limit: request.memory_mb.unwrap_or(1024) << 20,
            partitions: std::thread::available_parallelism().map_or(2, |n| n.get()),
            cluster,
            cluster_parts,
            cache: if request.incremental {
                Some(self.analytics_dir(ws, "cache/tests")?)
            } else {
                None
            },
        })
        .await?;
        Ok((engine, ids))
    }

    /// Runs the tests that evidence controls applicable to the engagement, over the datasets
    /// restricted to its period and scope, and records every run in the ledger.
    pub async fn run_tests(&self, request: &TestRequest) -> Result<TestRun> {
        let started = std::time::Instant::now();
        let overrides = parse_overrides(&request.params)?;
        let ws = self.open().await?;
        let result = self.run_tests_in(&ws, request, &overrides).await;
        ws.close().await;
        if let Ok(run) = &result {
            tracing::info!(
                engagement = run.engagement.as_deref().unwrap_or("-"),
                tests = run.results.len(),
                skipped = run.skipped.len(),
                ms = started.elapsed().as_millis() as u64,
                "tests run"
            );
        }
        result
    }

    /// Writes the SQL of a run (see [`Engine::export_sql`]) to `file` instead of running it.
    pub async fn export_test_sql(&self, request: &TestRequest, file: &Path) -> Result<SqlExport> {
        let overrides = parse_overrides(&request.params)?;
        let ws = self.open().await?;
        let result = async {
            let Prepared {
                engagement,
                tests,
                engine,
                ..
            } = self.prepare(&ws, request).await?;
            let chosen: Vec<&LoadedTest> = tests.iter().collect();
            let document = engine.export_sql(&chosen, &overrides)?;
            let text = serde_json::to_string_pretty(&document)
                .map_err(|e| AppError::Input(e.to_string()))?;
            let file = self.path(file);
            crate::scope::write_file(&file, text.as_bytes())?;
            Ok(SqlExport {
                file: file.display().to_string(),
                engagement: engagement.id.clone(),
                tests: chosen.iter().map(|t| t.definition.id.clone()).collect(),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// The tests a request runs, and those it leaves out with the reason: with `only`, the
    /// named tests; otherwise those evidencing a control applicable to the estate for the
    /// engagement's categories.
    async fn select_tests(
        &self,
        ws: &Workspace,
        engagement: &Engagement,
        assessment: &Assessment<'_>,
        request: &TestRequest,
    ) -> Result<(Vec<LoadedTest>, Vec<Skipped>)> {
        let catalog = self.catalog_in(ws).await?;
        let tests = library::load(self.tests_dir(Some(ws)).as_deref())?;
        for wanted in &request.only {
            if !tests.iter().any(|t| &t.definition.id == wanted) {
                return Err(FieldError::value(
                    Field::Only,
                    wanted,
                    "no such test in the test library",
                )
                .into());
            }
        }
        let applicable_controls: Vec<String> =
            applicable(&catalog, assessment, &engagement.categories)
                .iter()
                .map(|a| a.control.id.clone())
                .collect();
        let mut chosen = Vec::new();
        let mut skipped = Vec::new();
        for test in tests {
            let def = &test.definition;
            if !request.only.is_empty() {
                if request.only.contains(&def.id) {
                    chosen.push(test);
                }
            } else if def.controls.iter().any(|c| applicable_controls.contains(c)) {
                chosen.push(test);
            } else {
                skipped.push(Skipped {
                    test: def.id.clone(),
                    reason: format!(
                        "none of its controls ({}) applies to the estate for this engagement's categories",
                        def.controls.join(", ")
                    ),
                });
            }
        }
        Ok((chosen, skipped))
    }

    async fn run_tests_in(
        &self,
        ws: &Workspace,
        request: &TestRequest,
        overrides: &BTreeMap<String, f64>,
    ) -> Result<TestRun> {
        let Prepared {
            engagement,
            tests,
            skipped,
            engine,
            components,
        } = self.prepare(ws, request).await?;
        let out_dir = self.analytics_dir(ws, &format!("results/{}", engagement.id))?;
        // The engagement's current results, read once: each run supersedes its test's.
        let current = ws.ledger().current_for(&engagement.id).await?;
        let mut run = TestRun {
            engagement: Some(engagement.id.clone()),
            period: engagement.period,
            components,
            results: Vec::new(),
            skipped,
            engine: engine.name().to_string(),
        };
        // Every test runs before any is recorded: a run that fails part-way (a bad test, an
        // engine error, a cluster that loses an executor for good) records nothing.
        let mut executed = Vec::with_capacity(tests.len());
        for test in &tests {
            executed.push(engine.run(test, overrides, &out_dir).await?);
        }
        for (test, executed) in tests.iter().zip(executed) {
            let previous = current.iter().rfind(|a| {
                a.engagement.as_deref() == Some(engagement.id.as_str())
                    && a.test
                        .as_ref()
                        .is_some_and(|t| t.test == test.definition.id)
            });
            run.results.push(
                self.record_run(ws, &engagement, test, executed, previous)
                    .await?,
            );
        }
        Ok(run)
    }

    /// The engagement, the tests the request selects and the engine over the datasets,
    /// from one read of the estate.
    async fn prepare(&self, ws: &Workspace, request: &TestRequest) -> Result<Prepared> {
        let engagement = self
            .engagement_in(ws, request.engagement.as_deref())
            .await?;
        let estate = self.estate_for_tests(ws).await?;
        let assessment = assess(&estate);
        let (tests, skipped) = self
            .select_tests(ws, &engagement, &assessment, request)
            .await?;
        let (engine, components) = self
            .engine_for(ws, &engagement, &assessment, request)
            .await?;
        Ok(Prepared {
            engagement,
            tests,
            skipped,
            engine,
            components,
        })
    }

    async fn record_run(
        &self,
        ws: &Workspace,
        engagement: &Engagement,
        test: &LoadedTest,
        executed: fieldproof_analytics::engine::Executed,
        previous: Option<&Added>,
    ) -> Result<TestResult> {
        let def = &test.definition;
        let ledger = ws.ledger();
        let base = Metadata {
            engagement: Some(engagement.id.clone()),
            covers: Some(engagement.period),
            population: true,
            at: self.now(),
            by: self.actor.clone(),
            ..Metadata::default()
        };
        // The definition as run, and the exception rows as Parquet, kept as evidence.
        let tmp = self.analytics_dir(ws, "tmp")?;
        let definition_file = tmp.join(format!("{}.toml", def.id));
        std::fs::write(&definition_file, &test.text).map_err(|source| AppError::Io {
            path: definition_file.clone(),
            source,
        })?;
        let definition = ledger
            .add_produced(
                EvidenceKind::File,
                &format!("test definition {}.toml", def.id),
                Produced::Taken(&definition_file),
                &Metadata {
                    note: Some(format!("definition of test {} ({})", def.id, test.origin)),
                    ..base.clone()
                },
            )
            .await?;
        let parquet = ledger
            .add_produced(
                EvidenceKind::File,
                &format!("{}-exceptions.parquet", def.id),
                Produced::Kept(&executed.parquet),
                &Metadata {
                    note: Some(format!("exception rows of test {} as Parquet", def.id)),
                    ..base.clone()
                },
            )
            .await?;
        // The same result as the current one (same definition, parameters, inputs, scope and
        // exceptions): nothing new to record.
        let unchanged = previous.filter(|p| {
            p.test
                .as_ref()
                .is_some_and(|t| t.result_sha256.as_str() == executed.result_sha256)
        });
        let previous = previous.map(|p| p.evidence.clone());
        let record = TestRecord {
            test: def.id.clone(),
            outcome: executed.outcome,
            population: executed.population,
            exceptions: executed.exceptions,
            definition: definition.evidence.clone(),
            definition_sha256: definition.sha256.clone(),
            parameters: executed.parameters.clone(),
            components: executed.components.clone(),
            inputs: executed.inputs.clone(),
            exceptions_parquet: Some(parquet.evidence.clone()),
            result_sha256: hex256(&executed.result_sha256),
            engine: executed.engine.clone(),
        };
        let recorded = match unchanged {
            Some(p) => fieldproof_evidence::AddOutcome {
                name: p.name.clone(),
                evidence: p.evidence.clone(),
                sha256: p.sha256.clone(),
                size: p.size,
                entry: fieldproof_evidence::ledger::evidence_seq(&p.evidence).unwrap_or_default(),
                duplicate: true,
                blob_reused: true,
            },
            None => {
                ledger
                    .add_produced(
                        EvidenceKind::TestResult,
                        &format!("test {}: {}", def.id, executed.outcome.as_str()),
                        Produced::Kept(&executed.csv),
                        &Metadata {
                            controls: def.controls.clone(),
                            answers: def.answers.clone(),
                            source: Some(fieldproof_analytics::engine_name()),
                            note: Some(def.title.clone()),
                            test: Some(record),
                            // A new result supersedes the engagement's previous result of this test.
                            supersedes: previous,
                            ..base.clone()
                        },
                    )
                    .await?
            }
        };
        Ok(TestResult {
            test: def.id.clone(),
            title: def.title.clone(),
            controls: def.controls.clone(),
            severity: def.severity,
            outcome: executed.outcome,
            no_data: executed.no_data.clone(),
            population: executed.population,
            exceptions: executed.exceptions,
            exception_meaning: def.exception.clone(),
            columns: executed.columns.clone(),
            first_exceptions: executed.first_rows.clone(),
            parameters: executed
                .parameters
                .iter()
                .map(|(k, v)| (k.clone(), v.parse().unwrap_or(0.0)))
                .collect(),
            definition_sha256: test.sha256.clone(),
            inputs: executed.inputs.clone(),
            result_sha256: executed.result_sha256.clone(),
            evidence: Some(recorded.evidence),
            duplicate: recorded.duplicate,
            reused: executed.reused.clone(),
            files: vec![
                executed.csv.display().to_string(),
                executed.parquet.display().to_string(),
            ],
        })
    }

    /// Draws a Type II sample from a dataset's population for an engagement.
    pub async fn sample(&self, request: &SampleRequest) -> Result<SampleResult> {
        let dataset = dataset_named(&request.dataset)?;
        let ws = self.open().await?;
        let result = async {
            let engagement = self
                .engagement_in(&ws, request.engagement.as_deref())
                .await?;
            let estate = self.estate_for_tests(&ws).await?;
            let (engine, _) = self
                .engine_for(&ws, &engagement, &assess(&estate), &TestRequest::default())
                .await?;
            let seed = match &request.seed {
                Some(s) if !s.trim().is_empty() => s.trim().to_string(),
                Some(_) => {
                    return Err(FieldError::field(Field::Seed, "give a non-empty seed").into())
                }
                None => random_seed()?,
            };
            // First the population, to size the sample from it where the rule needs it.
            let probe = engine
                .sample(dataset, request.condition.as_deref(), 0, &seed)
                .await?;
            let (size, basis) = match &request.size {
                SampleSize::Given(n) => (*n, SizeBasis::Given),
                SampleSize::Attribute(c, t, e) => (
                    sampling::size_attribute(*c, *t, *e).map_err(AppError::Field)?,
                    SizeBasis::Attribute {
                        confidence: *c,
                        tolerable: *t,
                        expected: *e,
                    },
                ),
                SampleSize::Frequency(f) if f.replace('-', "_") == "per_event" => (
                    sampling::size_per_event(probe.population),
                    SizeBasis::PerEvent,
                ),
                SampleSize::Frequency(f) => {
                    let text = match &request.table {
                        Some(path) => {
                            let path = self.path(path);
                            std::fs::read_to_string(&path).map_err(|source| AppError::Io {
                                path: path.clone(),
                                source,
                            })?
                        }
                        None => sampling::DEFAULT_TABLE.to_string(),
                    };
                    let name = request.table.as_ref().map_or_else(
                        || "soc2_sampling_sizes.tsv".to_string(),
                        |p| p.display().to_string(),
                    );
                    let table = sampling::parse_table(&text, &name).map_err(AppError::Input)?;
                    (
                        sampling::size_for_frequency(&table, f).map_err(AppError::Field)?,
                        SizeBasis::Frequency {
                            frequency: f.clone(),
                        },
                    )
                }
            };
            let size = size.min(probe.population);
            let drawn = engine
                .sample(dataset, request.condition.as_deref(), size, &seed)
                .await?;
            Ok(SampleResult {
                dataset: dataset.name.to_string(),
                engagement: Some(engagement.id.clone()),
                period: engagement.period.to_string(),
                condition: request.condition.clone(),
                population: drawn.population,
                population_sha256: drawn.population_sha256,
                size,
                basis,
                seed,
                columns: drawn.columns,
                rows: drawn
                    .rows
                    .into_iter()
                    .map(|(rank, key, values)| SampleRow { rank, key, values })
                    .collect(),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// Writes synthetic data for an estate with known exceptions and a truth file.
    pub async fn generate(
        &self,
        request: &GenerateRequest,
        progress: Progress<'_>,
    ) -> Result<GenerateResult> {
        let estate = self.estate(&request.estate, progress).await?;
        let assessment = assess(&estate);
        let targets = assessment
            .by_id()
            .map(|(c, d)| generate::Target::of(c, d))
            .collect();
        let start = match &request.start {
            Some(s) => Date::parse(s).map_err(|e| FieldError::field(Field::Start, e))?,
            None => Date::parse("2026-01-01").map_err(AppError::Input)?,
        };
        let out = self.path(&request.out);
        let truth = generate::generate(
            &generate::Options {
                targets,
                devices: request.devices,
                days: request.days,
                start,
                rate: request.rate,
                scale: request.scale,
                seed: request.seed,
                clean: request.clean,
            },
            &out,
        )?;
        Ok(GenerateResult {
            directory: out.display().to_string(),
            period: truth.period.clone(),
            devices: truth.devices,
            rate: truth.rate,
            scale: truth.scale,
            clean: truth.clean,
            files: truth.files.clone(),
            rows: truth.rows.clone(),
            exceptions: truth
                .exceptions
                .iter()
                .map(|(k, v)| (k.clone(), v.len()))
                .collect(),
            truth: out.join("truth.json").display().to_string(),
        })
    }
}

fn parse_overrides(params: &[String]) -> Result<BTreeMap<String, f64>> {
    let mut overrides: BTreeMap<String, f64> = BTreeMap::new();
    for p in params {
        let (name, value) = p
            .split_once('=')
            .ok_or_else(|| FieldError::value(Field::Param, p, "write NAME=VALUE"))?;
        let value: f64 = value.trim().parse().map_err(|_| {
            FieldError::value(
                Field::Param,
                p,
                format!("'{}' is not a number", value.trim()),
            )
        })?;
        overrides.insert(name.trim().to_string(), value);
    }
    Ok(overrides)
}

/// A SHA-256 in hex as the ledger types it (the engine produces well-formed hex).
fn hex256(text: &str) -> Sha256Hex {
    Sha256Hex::parse(text).unwrap_or_else(|_| Sha256Hex::of(text.as_bytes()))
}

fn random_seed() -> Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        FieldError::field(
            Field::Seed,
            format!("no random seed could be drawn ({e}); give one"),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
