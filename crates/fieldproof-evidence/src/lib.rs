//! Evidence that can be trusted: files are stored content-addressed by SHA-256, every add,
//! supersede and retire is a hash-chained entry of a ledger signed with the organisation's
//! Ed25519 key, and [`verify`] recomputes all of it and names anything modified, deleted,
//! reordered or inserted. Evidence packs carry blobs, the ledger and the public key so that an
//! auditor can verify them offline.
//!
//! Crash safety comes from ordering: a blob is complete and durable under its final name before
//! the ledger entry that references it is committed (one SQLite transaction), so an interruption
//! leaves at worst an unreferenced blob or a temporary file, never an entry without its blob.

pub mod blobs;
pub mod freshness;
pub mod keys;
pub mod ledger;
pub mod pack;

use blobs::{Blob, BlobStore};
use fieldproof_core::engagement::Period;
use fieldproof_store::{LedgerEntry, Store, StoreError};
use keys::LedgerKey;
use ledger::{evidence, seal, Added, Body, EvidenceKind, LedgerProblem};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why an evidence operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Bad input: the message says what and what to do.
    #[error("{0}")]
    Input(String),
    /// Key problem.
    #[error("ledger key: {0}")]
    Key(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A pack could not be read or written.
    #[error("{0}")]
    Pack(String),
}

/// Where a workspace keeps its evidence.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `keys/` (ledger.key, ledger.pub).
    pub keys: PathBuf,
    /// `blobs/`.
    pub blobs: PathBuf,
}

impl Paths {
    /// The evidence paths inside a workspace directory (`.fieldproof`).
    pub fn in_workspace(dir: &Path) -> Self {
        Paths {
            keys: dir.join("keys"),
            blobs: dir.join("blobs"),
        }
    }
}

/// Creates the ledger key and writes the genesis entry. Done once, at `init`.
pub async fn initialise(
    store: &dyn Store,
    paths: &Paths,
    at: &str,
    by: &str,
) -> Result<LedgerEntry, EvidenceError> {
    let key = LedgerKey::create(&paths.keys)?;
    let body = Body::Genesis {
        public_key: keys::public_hex(&key.public()),
        at: at.to_string(),
        by: by.to_string(),
    };
    Ok(store
        .append_ledger(&|seq, prev| seal(&key, seq, prev, &body))
        .await?)
}

/// What is recorded with a piece of evidence.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Controls it supports (at least one).
    pub controls: Vec<String>,
    /// Engagement.
    pub engagement: Option<String>,
    /// Period covered.
    pub covers: Option<Period>,
    /// Source.
    pub source: Option<String>,
    /// Description.
    pub note: Option<String>,
    /// Evidence id it replaces.
    pub supersedes: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub by: String,
}

/// What one add did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    /// What was added (file name, URL or attestation summary).
    pub name: String,
    /// Evidence id (new, or the existing one for a duplicate).
    pub evidence: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size.
    pub size: u64,
    /// Ledger entry, when one was written.
    pub entry: Option<i64>,
    /// The same content with the same metadata was already recorded: nothing added.
    pub duplicate: bool,
    /// The blob was already stored (other metadata): stored once, recorded again.
    pub blob_reused: bool,
}

/// Checks files before anything is stored, so a bad argument adds nothing.
pub fn check_files(files: &[PathBuf]) -> Result<(), EvidenceError> {
    for file in files {
        let meta = std::fs::metadata(file).map_err(|e| {
            EvidenceError::Input(format!(
                "{}: cannot read: {e}; nothing was added",
                file.display()
            ))
        })?;
        if meta.is_dir() {
            return Err(EvidenceError::Input(format!(
                "{} is a directory; give the files inside it (e.g. {}/*); nothing was added",
                file.display(),
                file.display()
            )));
        }
        if meta.len() == 0 {
            return Err(EvidenceError::Input(format!(
                "{} is empty; empty files are not evidence; nothing was added",
                file.display()
            )));
        }
        std::fs::File::open(file).map_err(|e| {
            EvidenceError::Input(format!(
                "{}: cannot open: {e}; nothing was added",
                file.display()
            ))
        })?;
    }
    Ok(())
}

/// Records one blob in the ledger. `known` is the ledger as read once for the whole batch; the
/// new entry is appended to it so later files of the batch see it (duplicates within a batch).
async fn record(
    store: &dyn Store,
    key: &LedgerKey,
    known: &mut Vec<LedgerEntry>,
    kind: EvidenceKind,
    name: String,
    blob: Blob,
    meta: &Metadata,
) -> Result<AddOutcome, EvidenceError> {
    let items = evidence(known);
    if let Some(old) = &meta.supersedes {
        if !items.iter().any(|(_, a, _)| &a.evidence == old) {
            return Err(EvidenceError::Input(format!(
                "--supersedes {old}: no such evidence; `fieldproof evidence log` lists them"
            )));
        }
    }
    let duplicate = items.into_iter().find(|(_, a, status)| {
        *status == ledger::Status::Current
            && a.sha256 == blob.sha256
            && a.controls == meta.controls
            && a.engagement == meta.engagement
            && a.covers == meta.covers
            && meta.supersedes.is_none()
    });
    if let Some((seq, added, _)) = duplicate {
        return Ok(AddOutcome {
            name,
            evidence: added.evidence,
            sha256: blob.sha256,
            size: blob.size,
            entry: Some(seq),
            duplicate: true,
            blob_reused: true,
        });
    }
    let template = Added {
        evidence: String::new(),
        kind,
        name: name.clone(),
        sha256: blob.sha256.clone(),
        size: blob.size,
        controls: meta.controls.clone(),
        engagement: meta.engagement.clone(),
        covers: meta.covers,
        collected_at: meta.at.clone(),
        collected_by: meta.by.clone(),
        source: meta.source.clone(),
        note: meta.note.clone(),
        supersedes: meta.supersedes.clone(),
    };
    let entry = store
        .append_ledger(&|seq, prev| {
            let mut added = template.clone();
            added.evidence = ledger::evidence_id(seq);
            seal(key, seq, prev, &Body::Add(added))
        })
        .await?;
    let seq = entry.seq;
    known.push(entry);
    Ok(AddOutcome {
        name,
        evidence: ledger::evidence_id(seq),
        sha256: blob.sha256,
        size: blob.size,
        entry: Some(seq),
        duplicate: false,
        blob_reused: blob.deduplicated,
    })
}

/// Adds files: each is streamed into the blob store, then recorded in the ledger.
pub async fn add_files(
    store: &dyn Store,
    paths: &Paths,
    files: &[PathBuf],
    meta: &Metadata,
) -> Result<Vec<AddOutcome>, EvidenceError> {
    if meta.controls.is_empty() {
        return Err(EvidenceError::Input(
            "give at least one --control the evidence supports".to_string(),
        ));
    }
    check_files(files)?;
    let key = LedgerKey::load(&paths.keys)?;
    let blobs = BlobStore::new(&paths.blobs);
    let mut known = store.ledger().await?;
    let mut outcomes = Vec::with_capacity(files.len());
    for file in files {
        let reader = std::fs::File::open(file).map_err(|source| EvidenceError::Io {
            path: file.clone(),
            source,
        })?;
        let blob = blobs.put(reader, file)?;
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        outcomes.push(
            record(
                store,
                &key,
                &mut known,
                EvidenceKind::File,
                name,
                blob,
                meta,
            )
            .await?,
        );
    }
    Ok(outcomes)
}

/// Adds a URL reference or a short attestation text (stored and hashed like a file).
pub async fn add_text(
    store: &dyn Store,
    paths: &Paths,
    kind: EvidenceKind,
    text: &str,
    meta: &Metadata,
) -> Result<AddOutcome, EvidenceError> {
    if meta.controls.is_empty() {
        return Err(EvidenceError::Input(
            "give at least one --control the evidence supports".to_string(),
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(EvidenceError::Input(
            "the URL or attestation text is empty; nothing was added".to_string(),
        ));
    }
    if kind == EvidenceKind::Url && !(text.starts_with("https://") || text.starts_with("http://")) {
        return Err(EvidenceError::Input(format!(
            "'{text}' is not an http(s) URL"
        )));
    }
    let key = LedgerKey::load(&paths.keys)?;
    let blob = BlobStore::new(&paths.blobs).put(text.as_bytes(), Path::new("<text>"))?;
    let name = if kind == EvidenceKind::Url {
        text.to_string()
    } else {
        text.chars().take(80).collect()
    };
    let mut known = store.ledger().await?;
    record(store, &key, &mut known, kind, name, blob, meta).await
}

/// Retires a piece of evidence (it stays in the ledger, marked retired).
pub async fn retire(
    store: &dyn Store,
    paths: &Paths,
    evidence_id: &str,
    reason: &str,
    at: &str,
    by: &str,
) -> Result<LedgerEntry, EvidenceError> {
    let current = store.ledger().await?;
    let Some((_, _, status)) = evidence(&current)
        .into_iter()
        .find(|(_, a, _)| a.evidence == evidence_id)
    else {
        return Err(EvidenceError::Input(format!(
            "no evidence {evidence_id}; `fieldproof evidence log` lists them"
        )));
    };
    if status != ledger::Status::Current {
        return Err(EvidenceError::Input(format!(
            "{evidence_id} is already {}",
            serde_json::to_value(&status)
                .ok()
                .and_then(|v| v["status"].as_str().map(str::to_string))
                .unwrap_or_default()
        )));
    }
    if reason.trim().is_empty() {
        return Err(EvidenceError::Input(
            "give a --reason for retiring evidence".to_string(),
        ));
    }
    let key = LedgerKey::load(&paths.keys)?;
    let body = Body::Retire {
        evidence: evidence_id.to_string(),
        reason: reason.to_string(),
        at: at.to_string(),
        by: by.to_string(),
    };
    Ok(store
        .append_ledger(&|seq, prev| seal(&key, seq, prev, &body))
        .await?)
}

/// The result of verifying a workspace or a pack.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    /// Ledger entries checked.
    pub entries: usize,
    /// Blobs re-hashed.
    pub blobs: usize,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Public key fingerprint used.
    pub key_fingerprint: String,
    /// Problems: the evidence cannot be trusted.
    pub problems: Vec<String>,
    /// Notes that do not affect trust (unreferenced blobs, leftover temporary files).
    pub notes: Vec<String>,
}

impl Verification {
    /// Whether everything verified.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn ledger_problems(problems: Vec<LedgerProblem>) -> impl Iterator<Item = String> {
    problems
        .into_iter()
        .map(|p| format!("ledger entry {}: {}", p.seq, p.message))
}

/// Checks blobs referenced by add entries: present, hash and size as recorded.
fn check_blobs(
    entries: &[LedgerEntry],
    blobs: &BlobStore,
    report: &mut Verification,
) -> Result<(), EvidenceError> {
    let mut seen = std::collections::BTreeSet::new();
    for (seq, added, _) in evidence(entries) {
        if !seen.insert(added.sha256.clone()) {
            continue;
        }
        match blobs.rehash(&added.sha256)? {
            None => report.problems.push(format!(
                "blob sha256:{} of {} (ledger entry {seq}, {}) is missing: it was deleted",
                added.sha256, added.evidence, added.name
            )),
            Some((hash, size)) => {
                report.blobs += 1;
                report.bytes += size;
                if hash != added.sha256 {
                    report.problems.push(format!(
                        "blob sha256:{} of {} (ledger entry {seq}, {}) now hashes to {hash}: its content was modified",
                        added.sha256, added.evidence, added.name
                    ));
                } else if size != added.size {
                    report.problems.push(format!(
                        "blob sha256:{} has {size} bytes, the ledger records {}",
                        added.sha256, added.size
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Verifies the whole workspace: every entry's chain link, hash and signature (against the
/// workspace public key file, which must match the genesis entry), and every referenced blob.
pub async fn verify(store: &dyn Store, paths: &Paths) -> Result<Verification, EvidenceError> {
    let entries = store.ledger().await?;
    let public = keys::read_public(&paths.keys)?;
    let mut report = Verification {
        entries: entries.len(),
        key_fingerprint: keys::fingerprint(&public),
        ..Verification::default()
    };
    if entries.is_empty() {
        report
            .problems
            .push("the ledger is empty: the genesis entry is missing".to_string());
    }
    report
        .problems
        .extend(ledger_problems(ledger::verify_chain(&entries, &public)));
    let blobs = BlobStore::new(&paths.blobs);
    check_blobs(&entries, &blobs, &mut report)?;
    let referenced: std::collections::BTreeSet<String> = evidence(&entries)
        .into_iter()
        .map(|(_, a, _)| a.sha256)
        .collect();
    for name in blobs.list() {
        if !referenced.contains(&name) {
            report.notes.push(format!("blob {name} is not referenced by any ledger entry (an interrupted add); it is harmless"));
        }
    }
    for leftover in blobs.leftovers() {
        report.notes.push(format!(
            "{} is a temporary file left by an interrupted add; it is harmless",
            leftover.display()
        ));
    }
    Ok(report)
}
