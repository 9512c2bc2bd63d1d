//! What a reader limited to one engagement may see of the ledger: the one rule that the
//! evidence pack, the ledger page and API, and the verification shown to such a reader follow.
//!
//! An auditor engaged for one period must be able to verify the whole chain (every entry's
//! position, hash and signature) without learning anything of another engagement's evidence:
//! its file names, controls, notes, sizes or content hashes. Format 2 entries commit to a digest
//! of their body, so an entry can be shown without its body and still verify; format 1 entries
//! (written by fieldproof 0.1) commit to the body itself and are shown in full, as they always
//! were, because the chain cannot be verified without them.

use crate::ledger::{Body, PackEntry};
use fieldproof_store::LedgerEntry;
use std::collections::BTreeSet;

/// How one entry is shown to a reader limited to an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// With its body: a key entry, evidence of this engagement or of none, or the retirement of
    /// such evidence.
    Full,
    /// Without its body: another engagement's entry (format 2).
    Redacted,
    /// Another engagement's entry written before redaction existed (format 1): shown in full,
    /// since its hash covers the body.
    LegacyFull,
}

/// Whether evidence recorded for `recorded_for` (none: the whole organisation) may be shown
/// to a reader limited to `engagement`: its own engagement's, and evidence of no engagement.
pub fn discloses(recorded_for: Option<&str>, engagement: &str) -> bool {
    recorded_for.is_none_or(|x| x == engagement)
}

/// The disclosure rule of one engagement over one ledger, decided in one pass over it.
#[derive(Debug, Clone, Default)]
pub struct Disclosure {
    /// Evidence ids the engagement may see: its own and those of no engagement.
    ours: BTreeSet<String>,
    /// Positions of the entries shown with their body.
    full: BTreeSet<i64>,
    /// Positions of the entries shown without it.
    redacted: BTreeSet<i64>,
}

impl Disclosure {
    /// The rule for a reader of `engagement` over `entries` (the whole ledger, genesis first;
    /// a retirement always follows the addition it retires).
    pub fn for_engagement(entries: &[LedgerEntry], engagement: &str) -> Disclosure {
        let mut rule = Disclosure::default();
        for e in entries {
            let disclosed = match serde_json::from_value::<Body>(e.body.clone()) {
                Ok(Body::Genesis { .. } | Body::RotateKey { .. }) => true,
                Ok(Body::Add(a)) if discloses(a.engagement.as_deref(), engagement) => {
                    rule.ours.insert(a.evidence);
                    true
                }
                Ok(Body::Retire { evidence, .. }) => rule.ours.contains(&evidence),
                _ => false,
            };
            if disclosed {
                rule.full.insert(e.seq);
            } else if e.format >= 2 {
                rule.redacted.insert(e.seq);
            }
        }
        rule
    }

    /// Whether evidence `id` (`EV-000042`) is the engagement's own or of no engagement.
    pub fn discloses_evidence(&self, id: &str) -> bool {
        self.ours.contains(id)
    }

    /// Whether the entry at `seq` is shown with its body (in full, or as a format 1 entry).
    pub fn discloses_entry(&self, seq: i64) -> bool {
        !self.redacted.contains(&seq)
    }

    /// How many entries are shown without their body.
    pub fn redacted(&self) -> usize {
        self.redacted.len()
    }

    /// How `entry` is shown.
    pub fn shown(&self, entry: &LedgerEntry) -> Shown {
        if self.full.contains(&entry.seq) {
            Shown::Full
        } else if self.redacted.contains(&entry.seq) {
            Shown::Redacted
        } else {
            Shown::LegacyFull
        }
    }

    /// `entry` as the reader sees it.
    pub fn entry(&self, entry: &LedgerEntry) -> (Shown, PackEntry) {
        let shown = self.shown(entry);
        let view = match shown {
            Shown::Redacted => PackEntry::redacted(entry).unwrap_or_else(|| PackEntry::full(entry)),
            Shown::Full | Shown::LegacyFull => PackEntry::full(entry),
        };
        (shown, view)
    }
}

/// Every entry of the ledger as a reader sees it: in full when `limit` is `None` (a member who
/// sees the whole organisation), else as [`Disclosure`] decides for that engagement.
pub fn view(entries: &[LedgerEntry], limit: Option<&str>) -> (Vec<PackEntry>, usize) {
    let Some(engagement) = limit else {
        return (entries.iter().map(PackEntry::full).collect(), 0);
    };
    let rule = Disclosure::for_engagement(entries, engagement);
    let shown = entries.iter().map(|e| rule.entry(e).1).collect();
    (shown, rule.redacted())
}
