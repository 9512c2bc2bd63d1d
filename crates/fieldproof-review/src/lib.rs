//! The reader's side: a service organisation's SOC report read with rules, not guessed.
//!
//! [`read`] takes a report's text, page by page ([`Document`]), and returns a [`Review`]: the
//! report's kind and type, its period or as-of date, the service organisation and its auditor,
//! the opinion, the categories in scope, the subservice organisations and their method, the
//! complementary user entity controls (CUECs), the exceptions found in the tests of controls,
//! and the OT the report names or excludes. Every fact cites the page it came from and says
//! whether a clear heading or phrase gave it or a heuristic did; a fact not found is listed as
//! not found, never invented. [`findings`] then says what a reader should act on, each with
//! its reason (seed 000: is the OT named, is Availability in scope; freshness; the opinion;
//! fourth parties; exceptions).
//!
//! This crate reads text. Turning a PDF into pages of text is the caller's (the application
//! layer's) job; a Markdown or text report marks its pages with form feeds or `<!-- page -->`.

mod findings;
mod read;

pub use findings::{against_estate, findings, ot_term, EstateComponent, ReviewFinding, ReviewRule};
pub use read::read;

use fieldproof_core::engagement::Date;
use schemars::JsonSchema;
use serde::Serialize;

/// A report's text, page by page (page 1 first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The text of each page.
    pub pages: Vec<String>,
}

impl Document {
    /// Pages split at form feeds (`pdftotext` writes one per page) or at lines that are only
    /// `<!-- page -->` (a Markdown report); text with neither is one page.
    pub fn from_text(text: &str) -> Document {
        let pages: Vec<String> = if text.contains('\u{c}') {
            text.split('\u{c}').map(str::to_string).collect()
        } else {
            let mut pages = vec![String::new()];
            for line in text.lines() {
                if line.trim().eq_ignore_ascii_case("<!-- page -->") {
                    pages.push(String::new());
                } else if let Some(page) = pages.last_mut() {
                    page.push_str(line);
                    page.push('\n');
                }
            }
            pages
        };
        // A marker before the first page's text leaves an empty first page: drop it.
        let mut pages = pages;
        if pages.len() > 1 && pages[0].trim().is_empty() {
            pages.remove(0);
        }
        while pages.len() > 1 && pages.last().is_some_and(|p| p.trim().is_empty()) {
            pages.pop();
        }
        Document { pages }
    }
}

/// How a fact was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A heading or a phrase reports use for exactly this.
    Clear,
    /// A heuristic: a person should confirm it.
    Heuristic,
}

/// A fact of the report and the page it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Found<T> {
    /// The fact.
    pub value: T,
    /// The page it is on (1 first).
    pub page: usize,
    /// How it was found.
    pub confidence: Confidence,
}

/// The kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// SOC 1 (controls relevant to user entities' financial reporting).
    Soc1,
    /// SOC 2 (the Trust Services Criteria).
    Soc2,
    /// SOC 3 (the general-use SOC 2 summary).
    Soc3,
    /// ISAE 3402 (the international SOC 1).
    Isae3402,
    /// ISAE 3000 (assurance over non-financial controls, often with the TSC).
    Isae3000,
}

/// Type 1 (design at a date) or type 2 (operating effectiveness over a period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportType {
    /// Design as of one date: no operating effectiveness was tested.
    Type1,
    /// Design and operating effectiveness over a period.
    Type2,
}

/// The service auditor's opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Opinion {
    /// Unqualified (unmodified): fairly presented, suitably designed, operating effectively.
    Unqualified,
    /// Qualified: the same, except for the matters in its basis.
    Qualified,
    /// Adverse: not fairly presented, or not suitably designed or operating.
    Adverse,
    /// A disclaimer: the auditor expresses no opinion.
    Disclaimer,
}

/// How a subservice organisation's controls are presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Its controls are left out: the reader must obtain its own report.
    CarveOut,
    /// Its controls are included in the description and the tests.
    Inclusive,
}

/// A subservice organisation the report names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Subservice {
    /// Its name.
    pub name: String,
    /// What it does for the service organisation, as the report says it.
    pub services: String,
    /// The method, when the report states it.
    pub method: Option<Method>,
    /// The page.
    pub page: usize,
    /// How it was found.
    pub confidence: Confidence,
}

/// A complementary user entity control: what the report's reader must do for the criteria to
/// be met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Cuec {
    /// Its text.
    pub text: String,
    /// The criteria or control objectives it cites (`CC6.1`).
    pub criteria: Vec<String>,
    /// The page.
    pub page: usize,
}

/// An exception the service auditor found in a test of controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TestException {
    /// The sentence that reports it.
    pub text: String,
    /// The deviations, as the report counts them (`2 of 25`), when it does.
    pub deviations: Option<String>,
    /// The criteria or control numbers cited nearby.
    pub criteria: Vec<String>,
    /// The page.
    pub page: usize,
}

/// An OT term the report uses, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OtMention {
    /// The term as the product's vocabulary names it (`BMS`).
    pub term: String,
    /// The page.
    pub page: usize,
    /// Whether the sentence excludes it from the system ("not included", "out of scope").
    pub excluded: bool,
    /// The sentence.
    pub text: String,
}

/// What a report says, fact by fact, each with its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Review {
    /// Pages read.
    pub pages: usize,
    /// SOC 1, SOC 2, SOC 3, ISAE 3402 or 3000.
    pub kind: Option<Found<ReportKind>>,
    /// Type 1 or type 2.
    pub report_type: Option<Found<ReportType>>,
    /// A type 2 report's period: its first and last day.
    pub period: Option<Found<(Date, Date)>>,
    /// A type 1 report's date.
    pub as_of: Option<Found<Date>>,
    /// The service organisation.
    pub service_organisation: Option<Found<String>>,
    /// The service auditor (the firm that signed).
    pub service_auditor: Option<Found<String>>,
    /// The opinion.
    pub opinion: Option<Found<Opinion>>,
    /// For a modified opinion: the basis the auditor gives.
    pub opinion_basis: Option<Found<String>>,
    /// SOC 2: the Trust Services Categories in scope.
    pub categories: Vec<Found<fieldproof_core::TscCategory>>,
    /// Subservice organisations.
    pub subservice: Vec<Subservice>,
    /// Complementary user entity controls.
    pub cuecs: Vec<Cuec>,
    /// Exceptions in the tests of controls.
    pub exceptions: Vec<TestException>,
    /// The OT the report names, and where it excludes it.
    pub ot: Vec<OtMention>,
    /// The facts looked for and not found.
    pub not_found: Vec<&'static str>,
}

/// Why a text is not read as a SOC report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAReport {
    /// No page has text (a scanned report without a text layer).
    NoText,
    /// No independent service auditor's report was found.
    NoAuditorsReport,
}

impl std::fmt::Display for NotAReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotAReport::NoText => {
                "it has no text to read (a scanned report without a text layer needs OCR first)"
            }
            NotAReport::NoAuditorsReport => {
                "not a SOC report: no independent service auditor's report found"
            }
        })
    }
}

impl std::error::Error for NotAReport {}
