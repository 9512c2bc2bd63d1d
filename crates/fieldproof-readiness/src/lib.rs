//! Readiness (pre-assessment) of an engagement: for every applicable control its **design
//! status** (as the organisation states it) and its **operating status** (from the current test
//! results and the freshness of its evidence over the period), the gaps as findings with a
//! severity, an owner and a due date, rollups per TSC criterion, category and component, the
//! buyer's questions of seed 000 ("how this report will read"), the minimum evidence set of seed
//! 004 as a checklist, and a phased roadmap (module [`roadmap`]).
//!
//! Everything here is a pure function of its [`Inputs`]: no clock, no store. The same inputs
//! always give the same readiness, which the reports and OSCAL exports render.

pub mod checklist;
pub mod compare;
pub mod roadmap;

use fieldproof_catalog::applicability::{applicable, coverage};
use fieldproof_catalog::Catalog;
use fieldproof_core::assessment::Assessment;
use fieldproof_core::control_test::Outcome;
use fieldproof_core::engagement::{Date, Engagement};
use fieldproof_core::status::{DesignStatus, StatusPlan};
use fieldproof_core::{Scope, Severity, TscCategory};
use fieldproof_evidence::freshness::{self, State};
use fieldproof_evidence::ledger::Added;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The TSC framework id in the catalog.
pub const TSC: &str = "tsc2017";

/// What a readiness assessment reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The engagement.
    pub engagement: &'a Engagement,
    /// The assessed estate.
    pub assessment: &'a Assessment<'a>,
    /// The catalog.
    pub catalog: &'a Catalog,
    /// Stated design statuses and roadmap pins.
    pub plan: &'a StatusPlan,
    /// The engagement's evidence freshness.
    pub freshness: &'a freshness::Report,
    /// The engagement's current evidence (test results are those with a test record).
    pub items: &'a [Added],
    /// The supplier register's findings (reviews due, CUECs unanswered or gaps, serious
    /// findings of suppliers' reports): the reader's own vendor management.
    pub register: &'a [fieldproof_review::register::RegisterFinding],
    /// The answers to the CUECs of each supplier's latest report: the controls matrix shows
    /// which of the reader's controls answer which supplier's CUECs.
    pub cuec_answers: &'a [fieldproof_review::register::CuecAnswer],
}

/// How a control operates over the period, from its tests and evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatingStatus {
    /// Every evidence request is answered for the whole period and every linked test passed.
    Effective,
    /// A linked test found exceptions.
    Exceptions,
    /// Some evidence or test results exist, but not enough to call it effective.
    NotTested,
    /// Nothing: no evidence and no test result.
    NoEvidence,
    /// Stated not applicable.
    NotApplicable,
}

impl OperatingStatus {
    /// The stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OperatingStatus::Effective => "effective",
            OperatingStatus::Exceptions => "exceptions",
            OperatingStatus::NotTested => "not_tested",
            OperatingStatus::NoEvidence => "no_evidence",
            OperatingStatus::NotApplicable => "not_applicable",
        }
    }

    /// Words for people.
    pub const fn label(self) -> &'static str {
        match self {
            OperatingStatus::Effective => "effective",
            OperatingStatus::Exceptions => "exceptions",
            OperatingStatus::NotTested => "not tested",
            OperatingStatus::NoEvidence => "no evidence",
            OperatingStatus::NotApplicable => "not applicable",
        }
    }
}

/// Words for a design status (`None`: not stated).
pub fn design_label(status: Option<DesignStatus>) -> &'static str {
    match status {
        None => "not stated",
        Some(DesignStatus::Implemented) => "implemented",
        Some(DesignStatus::PartiallyImplemented) => "partially implemented",
        Some(DesignStatus::Planned) => "planned",
        Some(DesignStatus::NotImplemented) => "not implemented",
        Some(DesignStatus::NotApplicable) => "not applicable",
    }
}

/// The current result of one automated test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TestSummary {
    /// Test id.
    pub test: String,
    /// Pass, fail or no data.
    pub outcome: Outcome,
    /// Rows tested.
    pub population: u64,
    /// Exception rows.
    pub exceptions: u64,
    /// The evidence holding the result.
    pub evidence: String,
    /// The evidence holding the exception rows (Parquet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceptions_evidence: Option<String>,
    /// The definition's evidence id.
    pub definition: String,
    /// SHA-256 of the definition file.
    pub definition_sha256: String,
    /// SHA-256 binding definition, parameters, inputs and exception rows.
    pub result_sha256: String,
    /// SHA-256 of each dataset part read, as `dataset:part=sha256`.
    pub inputs: Vec<String>,
    /// Controls it tests.
    pub controls: Vec<String>,
    /// When it ran.
    pub at: String,
}

/// Evidence counts of a control's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EvidenceCounts {
    /// Requests answered for every window of the period.
    pub present: usize,
    /// Requests answered for some windows.
    pub stale: usize,
    /// Requests not answered.
    pub missing: usize,
}

/// One applicable control.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ControlReadiness {
    /// Control id.
    pub control: String,
    /// Title.
    pub title: String,
    /// Theme.
    pub theme: String,
    /// How often it operates.
    pub frequency: String,
    /// TSC categories it serves.
    pub categories: Vec<TscCategory>,
    /// TSC criteria it maps to.
    pub criteria: Vec<String>,
    /// Components in scope or shared that make it applicable (empty: organisation-wide).
    pub components: Vec<String>,
    /// Whether it applies because of OT components (not organisation-wide, and at least one of
    /// its components is OT).
    pub ot_specific: bool,
    /// Who operates it (organisation, customer, shared, subservice).
    pub responsibility: String,
    /// Stated design status (absent: not stated).
    pub design: Option<DesignStatus>,
    /// Owner (from the status; absent when not stated).
    pub owner: Option<String>,
    /// Rationale of the status.
    pub rationale: Option<String>,
    /// Stated due date.
    pub due: Option<Date>,
    /// Operating status over the period.
    pub operating: OperatingStatus,
    /// Evidence requests by freshness.
    pub evidence: EvidenceCounts,
    /// Evidence ids answering its requests.
    pub evidence_ids: Vec<String>,
    /// Linked automated tests.
    pub tests: Vec<String>,
    /// Linked tests that have a current result.
    pub tested: Vec<String>,
    /// The suppliers' CUECs it answers (`SUPPLIER CUEC N`), from the supplier register.
    pub supplier_cuecs: Vec<String>,
}

/// Where a readiness finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A scope finding of the estate.
    Scope,
    /// A TSC criterion in play that no applicable control covers.
    Coverage,
    /// A control's design status is missing or leaves a gap.
    Design,
    /// A test found exceptions.
    Operating,
    /// Evidence is missing or stale for the period.
    Evidence,
    /// The supplier register: a supplier's report to review, a CUEC to answer or close.
    Supplier,
}

fieldproof_core::closed_enum! {
    /// A readiness rule: what raises a readiness finding that is not a scope finding (those keep
    /// their scope rule's id, `fieldproof_core::findings::FindingRuleId`).
    ReadinessRule {
        /// A criterion in play that no applicable control covers.
        CriterionUncovered = "criterion-uncovered",
        /// A control with no design status stated.
        DesignNotStated = "design-not-stated",
        /// A control stated not implemented.
        DesignNotImplemented = "design-not-implemented",
        /// A control stated planned.
        DesignPlanned = "design-planned",
        /// A control stated partially implemented.
        DesignPartial = "design-partial",
        /// An automated test of the control found exceptions.
        TestExceptions = "test-exceptions",
        /// A test linked to the control has no current result.
        TestNotRun = "test-not-run",
        /// An evidence request with nothing for the period.
        EvidenceMissing = "evidence-missing",
        /// An evidence request answered for part of the period.
        EvidenceIncomplete = "evidence-incomplete",
    }
}

/// A gap: a finding with severity, owner and due date.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReadinessFinding {
    /// Stable id (`design:FP-AC-03`, `scope:shared-credentials:plc-line-1`).
    pub id: String,
    /// Where it comes from.
    pub kind: FindingKind,
    /// The rule that raised it.
    pub rule: String,
    /// How much it matters.
    pub severity: Severity,
    /// The control concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The component concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The TSC criterion concerned (coverage findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    /// Who owns it (`unassigned` when nobody is named).
    pub owner: String,
    /// When it is due: the stated date, else the end of its roadmap phase.
    pub due: Date,
    /// The roadmap item that closes it.
    pub roadmap_item: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Rollup of one TSC criterion.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CriterionRollup {
    /// Criterion id.
    pub criterion: String,
    /// Title.
    pub title: String,
    /// Category.
    pub category: Option<TscCategory>,
    /// Applicable controls mapped to it (covering or intersecting).
    pub controls: usize,
    /// Of which stated implemented.
    pub implemented: usize,
    /// Of which effective.
    pub effective: usize,
    /// Of which with a design gap or no stated status.
    pub gaps: usize,
    /// Of which with test exceptions.
    pub exceptions: usize,
    /// The heat: 0 ready (every control implemented and effective) .. 4 uncovered.
    pub heat: u8,
}

/// Rollup of one TSC category or one component.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Rollup {
    /// Category name or component id.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Applicable controls.
    pub controls: usize,
    /// Stated implemented.
    pub implemented: usize,
    /// Effective.
    pub effective: usize,
    /// Design gaps or not stated.
    pub gaps: usize,
    /// Findings concerning it.
    pub findings: usize,
    /// The most severe of them.
    pub worst: Option<Severity>,
}

/// An answer to one of the buyer's questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The report answers it well.
    Yes,
    /// In part.
    Partly,
    /// Not yet.
    No,
}

impl Answer {
    /// The stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partly => "partly",
            Answer::No => "no",
        }
    }
}

/// How the report will read to a buyer: one question of seed 000.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BuyerQuestion {
    /// Stable id.
    pub id: &'static str,
    /// The question.
    pub question: &'static str,
    /// The answer.
    pub answer: Answer,
    /// Why, naming components and controls.
    pub detail: String,
}

/// Counts for the executive summary.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Summary {
    /// Components in the estate.
    pub components: usize,
    /// In scope.
    pub in_scope: usize,
    /// Shared.
    pub shared: usize,
    /// Out of scope.
    pub out_of_scope: usize,
    /// OT components in scope or shared.
    pub ot_inside: usize,
    /// Applicable controls.
    pub controls: usize,
    /// Per design status (`not_stated` for none), in a fixed order.
    pub design: BTreeMap<String, usize>,
    /// Per operating status.
    pub operating: BTreeMap<String, usize>,
    /// Findings per severity.
    pub findings: BTreeMap<String, usize>,
    /// Tests with a current result, failing ones, and exception rows in all.
    pub tests_run: usize,
    /// Tests that failed.
    pub tests_failed: usize,
    /// Exception rows over every current test result.
    pub exception_rows: u64,
    /// Share of applicable controls implemented and effective, in percent (rounded down).
    pub ready_percent: u8,
}

/// A component and its scope decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct ComponentScope {
    /// Component id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: fieldproof_core::Kind,
    /// Whether it is OT.
    pub ot: bool,
    /// Whether it affects availability.
    pub affects_availability: bool,
    /// The scope decision.
    pub scope: Scope,
}

/// The readiness of an engagement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Readiness {
    /// The engagement.
    pub engagement: Engagement,
    /// Organisation.
    pub organisation: String,
    /// Service.
    pub service: String,
    /// Counts.
    pub summary: Summary,
    /// Every component with its scope decision, by id.
    pub scope: Vec<ComponentScope>,
    /// Applicable controls, in library order.
    pub controls: Vec<ControlReadiness>,
    /// Findings, most severe first, then by id.
    pub findings: Vec<ReadinessFinding>,
    /// Per TSC criterion in play.
    pub criteria: Vec<CriterionRollup>,
    /// Per TSC category of the engagement.
    pub categories: Vec<Rollup>,
    /// Per component in scope or shared.
    pub components: Vec<Rollup>,
    /// Current test results.
    pub tests: Vec<TestSummary>,
    /// How the report will read to a buyer.
    pub buyer_questions: Vec<BuyerQuestion>,
    /// The minimum evidence set (seed 004).
    pub checklist: Vec<checklist::ChecklistItem>,
    /// The phased roadmap.
    pub roadmap: roadmap::Roadmap,
}

impl Readiness {
    /// Whether a finding is at least as severe as `threshold` (`--fail-on`).
    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        reaches(&self.findings, threshold)
    }

    /// The findings that match `filter` on `today`, most severe first (the findings page).
    pub fn findings_matching<'r>(
        &'r self,
        filter: &'r FindingFilter,
        today: Date,
    ) -> impl Iterator<Item = &'r ReadinessFinding> + 'r {
        let today = today.days();
        self.findings.iter().filter(move |f| {
            filter.severity.is_none_or(|s| f.severity == s)
                && filter.owner.as_deref().is_none_or(|o| f.owner == o)
                && match filter.due {
                    None => true,
                    Some(DueWindow::Overdue) => f.due.days() < today,
                    Some(DueWindow::Week) => f.due.days() <= today + 7,
                    Some(DueWindow::Quarter) => f.due.days() <= today + 92,
                }
        })
    }

    /// The applicable controls with design status `design` (`not_stated` for none) and
    /// operating status `operating`, when given.
    pub fn controls_matching<'r>(
        &'r self,
        design: Option<&'r str>,
        operating: Option<&'r str>,
    ) -> impl Iterator<Item = &'r ControlReadiness> + 'r {
        self.controls.iter().filter(move |c| {
            design.is_none_or(|d| c.design.map_or("not_stated", DesignStatus::as_str) == d)
                && operating.is_none_or(|o| c.operating.as_str() == o)
        })
    }

    /// The findings due within `days` days of `today`, or overdue, most severe first.
    pub fn due_within(&self, today: Date, days: i64) -> impl Iterator<Item = &ReadinessFinding> {
        let by = today.days() + days;
        self.findings.iter().filter(move |f| f.due.days() <= by)
    }
}

/// When a finding is due, as a filter: overdue, within a week, within a quarter (92 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueWindow {
    /// Due before today.
    Overdue,
    /// Due within 7 days, or overdue.
    Week,
    /// Due within 92 days, or overdue.
    Quarter,
}

impl DueWindow {
    /// The window named `name` (`overdue`, `week`, `quarter`).
    pub fn parse(name: &str) -> Option<DueWindow> {
        match name {
            "overdue" => Some(DueWindow::Overdue),
            "week" => Some(DueWindow::Week),
            "quarter" => Some(DueWindow::Quarter),
            _ => None,
        }
    }
}

/// Which findings to show: each given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this owner.
    pub owner: Option<String>,
    /// Only those due within this window.
    pub due: Option<DueWindow>,
}

/// Whether a finding is at least as severe as `threshold` (`--fail-on`; none: never).
pub fn reaches(findings: &[ReadinessFinding], threshold: Option<Severity>) -> bool {
    let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    fieldproof_core::findings::reaches_severity(&severities, threshold)
}

/// The readiness of an engagement from its inputs.
pub fn assess(inputs: &Inputs<'_>) -> Readiness {
    let Inputs {
        engagement,
        assessment,
        catalog,
        plan,
        freshness,
        items,
        register,
        cuec_answers,
    } = *inputs;
    let applicable = applicable(catalog, assessment, &engagement.categories);
    let tests = test_summaries(catalog, items);
    let by_test: BTreeMap<&str, &TestSummary> =
        tests.iter().map(|t| (t.test.as_str(), t)).collect();
    let mut rows_by_control: BTreeMap<&str, Vec<&freshness::Row>> = BTreeMap::new();
    for row in &freshness.rows {
        rows_by_control
            .entry(row.control.as_str())
            .or_default()
            .push(row);
    }
    let controls: Vec<ControlReadiness> = applicable
        .iter()
        .map(|a| {
            let c = a.control;
            let status = plan.status_of(&c.id);
            let rows = rows_by_control.get(c.id.as_str());
            let mut evidence = EvidenceCounts::default();
            let mut evidence_ids = BTreeSet::new();
            for row in rows.into_iter().flatten() {
                match row.state {
                    State::Present => evidence.present += 1,
                    State::Stale => evidence.stale += 1,
                    State::Missing => evidence.missing += 1,
                }
                evidence_ids.extend(row.evidence.iter().cloned());
            }
            let tested: Vec<&TestSummary> = c
                .tests
                .iter()
                .filter_map(|t| by_test.get(t.as_str()).copied())
                .collect();
            let design = status.map(|s| s.status);
            let operating = operating_status(design, &c.tests, &tested, evidence);
            let ot_specific = !a.organisation_wide
                && a.components.iter().any(|id| {
                    assessment
                        .get(id)
                        .is_some_and(|(component, _)| component.kind.is_ot())
                });
            let criteria = c.tsc_criteria();
            ControlReadiness {
                control: c.id.clone(),
                title: c.title.clone(),
                theme: c.theme.clone(),
                frequency: c.frequency.to_string(),
                categories: c.categories.clone(),
                criteria,
                components: a.components.clone(),
                ot_specific,
                responsibility: c.responsibility.to_string(),
                design,
                owner: status.map(|s| s.owner.clone()),
                rationale: status.map(|s| s.rationale.clone()),
                due: status.and_then(|s| s.due),
                operating,
                evidence,
                evidence_ids: evidence_ids.into_iter().collect(),
                tests: c.tests.clone(),
                tested: tested.iter().map(|t| t.test.clone()).collect(),
                supplier_cuecs: cuec_answers
                    .iter()
                    .filter(|a| {
                        a.status == fieldproof_review::register::CuecStatus::Addressed
                            && a.controls.iter().any(|k| k.eq_ignore_ascii_case(&c.id))
                    })
                    .map(|a| format!("{} CUEC {}", a.supplier, a.cuec))
                    .collect(),
            }
        })
        .collect();
    let criteria_coverage = coverage(catalog, &applicable, &engagement.categories);
    let mut findings = gap_findings(engagement, assessment, &controls, &by_test);
    for criterion in &criteria_coverage {
        if criterion.controls.is_empty() {
            let (severity, how) = if criterion.partial.is_empty() {
                (
                    Severity::High,
                    "no applicable control maps to it".to_string(),
                )
            } else {
                (
                    Severity::Medium,
                    format!(
                        "only controls that intersect it apply ({}); add or state a control that covers it",
                        criterion.partial.join(", ")
                    ),
                )
            };
            findings.push(ReadinessFinding {
                id: format!("coverage:{}", criterion.criterion),
                kind: FindingKind::Coverage,
                rule: ReadinessRule::CriterionUncovered.as_str().into(),
                severity,
                control: None,
                component: None,
                criterion: Some(criterion.criterion.clone()),
                owner: UNASSIGNED.into(),
                due: engagement.period.to,
                roadmap_item: String::new(),
                message: format!(
                    "{} ({}) is in play but not covered: {how}",
                    criterion.criterion, criterion.title
                ),
            });
        }
    }
    // The register's findings: a CUEC gap keeps its owner and due date; what has no owner is
    // the vendor manager's (FP-VM-01) to pick up by the end of the period.
    for f in register {
        findings.push(ReadinessFinding {
            id: f.id.clone(),
            kind: FindingKind::Supplier,
            rule: f.rule.as_str().to_string(),
            severity: f.severity,
            control: Some(f.control.clone().unwrap_or_else(|| "FP-VM-01".to_string())),
            component: None,
            criterion: None,
            owner: f.owner.clone().unwrap_or_else(|| UNASSIGNED.to_string()),
            due: f.due,
            roadmap_item: String::new(),
            message: f.message.clone(),
        });
    }
    let roadmap = roadmap::plan(engagement, &controls, &mut findings, plan, &tests);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    let by_control: BTreeMap<&str, &ControlReadiness> =
        controls.iter().map(|c| (c.control.as_str(), c)).collect();
    let criteria: Vec<CriterionRollup> = criteria_coverage
        .iter()
        .map(|cov| {
            let members: Vec<&ControlReadiness> = cov
                .controls
                .iter()
                .chain(cov.partial.iter())
                .filter_map(|id| by_control.get(id.as_str()).copied())
                .collect();
            let implemented = count(&members, |c| c.design == Some(DesignStatus::Implemented));
            let effective = count(&members, |c| c.operating == OperatingStatus::Effective);
            let gaps = count(&members, |c| c.design.is_none_or(DesignStatus::is_gap));
            let exceptions = count(&members, |c| c.operating == OperatingStatus::Exceptions);
            let heat = if cov.controls.is_empty() {
                4
            } else if exceptions > 0 || implemented == 0 {
                3
            } else if gaps > 0 {
                2
            } else if effective < members.len() {
                1
            } else {
                0
            };
            CriterionRollup {
                criterion: cov.criterion.clone(),
                title: cov.title.clone(),
                category: cov.category,
                controls: members.len(),
                implemented,
                effective,
                gaps,
                exceptions,
                heat,
            }
        })
        .collect();
    let categories = engagement
        .categories
        .iter()
        .map(|cat| {
            let members: Vec<&ControlReadiness> = controls
                .iter()
                .filter(|c| c.categories.contains(cat))
                .collect();
            let ids: BTreeSet<&str> = members.iter().map(|c| c.control.as_str()).collect();
            let concerning: Vec<&ReadinessFinding> = findings
                .iter()
                .filter(|f| f.control.as_deref().is_some_and(|c| ids.contains(c)))
                .collect();
            rollup(cat.as_str(), cat.as_str(), &members, &concerning)
        })
        .collect();
    // Indexed once: with 100,000 components, a scan per component was quadratic (minutes).
    let mut controls_of: BTreeMap<&str, Vec<&ControlReadiness>> = BTreeMap::new();
    for c in &controls {
        for id in &c.components {
            controls_of.entry(id.as_str()).or_default().push(c);
        }
    }
    let mut findings_of: BTreeMap<&str, Vec<&ReadinessFinding>> = BTreeMap::new();
    for f in &findings {
        if let Some(id) = f.component.as_deref() {
            findings_of.entry(id).or_default().push(f);
        }
    }
    let components = assessment
        .by_id()
        .filter(|(_, d)| d.scope != Scope::Out)
        .map(|(component, _)| {
            let id = component.id.as_str();
            rollup(
                id,
                &component.name,
                controls_of.get(id).map_or(&[][..], Vec::as_slice),
                findings_of.get(id).map_or(&[][..], Vec::as_slice),
            )
        })
        .collect();
    let summary = summary(assessment, &controls, &findings, &tests);
    let buyer_questions = buyer_questions(assessment, &controls, engagement);
    let checklist = checklist::evaluate(&controls, assessment);
    Readiness {
        engagement: engagement.clone(),
        organisation: assessment.estate.organisation.clone(),
        service: assessment.estate.service.clone(),
        summary,
        scope: assessment
            .by_id()
            .map(|(c, d)| ComponentScope {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind,
                ot: c.kind.is_ot(),
                affects_availability: c.has(fieldproof_core::Fact::AffectsAvailability),
                scope: d.scope,
            })
            .collect(),
        controls,
        findings,
        criteria,
        categories,
        components,
        tests,
        buyer_questions,
        checklist,
        roadmap,
    }
}

/// The owner of findings nobody owns yet.
pub const UNASSIGNED: &str = "unassigned";

fn count(members: &[&ControlReadiness], f: impl Fn(&ControlReadiness) -> bool) -> usize {
    members.iter().filter(|c| f(c)).count()
}

fn rollup(
    key: &str,
    name: &str,
    members: &[&ControlReadiness],
    findings: &[&ReadinessFinding],
) -> Rollup {
    Rollup {
        key: key.to_string(),
        name: name.to_string(),
        controls: members.len(),
        implemented: count(members, |c| c.design == Some(DesignStatus::Implemented)),
        effective: count(members, |c| c.operating == OperatingStatus::Effective),
        gaps: count(members, |c| c.design.is_none_or(DesignStatus::is_gap)),
        findings: findings.len(),
        worst: findings.iter().map(|f| f.severity).max(),
    }
}

/// The operating status of a control from its stated design, linked tests, their current
/// results and its evidence counts.
pub fn operating_status(
    design: Option<DesignStatus>,
    linked: &[String],
    tested: &[&TestSummary],
    evidence: EvidenceCounts,
) -> OperatingStatus {
    if design == Some(DesignStatus::NotApplicable) {
        return OperatingStatus::NotApplicable;
    }
    if tested.iter().any(|t| t.outcome == Outcome::Fail) {
        return OperatingStatus::Exceptions;
    }
    let all_passed =
        tested.len() == linked.len() && tested.iter().all(|t| t.outcome == Outcome::Pass);
    let requests = evidence.present + evidence.stale + evidence.missing;
    let evidence_complete = evidence.stale == 0 && evidence.missing == 0;
    if requests > 0 && evidence_complete && all_passed {
        return OperatingStatus::Effective;
    }
    if evidence.present + evidence.stale > 0 || !tested.is_empty() {
        OperatingStatus::NotTested
    } else {
        OperatingStatus::NoEvidence
    }
}

/// The current test results among `items`, by test id, with the controls the catalog links.
pub fn test_summaries(catalog: &Catalog, items: &[Added]) -> Vec<TestSummary> {
    let mut out: BTreeMap<String, TestSummary> = BTreeMap::new();
    for item in items {
        let Some(t) = &item.test else { continue };
        let controls: Vec<String> = catalog
            .controls
            .iter()
            .filter(|c| c.tests.contains(&t.test))
            .map(|c| c.id.clone())
            .collect();
        let summary = TestSummary {
            test: t.test.clone(),
            outcome: t.outcome,
            population: t.population,
            exceptions: t.exceptions,
            evidence: item.evidence.clone(),
            exceptions_evidence: t.exceptions_parquet.clone(),
            definition: t.definition.clone(),
            definition_sha256: t.definition_sha256.to_string(),
            result_sha256: t.result_sha256.to_string(),
            inputs: t
                .inputs
                .iter()
                .map(|i| format!("{}:{}={}", i.dataset, i.evidence, i.sha256))
                .collect(),
            controls,
            at: item.collected_at.clone(),
        };
        // Items come in ledger order: a later current result of the same test wins.
        out.insert(t.test.clone(), summary);
    }
    out.into_values().collect()
}

fn gap_findings(
    engagement: &Engagement,
    assessment: &Assessment<'_>,
    controls: &[ControlReadiness],
    by_test: &BTreeMap<&str, &TestSummary>,
) -> Vec<ReadinessFinding> {
    let mut out = Vec::new();
    for f in &assessment.findings {
        let subject = f
            .component
            .clone()
            .or_else(|| f.subservice.clone())
            .unwrap_or_default();
        out.push(ReadinessFinding {
            id: format!("scope:{}:{subject}", f.rule),
            kind: FindingKind::Scope,
            rule: f.rule.to_string(),
            severity: f.severity,
            control: None,
            component: f.component.clone(),
            criterion: None,
            owner: f
                .component
                .as_deref()
                .and_then(|id| assessment.get(id))
                .and_then(|(c, _)| c.owner.clone())
                .unwrap_or_else(|| UNASSIGNED.to_string()),
            due: engagement.period.to,
            roadmap_item: String::new(),
            message: f.message.clone(),
        });
    }
    let type2 = engagement.report_type == fieldproof_core::engagement::ReportType::TypeII;
    for c in controls {
        let owner = c.owner.clone().unwrap_or_else(|| UNASSIGNED.to_string());
        let mut push = |kind: FindingKind, rule: &str, severity: Severity, message: String| {
            out.push(ReadinessFinding {
                id: format!("{}:{}", rule, c.control),
                kind,
                rule: rule.to_string(),
                severity,
                control: Some(c.control.clone()),
                component: None,
                criterion: None,
                owner: owner.clone(),
                due: c.due.unwrap_or(engagement.period.to),
                roadmap_item: String::new(),
                message,
            });
        };
        // Availability controls that exist because of OT weigh more: they are what the report
        // is read for (seed 000).
        let ot_availability = c.ot_specific && c.categories.contains(&TscCategory::Availability);
        match c.design {
            None => push(
                FindingKind::Design,
                ReadinessRule::DesignNotStated.as_str(),
                Severity::Medium,
                format!(
                    "{} {}: no design status is stated; state what exists, what is missing, or why it does not apply",
                    c.control, c.title
                ),
            ),
            Some(DesignStatus::NotImplemented) => push(
                FindingKind::Design,
                ReadinessRule::DesignNotImplemented.as_str(),
                if ot_availability { Severity::Critical } else { Severity::High },
                format!("{} {}: not implemented", c.control, c.title),
            ),
            Some(DesignStatus::Planned) => push(
                FindingKind::Design,
                ReadinessRule::DesignPlanned.as_str(),
                if ot_availability { Severity::High } else { Severity::Medium },
                format!("{} {}: planned, not yet in place", c.control, c.title),
            ),
            Some(DesignStatus::PartiallyImplemented) => push(
                FindingKind::Design,
                ReadinessRule::DesignPartial.as_str(),
                if ot_availability { Severity::High } else { Severity::Medium },
                format!("{} {}: partially implemented", c.control, c.title),
            ),
            Some(DesignStatus::Implemented | DesignStatus::NotApplicable) => {}
        }
        if c.design == Some(DesignStatus::NotApplicable) {
            continue;
        }
        let failed: Vec<String> = c
            .tested
            .iter()
            .filter_map(|t| by_test.get(t.as_str()))
            .filter(|t| t.outcome == Outcome::Fail)
            .map(|t| format!("{} ({} of {} rows)", t.test, t.exceptions, t.population))
            .collect();
        if !failed.is_empty() {
            push(
                FindingKind::Operating,
                ReadinessRule::TestExceptions.as_str(),
                Severity::High,
                format!(
                    "{} {}: exceptions in {}",
                    c.control,
                    c.title,
                    failed.join(", ")
                ),
            );
        }
        if c.design == Some(DesignStatus::Implemented) {
            if c.evidence.missing > 0
                && c.evidence.present + c.evidence.stale == 0
                && c.tested.is_empty()
            {
                push(
                    FindingKind::Evidence,
                    ReadinessRule::EvidenceMissing.as_str(),
                    if type2 {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "{} {}: stated implemented but no evidence is recorded for the period",
                        c.control, c.title
                    ),
                );
            } else if c.evidence.missing + c.evidence.stale > 0 {
                push(
                    FindingKind::Evidence,
                    ReadinessRule::EvidenceIncomplete.as_str(),
                    if type2 {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    format!(
                        "{} {}: {} of {} evidence requests not answered for the whole period",
                        c.control,
                        c.title,
                        c.evidence.missing + c.evidence.stale,
                        c.evidence.present + c.evidence.stale + c.evidence.missing
                    ),
                );
            }
        }
    }
    out
}

fn summary(
    assessment: &Assessment<'_>,
    controls: &[ControlReadiness],
    findings: &[ReadinessFinding],
    tests: &[TestSummary],
) -> Summary {
    let counts = assessment.counts();
    let mut design = BTreeMap::new();
    for c in controls {
        let key = c.design.map_or("not_stated", |d| d.as_str());
        *design.entry(key.to_string()).or_insert(0) += 1;
    }
    let mut operating = BTreeMap::new();
    for c in controls {
        *operating
            .entry(c.operating.as_str().to_string())
            .or_insert(0) += 1;
    }
    let mut by_severity = BTreeMap::new();
    for f in findings {
        *by_severity
            .entry(f.severity.as_str().to_string())
            .or_insert(0) += 1;
    }
    let ready = controls
        .iter()
        .filter(|c| {
            c.design == Some(DesignStatus::Implemented) && c.operating == OperatingStatus::Effective
        })
        .count();
    let relevant = controls
        .iter()
        .filter(|c| c.design != Some(DesignStatus::NotApplicable))
        .count();
    Summary {
        components: assessment.estate.components.len(),
        in_scope: counts.in_scope,
        shared: counts.shared,
        out_of_scope: counts.out_of_scope,
        ot_inside: assessment
            .by_id()
            .filter(|(c, d)| d.scope != Scope::Out && c.kind.is_ot())
            .count(),
        controls: controls.len(),
        design,
        operating,
        findings: by_severity,
        tests_run: tests.len(),
        tests_failed: tests.iter().filter(|t| t.outcome == Outcome::Fail).count(),
        exception_rows: tests.iter().map(|t| t.exceptions).sum(),
        ready_percent: (ready * 100).checked_div(relevant).unwrap_or(0) as u8,
    }
}

fn names(assessment: &Assessment<'_>, ids: &[&str]) -> String {
    let list: Vec<String> = ids
        .iter()
        .map(|id| {
            assessment
                .get(id)
                .map_or_else(|| id.to_string(), |(c, _)| format!("{} ({})", c.name, c.id))
        })
        .collect();
    list.join(", ")
}

fn buyer_questions(
    assessment: &Assessment<'_>,
    controls: &[ControlReadiness],
    engagement: &Engagement,
) -> Vec<BuyerQuestion> {
    let mut out = Vec::new();
    // 1. Is the OT named?
    let ot: Vec<(&fieldproof_core::Component, &fieldproof_core::ScopeDecision)> =
        assessment.by_id().filter(|(c, _)| c.kind.is_ot()).collect();
    let named: Vec<&str> = ot
        .iter()
        .filter(|(_, d)| d.scope != Scope::Out)
        .map(|(c, _)| c.id.as_str())
        .collect();
    let left_out: Vec<&str> = assessment
        .findings
        .iter()
        .filter(|f| f.rule == fieldproof_core::findings::FindingRuleId::OtAvailabilityDeclaredOut)
        .filter_map(|f| f.component.as_deref())
        .collect();
    let (answer, detail) = if ot.is_empty() {
        (
            Answer::Yes,
            "the estate has no OT components; nothing to name".to_string(),
        )
    } else if !left_out.is_empty() {
        (
            Answer::No,
            format!(
                "OT that affects availability is declared out of scope: {}",
                names(assessment, &left_out)
            ),
        )
    } else if named.is_empty() {
        (
            Answer::No,
            "no OT component is in scope or shared".to_string(),
        )
    } else {
        (
            Answer::Yes,
            format!("named in scope or shared: {}", names(assessment, &named)),
        )
    };
    out.push(BuyerQuestion {
        id: "ot-named",
        question: "Is the OT that keeps the service running named in the system description?",
        answer,
        detail,
    });
    // 2. Is the scope clear?
    use fieldproof_core::findings::FindingRuleId as R;
    const AMBIGUITY: &[R] = &[
        R::DeclaredScopeNarrower,
        R::DeclaredScopeBroader,
        R::DeviceWithoutSharedResponsibility,
        R::CarveOutWithoutCsocs,
        R::FacilityPlantAvailabilityUnstated,
        R::SupportAccessPathUnnamed,
    ];
    let unclear: Vec<String> = assessment
        .findings
        .iter()
        .filter(|f| AMBIGUITY.contains(&f.rule))
        .map(|f| match &f.component {
            Some(c) => format!("{} ({c})", f.rule),
            None => format!("{} ({})", f.rule, f.subservice.clone().unwrap_or_default()),
        })
        .collect();
    out.push(BuyerQuestion {
        id: "scope-clear",
        question: "Is the scope clear: what is in, what is shared, what is carved out, and who is responsible?",
        answer: match unclear.len() {
            0 => Answer::Yes,
            1..=2 => Answer::Partly,
            _ => Answer::No,
        },
        detail: if unclear.is_empty() {
            "every component has a scope decision with reasons, and no scope finding makes the boundary ambiguous".to_string()
        } else {
            format!("scope findings a reader would question: {}", unclear.join(", "))
        },
    });
    // 3. Are the Availability controls specific to the OT?
    if engagement.categories.contains(&TscCategory::Availability) {
        let availability: Vec<&ControlReadiness> = controls
            .iter()
            .filter(|c| c.categories.contains(&TscCategory::Availability))
            .collect();
        let specific: Vec<&str> = availability
            .iter()
            .filter(|c| c.ot_specific)
            .map(|c| c.control.as_str())
            .collect();
        let implemented_specific = availability
            .iter()
            .filter(|c| c.ot_specific && c.design == Some(DesignStatus::Implemented))
            .count();
        let answer = if specific.is_empty() {
            Answer::No
        } else if implemented_specific * 2 >= specific.len() {
            Answer::Yes
        } else {
            Answer::Partly
        };
        out.push(BuyerQuestion {
            id: "availability-ot-specific",
            question: "Are the Availability controls specific to the OT, or generic IT controls that happen to apply?",
            answer,
            detail: format!(
                "{} of {} applicable Availability controls apply because of OT components ({}); {} of those are stated implemented",
                specific.len(),
                availability.len(),
                if specific.is_empty() { "none".to_string() } else { specific.join(", ") },
                implemented_specific
            ),
        });
    } else {
        let ot_availability: Vec<&str> = assessment
            .by_id()
            .filter(|(c, d)| {
                c.kind.is_ot()
                    && d.scope != Scope::Out
                    && c.has(fieldproof_core::Fact::AffectsAvailability)
            })
            .map(|(c, _)| c.id.as_str())
            .collect();
        out.push(BuyerQuestion {
            id: "availability-ot-specific",
            question: "Are the Availability controls specific to the OT, or generic IT controls that happen to apply?",
            answer: if ot_availability.is_empty() { Answer::Yes } else { Answer::No },
            detail: if ot_availability.is_empty() {
                "the engagement does not report on Availability, and no OT in scope affects availability".to_string()
            } else {
                format!(
                    "the engagement does not report on Availability although OT in scope affects it: {}; add Availability to the engagement's categories",
                    names(assessment, &ot_availability)
                )
            },
        });
    }
    // 4. Is the evidence more than screenshots?
    let automated: Vec<&ControlReadiness> =
        controls.iter().filter(|c| !c.tests.is_empty()).collect();
    let tested = automated.iter().filter(|c| !c.tested.is_empty()).count();
    out.push(BuyerQuestion {
        id: "evidence-population",
        question: "Is operating effectiveness shown over whole populations, not a few screenshots?",
        answer: if automated.is_empty() || tested == automated.len() {
            Answer::Yes
        } else if tested > 0 {
            Answer::Partly
        } else {
            Answer::No
        },
        detail: format!(
            "{tested} of {} applicable controls with automated tests have a current full-population result",
            automated.len()
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(test: &str, outcome: Outcome) -> TestSummary {
        TestSummary {
            test: test.to_string(),
            outcome,
            population: 10,
            exceptions: u64::from(outcome == Outcome::Fail),
            evidence: "EV-000001".to_string(),
            exceptions_evidence: None,
            definition: "EV-000000".to_string(),
            definition_sha256: String::new(),
            result_sha256: String::new(),
            inputs: Vec::new(),
            controls: vec!["FP-AC-03".to_string()],
            at: "2026-03-01T09:00:00Z".to_string(),
        }
    }

    fn counts(present: usize, stale: usize, missing: usize) -> EvidenceCounts {
        EvidenceCounts {
            present,
            stale,
            missing,
        }
    }

    fn finding(severity: Severity, due: &str) -> ReadinessFinding {
        ReadinessFinding {
            id: format!("design:{due}"),
            kind: FindingKind::Design,
            rule: "design".to_string(),
            severity,
            control: None,
            component: None,
            criterion: None,
            owner: "unassigned".to_string(),
            due: Date::parse(due).expect("date"),
            roadmap_item: "FP-AC-03".to_string(),
            message: "stated partially implemented".to_string(),
        }
    }

    #[test]
    fn a_control_is_effective_only_with_all_evidence_and_every_linked_test_passed() {
        let implemented = Some(DesignStatus::Implemented);
        let linked = vec!["ac-1".to_string(), "ac-2".to_string()];
        let pass = result("ac-1", Outcome::Pass);
        let pass2 = result("ac-2", Outcome::Pass);
        let fail = result("ac-2", Outcome::Fail);
        let no_data = result("ac-2", Outcome::NoData);
        // Not applicable wins over everything.
        assert_eq!(
            operating_status(
                Some(DesignStatus::NotApplicable),
                &linked,
                &[&fail],
                counts(0, 0, 1)
            ),
            OperatingStatus::NotApplicable
        );
        // One exception anywhere: exceptions, whatever the evidence says.
        assert_eq!(
            operating_status(implemented, &linked, &[&pass, &fail], counts(2, 0, 0)),
            OperatingStatus::Exceptions
        );
        assert_eq!(
            operating_status(implemented, &linked, &[&pass, &pass2], counts(2, 0, 0)),
            OperatingStatus::Effective
        );
        // A linked test without a result, a test with no data, stale or missing evidence: not
        // yet effective.
        for (tested, evidence) in [
            (vec![&pass], counts(2, 0, 0)),
            (vec![&pass, &no_data], counts(2, 0, 0)),
            (vec![&pass, &pass2], counts(1, 1, 0)),
            (vec![&pass, &pass2], counts(1, 0, 1)),
        ] {
            assert_eq!(
                operating_status(implemented, &linked, &tested, evidence),
                OperatingStatus::NotTested,
                "{evidence:?}"
            );
        }
        // No request at all is never effective, even with every test passed.
        assert_eq!(
            operating_status(implemented, &linked, &[&pass, &pass2], counts(0, 0, 0)),
            OperatingStatus::NotTested
        );
        // Nothing at all.
        assert_eq!(
            operating_status(None, &linked, &[], counts(0, 0, 3)),
            OperatingStatus::NoEvidence
        );
        // A control with no linked test is effective on its evidence alone.
        assert_eq!(
            operating_status(implemented, &[], &[], counts(3, 0, 0)),
            OperatingStatus::Effective
        );
    }

    #[test]
    fn fail_on_thresholds_select_the_findings_at_or_above_them() {
        let findings = vec![
            finding(Severity::Medium, "2026-03-05"),
            finding(Severity::Low, "2026-04-30"),
        ];
        assert!(!reaches(&findings, None), "no threshold never fails");
        assert!(reaches(&findings, Some(Severity::Medium)));
        assert!(reaches(&findings, Some(Severity::Low)));
        assert!(!reaches(&findings, Some(Severity::High)));
        assert!(!reaches(&[], Some(Severity::Info)));
    }

    #[test]
    fn labels_are_the_documented_words() {
        assert_eq!(design_label(None), "not stated");
        assert_eq!(
            design_label(Some(DesignStatus::PartiallyImplemented)),
            "partially implemented"
        );
        assert_eq!(OperatingStatus::NoEvidence.as_str(), "no_evidence");
        assert_eq!(OperatingStatus::NoEvidence.label(), "no evidence");
    }
}
