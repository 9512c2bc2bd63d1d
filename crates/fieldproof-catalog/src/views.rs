//! What the catalog answers, as owned, serialisable views: the catalog list, one framework,
//! requirement or control, the controls an assessment needs, criterion coverage and `map`
//! paths. The application layer returns them as its JSON contracts; the report crate renders
//! them for people.

use crate::applicability::{applicable, coverage, Applicable, CriterionCoverage};
use crate::graph::{Graph, PathTo};
use crate::model::{
    Condition, Control, Crosswalk, EvidenceRequest, Framework, FrameworkOrigin, Frequency, Mapping,
    Relationship, Requirement, Responsibility, TestProcedure,
};
use crate::{Catalog, Node, LIBRARY};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::TscCategory;
use schemars::JsonSchema;
use serde::Serialize;

/// A framework in the catalog list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FrameworkSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Short name.
    pub short: String,
    /// Other accepted names.
    pub aliases: Vec<String>,
    /// Kind of requirements.
    pub kind: String,
    /// Version.
    pub version: String,
    /// Requirements.
    pub requirements: usize,
    /// Withdrawn requirements.
    pub withdrawn: usize,
    /// `bundled` or `imported from FILE`.
    pub origin: String,
    /// Provenance.
    pub source: String,
    /// The framework whose requirements it selects under the same ids (a NIST baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
}

/// The control library in the catalog list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LibrarySummary {
    /// `fieldproof`.
    pub id: String,
    /// Controls.
    pub controls: usize,
    /// Themes.
    pub themes: usize,
}

/// A crosswalk in the catalog list.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CrosswalkSummary {
    /// Identifier (`export crosswalk ID`).
    pub id: String,
    /// Source framework.
    pub source: String,
    /// Target framework.
    pub target: String,
    /// Designed by fieldproof (every target requirement judged, a rationale per pair) or
    /// imported from a published reference.
    pub designed: bool,
    /// Pairs, including those judged unrelated.
    pub pairs: usize,
    /// Pairs judged unrelated (`no_relationship`).
    pub unrelated: usize,
    /// Provenance.
    pub provenance: String,
}

/// `catalog list`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CatalogList {
    /// Frameworks.
    pub frameworks: Vec<FrameworkSummary>,
    /// The control library.
    pub control_library: LibrarySummary,
    /// Crosswalks.
    pub crosswalks: Vec<CrosswalkSummary>,
}

/// A mapping to or from a requirement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MappingEdge {
    /// The other end, qualified (`fieldproof:FP-AC-01`).
    pub with: String,
    /// Its title.
    pub title: String,
    /// Read "this REL other".
    pub relationship: Relationship,
    /// Strength 1-10.
    pub strength: Option<u8>,
    /// Why, in one line (control mappings and designed crosswalk pairs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// The designed crosswalk the pair belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crosswalk: Option<String>,
}

/// A requirement with what maps to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequirementView {
    /// Framework id.
    pub framework: String,
    /// The framework's short name.
    pub framework_short: String,
    /// The requirement.
    pub requirement: Requirement,
    /// Mappings to and from it.
    pub mappings: Vec<MappingEdge>,
}

/// `catalog show`: a framework, a requirement or a control.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CatalogShow {
    /// A framework with its requirements.
    Framework(Framework),
    /// A requirement with its mappings.
    Requirement(RequirementView),
    /// A control of the library.
    Control(Box<Control>),
}

/// A control an estate needs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ControlRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Theme.
    pub theme: String,
    /// How often it operates.
    pub frequency: Frequency,
    /// TSC categories.
    pub tsc_categories: Vec<TscCategory>,
    /// Whether it applies to the organisation as a whole.
    pub organisation_wide: bool,
    /// Components in scope or shared that make it applicable.
    pub components: Vec<String>,
    /// When it applies.
    pub applies_when: Vec<Condition>,
    /// Evidence requests.
    pub evidence: Vec<EvidenceRequest>,
    /// Automated tests.
    pub tests: Vec<String>,
    /// Who operates it.
    pub responsibility: Responsibility,
    /// How a Type II tester tests it.
    pub procedures: Vec<TestProcedure>,
    /// Typed mappings.
    pub mappings: Vec<Mapping>,
}

/// `controls`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ControlsView {
    /// The categories considered.
    pub categories: Vec<TscCategory>,
    /// The controls.
    pub controls: Vec<ControlRow>,
}

/// `coverage`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CoverageView {
    /// The categories in play.
    pub categories: Vec<TscCategory>,
    /// Per criterion, the applicable controls that map to it.
    pub criteria: Vec<CriterionCoverage>,
    /// Criteria only intersected by applicable controls, never contained: covered in part, so
    /// not covered.
    pub partial: Vec<String>,
    /// Criteria no applicable control maps to at all.
    pub uncovered: Vec<String>,
}

/// `map`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MapView {
    /// The start, qualified.
    pub from: String,
    /// Its title.
    pub title: String,
    /// Whether the start is a control of the library.
    pub from_control: bool,
    /// The target framework id.
    pub to: String,
    /// The designed crosswalk that answered, when one joins the two frameworks: its judged
    /// pairs are the answer, and paths through controls or other frameworks are not followed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crosswalk: Option<String>,
    /// Every requirement reached, with its shortest paths, most direct first.
    pub results: Vec<PathTo>,
    /// Requirements the designed crosswalk judged unrelated to the start, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unrelated: Vec<PathTo>,
}

/// `bundled`, or `imported from FILE`.
pub fn origin_text(f: &Framework) -> String {
    match &f.origin {
        FrameworkOrigin::Bundled => "bundled".to_string(),
        FrameworkOrigin::Imported { source, .. } => format!("imported from {source}"),
    }
}

/// The catalog list.
pub fn list(catalog: &Catalog) -> CatalogList {
    CatalogList {
        frameworks: catalog
            .frameworks
            .iter()
            .map(|f| FrameworkSummary {
                id: f.id.clone(),
                name: f.name.clone(),
                short: f.short.clone(),
                aliases: f.aliases.clone(),
                kind: f.kind.as_str().to_string(),
                version: f.version.clone(),
                requirements: f.requirements.len(),
                withdrawn: f.requirements.iter().filter(|r| r.withdrawn).count(),
                origin: origin_text(f),
                source: f.source.clone(),
                based_on: f.based_on.clone(),
            })
            .collect(),
        control_library: LibrarySummary {
            id: LIBRARY.to_string(),
            controls: catalog.controls.len(),
            themes: catalog.themes.len(),
        },
        crosswalks: catalog
            .crosswalks
            .iter()
            .map(|c| CrosswalkSummary {
                id: c.header.id.clone(),
                source: c.header.source.clone(),
                target: c.header.target.clone(),
                designed: c.header.designed,
                pairs: c.pairs.len(),
                unrelated: c
                    .pairs
                    .iter()
                    .filter(|p| p.relationship == Relationship::NoRelationship)
                    .count(),
                provenance: c.header.provenance.clone(),
            })
            .collect(),
    }
}

/// A framework, a requirement with its mappings, or a control; `Err` says why not found.
pub fn show(catalog: &Catalog, reference: &str) -> Result<CatalogShow, String> {
    if let Some(framework) = catalog.framework(reference) {
        return Ok(CatalogShow::Framework(framework.clone()));
    }
    let node = catalog.resolve(reference)?;
    match &node {
        Node::Control(id) => catalog
            .control(id)
            .map(|c| CatalogShow::Control(Box::new(c.clone())))
            .ok_or_else(|| format!("no control {id}")),
        Node::Requirement(..) => {
            let (framework, requirement) = catalog
                .requirement(&node)
                .ok_or_else(|| format!("no requirement {reference}"))?;
            let graph = Graph::of(catalog);
            Ok(CatalogShow::Requirement(RequirementView {
                framework: framework.id.clone(),
                framework_short: framework.short.clone(),
                requirement: requirement.clone(),
                mappings: graph
                    .edges(&node)
                    .iter()
                    .map(|e| MappingEdge {
                        with: e.to.qualified(),
                        title: catalog.title(&e.to),
                        relationship: e.relationship,
                        strength: e.strength,
                        rationale: e.rationale.clone(),
                        crosswalk: e.crosswalk.clone(),
                    })
                    .collect(),
            }))
        }
    }
}

fn row(a: &Applicable<'_>) -> ControlRow {
    ControlRow {
        id: a.control.id.clone(),
        title: a.control.title.clone(),
        theme: a.control.theme.clone(),
        frequency: a.control.frequency,
        tsc_categories: a.control.categories.clone(),
        organisation_wide: a.organisation_wide,
        components: a.components.clone(),
        applies_when: a.control.applies_when.clone(),
        evidence: a.control.evidence.clone(),
        tests: a.control.tests.clone(),
        responsibility: a.control.responsibility,
        procedures: a.control.procedures.clone(),
        mappings: a.control.mappings.clone(),
    }
}

/// The categories to consider: those given, else `implicated`, in category order.
pub fn categories_for(given: &[TscCategory], implicated: Vec<TscCategory>) -> Vec<TscCategory> {
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

/// The controls an assessment needs for `categories` (or those it implicates).
pub fn controls(
    catalog: &Catalog,
    assessment: &Assessment<'_>,
    categories: &[TscCategory],
) -> ControlsView {
    let categories = categories_for(categories, assessment.categories());
    ControlsView {
        controls: applicable(catalog, assessment, &categories)
            .iter()
            .map(row)
            .collect(),
        categories,
    }
}

/// The whole library, filtered by `categories` when given.
pub fn library(catalog: &Catalog, categories: &[TscCategory]) -> ControlsView {
    let categories = categories_for(categories, TscCategory::ALL.to_vec());
    ControlsView {
        controls: catalog
            .controls
            .iter()
            .filter(|c| c.categories.iter().any(|x| categories.contains(x)))
            .map(|control| {
                row(&Applicable {
                    control,
                    components: Vec::new(),
                    organisation_wide: control.applies_when.is_empty(),
                })
            })
            .collect(),
        categories,
    }
}

/// Criterion coverage of an assessment for `categories` (or those it implicates).
pub fn coverage_of(
    catalog: &Catalog,
    assessment: &Assessment<'_>,
    categories: &[TscCategory],
) -> CoverageView {
    let categories = categories_for(categories, assessment.categories());
    let rows = applicable(catalog, assessment, &categories);
    let criteria = coverage(catalog, &rows, &categories);
    let ids = |keep: fn(&CriterionCoverage) -> bool| -> Vec<String> {
        criteria
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.criterion.clone())
            .collect()
    };
    let uncovered = ids(|c| c.controls.is_empty() && c.partial.is_empty());
    let partial = ids(|c| c.controls.is_empty() && !c.partial.is_empty());
    CoverageView {
        categories,
        criteria,
        partial,
        uncovered,
    }
}

/// The requirements of framework `to` reachable from `reference`.
pub fn map(
    catalog: &Catalog,
    reference: &str,
    to: &str,
    max_hops: usize,
) -> Result<MapView, String> {
    let start = catalog.resolve(reference)?;
    let target = if to.eq_ignore_ascii_case(LIBRARY) {
        LIBRARY.to_string()
    } else {
        catalog.framework(to).map(|f| f.id.clone()).ok_or_else(|| {
            format!("unknown framework '{to}'; `fieldproof catalog list` shows the names")
        })?
    };
    let graph = Graph::of(catalog);
    let designed = catalog.designed_crosswalk(start.framework(), &target);
    let (results, unrelated) = match designed {
        // A designed crosswalk judged every pair between the two frameworks: it is the answer.
        Some(crosswalk) => designed_pairs(catalog, crosswalk, &start),
        None => (
            graph.paths(catalog, &start, &target, max_hops.max(1)),
            Vec::new(),
        ),
    };
    Ok(MapView {
        from: start.qualified(),
        title: catalog.title(&start),
        from_control: matches!(start, Node::Control(_)),
        crosswalk: designed.map(|c| c.header.id.clone()),
        results,
        unrelated,
        to: target,
    })
}

/// The pairs of a designed crosswalk that start at `start` (read in either direction): related
/// ones as one-hop paths, and those judged unrelated.
fn designed_pairs(
    catalog: &Catalog,
    crosswalk: &Crosswalk,
    start: &Node,
) -> (Vec<PathTo>, Vec<PathTo>) {
    let Node::Requirement(framework, id) = start else {
        return (Vec::new(), Vec::new());
    };
    let forward = *framework == crosswalk.header.source;
    let other_framework = if forward {
        &crosswalk.header.target
    } else {
        &crosswalk.header.source
    };
    let mut related = Vec::new();
    let mut unrelated = Vec::new();
    for pair in &crosswalk.pairs {
        let (here, there, relationship) = if forward {
            (&pair.source, &pair.target, pair.relationship)
        } else {
            (&pair.target, &pair.source, pair.relationship.inverse())
        };
        if here != id {
            continue;
        }
        let target = Node::Requirement(other_framework.clone(), there.clone());
        let path = PathTo {
            target: target.qualified(),
            title: catalog.title(&target),
            relationship,
            strength: None,
            path: vec![start.qualified(), target.qualified()],
            via: format!(
                "{} {} {}",
                start.qualified(),
                relationship.symbol(),
                target.qualified()
            ),
            rationale: pair.rationale.clone(),
            crosswalk: Some(crosswalk.header.id.clone()),
        };
        if relationship == Relationship::NoRelationship {
            unrelated.push(path);
        } else {
            related.push(path);
        }
    }
    let order = |a: &PathTo, b: &PathTo| a.target.cmp(&b.target);
    related.sort_by(order);
    unrelated.sort_by(order);
    (related, unrelated)
}

/// One of your own CUECs: a customer duty of your responsibility matrix, which your customers
/// must answer when they read your report, with the controls of yours that rely on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OwnCuec {
    /// `CUEC-01`, numbered as the matrix and the system description number them.
    pub id: String,
    /// The domain of the matrix it comes from.
    pub domain: String,
    /// What customers must do.
    pub text: String,
    /// The components of the row.
    pub components: Vec<String>,
    /// Your applicable controls of the row's domain (by theme) on those components, those
    /// operated by customers or shared with them when there are any: the controls whose
    /// operation depends on the customers' part.
    pub controls: Vec<OwnCuecControl>,
    /// The TSC criteria those controls map to: what a customer's reviewer will cite.
    pub criteria: Vec<String>,
}

/// A control that relies on a CUEC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OwnCuecControl {
    /// The control.
    pub control: String,
    /// Its title.
    pub title: String,
    /// `customer` or `shared`.
    pub responsibility: String,
}

/// `cuec own`: your CUECs, from the responsibility matrix of your estate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OwnCuecs {
    /// The organisation, as the estate names it.
    pub organisation: String,
    /// The service.
    pub service: String,
    /// The CUECs.
    pub cuecs: Vec<OwnCuec>,
}

/// The control library's themes that serve a domain of the responsibility matrix.
fn domain_themes(domain: fieldproof_core::estate::Domain) -> &'static [&'static str] {
    use fieldproof_core::estate::Domain;
    match domain {
        Domain::DeviceIdentity => &["device-identity"],
        Domain::FirmwareUpdates => &["firmware", "change"],
        Domain::TelemetryIntegrity => &["telemetry", "monitoring"],
        Domain::SupportAccess => &["remote-access"],
        Domain::NetworkExposure => &["access", "vulnerability"],
        Domain::PhysicalAccess => &["physical-environmental"],
        Domain::EnvironmentalAvailability => &["physical-environmental", "backup-recovery"],
        Domain::LogicalAccess => &["access"],
        Domain::CustomerData => &["data-protection", "privacy"],
        Domain::FinancialData => &["processing"],
    }
}

/// Your own CUECs: each customer duty of the responsibility matrix (numbered as the matrix
/// numbers them), with the applicable controls of the row's domain (by theme) on the row's
/// components — those operated by customers or shared with them, else any — and the TSC
/// criteria those controls map to.
pub fn own_cuecs(
    catalog: &Catalog,
    assessment: &Assessment<'_>,
    matrix: &fieldproof_core::responsibility::ResponsibilityMatrix,
) -> OwnCuecs {
    use crate::model::Responsibility;
    let view = controls(catalog, assessment, &[]);
    let rows = matrix.rows.iter().filter(|r| !r.customer.trim().is_empty());
    let cuecs = matrix
        .cuecs
        .iter()
        .zip(rows)
        .map(|(cuec, row)| {
            let themes = domain_themes(row.domain);
            let in_domain: Vec<&ControlRow> = view
                .controls
                .iter()
                .filter(|c| {
                    themes.contains(&c.theme.as_str())
                        && (c.organisation_wide
                            || c.components.iter().any(|k| row.components.contains(k)))
                })
                .collect();
            let shared: Vec<&ControlRow> = in_domain
                .iter()
                .copied()
                .filter(|c| {
                    matches!(
                        c.responsibility,
                        Responsibility::Customer | Responsibility::Shared
                    )
                })
                .collect();
            let relying = if shared.is_empty() { in_domain } else { shared };
            let criteria: std::collections::BTreeSet<String> = relying
                .iter()
                .filter_map(|c| catalog.control(&c.id))
                .flat_map(|c| c.tsc_criteria())
                .collect();
            OwnCuec {
                id: cuec.id.clone(),
                domain: cuec.about.clone(),
                text: cuec.text.clone(),
                components: row.components.clone(),
                controls: relying
                    .iter()
                    .map(|c| OwnCuecControl {
                        control: c.id.clone(),
                        title: c.title.clone(),
                        responsibility: c.responsibility.as_str().to_string(),
                    })
                    .collect(),
                criteria: criteria.into_iter().collect(),
            }
        })
        .collect();
    OwnCuecs {
        organisation: assessment.estate.organisation.clone(),
        service: assessment.estate.service.clone(),
        cuecs,
    }
}
