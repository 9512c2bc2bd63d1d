//! Scope results for machines and people: streamed JSON (the CLI contract), an aligned table,
//! Markdown, and the `--explain` text of one component.

use crate::text::{categories, md_cell};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::scope::rules::SCOPE_RULES;
use fieldproof_core::scope::Reason;
use fieldproof_core::{Component, Finding, ScopeDecision};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct ReasonJson<'a> {
    rule: &'static str,
    outcome: &'static str,
    decisive: bool,
    because: &'a [String],
}

#[derive(Serialize)]
struct ComponentJson<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    operated_by: &'static str,
    site: &'static str,
    zone: &'static str,
    declared_scope: Option<&'static str>,
    scope: &'static str,
    triggers: Vec<&'static str>,
    tsc_categories: Vec<&'static str>,
    soc1_relevant: bool,
    reasons: Vec<ReasonJson<'a>>,
}

fn reasons_json(reasons: &[Reason]) -> Vec<ReasonJson<'_>> {
    reasons
        .iter()
        .map(|r| ReasonJson {
            rule: r.rule,
            outcome: r.outcome.as_str(),
            decisive: r.decisive,
            because: &r.because,
        })
        .collect()
}

/// Writes the scope JSON document: `organisation`, `service`, `summary`, `scope_rules` (the
/// meaning of each rule id used in reasons), `components` (id order) and `findings`.
/// Components are streamed one by one, so memory stays flat however large the estate.
pub fn write_json(assessment: &Assessment<'_>, out: &mut dyn Write) -> io::Result<()> {
    let estate = assessment.estate;
    let counts = assessment.counts();
    let summary = serde_json::json!({
        "components": estate.components.len(),
        "in": counts.in_scope,
        "shared": counts.shared,
        "out": counts.out_of_scope,
        "tsc_categories": assessment.categories().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "soc1_relevant": assessment.soc1_relevant(),
        "findings": assessment.findings.len(),
        "max_severity": assessment.max_severity().map(|s| s.as_str()),
    });
    let rules: serde_json::Map<String, serde_json::Value> = SCOPE_RULES
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                serde_json::json!({ "outcome": r.outcome.as_str(), "meaning": r.meaning }),
            )
        })
        .collect();
    write!(
        out,
        "{{\"organisation\":{},\"service\":{},\"summary\":{},\"scope_rules\":{},\"components\":[",
        serde_json::to_string(&estate.organisation)?,
        serde_json::to_string(&estate.service)?,
        summary,
        serde_json::Value::Object(rules)
    )?;
    // Serialising into a reused buffer and writing it in large pieces is markedly faster than
    // many small writes through the writer.
    let mut buffer = Vec::with_capacity(1 << 20);
    for (index, (c, d)) in assessment.by_id().enumerate() {
        buffer.extend_from_slice(if index > 0 { b",\n" } else { b"\n" });
        let reasons = assessment.reasons(c, d);
        serde_json::to_writer(&mut buffer, &component_json(c, d, &reasons))?;
        if buffer.len() >= 1 << 20 {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    buffer.extend_from_slice(b"\n],\"findings\":[");
    for (index, finding) in assessment.findings.iter().enumerate() {
        buffer.extend_from_slice(if index > 0 { b",\n" } else { b"\n" });
        serde_json::to_writer(&mut buffer, finding)?;
        if buffer.len() >= 1 << 20 {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    buffer.extend_from_slice(b"\n]}\n");
    out.write_all(&buffer)
}

fn component_json<'a>(
    c: &'a Component,
    d: &ScopeDecision,
    reasons: &'a [Reason],
) -> ComponentJson<'a> {
    ComponentJson {
        id: &c.id,
        name: &c.name,
        kind: c.kind.as_str(),
        operated_by: c.operated_by.as_str(),
        site: c.site.as_str(),
        zone: c.zone.as_str(),
        declared_scope: c.declared_scope.map(|s| s.as_str()),
        scope: d.scope.as_str(),
        triggers: d.trigger_list().iter().map(|t| t.as_str()).collect(),
        tsc_categories: d.category_list().iter().map(|t| t.as_str()).collect(),
        soc1_relevant: d.soc1_relevant,
        reasons: reasons_json(reasons),
    }
}

/// The JSON object of one component, as in the scope document (for `--explain --format json`).
pub fn component_value(
    assessment: &Assessment<'_>,
    c: &Component,
    d: &ScopeDecision,
) -> serde_json::Value {
    let reasons = assessment.reasons(c, d);
    let findings: Vec<&Finding> = assessment
        .findings
        .iter()
        .filter(|f| f.component.as_deref() == Some(c.id.as_str()))
        .collect();
    let mut value = serde_json::to_value(component_json(c, d, &reasons)).unwrap_or_default();
    value["facts"] = serde_json::to_value(c.facts).unwrap_or_default();
    value["findings"] = serde_json::to_value(findings).unwrap_or_default();
    value
}

/// Writes an aligned plain-text table, then the findings and a one-line summary.
pub fn write_table(assessment: &Assessment<'_>, out: &mut dyn Write) -> io::Result<()> {
    let header = [
        "ID",
        "KIND",
        "OPERATED_BY",
        "SITE",
        "SCOPE",
        "DECLARED",
        "TRIGGERS",
        "CATEGORIES",
        "SOC1",
    ];
    let rows: Vec<[String; 9]> = assessment
        .by_id()
        .map(|(c, d)| {
            [
                c.id.clone(),
                c.kind.to_string(),
                c.operated_by.to_string(),
                c.site.to_string(),
                d.scope.to_string(),
                c.declared_scope.map_or("-".to_string(), |s| s.to_string()),
                join_or_dash(d.trigger_list().iter().map(|t| t.as_str())),
                join_or_dash(d.category_list().iter().map(|t| t.as_str())),
                if d.soc1_relevant { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| -> String {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(&header))?;
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    write_findings_text(&assessment.findings, out)?;
    let n = assessment.counts();
    writeln!(
        out,
        "\n{} components: {} in scope, {} shared, {} out of scope; {} findings",
        assessment.estate.components.len(),
        n.in_scope,
        n.shared,
        n.out_of_scope,
        assessment.findings.len()
    )
}

fn join_or_dash<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() {
        "-".to_string()
    } else {
        list.join(",")
    }
}

fn finding_subject(f: &Finding) -> String {
    match (&f.component, &f.subservice) {
        (Some(c), _) => c.clone(),
        (None, Some(s)) => format!("subservice {s}"),
        (None, None) => "-".to_string(),
    }
}

fn write_findings_text(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "\nNo scope findings.");
    }
    writeln!(out, "\nFindings:")?;
    for f in findings {
        writeln!(
            out,
            "  [{}] {} {}: {}",
            f.severity,
            f.rule,
            finding_subject(f),
            f.message
        )?;
    }
    Ok(())
}

/// Writes the scope as Markdown: summary, a component table with the decisive reason, findings.
pub fn write_markdown(assessment: &Assessment<'_>, out: &mut dyn Write) -> io::Result<()> {
    let estate = assessment.estate;
    let n = assessment.counts();
    writeln!(
        out,
        "# Scope: {}\n",
        heading(&estate.service, "unnamed service")
    )?;
    writeln!(
        out,
        "Organisation: {}\n",
        heading(&estate.organisation, "not named")
    )?;
    writeln!(
        out,
        "{} components: {} in scope, {} shared, {} out of scope. Categories implicated: {}.\n",
        estate.components.len(),
        n.in_scope,
        n.shared,
        n.out_of_scope,
        if assessment.categories().is_empty() {
            "none".to_string()
        } else {
            categories(&assessment.categories())
        }
    )?;
    writeln!(
        out,
        "| Component | Kind | Scope | Declared | Triggers | Categories | SOC 1 | Why |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    for (c, d) in assessment.by_id() {
        let reason = assessment
            .reasons(c, d)
            .into_iter()
            .next()
            .map(|r| r.sentence())
            .unwrap_or_default();
        writeln!(
            out,
            "| {} (`{}`) | {} | {} | {} | {} | {} | {} | {} |",
            md_cell(&c.name),
            md_cell(&c.id),
            c.kind,
            d.scope,
            c.declared_scope.map_or("-".to_string(), |s| s.to_string()),
            join_or_dash(d.trigger_list().iter().map(|t| t.as_str())),
            categories(&d.category_list()),
            if d.soc1_relevant { "yes" } else { "no" },
            md_cell(&reason)
        )?;
    }
    writeln!(out, "\n## Findings\n")?;
    if assessment.findings.is_empty() {
        writeln!(out, "No scope findings.")?;
    } else {
        writeln!(out, "| Severity | Rule | Subject | Finding |")?;
        writeln!(out, "|---|---|---|---|")?;
        for f in &assessment.findings {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                f.severity,
                f.rule,
                md_cell(&finding_subject(f)),
                md_cell(&f.message)
            )?;
        }
    }
    Ok(())
}

pub(crate) fn heading<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

/// Writes the explanation of one component's decision: facts, every matching rule with the
/// facts behind it, triggers and what they bring into scope, categories, SOC 1, findings.
pub fn write_explanation(
    assessment: &Assessment<'_>,
    c: &Component,
    d: &ScopeDecision,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{} ({})", c.name, c.id)?;
    writeln!(
        out,
        "  kind={} operated_by={} site={} zone={}{}",
        c.kind,
        c.operated_by,
        c.site,
        c.zone,
        c.subservice
            .as_deref()
            .map(|s| format!(" subservice={s}"))
            .unwrap_or_default()
    )?;
    let facts: Vec<&str> = c.facts.iter().map(|f| f.as_str()).collect();
    writeln!(
        out,
        "  facts: {}",
        if facts.is_empty() {
            "none".to_string()
        } else {
            facts.join(", ")
        }
    )?;
    writeln!(
        out,
        "\nScope: {}{}",
        d.scope,
        c.declared_scope
            .map(|s| format!(" (declared in the current report: {s})"))
            .unwrap_or_default()
    )?;
    writeln!(out, "\nRules that matched (the first decides):")?;
    for r in assessment.reasons(c, d) {
        writeln!(
            out,
            "  {} {} -> {}: {}",
            if r.decisive { "*" } else { " " },
            r.rule,
            r.outcome,
            r.meaning
        )?;
        writeln!(out, "      because {}", r.because.join("; "))?;
    }
    let triggers = d.trigger_list();
    writeln!(
        out,
        "\nTriggers:{}",
        if triggers.is_empty() { " none" } else { "" }
    )?;
    for t in triggers {
        let def = t.definition();
        writeln!(out, "  {}: {}", t, def.title)?;
        writeln!(
            out,
            "      brings into scope: {}",
            def.brings_into_scope.join("; ")
        )?;
    }
    writeln!(
        out,
        "\nTrust Services Categories: {}",
        if d.categories.is_empty() {
            "none (out of scope)".to_string()
        } else {
            categories(&d.category_list())
        }
    )?;
    writeln!(
        out,
        "SOC 1 relevant: {}",
        if d.soc1_relevant { "yes" } else { "no" }
    )?;
    let findings: Vec<Finding> = assessment
        .findings
        .iter()
        .filter(|f| f.component.as_deref() == Some(c.id.as_str()))
        .cloned()
        .collect();
    write_findings_text(&findings, out)
}
