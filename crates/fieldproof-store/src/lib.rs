//! The storage trait of fieldproof. Every backend (SQLite now, PostgreSQL later) implements
//! [`Store`] and passes the same story test; the CLI and, later, the web app only see the trait.
//!
//! A store holds one workspace: the current estate and an append-only change log recording
//! who changed what, when, from which source file. Time and actor are passed in by the caller.

#[cfg(feature = "story")]
pub mod story;

use async_trait::async_trait;
use fieldproof_core::diff::Change;
use fieldproof_core::Estate;
use serde::Serialize;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no workspace at the location.
    #[error("no fieldproof workspace at {location}; run `fieldproof init` there first (or pass --workspace DIR)")]
    NotInitialised {
        /// Where we looked.
        location: String,
    },
    /// A workspace already exists where `init` was asked to create one.
    #[error("a fieldproof workspace already exists at {location}")]
    AlreadyInitialised {
        /// Where.
        location: String,
    },
    /// Stored data could not be decoded (edited by hand, or from a newer version).
    #[error("stored {what} '{key}' cannot be read: {reason}")]
    Corrupt {
        /// Table or entity.
        what: &'static str,
        /// Key.
        key: String,
        /// Decoder message.
        reason: String,
    },
    /// The backend failed (I/O, locking, SQL).
    #[error("{context}: {message}")]
    Backend {
        /// What we were doing.
        context: &'static str,
        /// The backend's message.
        message: String,
    },
}

/// Who made a change, when, how and from what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeMeta {
    /// RFC 3339 UTC timestamp, from the caller's clock.
    pub at: String,
    /// Who (user name, or `--actor`).
    pub actor: String,
    /// The command that made the change (`apply`).
    pub command: String,
    /// The source file, as given.
    pub source: Option<String>,
    /// SHA-256 of the source file's bytes.
    pub source_sha256: Option<String>,
}

/// Workspace facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceInfo {
    /// When `init` ran.
    pub created_at: String,
    /// Who ran it.
    pub created_by: String,
    /// Schema version (latest migration applied).
    pub schema_version: i64,
}

/// One recorded change set (one `apply`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeSet {
    /// Sequence number, increasing.
    pub id: i64,
    /// Who, when, how.
    #[serde(flatten)]
    pub meta: ChangeMeta,
    /// The changes, in diff order.
    pub changes: Vec<RecordedChange>,
}

/// A change as stored: content is kept as JSON so later schema changes cannot rewrite history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedChange {
    /// `component`, `subservice_organisation`, `responsibility`, `setting`.
    pub entity: String,
    /// Key of the entry.
    pub key: String,
    /// `added`, `changed`, `removed`.
    pub action: String,
    /// Fields that changed.
    pub fields: Vec<String>,
    /// Content before.
    pub before: serde_json::Value,
    /// Content after.
    pub after: serde_json::Value,
}

/// The result of applying an estate.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyOutcome {
    /// What changed (empty when the estate was already current).
    pub changes: Vec<Change>,
    /// The change set recorded, if anything changed.
    pub change_set: Option<i64>,
}

/// An OSCAL catalog imported into the workspace, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCatalog {
    /// Framework id it is known by.
    pub id: String,
    /// Its title.
    pub name: String,
    /// Other names accepted on the command line.
    pub aliases: Vec<String>,
    /// Framework kind (`controls`, `requirements`, ...).
    pub kind: String,
    /// The file it was imported from.
    pub source: String,
    /// SHA-256 of the document.
    pub sha256: String,
    /// The OSCAL JSON document.
    #[serde(skip)]
    pub document: String,
}

/// One entry of the evidence ledger, as stored. The store keeps entries in order and refuses to
/// change them; hashing and signing are the caller's (see `fieldproof-evidence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LedgerEntry {
    /// Position, from 1, without gaps.
    pub seq: i64,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev: String,
    /// The entry's content.
    pub body: serde_json::Value,
    /// SHA-256 (hex) of the canonical `{seq, prev, body}`.
    pub hash: String,
    /// Ed25519 signature (hex) of the hash.
    pub signature: String,
}

/// Builds the next ledger entry from its sequence number and the previous entry's hash.
pub type Sealer<'a> = &'a (dyn Fn(i64, &str) -> LedgerEntry + Send + Sync);

/// A fieldproof workspace store.
#[async_trait]
pub trait Store: Send + Sync {
    /// Workspace facts.
    async fn workspace(&self) -> Result<WorkspaceInfo, StoreError>;

    /// The current estate (lists sorted by key).
    async fn load_estate(&self) -> Result<Estate, StoreError>;

    /// Replaces the stored estate with `estate` atomically, recording every change under
    /// `meta`. Applying the same estate twice records nothing the second time.
    async fn apply_estate(
        &self,
        estate: &Estate,
        meta: &ChangeMeta,
    ) -> Result<ApplyOutcome, StoreError>;

    /// Recorded change sets, newest first, at most `limit`.
    async fn change_log(&self, limit: u32) -> Result<Vec<ChangeSet>, StoreError>;

    /// Stores an imported catalog (replacing one with the same id), recording the change.
    /// Returns the change set, or `None` when the same document was already stored.
    async fn save_catalog(
        &self,
        catalog: &StoredCatalog,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError>;

    /// Imported catalogs, by id.
    async fn catalogs(&self) -> Result<Vec<StoredCatalog>, StoreError>;

    /// Appends one ledger entry atomically: reads the last entry, calls `seal` with the next
    /// sequence number and the last hash, and stores the result. Concurrent appends serialise.
    async fn append_ledger(&self, seal: Sealer<'_>) -> Result<LedgerEntry, StoreError>;

    /// The whole ledger, in sequence order.
    async fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError>;

    /// Creates or replaces an engagement, recording the change.
    async fn save_engagement(
        &self,
        engagement: &fieldproof_core::engagement::Engagement,
        meta: &ChangeMeta,
    ) -> Result<(), StoreError>;

    /// Engagements, by id.
    async fn engagements(&self)
        -> Result<Vec<fieldproof_core::engagement::Engagement>, StoreError>;
}
