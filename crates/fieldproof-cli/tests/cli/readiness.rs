//! Readiness end to end: design status from a file and the command line with history, the
//! readiness contract, the roadmap with a pin, reports in Markdown, HTML and PDF (every page
//! rasterised by `pdftoppm`, text read back by `pdftotext`, identical bytes on a second run),
//! OSCAL SSP, assessment results and POA&M valid against the official schemas and with
//! compliance-trestle, and year over year across two engagements.

use super::{example, fieldproof, json_of, repo, temp, write};
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn workspace_with_statuses() -> tempfile::TempDir {
    let dir = temp();
    fieldproof(dir.path()).arg("init").assert().success();
    fieldproof(dir.path())
        .arg("apply")
        .arg(example("colocation-dc"))
        .assert()
        .success();
    fieldproof(dir.path())
        .args(["engagement", "create", "--id", "soc2-2026", "--period"])
        .args(["2026-01-01..2026-12-31", "--categories", "availability"])
        .assert()
        .success();
    fieldproof(dir.path())
        .arg("status")
        .arg("apply")
        .arg(repo().join("examples/colocation-dc/status.yaml"))
        .assert()
        .success();
    dir
}

#[test]
fn statuses_apply_like_the_estate_keep_history_and_refuse_bad_files_without_loss() {
    let dir = workspace_with_statuses();
    let listed = json_of(fieldproof(dir.path()).args(["status", "list", "--format", "json"]));
    assert_eq!(listed["statuses"].as_array().map(Vec::len), Some(7));
    // A bad file names the line and stores nothing.
    let bad = write(
        dir.path(),
        "bad.yaml",
        "controls:\n  - control: FP-PE-04\n    status: implemented\n    owner: x\n    rationale: y\n  - control: FP-XX-99\n    status: planned\n    owner: x\n    rationale: y\n",
    );
    fieldproof(dir.path())
        .args(["status", "apply", &bad])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.yaml:6").and(predicate::str::contains("FP-XX-99")));
    let again = json_of(fieldproof(dir.path()).args(["status", "list", "--format", "json"]));
    assert_eq!(again, listed, "a refused file changes nothing");
    // `status set` changes one control and the change log keeps who, when and what.
    let set = json_of(fieldproof(dir.path()).args([
        "status",
        "set",
        "FP-AC-06",
        "--status",
        "implemented",
        "--format",
        "json",
    ]));
    assert_eq!(set["changes"][0]["fields"], serde_json::json!(["status"]));
    let log = json_of(fieldproof(dir.path()).args(["log", "--format", "json"]));
    let text = log.to_string();
    assert!(text.contains("soc2-2026#FP-AC-06"), "{text}");
    assert!(text.contains("status apply"), "{text}");
    // Owner and rationale are needed for a control without a status.
    fieldproof(dir.path())
        .args(["status", "set", "FP-AM-01", "--status", "planned"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--owner is needed"));
}

fn readiness(dir: &Path) -> Value {
    json_of(fieldproof(dir).args(["readiness", "--format", "json"]))
}

#[test]
fn readiness_states_design_and_operating_status_findings_and_a_pinned_roadmap() {
    let dir = workspace_with_statuses();
    let r = readiness(dir.path());
    let control = |id: &str| -> Value {
        r["controls"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["control"] == id).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(control("FP-PE-04")["design"], "implemented");
    assert_eq!(control("FP-PE-04")["operating"], "no_evidence");
    assert_eq!(control("FP-LM-07")["operating"], "not_applicable");
    assert_eq!(control("FP-AM-01")["design"], Value::Null);
    let findings = r["findings"].as_array().cloned().unwrap_or_default();
    let finding = |id: &str| findings.iter().find(|f| f["id"] == id).cloned();
    // A gap finding carries the owner of its status and its roadmap item.
    let ac06 = finding("design-not-implemented:FP-AC-06").expect("gap finding");
    assert_eq!(ac06["owner"], "OT security lead");
    assert_eq!(ac06["roadmap_item"], "FP-AC-06");
    // A stated due date wins; otherwise the end of the item's phase.
    assert_eq!(
        finding("design-partial:FP-PE-05").expect("partial")["due"],
        "2027-03-31"
    );
    assert!(finding("scope:ot-availability-declared-out:bms-dc2").is_some());
    // The pin moved FP-AC-06 into Year 1; unpinned design gaps sit in Year 2.
    let phase_of = |item: &str| {
        r["roadmap"]["phases"]
            .as_array()
            .and_then(|phases| {
                phases.iter().find(|p| {
                    p["items"]
                        .as_array()
                        .is_some_and(|items| items.iter().any(|i| i["id"] == item))
                })
            })
            .map(|p| p["number"].clone())
    };
    assert_eq!(phase_of("FP-AC-06"), Some(Value::from(1)));
    assert_eq!(phase_of("FP-AC-05"), Some(Value::from(2)));
    assert_eq!(
        phase_of("scope:ot-availability-declared-out"),
        Some(Value::from(1))
    );
    let questions = r["buyer_questions"].as_array().cloned().unwrap_or_default();
    assert_eq!(questions[0]["id"], "ot-named");
    assert_eq!(
        questions[0]["answer"], "no",
        "the example leaves its BMS out"
    );
    assert_eq!(r["checklist"].as_array().map(Vec::len), Some(8));
    // --fail-on uses the same findings.
    fieldproof(dir.path())
        .args(["readiness", "--fail-on", "high"])
        .assert()
        .code(1);
}

fn tool_available(name: &str) -> bool {
    std::process::Command::new(name).arg("-v").output().is_ok()
}

#[test]
fn reports_render_in_every_format_deterministically_and_every_pdf_page_rasterises() {
    assert!(
        tool_available("pdftoppm"),
        "pdftoppm is missing: scripts/test installs poppler-utils"
    );
    let dir = workspace_with_statuses();
    for report in ["readiness", "system-description", "controls", "tests"] {
        for format in ["md", "html", "pdf"] {
            let file = format!("{report}.{format}");
            let run = |name: &str| {
                fieldproof(dir.path())
                    .args(["report", report, "--format", format, "-o", name])
                    .assert()
                    .success();
                std::fs::read(dir.path().join(name)).expect("written")
            };
            let first = run(&file);
            let second = run(&format!("again-{file}"));
            assert_eq!(first, second, "{file} is not deterministic");
            if format == "pdf" {
                let pages = rasterise(&dir.path().join(&file));
                let text = std::process::Command::new("pdftotext")
                    .arg(dir.path().join(&file))
                    .arg("-")
                    .output()
                    .expect("pdftotext runs");
                let text = String::from_utf8_lossy(&text.stdout);
                let expected = match report {
                    "readiness" => "How this report will read",
                    "system-description" => "Complementary user entity controls",
                    "controls" => "FP-PE-04",
                    _ => "Test results",
                };
                assert!(
                    text.contains(expected),
                    "{file}: {expected} not in its text"
                );
                if report == "readiness" {
                    assert!(pages >= 5, "readiness PDF has {pages} pages");
                    assert!(text.contains("Year 1: baseline"));
                }
            }
        }
    }
    let html = std::fs::read_to_string(dir.path().join("readiness.html")).expect("html");
    assert!(html.contains("<svg") && !html.contains("src=\"http") && !html.contains("href=\"http"));
    let csv = json_free_csv(dir.path());
    assert!(csv.starts_with("control,criteria,owner,frequency,design_status"));
}

/// Rasterises every page of a PDF with `pdftoppm` (which must not complain), checks that the
/// pages rasterised are the pages the file declares, and returns their number.
pub(crate) fn rasterise(pdf: &Path) -> usize {
    let bytes = std::fs::read(pdf).expect("pdf written");
    let pages_dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "20", "-png"])
        .arg(pdf)
        .arg(pages_dir.path().join("page"))
        .output()
        .expect("pdftoppm runs (scripts/test installs poppler-utils)");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "pdftoppm complained about {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let pages = std::fs::read_dir(pages_dir.path()).expect("dir").count();
    let declared = String::from_utf8_lossy(&bytes)
        .matches("/Type /Page ")
        .count();
    assert_eq!(pages, declared, "{}: every page rasterises", pdf.display());
    pages
}

fn json_free_csv(dir: &Path) -> String {
    fieldproof(dir)
        .args([
            "report",
            "controls",
            "--format",
            "csv",
            "-o",
            "controls.csv",
        ])
        .assert()
        .success();
    std::fs::read_to_string(dir.join("controls.csv")).expect("csv")
}

fn schema(model: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/schemas/oscal-1.1.3_{model}_schema.json"));
    let text = std::fs::read_to_string(&path).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// The trestle validator: the shared tool beside the repository when present, else the
/// project's own script (which installs trestle).
fn oscal_validate() -> std::path::PathBuf {
    let shared = repo().join("../shared/tools/oscal-validate");
    if shared.is_file() {
        shared
    } else {
        repo().join("scripts/oscal-validate")
    }
}

#[test]
fn oscal_ssp_assessment_results_and_poam_validate_with_the_schemas_and_trestle() {
    let dir = workspace_with_statuses();
    let files = export_and_validate_oscal(dir.path());
    let ssp = std::fs::read_to_string(&files[0]).expect("ssp");
    assert!(ssp.contains("\"this-system\"") && ssp.contains("\"responsibilities\""));
    assert!(ssp.contains("\"implementation-status\""));
}

/// The reproducer of the defect: a CSV inventory names no organisation and no service, and the
/// SSP's component title and the parties' names were empty. Now they are visible placeholders,
/// and `export` says what to complete.
#[test]
fn oscal_of_a_csv_inventory_validates_and_names_what_to_complete() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d).arg("init").assert().success();
    let inventory = repo().join("examples/inventory/plant-assets.csv");
    fieldproof(d)
        .args(["apply", inventory.to_str().unwrap_or_default()])
        .assert()
        .success();
    fieldproof(d)
        .args([
            "engagement",
            "create",
            "--id",
            "e1",
            "--period",
            "2026-01-01..2026-12-31",
            "--categories",
            "availability",
        ])
        .assert()
        .success();
    let files = export_and_validate_oscal(d);
    let ar = std::fs::read_to_string(&files[1]).expect("ar");
    assert!(ar.contains("Organisation not named in the estate"), "{ar}");
    fieldproof(d)
        .args(["export", "oscal-poam", "-o", "poam.json"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "to complete in the OSCAL document: the estate names no organisation",
        ));
}

/// Exports the SSP, the assessment results and the POA&M of the workspace in `dir`, and checks
/// each against the official schema and with compliance-trestle; returns the files.
fn export_and_validate_oscal(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for (command, model, root) in [
        ("oscal-ssp", "ssp", "system-security-plan"),
        ("oscal-ar", "assessment-results", "assessment-results"),
        ("oscal-poam", "poam", "plan-of-action-and-milestones"),
    ] {
        let file = format!("{command}.json");
        fieldproof(dir)
            .args(["export", command, "-o", &file])
            .assert()
            .success();
        let doc: Value =
            serde_json::from_slice(&std::fs::read(dir.join(&file)).expect("read")).expect("JSON");
        assert!(doc.get(root).is_some(), "{command}");
        let validator = schema(model);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .take(5)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{command}: {}", errors.join("\n"));
        files.push(dir.join(file));
    }
    let out = std::process::Command::new(oscal_validate())
        .args(&files)
        .output()
        .expect("oscal-validate runs");
    assert!(
        out.status.success(),
        "trestle rejected an export:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    files
}

#[test]
fn diff_shows_ot_excluded_again_status_changes_and_new_findings_year_over_year() {
    let dir = temp();
    let at = |when: &str| {
        let mut cmd = fieldproof(dir.path());
        cmd.env("FIELDPROOF_NOW", when);
        cmd
    };
    at("2025-01-05T09:00:00Z").arg("init").assert().success();
    let estate = "organisation: Org\nservice: Svc\ncomponents:\n  - id: bms\n    name: BMS\n    kind: bms\n    operated_by: us\n    site: our_facility\n    zone: ot\n    affects_availability: true\n  - id: app\n    name: App\n    kind: cloud_service\n    operated_by: us\n    site: our_cloud\n    zone: it\n    processes_customer_data: true\n";
    let y1 = write(dir.path(), "y1.yaml", estate);
    at("2025-01-05T09:00:00Z")
        .args(["apply", &y1])
        .assert()
        .success();
    at("2025-01-05T09:00:00Z")
        .args([
            "engagement",
            "create",
            "--id",
            "y1",
            "--period",
            "2025-01-01..2025-12-31",
            "--categories",
            "availability",
        ])
        .assert()
        .success();
    let not_implemented = [
        "status",
        "set",
        "FP-PE-04",
        "--status",
        "not_implemented",
        "--owner",
        "facilities",
        "--rationale",
        "no alarms",
        "--engagement",
        "y1",
    ];
    // A gap needs the date it is due to close.
    at("2025-02-01T09:00:00Z")
        .args(not_implemented)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "--due is needed: FP-PE-04 is not implemented: give the date its gap is due to close",
        ));
    at("2025-02-01T09:00:00Z")
        .args(not_implemented)
        .args(["--due", "2025-09-30"])
        .assert()
        .success();
    // The next year the BMS is excluded again and the alarms are in place.
    let y2 = write(
        dir.path(),
        "y2.yaml",
        &estate.replace(
            "operated_by: us\n    site: our_facility",
            "operated_by: customer\n    site: our_facility",
        ),
    );
    at("2026-01-10T09:00:00Z")
        .args(["apply", &y2])
        .assert()
        .success();
    at("2026-01-10T09:00:00Z")
        .args([
            "engagement",
            "create",
            "--id",
            "y2",
            "--period",
            "2026-01-01..2026-12-31",
            "--categories",
            "availability",
        ])
        .assert()
        .success();
    let cmp = json_of(at("2026-03-01T09:00:00Z").args(["diff", "y1", "y2", "--format", "json"]));
    let drift = cmp["scope_drift"].as_array().cloned().unwrap_or_default();
    assert!(
        drift
            .iter()
            .any(|d| d["component"] == "bms" && d["to"] == "out"),
        "{cmp}"
    );
    assert_eq!(cmp["ot_excluded_again"], serde_json::json!(["bms"]));
    assert!(cmp["status_changes"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    let text = String::from_utf8(
        at("2026-03-01T09:00:00Z")
            .args(["diff", "y1", "y2"])
            .output()
            .expect("runs")
            .stdout,
    )
    .expect("utf-8");
    assert!(text.contains("OT excluded again: bms"), "{text}");
}

#[test]
fn review_reads_a_supplier_report_and_names_the_ot_it_leaves_out() {
    let dir = temp();
    let d = dir.path();
    // The PDF, read directly: two columns, an embedded font with ligatures.
    let report = super::repo().join("examples/reports/tallow-mills-soc1-type1.pdf");
    let report = report.to_str().unwrap_or_default();
    fieldproof(d)
        .args(["review", report, "--as-of", "2026-01-15"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "report                 SOC 1 (p. 1)",
        ))
        .stdout(predicates::str::contains(
            "opinion                qualified (p. 2)",
        ))
        .stdout(predicates::str::contains(
            "high     ot-excluded (p. 3): SCADA is excluded",
        ))
        .stdout(predicates::str::contains("high     type-one (p. 1)"))
        .stdout(predicates::str::contains(
            "system                 Contract Manufacturing Order System (p. 1)",
        ))
        .stdout(predicates::str::contains(
            "issue date             2025-11-20 (p. 2, to confirm)",
        ));
    let json = super::json_of(fieldproof(d).args([
        "review",
        report,
        "--as-of",
        "2026-01-15",
        "--format",
        "json",
    ]));
    assert_eq!(json["review"]["as_of"]["value"], "2025-09-30");
    assert_eq!(json["review"]["service_auditor"]["confidence"], "heuristic");
    // Your own report, read against your estate: the OT in scope it does not name.
    let own = super::repo().join("examples/reports/northwind-hosting-soc2-type2.md");
    let estate = super::repo().join("examples/colocation-dc/estate.yaml");
    fieldproof(d)
        .args([
            "review",
            own.to_str().unwrap_or_default(),
            "--estate",
            estate.to_str().unwrap_or_default(),
            "--as-of",
            "2026-03-01",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "high     estate-component-not-named: DCIM (rack power, capacity, environmental sensors) (dcim-dc2) is in scope by responsibility",
        ));
    // A review report to hand over: Markdown, HTML and PDF, from the same facts and findings.
    let md = String::from_utf8(
        fieldproof(d)
            .args(["review", report, "--as-of", "2026-01-15", "--format", "md"])
            .output()
            .expect("run")
            .stdout,
    )
    .unwrap_or_default();
    assert!(
        md.starts_with(
            "# SOC 1 report of Tallow Mills Manufacturing Services: the reader's review"
        ),
        "{md}"
    );
    assert!(md.contains("| high | ot-excluded | 3 |"), "{md}");
    assert!(md.contains("- **opinion:** qualified (p. 2)"), "{md}");
    fieldproof(d)
        .args(["review", report, "--format", "html", "-o", "review.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(d.join("review.html")).expect("html");
    assert!(html.contains(">Findings</h"), "{html}");
    assert!(html.contains("SCADA"), "the OT the report names");
    fieldproof(d)
        .args(["review", report, "--format", "pdf"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("give -o FILE.pdf"));
    fieldproof(d)
        .args(["review", report, "--format", "pdf", "-o", "review.pdf"])
        .assert()
        .success();
    assert!(rasterise(&d.join("review.pdf")) >= 1);
    // The same against the workspace's own estate, without naming a file; outside a workspace
    // `--own` says what to do.
    fieldproof(d)
        .args(["review", own.to_str().unwrap_or_default(), "--own"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("fieldproof init"));
    fieldproof(d).arg("init").assert().success();
    fieldproof(d)
        .args(["apply", estate.to_str().unwrap_or_default()])
        .assert()
        .success();
    fieldproof(d)
        .args(["review", own.to_str().unwrap_or_default(), "--own", "--as-of", "2026-03-01"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "estate-component-not-named: DCIM (rack power, capacity, environmental sensors) (dcim-dc2)",
        ));
    // Not a report, a PDF, a bad date, a missing file: exit 2 with what to do.
    write(d, "notes.txt", "Minutes of the plant meeting.");
    write(d, "report.pdf", "%PDF-1.7 ...");
    let fixture = |name: &str| {
        super::repo()
            .join("examples/reports")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };
    let (encrypted, newsletter) = (
        fixture("encrypted.pdf"),
        fixture("not-a-report-newsletter.pdf"),
    );
    for (args, message) in [
        (
            vec!["review", "notes.txt"],
            "notes.txt: not a SOC report: no independent service auditor's report found",
        ),
        (
            vec!["review", "report.pdf"],
            "report.pdf: the PDF is damaged and cannot be read",
        ),
        (
            vec!["review", &encrypted],
            "encrypted.pdf: the PDF is encrypted with a password: ask for an unprotected copy",
        ),
        (
            vec!["review", &newsletter],
            "not-a-report-newsletter.pdf: not a SOC report: no independent service auditor's report found",
        ),
        (
            vec!["review", report, "--bridge-letter", "31/05/2026"],
            "--bridge-letter: '31/05/2026' is not a date",
        ),
        (vec!["review", "nowhere.txt"], "nowhere.txt"),
    ] {
        fieldproof(d)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
}

#[test]
fn the_supplier_register_keeps_reviews_as_evidence_and_carries_cuec_gaps_into_readiness() {
    let dir = workspace_with_statuses();
    let d = dir.path();
    let report = repo().join("examples/reports/northwind-hosting-soc2-type2.pdf");
    let report = report.to_str().unwrap_or_default();
    // A supplier needs a name and a criticality, and components of the estate.
    fieldproof(d)
        .args([
            "supplier",
            "add",
            "northwind",
            "--name",
            "Northwind Hosting Ltd",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--criticality is needed"));
    fieldproof(d)
        .args([
            "supplier",
            "add",
            "Bad Id",
            "--name",
            "X",
            "--criticality",
            "low",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a supplier id"));
    fieldproof(d)
        .args([
            "supplier",
            "add",
            "northwind",
            "--name",
            "Northwind Hosting Ltd",
        ])
        .args([
            "--criticality",
            "critical",
            "--component",
            "no-such-component",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-component"));
    let saved = json_of(
        fieldproof(d)
            .args([
                "supplier",
                "add",
                "northwind",
                "--name",
                "Northwind Hosting Ltd",
            ])
            .args(["--criticality", "critical", "--service", "Colocation"])
            .args(["--format", "json"]),
    );
    assert_eq!(saved["added"], true);
    // Reviewing for a supplier that is not in the register stores nothing.
    fieldproof(d)
        .args(["review", report, "--supplier", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such supplier"));
    let log_before = json_of(fieldproof(d).args(["evidence", "log", "--format", "json"]));
    // The review, recorded: the file and the result are evidence of FP-VM-01.
    let reviewed = json_of(fieldproof(d).args([
        "review",
        report,
        "--supplier",
        "northwind",
        "--as-of",
        "2026-06-30",
        "--format",
        "json",
    ]));
    let recorded = &reviewed["recorded"];
    assert_eq!(recorded["number"], 1);
    let evidence: Vec<String> = recorded["evidence"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(evidence.len(), 2, "{recorded}");
    let shown = json_of(fieldproof(d).args(["evidence", "show", &evidence[0], "--format", "json"]));
    assert!(shown.to_string().contains("FP-VM-01"), "{shown}");
    assert!(shown
        .to_string()
        .contains(reviewed["sha256"].as_str().unwrap_or("?")));
    assert_ne!(
        json_of(fieldproof(d).args(["evidence", "log", "--format", "json"])),
        log_before
    );
    fieldproof(d).arg("verify").assert().success();
    // The CUECs, with suggestions by the criteria they cite.
    let cuecs = json_of(fieldproof(d).args(["cuec", "list", "--format", "json"]));
    let rows = cuecs["cuecs"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["criteria"], serde_json::json!(["CC6.4"]));
    assert!(rows[0]["suggestions"][0]["criteria"]
        .to_string()
        .contains("CC6.4"));
    // Answers: a gap needs an owner and a due date; not applicable needs a reason.
    fieldproof(d)
        .args([
            "cuec",
            "status",
            "northwind",
            "1",
            "gap",
            "--owner",
            "site ops",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--due is needed"));
    fieldproof(d)
        .args(["cuec", "status", "northwind", "3", "not_applicable"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--reason is needed"));
    fieldproof(d)
        .args(["cuec", "map", "northwind", "9", "--control", "FP-AC-06"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the report has 3 CUECs"));
    fieldproof(d)
        .args(["cuec", "map", "northwind", "2", "--control", "FP-XX-99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a control of the library"));
    fieldproof(d)
        .args(["cuec", "map", "northwind", "2", "--control", "fp-ac-06"])
        .assert()
        .success()
        .stdout(predicate::str::contains("addressed by FP-AC-06"));
    fieldproof(d)
        .args([
            "cuec",
            "status",
            "northwind",
            "1",
            "gap",
            "--owner",
            "site ops",
        ])
        .args([
            "--due",
            "2026-09-30",
            "--reason",
            "no review of our badge list yet",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args(["cuec", "status", "northwind", "3", "not_applicable"])
        .args(["--reason", "we use no remote hands"])
        .assert()
        .success();
    // The register and readiness carry the gap with its owner and due date.
    let list = json_of(fieldproof(d).args(["supplier", "list", "--format", "json"]));
    let counts = &list["suppliers"][0]["cuecs"];
    assert_eq!(
        (
            &counts["addressed"],
            &counts["gap"],
            &counts["not_applicable"],
            &counts["open"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(0)
        )
    );
    let r = readiness(d);
    let gap = r["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "cuec-gap").cloned())
        .expect("the CUEC gap is a readiness finding");
    assert_eq!(gap["kind"], "supplier");
    assert_eq!(gap["owner"], "site ops");
    assert_eq!(gap["due"], "2026-09-30");
    assert_eq!(gap["roadmap_item"], "FP-VM-01");
    // The controls matrix shows which control answers which supplier's CUEC.
    let ac06 = r["controls"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["control"] == "FP-AC-06").cloned())
        .expect("FP-AC-06 applies");
    assert_eq!(
        ac06["supplier_cuecs"],
        serde_json::json!(["northwind CUEC 2"])
    );
    let matrix = String::from_utf8(
        fieldproof(d)
            .args(["report", "controls", "--format", "csv"])
            .output()
            .expect("run")
            .stdout,
    )
    .unwrap_or_default();
    assert!(
        matrix
            .lines()
            .next()
            .is_some_and(|h| h.contains("supplier_cuecs")),
        "{matrix}"
    );
    assert!(
        matrix
            .lines()
            .any(|l| l.starts_with("FP-AC-06,") && l.contains("northwind CUEC 2")),
        "{matrix}"
    );
    // Every answer and the review are in the change log.
    let log = json_of(fieldproof(d).args(["log", "--format", "json"])).to_string();
    for key in [
        "northwind/1/1",
        "northwind/1/2",
        "northwind/1/3",
        "northwind/1\"",
    ] {
        assert!(log.contains(key), "{key} in the change log");
    }
    let show = String::from_utf8(
        fieldproof(d)
            .args(["supplier", "show", "northwind"])
            .output()
            .expect("run")
            .stdout,
    )
    .unwrap_or_default();
    assert!(
        show.contains("gap, owner site ops, due 2026-09-30"),
        "{show}"
    );
    assert!(
        show.contains("#1 northwind-hosting-soc2-type2.pdf SOC 2 type 2"),
        "{show}"
    );
    // Which NIST SP 800-53 controls Northwind implements: as text, CSV and an OSCAL SSP
    // fragment that the schema and trestle accept.
    let table =
        json_of(fieldproof(d).args(["supplier", "controls", "northwind", "--format", "json"]));
    assert_eq!(table["table"]["framework"], "nist800-53r5");
    let rows = table["table"]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ac2 = rows.iter().find(|r| r["control"] == "ac-2").expect("ac-2");
    assert_eq!(ac2["responsibility"], "provider");
    assert!(
        ac2["paths"][0]
            .as_str()
            .is_some_and(|p| p.starts_with("tsc2017:CC6.2")),
        "{ac2}"
    );
    let shared = rows
        .iter()
        .filter(|r| r["responsibility"] == "shared")
        .count();
    assert_eq!(table["table"]["shared"].as_u64(), Some(shared as u64));
    assert!(shared > 0);
    fieldproof(d)
        .args([
            "supplier",
            "controls",
            "northwind",
            "--format",
            "csv",
            "-o",
            "northwind-nist.csv",
        ])
        .assert()
        .success();
    let csv = std::fs::read_to_string(d.join("northwind-nist.csv")).expect("csv");
    assert!(
        csv.starts_with("framework,control,label,title,responsibility,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), rows.len() + 1);
    fieldproof(d)
        .args([
            "supplier",
            "controls",
            "northwind",
            "--format",
            "oscal",
            "-o",
            "northwind-ssp.json",
        ])
        .assert()
        .success();
    let ssp: Value =
        serde_json::from_slice(&std::fs::read(d.join("northwind-ssp.json")).expect("ssp"))
            .expect("JSON");
    let errors: Vec<String> = schema("ssp")
        .iter_errors(&ssp)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let inherited = ssp["system-security-plan"]["control-implementation"]
        ["implemented-requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["by-components"].to_string().contains("inherited"))
        .count();
    assert_eq!(
        inherited,
        rows.iter()
            .filter(|r| r["responsibility"] != "customer")
            .count()
    );
    let out = std::process::Command::new(oscal_validate())
        .arg(d.join("northwind-ssp.json"))
        .output()
        .expect("oscal-validate runs");
    assert!(
        out.status.success(),
        "trestle: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A framework that is not a NIST baseline is refused, naming the flag.
    fieldproof(d)
        .args(["supplier", "controls", "northwind", "--baseline", "tsc2017"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--baseline tsc2017"))
        .stderr(predicate::str::contains(
            "neither NIST SP 800-53 nor a baseline of it",
        ));
}

/// The fixture reports' reviews, as a reader sees them in the terminal and as the review
/// report in Markdown, are golden: a change to what is read or found shows as a diff.
#[test]
fn fixture_reports_have_golden_reviews() {
    let dir = temp();
    let d = dir.path();
    for name in [
        "northwind-hosting-soc2-type2",
        "tallow-mills-soc1-type1",
        "lumen-devices-soc2-type2",
    ] {
        let file = format!("{name}.pdf");
        std::fs::copy(repo().join("examples/reports").join(&file), d.join(&file))
            .expect("copy the fixture");
        for (format, extension) in [("text", "txt"), ("md", "md")] {
            let out = fieldproof(d)
                .args(["review", &file, "--as-of", "2026-06-30", "--format", format])
                .output()
                .expect("run");
            assert!(out.status.success(), "{name} {format}");
            super::check_golden(
                "reviews",
                &format!("{name}.review.{extension}"),
                &String::from_utf8_lossy(&out.stdout),
            );
        }
    }
}
