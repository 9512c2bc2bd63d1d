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
}

impl App {
    /// Reads the report in `file` (text or Markdown; pages separated by form feeds or
    /// `<!-- page -->` lines) and draws the reader's findings. A PDF is refused with what to do
    /// until PDFs are read; a file that is not a SOC report is refused and nothing is kept.
    pub fn review(&self, file: &Path, request: &ReviewRequest) -> Result<ReviewResult> {
        let io = |source| AppError::Io {
            path: file.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(file).map_err(io)?;
        if bytes.starts_with(b"%PDF") {
            return Err(AppError::Input(format!(
                "{}: a PDF; this version reads a report's text: give the text of each page, separated by form feeds (for example `pdftotext -layout {} report.txt`)",
                file.display(),
                file.display()
            )));
        }
        let text = String::from_utf8(bytes.clone()).map_err(|_| {
            AppError::Input(format!(
                "{}: not UTF-8 text; give the report's text, pages separated by form feeds",
                file.display()
            ))
        })?;
        let date = |text: &Option<String>, field| {
            text.as_deref()
                .map(|t| Date::parse(t.trim()).map_err(|e| FieldError::field(field, e)))
                .transpose()
        };
        let on = date(&request.on, Field::AsOf)?.unwrap_or_else(|| self.today());
        let bridge = date(&request.bridge_letter, Field::BridgeLetter)?;
        let review = fieldproof_review::read(&fieldproof_review::Document::from_text(&text))
            .map_err(|e| AppError::Input(format!("{}: {e}", file.display())))?;
        let findings = fieldproof_review::findings(&review, on, bridge);
        Ok(ReviewResult {
            file: file.display().to_string(),
            sha256: fieldproof_evidence::blobs::sha256_hex(&bytes),
            reviewed_on: on,
            bridge_letter: bridge,
            review,
            findings,
        })
    }
}
