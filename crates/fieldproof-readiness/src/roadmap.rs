//! The phased roadmap, in the spirit of seed 000: **Year 1** baseline (name the OT that affects
//! availability in scope, document the controls that exist, accept "not implemented", collect
//! the evidence), **Year 2** close the critical gaps and bring the OT zones under Security,
//! **Year 3** continuous monitoring (the automated tests running every period).
//!
//! Items are generated from the findings: one per control (closing its design, operating and
//! evidence findings), one per scope finding rule, one per uncovered criterion and one per
//! automated test not yet running. Each names the findings it closes and an effort estimate; a
//! user pins an item to another phase (`status pin ITEM PHASE`).

use crate::{ControlReadiness, FindingKind, ReadinessFinding, TestSummary, UNASSIGNED};
use fieldproof_core::engagement::{Date, Engagement};
use fieldproof_core::status::{DesignStatus, StatusPlan};
use fieldproof_core::Severity;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// One phase.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Phase {
    /// 1, 2 or 3.
    pub number: u8,
    /// Title.
    pub title: &'static str,
    /// What the phase achieves.
    pub goal: &'static str,
    /// When it ends: the end of the engagement period, then a year and two years later.
    pub ends: Date,
    /// Its items.
    pub items: Vec<RoadmapItem>,
    /// Sum of the items' effort, in person-days.
    pub effort_days: u32,
}

/// One roadmap item.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RoadmapItem {
    /// Stable id: a control id, `scope:RULE`, `coverage:CRITERION` or `monitor:TEST`.
    pub id: String,
    /// What to do.
    pub title: String,
    /// Its phase.
    pub phase: u8,
    /// Whether a user pinned it to that phase.
    pub pinned: bool,
    /// Who owns it.
    pub owner: String,
    /// The findings it closes.
    pub closes: Vec<String>,
    /// The most severe of them.
    pub severity: Severity,
    /// Effort estimate, person-days (our rule of thumb, see `docs/readiness.md`).
    pub effort_days: u32,
}

/// The roadmap.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Roadmap {
    /// Phases 1 to 3.
    pub phases: Vec<Phase>,
}

const PHASES: [(&str, &str); 3] = [
    (
        "Year 1: baseline",
        "Name the OT that affects availability in scope, state the design status of every applicable control (\"not implemented\" is an accepted answer), and collect the evidence that exists.",
    ),
    (
        "Year 2: close the critical gaps",
        "Implement the controls that are missing or partial, most severe first, fix what the tests found, and bring the OT zones under Security.",
    ),
    (
        "Year 3: continuous monitoring",
        "Run the automated full-population tests every period, so the report reads as a statement of operational resilience.",
    ),
];

/// The phase a finding belongs to by default, and its effort in half-days.
fn default_phase(finding: &ReadinessFinding) -> (u8, u32) {
    use crate::ReadinessRule as R;
    match R::parse(&finding.rule) {
        Some(R::DesignNotStated) => (1, 2),
        Some(R::EvidenceMissing) => (1, 4),
        Some(R::EvidenceIncomplete) => (1, 2),
        Some(R::DesignNotImplemented) => (2, 20),
        Some(R::DesignPlanned | R::DesignPartial) => (2, 10),
        Some(R::TestExceptions) => (2, 6),
        Some(R::CriterionUncovered) => (2, 6),
        Some(R::TestNotRun) => (3, 4),
        None => (1, 4), // scope findings: name, state or restate the boundary
    }
}

/// Builds the roadmap from the findings (adding a `test-not-run` finding per linked test without
/// a current result), pins and dates every finding, and fills in its roadmap item.
pub fn plan(
    engagement: &Engagement,
    controls: &[ControlReadiness],
    findings: &mut Vec<ReadinessFinding>,
    status: &StatusPlan,
    tests: &[TestSummary],
) -> Roadmap {
    // Automated tests not yet producing results: the continuous monitoring of Year 3.
    let mut not_run: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in controls {
        if c.design == Some(DesignStatus::NotApplicable) {
            continue;
        }
        for t in &c.tests {
            if !tests.iter().any(|r| &r.test == t) {
                not_run
                    .entry(t.as_str())
                    .or_default()
                    .push(c.control.as_str());
            }
        }
    }
    for (test, linked) in &not_run {
        findings.push(ReadinessFinding {
            id: format!("{}:{test}", crate::ReadinessRule::TestNotRun),
            kind: FindingKind::Operating,
            rule: crate::ReadinessRule::TestNotRun.as_str().into(),
            severity: Severity::Low,
            control: None,
            component: None,
            criterion: None,
            owner: UNASSIGNED.into(),
            due: engagement.period.to,
            roadmap_item: String::new(),
            message: format!(
                "automated test {test} ({}) has no current result; ingest its data and run it every period",
                linked.join(", ")
            ),
        });
    }
    let owners: BTreeMap<&str, &str> = controls
        .iter()
        .filter_map(|c| c.owner.as_deref().map(|o| (c.control.as_str(), o)))
        .collect();
    let titles: BTreeMap<&str, &str> = controls
        .iter()
        .map(|c| (c.control.as_str(), c.title.as_str()))
        .collect();
    let mut items: BTreeMap<String, RoadmapItem> = BTreeMap::new();
    for finding in findings.iter_mut() {
        let (phase, half_days) = default_phase(finding);
        let (id, title) = match (&finding.kind, &finding.control, &finding.criterion) {
            (_, Some(control), _) => (
                control.clone(),
                format!(
                    "{control} {}",
                    titles.get(control.as_str()).copied().unwrap_or_default()
                ),
            ),
            (FindingKind::Coverage, _, Some(criterion)) => (
                format!("coverage:{criterion}"),
                format!("Cover criterion {criterion} with a control"),
            ),
            (FindingKind::Scope, _, _) => (
                format!("scope:{}", finding.rule),
                format!("Scope: resolve {}", finding.rule),
            ),
            _ => {
                let test = finding
                    .id
                    .trim_start_matches(crate::ReadinessRule::TestNotRun.as_str())
                    .trim_start_matches(':');
                (
                    format!("monitor:{test}"),
                    format!("Run test {test} every period"),
                )
            }
        };
        let item = items.entry(id.clone()).or_insert_with(|| RoadmapItem {
            id: id.clone(),
            title,
            phase,
            pinned: false,
            owner: finding
                .control
                .as_deref()
                .and_then(|c| owners.get(c).copied())
                .unwrap_or(finding.owner.as_str())
                .to_string(),
            closes: Vec::new(),
            severity: finding.severity,
            effort_days: 0,
        });
        item.phase = item.phase.min(phase);
        item.severity = item.severity.max(finding.severity);
        item.closes.push(finding.id.clone());
        // Half-days summed, rounded up to whole days at the end.
        item.effort_days += half_days;
        finding.roadmap_item = id;
    }
    for item in items.values_mut() {
        item.effort_days = item.effort_days.div_ceil(2);
        item.closes.sort();
        if let Some(phase) = status.pin_of(&item.id).filter(|p| (1..=3).contains(p)) {
            item.phase = phase;
            item.pinned = true;
        }
    }
    let ends = |n: u8| engagement.period.to.plus_years(u16::from(n - 1));
    // Findings without a stated due date are due at the end of their item's phase.
    for finding in findings.iter_mut() {
        // A CUEC gap of the supplier register carries the owner and due date its answer gave.
        if finding.kind == FindingKind::Supplier && finding.owner != crate::UNASSIGNED {
            continue;
        }
        let stated = finding
            .control
            .as_deref()
            .and_then(|c| controls.iter().find(|r| r.control == c))
            .and_then(|r| r.due);
        finding.due =
            stated.unwrap_or_else(|| ends(items.get(&finding.roadmap_item).map_or(1, |i| i.phase)));
    }
    let phases = PHASES
        .iter()
        .enumerate()
        .map(|(i, (title, goal))| {
            let number = i as u8 + 1;
            let mut members: Vec<RoadmapItem> = items
                .values()
                .filter(|item| item.phase == number)
                .cloned()
                .collect();
            members.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
            Phase {
                number,
                title,
                goal,
                ends: ends(number),
                effort_days: members.iter().map(|m| m.effort_days).sum(),
                items: members,
            }
        })
        .collect();
    Roadmap { phases }
}
