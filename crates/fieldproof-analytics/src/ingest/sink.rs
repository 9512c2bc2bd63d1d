//! The Parquet sink: Arrow builders for a batch, and the writer that keeps the part, the rejects file and the counts.

use super::plan::Val;
use super::{IngestedPart, SourceInfo};
use crate::{io, AnalyticsError, Result};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use fieldproof_core::dataset::{ColumnType, Dataset};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Arrow builders for one batch.
pub(super) struct Builders {
    pub(super) columns: Vec<Builder>,
    pub(super) extra: StringBuilder,
    pub(super) rows: usize,
}

pub(super) enum Builder {
    Text(StringBuilder),
    Ts(TimestampMicrosecondBuilder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
}

impl Builders {
    pub(super) fn new(dataset: &Dataset) -> Builders {
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

    pub(super) fn push(&mut self, row: &[Val], extra: Option<&str>) {
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

    pub(super) fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
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
pub(super) struct Chunk {
    pub(super) batches: Vec<RecordBatch>,
    pub(super) rows: u64,
    pub(super) skipped: u64,
    pub(super) rejects: Vec<String>,
    pub(super) min: Option<i64>,
    pub(super) max: Option<i64>,
}

pub(super) fn reject_line(file: &str, line: u64, reason: &str, record: &str) -> String {
    serde_json::json!({ "file": file, "line": line, "reason": reason, "record": record })
        .to_string()
}

/// Writes batches to Parquet and tracks the counts.
pub(super) struct Sink {
    pub(super) writer: ArrowWriter<std::fs::File>,
    pub(super) path: PathBuf,
    pub(super) rejects: Option<(std::io::BufWriter<std::fs::File>, PathBuf)>,
    pub(super) rejects_path: PathBuf,
    pub(super) first_rejections: Vec<String>,
    pub(super) rows: u64,
    pub(super) rejected: u64,
    pub(super) skipped: u64,
    pub(super) min: Option<i64>,
    pub(super) max: Option<i64>,
    /// What the mapping reads, said when its filter left every row out.
    pub(super) expects: Option<String>,
}

/// The Parquet writer settings of every part: Snappy, row groups of a million rows,
/// statistics for pruning.
///
/// Every setting that decides the bytes is stated here rather than taken from the library's
/// defaults, which move between versions. Parquet 59 cuts pages at exactly
/// `data_page_row_count_limit` rows where 58 cut at the first 1,024-row batch past it, so the
/// limit is pinned at 20,480, the page 58 wrote with its default of 20,000: small parts, such
/// as every example's, keep their bytes and hashes. Large parts can still differ between
/// library versions (59 also decides dictionary fallback on larger batches). That changes no
/// ledger: a part's hash is that of its stored bytes, tests over the same parts give the same
/// results and hashes, and a file ingested again adds no rows because the dataset's key
/// holds across parts.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1 << 20))
        .set_data_page_size_limit(1024 * 1024)
        .set_dictionary_page_size_limit(1024 * 1024)
        .set_write_batch_size(1024)
        .set_data_page_row_count_limit(20 * 1024)
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_statistics_truncate_length(Some(64))
        .set_column_index_truncate_length(Some(64))
        .set_created_by("fieldproof".to_string())
        .build()
}

impl Sink {
    pub(super) fn new(schema: &SchemaRef, path: PathBuf, rejects_path: PathBuf) -> Result<Sink> {
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

    pub(super) fn take(&mut self, chunk: Chunk) -> Result<()> {
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

    pub(super) fn finish(mut self, source: SourceInfo) -> Result<IngestedPart> {
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
