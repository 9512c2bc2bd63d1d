//! Loading and validating the catalog: framework files, the NIST OSCAL catalog, themes, the
//! control library and crosswalks. Every problem is reported with file, line, column and field;
//! loading fails if any reference dangles, so the rest of fieldproof can trust the catalog.

use crate::model::{
    Control, ControlsFile, Crosswalk, CrosswalkFile, CrosswalkHeader, CrosswalkPair, Framework,
    FrameworkFile, FrameworkKind, FrameworkOrigin, Mapping, Method, Relationship, Requirement,
    SampleBasis, Theme, ThemesFile,
};
use crate::oscal::import::{import, ImportNames};
use crate::Catalog;
use fieldproof_core::cadence::Frequency;
use fieldproof_core::location::{line_column, Location, Problem};
use fieldproof_core::TscCategory;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;

/// A data file: its name (for messages) and text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Path shown in errors.
    pub name: &'a str,
    /// Content.
    pub text: &'a str,
}

macro_rules! bundled {
    ($($path:literal),+ $(,)?) => { &[$(Source { name: concat!("crates/fieldproof-catalog/", $path), text: include_str!(concat!("../", $path)) }),+] };
}

/// Framework files shipped with fieldproof.
pub const FRAMEWORKS: &[Source<'static>] = bundled![
    "data/frameworks/tsc2017.toml",
    "data/frameworks/soc1-ot.toml",
    "data/frameworks/iso27001-2022.toml",
    "data/frameworks/iso27001-2022-clauses.toml",
    "data/frameworks/iec62443-3-3.toml",
    "data/frameworks/iec62443-2-4.toml",
    "data/frameworks/iec62443-2-1.toml",
    "data/frameworks/iec62443-4-1.toml",
    "data/frameworks/nis2-art21.toml",
    "data/frameworks/pci-dss-4.0.1-req9.toml",
];
/// The NIST SP 800-53 rev5 OSCAL catalog (public domain).
pub const NIST: Source<'static> = Source {
    name: "crates/fieldproof-catalog/data/nist/NIST_SP-800-53_rev5_catalog.json",
    text: include_str!("../data/nist/NIST_SP-800-53_rev5_catalog.json"),
};
/// Control library themes.
pub const THEMES: Source<'static> = Source {
    name: "crates/fieldproof-catalog/data/controls/themes.toml",
    text: include_str!("../data/controls/themes.toml"),
};
/// Control library files.
pub const CONTROLS: &[Source<'static>] = bundled![
    "data/controls/governance.toml",
    "data/controls/access.toml",
    "data/controls/devices.toml",
    "data/controls/operations.toml",
    "data/controls/facility.toml",
    "data/controls/processing.toml",
    "data/controls/privacy.toml",
    "data/controls/safety.toml",
];
/// Requirement-to-requirement crosswalks.
pub const CROSSWALKS: &[Source<'static>] = bundled![
    "data/crosswalks/nist800-53r5-to-iso27001-2022.toml",
    "data/crosswalks/nist800-53r5-to-iso27001-2022-clauses.toml",
    "data/crosswalks/tsc2017-to-iec62443-3-3.toml",
    "data/crosswalks/tsc2017-to-iec62443-2-4.toml",
];

/// Why the catalog is invalid: every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// Problems, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self
            .problems
            .iter()
            .take(20)
            .map(ToString::to_string)
            .collect();
        write!(f, "{}", shown.join("\n"))?;
        if self.problems.len() > 20 {
            write!(f, "\n... and {} more problems", self.problems.len() - 20)?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// Collects problems against sources.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn at(
        &mut self,
        source: &Source<'_>,
        offset: Option<usize>,
        field: Option<String>,
        message: impl Into<String>,
    ) {
        let (line, column) = offset.map(|o| line_column(source.text, o)).unzip();
        self.0.push(Problem {
            location: Location {
                file: PathBuf::from(source.name),
                line,
                column,
                field,
            },
            message: message.into(),
        });
    }

    fn toml<T: serde::de::DeserializeOwned>(&mut self, source: &Source<'_>) -> Option<T> {
        match toml::from_str::<T>(source.text) {
            Ok(value) => Some(value),
            Err(e) => {
                let message = e.message().to_string();
                self.at(
                    source,
                    e.span().map(|s| s.start),
                    None,
                    format!("{message} (see docs/catalog.md)"),
                );
                None
            }
        }
    }
}

fn framework_from_file(source: &Source<'_>, problems: &mut Problems) -> Option<Framework> {
    let file: FrameworkFile = problems.toml(source)?;
    let mut seen = HashMap::new();
    let mut requirements = Vec::with_capacity(file.requirement.len());
    for (index, record) in file.requirement.iter().enumerate() {
        let offset = Some(record.span().start);
        let r = record.get_ref();
        if let Some(first) = seen.insert(r.id.clone(), index) {
            problems.at(
                source,
                offset,
                Some(format!("requirement[{index}].id")),
                format!(
                    "duplicate requirement id '{}' (first is entry {})",
                    r.id,
                    first + 1
                ),
            );
        }
        if file.framework.kind == FrameworkKind::Criteria && r.category.is_none() {
            problems.at(
                source,
                offset,
                Some(format!("requirement[{index}].category")),
                "criteria need a TSC category",
            );
        }
        requirements.push(Requirement {
            id: r.id.clone(),
            label: None,
            title: r.title.clone(),
            group: r.group.clone(),
            category: r.category,
            parent: r.parent.clone(),
            withdrawn: false,
            statement: r.description.clone(),
            params: Vec::new(),
        });
    }
    for (index, r) in requirements.iter().enumerate() {
        if let Some(parent) = &r.parent {
            if !seen.contains_key(parent) {
                problems.at(
                    source,
                    Some(file.requirement[index].span().start),
                    Some(format!("requirement[{index}].parent")),
                    format!("parent '{parent}' is not a requirement of this framework"),
                );
            }
        }
    }
    let h = file.framework;
    Some(Framework {
        id: h.id,
        name: h.name,
        short: h.short,
        aliases: h.aliases,
        kind: h.kind,
        version: h.version,
        source: h.source,
        based_on: None,
        requirements,
        origin: FrameworkOrigin::Bundled,
    })
}

/// The NIST SP 800-53 rev5 framework from the bundled OSCAL catalog.
pub fn nist(source: &Source<'_>) -> Result<Framework, CatalogError> {
    let names = ImportNames {
        id: crate::oscal::import::NIST_ID.to_string(),
        aliases: vec![
            "nist".to_string(),
            "800-53".to_string(),
            "nist800-53".to_string(),
        ],
        short: Some("NIST 800-53".to_string()),
        kind: FrameworkKind::Controls,
    };
    let mut framework = import(source.text, names, FrameworkOrigin::Bundled).map_err(|e| {
        let mut problems = Problems::default();
        problems.at(source, None, None, e.to_string());
        CatalogError {
            problems: problems.0,
        }
    })?;
    framework.based_on = None;
    framework.source =
        "NIST SP 800-53 Rev. 5 OSCAL catalog (public domain, usnistgov/oscal-content)".to_string();
    Ok(framework)
}

/// Loads and validates a catalog from sources, plus frameworks already built (NIST, imported).
pub fn load(
    framework_sources: &[Source<'_>],
    extra_frameworks: Vec<Framework>,
    themes_source: &Source<'_>,
    control_sources: &[Source<'_>],
    crosswalk_sources: &[Source<'_>],
) -> Result<Catalog, CatalogError> {
    let mut problems = Problems::default();
    let mut frameworks: Vec<Framework> = framework_sources
        .iter()
        .filter_map(|s| framework_from_file(s, &mut problems))
        .collect();
    frameworks.extend(extra_frameworks);
    let mut names = BTreeMap::new();
    for f in &frameworks {
        for name in std::iter::once(&f.id).chain(&f.aliases) {
            if let Some(other) = names.insert(name.to_ascii_lowercase(), f.id.clone()) {
                if other != f.id {
                    problems.0.push(Problem {
                        location: Location {
                            file: PathBuf::from(&f.id),
                            line: None,
                            column: None,
                            field: Some("id".into()),
                        },
                        message: format!(
                            "framework name '{name}' is used by both '{other}' and '{}'",
                            f.id
                        ),
                    });
                }
            }
        }
    }
    let themes: Vec<Theme> = problems
        .toml::<ThemesFile>(themes_source)
        .map(|t| t.theme)
        .unwrap_or_default();
    let theme_ids: BTreeSet<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    let index: HashMap<&str, &Framework> = frameworks
        .iter()
        .flat_map(|f| {
            std::iter::once(f.id.as_str())
                .chain(f.aliases.iter().map(String::as_str))
                .map(move |n| (n, f))
        })
        .collect();

    let mut controls = Vec::new();
    let mut control_ids = HashMap::new();
    for source in control_sources {
        let Some(file) = problems.toml::<ControlsFile>(source) else {
            continue;
        };
        for (position, spanned) in file.control.iter().enumerate() {
            let offset = Some(spanned.span().start);
            let c = spanned.get_ref();
            let field = |name: &str| Some(format!("control[{position}].{name}"));
            if !is_control_id(&c.id) {
                problems.at(
                    source,
                    offset,
                    field("id"),
                    format!("control id '{}' must look like FP-XX-NN", c.id),
                );
            }
            if let Some(first) = control_ids.insert(c.id.clone(), source.name) {
                problems.at(
                    source,
                    offset,
                    field("id"),
                    format!("duplicate control id '{}' (also in {first})", c.id),
                );
            }
            if !theme_ids.contains(c.theme.as_str()) {
                problems.at(
                    source,
                    offset,
                    field("theme"),
                    format!(
                        "unknown theme '{}'; themes are defined in themes.toml",
                        c.theme
                    ),
                );
            }
            if c.evidence.is_empty() {
                problems.at(
                    source,
                    offset,
                    field("evidence"),
                    "a control needs at least one evidence request",
                );
            }
            let mut evidence_ids = BTreeSet::new();
            for e in &c.evidence {
                if !evidence_ids.insert(e.id.as_str()) {
                    problems.at(
                        source,
                        offset,
                        field("evidence"),
                        format!("duplicate evidence request id '{}'", e.id),
                    );
                }
            }
            let mut mappings = Vec::new();
            let mut categories = BTreeSet::new();
            for (m_index, spanned_mapping) in c.mappings.iter().enumerate() {
                let m = spanned_mapping.get_ref();
                let m_offset = Some(spanned_mapping.span().start);
                let m_field = Some(format!("control[{position}].mappings[{m_index}].to"));
                let Some((framework, requirement)) = m.to.split_once(':') else {
                    problems.at(
                        source,
                        m_offset,
                        m_field,
                        format!(
                            "'{}' is not framework:requirement (e.g. tsc2017:CC6.1)",
                            m.to
                        ),
                    );
                    continue;
                };
                let Some(framework) = index.get(framework) else {
                    problems.at(
                        source,
                        m_offset,
                        m_field.clone(),
                        format!("unknown framework '{framework}' in '{}'", m.to),
                    );
                    continue;
                };
                let Some(target) = framework.requirement(requirement) else {
                    problems.at(
                        source,
                        m_offset,
                        m_field.clone(),
                        format!("'{requirement}' is not a requirement of {}", framework.id),
                    );
                    continue;
                };
                if target.withdrawn {
                    problems.at(
                        source,
                        m_offset,
                        m_field.clone(),
                        format!(
                            "{} {} is withdrawn; map to what replaced it",
                            framework.id, target.id
                        ),
                    );
                }
                if m.why.trim().is_empty() {
                    problems.at(
                        source,
                        m_offset,
                        Some(format!("control[{position}].mappings[{m_index}].why")),
                        "every mapping needs a one-line rationale (`why`)",
                    );
                }
                if m.rel == Relationship::NoRelationship {
                    problems.at(
                        source,
                        m_offset,
                        Some(format!("control[{position}].mappings[{m_index}].rel")),
                        "a control maps only to what it relates to; no_relationship is for designed crosswalks",
                    );
                }
                if m.strength.is_some_and(|s| !(1..=10).contains(&s)) {
                    problems.at(
                        source,
                        m_offset,
                        Some(format!("control[{position}].mappings[{m_index}].strength")),
                        "strength is 1 to 10",
                    );
                }
                if let Some(category) = target.category {
                    categories.insert(category);
                }
                if mappings
                    .iter()
                    .any(|x: &Mapping| x.framework == framework.id && x.requirement == target.id)
                {
                    problems.at(
                        source,
                        m_offset,
                        m_field.clone(),
                        format!("{} is mapped twice; keep one mapping per target", m.to),
                    );
                }
                mappings.push(Mapping {
                    framework: framework.id.clone(),
                    requirement: target.id.clone(),
                    relationship: m.rel,
                    rationale: m.why.trim().to_string(),
                    strength: m.strength,
                });
            }
            for problem in containment_problems(&c.id, &mappings, &index)
                .into_iter()
                .chain(contradiction_problems(&c.id, &mappings, &index))
            {
                problems.at(source, offset, field("mappings"), problem);
            }
            check_procedures(c, &evidence_ids, &mut |field_name, message| {
                problems.at(source, offset, field(field_name), message)
            });
            if !mappings.iter().any(|m| m.framework == "tsc2017") {
                problems.at(
                    source,
                    offset,
                    field("mappings"),
                    format!(
                        "control {} maps to no TSC criterion; every control must",
                        c.id
                    ),
                );
            }
            controls.push(Control {
                id: c.id.clone(),
                title: c.title.clone(),
                theme: c.theme.clone(),
                description: c.description.trim().to_string(),
                ot_guidance: c.ot_guidance.trim().to_string(),
                frequency: c.frequency,
                applies_when: c.applies_when.clone(),
                evidence: c.evidence.clone(),
                tests: c.tests.clone(),
                responsibility: c.responsibility,
                performer: c
                    .performer
                    .clone()
                    .or_else(|| {
                        themes
                            .iter()
                            .find(|t| t.id == c.theme)
                            .map(|t| t.performer.clone())
                    })
                    .unwrap_or_default(),
                procedures: c.procedures.clone(),
                mappings,
                categories: TscCategory::ALL
                    .iter()
                    .copied()
                    .filter(|x| categories.contains(x))
                    .collect(),
            });
        }
    }

    let mut crosswalks = Vec::new();
    for source in crosswalk_sources {
        let Some(file) = problems.toml::<CrosswalkFile>(source) else {
            continue;
        };
        let table = file.crosswalk;
        let (Some(from), Some(to)) = (
            index.get(table.source.as_str()),
            index.get(table.target.as_str()),
        ) else {
            problems.at(
                source,
                None,
                Some("crosswalk".into()),
                "unknown source or target framework",
            );
            continue;
        };
        let mut pairs = Vec::with_capacity(table.pairs.len() + file.pair.len());
        if !table.pairs.is_empty() && table.relationship.is_none() {
            problems.at(
                source,
                None,
                Some("crosswalk.relationship".into()),
                "`pairs` need the `relationship` they all share",
            );
        }
        let mut resolve = |a: &str, b: &str, offset: usize, field: String| match (
            from.requirement(a),
            to.requirement(b),
        ) {
            (Some(a), Some(b)) => Some((a.id.clone(), b.id.clone())),
            _ => {
                problems.at(
                    source,
                    Some(offset),
                    Some(field),
                    format!(
                        "[{a}, {b}] names a requirement that {} or {} does not have",
                        from.id, to.id
                    ),
                );
                None
            }
        };
        for (i, pair) in table.pairs.iter().enumerate() {
            let (a, b) = pair.get_ref();
            if let Some((a, b)) = resolve(a, b, pair.span().start, format!("pairs[{i}]")) {
                pairs.push(CrosswalkPair {
                    source: a,
                    target: b,
                    relationship: table.relationship.unwrap_or(Relationship::Intersects),
                    rationale: None,
                });
            }
        }
        let mut why_missing = Vec::new();
        for (i, spanned) in file.pair.iter().enumerate() {
            let p = spanned.get_ref();
            if p.why.trim().is_empty() {
                why_missing.push(spanned.span().start);
            }
            if let Some((a, b)) = resolve(
                &p.source,
                &p.target,
                spanned.span().start,
                format!("pair[{i}]"),
            ) {
                pairs.push(CrosswalkPair {
                    source: a,
                    target: b,
                    relationship: p.rel,
                    rationale: Some(p.why.trim().to_string()),
                });
            }
        }
        let mut seen_pairs = BTreeSet::new();
        for p in &pairs {
            if !seen_pairs.insert((p.source.as_str(), p.target.as_str())) {
                problems.at(
                    source,
                    None,
                    Some("pair".into()),
                    format!(
                        "[{}, {}] is judged twice; keep one relationship per pair",
                        p.source, p.target
                    ),
                );
            }
        }
        for offset in why_missing {
            problems.at(
                source,
                Some(offset),
                Some("pair.why".into()),
                "every pair of a designed crosswalk needs a rationale (`why`)",
            );
        }
        if table.designed {
            // Every requirement of the target framework is judged: mapped, or found unrelated.
            let judged: BTreeSet<&str> = pairs.iter().map(|p| p.target.as_str()).collect();
            let missing: Vec<&str> = to
                .requirements
                .iter()
                .filter(|r| !r.withdrawn && !judged.contains(r.id.as_str()))
                .map(|r| r.id.as_str())
                .collect();
            if !missing.is_empty() {
                problems.at(
                    source,
                    None,
                    Some("pair".into()),
                    format!(
                        "a designed crosswalk judges every requirement of {}; not judged: {}",
                        to.id,
                        missing.join(", ")
                    ),
                );
            }
        }
        crosswalks.push(Crosswalk {
            header: CrosswalkHeader {
                id: table.id,
                source: from.id.clone(),
                target: to.id.clone(),
                designed: table.designed,
                provenance: table.provenance,
            },
            pairs,
        });
    }

    if problems.0.is_empty() {
        Ok(Catalog {
            frameworks,
            themes,
            controls,
            crosswalks,
        })
    } else {
        Err(CatalogError {
            problems: problems.0,
        })
    }
}

/// Under IR 8477, a control is a proper subset (or equal) of at most one requirement of a
/// framework: two distinct requirements cannot each contain all of it, unless one contains the
/// other (a NIST control and its enhancement, for example). Returns a message per violation.
fn containment_problems(
    control: &str,
    mappings: &[Mapping],
    frameworks: &HashMap<&str, &Framework>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut by_framework: BTreeMap<&str, Vec<&Mapping>> = BTreeMap::new();
    for m in mappings
        .iter()
        .filter(|m| matches!(m.relationship, Relationship::Subset | Relationship::Equal))
    {
        by_framework
            .entry(m.framework.as_str())
            .or_default()
            .push(m);
    }
    for (framework, containing) in by_framework {
        let nested = |a: &str, b: &str| {
            frameworks.get(framework).is_some_and(|f| {
                let parent_of = |x: &str| f.requirement(x).and_then(|r| r.parent.clone());
                parent_of(a).as_deref() == Some(b) || parent_of(b).as_deref() == Some(a)
            })
        };
        for (i, a) in containing.iter().enumerate() {
            for b in &containing[i + 1..] {
                if !nested(&a.requirement, &b.requirement) {
                    out.push(format!(
                        "{control} is {} {framework}:{} and {} {framework}:{}: under IR 8477 a control can be contained in only one of two distinct requirements; judge the other as intersects",
                        a.relationship, a.requirement, b.relationship, b.requirement
                    ));
                }
            }
        }
    }
    out
}

/// A control that contains one requirement (superset or equal) and is contained in another of
/// the same framework (subset or equal) asserts that the first requirement sits inside the
/// second: R1 ⊆ control ⊆ R2. Two distinct requirements of one framework do not nest unless
/// one is the other's part (an enhancement inside its base control), so such a pair is refused
/// with the control, both requirements and the rule.
fn contradiction_problems(
    control: &str,
    mappings: &[Mapping],
    frameworks: &HashMap<&str, &Framework>,
) -> Vec<String> {
    let mut out = Vec::new();
    let contains =
        |m: &&Mapping| matches!(m.relationship, Relationship::Superset | Relationship::Equal);
    let contained =
        |m: &&Mapping| matches!(m.relationship, Relationship::Subset | Relationship::Equal);
    for inner in mappings.iter().filter(contains) {
        for outer in mappings.iter().filter(contained) {
            if inner.framework != outer.framework || inner.requirement == outer.requirement {
                continue;
            }
            let framework = inner.framework.as_str();
            // Is `inner` a part of `outer` (its child, grandchild, ...)?
            let inside = frameworks.get(framework).is_some_and(|f| {
                let mut at = f
                    .requirement(&inner.requirement)
                    .and_then(|r| r.parent.clone());
                let mut steps = 0;
                while let Some(parent) = at {
                    if parent == outer.requirement {
                        return true;
                    }
                    steps += 1;
                    if steps > 16 {
                        break;
                    }
                    at = f.requirement(&parent).and_then(|r| r.parent.clone());
                }
                false
            });
            if !inside {
                out.push(format!(
                    "{control} is {} {framework}:{} and {} {framework}:{}: together they assert that {} lies inside {}, which two distinct requirements of one framework do not; re-judge one of them (a control that does more than a requirement is its superset; one that does part of it and more besides intersects it)",
                    inner.relationship, inner.requirement, outer.relationship, outer.requirement, inner.requirement, outer.requirement
                ));
            }
        }
    }
    out
}

/// Test procedures: at least one; a Type II tester needs at least one inspection or
/// reperformance with the attributes to check and the population to draw from; evidence
/// references resolve; automated sampling names its tests.
fn check_procedures(
    c: &crate::model::ControlRecord,
    evidence_ids: &BTreeSet<&str>,
    report: &mut dyn FnMut(&str, String),
) {
    if c.procedures.is_empty() {
        report("procedures", format!("{} has no test procedure", c.id));
        return;
    }
    if !c
        .procedures
        .iter()
        .any(|p| matches!(p.method, Method::Inspection | Method::Reperformance))
    {
        report(
            "procedures",
            format!(
                "{} needs an inspection or reperformance procedure: inquiry and observation alone do not test operating effectiveness",
                c.id
            ),
        );
    }
    for (i, p) in c.procedures.iter().enumerate() {
        let field = format!("procedures[{i}]");
        if p.procedure.trim().is_empty() {
            report(&field, "the procedure says nothing".to_string());
        }
        if matches!(p.method, Method::Inspection | Method::Reperformance) {
            if p.attributes.is_empty() {
                report(
                    &field,
                    "an inspection or reperformance lists the attributes each item must show"
                        .to_string(),
                );
            }
            if p.population.is_none() {
                report(
                    &field,
                    "an inspection or reperformance names the population it draws from".to_string(),
                );
            }
        }
        for e in &p.evidence {
            if !evidence_ids.contains(e.as_str()) {
                report(
                    &field,
                    format!("'{e}' is not an evidence request of {}", c.id),
                );
            }
        }
        if p.frequency.is_some() && p.sample != SampleBasis::Frequency {
            report(
                &field,
                "`frequency` sizes a sample of occurrences: give it only with sample = \"frequency\"".to_string(),
            );
        }
        if p.sample == SampleBasis::Frequency
            && p.frequency.unwrap_or(c.frequency) == Frequency::PerEvent
        {
            report(
                &field,
                format!(
                    "{} operates per event, so its population is items (tickets, changes, people), not occurrences a frequency can size: use sample = \"items\"",
                    c.id
                ),
            );
        }
        let automated = p.sample == SampleBasis::Automated;
        if automated == p.tests.is_empty() {
            report(
                &field,
                "automated sampling names the automated tests that examine the population, and only it does".to_string(),
            );
        }
        for t in &p.tests {
            if !c.tests.contains(t) {
                report(
                    &field,
                    format!(
                        "test '{t}' is not in {}'s tests = [...]; list it there",
                        c.id
                    ),
                );
            }
        }
    }
    for t in &c.tests {
        if !c.procedures.iter().any(|p| p.tests.contains(t)) {
            report(
                "tests",
                format!(
                    "{} lists test '{t}' but no procedure with sample = \"automated\" says how a tester uses it",
                    c.id
                ),
            );
        }
    }
}

fn is_control_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 8
        && id.starts_with("FP-")
        && b[3].is_ascii_uppercase()
        && b[4].is_ascii_uppercase()
        && b[5] == b'-'
        && b[6].is_ascii_digit()
        && b[7].is_ascii_digit()
}
