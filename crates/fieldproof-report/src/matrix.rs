//! The shared responsibility matrix as Markdown, CSV and HTML, with the numbered complementary
//! user entity controls (CUECs) and complementary subservice organisation controls (CSOCs).

use crate::scope::heading;
use crate::text::{html, html_page, id_list, md_cell, md_text};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::responsibility::{domain_title, ComplementaryControl, ResponsibilityMatrix};
use fieldproof_core::safe_text::spreadsheet_record;
use std::fmt::Write as _;

/// How many component ids a Markdown or HTML cell lists before "and N more" (CSV lists all).
const SHOWN_IDS: usize = 12;

const INTRO: &str = "Who does what for each domain of the service. The customer column lists the complementary user entity controls (CUECs) the service relies on; rows marked as stated use wording agreed in the estate, the others are derived from the components and the device triggers they fire.";

fn customer_cell(text: &str) -> &str {
    if text.trim().is_empty() {
        "No customer duty"
    } else {
        text
    }
}

fn vendor_heading(assessment: &Assessment<'_>) -> String {
    format!(
        "{} (vendor)",
        heading(&assessment.estate.organisation, "We")
    )
}

/// The matrix as Markdown.
pub fn markdown(assessment: &Assessment<'_>, matrix: &ResponsibilityMatrix) -> String {
    let mut out = String::new();
    let service = md_text(heading(&assessment.estate.service, "(service not named)"));
    let _ = writeln!(
        out,
        "# Shared responsibility matrix: {service}\n\n{INTRO}\n"
    );
    if matrix.rows.is_empty() {
        let _ = writeln!(
            out,
            "No domain applies: no component inside the boundary shares duties with customers."
        );
    } else {
        let _ = writeln!(
            out,
            "| Domain | {} | Customer | Applies to | Basis |\n|---|---|---|---|---|",
            md_cell(&vendor_heading(assessment))
        );
        for r in &matrix.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                domain_title(r.domain),
                md_cell(&r.vendor),
                md_cell(customer_cell(&r.customer)),
                md_cell(&id_list(&r.components, SHOWN_IDS)),
                md_cell(&r.basis.join("; "))
            );
        }
    }
    controls_markdown(
        &mut out,
        "Complementary user entity controls (CUECs)",
        &matrix.cuecs,
    );
    controls_markdown(
        &mut out,
        "Complementary subservice organisation controls (CSOCs)",
        &matrix.csocs,
    );
    out
}

fn controls_markdown(out: &mut String, title: &str, controls: &[ComplementaryControl]) {
    let _ = writeln!(out, "\n## {title}\n");
    if controls.is_empty() {
        let _ = writeln!(out, "None.");
    }
    for c in controls {
        let _ = writeln!(
            out,
            "- **{}** ({}): {}",
            c.id,
            md_cell(&c.about),
            md_cell(&c.text)
        );
    }
}

/// The matrix as CSV: one row per domain, every component id listed (`;`-separated).
pub fn csv(matrix: &ResponsibilityMatrix) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "domain",
        "title",
        "vendor",
        "customer",
        "components",
        "basis",
        "stated",
    ]);
    for r in &matrix.rows {
        let _ = writer.write_record(spreadsheet_record([
            r.domain.as_str(),
            domain_title(r.domain),
            &r.vendor,
            &r.customer,
            &r.components.join(";"),
            &r.basis.join("; "),
            if r.stated { "true" } else { "false" },
        ]));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The matrix as a self-contained HTML page.
pub fn html_document(assessment: &Assessment<'_>, matrix: &ResponsibilityMatrix) -> String {
    let service = heading(&assessment.estate.service, "(service not named)");
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Shared responsibility matrix: {}</h1>\n<p>{}</p>",
        html(service),
        html(INTRO)
    );
    if matrix.rows.is_empty() {
        let _ = writeln!(b, "<p>No domain applies: no component inside the boundary shares duties with customers.</p>");
    } else {
        let _ = writeln!(
            b,
            "<table>\n<tr><th>Domain</th><th>{}</th><th>Customer</th><th>Applies to</th><th>Basis</th></tr>",
            html(&vendor_heading(assessment))
        );
        for r in &matrix.rows {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"why\">{}</td></tr>",
                html(domain_title(r.domain)),
                html(&r.vendor),
                html(customer_cell(&r.customer)),
                html(&id_list(&r.components, SHOWN_IDS)),
                html(&r.basis.join("; "))
            );
        }
        let _ = writeln!(b, "</table>");
    }
    for (title, controls) in [
        ("Complementary user entity controls (CUECs)", &matrix.cuecs),
        (
            "Complementary subservice organisation controls (CSOCs)",
            &matrix.csocs,
        ),
    ] {
        let _ = writeln!(b, "<h2>{title}</h2>");
        if controls.is_empty() {
            let _ = writeln!(b, "<p>None.</p>");
            continue;
        }
        let _ = writeln!(b, "<ul>");
        for c in controls.iter() {
            let _ = writeln!(
                b,
                "<li><strong>{}</strong> ({}): {}</li>",
                html(&c.id),
                html(&c.about),
                html(&c.text)
            );
        }
        let _ = writeln!(b, "</ul>");
    }
    html_page(&format!("Shared responsibility matrix: {service}"), &b)
}
