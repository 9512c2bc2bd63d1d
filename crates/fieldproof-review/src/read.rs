//! Reading a report's facts: each rule looks for the heading or phrase reports use for one
//! fact, on the page where it is, and says whether it was clear or a heuristic.

use crate::{
    Confidence, Cuec, Document, Found, Method, NotAReport, Opinion, OtMention, ReportKind,
    ReportType, Review, Subservice, TestException,
};
use fieldproof_core::engagement::Date;
use fieldproof_core::TscCategory;
use regex::Regex;
use std::sync::LazyLock;

/// A date as reports write it: `December 31, 2025`, `31 December 2025` or `2025-12-31`.
const DATE: &str = r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2},\s+\d{4}|\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}|\d{4}-\d{2}-\d{2})";

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by its tests.
    Regex::new(pattern).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
}

static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?is)(?:period|throughout the period)\s+(?:from\s+)?({DATE})\s*(?:,\s*)?(?:to|through|until|-|–)\s+({DATE})"
    ))
});
static AS_OF: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?is)\bas of\s+({DATE})")));
static CRITERIA: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:CC\d{1,2}\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d|CO\s?\d{1,2})\b"));
static DEVIATIONS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(\d+)\s+(?:of|out of)\s+(?:the\s+)?(\d+)\b"));
static TO_MANAGEMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?im)^\s*(?:To the (?:Board of Directors and )?Management of|To:)\s+(.+?)\s*[:,.]?\s*$")
});
static FIRM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^\s*(?:/s/\s*)?([A-Z][A-Za-z&.,' -]{2,80}?(?:LLP|LLC|Ltd\.?|Limited|GmbH|S\.A\.|PLLC|P\.C\.|Accountants|Auditors))\s*$",
    )
});
static ITEM: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+(.+)$"));

/// The OT vocabulary: how the product names a kind of OT, and the words a report uses for it.
const OT_TERMS: &[(&str, &[&str])] = &[
    ("BMS", &["building management system", "bms"]),
    ("DCIM", &["dcim", "data center infrastructure management"]),
    (
        "PACS",
        &["physical access control system", "pacs", "badge system"],
    ),
    ("EPMS", &["epms", "electrical power monitoring"]),
    ("UPS", &["ups", "uninterruptible power"]),
    ("SCADA", &["scada"]),
    ("PLC", &["plc", "programmable logic controller"]),
    (
        "HMI",
        &["hmi", "human-machine interface", "human machine interface"],
    ),
    ("historian", &["historian"]),
    ("MES", &["mes", "manufacturing execution system"]),
    ("edge gateway", &["edge gateway", "iot gateway"]),
    (
        "OT",
        &["operational technology", "industrial control system", "ics"],
    ),
];

/// Words that exclude what a sentence names from the system.
const EXCLUDED: &[&str] = &[
    "not included",
    "excluded",
    "excludes",
    "outside the scope",
    "out of scope",
    "not within the scope",
    "not part of the system",
    "is not covered",
    "are not covered",
];

/// Reads the facts of a report. A text without an independent service auditor's report is
/// [`NotAReport`].
pub fn read(doc: &Document) -> Result<Review, NotAReport> {
    if doc.pages.iter().all(|p| p.trim().is_empty()) {
        return Err(NotAReport::NoText);
    }
    let lower: Vec<String> = doc.pages.iter().map(|p| p.to_lowercase()).collect();
    // The headings auditors use: "Independent Service Auditor's Report" (SOC 1, SOC 2), "Report
    // of Independent Accountants" (often a SOC 3), "Independent Accountant's Report"; the
    // apostrophe may be typographic.
    let auditors_report = lower.iter().position(|p| {
        let p = p.replace('\u{2019}', "'");
        p.contains("independent service auditor")
            || p.contains("independent auditor's report")
            || p.contains("report of independent accountants")
            || p.contains("independent accountant's report")
            || p.contains("independent accountants' report")
    });
    let Some(opinion_page) = auditors_report else {
        return Err(NotAReport::NoAuditorsReport);
    };
    let mut review = Review {
        pages: doc.pages.len(),
        kind: kind(&lower),
        report_type: None,
        period: None,
        as_of: None,
        service_organisation: None,
        service_auditor: None,
        opinion: None,
        opinion_basis: None,
        categories: Vec::new(),
        subservice: Vec::new(),
        cuecs: Vec::new(),
        exceptions: Vec::new(),
        ot: Vec::new(),
        not_found: Vec::new(),
    };
    review.report_type = report_type(&lower);
    review.period = first(doc, |text| {
        PERIOD.captures(text).and_then(|c| {
            let from = date(c.get(1)?.as_str())?;
            let to = date(c.get(2)?.as_str())?;
            (from <= to).then_some(((from, to), Confidence::Clear))
        })
    });
    if review.period.is_none() {
        review.as_of = first(doc, |text| {
            AS_OF
                .captures(text)
                .and_then(|c| date(c.get(1)?.as_str()))
                .map(|d| (d, Confidence::Clear))
        });
    }
    review.service_organisation = first_from(doc, opinion_page, |text| {
        TO_MANAGEMENT.captures(text).map(|c| {
            let name = c[1].trim().trim_end_matches([':', ',', '.']).trim();
            (name.to_string(), Confidence::Clear)
        })
    });
    review.service_auditor = first_from(doc, opinion_page, |text| {
        // A firm's signature, not a heading that ends like one ("Report of Independent
        // Accountants").
        FIRM.captures_iter(text)
            .map(|c| c[1].trim().to_string())
            .find(|name| {
                let lower = name.to_lowercase();
                !lower.contains("report") && !lower.starts_with("independent")
            })
            .map(|name| (name, Confidence::Heuristic))
    });
    (review.opinion, review.opinion_basis) = opinion(doc, &lower, opinion_page);
    review.categories = categories(&lower);
    review.subservice = subservice(doc);
    review.cuecs = cuecs(doc);
    review.exceptions = exceptions(doc);
    review.ot = ot(doc);
    let missing = [
        ("kind", review.kind.is_none()),
        ("type", review.report_type.is_none()),
        (
            "period or as-of date",
            review.period.is_none() && review.as_of.is_none(),
        ),
        (
            "service organisation",
            review.service_organisation.is_none(),
        ),
        ("service auditor", review.service_auditor.is_none()),
        ("opinion", review.opinion.is_none()),
        (
            "trust services categories",
            review.categories.is_empty()
                && matches!(
                    review.kind.as_ref().map(|k| k.value),
                    Some(ReportKind::Soc2 | ReportKind::Soc3)
                ),
        ),
        (
            "complementary user entity controls",
            review.cuecs.is_empty(),
        ),
    ];
    review.not_found = missing
        .into_iter()
        .filter(|(_, gone)| *gone)
        .map(|(name, _)| name)
        .collect();
    Ok(review)
}

/// The first page (from page 1) where `find` finds something.
fn first<T>(doc: &Document, find: impl Fn(&str) -> Option<(T, Confidence)>) -> Option<Found<T>> {
    first_from(doc, 0, find)
}

/// The first page from index `start` where `find` finds something.
fn first_from<T>(
    doc: &Document,
    start: usize,
    find: impl Fn(&str) -> Option<(T, Confidence)>,
) -> Option<Found<T>> {
    doc.pages
        .iter()
        .enumerate()
        .skip(start)
        .find_map(|(i, text)| {
            find(text).map(|(value, confidence)| Found {
                value,
                page: i + 1,
                confidence,
            })
        })
}

/// A date as reports write it.
pub(crate) fn date(text: &str) -> Option<Date> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let text = text.trim();
    if let Ok(d) = Date::parse(text) {
        return Some(d);
    }
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let month = |w: &str| MONTHS.iter().position(|m| *m == w).map(|i| i + 1);
    let (m, d, y) = match words.as_slice() {
        [a, b, c] if month(a).is_some() => (month(a)?, b.parse().ok()?, c.parse().ok()?),
        [a, b, c] if month(b).is_some() => (month(b)?, a.parse().ok()?, c.parse().ok()?),
        _ => return None,
    };
    let (d, y): (u32, u32) = (d, y);
    Date::parse(&format!("{y:04}-{m:02}-{d:02}")).ok()
}

fn kind(lower: &[String]) -> Option<Found<ReportKind>> {
    let clear = [
        ("isae 3402", ReportKind::Isae3402),
        ("isae 3000", ReportKind::Isae3000),
        ("soc 3", ReportKind::Soc3),
        ("soc 2", ReportKind::Soc2),
        ("soc 1", ReportKind::Soc1),
    ];
    for (i, page) in lower.iter().enumerate() {
        for (words, kind) in clear {
            if page.contains(words) {
                return Some(Found {
                    value: kind,
                    page: i + 1,
                    confidence: Confidence::Clear,
                });
            }
        }
    }
    let heuristic = [
        ("trust services criteria", ReportKind::Soc2),
        ("control objectives", ReportKind::Soc1),
    ];
    lower.iter().enumerate().find_map(|(i, page)| {
        heuristic
            .iter()
            .find(|(words, _)| page.contains(words))
            .map(|(_, kind)| Found {
                value: *kind,
                page: i + 1,
                confidence: Confidence::Heuristic,
            })
    })
}

fn report_type(lower: &[String]) -> Option<Found<ReportType>> {
    let clear = [
        ("type 2", ReportType::Type2),
        ("type ii", ReportType::Type2),
        ("type 1", ReportType::Type1),
        ("type i ", ReportType::Type1),
        ("type i\n", ReportType::Type1),
    ];
    for (i, page) in lower.iter().enumerate() {
        for (words, value) in clear {
            if page.contains(words) {
                return Some(Found {
                    value,
                    page: i + 1,
                    confidence: Confidence::Clear,
                });
            }
        }
    }
    lower.iter().enumerate().find_map(|(i, page)| {
        let value =
            if page.contains("operating effectiveness") || page.contains("throughout the period") {
                ReportType::Type2
            } else if page.contains("suitability of the design") && page.contains("as of") {
                ReportType::Type1
            } else {
                return None;
            };
        Some(Found {
            value,
            page: i + 1,
            confidence: Confidence::Heuristic,
        })
    })
}

/// The opinion, from the auditor's report onwards: the heading of a modified opinion is
/// clear; an unmodified one is the "in our opinion, in all material respects" paragraph.
fn opinion(
    doc: &Document,
    lower: &[String],
    from: usize,
) -> (Option<Found<Opinion>>, Option<Found<String>>) {
    let found = |page: usize, value| {
        Some(Found {
            value,
            page: page + 1,
            confidence: Confidence::Clear,
        })
    };
    for (i, page) in lower.iter().enumerate().skip(from) {
        let modified = if page.contains("disclaimer of opinion")
            || page.contains("do not express an opinion")
        {
            Some(Opinion::Disclaimer)
        } else if page.contains("adverse opinion") {
            Some(Opinion::Adverse)
        } else if page.contains("qualified opinion") && !page.contains("unqualified opinion") {
            Some(Opinion::Qualified)
        } else {
            None
        };
        if let Some(value) = modified {
            let basis = paragraph_after(&doc.pages[i], "basis for").map(|text| Found {
                value: text,
                page: i + 1,
                confidence: Confidence::Heuristic,
            });
            return (found(i, value), basis);
        }
        if page.contains("in our opinion") {
            let value = if page.contains("except for") {
                Opinion::Qualified
            } else {
                Opinion::Unqualified
            };
            let basis = (value == Opinion::Qualified).then(|| Found {
                value: sentence_with(&doc.pages[i], "except for").unwrap_or_default(),
                page: i + 1,
                confidence: Confidence::Heuristic,
            });
            return (found(i, value), basis);
        }
    }
    (None, None)
}

/// The text of the paragraph that follows the heading line starting with `heading` (case
/// insensitive).
fn paragraph_after(page: &str, heading: &str) -> Option<String> {
    let mut lines = page.lines().skip_while(|l| {
        !l.trim()
            .trim_start_matches('#')
            .trim()
            .to_lowercase()
            .starts_with(heading)
    });
    lines.next()?;
    let text: Vec<&str> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    (!text.is_empty()).then(|| text.join(" "))
}

/// The sentence of `page` that contains `words` (case insensitive).
fn sentence_with(page: &str, words: &str) -> Option<String> {
    let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.split_inclusive(['.', ';'])
        .find(|s| s.to_lowercase().contains(words))
        .map(|s| s.trim().to_string())
}

/// SOC 2: the categories named where the report says which criteria are relevant.
fn categories(lower: &[String]) -> Vec<Found<TscCategory>> {
    let names = [
        ("security", TscCategory::Security),
        ("availability", TscCategory::Availability),
        ("processing integrity", TscCategory::ProcessingIntegrity),
        ("confidentiality", TscCategory::Confidentiality),
        ("privacy", TscCategory::Privacy),
    ];
    for (i, page) in lower.iter().enumerate() {
        let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
        for sentence in flat.split('.') {
            if sentence.contains("trust services criteria") && sentence.contains("relevant to") {
                let found: Vec<Found<TscCategory>> = names
                    .iter()
                    .filter(|(word, _)| sentence.contains(word))
                    .map(|(_, c)| Found {
                        value: *c,
                        page: i + 1,
                        confidence: Confidence::Clear,
                    })
                    .collect();
                if !found.is_empty() {
                    return found;
                }
            }
        }
    }
    Vec::new()
}

/// The lines of the section whose heading line contains `heading` (case insensitive), up to
/// the next heading (a short line without a final period that starts a new topic), with their
/// pages. A section may run onto the next page.
fn section<'a>(doc: &'a Document, heading: &str) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let mut inside = false;
    for (i, page) in doc.pages.iter().enumerate() {
        for line in page.lines() {
            let trimmed = line.trim().trim_start_matches('#').trim();
            let lower = trimmed.to_lowercase();
            let is_heading = !trimmed.is_empty()
                && trimmed.len() < 90
                && !trimmed.ends_with(['.', ';', ','])
                && ITEM.captures(trimmed).is_none()
                && trimmed.chars().next().is_some_and(char::is_uppercase)
                && !trimmed.contains(" | ");
            if is_heading && lower.contains(heading) {
                inside = true;
                continue;
            }
            if inside && is_heading && line.trim_start().starts_with('#') {
                inside = false;
            }
            if inside
                && is_heading
                && trimmed.split_whitespace().count() <= 6
                && !lower.contains(heading)
                && !out.is_empty()
            {
                inside = false;
            }
            if inside && !trimmed.is_empty() {
                out.push((i + 1, trimmed));
            }
        }
    }
    out
}

fn criteria_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = CRITERIA
        .find_iter(text)
        .map(|m| m.as_str().replace(' ', ""))
        .collect();
    found.dedup();
    found
}

/// CUECs: the items of the section headed "complementary user entity controls".
fn cuecs(doc: &Document) -> Vec<Cuec> {
    section(doc, "complementary user entity control")
        .into_iter()
        .filter_map(|(page, line)| {
            let item = ITEM.captures(line)?;
            let text = item[1].trim().to_string();
            Some(Cuec {
                criteria: criteria_in(&text),
                text,
                page,
            })
        })
        .collect()
}

/// Subservice organisations: the rows of the section headed "subservice organization(s)"
/// (`Name | services | method` or `Name: services`), the method from the row or the section.
fn subservice(doc: &Document) -> Vec<Subservice> {
    let lines = {
        let mut lines = section(doc, "subservice organization");
        if lines.is_empty() {
            lines = section(doc, "subservice organisation");
        }
        lines
    };
    let section_method = lines.iter().find_map(|(_, l)| method_in(&l.to_lowercase()));
    lines
        .iter()
        .filter_map(|(page, line)| {
            let row = ITEM
                .captures(line)
                .map_or(*line, |c| c.get(1).map_or(*line, |m| m.as_str()));
            let cells: Vec<&str> = if row.contains('|') {
                row.trim_matches('|').split('|').map(str::trim).collect()
            } else if let Some((name, rest)) = row.split_once(':') {
                vec![name.trim(), rest.trim()]
            } else {
                return None;
            };
            let name = cells.first()?.trim();
            let lower_name = name.to_lowercase();
            if name.is_empty()
                || name
                    .chars()
                    .all(|c| c == '-' || c == ':' || c.is_whitespace())
                || lower_name.contains("subservice organization")
                || lower_name == "name"
                || name.split_whitespace().count() > 6
            {
                return None;
            }
            let services = cells.get(1).copied().unwrap_or_default().to_string();
            let method = method_in(&row.to_lowercase()).or(section_method);
            Some(Subservice {
                name: name.to_string(),
                services,
                method,
                page: *page,
                confidence: Confidence::Heuristic,
            })
        })
        .collect()
}

fn method_in(lower: &str) -> Option<Method> {
    if lower.contains("carve-out") || lower.contains("carve out") || lower.contains("carved out") {
        Some(Method::CarveOut)
    } else if lower.contains("inclusive method") || lower.contains("inclusive") {
        Some(Method::Inclusive)
    } else {
        None
    }
}

/// Exceptions: sentences of the tests of controls that report an exception or a deviation;
/// "no exceptions noted" is not one.
fn exceptions(doc: &Document) -> Vec<TestException> {
    let mut out = Vec::new();
    for (i, page) in doc.pages.iter().enumerate() {
        // Paragraph by paragraph: the control or criterion a test is about starts its
        // paragraph, the exception is a later sentence of it.
        for paragraph in page.split("\n\n") {
            let flat = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
            for sentence in flat.split_inclusive(['.', ';']) {
                let lower = sentence.to_lowercase();
                let reports = (lower.contains("exception") || lower.contains("deviation"))
                    && !lower.contains("no exception")
                    && !lower.contains("no deviation")
                    && !lower.contains("exceptions, if any")
                    && (lower.contains("noted")
                        || lower.contains("identified")
                        || lower.contains("found"));
                if !reports {
                    continue;
                }
                out.push(TestException {
                    text: sentence.trim().to_string(),
                    deviations: DEVIATIONS
                        .captures(sentence)
                        .map(|c| format!("{} of {}", &c[1], &c[2])),
                    criteria: criteria_in(&flat),
                    page: i + 1,
                });
            }
        }
    }
    out
}

/// The OT the report names, sentence by sentence, and whether the sentence excludes it.
fn ot(doc: &Document) -> Vec<OtMention> {
    let mut out: Vec<OtMention> = Vec::new();
    for (i, page) in doc.pages.iter().enumerate() {
        let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
        for sentence in flat.split_inclusive(['.', ';']) {
            let lower = format!(
                " {} ",
                sentence.to_lowercase().replace(['(', ')', ',', '/'], " ")
            );
            for (term, words) in OT_TERMS {
                let named = words.iter().any(|w| {
                    lower.contains(&format!(" {w} ")) || lower.contains(&format!(" {w}s "))
                });
                if !named || out.iter().any(|m| m.term == *term && m.page == i + 1) {
                    continue;
                }
                out.push(OtMention {
                    term: (*term).to_string(),
                    page: i + 1,
                    excluded: EXCLUDED.iter().any(|e| lower.contains(e)),
                    text: sentence.trim().to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_reports_write_them() {
        let d = |s: &str| date(s).map(|d| d.to_string());
        assert_eq!(d("December 31, 2025").as_deref(), Some("2025-12-31"));
        assert_eq!(d("1 January 2025").as_deref(), Some("2025-01-01"));
        assert_eq!(d("2025-06-30").as_deref(), Some("2025-06-30"));
        assert_eq!(d("February 30, 2025"), None);
        assert_eq!(d("sometime"), None);
    }

    #[test]
    fn every_pattern_compiles() {
        for pattern in [
            &*PERIOD,
            &*AS_OF,
            &*CRITERIA,
            &*DEVIATIONS,
            &*TO_MANAGEMENT,
            &*FIRM,
            &*ITEM,
        ] {
            assert_ne!(pattern.as_str(), "$^");
        }
    }
}
