//! Catalog views for people: the framework list, a framework, a requirement with its mappings, a
//! control, the controls an estate needs (table and Markdown), criterion coverage and `map`
//! paths. Pure functions of the views the catalog crate computes.

use crate::text::{id_list, md_cell, truncate};
use fieldproof_catalog::graph::PathTo;
use fieldproof_catalog::model::{Control, Crosswalk, Framework, FrameworkOrigin};
use fieldproof_catalog::views::{
    origin_text, CatalogList, ControlRow, ControlsView, CoverageView, MapView, RequirementView,
};
use fieldproof_catalog::LIBRARY;
use fieldproof_core::safe_text::spreadsheet_record;
use std::fmt::Write as _;

/// `catalog list`: frameworks with counts, the control library, the crosswalks.
pub fn list_text(list: &CatalogList) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<22} {:<18} {:>5} {:>9}  {:<44} NAMES",
        "FRAMEWORK", "KIND", "ITEMS", "WITHDRAWN", "NAME"
    );
    for f in &list.frameworks {
        let _ = writeln!(
            out,
            "{:<22} {:<18} {:>5} {:>9}  {:<44} {}",
            f.id,
            f.kind,
            f.requirements,
            f.withdrawn,
            truncate(&f.name, 44),
            f.aliases.join(", ")
        );
        if f.origin != "bundled" {
            let _ = writeln!(out, "{:<22} {}", "", f.origin);
        }
        if let Some(base) = &f.based_on {
            let _ = writeln!(out, "{:<22} a baseline of {base}: its ids link there", "");
        }
    }
    let _ = writeln!(
        out,
        "{:<22} {:<18} {:>5} {:>9}  fieldproof OT control library ({} themes)",
        LIBRARY, "control library", list.control_library.controls, 0, list.control_library.themes
    );
    let _ = writeln!(out);
    for c in &list.crosswalks {
        let unrelated = if c.unrelated > 0 {
            format!(", {} judged unrelated", c.unrelated)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "Crosswalk {} ({}): {} -> {}, {} pairs{unrelated}\n    {}",
            c.id,
            if c.designed { "designed" } else { "imported" },
            c.source,
            c.target,
            c.pairs,
            c.provenance
        );
    }
    out
}

/// A framework with its requirements.
pub fn framework_text(framework: &Framework) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}) — {}, version {}",
        framework.name, framework.id, framework.kind, framework.version
    );
    let _ = writeln!(
        out,
        "Source: {}; {}",
        framework.source,
        origin_text(framework)
    );
    if let Some(base) = &framework.based_on {
        let _ = writeln!(
            out,
            "Selects from {base}: each requirement is linked to the {base} requirement of the same id"
        );
    }
    for r in &framework.requirements {
        let label = r.label.as_deref().unwrap_or(&r.id);
        let indent = if r.parent.is_some() { "    " } else { "  " };
        let _ = writeln!(
            out,
            "{indent}{label:<12} {}{}",
            r.title,
            if r.withdrawn { " [withdrawn]" } else { "" }
        );
    }
    if let FrameworkOrigin::Imported { sha256, .. } = &framework.origin {
        let _ = writeln!(out, "Imported document sha256 {sha256}");
    }
    out
}

/// A requirement with every mapping to and from it.
pub fn requirement_text(view: &RequirementView) -> String {
    let r = &view.requirement;
    let mut out = String::new();
    let label = r.label.as_deref().unwrap_or(&r.id);
    let _ = writeln!(out, "{} {label}: {}", view.framework_short, r.title);
    if let Some(group) = &r.group {
        let _ = writeln!(out, "  group: {group}");
    }
    if let Some(category) = r.category {
        let _ = writeln!(out, "  category: {}", category.title());
    }
    if let Some(parent) = &r.parent {
        let _ = writeln!(out, "  part of: {parent}");
    }
    if r.withdrawn {
        let _ = writeln!(out, "  withdrawn");
    }
    if let Some(statement) = &r.statement {
        let _ = writeln!(out, "\n{statement}");
    }
    if !r.params.is_empty() {
        let _ = writeln!(out, "\nParameters:");
        for p in &r.params {
            let _ = writeln!(out, "  {}: {}", p.id, p.label.as_deref().unwrap_or("-"));
            if let Some(value) = &p.value {
                let _ = writeln!(out, "      set to: {value}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\nMappings ({}), read \"{label} RELATIONSHIP other\":",
        view.mappings.len()
    );
    for e in &view.mappings {
        let _ = writeln!(
            out,
            "  {:<10} {:<32} {}",
            e.relationship.as_str(),
            e.with,
            e.title
        );
        if let Some(why) = &e.rationale {
            let source = e
                .crosswalk
                .as_deref()
                .map(|c| format!(" [crosswalk {c}]"))
                .unwrap_or_default();
            let _ = writeln!(out, "             why: {why}{source}");
        }
    }
    out
}

/// When a control applies, in words.
pub fn applies_text(conditions: &[fieldproof_catalog::model::Condition]) -> String {
    if conditions.is_empty() {
        return "the organisation as a whole".to_string();
    }
    conditions
        .iter()
        .map(|cond| {
            let mut parts = Vec::new();
            let list = |items: Vec<&str>| items.join(" or ");
            if !cond.kinds.is_empty() {
                parts.push(format!(
                    "kind {}",
                    list(cond.kinds.iter().map(|k| k.as_str()).collect())
                ));
            }
            if !cond.triggers.is_empty() {
                parts.push(format!(
                    "trigger {}",
                    list(cond.triggers.iter().map(|k| k.as_str()).collect())
                ));
            }
            if !cond.facts.is_empty() {
                parts.push(format!(
                    "fact {}",
                    list(cond.facts.iter().map(|k| k.as_str()).collect())
                ));
            }
            if !cond.zones.is_empty() {
                parts.push(format!(
                    "zone {}",
                    list(cond.zones.iter().map(|k| k.as_str()).collect())
                ));
            }
            if !cond.sites.is_empty() {
                parts.push(format!(
                    "site {}",
                    list(cond.sites.iter().map(|k| k.as_str()).collect())
                ));
            }
            parts.join(" and ")
        })
        .collect::<Vec<_>>()
        .join("; or ")
        + " (components in scope or shared)"
}

/// A control: description, OT guidance, applicability, responsibility, evidence, test
/// procedures, automated tests and mappings with their rationale.
pub fn control_text(c: &Control) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", c.id, c.title);
    let _ = writeln!(
        out,
        "  theme: {}   frequency: {}   responsibility: {}",
        c.theme, c.frequency, c.responsibility
    );
    let _ = writeln!(out, "  performed by: {}", c.performer);
    let categories: Vec<&str> = c.categories.iter().map(|x| x.title()).collect();
    let _ = writeln!(out, "  TSC categories: {}", categories.join(", "));
    let _ = writeln!(out, "\n{}\n\nIn OT: {}", c.description, c.ot_guidance);
    let _ = writeln!(out, "\nApplies to: {}", applies_text(&c.applies_when));
    let _ = writeln!(out, "\nEvidence requests:");
    for e in &c.evidence {
        let _ = writeln!(out, "  {} ({}): {}", e.id, e.cadence, e.artifact);
    }
    let _ = writeln!(out, "\nTest procedures:");
    for (i, p) in c.procedures.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. {} ({}): {}",
            i + 1,
            p.method,
            p.planned_sample(c.frequency),
            p.procedure
        );
        if let Some(population) = &p.population {
            let _ = writeln!(out, "     population: {population}");
        }
        if p.test_window {
            let _ = writeln!(
                out,
                "     can disturb a running plant: perform it in a test window agreed with operations, on a test or standby system where one exists"
            );
        }
        for attribute in &p.attributes {
            let _ = writeln!(out, "     - {attribute}");
        }
        if !p.evidence.is_empty() {
            let _ = writeln!(out, "     evidence: {}", p.evidence.join(", "));
        }
        if !p.tests.is_empty() {
            let _ = writeln!(out, "     automated tests: {}", p.tests.join(", "));
        }
    }
    let _ = writeln!(
        out,
        "\nAutomated tests: {}",
        if c.tests.is_empty() {
            "none yet".to_string()
        } else {
            c.tests.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "\nMappings (read \"{} RELATIONSHIP requirement\"):",
        c.id
    );
    for m in &c.mappings {
        let strength = m
            .strength
            .map(|s| format!(" (strength {s})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<10} {}:{}{strength}",
            m.relationship.as_str(),
            m.framework,
            m.requirement
        );
        let _ = writeln!(out, "             why: {}", m.rationale);
    }
    out
}

fn applies_to(row: &ControlRow) -> String {
    if row.organisation_wide {
        "organisation-wide".to_string()
    } else if row.components.is_empty() {
        applies_text(&row.applies_when)
    } else {
        id_list(&row.components, 12)
    }
}

fn category_names(view: &ControlsView) -> String {
    view.categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The controls an estate needs, as an indented list.
pub fn controls_table(view: &ControlsView) -> String {
    let mut out = String::new();
    for row in &view.controls {
        let _ = writeln!(out, "{}  {}  [{}]", row.id, row.title, row.frequency);
        let _ = writeln!(out, "    applies to: {}", applies_to(row));
        for e in &row.evidence {
            let _ = writeln!(out, "    evidence: {} ({})", e.artifact, e.cadence);
        }
    }
    let _ = writeln!(
        out,
        "\n{} for TSC categories: {}.",
        crate::text::count(view.controls.len(), "control", "controls"),
        category_names(view)
    );
    out
}

/// The controls an estate needs, as a Markdown document.
pub fn controls_markdown(view: &ControlsView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Applicable controls\n\nTSC categories: {}. {}.\n",
        category_names(view),
        crate::text::count(view.controls.len(), "control", "controls")
    );
    let _ = writeln!(
        out,
        "| Control | Title | Frequency | Applies to | Evidence |\n|---|---|---|---|---|"
    );
    for row in &view.controls {
        let evidence: Vec<String> = row
            .evidence
            .iter()
            .map(|e| format!("{} ({})", e.artifact, e.cadence))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.id,
            md_cell(&row.title),
            row.frequency,
            md_cell(&applies_to(row)),
            md_cell(&evidence.join("; "))
        );
    }
    out
}

/// Criterion coverage, one line per criterion, then the summary. A criterion only intersected
/// by applicable controls is covered in part, and says so.
pub fn coverage_text(view: &CoverageView) -> String {
    let mut out = String::new();
    for c in &view.criteria {
        let controls = match (c.controls.is_empty(), c.partial.is_empty()) {
            (true, true) => "UNCOVERED".to_string(),
            (true, false) => format!("PARTIAL (intersects only): {}", c.partial.join(", ")),
            (false, _) => c.controls.join(", "),
        };
        let _ = writeln!(
            out,
            "{:<7} {:<58} {}",
            c.criterion,
            truncate(&c.title, 58),
            controls
        );
    }
    let covered = view.criteria.len() - view.uncovered.len() - view.partial.len();
    let list = |ids: &[String]| {
        if ids.is_empty() {
            String::new()
        } else {
            format!(" ({})", ids.join(", "))
        }
    };
    let _ = writeln!(
        out,
        "\n{} in play ({}): {} covered, {} covered in part{}, {} uncovered{}",
        crate::text::count(view.criteria.len(), "criterion", "criteria"),
        view.categories
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        covered,
        view.partial.len(),
        list(&view.partial),
        view.uncovered.len(),
        list(&view.uncovered),
    );
    let _ = writeln!(
        out,
        "Covered: an applicable control is contained in the criterion (subset, equal) or contains it (superset). In part: applicable controls only intersect it."
    );
    out
}

/// `map`: the requirements reached, grouped by path length, each with its paths; from a
/// designed crosswalk, each pair with its rationale and the requirements judged unrelated.
pub fn map_text(view: &MapView, max_hops: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} → {}", view.from, view.title, view.to);
    if let Some(crosswalk) = &view.crosswalk {
        let _ = writeln!(
            out,
            "From the designed crosswalk {crosswalk}, which judges every requirement between the two frameworks:"
        );
        if view.results.is_empty() {
            let _ = writeln!(
                out,
                "  no requirement of {} relates to {}",
                view.to, view.from
            );
        }
        for p in &view.results {
            target_line(&mut out, p, "");
        }
        if !view.unrelated.is_empty() {
            let _ = writeln!(out, "Judged unrelated:");
            for p in &view.unrelated {
                let _ = writeln!(out, "  {:<34} {}", p.target, p.title);
                if let Some(why) = &p.rationale {
                    let _ = writeln!(out, "      why: {why}");
                }
            }
        }
        let _ = writeln!(
            out,
            "{} of {} (= equal, ⊂ subset, ⊃ superset, ∩ intersects, read \"{} REL requirement\").",
            crate::text::count(view.results.len(), "requirement", "requirements"),
            view.to,
            view.from
        );
        return out;
    }
    if view.results.is_empty() {
        let _ = writeln!(out, "  no mapping within {max_hops} hops");
    }
    let mut last = String::new();
    let mut hops = 0;
    for p in &view.results {
        let length = p.path.len() - 1;
        if length != hops {
            hops = length;
            let kind = match (view.from_control, length) {
                (_, 1) => "Direct mappings",
                (true, _) | (_, 2) => "Through the control library",
                _ => "Through a pivot framework (crosswalk)",
            };
            let _ = writeln!(
                out,
                "{kind} ({length} hop{}):",
                if length == 1 { "" } else { "s" }
            );
        }
        if p.target != last {
            let strength = p
                .strength
                .map(|s| format!(", strength {s}"))
                .unwrap_or_default();
            target_line(&mut out, p, &strength);
            last = p.target.clone();
        }
        let _ = writeln!(out, "      via {}", p.via);
    }
    let targets: std::collections::BTreeSet<&str> =
        view.results.iter().map(|p| p.target.as_str()).collect();
    let _ = writeln!(
        out,
        "{} of {}; relationships compose along each path (= equal, ⊂ subset, ⊃ superset, ∩ intersects).",
        crate::text::count(targets.len(), "requirement", "requirements"),
        view.to
    );
    out
}

/// One requirement reached by `map`, with its rationale when there is one.
fn target_line(out: &mut String, p: &PathTo, suffix: &str) {
    let _ = writeln!(
        out,
        "  {:<34} {:<10} {}{suffix}",
        p.target,
        p.relationship.as_str(),
        p.title
    );
    if let Some(why) = &p.rationale {
        let _ = writeln!(out, "      why: {why}");
    }
}

/// A crosswalk as CSV: one row per judged pair, the relationship in fieldproof's and in OSCAL's
/// (NIST IR 8477) vocabulary, and the rationale.
pub fn crosswalk_csv(crosswalk: &Crosswalk) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "crosswalk",
        "source_framework",
        "source",
        "target_framework",
        "target",
        "relationship",
        "ir8477_relationship",
        "rationale",
    ]);
    for p in &crosswalk.pairs {
        let _ = writer.write_record(spreadsheet_record([
            crosswalk.header.id.as_str(),
            crosswalk.header.source.as_str(),
            p.source.as_str(),
            crosswalk.header.target.as_str(),
            p.target.as_str(),
            p.relationship.as_str(),
            p.relationship.oscal(),
            p.rationale.as_deref().unwrap_or_default(),
        ]));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod csv_tests {
    use super::crosswalk_csv;
    use fieldproof_catalog::model::{Crosswalk, CrosswalkHeader, CrosswalkPair, Relationship};

    #[test]
    fn crosswalk_csv_cells_cannot_run_as_formulas() {
        let crosswalk = Crosswalk {
            header: CrosswalkHeader {
                id: "x".into(),
                source: "tsc".into(),
                target: "iec62443-3-3".into(),
                designed: false,
                provenance: "test".into(),
            },
            pairs: vec![CrosswalkPair {
                source: "CC6.1".into(),
                target: "SR 1.1".into(),
                relationship: Relationship::Intersects,
                rationale: Some("=HYPERLINK(\"http://evil.example\",\"x\")".into()),
            }],
        };
        let csv = crosswalk_csv(&crosswalk);
        assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    }
}
