//! A SOC report review for people: the facts with their pages, what was not found, and the
//! findings.

use crate::contract::ReviewResult;
use fieldproof_review::{Confidence, Found};

fn at<T>(f: &Found<T>) -> (usize, bool) {
    (f.page, f.confidence == Confidence::Heuristic)
}

/// One fact of a review: what it is, its value, and the page it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRow {
    /// What the fact is ("opinion").
    pub label: String,
    /// Its value, or "not found".
    pub value: String,
    /// The page it is on (1 first), when it is one fact of one page.
    pub page: Option<usize>,
    /// Found by a heuristic: a person should confirm it.
    pub to_confirm: bool,
}

impl FactRow {
    fn counted(label: &str, value: String) -> Self {
        FactRow {
            label: label.to_string(),
            value,
            page: None,
            to_confirm: false,
        }
    }

    /// The value with its page: "qualified (p. 2)", "2026-03-14 (p. 2, to confirm)".
    pub fn with_page(&self) -> String {
        match self.page {
            Some(page) => format!(
                "{} (p. {page}{})",
                self.value,
                if self.to_confirm { ", to confirm" } else { "" }
            ),
            None => self.value.clone(),
        }
    }
}

/// The facts of a review as (label, value) pairs, each value with the page it is on or "not
/// found": one list for the terminal summary and the review report.
pub fn review_facts(r: &ReviewResult) -> Vec<(String, String)> {
    fact_rows(r)
        .into_iter()
        .map(|f| {
            let value = f.with_page();
            (f.label, value)
        })
        .collect()
}

/// The facts of a review, each with its page: what [`review_facts`] and the web's review page
/// (which links each page of the stored PDF) show.
pub fn fact_rows(r: &ReviewResult) -> Vec<FactRow> {
    let v = &r.review;
    let mut facts: Vec<FactRow> = Vec::new();
    let mut fact = |name: &str, value: Option<(String, (usize, bool))>| {
        facts.push(match value {
            Some((text, (page, to_confirm))) => FactRow {
                label: name.to_string(),
                value: text,
                page: Some(page),
                to_confirm,
            },
            None => FactRow::counted(name, "not found".to_string()),
        });
    };
    fact(
        "report",
        v.kind
            .as_ref()
            .map(|k| (kind_words(k.value).to_string(), at(k))),
    );
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
        "issue date",
        v.issue_date.as_ref().map(|d| (d.value.to_string(), at(d))),
    );
    fact(
        "system",
        v.system.as_ref().map(|o| (o.value.clone(), at(o))),
    );
    if let Some(a) = &v.assertion {
        fact(
            "management's assertion",
            Some(("included".to_string(), at(a))),
        );
    }
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
        facts.push(FactRow {
            label: "subservice".to_string(),
            value: format!(
                "{}{}",
                s.name,
                match s.method {
                    Some(fieldproof_review::Method::CarveOut) => ", carve-out",
                    Some(fieldproof_review::Method::Inclusive) => ", inclusive",
                    None => "",
                }
            ),
            page: Some(s.page),
            to_confirm: true,
        });
    }
    if let Some(b) = &v.bridge_letter {
        facts.push(FactRow {
            label: "bridge letter".to_string(),
            value: format!("covers to {}", b.value),
            page: Some(b.page),
            to_confirm: false,
        });
    }
    let tested = v.tests.len();
    facts.push(FactRow::counted("CSOCs", v.csocs.len().to_string()));
    facts.push(FactRow::counted("CUECs", v.cuecs.len().to_string()));
    facts.push(FactRow::counted(
        "controls tested",
        if tested == 0 {
            "none as rows (a type 1 report, or tests in prose)".to_string()
        } else {
            tested.to_string()
        },
    ));
    facts.push(FactRow::counted(
        "exceptions",
        format!(
            "{}{}",
            v.exceptions.len(),
            if v.responses.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} management response{}, unaudited)",
                    v.responses.len(),
                    if v.responses.len() == 1 { "" } else { "s" }
                )
            }
        ),
    ));
    facts.push(FactRow::counted(
        "OT named",
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
        },
    ));
    if !v.unread_pages.is_empty() {
        facts.push(FactRow::counted(
            "unread pages",
            v.unread_pages
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    facts
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
    for (name, value) in review_facts(r) {
        out.push_str(&format!("  {name:<22} {value}\n"));
    }
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
    if let Some(rec) = &r.recorded {
        out.push_str(&format!(
            "Recorded as review {} of supplier {} (evidence {}{}).\nNext: fieldproof cuec list --supplier {}\n",
            rec.number,
            rec.supplier,
            rec.evidence.join(", "),
            rec.change_set
                .map(|c| format!(", change set #{c}"))
                .unwrap_or_default(),
            rec.supplier
        ));
    }
    // What a report says may hold control or bidirectional characters: shown, not obeyed.
    fieldproof_core::safe_text::visible(&out).into_owned()
}

fn kind_words(k: fieldproof_review::ReportKind) -> &'static str {
    match k {
        fieldproof_review::ReportKind::Soc1 => "SOC 1",
        fieldproof_review::ReportKind::Soc2 => "SOC 2",
        fieldproof_review::ReportKind::Soc3 => "SOC 3",
        fieldproof_review::ReportKind::Isae3402 => "ISAE 3402",
        fieldproof_review::ReportKind::Isae3000 => "ISAE 3000",
    }
}

fn review_line(r: &crate::contract::ReviewSummary) -> String {
    format!(
        "#{} {} {}{} reviewed {}{}, {} findings, evidence {}",
        r.number,
        r.file,
        r.kind.map(kind_words).unwrap_or("report"),
        match r.report_type {
            Some(fieldproof_review::ReportType::Type1) => " type 1",
            Some(fieldproof_review::ReportType::Type2) => " type 2",
            None => "",
        },
        r.reviewed_on,
        r.covers_to
            .map(|d| format!(" (covers to {d})"))
            .unwrap_or_default(),
        r.findings,
        r.evidence.as_deref().unwrap_or("-")
    )
}

/// `supplier add` in a terminal.
pub fn supplier_saved_text(r: &crate::contract::SupplierSaved) -> String {
    let s = &r.supplier;
    let out = format!(
        "{} supplier {} ({}, {}){}.\n",
        if r.added {
            "Added"
        } else if r.change_set.is_some() {
            "Changed"
        } else {
            "Unchanged:"
        },
        s.id,
        s.name,
        s.criticality.as_str(),
        r.change_set
            .map(|c| format!(", change set #{c}"))
            .unwrap_or_default()
    );
    fieldproof_core::safe_text::visible(&out).into_owned()
}

/// `supplier list` in a terminal.
pub fn supplier_list_text(r: &crate::contract::SupplierList) -> String {
    let mut out = String::new();
    if r.suppliers.is_empty() {
        out.push_str("No suppliers in the register. Add one: fieldproof supplier add ID --name NAME --criticality high\n");
    }
    for s in &r.suppliers {
        out.push_str(&format!(
            "{:<20} {:<8} next review {}{}  CUECs {} open, {} gap, {} addressed, {} n/a\n  {}\n",
            s.supplier.id,
            s.supplier.criticality.as_str(),
            s.next_review_due,
            if s.review_due { " (due)" } else { "" },
            s.cuecs.open,
            s.cuecs.gap,
            s.cuecs.addressed,
            s.cuecs.not_applicable,
            s.latest
                .as_ref()
                .map(review_line)
                .unwrap_or_else(|| "no report reviewed".to_string())
        ));
    }
    if !r.findings.is_empty() {
        out.push_str(&format!("Findings as of {}:\n", r.as_of));
        for f in &r.findings {
            out.push_str(&format!(
                "  {:<8} {}: {}\n",
                f.severity.as_str(),
                f.rule.as_str(),
                f.message
            ));
        }
    }
    fieldproof_core::safe_text::visible(&out).into_owned()
}

fn cuec_lines(out: &mut String, rows: &[crate::contract::CuecRow]) {
    for c in rows {
        let status = c
            .answer
            .as_ref()
            .map(|a| {
                let mut s = a.status.as_str().to_string();
                if !a.controls.is_empty() {
                    s.push_str(&format!(" by {}", a.controls.join(", ")));
                }
                if let Some(o) = &a.owner {
                    s.push_str(&format!(", owner {o}"));
                }
                if let Some(d) = a.due {
                    s.push_str(&format!(", due {d}"));
                }
                s
            })
            .unwrap_or_else(|| "open".to_string());
        out.push_str(&format!(
            "{}/{} CUEC {} (p. {}{}): {}\n  {}\n",
            c.supplier,
            c.review,
            c.number,
            c.page,
            if c.criteria.is_empty() {
                String::new()
            } else {
                format!(", {}", c.criteria.join(", "))
            },
            status,
            c.text
        ));
        if c.answer.is_none() && !c.suggestions.is_empty() {
            out.push_str(&format!(
                "  suggested: {}\n",
                c.suggestions
                    .iter()
                    .map(|s| if s.criteria.is_empty() {
                        format!("{} ({:.0}% of its words)", s.control, s.similarity * 100.0)
                    } else {
                        format!("{} (maps to {})", s.control, s.criteria.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
}

/// `supplier show` in a terminal.
pub fn supplier_detail_text(r: &crate::contract::SupplierDetail) -> String {
    let s = &r.summary;
    let mut out = format!(
        "{} ({}): {}, review every {} months, next review {}{}\n",
        s.supplier.name,
        s.supplier.id,
        s.supplier.criticality.as_str(),
        s.supplier.review_every_months,
        s.next_review_due,
        if s.review_due { " (due)" } else { "" }
    );
    if !s.supplier.services.is_empty() {
        out.push_str(&format!("  services: {}\n", s.supplier.services.join("; ")));
    }
    if !s.supplier.components.is_empty() {
        out.push_str(&format!(
            "  your components it provides or operates: {}\n",
            s.supplier.components.join(", ")
        ));
    }
    out.push_str("Reviews:\n");
    if r.reviews.is_empty() {
        out.push_str("  none yet: fieldproof review REPORT.pdf --supplier ID\n");
    }
    for review in &r.reviews {
        out.push_str(&format!("  {}\n", review_line(review)));
    }
    if !r.findings.is_empty() {
        out.push_str("Findings of the latest review:\n");
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
    if !r.cuecs.is_empty() {
        out.push_str("CUECs of the latest report:\n");
        cuec_lines(&mut out, &r.cuecs);
    }
    fieldproof_core::safe_text::visible(&out).into_owned()
}

/// `cuec list` in a terminal.
pub fn cuec_list_text(r: &crate::contract::CuecList) -> String {
    let mut out = String::new();
    if r.cuecs.is_empty() {
        out.push_str("No CUECs: no supplier's report with CUECs is reviewed.\n");
    }
    cuec_lines(&mut out, &r.cuecs);
    fieldproof_core::safe_text::visible(&out).into_owned()
}

/// `cuec map` / `cuec status` in a terminal.
pub fn cuec_answered_text(r: &crate::contract::CuecAnswered) -> String {
    let a = &r.answer;
    let out = format!(
        "{} CUEC {} of {} review {}: {}{}{}.\n",
        if r.change_set.is_some() {
            "Answered"
        } else {
            "Unchanged:"
        },
        a.cuec,
        a.supplier,
        a.review,
        a.status.as_str(),
        if a.controls.is_empty() {
            String::new()
        } else {
            format!(" by {}", a.controls.join(", "))
        },
        r.change_set
            .map(|c| format!(" (change set #{c})"))
            .unwrap_or_default()
    );
    fieldproof_core::safe_text::visible(&out).into_owned()
}

/// `supplier controls`: the counts, then each control the supplier implements or shares with
/// its path, then the customer's controls by family.
pub fn supplier_controls_text(r: &crate::contract::SupplierControls) -> String {
    use fieldproof_review::provider::ProviderResponsibility as P;
    let t = &r.table;
    let mut out = format!(
        "{} ({}), review {} of {}: {} controls of {}\n",
        r.name,
        r.supplier,
        r.review,
        r.file,
        t.rows.len(),
        t.framework_name
    );
    out.push_str(&format!("Assurance: {}.\n", t.why));
    if !t.covered.is_empty() {
        out.push_str(&format!("Criteria covered: {}.\n", t.covered.join(", ")));
    }
    out.push_str(&format!(
        "{} by the provider, {} shared (a CUEC asks for your part), {} left to you.\n",
        t.provider, t.shared, t.customer
    ));
    for (who, heading) in [
        (P::Provider, "Implemented by the provider"),
        (P::Shared, "Shared"),
    ] {
        let rows: Vec<_> = t
            .rows
            .iter()
            .filter(|row| row.responsibility == who)
            .collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{heading}:\n"));
        for row in rows {
            out.push_str(&format!("  {:<10} {}\n", row.label, row.title));
            if let Some(path) = row.paths.first() {
                out.push_str(&format!("      via {path}\n"));
            }
            if !row.cuecs.is_empty() {
                out.push_str(&format!(
                    "      CUEC {}\n",
                    row.cuecs
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            for e in &row.exceptions {
                out.push_str(&format!("      exception {e}\n"));
            }
        }
    }
    let mut families: std::collections::BTreeMap<String, usize> = Default::default();
    for row in t
        .rows
        .iter()
        .filter(|row| row.responsibility == P::Customer)
    {
        let family = row
            .control
            .split('-')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        *families.entry(family).or_default() += 1;
    }
    if !families.is_empty() {
        out.push_str(&format!(
            "\nLeft to you ({}), by family: {}\n",
            t.customer,
            families
                .iter()
                .map(|(f, n)| format!("{f} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.push_str("--format csv lists every control with its path; --format oscal writes an SSP fragment.\n");
    }
    out
}

/// `supplier controls --format csv`: one row per control, safe to open in a spreadsheet.
pub fn supplier_controls_csv(r: &crate::contract::SupplierControls) -> String {
    use fieldproof_core::safe_text::spreadsheet_record;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "framework",
        "control",
        "label",
        "title",
        "responsibility",
        "criteria",
        "cuecs",
        "exceptions",
        "path",
        "why",
        "supplier",
        "report_sha256",
    ]);
    for row in &r.table.rows {
        let cuecs = row
            .cuecs
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let _ = w.write_record(spreadsheet_record([
            r.table.framework.as_str(),
            row.control.as_str(),
            row.label.as_str(),
            row.title.as_str(),
            row.responsibility.as_str(),
            row.criteria.join("; ").as_str(),
            cuecs.as_str(),
            row.exceptions.join("; ").as_str(),
            row.paths.join(" | ").as_str(),
            row.why.as_str(),
            r.supplier.as_str(),
            r.sha256.as_str(),
        ]));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The review as a report to hand over (Markdown, HTML or PDF through [`crate::doc`]): the
/// facts with their pages, the findings, the scope the report describes, its subservice
/// organisations, CUECs and CSOCs, the exceptions with management's (unaudited) responses,
/// and what was not found.
pub fn review_document(r: &ReviewResult, generated_at: &str) -> crate::doc::Document {
    use crate::doc::{Block, Document};
    let v = &r.review;
    let who = v
        .service_organisation
        .as_ref()
        .map(|o| o.value.clone())
        .unwrap_or_else(|| "the service organisation".to_string());
    let kind = v
        .kind
        .as_ref()
        .map(|k| kind_words(k.value))
        .unwrap_or("SOC");
    let mut doc = Document::new(
        format!("{kind} report of {who}: the reader's review"),
        format!(
            "{} · {} pages · sha256 {} · findings as of {}",
            r.file, v.pages, r.sha256, r.reviewed_on
        ),
    );
    doc.generated_at = Some(generated_at.to_string());
    doc.push(Block::Note(
        "Read by fieldproof with rules, not by a language model: every fact cites the page it is on; \"to confirm\" marks a fact found by a heuristic, and a fact not found is listed as not found, never guessed.".to_string(),
    ));
    doc.heading(2, "What the report says");
    doc.push(Block::Facts(review_facts(r)));
    doc.heading(2, "Findings");
    if r.findings.is_empty() {
        doc.para(format!("No findings as of {}.", r.reviewed_on));
    } else {
        doc.table(
            &["Severity", "Rule", "Page", "Finding"],
            r.findings
                .iter()
                .map(|f| {
                    vec![
                        f.severity.as_str().to_string(),
                        f.rule.as_str().to_string(),
                        f.page.map(|p| p.to_string()).unwrap_or_default(),
                        f.message.clone(),
                    ]
                })
                .collect(),
            &[10, 20, 6, 64],
        );
    }
    if !v.subservice.is_empty() {
        doc.heading(2, "Subservice organisations");
        doc.table(
            &["Organisation", "Services", "Method", "Page"],
            v.subservice
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.services.clone(),
                        match s.method {
                            Some(fieldproof_review::Method::CarveOut) => "carve-out",
                            Some(fieldproof_review::Method::Inclusive) => "inclusive",
                            None => "not stated",
                        }
                        .to_string(),
                        s.page.to_string(),
                    ]
                })
                .collect(),
            &[25, 45, 15, 15],
        );
    }
    for (title, list, intro) in [
        (
            "Complementary user entity controls (CUECs)",
            &v.cuecs,
            "What the report says the reader must do for its controls to work: each needs an answer (cuec list).",
        ),
        (
            "Complementary subservice organisation controls (CSOCs)",
            &v.csocs,
            "What the report relies on its subservice organisations to do: their own reports cover it.",
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        doc.heading(2, title);
        doc.para(intro);
        doc.table(
            &["#", "Control", "Criteria", "Page"],
            list.iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        (i + 1).to_string(),
                        c.text.clone(),
                        c.criteria.join(", "),
                        c.page.to_string(),
                    ]
                })
                .collect(),
            &[5, 65, 18, 12],
        );
    }
    if !v.exceptions.is_empty() {
        doc.heading(2, "Exceptions in the tests of controls");
        doc.table(
            &["Criteria", "Deviations", "Exception", "Page"],
            v.exceptions
                .iter()
                .map(|e| {
                    vec![
                        e.criteria.join(", "),
                        e.deviations.clone().unwrap_or_default(),
                        e.text.clone(),
                        e.page.to_string(),
                    ]
                })
                .collect(),
            &[14, 14, 60, 12],
        );
    }
    if !v.responses.is_empty() {
        doc.heading(3, "Management's responses (other information, not audited)");
        doc.push(Block::Bullets(
            v.responses
                .iter()
                .map(|m| format!("{} (p. {})", m.text, m.page))
                .collect(),
        ));
    }
    if !v.ot.is_empty() {
        doc.heading(2, "Operational technology named");
        doc.table(
            &["Term", "Excluded", "Sentence", "Page"],
            v.ot.iter()
                .map(|m| {
                    vec![
                        m.term.clone(),
                        if m.excluded { "yes" } else { "no" }.to_string(),
                        m.text.clone(),
                        m.page.to_string(),
                    ]
                })
                .collect(),
            &[14, 10, 64, 12],
        );
    }
    if !v.not_found.is_empty() {
        doc.heading(2, "Not found");
        doc.push(Block::Bullets(v.not_found.clone()));
    }
    if let Some(rec) = &r.recorded {
        doc.para(format!(
            "Recorded as review {} of supplier {} (evidence {}).",
            rec.number,
            rec.supplier,
            rec.evidence.join(", ")
        ));
    }
    doc
}

/// `cuec own`: your CUECs, each with the controls that rely on it.
pub fn own_cuecs_text(r: &fieldproof_catalog::views::OwnCuecs) -> String {
    let mut out = format!(
        "Your CUECs ({}, {}): what your customers must do, from your responsibility matrix\n",
        if r.service.trim().is_empty() {
            "service not named"
        } else {
            r.service.as_str()
        },
        if r.organisation.trim().is_empty() {
            "organisation not named"
        } else {
            r.organisation.as_str()
        },
    );
    if r.cuecs.is_empty() {
        out.push_str("None: no domain of the matrix gives customers a duty.\n");
    }
    for c in &r.cuecs {
        out.push_str(&format!("\n{} {}: {}\n", c.id, c.domain, c.text));
        if !c.components.is_empty() {
            out.push_str(&format!("  components: {}\n", c.components.join(", ")));
        }
        if c.controls.is_empty() {
            out.push_str(
                "  no applicable control of yours serves this domain on these components\n",
            );
        }
        for k in &c.controls {
            out.push_str(&format!(
                "  relies on it: {} {} ({})\n",
                k.control, k.title, k.responsibility
            ));
        }
        if !c.criteria.is_empty() {
            out.push_str(&format!("  criteria: {}\n", c.criteria.join(", ")));
        }
    }
    fieldproof_core::safe_text::visible(&out).into_owned()
}

/// `cuec own --format csv`: one row per CUEC, spreadsheet-safe.
pub fn own_cuecs_csv(r: &fieldproof_catalog::views::OwnCuecs) -> String {
    use fieldproof_core::safe_text::spreadsheet_record;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "cuec",
        "domain",
        "text",
        "components",
        "controls",
        "criteria",
    ]);
    for c in &r.cuecs {
        let controls = c
            .controls
            .iter()
            .map(|k| k.control.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let _ = w.write_record(spreadsheet_record([
            c.id.as_str(),
            c.domain.as_str(),
            c.text.as_str(),
            c.components.join("; ").as_str(),
            controls.as_str(),
            c.criteria.join("; ").as_str(),
        ]));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
