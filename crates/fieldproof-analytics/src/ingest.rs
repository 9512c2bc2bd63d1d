//! Ingestion: a JSON Lines or CSV export (gzip-compressed or not), read as a stream, mapped,
//! validated row by row against the dataset's schema, and written as one Parquet part.
//!
//! Every row either lands in the part or in the rejects file (JSON Lines: file, line, reason,
//! the record as read), and the counts say how many of each; rows a mapping's filter leaves out
//! are counted as skipped. Memory stays bounded whatever the file size: rows are parsed in
//! chunks of a few megabytes and written as Arrow batches of at most 65,536 rows; JSON Lines
//! chunks are parsed on every core and written in order, so the part is the same bytes for
//! the same input.

use crate::mapping::{ColumnRule, Convert, Mapping};
use crate::timestamp;
use crate::{io, AnalyticsError, Result};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use fieldproof_core::dataset::{Column, ColumnType, Dataset};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per Arrow batch.
const BATCH_ROWS: usize = 65_536;
/// Bytes of JSON Lines parsed per chunk.
const CHUNK_BYTES: usize = 8 << 20;

/// A lookup table given with `--lookup NAME=FILE`, loaded and keyed.
#[derive(Debug, Clone, Default)]
pub struct LookupTable {
    /// Key → column → value (values of several rows with the same key joined by `; `).
    pub rows: HashMap<String, HashMap<String, String>>,
    /// The file, its SHA-256 and size.
    pub source: SourceInfo,
}

/// A file read: name, SHA-256 of its bytes as stored, size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceInfo {
    /// File name.
    pub name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// What ingesting one file produced.
#[derive(Debug, Clone)]
pub struct IngestedPart {
    /// The Parquet file written (in the output directory given).
    pub parquet: PathBuf,
    /// Rows stored.
    pub rows: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Rows the mapping's filter skipped.
    pub skipped: u64,
    /// Earliest time value (microseconds since the epoch).
    pub min_ts: i64,
    /// Latest time value.
    pub max_ts: i64,
    /// The source file.
    pub source: SourceInfo,
    /// The rejects file, when rows were rejected.
    pub rejects: Option<PathBuf>,
    /// The first rejections, for the summary.
    pub first_rejections: Vec<String>,
}

/// How to ingest.
pub struct Options<'a> {
    /// The dataset.
    pub dataset: &'static Dataset,
    /// The mapping, if the source is not in the dataset's own shape.
    pub mapping: Option<&'a Mapping>,
    /// Lookup tables the mapping names.
    pub lookups: &'a BTreeMap<String, LookupTable>,
    /// Threads that parse JSON Lines chunks.
    pub threads: usize,
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("dataset", &self.dataset.name)
            .field("mapping", &self.mapping.map(|m| &m.file.mapping.name))
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Shared progress counter of bytes read from the source file.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<std::sync::atomic::AtomicU64>);

impl Progress {
    /// Bytes read so far.
    pub fn read(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

struct Counting<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress
            .0
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// The source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// Comma-separated values with a header row.
    Csv,
}

/// The format of a file: by extension (after `.gz`), else by its first byte.
pub fn format_of(path: &Path, first: Option<u8>) -> Format {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.trim_end_matches(".gz");
    if name.ends_with(".csv") || name.ends_with(".tsv") {
        Format::Csv
    } else if name.ends_with(".jsonl")
        || name.ends_with(".ndjson")
        || name.ends_with(".json")
        || first == Some(b'{')
    {
        Format::JsonLines
    } else {
        Format::Csv
    }
}

/// The source file's SHA-256 and size, filled in when it has been read to its end.
type SourceDigest = Arc<std::sync::Mutex<Option<(String, u64)>>>;

/// Opens a file for reading through a hasher, a progress counter and, when its first bytes
/// are the gzip magic, a decompressor.
fn open(
    path: &Path,
    progress: &Progress,
) -> Result<(Box<dyn BufRead + Send>, Format, SourceDigest)> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut peek = [0u8; 2];
    let n = {
        let mut f = std::fs::File::open(path).map_err(io(path))?;
        f.read(&mut peek).map_err(io(path))?
    };
    let gz = n == 2 && peek == [0x1f, 0x8b];
    let digest = Arc::new(std::sync::Mutex::new(None));
    let hashing = HashingDone {
        inner: Hashing {
            inner: Counting {
                inner: file,
                progress: progress.clone(),
            },
            hasher: Sha256::new(),
            bytes: 0,
        },
        out: Arc::clone(&digest),
    };
    let mut reader: Box<dyn BufRead + Send> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, hashing)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, hashing))
    };
    let first = reader
        .fill_buf()
        .map_err(io(path))?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace());
    Ok((reader, format_of(path, first), digest))
}

/// Publishes the hash when the whole file has been read (at end of file).
struct HashingDone<R> {
    inner: Hashing<R>,
    out: Arc<std::sync::Mutex<Option<(String, u64)>>>,
}

impl<R: Read> Read for HashingDone<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            let digest = self.inner.hasher.clone().finalize();
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            if let Ok(mut slot) = self.out.lock() {
                *slot = Some((hex, self.inner.bytes));
            }
        }
        Ok(n)
    }
}

/// SHA-256 and size of a whole file.
pub fn hash_file(path: &Path) -> Result<SourceInfo> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(SourceInfo {
        name: file_name(path),
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        size,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

// ---------------------------------------------------------------------------------------------
// Source records.

/// A field of a source record.
#[derive(Debug, Clone)]
enum Field<'a> {
    Missing,
    Null,
    Text(Cow<'a, str>),
    Number(&'a str),
    Bool(bool),
    Nested(&'a str),
}

/// A JSON object's top-level entries, borrowed from the line.
struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some((k, v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    out.push((k.0, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn raw_field(raw: &RawValue) -> Field<'_> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => {
            let inner = &text[1..text.len() - 1];
            if inner.contains('\\') {
                match serde_json::from_str::<String>(text) {
                    Ok(s) => Field::Text(Cow::Owned(s)),
                    Err(_) => Field::Missing,
                }
            } else {
                Field::Text(Cow::Borrowed(inner))
            }
        }
        Some(b'n') => Field::Null,
        Some(b't') => Field::Bool(true),
        Some(b'f') => Field::Bool(false),
        Some(b'{' | b'[') => Field::Nested(text),
        _ => Field::Number(text),
    }
}

/// Looks a dotted path up in a JSON object.
fn json_path<'a>(entries: &[(Cow<'a, str>, &'a RawValue)], path: &str) -> Field<'a> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some((_, raw)) = entries.iter().find(|(k, _)| k == head) else {
        return Field::Missing;
    };
    match rest {
        None => raw_field(raw),
        Some(rest) => {
            // A numeric segment indexes an array: `assets.0.digest`.
            let text: &'a str = raw.get();
            if text.starts_with('[') {
                let (index, after) = match rest.split_once('.') {
                    Some((i, a)) => (i, Some(a)),
                    None => (rest, None),
                };
                let Ok(index) = index.parse::<usize>() else {
                    return Field::Missing;
                };
                let Ok(items) = serde_json::from_str::<Vec<&'a RawValue>>(text) else {
                    return Field::Missing;
                };
                let Some(item) = items.get(index) else {
                    return Field::Missing;
                };
                return match after {
                    None => raw_field(item),
                    Some(after) => match serde_json::from_str::<Entries<'a>>(item.get()) {
                        Ok(inner) => json_path(&inner.0, after),
                        Err(_) => Field::Missing,
                    },
                };
            }
            match serde_json::from_str::<Entries<'a>>(text) {
                Ok(inner) => json_path(&inner.0, rest),
                Err(_) => Field::Missing,
            }
        }
    }
}

/// A source record: a JSON object or a CSV row.
enum Record<'a, 'h> {
    Json(&'a [(Cow<'a, str>, &'a RawValue)]),
    Csv {
        header: &'h [String],
        fields: &'a [&'a str],
    },
}

impl<'a> Record<'a, '_> {
    fn get(&self, path: &str) -> Field<'a> {
        match self {
            Record::Json(entries) => json_path(entries, path),
            Record::Csv { header, fields } => match header.iter().position(|h| h == path) {
                Some(i) => match fields.get(i).copied() {
                    Some("") => Field::Null,
                    Some(v) => Field::Text(Cow::Borrowed(v)),
                    None => Field::Missing,
                },
                None => Field::Missing,
            },
        }
    }

    fn text(field: &Field<'_>) -> Option<String> {
        match field {
            Field::Text(t) => Some(t.to_string()),
            Field::Number(n) => Some((*n).to_string()),
            Field::Bool(b) => Some(b.to_string()),
            Field::Nested(raw) => Some((*raw).to_string()),
            Field::Null | Field::Missing => None,
        }
    }

    /// The source fields no rule reads, as one JSON object.
    fn extra(&self, used: &[String]) -> Option<String> {
        let mut out = String::new();
        let mut push = |key: &str, raw: &str| {
            out.push(if out.is_empty() { '{' } else { ',' });
            out.push_str(&serde_json::to_string(key).unwrap_or_default());
            out.push(':');
            out.push_str(raw);
        };
        match self {
            Record::Json(entries) => {
                for (k, v) in entries.iter() {
                    if !used.iter().any(|u| u == k) {
                        push(k, v.get());
                    }
                }
            }
            Record::Csv { header, fields } => {
                for (h, v) in header.iter().zip(fields.iter()) {
                    if !used.iter().any(|u| u == h) && !v.is_empty() {
                        push(h, &serde_json::to_string(v).unwrap_or_default());
                    }
                }
            }
        }
        if out.is_empty() {
            None
        } else {
            out.push('}');
            Some(out)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Converting a record to a row.

/// One value of a row.
#[derive(Debug, Clone)]
enum Val {
    Null,
    Text(String),
    Ts(i64),
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// The plan for one dataset column: its rule (default: the field of the same name).
struct ColumnPlan {
    column: &'static Column,
    rule: ColumnRule,
    offset: i64,
    zone: Option<chrono_tz::Tz>,
}

/// The UTC instant of a local wall-clock time in `zone`: where clocks go back and the time
/// happens twice, the first; where clocks go forward and it never happens, an error.
fn wall_to_utc(wall_micros: i64, zone: chrono_tz::Tz) -> Result<i64, String> {
    use chrono::TimeZone;
    let wall = chrono::DateTime::from_timestamp_micros(wall_micros)
        .ok_or_else(|| "out of range".to_string())?
        .naive_utc();
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|t| t.timestamp_micros())
        .ok_or_else(|| {
            format!(
                "{wall} never happened in {zone}: clocks went forward over it (daylight saving)"
            )
        })
}

/// Everything needed to turn records into rows: per-column plans, the filter, the top-level
/// source fields read (everything else goes to `extra`).
struct Plan<'a> {
    columns: Vec<ColumnPlan>,
    filters: Vec<(String, Vec<String>)>,
    used: Vec<String>,
    lookups: &'a BTreeMap<String, LookupTable>,
    time_index: usize,
}

impl<'a> Plan<'a> {
    fn new(
        dataset: &'static Dataset,
        mapping: Option<&Mapping>,
        lookups: &'a BTreeMap<String, LookupTable>,
    ) -> Plan<'a> {
        let mut used = Vec::new();
        let columns: Vec<ColumnPlan> = dataset
            .columns
            .iter()
            .map(|column| {
                let rule = mapping
                    .and_then(|m| m.file.columns.get(column.name).cloned())
                    .unwrap_or_else(|| ColumnRule {
                        from: Some(column.name.to_string()),
                        ..ColumnRule::default()
                    });
                if let Some(from) = &rule.from {
                    let head = from.split('.').next().unwrap_or(from).to_string();
                    if !used.contains(&head) {
                        used.push(head);
                    }
                }
                let offset = mapping
                    .and_then(|m| m.offsets.get(column.name).copied())
                    .unwrap_or(0);
                let zone = mapping.and_then(|m| m.zones.get(column.name).copied());
                ColumnPlan {
                    column,
                    rule,
                    offset,
                    zone,
                }
            })
            .collect();
        let filters: Vec<(String, Vec<String>)> = mapping
            .map(|m| {
                m.file
                    .filter
                    .iter()
                    .map(|f| (f.field.clone(), f.values.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (field, _) in &filters {
            let head = field.split('.').next().unwrap_or(field).to_string();
            if !used.contains(&head) {
                used.push(head);
            }
        }
        let time_index = dataset
            .columns
            .iter()
            .position(|c| c.name == dataset.time)
            .unwrap_or(0);
        Plan {
            columns,
            filters,
            used,
            lookups,
            time_index,
        }
    }

    /// Whether the mapping's filters keep the record.
    fn keeps(&self, record: &Record<'_, '_>) -> bool {
        self.filters.iter().all(|(field, values)| {
            Record::text(&record.get(field)).is_some_and(|v| values.contains(&v.to_string()))
        })
    }

    fn value(&self, plan: &ColumnPlan, record: &Record<'_, '_>) -> Result<Val, String> {
        let rule = &plan.rule;
        let column = plan.column;
        let field = if let Some(constant) = &rule.value {
            Field::Text(Cow::Owned(constant.clone()))
        } else if let (Some(table), Some(wanted)) = (&rule.lookup, &rule.column) {
            let key = Record::text(&record.get(rule.from.as_deref().unwrap_or(column.name)));
            match key
                .and_then(|k| self.lookups.get(table)?.rows.get(&k))
                .and_then(|row| row.get(wanted))
            {
                Some(v) => Field::Text(Cow::Owned(v.clone())),
                None => Field::Null,
            }
        } else {
            record.get(rule.from.as_deref().unwrap_or(column.name))
        };
        let source = rule.from.as_deref().unwrap_or(column.name);
        let absent = matches!(field, Field::Missing | Field::Null)
            || matches!(&field, Field::Text(t) if t.is_empty());
        if absent {
            return if column.nullable {
                Ok(Val::Null)
            } else if matches!(field, Field::Missing) {
                Err(format!("{}: no field '{source}'", column.name))
            } else {
                Err(format!("{}: empty, and it is required", column.name))
            };
        }
        match column.ty {
            ColumnType::Text => {
                let mut text = match &field {
                    Field::Nested(_) => {
                        return Err(format!(
                            "{}: '{source}' is an object or array; map a field inside it with a dotted path",
                            column.name
                        ))
                    }
                    other => Record::text(other).unwrap_or_default(),
                };
                if let Some(prefix) = &rule.strip_prefix {
                    if let Some(rest) = text.strip_prefix(prefix.as_str()) {
                        text = rest.to_string();
                    }
                }
                if rule.lowercase {
                    text = text.to_lowercase();
                }
                if !rule.values.is_empty() {
                    let key = fieldproof_core::value_table::key(&text);
                    text = match (rule.values.get(&key), &rule.otherwise) {
                        (Some(v), _) => v.clone(),
                        (None, Some(o)) => o.clone(),
                        (None, None) => {
                            return Err(format!(
                                "{}: '{text}' is not one of the mapped values ({})",
                                column.name,
                                rule.values.keys().cloned().collect::<Vec<_>>().join(", ")
                            ))
                        }
                    };
                }
                if !column.values.is_empty() && !column.values.contains(&text.as_str()) {
                    return Err(format!(
                        "{}: '{text}' is not one of {}",
                        column.name,
                        column.values.join(", ")
                    ));
                }
                Ok(Val::Text(text))
            }
            ColumnType::Timestamp => {
                let text = Record::text(&field).unwrap_or_default();
                let micros = match (rule.convert, &rule.format) {
                    (Some(Convert::EpochSeconds), _) => text
                        .parse::<f64>()
                        .ok()
                        .map(|s| (s * 1_000_000.0).round() as i64),
                    (Some(Convert::EpochMillis), _) => text
                        .parse::<f64>()
                        .ok()
                        .map(|ms| (ms * 1_000.0).round() as i64),
                    (None, Some(layout)) => match plan.zone {
                        Some(zone) => match timestamp::parse_layout(&text, layout, 0) {
                            Some(wall) => Some(
                                wall_to_utc(wall, zone)
                                    .map_err(|why| format!("{}: '{text}': {why}", column.name))?,
                            ),
                            None => None,
                        },
                        None => timestamp::parse_layout(&text, layout, plan.offset),
                    },
                    (None, None) => timestamp::parse_rfc3339(&text),
                };
                micros.map(Val::Ts).ok_or_else(|| {
                    let expected = match (rule.convert, &rule.format) {
                        (Some(Convert::EpochSeconds), _) => "seconds since the epoch".to_string(),
                        (Some(Convert::EpochMillis), _) => {
                            "milliseconds since the epoch".to_string()
                        }
                        (None, Some(layout)) => format!("a date in the layout {layout}"),
                        (None, None) => "an RFC 3339 timestamp (2026-03-01T09:00:00Z)".to_string(),
                    };
                    format!("{}: '{text}' is not {expected}", column.name)
                })
            }
            ColumnType::Boolean => {
                let b = match &field {
                    Field::Bool(b) => Some(*b),
                    other => {
                        let text = Record::text(other).unwrap_or_default();
                        if rule
                            .true_values
                            .iter()
                            .any(|t| t.eq_ignore_ascii_case(&text))
                        {
                            Some(true)
                        } else if rule
                            .false_values
                            .iter()
                            .any(|t| t.eq_ignore_ascii_case(&text))
                        {
                            Some(false)
                        } else if text.eq_ignore_ascii_case("true") {
                            Some(true)
                        } else if text.eq_ignore_ascii_case("false") {
                            Some(false)
                        } else {
                            None
                        }
                    }
                };
                b.map(Val::Bool).ok_or_else(|| {
                    format!(
                        "{}: '{}' is not true or false",
                        column.name,
                        Record::text(&field).unwrap_or_default()
                    )
                })
            }
            ColumnType::Integer => {
                let text = Record::text(&field).unwrap_or_default();
                text.trim()
                    .parse::<i64>()
                    .map(Val::Int)
                    .map_err(|_| format!("{}: '{text}' is not a whole number", column.name))
            }
            ColumnType::Float => {
                let text = Record::text(&field).unwrap_or_default();
                text.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Val::Float)
                    .ok_or_else(|| format!("{}: '{text}' is not a number", column.name))
            }
        }
    }

    /// The row of a record, or why it is rejected.
    fn row(&self, record: &Record<'_, '_>, out: &mut Vec<Val>) -> Result<(), String> {
        out.clear();
        let mut problems = Vec::new();
        for plan in &self.columns {
            match self.value(plan, record) {
                Ok(v) => out.push(v),
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// Arrow builders for one batch.
struct Builders {
    columns: Vec<Builder>,
    extra: StringBuilder,
    rows: usize,
}

enum Builder {
    Text(StringBuilder),
    Ts(TimestampMicrosecondBuilder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
}

impl Builders {
    fn new(dataset: &Dataset) -> Builders {
        Builders {
            columns: dataset
                .columns
                .iter()
                .map(|c| match c.ty {
                    ColumnType::Text => Builder::Text(StringBuilder::new()),
                    ColumnType::Timestamp => Builder::Ts(TimestampMicrosecondBuilder::new()),
                    ColumnType::Boolean => Builder::Bool(BooleanBuilder::new()),
                    ColumnType::Integer => Builder::Int(Int64Builder::new()),
                    ColumnType::Float => Builder::Float(Float64Builder::new()),
                })
                .collect(),
            extra: StringBuilder::new(),
            rows: 0,
        }
    }

    fn push(&mut self, row: &[Val], extra: Option<&str>) {
        for (builder, value) in self.columns.iter_mut().zip(row) {
            match (builder, value) {
                (Builder::Text(b), Val::Text(t)) => b.append_value(t),
                (Builder::Ts(b), Val::Ts(t)) => b.append_value(*t),
                (Builder::Bool(b), Val::Bool(v)) => b.append_value(*v),
                (Builder::Int(b), Val::Int(v)) => b.append_value(*v),
                (Builder::Float(b), Val::Float(v)) => b.append_value(*v),
                (Builder::Text(b), _) => b.append_null(),
                (Builder::Ts(b), _) => b.append_null(),
                (Builder::Bool(b), _) => b.append_null(),
                (Builder::Int(b), _) => b.append_null(),
                (Builder::Float(b), _) => b.append_null(),
            }
        }
        self.extra.append_option(extra);
        self.rows += 1;
    }

    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
        let mut arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Text(b) => Arc::new(b.finish()),
                    Builder::Ts(b) => Arc::new(b.finish()),
                    Builder::Bool(b) => Arc::new(b.finish()),
                    Builder::Int(b) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        arrays.push(Arc::new(self.extra.finish()));
        self.rows = 0;
        Ok(RecordBatch::try_new(Arc::clone(schema), arrays)?)
    }
}

/// What parsing a chunk of rows produced.
#[derive(Default)]
struct Chunk {
    batches: Vec<RecordBatch>,
    rows: u64,
    skipped: u64,
    rejects: Vec<String>,
    min: Option<i64>,
    max: Option<i64>,
}

fn reject_line(file: &str, line: u64, reason: &str, record: &str) -> String {
    serde_json::json!({ "file": file, "line": line, "reason": reason, "record": record })
        .to_string()
}

/// Parses a block of JSON Lines starting at `first_line`.
fn parse_json_chunk(
    block: &[u8],
    first_line: u64,
    plan: &Plan<'_>,
    dataset: &Dataset,
    schema: &SchemaRef,
    file: &str,
) -> Result<Chunk> {
    let mut chunk = Chunk::default();
    let mut builders = Builders::new(dataset);
    let mut row = Vec::with_capacity(dataset.columns.len());
    for (i, raw_line) in block.split(|b| *b == b'\n').enumerate() {
        let line_no = first_line + i as u64;
        let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if raw_line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match std::str::from_utf8(raw_line) {
            Ok(t) => t,
            Err(_) => {
                chunk.rejects.push(reject_line(
                    file,
                    line_no,
                    "not UTF-8 text",
                    &String::from_utf8_lossy(raw_line),
                ));
                continue;
            }
        };
        let entries: Entries<'_> = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(e) => {
                chunk.rejects.push(reject_line(
                    file,
                    line_no,
                    &format!("not a JSON object: {e}"),
                    text,
                ));
                continue;
            }
        };
        let record = Record::Json(&entries.0);
        if !plan.keeps(&record) {
            chunk.skipped += 1;
            continue;
        }
        match plan.row(&record, &mut row) {
            Ok(()) => {
                if let Val::Ts(t) = row[plan.time_index] {
                    chunk.min = Some(chunk.min.map_or(t, |m| m.min(t)));
                    chunk.max = Some(chunk.max.map_or(t, |m| m.max(t)));
                }
                builders.push(&row, record.extra(&plan.used).as_deref());
                chunk.rows += 1;
                if builders.rows >= BATCH_ROWS {
                    chunk.batches.push(builders.finish(schema)?);
                }
            }
            Err(reason) => chunk
                .rejects
                .push(reject_line(file, line_no, &reason, text)),
        }
    }
    if builders.rows > 0 {
        chunk.batches.push(builders.finish(schema)?);
    }
    Ok(chunk)
}

/// Writes batches to Parquet and tracks the counts.
struct Sink {
    writer: ArrowWriter<std::fs::File>,
    path: PathBuf,
    rejects: Option<(std::io::BufWriter<std::fs::File>, PathBuf)>,
    rejects_path: PathBuf,
    first_rejections: Vec<String>,
    rows: u64,
    rejected: u64,
    skipped: u64,
    min: Option<i64>,
    max: Option<i64>,
    /// What the mapping reads, said when its filter left every row out.
    expects: Option<String>,
}

/// The Parquet writer settings of every part: Snappy, row groups of a million rows,
/// statistics for pruning.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1 << 20))
        .set_created_by("fieldproof".to_string())
        .build()
}

impl Sink {
    fn new(schema: &SchemaRef, path: PathBuf, rejects_path: PathBuf) -> Result<Sink> {
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        let writer = ArrowWriter::try_new(file, Arc::clone(schema), Some(writer_properties()))?;
        Ok(Sink {
            writer,
            path,
            rejects: None,
            rejects_path,
            first_rejections: Vec::new(),
            rows: 0,
            rejected: 0,
            skipped: 0,
            min: None,
            max: None,
            expects: None,
        })
    }

    fn take(&mut self, chunk: Chunk) -> Result<()> {
        for batch in &chunk.batches {
            self.writer.write(batch)?;
        }
        self.rows += chunk.rows;
        self.skipped += chunk.skipped;
        self.min = match (self.min, chunk.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, chunk.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if !chunk.rejects.is_empty() {
            if self.rejects.is_none() {
                let file =
                    std::fs::File::create(&self.rejects_path).map_err(io(&self.rejects_path))?;
                self.rejects = Some((std::io::BufWriter::new(file), self.rejects_path.clone()));
            }
            if let Some((w, path)) = self.rejects.as_mut() {
                for line in &chunk.rejects {
                    w.write_all(line.as_bytes()).map_err(io(path))?;
                    w.write_all(b"\n").map_err(io(path))?;
                    if self.first_rejections.len() < 5 {
                        self.first_rejections.push(line.clone());
                    }
                }
            }
            self.rejected += chunk.rejects.len() as u64;
        }
        Ok(())
    }

    fn finish(mut self, source: SourceInfo) -> Result<IngestedPart> {
        self.writer.close()?;
        let rejects = match self.rejects.take() {
            Some((mut w, path)) => {
                w.flush().map_err(io(&path))?;
                Some(path)
            }
            None => None,
        };
        let (Some(min), Some(max)) = (self.min, self.max) else {
            let _ = std::fs::remove_file(&self.path);
            let detail = match &rejects {
                Some(r) => format!(
                    "{} rows rejected, see {} (first: {})",
                    self.rejected,
                    r.display(),
                    self.first_rejections.first().cloned().unwrap_or_default()
                ),
                None if self.skipped > 0 => {
                    format!(
                        "all {} rows were left out by the mapping's filter{}",
                        self.skipped,
                        self.expects
                            .as_ref()
                            .map(|e| format!("; is the file laid out as the mapping expects? {e}"))
                            .unwrap_or_default()
                    )
                }
                None => "the file has no rows".to_string(),
            };
            return Err(AnalyticsError::Input(format!(
                "{}: no valid rows; nothing was stored ({detail})",
                source.name
            )));
        };
        Ok(IngestedPart {
            parquet: self.path,
            rows: self.rows,
            rejected: self.rejected,
            skipped: self.skipped,
            min_ts: min,
            max_ts: max,
            source,
            rejects,
            first_rejections: self.first_rejections,
        })
    }
}

/// Reads the next block of whole lines (about `CHUNK_BYTES`), or `None` at the end.
fn next_block(reader: &mut dyn BufRead, path: &Path) -> Result<Option<(Vec<u8>, u64)>> {
    let mut block = Vec::with_capacity(CHUNK_BYTES + 4096);
    let mut lines = 0u64;
    while block.len() < CHUNK_BYTES {
        let n = reader.read_until(b'\n', &mut block).map_err(io(path))?;
        if n == 0 {
            break;
        }
        lines += 1;
    }
    if block.is_empty() {
        return Ok(None);
    }
    if block.last() == Some(&b'\n') {
        block.pop();
    }
    Ok(Some((block, lines)))
}

/// Ingests one file into a Parquet part written under `out_dir`; the caller registers it.
pub fn ingest_file(
    path: &Path,
    out_dir: &Path,
    options: &Options<'_>,
    progress: &Progress,
) -> Result<IngestedPart> {
    let dataset = options.dataset;
    let schema = crate::schema::of(dataset);
    let plan = Plan::new(dataset, options.mapping, options.lookups);
    let (mut reader, format, digest) = open(path, progress)?;
    let name = file_name(path);
    let stamp = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let parquet = out_dir.join(format!("{}-{stamp}.parquet.tmp", dataset.name));
    let rejects = out_dir.join(format!("{}-{stamp}.rejects.jsonl", dataset.name));
    let mut sink = Sink::new(&schema, parquet, rejects)?;
    sink.expects = options
        .mapping
        .map(|m| format!("{} reads {}", m.file.mapping.name, m.file.mapping.source));
    match format {
        Format::JsonLines => {
            let threads = options.threads.max(1);
            let mut line = 1u64;
            if threads == 1 {
                while let Some((block, lines)) = next_block(&mut *reader, path)? {
                    sink.take(parse_json_chunk(
                        &block, line, &plan, dataset, &schema, &name,
                    )?)?;
                    line += lines;
                }
            } else {
                // Blocks are read in order, parsed on `threads` workers, and written in order.
                let result: Result<()> = std::thread::scope(|scope| {
                    let (work_tx, work_rx) =
                        std::sync::mpsc::sync_channel::<(u64, Vec<u8>, u64)>(threads);
                    let work_rx = Arc::new(std::sync::Mutex::new(work_rx));
                    let (done_tx, done_rx) =
                        std::sync::mpsc::sync_channel::<(u64, Result<Chunk>)>(threads * 2);
                    for _ in 0..threads {
                        let work_rx = Arc::clone(&work_rx);
                        let done_tx = done_tx.clone();
                        let (plan, schema, name) = (&plan, &schema, &name);
                        scope.spawn(move || loop {
                            let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                            let Some((index, block, first)) = next else {
                                break;
                            };
                            let chunk =
                                parse_json_chunk(&block, first, plan, dataset, schema, name);
                            if done_tx.send((index, chunk)).is_err() {
                                break;
                            }
                        });
                    }
                    drop(done_tx);
                    let reader_path = path.to_path_buf();
                    let reader_handle = scope.spawn(move || -> Result<u64> {
                        let mut index = 0u64;
                        let mut line = 1u64;
                        while let Some((block, lines)) = next_block(&mut *reader, &reader_path)? {
                            if work_tx.send((index, block, line)).is_err() {
                                break;
                            }
                            index += 1;
                            line += lines;
                        }
                        Ok(index)
                    });
                    let mut pending: BTreeMap<u64, Chunk> = BTreeMap::new();
                    let mut next = 0u64;
                    let mut failure = None;
                    for (index, chunk) in done_rx {
                        match chunk {
                            Ok(chunk) => {
                                pending.insert(index, chunk);
                                while let Some(chunk) = pending.remove(&next) {
                                    if let Err(e) = sink.take(chunk) {
                                        failure.get_or_insert(e);
                                    }
                                    next += 1;
                                }
                            }
                            Err(e) => {
                                failure.get_or_insert(e);
                            }
                        }
                    }
                    let read = reader_handle
                        .join()
                        .map_err(|_| AnalyticsError::Engine("the reader thread panicked".into()))?;
                    if let Some(e) = failure {
                        return Err(e);
                    }
                    read.map(|_| ())
                });
                result?;
            }
        }
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new()
                .flexible(true)
                .delimiter(if name.to_ascii_lowercase().contains(".tsv") {
                    b'\t'
                } else {
                    b','
                })
                .from_reader(reader);
            let header: Vec<String> = csv
                .headers()
                .map_err(|e| {
                    AnalyticsError::Input(format!("{name}: cannot read the CSV header: {e}"))
                })?
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
                .collect();
            let mut chunk = Chunk::default();
            let mut builders = Builders::new(dataset);
            let mut row = Vec::with_capacity(dataset.columns.len());
            let mut record = csv::StringRecord::new();
            loop {
                let line_no = csv.position().line();
                match csv.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        let fields: Vec<&str> = record.iter().collect();
                        let original = fields.join(",");
                        if fields.len() != header.len() {
                            chunk.rejects.push(reject_line(
                                &name,
                                line_no,
                                &format!(
                                    "{} fields where the header has {}",
                                    fields.len(),
                                    header.len()
                                ),
                                &original,
                            ));
                        } else {
                            let rec = Record::Csv {
                                header: &header,
                                fields: &fields,
                            };
                            if !plan.keeps(&rec) {
                                chunk.skipped += 1;
                            } else {
                                match plan.row(&rec, &mut row) {
                                    Ok(()) => {
                                        if let Val::Ts(t) = row[plan.time_index] {
                                            chunk.min = Some(chunk.min.map_or(t, |m| m.min(t)));
                                            chunk.max = Some(chunk.max.map_or(t, |m| m.max(t)));
                                        }
                                        builders.push(&row, rec.extra(&plan.used).as_deref());
                                        chunk.rows += 1;
                                    }
                                    Err(reason) => chunk
                                        .rejects
                                        .push(reject_line(&name, line_no, &reason, &original)),
                                }
                            }
                        }
                    }
                    Err(e) => {
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            return Err(AnalyticsError::Input(format!("{name}: {e}")));
                        }
                        chunk
                            .rejects
                            .push(reject_line(&name, line_no, &e.to_string(), ""));
                    }
                }
                if builders.rows >= BATCH_ROWS {
                    chunk.batches.push(builders.finish(&schema)?);
                    sink.take(std::mem::replace(
                        &mut chunk,
                        Chunk {
                            batches: Vec::new(),
                            rows: 0,
                            skipped: 0,
                            rejects: Vec::new(),
                            min: None,
                            max: None,
                        },
                    ))?;
                }
            }
            if builders.rows > 0 {
                chunk.batches.push(builders.finish(&schema)?);
            }
            sink.take(chunk)?;
        }
    }
    let (sha256, size) = digest.lock().ok().and_then(|d| d.clone()).ok_or_else(|| {
        AnalyticsError::Input(format!("{name}: the file was not read to its end"))
    })?;
    sink.finish(SourceInfo { name, sha256, size })
}

/// Loads a lookup table (CSV or JSON Lines) for a mapping's `[lookups.NAME]`.
pub fn load_lookup(
    path: &Path,
    rule: &crate::mapping::LookupRule,
    table: &str,
) -> Result<LookupTable> {
    let source = hash_file(path)?;
    let progress = Progress::default();
    let (reader, format, _) = open(path, &progress)?;
    let mut rows: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut add = |fields: Vec<(String, String)>| {
        let get = |k: &str| fields.iter().find(|(h, _)| h == k).map(|(_, v)| v.as_str());
        let kept = rule
            .filter
            .iter()
            .all(|(column, values)| get(column).is_some_and(|v| values.iter().any(|x| x == v)));
        if !kept {
            return;
        }
        let Some(key) = get(&rule.key).map(str::to_string) else {
            return;
        };
        let row = rows.entry(key).or_default();
        for (h, v) in fields {
            if v.is_empty() {
                continue;
            }
            match row.get_mut(&h) {
                Some(existing) if existing.split("; ").all(|x| x != v) => {
                    existing.push_str("; ");
                    existing.push_str(&v);
                }
                Some(_) => {}
                None => {
                    row.insert(h, v);
                }
            }
        }
    };
    match format {
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
            let header: Vec<String> = csv
                .headers()
                .map_err(|e| {
                    AnalyticsError::Input(format!("lookup {table}: {}: {e}", path.display()))
                })?
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
                .collect();
            if !header.contains(&rule.key) {
                return Err(AnalyticsError::Input(format!(
                    "lookup {table}: {} has no column '{}' (its columns: {})",
                    path.display(),
                    rule.key,
                    header.join(", ")
                )));
            }
            for record in csv.records() {
                let record = record.map_err(|e| {
                    AnalyticsError::Input(format!("lookup {table}: {}: {e}", path.display()))
                })?;
                add(header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect());
            }
        }
        Format::JsonLines => {
            for (i, line) in reader.lines().enumerate() {
                let line = line.map_err(io(path))?;
                if line.trim().is_empty() {
                    continue;
                }
                let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
                    .map_err(|e| {
                        AnalyticsError::Input(format!(
                            "lookup {table}: {}:{}: {e}",
                            path.display(),
                            i + 1
                        ))
                    })?;
                add(value
                    .into_iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        (k, text)
                    })
                    .collect());
            }
        }
    }
    Ok(LookupTable { rows, source })
}

#[cfg(test)]
mod tests;
