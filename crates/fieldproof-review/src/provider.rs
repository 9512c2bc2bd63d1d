//! Which NIST SP 800-53 controls a provider implements (seed 002): from a reviewed SOC 2 report
//! — the criteria it covers, the tests with exceptions, the CUECs — and the catalog's mappings,
//! each NIST control (or each control of an imported NIST baseline such as FedRAMP Low) is
//! implemented by the provider, shared with the customer, or left to the customer, with the
//! mapping path followed.
//!
//! The rules, in order:
//! - a criterion is **covered** when the report is a SOC 2 (or ISAE 3000) report, its opinion is
//!   unqualified, and the criterion belongs to a category in scope (the common criteria with
//!   Security, `A1.x` with Availability, ...); a qualified, adverse or disclaimed opinion covers
//!   nothing, and neither does a SOC 1 or a report whose kind or opinion was not found;
//! - a NIST control reached from a covered criterion through the mappings (criterion, a control
//!   of the fieldproof library, NIST control) is **provider**, unless every covered criterion
//!   that reaches it is cited by a CUEC: then it is **shared** (the provider's control relies on
//!   the customer's part);
//! - a NIST control no covered criterion reaches is **customer**: the report gives no assurance
//!   over it, so the customer implements it or asks the provider for more;
//! - exceptions in the tests of a criterion that reaches a control are listed on its row, and a
//!   type 1 report is marked: it tested design only.

use crate::{Opinion, ReportKind, ReportType, Review, TestResult};
use fieldproof_catalog::graph::Graph;
use fieldproof_catalog::model::Framework;
use fieldproof_catalog::{Catalog, Node};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The TSC framework's id in the catalog.
const TSC: &str = "tsc2017";

/// Who implements a control.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProviderResponsibility {
    /// The provider, with the report's assurance.
    Provider,
    /// The provider and the customer: a CUEC asks the customer for its part.
    Shared,
    /// The customer: the report gives no assurance over it.
    Customer,
}

impl ProviderResponsibility {
    /// The word used in tables and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderResponsibility::Provider => "provider",
            ProviderResponsibility::Shared => "shared",
            ProviderResponsibility::Customer => "customer",
        }
    }
}

/// What the report's assurance is worth for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// A type 2 report with an unqualified opinion: design and operating effectiveness.
    OperatingEffectiveness,
    /// A type 1 report with an unqualified opinion: design only, at a date.
    DesignOnly,
    /// No assurance the table can use (the reason is in `ProviderTable::why`).
    None,
}

/// One control of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProviderRow {
    /// The control id (`ac-2`, `ia-2.1`).
    pub control: String,
    /// Its label (`AC-2`, `IA-2(1)`).
    pub label: String,
    /// Its title.
    pub title: String,
    /// Who implements it.
    pub responsibility: ProviderResponsibility,
    /// The covered criteria that reach it.
    pub criteria: Vec<String>,
    /// The shortest mapping paths followed, written out (at most three).
    pub paths: Vec<String>,
    /// CUEC numbers (1 first) that cite one of those criteria.
    pub cuecs: Vec<usize>,
    /// Exceptions the report lists for those criteria: `CRITERION: deviations` (page).
    pub exceptions: Vec<String>,
    /// Why, in a sentence.
    pub why: String,
}

/// The table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProviderTable {
    /// The framework whose controls are listed (`nist800-53r5` or a baseline's id).
    pub framework: String,
    /// Its name.
    pub framework_name: String,
    /// The report's assurance.
    pub assurance: Assurance,
    /// Why the assurance is what it is.
    pub why: String,
    /// The criteria the report covers.
    pub covered: Vec<String>,
    /// Counts by responsibility.
    pub provider: usize,
    /// Shared.
    pub shared: usize,
    /// Customer.
    pub customer: usize,
    /// The controls, in the framework's order.
    pub rows: Vec<ProviderRow>,
}

/// Why a table cannot be drawn for a framework.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The framework is not NIST SP 800-53 or a baseline of it.
    #[error("{0} is neither NIST SP 800-53 nor a baseline of it; import the baseline's OSCAL profile (catalog import-oscal) or leave --baseline out")]
    NotNist(String),
}

fn assurance(review: &Review) -> (Assurance, String) {
    let kind = review.kind.as_ref().map(|k| k.value);
    if !matches!(kind, Some(ReportKind::Soc2 | ReportKind::Isae3000)) {
        let what = match kind {
            Some(k) => format!("a {k:?} report"),
            None => "a report whose kind was not found".to_string(),
        };
        return (
            Assurance::None,
            format!("{what} does not report against the Trust Services Criteria the mappings start from"),
        );
    }
    match review.opinion.as_ref().map(|o| o.value) {
        Some(Opinion::Unqualified) => {}
        Some(other) => {
            return (
                Assurance::None,
                format!(
                "the opinion is {other:?}: the report's controls cannot be relied on as a whole"
            )
                .to_lowercase(),
            )
        }
        None => {
            return (
                Assurance::None,
                "the opinion was not found; confirm it before relying on the report".to_string(),
            )
        }
    }
    match review.report_type.as_ref().map(|t| t.value) {
        Some(ReportType::Type2) => (
            Assurance::OperatingEffectiveness,
            "a type 2 report with an unqualified opinion: controls designed and operating over the period".to_string(),
        ),
        _ => (
            Assurance::DesignOnly,
            "a type 1 report (or type not found): controls suitably designed at a date, operation not tested".to_string(),
        ),
    }
}

/// The table for `review` over NIST SP 800-53 (or the NIST baseline `baseline`).
pub fn provider_controls(
    review: &Review,
    catalog: &Catalog,
    baseline: Option<&Framework>,
) -> Result<ProviderTable, ProviderError> {
    let nist_id = fieldproof_catalog::oscal::import::NIST_ID;
    let nist = catalog
        .framework(nist_id)
        .ok_or_else(|| ProviderError::NotNist(nist_id.to_string()))?;
    let listed = match baseline {
        Some(b) if b.id == nist.id => nist,
        Some(b) if b.based_on.as_deref() == Some(nist_id) => b,
        Some(b) => return Err(ProviderError::NotNist(b.id.clone())),
        None => nist,
    };
    let (assurance, why) = assurance(review);
    let in_scope: BTreeSet<_> = review.categories.iter().map(|c| c.value).collect();
    let covered: Vec<String> = if assurance == Assurance::None {
        Vec::new()
    } else {
        catalog
            .framework(TSC)
            .map(|f| {
                f.requirements
                    .iter()
                    .filter(|r| r.category.is_some_and(|c| in_scope.contains(&c)))
                    .map(|r| r.id.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let cited: BTreeMap<&str, Vec<usize>> =
        review
            .cuecs
            .iter()
            .enumerate()
            .fold(BTreeMap::new(), |mut by, (i, cuec)| {
                for c in &cuec.criteria {
                    by.entry(c.as_str()).or_insert_with(Vec::new).push(i + 1);
                }
                by
            });
    let graph = Graph::of(catalog);
    // NIST control id → (criterion, path written out)
    let mut reached: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for criterion in &covered {
        let start = Node::Requirement(TSC.to_string(), criterion.clone());
        for path in graph.paths(catalog, &start, &nist.id, 2) {
            let id = path
                .target
                .split_once(':')
                .map_or(path.target.clone(), |(_, id)| id.to_string());
            reached
                .entry(id)
                .or_default()
                .push((criterion.clone(), path.via.clone()));
        }
    }
    let exceptions_of = |criterion: &str| -> Vec<String> {
        let mut out: Vec<String> = review
            .exceptions
            .iter()
            .filter(|e| e.criteria.iter().any(|c| c == criterion))
            .map(|e| {
                format!(
                    "{criterion}: {} (page {})",
                    e.deviations.as_deref().unwrap_or("exception noted"),
                    e.page
                )
            })
            .collect();
        if out.is_empty()
            && review
                .tests
                .iter()
                .any(|t| t.criterion == criterion && t.result == TestResult::Exception)
        {
            out.push(format!("{criterion}: exception noted in the tests"));
        }
        out
    };
    let mut rows = Vec::new();
    for r in listed.requirements.iter().filter(|r| !r.withdrawn) {
        let label = r.label.clone().unwrap_or_else(|| r.id.to_ascii_uppercase());
        let paths = reached.get(&r.id).cloned().unwrap_or_default();
        let criteria: Vec<String> = paths
            .iter()
            .map(|(c, _)| c.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let cuecs: Vec<usize> = criteria
            .iter()
            .flat_map(|c| cited.get(c.as_str()).cloned().unwrap_or_default())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let exceptions: Vec<String> = criteria.iter().flat_map(|c| exceptions_of(c)).collect();
        let uncited = criteria.iter().any(|c| !cited.contains_key(c.as_str()));
        let (responsibility, why_row) = if criteria.is_empty() {
            (
                ProviderResponsibility::Customer,
                if assurance == Assurance::None {
                    format!("the report gives no assurance the table can use ({why})")
                } else {
                    "no criterion the report covers maps to it: implement it, or ask the provider how it is met".to_string()
                },
            )
        } else if uncited {
            (
                ProviderResponsibility::Provider,
                format!(
                    "the report covers {} and the mappings reach it{}",
                    criteria.join(", "),
                    if assurance == Assurance::DesignOnly {
                        "; design only (type 1)"
                    } else {
                        ""
                    }
                ),
            )
        } else {
            (
                ProviderResponsibility::Shared,
                format!(
                    "the report covers {}, and CUEC {} asks the customer for its part",
                    criteria.join(", "),
                    cuecs
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        let why_row = if exceptions.is_empty() {
            why_row
        } else {
            format!("{why_row}; the tests found exceptions: consider a compensating control")
        };
        let suffix = if listed.id == nist.id {
            String::new()
        } else {
            format!(" = {}:{}", listed.id, r.id)
        };
        rows.push(ProviderRow {
            control: r.id.clone(),
            label,
            title: r.title.clone(),
            responsibility,
            criteria,
            paths: paths
                .iter()
                .take(3)
                .map(|(_, via)| format!("{via}{suffix}"))
                .collect(),
            cuecs,
            exceptions,
            why: why_row,
        });
    }
    let count = |w| rows.iter().filter(|r| r.responsibility == w).count();
    Ok(ProviderTable {
        framework: listed.id.clone(),
        framework_name: listed.name.clone(),
        assurance,
        why,
        covered,
        provider: count(ProviderResponsibility::Provider),
        shared: count(ProviderResponsibility::Shared),
        customer: count(ProviderResponsibility::Customer),
        rows,
    })
}
