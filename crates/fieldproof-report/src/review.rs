//! A SOC report review for people: the facts with their pages, what was not found, and the
//! findings.

use crate::contract::ReviewResult;
use fieldproof_review::{Confidence, Found};

fn at<T>(f: &Found<T>) -> String {
    format!(
        "p. {}{}",
        f.page,
        if f.confidence == Confidence::Heuristic {
            ", to confirm"
        } else {
            ""
        }
    )
}

/// `review` in a terminal.
pub fn review_text(r: &ReviewResult) -> String {
    let v = &r.review;
    let mut out = format!(
        "Review of {} ({} pages, sha256 {}):\n",
        r.file,
        v.pages,
        &r.sha256[..r.sha256.len().min(12)]
    );
    let mut fact = |name: &str, value: Option<(String, String)>| {
        out.push_str(&match value {
            Some((text, page)) => format!("  {name:<22} {text} ({page})\n"),
            None => format!("  {name:<22} not found\n"),
        });
    };
    let kind = |k: fieldproof_review::ReportKind| {
        match k {
            fieldproof_review::ReportKind::Soc1 => "SOC 1",
            fieldproof_review::ReportKind::Soc2 => "SOC 2",
            fieldproof_review::ReportKind::Soc3 => "SOC 3",
            fieldproof_review::ReportKind::Isae3402 => "ISAE 3402",
            fieldproof_review::ReportKind::Isae3000 => "ISAE 3000",
        }
        .to_string()
    };
    fact("report", v.kind.as_ref().map(|k| (kind(k.value), at(k))));
    fact(
        "type",
        v.report_type.as_ref().map(|t| {
            (
                match t.value {
                    fieldproof_review::ReportType::Type1 => "type 1".to_string(),
                    fieldproof_review::ReportType::Type2 => "type 2".to_string(),
                },
                at(t),
            )
        }),
    );
    match (&v.period, &v.as_of) {
        (Some(p), _) => fact(
            "period",
            Some((format!("{}..{}", p.value.0, p.value.1), at(p))),
        ),
        (None, Some(a)) => fact("as of", Some((a.value.to_string(), at(a)))),
        (None, None) => fact("period or as of", None),
    }
    fact(
        "service organisation",
        v.service_organisation
            .as_ref()
            .map(|o| (o.value.clone(), at(o))),
    );
    fact(
        "service auditor",
        v.service_auditor.as_ref().map(|o| (o.value.clone(), at(o))),
    );
    fact(
        "opinion",
        v.opinion
            .as_ref()
            .map(|o| (format!("{:?}", o.value).to_lowercase(), at(o))),
    );
    if !v.categories.is_empty() {
        let names: Vec<&str> = v.categories.iter().map(|c| c.value.as_str()).collect();
        fact(
            "categories",
            v.categories.first().map(|c| (names.join(", "), at(c))),
        );
    }
    for s in &v.subservice {
        out.push_str(&format!(
            "  subservice             {}{} (p. {}, to confirm)\n",
            s.name,
            match s.method {
                Some(fieldproof_review::Method::CarveOut) => ", carve-out",
                Some(fieldproof_review::Method::Inclusive) => ", inclusive",
                None => "",
            },
            s.page
        ));
    }
    out.push_str(&format!(
        "  CUECs                  {}\n  exceptions             {}\n  OT named               {}\n",
        v.cuecs.len(),
        v.exceptions.len(),
        if v.ot.is_empty() {
            "none".to_string()
        } else {
            v.ot.iter()
                .map(|m| {
                    format!(
                        "{} (p. {}{})",
                        m.term,
                        m.page,
                        if m.excluded { ", excluded" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    if r.findings.is_empty() {
        out.push_str(&format!("No findings as of {}.\n", r.reviewed_on));
    } else {
        out.push_str(&format!("Findings as of {}:\n", r.reviewed_on));
        for f in &r.findings {
            out.push_str(&format!(
                "  {:<8} {}{}: {}\n",
                f.severity.as_str(),
                f.rule.as_str(),
                f.page.map(|p| format!(" (p. {p})")).unwrap_or_default(),
                f.message
            ));
        }
    }
    // What a report says may hold control or bidirectional characters: shown, not obeyed.
    fieldproof_core::safe_text::visible(&out).into_owned()
}
