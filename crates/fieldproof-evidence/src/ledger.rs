//! The evidence ledger: every add, supersede, retire and key rotation is an entry holding the
//! hash of the previous entry, hashed over a canonical JSON form and signed with the
//! organisation's Ed25519 key. Verification recomputes everything and names the entry and what
//! is wrong.
//!
//! Two entry formats verify side by side, so ledgers written by earlier versions keep verifying:
//!
//! - format 1 hashes `{"body", "prev", "seq"}`: the body itself is committed;
//! - format 2 hashes `{"body_sha256", "format": 2, "prev", "seq"}`, where `body_sha256` is the
//!   SHA-256 of the canonical body. An entry can then be shown without its body (an entry of
//!   another engagement in an evidence pack) and its link, hash and signature still verify.
//!
//! The genesis entry names the first signing key; a `rotate_key` entry, signed by the current
//! key, introduces the next one together with the next key's signature over the entry's
//! position (proof that whoever rotated holds it). Verification follows the keys in order.

use crate::hash::{hex, Sha256Hex};
use crate::keys::{parse_public, public_hex, signature_ok, LedgerKey};
use ed25519_dalek::VerifyingKey;
use fieldproof_core::control_test::{Answer, Input, Outcome};
use fieldproof_core::engagement::Period;
use fieldproof_store::{IndexUpdate, KeyRecord, LedgerEntry};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The entry format new entries are written in.
pub const CURRENT_FORMAT: u8 = 2;

/// What kind of evidence an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A file, stored as a blob.
    File,
    /// A reference to a URL (the URL text is stored as a blob and hashed).
    Url,
    /// A short attestation text (stored as a blob).
    Attestation,
    /// A part of an event evidence dataset (a Parquet file written by `ingest`).
    Dataset,
    /// The result of a full-population test run: its exception rows as CSV.
    TestResult,
}

impl EvidenceKind {
    /// `file`, `url`, `attestation`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::File => "file",
            EvidenceKind::Url => "url",
            EvidenceKind::Attestation => "attestation",
            EvidenceKind::Dataset => "dataset",
            EvidenceKind::TestResult => "test_result",
        }
    }
}

/// Metadata of an added piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Added {
    /// Evidence id (`EV-000042`), from the entry's sequence number.
    pub evidence: String,
    /// File, URL or attestation.
    pub kind: EvidenceKind,
    /// File name, URL or attestation summary.
    pub name: String,
    /// SHA-256 of the content blob.
    pub sha256: Sha256Hex,
    /// Size in bytes.
    pub size: u64,
    /// Controls it supports.
    pub controls: Vec<String>,
    /// The evidence request of the controls it answers (absent: the controls' only request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// A population: a log or export of the whole `covers` period, which then evidences every
    /// window of that period (otherwise evidence speaks for the window of its date).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub population: bool,
    /// Engagement it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement: Option<String>,
    /// Period it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<Period>,
    /// When it was collected (RFC 3339).
    pub collected_at: String,
    /// Who collected it.
    pub collected_by: String,
    /// Where it came from (system, report, person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The evidence this replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// The evidence requests it answers, when it answers requests of different controls (an
    /// automated test); then `request` is absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
    /// For a dataset part: what it holds and where it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<DatasetRecord>,
    /// For a test result: what produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<TestRecord>,
}

/// A source file a dataset part was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// File name.
    pub name: String,
    /// SHA-256 of its bytes as read (compressed, if it was).
    pub sha256: Sha256Hex,
    /// Size in bytes.
    pub size: u64,
}

/// The completeness-and-accuracy record of a dataset part: what was read, how, and what came
/// out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetRecord {
    /// Dataset name.
    pub dataset: String,
    /// Rows stored.
    pub rows: u64,
    /// Rows rejected (written to the rejects file with line and reason).
    pub rejected: u64,
    /// Rows a mapping's filter left out on purpose.
    pub skipped: u64,
    /// Rows left out because an earlier part of the dataset already holds them (same key, same
    /// values): an export that overlaps one ingested before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub already_stored: u64,
    /// Earliest value of the dataset's time column (RFC 3339).
    pub min_ts: String,
    /// Latest value of the dataset's time column (RFC 3339).
    pub max_ts: String,
    /// The source files read.
    pub sources: Vec<SourceFile>,
    /// The mapping applied, with the SHA-256 of its file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<SourceFile>,
    /// Lookup tables the mapping joined, with their hashes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lookups: Vec<SourceFile>,
    /// SHA-256 of the rejects file, when rows were rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejects_sha256: Option<Sha256Hex>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What produced a test result: the definition, the parameters, the period and scope, the
/// dataset parts read, and the hash that binds them to the exception rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRecord {
    /// Test id.
    pub test: String,
    /// Pass, fail or no data.
    pub outcome: Outcome,
    /// Rows tested.
    pub population: u64,
    /// Exception rows.
    pub exceptions: u64,
    /// The evidence holding the test definition file, and its SHA-256.
    pub definition: String,
    /// SHA-256 of the definition file.
    pub definition_sha256: Sha256Hex,
    /// Parameters used, as the text substituted into the SQL.
    pub parameters: std::collections::BTreeMap<String, String>,
    /// Components in scope or shared the run was restricted to.
    pub components: Vec<String>,
    /// The dataset parts read.
    pub inputs: Vec<Input>,
    /// The evidence holding the exception rows as Parquet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceptions_parquet: Option<String>,
    /// SHA-256 binding all of the above to the exception rows.
    pub result_sha256: Sha256Hex,
    /// The engine that ran it (`datafusion 54.1.0`).
    pub engine: String,
}

impl Added {
    /// The key under which the same content with the same metadata counts as a duplicate. A
    /// test result also counts its result hash (the same exceptions from other inputs are a new
    /// result), a dataset part its sources.
    pub fn dedup_key(&self) -> String {
        let mut identity = serde_json::json!({
            "sha256": self.sha256,
            "controls": self.controls,
            "request": self.request,
            "population": self.population,
            "engagement": self.engagement,
            "covers": self.covers,
        });
        if let Some(test) = &self.test {
            identity["result_sha256"] = serde_json::json!(test.result_sha256);
        }
        if let Some(dataset) = &self.dataset {
            identity["dataset"] = serde_json::json!(dataset.dataset);
        }
        Sha256Hex::of(&canonical(&identity)).to_string()
    }
}

/// The content of a ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// The first entry: binds the ledger to its first public key.
    Genesis {
        /// Hex public key.
        public_key: String,
        /// When (RFC 3339).
        at: String,
        /// Who.
        by: String,
    },
    /// Evidence added (or added to supersede older evidence).
    Add(Box<Added>),
    /// Evidence withdrawn from use.
    Retire {
        /// Evidence id.
        evidence: String,
        /// Why.
        reason: String,
        /// When.
        at: String,
        /// Who.
        by: String,
    },
    /// The signing key changes: this entry is signed by the current key; later entries by
    /// `public_key`.
    RotateKey {
        /// The next key, hex.
        public_key: String,
        /// The next key's signature over [`rotation_message`] (proof of possession).
        proof: String,
        /// Why.
        reason: String,
        /// When.
        at: String,
        /// Who.
        by: String,
    },
}

impl Body {
    /// What the index learns from this entry at `seq`. `locate` finds the entry that recorded
    /// an evidence id.
    pub fn index_update(&self, locate: impl Fn(&str) -> Option<i64>) -> IndexUpdate {
        match self {
            Body::Genesis { public_key, .. } | Body::RotateKey { public_key, .. } => {
                IndexUpdate::Key {
                    public_key: public_key.clone(),
                }
            }
            Body::Add(added) => IndexUpdate::Evidence {
                sha256: added.sha256.to_string(),
                engagement: added.engagement.clone(),
                dedup: added.dedup_key(),
                supersedes: added.supersedes.as_deref().and_then(&locate),
            },
            Body::Retire { evidence, .. } => match locate(evidence) {
                Some(seq) => IndexUpdate::Retire { seq },
                None => IndexUpdate::None,
            },
        }
    }
}

/// The message a rotation's next key signs: it binds the new key to the entry's position.
pub fn rotation_message(seq: i64, prev: &str, public_key: &str) -> Vec<u8> {
    format!("fieldproof-key-rotation/1\n{seq}\n{prev}\n{public_key}").into_bytes()
}

/// JSON with object keys sorted at every level and no whitespace: the bytes that are hashed.
pub fn canonical(value: &Value) -> Vec<u8> {
    fn write(value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(
                        serde_json::to_string(key).unwrap_or_default().as_bytes(),
                    );
                    out.push(b':');
                    write(&map[key.as_str()], out);
                }
                out.push(b'}');
            }
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(item, out);
                }
                out.push(b']');
            }
            scalar => {
                out.extend_from_slice(serde_json::to_string(scalar).unwrap_or_default().as_bytes())
            }
        }
    }
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

/// SHA-256 of the canonical body (format 2).
pub fn body_digest(body: &Value) -> String {
    hex(&Sha256::digest(canonical(body)))
}

/// The hash of a format 1 entry: SHA-256 over canonical `{"body","prev","seq"}`.
pub fn entry_hash_v1(seq: i64, prev: &str, body: &Value) -> String {
    let framed = serde_json::json!({ "seq": seq, "prev": prev, "body": body });
    hex(&Sha256::digest(canonical(&framed)))
}

/// The hash of a format 2 entry: SHA-256 over canonical `{"body_sha256","format","prev","seq"}`.
pub fn entry_hash_v2(seq: i64, prev: &str, body_sha256: &str) -> String {
    let framed = serde_json::json!({
        "seq": seq, "prev": prev, "format": 2, "body_sha256": body_sha256,
    });
    hex(&Sha256::digest(canonical(&framed)))
}

/// Builds and signs the entry at `seq` after `prev` (format 2).
pub fn seal(key: &LedgerKey, seq: i64, prev: &str, body: &Body) -> LedgerEntry {
    let body = serde_json::to_value(body).unwrap_or(Value::Null);
    let body_sha256 = body_digest(&body);
    let hash = entry_hash_v2(seq, prev, &body_sha256);
    let signature = key.sign(hash.as_bytes());
    LedgerEntry {
        seq,
        prev: prev.to_string(),
        format: CURRENT_FORMAT,
        body_sha256: Some(body_sha256),
        body,
        hash,
        signature,
    }
}

/// The evidence id an add entry at `seq` gets.
pub fn evidence_id(seq: i64) -> String {
    format!("EV-{seq:06}")
}

/// The entry an evidence id names (`EV-000042` → 42), case-insensitive.
pub fn evidence_seq(id: &str) -> Option<i64> {
    let digits = id.get(..3)?.eq_ignore_ascii_case("EV-").then(|| &id[3..])?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// An entry as an evidence pack carries it: with its body when the pack may disclose it, or
/// redacted to what verifies the chain (format 2 only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackEntry {
    /// Position.
    pub seq: i64,
    /// Previous entry's hash.
    pub prev: String,
    /// Entry format.
    #[serde(default = "format_one")]
    pub format: u8,
    /// Format 2: digest of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
    /// The body, absent when redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Entry hash.
    pub hash: String,
    /// Signature of the hash.
    pub signature: String,
}

fn format_one() -> u8 {
    1
}

impl PackEntry {
    /// The entry with its body.
    pub fn full(entry: &LedgerEntry) -> Self {
        PackEntry {
            seq: entry.seq,
            prev: entry.prev.clone(),
            format: entry.format,
            body_sha256: entry.body_sha256.clone(),
            body: Some(entry.body.clone()),
            hash: entry.hash.clone(),
            signature: entry.signature.clone(),
        }
    }

    /// The entry without its body (format 2 entries only; format 1 commits to the body itself,
    /// so it cannot be shown without it).
    pub fn redacted(entry: &LedgerEntry) -> Option<Self> {
        (entry.format >= 2).then(|| PackEntry {
            body: None,
            ..PackEntry::full(entry)
        })
    }
}

/// What chain verification reads of an entry; implemented by stored and pack entries.
pub trait ChainItem {
    /// Position.
    fn seq(&self) -> i64;
    /// Previous hash.
    fn prev(&self) -> &str;
    /// Format.
    fn format(&self) -> u8;
    /// Format 2 body digest.
    fn body_sha256(&self) -> Option<&str>;
    /// The body, if shown.
    fn body(&self) -> Option<&Value>;
    /// Recorded hash.
    fn hash(&self) -> &str;
    /// Signature.
    fn signature(&self) -> &str;
}

impl ChainItem for LedgerEntry {
    fn seq(&self) -> i64 {
        self.seq
    }
    fn prev(&self) -> &str {
        &self.prev
    }
    fn format(&self) -> u8 {
        self.format
    }
    fn body_sha256(&self) -> Option<&str> {
        self.body_sha256.as_deref()
    }
    fn body(&self) -> Option<&Value> {
        Some(&self.body)
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

impl ChainItem for PackEntry {
    fn seq(&self) -> i64 {
        self.seq
    }
    fn prev(&self) -> &str {
        &self.prev
    }
    fn format(&self) -> u8 {
        self.format
    }
    fn body_sha256(&self) -> Option<&str> {
        self.body_sha256.as_deref()
    }
    fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn signature(&self) -> &str {
        &self.signature
    }
}

/// One problem found in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LedgerProblem {
    /// The entry's sequence number (or the position where one is missing).
    pub seq: i64,
    /// What is wrong.
    pub message: String,
}

/// What chain verification found: problems, and the signing keys in the order they took effect.
#[derive(Debug, Clone, Default)]
pub struct ChainReport {
    /// Problems, in ledger order.
    pub problems: Vec<LedgerProblem>,
    /// Keys: the genesis key, then each rotation.
    pub keys: Vec<KeyRecord>,
    /// Entries shown without their body.
    pub redacted: usize,
}

impl ChainReport {
    /// The key that signs from the last entry on.
    pub fn current_key(&self) -> Option<VerifyingKey> {
        self.keys.last().and_then(|k| parse_public(&k.public_key))
    }
}

fn short(hash: &str) -> &str {
    crate::hash::prefix(hash, 12)
}

/// Verifies the chain of `entries` (which must start at seq 1): positions, links, hashes, body
/// digests, signatures with the key in force at each entry, the genesis entry and rotations.
pub fn verify_chain<E: ChainItem>(entries: &[E]) -> ChainReport {
    let mut report = ChainReport::default();
    let push = |problems: &mut Vec<LedgerProblem>, seq: i64, message: String| {
        problems.push(LedgerProblem { seq, message })
    };
    let mut previous_hash = fieldproof_store::append::GENESIS_PREV.to_string();
    let mut key: Option<VerifyingKey> = None;
    for (index, entry) in entries.iter().enumerate() {
        let seq = entry.seq();
        let problems = &mut report.problems;
        let expected_seq = index as i64 + 1;
        if seq != expected_seq {
            push(problems, seq, format!(
                "entry is at position {expected_seq} but numbered {seq}: entries were deleted, inserted or reordered"
            ));
        }
        if entry.prev() != previous_hash {
            push(problems, seq, format!(
                "its link to the previous entry is broken (expects {}, the previous entry hashes to {}): an entry before it was removed, inserted, reordered or changed",
                short(entry.prev()),
                short(&previous_hash)
            ));
        }
        let body: Option<Body> = entry
            .body()
            .and_then(|b| serde_json::from_value::<Body>(b.clone()).ok());
        match entry.format() {
            1 => match entry.body() {
                Some(b) => {
                    let recomputed = entry_hash_v1(seq, entry.prev(), b);
                    if recomputed != entry.hash() {
                        push(problems, seq, format!(
                            "its content does not match its hash (content hashes to {}, recorded {}): the entry was modified",
                            short(&recomputed),
                            short(entry.hash())
                        ));
                    }
                }
                None => push(
                    problems,
                    seq,
                    "a format 1 entry has no body, so it cannot be checked".to_string(),
                ),
            },
            2 => {
                let digest = entry.body_sha256().unwrap_or_default();
                if let Some(b) = entry.body() {
                    let actual = body_digest(b);
                    if actual != digest {
                        push(problems, seq, format!(
                            "its content does not match its recorded digest (content hashes to {}, recorded {}): the entry was modified",
                            short(&actual),
                            short(digest)
                        ));
                    }
                } else {
                    report.redacted += 1;
                }
                let recomputed = entry_hash_v2(seq, entry.prev(), digest);
                if recomputed != entry.hash() {
                    push(problems, seq, format!(
                        "it does not match its hash (recomputed {}, recorded {}): the entry was modified",
                        short(&recomputed),
                        short(entry.hash())
                    ));
                }
            }
            other => push(problems, seq, format!("unknown entry format {other}")),
        }
        if index == 0 {
            match &body {
                Some(Body::Genesis { public_key, .. }) => match parse_public(public_key) {
                    Some(k) => {
                        key = Some(k);
                        report.keys.push(KeyRecord {
                            seq,
                            public_key: public_hex(&k),
                        });
                    }
                    None => push(
                        problems,
                        seq,
                        "the genesis entry names no valid public key".to_string(),
                    ),
                },
                _ => push(
                    problems,
                    seq,
                    "the first entry is not the genesis entry".to_string(),
                ),
            }
        } else if entry.body().is_some() && body.is_none() {
            push(
                problems,
                seq,
                "its content is not a valid ledger entry".to_string(),
            );
        }
        let signed = key
            .as_ref()
            .is_some_and(|k| signature_ok(k, entry.hash().as_bytes(), entry.signature()));
        if !signed {
            push(problems, seq, "its signature does not verify with the ledger key in force at this entry: the entry was forged or re-signed, or the key was replaced".to_string());
        }
        if let Some(Body::RotateKey {
            public_key, proof, ..
        }) = &body
        {
            match parse_public(public_key) {
                Some(next)
                    if signature_ok(
                        &next,
                        &rotation_message(seq, entry.prev(), public_key),
                        proof,
                    ) =>
                {
                    key = Some(next);
                    report.keys.push(KeyRecord {
                        seq,
                        public_key: public_hex(&next),
                    });
                }
                _ => push(problems, seq, "the key rotation carries no valid proof from the next key; later entries cannot be trusted".to_string()),
            }
        }
        previous_hash = entry.hash().to_string();
    }
    report
}

/// Whether a piece of evidence is still in use, replayed from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// In use.
    Current,
    /// Replaced by newer evidence.
    Superseded {
        /// The replacing evidence id.
        by: String,
    },
    /// Withdrawn.
    Retired {
        /// Why.
        reason: String,
    },
}

impl Status {
    /// `current`, `superseded`, `retired`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Superseded { .. } => "superseded",
            Status::Retired { .. } => "retired",
        }
    }
}

/// Replays the add, supersede and retire entries that show their body: `(entry seq, added,
/// status)`, in entry order. Used by verification, which must not trust the index.
pub fn replay<E: ChainItem>(entries: &[E]) -> Vec<(i64, Added, Status)> {
    let mut items: Vec<(i64, Added, Status)> = Vec::new();
    let mut position = std::collections::HashMap::new();
    for entry in entries {
        let Some(body) = entry.body() else { continue };
        match serde_json::from_value::<Body>(body.clone()) {
            Ok(Body::Add(added)) => {
                if let Some(old) = added.supersedes.as_deref().and_then(|o| position.get(o)) {
                    let item: &mut (i64, Added, Status) = &mut items[*old];
                    item.2 = Status::Superseded {
                        by: added.evidence.clone(),
                    };
                }
                position.insert(added.evidence.clone(), items.len());
                items.push((entry.seq(), *added, Status::Current));
            }
            Ok(Body::Retire {
                evidence, reason, ..
            }) => {
                if let Some(index) = position.get(&evidence) {
                    items[*index].2 = Status::Retired { reason };
                }
            }
            _ => {}
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_sorts_keys_at_every_level() {
        let value = serde_json::json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(
            String::from_utf8(canonical(&value)).unwrap_or_default(),
            r#"{"a":{"c":"x","d":[true,null]},"b":1}"#
        );
    }

    fn genesis(key: &LedgerKey) -> Body {
        Body::Genesis {
            public_key: public_hex(&key.public()),
            at: "t".into(),
            by: "me".into(),
        }
    }

    fn retire(evidence: &str) -> Body {
        Body::Retire {
            evidence: evidence.into(),
            reason: "r".into(),
            at: "t".into(),
            by: "me".into(),
        }
    }

    #[test]
    fn a_sealed_chain_verifies_and_any_change_is_named() {
        let key = LedgerKey::generate().expect("key");
        let first = seal(&key, 1, &"0".repeat(64), &genesis(&key));
        let second = seal(&key, 2, &first.hash, &retire("EV-000001"));
        let mut chain = vec![first, second];
        assert!(verify_chain(&chain).problems.is_empty());
        chain[1].body["reason"] = Value::String("changed".into());
        let problems = verify_chain(&chain).problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("was modified"));
    }

    #[test]
    fn format_one_entries_written_by_earlier_versions_still_verify() {
        let key = LedgerKey::generate().expect("key");
        let v1 = |seq: i64, prev: &str, body: &Body| {
            let body = serde_json::to_value(body).unwrap_or_default();
            let hash = entry_hash_v1(seq, prev, &body);
            LedgerEntry {
                seq,
                prev: prev.into(),
                format: 1,
                body_sha256: None,
                signature: key.sign(hash.as_bytes()),
                body,
                hash,
            }
        };
        let first = v1(1, &"0".repeat(64), &genesis(&key));
        let second = seal(&key, 2, &first.hash, &retire("EV-000009"));
        assert!(verify_chain(&[first, second]).problems.is_empty());
    }

    #[test]
    fn redacted_entries_verify_without_their_body_and_bodies_cannot_be_swapped() {
        let key = LedgerKey::generate().expect("key");
        let first = seal(&key, 1, &"0".repeat(64), &genesis(&key));
        let second = seal(&key, 2, &first.hash, &retire("EV-000001"));
        let pack = vec![
            PackEntry::full(&first),
            PackEntry::redacted(&second).expect("format 2"),
        ];
        let report = verify_chain(&pack);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.redacted, 1);
        let mut forged = pack.clone();
        forged[1].body = Some(serde_json::to_value(retire("EV-000777")).unwrap_or_default());
        assert!(verify_chain(&forged).problems[0]
            .message
            .contains("recorded digest"));
    }

    #[test]
    fn rotation_hands_over_to_the_next_key_only_with_its_proof() {
        let old = LedgerKey::generate().expect("old");
        let next = LedgerKey::generate().expect("next");
        let first = seal(&old, 1, &"0".repeat(64), &genesis(&old));
        let rotation = |proof: String| Body::RotateKey {
            public_key: public_hex(&next.public()),
            proof,
            reason: "yearly".into(),
            at: "t".into(),
            by: "me".into(),
        };
        let message = rotation_message(2, &first.hash, &public_hex(&next.public()));
        let second = seal(&old, 2, &first.hash, &rotation(next.sign(&message)));
        let third = seal(&next, 3, &second.hash, &retire("EV-000001"));
        let report = verify_chain(&[first.clone(), second, third.clone()]);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.current_key(), Some(next.public()));
        assert_eq!(report.keys.len(), 2);
        // A rotation whose proof is signed by someone else is refused.
        let bogus = seal(&old, 2, &first.hash, &rotation(old.sign(&message)));
        let third = seal(&next, 3, &bogus.hash, &retire("EV-000001"));
        let problems = verify_chain(&[first, bogus, third]).problems;
        assert!(problems
            .iter()
            .any(|p| p.message.contains("no valid proof")));
    }

    #[test]
    fn evidence_ids_round_trip() {
        assert_eq!(evidence_seq(&evidence_id(42)), Some(42));
        assert_eq!(evidence_seq("ev-000007"), Some(7));
        for bad in ["EV-", "EV-x", "XX-000001", "EV-0", "é"] {
            assert_eq!(evidence_seq(bad), None, "{bad}");
        }
    }
}
