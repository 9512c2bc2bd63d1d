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
            let file = std::fs::File::create(&temp).map_err(io(&temp))?;
            let (sha256, size, file) = copy_hashing(&mut reader, file, origin, &temp)?;
            file.sync_all().map_err(io(&temp))?;
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

/// Copies `reader` into `file` while hashing it. Reading and hashing run on this thread while a
/// second thread writes, so hashing overlaps the write instead of adding to it.
fn copy_hashing(
    reader: &mut impl Read,
    mut file: std::fs::File,
    origin: &Path,
    temp: &Path,
) -> Result<(String, u64, std::fs::File), EvidenceError> {
    use std::sync::mpsc::sync_channel;
    let (full_tx, full_rx) = sync_channel::<Vec<u8>>(4);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(6);
    for _ in 0..6 {
        let _ = empty_tx.send(vec![0u8; BUFFER]);
    }
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> std::io::Result<std::fs::File> {
            for chunk in full_rx {
                file.write_all(&chunk)?;
                if empty_tx.send(chunk).is_err() {
                    break;
                }
            }
            Ok(file)
        });
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let read_result = (|| {
            while let Ok(mut buffer) = empty_rx.recv() {
                buffer.resize(BUFFER, 0);
                let n = loop {
                    match reader.read(&mut buffer) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(source) => {
                            return Err(EvidenceError::Io {
                                path: origin.to_path_buf(),
                                source,
                            })
                        }
                    }
                };
                if n == 0 {
                    break;
                }
                buffer.truncate(n);
                hasher.update(&buffer);
                size += n as u64;
                if full_tx.send(buffer).is_err() {
                    break; // the writer failed; its error is reported below
                }
            }
            Ok(())
        })();
        drop(full_tx);
        let file = writer
            .join()
            .map_err(|_| EvidenceError::Input("the blob writer thread panicked".to_string()))?
            .map_err(|source| EvidenceError::Io {
                path: temp.to_path_buf(),
                source,
            })?;
        read_result?;
        Ok((hex(&hasher.finalize()), size, file))
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_chunk_content_is_hashed_stored_and_deduplicated() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path());
        let content: Vec<u8> = (0..(3 * BUFFER + 123)).map(|i| (i % 251) as u8).collect();
        let first = store.put(content.as_slice(), Path::new("x")).expect("put");
        assert_eq!(first.sha256, hex(&Sha256::digest(&content)));
        assert_eq!(first.size, content.len() as u64);
        assert!(!first.deduplicated);
        assert_eq!(
            std::fs::read(store.path(&first.sha256)).expect("stored"),
            content
        );
        let second = store
            .put(content.as_slice(), Path::new("x"))
            .expect("put again");
        assert!(second.deduplicated);
        assert!(store.leftovers().is_empty());
    }

    /// Yields some bytes, then fails, like a file on a disk that goes away.
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("device gone"));
            }
            self.0 -= 1;
            buf.fill(7);
            Ok(buf.len())
        }
    }

    #[test]
    fn a_failing_read_stores_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store = BlobStore::new(dir.path());
        let err = store
            .put(Failing(2), Path::new("evidence.bin"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("evidence.bin") && err.contains("device gone"),
            "{err}"
        );
        assert!(store.list().is_empty());
        assert!(
            store.leftovers().is_empty(),
            "the temporary file is removed"
        );
    }
}
