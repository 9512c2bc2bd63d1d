//! What a reader of a report should act on, each finding with the rule that raised it, the page
//! it rests on, and why.

use crate::{Method, Opinion, ReportKind, ReportType, Review};
use fieldproof_core::engagement::Date;
use fieldproof_core::{Severity, TscCategory};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fieldproof_core::closed_enum! {
    /// A rule of the reader's review.
    ReviewRule {
        /// The report names no OT (BMS, DCIM, PACS, SCADA, PLC...).
        OtNotNamed = "ot-not-named",
        /// The report names OT only to exclude it from the system.
        OtExcluded = "ot-excluded",
        /// A SOC 2 report without the Availability category.
        AvailabilityNotInScope = "availability-not-in-scope",
        /// Availability is in scope, but no availability control tested names the OT that keeps
        /// the service up: generic IT controls only.
        AvailabilityGeneric = "availability-generic",
        /// A type 1 report: design only, no operating effectiveness tested.
        TypeOne = "type-one",
        /// The period's end (or the as-of date) is more than 12 months before the review.
        Stale = "stale",
        /// More than 3 months past the period's end without a bridge letter.
        BridgeLetterNeeded = "bridge-letter-needed",
        /// A qualified or adverse opinion, or a disclaimer.
        OpinionModified = "opinion-modified",
        /// A subservice organisation presented with the carve-out method.
        CarveOut = "carve-out",
        /// The auditor found exceptions in the tests of controls.
        Exceptions = "exceptions",
        /// Your own report: a component your estate puts in scope is not named in it.
        EstateComponentNotNamed = "estate-component-not-named",
        /// Pages of the file whose text could not be read: their facts are missing.
        PagesUnread = "pages-unread",
    }
}

/// A component of the reader's own estate that responsibility puts in scope, as
/// [`against_estate`] looks for it in the reader's own report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstateComponent {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: fieldproof_core::Kind,
    /// Whether it affects availability.
    pub affects_availability: bool,
}

/// The OT term of the review's vocabulary a kind of component is named by, if it is OT.
pub fn ot_term(kind: fieldproof_core::Kind) -> Option<&'static [&'static str]> {
    use fieldproof_core::Kind;
    Some(match kind {
        Kind::Bms => &["BMS"],
        Kind::Dcim => &["DCIM"],
        Kind::Pacs => &["PACS"],
        Kind::EpmsUps => &["EPMS", "UPS"],
        Kind::Scada => &["SCADA"],
        Kind::Plc => &["PLC"],
        Kind::Hmi => &["HMI"],
        Kind::Historian => &["historian"],
        Kind::Mes => &["MES"],
        Kind::EdgeGateway => &["edge gateway"],
        k if k.is_ot() => &["OT"],
        _ => return None,
    })
}

/// Your own report read against your estate (seed 000, first action): every OT component that
/// responsibility puts in scope and that the report names neither by its id, its name nor its
/// kind is a finding; one the report names only to exclude it is one too.
pub fn against_estate(
    doc: &crate::Document,
    review: &Review,
    components: &[EstateComponent],
) -> Vec<ReviewFinding> {
    let text = doc.pages.join("\n").to_lowercase();
    components
        .iter()
        .filter_map(|c| {
            let terms = ot_term(c.kind)?;
            let by_name = text.contains(&c.id.to_lowercase()) || text.contains(&c.name.to_lowercase());
            let mentions: Vec<&crate::OtMention> =
                review.ot.iter().filter(|m| terms.contains(&m.term.as_str())).collect();
            let named = by_name || mentions.iter().any(|m| !m.excluded);
            if named {
                return None;
            }
            let excluded = mentions.iter().find(|m| m.excluded);
            Some(ReviewFinding {
                rule: ReviewRule::EstateComponentNotNamed,
                severity: if c.affects_availability { Severity::High } else { Severity::Medium },
                page: excluded.map(|m| m.page),
                message: format!(
                    "{} ({}) is in scope by responsibility{} but the report {}: name it in the system description and describe the controls over it",
                    c.name,
                    c.id,
                    if c.affects_availability { " and keeps the service available" } else { "" },
                    if excluded.is_some() { "excludes it" } else { "does not mention it" }
                ),
            })
        })
        .collect()
}

/// A finding of the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewFinding {
    /// The rule.
    pub rule: ReviewRule,
    /// How much it matters.
    pub severity: Severity,
    /// The page it rests on, when one does.
    pub page: Option<usize>,
    /// What is wrong, why it matters, what to do.
    pub message: String,
}

/// The findings of `review` on `today` (the reader's review date or fiscal year-end); a bridge
/// letter dated `bridge` (or one bound with the report) extends a type 2 period's coverage to
/// that date.
pub fn findings(review: &Review, today: Date, bridge: Option<Date>) -> Vec<ReviewFinding> {
    let bridge = bridge.or(review.bridge_letter.as_ref().map(|b| b.value));
    let mut out = Vec::new();
    let mut push = |rule, severity, page, message: String| {
        out.push(ReviewFinding {
            rule,
            severity,
            page,
            message,
        })
    };
    let named: Vec<&crate::OtMention> = review.ot.iter().filter(|m| !m.excluded).collect();
    let excluded: Vec<&crate::OtMention> = review.ot.iter().filter(|m| m.excluded).collect();
    if named.is_empty() && excluded.is_empty() {
        push(
            ReviewRule::OtNotNamed,
            Severity::High,
            None,
            "the report names no operational technology (BMS, DCIM, physical access, power, SCADA, PLCs, historians, MES, gateways): ask whether the OT that keeps the service running is in the system, and if not, why not".to_string(),
        );
    }
    for m in &excluded {
        push(
            ReviewRule::OtExcluded,
            Severity::High,
            Some(m.page),
            format!(
                "{} is excluded from the system (\"{}\"): the controls over it are not tested; ask who operates it and how its availability is assured",
                m.term,
                shorten(&m.text)
            ),
        );
    }
    let soc2 = matches!(
        review.kind.as_ref().map(|k| k.value),
        Some(ReportKind::Soc2 | ReportKind::Soc3 | ReportKind::Isae3000)
    );
    if soc2
        && !review.categories.is_empty()
        && !review
            .categories
            .iter()
            .any(|c| c.value == TscCategory::Availability)
    {
        push(
            ReviewRule::AvailabilityNotInScope,
            if named.is_empty() { Severity::Medium } else { Severity::High },
            review.categories.first().map(|c| c.page),
            "Availability is not among the categories in scope: no control over keeping the service up was tested".to_string(),
        );
    }
    // Availability in scope, but the availability rows tested name no OT: the controls that
    // keep the service up were not the ones tested.
    let availability: Vec<&crate::ControlTest> = review
        .tests
        .iter()
        .filter(|t| t.criterion.starts_with("A1."))
        .collect();
    if review
        .categories
        .iter()
        .any(|c| c.value == TscCategory::Availability)
        && !availability.is_empty()
        && !availability.iter().any(|t| crate::read::names_ot(&t.text))
    {
        push(
            ReviewRule::AvailabilityGeneric,
            Severity::Medium,
            availability.first().map(|t| t.page),
            format!(
                "the {} availability controls tested name no power, cooling or other OT: they are generic IT controls; ask how the plant that keeps the service up is controlled",
                availability.len()
            ),
        );
    }
    if !review.unread_pages.is_empty() {
        push(
            ReviewRule::PagesUnread,
            Severity::Medium,
            review.unread_pages.first().copied(),
            format!(
                "the text of page{} {} could not be read: facts on {} are missing; read {} yourself",
                if review.unread_pages.len() == 1 { "" } else { "s" },
                review
                    .unread_pages
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if review.unread_pages.len() == 1 { "it" } else { "them" },
                if review.unread_pages.len() == 1 { "that page" } else { "those pages" },
            ),
        );
    }
    if let Some(t) = &review.report_type {
        if t.value == ReportType::Type1 {
            push(
                ReviewRule::TypeOne,
                Severity::High,
                Some(t.page),
                "a type 1 report tests design at one date, not whether the controls operated over a period".to_string(),
            );
        }
    }
    let end = review
        .period
        .as_ref()
        .map(|p| (p.value.1, p.page))
        .or_else(|| review.as_of.as_ref().map(|a| (a.value, a.page)));
    if let Some((end, page)) = end {
        let covered_to = bridge.filter(|b| *b > end).unwrap_or(end);
        let months = months_between(covered_to, today);
        if months > 12 {
            push(
                ReviewRule::Stale,
                Severity::High,
                Some(page),
                format!(
                    "the report covers up to {covered_to}, {months} months before {today}: ask for the current report"
                ),
            );
        } else if months > 3 && review.period.is_some() {
            push(
                ReviewRule::BridgeLetterNeeded,
                Severity::Medium,
                Some(page),
                format!(
                    "{months} months pass between {covered_to} and {today}{}: ask for a bridge letter covering the gap",
                    if bridge.is_some() { " even with the bridge letter" } else { " without a bridge letter" }
                ),
            );
        }
    }
    if let Some(o) = &review.opinion {
        if o.value != Opinion::Unqualified {
            let words = match o.value {
                Opinion::Qualified => "qualified",
                Opinion::Adverse => "adverse",
                Opinion::Disclaimer => "a disclaimer",
                Opinion::Unqualified => "unqualified",
            };
            push(
                ReviewRule::OpinionModified,
                if o.value == Opinion::Qualified { Severity::High } else { Severity::Critical },
                Some(o.page),
                format!(
                    "the opinion is {words}{}: read its basis and decide whether the matters affect you",
                    review
                        .opinion_basis
                        .as_ref()
                        .map(|b| format!(" (\"{}\")", shorten(&b.value)))
                        .unwrap_or_default()
                ),
            );
        }
    }
    for s in review
        .subservice
        .iter()
        .filter(|s| s.method == Some(Method::CarveOut))
    {
        push(
            ReviewRule::CarveOut,
            Severity::Medium,
            Some(s.page),
            format!(
                "{} is carved out: its controls are not in this report; obtain its own report (a fourth party)",
                s.name
            ),
        );
    }
    for e in &review.exceptions {
        push(
            ReviewRule::Exceptions,
            Severity::Medium,
            Some(e.page),
            format!(
                "an exception{}{}: \"{}\"",
                e.deviations
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default(),
                if e.criteria.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", e.criteria.join(", "))
                },
                shorten(&e.text)
            ),
        );
    }
    out
}

/// Whole months from `from` to `to` (negative when `to` is earlier).
fn months_between(from: Date, to: Date) -> i64 {
    let mut months = (i64::from(to.year) - i64::from(from.year)) * 12 + i64::from(to.month)
        - i64::from(from.month);
    // A month ends on its last day: 31 December to 30 June is six months.
    let last_day = |d: Date| Date::from_days(d.days() + 1).day == 1;
    if to.day < from.day && !last_day(to) {
        months -= 1;
    }
    months
}

fn shorten(text: &str) -> String {
    let text: String = text.chars().take(160).collect();
    if text.chars().count() == 160 {
        format!("{}…", text.trim_end())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::months_between;
    use fieldproof_core::engagement::Date;

    #[test]
    fn months_are_whole() {
        let d = |s| Date::parse(s).expect("date");
        assert_eq!(months_between(d("2025-12-31"), d("2026-03-31")), 3);
        assert_eq!(months_between(d("2025-12-31"), d("2026-04-30")), 4);
        assert_eq!(months_between(d("2025-12-31"), d("2026-04-29")), 3);
        assert_eq!(months_between(d("2025-12-31"), d("2027-01-01")), 12);
        assert_eq!(months_between(d("2025-12-31"), d("2027-01-31")), 13);
    }
}
