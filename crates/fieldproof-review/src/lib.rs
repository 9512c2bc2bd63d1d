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
//! A report comes as a PDF ([`Document::from_pdf`], bounded against hostile files) or as text
//! whose pages are marked with form feeds or `<!-- page -->` ([`Document::from_text`]).

mod findings;
mod pdf;
pub mod provider;
mod read;
pub mod register;

pub use pdf::{PdfLimits, PdfProblem};

pub use findings::{against_estate, findings, ot_term, EstateComponent, ReviewFinding, ReviewRule};
pub use read::read;

use fieldproof_core::engagement::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A report's text, page by page (page 1 first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The text of each page.
    pub pages: Vec<String>,
    /// Pages (1 first) whose text could not be read (a PDF page the extractor failed on):
    /// their text is empty.
    pub unread: Vec<usize>,
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
        Document {
            pages: pages.iter().map(|p| normalise(p)).collect(),
            unread: Vec::new(),
        }
    }

    /// Pages as a PDF gave them: normalised, and running headers and footers dropped.
    pub(crate) fn from_pages(pages: Vec<String>, unread: Vec<usize>) -> Document {
        let pages: Vec<String> = pages.iter().map(|p| normalise(p)).collect();
        Document {
            pages: strip_running_lines(pages),
            unread,
        }
    }
}

/// Presentation undone: ligatures (`ﬁ`) spelled out, typographic apostrophes and quotes made
/// plain, no-break spaces and soft hyphens made ordinary.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            '\u{2018}' | '\u{2019}' | '\u{2032}' => out.push('\''),
            '\u{201c}' | '\u{201d}' => out.push('"'),
            '\u{a0}' | '\u{2007}' | '\u{202f}' => out.push(' '),
            '\u{ad}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Drops the lines that repeat at the top or the bottom of most pages (digits aside, so
/// "Page 4" and "Page 5" are one line): running headers and footers, which would otherwise end
/// a section that runs onto the next page. Needs three pages or more.
fn strip_running_lines(pages: Vec<String>) -> Vec<String> {
    const EDGE: usize = 3;
    if pages.len() < 3 {
        return pages;
    }
    let shape = |line: &str| -> String {
        line.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let edges = |page: &str| -> Vec<String> {
        let lines: Vec<&str> = page.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut out: Vec<String> = lines.iter().take(EDGE).map(|l| shape(l)).collect();
        out.extend(lines.iter().rev().take(EDGE).map(|l| shape(l)));
        out.sort();
        out.dedup();
        out
    };
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for page in &pages {
        for line in edges(page) {
            *counts.entry(line).or_default() += 1;
        }
    }
    let running: std::collections::HashSet<String> = counts
        .into_iter()
        .filter(|(line, n)| *n * 2 > pages.len() && !line.is_empty())
        .map(|(line, _)| line)
        .collect();
    if running.is_empty() {
        return pages;
    }
    pages
        .iter()
        .map(|page| {
            let lines: Vec<&str> = page.lines().collect();
            let content: Vec<usize> = (0..lines.len())
                .filter(|i| !lines[*i].trim().is_empty())
                .collect();
            let near_edge = |i: usize| {
                content
                    .iter()
                    .position(|c| *c == i)
                    .is_some_and(|at| at < EDGE || at + EDGE >= content.len())
            };
            lines
                .iter()
                .enumerate()
                .filter(|(i, l)| !(near_edge(*i) && running.contains(&shape(l))))
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// How a fact was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A heading or a phrase reports use for exactly this.
    Clear,
    /// A heuristic: a person should confirm it.
    Heuristic,
}

/// A fact of the report and the page it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Found<T> {
    /// The fact.
    pub value: T,
    /// The page it is on (1 first).
    pub page: usize,
    /// How it was found.
    pub confidence: Confidence,
}

/// The kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportType {
    /// Design as of one date: no operating effectiveness was tested.
    Type1,
    /// Design and operating effectiveness over a period.
    Type2,
}

/// The service auditor's opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Its controls are left out: the reader must obtain its own report.
    CarveOut,
    /// Its controls are included in the description and the tests.
    Inclusive,
}

/// A subservice organisation the report names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Cuec {
    /// Its text.
    pub text: String,
    /// The criteria or control objectives it cites (`CC6.1`).
    pub criteria: Vec<String>,
    /// The page.
    pub page: usize,
}

/// An exception the service auditor found in a test of controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// A control the service auditor tested, as a row of the tests of controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ControlTest {
    /// The criterion or control objective the row starts with (`CC6.4`).
    pub criterion: String,
    /// The row's text: the control, the test, the sample and the result.
    pub text: String,
    /// The sample or population tested, as the report says it (`sample of 25`).
    pub sample: Option<String>,
    /// The result.
    pub result: TestResult,
    /// The page the row starts on.
    pub page: usize,
}

/// What a test of a control found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestResult {
    /// "No exceptions noted".
    NoExceptions,
    /// An exception or deviation is reported (listed in [`Review::exceptions`]).
    Exception,
    /// The row states neither.
    NotStated,
}

/// Management's response to an exception: other information, not audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManagementResponse {
    /// The response's text.
    pub text: String,
    /// The page.
    pub page: usize,
    /// Always true: the service auditor expresses no opinion on management's responses.
    pub unaudited: bool,
}

/// An OT term the report uses, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    /// The date of the auditor's report (its issue date: the date under the signature).
    pub issue_date: Option<Found<Date>>,
    /// The system the report describes, as it names it.
    pub system: Option<Found<String>>,
    /// Management's assertion: its first sentence, where the report includes one.
    pub assertion: Option<Found<String>>,
    /// The opinion.
    pub opinion: Option<Found<Opinion>>,
    /// For a modified opinion: the basis the auditor gives.
    pub opinion_basis: Option<Found<String>>,
    /// SOC 2: the Trust Services Categories in scope.
    pub categories: Vec<Found<fieldproof_core::TscCategory>>,
    /// Subservice organisations.
    pub subservice: Vec<Subservice>,
    /// Complementary subservice organisation controls: what the service organisation expects
    /// its subservice organisations to do.
    pub csocs: Vec<Cuec>,
    /// Complementary user entity controls.
    pub cuecs: Vec<Cuec>,
    /// The tests of controls, row by row (a report that describes its tests in prose has none).
    pub tests: Vec<ControlTest>,
    /// Exceptions in the tests of controls.
    pub exceptions: Vec<TestException>,
    /// Management's responses to exceptions (unaudited).
    pub responses: Vec<ManagementResponse>,
    /// A bridge letter bound with the report: the last day it covers.
    pub bridge_letter: Option<Found<Date>>,
    /// The OT the report names, and where it excludes it.
    pub ot: Vec<OtMention>,
    /// The facts looked for and not found.
    pub not_found: Vec<String>,
    /// Pages whose text could not be read (their facts are missing).
    pub unread_pages: Vec<usize>,
}

/// Why a text is not read as a SOC report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAReport {
    /// No page has text (a scanned report without a text layer).
    NoText,
    /// The PDF draws text, but none of its pages could be read (a font or structure the
    /// reader does not handle).
    TextUnreadable,
    /// No independent service auditor's report was found.
    NoAuditorsReport,
}

impl std::fmt::Display for NotAReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotAReport::NoText => {
                "it has no text to read (a scanned report without a text layer needs OCR first)"
            }
            NotAReport::TextUnreadable => {
                "its pages draw text that fieldproof could not read (a font or structure the PDF reader does not handle): give its text instead (`pdftotext -layout FILE report.txt`, then review report.txt)"
            }
            NotAReport::NoAuditorsReport => {
                "not a SOC report: no independent service auditor's report found"
            }
        })
    }
}

impl std::error::Error for NotAReport {}
