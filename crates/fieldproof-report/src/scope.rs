//! Scope results for machines and people: streamed JSON (the CLI contract), an aligned table,
//! Markdown, and the `--explain` text of one component.

use crate::text::{categories, md_cell, md_text};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::component::Facts;
use fieldproof_core::scope::rules::SCOPE_RULES;
use fieldproof_core::scope::Reason;
use fieldproof_core::{Asset, Component, Finding, ScopeDecision};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One rule that matched a component, in the scope JSON.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReasonJson<'a> {
    /// Rule id (its meaning is in `scope_rules`).
    pub rule: &'static str,
    /// The scope the rule gives.
    pub outcome: &'static str,
    /// Whether this rule decided (the first match).
    pub decisive: bool,
    /// The facts that made it match.
    pub because: &'a [String],
}

/// One component of the scope JSON.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ComponentJson<'a> {
    /// Component id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Kind.
    pub kind: &'static str,
    /// Who operates it.
    pub operated_by: &'static str,
    /// Where it runs.
    pub site: &'static str,
    /// Network zone.
    pub zone: &'static str,
    /// What the current report says (`in`, `shared`, `out`), or null.
    pub declared_scope: Option<&'static str>,
    /// The scope decision: `in`, `shared` or `out`.
    pub scope: &'static str,
    /// Device triggers fired.
    pub triggers: Vec<&'static str>,
    /// Trust Services Categories implicated.
    pub tsc_categories: Vec<&'static str>,
    /// Whether it is relevant to SOC 1.
    pub soc1_relevant: bool,
    /// The components support reaches it through.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub access_via: &'a [String],
    /// The deciding rule first, then the other rules that matched.
    pub reasons: Vec<ReasonJson<'a>>,
    /// The assets rolled up into it (absent for a component listed on its own): ids, names,
    /// and what differs from the component.
    #[serde(skip_serializing_if = "<[Asset]>::is_empty")]
    pub assets: &'a [Asset],
}

/// The summary of the scope JSON.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScopeSummary {
    /// Components.
    pub components: usize,
    /// In scope.
    #[serde(rename = "in")]
    pub in_scope: usize,
    /// Shared.
    pub shared: usize,
    /// Out of scope.
    #[serde(rename = "out")]
    pub out_of_scope: usize,
    /// Categories implicated by some component.
    pub tsc_categories: Vec<&'static str>,
    /// Whether any component is relevant to SOC 1.
    pub soc1_relevant: bool,
    /// Number of findings.
    pub findings: usize,
    /// The most severe finding's severity, or null.
    pub max_severity: Option<&'static str>,
}

/// What a scope rule gives and means.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RuleMeaning {
    /// The scope it gives.
    pub outcome: &'static str,
    /// Why, in a sentence.
    pub meaning: &'static str,
}

/// The scope JSON document (`scope --format json`, `scope.json`). [`write_json`] streams it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScopeDocument<'a> {
    /// The organisation.
    pub organisation: &'a str,
    /// The service.
    pub service: &'a str,
    /// Counts and categories.
    pub summary: ScopeSummary,
    /// The meaning of every rule id used in reasons.
    pub scope_rules: BTreeMap<&'static str, RuleMeaning>,
    /// Every component, in id order.
    pub components: Vec<ComponentJson<'a>>,
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
}

/// `scope --explain ID --format json`: one component with its facts and findings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ComponentExplanation<'a> {
    /// The component as in the scope document.
    #[serde(flatten)]
    pub component: ComponentJson<'a>,
    /// Its true facts.
    pub facts: Facts,
    /// Its findings.
    pub findings: Vec<&'a Finding>,
    /// With `--assets`: every rolled-up asset with the scope it would get on its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub asset_decisions: Vec<AssetDecision<'a>>,
}

/// One rolled-up asset and the scope it would get on its own.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AssetDecision<'a> {
    /// The asset id.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// What differs from the component (`kind=hmi`, `-affects_availability`), if anything.
    pub differs: Vec<String>,
    /// The scope decision it would get on its own.
    pub scope: &'static str,
}

/// Every asset of `c` with what differs from it and its own scope decision.
pub fn asset_decisions<'a>(
    assessment: &Assessment<'_>,
    c: &'a Component,
) -> Vec<AssetDecision<'a>> {
    let methods = fieldproof_core::scope::SubserviceMethods::of(assessment.estate);
    let method = methods.method_for(c);
    let own = fieldproof_core::scope::decide(c, method).scope;
    c.assets
        .iter()
        .map(|a| {
            let mut differs = Vec::new();
            if let Some(kind) = a.kind {
                differs.push(format!("kind={kind}"));
            }
            if let Some(operated_by) = a.operated_by {
                differs.push(format!("operated_by={operated_by}"));
            }
            if let Some(site) = a.site {
                differs.push(format!("site={site}"));
            }
            if let Some(zone) = a.zone {
                differs.push(format!("zone={zone}"));
            }
            if let Some(facts) = a.facts {
                for fact in fieldproof_core::Fact::ALL {
                    match (facts.has(*fact), c.has(*fact)) {
                        (true, false) => differs.push(format!("+{fact}")),
                        (false, true) => differs.push(format!("-{fact}")),
                        _ => {}
                    }
                }
            }
            let scope = if a.differs() {
                fieldproof_core::scope::decide(&c.as_asset(a), method).scope
            } else {
                own
            };
            AssetDecision {
                id: &a.id,
                name: &a.name,
                differs,
                scope: scope.as_str(),
            }
        })
        .collect()
}

/// Writes the assets of `c`: id, name, what differs, and the scope each would get alone.
pub fn write_assets(
    assessment: &Assessment<'_>,
    c: &Component,
    d: &ScopeDecision,
    out: &mut dyn Write,
) -> io::Result<()> {
    if c.assets.is_empty() {
        return writeln!(
            out,
            "\nAssets: none rolled up ({} is listed on its own).",
            c.id
        );
    }
    writeln!(
        out,
        "\nAssets ({}; the component holds the union of their facts):",
        c.assets.len()
    )?;
    let decisions = asset_decisions(assessment, c);
    let id_width = decisions.iter().map(|a| a.id.len()).max().unwrap_or(0);
    let name_width = decisions.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for a in decisions {
        let alone = if a.scope == d.scope.as_str() {
            String::new()
        } else {
            format!("  alone: {} (differs from the component)", a.scope)
        };
        writeln!(
            out,
            "  {:id_width$}  {:name_width$}  {}{alone}",
            a.id,
            a.name,
            if a.differs.is_empty() {
                "same as the component".to_string()
            } else {
                a.differs.join(" ")
            }
        )?;
    }
    Ok(())
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

/// The summary of an assessment.
pub fn summary(assessment: &Assessment<'_>) -> ScopeSummary {
    let counts = assessment.counts();
    ScopeSummary {
        components: assessment.estate.components.len(),
        in_scope: counts.in_scope,
        shared: counts.shared,
        out_of_scope: counts.out_of_scope,
        tsc_categories: assessment.categories().iter().map(|c| c.as_str()).collect(),
        soc1_relevant: assessment.soc1_relevant(),
        findings: assessment.findings.len(),
        max_severity: assessment.max_severity().map(|s| s.as_str()),
    }
}

/// The meaning of every scope rule, by id.
pub fn rule_meanings() -> BTreeMap<&'static str, RuleMeaning> {
    SCOPE_RULES
        .iter()
        .map(|r| {
            (
                r.id,
                RuleMeaning {
                    outcome: r.outcome.as_str(),
                    meaning: r.meaning,
                },
            )
        })
        .collect()
}

/// Writes the scope JSON document ([`ScopeDocument`]): `organisation`, `service`, `summary`,
/// `scope_rules`, `components` (id order) and `findings`. Components are streamed one by one,
/// so memory stays flat however large the estate.
pub fn write_json(assessment: &Assessment<'_>, out: &mut dyn Write) -> io::Result<()> {
    let estate = assessment.estate;
    write!(
        out,
        "{{\"organisation\":{},\"service\":{},\"summary\":{},\"scope_rules\":{},\"components\":[",
        serde_json::to_string(&estate.organisation)?,
        serde_json::to_string(&estate.service)?,
        serde_json::to_string(&summary(assessment))?,
        serde_json::to_string(&rule_meanings())?
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

/// One component as the scope document shows it (`reasons` may be empty for a table).
pub fn component_json<'a>(
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
        access_via: &c.access_via,
        reasons: reasons_json(reasons),
        assets: &c.assets,
    }
}

/// One component explained, as in `scope --explain ID --format json`.
pub fn explanation<'a>(
    assessment: &'a Assessment<'_>,
    c: &'a Component,
    d: &ScopeDecision,
    reasons: &'a [Reason],
) -> ComponentExplanation<'a> {
    ComponentExplanation {
        component: component_json(c, d, reasons),
        facts: c.facts,
        findings: assessment
            .findings
            .iter()
            .filter(|f| f.component.as_deref() == Some(c.id.as_str()))
            .collect(),
        asset_decisions: Vec::new(),
    }
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
        md_text(heading(&estate.service, "unnamed service"))
    )?;
    writeln!(
        out,
        "Organisation: {}\n",
        md_text(heading(&estate.organisation, "not named"))
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
    if !c.assets.is_empty() {
        writeln!(
            out,
            "  assets: {} rolled up (--assets lists them)",
            c.assets.len()
        )?;
    }
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

/// The rule tables behind every decision: scope rules in precedence order, the device triggers
/// with the facts that fire them, and the finding rules.
pub fn rules_text() -> String {
    use fieldproof_core::findings::FINDING_RULES;
    use fieldproof_core::scope::triggers::TRIGGERS;
    let mut out = String::from("Scope rules (first match decides):\n");
    for (i, r) in SCOPE_RULES.iter().enumerate() {
        out.push_str(&format!(
            "  {:>2}. {:<28} -> {:<6} {}\n",
            i + 1,
            r.id,
            r.outcome.as_str(),
            r.meaning
        ));
    }
    out.push_str("\nDevice triggers (each pulls device-related systems into scope):\n");
    for t in TRIGGERS {
        let facts: Vec<&str> = t.facts.iter().map(|f| f.as_str()).collect();
        out.push_str(&format!(
            "  {:<26} when {}: {}\n",
            t.trigger.as_str(),
            facts.join(" or "),
            t.title
        ));
    }
    out.push_str("\nFinding rules:\n");
    for r in FINDING_RULES {
        out.push_str(&format!("  {:<38} {}\n", r.id, r.title));
    }
    out
}

/// One rule that matched a component, as a page shows it.
#[derive(Debug, Clone)]
pub struct ReasonRow {
    /// Whether it decided (the first match).
    pub decisive: bool,
    /// Rule id.
    pub rule: &'static str,
    /// The scope it gives, in words.
    pub outcome: &'static str,
    /// What the rule means.
    pub meaning: &'static str,
    /// The facts that made it match.
    pub because: String,
}

/// One device trigger fired by a component.
#[derive(Debug, Clone)]
pub struct TriggerRow {
    /// Trigger id.
    pub id: String,
    /// What it is.
    pub title: &'static str,
    /// What it brings into scope.
    pub brings_into_scope: String,
}

/// One component explained: what `scope --explain` prints, as a view model a page renders
/// (owned, escaped by the renderer, never pre-formatted).
#[derive(Debug, Clone)]
pub struct ComponentView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind, operator, site and zone.
    pub kind: String,
    /// Who operates it.
    pub operated_by: String,
    /// Where it runs.
    pub site: String,
    /// Network zone.
    pub zone: String,
    /// The subservice organisation that operates it.
    pub subservice: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its owner.
    pub owner: Option<String>,
    /// The scope decision, in words.
    pub scope: &'static str,
    /// What the current report declares, in words.
    pub declared: Option<&'static str>,
    /// Its true facts.
    pub facts: Vec<&'static str>,
    /// The components support reaches it through.
    pub access_via: Vec<String>,
    /// The rules that matched, the deciding one first.
    pub reasons: Vec<ReasonRow>,
    /// Device triggers fired.
    pub triggers: Vec<TriggerRow>,
    /// Trust Services Categories implicated, or `none (out of scope)`.
    pub categories: String,
    /// Whether it is relevant to SOC 1.
    pub soc1_relevant: bool,
    /// Its scope findings.
    pub findings: Vec<Finding>,
    /// Its rolled-up assets with the scope each would get on its own.
    pub assets: Vec<(String, String, String, &'static str)>,
}

/// The view of component `c` with decision `d`.
pub fn component_view(
    assessment: &Assessment<'_>,
    c: &Component,
    d: &ScopeDecision,
) -> ComponentView {
    ComponentView {
        id: c.id.clone(),
        name: c.name.clone(),
        kind: c.kind.to_string(),
        operated_by: c.operated_by.to_string(),
        site: c.site.to_string(),
        zone: c.zone.to_string(),
        subservice: c.subservice.clone(),
        description: c.description.clone(),
        owner: c.owner.clone(),
        scope: d.scope.words(),
        declared: c.declared_scope.map(fieldproof_core::Scope::words),
        facts: c.facts.iter().map(|f| f.as_str()).collect(),
        access_via: c.access_via.clone(),
        reasons: assessment
            .reasons(c, d)
            .into_iter()
            .map(|r| ReasonRow {
                decisive: r.decisive,
                rule: r.rule,
                outcome: r.outcome.words(),
                meaning: r.meaning,
                because: r.because.join("; "),
            })
            .collect(),
        triggers: d
            .trigger_list()
            .into_iter()
            .map(|t| {
                let def = t.definition();
                TriggerRow {
                    id: t.to_string(),
                    title: def.title,
                    brings_into_scope: def.brings_into_scope.join("; "),
                }
            })
            .collect(),
        categories: if d.categories.is_empty() {
            "none (out of scope)".to_string()
        } else {
            categories(&d.category_list())
        },
        soc1_relevant: d.soc1_relevant,
        findings: assessment
            .findings
            .iter()
            .filter(|f| f.component.as_deref() == Some(c.id.as_str()))
            .cloned()
            .collect(),
        assets: asset_decisions(assessment, c)
            .into_iter()
            .map(|a| {
                (
                    a.id.to_string(),
                    a.name.to_string(),
                    a.differs.join(", "),
                    a.scope,
                )
            })
            .collect(),
    }
}
