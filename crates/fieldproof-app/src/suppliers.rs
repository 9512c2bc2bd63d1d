//! The supplier register (the reader's side): suppliers, every SOC report of theirs reviewed
//! (the file and the review's result kept as evidence for the reader's own vendor management,
//! FP-VM-01 / CC9.2), and the reader's answers to each report's CUECs. Rules are
//! [`fieldproof_review::register`]'s; this module reads and writes the store and the ledger.

use crate::contract::{
    CuecAnswered, CuecCounts, CuecList, CuecRow, RecordedReview, ReviewResult, ReviewSummary,
    SupplierControls, SupplierDetail, SupplierList, SupplierSaved, SupplierSummary,
};
use crate::workspace::Workspace;
use crate::{App, AppError, Field, FieldError, Result};
use fieldproof_core::access::Action;
use fieldproof_core::engagement::Date;
use fieldproof_review::register::{
    self, CandidateControl, Criticality, CuecAnswer, CuecStatus, ReportReview, Supplier,
};
use fieldproof_store::{RegisterEntry, RegisterKind, StoreError};

/// The control a reviewed report is evidence for, and its evidence request.
const VENDOR_CONTROL: &str = "FP-VM-01";
const VENDOR_REQUEST: &str = "report-reviews";

/// A supplier as a user gives it: every field but the id may be left out when changing one.
#[derive(Debug, Clone, Default)]
pub struct SupplierInput {
    /// Its id (`gridline`).
    pub id: String,
    /// Its name (needed when adding).
    pub name: Option<String>,
    /// The services it provides (replaces the list when given).
    pub services: Vec<String>,
    /// `critical`, `high`, `medium` or `low` (needed when adding).
    pub criticality: Option<String>,
    /// Estate component ids it provides or operates (replaces the list when given).
    pub components: Vec<String>,
    /// Months between reviews.
    pub review_every: Option<String>,
}

/// An answer to one CUEC as a user gives it.
#[derive(Debug, Clone, Default)]
pub struct CuecInput {
    /// The supplier.
    pub supplier: String,
    /// The review's number (default: the supplier's latest).
    pub review: Option<String>,
    /// The CUEC's number in the report.
    pub cuec: String,
    /// The reader's controls that address it (kept from an earlier answer when empty).
    pub controls: Vec<String>,
    /// `open`, `addressed`, `not_applicable` or `gap` (default: addressed when controls are
    /// given, else the earlier status).
    pub status: Option<String>,
    /// Why it does not apply, or what the gap is.
    pub reason: Option<String>,
    /// Who owns a gap.
    pub owner: Option<String>,
    /// When a gap is due to close.
    pub due: Option<String>,
    /// Evidence ids that show it addressed.
    pub evidence: Vec<String>,
}

fn decode<T: serde::de::DeserializeOwned>(entry: &RegisterEntry) -> Result<T> {
    serde_json::from_value(entry.body.clone()).map_err(|e| {
        AppError::Store(StoreError::Corrupt {
            what: entry.kind.as_str(),
            key: entry.key.clone(),
            reason: e.to_string(),
        })
    })
}

fn entry<T: serde::Serialize>(kind: RegisterKind, key: String, value: &T) -> RegisterEntry {
    RegisterEntry {
        kind,
        key,
        body: serde_json::to_value(value).unwrap_or_default(),
    }
}

/// The register as stored.
pub(crate) struct Register {
    pub suppliers: Vec<Supplier>,
    pub reviews: Vec<ReportReview>,
    pub answers: Vec<CuecAnswer>,
}

impl Register {
    pub(crate) async fn read(ws: &Workspace) -> Result<Register> {
        let all = |kind| async move { ws.store.register_entries(kind).await };
        let suppliers = all(RegisterKind::Supplier)
            .await?
            .iter()
            .map(decode)
            .collect::<Result<Vec<Supplier>>>()?;
        let mut reviews = all(RegisterKind::ReportReview)
            .await?
            .iter()
            .map(decode)
            .collect::<Result<Vec<ReportReview>>>()?;
        reviews.sort_by(|a, b| (&a.supplier, a.number).cmp(&(&b.supplier, b.number)));
        let answers = all(RegisterKind::CuecAnswer)
            .await?
            .iter()
            .map(decode)
            .collect::<Result<Vec<CuecAnswer>>>()?;
        Ok(Register {
            suppliers,
            reviews,
            answers,
        })
    }

    fn supplier(&self, id: &str) -> Result<&Supplier> {
        self.suppliers.iter().find(|s| s.id == id).ok_or_else(|| {
            FieldError::value(
                Field::Supplier,
                id,
                "no such supplier in the register: add it first (supplier add)",
            )
            .into()
        })
    }

    fn latest(&self, supplier: &str) -> Option<&ReportReview> {
        self.reviews
            .iter()
            .filter(|r| r.supplier == supplier)
            .max_by_key(|r| r.number)
    }

    fn answer(&self, supplier: &str, review: u32, cuec: u32) -> Option<&CuecAnswer> {
        self.answers
            .iter()
            .find(|a| a.supplier == supplier && a.review == review && a.cuec == cuec)
    }

    /// The answers to the CUECs of each supplier's latest report.
    pub(crate) fn current_answers(&self) -> Vec<register::CuecAnswer> {
        self.answers
            .iter()
            .filter(|a| {
                self.latest(&a.supplier)
                    .is_some_and(|r| r.number == a.review)
            })
            .cloned()
            .collect()
    }

    /// The register's findings on `today` (readiness reads them too).
    pub(crate) fn findings(&self, today: Date) -> Vec<register::RegisterFinding> {
        register::register_findings(&self.suppliers, &self.reviews, &self.answers, today)
    }
}

fn summary_of(r: &ReportReview) -> ReviewSummary {
    ReviewSummary {
        number: r.number,
        file: r.file.clone(),
        sha256: r.sha256.clone(),
        evidence: r.evidence.clone(),
        reviewed_on: r.reviewed_on,
        kind: r.review.kind.as_ref().map(|k| k.value),
        report_type: r.review.report_type.as_ref().map(|t| t.value),
        covers_to: r.covers_to(),
        opinion: r.review.opinion.as_ref().map(|o| o.value),
        findings: r.findings.len(),
        confirmed_by: r.confirmed_by.clone(),
    }
}

impl App {
    /// Adds a supplier to the register, or changes one (the fields given replace the stored
    /// ones). Every change is in the change log.
    pub async fn supplier_save(&self, input: &SupplierInput) -> Result<SupplierSaved> {
        self.allow(Action::ManageSuppliers)?;
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            let existing = reg.suppliers.iter().find(|s| s.id == input.id).cloned();
            let criticality = input
                .criticality
                .as_deref()
                .map(|c| {
                    Criticality::parse(c.trim()).ok_or_else(|| {
                        FieldError::value(
                            Field::Criticality,
                            c,
                            "give critical, high, medium or low",
                        )
                    })
                })
                .transpose()?;
            let review_every = input
                .review_every
                .as_deref()
                .map(|m| {
                    m.trim().parse::<u32>().map_err(|_| {
                        FieldError::value(Field::ReviewEvery, m, "give a number of months (12)")
                    })
                })
                .transpose()?;
            let supplier = match &existing {
                Some(s) => Supplier {
                    id: s.id.clone(),
                    name: input.name.clone().unwrap_or_else(|| s.name.clone()),
                    services: if input.services.is_empty() {
                        s.services.clone()
                    } else {
                        input.services.clone()
                    },
                    criticality: criticality.unwrap_or(s.criticality),
                    components: if input.components.is_empty() {
                        s.components.clone()
                    } else {
                        input.components.clone()
                    },
                    review_every_months: review_every.unwrap_or(s.review_every_months),
                },
                None => Supplier {
                    id: input.id.trim().to_string(),
                    name: input
                        .name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .ok_or_else(|| {
                            FieldError::missing(Field::Name, "a new supplier needs its name")
                        })?,
                    services: input.services.clone(),
                    criticality: criticality.ok_or_else(|| {
                        FieldError::missing(
                            Field::Criticality,
                            "say how much you depend on it: critical, high, medium or low",
                        )
                    })?,
                    components: input.components.clone(),
                    review_every_months: review_every.unwrap_or(12),
                },
            };
            if let Some((field, problem)) = supplier.problems().into_iter().next() {
                let field = match field {
                    "id" => Field::Supplier,
                    "name" => Field::Name,
                    _ => Field::ReviewEvery,
                };
                return Err(FieldError::field(field, problem).into());
            }
            let estate = ws.store.load_estate().await?;
            let unknown: Vec<&str> = supplier
                .components
                .iter()
                .filter(|id| !estate.components.iter().any(|c| &c.id == *id))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(FieldError::value(
                    Field::Components,
                    unknown.join(", "),
                    "not components of the estate (see `fieldproof estate` or the Estate page)",
                )
                .into());
            }
            let meta = self.change_meta("supplier", None, None);
            let change_set = ws
                .store
                .save_register_entry(
                    &entry(RegisterKind::Supplier, supplier.id.clone(), &supplier),
                    false,
                    &meta,
                )
                .await?;
            Ok(SupplierSaved {
                added: existing.is_none(),
                supplier,
                change_set,
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// The register: every supplier with its latest review, when the next is due, its CUEC
    /// answers, and the register's findings.
    pub async fn suppliers(&self) -> Result<SupplierList> {
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            let today = self.today();
            Ok(SupplierList {
                as_of: today,
                suppliers: reg
                    .suppliers
                    .iter()
                    .map(|s| self.summary(&reg, s, today))
                    .collect(),
                findings: reg.findings(today),
            })
        }
        .await;
        ws.close().await;
        result
    }

    fn summary(&self, reg: &Register, s: &Supplier, today: Date) -> SupplierSummary {
        let latest = reg.latest(&s.id);
        let mut cuecs = CuecCounts::default();
        if let Some(r) = latest {
            for n in 1..=r.review.cuecs.len() {
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                cuecs.total += 1;
                match reg.answer(&s.id, r.number, n).map(|a| a.status) {
                    None | Some(CuecStatus::Open) => cuecs.open += 1,
                    Some(CuecStatus::Addressed) => cuecs.addressed += 1,
                    Some(CuecStatus::NotApplicable) => cuecs.not_applicable += 1,
                    Some(CuecStatus::Gap) => cuecs.gap += 1,
                }
            }
        }
        let next = register::next_review_due(s, &reg.reviews, today);
        SupplierSummary {
            supplier: s.clone(),
            reviews: reg.reviews.iter().filter(|r| r.supplier == s.id).count(),
            latest: latest.map(summary_of),
            next_review_due: next,
            review_due: next <= today,
            cuecs,
        }
    }

    /// One supplier: its reviews, the latest review's findings and its CUECs with the
    /// reader's answers and suggested controls.
    pub async fn supplier_show(&self, id: &str) -> Result<SupplierDetail> {
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            let s = reg.supplier(id)?;
            let catalog = self.catalog_in(&ws).await?;
            Ok(SupplierDetail {
                summary: self.summary(&reg, s, self.today()),
                reviews: reg
                    .reviews
                    .iter()
                    .filter(|r| r.supplier == s.id)
                    .map(summary_of)
                    .collect(),
                findings: reg
                    .latest(&s.id)
                    .map(|r| r.findings.clone())
                    .unwrap_or_default(),
                cuecs: cuec_rows(&reg, &catalog, Some(&s.id)),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// One recorded review of a supplier (its number in the supplier's history), as the review
    /// result it was: what the web's review page and the review reports show.
    pub async fn supplier_review(&self, id: &str, number: u32) -> Result<ReviewResult> {
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            let s = reg.supplier(id)?;
            let r = reg
                .reviews
                .iter()
                .find(|r| r.supplier == s.id && r.number == number)
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "{} has no review {number}; `fieldproof supplier show {}` lists its reviews",
                        s.id, s.id
                    ))
                })?;
            Ok(ReviewResult {
                file: r.file.clone(),
                sha256: r.sha256.clone(),
                reviewed_on: r.reviewed_on,
                bridge_letter: r.bridge_letter,
                review: r.review.clone(),
                findings: r.findings.clone(),
                recorded: Some(RecordedReview {
                    supplier: r.supplier.clone(),
                    number: r.number,
                    evidence: r.evidence.iter().cloned().collect(),
                    change_set: None,
                }),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// The report file of a recorded review, as stored in the evidence ledger, when it is a
    /// PDF: its name and bytes. The bytes are checked against the hash the review recorded.
    pub async fn supplier_report_pdf(&self, id: &str, number: u32) -> Result<(String, Vec<u8>)> {
        let review = self.supplier_review(id, number).await?;
        let evidence = review
            .recorded
            .as_ref()
            .and_then(|r| r.evidence.first().cloned())
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "review {number} of {id} kept no file in the ledger"
                ))
            })?;
        let (_, mut reader) = self.evidence_content(&evidence, None).await?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|source| AppError::Io {
            path: std::path::PathBuf::from(&review.file),
            source,
        })?;
        if fieldproof_evidence::blobs::sha256_hex(&bytes) != review.sha256 {
            return Err(AppError::Input(format!(
                "the stored file of review {number} of {id} does not match the hash the review recorded; run `fieldproof verify`"
            )));
        }
        if !bytes.starts_with(b"%PDF") {
            return Err(AppError::NotFound(format!(
                "review {number} of {id} was read from text, not a PDF"
            )));
        }
        Ok((review.file, bytes))
    }

    /// Which NIST SP 800-53 controls — or which controls of `baseline`, an imported NIST
    /// baseline such as FedRAMP Low — the supplier implements, shares or leaves to you,
    /// according to its latest reviewed report, with the mapping path of each.
    pub async fn supplier_controls(
        &self,
        id: &str,
        baseline: Option<&str>,
    ) -> Result<SupplierControls> {
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            let s = reg.supplier(id)?;
            let latest = reg.latest(&s.id).ok_or_else(|| {
                AppError::NotFound(format!(
                    "no report of {} has been reviewed yet: `fieldproof review REPORT.pdf --supplier {}` first",
                    s.id, s.id
                ))
            })?;
            let catalog = self.catalog_in(&ws).await?;
            let framework = match baseline {
                Some(name) => Some(catalog.framework(name).ok_or_else(|| {
                    FieldError::value(
                        Field::Baseline,
                        name,
                        "no such framework; `fieldproof catalog list` shows them, and `catalog import-oscal PROFILE.json` adds a baseline",
                    )
                })?),
                None => None,
            };
            let table =
                fieldproof_review::provider::provider_controls(&latest.review, &catalog, framework)
                    .map_err(|e| {
                        AppError::Field(FieldError::value(
                            Field::Baseline,
                            baseline.unwrap_or_default(),
                            e.to_string(),
                        ))
                    })?;
            Ok(SupplierControls {
                supplier: s.id.clone(),
                name: s.name.clone(),
                review: latest.number,
                file: latest.file.clone(),
                sha256: latest.sha256.clone(),
                service_organisation: latest
                    .review
                    .service_organisation
                    .as_ref()
                    .map(|o| o.value.clone()),
                covers_to: latest.covers_to(),
                table,
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// The CUECs of every supplier's latest report (or of one supplier's), with answers and
    /// suggested controls.
    pub async fn cuecs(&self, supplier: Option<&str>) -> Result<CuecList> {
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            if let Some(id) = supplier {
                reg.supplier(id)?;
            }
            let catalog = self.catalog_in(&ws).await?;
            Ok(CuecList {
                cuecs: cuec_rows(&reg, &catalog, supplier),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// Answers one CUEC: the controls that address it and its status (a gap needs an owner and
    /// a due date; not applicable needs a reason). Recorded in the change log.
    pub async fn cuec_answer(&self, input: &CuecInput) -> Result<CuecAnswered> {
        self.allow(Action::ManageSuppliers)?;
        let ws = self.open().await?;
        let result = async {
            let reg = Register::read(&ws).await?;
            reg.supplier(&input.supplier)?;
            let number = |text: &str, field| {
                text.trim().parse::<u32>().map_err(|_| {
                    FieldError::value(field, text, "give its number (1 for the first)")
                })
            };
            let review = match &input.review {
                Some(r) => number(r, Field::ReviewNumber)?,
                None => {
                    reg.latest(&input.supplier)
                        .ok_or_else(|| {
                            FieldError::value(
                                Field::Supplier,
                                &input.supplier,
                                "has no report reviewed: review its report first (review FILE --supplier ID)",
                            )
                        })?
                        .number
                }
            };
            let reviewed = reg
                .reviews
                .iter()
                .find(|r| r.supplier == input.supplier && r.number == review)
                .ok_or_else(|| {
                    FieldError::value(
                        Field::ReviewNumber,
                        review.to_string(),
                        "no such review of this supplier",
                    )
                })?;
            let cuec = number(&input.cuec, Field::Cuec)?;
            if cuec == 0 || cuec as usize > reviewed.review.cuecs.len() {
                return Err(FieldError::value(
                    Field::Cuec,
                    &input.cuec,
                    format!(
                        "the report has {} CUECs (1 to {})",
                        reviewed.review.cuecs.len(),
                        reviewed.review.cuecs.len()
                    ),
                )
                .into());
            }
            let catalog = self.catalog_in(&ws).await?;
            let mut controls = Vec::new();
            for c in &input.controls {
                let control = catalog.control(c.trim()).ok_or_else(|| {
                    FieldError::value(Field::Control, c, "not a control of the library")
                })?;
                if !controls.contains(&control.id) {
                    controls.push(control.id.clone());
                }
            }
            let earlier = reg.answer(&input.supplier, review, cuec);
            if controls.is_empty() {
                controls = earlier.map(|a| a.controls.clone()).unwrap_or_default();
            }
            let status = match input.status.as_deref() {
                Some(s) => CuecStatus::parse(s.trim()).ok_or_else(|| {
                    FieldError::value(
                        Field::CuecStatus,
                        s,
                        "give open, addressed, not_applicable or gap",
                    )
                })?,
                None if !input.controls.is_empty() => CuecStatus::Addressed,
                None => earlier.map_or(CuecStatus::Open, |a| a.status),
            };
            let due = input
                .due
                .as_deref()
                .map(|d| Date::parse(d.trim()).map_err(|e| FieldError::value(Field::Due, d, e)))
                .transpose()?;
            for ev in &input.evidence {
                if self.evidence_show_in(&ws, ev.trim()).await.is_err() {
                    return Err(FieldError::value(
                        Field::Evidence,
                        ev,
                        "not evidence of the ledger (see `fieldproof evidence log`)",
                    )
                    .into());
                }
            }
            let answer = CuecAnswer {
                supplier: input.supplier.clone(),
                review,
                cuec,
                controls,
                status,
                reason: input
                    .reason
                    .clone()
                    .or_else(|| earlier.and_then(|a| a.reason.clone())),
                owner: input
                    .owner
                    .clone()
                    .or_else(|| earlier.and_then(|a| a.owner.clone())),
                due: due.or(earlier.and_then(|a| a.due)),
                evidence: if input.evidence.is_empty() {
                    earlier.map(|a| a.evidence.clone()).unwrap_or_default()
                } else {
                    input.evidence.iter().map(|e| e.trim().to_string()).collect()
                },
                by: self.actor.clone(),
                at: self.now(),
            };
            if let Some((field, problem)) = answer.problems().into_iter().next() {
                let field = match field {
                    "controls" => Field::Control,
                    "reason" => Field::Reason,
                    "owner" => Field::Owner,
                    _ => Field::Due,
                };
                return Err(FieldError::missing(field, problem).into());
            }
            // The same answer again changes nothing (its time and author aside).
            if let Some(e) = earlier {
                let same = CuecAnswer {
                    by: e.by.clone(),
                    at: e.at.clone(),
                    ..answer.clone()
                };
                if &same == e {
                    return Ok(CuecAnswered {
                        answer: e.clone(),
                        change_set: None,
                    });
                }
            }
            let meta = self.change_meta("cuec", None, None);
            let change_set = ws
                .store
                .save_register_entry(
                    &entry(RegisterKind::CuecAnswer, answer.key(), &answer),
                    false,
                    &meta,
                )
                .await?;
            Ok(CuecAnswered { answer, change_set })
        }
        .await;
        ws.close().await;
        result
    }

    /// Records a reviewed report in the register: the file and the review's result added to
    /// the ledger as evidence of FP-VM-01 (request `report-reviews`), then the review under the
    /// supplier's next number.
    pub(crate) async fn record_review(
        &self,
        ws: &Workspace,
        supplier: &str,
        file: &std::path::Path,
        result: &crate::contract::ReviewResult,
    ) -> Result<RecordedReview> {
        self.allow(Action::ManageSuppliers)?;
        let reg = Register::read(ws).await?;
        reg.supplier(supplier)?;
        let number = reg.latest(supplier).map_or(1, |r| r.number + 1);
        // The review's result beside the report, as a file of its own.
        let dir = std::env::temp_dir().join(format!(
            "fieldproof-review-{}-{}",
            std::process::id(),
            &result.sha256[..16]
        ));
        std::fs::create_dir_all(&dir).map_err(|source| AppError::Io {
            path: dir.clone(),
            source,
        })?;
        let json = dir.join(format!("{supplier}-review-{number}.json"));
        let body = serde_json::to_vec_pretty(result).unwrap_or_default();
        std::fs::write(&json, body).map_err(|source| AppError::Io {
            path: json.clone(),
            source,
        })?;
        let add = crate::evidence::AddRequest {
            content: crate::evidence::AddContent::Files(vec![file.to_path_buf(), json.clone()]),
            controls: vec![VENDOR_CONTROL.to_string()],
            request: Some(VENDOR_REQUEST.to_string()),
            population: false,
            engagement: None,
            covers: Some(result.reviewed_on.to_string()),
            source: Some(format!("supplier register: {supplier}")),
            note: Some(format!(
                "SOC report of {supplier} reviewed ({} findings)",
                result.findings.len()
            )),
            supersedes: None,
        };
        let added = self.evidence_add_in(ws, &add).await;
        let _ = std::fs::remove_dir_all(&dir);
        let added = added?;
        let evidence: Vec<String> = added.added.iter().map(|a| a.evidence.clone()).collect();
        let review = ReportReview {
            number,
            supplier: supplier.to_string(),
            file: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string()),
            sha256: result.sha256.clone(),
            evidence: evidence.first().cloned(),
            reviewed_on: result.reviewed_on,
            bridge_letter: result.bridge_letter,
            review: result.review.clone(),
            findings: result.findings.clone(),
            confirmed_by: self.actor.clone(),
            at: self.now(),
        };
        let meta = self.change_meta(
            "review",
            Some(file.display().to_string()),
            Some(result.sha256.clone()),
        );
        let change_set = ws
            .store
            .save_register_entry(
                &entry(RegisterKind::ReportReview, review.key(), &review),
                true,
                &meta,
            )
            .await
            .map_err(|e| match e {
                StoreError::Exists { .. } => AppError::Input(format!(
                    "{supplier}: another review was recorded at the same moment as review {number}; review the report again"
                )),
                other => other.into(),
            })?;
        Ok(RecordedReview {
            supplier: supplier.to_string(),
            number,
            evidence,
            change_set,
        })
    }
}

/// The CUEC rows of every supplier's latest review (or one supplier's).
fn cuec_rows(
    reg: &Register,
    catalog: &fieldproof_catalog::Catalog,
    supplier: Option<&str>,
) -> Vec<CuecRow> {
    let criteria: Vec<Vec<String>> = catalog.controls.iter().map(|c| c.tsc_criteria()).collect();
    let candidates: Vec<CandidateControl<'_>> = catalog
        .controls
        .iter()
        .zip(&criteria)
        .map(|(c, criteria)| CandidateControl {
            id: &c.id,
            title: &c.title,
            description: &c.description,
            criteria,
        })
        .collect();
    let mut rows = Vec::new();
    for s in &reg.suppliers {
        if supplier.is_some_and(|id| id != s.id) {
            continue;
        }
        let Some(latest) = reg.latest(&s.id) else {
            continue;
        };
        for (i, c) in latest.review.cuecs.iter().enumerate() {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            rows.push(CuecRow {
                supplier: s.id.clone(),
                review: latest.number,
                number,
                text: c.text.clone(),
                criteria: c.criteria.clone(),
                page: c.page,
                answer: reg.answer(&s.id, latest.number, number).cloned(),
                suggestions: register::suggest_controls(&c.text, &c.criteria, &candidates, 3),
            });
        }
    }
    rows
}
