//! Verification of a workspace: every ledger entry (position, link, hash, body digest, signature
//! with the key in force), the keys (genesis and rotations, the public key file, an auditor's
//! pin), the index against the ledger, every referenced blob, and the ledger head against the
//! signed checkpoint kept outside the database (and against `--expect-head` from an earlier
//! pack). Temporary files of writers that died are removed and reported.

use crate::blobs::{BlobStore, Leftover};
use crate::checkpoint::CheckpointStore;
use crate::disclosure::Disclosure;
use crate::hash::Sha256Hex;
use crate::keys::{fingerprint, parse_public, public_hex, KeyFiles};
use crate::ledger::{replay, verify_chain, ChainReport, Status};
use crate::EvidenceError;
use fieldproof_store::{EvidenceQuery, EvidenceState, LedgerHead, LedgerStore};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What the auditor brings: keys or fingerprints to pin, and a head from an earlier pack.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Public keys (hex) or fingerprints the ledger must be signed with.
    pub pins: Vec<String>,
    /// `SEQ:HASH` of a head seen earlier: that entry must still be in the ledger, unchanged.
    pub expect_head: Option<LedgerHead>,
    /// Report as a reader limited to this engagement sees it ([`Disclosure`]); workspaces only
    /// (a pack is redacted already).
    pub limit: Option<String>,
}

/// One signing key of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct KeyUse {
    /// The entry from which it signs.
    pub from_entry: i64,
    /// Its fingerprint.
    pub fingerprint: String,
    /// The public key, hex.
    pub public_key: String,
}

/// The result of verifying a workspace or a pack.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Verification {
    /// What was verified.
    pub target: String,
    /// Whether everything verified (no problems).
    pub ok: bool,
    /// Ledger entries checked.
    pub entries: usize,
    /// Entries shown without their content (other engagements, in a pack).
    pub redacted_entries: usize,
    /// Blobs re-hashed.
    pub blobs: usize,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// The last entry.
    pub head: Option<LedgerHead>,
    /// The signing keys, genesis first.
    pub keys: Vec<KeyUse>,
    /// Fingerprint of the key in force at the head.
    pub key_fingerprint: String,
    /// Whether the signing keys were pinned by the caller (`--key`, `--fingerprint`). Without a
    /// pin, a ledger re-signed end to end with another key verifies on its own.
    pub key_pinned: bool,
    /// Problems: the evidence cannot be trusted.
    pub problems: Vec<String>,
    /// Notes that do not affect trust.
    pub notes: Vec<String>,
    /// Temporary files of writers that are no longer running, removed.
    pub cleaned: Vec<Leftover>,
    /// The ledger entry each problem is about, by the problem's index, where it is about one:
    /// what [`Verification::limit_to`] withholds from a reader of another engagement.
    #[serde(skip)]
    about: BTreeMap<usize, i64>,
}

impl Verification {
    /// An empty report for `target`.
    pub fn new(target: String) -> Self {
        Verification {
            target,
            ..Verification::default()
        }
    }

    /// Whether everything verified.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// Records a problem about the ledger entry at `seq`.
    pub(crate) fn problem_about(&mut self, seq: i64, message: String) {
        self.about.insert(self.problems.len(), seq);
        self.problems.push(message);
    }

    /// The report as a reader limited to one engagement may see it (the rule of
    /// [`Disclosure`]): every problem is still reported, so such a reader still learns that
    /// the ledger does not verify, but a problem about another engagement's entry no longer
    /// names its evidence, file or content hash; and `redacted_entries` counts the entries that
    /// reader sees without their content.
    fn limit_to(&mut self, rule: &Disclosure) {
        for (index, seq) in &self.about {
            if !rule.discloses_entry(*seq) {
                if let Some(problem) = self.problems.get_mut(*index) {
                    *problem = format!(
                        "ledger entry {seq} (an entry of another engagement, shown without its content) does not verify; a member who sees the whole organisation sees the details"
                    );
                }
            }
        }
        self.redacted_entries = rule.redacted();
    }

    pub(crate) fn absorb_chain(&mut self, chain: &ChainReport, entries: usize) {
        self.entries = entries;
        self.redacted_entries = chain.redacted;
        for p in &chain.problems {
            self.problem_about(p.seq, format!("ledger entry {}: {}", p.seq, p.message));
        }
        self.keys = chain
            .keys
            .iter()
            .filter_map(|k| {
                parse_public(&k.public_key).map(|key| KeyUse {
                    from_entry: k.seq,
                    fingerprint: fingerprint(&key),
                    public_key: public_hex(&key),
                })
            })
            .collect();
        self.key_fingerprint = chain
            .current_key()
            .map(|k| fingerprint(&k))
            .unwrap_or_default();
    }

    /// Applies the caller's pins and expected head; `hash_at` gives the hash of an entry.
    pub(crate) fn apply_options(
        &mut self,
        chain: &ChainReport,
        options: &VerifyOptions,
        hash_at: impl Fn(i64) -> Option<String>,
    ) {
        for pin in &options.pins {
            if crate::keys::pinned_in(pin, &chain.keys) {
                self.key_pinned = true;
            } else {
                self.problems.push(format!(
                    "the ledger is signed by {} but the pinned key is {}: it was re-signed with another key, or the pin is not the organisation's",
                    self.keys
                        .iter()
                        .map(|k| k.fingerprint.as_str())
                        .collect::<Vec<_>>()
                        .join(", then "),
                    crate::keys::fingerprint_of(pin)
                ));
                self.key_pinned = false;
                break;
            }
        }
        if let Some(expected) = &options.expect_head {
            match hash_at(expected.seq) {
                Some(hash) if hash == expected.hash => {}
                Some(hash) => self.problems.push(format!(
                    "entry {} hashes to {}, not {} as expected: the ledger was rewritten since that head was recorded",
                    expected.seq,
                    crate::hash::prefix(&hash, 12),
                    crate::hash::prefix(&expected.hash, 12)
                )),
                None => self.problems.push(format!(
                    "entry {} of the expected head is missing: the ledger was cut since that head was recorded",
                    expected.seq
                )),
            }
        }
        self.ok = self.passed();
    }
}

/// Parses `SEQ:HASH`.
pub fn parse_head(text: &str) -> Result<LedgerHead, String> {
    let (seq, hash) = text.split_once(':').ok_or_else(|| {
        format!("'{text}': expected SEQ:HASH, as an evidence pack's manifest records it")
    })?;
    let seq: i64 = seq
        .trim()
        .parse()
        .map_err(|_| format!("'{seq}' is not an entry number"))?;
    let hash = Sha256Hex::parse(hash.trim())?;
    Ok(LedgerHead {
        seq,
        hash: hash.to_string(),
    })
}

/// A recorded test result names the evidence it was produced from: the test definition as
/// run, the dataset parts it read and the exception rows it wrote. Each must be an earlier
/// entry of the ledger with exactly the recorded content, so the result can be traced (and
/// re-run) from what the ledger holds.
pub fn check_test_bindings(
    replayed: &[(i64, crate::ledger::Added, crate::ledger::Status)],
) -> Vec<String> {
    test_binding_problems(replayed)
        .into_iter()
        .map(|(_, message)| message)
        .collect()
}

/// [`check_test_bindings`], each problem with the entry of the test result it is about.
fn test_binding_problems(
    replayed: &[(i64, crate::ledger::Added, crate::ledger::Status)],
) -> Vec<(i64, String)> {
    let by_id: BTreeMap<&str, (i64, &crate::ledger::Added)> = replayed
        .iter()
        .map(|(seq, a, _)| (a.evidence.as_str(), (*seq, a)))
        .collect();
    let mut problems = Vec::new();
    for (seq, added, _) in replayed {
        let Some(test) = &added.test else { continue };
        let mut expect = |what: &str, id: &str, sha256: Option<&str>| {
            match by_id.get(id) {
            Some((at, a)) if *at < *seq && sha256.is_none_or(|h| a.sha256.as_str() == h) => {}
            Some((at, a)) if *at < *seq => problems.push((*seq, format!(
                "test result {} (ledger entry {seq}) records {what} {id} with sha256 {}, but the ledger holds {} for it",
                added.evidence,
                sha256.unwrap_or_default(),
                a.sha256
            ))),
            _ => problems.push((*seq, format!(
                "test result {} (ledger entry {seq}) names {what} {id}, which no earlier ledger entry records",
                added.evidence
            ))),
        }
        };
        expect(
            "its definition",
            &test.definition,
            Some(test.definition_sha256.as_str()),
        );
        for input in &test.inputs {
            expect("input part", &input.evidence, Some(input.sha256.as_str()));
        }
        if let Some(parquet) = &test.exceptions_parquet {
            expect("its exception rows", parquet, None);
        }
    }
    problems
}

/// Verifies a whole workspace.
pub async fn verify_workspace(
    store: &dyn LedgerStore,
    blobs: &dyn BlobStore,
    keys: &KeyFiles,
    checkpoint: &dyn CheckpointStore,
    target: String,
    options: &VerifyOptions,
) -> Result<Verification, EvidenceError> {
    let mut report = Verification::new(target);
    report.cleaned = blobs.clean_leftovers();
    let entries = store.ledger().await?;
    if entries.is_empty() {
        report
            .problems
            .push("the ledger is empty: the genesis entry is missing".to_string());
    }
    let chain = verify_chain(&entries);
    report.absorb_chain(&chain, entries.len());
    report.head = entries.last().map(|e| LedgerHead {
        seq: e.seq,
        hash: e.hash.clone(),
    });

    // The public key file must be the key in force at the head.
    match (keys.read_public(), chain.current_key()) {
        (Ok(file), Some(current)) if file != current => report.problems.push(format!(
            "{} holds key {} but the ledger's key in force is {}: the public key file was replaced",
            keys.public().display(),
            fingerprint(&file),
            fingerprint(&current)
        )),
        (Err(e), _) => report.problems.push(e.to_string()),
        _ => {}
    }

    // The index against the ledger: the index decides what counts as evidence and what a pack
    // holds, so a forged index row must not go unnoticed.
    let replayed = replay(&entries);
    let indexed = store.evidence(&EvidenceQuery::All).await?;
    let index: BTreeMap<i64, EvidenceState> = indexed.iter().map(|e| (e.seq, e.state)).collect();
    let by_id: BTreeMap<&str, i64> = replayed
        .iter()
        .map(|(s, a, _)| (a.evidence.as_str(), *s))
        .collect();
    if store.indexed_up_to().await? >= report.head.as_ref().map_or(0, |h| h.seq) {
        for (seq, added, status) in &replayed {
            let expected = match status {
                Status::Current => EvidenceState::Current,
                Status::Superseded { by } => EvidenceState::Superseded {
                    by: by_id.get(by.as_str()).copied().unwrap_or_default(),
                },
                Status::Retired { .. } => EvidenceState::Retired { by: 0 },
            };
            let actual = index.get(seq).copied();
            let agrees = match (expected, actual) {
                (EvidenceState::Retired { .. }, Some(EvidenceState::Retired { .. })) => true,
                (e, Some(a)) => e == a,
                (_, None) => false,
            };
            if !agrees {
                report.problem_about(*seq, format!(
                    "the evidence index says {} is {}, but the ledger says {}: the index was edited",
                    added.evidence,
                    actual.map_or("absent".to_string(), |s| s.to_string()),
                    status.as_str()
                ));
            }
        }
        let known: BTreeSet<i64> = replayed.iter().map(|(s, _, _)| *s).collect();
        for seq in index.keys().filter(|s| !known.contains(s)) {
            report.problems.push(format!(
                "the evidence index lists ledger entry {seq}, which records no evidence: the index was edited"
            ));
        }
    }

    for (seq, problem) in test_binding_problems(&replayed) {
        report.problem_about(seq, problem);
    }

    // Every referenced blob, present and unchanged.
    let mut seen = BTreeSet::new();
    for (seq, added, _) in &replayed {
        if !seen.insert(added.sha256.clone()) {
            continue;
        }
        match blobs.rehash(&added.sha256)? {
            None => report.problem_about(
                *seq,
                format!(
                    "blob sha256:{} of {} (ledger entry {seq}, {}) is missing: it was deleted",
                    added.sha256, added.evidence, added.name
                ),
            ),
            Some((hash, size)) => {
                report.blobs += 1;
                report.bytes += size;
                if hash != added.sha256 {
                    report.problem_about(*seq, format!(
                        "blob sha256:{} of {} (ledger entry {seq}, {}) now hashes to {hash}: its content was modified",
                        added.sha256, added.evidence, added.name
                    ));
                } else if size != added.size {
                    report.problem_about(
                        *seq,
                        format!(
                            "blob sha256:{} has {size} bytes, the ledger records {}",
                            added.sha256, added.size
                        ),
                    );
                }
            }
        }
    }

    // The head against the signed checkpoint.
    let mut head_trusted = true;
    match checkpoint.load()? {
        Some(cp) => {
            let key_known = chain.keys.iter().any(|k| k.public_key == cp.public_key);
            if !cp.signature_ok() || !key_known {
                head_trusted = false;
                report.problems.push(
                    "the ledger checkpoint's signature does not verify with a ledger key: it was edited or forged".to_string(),
                );
            } else {
                let at = entries.iter().find(|e| e.seq == cp.seq);
                if let Some(message) = crate::truncation(&cp, report.head.as_ref(), at) {
                    head_trusted = false;
                    report.problems.push(message);
                } else if let Some(head) = &report.head {
                    if head.seq > cp.seq {
                        report.notes.push(format!(
                            "the signed checkpoint is at entry {}, {} behind the head: an append was interrupted after its commit; the next append moves it",
                            cp.seq,
                            head.seq - cp.seq
                        ));
                    }
                }
            }
        }
        None if entries.iter().any(|e| e.format >= 2) => {
            head_trusted = false;
            report.problems.push(
                "the signed ledger checkpoint (ledger.head) is missing: it was deleted, so a cut ledger would go unnoticed".to_string(),
            );
        }
        None => report.notes.push(
            "this ledger was written before checkpoints existed; the next append starts one"
                .to_string(),
        ),
    }

    // Blobs that no entry references: left by an interrupted add — unless the ledger was cut.
    let referenced: BTreeSet<String> = replayed
        .iter()
        .map(|(_, a, _)| a.sha256.to_string())
        .collect();
    for name in blobs.list()? {
        if referenced.contains(&name) {
            continue;
        }
        if head_trusted {
            report.notes.push(format!(
                "blob {name} is not referenced by any ledger entry (an interrupted add); it is harmless"
            ));
        } else {
            report.problems.push(format!(
                "blob {name} is not referenced by any ledger entry, and the ledger disagrees with its checkpoint: it is likely the content of a deleted entry"
            ));
        }
    }
    for leftover in blobs.leftovers() {
        report.notes.push(format!(
            "{} is a temporary file of a write {}",
            leftover.path,
            match leftover.writer_running {
                Some(true) => "still in progress",
                _ => "whose writer cannot be identified; it was kept",
            }
        ));
    }

    report.apply_options(&chain, options, |seq| {
        entries
            .iter()
            .find(|e| e.seq == seq)
            .map(|e| e.hash.clone())
    });
    if let Some(engagement) = &options.limit {
        report.limit_to(&Disclosure::for_engagement(&entries, engagement));
    }
    Ok(report)
}

#[cfg(test)]
mod binding_tests {
    use super::check_test_bindings;
    use crate::hash::Sha256Hex;
    use crate::ledger::{Added, EvidenceKind, Status, TestRecord};
    use fieldproof_core::control_test::{Input, Outcome};

    fn added(id: &str, content: &str) -> Added {
        Added {
            evidence: id.into(),
            kind: EvidenceKind::File,
            name: id.into(),
            sha256: Sha256Hex::of(content.as_bytes()),
            size: content.len() as u64,
            controls: Vec::new(),
            request: None,
            population: false,
            engagement: None,
            covers: None,
            collected_at: "2026-07-01T00:00:00Z".into(),
            collected_by: "me".into(),
            source: None,
            note: None,
            supersedes: None,
            answers: Vec::new(),
            dataset: None,
            test: None,
        }
    }

    fn result(definition: &str, input_sha: &str) -> Added {
        let mut a = added("EV-000004", "rows");
        a.kind = EvidenceKind::TestResult;
        a.test = Some(TestRecord {
            test: "ti-replay".into(),
            outcome: Outcome::Pass,
            population: 1,
            exceptions: 0,
            definition: definition.into(),
            definition_sha256: Sha256Hex::of(b"definition"),
            parameters: Default::default(),
            components: Vec::new(),
            inputs: vec![Input {
                dataset: "telemetry_ingest".into(),
                evidence: "EV-000002".into(),
                sha256: input_sha.into(),
                rows: 1,
            }],
            exceptions_parquet: Some("EV-000003".into()),
            result_sha256: Sha256Hex::of(b"result"),
            engine: "test".into(),
        });
        a
    }

    fn ledger(result: Added) -> Vec<(i64, Added, Status)> {
        vec![
            (1, added("EV-000001", "definition"), Status::Current),
            (2, added("EV-000002", "part"), Status::Current),
            (3, added("EV-000003", "parquet"), Status::Current),
            (4, result, Status::Current),
        ]
    }

    #[test]
    fn a_result_bound_to_what_the_ledger_holds_passes() {
        let part = Sha256Hex::of(b"part").to_string();
        assert!(check_test_bindings(&ledger(result("EV-000001", &part))).is_empty());
    }

    #[test]
    fn trust_a_result_claiming_other_input_data_is_caught() {
        let other = Sha256Hex::of(b"another part").to_string();
        let problems = check_test_bindings(&ledger(result("EV-000001", &other)));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("input part EV-000002"), "{problems:?}");
    }

    #[test]
    fn trust_a_result_naming_a_missing_or_later_definition_is_caught() {
        let part = Sha256Hex::of(b"part").to_string();
        let problems = check_test_bindings(&ledger(result("EV-000009", &part)));
        assert!(
            problems[0].contains("no earlier ledger entry"),
            "{problems:?}"
        );
        let problems = check_test_bindings(&ledger(result("EV-000004", &part)));
        assert!(
            problems[0].contains("no earlier ledger entry"),
            "{problems:?}"
        );
    }
}
