//! Reviewing a supplier's SOC report: the file read into pages of text, its facts and the
//! reader's findings ([`fieldproof_review`]).

use crate::contract::ReviewResult;
use crate::{App, AppError, Field, FieldError, Result};
use fieldproof_core::engagement::Date;
use std::path::Path;

/// What to review.
#[derive(Debug, Clone, Default)]
pub struct ReviewRequest {
    /// The day to judge freshness on (default: today).
    pub on: Option<String>,
    /// The date of a bridge letter covering the time after the period.
    pub bridge_letter: Option<String>,
    /// Your own report: the estate to read it against (the components responsibility puts in
    /// scope must be named in it).
    pub estate: Option<crate::scope::EstateSource>,
    /// Record the review in the supplier register for this supplier: the file and the
    /// review's result are added to the ledger, the review to the supplier's history.
    pub supplier: Option<String>,
}

impl App {
    /// Reads the report in `file` (a PDF, or text or Markdown with pages separated by form feeds
    /// or `<!-- page -->` lines) and draws the reader's findings. A PDF that cannot be read
    /// (encrypted, damaged, past the bounds) or a file that is not a SOC report is refused with
    /// what to do, and nothing is kept.
    pub async fn review(&self, file: &Path, request: &ReviewRequest) -> Result<ReviewResult> {
        let io = |source| AppError::Io {
            path: file.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(file).map_err(io)?;
        let doc = self.report_document(file, bytes.clone()).await?;
        let date = |text: &Option<String>, field| {
            text.as_deref()
                .map(|t| Date::parse(t.trim()).map_err(|e| FieldError::field(field, e)))
                .transpose()
        };
        let on = date(&request.on, Field::AsOf)?.unwrap_or_else(|| self.today());
        let bridge = date(&request.bridge_letter, Field::BridgeLetter)?;
        let review = fieldproof_review::read(&doc)
            .map_err(|e| AppError::Input(format!("{}: {e}", file.display())))?;
        let mut findings = fieldproof_review::findings(&review, on, bridge);
        if let Some(source) = &request.estate {
            let scoped = self.scope(source, &mut |_, _| {}).await?;
            let assessment = scoped.assessment();
            let components: Vec<fieldproof_review::EstateComponent> = assessment
                .by_id()
                .filter(|(c, d)| d.scope != fieldproof_core::Scope::Out && c.kind.is_ot())
                .map(|(c, _)| fieldproof_review::EstateComponent {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    kind: c.kind,
                    affects_availability: c.has(fieldproof_core::Fact::AffectsAvailability),
                })
                .collect();
            findings.extend(fieldproof_review::against_estate(
                &doc,
                &review,
                &components,
            ));
        }
        let mut result = ReviewResult {
            file: file.display().to_string(),
            sha256: fieldproof_evidence::blobs::sha256_hex(&bytes),
            reviewed_on: on,
            bridge_letter: bridge,
            review,
            findings,
            recorded: None,
        };
        if let Some(supplier) = &request.supplier {
            let ws = self.open().await?;
            let recorded = self
                .record_review(&ws, supplier.trim(), file, &result)
                .await;
            ws.close().await;
            result.recorded = Some(recorded?);
        }
        Ok(result)
    }
}

impl App {
    /// The pages of a report file: a PDF read within the default bounds on a blocking thread,
    /// or UTF-8 text.
    pub(crate) async fn report_document(
        &self,
        file: &Path,
        bytes: Vec<u8>,
    ) -> Result<fieldproof_review::Document> {
        if bytes.starts_with(b"%PDF") {
            let read = tokio::task::spawn_blocking(move || {
                fieldproof_review::Document::from_pdf(
                    &bytes,
                    &fieldproof_review::PdfLimits::default(),
                )
            })
            .await
            .map_err(|e| AppError::Input(format!("{}: {e}", file.display())))?;
            return read.map_err(|e| AppError::Input(format!("{}: {e}", file.display())));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            AppError::Input(format!(
                "{}: neither a PDF nor UTF-8 text; give the report as a PDF, or its text with pages separated by form feeds",
                file.display()
            ))
        })?;
        Ok(fieldproof_review::Document::from_text(&text))
    }
}
