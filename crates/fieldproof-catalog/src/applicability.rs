//! Which controls an estate needs: a control applies when the TSC categories in play include one
//! of its categories and a component inside the boundary (in scope or shared) meets one of its
//! conditions; a control without conditions is organisation-wide. Coverage then lists, per
//! selected TSC criterion, the applicable controls that map to it — those contained in it
//! (equal, subset, superset) cover it; those that only intersect it cover it partially.

use crate::model::{Condition, Control};
use crate::Catalog;
use fieldproof_core::assessment::Assessment;
use fieldproof_core::{Component, Scope, ScopeDecision, TscCategory};
use serde::Serialize;

/// A control the estate needs, with the components that make it applicable.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Applicable<'c> {
    /// The control.
    pub control: &'c Control,
    /// Components in scope or shared that meet a condition, sorted (empty when organisation-wide).
    pub components: Vec<String>,
    /// Whether the control applies to the organisation as a whole.
    pub organisation_wide: bool,
}

/// Whether `component` meets `condition`.
pub fn meets(condition: &Condition, component: &Component, decision: &ScopeDecision) -> bool {
    (condition.kinds.is_empty() || condition.kinds.contains(&component.kind))
        && (condition.triggers.is_empty()
            || condition
                .triggers
                .iter()
                .any(|t| decision.triggers.contains(*t as usize)))
        && (condition.facts.is_empty() || condition.facts.iter().any(|f| component.has(*f)))
        && (condition.zones.is_empty() || condition.zones.contains(&component.zone))
        && (condition.sites.is_empty() || condition.sites.contains(&component.site))
}

/// The controls applicable to an assessment for the selected categories, in library order.
pub fn applicable<'c>(
    catalog: &'c Catalog,
    assessment: &Assessment<'_>,
    categories: &[TscCategory],
) -> Vec<Applicable<'c>> {
    let inside: Vec<(&Component, &ScopeDecision)> = assessment
        .by_id()
        .filter(|(_, d)| d.scope != Scope::Out)
        .collect();
    if inside.is_empty() {
        return Vec::new();
    }
    catalog
        .controls
        .iter()
        .filter(|c| c.categories.iter().any(|cat| categories.contains(cat)))
        .filter_map(|control| {
            if control.applies_when.is_empty() {
                return Some(Applicable {
                    control,
                    components: Vec::new(),
                    organisation_wide: true,
                });
            }
            let components: Vec<String> = inside
                .iter()
                .filter(|(c, d)| control.applies_when.iter().any(|cond| meets(cond, c, d)))
                .map(|(c, _)| c.id.clone())
                .collect();
            (!components.is_empty()).then_some(Applicable {
                control,
                components,
                organisation_wide: false,
            })
        })
        .collect()
}

/// Coverage of one TSC criterion.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CriterionCoverage {
    /// Criterion id.
    pub criterion: String,
    /// Its title.
    pub title: String,
    /// Its category.
    pub category: Option<TscCategory>,
    /// Applicable controls contained in it (equal, subset or superset): they cover it.
    pub controls: Vec<String>,
    /// Applicable controls that only intersect it: alone, they cover it partially.
    pub partial: Vec<String>,
}

/// Per criterion of the selected categories, the applicable controls covering it.
pub fn coverage(
    catalog: &Catalog,
    applicable: &[Applicable<'_>],
    categories: &[TscCategory],
) -> Vec<CriterionCoverage> {
    let Some(tsc) = catalog.framework("tsc2017") else {
        return Vec::new();
    };
    tsc.requirements
        .iter()
        .filter(|r| r.category.is_some_and(|c| categories.contains(&c)))
        .map(|r| {
            let mapped = |containing: bool| -> Vec<String> {
                applicable
                    .iter()
                    .filter(|a| {
                        a.control.mappings.iter().any(|m| {
                            m.framework == "tsc2017"
                                && m.requirement == r.id
                                && m.relationship.contains_source() == containing
                        })
                    })
                    .map(|a| a.control.id.clone())
                    .collect()
            };
            CriterionCoverage {
                criterion: r.id.clone(),
                title: r.title.clone(),
                category: r.category,
                controls: mapped(true),
                partial: mapped(false),
            }
        })
        .collect()
}
