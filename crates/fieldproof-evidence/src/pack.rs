//! Evidence packs: one zip an auditor can verify offline with `fieldproof verify pack.zip`, or
//! with standard tools (`unzip` then `sha256sum -c SHA256SUMS`).
//!
//! Layout: `manifest.json` (every file with SHA-256, size, controls and ledger entry),
//! `blobs/<sha256>` (the evidence), `ledger.jsonl` (the ledger from genesis to the last entry the
//! pack needs, so the chain verifies), `public_key.txt`, the engagement's documents (boundary
//! statement, responsibility matrix), `SHA256SUMS` and `README.txt`.

use crate::blobs::{hash_reader, BlobStore};
use crate::keys::{self, hex};
use crate::ledger::{self, evidence, Status};
use crate::{EvidenceError, Verification};
use fieldproof_core::engagement::Engagement;
use fieldproof_store::LedgerEntry;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

/// Format identifier in the manifest.
pub const FORMAT: &str = "fieldproof-evidence-pack/1";

/// One evidence file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Evidence id.
    pub evidence: String,
    /// Original name, URL or attestation summary.
    pub name: String,
    /// Path inside the pack.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// Size.
    pub size: u64,
    /// Controls it supports.
    pub controls: Vec<String>,
    /// Period covered.
    pub covers: Option<String>,
    /// Ledger entry that recorded it.
    pub ledger_entry: i64,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The engagement.
    pub engagement: Engagement,
    /// When the pack was made.
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// Hex public key.
    pub public_key: String,
    /// Its fingerprint.
    pub key_fingerprint: String,
    /// Ledger entries included (from 1).
    pub ledger_entries: i64,
    /// Hash of the last included entry.
    pub ledger_head: String,
    /// Evidence files.
    pub files: Vec<ManifestFile>,
    /// Other documents (name, SHA-256).
    pub documents: Vec<(String, String)>,
}

/// Writes the pack for `engagement` to `out` (atomically: a temporary file, then a rename).
#[allow(clippy::too_many_arguments)]
pub fn export(
    entries: &[LedgerEntry],
    blobs: &BlobStore,
    public_key: &str,
    engagement: &Engagement,
    documents: &[(String, Vec<u8>)],
    at: &str,
    by: &str,
    out: &Path,
) -> Result<Manifest, EvidenceError> {
    let items: Vec<_> = evidence(entries)
        .into_iter()
        .filter(|(_, a, s)| {
            *s == Status::Current && a.engagement.as_deref() == Some(engagement.id.as_str())
        })
        .collect();
    let last = items.iter().map(|(seq, _, _)| *seq).max().unwrap_or(1);
    let slice: Vec<&LedgerEntry> = entries.iter().filter(|e| e.seq <= last).collect();
    let key = keys::parse_public(public_key)
        .ok_or_else(|| EvidenceError::Key("the workspace public key is damaged".into()))?;
    let mut files = Vec::new();
    for (seq, a, _) in &items {
        files.push(ManifestFile {
            evidence: a.evidence.clone(),
            name: a.name.clone(),
            path: format!("blobs/{}", a.sha256),
            sha256: a.sha256.clone(),
            size: a.size,
            controls: a.controls.clone(),
            covers: a.covers.map(|p| p.to_string()),
            ledger_entry: *seq,
        });
    }
    let manifest = Manifest {
        format: FORMAT.to_string(),
        engagement: engagement.clone(),
        created_at: at.to_string(),
        created_by: by.to_string(),
        public_key: public_key.to_string(),
        key_fingerprint: keys::fingerprint(&key),
        ledger_entries: slice.len() as i64,
        ledger_head: slice.last().map(|e| e.hash.clone()).unwrap_or_default(),
        files,
        documents: documents
            .iter()
            .map(|(name, bytes)| (name.clone(), hex(&Sha256::digest(bytes))))
            .collect(),
    };

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|source| EvidenceError::Io {
        path: parent.to_path_buf(),
        source,
    })?;
    let temp = parent.join(format!(
        ".{}.tmp-{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("pack"),
        std::process::id()
    ));
    let result = write_zip(&temp, &manifest, &slice, blobs, documents).and_then(|_| {
        std::fs::rename(&temp, out).map_err(|source| EvidenceError::Io {
            path: out.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map(|_| manifest)
}

fn write_zip(
    temp: &Path,
    manifest: &Manifest,
    ledger: &[&LedgerEntry],
    blobs: &BlobStore,
    documents: &[(String, Vec<u8>)],
) -> Result<(), EvidenceError> {
    let io = |source: std::io::Error| EvidenceError::Io {
        path: temp.to_path_buf(),
        source,
    };
    let zip_error =
        |e: zip::result::ZipError| EvidenceError::Pack(format!("{}: {e}", temp.display()));
    let file = std::fs::File::create(temp).map_err(io)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let text = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true)
        .unix_permissions(0o644);
    let mut sums: Vec<(String, String)> = Vec::new();
    let add_text = |zip: &mut zip::ZipWriter<_>,
                    name: &str,
                    bytes: &[u8],
                    sums: &mut Vec<(String, String)>|
     -> Result<(), EvidenceError> {
        zip.start_file(name, text).map_err(zip_error)?;
        zip.write_all(bytes).map_err(io)?;
        sums.push((hex(&Sha256::digest(bytes)), name.to_string()));
        Ok(())
    };
    let mut written = std::collections::BTreeSet::new();
    for f in &manifest.files {
        if !written.insert(f.sha256.clone()) {
            continue;
        }
        let path = blobs.path(&f.sha256);
        let mut source = std::fs::File::open(&path).map_err(|e| {
            EvidenceError::Pack(format!(
                "blob of {} ({}) cannot be read: {e}; run `fieldproof verify`",
                f.evidence,
                path.display()
            ))
        })?;
        zip.start_file(&f.path, stored).map_err(zip_error)?;
        std::io::copy(&mut source, &mut zip).map_err(io)?;
        sums.push((f.sha256.clone(), f.path.clone()));
    }
    let mut ledger_lines = Vec::new();
    for entry in ledger {
        serde_json::to_writer(&mut ledger_lines, entry)
            .map_err(|e| EvidenceError::Pack(e.to_string()))?;
        ledger_lines.push(b'\n');
    }
    add_text(&mut zip, "ledger.jsonl", &ledger_lines, &mut sums)?;
    add_text(
        &mut zip,
        "public_key.txt",
        format!("{}\n", manifest.public_key).as_bytes(),
        &mut sums,
    )?;
    for (name, bytes) in documents {
        add_text(&mut zip, name, bytes, &mut sums)?;
    }
    let manifest_bytes =
        serde_json::to_vec_pretty(manifest).map_err(|e| EvidenceError::Pack(e.to_string()))?;
    add_text(&mut zip, "manifest.json", &manifest_bytes, &mut sums)?;
    let readme = format!(
        "fieldproof evidence pack for engagement {} ({}).\n\nVerify everything offline: fieldproof verify THIS.zip\n\
         Or with standard tools: unzip THIS.zip -d pack && cd pack && sha256sum -c SHA256SUMS\n\
         The ledger is signed with the Ed25519 key in public_key.txt (fingerprint {}); compare the\n\
         fingerprint with the one the organisation gave you out of band.\n",
        manifest.engagement.id, manifest.engagement.name, manifest.key_fingerprint
    );
    zip.start_file("README.txt", text).map_err(zip_error)?;
    zip.write_all(readme.as_bytes()).map_err(io)?;
    let sums_text: String = sums
        .iter()
        .map(|(hash, name)| format!("{hash}  {name}\n"))
        .collect();
    zip.start_file("SHA256SUMS", text).map_err(zip_error)?;
    zip.write_all(sums_text.as_bytes()).map_err(io)?;
    let inner = zip.finish().map_err(zip_error)?;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)
}

/// Verifies a pack with nothing but the pack: ledger chain and signatures against the pack's
/// public key, every manifest file against its hash, size and ledger entry, SHA256SUMS, and that
/// every current evidence entry of the engagement in the ledger is in the pack.
pub fn verify(path: &Path) -> Result<Verification, EvidenceError> {
    let file = std::fs::File::open(path).map_err(|source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| EvidenceError::Pack(format!("{}: not a readable zip: {e}", path.display())))?;
    fn read(
        zip: &mut zip::ZipArchive<std::fs::File>,
        path: &Path,
        name: &str,
    ) -> Result<Vec<u8>, EvidenceError> {
        let mut entry = zip.by_name(name).map_err(|_| {
            EvidenceError::Pack(format!(
                "{}: {name} is missing from the pack",
                path.display()
            ))
        })?;
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|source| EvidenceError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(bytes)
    }
    let manifest: Manifest = serde_json::from_slice(&read(&mut zip, path, "manifest.json")?)
        .map_err(|e| EvidenceError::Pack(format!("manifest.json is damaged: {e}")))?;
    let public_text =
        String::from_utf8(read(&mut zip, path, "public_key.txt")?).unwrap_or_default();
    let key = keys::parse_public(&public_text)
        .ok_or_else(|| EvidenceError::Pack("public_key.txt is not an Ed25519 public key".into()))?;
    let mut report = Verification {
        key_fingerprint: keys::fingerprint(&key),
        ..Verification::default()
    };
    if manifest.format != FORMAT {
        report
            .problems
            .push(format!("unknown pack format '{}'", manifest.format));
    }
    if manifest.public_key.trim() != public_text.trim() {
        report.problems.push(
            "manifest.json names a different public key than public_key.txt: the key was replaced"
                .to_string(),
        );
    }
    let ledger_text = read(&mut zip, path, "ledger.jsonl")?;
    let mut entries = Vec::new();
    for (i, line) in ledger_text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        match serde_json::from_slice::<LedgerEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(e) => report.problems.push(format!(
                "ledger.jsonl line {}: not a ledger entry: {e}",
                i + 1
            )),
        }
    }
    report.entries = entries.len();
    report.problems.extend(
        ledger::verify_chain(&entries, &key)
            .into_iter()
            .map(|p| format!("ledger entry {}: {}", p.seq, p.message)),
    );
    if entries.last().map(|e| e.hash.as_str()) != Some(manifest.ledger_head.as_str()) {
        report.problems.push("the ledger's last entry is not the head the manifest records: the ledger was cut or extended".to_string());
    }
    let recorded: std::collections::BTreeMap<String, (i64, ledger::Added)> = evidence(&entries)
        .into_iter()
        .map(|(seq, a, _)| (a.evidence.clone(), (seq, a)))
        .collect();
    for f in &manifest.files {
        match recorded.get(&f.evidence) {
            Some((seq, a))
                if *seq == f.ledger_entry && a.sha256 == f.sha256 && a.size == f.size => {}
            Some(_) => report.problems.push(format!(
                "manifest entry {} does not match ledger entry {}",
                f.evidence, f.ledger_entry
            )),
            None => report
                .problems
                .push(format!("manifest entry {} has no ledger entry", f.evidence)),
        }
        match zip.by_name(&f.path) {
            Ok(entry) => {
                let (hash, size) = hash_reader(entry, path)?;
                report.blobs += 1;
                report.bytes += size;
                if hash != f.sha256 || size != f.size {
                    report.problems.push(format!(
                        "{} ({} {}) hashes to {hash}, {size} bytes: it was modified",
                        f.path, f.evidence, f.name
                    ));
                }
            }
            Err(_) => report.problems.push(format!(
                "{} ({} {}) is missing from the pack",
                f.path, f.evidence, f.name
            )),
        }
    }
    let listed: std::collections::BTreeSet<&str> =
        manifest.files.iter().map(|f| f.evidence.as_str()).collect();
    for (seq, a, status) in evidence(&entries) {
        if status == Status::Current
            && a.engagement.as_deref() == Some(manifest.engagement.id.as_str())
            && !listed.contains(a.evidence.as_str())
        {
            report.problems.push(format!(
                "ledger entry {seq} records {} for this engagement but the pack omits it",
                a.evidence
            ));
        }
    }
    let sums = String::from_utf8(read(&mut zip, path, "SHA256SUMS")?).unwrap_or_default();
    for line in sums.lines() {
        let Some((hash, name)) = line.split_once("  ") else {
            report
                .problems
                .push(format!("SHA256SUMS: malformed line '{line}'"));
            continue;
        };
        match zip.by_name(name) {
            Ok(entry) => {
                let (actual, _) = hash_reader(entry, path)?;
                if actual != hash {
                    report
                        .problems
                        .push(format!("{name} does not match SHA256SUMS: it was modified"));
                }
            }
            Err(_) => report
                .problems
                .push(format!("{name} is listed in SHA256SUMS but missing")),
        }
    }
    for (name, hash) in &manifest.documents {
        match zip.by_name(name) {
            Ok(entry) => {
                if hash_reader(entry, path)?.0 != *hash {
                    report.problems.push(format!(
                        "{name} does not match the manifest: it was modified"
                    ));
                }
            }
            Err(_) => report
                .problems
                .push(format!("{name} is missing from the pack")),
        }
    }
    Ok(report)
}
