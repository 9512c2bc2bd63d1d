//! The evidence ledger: every add, supersede and retire is an entry holding the hash of the
//! previous entry, hashed over a canonical JSON form and signed with the organisation's Ed25519
//! key. Verification recomputes everything and names the entry and what is wrong.

use crate::keys::{hex, parse_public, unhex, LedgerKey};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use fieldproof_core::engagement::Period;
use fieldproof_store::LedgerEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What kind of evidence an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A file, stored as a blob.
    File,
    /// A reference to a URL (the URL text is stored as a blob and hashed).
    Url,
    /// A short attestation text (stored as a blob).
    Attestation,
}

/// Metadata of an added piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Added {
    /// Evidence id (`EV-000042`), from the entry's sequence number.
    pub evidence: String,
    /// File, URL or attestation.
    pub kind: EvidenceKind,
    /// File name, URL or attestation summary.
    pub name: String,
    /// SHA-256 of the content blob.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Controls it supports.
    pub controls: Vec<String>,
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
}

/// The content of a ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// The first entry: binds the ledger to its public key.
    Genesis {
        /// Hex public key.
        public_key: String,
        /// When (RFC 3339).
        at: String,
        /// Who.
        by: String,
    },
    /// Evidence added (or added to supersede older evidence).
    Add(Added),
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

/// The hash of an entry: SHA-256 over canonical `{"body":…,"prev":…,"seq":…}`.
pub fn entry_hash(seq: i64, prev: &str, body: &Value) -> String {
    let framed = serde_json::json!({ "seq": seq, "prev": prev, "body": body });
    hex(&Sha256::digest(canonical(&framed)))
}

/// Builds and signs the entry at `seq` after `prev`.
pub fn seal(key: &LedgerKey, seq: i64, prev: &str, body: &Body) -> LedgerEntry {
    let body = serde_json::to_value(body).unwrap_or(Value::Null);
    let hash = entry_hash(seq, prev, &body);
    let signature = key.sign(hash.as_bytes());
    LedgerEntry {
        seq,
        prev: prev.to_string(),
        body,
        hash,
        signature,
    }
}

/// The evidence id an add entry at `seq` gets.
pub fn evidence_id(seq: i64) -> String {
    format!("EV-{seq:06}")
}

/// One problem found in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerProblem {
    /// The entry's sequence number (or the position where one is missing).
    pub seq: i64,
    /// What is wrong.
    pub message: String,
}

/// Verifies the chain, hashes and signatures of `entries` (which must start at seq 1) against
/// `key`. Returns every problem, in ledger order.
pub fn verify_chain(entries: &[LedgerEntry], key: &VerifyingKey) -> Vec<LedgerProblem> {
    let mut problems = Vec::new();
    let mut push = |seq: i64, message: String| problems.push(LedgerProblem { seq, message });
    let zero = "0".repeat(64);
    let mut previous_hash = zero.clone();
    for (index, entry) in entries.iter().enumerate() {
        let expected_seq = index as i64 + 1;
        if entry.seq != expected_seq {
            push(entry.seq, format!(
                "entry is at position {expected_seq} but numbered {}: entries were deleted, inserted or reordered",
                entry.seq
            ));
        }
        if entry.prev != previous_hash {
            push(entry.seq, format!(
                "its link to the previous entry is broken (expects {}, the previous entry hashes to {}): an entry before it was removed, inserted, reordered or changed",
                short(&entry.prev),
                short(&previous_hash)
            ));
        }
        let recomputed = entry_hash(entry.seq, &entry.prev, &entry.body);
        if recomputed != entry.hash {
            push(entry.seq, format!(
                "its content does not match its hash (content hashes to {}, recorded {}): the entry was modified",
                short(&recomputed),
                short(&entry.hash)
            ));
        }
        let signature_ok = unhex(&entry.signature)
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
            .map(|bytes| Signature::from_bytes(&bytes))
            .is_some_and(|signature| key.verify(entry.hash.as_bytes(), &signature).is_ok());
        if !signature_ok {
            push(entry.seq, "its signature does not verify with the ledger's public key: the entry was forged or re-signed, or the public key was replaced".to_string());
        }
        if index == 0 {
            match serde_json::from_value::<Body>(entry.body.clone()) {
                Ok(Body::Genesis { public_key, .. }) => {
                    if parse_public(&public_key).as_ref() != Some(key) {
                        push(entry.seq, "the genesis entry names a different public key than the one verifying: the public key was replaced".to_string());
                    }
                }
                _ => push(
                    entry.seq,
                    "the first entry is not the genesis entry".to_string(),
                ),
            }
        } else if serde_json::from_value::<Body>(entry.body.clone()).is_err() {
            push(
                entry.seq,
                "its content is not a valid ledger entry".to_string(),
            );
        }
        previous_hash = entry.hash.clone();
    }
    problems
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The add entries of a ledger, with retirement and supersession applied: `(entry seq, added,
/// status)`.
pub fn evidence(entries: &[LedgerEntry]) -> Vec<(i64, Added, Status)> {
    let mut items: Vec<(i64, Added, Status)> = Vec::new();
    for entry in entries {
        match serde_json::from_value::<Body>(entry.body.clone()) {
            Ok(Body::Add(added)) => {
                if let Some(old) = &added.supersedes {
                    for item in items.iter_mut().filter(|(_, a, _)| &a.evidence == old) {
                        item.2 = Status::Superseded {
                            by: added.evidence.clone(),
                        };
                    }
                }
                items.push((entry.seq, added, Status::Current));
            }
            Ok(Body::Retire {
                evidence, reason, ..
            }) => {
                for item in items.iter_mut().filter(|(_, a, _)| a.evidence == evidence) {
                    item.2 = Status::Retired {
                        reason: reason.clone(),
                    };
                }
            }
            _ => {}
        }
    }
    items
}

/// Whether a piece of evidence is still in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

    #[test]
    fn a_sealed_chain_verifies_and_any_change_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        let key = LedgerKey::create(dir.path()).expect("key");
        let genesis = Body::Genesis {
            public_key: crate::keys::public_hex(&key.public()),
            at: "t".into(),
            by: "me".into(),
        };
        let first = seal(&key, 1, &"0".repeat(64), &genesis);
        let retire = Body::Retire {
            evidence: "EV-000001".into(),
            reason: "r".into(),
            at: "t".into(),
            by: "me".into(),
        };
        let second = seal(&key, 2, &first.hash, &retire);
        let mut chain = vec![first, second];
        assert!(verify_chain(&chain, &key.public()).is_empty());
        chain[1].body["reason"] = Value::String("changed".into());
        let problems = verify_chain(&chain, &key.public());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("was modified"));
    }
}
