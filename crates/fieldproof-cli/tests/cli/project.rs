//! The main job: `fieldproof assess DIR` over each bundled example project records it in a
//! workspace, runs the full-population tests and writes every report. The reports match their
//! golden files (re-bless with `FIELDPROOF_BLESS=1`), the readiness PDF rasterises page by
//! page, a second run records only what changed, and a bad project file is refused with its
//! line and field, leaving the workspace as it was.

use super::readiness::rasterise;
use super::{fieldproof, repo, temp};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const EXAMPLES: &[&str] = &["colocation-dc", "manufacturer", "hardware-saas"];
/// The reports compared with golden files (text formats; the PDF and HTML render the same
/// document and are checked for rendering and determinism).
const GOLDEN_REPORTS: &[&str] = &[
    "readiness.md",
    "system-description.md",
    "controls.csv",
    "tests.md",
];

fn project(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// A copy of the examples directory (projects refer to `../evidence`).
fn copy_of_examples(to: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read").flatten() {
            let target = to.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    let examples = to.join("examples");
    copy(&repo().join("examples"), &examples);
    examples
}

#[test]
fn example_projects_produce_their_golden_reports_and_a_pdf_that_renders() {
    for name in EXAMPLES {
        let dir = temp();
        let out = fieldproof(dir.path())
            .args(["assess"])
            .arg(project(name))
            .args(["--out", "out"])
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The whole product in one run: scope, recorded inputs, tests, findings, roadmap.
        for expected in [
            "in scope",
            "(created)",
            "rows",
            "Full-population tests:",
            "readiness findings",
            "Year 1: baseline",
            "readiness.pdf",
        ] {
            assert!(stdout.contains(expected), "{name}: {expected} in\n{stdout}");
        }
        for file in GOLDEN_REPORTS {
            let actual =
                std::fs::read_to_string(dir.path().join("out").join(file)).expect("report written");
            super::check_golden(name, file, &actual);
        }
        let pages = rasterise(&dir.path().join("out/readiness.pdf"));
        assert!(pages >= 5, "{name}: readiness PDF has {pages} pages");
        // The tests really ran over the bundled data: each one with exceptions names them.
        let tests = std::fs::read_to_string(dir.path().join("out/tests.md")).expect("tests");
        assert!(
            tests.contains("| fail |"),
            "{name}: no failing test in\n{tests}"
        );
        // The workspace it leaves verifies and answers the single commands.
        fieldproof(dir.path())
            .args(["--workspace", "out", "verify"])
            .assert()
            .success();
        fieldproof(dir.path())
            .args(["--workspace", "out", "readiness", "--format", "json"])
            .assert()
            .success();
    }
}

#[test]
fn outputs_are_identical_across_runs_in_different_directories() {
    let dir = temp();
    for out in ["a", "b"] {
        fieldproof(dir.path())
            .arg("assess")
            .arg(project("hardware-saas"))
            .args(["--out", out])
            .assert()
            .success();
    }
    for entry in std::fs::read_dir(dir.path().join("a"))
        .expect("a")
        .flatten()
    {
        if entry.file_type().expect("type").is_dir() {
            continue;
        }
        let name = entry.file_name();
        assert_eq!(
            std::fs::read(entry.path()).expect("a"),
            std::fs::read(dir.path().join("b").join(&name)).expect("b"),
            "{} differs between runs",
            name.to_string_lossy()
        );
    }
}

#[test]
fn a_project_runs_again_recording_only_what_changed() {
    let dir = temp();
    let examples = copy_of_examples(dir.path());
    let colo = examples.join("colocation-dc");
    let run = || {
        let out = fieldproof(dir.path())
            .arg("assess")
            .arg(&colo)
            .args(["--out", "out"])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    assert!(
        first.contains("2 evidence files added (0 already current)"),
        "{first}"
    );
    let again = run();
    assert!(
        again.contains("(existing): estate unchanged, 0 design status changes, 0 evidence files added (2 already current)"),
        "{again}"
    );
    assert!(again.contains("(1 file already ingested)"), "{again}");
    // `incremental: true` keeps each test's result for the next run, as `test --incremental`.
    let kept = dir.path().join("out/.fieldproof/cache/tests");
    assert!(!kept.exists(), "a run without it keeps nothing");
    let project_file = colo.join("fieldproof.yaml");
    let text = std::fs::read_to_string(&project_file).expect("project file");
    std::fs::write(&project_file, format!("{text}incremental: true\n")).expect("write");
    run();
    let entries = std::fs::read_dir(&kept).map_or(0, |d| d.count());
    assert!(entries > 0, "kept results in {}", kept.display());
    // A design status changes: the next run records that one change, with history.
    let status = colo.join("status.yaml");
    let text = std::fs::read_to_string(&status).expect("status");
    std::fs::write(
        &status,
        text.replacen(
            "    status: partially_implemented",
            "    status: implemented",
            1,
        ),
    )
    .expect("write");
    let third = run();
    assert!(third.contains("1 design status change,"), "{third}");
    fieldproof(dir.path())
        .args(["--workspace", "out", "log"])
        .assert()
        .success()
        .stdout(predicate::str::contains("status apply"));
}

#[test]
fn a_bad_project_file_is_refused_with_its_line_and_the_workspace_is_left_as_it_was() {
    let dir = temp();
    let examples = copy_of_examples(dir.path());
    let colo = examples.join("colocation-dc");
    fieldproof(dir.path())
        .arg("assess")
        .arg(&colo)
        .args(["--out", "out"])
        .assert()
        .success();
    let head = |dir: &Path| {
        let out = fieldproof(dir)
            .args(["--workspace", "out", "verify", "--format", "json"])
            .output()
            .expect("verify");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["head"].clone()
    };
    let before = head(dir.path());
    let log_before = fieldproof(dir.path())
        .args(["--workspace", "out", "log"])
        .output()
        .expect("log")
        .stdout;
    let file = colo.join("fieldproof.yaml");
    let good = std::fs::read_to_string(&file).expect("project");
    for (bad, expected) in [
        (
            good.replace("dataset: alarms", "dataset: alarmz"),
            "fieldproof.yaml:30: field `events[2].dataset`: 'alarmz' is not a dataset",
        ),
        (
            good.replace("events/changes.csv", "events/nowhere.csv"),
            "events/nowhere.csv does not exist",
        ),
        (
            good.replace("controls: [FP-BR-01]", "controls: [FP-XX-99]"),
            "fieldproof.yaml:20: evidence[1].controls: FP-XX-99: not a control",
        ),
        (
            good.replace("  period: 2026", "  colour: red\n  period: 2026"),
            "colour",
        ),
    ] {
        std::fs::write(&file, &bad).expect("write");
        fieldproof(dir.path())
            .arg("assess")
            .arg(&colo)
            .args(["--out", "out"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
        assert_eq!(head(dir.path()), before, "{expected}: the ledger moved");
        let log_after = fieldproof(dir.path())
            .args(["--workspace", "out", "log"])
            .output()
            .expect("log")
            .stdout;
        assert_eq!(log_after, log_before, "{expected}: the change log moved");
    }
    // A directory without a project file says what it wants.
    fieldproof(dir.path())
        .arg("assess")
        .arg(&examples)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fieldproof.yaml"));
}

#[test]
fn reports_travel_in_the_evidence_pack_covered_by_its_signature() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d)
        .arg("assess")
        .arg(project("colocation-dc"))
        .args(["--out", "out"])
        .assert()
        .success();
    let pack = super::json_of(fieldproof(d).args([
        "--workspace",
        "out",
        "export",
        "pack",
        "--engagement",
        "soc2-2026",
        "-o",
        "pack.zip",
        "--report",
        "readiness.pdf",
        "--report",
        "controls.csv",
        "--format",
        "json",
    ]));
    assert_eq!(
        pack["reports"],
        serde_json::json!(["reports/readiness.pdf", "reports/controls.csv"])
    );
    fieldproof(d)
        .args(["verify", "pack.zip"])
        .assert()
        .success();
    // The report in the pack is the report the workspace renders.
    let unzip = std::process::Command::new("unzip")
        .args(["-o", "-q", "pack.zip", "-d", "unpacked"])
        .current_dir(d)
        .status()
        .expect("unzip runs");
    assert!(unzip.success());
    fieldproof(d)
        .args([
            "--workspace",
            "out",
            "report",
            "readiness",
            "--format",
            "pdf",
        ])
        .args(["-o", "readiness.pdf"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(d.join("unpacked/reports/readiness.pdf")).expect("in pack"),
        std::fs::read(d.join("readiness.pdf")).expect("rendered")
    );
    let readme = std::fs::read_to_string(d.join("unpacked/README.txt")).expect("readme");
    assert!(readme.contains("reports/controls.csv"), "{readme}");
    // Editing a report in the pack breaks its verification.
    super::trust::rewrite_pack(
        d,
        "pack.zip",
        "edited.zip",
        "if name == 'reports/controls.csv':\n    return data.replace(b'not_implemented', b'implemented')\nreturn data",
        &[],
    );
    fieldproof(d)
        .args(["verify", "edited.zip"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("reports/controls.csv"));
    fieldproof(d)
        .args([
            "--workspace",
            "out",
            "export",
            "pack",
            "--engagement",
            "soc2-2026",
        ])
        .args(["-o", "bad.zip", "--report", "readiness.docx"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("KIND.FORMAT"));
    assert!(!d.join("bad.zip").exists());
}

#[test]
fn a_project_run_honours_the_assess_contract() {
    let dir = temp();
    let project = project("manufacturer");
    let mut seen = std::collections::BTreeSet::new();
    let r = super::contracts::check(
        dir.path(),
        "assess",
        &[
            "assess",
            project.to_str().unwrap_or_default(),
            "--out",
            "out",
            "--format",
            "json",
        ],
        &mut seen,
    );
    let run = &r["project"];
    assert_eq!(run["engagement"], "soc2-2026");
    assert_eq!(run["tests_ran"], true);
    assert!(
        run["readiness"]["tests_run"].as_u64().unwrap_or(0) >= 5,
        "{run}"
    );
    assert_eq!(run["roadmap"].as_array().map(Vec::len), Some(3));
    assert!(run["datasets"].as_array().is_some_and(|d| d
        .iter()
        .any(|d| d["dataset"] == "erp_postings" && d["rows"].as_u64() > Some(0))));
}
