//! Reading a report's facts: each rule looks for the heading or phrase reports use for one
//! fact, on the page where it is, and says whether it was clear or a heuristic.

use crate::{
    Confidence, ControlTest, Cuec, Document, Found, ManagementResponse, Method, NotAReport,
    Opinion, OtMention, ReportKind, ReportType, Review, Subservice, TestException, TestResult,
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
/// The address line flattened (a name wrapped over two lines), up to its colon.
static ADDRESSEE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"To the (?:Board of Directors and )?Management of ([^:\n]{2,120}?(?:\n[^:\n]{1,80}?)?)\s*:")
});
static FIRM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^\s*(?:/s/\s*)?([A-Z][A-Za-z&.,' -]{2,80}?(?:LLP|LLC|Ltd\.?|Limited|GmbH|S\.A\.|PLLC|P\.C\.|Accountants|Auditors))\s*$",
    )
});
static ITEM: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:[-*•▪◦]|\d{1,3}[.)])\s+(.+)$"));
static ANY_DATE: LazyLock<Regex> = LazyLock::new(|| re(&format!("(?i){DATE}")));
/// A row of the tests of controls starts with the criterion or objective it tests.
static ROW: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^\s*(CC\d{1,2}\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d|CO\s?\d{1,2})\b[:.]?(?:\s|$)")
});
static SAMPLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:a\s+)?((?:sample|population)\s+of\s+(?:the\s+)?\d[\d,]*)"));
/// The system a title names: "Report on [the Description of] [Org's] … System".
static TITLE_SYSTEM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"Report on (?:the Description of )?(?:(?:[A-Z][\w&.-]*\s)*[A-Z][\w&.-]*'s?\s)?((?:[A-Z][\w&-]*\s(?:and\s)?){0,8}System)\b",
    )
});
/// The system the scope paragraph names: "examined [Org's] description of [its|the] …".
static SCOPE_SYSTEM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)examined\s+(?:the\s+|[\w&.' -]{1,60}?'s?\s+)?description\s+of\s+(?:its\s+|the\s+)?(.{3,90}?)\s+(?:throughout|as of|for the period|for processing|relevant to|,)",
    )
});
/// A row of a subservice table whose cells ran together: the name ends with a company form.
static COMPANY_ROW: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^((?:[A-Z&][\w&.,'-]*\s+){0,5}?(?:Inc\.?|Ltd\.?|LLC|LLP|plc|GmbH|Corp\.?|Corporation|Limited|S\.A\.|AG|B\.V\.|Co\.))\s+(.+)$",
    )
});

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
        return Err(if doc.unread.is_empty() {
            NotAReport::NoText
        } else {
            NotAReport::TextUnreadable
        });
    }
    // Each page lower-cased with its whitespace collapsed: a phrase wrapped over two lines (a
    // narrow column) is still one phrase.
    let lower: Vec<String> = doc
        .pages
        .iter()
        .map(|p| {
            let mut flat = p.split_whitespace().collect::<Vec<_>>().join(" ");
            flat.push(' ');
            flat.to_lowercase()
        })
        .collect();
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
        issue_date: None,
        system: None,
        assertion: None,
        opinion: None,
        opinion_basis: None,
        categories: Vec::new(),
        subservice: Vec::new(),
        csocs: Vec::new(),
        cuecs: Vec::new(),
        tests: Vec::new(),
        exceptions: Vec::new(),
        responses: Vec::new(),
        bridge_letter: None,
        ot: Vec::new(),
        not_found: Vec::new(),
        unread_pages: doc.unread.clone(),
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
        let wrapped = ADDRESSEE.captures(text).map(|c| {
            let name = c[1].split_whitespace().collect::<Vec<_>>().join(" ");
            (
                name.trim_end_matches(['.', ',']).to_string(),
                Confidence::Clear,
            )
        });
        wrapped.or_else(|| {
            TO_MANAGEMENT.captures(text).map(|c| {
                let name = c[1].trim().trim_end_matches([':', ',', '.']).trim();
                (name.to_string(), Confidence::Clear)
            })
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
    review.issue_date = review
        .service_auditor
        .as_ref()
        .and_then(|firm| issue_date(doc, firm));
    review.system = system(doc);
    review.assertion = assertion(doc);
    (review.opinion, review.opinion_basis) = opinion(doc, &lower, opinion_page);
    review.categories = categories(&lower);
    review.subservice = subservice(doc);
    review.csocs = items(doc, "complementary subservice organization control");
    if review.csocs.is_empty() {
        review.csocs = items(doc, "complementary subservice organisation control");
    }
    review.cuecs = items(doc, "complementary user entity control");
    review.tests = tests(doc);
    review.exceptions = if review.tests.is_empty() {
        exceptions(doc)
    } else {
        row_exceptions(doc, &review.tests)
    };
    review.responses = responses(doc);
    review.bridge_letter = bridge_letter(doc);
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
        ("issue date", review.issue_date.is_none()),
        ("system", review.system.is_none()),
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
        .map(|(name, _)| name.to_string())
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
        ("type i)", ReportType::Type1),
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
    let is_heading = |trimmed: &str| {
        !trimmed.is_empty()
            && trimmed.len() < 90
            && !trimmed.ends_with(['.', ';', ','])
            && ITEM.captures(trimmed).is_none()
            && trimmed.chars().next().is_some_and(char::is_uppercase)
            && !trimmed.contains(" | ")
    };
    let opens = |lower: &str| {
        lower.contains(heading)
            && (heading.contains("complementary") || !lower.contains("complementary"))
    };
    let mut out = Vec::new();
    let mut inside = false;
    for (i, page) in doc.pages.iter().enumerate() {
        let lines: Vec<&str> = page.lines().collect();
        let mut skip_next = false;
        for (n, line) in lines.iter().enumerate() {
            if std::mem::take(&mut skip_next) {
                continue;
            }
            let trimmed = line.trim().trim_start_matches('#').trim();
            let lower = trimmed.to_lowercase();
            let heading_line = is_heading(trimmed);
            // A heading wrapped over two lines (a narrow column): "Complementary User Entity"
            // then "Controls".
            let next = lines
                .get(n + 1)
                .map(|l| l.trim().trim_start_matches('#').trim())
                .filter(|l| is_heading(l) && l.split_whitespace().count() <= 3);
            let wrapped = next.is_some_and(|next| {
                !opens(&lower) && opens(&format!("{lower} {}", next.to_lowercase()))
            });
            if heading_line && (opens(&lower) || wrapped) {
                inside = true;
                skip_next = wrapped;
                continue;
            }
            if inside && heading_line && line.trim_start().starts_with('#') {
                inside = false;
            }
            if inside
                && heading_line
                && trimmed.split_whitespace().count() <= 6
                && !opens(&lower)
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

/// CUECs (or CSOCs): the items of the section whose heading names them. An item's text may
/// run onto the following lines (a PDF wraps it); those lines join it.
fn items(doc: &Document, heading: &str) -> Vec<Cuec> {
    let mut out: Vec<Cuec> = Vec::new();
    for (page, line) in section(doc, heading) {
        if let Some(item) = ITEM.captures(line) {
            out.push(Cuec {
                text: item[1].trim().to_string(),
                criteria: Vec::new(),
                page,
            });
        } else if let Some(last) = out.last_mut() {
            // A continuation: a wrapped line, not a new sentence that introduces the list.
            if !last.text.ends_with(['.', ';']) || line.starts_with(char::is_lowercase) {
                last.text.push(' ');
                last.text.push_str(line);
            }
        }
    }
    for cuec in &mut out {
        cuec.criteria = criteria_in(&cuec.text);
    }
    out
}

/// The issue date: the first date after the signing firm's name on its page.
fn issue_date(doc: &Document, firm: &Found<String>) -> Option<Found<Date>> {
    let page = doc.pages.get(firm.page.checked_sub(1)?)?;
    let after = &page[page.find(firm.value.as_str())? + firm.value.len()..];
    let found = ANY_DATE.find(after)?;
    Some(Found {
        value: date(found.as_str())?,
        page: firm.page,
        confidence: Confidence::Heuristic,
    })
}

/// The system's name: from a title that names it ("Report on … System", clear), else from the
/// scope paragraph ("examined the description of …", a heuristic).
fn system(doc: &Document) -> Option<Found<String>> {
    let flat = |p: &str| p.split_whitespace().collect::<Vec<_>>().join(" ");
    first(doc, |text| {
        TITLE_SYSTEM
            .captures(&flat(text))
            .map(|c| (c[1].trim().to_string(), Confidence::Clear))
    })
    .or_else(|| {
        first(doc, |text| {
            SCOPE_SYSTEM
                .captures(&flat(text))
                .map(|c| (c[1].trim().to_string(), Confidence::Heuristic))
        })
    })
}

/// Management's assertion: the first sentence under its heading.
fn assertion(doc: &Document) -> Option<Found<String>> {
    let lines = section(doc, "management's assertion");
    let (page, _) = lines.first()?;
    let text = lines
        .iter()
        .take(8)
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = text
        .split_inclusive('.')
        .next()
        .unwrap_or(&text)
        .trim()
        .to_string();
    Some(Found {
        value: sentence,
        page: *page,
        confidence: Confidence::Clear,
    })
}

/// The tests of controls, row by row: from the heading "tests of controls" (its last
/// occurrence as a heading, so a table of contents does not count) to the end of the report or
/// the other information, each row starting with the criterion it tests.
fn tests(doc: &Document) -> Vec<ControlTest> {
    let mut out: Vec<ControlTest> = Vec::new();
    let mut rows: Vec<Vec<(usize, &str)>> = Vec::new();
    let mut inside = false;
    for (i, page) in doc.pages.iter().enumerate() {
        for line in page.lines() {
            let trimmed = line.trim().trim_start_matches('#').trim();
            let lower = trimmed.to_lowercase();
            let heading = trimmed.len() < 90 && !trimmed.ends_with(['.', ';', ',']);
            if heading && lower.contains("tests of controls") && !lower.contains("description") {
                inside = true;
                continue;
            }
            if heading
                && (lower.contains("other information") || lower.starts_with("bridge letter"))
            {
                inside = false;
                continue;
            }
            if !inside || trimmed.is_empty() {
                continue;
            }
            if ROW.is_match(trimmed) {
                rows.push(vec![(i + 1, trimmed)]);
            } else if let Some(row) = rows.last_mut() {
                row.push((i + 1, trimmed));
            }
        }
    }
    for row in rows {
        let text = row.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(" ");
        let Some(criterion) = ROW.captures(&text).map(|c| c[1].replace(' ', "")) else {
            continue;
        };
        let lower = text.to_lowercase();
        let result = if exception_sentence(&text).is_some() {
            TestResult::Exception
        } else if lower.contains("no exception") || lower.contains("no deviation") {
            TestResult::NoExceptions
        } else {
            TestResult::NotStated
        };
        out.push(ControlTest {
            criterion,
            sample: SAMPLE.captures(&text).map(|c| c[1].to_string()),
            result,
            page: row[0].0,
            text,
        });
    }
    out
}

/// Whether `sentence` reports an exception or a deviation as noted, identified or found ("no
/// exceptions noted" does not).
fn reports_exception(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    (lower.contains("exception") || lower.contains("deviation"))
        && !lower.contains("no exception")
        && !lower.contains("no deviation")
        && !lower.contains("exceptions, if any")
        && (lower.contains("noted") || lower.contains("identified") || lower.contains("found"))
}

/// The sentence of `text` that reports an exception or a deviation, if one does.
fn exception_sentence(text: &str) -> Option<String> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.split_inclusive(['.', ';'])
        .find(|sentence| reports_exception(sentence))
        .map(|s| s.trim().to_string())
}

/// Exceptions from the rows of the tests of controls: each cites its row's criterion and the
/// page where its sentence is.
fn row_exceptions(doc: &Document, tests: &[ControlTest]) -> Vec<TestException> {
    tests
        .iter()
        .filter(|t| t.result == TestResult::Exception)
        .filter_map(|t| {
            let text = exception_sentence(&t.text)?;
            // The row's sample cell runs into the result cell ("Sample of 60 Deviation noted:
            // ..."): the sentence starts after it.
            let text = match t.sample.as_deref() {
                Some(sample) => text
                    .strip_prefix(sample)
                    .map(|rest| rest.trim().to_string())
                    .filter(|rest| !rest.is_empty())
                    .unwrap_or(text),
                None => text,
            };
            // The page whose text holds the sentence's first words (a row may run over a page
            // break).
            let head: String = text
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            let page = (t.page..=doc.pages.len())
                .find(|p| {
                    doc.pages[p - 1]
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .contains(&head)
                })
                .unwrap_or(t.page);
            Some(TestException {
                deviations: DEVIATIONS
                    .captures(&text)
                    .map(|c| format!("{} of {}", &c[1], &c[2])),
                criteria: vec![t.criterion.clone()],
                text,
                page,
            })
        })
        .collect()
}

/// Management's responses: the paragraphs under a heading "management's response".
fn responses(doc: &Document) -> Vec<ManagementResponse> {
    doc.pages
        .iter()
        .enumerate()
        .filter_map(|(i, page)| {
            paragraph_after(page, "management's response").map(|text| ManagementResponse {
                text,
                page: i + 1,
                unaudited: true,
            })
        })
        .collect()
}

/// A bridge letter bound with the report: the page headed "bridge letter" and the last date
/// of the period it covers.
fn bridge_letter(doc: &Document) -> Option<Found<Date>> {
    doc.pages.iter().enumerate().find_map(|(i, page)| {
        let heading = page.lines().any(|l| {
            let l = l.trim().trim_start_matches('#').trim().to_lowercase();
            l.starts_with("bridge letter") || l.starts_with("gap letter")
        });
        if !heading {
            return None;
        }
        let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
        let c = PERIOD.captures(&flat)?;
        Some(Found {
            value: date(c.get(2)?.as_str())?,
            page: i + 1,
            confidence: Confidence::Clear,
        })
    })
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
    let mut out: Vec<Subservice> = Vec::new();
    for (page, line) in &lines {
        match subservice_row(line, *page, section_method) {
            Some(row) => out.push(row),
            // A row's services wrapped onto the next line (a narrow column or cell).
            None if line.starts_with(char::is_lowercase) => {
                if let Some(last) = out.last_mut() {
                    last.services = format!("{} {}", last.services, line.trim());
                    last.method = last.method.or(method_in(&line.to_lowercase()));
                }
            }
            None => {}
        }
    }
    for s in &mut out {
        s.services = without_method(&s.services);
    }
    out
}

/// Services as the row gives them, without the method it names at its end ("... (inclusive
/// method)", "... carve-out").
fn without_method(services: &str) -> String {
    let mut text = services.trim().to_string();
    for tail in [
        "(carve-out method)",
        "(inclusive method)",
        "carve-out method",
        "inclusive method",
        "carve-out",
        "carve out",
        "inclusive",
    ] {
        let at = text.len().saturating_sub(tail.len());
        if text.len() >= tail.len()
            && text.is_char_boundary(at)
            && text[at..].eq_ignore_ascii_case(tail)
        {
            text.truncate(at);
            break;
        }
    }
    text.trim()
        .trim_end_matches([',', ';', '-'])
        .trim()
        .to_string()
}

/// One row of the subservice section: `Name | services | method`, `Name: services`, or a
/// table row whose cells ran together (the name ends with a company form).
fn subservice_row(line: &str, page: usize, section_method: Option<Method>) -> Option<Subservice> {
    let row = ITEM
        .captures(line)
        .map_or(line, |c| c.get(1).map_or(line, |m| m.as_str()));
    let cells: Vec<&str> = if row.contains('|') {
        row.trim_matches('|').split('|').map(str::trim).collect()
    } else if let Some((name, rest)) = row.split_once(':') {
        vec![name.trim(), rest.trim()]
    } else if let Some(c) = COMPANY_ROW.captures(row) {
        vec![c.get(1)?.as_str().trim(), c.get(2)?.as_str().trim()]
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
    Some(Subservice {
        name: name.to_string(),
        services: cells.get(1).copied().unwrap_or_default().to_string(),
        method: method_in(&row.to_lowercase()).or(section_method),
        page,
        confidence: Confidence::Heuristic,
    })
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
                if !reports_exception(sentence) {
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

/// Whether `sentence` uses the vocabulary word `word` (lower case): a phrase in any case, an
/// acronym (one word of up to five letters) only in capitals, so "Lumen Devices plc" names no
/// PLC and "ups and downs" no UPS. A plural `s` is allowed.
fn mentions(sentence: &str, word: &str) -> bool {
    let spaced = |text: &str| {
        format!(
            " {} ",
            text.replace(['(', ')', ',', '/', '.', ':', ';', '"', '\''], " ")
        )
    };
    if !word.contains(' ') && word.len() <= 5 {
        let upper = word.to_uppercase();
        let text = spaced(sentence);
        text.contains(&format!(" {upper} ")) || text.contains(&format!(" {upper}s "))
    } else {
        let text = spaced(&sentence.to_lowercase());
        text.contains(&format!(" {word} ")) || text.contains(&format!(" {word}s "))
    }
}

/// Whether `text` names any OT of the vocabulary, or the power and cooling plant.
pub(crate) fn names_ot(text: &str) -> bool {
    let lower = text.to_lowercase();
    OT_TERMS
        .iter()
        .any(|(_, words)| words.iter().any(|w| mentions(text, w)))
        || ["chiller", "generator", "crah", "cooling", "power"]
            .iter()
            .any(|w| lower.contains(w))
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
                let named = words.iter().any(|w| mentions(sentence, w));
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
            &*ADDRESSEE,
            &*ANY_DATE,
            &*ROW,
            &*SAMPLE,
            &*TITLE_SYSTEM,
            &*SCOPE_SYSTEM,
            &*COMPANY_ROW,
        ] {
            assert_ne!(pattern.as_str(), "$^");
        }
    }
}
