//! The source: opening an export (plain or gzip), hashing and counting its bytes as they are read, and telling its format.

use crate::{io, Result};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

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

/// A reader that hashes and counts what passes through it.
pub(super) struct Hashing<R> {
    pub(super) inner: R,
    pub(super) hasher: Sha256,
    pub(super) bytes: u64,
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

pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) progress: Progress,
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
pub(super) fn open(
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
pub(super) struct HashingDone<R> {
    pub(super) inner: Hashing<R>,
    pub(super) out: Arc<std::sync::Mutex<Option<(String, u64)>>>,
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

pub(super) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
