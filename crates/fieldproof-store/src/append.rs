//! The ledger append and the index catch-up, written once. Each backend runs them inside one
//! of its transactions through [`LedgerTransaction`], a handful of statements it supplies in
//! its own SQL; the checks, the order of the writes and the chaining are here only.

use crate::{Append, Appended, EvidenceState, IndexUpdate, LedgerEntry, StoreError};
use async_trait::async_trait;

/// The hash the first entry of a ledger chains to (`prev` of entry 1).
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The statements of one backend's transaction that an append or a catch-up is made of. The
/// transaction excludes every other writer of the ledger.
#[async_trait]
pub trait LedgerTransaction: Send {
    /// The index state of the evidence recorded at `seq`.
    async fn evidence_state(&mut self, seq: i64) -> Result<EvidenceState, StoreError>;

    /// The first current evidence whose dedup key is `dedup`.
    async fn current_with_dedup(&mut self, dedup: &str) -> Result<Option<i64>, StoreError>;

    /// The last entry's sequence number and hash.
    async fn last_entry(&mut self) -> Result<Option<(i64, String)>, StoreError>;

    /// Stores an entry.
    async fn insert_entry(&mut self, entry: &LedgerEntry) -> Result<(), StoreError>;

    /// Records what `update` tells the index about entry `seq` (nothing for
    /// [`IndexUpdate::None`]).
    async fn index(&mut self, seq: i64, update: &IndexUpdate) -> Result<(), StoreError>;

    /// The last entry the index has taken in.
    async fn indexed_up_to(&mut self) -> Result<i64, StoreError>;

    /// Records that the index has taken in every entry up to `seq`.
    async fn set_indexed(&mut self, seq: i64) -> Result<(), StoreError>;
}

/// Appends one entry (see [`crate::LedgerStore::append`]): the evidence superseded or retired
/// must be current; current evidence with the same dedup key makes the append a duplicate;
/// otherwise the entry is sealed with the next sequence number and the head's hash, stored,
/// and indexed.
pub async fn append_in(
    tx: &mut dyn LedgerTransaction,
    append: Append<'_>,
) -> Result<Appended, StoreError> {
    let Append {
        index: update,
        seal,
    } = append;
    if let Some(seq) = update.requires_current() {
        let state = tx.evidence_state(seq).await?;
        if state != EvidenceState::Current {
            return Err(StoreError::NotCurrent { seq, state });
        }
    }
    if let IndexUpdate::Evidence {
        dedup,
        supersedes: None,
        ..
    } = update
    {
        if let Some(seq) = tx.current_with_dedup(dedup).await? {
            return Ok(Appended::Duplicate { seq });
        }
    }
    let (seq, prev) = match tx.last_entry().await? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_PREV.to_string()),
    };
    let entry = seal(seq, &prev);
    tx.insert_entry(&entry).await?;
    tx.index(entry.seq, update).await?;
    tx.set_indexed(entry.seq).await?;
    Ok(Appended::Entry(entry))
}

/// Takes entries the index has not seen into it (see [`crate::LedgerStore::catch_up_index`]):
/// they must follow on from the last one indexed, without a gap.
pub async fn catch_up_in(
    tx: &mut dyn LedgerTransaction,
    context: &'static str,
    updates: &[(i64, IndexUpdate)],
) -> Result<(), StoreError> {
    let mut expected = tx.indexed_up_to().await?;
    for (seq, update) in updates {
        if *seq != expected + 1 {
            return Err(StoreError::Backend {
                context,
                message: format!(
                    "entry {seq} given while the index expects entry {}",
                    expected + 1
                ),
            });
        }
        tx.index(*seq, update).await?;
        expected = *seq;
    }
    tx.set_indexed(expected).await
}
