//! The storage traits of fieldproof. Every backend (SQLite, PostgreSQL) implements one
//! narrow trait per aggregate — workspace, estate, change log, catalogs, engagements, ledger —
//! and passes the same story test (module `story`, feature `story`); the application layer
//! only sees the traits.
//!
//! A store holds one workspace: the current estate, an append-only change log recording who
//! changed what, when, from which source file, imported catalogs, engagements, and the evidence
//! ledger with its current-evidence index. Time and actor are passed in by the caller; hashing
//! and signing of ledger entries are the caller's too (`fieldproof-evidence`).

pub mod accounts;
pub mod append;
#[cfg(feature = "story")]
pub mod story;

use async_trait::async_trait;
use fieldproof_core::access::ReviewStatus;
use fieldproof_core::diff::Change;
use fieldproof_core::engagement::Engagement;
use fieldproof_core::status::{PlanChange, StatusPlan};
use fieldproof_core::Estate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
    /// A ledger append was refused because the evidence it refers to is not current (checked in
    /// the append's own transaction, so two concurrent retires cannot both succeed).
    #[error("the evidence recorded at ledger entry {seq} is {state}")]
    NotCurrent {
        /// The entry that recorded the evidence.
        seq: i64,
        /// What it is instead.
        state: EvidenceState,
    },
    /// An entry that may only be added exists already (two writers raced for its key).
    #[error("{what} '{key}' exists already")]
    Exists {
        /// The kind of entry.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The store URL names no backend this build has, or is malformed.
    #[error("store '{url}': {message}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The backend cannot do this.
    #[error("{what} is not supported by the {backend} backend")]
    Unsupported {
        /// What was asked.
        what: &'static str,
        /// The backend.
        backend: &'static str,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WorkspaceInfo {
    /// When `init` ran.
    pub created_at: String,
    /// Who ran it.
    pub created_by: String,
    /// Schema version (latest migration applied).
    pub schema_version: i64,
}

/// One recorded change set (one `apply`, import or engagement change).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RecordedChange {
    /// `component`, `subservice_organisation`, `responsibility`, `setting`, `catalog`, `engagement`.
    pub entity: String,
    /// Key of the entry.
    pub key: String,
    /// `added`, `changed`, `removed`.
    pub action: String,
    /// Fields that changed.
    pub fields: Vec<String>,
    /// Content before (null when added).
    pub before: serde_json::Value,
    /// Content after (null when removed).
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LedgerEntry {
    /// Position, from 1, without gaps.
    pub seq: i64,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev: String,
    /// Entry format: 1 hashes the body itself, 2 hashes a digest of the body (so that an entry
    /// can be shown without its body and still verify).
    #[serde(default = "format_one")]
    pub format: u8,
    /// Format 2: SHA-256 (hex) of the canonical body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
    /// The entry's content.
    pub body: serde_json::Value,
    /// SHA-256 (hex) of the canonical entry.
    pub hash: String,
    /// Ed25519 signature (hex) of the hash.
    pub signature: String,
}

fn format_one() -> u8 {
    1
}

/// The last entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LedgerHead {
    /// Its sequence number.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

/// Builds the next ledger entry from its sequence number and the previous entry's hash.
pub type Sealer<'a> = &'a (dyn Fn(i64, &str) -> LedgerEntry + Send + Sync);

/// What the ledger's index learns from an entry, given with the entry so that the store can
/// keep the index in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexUpdate {
    /// Nothing to index.
    None,
    /// A signing key takes effect from this entry (genesis, rotation).
    Key {
        /// Hex public key.
        public_key: String,
    },
    /// Evidence recorded by this entry.
    Evidence {
        /// SHA-256 of its content.
        sha256: String,
        /// The engagement it belongs to.
        engagement: Option<String>,
        /// Equal keys mean the same content recorded with the same metadata: a second append
        /// with the key of current evidence is a duplicate and appends nothing.
        dedup: String,
        /// The entry of the evidence it replaces, which must be current.
        supersedes: Option<i64>,
    },
    /// The evidence recorded at `seq`, which must be current, is withdrawn.
    Retire {
        /// The entry that recorded it.
        seq: i64,
    },
}

impl IndexUpdate {
    /// The entry whose evidence must still be current for this update to apply: the evidence
    /// superseded, or the evidence retired.
    pub fn requires_current(&self) -> Option<i64> {
        match self {
            IndexUpdate::Evidence { supersedes, .. } => *supersedes,
            IndexUpdate::Retire { seq } => Some(*seq),
            IndexUpdate::None | IndexUpdate::Key { .. } => None,
        }
    }
}

/// A ledger append: the index update it brings and the sealer that builds the entry once the
/// store knows its position.
#[derive(Clone, Copy)]
pub struct Append<'a> {
    /// What the index learns.
    pub index: &'a IndexUpdate,
    /// Builds the entry.
    pub seal: Sealer<'a>,
}

impl std::fmt::Debug for Append<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Append").field("index", self.index).finish()
    }
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// The entry was stored.
    Entry(LedgerEntry),
    /// Current evidence with the same dedup key exists, recorded at `seq`; nothing was stored.
    Duplicate {
        /// The entry that recorded the existing evidence.
        seq: i64,
    },
}

/// Whether a piece of evidence is still in use, as the index knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EvidenceState {
    /// In use.
    Current,
    /// Replaced by the evidence recorded at `by`.
    Superseded {
        /// The entry that replaced it.
        by: i64,
    },
    /// Withdrawn by the retire entry `by`.
    Retired {
        /// The retire entry.
        by: i64,
    },
    /// No evidence is recorded at that entry.
    Missing,
}

impl EvidenceState {
    /// The state an evidence index row records, as every backend stores it: its `status`
    /// column and the entry that changed it (`status_seq`); no row: not evidence.
    pub fn from_index(row: Option<(String, Option<i64>)>) -> EvidenceState {
        match row {
            None => EvidenceState::Missing,
            Some((status, by)) => match (status.as_str(), by) {
                ("superseded", Some(by)) => EvidenceState::Superseded { by },
                ("retired", Some(by)) => EvidenceState::Retired { by },
                _ => EvidenceState::Current,
            },
        }
    }
}

impl std::fmt::Display for EvidenceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvidenceState::Current => f.write_str("current"),
            EvidenceState::Superseded { by } => write!(f, "superseded by ledger entry {by}"),
            EvidenceState::Retired { by } => write!(f, "retired by ledger entry {by}"),
            EvidenceState::Missing => f.write_str("not evidence"),
        }
    }
}

/// Evidence as the index holds it: the entry that recorded it, its state and the entry body as
/// stored (JSON text: callers parse it straight into their own type, which matters when an
/// engagement has a hundred thousand current items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedEvidence {
    /// The recording entry.
    pub seq: i64,
    /// Its state.
    pub state: EvidenceState,
    /// The recording entry's body, JSON text.
    pub body: String,
}

/// Which evidence to read from the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceQuery {
    /// Everything, in entry order.
    All,
    /// The evidence recorded at one entry.
    At(i64),
    /// Current evidence of an engagement and current evidence of no engagement, in entry order.
    CurrentFor(String),
}

/// A signing key of the ledger and the entry from which it signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct KeyRecord {
    /// The entry that introduced it (1 for the genesis key).
    pub seq: i64,
    /// Hex public key.
    pub public_key: String,
}

/// Where a consistent copy of the store was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BackupInfo {
    /// The file written.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Stored JSON, as every backend keeps entities: `encode` writes it, `decode` reads it back and
/// names what could not be read.
pub mod codec {
    use crate::StoreError;

    /// `body`, stored for `what` under `key`, decoded.
    pub fn decode<T: serde::de::DeserializeOwned>(
        what: &'static str,
        key: &str,
        body: &str,
    ) -> Result<T, StoreError> {
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
            what,
            key: key.to_string(),
            reason: e.to_string(),
        })
    }

    /// `value` as JSON text.
    pub fn encode<T: serde::Serialize>(value: &T) -> String {
        // Serialising our own plain data types cannot fail.
        serde_json::to_string(value).unwrap_or_default()
    }

    /// A ledger body as stored: one that is not JSON is kept as a string, so that verification
    /// reports a hash mismatch rather than failing to read the ledger at all.
    pub fn ledger_body(text: String) -> serde_json::Value {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    }
}

/// The kinds of entry of the supplier register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegisterKind {
    /// A supplier (keyed by its id).
    Supplier,
    /// A reviewed SOC report of a supplier (keyed `SUPPLIER/NUMBER`; added, never changed).
    ReportReview,
    /// The reader's answer to one CUEC of a reviewed report (keyed `SUPPLIER/NUMBER/CUEC`).
    CuecAnswer,
}

impl RegisterKind {
    /// Every kind, in the order a restore writes them.
    pub const ALL: [RegisterKind; 3] = [
        RegisterKind::Supplier,
        RegisterKind::ReportReview,
        RegisterKind::CuecAnswer,
    ];

    /// The stored name, which is also the change log's entity.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegisterKind::Supplier => "supplier",
            RegisterKind::ReportReview => "report_review",
            RegisterKind::CuecAnswer => "cuec_answer",
        }
    }
}

/// An entry of the supplier register as stored: its kind, key and content (the application's
/// typed value as JSON, so a backend needs no knowledge of the domain).
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterEntry {
    /// Its kind.
    pub kind: RegisterKind,
    /// Its key within the kind.
    pub key: String,
    /// Its content.
    pub body: serde_json::Value,
}

/// The supplier register: suppliers, their reviewed reports and the reader's CUEC answers,
/// every change recorded in the change log (entity = the kind, key = the entry's key, with the
/// content before and after).
#[async_trait]
pub trait RegisterStore: Send + Sync {
    /// Saves `entry` atomically with its change log record. With `add_only`, an existing key is
    /// refused ([`StoreError::Exists`]) and nothing is written. Returns the change set, or `None`
    /// when the entry was already stored as it is.
    async fn save_register_entry(
        &self,
        entry: &RegisterEntry,
        add_only: bool,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError>;

    /// Every entry of `kind`, by key.
    async fn register_entries(&self, kind: RegisterKind) -> Result<Vec<RegisterEntry>, StoreError>;
}

/// Everything a store holds, read through the traits: what `store migrate` copies from one
/// backend to another. The evidence index is not part of it; it is rebuilt from the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// When the workspace was created.
    pub created_at: String,
    /// Who created it.
    pub created_by: String,
    /// The current estate.
    pub estate: Estate,
    /// The change log, oldest first, with its numbers.
    pub change_log: Vec<ChangeSet>,
    /// Imported catalogs.
    pub catalogs: Vec<StoredCatalog>,
    /// Engagements.
    pub engagements: Vec<Engagement>,
    /// The status plan of every engagement that has one.
    pub statuses: Vec<(String, StatusPlan)>,
    /// The evidence ledger, in order.
    pub ledger: Vec<LedgerEntry>,
    /// The auditor's statuses of evidence requests, oldest first.
    pub request_statuses: Vec<RequestStatusRecord>,
    /// The comments on evidence requests, oldest first.
    pub request_comments: Vec<RequestCommentRecord>,
    /// The supplier register, kind by kind, each by key.
    pub register: Vec<RegisterEntry>,
}

impl Snapshot {
    /// Reads everything `store` holds.
    pub async fn of(store: &dyn Store) -> Result<Snapshot, StoreError> {
        let info = store.workspace().await?;
        let mut change_log = store.change_log(u32::MAX).await?;
        change_log.reverse();
        let engagements = store.engagements().await?;
        let mut statuses = Vec::new();
        for engagement in store.planned_engagements().await? {
            let plan = store.status_plan(&engagement).await?;
            statuses.push((engagement, plan));
        }
        Ok(Snapshot {
            created_at: info.created_at,
            created_by: info.created_by,
            estate: store.load_estate().await?,
            change_log,
            catalogs: store.catalogs().await?,
            engagements,
            statuses,
            ledger: store.ledger().await?,
            request_statuses: store.request_statuses(None).await?,
            request_comments: store.request_comments(None).await?,
            register: {
                let mut all = Vec::new();
                for kind in RegisterKind::ALL {
                    all.extend(store.register_entries(kind).await?);
                }
                all
            },
        })
    }

    /// Whether there is nothing in it but workspace facts (a store just created).
    pub fn is_empty(&self) -> bool {
        self.change_log.is_empty()
            && self.ledger.is_empty()
            && self.catalogs.is_empty()
            && self.engagements.is_empty()
            && self.request_statuses.is_empty()
            && self.request_comments.is_empty()
            && self.register.is_empty()
            && self.estate == Estate::default()
    }
}

/// Workspace facts, backup, restore and shutdown.
#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// Workspace facts.
    async fn workspace(&self) -> Result<WorkspaceInfo, StoreError>;

    /// Fills this store, which must be empty (just created: no estate, change sets, catalogs,
    /// engagements or ledger entries), with `snapshot` in one transaction, keeping change set
    /// numbers and ledger entries exactly. The evidence index is left behind the ledger, for
    /// [`LedgerStore::catch_up_index`].
    async fn restore(&self, snapshot: &Snapshot) -> Result<(), StoreError>;

    /// Writes one consistent copy of the whole store to `to` (which must not exist), usable as a
    /// store of its own.
    async fn backup(&self, to: &Path) -> Result<BackupInfo, StoreError>;

    /// Flushes everything to the store's main file(s) and closes it. Call once, at the end.
    async fn close(&self);
}

/// The current estate.
#[async_trait]
pub trait EstateStore: Send + Sync {
    /// The current estate (lists sorted by key).
    async fn load_estate(&self) -> Result<Estate, StoreError>;

    /// Replaces the stored estate with `estate` atomically, recording every change under
    /// `meta`. Applying the same estate twice records nothing the second time.
    async fn apply_estate(
        &self,
        estate: &Estate,
        meta: &ChangeMeta,
    ) -> Result<ApplyOutcome, StoreError>;
}

/// The append-only change log. Changes are written by the other aggregates, in their own
/// transactions; this trait reads them.
#[async_trait]
pub trait ChangeLogStore: Send + Sync {
    /// Recorded change sets, newest first, at most `limit`.
    async fn change_log(&self, limit: u32) -> Result<Vec<ChangeSet>, StoreError>;
}

/// Catalogs imported from OSCAL.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Stores an imported catalog (replacing one with the same id), recording the change.
    /// Returns the change set, or `None` when the same document was already stored.
    async fn save_catalog(
        &self,
        catalog: &StoredCatalog,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError>;

    /// Imported catalogs, by id.
    async fn catalogs(&self) -> Result<Vec<StoredCatalog>, StoreError>;
}

/// Engagements.
#[async_trait]
pub trait EngagementStore: Send + Sync {
    /// Creates or replaces an engagement, recording the change. Returns the change set, or
    /// `None` when the engagement was already stored as given.
    async fn save_engagement(
        &self,
        engagement: &Engagement,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError>;

    /// Engagements, by id.
    async fn engagements(&self) -> Result<Vec<Engagement>, StoreError>;
}

/// What saving a status plan did.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    /// The changes (empty when the plan was already current).
    pub changes: Vec<PlanChange>,
    /// The change set recorded, if anything changed.
    pub change_set: Option<i64>,
}

/// The design status of controls and the roadmap pins, per engagement.
#[async_trait]
pub trait StatusStore: Send + Sync {
    /// The engagements that have statuses or pins, by id.
    async fn planned_engagements(&self) -> Result<Vec<String>, StoreError>;

    /// An engagement's status plan, sorted by key (empty when nothing is set).
    async fn status_plan(&self, engagement: &str) -> Result<StatusPlan, StoreError>;

    /// Saves `plan` for `engagement` atomically, recording every change under `meta` (change log
    /// entities `control_status` and `roadmap_pin`, keyed `ENGAGEMENT#ITEM`). With `partial`,
    /// entries the plan does not name are kept; otherwise they are removed. The changes are
    /// computed inside the transaction, so two writers cannot lose each other's update.
    async fn save_status_plan(
        &self,
        engagement: &str,
        plan: &StatusPlan,
        partial: bool,
        meta: &ChangeMeta,
    ) -> Result<PlanOutcome, StoreError>;
}

/// The evidence ledger and its index.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// Appends one entry atomically. In one transaction that excludes every other writer: reads
    /// the head, checks the index update's preconditions (superseded or retired evidence must be
    /// current; current evidence with the same dedup key makes the append a duplicate), calls
    /// `seal` with the next sequence number and the head's hash, stores the entry and updates
    /// the index.
    async fn append(&self, append: Append<'_>) -> Result<Appended, StoreError>;

    /// The last entry's position and hash, if any.
    async fn head(&self) -> Result<Option<LedgerHead>, StoreError>;

    /// One entry.
    async fn entry(&self, seq: i64) -> Result<Option<LedgerEntry>, StoreError>;

    /// At most `limit` entries after `after`, in sequence order.
    async fn entries(&self, after: i64, limit: u32) -> Result<Vec<LedgerEntry>, StoreError>;

    /// Evidence from the index.
    async fn evidence(&self, query: &EvidenceQuery) -> Result<Vec<IndexedEvidence>, StoreError>;

    /// The signing keys, in the order they took effect.
    async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError>;

    /// The last entry the index has taken in (behind the head only for a ledger written before
    /// the index existed).
    async fn indexed_up_to(&self) -> Result<i64, StoreError>;

    /// Takes already stored entries into the index, in order, starting right after
    /// [`indexed_up_to`](LedgerStore::indexed_up_to). Used once to index an older ledger.
    async fn catch_up_index(&self, updates: &[(i64, IndexUpdate)]) -> Result<(), StoreError>;

    /// The whole ledger, in sequence order (reads in pages).
    async fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut all = Vec::new();
        loop {
            let after = all.last().map_or(0, |e: &LedgerEntry| e.seq);
            let page = self.entries(after, 10_000).await?;
            if page.is_empty() {
                return Ok(all);
            }
            all.extend(page);
        }
    }
}

/// One status an auditor gave an evidence request of an engagement (a request is named by its
/// control and request id, as in `evidence status`). The newest is the request's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestStatusRecord {
    /// The engagement.
    pub engagement: String,
    /// Control id.
    pub control: String,
    /// Request id.
    pub request: String,
    /// The status given.
    pub status: ReviewStatus,
    /// Who gave it.
    pub by: String,
    /// When (RFC 3339 UTC).
    pub at: String,
}

/// One comment on an evidence request of an engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestCommentRecord {
    /// The engagement.
    pub engagement: String,
    /// Control id.
    pub control: String,
    /// Request id.
    pub request: String,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The text.
    pub text: String,
}

/// The auditor's review of evidence requests: statuses and comments, each kept in the order
/// given and never changed (the history is the record of the review).
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Records a status.
    async fn add_request_status(&self, status: &RequestStatusRecord) -> Result<(), StoreError>;

    /// Records a comment.
    async fn add_request_comment(&self, comment: &RequestCommentRecord) -> Result<(), StoreError>;

    /// Every status of an engagement's requests (of every engagement with `None`), oldest
    /// first.
    async fn request_statuses(
        &self,
        engagement: Option<&str>,
    ) -> Result<Vec<RequestStatusRecord>, StoreError>;

    /// Every comment on an engagement's requests (of every engagement with `None`), oldest
    /// first.
    async fn request_comments(
        &self,
        engagement: Option<&str>,
    ) -> Result<Vec<RequestCommentRecord>, StoreError>;
}

/// Everything a workspace stores: what every backend implements.
pub trait Store:
    WorkspaceStore
    + EstateStore
    + ChangeLogStore
    + CatalogStore
    + EngagementStore
    + StatusStore
    + LedgerStore
    + ReviewStore
    + RegisterStore
{
}

impl<T> Store for T where
    T: WorkspaceStore
        + EstateStore
        + ChangeLogStore
        + CatalogStore
        + EngagementStore
        + StatusStore
        + LedgerStore
        + ReviewStore
        + RegisterStore
{
}
