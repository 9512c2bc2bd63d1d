//! A dataset's key holds across its parts: re-ingesting an export that overlaps one already
//! stored (yesterday's file exported again with today's) must not put a row in twice, or a test
//! such as `ti-replay` would see the same message accepted twice.
//!
//! A row whose key is already stored with the same values is left out and counted as already
//! stored; a row whose key is stored with other values is rejected (the rejects file says which
//! key and why) and the stored row stands. For a dataset whose key includes its time column
//! (events: telemetry, identity lifecycle, alarms, backups, ...) only the earlier parts whose
//! time range overlaps the new one are read, and only their rows within its time range; a
//! dataset keyed by its own identifiers (tickets, sessions, releases, batches) is checked
//! against all its earlier parts, since a record exported again may carry another date. Memory:
//! about 40 bytes per earlier row read.
//!
//! Keys and rows are compared by 128- and 64-bit SipHash digests under keys chosen at random
//! for each ingestion, so no input can be crafted to collide.

use crate::ingest::IngestedPart;
use crate::{io, AnalyticsError, Result};
use datafusion::arrow::array::{
    Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use fieldproof_core::dataset::Dataset;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An earlier part of the same dataset: its Parquet file and the first and last instant of its
/// time column (UTC microseconds).
#[derive(Debug, Clone)]
pub struct StoredPart {
    /// The Parquet file.
    pub path: PathBuf,
    /// Rows it holds.
    pub rows: u64,
    /// First value of the time column.
    pub min_ts: i64,
    /// Last value of the time column.
    pub max_ts: i64,
}

/// Whether the dataset's key includes its time column, so that only parts and rows in the new
/// part's time range can share a key with it.
pub fn keyed_by_time(dataset: &Dataset) -> bool {
    dataset.key.contains(&dataset.time)
}

/// One column of a batch, typed, for hashing.
enum Col<'a> {
    Text(&'a StringArray),
    Ts(&'a TimestampMicrosecondArray),
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    Float(&'a Float64Array),
    /// A column the part does not have (written before the column existed): null.
    Missing,
}

impl Col<'_> {
    fn of<'a>(batch: &'a RecordBatch, name: &str) -> Col<'a> {
        let Some(array) = batch.column_by_name(name) else {
            return Col::Missing;
        };
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            Col::Text(a)
        } else if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
            Col::Ts(a)
        } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
            Col::Bool(a)
        } else if let Some(a) = any.downcast_ref::<Int64Array>() {
            Col::Int(a)
        } else if let Some(a) = any.downcast_ref::<Float64Array>() {
            Col::Float(a)
        } else {
            Col::Missing
        }
    }

    fn feed(&self, i: usize, h: &mut impl Hasher) {
        let valid = match self {
            Col::Text(a) => a.is_valid(i),
            Col::Ts(a) => a.is_valid(i),
            Col::Bool(a) => a.is_valid(i),
            Col::Int(a) => a.is_valid(i),
            Col::Float(a) => a.is_valid(i),
            Col::Missing => false,
        };
        if !valid {
            h.write_u8(0);
            return;
        }
        h.write_u8(1);
        match self {
            Col::Text(a) => {
                let v = a.value(i).as_bytes();
                h.write_usize(v.len());
                h.write(v);
            }
            Col::Ts(a) => h.write_i64(a.value(i)),
            Col::Bool(a) => h.write_u8(u8::from(a.value(i))),
            Col::Int(a) => h.write_i64(a.value(i)),
            Col::Float(a) => h.write_u64(a.value(i).to_bits()),
            Col::Missing => {}
        }
    }

    fn text(&self, i: usize) -> String {
        match self {
            Col::Text(a) if a.is_valid(i) => a.value(i).to_string(),
            Col::Ts(a) if a.is_valid(i) => crate::timestamp::format(a.value(i)),
            Col::Bool(a) if a.is_valid(i) => a.value(i).to_string(),
            Col::Int(a) if a.is_valid(i) => a.value(i).to_string(),
            Col::Float(a) if a.is_valid(i) => a.value(i).to_string(),
            _ => String::new(),
        }
    }
}

/// Digests of a row: its key (128 bits) and its values (64 bits).
struct Digests {
    key: [RandomState; 2],
    row: RandomState,
}

impl Digests {
    fn new() -> Digests {
        Digests {
            key: [RandomState::new(), RandomState::new()],
            row: RandomState::new(),
        }
    }

    fn of(&self, key: &[Col<'_>], values: &[Col<'_>], i: usize) -> (u128, u64) {
        let mut a = self.key[0].build_hasher();
        let mut b = self.key[1].build_hasher();
        for c in key {
            c.feed(i, &mut a);
            c.feed(i, &mut b);
        }
        let mut r = self.row.build_hasher();
        for c in values {
            c.feed(i, &mut r);
        }
        (
            (u128::from(a.finish()) << 64) | u128::from(b.finish()),
            r.finish(),
        )
    }
}

fn batches(path: &Path) -> Result<impl Iterator<Item = Result<RecordBatch>>> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.build()?;
    Ok(reader.map(|b| b.map_err(AnalyticsError::from)))
}

/// Leaves out of `part` the rows whose key `earlier` parts already hold (see the module's
/// documentation), rewriting its Parquet file; the counts, time range and rejects follow.
/// Returns how many rows were left out as already stored. An error when no row is left.
pub fn drop_stored_rows(
    part: &mut IngestedPart,
    dataset: &Dataset,
    earlier: &[StoredPart],
) -> Result<u64> {
    let by_time = keyed_by_time(dataset);
    let (lo, hi) = if by_time {
        (part.min_ts, part.max_ts)
    } else {
        (i64::MIN, i64::MAX)
    };
    let overlapping: Vec<&StoredPart> = earlier
        .iter()
        .filter(|p| p.min_ts <= hi && p.max_ts >= lo)
        .collect();
    if overlapping.is_empty() {
        return Ok(0);
    }
    let digests = Digests::new();
    let key_names: Vec<&str> = dataset.key.to_vec();
    let value_names: Vec<&str> = dataset.columns.iter().map(|c| c.name).collect();
    let mut stored: HashMap<u128, u64> = HashMap::new();
    for p in overlapping {
        for batch in batches(&p.path)? {
            let batch = batch?;
            let time = Col::of(&batch, dataset.time);
            let key: Vec<Col> = key_names.iter().map(|n| Col::of(&batch, n)).collect();
            let values: Vec<Col> = value_names.iter().map(|n| Col::of(&batch, n)).collect();
            let Col::Ts(ts) = time else { continue };
            for i in 0..batch.num_rows() {
                if ts.is_valid(i) && (lo..=hi).contains(&ts.value(i)) {
                    let (k, r) = digests.of(&key, &values, i);
                    stored.entry(k).or_insert(r);
                }
            }
        }
    }
    if stored.is_empty() {
        return Ok(0);
    }
    let rewritten = part.parquet.with_extension("dedup.tmp");
    let schema = crate::schema::of(dataset);
    let file = std::fs::File::create(&rewritten).map_err(io(&rewritten))?;
    let mut writer = ArrowWriter::try_new(
        file,
        std::sync::Arc::clone(&schema),
        Some(crate::ingest::writer_properties()),
    )?;
    let (mut kept, mut already, mut conflicts) = (0u64, 0u64, Vec::new());
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    for batch in batches(&part.parquet)? {
        let batch = batch?;
        let key: Vec<Col> = key_names.iter().map(|n| Col::of(&batch, n)).collect();
        let values: Vec<Col> = value_names.iter().map(|n| Col::of(&batch, n)).collect();
        let Col::Ts(ts) = Col::of(&batch, dataset.time) else {
            continue;
        };
        let mut keep = Vec::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            let (k, r) = digests.of(&key, &values, i);
            let verdict = match stored.get(&k) {
                None => true,
                Some(s) if *s == r => {
                    already += 1;
                    false
                }
                Some(_) => {
                    let named: Vec<String> = key_names
                        .iter()
                        .zip(&key)
                        .map(|(n, c)| format!("{n}={}", c.text(i)))
                        .collect();
                    conflicts.push(named.join(", "));
                    false
                }
            };
            if verdict {
                kept += 1;
                min = min.min(ts.value(i));
                max = max.max(ts.value(i));
            }
            keep.push(verdict);
        }
        let filtered = filter_record_batch(&batch, &BooleanArray::from(keep))?;
        if filtered.num_rows() > 0 {
            writer.write(&filtered)?;
        }
    }
    writer.close()?;
    if kept == 0 {
        let _ = std::fs::remove_file(&rewritten);
        return Err(AnalyticsError::Input(format!(
            "{}: every row is already stored in earlier parts of {} ({already} the same, {} with other values under the same key); nothing was stored",
            part.source.name,
            dataset.name,
            conflicts.len()
        )));
    }
    std::fs::rename(&rewritten, &part.parquet).map_err(io(&part.parquet))?;
    if !conflicts.is_empty() {
        let path = match &part.rejects {
            Some(p) => p.clone(),
            None => part.parquet.with_extension("rejects.jsonl"),
        };
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        for key in &conflicts {
            let line = serde_json::json!({
                "file": part.source.name,
                "line": serde_json::Value::Null,
                "reason": format!("the key ({key}) is already stored in an earlier part with other values; the stored row stands (correct the source, or investigate which is right)"),
                "record": key,
            })
            .to_string();
            out.write_all(line.as_bytes()).map_err(io(&path))?;
            out.write_all(b"\n").map_err(io(&path))?;
            if part.first_rejections.len() < 5 {
                part.first_rejections.push(line);
            }
        }
        part.rejects = Some(path);
        part.rejected += conflicts.len() as u64;
    }
    part.rows = kept;
    part.min_ts = min;
    part.max_ts = max;
    Ok(already)
}
