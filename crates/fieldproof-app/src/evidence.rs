//! Evidence use cases: add (files, URLs, attestations; for a control's evidence request,
//! optionally as a population), supersede, retire, the ledger, one item, freshness per request,
//! verification of the workspace or a pack, evidence packs, and the ledger key.

use crate::contract::{
    AddResult, EvidenceDetail, FreshnessReport, KeyInfo, KeyProtection, KeyRotated, LedgerLog,
    PackResult, RetireResult,
};
use crate::workspace::Workspace;
use crate::{App, AppError, Field, FieldError, Result};
use fieldproof_catalog::applicability::applicable;
use fieldproof_catalog::Catalog;
use fieldproof_core::access::Action;
use fieldproof_core::engagement::Period;
use fieldproof_core::{assess, responsibility};
use fieldproof_evidence::freshness::{self, Expectation};
use fieldproof_evidence::keys::{fingerprint, public_hex, LedgerKey};
use fieldproof_evidence::ledger::{evidence_seq, Body, EvidenceKind, Status};
use fieldproof_evidence::pack::{self, PackInput};
use fieldproof_evidence::{verify_workspace, KeyUse, Metadata, Verification, VerifyOptions};
use fieldproof_report::documents::{self, DocumentSet};
use fieldproof_store::{EvidenceQuery, EvidenceState, LedgerHead};
use std::path::{Path, PathBuf};

/// What to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddContent {
    /// Files.
    Files(Vec<PathBuf>),
    /// A URL reference.
    Url(String),
    /// A short attestation text.
    Attestation(String),
}

/// An `evidence add` as a user asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddRequest {
    /// The content.
    pub content: AddContent,
    /// Controls it supports (ids, any case).
    pub controls: Vec<String>,
    /// The evidence request it answers.
    pub request: Option<String>,
    /// A population of its whole `covers` period.
    pub population: bool,
    /// Engagement.
    pub engagement: Option<String>,
    /// Period covered, `FROM..TO` or one date.
    pub covers: Option<String>,
    /// Where it came from.
    pub source: Option<String>,
    /// Description.
    pub note: Option<String>,
    /// Evidence id it replaces.
    pub supersedes: Option<String>,
}

impl AddRequest {
    /// `content` supporting `controls`, with nothing else said (no request, engagement,
    /// period, source, note or superseded evidence).
    pub fn new(content: AddContent, controls: &[&str]) -> AddRequest {
        AddRequest {
            content,
            controls: controls.iter().map(|c| c.to_string()).collect(),
            request: None,
            population: false,
            engagement: None,
            covers: None,
            source: None,
            note: None,
            supersedes: None,
        }
    }
}

/// What `verify` checks.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    /// A pack to verify offline; `None` verifies the workspace.
    pub pack: Option<PathBuf>,
    /// Verify the workspace as a reader limited to this engagement sees it: problems about
    /// other engagements' entries are reported without naming their evidence.
    pub limit: Option<String>,
    /// Files holding a public key to pin (hex, as `evidence key -o` writes).
    pub key_files: Vec<PathBuf>,
    /// Fingerprints (or hex public keys) to pin.
    pub fingerprints: Vec<String>,
    /// `SEQ:HASH` of a head from an earlier pack.
    pub expect_head: Option<String>,
}

/// Resolves the controls and the evidence request: every control must exist; a given request
/// must be a request of every control named; without one, every control must have exactly one.
pub(crate) fn resolve_controls(
    catalog: &Catalog,
    controls: &[String],
    request: Option<&str>,
) -> Result<(Vec<String>, Option<String>)> {
    fieldproof_evidence::supports_a_control(controls)?;
    let mut ids = Vec::new();
    for name in controls {
        let control = catalog.control(name).ok_or_else(|| {
            FieldError::value(Field::Control, name, "not a control of the library")
        })?;
        let requests: Vec<&str> = control.evidence.iter().map(|e| e.id.as_str()).collect();
        match request {
            Some(r) if !requests.iter().any(|x| x.eq_ignore_ascii_case(r)) => {
                return Err(FieldError::value(
                    Field::Request,
                    r,
                    format!(
                        "{} has no such evidence request; its requests are {}",
                        control.id,
                        requests.join(", ")
                    ),
                )
                .into())
            }
            None if requests.len() > 1 => {
                return Err(FieldError::missing(
                    Field::Request,
                    format!(
                        "{} has {} evidence requests ({}); say which one this evidence answers",
                        control.id,
                        requests.len(),
                        requests.join(", ")
                    ),
                )
                .into())
            }
            _ => {}
        }
        if !ids.contains(&control.id) {
            ids.push(control.id.clone());
        }
    }
    let request = request.map(|r| {
        // The request's own spelling, from the first control.
        catalog
            .control(&ids[0])
            .and_then(|c| c.evidence.iter().find(|e| e.id.eq_ignore_ascii_case(r)))
            .map_or_else(|| r.to_string(), |e| e.id.clone())
    });
    Ok((ids, request))
}

impl App {
    /// Adds evidence for the controls (and request) given.
    pub async fn evidence_add(&self, request: &AddRequest) -> Result<AddResult> {
        let started = std::time::Instant::now();
        let ws = self.open().await?;
        let result = self.evidence_add_in(&ws, request).await;
        ws.close().await;
        if let Ok(r) = &result {
            tracing::info!(
                actor = %self.actor,
                engagement = request.engagement.as_deref().unwrap_or("-"),
                added = r.added.len(),
                ms = started.elapsed().as_millis() as u64,
                "evidence added"
            );
        }
        result
    }

    /// [`App::evidence_add`] in an open workspace.
    pub async fn evidence_add_in(&self, ws: &Workspace, request: &AddRequest) -> Result<AddResult> {
        self.allow(Action::AddEvidence)?;
        if request
            .supersedes
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
        {
            self.allow(Action::SupersedeEvidence)?;
        }
        let catalog = self.catalog_in(ws).await?;
        let (controls, evidence_request) =
            resolve_controls(&catalog, &request.controls, request.request.as_deref())?;
        let covers = request
            .covers
            .as_deref()
            .map(Period::parse)
            .transpose()
            .map_err(|e| FieldError::field(Field::Covers, e))?;
        if request.population && covers.is_none() {
            return Err(FieldError::missing(
                Field::Covers,
                "a population is a log or export of a whole period; give that period (FROM..TO)",
            )
            .into());
        }
        if let Some(id) = &request.engagement {
            if !ws.store.engagements().await?.iter().any(|e| &e.id == id) {
                return Err(FieldError::value(Field::Engagement, id, "no such engagement").into());
            }
        }
        let meta = Metadata {
            controls,
            request: evidence_request,
            population: request.population,
            engagement: request.engagement.clone(),
            covers,
            source: request.source.clone(),
            note: request.note.clone(),
            supersedes: request.supersedes.clone(),
            at: self.now(),
            by: self.actor.clone(),
            ..Metadata::default()
        };
        let ledger = ws.ledger();
        ledger.clean_leftovers();
        let added = match &request.content {
            AddContent::Files(files) if files.is_empty() => {
                return Err(FieldError::missing(
                    Field::Files,
                    "give files to add, a link, or an attestation",
                )
                .into())
            }
            AddContent::Files(files) => {
                let files: Vec<PathBuf> = files.iter().map(|f| self.path(f)).collect();
                ledger.add_files(&files, &meta).await?
            }
            AddContent::Url(url) => vec![ledger.add_text(EvidenceKind::Url, url, &meta).await?],
            AddContent::Attestation(text) => {
                vec![
                    ledger
                        .add_text(EvidenceKind::Attestation, text, &meta)
                        .await?,
                ]
            }
        };
        Ok(AddResult { added })
    }

    /// Retires a piece of evidence.
    pub async fn evidence_retire(&self, id: &str, reason: &str) -> Result<RetireResult> {
        self.allow(Action::RetireEvidence)?;
        let ws = self.open().await?;
        let entry = ws
            .ledger()
            .retire(id, reason, &self.now(), &self.actor)
            .await;
        ws.close().await;
        let entry = entry?;
        Ok(RetireResult {
            evidence: evidence_seq(id)
                .map(fieldproof_evidence::ledger::evidence_id)
                .unwrap_or_else(|| id.to_string()),
            entry: entry.seq,
        })
    }

    /// The whole ledger, as a reader limited to engagement `limit` sees it when one is given
    /// (other engagements' entries without their body, the rule of the evidence pack).
    pub async fn evidence_log(&self, limit: Option<&str>) -> Result<LedgerLog> {
        let ws = self.open().await?;
        let result = async {
            if let Some(id) = limit {
                // The engagement must exist: a typo must not show everything as redacted.
                self.engagement_in(&ws, Some(id)).await?;
            }
            let entries = ws.store.ledger().await?;
            let (entries, redacted) = fieldproof_evidence::disclosure::view(&entries, limit);
            Ok(LedgerLog {
                engagement: limit.map(str::to_string),
                redacted,
                entries,
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// One piece of evidence with its status and ledger entry.
    pub async fn evidence_show(&self, id: &str) -> Result<EvidenceDetail> {
        let ws = self.open().await?;
        let result = self.evidence_show_in(&ws, id).await;
        ws.close().await;
        result
    }

    /// [`App::evidence_show`] in an open workspace.
    pub async fn evidence_show_in(&self, ws: &Workspace, id: &str) -> Result<EvidenceDetail> {
        let missing = || AppError::unknown(crate::Thing::Evidence, id);
        let seq = evidence_seq(id).ok_or_else(missing)?;
        let entry = ws.store.entry(seq).await?.ok_or_else(missing)?;
        let Ok(Body::Add(added)) = serde_json::from_value::<Body>(entry.body.clone()) else {
            return Err(missing());
        };
        // The status from the index (kept in each append's transaction): no replay.
        let state = ws
            .store
            .evidence(&EvidenceQuery::At(seq))
            .await?
            .first()
            .map(|e| e.state)
            .ok_or_else(missing)?;
        let status = match state {
            EvidenceState::Current | EvidenceState::Missing => Status::Current,
            EvidenceState::Superseded { by } => Status::Superseded {
                by: fieldproof_evidence::ledger::evidence_id(by),
            },
            EvidenceState::Retired { by } => {
                let reason = match ws.store.entry(by).await? {
                    Some(retire) => match serde_json::from_value::<Body>(retire.body) {
                        Ok(Body::Retire { reason, .. }) => reason,
                        _ => String::new(),
                    },
                    None => String::new(),
                };
                Status::Retired { reason }
            }
        };
        Ok(EvidenceDetail {
            stored_at: fieldproof_evidence::blobs::BlobStore::locate(&ws.blobs, &added.sha256),
            evidence: *added,
            status,
            entry,
        })
    }

    /// One piece of evidence as a reader limited to engagement `limit` may see it: another
    /// engagement's evidence is `Unknown`, exactly as evidence that does not exist (the
    /// disclosure rule of the pack).
    pub async fn evidence_item(&self, id: &str, limit: Option<&str>) -> Result<EvidenceDetail> {
        let detail = self.evidence_show(id).await?;
        match limit {
            Some(engagement)
                if !fieldproof_evidence::disclosure::discloses(
                    detail.evidence.engagement.as_deref(),
                    engagement,
                ) =>
            {
                Err(AppError::unknown(crate::Thing::Evidence, id))
            }
            _ => Ok(detail),
        }
    }

    /// The content of a piece of evidence (as [`App::evidence_item`] discloses it) with its
    /// detail; the reader checks nothing, so a caller that must trust the bytes compares their
    /// SHA-256 with `detail.evidence.sha256` ([`App::evidence_get`] does).
    pub async fn evidence_content(
        &self,
        id: &str,
        limit: Option<&str>,
    ) -> Result<(EvidenceDetail, Box<dyn std::io::Read + Send>)> {
        let detail = self.evidence_item(id, limit).await?;
        let ws = self.open().await?;
        let opened =
            fieldproof_evidence::blobs::BlobStore::open(&ws.blobs, &detail.evidence.sha256);
        ws.close().await;
        match opened? {
            Some(reader) => Ok((detail, reader)),
            None => Err(AppError::Input(format!(
                "{id}: its content ({}) is missing from the blob store; verifying the ledger lists everything that is missing",
                detail.evidence.sha256
            ))),
        }
    }

    /// Rows `skip..skip + take` of a test result's exception rows (its content, a CSV with a
    /// header), as [`App::evidence_item`] discloses it, with the column names and the number
    /// of rows in all. Evidence that is not a test result is `Unknown` as a test result.
    pub async fn exception_rows(
        &self,
        evidence: &str,
        limit: Option<&str>,
        skip: usize,
        take: usize,
    ) -> Result<ExceptionRows> {
        let (detail, reader) = self.evidence_content(evidence, limit).await?;
        if detail.evidence.kind != EvidenceKind::TestResult {
            return Err(AppError::unknown(crate::Thing::Evidence, evidence));
        }
        let read = tokio::task::spawn_blocking(move || read_rows(reader, skip, take))
            .await
            .map_err(|e| AppError::Input(format!("reading {evidence}: {e}")))?;
        read.map_err(|e| {
            AppError::Input(format!(
                "{evidence}: its exception rows cannot be read as CSV: {e}"
            ))
        })
    }

    /// Writes the content of a piece of evidence to `out` (through a temporary file, renamed
    /// once complete), checking its SHA-256 against the ledger's: a blob changed on disk is an
    /// error and nothing is left at `out`.
    pub async fn evidence_get(&self, id: &str, out: &Path) -> Result<EvidenceDetail> {
        let (detail, mut reader) = self.evidence_content(id, None).await?;
        let dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let io = |e: std::io::Error| AppError::Io {
            path: out.to_path_buf(),
            source: e,
        };
        let temp = dir.join(fieldproof_evidence::blobs::temp_name(".part"));
        let copied = (|| {
            let mut file = std::fs::File::create(&temp).map_err(io)?;
            let (sha256, _) =
                fieldproof_evidence::blobs::copy_and_hash(&mut reader, &mut file, out)?;
            file.sync_all().map_err(io)?;
            if sha256 != detail.evidence.sha256 {
                return Err(AppError::Input(format!(
                    "{id}: the stored content does not match the ledger (SHA-256 {sha256}, the ledger says {}); nothing was written; verifying the ledger lists every changed blob",
                    detail.evidence.sha256
                )));
            }
            std::fs::rename(&temp, out).map_err(io)
        })();
        if copied.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        copied?;
        Ok(detail)
    }

    /// Freshness per evidence request of the controls applicable to the stored estate.
    pub async fn evidence_status(&self, engagement: Option<&str>) -> Result<FreshnessReport> {
        let ws = self.open().await?;
        let result = self.evidence_status_in(&ws, engagement).await;
        ws.close().await;
        result
    }

    /// [`App::evidence_status`] in an open workspace.
    pub async fn evidence_status_in(
        &self,
        ws: &Workspace,
        engagement: Option<&str>,
    ) -> Result<FreshnessReport> {
        let catalog = self.catalog_in(ws).await?;
        let engagement = self.engagement_in(ws, engagement).await?;
        let estate = ws.store.load_estate().await?;
        if estate.components.is_empty() {
            return Err(AppError::NoEstate {
                needed_for: "the applicable controls are not known",
            });
        }
        let assessment = assess(&estate);
        let expectations = expectations(&catalog, &assessment, &engagement);
        let items = ws.ledger().current_for(&engagement.id).await?;
        Ok(freshness::report(engagement, &expectations, &items))
    }

    fn verify_options(&self, request: &VerifyRequest) -> Result<VerifyOptions> {
        let mut pins = request.fingerprints.clone();
        for file in &request.key_files {
            let path = self.path(file);
            fieldproof_evidence::check_regular_file(&path)?;
            let text = std::fs::read_to_string(&path).map_err(|source| AppError::Io {
                path: path.clone(),
                source,
            })?;
            let key = fieldproof_evidence::keys::parse_public(&text).ok_or_else(|| {
                FieldError::value(
                    Field::Key,
                    file.display().to_string(),
                    "not an Ed25519 public key (64 hex digits, as the ledger's key is shown)",
                )
            })?;
            pins.push(public_hex(&key));
        }
        let expect_head = request
            .expect_head
            .as_deref()
            .map(fieldproof_evidence::parse_head)
            .transpose()
            .map_err(|e| FieldError::field(Field::ExpectHead, e))?;
        Ok(VerifyOptions {
            pins,
            expect_head,
            limit: request.limit.clone(),
        })
    }

    /// Verifies the workspace, or a pack offline.
    pub async fn verify(&self, request: &VerifyRequest) -> Result<Verification> {
        let options = self.verify_options(request)?;
        if let Some(pack) = &request.pack {
            return Ok(pack::verify(&self.path(pack), &options)?);
        }
        let ws = self.open().await?;
        let result = async {
            if let Some(id) = &request.limit {
                // The engagement must exist: a typo must not withhold everything.
                self.engagement_in(&ws, Some(id)).await?;
            }
            Ok::<_, AppError>(
                verify_workspace(
                    ws.store.as_ref(),
                    &ws.blobs,
                    &ws.keys,
                    &ws.checkpoint,
                    format!("workspace {} ({})", ws.dir.display(), ws.url.display()),
                    &options,
                )
                .await?,
            )
        }
        .await;
        ws.close().await;
        result
    }

    /// Writes the evidence pack of an engagement, with the reports named in `reports`
    /// (`KIND.FORMAT`, such as `readiness.pdf`) under `reports/`, covered by its signature.
    pub async fn export_pack(
        &self,
        engagement: &str,
        out: &Path,
        reports: &[String],
    ) -> Result<PackResult> {
        let reports = reports
            .iter()
            .map(|name| crate::reports::report_file(name).map(|r| (name.clone(), r)))
            .collect::<Result<Vec<_>>>()?;
        let ws = self.open().await?;
        let result = self.export_pack_in(&ws, engagement, out, &reports).await;
        ws.close().await;
        result
    }

    /// [`App::export_pack`] in an open workspace.
    pub async fn export_pack_in(
        &self,
        ws: &Workspace,
        engagement: &str,
        out: &Path,
        reports: &[(String, crate::reports::ReportFile)],
    ) -> Result<PackResult> {
        let out = self.path(out);
        let engagement = self.engagement_in(ws, Some(engagement)).await?;
        let cleaned = pack::clean_leftovers(&out);
        let ledger = ws.ledger();
        ledger.check_head().await?;
        let key = ledger.signing_key().await?;
        let estate = ws.store.load_estate().await?;
        let assessment = assess(&estate);
        let derived = responsibility::derive(&assessment);
        let mut docs =
            documents::render(DocumentSet::Pack, &assessment, &derived).map_err(|source| {
                AppError::Io {
                    path: out.clone(),
                    source,
                }
            })?;
        let mut report_paths = Vec::new();
        if !reports.is_empty() {
            let basis = self.readiness_in(ws, &engagement, estate.clone()).await?;
            for (name, (kind, format)) in reports {
                let path = format!("reports/{name}");
                docs.push((
                    path.clone(),
                    self.render_report(&basis, None, *kind, *format),
                ));
                report_paths.push(path);
            }
        }
        let entries = ws.store.ledger().await?;
        pack::check_chain(&entries)?;
        // The auditor's threads: every request with its status and comments.
        let freshness = self.evidence_status_in(ws, Some(&engagement.id)).await?;
        let requests = self.request_list_in(&freshness).await?;
        docs.push((
            "requests/requests.json".to_string(),
            serde_json::to_vec_pretty(&requests).unwrap_or_default(),
        ));
        docs.push((
            "requests/requests.md".to_string(),
            fieldproof_report::requests::requests_markdown(&requests).into_bytes(),
        ));
        // The index decides what is current; the pack replays the ledger. They must agree.
        let indexed: Vec<i64> = ws
            .store
            .evidence(&EvidenceQuery::CurrentFor(engagement.id.clone()))
            .await?
            .iter()
            .map(|e| e.seq)
            .collect();
        let manifest = pack::export(
            &PackInput {
                entries: &entries,
                blobs: &ws.blobs,
                key: &key,
                engagement: &engagement,
                documents: &docs,
                at: &self.now(),
                by: &self.actor,
            },
            &out,
        )?;
        let packed: Vec<i64> = manifest.evidence.iter().map(|e| e.ledger_entry).collect();
        if packed != indexed {
            let _ = std::fs::remove_file(&out);
            return Err(AppError::Input(
                "the evidence index disagrees with the ledger; run `fieldproof verify` (nothing was written)".to_string(),
            ));
        }
        let head = &manifest.ledger.head;
        Ok(PackResult {
            path: out.display().to_string(),
            engagement: engagement.id.clone(),
            evidence: manifest.evidence.len(),
            key_fingerprint: manifest.key_fingerprint.clone(),
            expect_head: format!("{}:{}", head.seq, head.hash),
            ledger: manifest.ledger,
            reports: report_paths,
            cleaned,
        })
    }

    fn key_uses(records: &[fieldproof_store::KeyRecord]) -> Vec<KeyUse> {
        records
            .iter()
            .filter_map(|k| {
                fieldproof_evidence::keys::parse_public(&k.public_key).map(|key| KeyUse {
                    from_entry: k.seq,
                    fingerprint: fingerprint(&key),
                    public_key: public_hex(&key),
                })
            })
            .collect()
    }

    /// The ledger key: the current public key and fingerprint, and every key of the ledger;
    /// writes the public key to `output` when given.
    pub async fn key_show(&self, output: Option<&Path>) -> Result<KeyInfo> {
        let ws = self.open().await?;
        let result = async {
            let keys = Self::key_uses(&ws.store.keys().await?);
            let current = ws.keys.read_public()?;
            let written = match output {
                Some(path) => {
                    let path = self.path(path);
                    crate::scope::write_file(
                        &path,
                        format!("{}\n", public_hex(&current)).as_bytes(),
                    )?;
                    Some(path.display().to_string())
                }
                None => None,
            };
            Ok(KeyInfo {
                public_key: public_hex(&current),
                fingerprint: fingerprint(&current),
                protected: ws.keys.is_protected()?,
                keys,
                written,
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// Rotates the ledger key.
    pub async fn key_rotate(&self, reason: &str) -> Result<KeyRotated> {
        if reason.trim().is_empty() {
            return Err(FieldError::missing(
                Field::Reason,
                "say why the key is rotated; the reason is recorded in the ledger",
            )
            .into());
        }
        let ws = self.open().await?;
        let result = async {
            let ledger = ws.ledger();
            let previous = ledger.signing_key().await?;
            let (entry, next) = ledger.rotate_key(reason, &self.now(), &self.actor).await?;
            Ok(KeyRotated {
                entry: entry.seq,
                previous_fingerprint: fingerprint(&previous.public()),
                fingerprint: fingerprint(&next.public()),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// Encrypts the private key under `new_passphrase`, or stores it in the clear when `None`.
    pub async fn key_protect(&self, new_passphrase: Option<&str>) -> Result<KeyProtection> {
        let ws = self.open().await?;
        let result = async {
            let key: LedgerKey = ws.ledger().signing_key().await?;
            ws.keys.reprotect(&key, new_passphrase)?;
            Ok(KeyProtection {
                fingerprint: fingerprint(&key.public()),
                protected: new_passphrase.is_some(),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// The current ledger head.
    pub async fn head(&self) -> Result<Option<LedgerHead>> {
        let ws = self.open().await?;
        let head = ws.store.head().await;
        ws.close().await;
        Ok(head?)
    }
}

/// What every evidence request of the controls applicable to `engagement` expects.
pub fn expectations(
    catalog: &fieldproof_catalog::Catalog,
    assessment: &fieldproof_core::assessment::Assessment<'_>,
    engagement: &fieldproof_core::engagement::Engagement,
) -> Vec<Expectation> {
    applicable(catalog, assessment, &engagement.categories)
        .iter()
        .flat_map(|a| {
            let sole = a.control.evidence.len() == 1;
            a.control.evidence.iter().map(move |e| Expectation {
                control: a.control.id.clone(),
                request: e.id.clone(),
                sole,
                artifact: e.artifact.clone(),
                window: e.cadence.window(engagement.report_type),
            })
        })
        .collect()
}

/// A page of a test result's exception rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRows {
    /// The column names.
    pub columns: Vec<String>,
    /// The rows of the page.
    pub rows: Vec<Vec<String>>,
    /// Rows in all.
    pub total: usize,
}

fn read_rows(
    reader: Box<dyn std::io::Read + Send>,
    skip: usize,
    take: usize,
) -> std::result::Result<ExceptionRows, csv::Error> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let columns = csv.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    let mut total = 0;
    for record in csv.records() {
        let record = record?;
        if total >= skip && rows.len() < take {
            rows.push(record.iter().map(str::to_string).collect());
        }
        total += 1;
    }
    Ok(ExceptionRows {
        columns,
        rows,
        total,
    })
}
