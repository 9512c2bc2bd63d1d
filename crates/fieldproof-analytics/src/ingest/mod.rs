//! Ingestion: a JSON Lines or CSV export (gzip-compressed or not), read as a stream, mapped,
//! validated row by row against the dataset's schema, and written as one Parquet part.
//!
//! Every row either lands in the part or in the rejects file (JSON Lines: file, line, reason,
//! the record as read), and the counts say how many of each; rows a mapping's filter leaves out
//! are counted as skipped. Memory stays bounded whatever the file size: rows are parsed in
//! chunks of a few megabytes and written as Arrow batches of at most 65,536 rows; JSON Lines
//! chunks are parsed on every core and written in order, so the part is the same bytes for
//! the same input.

use crate::mapping::Mapping;
use crate::{io, AnalyticsError, Result};
use datafusion::arrow::datatypes::SchemaRef;
use fieldproof_core::dataset::Dataset;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod plan;
mod record;
mod sink;
mod source;

use plan::{Plan, Val};
use record::{Entries, Record, Slots};
pub use sink::writer_properties;
use sink::{reject_line, Builders, Chunk, Sink};
use source::{file_name, open};
pub use source::{format_of, hash_file, Format, Progress, SourceInfo};

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
    let mut slots = Slots::default();
    let mut entries = Entries(Vec::with_capacity(16));
    // A block is usually valid UTF-8 as a whole: checked once, and line by line only if not.
    let utf8 = std::str::from_utf8(block).ok();
    let plain = record::plain(block);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len()));
    for (i, end) in ends.enumerate() {
        let line_no = first_line + i as u64;
        let raw_line = &block[start..end];
        let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        // A newline is a character boundary, and so is the carriage return before it.
        let text = utf8.map(|all| &all[start..start + raw_line.len()]);
        start = end + 1;
        if raw_line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match text.map_or_else(|| std::str::from_utf8(raw_line), Ok) {
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
        if let Err(e) = entries.parse_into(text, plain) {
            chunk.rejects.push(reject_line(
                file,
                line_no,
                &format!("not a JSON object: {e}"),
                text,
            ));
            continue;
        }
        slots.find_json(&plan.paths, &entries.0);
        let record = Record::Json {
            entries: &entries.0,
            paths: &plan.paths,
            slots: &slots,
        };
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

/// A block of whole lines: the first `len` bytes of `buf`. The buffer keeps its full length
/// when it is handed back and filled again, so its memory is zeroed only once.
struct Block {
    buf: Vec<u8>,
    len: usize,
}

impl Block {
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Bytes asked of the reader at a time.
const READ_BYTES: usize = 1 << 20;

/// Reads a source in blocks of whole lines (about `CHUNK_BYTES` each).
struct Blocks<'r> {
    reader: &'r mut dyn BufRead,
    /// The start of a line read past the end of the last block.
    carry: Vec<u8>,
    done: bool,
    /// Blocks parsed and handed back, whose memory is used again.
    spare: std::sync::mpsc::Receiver<Block>,
}

impl<'r> Blocks<'r> {
    /// Blocks of `reader`; blocks sent back on `spare` once parsed are filled again.
    fn new(reader: &'r mut dyn BufRead, spare: std::sync::mpsc::Receiver<Block>) -> Blocks<'r> {
        Blocks {
            reader,
            carry: Vec::new(),
            done: false,
            spare,
        }
    }

    /// The next block (without its last line's newline) and the number of lines in it, or
    /// `None` at the end.
    fn next(&mut self, path: &Path) -> Result<Option<(Block, u64)>> {
        if self.done {
            return Ok(None);
        }
        let mut buf = match self.spare.try_recv().ok() {
            Some(used) => used.buf,
            None => vec![0; CHUNK_BYTES + 2 * READ_BYTES],
        };
        if buf.len() < self.carry.len() + READ_BYTES {
            buf.resize(self.carry.len() + READ_BYTES, 0);
        }
        buf[..self.carry.len()].copy_from_slice(&self.carry);
        let mut filled = self.carry.len();
        self.carry.clear();
        // The block ends with the line that reaches `CHUNK_BYTES`: the first newline at or
        // after its last byte.
        let mut searched = CHUNK_BYTES - 1;
        let cut = loop {
            if filled > searched {
                if let Some(at) = memchr::memchr(b'\n', &buf[searched..filled]) {
                    break Some(searched + at);
                }
                searched = filled;
            }
            // Reads of the reader's whole buffer size go straight to the block; the buffer
            // grows (zeroed) only past its length, for a line longer than a block.
            if buf.len() < filled + READ_BYTES {
                buf.resize(filled + READ_BYTES, 0);
            }
            let n = loop {
                match self.reader.read(&mut buf[filled..filled + READ_BYTES]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io(path)(e)),
                }
            };
            filled += n;
            if n == 0 {
                self.done = true;
                break None;
            }
        };
        let len = match cut {
            Some(at) => {
                self.carry.extend_from_slice(&buf[at + 1..filled]);
                at
            }
            None => {
                if filled == 0 {
                    return Ok(None);
                }
                if buf[filled - 1] == b'\n' {
                    filled - 1
                } else {
                    filled
                }
            }
        };
        let block = Block { buf, len };
        let lines = memchr::memchr_iter(b'\n', block.bytes()).count() as u64 + 1;
        Ok(Some((block, lines)))
    }
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
                let (spare, spare_rx) = std::sync::mpsc::channel();
                let mut blocks = Blocks::new(&mut *reader, spare_rx);
                while let Some((block, lines)) = blocks.next(path)? {
                    sink.take(parse_json_chunk(
                        block.bytes(),
                        line,
                        &plan,
                        dataset,
                        &schema,
                        &name,
                    )?)?;
                    line += lines;
                    let _ = spare.send(block);
                }
            } else {
                // Blocks are read in order, parsed on `threads` workers, and written in order.
                let result: Result<()> = std::thread::scope(|scope| {
                    let (work_tx, work_rx) =
                        std::sync::mpsc::sync_channel::<(u64, Block, u64)>(threads);
                    let work_rx = Arc::new(std::sync::Mutex::new(work_rx));
                    let (done_tx, done_rx) =
                        std::sync::mpsc::sync_channel::<(u64, Result<Chunk>)>(threads * 2);
                    // Parsed blocks go back to the reader, which fills them again.
                    let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Block>();
                    for _ in 0..threads {
                        let work_rx = Arc::clone(&work_rx);
                        let done_tx = done_tx.clone();
                        let spare_tx = spare_tx.clone();
                        let (plan, schema, name) = (&plan, &schema, &name);
                        scope.spawn(move || loop {
                            let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                            let Some((index, block, first)) = next else {
                                break;
                            };
                            let chunk =
                                parse_json_chunk(block.bytes(), first, plan, dataset, schema, name);
                            if done_tx.send((index, chunk)).is_err() {
                                break;
                            }
                            let _ = spare_tx.send(block);
                        });
                    }
                    drop(done_tx);
                    let reader_path = path.to_path_buf();
                    let reader_handle = scope.spawn(move || -> Result<u64> {
                        let mut index = 0u64;
                        let mut line = 1u64;
                        let mut blocks = Blocks::new(&mut *reader, spare_rx);
                        while let Some((block, lines)) = blocks.next(&reader_path)? {
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
            let slots = Slots::find_csv(&plan.paths, &header);
            let mut chunk = Chunk::default();
            let mut builders = Builders::new(dataset);
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
                                slots: &slots,
                            };
                            if !plan.keeps(&rec) {
                                chunk.skipped += 1;
                            } else {
                                let mut row = Vec::with_capacity(dataset.columns.len());
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
