//! The scope engine: from a component's facts to an explainable scope decision.
//!
//! [`decide`] looks only at the component and its subservice organisation, never at other
//! components, so decisions cannot depend on input order. Decisions are small `Copy` values
//! (bit sets of rule, trigger and category positions) because an inventory may hold millions of
//! components; explanations are rendered on demand from the rule table.

pub mod rules;
pub mod triggers;

use crate::component::{Component, Scope};
use crate::estate::{Estate, SubserviceMethod};
use rules::{Subject, SCOPE_RULES};
use std::collections::HashMap;
use triggers::{categories_of, triggers_of, BitSet8, Trigger, TscCategory, SOC1_FACTS};

/// The outcome of the scope engine for one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeDecision {
    /// In, shared or out.
    pub scope: Scope,
    /// Index into [`SCOPE_RULES`] of the rule that decided.
    pub decided_by: u8,
    /// Bit set of every rule that matched, decisive or not.
    pub matched: u16,
    /// Triggers fired by the component's facts (whatever the scope).
    pub triggers: BitSet8,
    /// TSC categories implicated (empty when out of scope).
    pub categories: BitSet8,
    /// Whether the component is relevant to SOC 1 / ISAE 3402.
    pub soc1_relevant: bool,
}

/// One explanation line: a rule that matched, whether it decided, and the facts behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The rule id.
    pub rule: &'static str,
    /// The scope the rule gives.
    pub outcome: Scope,
    /// Whether this rule decided (the first match in table order).
    pub decisive: bool,
    /// The rule's meaning.
    pub meaning: &'static str,
    /// The facts that made it match.
    pub because: Vec<String>,
}

impl Reason {
    /// One line: `rule (outcome): meaning [facts]`.
    pub fn sentence(&self) -> String {
        format!("{} [{}]", capitalise(self.meaning), self.because.join("; "))
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Decides the scope of one component. `method` is the treatment of its subservice organisation.
pub fn decide(component: &Component, method: Option<SubserviceMethod>) -> ScopeDecision {
    let subject = Subject::new(component, method);
    let mut matched = 0u16;
    let mut decided_by = None;
    for (index, rule) in SCOPE_RULES.iter().enumerate() {
        if rule.when.matches(&subject) {
            matched |= 1 << index;
            decided_by.get_or_insert(index);
        }
    }
    // The table ends with exhaustive rules; the fallback only guards a future edit of it.
    let decided_by = decided_by.unwrap_or(SCOPE_RULES.len() - 1);
    let scope = SCOPE_RULES[decided_by].outcome;
    let inside = scope != Scope::Out;
    ScopeDecision {
        scope,
        decided_by: decided_by as u8,
        matched,
        triggers: triggers_of(component.facts),
        categories: if inside {
            categories_of(component.facts)
        } else {
            BitSet8::default()
        },
        soc1_relevant: inside && SOC1_FACTS.iter().any(|f| component.has(*f)),
    }
}

impl ScopeDecision {
    /// The reasons, decisive rule first, then the other matches in table order.
    pub fn reasons(&self, component: &Component, method: Option<SubserviceMethod>) -> Vec<Reason> {
        let subject = Subject::new(component, method);
        let decisive = self.decided_by as usize;
        std::iter::once(decisive)
            .chain(
                (0..SCOPE_RULES.len()).filter(|i| *i != decisive && self.matched & (1 << i) != 0),
            )
            .map(|index| {
                let rule = &SCOPE_RULES[index];
                Reason {
                    rule: rule.id,
                    outcome: rule.outcome,
                    decisive: index == decisive,
                    meaning: rule.meaning,
                    because: rule.when.because(&subject),
                }
            })
            .collect()
    }

    /// The fired triggers, in trigger order.
    pub fn trigger_list(&self) -> Vec<Trigger> {
        Trigger::ALL
            .iter()
            .copied()
            .filter(|t| self.triggers.contains(*t as usize))
            .collect()
    }

    /// The implicated categories, in category order.
    pub fn category_list(&self) -> Vec<TscCategory> {
        TscCategory::ALL
            .iter()
            .copied()
            .filter(|c| self.categories.contains(*c as usize))
            .collect()
    }
}

/// Subservice treatments by organisation id, for deciding many components.
#[derive(Debug, Default)]
pub struct SubserviceMethods<'a>(HashMap<&'a str, SubserviceMethod>);

impl<'a> SubserviceMethods<'a> {
    /// Indexes the estate's subservice organisations.
    pub fn of(estate: &'a Estate) -> Self {
        SubserviceMethods(
            estate
                .subservice_organisations
                .iter()
                .map(|s| (s.id.as_str(), s.method))
                .collect(),
        )
    }

    /// The treatment of `component`'s subservice organisation, if any.
    pub fn method_for(&self, component: &Component) -> Option<SubserviceMethod> {
        component
            .subservice
            .as_deref()
            .and_then(|id| self.0.get(id).copied())
    }
}

#[cfg(test)]
mod tests;
