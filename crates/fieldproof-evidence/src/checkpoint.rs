//! A signed checkpoint of the ledger head, kept outside the database (`.fieldproof/ledger.head`).
//! Deleting the newest entries from the database leaves a ledger whose chain still verifies; the
//! checkpoint, advanced after every append, is what shows that entries went missing. It only
//! ever moves forward (under a file lock, so concurrent appends cannot move it back), and it is
//! signed, so it cannot be edited without the key.
//!
//! What stays out of reach: an attacker who holds the private key can sign a new checkpoint, and
//! one who replaces the checkpoint with an older copy hides what was cut after it. An auditor
//! closes that gap with `verify --expect-head SEQ:HASH` from an earlier pack.

use crate::keys::{parse_public, public_hex, signature_ok, LedgerKey};
use crate::EvidenceError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Format identifier of the checkpoint file.
pub const FORMAT: &str = "fieldproof-ledger-checkpoint/1";

/// The signed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`FORMAT`].
    pub format: String,
    /// The head entry's position.
    pub seq: i64,
    /// The head entry's hash.
    pub hash: String,
    /// The key that signed the checkpoint (hex).
    pub public_key: String,
    /// Signature of [`message`].
    pub signature: String,
}

/// What a checkpoint signature covers.
pub fn message(seq: i64, hash: &str) -> Vec<u8> {
    format!("{FORMAT}\n{seq}\n{hash}").into_bytes()
}

impl Checkpoint {
    /// A checkpoint of `seq`/`hash` signed with `key`.
    pub fn sign(key: &LedgerKey, seq: i64, hash: &str) -> Checkpoint {
        Checkpoint {
            format: FORMAT.to_string(),
            seq,
            hash: hash.to_string(),
            public_key: public_hex(&key.public()),
            signature: key.sign(&message(seq, hash)),
        }
    }

    /// Whether the signature verifies with the key it names.
    pub fn signature_ok(&self) -> bool {
        self.format == FORMAT
            && parse_public(&self.public_key)
                .is_some_and(|k| signature_ok(&k, &message(self.seq, &self.hash), &self.signature))
    }
}

/// Where checkpoints are kept. Local files now; object storage later.
pub trait CheckpointStore: Send + Sync + std::fmt::Debug {
    /// The current checkpoint, if any.
    fn load(&self) -> Result<Option<Checkpoint>, EvidenceError>;

    /// Replaces the checkpoint with `next` unless the stored one is already at or beyond it.
    fn advance(&self, next: &Checkpoint) -> Result<(), EvidenceError>;
}

/// A checkpoint in a local file, updated under an exclusive lock on a lock file beside it.
#[derive(Debug, Clone)]
pub struct LocalCheckpoint {
    path: PathBuf,
}

impl LocalCheckpoint {
    /// The checkpoint file.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalCheckpoint { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<Option<Checkpoint>, EvidenceError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                EvidenceError::Input(format!(
                    "{} is damaged ({e}); it records the ledger head, restore it from a backup",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(EvidenceError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

impl CheckpointStore for LocalCheckpoint {
    fn load(&self) -> Result<Option<Checkpoint>, EvidenceError> {
        self.read()
    }

    fn advance(&self, next: &Checkpoint) -> Result<(), EvidenceError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EvidenceError::Io { path, source }
        };
        let lock_path = self.path.with_extension("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        let result = (|| {
            if self.read()?.is_some_and(|current| current.seq >= next.seq) {
                return Ok(());
            }
            let temp = self.path.with_extension("tmp");
            let mut file = std::fs::File::create(&temp).map_err(io(&temp))?;
            let bytes = serde_json::to_vec_pretty(next).unwrap_or_default();
            file.write_all(&bytes).map_err(io(&temp))?;
            file.sync_all().map_err(io(&temp))?;
            std::fs::rename(&temp, &self.path).map_err(io(&self.path))?;
            if let Some(dir) = self.path.parent() {
                if let Ok(dir) = std::fs::File::open(dir) {
                    let _ = dir.sync_all();
                }
            }
            Ok(())
        })();
        let _ = lock.unlock();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_only_move_forward_and_are_signed() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalCheckpoint::new(dir.path().join("ledger.head"));
        assert_eq!(store.load().expect("load"), None);
        let key = LedgerKey::generate().expect("key");
        store
            .advance(&Checkpoint::sign(&key, 5, &"a".repeat(64)))
            .expect("advance");
        store
            .advance(&Checkpoint::sign(&key, 3, &"b".repeat(64)))
            .expect("no-op");
        let current = store.load().expect("load").expect("some");
        assert_eq!(current.seq, 5);
        assert!(current.signature_ok());
        let mut edited = current.clone();
        edited.seq = 9;
        assert!(!edited.signature_ok());
    }
}
