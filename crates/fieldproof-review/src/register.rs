//! The supplier register: the suppliers whose services the reader depends on, every SOC report
//! of theirs reviewed (with its review), and the reader's answers to each report's CUECs. The
//! rules here say what a register entry must hold, when the next review is due, which of the
//! reader's controls a CUEC suggests, and which gaps become the reader's readiness findings.

use crate::{Review, ReviewFinding};
use fieldproof_core::engagement::Date;
use fieldproof_core::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fieldproof_core::closed_enum! {
    /// How much the reader depends on a supplier.
    Criticality {
        /// Its failure would stop the service the reader provides.
        Critical = "critical",
        /// Its failure would degrade the service.
        High = "high",
        /// Its failure would be felt, not more.
        Medium = "medium",
        /// Little depends on it.
        Low = "low",
    }
}

/// A supplier of the reader: a service organisation whose controls the reader relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Supplier {
    /// Its id in the register (`gridline`): lower-case letters, digits and dashes.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The services it provides to the reader.
    pub services: Vec<String>,
    /// How much the reader depends on it.
    pub criticality: Criticality,
    /// The reader's estate components it provides or operates (an estate component operated by
    /// a subservice organisation names its supplier here).
    #[serde(default)]
    pub components: Vec<String>,
    /// Months between reviews of its report (12 unless the reader decides otherwise).
    #[serde(default = "twelve")]
    pub review_every_months: u32,
}

fn twelve() -> u32 {
    12
}

impl Supplier {
    /// Whether it provides or operates the estate component `id`: it names the component, or
    /// the component is operated by a subservice organisation known by one of `subservice` (its
    /// id and name in the estate) that is the supplier's name or id (case and spacing aside).
    pub fn provides(&self, id: &str, subservice: &[&str]) -> bool {
        let same = |a: &str, b: &str| {
            a.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .eq_ignore_ascii_case(&b.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        self.components.iter().any(|c| c == id)
            || subservice
                .iter()
                .any(|s| same(s, &self.name) || same(s, &self.id))
    }

    /// What is wrong with the entry, field by field (`(field, problem)`), or nothing.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.id.starts_with('-');
        if !id_ok {
            out.push((
                "id",
                format!(
                    "'{}' is not a supplier id: use lower-case letters, digits and dashes (gridline-monitoring)",
                    self.id
                ),
            ));
        }
        if self.name.trim().is_empty() {
            out.push(("name", "a supplier needs its name".to_string()));
        }
        if !(1..=36).contains(&self.review_every_months) {
            out.push((
                "review_every_months",
                format!(
                    "{} months between reviews: give 1 to 36 (12 is usual)",
                    self.review_every_months
                ),
            ));
        }
        out
    }
}

/// One of a supplier's reports, reviewed: the file (kept as evidence), what was read, the
/// findings, and who confirmed the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportReview {
    /// Its number in the supplier's history (1 first).
    pub number: u32,
    /// The supplier.
    pub supplier: String,
    /// The file's name, as given.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The evidence id of the file in the ledger (the reader's CC9.2 evidence).
    pub evidence: Option<String>,
    /// The day the review judged freshness on.
    pub reviewed_on: Date,
    /// A bridge letter's date, when the reader has one.
    pub bridge_letter: Option<Date>,
    /// What the report says.
    pub review: Review,
    /// The reader's findings on it.
    pub findings: Vec<ReviewFinding>,
    /// Who confirmed the review.
    pub confirmed_by: String,
    /// When (RFC 3339 UTC).
    pub at: String,
}

impl ReportReview {
    /// The key the register stores it under: `SUPPLIER/NUMBER`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.supplier, self.number)
    }

    /// The last day the report covers: its period's end or as-of date, extended by a bridge
    /// letter.
    pub fn covers_to(&self) -> Option<Date> {
        let end = self.review.period.as_ref().map(|p| p.value.1).or(self
            .review
            .as_of
            .as_ref()
            .map(|a| a.value))?;
        let bridge = self
            .bridge_letter
            .or(self.review.bridge_letter.as_ref().map(|b| b.value));
        Some(bridge.filter(|b| *b > end).unwrap_or(end))
    }
}

fieldproof_core::closed_enum! {
    /// Where the reader stands on one CUEC.
    CuecStatus {
        /// Not answered yet.
        Open = "open",
        /// The reader's controls (and evidence) address it.
        Addressed = "addressed",
        /// It does not apply to how the reader uses the service (with the reason).
        NotApplicable = "not_applicable",
        /// Nothing addresses it yet: a gap with an owner and a due date.
        Gap = "gap",
    }
}

/// The reader's answer to one CUEC of a reviewed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CuecAnswer {
    /// The supplier.
    pub supplier: String,
    /// The review's number in the supplier's history.
    pub review: u32,
    /// The CUEC's number in the report (1 first, in the report's order).
    pub cuec: u32,
    /// The reader's controls that address it.
    pub controls: Vec<String>,
    /// The status.
    pub status: CuecStatus,
    /// Why it does not apply, or what the gap is.
    pub reason: Option<String>,
    /// Who owns the gap.
    pub owner: Option<String>,
    /// When the gap is due to close.
    pub due: Option<Date>,
    /// Evidence ids that show it addressed.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Who answered.
    pub by: String,
    /// When (RFC 3339 UTC).
    pub at: String,
}

impl CuecAnswer {
    /// The key the register stores it under: `SUPPLIER/REVIEW/CUEC`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.supplier, self.review, self.cuec)
    }

    /// What the status asks for and the answer lacks (`(field, problem)`), or nothing.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self.status {
            CuecStatus::Addressed if self.controls.is_empty() => out.push((
                "controls",
                "an addressed CUEC names the controls of yours that address it".to_string(),
            )),
            CuecStatus::NotApplicable
                if self.reason.as_deref().is_none_or(|r| r.trim().is_empty()) =>
            {
                out.push((
                    "reason",
                    "say why the CUEC does not apply to how you use the service".to_string(),
                ))
            }
            CuecStatus::Gap => {
                if self.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
                    out.push(("owner", "a gap needs an owner".to_string()));
                }
                if self.due.is_none() {
                    out.push(("due", "a gap needs the date it is due to close".to_string()));
                }
            }
            _ => {}
        }
        out
    }
}

/// A control of the reader that might address a CUEC, and why it was suggested.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Suggestion {
    /// The control's id.
    pub control: String,
    /// Its title.
    pub title: String,
    /// The CUEC's criteria the control maps to.
    pub criteria: Vec<String>,
    /// The share of the CUEC's words the control's title and description share (0..1).
    pub similarity: f64,
}

/// A control of the reader's catalog, as the suggestion reads it.
#[derive(Debug, Clone, Copy)]
pub struct CandidateControl<'a> {
    /// Id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Description.
    pub description: &'a str,
    /// The TSC criteria it maps to.
    pub criteria: &'a [String],
}

/// The reader's controls that might address a CUEC citing `criteria` with `text`: first those
/// mapped to a criterion it cites, then by text similarity; at most `limit`. A person confirms.
pub fn suggest_controls(
    text: &str,
    criteria: &[String],
    controls: &[CandidateControl<'_>],
    limit: usize,
) -> Vec<Suggestion> {
    let words = content_words(text);
    let mut scored: Vec<Suggestion> = controls
        .iter()
        .filter_map(|c| {
            let shared: Vec<String> = c
                .criteria
                .iter()
                .filter(|k| criteria.iter().any(|q| q == *k))
                .cloned()
                .collect();
            let theirs = content_words(&format!("{} {}", c.title, c.description));
            let common = words.iter().filter(|w| theirs.contains(*w)).count();
            let similarity = if words.is_empty() {
                0.0
            } else {
                common as f64 / words.len() as f64
            };
            (!shared.is_empty() || similarity >= 0.2).then(|| Suggestion {
                control: c.id.to_string(),
                title: c.title.to_string(),
                criteria: shared,
                similarity: (similarity * 100.0).round() / 100.0,
            })
        })
        .collect();
    scored.sort_by(|a, b| {
        b.criteria
            .is_empty()
            .cmp(&a.criteria.is_empty())
            .reverse()
            .then(b.similarity.total_cmp(&a.similarity))
            .then(a.control.cmp(&b.control))
    });
    scored.truncate(limit);
    scored
}

/// The words of `text` that carry meaning (lower case, four letters or more, common words
/// left out), crudely stemmed so "credentials" meets "credential".
fn content_words(text: &str) -> std::collections::BTreeSet<String> {
    const COMMON: &[&str] = &[
        "that",
        "with",
        "their",
        "they",
        "from",
        "this",
        "have",
        "which",
        "each",
        "when",
        "what",
        "within",
        "into",
        "user",
        "entities",
        "customers",
        "customer",
        "should",
        "must",
        "being",
        "other",
        "such",
        "those",
        "these",
        "them",
        "responsible",
        "following",
        "ensure",
    ];
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 4 && !COMMON.contains(w))
        .map(|w| w.trim_end_matches('s').to_string())
        .collect()
}

/// When a supplier's next review is due: its last review's date plus its interval; today when
/// it has never been reviewed.
pub fn next_review_due(supplier: &Supplier, reviews: &[ReportReview], today: Date) -> Date {
    reviews
        .iter()
        .filter(|r| r.supplier == supplier.id)
        .map(|r| r.reviewed_on)
        .max()
        .map_or(today, |last| add_months(last, supplier.review_every_months))
}

fn add_months(d: Date, months: u32) -> Date {
    let total = i64::from(d.year) * 12 + i64::from(d.month) - 1 + i64::from(months);
    let (year, month) = (total / 12, total % 12 + 1);
    // The same day, or the month's last day when it is shorter.
    (0..4)
        .find_map(|back| {
            Date::parse(&format!(
                "{year:04}-{month:02}-{:02}",
                u32::from(d.day).saturating_sub(back)
            ))
            .ok()
        })
        .unwrap_or(d)
}

fieldproof_core::closed_enum! {
    /// A rule of the supplier register that raises a readiness finding.
    RegisterRule {
        /// A supplier with no report reviewed, or its review overdue.
        SupplierReviewDue = "supplier-review-due",
        /// A CUEC of a supplier's latest report not answered.
        CuecOpen = "cuec-open",
        /// A CUEC answered as a gap.
        CuecGap = "cuec-gap",
        /// A high or critical finding of a supplier's latest report.
        SupplierReportFinding = "supplier-report-finding",
    }
}

/// A finding of the register, for the reader's readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RegisterFinding {
    /// Stable id (`supplier:cuec-gap:gridline/1/2`).
    pub id: String,
    /// The rule.
    pub rule: RegisterRule,
    /// How much it matters.
    pub severity: Severity,
    /// The supplier.
    pub supplier: String,
    /// The reader's control concerned (a gap's first mapped control).
    pub control: Option<String>,
    /// Who owns it.
    pub owner: Option<String>,
    /// When it is due.
    pub due: Date,
    /// What is wrong and what to do.
    pub message: String,
}

/// The register's findings on `today`: reviews due, and for each supplier's latest review its
/// CUECs not answered, its CUEC gaps and its high or critical findings.
pub fn register_findings(
    suppliers: &[Supplier],
    reviews: &[ReportReview],
    answers: &[CuecAnswer],
    today: Date,
) -> Vec<RegisterFinding> {
    let mut out = Vec::new();
    for s in suppliers {
        let due = next_review_due(s, reviews, today);
        let latest = reviews
            .iter()
            .filter(|r| r.supplier == s.id)
            .max_by_key(|r| r.number);
        let weight = match s.criticality {
            Criticality::Critical | Criticality::High => Severity::High,
            Criticality::Medium => Severity::Medium,
            Criticality::Low => Severity::Low,
        };
        if due <= today {
            out.push(RegisterFinding {
                id: format!("supplier:{}:{}", RegisterRule::SupplierReviewDue.as_str(), s.id),
                rule: RegisterRule::SupplierReviewDue,
                severity: weight,
                supplier: s.id.clone(),
                control: None,
                owner: None,
                due,
                message: match latest {
                    None => format!(
                        "{} ({}) has no SOC report reviewed: obtain its current report and review it",
                        s.name,
                        s.criticality.as_str()
                    ),
                    Some(r) => format!(
                        "{}'s report was last reviewed on {}: review its current report (every {} months)",
                        s.name, r.reviewed_on, s.review_every_months
                    ),
                },
            });
        }
        let Some(latest) = latest else {
            continue;
        };
        for (i, cuec) in latest.review.cuecs.iter().enumerate() {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let answer = answers
                .iter()
                .filter(|a| a.supplier == s.id && a.review == latest.number && a.cuec == number)
                .max_by(|a, b| a.at.cmp(&b.at));
            let key = format!("{}/{}/{}", s.id, latest.number, number);
            let short: String = cuec.text.chars().take(120).collect();
            match answer.map(|a| a.status) {
                None | Some(CuecStatus::Open) => out.push(RegisterFinding {
                    id: format!("supplier:{}:{key}", RegisterRule::CuecOpen.as_str()),
                    rule: RegisterRule::CuecOpen,
                    severity: weight,
                    supplier: s.id.clone(),
                    control: None,
                    owner: None,
                    due: today,
                    message: format!(
                        "CUEC {number} of {}'s report is not answered (\"{short}\", p. {}): map it to your controls, or say it does not apply or is a gap",
                        s.name, cuec.page
                    ),
                }),
                Some(CuecStatus::Gap) => {
                    let a = answer.unwrap_or_else(|| unreachable!());
                    out.push(RegisterFinding {
                        id: format!("supplier:{}:{key}", RegisterRule::CuecGap.as_str()),
                        rule: RegisterRule::CuecGap,
                        severity: weight,
                        supplier: s.id.clone(),
                        control: a.controls.first().cloned(),
                        owner: a.owner.clone(),
                        due: a.due.unwrap_or(today),
                        message: format!(
                            "CUEC {number} of {}'s report is a gap (\"{short}\"){}: close it",
                            s.name,
                            a.reason
                                .as_deref()
                                .map(|r| format!(": {r}"))
                                .unwrap_or_default()
                        ),
                    });
                }
                Some(CuecStatus::Addressed | CuecStatus::NotApplicable) => {}
            }
        }
        for (i, f) in latest.findings.iter().enumerate() {
            if !matches!(f.severity, Severity::High | Severity::Critical) {
                continue;
            }
            out.push(RegisterFinding {
                id: format!(
                    "supplier:{}:{}/{}:{}:{}",
                    RegisterRule::SupplierReportFinding.as_str(),
                    s.id,
                    latest.number,
                    f.rule.as_str(),
                    i + 1
                ),
                rule: RegisterRule::SupplierReportFinding,
                severity: f.severity,
                supplier: s.id.clone(),
                control: None,
                owner: None,
                due,
                message: format!("{}'s report: {}", s.name, f.message),
            });
        }
    }
    out
}
