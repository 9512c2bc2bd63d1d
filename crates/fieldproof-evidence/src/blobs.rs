//! Content-addressed blob storage behind a trait (local files now, object storage later).
//!
//! The local store keeps `blobs/sha256/ab/abcdef…`. A file is streamed into a temporary file
//! beside the store while it is hashed (a multi-GB file never sits in memory), flushed to disk,
//! then renamed under its hash. A crash therefore leaves at worst a temporary file, never a
//! half-written blob under a final name; identical content is stored once. Temporary files are
//! tagged with the writing process, so those of processes that died can be removed safely.

use crate::hash::{hex, Sha256Hex};
use crate::process;
use crate::EvidenceError;
use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const BUFFER: usize = 1 << 20;
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// SHA-256.
    pub sha256: Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Whether the content was already stored.
    pub deduplicated: bool,
}

/// A temporary file left by an interrupted write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Leftover {
    /// Where it is.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// Whether the process that wrote it still runs (`None`: unknown).
    pub writer_running: Option<bool>,
}

/// Where evidence content is kept.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Streams `reader` into the store; `origin` names it in errors.
    fn put(&self, reader: &mut dyn Read, origin: &Path) -> Result<Blob, EvidenceError>;

    /// Stores a file the caller wrote and no longer needs; it is gone from `file` afterwards,
    /// stored or not. This copy-and-remove is for stores elsewhere; the local store moves it.
    fn take(&self, file: &Path) -> Result<Blob, EvidenceError> {
        put_and_remove(self, file)
    }

    /// Opens a stored blob, `None` when it is missing.
    fn open(&self, sha256: &Sha256Hex) -> Result<Option<Box<dyn Read + Send>>, EvidenceError>;

    /// Every blob name present, sorted (names that are not digests included: they are junk).
    fn list(&self) -> Result<Vec<String>, EvidenceError>;

    /// Temporary files left by interrupted writes.
    fn leftovers(&self) -> Vec<Leftover>;

    /// Removes the temporary files whose writer is certainly no longer running; returns them.
    fn clean_leftovers(&self) -> Vec<Leftover>;

    /// Where a blob is, for people.
    fn locate(&self, sha256: &Sha256Hex) -> String;

    /// Re-hashes a stored blob: `Some((hash, size))`, or `None` when it is missing.
    fn rehash(&self, sha256: &Sha256Hex) -> Result<Option<(Sha256Hex, u64)>, EvidenceError> {
        match self.open(sha256)? {
            None => Ok(None),
            Some(reader) => hash_reader(reader, Path::new(&self.locate(sha256))).map(Some),
        }
    }
}

/// The blob directory of a workspace.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// The store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalBlobStore { root: root.into() }
    }

    /// Where a blob lives.
    pub fn path(&self, sha256: &Sha256Hex) -> PathBuf {
        self.root
            .join("sha256")
            .join(sha256.short(2))
            .join(sha256.as_str())
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A temporary file name for this process: `PID-START-N.part`.
pub fn temp_name(suffix: &str) -> String {
    format!(
        "{}-{}{suffix}",
        process::self_tag(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The writer tag (`PID-START`) of a temporary file name made by [`temp_name`].
fn writer_of(name: &str) -> Option<&str> {
    let mut dashes = name.match_indices('-').map(|(i, _)| i);
    let _pid_end = dashes.next()?;
    let start_end = dashes.next()?;
    Some(&name[..start_end])
}

/// The leftovers among `paths` (temporary files), with their writer's state.
pub fn leftovers_of(
    paths: impl IntoIterator<Item = PathBuf>,
    tag_of: impl Fn(&str) -> Option<&str>,
) -> Vec<Leftover> {
    let mut out: Vec<Leftover> = paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Leftover {
                bytes: std::fs::metadata(&path).map_or(0, |m| m.len()),
                writer_running: tag_of(&name).and_then(process::still_running),
                path: path.display().to_string(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Removes the leftovers whose writer certainly stopped; returns them.
pub fn remove_dead(leftovers: Vec<Leftover>) -> Vec<Leftover> {
    leftovers
        .into_iter()
        .filter(|l| l.writer_running == Some(false))
        .filter(|l| std::fs::remove_file(&l.path).is_ok())
        .collect()
}

impl BlobStore for LocalBlobStore {
    fn put(&self, reader: &mut dyn Read, origin: &Path) -> Result<Blob, EvidenceError> {
        let temp_dir = self.temp_dir();
        std::fs::create_dir_all(&temp_dir).map_err(io(&temp_dir))?;
        let temp = temp_dir.join(temp_name(".part"));
        let result = (|| {
            let file = std::fs::File::create(&temp).map_err(io(&temp))?;
            let (sha256, size, file) = copy_hashing(reader, file, origin, &temp)?;
            file.sync_all().map_err(io(&temp))?;
            self.settle(&temp, sha256, size)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Moves the file into the store when it is on the same file system (a dataset part
    /// written in the workspace: no second copy of it is written), and hashes it there, where
    /// nothing else writes; else copies it.
    fn take(&self, file: &Path) -> Result<Blob, EvidenceError> {
        let temp_dir = self.temp_dir();
        std::fs::create_dir_all(&temp_dir).map_err(io(&temp_dir))?;
        let temp = temp_dir.join(temp_name(".part"));
        if std::fs::rename(file, &temp).is_err() {
            return put_and_remove(self, file);
        }
        let result = (|| {
            let moved = std::fs::File::open(&temp).map_err(io(&temp))?;
            let (sha256, size) = hash_reader(&moved, &temp)?;
            moved.sync_all().map_err(io(&temp))?;
            self.settle(&temp, sha256, size)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    fn open(&self, sha256: &Sha256Hex) -> Result<Option<Box<dyn Read + Send>>, EvidenceError> {
        let path = self.path(sha256);
        match std::fs::File::open(&path) {
            Ok(f) => Ok(Some(Box::new(f))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(EvidenceError::Io { path, source }),
        }
    }

    fn list(&self) -> Result<Vec<String>, EvidenceError> {
        let mut names = Vec::new();
        let Ok(prefixes) = std::fs::read_dir(self.root.join("sha256")) else {
            return Ok(names);
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
        Ok(names)
    }

    fn leftovers(&self) -> Vec<Leftover> {
        let paths = std::fs::read_dir(self.temp_dir())
            .map(|entries| entries.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        leftovers_of(paths, writer_of)
    }

    fn clean_leftovers(&self) -> Vec<Leftover> {
        remove_dead(self.leftovers())
    }

    fn locate(&self, sha256: &Sha256Hex) -> String {
        self.path(sha256).display().to_string()
    }
}

/// Copies a file into a store and removes it, stored or not: [`BlobStore::take`] where the
/// file cannot be moved in.
fn put_and_remove<S: BlobStore + ?Sized>(store: &S, file: &Path) -> Result<Blob, EvidenceError> {
    let blob = std::fs::File::open(file)
        .map_err(io(file))
        .and_then(|mut reader| store.put(&mut reader, file));
    let _ = std::fs::remove_file(file);
    blob
}

impl LocalBlobStore {
    /// Puts a complete, synced temporary file with this hash at its place, or drops it when
    /// the store has the content already.
    fn settle(&self, temp: &Path, sha256: Sha256Hex, size: u64) -> Result<Blob, EvidenceError> {
        let target = self.path(&sha256);
        if target.is_file() {
            std::fs::remove_file(temp).map_err(io(temp))?;
            return Ok(Blob {
                sha256,
                size,
                deduplicated: true,
            });
        }
        let parent = target.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        std::fs::rename(temp, &target).map_err(io(&target))?;
        // Make the rename durable before a ledger entry can point at it.
        if let Ok(dir) = std::fs::File::open(&parent) {
            let _ = dir.sync_all();
        }
        Ok(Blob {
            sha256,
            size,
            deduplicated: false,
        })
    }
}

/// Copies `reader` into `file` while hashing it. Reading and hashing run on this thread while a
/// second thread writes, so hashing overlaps the write instead of adding to it.
fn copy_hashing(
    reader: &mut dyn Read,
    mut file: std::fs::File,
    origin: &Path,
    temp: &Path,
) -> Result<(Sha256Hex, u64, std::fs::File), EvidenceError> {
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
        Ok((Sha256Hex::from_hasher(hasher), size, file))
    })
}

/// SHA-256 and size of everything `reader` yields.
pub fn hash_reader(reader: impl Read, path: &Path) -> Result<(Sha256Hex, u64), EvidenceError> {
    copy_and_hash(reader, &mut std::io::sink(), path)
}

thread_local! {
    /// One read buffer per thread, reused: verifying a ledger re-hashes every blob, and
    /// allocating and zeroing a fresh 1 MiB buffer for each of 100,000 small blobs was two
    /// thirds of the work.
    static BUFFER_POOL: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Copies `reader` to `writer`, returning the SHA-256 and size of what passed through.
pub fn copy_and_hash(
    mut reader: impl Read,
    writer: &mut dyn Write,
    path: &Path,
) -> Result<(Sha256Hex, u64), EvidenceError> {
    BUFFER_POOL.with(|pool| {
        let mut buffer = pool.try_borrow_mut().map_or_else(
            |_| vec![0u8; BUFFER],
            |mut pooled| std::mem::take(&mut *pooled),
        );
        buffer.resize(BUFFER, 0);
        let result = (|| {
            let mut hasher = Sha256::new();
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
                writer
                    .write_all(&buffer[..n])
                    .map_err(|source| EvidenceError::Io {
                        path: path.to_path_buf(),
                        source,
                    })?;
                size += n as u64;
            }
            Ok((Sha256Hex::from_hasher(hasher), size))
        })();
        if let Ok(mut pooled) = pool.try_borrow_mut() {
            *pooled = buffer;
        }
        result
    })
}

/// Lower-case hex SHA-256 of a byte slice.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_chunk_content_is_hashed_stored_and_deduplicated() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalBlobStore::new(dir.path());
        let content: Vec<u8> = (0..(3 * BUFFER + 123)).map(|i| (i % 251) as u8).collect();
        let first = store
            .put(&mut content.as_slice(), Path::new("x"))
            .expect("put");
        assert_eq!(first.sha256, Sha256Hex::of(&content));
        assert_eq!(first.size, content.len() as u64);
        assert!(!first.deduplicated);
        assert_eq!(
            std::fs::read(store.path(&first.sha256)).expect("stored"),
            content
        );
        let second = store
            .put(&mut content.as_slice(), Path::new("x"))
            .expect("put again");
        assert!(second.deduplicated);
        assert!(store.leftovers().is_empty());
    }

    #[test]
    fn a_taken_file_is_moved_in_hashed_and_deduplicated() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalBlobStore::new(dir.path().join("blobs"));
        let content: Vec<u8> = (0..(2 * BUFFER + 7)).map(|i| (i % 241) as u8).collect();
        let part = dir.path().join("part.parquet");
        std::fs::write(&part, &content).expect("write");
        let first = store.take(&part).expect("take");
        assert_eq!(first.sha256, Sha256Hex::of(&content));
        assert_eq!(first.size, content.len() as u64);
        assert!(!first.deduplicated && !part.exists());
        assert_eq!(
            std::fs::read(store.path(&first.sha256)).expect("stored"),
            content
        );
        std::fs::write(&part, &content).expect("write again");
        let second = store.take(&part).expect("take again");
        assert!(second.deduplicated && !part.exists());
        assert_eq!(store.list().expect("list").len(), 1);
        assert!(store.leftovers().is_empty());
        let err = store
            .take(&dir.path().join("gone.parquet"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("gone.parquet"), "{err}");
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
        let store = LocalBlobStore::new(dir.path());
        let err = store
            .put(&mut Failing(2), Path::new("evidence.bin"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("evidence.bin") && err.contains("device gone"),
            "{err}"
        );
        assert!(store.list().expect("list").is_empty());
        assert!(
            store.leftovers().is_empty(),
            "the temporary file is removed"
        );
    }

    #[test]
    fn only_leftovers_of_dead_processes_are_cleaned() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalBlobStore::new(dir.path());
        std::fs::create_dir_all(store.temp_dir()).expect("mkdir");
        let mine = store.temp_dir().join(temp_name(".part"));
        std::fs::write(&mine, b"in progress").expect("write");
        let (pid, start) = process::self_tag()
            .split_once('-')
            .map(|(p, s)| (p.to_string(), s.parse::<u64>().unwrap_or(0)))
            .expect("tag");
        let dead = store.temp_dir().join(format!("{pid}-{}-0.part", start + 1));
        std::fs::write(&dead, b"abandoned").expect("write");
        let unknown = store.temp_dir().join("mystery.part");
        std::fs::write(&unknown, b"?").expect("write");
        let removed = store.clean_leftovers();
        if Path::new("/proc/self/stat").exists() {
            assert_eq!(removed.len(), 1);
            assert_eq!(removed[0].path, dead.display().to_string());
            assert!(!dead.exists());
        }
        assert!(mine.exists(), "a running writer's file is kept");
        assert!(unknown.exists(), "a file of unknown origin is kept");
    }
}
