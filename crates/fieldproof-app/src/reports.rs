//! The reports an engagement has, as files: every `KIND.FORMAT` there is, how a name is read,
//! and each format's content type. The command line, the pages, the API and the evidence pack
//! all take their list from here.

use crate::{AppError, Field, FieldError, Result};

/// The format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown.
    Markdown,
    /// One self-contained HTML file.
    Html,
    /// PDF, produced in-process.
    Pdf,
    /// CSV (the controls matrix only).
    Csv,
}

impl ReportFormat {
    /// Every format, in the order they are listed.
    pub const ALL: [ReportFormat; 4] = [
        ReportFormat::Html,
        ReportFormat::Pdf,
        ReportFormat::Markdown,
        ReportFormat::Csv,
    ];

    /// The file name extension.
    pub const fn extension(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Csv => "csv",
        }
    }

    /// The HTTP content type.
    pub const fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "text/markdown; charset=utf-8",
            ReportFormat::Html => "text/html; charset=utf-8",
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Whether a report of `kind` comes in this format: every report in Markdown, HTML and
    /// PDF; the controls matrix also in CSV.
    pub fn fits(self, kind: fieldproof_report::readiness::ReportKind) -> bool {
        self != ReportFormat::Csv || kind == fieldproof_report::readiness::ReportKind::Controls
    }
}

/// A report as a file: its kind and format.
pub type ReportFile = (fieldproof_report::readiness::ReportKind, ReportFormat);

/// Every report file there is, `KIND.FORMAT`, report by report.
pub fn report_files() -> Vec<String> {
    fieldproof_report::readiness::ReportKind::ALL
        .iter()
        .flat_map(|kind| {
            ReportFormat::ALL
                .iter()
                .filter(|format| format.fits(*kind))
                .map(|format| format!("{}.{}", kind.as_str(), format.extension()))
        })
        .collect()
}

/// The report a file name asks for: `KIND.FORMAT`, KIND one of readiness,
/// system-description, controls and tests, FORMAT md, html or pdf (csv for controls).
pub fn report_file(name: &str) -> Result<ReportFile> {
    use fieldproof_report::readiness::ReportKind;
    let bad = |why: &str| {
        AppError::from(FieldError::value(
            Field::Report,
            name,
            format!(
                "{why}; write KIND.FORMAT, one of: {}",
                report_files().join(", ")
            ),
        ))
    };
    let (kind, format) = name.rsplit_once('.').ok_or_else(|| bad("no format"))?;
    let kind = ReportKind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| bad("not a report"))?;
    let format = ReportFormat::ALL
        .into_iter()
        .find(|f| f.extension() == format && f.fits(kind))
        .ok_or_else(|| bad("not a format of this report"))?;
    Ok((kind, format))
}
