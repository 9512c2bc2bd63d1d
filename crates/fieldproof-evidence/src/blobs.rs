//! Content-addressed blob store: `blobs/sha256/ab/abcdef…`. A file is streamed into a temporary
//! file beside the store while it is hashed (a multi-GB file never sits in memory), flushed to
//! disk, then renamed under its hash. A crash therefore leaves at worst a temporary file, never a
//! half-written blob under a final name; identical content is stored once.

use crate::keys::hex;
use crate::EvidenceError;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const BUFFER: usize = 1 << 20;
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether the content was already stored.
    pub deduplicated: bool,
}

/// The blob directory of a workspace.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// The store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore { root: root.into() }
    }

    /// Where a blob lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root
            .join("sha256")
            .join(sha256.get(..2).unwrap_or("00"))
            .join(sha256)
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Streams `reader` into the store.
    pub fn put(&self, mut reader: impl Read, origin: &Path) -> Result<Blob, EvidenceError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EvidenceError::Io { path, source }
        };
        let temp_dir = self.temp_dir();
        std::fs::create_dir_all(&temp_dir).map_err(io(&temp_dir))?;
        let temp = temp_dir.join(format!(
            "{}-{}-{}.part",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        let result = (|| {
            let mut file = std::fs::File::create(&temp).map_err(io(&temp))?;
            let mut hasher = Sha256::new();
            let mut buffer = vec![0u8; BUFFER];
            let mut size = 0u64;
            loop {
                let n = match reader.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        return Err(EvidenceError::Io {
                            path: origin.to_path_buf(),
                            source,
                        })
                    }
                };
                hasher.update(&buffer[..n]);
                file.write_all(&buffer[..n]).map_err(io(&temp))?;
                size += n as u64;
            }
            file.sync_all().map_err(io(&temp))?;
            let sha256 = hex(&hasher.finalize());
            let target = self.path(&sha256);
            if target.is_file() {
                std::fs::remove_file(&temp).map_err(io(&temp))?;
                return Ok(Blob {
                    sha256,
                    size,
                    deduplicated: true,
                });
            }
            let parent = target.parent().unwrap_or(&self.root).to_path_buf();
            std::fs::create_dir_all(&parent).map_err(io(&parent))?;
            std::fs::rename(&temp, &target).map_err(io(&target))?;
            // Make the rename durable before a ledger entry can point at it.
            if let Ok(dir) = std::fs::File::open(&parent) {
                let _ = dir.sync_all();
            }
            Ok(Blob {
                sha256,
                size,
                deduplicated: false,
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Re-hashes a stored blob: `Ok(Some((hash, size)))`, or `Ok(None)` when it is missing.
    pub fn rehash(&self, sha256: &str) -> Result<Option<(String, u64)>, EvidenceError> {
        let path = self.path(sha256);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(EvidenceError::Io { path, source }),
        };
        hash_reader(file, &path).map(Some)
    }

    /// Every blob name on disk (for orphan detection), sorted.
    pub fn list(&self) -> Vec<String> {
        let mut names = Vec::new();
        let Ok(prefixes) = std::fs::read_dir(self.root.join("sha256")) else {
            return names;
        };
        for prefix in prefixes.flatten() {
            if let Ok(files) = std::fs::read_dir(prefix.path()) {
                names.extend(
                    files
                        .flatten()
                        .filter_map(|f| f.file_name().into_string().ok()),
                );
            }
        }
        names.sort();
        names
    }

    /// Leftover temporary files from interrupted writes.
    pub fn leftovers(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.temp_dir())
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

/// SHA-256 and size of everything `reader` yields.
pub fn hash_reader(mut reader: impl Read, path: &Path) -> Result<(String, u64), EvidenceError> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; BUFFER];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(EvidenceError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hex(&hasher.finalize()), size))
}
