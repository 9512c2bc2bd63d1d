//! The system boundary statement (seed 004): what is in scope, shared and out of scope, each
//! with the reason, plus subservice organisations and the device triggers that apply. Buyers and
//! auditors read it; it carries no timestamps so the same estate gives the same bytes.

use crate::scope::heading;
use crate::text::{categories, html, html_page, id_list, md_cell, md_text, scope_title};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::responsibility::{domain_title, ResponsibilityMatrix};
use fieldproof_core::{Component, Scope, ScopeDecision, SubserviceMethod, Trigger};
use std::fmt::Write as _;

/// One component row of the statement.
struct Row {
    name: String,
    id: String,
    kind: &'static str,
    zone: &'static str,
    site: &'static str,
    operated_by: &'static str,
    categories: String,
    why: String,
    customer_part: String,
    /// Assets rolled up into it (0: listed on its own).
    assets: usize,
}

impl Row {
    /// `, 42 assets` for a rolled-up component.
    fn assets_note(&self) -> String {
        match self.assets {
            0 => String::new(),
            1 => ", 1 asset".to_string(),
            n => format!(", {n} assets"),
        }
    }
}

/// The assets of the rows, when any component is rolled up.
fn asset_total(rows: &[Row]) -> usize {
    rows.iter().map(|r| r.assets.max(1)).sum()
}

/// The cells of a row between the component and the reason, per section.
type RowCells = fn(&Row) -> Vec<String>;

/// Column headings and middle cells of each section, shared by Markdown and HTML.
fn columns(scope: Scope) -> (&'static [&'static str], RowCells) {
    match scope {
        Scope::In => (
            &["Component", "Kind", "Zone", "Site", "Categories", "Why"],
            |r| {
                vec![
                    r.kind.into(),
                    r.zone.into(),
                    r.site.into(),
                    r.categories.clone(),
                ]
            },
        ),
        Scope::Shared => (
            &[
                "Component",
                "Kind",
                "Site",
                "Categories",
                "Customer's part (see the responsibility matrix)",
                "Why",
            ],
            |r| {
                vec![
                    r.kind.into(),
                    r.site.into(),
                    r.categories.clone(),
                    or_dash(&r.customer_part).into(),
                ]
            },
        ),
        Scope::Out => (&["Component", "Kind", "Operated by", "Site", "Why"], |r| {
            vec![r.kind.into(), r.operated_by.into(), r.site.into()]
        }),
    }
}

/// Everything the statement says, computed once and rendered as Markdown or HTML.
struct Statement {
    organisation: String,
    service: String,
    categories: String,
    soc1: String,
    sections: Vec<(Scope, Vec<Row>)>,
    subservices: Vec<[String; 5]>,
    triggers: Vec<(Trigger, Vec<String>)>,
    /// Whether any component rolls up assets (the summary then counts them).
    rolled_up: bool,
}

const INTRO: &str = "This statement lists the system components of the service and places each inside the system boundary (in scope), partly inside with duties shared with customers (shared), or outside it (out of scope). Scope follows responsibility: a component is in scope when we operate it and it creates or processes customer data, enforces access control, or affects availability and service commitments.";

fn statement(assessment: &Assessment<'_>, matrix: &ResponsibilityMatrix) -> Statement {
    let estate = assessment.estate;
    let row = |c: &Component, d: &ScopeDecision| {
        let why = assessment
            .reasons(c, d)
            .into_iter()
            .next()
            .map(|r| r.sentence())
            .unwrap_or_default();
        let customer_part = matrix
            .rows
            .iter()
            .filter(|r| r.components.binary_search(&c.id).is_ok() && !r.customer.is_empty())
            .map(|r| domain_title(r.domain))
            .collect::<Vec<_>>()
            .join(", ");
        Row {
            name: c.name.clone(),
            id: c.id.clone(),
            kind: c.kind.as_str(),
            zone: c.zone.as_str(),
            site: c.site.as_str(),
            operated_by: c.operated_by.as_str(),
            categories: categories(&d.category_list()),
            why,
            customer_part,
            assets: c.assets.len(),
        }
    };
    let sections = Scope::ALL
        .iter()
        .map(|scope| {
            (
                *scope,
                assessment
                    .with_scope(*scope)
                    .map(|(c, d)| row(c, d))
                    .collect(),
            )
        })
        .collect();
    let soc1: Vec<String> = assessment
        .by_id()
        .filter(|(_, d)| d.soc1_relevant)
        .map(|(c, _)| c.id.clone())
        .collect();
    let mut orgs: Vec<_> = estate.subservice_organisations.iter().collect();
    orgs.sort_by(|a, b| a.id.cmp(&b.id));
    let subservices = orgs
        .into_iter()
        .map(|org| {
            let components: Vec<String> = assessment
                .by_id()
                .filter(|(c, _)| c.subservice.as_deref() == Some(org.id.as_str()))
                .map(|(c, _)| c.id.clone())
                .collect();
            [
                org.name.clone(),
                match org.method {
                    SubserviceMethod::CarveOut => "carve-out".to_string(),
                    SubserviceMethod::Inclusive => "inclusive".to_string(),
                },
                org.services.clone().unwrap_or_default(),
                id_list(&components, 12),
                if org.method == SubserviceMethod::CarveOut {
                    org.complementary_controls.join("; ")
                } else {
                    "(controls included and tested)".to_string()
                },
            ]
        })
        .collect();
    let triggers = Trigger::ALL
        .iter()
        .map(|t| {
            let ids: Vec<String> = assessment
                .by_id()
                .filter(|(_, d)| d.scope != Scope::Out && d.triggers.contains(*t as usize))
                .map(|(c, _)| c.id.clone())
                .collect();
            (*t, ids)
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    let cats = assessment.categories();
    Statement {
        rolled_up: estate.components.iter().any(|c| !c.assets.is_empty()),
        organisation: heading(&estate.organisation, "(organisation not named)").to_string(),
        service: heading(&estate.service, "(service not named)").to_string(),
        categories: if cats.is_empty() {
            "none".to_string()
        } else {
            categories(&cats)
        },
        soc1: if soc1.is_empty() {
            "No component inside the boundary feeds customers' financial reporting.".to_string()
        } else {
            format!(
                "{} component(s) inside the boundary (in scope or shared) feed customers' financial reporting and need SOC 1 / ISAE 3402 control objectives: {}.",
                soc1.len(),
                id_list(&soc1, 12)
            )
        },
        sections,
        subservices,
        triggers,
    }
}

/// The boundary statement as Markdown.
pub fn markdown(assessment: &Assessment<'_>, matrix: &ResponsibilityMatrix) -> String {
    let s = statement(assessment, matrix);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# System boundary statement: {}\n",
        md_text(&s.service)
    );
    let _ = writeln!(
        out,
        "Service organisation: **{}**  \nService: **{}**\n",
        md_text(&s.organisation),
        md_text(&s.service)
    );
    let _ = writeln!(out, "{INTRO}\n");
    let _ = writeln!(
        out,
        "Trust Services Categories implicated: **{}**.\n",
        s.categories
    );
    let _ = writeln!(out, "{}\n", s.soc1);
    if s.rolled_up {
        let _ = writeln!(out, "| Boundary | Components | Assets |\n|---|---|---|");
        for (scope, rows) in &s.sections {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                scope_title(*scope),
                rows.len(),
                asset_total(rows)
            );
        }
    } else {
        let _ = writeln!(out, "| Boundary | Components |\n|---|---|");
        for (scope, rows) in &s.sections {
            let _ = writeln!(out, "| {} | {} |", scope_title(*scope), rows.len());
        }
    }
    for (scope, rows) in &s.sections {
        let _ = writeln!(out, "\n## {}\n", scope_title(*scope));
        if rows.is_empty() {
            let _ = writeln!(out, "None.");
            continue;
        }
        let (heads, cells) = columns(*scope);
        let _ = writeln!(
            out,
            "| {} |\n|{}",
            heads.join(" | "),
            "---|".repeat(heads.len())
        );
        for r in rows {
            let middle: Vec<String> = cells(r).iter().map(|c| md_cell(c)).collect();
            let _ = writeln!(
                out,
                "| {} (`{}`{}) | {} | {} |",
                md_cell(&r.name),
                md_cell(&r.id),
                r.assets_note(),
                middle.join(" | "),
                md_cell(&r.why)
            );
        }
    }
    let _ = writeln!(out, "\n## Subservice organisations\n");
    if s.subservices.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(
            out,
            "| Organisation | Treatment | Services | Components | Complementary controls expected |\n|---|---|---|---|---|"
        );
        for cells in &s.subservices {
            let cells: Vec<String> = cells.iter().map(|c| md_cell(or_dash(c))).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(out, "\n## Device triggers\n");
    if s.triggers.is_empty() {
        let _ = writeln!(
            out,
            "No device trigger applies to a component inside the boundary."
        );
    }
    for (t, ids) in &s.triggers {
        let def = t.definition();
        let _ = writeln!(out, "### {}\n", def.title);
        let _ = writeln!(out, "Components: {}.\n", md_cell(&id_list(ids, 20)));
        let _ = writeln!(
            out,
            "In scope as a result: {}.\n",
            def.brings_into_scope.join("; ")
        );
    }
    out
}

/// The boundary statement as a self-contained HTML page.
pub fn html_document(assessment: &Assessment<'_>, matrix: &ResponsibilityMatrix) -> String {
    let s = statement(assessment, matrix);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>System boundary statement: {}</h1>",
        html(&s.service)
    );
    let _ = writeln!(
        b,
        "<p>Service organisation: <strong>{}</strong><br>Service: <strong>{}</strong></p>",
        html(&s.organisation),
        html(&s.service)
    );
    let _ = writeln!(b, "<p>{}</p>", html(INTRO));
    let _ = writeln!(
        b,
        "<p>Trust Services Categories implicated: <strong>{}</strong>.</p>",
        html(&s.categories)
    );
    let _ = writeln!(b, "<p>{}</p>", html(&s.soc1));
    if s.rolled_up {
        let _ = writeln!(
            b,
            "<table>\n<tr><th>Boundary</th><th>Components</th><th>Assets</th></tr>"
        );
    } else {
        let _ = writeln!(b, "<table>\n<tr><th>Boundary</th><th>Components</th></tr>");
    }
    for (scope, rows) in &s.sections {
        let assets = if s.rolled_up {
            format!("<td>{}</td>", asset_total(rows))
        } else {
            String::new()
        };
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td>{assets}</tr>",
            scope_title(*scope),
            rows.len()
        );
    }
    let _ = writeln!(b, "</table>");
    for (scope, rows) in &s.sections {
        let class = format!("scope-{}", scope.as_str());
        let _ = writeln!(b, "<h2 class=\"{class}\">{}</h2>", scope_title(*scope));
        if rows.is_empty() {
            let _ = writeln!(b, "<p>None.</p>");
            continue;
        }
        let (heads, cells) = columns(*scope);
        let _ = write!(b, "<table>\n<tr>");
        for h in heads {
            let _ = write!(b, "<th>{h}</th>");
        }
        let _ = writeln!(b, "</tr>");
        for r in rows {
            let _ = write!(
                b,
                "<tr><td>{} <code>{}</code>{}</td>",
                html(&r.name),
                html(&r.id),
                html(&r.assets_note())
            );
            for cell in cells(r) {
                let _ = write!(b, "<td>{}</td>", html(&cell));
            }
            let _ = writeln!(b, "<td class=\"why\">{}</td></tr>", html(&r.why));
        }
        let _ = writeln!(b, "</table>");
    }
    let _ = writeln!(b, "<h2>Subservice organisations</h2>");
    if s.subservices.is_empty() {
        let _ = writeln!(b, "<p>None.</p>");
    } else {
        let _ = writeln!(
            b,
            "<table>\n<tr><th>Organisation</th><th>Treatment</th><th>Services</th><th>Components</th><th>Complementary controls expected</th></tr>"
        );
        for cells in &s.subservices {
            let _ = write!(b, "<tr>");
            for c in cells {
                let _ = write!(b, "<td>{}</td>", html(or_dash(c)));
            }
            let _ = writeln!(b, "</tr>");
        }
        let _ = writeln!(b, "</table>");
    }
    let _ = writeln!(b, "<h2>Device triggers</h2>");
    if s.triggers.is_empty() {
        let _ = writeln!(
            b,
            "<p>No device trigger applies to a component inside the boundary.</p>"
        );
    }
    for (t, ids) in &s.triggers {
        let def = t.definition();
        let _ = writeln!(b, "<h3>{}</h3>", html(def.title));
        let _ = writeln!(b, "<p>Components: {}.</p>", html(&id_list(ids, 20)));
        let _ = writeln!(
            b,
            "<p>In scope as a result: {}.</p>",
            html(&def.brings_into_scope.join("; "))
        );
    }
    html_page(&format!("System boundary statement: {}", s.service), &b)
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}
