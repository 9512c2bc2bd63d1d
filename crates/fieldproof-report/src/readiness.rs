//! The reports built on a readiness: the readiness report a consultant hands over, the system
//! description draft, the controls matrix (also CSV) and the test results. Each is a
//! [`Document`] rendered as Markdown, HTML or PDF by [`crate::doc`] and [`crate::pdf`].

use crate::doc::{Bar, Block, Cell, Document, Tone};
use fieldproof_catalog::Catalog;
use fieldproof_core::assessment::Assessment;
use fieldproof_core::control_test::Outcome;
use fieldproof_core::estate::SubserviceMethod;
use fieldproof_core::responsibility::{domain_title, ResponsibilityMatrix};
use fieldproof_core::safe_text::spreadsheet_record;
use fieldproof_core::status::DesignStatus;
use fieldproof_core::{Scope, Severity};
use fieldproof_readiness::compare::Comparison;
use fieldproof_readiness::{design_label, OperatingStatus, Readiness};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The readiness report.
    Readiness,
    /// The system description draft.
    SystemDescription,
    /// The controls matrix.
    Controls,
    /// The test results.
    Tests,
}

impl ReportKind {
    /// Every report, in the order they are listed.
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Readiness,
        ReportKind::SystemDescription,
        ReportKind::Controls,
        ReportKind::Tests,
    ];

    /// The name used on the command line and in file names.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReportKind::Readiness => "readiness",
            ReportKind::SystemDescription => "system-description",
            ReportKind::Controls => "controls",
            ReportKind::Tests => "tests",
        }
    }
}

/// What a report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// The readiness.
    pub readiness: &'a Readiness,
    /// The assessment it was computed from.
    pub assessment: &'a Assessment<'a>,
    /// Its responsibility matrix.
    pub matrix: &'a ResponsibilityMatrix,
    /// The catalog.
    pub catalog: &'a Catalog,
    /// Year over year, when a previous engagement is compared.
    pub comparison: Option<&'a Comparison>,
}

/// Builds the document of `kind`.
pub fn build(kind: ReportKind, inputs: &ReportInputs<'_>) -> Document {
    match kind {
        ReportKind::Readiness => readiness_document(inputs),
        ReportKind::SystemDescription => system_description(inputs),
        ReportKind::Controls => controls_document(inputs),
        ReportKind::Tests => tests_document(inputs.readiness),
    }
}

fn subtitle(r: &Readiness) -> String {
    format!(
        "{}: {}. Engagement {} ({} {}, {}).",
        r.organisation,
        r.service,
        r.engagement.id,
        match r.engagement.report {
            fieldproof_core::engagement::Report::Soc2 => "SOC 2",
            fieldproof_core::engagement::Report::Soc1 => "SOC 1",
        },
        match r.engagement.report_type {
            fieldproof_core::engagement::ReportType::TypeI => "Type I",
            fieldproof_core::engagement::ReportType::TypeII => "Type II",
        },
        if r.engagement.period.from == r.engagement.period.to {
            format!("as of {}", r.engagement.period.from)
        } else {
            format!("period {}", r.engagement.period)
        }
    )
}

fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Critical | Severity::High => Tone::Bad,
        Severity::Medium => Tone::Warn,
        Severity::Low | Severity::Info => Tone::Neutral,
    }
}

fn categories(r: &Readiness) -> String {
    r.engagement
        .categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope_table(doc: &mut Document, inputs: &ReportInputs<'_>) {
    let rows = inputs
        .assessment
        .by_id()
        .map(|(c, d)| {
            vec![
                c.id.clone(),
                c.name.clone(),
                c.kind.as_str().to_string(),
                if c.kind.is_ot() { "yes" } else { "" }.to_string(),
                d.scope.words().to_string(),
                d.category_list()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    doc.table(
        &["Component", "Name", "Kind", "OT", "Scope", "Categories"],
        rows,
        &[3, 4, 3, 1, 2, 3],
    );
}

fn matrix_table(doc: &mut Document, matrix: &ResponsibilityMatrix) {
    let rows = matrix
        .rows
        .iter()
        .map(|row| {
            vec![
                domain_title(row.domain).to_string(),
                row.vendor.clone(),
                row.customer.clone(),
                row.components.join(", "),
            ]
        })
        .collect();
    doc.table(
        &["Domain", "We do", "Customers do", "Components"],
        rows,
        &[2, 4, 4, 3],
    );
}

fn readiness_document(inputs: &ReportInputs<'_>) -> Document {
    let r = inputs.readiness;
    let s = &r.summary;
    let mut doc = Document::new("Readiness assessment", subtitle(r));
    doc.heading(1, "Executive summary");
    let critical_high = s.findings.get("critical").copied().unwrap_or(0)
        + s.findings.get("high").copied().unwrap_or(0);
    doc.para(format!(
        "{} of the {} applicable controls ({}%) are stated implemented and operating effectively over the period. The estate has {} components: {} in scope, {} shared and {} out of scope; {} OT components sit inside the boundary. There are {} findings, {} of them critical or high. {} automated tests have a current full-population result; {} of them found exceptions ({} exception rows).",
        s.controls * usize::from(s.ready_percent) / 100,
        s.controls,
        s.ready_percent,
        s.components,
        s.in_scope,
        s.shared,
        s.out_of_scope,
        s.ot_inside,
        r.findings.len(),
        critical_high,
        s.tests_run,
        s.tests_failed,
        s.exception_rows
    ));
    doc.push(Block::Facts(vec![
        ("Categories".into(), categories(r)),
        (
            "Design status".into(),
            s.design
                .iter()
                .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Operating status".into(),
            s.operating
                .iter()
                .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Roadmap".into(),
            r.roadmap
                .phases
                .iter()
                .map(|p| {
                    format!(
                        "{}: {} items, {} person-days",
                        p.title,
                        p.items.len(),
                        p.effort_days
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ]));
    doc.push(Block::Bars {
        title: "Findings by severity".into(),
        bars: Severity::ALL
            .iter()
            .rev()
            .map(|sev| Bar {
                label: sev.as_str().to_string(),
                value: s.findings.get(sev.as_str()).copied().unwrap_or(0) as u64,
                tone: severity_tone(*sev),
            })
            .collect(),
    });
    doc.heading(2, "How this report will read");
    doc.push(Block::Note(
        "The questions a buyer's security reviewer asks of a SOC 2 report that covers OT.".into(),
    ));
    doc.table(
        &["Question", "Answer", "Why"],
        r.buyer_questions
            .iter()
            .map(|q| {
                vec![
                    q.question.to_string(),
                    q.answer.as_str().to_string(),
                    q.detail.clone(),
                ]
            })
            .collect(),
        &[4, 1, 6],
    );
    doc.heading(1, "Scope and boundary");
    doc.para(format!(
        "Scope follows responsibility: each component's decision comes from who operates it and what it does. {} in scope, {} shared with customers or subservice organisations, {} out of scope.",
        s.in_scope, s.shared, s.out_of_scope
    ));
    scope_table(&mut doc, inputs);
    doc.heading(2, "Shared responsibility matrix");
    matrix_table(&mut doc, inputs.matrix);
    doc.heading(1, "Findings");
    doc.table(
        &["Severity", "Finding", "Owner", "Due", "Roadmap item"],
        r.findings
            .iter()
            .map(|f| {
                vec![
                    f.severity.as_str().to_string(),
                    f.message.clone(),
                    f.owner.clone(),
                    f.due.to_string(),
                    f.roadmap_item.clone(),
                ]
            })
            .collect(),
        &[1, 7, 2, 2, 2],
    );
    doc.heading(1, "Criteria");
    doc.push(Block::Heat {
        title: "Trust Services Criteria in play".into(),
        cells: r
            .criteria
            .iter()
            .map(|c| Cell {
                label: c.criterion.clone(),
                heat: c.heat,
                title: format!(
                    "{}: {} controls, {} implemented, {} effective, {} gaps, {} with exceptions",
                    c.title, c.controls, c.implemented, c.effective, c.gaps, c.exceptions
                ),
            })
            .collect(),
    });
    doc.heading(2, "By category");
    rollup_table(&mut doc, ("Category", 3), &r.categories, |c| c.name.clone());
    doc.heading(2, "By component");
    rollup_table(&mut doc, ("Component", 5), &r.components, |c| {
        format!("{} ({})", c.name, c.key)
    });
    doc.heading(1, "Controls");
    doc.table(
        &[
            "Control",
            "Title",
            "Owner",
            "Design",
            "Operating",
            "Evidence",
        ],
        r.controls
            .iter()
            .map(|c| {
                vec![
                    c.control.clone(),
                    c.title.clone(),
                    c.owner.clone().unwrap_or_default(),
                    design_label(c.design).to_string(),
                    c.operating.label().to_string(),
                    format!(
                        "{} present, {} stale, {} missing",
                        c.evidence.present, c.evidence.stale, c.evidence.missing
                    ),
                ]
            })
            .collect(),
        &[2, 6, 3, 2, 2, 3],
    );
    doc.heading(1, "Test results");
    tests_table(&mut doc, r);
    doc.heading(1, "Evidence");
    doc.heading(2, "Minimum evidence set");
    doc.push(Block::Note(
        "The artefacts that make a hardware-enabled service's SOC 2 story credible to buyers, and where each stands.".into(),
    ));
    doc.table(
        &["Artefact", "Status", "Controls"],
        r.checklist
            .iter()
            .map(|i| {
                vec![
                    i.item.to_string(),
                    i.status.label().to_string(),
                    i.detail.clone(),
                ]
            })
            .collect(),
        &[5, 2, 6],
    );
    let present: usize = r.controls.iter().map(|c| c.evidence.present).sum();
    let stale: usize = r.controls.iter().map(|c| c.evidence.stale).sum();
    let missing: usize = r.controls.iter().map(|c| c.evidence.missing).sum();
    doc.push(Block::Bars {
        title: "Evidence requests over the period".into(),
        bars: vec![
            Bar {
                label: "present".into(),
                value: present as u64,
                tone: Tone::Good,
            },
            Bar {
                label: "stale".into(),
                value: stale as u64,
                tone: Tone::Warn,
            },
            Bar {
                label: "missing".into(),
                value: missing as u64,
                tone: Tone::Bad,
            },
        ],
    });
    doc.heading(1, "Roadmap");
    for phase in &r.roadmap.phases {
        doc.heading(2, format!("{} (ends {})", phase.title, phase.ends));
        doc.para(format!(
            "{} Estimated effort: {} person-days.",
            phase.goal, phase.effort_days
        ));
        doc.table(
            &["Item", "What", "Owner", "Severity", "Days", "Closes"],
            phase
                .items
                .iter()
                .map(|i| {
                    vec![
                        format!("{}{}", i.id, if i.pinned { " (pinned)" } else { "" }),
                        i.title.clone(),
                        i.owner.clone(),
                        i.severity.as_str().to_string(),
                        i.effort_days.to_string(),
                        i.closes.join(", "),
                    ]
                })
                .collect(),
            &[3, 5, 2, 2, 1, 5],
        );
    }
    if let Some(cmp) = inputs.comparison {
        comparison_blocks(&mut doc, cmp);
    }
    doc
}

fn rollup_table(
    doc: &mut Document,
    (what, width): (&str, u16),
    rollups: &[fieldproof_readiness::Rollup],
    name: impl Fn(&fieldproof_readiness::Rollup) -> String,
) {
    doc.table(
        &[
            what,
            "Controls",
            "Implemented",
            "Effective",
            "Gaps",
            "Findings",
            "Worst",
        ],
        rollups
            .iter()
            .map(|c| {
                vec![
                    name(c),
                    c.controls.to_string(),
                    c.implemented.to_string(),
                    c.effective.to_string(),
                    c.gaps.to_string(),
                    c.findings.to_string(),
                    c.worst.map_or(String::new(), |w| w.as_str().to_string()),
                ]
            })
            .collect(),
        &[width, 2, 2, 2, 2, 2, 2],
    );
}

/// The year-over-year section (also the body of `diff --format md|html|pdf`).
pub fn comparison_blocks(doc: &mut Document, cmp: &Comparison) {
    doc.heading(1, format!("Year over year: {} to {}", cmp.from, cmp.to));
    doc.para(format!(
        "Ready share {}% then, {}% now. {} findings raised since, {} closed.",
        cmp.ready_percent.0,
        cmp.ready_percent.1,
        cmp.new_findings.len(),
        cmp.closed_findings.len()
    ));
    if !cmp.ot_excluded_again.is_empty() {
        doc.para(format!(
            "OT excluded again: {} was inside the boundary and is now out of scope.",
            cmp.ot_excluded_again.join(", ")
        ));
    }
    doc.heading(2, "Scope drift");
    let word = |s: Option<Scope>| s.map_or("absent", Scope::words).to_string();
    doc.table(
        &["Component", "OT", "Before", "Now"],
        cmp.scope_drift
            .iter()
            .map(|d| {
                vec![
                    format!("{} ({})", d.name, d.component),
                    if d.ot { "yes" } else { "" }.to_string(),
                    word(d.from),
                    word(d.to),
                ]
            })
            .collect(),
        &[5, 1, 2, 2],
    );
    doc.heading(2, "Control status changes");
    let op = |s: Option<OperatingStatus>| {
        s.map_or("not applicable", OperatingStatus::label)
            .to_string()
    };
    doc.table(
        &[
            "Control",
            "Design before",
            "Design now",
            "Operating before",
            "Operating now",
        ],
        cmp.status_changes
            .iter()
            .map(|c| {
                vec![
                    format!("{} {}", c.control, c.title),
                    design_label(c.design_from).to_string(),
                    design_label(c.design_to).to_string(),
                    op(c.operating_from),
                    op(c.operating_to),
                ]
            })
            .collect(),
        &[5, 2, 2, 2, 2],
    );
    for (title, list) in [
        ("New findings", &cmp.new_findings),
        ("Closed findings", &cmp.closed_findings),
    ] {
        doc.heading(2, title);
        doc.table(
            &["Severity", "Finding"],
            list.iter()
                .map(|f| vec![f.severity.as_str().to_string(), f.message.clone()])
                .collect(),
            &[1, 8],
        );
    }
    doc.heading(2, "Test result trend");
    let outcome = |o: Option<Outcome>| o.map_or("not run", |o| o.as_str()).to_string();
    let rate = |r: Option<u64>| r.map_or(String::new(), |r| format!("{}.{}%", r / 10, r % 10));
    doc.table(
        &["Test", "Before", "Rate before", "Now", "Rate now"],
        cmp.tests
            .iter()
            .map(|t| {
                vec![
                    t.test.clone(),
                    outcome(t.from),
                    rate(t.from_per_mille),
                    outcome(t.to),
                    rate(t.to_per_mille),
                ]
            })
            .collect(),
        &[4, 2, 2, 2, 2],
    );
}

fn tests_table(doc: &mut Document, r: &Readiness) {
    doc.table(
        &[
            "Test",
            "Controls",
            "Outcome",
            "Population",
            "Exceptions",
            "Result",
        ],
        r.tests
            .iter()
            .map(|t| {
                vec![
                    t.test.clone(),
                    t.controls.join(", "),
                    t.outcome.as_str().to_string(),
                    t.population.to_string(),
                    t.exceptions.to_string(),
                    t.evidence.clone(),
                ]
            })
            .collect(),
        &[4, 3, 2, 2, 2, 2],
    );
}

fn system_description(inputs: &ReportInputs<'_>) -> Document {
    let r = inputs.readiness;
    let a = inputs.assessment;
    let estate = a.estate;
    let mut doc = Document::new("System description (draft)", subtitle(r));
    doc.push(Block::Note(
        "A draft organised by the description criteria a service auditor checks a system description against. Sections marked 'to complete' need the organisation's own words.".into(),
    ));
    doc.heading(1, "1. Types of services provided");
    doc.para(format!(
        "{} provides {}. This description covers the system that delivers it, including the operational technology it depends on.",
        estate.organisation, estate.service
    ));
    doc.heading(
        1,
        "2. Principal service commitments and system requirements",
    );
    doc.para(format!(
        "The organisation commits to its customers on the Trust Services categories reported on ({}). The commitments below follow from the responsibilities the organisation carries in the shared responsibility matrix; contractual figures (availability targets, notification times) are to complete.",
        categories(r)
    ));
    doc.push(Block::Bullets(
        inputs
            .matrix
            .rows
            .iter()
            .map(|row| format!("{}: {}", domain_title(row.domain), row.vendor))
            .collect(),
    ));
    doc.heading(1, "3. Components of the system");
    let inside: Vec<_> = a.by_id().filter(|(_, d)| d.scope != Scope::Out).collect();
    doc.heading(2, "Infrastructure");
    doc.table(
        &["Component", "Kind", "Site", "Zone", "Operated by", "Scope"],
        inside
            .iter()
            .filter(|(c, _)| c.kind.is_ot() || !c.kind.governs_privileged_access())
            .map(|(c, d)| {
                vec![
                    format!("{} ({})", c.name, c.id),
                    c.kind.as_str().to_string(),
                    c.site.as_str().to_string(),
                    c.zone.as_str().to_string(),
                    c.operated_by.as_str().to_string(),
                    d.scope.words().to_string(),
                ]
            })
            .collect(),
        &[5, 3, 2, 1, 2, 2],
    );
    doc.heading(2, "Software");
    doc.table(
        &["Component", "Kind", "Description"],
        inside
            .iter()
            .filter(|(c, _)| !c.kind.is_ot())
            .map(|(c, _)| {
                vec![
                    format!("{} ({})", c.name, c.id),
                    c.kind.as_str().to_string(),
                    c.description.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        &[4, 3, 6],
    );
    doc.heading(2, "People");
    let mut owners: Vec<String> = r
        .controls
        .iter()
        .filter_map(|c| c.owner.clone())
        .chain(estate.components.iter().filter_map(|c| c.owner.clone()))
        .collect();
    owners.sort();
    owners.dedup();
    doc.para(if owners.is_empty() {
        "To complete: the roles that operate the system (no owners are stated yet).".to_string()
    } else {
        format!(
            "Roles that own components and controls: {}. To complete: headcount and reporting lines.",
            owners.join(", ")
        )
    });
    doc.heading(2, "Procedures");
    doc.para("The controls below are the procedures by which the system is operated; each has a frequency, an owner and test procedures in the controls matrix.");
    let mut themes: Vec<(String, usize)> = Vec::new();
    for c in &r.controls {
        match themes.iter_mut().find(|(t, _)| *t == c.theme) {
            Some((_, n)) => *n += 1,
            None => themes.push((c.theme.clone(), 1)),
        }
    }
    doc.push(Block::Bullets(
        themes
            .iter()
            .map(|(t, n)| {
                let title = inputs
                    .catalog
                    .themes
                    .iter()
                    .find(|th| th.id == *t)
                    .map_or(t.as_str(), |th| th.title.as_str());
                format!("{title}: {n} controls")
            })
            .collect(),
    ));
    doc.heading(2, "Data");
    let data: Vec<String> = inside
        .iter()
        .filter(|(c, _)| {
            c.has(fieldproof_core::Fact::ProcessesCustomerData)
                || c.has(fieldproof_core::Fact::ProcessesPersonalData)
                || c.has(fieldproof_core::Fact::TelemetryDrivesBilling)
                || c.has(fieldproof_core::Fact::AffectsFinancialReporting)
        })
        .map(|(c, _)| {
            let mut what = Vec::new();
            if c.has(fieldproof_core::Fact::ProcessesCustomerData) {
                what.push("customer data");
            }
            if c.has(fieldproof_core::Fact::ProcessesPersonalData) {
                what.push("personal data");
            }
            if c.has(fieldproof_core::Fact::TelemetryDrivesBilling) {
                what.push("telemetry used for billing");
            }
            if c.has(fieldproof_core::Fact::AffectsFinancialReporting) {
                what.push("data for customers' financial reporting");
            }
            format!("{} ({}): {}", c.name, c.id, what.join(", "))
        })
        .collect();
    doc.push(Block::Bullets(if data.is_empty() {
        vec![
            "No component in scope is stated to process customer, personal or financial data."
                .into(),
        ]
    } else {
        data
    }));
    doc.heading(1, "4. System boundaries");
    doc.para("What is inside the boundary, what is shared and what is out, with the reason for each decision:");
    scope_table(&mut doc, inputs);
    doc.heading(2, "Shared responsibility matrix");
    matrix_table(&mut doc, inputs.matrix);
    doc.heading(1, "5. Incidents");
    doc.para("To complete: system incidents during the period that caused a failure to meet a service commitment, their nature, timing and handling. The incident controls applicable to this system are listed in the controls matrix (theme: incident).");
    doc.heading(1, "6. Relevant changes during the period");
    doc.para("To complete: significant changes to the system during the period. `fieldproof log` lists every change to the estate, with who made it and when; `fieldproof diff` compares this engagement with the previous one.");
    doc.heading(1, "7. Subservice organisations");
    doc.table(
        &[
            "Organisation",
            "Services",
            "Treatment",
            "Complementary subservice organisation controls",
        ],
        estate
            .subservice_organisations
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.services.clone().unwrap_or_default(),
                    match s.method {
                        SubserviceMethod::CarveOut => "carve-out".to_string(),
                        SubserviceMethod::Inclusive => "inclusive".to_string(),
                    },
                    if s.complementary_controls.is_empty() {
                        "none listed".to_string()
                    } else {
                        s.complementary_controls.join("; ")
                    },
                ]
            })
            .collect(),
        &[3, 3, 2, 6],
    );
    doc.heading(1, "8. Complementary user entity controls");
    doc.table(
        &["Id", "Domain", "Customers are responsible for"],
        inputs
            .matrix
            .cuecs
            .iter()
            .map(|c| vec![c.id.clone(), c.about.clone(), c.text.clone()])
            .collect(),
        &[1, 3, 8],
    );
    doc
}

fn controls_document(inputs: &ReportInputs<'_>) -> Document {
    let r = inputs.readiness;
    let mut doc = Document::new("Controls matrix", subtitle(r));
    doc.push(Block::Note(
        "Every applicable control with its criteria, owner, frequency, design and operating status, evidence, automated tests, the suppliers' CUECs it answers, and test procedures. Also available as CSV.".into(),
    ));
    doc.table(
        &[
            "Control",
            "Criteria",
            "Owner",
            "Frequency",
            "Design",
            "Operating",
            "Evidence",
            "Tests",
            "Supplier CUECs",
            "Test procedures",
        ],
        controls_rows(r, inputs.catalog),
        &[4, 2, 2, 2, 2, 2, 2, 2, 2, 5],
    );
    doc
}

fn controls_rows(r: &Readiness, catalog: &Catalog) -> Vec<Vec<String>> {
    r.controls
        .iter()
        .map(|c| {
            let procedures = catalog
                .controls
                .iter()
                .find(|k| k.id == c.control)
                .map(|k| {
                    k.procedures
                        .iter()
                        .map(|p| format!("{}: {}", p.method, p.procedure))
                        .collect::<Vec<_>>()
                        .join(" / ")
                })
                .unwrap_or_default();
            vec![
                format!("{} {}", c.control, c.title),
                c.criteria.join(", "),
                c.owner.clone().unwrap_or_default(),
                c.frequency.clone(),
                design_label(c.design).to_string(),
                c.operating.label().to_string(),
                if c.evidence_ids.is_empty() {
                    "none".to_string()
                } else {
                    c.evidence_ids.join(", ")
                },
                c.tests.join(", "),
                c.supplier_cuecs.join(", "),
                procedures,
            ]
        })
        .collect()
}

/// The controls matrix as CSV.
pub fn controls_csv(r: &Readiness, catalog: &Catalog) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "control",
        "criteria",
        "owner",
        "frequency",
        "design_status",
        "operating_status",
        "evidence",
        "tests",
        "supplier_cuecs",
        "test_procedures",
    ]);
    for (row, c) in controls_rows(r, catalog).into_iter().zip(&r.controls) {
        let mut row = row;
        row[0] = c.control.clone();
        row[4] = c
            .design
            .map_or("not_stated", DesignStatus::as_str)
            .to_string();
        row[5] = c.operating.as_str().to_string();
        let _ = writer.write_record(spreadsheet_record(&row));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn tests_document(r: &Readiness) -> Document {
    let mut doc = Document::new("Test results", subtitle(r));
    doc.para(format!(
        "Every automated test ran over 100% of its population in the engagement period and scope. {} tests have a current result; {} found exceptions. The hashes prove which definition ran over which data: recompute them from the evidence pack.",
        r.tests.len(),
        r.tests.iter().filter(|t| t.outcome == Outcome::Fail).count()
    ));
    tests_table(&mut doc, r);
    for t in &r.tests {
        doc.heading(2, &t.test);
        doc.push(Block::Facts(vec![
            ("Controls".into(), t.controls.join(", ")),
            ("Outcome".into(), t.outcome.as_str().to_string()),
            ("Population".into(), t.population.to_string()),
            ("Exceptions".into(), t.exceptions.to_string()),
            (
                "Exception rows".into(),
                match &t.exceptions_evidence {
                    Some(ev) => format!(
                        "the full list is evidence {ev} (Parquet) and, as CSV, the result evidence {}",
                        t.evidence
                    ),
                    None => "none".to_string(),
                },
            ),
            ("Result evidence".into(), format!("{} (ran {})", t.evidence, t.at)),
            (
                "Definition".into(),
                format!("{} sha256 {}", t.definition, t.definition_sha256),
            ),
            ("Result hash".into(), t.result_sha256.clone()),
            ("Data read".into(), t.inputs.join("; ")),
        ]));
    }
    let not_run: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == fieldproof_readiness::ReadinessRule::TestNotRun.as_str())
        .map(|f| f.message.clone())
        .collect();
    if !not_run.is_empty() {
        doc.heading(2, "Tests without a current result");
        doc.push(Block::Bullets(not_run));
    }
    doc
}

/// The readiness findings by severity, as every front end words them: `3 high, 12 medium`.
pub fn findings_breakdown(s: &fieldproof_readiness::Summary) -> String {
    s.findings
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `fieldproof readiness` for people: the summary, the buyer's questions, the findings and the
/// roadmap, in a terminal.
pub fn readiness_text(r: &Readiness) -> String {
    let s = &r.summary;
    let mut out = format!(
        "Readiness of {} ({}), engagement {} ({}):\n  {} applicable controls, {}% implemented and effective\n  design: {}\n  operating: {}\n  tests: {} with a current result, {} with exceptions ({} exception rows)\n\n",
        r.service,
        r.organisation,
        r.engagement.id,
        r.engagement.period,
        s.controls,
        s.ready_percent,
        s.design
            .iter()
            .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", "),
        s.operating
            .iter()
            .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", "),
        s.tests_run,
        s.tests_failed,
        s.exception_rows
    );
    out.push_str("How the report will read:\n");
    for q in &r.buyer_questions {
        out.push_str(&format!(
            "  [{}] {}\n        {}\n",
            q.answer.as_str(),
            q.question,
            q.detail
        ));
    }
    out.push_str(&format!("\nFindings ({}):\n", r.findings.len()));
    for f in &r.findings {
        out.push_str(&format!(
            "  {:<8} {}  (owner {}, due {}, item {})\n",
            f.severity.as_str(),
            f.message,
            f.owner,
            f.due,
            f.roadmap_item
        ));
    }
    out.push_str("\nMinimum evidence set:\n");
    for item in &r.checklist {
        out.push_str(&format!("  {:<14} {}\n", item.status.label(), item.item));
    }
    out.push_str("\nRoadmap:\n");
    for phase in &r.roadmap.phases {
        out.push_str(&format!(
            "  {} (ends {}): {} items, {} person-days\n",
            phase.title,
            phase.ends,
            phase.items.len(),
            phase.effort_days
        ));
        for item in &phase.items {
            out.push_str(&format!(
                "    {}{} {} ({} days, closes {})\n",
                item.id,
                if item.pinned { " [pinned]" } else { "" },
                item.title,
                item.effort_days,
                item.closes.len()
            ));
        }
    }
    out
}

/// `fieldproof diff` for people.
pub fn comparison_text(cmp: &Comparison) -> String {
    let mut doc = Document::new("Year over year", "");
    comparison_blocks(&mut doc, cmp);
    let md = crate::doc::markdown(&doc);
    // The Markdown without its title block reads well in a terminal.
    md.split_once("\n\n\n")
        .map_or(md.clone(), |(_, rest)| rest.to_string())
}
