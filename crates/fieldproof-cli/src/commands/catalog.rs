//! `catalog`, `controls`, `map`, `coverage` and `export`: the framework catalogs, the control
//! library, and the typed mappings between them.

use crate::cli::{
    CatalogArgs, CatalogCommand, ControlsArgs, CoverageArgs, ExportArgs, ExportCommand, MapArgs,
    ScopeFormat, SummaryFormat,
};
use crate::context::{self, Context};
use crate::output::emit;
use crate::Outcome;
use anyhow::{anyhow, bail, Context as _, Result};
use fieldproof_catalog::applicability::{applicable, coverage as criteria_coverage, Applicable};
use fieldproof_catalog::graph::Graph;
use fieldproof_catalog::model::{Control, Framework, FrameworkKind, FrameworkOrigin};
use fieldproof_catalog::oscal::{export as oscal, import};
use fieldproof_catalog::{Catalog, Node, LIBRARY};
use fieldproof_core::{assess, TscCategory};
use fieldproof_store::{ChangeMeta, Store, StoredCatalog};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

fn print_json(value: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn catalog(context: &Context, args: &CatalogArgs) -> Result<Outcome> {
    match &args.command {
        CatalogCommand::List { format } => list(context, *format),
        CatalogCommand::Show { id, format } => show(context, id, *format),
        CatalogCommand::ImportOscal {
            file,
            id,
            aliases,
            kind,
            format,
        } => import_oscal(context, file, id.as_deref(), aliases, kind, *format),
    }
}

fn origin_text(f: &Framework) -> String {
    match &f.origin {
        FrameworkOrigin::Bundled => "bundled".to_string(),
        FrameworkOrigin::Imported { source, .. } => format!("imported from {source}"),
    }
}

fn list(context: &Context, format: SummaryFormat) -> Result<Outcome> {
    let catalog = context.catalog()?;
    match format {
        SummaryFormat::Json => print_json(&json!({
            "frameworks": catalog.frameworks.iter().map(|f| json!({
                "id": f.id, "name": f.name, "short": f.short, "aliases": f.aliases, "kind": f.kind.as_str(),
                "version": f.version, "requirements": f.requirements.len(),
                "withdrawn": f.requirements.iter().filter(|r| r.withdrawn).count(),
                "origin": origin_text(f), "source": f.source,
            })).collect::<Vec<_>>(),
            "control_library": { "id": LIBRARY, "controls": catalog.controls.len(), "themes": catalog.themes.len() },
            "crosswalks": catalog.crosswalks.iter().map(|c| json!({
                "source": c.header.source, "target": c.header.target, "pairs": c.pairs.len(), "provenance": c.header.provenance,
            })).collect::<Vec<_>>(),
        }))?,
        SummaryFormat::Text => {
            println!(
                "{:<22} {:<18} {:>5} {:>9}  {:<44} NAMES",
                "FRAMEWORK", "KIND", "ITEMS", "WITHDRAWN", "NAME"
            );
            for f in &catalog.frameworks {
                let withdrawn = f.requirements.iter().filter(|r| r.withdrawn).count();
                println!(
                    "{:<22} {:<18} {:>5} {:>9}  {:<44} {}",
                    f.id,
                    f.kind.as_str(),
                    f.requirements.len(),
                    withdrawn,
                    truncate(&f.name, 44),
                    f.aliases.join(", ")
                );
                if let FrameworkOrigin::Imported { .. } = f.origin {
                    println!("{:<22} {}", "", origin_text(f));
                }
            }
            println!(
                "{:<22} {:<18} {:>5} {:>9}  fieldproof OT control library ({} themes)",
                LIBRARY,
                "control library",
                catalog.controls.len(),
                0,
                catalog.themes.len()
            );
            println!();
            for c in &catalog.crosswalks {
                println!(
                    "Crosswalk {} -> {}: {} pairs ({})",
                    c.header.source,
                    c.header.target,
                    c.pairs.len(),
                    c.header.provenance
                );
            }
        }
    }
    Ok(Outcome::Ok)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(width - 1).collect::<String>())
    }
}

fn show(context: &Context, reference: &str, format: SummaryFormat) -> Result<Outcome> {
    let catalog = context.catalog()?;
    if let Some(framework) = catalog.framework(reference) {
        match format {
            SummaryFormat::Json => print_json(&serde_json::to_value(framework)?)?,
            SummaryFormat::Text => {
                println!(
                    "{} ({}) — {}, version {}",
                    framework.name, framework.id, framework.kind, framework.version
                );
                println!("Source: {}; {}", framework.source, origin_text(framework));
                for r in &framework.requirements {
                    let label = r.label.as_deref().unwrap_or(&r.id);
                    let indent = if r.parent.is_some() { "    " } else { "  " };
                    println!(
                        "{indent}{label:<12} {}{}",
                        r.title,
                        if r.withdrawn { " [withdrawn]" } else { "" }
                    );
                }
            }
        }
        return Ok(Outcome::Ok);
    }
    let node = catalog.resolve(reference).map_err(|e| anyhow!(e))?;
    let graph = Graph::of(&catalog);
    match &node {
        Node::Control(id) => {
            let control = catalog
                .control(id)
                .ok_or_else(|| anyhow!("no control {id}"))?;
            match format {
                SummaryFormat::Json => print_json(&serde_json::to_value(control)?)?,
                SummaryFormat::Text => print!("{}", control_text(control)),
            }
        }
        Node::Requirement(..) => {
            let (framework, requirement) = catalog
                .requirement(&node)
                .ok_or_else(|| anyhow!("no requirement"))?;
            let edges = graph.edges(&node);
            match format {
                SummaryFormat::Json => print_json(&json!({
                    "framework": framework.id,
                    "requirement": requirement,
                    "mappings": edges.iter().map(|e| json!({
                        "with": e.to.qualified(),
                        "relationship": e.relationship.as_str(),
                        "strength": e.strength,
                    })).collect::<Vec<_>>(),
                }))?,
                SummaryFormat::Text => {
                    let label = requirement.label.as_deref().unwrap_or(&requirement.id);
                    println!("{} {label}: {}", framework.short, requirement.title);
                    if let Some(group) = &requirement.group {
                        println!("  group: {group}");
                    }
                    if let Some(category) = requirement.category {
                        println!("  category: {}", category.title());
                    }
                    if let Some(parent) = &requirement.parent {
                        println!("  part of: {parent}");
                    }
                    if requirement.withdrawn {
                        println!("  withdrawn");
                    }
                    if let Some(statement) = &requirement.statement {
                        println!("\n{statement}");
                    }
                    if !requirement.params.is_empty() {
                        println!("\nParameters:");
                        for p in &requirement.params {
                            println!("  {}: {}", p.id, p.label.as_deref().unwrap_or("-"));
                        }
                    }
                    println!(
                        "\nMappings ({}), read \"{label} RELATIONSHIP other\":",
                        edges.len()
                    );
                    for e in edges {
                        println!(
                            "  {:<10} {:<32} {}",
                            e.relationship.as_str(),
                            e.to.qualified(),
                            catalog.title(&e.to)
                        );
                    }
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

fn control_text(c: &Control) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", c.id, c.title);
    let _ = writeln!(out, "  theme: {}   frequency: {}", c.theme, c.frequency);
    let categories: Vec<&str> = c.categories.iter().map(|x| x.title()).collect();
    let _ = writeln!(out, "  TSC categories: {}", categories.join(", "));
    let _ = writeln!(out, "\n{}\n\nIn OT: {}", c.description, c.ot_guidance);
    let _ = writeln!(out, "\nApplies to: {}", applies_text(c));
    let _ = writeln!(out, "\nEvidence requests:");
    for e in &c.evidence {
        let _ = writeln!(out, "  {} ({}): {}", e.id, e.cadence, e.artifact);
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
    let _ = writeln!(out, "\nMappings:");
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
    }
    out
}

fn applies_text(c: &Control) -> String {
    if c.applies_when.is_empty() {
        return "the organisation as a whole".to_string();
    }
    c.applies_when
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
            parts.join(" and ")
        })
        .collect::<Vec<_>>()
        .join("; or ")
        + " (components in scope or shared)"
}

fn slug(text: &str) -> String {
    let mut slug: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    slug.trim_matches('-')
        .chars()
        .take(40)
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

fn import_oscal(
    context: &Context,
    file: &std::path::Path,
    id: Option<&str>,
    aliases: &[String],
    kind: &str,
    format: SummaryFormat,
) -> Result<Outcome> {
    let kind = FrameworkKind::parse(kind)
        .ok_or_else(|| anyhow!("--kind: expected one of: {}", FrameworkKind::expected()))?;
    let bytes = std::fs::read(file)
        .with_context(|| format!("{}: cannot read the OSCAL file", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!(
            "{}: not UTF-8 text; OSCAL JSON must be UTF-8",
            file.display()
        )
    })?;
    let sha256: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // Read it once with a provisional id to learn its title and check it is a catalog at all.
    let probe = import::import(
        &text,
        import::ImportNames {
            id: "probe".into(),
            aliases: vec![],
            short: None,
            kind,
        },
        FrameworkOrigin::Bundled,
    )
    .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let id = id.map(str::to_string).unwrap_or_else(|| slug(&probe.name));
    if id.is_empty() || id.contains(':') {
        bail!(
            "cannot derive a framework id from the title '{}'; pass --id",
            probe.name
        );
    }
    let framework = Framework {
        id: id.clone(),
        aliases: aliases.to_vec(),
        ..probe
    };
    // The catalog with this framework added must still be valid (no clashing names).
    let mut bundled = context.catalog()?;
    bundled.frameworks.retain(|f| f.id != id);
    if let Some(clash) = bundled.frameworks.iter().find(|f| {
        std::iter::once(&framework.id)
            .chain(&framework.aliases)
            .any(|n| f.is_named(n))
    }) {
        bail!(
            "the name '{}' is already used by framework {}; choose another --id or --alias",
            id,
            clash.id
        );
    }
    let stored = StoredCatalog {
        id: id.clone(),
        name: framework.name.clone(),
        aliases: aliases.to_vec(),
        kind: kind.as_str().to_string(),
        source: file.display().to_string(),
        sha256: sha256.clone(),
        document: text,
    };
    let meta = ChangeMeta {
        at: context.now.clone(),
        actor: context.actor.clone(),
        command: "catalog import-oscal".to_string(),
        source: Some(file.display().to_string()),
        source_sha256: Some(sha256.clone()),
    };
    let change_set = context::runtime()?.block_on(async {
        let store = context.open_store().await?;
        let set = store.save_catalog(&stored, &meta).await?;
        store.close().await;
        anyhow::Ok(set)
    })?;
    let withdrawn = framework
        .requirements
        .iter()
        .filter(|r| r.withdrawn)
        .count();
    match format {
        SummaryFormat::Json => print_json(&json!({
            "id": id, "name": framework.name, "requirements": framework.requirements.len(),
            "withdrawn": withdrawn, "sha256": sha256, "change_set": change_set,
        }))?,
        SummaryFormat::Text => match change_set {
            Some(set) => println!(
                "Imported {} as '{id}': {} requirements ({withdrawn} withdrawn), sha256 {sha256} (change set #{set}).",
                framework.name,
                framework.requirements.len()
            ),
            None => println!("No changes: '{id}' is already this document (sha256 {sha256})."),
        },
    }
    Ok(Outcome::Ok)
}

/// The categories to consider: given ones, else those the estate implicates.
fn categories_for(given: &[TscCategory], implicated: Vec<TscCategory>) -> Vec<TscCategory> {
    if given.is_empty() {
        implicated
    } else {
        TscCategory::ALL
            .iter()
            .copied()
            .filter(|c| given.contains(c))
            .collect()
    }
}

pub fn controls(context: &Context, args: &ControlsArgs) -> Result<Outcome> {
    let catalog = context.catalog()?;
    let (rows, categories): (Vec<Applicable<'_>>, Vec<TscCategory>) = if args.all {
        let categories = categories_for(&args.categories.categories, TscCategory::ALL.to_vec());
        let rows = catalog
            .controls
            .iter()
            .filter(|c| c.categories.iter().any(|x| categories.contains(x)))
            .map(|control| Applicable {
                control,
                components: Vec::new(),
                organisation_wide: control.applies_when.is_empty(),
            })
            .collect();
        (rows, categories)
    } else {
        let estate = context::estate(context, args.source.estate.as_deref())?;
        let assessment = assess(&estate);
        let categories = categories_for(&args.categories.categories, assessment.categories());
        (applicable(&catalog, &assessment, &categories), categories)
    };
    let category_names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    match args.format {
        ScopeFormat::Json => print_json(&json!({
            "categories": category_names,
            "controls": rows.iter().map(|a| json!({
                "id": a.control.id, "title": a.control.title, "theme": a.control.theme,
                "frequency": a.control.frequency.as_str(),
                "tsc_categories": a.control.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "organisation_wide": a.organisation_wide, "components": a.components,
                "evidence": a.control.evidence, "tests": a.control.tests,
                "mappings": a.control.mappings,
            })).collect::<Vec<_>>(),
        }))?,
        ScopeFormat::Md => {
            println!(
                "# Applicable controls\n\nTSC categories: {}. {} controls.\n",
                category_names.join(", "),
                rows.len()
            );
            println!(
                "| Control | Title | Frequency | Applies to | Evidence |\n|---|---|---|---|---|"
            );
            for a in &rows {
                let evidence: Vec<String> = a
                    .control
                    .evidence
                    .iter()
                    .map(|e| format!("{} ({})", e.artifact, e.cadence))
                    .collect();
                println!(
                    "| {} | {} | {} | {} | {} |",
                    a.control.id,
                    a.control.title.replace('|', "\\|"),
                    a.control.frequency,
                    applies_to(a).replace('|', "\\|"),
                    evidence.join("; ").replace('|', "\\|")
                );
            }
        }
        ScopeFormat::Table => {
            for a in &rows {
                println!(
                    "{}  {}  [{}]",
                    a.control.id, a.control.title, a.control.frequency
                );
                println!("    applies to: {}", applies_to(a));
                for e in &a.control.evidence {
                    println!("    evidence: {} ({})", e.artifact, e.cadence);
                }
            }
            println!(
                "\n{} controls for TSC categories: {}.",
                rows.len(),
                category_names.join(", ")
            );
        }
    }
    Ok(Outcome::Ok)
}

fn applies_to(a: &Applicable<'_>) -> String {
    if a.organisation_wide {
        "organisation-wide".to_string()
    } else if a.components.is_empty() {
        applies_text(a.control)
    } else {
        let mut text = a
            .components
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if a.components.len() > 12 {
            text.push_str(&format!(" and {} more", a.components.len() - 12));
        }
        text
    }
}

pub fn map(context: &Context, args: &MapArgs) -> Result<Outcome> {
    let catalog = context.catalog()?;
    let start = catalog.resolve(&args.requirement).map_err(|e| anyhow!(e))?;
    let target = if args.to.eq_ignore_ascii_case(LIBRARY) {
        LIBRARY.to_string()
    } else {
        catalog
            .framework(&args.to)
            .map(|f| f.id.clone())
            .ok_or_else(|| {
                anyhow!(
                    "unknown framework '{}'; `fieldproof catalog list` shows the names",
                    args.to
                )
            })?
    };
    let graph = Graph::of(&catalog);
    let paths = graph.paths(&catalog, &start, &target, args.max_hops.max(1));
    match args.format {
        SummaryFormat::Json => print_json(&json!({
            "from": start.qualified(), "title": catalog.title(&start), "to": target, "results": paths,
        }))?,
        SummaryFormat::Text => {
            println!(
                "{} {} → {}",
                start.qualified(),
                catalog.title(&start),
                target
            );
            if paths.is_empty() {
                println!("  no mapping within {} hops", args.max_hops);
            }
            let mut last = String::new();
            let mut hops = 0;
            for p in &paths {
                let length = p.path.len() - 1;
                if length != hops {
                    hops = length;
                    let kind = match (&start, length) {
                        (_, 1) => "Direct mappings",
                        (Node::Control(_), _) | (_, 2) => "Through the control library",
                        _ => "Through a pivot framework (crosswalk)",
                    };
                    println!(
                        "{kind} ({length} hop{}):",
                        if length == 1 { "" } else { "s" }
                    );
                }
                if p.target != last {
                    let strength = p
                        .strength
                        .map(|s| format!(", strength {s}"))
                        .unwrap_or_default();
                    println!(
                        "  {:<34} {:<10} {}{strength}",
                        p.target,
                        p.relationship.as_str(),
                        p.title
                    );
                    last = p.target.clone();
                }
                println!("      via {}", p.via);
            }
            let targets: std::collections::BTreeSet<&str> =
                paths.iter().map(|p| p.target.as_str()).collect();
            println!("{} requirement(s) of {target}; relationships compose along each path (= equal, ⊂ subset, ⊃ superset, ∩ intersects).", targets.len());
        }
    }
    Ok(Outcome::Ok)
}

pub fn coverage(context: &Context, args: &CoverageArgs) -> Result<Outcome> {
    let catalog = context.catalog()?;
    let estate = context::estate(context, args.source.estate.as_deref())?;
    let assessment = assess(&estate);
    let categories = categories_for(&args.categories.categories, assessment.categories());
    let rows = applicable(&catalog, &assessment, &categories);
    let criteria = criteria_coverage(&catalog, &rows, &categories);
    let uncovered: Vec<&str> = criteria
        .iter()
        .filter(|c| c.controls.is_empty())
        .map(|c| c.criterion.as_str())
        .collect();
    match args.format {
        SummaryFormat::Json => print_json(&json!({
            "categories": categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "criteria": criteria,
            "uncovered": uncovered,
        }))?,
        SummaryFormat::Text => {
            for c in &criteria {
                let controls = if c.controls.is_empty() {
                    "UNCOVERED".to_string()
                } else {
                    c.controls.join(", ")
                };
                println!(
                    "{:<7} {:<58} {}",
                    c.criterion,
                    truncate(&c.title, 58),
                    controls
                );
            }
            println!(
                "\n{} criteria in play ({}), {} covered, {} uncovered{}",
                criteria.len(),
                categories
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                criteria.len() - uncovered.len(),
                uncovered.len(),
                if uncovered.is_empty() {
                    String::new()
                } else {
                    format!(": {}", uncovered.join(", "))
                }
            );
        }
    }
    if args.fail_on_uncovered && !uncovered.is_empty() {
        return Ok(Outcome::FindingsAtThreshold);
    }
    Ok(Outcome::Ok)
}

pub fn export(context: &Context, args: &ExportArgs) -> Result<Outcome> {
    let catalog: Catalog = context.catalog()?;
    let (document, output) = match &args.command {
        ExportCommand::OscalCatalog { framework, output } => {
            let document = match framework.as_deref() {
                None => oscal::library_catalog(&catalog, &context.now),
                Some(name) if name.eq_ignore_ascii_case(LIBRARY) => {
                    oscal::library_catalog(&catalog, &context.now)
                }
                Some(name) => {
                    let f = catalog.framework(name).ok_or_else(|| {
                        anyhow!(
                            "unknown framework '{name}'; `fieldproof catalog list` shows the names"
                        )
                    })?;
                    oscal::framework_catalog(f, &context.now)
                }
            };
            (document, output)
        }
        ExportCommand::OscalMapping { output } => {
            (oscal::mapping_collection(&catalog, &context.now), output)
        }
        ExportCommand::Pack { .. } => bail!("evidence packs are exported by the evidence module"),
    };
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    emit(output.as_deref(), text.as_bytes())?;
    Ok(Outcome::Ok)
}
