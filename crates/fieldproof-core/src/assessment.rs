//! An assessment: the scope decision of every component plus the scope findings, in the
//! canonical (component id) order that every report uses.

use crate::component::{Component, Scope};
use crate::estate::{Estate, SubserviceMethod};
use crate::findings::{find, Finding, FindingContext, Severity};
use crate::scope::triggers::{BitSet8, TscCategory};
use crate::scope::{decide, Reason, ScopeDecision, SubserviceMethods};

/// Scope decisions and findings for an estate.
#[derive(Debug)]
pub struct Assessment<'e> {
    /// The estate assessed.
    pub estate: &'e Estate,
    /// Decisions, parallel to `estate.components`.
    pub decisions: Vec<ScopeDecision>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Component positions sorted by id.
    order: Vec<u32>,
}

/// Counts per scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeCounts {
    /// In scope.
    pub in_scope: usize,
    /// Shared.
    pub shared: usize,
    /// Out of scope.
    pub out_of_scope: usize,
}

/// Assesses an estate that passed [`Estate::check`] (component ids unique).
pub fn assess(estate: &Estate) -> Assessment<'_> {
    let methods = SubserviceMethods::of(estate);
    let decisions: Vec<ScopeDecision> = estate
        .components
        .iter()
        .map(|c| decide(c, methods.method_for(c)))
        .collect();
    let findings = find(&FindingContext {
        estate,
        decisions: &decisions,
    });
    let mut order: Vec<u32> = (0..estate.components.len() as u32).collect();
    order.sort_unstable_by(|a, b| {
        estate.components[*a as usize]
            .id
            .cmp(&estate.components[*b as usize].id)
    });
    Assessment {
        estate,
        decisions,
        findings,
        order,
    }
}

impl<'e> Assessment<'e> {
    /// Components with their decisions, ordered by component id.
    pub fn by_id(&self) -> impl ExactSizeIterator<Item = (&'e Component, &ScopeDecision)> + '_ {
        self.order.iter().map(|i| {
            (
                &self.estate.components[*i as usize],
                &self.decisions[*i as usize],
            )
        })
    }

    /// Components with the given scope, ordered by id.
    pub fn with_scope(
        &self,
        scope: Scope,
    ) -> impl Iterator<Item = (&'e Component, &ScopeDecision)> + '_ {
        self.by_id().filter(move |(_, d)| d.scope == scope)
    }

    /// The component and decision for `id`.
    pub fn get(&self, id: &str) -> Option<(&'e Component, &ScopeDecision)> {
        let position = self
            .order
            .binary_search_by(|i| self.estate.components[*i as usize].id.as_str().cmp(id))
            .ok()?;
        let index = self.order[position] as usize;
        Some((&self.estate.components[index], &self.decisions[index]))
    }

    /// The subservice treatment for a component.
    pub fn method_for(&self, component: &Component) -> Option<SubserviceMethod> {
        component
            .subservice
            .as_deref()
            .and_then(|id| self.estate.subservice(id))
            .map(|s| s.method)
    }

    /// The reasons behind a component's decision.
    pub fn reasons(&self, component: &Component, decision: &ScopeDecision) -> Vec<Reason> {
        decision.reasons(component, self.method_for(component))
    }

    /// How many components are in, shared and out.
    pub fn counts(&self) -> ScopeCounts {
        self.decisions
            .iter()
            .fold(ScopeCounts::default(), |mut n, d| {
                match d.scope {
                    Scope::In => n.in_scope += 1,
                    Scope::Shared => n.shared += 1,
                    Scope::Out => n.out_of_scope += 1,
                }
                n
            })
    }

    /// Every category implicated by some component, in category order.
    pub fn categories(&self) -> Vec<TscCategory> {
        let all = self.decisions.iter().fold(BitSet8::default(), |set, d| {
            TscCategory::ALL
                .iter()
                .filter(|c| d.categories.contains(**c as usize))
                .fold(set, |s, c| s.with(*c as usize))
        });
        TscCategory::ALL
            .iter()
            .copied()
            .filter(|c| all.contains(*c as usize))
            .collect()
    }

    /// The most severe finding, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether any component is relevant to SOC 1.
    pub fn soc1_relevant(&self) -> bool {
        self.decisions.iter().any(|d| d.soc1_relevant)
    }
}
