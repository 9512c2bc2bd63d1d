//! The scope rule table ("scope follows responsibility", seed 004).
//!
//! Rules are data: each names the conditions it tests and the scope it gives. The first rule
//! that matches decides; every matching rule is kept so that `scope --explain` can show them
//! all. The explanation of a rule is generated from the conditions it tests, so it can never
//! drift from what the rule actually checks.

use crate::component::{Component, Fact, Kind, Operator, Scope, Site};
use crate::estate::SubserviceMethod;
use crate::scope::triggers::{triggers_of, BitSet8, Trigger};

/// Facts that tie a component to the service: it creates or processes customer data, enforces
/// access, affects availability and commitments, or feeds customers' financial reporting.
pub const RESPONSIBILITY_FACTS: &[Fact] = &[
    Fact::ProcessesCustomerData,
    Fact::ProcessesPersonalData,
    Fact::EnforcesAccessControl,
    Fact::AffectsAvailability,
    Fact::AffectsFinancialReporting,
];

/// Who really operates a component: `operated_by`, except that a managed service is ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveOperator {
    /// We operate it (including as a managed service for the customer).
    Us,
    /// The customer operates it.
    Customer,
    /// Operated jointly.
    Shared,
    /// A subservice organisation operates it.
    Subservice,
}

/// The facts a rule looks at, computed once per component.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The component.
    pub component: &'a Component,
    /// Who really operates it.
    pub operator: EffectiveOperator,
    /// How its subservice organisation is treated, if it has one.
    pub method: Option<SubserviceMethod>,
    /// Triggers fired by its facts.
    pub triggers: BitSet8,
    /// Whether any responsibility fact is true.
    pub responsible: bool,
}

impl<'a> Subject<'a> {
    /// Derives the subject of `component`; `method` is that of its subservice organisation.
    pub fn new(component: &'a Component, method: Option<SubserviceMethod>) -> Self {
        let managed = component.has(Fact::ManagedService);
        let operator = match component.operated_by {
            Operator::Us => EffectiveOperator::Us,
            Operator::Subservice => EffectiveOperator::Subservice,
            Operator::Customer | Operator::Shared if managed => EffectiveOperator::Us,
            Operator::Customer => EffectiveOperator::Customer,
            Operator::Shared => EffectiveOperator::Shared,
        };
        // An unknown subservice organisation (only possible before `Estate::check`) is treated
        // as carved out, the usual treatment, so that every component is still decided.
        let method = match operator {
            EffectiveOperator::Subservice => method.or(Some(SubserviceMethod::CarveOut)),
            _ => method,
        };
        Subject {
            component,
            operator,
            method,
            triggers: triggers_of(component.facts),
            responsible: RESPONSIBILITY_FACTS.iter().any(|f| component.has(*f)),
        }
    }

    /// Whether it is tied to the service at all: a responsibility fact or a trigger.
    pub const fn tied(&self) -> bool {
        self.responsible || !self.triggers.is_empty()
    }
}

/// The conditions a scope rule tests; `None` (absent in JSON) means "not tested".
#[derive(Debug, Clone, Copy, serde::Serialize, schemars::JsonSchema)]
pub struct Condition {
    /// The effective operator is one of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<&'static [EffectiveOperator]>,
    /// The subservice organisation is treated this way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<SubserviceMethod>,
    /// The kind is one of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static [Kind]>,
    /// The site is one of these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<&'static [Site]>,
    /// A responsibility fact or trigger is (true) or is not (false) present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tied: Option<bool>,
    /// Some trigger fires (true) or none does (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triggered: Option<bool>,
}

impl Condition {
    const ANY: Condition = Condition {
        operator: None,
        method: None,
        kind: None,
        site: None,
        tied: None,
        triggered: None,
    };

    /// Whether `subject` meets every tested condition.
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        let c = subject.component;
        self.operator
            .is_none_or(|ops| ops.contains(&subject.operator))
            && self.method.is_none_or(|m| subject.method == Some(m))
            && self.kind.is_none_or(|kinds| kinds.contains(&c.kind))
            && self.site.is_none_or(|sites| sites.contains(&c.site))
            && self.tied.is_none_or(|t| subject.tied() == t)
            && self
                .triggered
                .is_none_or(|t| subject.triggers.is_empty() != t)
    }

    /// The facts behind a match, as `name=value` clauses in the order tested.
    pub fn because(&self, subject: &Subject<'_>) -> Vec<String> {
        let c = subject.component;
        let mut clauses = Vec::new();
        if self.operator.is_some() {
            let mut clause = format!("operated_by={}", c.operated_by);
            if c.has(Fact::ManagedService)
                && matches!(c.operated_by, Operator::Customer | Operator::Shared)
            {
                clause.push_str(" with managed_service=true (we operate it)");
            }
            clauses.push(clause);
        }
        if self.method.is_some() {
            let org = c.subservice.as_deref().unwrap_or("?");
            let method = subject.method.map_or("?", SubserviceMethod::as_str);
            clauses.push(format!("subservice={org} ({method})"));
        }
        if self.kind.is_some() {
            clauses.push(format!("kind={}", c.kind));
        }
        if self.site.is_some() {
            clauses.push(format!("site={}", c.site));
        }
        if self.tied.is_some() {
            let facts = c.facts.among(RESPONSIBILITY_FACTS);
            if facts.is_empty() && subject.triggers.is_empty() {
                clauses.push("no responsibility fact and no trigger is true".to_string());
            } else if !facts.is_empty() {
                let names: Vec<&str> = facts.iter().map(|f| f.as_str()).collect();
                clauses.push(format!("{}=true", names.join("=true, ")));
            }
        }
        if self.triggered.is_some() || self.tied == Some(true) {
            let fired: Vec<&str> = Trigger::ALL
                .iter()
                .filter(|t| subject.triggers.contains(**t as usize))
                .map(|t| t.as_str())
                .collect();
            if !fired.is_empty() {
                clauses.push(format!("triggers: {}", fired.join(", ")));
            } else if self.triggered == Some(false) {
                clauses.push("no trigger fires".to_string());
            }
        }
        clauses
    }
}

/// One row of the scope rule table.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ScopeRule {
    /// Stable identifier, shown in explanations and JSON.
    pub id: &'static str,
    /// The scope this rule gives when it decides.
    pub outcome: Scope,
    /// What it tests.
    pub when: Condition,
    /// Why the outcome follows, in a sentence.
    pub meaning: &'static str,
}

const CUSTOMER_OR_SHARED: &[EffectiveOperator] =
    &[EffectiveOperator::Customer, EffectiveOperator::Shared];

/// The scope rule table, in precedence order. The last rules are exhaustive, so every
/// component is decided (checked by a test over every combination).
pub static SCOPE_RULES: &[ScopeRule] = &[
    ScopeRule {
        id: "carved-out-subservice",
        outcome: Scope::Out,
        when: Condition {
            operator: Some(&[EffectiveOperator::Subservice]),
            method: Some(SubserviceMethod::CarveOut),
            ..Condition::ANY
        },
        meaning: "a carved-out subservice organisation operates it: its controls are excluded and complementary subservice organisation controls are listed instead",
    },
    ScopeRule {
        id: "customer-network",
        outcome: Scope::Out,
        when: Condition {
            operator: Some(CUSTOMER_OR_SHARED),
            kind: Some(&[Kind::CustomerNetwork]),
            ..Condition::ANY
        },
        meaning: "the customer runs and secures its own network; we do not provide it as a managed service",
    },
    ScopeRule {
        id: "not-tied-to-service",
        outcome: Scope::Out,
        when: Condition {
            tied: Some(false),
            ..Condition::ANY
        },
        meaning: "it neither handles customer data, enforces access, affects availability or financial reporting, nor fires a device trigger",
    },
    ScopeRule {
        id: "customer-operated",
        outcome: Scope::Out,
        when: Condition {
            operator: Some(&[EffectiveOperator::Customer]),
            triggered: Some(false),
            ..Condition::ANY
        },
        meaning: "the customer operates it and none of the four device triggers ties it to our service",
    },
    ScopeRule {
        id: "customer-operated-triggered",
        outcome: Scope::Shared,
        when: Condition {
            operator: Some(&[EffectiveOperator::Customer]),
            triggered: Some(true),
            ..Condition::ANY
        },
        meaning: "the customer operates it, but a device trigger makes part of it our responsibility",
    },
    ScopeRule {
        id: "jointly-operated",
        outcome: Scope::Shared,
        when: Condition {
            operator: Some(&[EffectiveOperator::Shared]),
            tied: Some(true),
            ..Condition::ANY
        },
        meaning: "we operate it jointly with the customer, so each side's duties are stated in the shared responsibility matrix",
    },
    ScopeRule {
        id: "ours-at-customer-site",
        outcome: Scope::Shared,
        when: Condition {
            operator: Some(&[EffectiveOperator::Us]),
            site: Some(&[Site::CustomerSite]),
            tied: Some(true),
            ..Condition::ANY
        },
        meaning: "we operate it but it sits at a customer site, where physical security and the local network stay with the customer",
    },
    ScopeRule {
        id: "inclusive-subservice",
        outcome: Scope::In,
        when: Condition {
            operator: Some(&[EffectiveOperator::Subservice]),
            method: Some(SubserviceMethod::Inclusive),
            tied: Some(true),
            ..Condition::ANY
        },
        meaning: "an inclusive subservice organisation operates it, its controls are part of the description and tested, and the facts shown tie it to the service",
    },
    ScopeRule {
        id: "operated-by-us",
        outcome: Scope::In,
        when: Condition {
            operator: Some(&[EffectiveOperator::Us]),
            tied: Some(true),
            ..Condition::ANY
        },
        meaning: "we operate it, and the facts shown tie it to the service commitments",
    },
];

/// Looks a rule up by id.
pub fn scope_rule(id: &str) -> Option<&'static ScopeRule> {
    SCOPE_RULES.iter().find(|r| r.id == id)
}
