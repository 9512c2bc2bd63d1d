//! Running tests on Apache DataFusion.
//!
//! Each dataset's Parquet parts are one table; two views are built on it, so the tests' SQL
//! stays standard and runs unchanged on another engine (DuckDB in the benchmark, Ballista
//! later):
//!
//! - `NAME_all`: every row of the components in scope or shared (datasets without a component
//!   column: every row), for look-backs before the period;
//! - `NAME`: those rows dated in the engagement period.
//!
//! Two helper tables: `scope_components` (one row per component in scope or shared, with its
//! kind and facts) and `period_quarters` (the calendar quarters of the period, clipped). The
//! placeholders `{period_start}` and `{period_end}` are the period's first instant and the
//! instant after its last day; test parameters are numbers.
//!
//! The exception rows are sorted on every column and written as CSV (the canonical form that is
//! hashed) and as Parquet.

use crate::library::LoadedTest;
use crate::parts_store::PartsStore;
use crate::timestamp;
use crate::{hex, io, AnalyticsError, Result};
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::catalog::TableProvider;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::datasource::empty::EmptyTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::ViewTable;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{lit, Expr, LogicalPlanBuilder};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{SessionConfig, SessionContext};
use fieldproof_core::control_test::{substitute, Input, Outcome};
use fieldproof_core::dataset::{self, Dataset};
use fieldproof_core::engagement::Period;
use fieldproof_core::safe_text::spreadsheet_record;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod incremental;

/// A registered dataset part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Dataset name.
    pub dataset: String,
    /// Its evidence id.
    pub evidence: String,
    /// SHA-256 of the Parquet file.
    pub sha256: String,
    /// Rows.
    pub rows: u64,
    /// Where the Parquet file is.
    pub path: PathBuf,
}

/// A component in scope or shared, as the tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedComponent {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// `in` or `shared`.
    pub scope: String,
    /// Whether it enforces access control.
    pub enforces_access_control: bool,
    /// Whether it affects availability.
    pub affects_availability: bool,
    /// Whether it feeds financial reporting.
    pub affects_financial_reporting: bool,
    /// For a device fleet: its device class and the longest silence expected, in hours.
    pub telemetry: Option<(String, u32)>,
    /// The IANA time zone of its site, when it has its own.
    pub time_zone: Option<String>,
}

impl ScopedComponent {
    /// A component and its scope decision as the tests see them.
    pub fn of(c: &fieldproof_core::Component, d: &fieldproof_core::ScopeDecision) -> Self {
        use fieldproof_core::Fact;
        ScopedComponent {
            id: c.id.clone(),
            kind: c.kind.as_str().to_string(),
            scope: d.scope.as_str().to_string(),
            enforces_access_control: c.has(Fact::EnforcesAccessControl),
            affects_availability: c.has(Fact::AffectsAvailability),
            affects_financial_reporting: c.has(Fact::AffectsFinancialReporting),
            telemetry: c
                .telemetry
                .as_ref()
                .map(|t| (t.device_class.clone(), t.max_gap_hours)),
            time_zone: c.time_zone.clone(),
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The engagement period.
    pub period: Period,
    /// The IANA time zone the period's days are counted in (the estate's; none: UTC), for rows
    /// of no component with a time zone of its own.
    pub time_zone: Option<String>,
    /// Components in scope or shared.
    pub components: Vec<ScopedComponent>,
    /// Registered parts.
    pub parts: Vec<Part>,
    /// Where DataFusion may spill.
    pub spill_dir: PathBuf,
    /// Memory the engine may use before spilling, in bytes.
    pub memory_limit: usize,
    /// Parallel partitions (default: the number of cores).
    pub partitions: usize,
    /// Run the queries on the Ballista cluster whose scheduler is at this URL
    /// (`df://HOST:PORT`) instead of in this process (the `cluster` feature).
    pub cluster: Option<String>,
    /// Where the cluster's executors read the parts when they share no file system with this
    /// process: the run copies each part there first ([`crate::parts_store`]). None: at the
    /// parts' local paths.
    pub cluster_parts: Option<PartsStore>,
    /// Keep each test's result under this directory and, on the next run, reuse it: a test
    /// whose parts are unchanged is not run again, and a test declaring `incremental` runs
    /// only over the new parts of that dataset and adds them to its earlier result
    /// (`fieldproof test --incremental`). None: every test runs over every part.
    pub cache: Option<PathBuf>,
}

pub use fieldproof_core::control_test::Reuse;

/// A test run's result before it is recorded.
#[derive(Debug, Clone)]
pub struct Executed {
    /// Pass, fail or no data.
    pub outcome: Outcome,
    /// Why no data.
    pub no_data: Option<String>,
    /// Rows tested.
    pub population: u64,
    /// Exception rows.
    pub exceptions: u64,
    /// Exception columns.
    pub columns: Vec<String>,
    /// The first exception rows as text.
    pub first_rows: Vec<Vec<String>>,
    /// The exception CSV written.
    pub csv: PathBuf,
    /// The exception Parquet written.
    pub parquet: PathBuf,
    /// SHA-256 of the CSV.
    pub csv_sha256: String,
    /// The parts read.
    pub inputs: Vec<Input>,
    /// Parameters used, as substituted text.
    pub parameters: BTreeMap<String, String>,
    /// The result hash.
    pub result_sha256: String,
    /// The engine that ran it, recorded with the result (with how much came from an earlier
    /// run, when any did).
    pub engine: String,
    /// The components in scope the run was restricted to, sorted.
    pub components: Vec<String>,
    /// What came from an earlier run (`Setup::cache`).
    pub reused: Option<Reuse>,
}

/// Exception rows written: their columns, how many, and the first rows as text.
type Written = (Vec<String>, u64, Vec<Vec<String>>);

/// The first instant of the period and the instant after its last day, in UTC days.
pub fn period_bounds(period: &Period) -> (i64, i64) {
    let day = 86_400_000_000i64;
    (period.from.days() * day, (period.to.days() + 1) * day)
}

/// The instant local midnight begins day `days` (since 1970-01-01) in `zone`, an IANA name
/// (none, or a name that is not one: UTC). Where clocks skip midnight, the first instant of the
/// day; where midnight happens twice, the first.
pub fn local_midnight(days: i64, zone: Option<&str>) -> i64 {
    use chrono::TimeZone;
    let day = 86_400_000_000i64;
    let Some(tz) = zone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) else {
        return days * day;
    };
    let Some(utc) = chrono::DateTime::from_timestamp(days * 86_400, 0) else {
        return days * day;
    };
    let wall = utc.naive_utc();
    for minutes in (0..=24 * 60).step_by(15) {
        let at = wall + chrono::TimeDelta::minutes(minutes);
        if let Some(local) = tz.from_local_datetime(&at).earliest() {
            return local.timestamp_micros();
        }
    }
    days * day
}

/// The first instant of the period and the instant after its last day, counted in `zone`.
pub fn local_period_bounds(period: &Period, zone: Option<&str>) -> (i64, i64) {
    (
        local_midnight(period.from.days(), zone),
        local_midnight(period.to.days() + 1, zone),
    )
}

impl Setup {
    /// The period's bounds in the estate's time zone.
    pub fn bounds(&self) -> (i64, i64) {
        local_period_bounds(&self.period, self.time_zone.as_deref())
    }

    /// The period's bounds for a component: in its own time zone, else the estate's.
    pub fn bounds_of(&self, c: &ScopedComponent) -> (i64, i64) {
        local_period_bounds(
            &self.period,
            c.time_zone.as_deref().or(self.time_zone.as_deref()),
        )
    }

    /// Where the engine reads a part: its copy in the cluster's bucket, else its local path.
    pub fn location(&self, part: &Part) -> String {
        match &self.cluster_parts {
            Some(store) => store.location(&part.sha256),
            None => part.path.to_string_lossy().into_owned(),
        }
    }

    /// Where the engine reads each of `parts`.
    pub fn locations<'a>(&self, parts: impl IntoIterator<Item = &'a Part>) -> Vec<String> {
        parts.into_iter().map(|p| self.location(p)).collect()
    }

    /// Whether a component counts the period in another time zone than the estate's.
    pub fn zones_differ(&self) -> bool {
        self.components
            .iter()
            .any(|c| c.time_zone.is_some() && c.time_zone != self.time_zone)
    }
}

/// The query engine with the datasets and views of one run registered.
pub struct Engine {
    ctx: SessionContext,
    setup: Setup,
    /// The engine recorded with each result: the DataFusion version, and the cluster's when
    /// the queries run on one.
    name: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("setup", &self.setup)
            .finish_non_exhaustive()
    }
}

fn scope_table(setup: &Setup) -> Result<RecordBatch> {
    let components = &setup.components;
    let instant = || DataType::Timestamp(TimeUnit::Microsecond, None);
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("scope", DataType::Utf8, false),
        Field::new("enforces_access_control", DataType::Boolean, false),
        Field::new("affects_availability", DataType::Boolean, false),
        Field::new("affects_financial_reporting", DataType::Boolean, false),
        Field::new("period_start", instant(), false),
        Field::new("period_end", instant(), false),
    ]));
    let bounds: Vec<(i64, i64)> = components.iter().map(|c| setup.bounds_of(c)).collect();
    let text = |f: fn(&ScopedComponent) -> &str| -> ArrayRef {
        Arc::new(StringArray::from(
            components.iter().map(f).collect::<Vec<_>>(),
        ))
    };
    let flag = |f: fn(&ScopedComponent) -> bool| -> ArrayRef {
        Arc::new(BooleanArray::from(
            components.iter().map(f).collect::<Vec<_>>(),
        ))
    };
    let batch = RecordBatch::try_new(
        schema,
        vec![
            text(|c| &c.id),
            text(|c| &c.kind),
            text(|c| &c.scope),
            flag(|c| c.enforces_access_control),
            flag(|c| c.affects_availability),
            flag(|c| c.affects_financial_reporting),
            Arc::new(TimestampMicrosecondArray::from(
                bounds.iter().map(|b| b.0).collect::<Vec<_>>(),
            )),
            Arc::new(TimestampMicrosecondArray::from(
                bounds.iter().map(|b| b.1).collect::<Vec<_>>(),
            )),
        ],
    )?;
    Ok(batch)
}

/// The OT backups the estate expects: one row (`target`, `kind`) per component in scope or
/// shared whose kind holds a program, configuration or recipes (`Kind::ot_backup`).
fn backup_rows(components: &[ScopedComponent]) -> Vec<(&str, &'static str)> {
    components
        .iter()
        .filter_map(|c| {
            fieldproof_core::Kind::parse(&c.kind)
                .and_then(|k| k.ot_backup())
                .map(|b| (c.id.as_str(), b))
        })
        .collect()
}

fn backup_table(components: &[ScopedComponent]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("target", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
    ]));
    let rows = backup_rows(components);
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
        ],
    )?;
    Ok(batch)
}

/// The expected reporting interval per device class, from the components in scope or shared
/// that state one (`telemetry` in the estate): `device_class`, `max_gap_hours`.
fn telemetry_table(components: &[ScopedComponent]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("device_class", DataType::Utf8, false),
        Field::new("max_gap_hours", DataType::Float64, false),
    ]));
    let rows: Vec<(&str, f64)> = telemetry_rows(components);
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
        ],
    )?;
    Ok(batch)
}

fn telemetry_rows(components: &[ScopedComponent]) -> Vec<(&str, f64)> {
    let mut rows: Vec<(&str, f64)> = components
        .iter()
        .filter_map(|c| {
            c.telemetry
                .as_ref()
                .map(|(class, hours)| (class.as_str(), f64::from(*hours)))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    rows
}

/// A helper table as the engine sees it: its rows as a `VALUES` plan behind a view, or an empty
/// table. Unlike an in-memory table, both travel inside a query plan, so a cluster's executors
/// get them with the query; the local engine reads them the same way.
fn helper_table(batch: RecordBatch) -> Result<Arc<dyn TableProvider>> {
    let schema = batch.schema();
    if batch.num_rows() == 0 {
        return Ok(Arc::new(EmptyTable::new(schema)));
    }
    let rows = (0..batch.num_rows())
        .map(|row| {
            batch
                .columns()
                .iter()
                .map(|column| Ok(lit(ScalarValue::try_from_array(column, row)?)))
                .collect::<Result<Vec<Expr>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    let df_schema = Arc::new(DFSchema::try_from(schema.as_ref().clone())?);
    let values = LogicalPlanBuilder::values_with_schema(rows, &df_schema)?;
    // VALUES names its columns column1, column2, ...: give them the table's names.
    let names: Vec<Expr> = values
        .schema()
        .columns()
        .into_iter()
        .zip(schema.fields())
        .map(|(column, field)| Expr::Column(column).alias(field.name()))
        .collect();
    let plan = values.project(names)?.build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

/// The calendar quarters of a period, clipped to it: (label, start, end exclusive), in UTC.
pub fn quarters(period: &Period) -> Vec<(String, i64, i64)> {
    quarters_in(period, None)
}

/// The calendar quarters of a period, clipped to it, their days counted in `zone`.
pub fn quarters_in(period: &Period, zone: Option<&str>) -> Vec<(String, i64, i64)> {
    let (start, end) = local_period_bounds(period, zone);
    let day = 86_400_000_000i64;
    let first_of = |y: i64, m: i64| {
        timestamp::micros_of(y, m, 1, 0, 0, 0, 0).map(|utc| local_midnight(utc / day, zone))
    };
    let mut out = Vec::new();
    let (mut y, m, _) = timestamp::civil_from_days(period.from.days());
    let mut q = (m - 1) / 3;
    loop {
        let q_start = first_of(y, q * 3 + 1).unwrap_or(start);
        let (ny, nq) = if q == 3 { (y + 1, 0) } else { (y, q + 1) };
        let q_end = first_of(ny, nq * 3 + 1).unwrap_or(end);
        if q_start >= end {
            break;
        }
        out.push((
            format!("{y}-Q{}", q + 1),
            q_start.max(start),
            q_end.min(end),
        ));
        y = ny;
        q = nq;
        if out.len() > 400 {
            break;
        }
    }
    out
}

fn quarter_table(setup: &Setup) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("quarter", DataType::Utf8, false),
        Field::new(
            "starts_at",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new(
            "ends_at",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
    ]));
    let qs = quarters_in(&setup.period, setup.time_zone.as_deref());
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(
                qs.iter().map(|q| q.0.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(TimestampMicrosecondArray::from(
                qs.iter().map(|q| q.1).collect::<Vec<_>>(),
            )),
            Arc::new(TimestampMicrosecondArray::from(
                qs.iter().map(|q| q.2).collect::<Vec<_>>(),
            )),
        ],
    )?;
    Ok(batch)
}

/// The session settings of every engine, local or a cluster's (whose scheduler and executors
/// take them from here too): `partitions` parallel partitions, no information schema.
pub fn session_config(partitions: usize) -> SessionConfig {
    SessionConfig::new()
        .with_target_partitions(partitions.max(1))
        .with_information_schema(false)
}

/// A runtime that reads S3 objects when the parts are in a bucket, else the default one.
#[cfg(feature = "cluster")]
fn runtime_builder(setup: &Setup) -> RuntimeEnvBuilder {
    let builder = RuntimeEnvBuilder::new();
    if setup.cluster_parts.is_some() {
        builder.with_object_store_registry(crate::parts_store::stores())
    } else {
        builder
    }
}

#[cfg(not(feature = "cluster"))]
fn runtime_builder(_setup: &Setup) -> RuntimeEnvBuilder {
    RuntimeEnvBuilder::new()
}

/// Copies the parts to the bucket (whether a run needs a cluster for it is the use case's rule).
#[cfg(feature = "cluster")]
async fn publish(store: &PartsStore, parts: &[Part]) -> Result<()> {
    crate::parts_store::publish(store, parts).await
}

#[cfg(not(feature = "cluster"))]
async fn publish(store: &PartsStore, _parts: &[Part]) -> Result<()> {
    Err(AnalyticsError::Input(format!(
        "cannot read the parts from {}: this fieldproof was built without the `cluster` feature; build it with `cargo build --release --features cluster` (docs/scale-out.md)",
        store.url
    )))
}

#[cfg(feature = "cluster")]
async fn remote(
    url: &str,
    config: SessionConfig,
    runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
) -> Result<(SessionContext, String)> {
    let ctx = crate::cluster::remote_context(url, config, runtime).await?;
    let name = format!(
        "{} on ballista {} at {url}",
        crate::engine_name(),
        crate::cluster::BALLISTA_VERSION
    );
    Ok((ctx, name))
}

#[cfg(not(feature = "cluster"))]
async fn remote(
    url: &str,
    _config: SessionConfig,
    _runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
) -> Result<(SessionContext, String)> {
    Err(AnalyticsError::Input(format!(
        "cannot run on the cluster at {url}: this fieldproof was built without the `cluster` feature; build it with `cargo build --release --features cluster` (docs/scale-out.md)"
    )))
}

/// The SQL of the two views of a dataset over its raw table `NAME__raw`: the period's bounds
/// in the estate's time zone, or, where components count it in their own (`per_component`),
/// each row's component's bounds from `scope_components`.
pub fn view_sql(dataset: &Dataset, bounds: (i64, i64), per_component: bool) -> [String; 2] {
    let (start, end) = bounds;
    let all = match dataset.component {
        Some(c) => format!(
            "CREATE VIEW {0}_all AS SELECT * FROM {0}__raw WHERE {c} IN (SELECT id FROM scope_components)",
            dataset.name
        ),
        None => format!("CREATE VIEW {0}_all AS SELECT * FROM {0}__raw", dataset.name),
    };
    let dated = match dataset.component {
        Some(c) if per_component => format!(
            "CREATE VIEW {0} AS SELECT d.* FROM {0}_all d JOIN scope_components s ON d.{c} = s.id WHERE d.{1} >= s.period_start AND d.{1} < s.period_end",
            dataset.name, dataset.time
        ),
        _ => format!(
            "CREATE VIEW {0} AS SELECT * FROM {0}_all WHERE {1} >= {2} AND {1} < {3}",
            dataset.name,
            dataset.time,
            timestamp::sql_literal(start),
            timestamp::sql_literal(end)
        ),
    };
    [all, dated]
}

impl Engine {
    /// Copies the parts to the cluster's bucket when the run names one
    /// ([`Setup::cluster_parts`]), then registers every dataset (empty when it has no part),
    /// the views and the helper tables.
    pub async fn new(setup: Setup) -> Result<Engine> {
        if let Some(store) = &setup.cluster_parts {
            publish(store, &setup.parts).await?;
        }
        Engine::open(setup).await
    }

    /// [`Engine::new`] over parts already copied.
    async fn open(setup: Setup) -> Result<Engine> {
        std::fs::create_dir_all(&setup.spill_dir).map_err(io(&setup.spill_dir))?;
        let runtime = runtime_builder(&setup)
            .with_memory_pool(Arc::new(FairSpillPool::new(setup.memory_limit)))
            .with_temp_file_path(setup.spill_dir.clone())
            .build_arc()?;
        let config = session_config(setup.partitions);
        let (ctx, mut name) = match &setup.cluster {
            None => (
                SessionContext::new_with_config_rt(config, runtime),
                crate::engine_name(),
            ),
            Some(url) => remote(url, config, runtime).await?,
        };
        if let Some(store) = &setup.cluster_parts {
            name.push_str(&format!(", parts from {}", store.url));
        }
        ctx.register_table("scope_components", helper_table(scope_table(&setup)?)?)?;
        ctx.register_table("period_quarters", helper_table(quarter_table(&setup)?)?)?;
        ctx.register_table(
            "expected_backups",
            helper_table(backup_table(&setup.components)?)?,
        )?;
        ctx.register_table(
            "telemetry_expectations",
            helper_table(telemetry_table(&setup.components)?)?,
        )?;
        for dataset in dataset::DATASETS {
            let schema = crate::schema::scan(dataset);
            let files: Vec<&Part> = setup
                .parts
                .iter()
                .filter(|p| p.dataset == dataset.name)
                .collect();
            let raw = format!("{}__raw", dataset.name);
            if files.is_empty() {
                ctx.register_table(&raw, Arc::new(EmptyTable::new(schema)))?;
            } else {
                ctx.register_table(&raw, listing(&setup.locations(files), schema)?)?;
            }
            for sql in view_sql(dataset, setup.bounds(), setup.zones_differ()) {
                ctx.sql(&sql).await?.collect().await?;
            }
        }
        Ok(Engine { ctx, setup, name })
    }

    /// The parameters of a test with overrides, as SQL text, with the built-in period bounds.
    pub fn parameters(
        &self,
        test: &LoadedTest,
        overrides: &BTreeMap<String, f64>,
    ) -> Result<BTreeMap<String, String>> {
        for name in overrides.keys() {
            if !test.definition.parameters.contains_key(name) {
                return Err(fieldproof_core::input::FieldError::value(
                    fieldproof_core::input::Field::Param,
                    name,
                    format!(
                        "test {} has no parameter of that name (it has: {})",
                        test.definition.id,
                        test.definition
                            .parameters
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .into());
            }
        }
        let mut values: BTreeMap<String, String> = test
            .definition
            .parameters
            .iter()
            .map(|(k, p)| {
                let v = overrides.get(k).copied().unwrap_or(p.default);
                (k.clone(), number(v))
            })
            .collect();
        let (start, end) = self.setup.bounds();
        values.insert("period_start".into(), timestamp::sql_literal(start));
        values.insert("period_end".into(), timestamp::sql_literal(end));
        Ok(values)
    }

    /// Runs one test and writes its exception rows under `out_dir`.
    pub async fn run(
        &self,
        test: &LoadedTest,
        overrides: &BTreeMap<String, f64>,
        out_dir: &Path,
    ) -> Result<Executed> {
        let def = &test.definition;
        let values = self.parameters(test, overrides)?;
        let population_sql = substitute(&def.population, &values);
        let exceptions_sql = substitute(&def.exceptions, &values);
        let mut inputs: Vec<Input> = self
            .setup
            .parts
            .iter()
            .filter(|p| def.datasets.contains(&p.dataset))
            .map(|p| Input {
                dataset: p.dataset.clone(),
                evidence: p.evidence.clone(),
                sha256: p.sha256.clone(),
                rows: p.rows,
            })
            .collect();
        inputs.sort();
        let missing: Vec<&str> = def
            .datasets
            .iter()
            .filter(|d| !inputs.iter().any(|i| &i.dataset == *d))
            .map(String::as_str)
            .collect();
        let context = |e: AnalyticsError| {
            AnalyticsError::Engine(format!("test {} ({}): {e}", def.id, test.origin))
        };
        std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
        let csv = out_dir.join(format!("{}-exceptions.csv", def.id));
        let parquet = out_dir.join(format!("{}-exceptions.parquet", def.id));
        let (population, written, reused) = if !missing.is_empty() {
            (0, None, None)
        } else if let Some(cache) = &self.setup.cache {
            self.run_cached(
                test,
                [&population_sql, &exceptions_sql],
                [&csv, &parquet],
                cache,
            )
            .await
            .map_err(context)?
        } else {
            let (population, written) = self
                .run_full(&population_sql, &exceptions_sql, &csv, &parquet)
                .await
                .map_err(context)?;
            (population, written, None)
        };
        let no_data = if !missing.is_empty() {
            Some(format!(
                "no data ingested for {}; run `fieldproof ingest`",
                missing.join(", ")
            ))
        } else if population == 0 {
            Some(format!(
                "no rows of {} in the period {} for the components in scope",
                def.datasets.join(", "),
                self.setup.period
            ))
        } else {
            None
        };
        let (columns, exceptions, first_rows) = if let Some(written) = written {
            written
        } else {
            // Nothing tested: an empty exception file with the exception columns.
            let columns = match self.ctx.sql(&exceptions_sql).await {
                Ok(df) => df
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect(),
                Err(_) => def.key.clone(),
            };
            write_empty(&columns, &csv, &parquet)?;
            (columns, 0, Vec::new())
        };
        let csv_sha256 = file_sha256(&csv)?;
        let outcome = match (&no_data, exceptions) {
            (Some(_), _) => Outcome::NoData,
            (None, 0) => Outcome::Pass,
            (None, _) => Outcome::Fail,
        };
        let parameters: BTreeMap<String, String> = values
            .iter()
            .filter(|(k, _)| def.parameters.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut components: Vec<&str> = self
            .setup
            .components
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        components.sort_unstable();
        let binding = serde_json::json!({
            "test": def.id,
            "definition_sha256": test.sha256,
            "parameters": parameters,
            "period": self.setup.period.to_string(),
            "components": components,
            "inputs": inputs.iter().map(|i| &i.sha256).collect::<Vec<_>>(),
            "outcome": outcome.as_str(),
            "population": population,
            "exceptions": exceptions,
            "exceptions_csv_sha256": csv_sha256,
        });
        let result_sha256 = hex(&Sha256::digest(binding.to_string().as_bytes()));
        Ok(Executed {
            outcome,
            no_data,
            population,
            exceptions,
            columns,
            first_rows,
            csv,
            parquet,
            csv_sha256,
            inputs,
            parameters,
            result_sha256,
            engine: match &reused {
                Some(r) => format!("{} ({r})", self.name),
                None => self.name.clone(),
            },
            components: components.iter().map(|c| (*c).to_string()).collect(),
            reused,
        })
    }

    /// Runs a test's queries over every part: the population, and the exception rows written
    /// when there is a population to test.
    async fn run_full(
        &self,
        population_sql: &str,
        exceptions_sql: &str,
        csv: &Path,
        parquet: &Path,
    ) -> Result<(u64, Option<Written>)> {
        let population = self.count(population_sql).await?;
        let written = if population > 0 {
            Some(write_exceptions(&self.ctx, exceptions_sql, csv, parquet).await?)
        } else {
            None
        };
        Ok((population, written))
    }

    async fn count(&self, sql: &str) -> Result<u64> {
        let batches = self
            .ctx
            .sql(&format!("SELECT count(*) AS n FROM ({sql}) AS population"))
            .await?
            .collect()
            .await?;
        let n = batches
            .first()
            .and_then(|b| {
                b.column(0)
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .map(|a| a.value(0))
            })
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The engine recorded with each result.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The session, for queries beyond tests (samples).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Everything another SQL engine needs to run the same tests on the same Parquet files, as
    /// one JSON document: the parts of each dataset with its columns and types, the helper
    /// tables' rows, the view statements in order, and each test's substituted queries.
    /// `fieldproof test --emit-sql` writes it; the benchmark runs it on DuckDB.
    pub fn export_sql(
        &self,
        tests: &[&LoadedTest],
        overrides: &BTreeMap<String, f64>,
    ) -> Result<serde_json::Value> {
        let mut datasets = Vec::new();
        let mut views = Vec::new();
        for dataset in dataset::DATASETS {
            let mut parts: Vec<String> = self
                .setup
                .parts
                .iter()
                .filter(|p| p.dataset == dataset.name)
                .map(|p| p.path.display().to_string())
                .collect();
            parts.sort();
            let mut columns: Vec<serde_json::Value> = dataset
                .columns
                .iter()
                .map(|c| serde_json::json!([c.name, c.ty.as_str()]))
                .collect();
            columns.push(serde_json::json!([dataset::EXTRA, "text"]));
            datasets.push(serde_json::json!({
                "name": dataset.name,
                "table": format!("{}__raw", dataset.name),
                "parts": parts,
                "columns": columns,
            }));
            views.extend(view_sql(
                dataset,
                self.setup.bounds(),
                self.setup.zones_differ(),
            ));
        }
        let mut out_tests = Vec::new();
        for test in tests {
            let (population, exceptions) = self.final_sql(test, overrides)?;
            out_tests.push(serde_json::json!({
                "id": test.definition.id,
                "datasets": test.definition.datasets,
                "definition_sha256": test.sha256,
                "population": population,
                "exceptions": exceptions,
            }));
        }
        let mut document = serde_json::json!({
            "engine": crate::engine_name(),
            "period": self.setup.period.to_string(),
            "datasets": datasets,
        });
        if let (Some(document), serde_json::Value::Object(helpers)) =
            (document.as_object_mut(), self.helper_rows())
        {
            document.extend(helpers);
            document.insert("views".into(), serde_json::json!(views));
            document.insert("tests".into(), serde_json::json!(out_tests));
        }
        Ok(document)
    }

    /// The helper tables' columns and rows, as `export_sql` writes them (and as an incremental
    /// run's cache key binds them).
    fn helper_rows(&self) -> serde_json::Value {
        let mut components: Vec<&ScopedComponent> = self.setup.components.iter().collect();
        components.sort_by(|a, b| a.id.cmp(&b.id));
        let scope: Vec<serde_json::Value> = components
            .iter()
            .map(|c| {
                let (start, end) = self.setup.bounds_of(c);
                serde_json::json!([
                    c.id,
                    c.kind,
                    c.scope,
                    c.enforces_access_control,
                    c.affects_availability,
                    c.affects_financial_reporting,
                    timestamp::format(start),
                    timestamp::format(end)
                ])
            })
            .collect();
        let quarters: Vec<serde_json::Value> =
            quarters_in(&self.setup.period, self.setup.time_zone.as_deref())
                .into_iter()
                .map(|(q, a, b)| serde_json::json!([q, timestamp::format(a), timestamp::format(b)]))
                .collect();
        serde_json::json!({
            "scope_components": {
                "columns": [["id", "text"], ["kind", "text"], ["scope", "text"], ["enforces_access_control", "boolean"], ["affects_availability", "boolean"], ["affects_financial_reporting", "boolean"], ["period_start", "timestamp"], ["period_end", "timestamp"]],
                "rows": scope,
            },
            "period_quarters": {
                "columns": [["quarter", "text"], ["starts_at", "timestamp"], ["ends_at", "timestamp"]],
                "rows": quarters,
            },
            "expected_backups": {
                "columns": [["target", "text"], ["kind", "text"]],
                "rows": backup_rows(&self.setup.components)
                    .into_iter()
                    .map(|(target, kind)| serde_json::json!([target, kind]))
                    .collect::<Vec<_>>(),
            },
            "telemetry_expectations": {
                "columns": [["device_class", "text"], ["max_gap_hours", "float"]],
                "rows": telemetry_rows(&self.setup.components)
                    .into_iter()
                    .map(|(class, hours)| serde_json::json!([class, hours]))
                    .collect::<Vec<_>>(),
            },
        })
    }

    /// The SQL a test runs after substitution: (population, exceptions).
    pub fn final_sql(
        &self,
        test: &LoadedTest,
        overrides: &BTreeMap<String, f64>,
    ) -> Result<(String, String)> {
        let values = self.parameters(test, overrides)?;
        Ok((
            substitute(&test.definition.population, &values),
            substitute(&test.definition.exceptions, &values),
        ))
    }
}

/// A table over Parquet files (local paths or object URLs, [`Setup::location`]) with `schema`.
fn listing(
    files: &[String],
    schema: datafusion::arrow::datatypes::SchemaRef,
) -> Result<Arc<ListingTable>> {
    let urls = files
        .iter()
        .map(ListingTableUrl::parse)
        .collect::<datafusion::error::Result<Vec<_>>>()?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension("");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

/// Runs an exception query and writes its rows, sorted on every column, as CSV (the canonical
/// form that is hashed) and as Parquet.
async fn write_exceptions(
    ctx: &SessionContext,
    sql: &str,
    csv_path: &Path,
    parquet_path: &Path,
) -> Result<Written> {
    let df = ctx.sql(sql).await?;
    let n = df.schema().fields().len();
    let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let sorted = ctx
        .sql(&format!(
            "SELECT * FROM ({sql}) AS exceptions ORDER BY {}",
            order.join(", ")
        ))
        .await?;
    let schema = result_schema(sorted.schema().as_arrow());
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let file = std::fs::File::create(csv_path).map_err(io(csv_path))?;
    let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(file));
    csv.write_record(spreadsheet_record(&columns))
        .map_err(|e| AnalyticsError::Engine(e.to_string()))?;
    let pfile = std::fs::File::create(parquet_path).map_err(io(parquet_path))?;
    let mut parquet = ArrowWriter::try_new(
        pfile,
        Arc::clone(&schema),
        Some(crate::ingest::writer_properties()),
    )?;
    let mut stream = sorted.execute_stream().await?;
    let mut count = 0u64;
    let mut first = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = conform(batch?, &schema)?;
        parquet.write(&batch)?;
        for row in canonical_rows(&batch)? {
            if first.len() < 20 {
                first.push(row.clone());
            }
            // The CSV is for reading in a spreadsheet: no cell may run as a formula. The
            // Parquet file beside it keeps every value exactly.
            csv.write_record(spreadsheet_record(&row))
                .map_err(|e| AnalyticsError::Engine(e.to_string()))?;
            count += 1;
        }
    }
    parquet.close()?;
    csv.flush().map_err(io(csv_path))?;
    Ok((columns, count, first))
}

/// A number as SQL text: whole numbers without a decimal point.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn file_sha256(path: &Path) -> Result<String> {
    crate::ingest::hash_file(path).map(|s| s.sha256)
}

fn write_empty(columns: &[String], csv_path: &Path, parquet_path: &Path) -> Result<()> {
    let mut file = std::fs::File::create(csv_path).map_err(io(csv_path))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(spreadsheet_record(columns))
        .map_err(|e| AnalyticsError::Engine(e.to_string()))?;
    let bytes = w
        .into_inner()
        .map_err(|e| AnalyticsError::Engine(e.to_string()))?;
    file.write_all(&bytes).map_err(io(csv_path))?;
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let pfile = std::fs::File::create(parquet_path).map_err(io(parquet_path))?;
    let mut parquet =
        ArrowWriter::try_new(pfile, schema, Some(crate::ingest::writer_properties()))?;
    parquet.flush()?;
    parquet.close()?;
    Ok(())
}

/// The rows of a batch as canonical text: timestamps RFC 3339 UTC, booleans `true`/`false`,
/// numbers as Rust prints them (shortest round trip), nulls empty.
pub fn canonical_rows(batch: &RecordBatch) -> Result<Vec<Vec<String>>> {
    let formatters: Vec<Box<dyn Fn(usize) -> String + '_>> = batch
        .columns()
        .iter()
        .map(|array| -> Result<Box<dyn Fn(usize) -> String + '_>> {
            Ok(match array.data_type() {
                DataType::Utf8 => {
                    let a = array.as_any().downcast_ref::<StringArray>();
                    Box::new(move |i| {
                        a.filter(|a| a.is_valid(i))
                            .map(|a| a.value(i).to_string())
                            .unwrap_or_default()
                    })
                }
                DataType::Timestamp(TimeUnit::Microsecond, _) => {
                    let a = array.as_any().downcast_ref::<TimestampMicrosecondArray>();
                    Box::new(move |i| {
                        a.filter(|a| a.is_valid(i))
                            .map(|a| timestamp::format(a.value(i)))
                            .unwrap_or_default()
                    })
                }
                DataType::Boolean => {
                    let a = array.as_any().downcast_ref::<BooleanArray>();
                    Box::new(move |i| {
                        a.filter(|a| a.is_valid(i))
                            .map(|a| a.value(i).to_string())
                            .unwrap_or_default()
                    })
                }
                DataType::Int64 => {
                    let a = array.as_any().downcast_ref::<Int64Array>();
                    Box::new(move |i| {
                        a.filter(|a| a.is_valid(i))
                            .map(|a| a.value(i).to_string())
                            .unwrap_or_default()
                    })
                }
                DataType::Float64 => {
                    let a = array.as_any().downcast_ref::<Float64Array>();
                    Box::new(move |i| {
                        a.filter(|a| a.is_valid(i))
                            .map(|a| a.value(i).to_string())
                            .unwrap_or_default()
                    })
                }
                _ => {
                    let options = FormatOptions::default().with_null("");
                    let f = ArrayFormatter::try_new(array.as_ref(), &options)?;
                    Box::new(move |i| f.value(i).to_string())
                }
            })
        })
        .collect::<Result<_>>()?;
    Ok((0..batch.num_rows())
        .map(|i| formatters.iter().map(|f| f(i)).collect())
        .collect())
}

/// The schema exception rows are written in: the plan's, with every timestamp as the datasets
/// store it, microseconds without a zone (UTC by convention, written with `Z`). A result then
/// does not depend on how an engine version coerces types: DataFusion 55 types a UNION of
/// microsecond timestamps with `CAST(NULL AS TIMESTAMP)` as nanoseconds where 54 kept
/// microseconds (apache/datafusion#22759), which would change the CSV and the result hash of
/// the same rows.
fn result_schema(plan: &Schema) -> Arc<Schema> {
    let fields: Vec<Field> = plan
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Timestamp(_, _) => f
                .as_ref()
                .clone()
                .with_data_type(DataType::Timestamp(TimeUnit::Microsecond, None)),
            // Text is scanned as views (`schema::scan`) and written as plain strings.
            DataType::Utf8View => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, plan.metadata().clone()))
}

/// A batch in the result schema: columns whose type differs are cast to it.
fn conform(batch: RecordBatch, schema: &Arc<Schema>) -> Result<RecordBatch> {
    if batch.schema().fields() == schema.fields() {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(Arc::clone(column))
            } else {
                datafusion::arrow::compute::cast(column, field.data_type())
            }
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}
