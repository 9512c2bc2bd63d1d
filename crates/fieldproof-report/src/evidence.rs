//! Evidence views for people: the ledger, one piece of evidence, adds, freshness per evidence
//! request, and verification reports. Text from the ledger may be anything a user typed (names,
//! notes, actors in any script): it is shortened by characters, never by bytes.

use crate::text::{count, truncate};
use fieldproof_evidence::freshness::{Report, State};
use fieldproof_evidence::hash::prefix;
use fieldproof_evidence::ledger::{Body, PackEntry};
use fieldproof_evidence::{AddOutcome, EvidenceDetail, Verification};
use std::fmt::Write as _;

/// Text for a terminal: what a user typed (file names, notes, reasons) may hold control or
/// bidirectional characters, which are shown as `\u{XXXX}` instead of acting on the screen.
fn shown(out: String) -> String {
    match fieldproof_core::safe_text::visible(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(safe) => safe,
    }
}

/// One ledger entry as the ledger views show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// Its position.
    pub seq: i64,
    /// The first 12 digits of its hash.
    pub hash: String,
    /// What it records: `genesis`, `add`, `retire`, `rotate key`; empty for an entry shown
    /// without its content (another engagement's, to a reader limited to one engagement).
    pub kind: &'static str,
    /// The rest, in words (what a user typed shortened by characters).
    pub summary: String,
    /// The evidence it adds or retires.
    pub evidence: Option<String>,
    /// Who wrote it.
    pub by: Option<String>,
    /// When (RFC 3339).
    pub at: Option<String>,
}

/// The rows of `entries`, in their order.
pub fn ledger_rows(entries: &[PackEntry]) -> Vec<LedgerRow> {
    entries
        .iter()
        .map(|e| {
            let body = e
                .body
                .as_ref()
                .and_then(|b| serde_json::from_value::<Body>(b.clone()).ok());
            let (evidence, by, at) = match body {
                Some(Body::Genesis { by, at, .. }) | Some(Body::RotateKey { by, at, .. }) => {
                    (None, Some(by), Some(at))
                }
                Some(Body::Add(a)) => (Some(a.evidence), Some(a.collected_by), Some(a.collected_at)),
                Some(Body::Retire {
                    evidence, by, at, ..
                }) => (Some(evidence), Some(by), Some(at)),
                None => (None, None, None),
            };
            let (kind, summary) = match &e.body {
                None => (
                    "",
                    "an entry of another engagement, shown without its content".to_string(),
                ),
                Some(body) => match serde_json::from_value::<Body>(body.clone()) {
                    Ok(Body::Genesis { public_key, at, by }) => (
                        "genesis",
                        format!("by {by} at {at}, key {}", prefix(&public_key, 16)),
                    ),
                    Ok(Body::Add(a)) => (
                        "add",
                        format!(
                            "{} {} {} sha256:{} controls {}{}{}{}",
                            a.evidence,
                            a.kind.as_str(),
                            truncate(&a.name, 60),
                            a.sha256.short(12),
                            a.controls.join(","),
                            a.request
                                .as_deref()
                                .map(|r| format!(" request {r}"))
                                .unwrap_or_default(),
                            a.engagement
                                .as_deref()
                                .map(|x| format!(" engagement {x}"))
                                .unwrap_or_default(),
                            a.supersedes
                                .as_deref()
                                .map(|x| format!(" supersedes {x}"))
                                .unwrap_or_default()
                        ),
                    ),
                    Ok(Body::Retire {
                        evidence,
                        reason,
                        by,
                        ..
                    }) => (
                        "retire",
                        format!("{evidence} by {by}: {}", truncate(&reason, 80)),
                    ),
                    Ok(Body::RotateKey {
                        public_key,
                        reason,
                        by,
                        ..
                    }) => (
                        "rotate key",
                        format!(
                            "to {} by {by}: {}",
                            prefix(&public_key, 16),
                            truncate(&reason, 80)
                        ),
                    ),
                    Err(_) => (
                        "unreadable",
                        "entry: its body is not a ledger entry this version reads; verify the ledger"
                            .to_string(),
                    ),
                },
            };
            LedgerRow {
                seq: e.seq,
                hash: prefix(&e.hash, 12).to_string(),
                kind,
                summary,
                evidence,
                by,
                at,
            }
        })
        .collect()
}

/// One line per ledger entry; an entry shown without its body (another engagement's, to a
/// reader limited to one engagement) says so.
pub fn ledger_text(entries: &[PackEntry]) -> String {
    let mut out = String::new();
    for r in ledger_rows(entries) {
        let line = if r.kind.is_empty() {
            r.summary
        } else {
            format!("{} {}", r.kind, r.summary)
        };
        let _ = writeln!(out, "#{:<5} {}  {line}", r.seq, r.hash);
    }
    shown(out)
}

/// One piece of evidence, with its ledger entry.
pub fn detail_text(d: &EvidenceDetail) -> String {
    let a = &d.evidence;
    let mut out = String::new();
    let _ = writeln!(out, "{} {} {}", a.evidence, a.kind.as_str(), a.name);
    let _ = writeln!(out, "  sha256 {}  {} bytes", a.sha256, a.size);
    let _ = writeln!(out, "  controls {}", a.controls.join(", "));
    if let Some(r) = &a.request {
        let _ = writeln!(out, "  request {r}");
    }
    if let Some(e) = &a.engagement {
        let _ = writeln!(out, "  engagement {e}");
    }
    if let Some(c) = a.covers {
        let _ = writeln!(
            out,
            "  covers {c}{}",
            if a.population { " (population)" } else { "" }
        );
    }
    let _ = writeln!(out, "  collected {} by {}", a.collected_at, a.collected_by);
    if let Some(s) = &a.source {
        let _ = writeln!(out, "  source {s}");
    }
    if let Some(n) = &a.note {
        let _ = writeln!(out, "  note {n}");
    }
    if let Some(s) = &a.supersedes {
        let _ = writeln!(out, "  supersedes {s}");
    }
    let status = match &d.status {
        fieldproof_evidence::ledger::Status::Current => "current".to_string(),
        fieldproof_evidence::ledger::Status::Superseded { by } => format!("superseded by {by}"),
        fieldproof_evidence::ledger::Status::Retired { reason } => format!("retired: {reason}"),
    };
    let _ = writeln!(out, "  status {status}");
    let _ = writeln!(
        out,
        "  ledger entry {} (format {}) hash {} signature {}…",
        d.entry.seq,
        d.entry.format,
        d.entry.hash,
        prefix(&d.entry.signature, 16)
    );
    let _ = writeln!(out, "  stored at {}", d.stored_at);
    shown(out)
}

/// One line per added item.
pub fn added_text(outcomes: &[AddOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        if o.duplicate {
            let _ = writeln!(
                out,
                "= {} already recorded as {} (same content and metadata); nothing added",
                o.name, o.evidence
            );
        } else {
            let _ = writeln!(
                out,
                "+ {} {} sha256:{} {} bytes{}",
                o.evidence,
                o.name,
                o.sha256,
                o.size,
                if o.blob_reused {
                    " (content already stored; recorded again)"
                } else {
                    ""
                }
            );
        }
    }
    shown(out)
}

/// Freshness: one line per evidence request, then the counts.
pub fn freshness_text(report: &Report) -> String {
    let e = &report.engagement;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Engagement {} ({} {}, {})",
        e.id, e.report, e.report_type, e.period
    );
    for r in &report.rows {
        let mark = match r.state {
            State::Present => "present",
            State::Stale => "STALE  ",
            State::Missing => "MISSING",
        };
        let gap = r
            .first_gap
            .map(|g| format!(", first gap {g}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {mark} {:<9} {:<22} {}/{} windows{gap}  {}",
            r.control, r.request, r.covered, r.windows, r.artifact
        );
    }
    let _ = writeln!(
        out,
        "{}: {} present, {} stale, {} missing.",
        count(report.rows.len(), "evidence request", "evidence requests"),
        report.present,
        report.stale,
        report.missing
    );
    shown(out)
}

/// A verification report: problems, notes, cleaned temporaries, the keys and whether they were
/// pinned, then one summary line.
pub fn verification_text(report: &Verification) -> String {
    let mut out = String::new();
    for p in &report.problems {
        let _ = writeln!(out, "FAIL {p}");
    }
    for n in &report.notes {
        let _ = writeln!(out, "note {n}");
    }
    for c in &report.cleaned {
        let _ = writeln!(
            out,
            "removed {} ({} bytes), a temporary file of a write that was interrupted",
            c.path, c.bytes
        );
    }
    for k in &report.keys {
        let _ = writeln!(
            out,
            "key {} signs from ledger entry {}",
            k.fingerprint, k.from_entry
        );
    }
    if report.key_pinned {
        let _ = writeln!(out, "KEY PINNED: the signing keys match the key you gave.");
    } else if !report.key_fingerprint.is_empty() {
        let _ = writeln!(
            out,
            "KEY NOT PINNED: signed by key fingerprint {}. Compare it with the fingerprint the organisation gave you out of band, or pass --fingerprint {} (or --key FILE): without a pin, a pack re-signed end to end with another key would verify too.",
            report.key_fingerprint, report.key_fingerprint
        );
    }
    let head = report
        .head
        .as_ref()
        .map(|h| format!(", head {}:{}", h.seq, h.hash))
        .unwrap_or_default();
    let redacted = if report.redacted_entries > 0 {
        format!(
            " ({} of other engagements without content)",
            report.redacted_entries
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}: {} — {}{redacted}, {} ({} bytes) checked{head}",
        report.target,
        if report.passed() {
            "verified"
        } else {
            "VERIFICATION FAILED"
        },
        count(report.entries, "ledger entry", "ledger entries"),
        count(report.blobs, "blob", "blobs"),
        report.bytes
    );
    shown(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_evidence::hash::Sha256Hex;
    use fieldproof_evidence::ledger::{Added, EvidenceKind, Status};
    use fieldproof_store::LedgerEntry;
    use proptest::prelude::*;

    fn added(name: &str, note: &str, actor: &str) -> Added {
        Added {
            evidence: "EV-000002".into(),
            kind: EvidenceKind::File,
            name: name.into(),
            sha256: Sha256Hex::of(name.as_bytes()),
            size: 1,
            controls: vec!["FP-BR-01".into()],
            request: Some(note.into()),
            population: false,
            engagement: Some(actor.into()),
            covers: None,
            collected_at: "2026-01-01T00:00:00Z".into(),
            collected_by: actor.into(),
            source: Some(note.into()),
            note: Some(note.into()),
            supersedes: None,
            answers: Vec::new(),
            dataset: None,
            test: None,
        }
    }

    fn entry(seq: i64, body: serde_json::Value, hash: &str, signature: &str) -> LedgerEntry {
        LedgerEntry {
            seq,
            prev: hash.into(),
            format: 2,
            body_sha256: Some(hash.into()),
            body,
            hash: hash.into(),
            signature: signature.into(),
        }
    }

    proptest! {
        /// Regression: `evidence log` and `evidence show` sliced strings by bytes and panicked
        /// on multi-byte text (and on short, tampered hashes or signatures).
        #[test]
        fn regression_log_and_show_never_slice_inside_a_character(
            name in "\\PC{0,90}",
            note in "\\PC{0,200}",
            actor in "\\PC{0,40}",
            hash in "\\PC{0,20}",
            signature in "\\PC{0,20}",
        ) {
            let a = added(&name, &note, &actor);
            let bodies = vec![
                serde_json::to_value(Body::Genesis { public_key: hash.clone(), at: note.clone(), by: actor.clone() }),
                serde_json::to_value(Body::Add(Box::new(a.clone()))),
                serde_json::to_value(Body::Retire { evidence: name.clone(), reason: note.clone(), at: note.clone(), by: actor.clone() }),
                serde_json::to_value(Body::RotateKey { public_key: hash.clone(), proof: signature.clone(), reason: note.clone(), at: note.clone(), by: actor.clone() }),
                Ok(serde_json::Value::String(note.clone())),
            ];
            let entries: Vec<LedgerEntry> = bodies
                .into_iter()
                .enumerate()
                .map(|(i, b)| entry(i as i64 + 1, b.unwrap_or_default(), &hash, &signature))
                .collect();
            let shown: Vec<PackEntry> = entries.iter().map(PackEntry::full).collect();
            let text = ledger_text(&shown);
            prop_assert_eq!(text.lines().count(), entries.len());
            let detail = EvidenceDetail {
                evidence: a,
                status: Status::Retired { reason: note.clone() },
                entry: entries[1].clone(),
                stored_at: name.clone(),
            };
            prop_assert!(detail_text(&detail).contains("status retired"));
        }
    }
}
