//! Incremental runs (`Setup::cache`, `fieldproof test --incremental`): a test's result is kept
//! with the parts it covers, and the next run over more parts adds to it instead of running
//! again over everything.
//!
//! A result is kept under a *context key*: the SHA-256 of everything a result depends on except
//! the parts of the test's `incremental` dataset — the engine, the test file's hash, its
//! substituted queries (parameters and period bounds), the helper tables' rows, the views, and
//! the hashes of the parts of the test's other datasets. Within that context each kept result
//! names the parts of the `incremental` dataset it covers. A run looks for the kept result
//! covering the most of the current parts and no other part:
//!
//! - none: the test runs in full, and its result is kept;
//! - the same parts: nothing the test reads changed, and the kept rows are its result;
//! - fewer parts: the queries run over only the new parts (with the other datasets whole),
//!   their population is added and their exception rows are merged with the kept ones, sorted
//!   on every column as a full run sorts them. With `incremental_key`, the exception query runs
//!   instead over the rows of every part whose key the new parts hold, and its rows replace the
//!   kept rows of those keys.
//!
//! A test without `incremental` has no varying dataset, so it is reused only when nothing it
//! reads changed. The result — population, exception rows, CSV bytes, result hash — equals a
//! full run's because the author declares the test's rows come one from each row of the
//! `incremental` dataset, or its exception rows from the rows sharing the key (the truth tests
//! check every bundled declaration against full runs).
//! A kept Parquet file whose SHA-256 no longer matches its entry is never used.

use super::{
    file_sha256, hex, listing, session_config, view_sql, write_exceptions, Engine, Part, Reuse,
    Setup, Written,
};
use crate::library::LoadedTest;
use crate::{io, AnalyticsError, Result};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::prelude::SessionContext;
use fieldproof_core::dataset;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The version of the kept results' layout, bound into every context key.
const FORMAT: u32 = 1;

/// A kept result, `SET.json` beside its rows in `SET.parquet`.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// SHA-256 of the parts of the `incremental` dataset the result covers, sorted.
    parts: Vec<String>,
    /// The population over those parts.
    population: u64,
    /// SHA-256 of `SET.parquet`.
    parquet_sha256: String,
}

/// What [`Engine::run_cached`] gives back: the population, the exception rows written (none
/// when nothing was tested) and what was reused.
type Cached = (u64, Option<Written>, Option<Reuse>);

fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

impl Engine {
    /// Runs a test's `[population, exceptions]` queries, writing the rows to `[csv, parquet]`,
    /// from and into the kept results under `cache` (see the module documentation).
    pub(super) async fn run_cached(
        &self,
        test: &LoadedTest,
        [population_sql, exceptions_sql]: [&String; 2],
        [csv, parquet]: [&PathBuf; 2],
        cache: &Path,
    ) -> Result<Cached> {
        let def = &test.definition;
        let over = def.incremental.as_deref();
        let (varying, fixed): (Vec<&Part>, Vec<&Part>) = self
            .setup
            .parts
            .iter()
            .filter(|p| def.datasets.contains(&p.dataset))
            .partition(|p| Some(p.dataset.as_str()) == over);
        let current: BTreeSet<&str> = varying.iter().map(|p| p.sha256.as_str()).collect();
        if current.len() != varying.len() {
            // The same part registered twice: a union of per-part results would not count its
            // rows as the full run does, so run in full and keep nothing.
            let (population, written) = self
                .run_full(population_sql, exceptions_sql, csv, parquet)
                .await?;
            return Ok((population, written, None));
        }
        let dir = cache.join(self.context_key(test, [population_sql, exceptions_sql], &fixed));
        let Some((earlier, earlier_rows)) = best_entry(&dir, &current)? else {
            let (population, written) = self
                .run_full(population_sql, exceptions_sql, csv, parquet)
                .await?;
            if written.is_some() {
                keep(&dir, &current, population, parquet)?;
            }
            return Ok((population, written, None));
        };
        let new: Vec<&Part> = varying
            .iter()
            .filter(|p| !earlier.parts.contains(&p.sha256))
            .copied()
            .collect();
        let mut population = earlier.population;
        let scratch = dir.join(format!("new-{}", std::process::id()));
        let written = if new.is_empty() {
            merge(&[earlier_rows], None, [csv, parquet], self.setup.partitions).await
        } else {
            let sub = Engine::open(Setup {
                parts: fixed.iter().chain(&new).map(|p| (*p).clone()).collect(),
                cache: None,
                ..self.setup.clone()
            })
            .await?;
            population += sub.count(population_sql).await?;
            std::fs::create_dir_all(&scratch).map_err(io(&scratch))?;
            let rows = scratch.join("exceptions.parquet");
            let key = &def.incremental_key;
            // One row per row: the new parts' rows. Grouped: every group the new parts touch,
            // recomputed over every part.
            let (engine, replaced) = if key.is_empty() {
                (sub, None)
            } else {
                let dataset = over.and_then(dataset::dataset).ok_or_else(|| {
                    AnalyticsError::Input(format!("test {}: no dataset to add parts of", def.id))
                })?;
                let groups = NewGroups {
                    dataset,
                    key,
                    parts: new.clone(),
                };
                (self.restricted(&groups).await?, Some(groups))
            };
            let scratch_csv = scratch.join("exceptions.csv");
            let recomputed = write_exceptions(&engine.ctx, exceptions_sql, &scratch_csv, &rows);
            match recomputed.await {
                Ok(_) => {
                    let files = [earlier_rows, rows];
                    merge(
                        &files,
                        replaced.as_ref(),
                        [csv, parquet],
                        self.setup.partitions,
                    )
                    .await
                }
                Err(e) => Err(e),
            }
        };
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch).map_err(io(&scratch))?;
        }
        let written = written?;
        if !new.is_empty() {
            keep(&dir, &current, population, parquet)?;
        }
        let reused = Reuse {
            dataset: over.filter(|_| !new.is_empty()).map(str::to_string),
            reused: earlier.parts.len(),
            parts: current.len(),
        };
        Ok((population, Some(written), Some(reused)))
    }

    /// This engine with the dataset of `groups` narrowed to the rows of the groups its new
    /// parts touch (in every part): its raw table and both views are replaced.
    async fn restricted(&self, groups: &NewGroups<'_>) -> Result<Engine> {
        let engine = Engine::open(Setup {
            cache: None,
            ..self.setup.clone()
        })
        .await?;
        let name = groups.dataset.name;
        let ctx = &engine.ctx;
        for table in [
            format!("{name}__raw"),
            format!("{name}_all"),
            name.to_string(),
        ] {
            ctx.deregister_table(table.as_str())?;
        }
        let every = self
            .setup
            .locations(self.setup.parts.iter().filter(|p| p.dataset == name));
        let schema = crate::schema::scan(groups.dataset);
        ctx.register_table(
            "incremental_every_part",
            listing(&every, Arc::clone(&schema))?,
        )?;
        let new = self.setup.locations(groups.parts.iter().copied());
        ctx.register_table("incremental_new_parts", listing(&new, schema)?)?;
        ctx.sql(&format!(
            "CREATE VIEW {name}__raw AS SELECT r.* FROM incremental_every_part r LEFT SEMI JOIN ({}) g ON {}",
            groups.distinct("incremental_new_parts"),
            groups.on("r", "g")
        ))
        .await?
        .collect()
        .await?;
        for sql in view_sql(
            groups.dataset,
            self.setup.bounds(),
            self.setup.zones_differ(),
        ) {
            ctx.sql(&sql).await?.collect().await?;
        }
        Ok(engine)
    }

    /// The context key of a test's kept results: everything its result depends on except the
    /// parts of its `incremental` dataset.
    fn context_key(&self, test: &LoadedTest, queries: [&String; 2], fixed: &[&Part]) -> String {
        let mut fixed: Vec<(&str, &str)> = fixed
            .iter()
            .map(|p| (p.dataset.as_str(), p.sha256.as_str()))
            .collect();
        fixed.sort_unstable();
        let views: Vec<[String; 2]> = dataset::DATASETS
            .iter()
            .filter(|d| test.definition.datasets.iter().any(|n| n == d.name))
            .map(|d| view_sql(d, self.setup.bounds(), self.setup.zones_differ()))
            .collect();
        let binding = serde_json::json!({
            "format": FORMAT,
            "engine": crate::engine_name(),
            "test": test.definition.id,
            "definition_sha256": test.sha256,
            "incremental": test.definition.incremental,
            "queries": queries,
            "helpers": self.helper_rows(),
            "views": views,
            "parts": fixed,
        });
        sha256_hex(&binding.to_string())
    }
}

/// The kept result in `dir` covering the most parts, all of them among `current`, whose rows
/// are intact: its entry and its Parquet file.
fn best_entry(dir: &Path, current: &BTreeSet<&str>) -> Result<Option<(Entry, PathBuf)>> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let mut best: Option<(Entry, PathBuf)> = None;
    for file in listing.filter_map(|e| e.ok().map(|e| e.path())) {
        if file.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Some(entry) = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Entry>(&b).ok())
        else {
            continue;
        };
        if !entry.parts.iter().all(|p| current.contains(p.as_str()))
            || best
                .as_ref()
                .is_some_and(|(b, _)| b.parts.len() >= entry.parts.len())
        {
            continue;
        }
        let rows = file.with_extension("parquet");
        if rows.is_file() && file_sha256(&rows)? == entry.parquet_sha256 {
            best = Some((entry, rows));
        }
    }
    Ok(best)
}

/// Keeps the result over `parts` (its rows are `rows`) in `dir`, and drops the kept results it
/// covers.
fn keep(dir: &Path, parts: &BTreeSet<&str>, population: u64, rows: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let list: Vec<String> = parts.iter().map(|p| (*p).to_string()).collect();
    let name = sha256_hex(&list.join("\n"));
    let kept_rows = dir.join(format!("{name}.parquet"));
    std::fs::copy(rows, &kept_rows).map_err(io(&kept_rows))?;
    let entry = Entry {
        parts: list,
        population,
        parquet_sha256: file_sha256(&kept_rows)?,
    };
    let text =
        serde_json::to_vec_pretty(&entry).map_err(|e| AnalyticsError::Engine(e.to_string()))?;
    let staged = dir.join(format!("{name}.json.new"));
    std::fs::write(&staged, text).map_err(io(&staged))?;
    let json = dir.join(format!("{name}.json"));
    std::fs::rename(&staged, &json).map_err(io(&json))?;
    for file in std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
    {
        if file == json || file.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let covered = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Entry>(&b).ok())
            .is_some_and(|e| e.parts.iter().all(|p| parts.contains(p.as_str())));
        if covered {
            let _ = std::fs::remove_file(file.with_extension("parquet"));
            let _ = std::fs::remove_file(&file);
        }
    }
    Ok(())
}

/// The groups of rows (by `key`) that new parts of a dataset touch.
struct NewGroups<'a> {
    dataset: &'static dataset::Dataset,
    key: &'a [String],
    /// The new parts.
    parts: Vec<&'a Part>,
}

impl NewGroups<'_> {
    /// The distinct groups of `table`, as SQL.
    fn distinct(&self, table: &str) -> String {
        format!("SELECT DISTINCT {} FROM {table}", self.key.join(", "))
    }

    /// The join condition of `a` and `b` on every key column, nulls equal (a null is a group
    /// as `GROUP BY` makes it one).
    fn on(&self, a: &str, b: &str) -> String {
        self.key
            .iter()
            .map(|c| format!("({a}.{c} IS NOT DISTINCT FROM {b}.{c})"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// Exception rows written as one result, sorted on every column: the kept rows `files[0]` and
/// the rows over the new parts `files[1]`; with `replaced`, the kept rows of the groups the new
/// parts touch are left out (the new rows recompute them).
async fn merge(
    files: &[PathBuf],
    replaced: Option<&NewGroups<'_>>,
    [csv, parquet]: [&PathBuf; 2],
    partitions: usize,
) -> Result<Written> {
    let first = std::fs::File::open(&files[0]).map_err(io(&files[0]))?;
    // This engine runs here, on the files of this machine.
    let local = |files: &[&Path]| -> Vec<String> {
        files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect()
    };
    let kept: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let schema = Arc::clone(ParquetRecordBatchReaderBuilder::try_new(first)?.schema());
    let ctx = SessionContext::new_with_config(session_config(partitions));
    let sql = match replaced {
        None => {
            ctx.register_table("kept_and_new", listing(&local(&kept), schema)?)?;
            "SELECT * FROM kept_and_new".to_string()
        }
        Some(groups) => {
            ctx.register_table("kept", listing(&local(&kept[..1]), Arc::clone(&schema))?)?;
            ctx.register_table("recomputed", listing(&local(&kept[1..]), schema)?)?;
            let new: Vec<&Path> = groups.parts.iter().map(|p| p.path.as_path()).collect();
            ctx.register_table(
                "new_parts",
                listing(&local(&new), crate::schema::scan(groups.dataset))?,
            )?;
            format!(
                "SELECT k.* FROM kept k LEFT ANTI JOIN ({}) g ON {} UNION ALL SELECT * FROM recomputed",
                groups.distinct("new_parts"),
                groups.on("k", "g")
            )
        }
    };
    write_exceptions(&ctx, &sql, csv, parquet).await
}
