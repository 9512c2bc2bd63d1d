//! Evidence packs: one zip an auditor can verify offline with `fieldproof verify pack.zip`
//! without trusting the organisation that produced it (format `fieldproof-evidence-pack/2`).
//!
//! - `manifest.json` lists every file of the pack with its SHA-256 and size (evidence blobs, the
//!   ledger, the public key, the documents, the README), the engagement, the evidence with its
//!   ledger entry, and the ledger head. `manifest.sig` is the Ed25519 signature of the manifest
//!   by the ledger's current key, so editing the manifest or any file it lists is detected.
//! - `ledger.jsonl` is the whole ledger up to the head at export. Entries of this engagement,
//!   of no engagement, and the key entries carry their body; entries of other engagements carry
//!   only position, link, body digest and signature: their chain verifies, their content stays
//!   private. (Format 1 entries, written before bodies were committed by digest, cannot be
//!   shown without their body; the manifest counts them.)
//! - `SHA256SUMS` lets `sha256sum -c` check the files with standard tools.
//!
//! A pack holds exactly what its manifest lists: verification refuses any other entry, any
//! name with `..`, an absolute path, a backslash or a duplicate.

use crate::blobs::{copy_and_hash, hash_reader, BlobStore};
use crate::disclosure::{Disclosure, Shown};
use crate::hash::{hex, Sha256Hex};
use crate::keys::{fingerprint, parse_public, public_hex, signature_ok, LedgerKey};
use crate::ledger::{replay, verify_chain, Added, ChainReport, EvidenceKind, PackEntry, Status};
use crate::{EvidenceError, Verification, VerifyOptions};
use fieldproof_core::engagement::{Engagement, Period};
use fieldproof_store::{LedgerEntry, LedgerHead};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

/// Format identifier in the manifest.
pub const FORMAT: &str = "fieldproof-evidence-pack/2";
/// The format written by fieldproof 0.1: its manifest and documents were not signed.
pub const LEGACY_FORMAT: &str = "fieldproof-evidence-pack/1";
const MANIFEST: &str = "manifest.json";
const SIGNATURE: &str = "manifest.sig";
const SUMS: &str = "SHA256SUMS";
const SIGNATURE_FORMAT: &str = "fieldproof-pack-signature/1";

/// What a file of the pack is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    /// Evidence content.
    Evidence,
    /// `ledger.jsonl`.
    Ledger,
    /// `public_key.txt`.
    PublicKey,
    /// A document (boundary statement, matrix, reports).
    Document,
    /// `README.txt`.
    Readme,
}

/// One file of the pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    /// Path inside the zip.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: Sha256Hex,
    /// Size.
    pub size: u64,
    /// What it is.
    pub role: FileRole,
}

/// One piece of evidence in the pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackEvidence {
    /// Evidence id.
    pub evidence: String,
    /// Original name, URL or attestation summary.
    pub name: String,
    /// File, URL or attestation.
    pub kind: EvidenceKind,
    /// Path of its content inside the pack.
    pub path: String,
    /// SHA-256.
    pub sha256: Sha256Hex,
    /// Size.
    pub size: u64,
    /// Controls it supports.
    pub controls: Vec<String>,
    /// The evidence request it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Whether it is a population of its period.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub population: bool,
    /// Period covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<Period>,
    /// Ledger entry that recorded it.
    pub ledger_entry: i64,
}

/// The ledger a pack carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerSummary {
    /// Entries, from genesis to the head.
    pub entries: i64,
    /// The head at export: give it to `verify --expect-head SEQ:HASH` later.
    pub head: LedgerHead,
    /// Entries with their body.
    pub disclosed: usize,
    /// Entries of other engagements, without their body.
    pub redacted: usize,
    /// Format 1 entries of other engagements, which cannot be shown without their body.
    pub legacy_disclosed: usize,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The engagement.
    pub engagement: Engagement,
    /// When the pack was made.
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// The key that signs the manifest (the ledger's current key), hex.
    pub public_key: String,
    /// Its fingerprint.
    pub key_fingerprint: String,
    /// The ledger carried.
    pub ledger: LedgerSummary,
    /// The evidence of the engagement.
    pub evidence: Vec<PackEvidence>,
    /// Every file of the pack except `manifest.json`, `manifest.sig` and `SHA256SUMS`.
    pub files: Vec<PackFile>,
}

/// `manifest.sig`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestSignature {
    format: String,
    public_key: String,
    signature: String,
}

fn signature_message(manifest: &[u8]) -> Vec<u8> {
    format!("{FORMAT}\n{}", hex(&Sha256::digest(manifest))).into_bytes()
}

/// What goes into a pack.
#[derive(Debug)]
pub struct PackInput<'a> {
    /// The whole ledger, genesis to head.
    pub entries: &'a [LedgerEntry],
    /// Where the evidence content is.
    pub blobs: &'a dyn BlobStore,
    /// The ledger's current signing key.
    pub key: &'a LedgerKey,
    /// The engagement.
    pub engagement: &'a Engagement,
    /// Documents: name and bytes.
    pub documents: &'a [(String, Vec<u8>)],
    /// When.
    pub at: &'a str,
    /// Who.
    pub by: &'a str,
}

/// Refuses a ledger whose chain does not verify: no pack is made of it (checked by
/// [`export`], and before anything else of a pack is computed).
pub fn check_chain(entries: &[LedgerEntry]) -> Result<ChainReport, EvidenceError> {
    let chain = verify_chain(entries);
    if let Some(problem) = chain.problems.first() {
        return Err(EvidenceError::Pack(format!(
            "the ledger does not verify (entry {}: {}); run `fieldproof verify` and resolve it before exporting a pack",
            problem.seq, problem.message
        )));
    }
    Ok(chain)
}

/// Writes the pack to `out` (a temporary file beside it, then a rename).
pub fn export(input: &PackInput<'_>, out: &Path) -> Result<Manifest, EvidenceError> {
    let chain = check_chain(input.entries)?;
    if chain.current_key() != Some(input.key.public()) {
        return Err(EvidenceError::Key(
            "the signing key is not the ledger's current key".to_string(),
        ));
    }
    let id = input.engagement.id.as_str();
    // The one disclosure rule: the ledger page and API follow it too.
    let rule = Disclosure::for_engagement(input.entries, id);
    let mut summary = LedgerSummary {
        entries: input.entries.len() as i64,
        head: input
            .entries
            .last()
            .map(|e| LedgerHead {
                seq: e.seq,
                hash: e.hash.clone(),
            })
            .ok_or_else(|| EvidenceError::Pack("the ledger is empty".to_string()))?,
        disclosed: 0,
        redacted: 0,
        legacy_disclosed: 0,
    };
    let mut lines = Vec::new();
    for entry in input.entries {
        let (how, shown) = rule.entry(entry);
        match how {
            Shown::Full => summary.disclosed += 1,
            Shown::Redacted => summary.redacted += 1,
            Shown::LegacyFull => summary.legacy_disclosed += 1,
        }
        serde_json::to_writer(&mut lines, &shown)
            .map_err(|e| EvidenceError::Pack(e.to_string()))?;
        lines.push(b'\n');
    }
    let evidence: Vec<PackEvidence> = replay(input.entries)
        .into_iter()
        .filter(|(_, a, s)| *s == Status::Current && rule.discloses_evidence(&a.evidence))
        .map(|(seq, a, _)| PackEvidence {
            path: format!("blobs/{}", a.sha256),
            evidence: a.evidence,
            name: a.name,
            kind: a.kind,
            sha256: a.sha256,
            size: a.size,
            controls: a.controls,
            request: a.request,
            population: a.population,
            covers: a.covers,
            ledger_entry: seq,
        })
        .collect();
    let public_key = public_hex(&input.key.public());
    let readme = readme(
        input.engagement,
        &fingerprint(&input.key.public()),
        &summary,
        input.documents,
    );
    let mut texts: Vec<(String, FileRole, Vec<u8>)> = vec![
        ("ledger.jsonl".into(), FileRole::Ledger, lines),
        (
            "public_key.txt".into(),
            FileRole::PublicKey,
            format!("{public_key}\n").into_bytes(),
        ),
    ];
    for (name, bytes) in input.documents {
        safe_name(name).map_err(EvidenceError::Pack)?;
        texts.push((name.clone(), FileRole::Document, bytes.clone()));
    }
    texts.push(("README.txt".into(), FileRole::Readme, readme.into_bytes()));

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
        crate::blobs::temp_name("")
    ));
    let manifest = Manifest {
        format: FORMAT.to_string(),
        engagement: input.engagement.clone(),
        created_at: input.at.to_string(),
        created_by: input.by.to_string(),
        key_fingerprint: fingerprint(&input.key.public()),
        public_key,
        ledger: summary,
        evidence,
        files: Vec::new(),
    };
    let result = write_zip(&temp, manifest, &texts, input.blobs, input.key).and_then(|m| {
        std::fs::rename(&temp, out)
            .map(|_| m)
            .map_err(|source| EvidenceError::Io {
                path: out.to_path_buf(),
                source,
            })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Removes pack temporaries beside `out` left by processes that are no longer running.
pub fn clean_leftovers(out: &Path) -> Vec<crate::blobs::Leftover> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(
        ".{}.tmp-",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("pack")
    );
    let paths: Vec<_> = std::fs::read_dir(parent)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    let tag_of = |name: &str| -> Option<String> {
        let rest = name.strip_prefix(&prefix)?;
        let mut dashes = rest.match_indices('-').map(|(i, _)| i);
        dashes.next()?;
        Some(rest[..dashes.next()?].to_string())
    };
    let leftovers = crate::blobs::leftovers_of(paths, |_| None)
        .into_iter()
        .map(|mut l| {
            let name = Path::new(&l.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            l.writer_running = tag_of(&name).and_then(|t| crate::process::still_running(&t));
            l
        })
        .collect();
    crate::blobs::remove_dead(leftovers)
}

fn readme(
    engagement: &Engagement,
    fingerprint: &str,
    ledger: &LedgerSummary,
    documents: &[(String, Vec<u8>)],
) -> String {
    let mut text = format!(
        "fieldproof evidence pack for engagement {} ({}).\n\n\
         Verify everything offline, pinning the organisation's key:\n  \
         fieldproof verify THIS.zip --fingerprint {fingerprint}\n\
         Or check the files with standard tools (this does not check signatures):\n  \
         unzip THIS.zip -d pack && cd pack && sha256sum -c SHA256SUMS\n\n\
         manifest.json lists every file of the pack; manifest.sig is its Ed25519 signature by the key in\n\
         public_key.txt (fingerprint {fingerprint}). Compare that fingerprint with the one the organisation\n\
         gave you out of band. The ledger runs from genesis to entry {} ({}); keep that head and pass it\n\
         to `fieldproof verify --expect-head {}:{}` with a later pack to prove nothing was cut since.\n\
         {} entries of other engagements are shown without their content.\n",
        engagement.id,
        engagement.name,
        ledger.head.seq,
        ledger.head.hash,
        ledger.head.seq,
        ledger.head.hash,
        ledger.redacted,
    );
    if !documents.is_empty() {
        text.push_str(
            "\nDocuments, listed in manifest.json and covered by its signature like every other file:\n",
        );
        for (name, _) in documents {
            text.push_str(&format!("  {name}\n"));
        }
    }
    text
}

fn write_zip(
    temp: &Path,
    mut manifest: Manifest,
    texts: &[(String, FileRole, Vec<u8>)],
    blobs: &dyn BlobStore,
    key: &LedgerKey,
) -> Result<Manifest, EvidenceError> {
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
    let mut written = BTreeSet::new();
    for e in manifest.evidence.clone() {
        if !written.insert(e.sha256.clone()) {
            continue;
        }
        let source = blobs.open(&e.sha256)?.ok_or_else(|| {
            EvidenceError::Pack(format!(
                "the content of {} ({}) is missing from the blob store; run `fieldproof verify`",
                e.evidence,
                blobs.locate(&e.sha256)
            ))
        })?;
        zip.start_file(&e.path, stored).map_err(zip_error)?;
        // Export verifies what it packs: the bytes written must hash to what the ledger says.
        let (hash, size) = copy_and_hash(source, &mut zip, temp)?;
        if hash != e.sha256 || size != e.size {
            return Err(EvidenceError::Pack(format!(
                "the stored content of {} hashes to {hash} ({size} bytes) instead of {} ({} bytes): it was modified; run `fieldproof verify`",
                e.evidence, e.sha256, e.size
            )));
        }
        manifest.files.push(PackFile {
            path: e.path.clone(),
            sha256: hash,
            size,
            role: FileRole::Evidence,
        });
    }
    for (name, role, bytes) in texts {
        zip.start_file(name, text).map_err(zip_error)?;
        zip.write_all(bytes).map_err(io)?;
        manifest.files.push(PackFile {
            path: name.clone(),
            sha256: Sha256Hex::of(bytes),
            size: bytes.len() as u64,
            role: *role,
        });
    }
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| EvidenceError::Pack(e.to_string()))?;
    let signature = serde_json::to_vec_pretty(&ManifestSignature {
        format: SIGNATURE_FORMAT.to_string(),
        public_key: manifest.public_key.clone(),
        signature: key.sign(&signature_message(&manifest_bytes)),
    })
    .map_err(|e| EvidenceError::Pack(e.to_string()))?;
    let mut sums: Vec<(String, String)> = manifest
        .files
        .iter()
        .map(|f| (f.sha256.to_string(), f.path.clone()))
        .collect();
    for (name, bytes) in [(MANIFEST, &manifest_bytes), (SIGNATURE, &signature)] {
        zip.start_file(name, text).map_err(zip_error)?;
        zip.write_all(bytes).map_err(io)?;
        sums.push((Sha256Hex::of(bytes).to_string(), name.to_string()));
    }
    let sums_text: String = sums
        .iter()
        .map(|(hash, name)| format!("{hash}  {name}\n"))
        .collect();
    zip.start_file(SUMS, text).map_err(zip_error)?;
    zip.write_all(sums_text.as_bytes()).map_err(io)?;
    let inner = zip.finish().map_err(zip_error)?;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(manifest)
}

/// Refuses names that could escape a directory or confuse a reader: empty, absolute, with a
/// backslash, a drive letter, a `.`/`..` component, a control character, or a directory.
pub fn safe_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.ends_with('/')
        || name.contains('\\')
        || name.contains(':')
        || name.chars().any(char::is_control)
        || name
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        Err(format!(
            "the pack contains an entry named '{}', which could write outside the folder it is unpacked into",
            name.escape_debug()
        ))
    } else {
        Ok(())
    }
}

type Archive = zip::ZipArchive<std::fs::File>;

/// Every entry name in the zip's central directory, in order, duplicates included. (A zip
/// reader library keys entries by name, so a second entry with the same name would be hidden
/// from it; an unzip tool may still extract it.)
fn central_directory_names(path: &Path) -> Result<Vec<String>, String> {
    use std::io::{Seek, SeekFrom};
    let damaged = |what: &str| format!("{}: damaged zip ({what})", path.display());
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let length = file.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    let tail_length = length.min(65_535 + 22);
    file.seek(SeekFrom::Start(length - tail_length))
        .map_err(|e| e.to_string())?;
    let mut tail = vec![0u8; tail_length as usize];
    file.read_exact(&mut tail).map_err(|e| e.to_string())?;
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let le32 = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let le64 = |b: &[u8], at: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(bytes)
    };
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|i| tail[*i..*i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(|| damaged("no end of central directory"))?;
    let mut count = u64::from(le16(&tail, eocd + 10));
    let mut offset = u64::from(le32(&tail, eocd + 16));
    if count == 0xffff || offset == 0xffff_ffff {
        // ZIP64: the locator sits just before the end record and points at the ZIP64 record.
        let locator = eocd
            .checked_sub(20)
            .filter(|l| tail[*l..*l + 4] == [0x50, 0x4b, 0x06, 0x07])
            .ok_or_else(|| damaged("no ZIP64 locator"))?;
        let record_at = le64(&tail, locator + 8);
        file.seek(SeekFrom::Start(record_at))
            .map_err(|e| e.to_string())?;
        let mut record = [0u8; 56];
        file.read_exact(&mut record).map_err(|e| e.to_string())?;
        if record[..4] != [0x50, 0x4b, 0x06, 0x06] {
            return Err(damaged("bad ZIP64 end record"));
        }
        count = le64(&record, 32);
        offset = le64(&record, 48);
    }
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| e.to_string())?;
    let mut reader = std::io::BufReader::new(file);
    let mut names = Vec::new();
    for _ in 0..count {
        let mut header = [0u8; 46];
        reader
            .read_exact(&mut header)
            .map_err(|_| damaged("truncated central directory"))?;
        if header[..4] != [0x50, 0x4b, 0x01, 0x02] {
            return Err(damaged("bad central directory entry"));
        }
        let (name_length, extra, comment) = (
            usize::from(le16(&header, 28)),
            usize::from(le16(&header, 30)),
            usize::from(le16(&header, 32)),
        );
        let mut name = vec![0u8; name_length];
        reader
            .read_exact(&mut name)
            .map_err(|_| damaged("truncated entry name"))?;
        let mut skip = vec![0u8; extra + comment];
        reader
            .read_exact(&mut skip)
            .map_err(|_| damaged("truncated central directory"))?;
        names.push(String::from_utf8_lossy(&name).into_owned());
    }
    Ok(names)
}

fn read_all(zip: &mut Archive, path: &Path, name: &str) -> Result<Option<Vec<u8>>, EvidenceError> {
    let Ok(mut entry) = zip.by_name(name) else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|source| EvidenceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(Some(bytes))
}

/// Verifies a pack with nothing but the pack (and the auditor's pin, if given).
pub fn verify(path: &Path, options: &VerifyOptions) -> Result<Verification, EvidenceError> {
    crate::check_regular_file(path)?;
    let file = std::fs::File::open(path).map_err(|source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| EvidenceError::Pack(format!("{}: not a readable zip: {e}", path.display())))?;
    let mut report = Verification::new(format!("pack {}", path.display()));

    // Every entry name, as the central directory holds them, checked before anything is read.
    let names = central_directory_names(path).map_err(EvidenceError::Pack)?;
    for name in &names {
        if let Err(problem) = safe_name(name) {
            report.problems.push(problem);
        }
    }
    let mut seen = BTreeSet::new();
    for name in &names {
        if !seen.insert(name.as_str()) {
            report.problems.push(format!(
                "the pack contains '{}' twice: a reader could see either copy",
                name.escape_debug()
            ));
        }
    }

    let Some(manifest_bytes) = read_all(&mut zip, path, MANIFEST)? else {
        report
            .problems
            .push("manifest.json is missing from the pack".to_string());
        return Ok(report);
    };
    let format = serde_json::from_slice::<serde_json::Value>(&manifest_bytes)
        .ok()
        .and_then(|v| v["format"].as_str().map(str::to_string))
        .unwrap_or_default();
    if format == LEGACY_FORMAT {
        report.problems.push(format!(
            "this is a {LEGACY_FORMAT} pack: its manifest and documents are not signed, so edits to them cannot be detected; ask for a pack exported by a current fieldproof"
        ));
        return Ok(report);
    }
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            report
                .problems
                .push(format!("manifest.json is not a {FORMAT} manifest: {e}"));
            return Ok(report);
        }
    };
    if manifest.format != FORMAT {
        report
            .problems
            .push(format!("unknown pack format '{}'", manifest.format));
        return Ok(report);
    }

    // The signature over the manifest, by the key the manifest names.
    let key = parse_public(&manifest.public_key);
    let signed = read_all(&mut zip, path, SIGNATURE)?
        .and_then(|bytes| serde_json::from_slice::<ManifestSignature>(&bytes).ok())
        .is_some_and(|sig| {
            sig.format == SIGNATURE_FORMAT
                && sig.public_key == manifest.public_key
                && key.as_ref().is_some_and(|k| {
                    signature_ok(k, &signature_message(&manifest_bytes), &sig.signature)
                })
        });
    if !signed {
        report.problems.push("manifest.sig does not verify the manifest with the key it names: the manifest (engagement, evidence, documents or ledger head) was edited, or the signature was removed".to_string());
    }

    // Exactly the files the manifest lists, each as recorded.
    let listed: BTreeMap<&str, &PackFile> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    for name in &names {
        if !listed.contains_key(name.as_str())
            && ![MANIFEST, SIGNATURE, SUMS].contains(&name.as_str())
        {
            report.problems.push(format!(
                "the pack contains '{}', which its signed manifest does not list: a pack holds exactly what its manifest says",
                name.escape_debug()
            ));
        }
    }
    for f in &manifest.files {
        if safe_name(&f.path).is_err() {
            continue; // already reported as an entry name
        }
        match zip.by_name(&f.path) {
            Ok(entry) => {
                let (hash, size) = hash_reader(entry, path)?;
                if f.role == FileRole::Evidence {
                    report.blobs += 1;
                    report.bytes += size;
                }
                if hash != f.sha256 || size != f.size {
                    report.problems.push(format!(
                        "{} hashes to {hash} ({size} bytes), the manifest records {} ({} bytes): it was modified",
                        f.path, f.sha256, f.size
                    ));
                }
            }
            Err(_) => report
                .problems
                .push(format!("{} is listed in the manifest but missing", f.path)),
        }
    }

    // The ledger: chain, keys, head.
    let ledger_text = read_all(&mut zip, path, "ledger.jsonl")?.unwrap_or_default();
    let mut entries = Vec::new();
    for (i, line) in ledger_text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        match serde_json::from_slice::<PackEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(e) => report.problems.push(format!(
                "ledger.jsonl line {}: not a ledger entry: {e}",
                i + 1
            )),
        }
    }
    let chain = verify_chain(&entries);
    report.absorb_chain(&chain, entries.len());
    report.head = entries.last().map(|e| LedgerHead {
        seq: e.seq,
        hash: e.hash.clone(),
    });
    if report.head.as_ref() != Some(&manifest.ledger.head) {
        report.problems.push("the ledger's last entry is not the head the manifest records: the ledger was cut or extended".to_string());
    }
    if chain.current_key().map(|k| public_hex(&k)) != Some(manifest.public_key.clone()) {
        report.problems.push(
            "the manifest is signed by a key that is not the ledger's current key".to_string(),
        );
    }
    let public_text = read_all(&mut zip, path, "public_key.txt")?.unwrap_or_default();
    if String::from_utf8_lossy(&public_text).trim() != manifest.public_key {
        report.problems.push(
            "public_key.txt names a different key than the manifest: the key was replaced"
                .to_string(),
        );
    }

    // The evidence: each item as its ledger entry records it, current at the head, and every
    // current item of the engagement present.
    let replayed: BTreeMap<String, (i64, Added, Status)> = replay(&entries)
        .into_iter()
        .map(|(seq, a, s)| (a.evidence.clone(), (seq, a, s)))
        .collect();
    let ordered: Vec<(i64, Added, Status)> = replayed.values().cloned().collect();
    report
        .problems
        .extend(crate::verify::check_test_bindings(&ordered));
    for e in &manifest.evidence {
        match replayed.get(&e.evidence) {
            Some((seq, a, status))
                if *seq == e.ledger_entry && a.sha256 == e.sha256 && a.size == e.size =>
            {
                if *status != Status::Current {
                    report.problems.push(format!(
                        "{} is {} at the head of the pack's ledger, yet the manifest lists it as evidence",
                        e.evidence,
                        status.as_str()
                    ));
                }
                if !listed.contains_key(e.path.as_str())
                    || listed.get(e.path.as_str()).map(|f| &f.sha256) != Some(&e.sha256)
                {
                    report
                        .problems
                        .push(format!("{}: its content is not in the pack", e.evidence));
                }
            }
            Some(_) => report.problems.push(format!(
                "manifest entry {} does not match ledger entry {}",
                e.evidence, e.ledger_entry
            )),
            None => report
                .problems
                .push(format!("manifest entry {} has no ledger entry", e.evidence)),
        }
    }
    let in_manifest: BTreeSet<&str> = manifest
        .evidence
        .iter()
        .map(|e| e.evidence.as_str())
        .collect();
    let engagement = manifest.engagement.id.as_str();
    for (seq, a, status) in replayed.values() {
        if *status == Status::Current
            && a.engagement.as_deref().is_none_or(|e| e == engagement)
            && !in_manifest.contains(a.evidence.as_str())
        {
            report.problems.push(format!(
                "ledger entry {seq} records {} for this engagement but the pack omits it",
                a.evidence
            ));
        }
    }

    // SHA256SUMS: a convenience for standard tools, checked so that it cannot mislead.
    if let Some(sums) = read_all(&mut zip, path, SUMS)? {
        let sums = String::from_utf8_lossy(&sums).into_owned();
        for line in sums.lines() {
            let Some((hash, name)) = line.split_once("  ") else {
                report.problems.push(format!(
                    "SHA256SUMS: malformed line '{}'",
                    line.escape_debug()
                ));
                continue;
            };
            let expected = match name {
                MANIFEST => Some(Sha256Hex::of(&manifest_bytes).to_string()),
                _ => listed.get(name).map(|f| f.sha256.to_string()).or_else(|| {
                    (name == SIGNATURE)
                        .then(|| read_all(&mut zip, path, SIGNATURE).ok().flatten())
                        .flatten()
                        .map(|b| Sha256Hex::of(&b).to_string())
                }),
            };
            if expected.as_deref() != Some(hash) {
                report.problems.push(format!(
                    "SHA256SUMS line for '{}' does not match the pack",
                    name.escape_debug()
                ));
            }
        }
    } else {
        report.problems.push("SHA256SUMS is missing".to_string());
    }

    report.apply_options(&chain, options, |seq| {
        entries
            .iter()
            .find(|e| e.seq == seq)
            .map(|e| e.hash.clone())
    });
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn central_directory_lists_every_entry_including_zip64_archives() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("many.zip");
        let file = std::fs::File::create(&path).expect("create");
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        // More than 65,535 entries forces the ZIP64 end of central directory.
        let count = 65_600;
        for i in 0..count {
            zip.start_file(format!("e{i}"), options).expect("start");
        }
        zip.finish().expect("finish");
        let names = central_directory_names(&path).expect("read");
        assert_eq!(names.len(), count);
        assert_eq!(names.last().map(String::as_str), Some("e65599"));
    }

    #[test]
    fn unsafe_entry_names_are_refused() {
        for bad in [
            "../../evil",
            "/etc/passwd",
            "blobs/../x",
            "a\\b",
            "C:evil",
            "",
            "dir/",
            "a//b",
            "./x",
            "x\u{0}y",
        ] {
            assert!(safe_name(bad).is_err(), "{bad:?}");
        }
        assert!(safe_name("blobs/abc").is_ok());
        assert!(safe_name("boundary.md").is_ok());
    }
}
