//! Year over year: what changed between two engagements' readiness — scope drift (components
//! entering or leaving scope, OT excluded again), design and operating status changes, new and
//! closed findings, and the trend of every test's result.

use crate::{OperatingStatus, Readiness};
use fieldproof_core::control_test::Outcome;
use fieldproof_core::status::DesignStatus;
use fieldproof_core::{Scope, Severity};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A component whose scope decision differs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScopeDrift {
    /// Component id.
    pub component: String,
    /// Name.
    pub name: String,
    /// Whether it is OT.
    pub ot: bool,
    /// Scope before (absent: not in the estate then).
    pub from: Option<Scope>,
    /// Scope after (absent: no longer in the estate).
    pub to: Option<Scope>,
}

/// A control whose status differs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusChange {
    /// Control id.
    pub control: String,
    /// Title.
    pub title: String,
    /// Design before (absent: not applicable then, or not stated).
    pub design_from: Option<DesignStatus>,
    /// Design after.
    pub design_to: Option<DesignStatus>,
    /// Operating before (absent: not applicable then).
    pub operating_from: Option<OperatingStatus>,
    /// Operating after (absent: no longer applicable).
    pub operating_to: Option<OperatingStatus>,
}

/// A finding on one side only.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingDelta {
    /// Finding id.
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// Message.
    pub message: String,
}

/// A test result's trend.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestTrend {
    /// Test id.
    pub test: String,
    /// Outcome before.
    pub from: Option<Outcome>,
    /// Outcome after.
    pub to: Option<Outcome>,
    /// Exception rate before, per mille of the population.
    pub from_per_mille: Option<u64>,
    /// Exception rate after, per mille.
    pub to_per_mille: Option<u64>,
    /// Exceptions before and after.
    pub exceptions: (Option<u64>, Option<u64>),
}

/// What changed from one engagement to the next.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Comparison {
    /// The earlier engagement.
    pub from: String,
    /// The later engagement.
    pub to: String,
    /// Components whose scope changed.
    pub scope_drift: Vec<ScopeDrift>,
    /// OT components inside the boundary before and out of scope now.
    pub ot_excluded_again: Vec<String>,
    /// Controls whose design or operating status changed (or that became (in)applicable).
    pub status_changes: Vec<StatusChange>,
    /// Findings raised since.
    pub new_findings: Vec<FindingDelta>,
    /// Findings closed since.
    pub closed_findings: Vec<FindingDelta>,
    /// Every test with a result on either side.
    pub tests: Vec<TestTrend>,
    /// Ready share before and after, percent.
    pub ready_percent: (u8, u8),
}

/// Compares two readiness results.
pub fn compare(a: &Readiness, b: &Readiness) -> Comparison {
    let scope_a: BTreeMap<&str, _> = a.scope.iter().map(|c| (c.id.as_str(), c)).collect();
    let scope_b: BTreeMap<&str, _> = b.scope.iter().map(|c| (c.id.as_str(), c)).collect();
    let ids: BTreeSet<&str> = scope_a.keys().chain(scope_b.keys()).copied().collect();
    let mut scope_drift = Vec::new();
    let mut ot_excluded_again = Vec::new();
    for id in ids {
        let (x, y) = (scope_a.get(id), scope_b.get(id));
        let (from, to) = (x.map(|c| c.scope), y.map(|c| c.scope));
        if from == to {
            continue;
        }
        let any = x.or(y).copied();
        let ot = any.is_some_and(|c| c.ot);
        if ot && from.is_some_and(|s| s != Scope::Out) && to == Some(Scope::Out) {
            ot_excluded_again.push(id.to_string());
        }
        scope_drift.push(ScopeDrift {
            component: id.to_string(),
            name: any.map(|c| c.name.clone()).unwrap_or_default(),
            ot,
            from,
            to,
        });
    }
    let controls_a: BTreeMap<&str, _> =
        a.controls.iter().map(|c| (c.control.as_str(), c)).collect();
    let controls_b: BTreeMap<&str, _> =
        b.controls.iter().map(|c| (c.control.as_str(), c)).collect();
    let ids: BTreeSet<&str> = controls_a
        .keys()
        .chain(controls_b.keys())
        .copied()
        .collect();
    let mut status_changes = Vec::new();
    for id in ids {
        let (x, y) = (controls_a.get(id), controls_b.get(id));
        let (design_from, design_to) = (x.and_then(|c| c.design), y.and_then(|c| c.design));
        let (operating_from, operating_to) = (x.map(|c| c.operating), y.map(|c| c.operating));
        if x.is_some() == y.is_some() && design_from == design_to && operating_from == operating_to
        {
            continue;
        }
        status_changes.push(StatusChange {
            control: id.to_string(),
            title: x.or(y).map(|c| c.title.clone()).unwrap_or_default(),
            design_from,
            design_to,
            operating_from,
            operating_to,
        });
    }
    let delta = |from: &Readiness, to: &Readiness| -> Vec<FindingDelta> {
        let known: BTreeSet<&str> = from.findings.iter().map(|f| f.id.as_str()).collect();
        to.findings
            .iter()
            .filter(|f| !known.contains(f.id.as_str()))
            .map(|f| FindingDelta {
                id: f.id.clone(),
                severity: f.severity,
                message: f.message.clone(),
            })
            .collect()
    };
    let tests_a: BTreeMap<&str, _> = a.tests.iter().map(|t| (t.test.as_str(), t)).collect();
    let tests_b: BTreeMap<&str, _> = b.tests.iter().map(|t| (t.test.as_str(), t)).collect();
    let ids: BTreeSet<&str> = tests_a.keys().chain(tests_b.keys()).copied().collect();
    let rate = |t: &crate::TestSummary| t.exceptions * 1000 / t.population.max(1);
    let tests = ids
        .into_iter()
        .map(|id| {
            let (x, y) = (tests_a.get(id), tests_b.get(id));
            TestTrend {
                test: id.to_string(),
                from: x.map(|t| t.outcome),
                to: y.map(|t| t.outcome),
                from_per_mille: x.map(|t| rate(t)),
                to_per_mille: y.map(|t| rate(t)),
                exceptions: (x.map(|t| t.exceptions), y.map(|t| t.exceptions)),
            }
        })
        .collect();
    Comparison {
        from: a.engagement.id.clone(),
        to: b.engagement.id.clone(),
        scope_drift,
        ot_excluded_again,
        status_changes,
        new_findings: delta(a, b),
        closed_findings: delta(b, a),
        tests,
        ready_percent: (a.summary.ready_percent, b.summary.ready_percent),
    }
}
