//! Evidence that can be trusted: files are stored content-addressed by SHA-256, every add,
//! supersede, retire and key rotation is a hash-chained entry of a ledger signed with the
//! organisation's Ed25519 key, a signed checkpoint of the head is kept outside the database, and
//! verification recomputes all of it and names anything modified, deleted, truncated, reordered
//! or inserted. Evidence packs carry what an auditor needs to verify them offline.
//!
//! Appends go through the store's index: the head and the state of each piece of evidence are
//! read in the append's own transaction, so adding, retiring and status never replay the ledger,
//! and duplicate, supersede and retire checks cannot race.
//!
//! Crash safety comes from ordering: a blob is complete and durable under its final name before
//! the ledger entry that references it is committed, and the checkpoint is advanced after the
//! commit, so an interruption leaves at worst an unreferenced blob, a temporary file or a
//! checkpoint one entry behind — never an entry without its blob.

pub mod blobs;
pub mod checkpoint;
pub mod disclosure;
pub mod freshness;
pub mod hash;
pub mod keys;
pub mod ledger;
pub mod pack;
mod process;
mod verify;

use blobs::{BlobStore, Leftover};
use checkpoint::{Checkpoint, CheckpointStore};
use fieldproof_core::engagement::Period;
use fieldproof_store::{
    Append, Appended, EvidenceQuery, EvidenceState, IndexUpdate, LedgerEntry, LedgerHead,
    LedgerStore, StoreError,
};
use hash::Sha256Hex;
use keys::{KeyFiles, LedgerKey};
use ledger::{evidence_id, evidence_seq, seal, Added, Body, EvidenceKind};
use schemars::JsonSchema;
use serde::Serialize;
use std::path::{Path, PathBuf};
pub use verify::{parse_head, verify_workspace, KeyUse, Verification, VerifyOptions};

/// Evidence a person adds supports at least one control: the rule the ledger keeps, and that a
/// front end or a project file can check before anything is stored.
pub fn supports_a_control(controls: &[String]) -> Result<(), fieldproof_core::input::FieldError> {
    if controls.is_empty() {
        return Err(fieldproof_core::input::FieldError::missing(
            fieldproof_core::input::Field::Control,
            "name at least one control the evidence supports",
        ));
    }
    Ok(())
}

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
    /// One input is wrong or missing; each front end names it in its own words.
    #[error(transparent)]
    Field(#[from] fieldproof_core::input::FieldError),
    /// Key problem.
    #[error("ledger key: {0}")]
    Key(String),
    /// The ledger in the database ends before its signed checkpoint: entries were deleted.
    #[error("{0}")]
    Truncated(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A pack could not be read or written.
    #[error("{0}")]
    Pack(String),
}

/// Refuses anything but a regular file (a FIFO would block forever, `/dev/zero` never ends, a
/// directory is not evidence), with words that say what the path is.
pub fn check_regular_file(path: &Path) -> Result<std::fs::Metadata, EvidenceError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| EvidenceError::Input(format!("{}: cannot read: {}", path.display(), e)))?;
    if meta.is_dir() {
        return Err(EvidenceError::Input(format!(
            "{} is a directory; give the files inside it (for example DIR/*)",
            path.display()
        )));
    }
    match fieldproof_core::location::not_a_regular_file(&meta.file_type()) {
        None => Ok(meta),
        Some(what) => Err(EvidenceError::Input(format!(
            "{} is {what}, not a regular file",
            path.display()
        ))),
    }
}

/// What is recorded with a piece of evidence.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Controls it supports (at least one).
    pub controls: Vec<String>,
    /// The evidence request it answers (checked against the controls by the caller).
    pub request: Option<String>,
    /// A population of its whole `covers` period.
    pub population: bool,
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
    /// The evidence requests it answers (test results).
    pub answers: Vec<fieldproof_core::control_test::Answer>,
    /// Dataset part record.
    pub dataset: Option<ledger::DatasetRecord>,
    /// Test result record.
    pub test: Option<ledger::TestRecord>,
}

/// A file fieldproof produced, for [`Ledger::add_produced`].
#[derive(Debug, Clone, Copy)]
pub enum Produced<'a> {
    /// The caller keeps the file (test results it lists): the store copies it.
    Kept(&'a Path),
    /// The caller no longer needs the file (a dataset part just written): the store takes it,
    /// moving it where it can instead of writing a copy. It is gone afterwards, recorded or
    /// not.
    Taken(&'a Path),
}

/// What one add did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AddOutcome {
    /// What was added (file name, URL or attestation summary).
    pub name: String,
    /// Evidence id (new, or the existing one for a duplicate).
    pub evidence: String,
    /// SHA-256 of the content.
    pub sha256: Sha256Hex,
    /// Size.
    pub size: u64,
    /// Ledger entry that records it.
    pub entry: i64,
    /// The same content with the same metadata was already recorded: nothing added.
    pub duplicate: bool,
    /// The blob was already stored (other metadata): stored once, recorded again.
    pub blob_reused: bool,
}

/// One piece of evidence with its status and the ledger entry that recorded it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EvidenceDetail {
    /// What was recorded.
    pub evidence: Added,
    /// Current, superseded or retired.
    pub status: ledger::Status,
    /// The ledger entry that recorded it.
    pub entry: LedgerEntry,
    /// Where its content is stored.
    pub stored_at: String,
}

/// The ledger of a workspace with everything appending needs: the store, the blob store, the
/// key files and the checkpoint.
pub struct Ledger<'a> {
    /// The store holding the ledger and its index.
    pub store: &'a dyn LedgerStore,
    /// Evidence content.
    pub blobs: &'a dyn BlobStore,
    /// The signing key files.
    pub keys: KeyFiles,
    /// The signed head outside the database.
    pub checkpoint: &'a dyn CheckpointStore,
    /// The key passphrase, when the key is protected.
    pub passphrase: Option<String>,
}

impl std::fmt::Debug for Ledger<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("blobs", &self.blobs)
            .field("keys", &self.keys)
            .field("checkpoint", &self.checkpoint)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "redacted"))
            .finish_non_exhaustive()
    }
}

/// Human words for an index state of the evidence recorded at `seq`.
fn state_words(seq: i64, state: EvidenceState) -> String {
    let id = evidence_id(seq);
    match state {
        EvidenceState::Current => format!("{id} is current"),
        EvidenceState::Superseded { by } => {
            format!("{id} is already superseded by {}", evidence_id(by))
        }
        EvidenceState::Retired { by } => format!("{id} is already retired (ledger entry {by})"),
        EvidenceState::Missing => {
            format!("there is no evidence {id}; `fieldproof evidence log` lists them")
        }
    }
}

fn not_current(error: StoreError) -> EvidenceError {
    match error {
        StoreError::NotCurrent { seq, state } => EvidenceError::Input(state_words(seq, state)),
        other => EvidenceError::Store(other),
    }
}

impl Ledger<'_> {
    /// Creates the key pair (protected when a passphrase is set) and writes the genesis entry
    /// and the first checkpoint. Done once, at `init`.
    pub async fn initialise(&self, at: &str, by: &str) -> Result<LedgerEntry, EvidenceError> {
        let key = self.keys.create(self.passphrase.as_deref())?;
        let body = Body::Genesis {
            public_key: keys::public_hex(&key.public()),
            at: at.to_string(),
            by: by.to_string(),
        };
        match self
            .append_with(&key, &body.index_update(evidence_seq), &|seq, prev| {
                seal(&key, seq, prev, &body)
            })
            .await?
        {
            Appended::Entry(entry) => Ok(entry),
            Appended::Duplicate { .. } => Err(EvidenceError::Input(
                "the store reported the genesis entry as a duplicate".to_string(),
            )),
        }
    }

    /// Indexes entries written before the index existed (once, for an older workspace).
    pub async fn catch_up_index(&self) -> Result<usize, EvidenceError> {
        let mut done = 0;
        loop {
            let after = self.store.indexed_up_to().await?;
            let page = self.store.entries(after, 5_000).await?;
            if page.is_empty() {
                return Ok(done);
            }
            let updates: Vec<(i64, IndexUpdate)> = page
                .iter()
                .map(|e| {
                    let update = serde_json::from_value::<Body>(e.body.clone())
                        .map(|b| b.index_update(evidence_seq))
                        .unwrap_or(IndexUpdate::None);
                    (e.seq, update)
                })
                .collect();
            done += updates.len();
            self.store.catch_up_index(&updates).await?;
        }
    }

    /// The signing key the ledger says is current, loaded (finishing an interrupted rotation).
    pub async fn signing_key(&self) -> Result<LedgerKey, EvidenceError> {
        let records = self.store.keys().await?;
        let expected = records
            .last()
            .and_then(|k| keys::parse_public(&k.public_key))
            .ok_or_else(|| {
                EvidenceError::Key("the ledger names no signing key (no genesis entry)".to_string())
            })?;
        self.keys
            .load_current(&expected, self.passphrase.as_deref())
    }

    /// Refuses to go on when the database ledger ends before the signed checkpoint, or differs
    /// from it: entries were deleted or rewritten, and appending would reuse their ids.
    pub async fn check_head(&self) -> Result<(), EvidenceError> {
        let Some(checkpoint) = self.checkpoint.load()? else {
            return Ok(());
        };
        let head = self.store.head().await?;
        let at = self.store.entry(checkpoint.seq).await?;
        let problem = truncation(&checkpoint, head.as_ref(), at.as_ref());
        match problem {
            Some(message) => Err(EvidenceError::Truncated(format!(
                "{message}; nothing was added. Run `fieldproof verify` and restore the database from a backup"
            ))),
            None => Ok(()),
        }
    }

    /// Appends an entry sealed by `seal` and advances the checkpoint.
    async fn append_with(
        &self,
        key: &LedgerKey,
        update: &IndexUpdate,
        seal: fieldproof_store::Sealer<'_>,
    ) -> Result<Appended, EvidenceError> {
        let appended = self
            .store
            .append(Append {
                index: update,
                seal,
            })
            .await
            .map_err(not_current)?;
        if let Appended::Entry(entry) = &appended {
            self.checkpoint
                .advance(&Checkpoint::sign(key, entry.seq, &entry.hash))?;
        }
        Ok(appended)
    }

    /// Appends `body` built for its position, after checking the head against the checkpoint.
    async fn append(
        &self,
        key: &LedgerKey,
        update: &IndexUpdate,
        body: &(dyn Fn(i64, &str) -> Body + Send + Sync),
    ) -> Result<Appended, EvidenceError> {
        self.check_head().await?;
        let seal = |seq: i64, prev: &str| seal(key, seq, prev, &body(seq, prev));
        self.append_with(key, update, &seal).await
    }

    async fn record(
        &self,
        key: &LedgerKey,
        kind: EvidenceKind,
        name: String,
        blob: blobs::Blob,
        meta: &Metadata,
    ) -> Result<AddOutcome, EvidenceError> {
        let supersedes = match &meta.supersedes {
            None => None,
            Some(old) => Some(evidence_seq(old).ok_or_else(|| {
                EvidenceError::from(fieldproof_core::input::FieldError::value(
                    fieldproof_core::input::Field::Supersedes,
                    old,
                    "not an evidence id (EV-000042)",
                ))
            })?),
        };
        let template = Added {
            evidence: String::new(),
            kind,
            name: name.clone(),
            sha256: blob.sha256.clone(),
            size: blob.size,
            controls: meta.controls.clone(),
            request: meta.request.clone(),
            population: meta.population,
            engagement: meta.engagement.clone(),
            covers: meta.covers,
            collected_at: meta.at.clone(),
            collected_by: meta.by.clone(),
            source: meta.source.clone(),
            note: meta.note.clone(),
            supersedes: supersedes.map(evidence_id),
            answers: meta.answers.clone(),
            dataset: meta.dataset.clone(),
            test: meta.test.clone(),
        };
        let update = IndexUpdate::Evidence {
            sha256: blob.sha256.to_string(),
            engagement: meta.engagement.clone(),
            dedup: template.dedup_key(),
            supersedes,
        };
        let appended = self
            .append(key, &update, &|seq, _| {
                let mut added = template.clone();
                added.evidence = evidence_id(seq);
                Body::Add(Box::new(added))
            })
            .await?;
        let (entry, duplicate) = match appended {
            Appended::Entry(entry) => (entry.seq, false),
            Appended::Duplicate { seq } => (seq, true),
        };
        Ok(AddOutcome {
            name,
            evidence: evidence_id(entry),
            sha256: blob.sha256,
            size: blob.size,
            entry,
            duplicate,
            blob_reused: duplicate || blob.deduplicated,
        })
    }

    /// Adds files: each is checked first (nothing is stored if one is bad), then streamed into
    /// the blob store and recorded.
    pub async fn add_files(
        &self,
        files: &[PathBuf],
        meta: &Metadata,
    ) -> Result<Vec<AddOutcome>, EvidenceError> {
        supports_a_control(&meta.controls)?;
        for file in files {
            let metadata = check_regular_file(file)
                .map_err(|e| EvidenceError::Input(format!("{e}; nothing was added")))?;
            if metadata.len() == 0 {
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
        self.check_head().await?;
        let key = self.signing_key().await?;
        let mut outcomes = Vec::with_capacity(files.len());
        for file in files {
            let mut reader = std::fs::File::open(file).map_err(|source| EvidenceError::Io {
                path: file.clone(),
                source,
            })?;
            let blob = self.blobs.put(&mut reader, file)?;
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            outcomes.push(
                self.record(&key, EvidenceKind::File, name, blob, meta)
                    .await?,
            );
        }
        Ok(outcomes)
    }

    /// Records a file fieldproof produced itself — a dataset part, a test definition, test
    /// results — under `name`. Unlike [`Ledger::add_files`] it may support no control: a
    /// dataset part or a definition is the input of a test, not evidence of a control by itself.
    pub async fn add_produced(
        &self,
        kind: EvidenceKind,
        name: &str,
        file: Produced<'_>,
        meta: &Metadata,
    ) -> Result<AddOutcome, EvidenceError> {
        let ready = async {
            self.check_head().await?;
            self.signing_key().await
        }
        .await;
        let key = match (ready, file) {
            (Ok(key), _) => key,
            (Err(e), Produced::Taken(path)) => {
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
            (Err(e), Produced::Kept(_)) => return Err(e),
        };
        let blob = match file {
            Produced::Kept(path) => {
                let mut reader = std::fs::File::open(path).map_err(|source| EvidenceError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                self.blobs.put(&mut reader, path)?
            }
            Produced::Taken(path) => self.blobs.take(path)?,
        };
        self.record(&key, kind, name.to_string(), blob, meta).await
    }

    /// Adds a URL reference or a short attestation text (stored and hashed like a file).
    pub async fn add_text(
        &self,
        kind: EvidenceKind,
        text: &str,
        meta: &Metadata,
    ) -> Result<AddOutcome, EvidenceError> {
        supports_a_control(&meta.controls)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(EvidenceError::Input(
                "the URL or attestation text is empty; nothing was added".to_string(),
            ));
        }
        if kind == EvidenceKind::Url
            && !(text.starts_with("https://") || text.starts_with("http://"))
        {
            return Err(EvidenceError::Input(format!(
                "'{text}' is not an http(s) URL"
            )));
        }
        self.check_head().await?;
        let key = self.signing_key().await?;
        let blob = self.blobs.put(&mut text.as_bytes(), Path::new("<text>"))?;
        let name = if kind == EvidenceKind::Url {
            text.to_string()
        } else {
            hash::prefix(text, 80).to_string()
        };
        self.record(&key, kind, name, blob, meta).await
    }

    /// Retires a piece of evidence (it stays in the ledger, marked retired). The check that it
    /// is current runs in the append's transaction: of two concurrent retires, one wins.
    pub async fn retire(
        &self,
        evidence: &str,
        reason: &str,
        at: &str,
        by: &str,
    ) -> Result<LedgerEntry, EvidenceError> {
        if reason.trim().is_empty() {
            return Err(fieldproof_core::input::FieldError::missing(
                fieldproof_core::input::Field::Reason,
                "say why the evidence is retired; the reason is recorded in the ledger",
            )
            .into());
        }
        let seq = evidence_seq(evidence).ok_or_else(|| {
            EvidenceError::Input(format!(
                "'{evidence}' is not an evidence id (EV-000042); `fieldproof evidence log` lists them"
            ))
        })?;
        let key = self.signing_key().await?;
        let body = Body::Retire {
            evidence: evidence_id(seq),
            reason: reason.to_string(),
            at: at.to_string(),
            by: by.to_string(),
        };
        match self
            .append(&key, &IndexUpdate::Retire { seq }, &|_, _| body.clone())
            .await?
        {
            Appended::Entry(entry) => Ok(entry),
            Appended::Duplicate { .. } => Err(EvidenceError::Input(
                "the store reported a retirement as a duplicate".to_string(),
            )),
        }
    }

    /// Rotates the signing key: a new key is staged, an entry signed by the current key
    /// introduces it (with the new key's proof of possession), then the new key takes its place.
    pub async fn rotate_key(
        &self,
        reason: &str,
        at: &str,
        by: &str,
    ) -> Result<(LedgerEntry, LedgerKey), EvidenceError> {
        let current = self.signing_key().await?;
        let next = LedgerKey::generate()?;
        self.keys.stage_next(&next, self.passphrase.as_deref())?;
        let next_public = keys::public_hex(&next.public());
        let update = IndexUpdate::Key {
            public_key: next_public.clone(),
        };
        let appended = self
            .append(&current, &update, &|seq, prev| Body::RotateKey {
                public_key: next_public.clone(),
                proof: next.sign(&ledger::rotation_message(seq, prev, &next_public)),
                reason: reason.to_string(),
                at: at.to_string(),
                by: by.to_string(),
            })
            .await?;
        let Appended::Entry(entry) = appended else {
            return Err(EvidenceError::Input(
                "the store reported a rotation as a duplicate".to_string(),
            ));
        };
        self.keys.promote_next(&next.public())?;
        // The checkpoint of the rotation entry is signed by the old key; sign it again with the
        // new one, which signs everything from here on.
        self.checkpoint
            .advance(&Checkpoint::sign(&next, entry.seq, &entry.hash))
            .ok();
        Ok((entry, next))
    }

    /// Current evidence of an engagement (and of no engagement), from the index.
    pub async fn current_for(&self, engagement: &str) -> Result<Vec<Added>, EvidenceError> {
        let rows = self
            .store
            .evidence(&EvidenceQuery::CurrentFor(engagement.to_string()))
            .await?;
        rows.into_iter()
            .map(|row| match serde_json::from_str::<Body>(&row.body) {
                Ok(Body::Add(added)) => Ok(*added),
                _ => Err(EvidenceError::Input(format!(
                    "ledger entry {} is indexed as evidence but is not an add entry; run `fieldproof verify`",
                    row.seq
                ))),
            })
            .collect()
    }

    /// Removes blob-store temporaries of writers that are no longer running.
    pub fn clean_leftovers(&self) -> Vec<Leftover> {
        self.blobs.clean_leftovers()
    }
}

/// Why the database ledger disagrees with a checkpoint, if it does.
pub fn truncation(
    checkpoint: &Checkpoint,
    head: Option<&LedgerHead>,
    at_checkpoint: Option<&LedgerEntry>,
) -> Option<String> {
    let head_seq = head.map_or(0, |h| h.seq);
    if head_seq < checkpoint.seq {
        return Some(format!(
            "the ledger ends at entry {head_seq}, but its signed checkpoint records entry {} ({}): the newest entries were deleted",
            checkpoint.seq,
            hash::prefix(&checkpoint.hash, 12)
        ));
    }
    match at_checkpoint {
        Some(entry) if entry.hash == checkpoint.hash => None,
        Some(entry) => Some(format!(
            "ledger entry {} hashes to {}, but the signed checkpoint records {}: the ledger was rewritten",
            entry.seq,
            hash::prefix(&entry.hash, 12),
            hash::prefix(&checkpoint.hash, 12)
        )),
        None => Some(format!(
            "ledger entry {} recorded by the signed checkpoint is missing",
            checkpoint.seq
        )),
    }
}
