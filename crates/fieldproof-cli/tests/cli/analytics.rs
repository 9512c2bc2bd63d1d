//! Full-population tests end to end through the real binary: generate data with known
//! exceptions, ingest it, run the test library, and check what an auditor relies on — every
//! injected exception found and nothing else, identical results for identical inputs, bad rows
//! never lost, re-ingestion a no-op, "no data" never a pass, reproducible samples, and a pack
//! that carries the inputs and verifies.

use super::{example, fieldproof, generate_and_ingest, json_result as json, temp, write};
use std::collections::BTreeMap;
use std::path::Path;

/// A workspace with `example`'s estate applied and the engagement `args` create.
fn workspace(example_name: &str, engagement: &[&str]) -> (tempfile::TempDir, String) {
    let dir = temp();
    let d = dir.path();
    let estate = example(example_name)
        .to_str()
        .unwrap_or_default()
        .to_string();
    fieldproof(d).args(["init"]).assert().success();
    fieldproof(d).args(["apply", &estate]).assert().success();
    let mut args = vec!["engagement", "create"];
    args.extend_from_slice(engagement);
    fieldproof(d).args(&args).assert().success();
    (dir, estate)
}

/// A workspace with the hardware-SaaS estate, an engagement over Jan–Feb 2026 and generated
/// data for it ingested.
fn workspace_with_data() -> tempfile::TempDir {
    let (dir, estate) = workspace(
        "hardware-saas",
        &[
            "--id",
            "y1",
            "--period",
            "2026-01-01..2026-02-28",
            "--categories",
            "availability,processing_integrity,confidentiality",
        ],
    );
    let d = dir.path();
    let estate = estate.as_str();
    generate_and_ingest(
        d,
        estate,
        &[
            "--devices",
            "25",
            "--days",
            "59",
            "--rate",
            "12",
            "--seed",
            "7",
        ],
    );
    // Bad generator sizes are named by their flag, and nothing is written.
    for (args, said) in [
        (["--devices", "0"], "--devices 0: give at least 1"),
        (["--rate", "2000"], "--rate 2000: give from 1 to 1,440"),
    ] {
        fieldproof(d)
            .args(["generate", "--estate", estate, "-o", "refused"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(said));
        assert!(!d.join("refused").exists());
    }
    dir
}

fn truth(dir: &Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(dir.join("gen/truth.json")).expect("truth file");
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    value["exceptions"]
        .as_object()
        .expect("exceptions")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().map_or(0, Vec::len)))
        .collect()
}

#[test]
fn tests_find_exactly_the_injected_exceptions_and_results_are_reproducible() {
    let dir = workspace_with_data();
    let d = dir.path();
    let run = json(d, &["test", "--format", "json"]);
    let expected = truth(d);
    let results = run["results"].as_array().expect("results");
    assert!(
        results.len() >= 15,
        "most of the library applies to a device vendor: {run}"
    );
    let mut checked = 0;
    for r in results {
        let id = r["test"].as_str().unwrap_or_default();
        if r["outcome"] == "no_data" {
            assert_eq!(r["exceptions"], 0);
            assert!(r["no_data"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
            continue;
        }
        let want = expected.get(id).copied().unwrap_or(0);
        assert_eq!(r["exceptions"].as_u64(), Some(want as u64), "{id}: {r}");
        assert_eq!(
            r["outcome"],
            if want == 0 { "pass" } else { "fail" },
            "{id}"
        );
        // The exception rows are files, and evidence.
        let csv = r["files"][0].as_str().expect("csv path");
        let rows = std::fs::read_to_string(csv)
            .expect("exceptions csv")
            .lines()
            .count();
        assert_eq!(rows, want + 1, "{id}: header plus one line per exception");
        checked += 1;
    }
    assert!(checked >= 15);

    // Identical inputs give identical results, recorded once.
    let again = json(d, &["test", "--format", "json"]);
    for (a, b) in results
        .iter()
        .zip(again["results"].as_array().expect("results"))
    {
        assert_eq!(a["result_sha256"], b["result_sha256"], "{}", a["test"]);
        assert_eq!(b["duplicate"], true, "{}", a["test"]);
    }

    // A parameter changes the result hash and is recorded.
    let strict = json(
        d,
        &[
            "test",
            "--only",
            "ti-silent-gaps",
            "--param",
            "max_gap_hours=1",
            "--format",
            "json",
        ],
    );
    let loose = results
        .iter()
        .find(|r| r["test"] == "ti-silent-gaps")
        .expect("ran");
    assert_ne!(
        strict["results"][0]["result_sha256"],
        loose["result_sha256"]
    );
    assert_eq!(strict["results"][0]["parameters"]["max_gap_hours"], 1.0);

    // Failed tests at the threshold exit 1; the ledger verifies with the runs bound to their inputs.
    fieldproof(d)
        .args(["test", "--fail-on", "high"])
        .assert()
        .code(1);
    fieldproof(d).args(["verify"]).assert().success();
    json(
        d,
        &[
            "export",
            "pack",
            "--engagement",
            "y1",
            "-o",
            "pack.zip",
            "--format",
            "json",
        ],
    );
    let manifest = std::process::Command::new("unzip")
        .args(["-p", "pack.zip", "manifest.json"])
        .current_dir(d)
        .output()
        .expect("unzip runs");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.stdout).expect("manifest");
    let names: Vec<String> = manifest["evidence"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        names.iter().any(|n| n.starts_with("test ti-replay")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("telemetry_ingest part")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n == "test definition ti-replay.toml"),
        "{names:?}"
    );
    fieldproof(d)
        .args(["verify", "pack.zip"])
        .assert()
        .success();
}

#[test]
fn clean_data_passes_every_test_with_data() {
    let (dir, estate) = workspace(
        "manufacturer",
        &[
            "--id",
            "p1",
            "--period",
            "2026-01-01..2026-01-31",
            "--categories",
            "availability,processing_integrity",
        ],
    );
    let d = dir.path();
    let estate = estate.as_str();
    generate_and_ingest(
        d,
        estate,
        &["--devices", "10", "--days", "31", "--rate", "6", "--clean"],
    );
    let run = json(d, &["test", "--format", "json"]);
    for r in run["results"].as_array().expect("results") {
        assert_ne!(r["outcome"], "fail", "{r}");
    }
    fieldproof(d)
        .args(["test", "--fail-on", "info"])
        .assert()
        .success();
}

#[test]
fn no_data_is_never_a_pass() {
    let (dir, _) = workspace(
        "hardware-saas",
        &["--id", "y1", "--period", "2026-01-01..2026-12-31"],
    );
    let d = dir.path();
    let run = json(d, &["test", "--format", "json"]);
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["outcome"], "no_data", "{r}");
        assert!(r["no_data"]
            .as_str()
            .unwrap_or_default()
            .contains("fieldproof ingest"));
    }
    let text = fieldproof(d).args(["test"]).output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("0 passed"), "{text}");
}

#[test]
fn bad_rows_go_to_a_rejects_file_and_reingesting_is_a_no_op() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d).args(["init"]).assert().success();
    let rows = concat!(
        r#"{"ts":"2026-01-01T00:00:00Z","tenant":"t1","device_id":"d1","message_id":"m1","outcome":"accepted","reason":null,"stored_tenant":"t1"}"#,
        "\n",
        r#"{"ts":"yesterday","tenant":"t1","device_id":"d1","message_id":"m2","outcome":"accepted","reason":null,"stored_tenant":"t1"}"#,
        "\n",
        r#"{"ts":"2026-01-01T00:02:00Z","tenant":"t1","device_id":"d1","message_id":"m3","outcome":"lost","reason":null,"stored_tenant":"t1"}"#,
        "\n",
        "not json\n",
        r#"{"ts":"2026-01-01T00:04:00Z","tenant":"t1","device_id":"d1","message_id":"m5","outcome":"accepted","reason":null,"stored_tenant":"t1","region":"eu"}"#,
        "\n",
    );
    write(d, "t.jsonl", rows);
    let first = json(
        d,
        &["ingest", "telemetry_ingest", "t.jsonl", "--format", "json"],
    );
    let file = &first["files"][0];
    assert_eq!(file["rows"], 2);
    assert_eq!(file["rejected"], 3);
    let rejects =
        std::fs::read_to_string(file["rejects"].as_str().expect("rejects file")).expect("read");
    let lines: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(
        lines
            .iter()
            .map(|l| l["line"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("ts"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("outcome"),
        "{}",
        lines[1]
    );
    let text = fieldproof(d)
        .args(["ingest", "telemetry_ingest", "t.jsonl"])
        .env("FIELDPROOF_LOG", "fieldproof_app=info")
        .output()
        .expect("runs");
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("already ingested"));
    // A long job logs what it did, with its figures, when the log asks for `info`.
    let log = String::from_utf8_lossy(&text.stderr);
    assert!(
        log.contains("ingested")
            && log.contains("dataset=telemetry_ingest")
            && log.contains("files=1")
            && log.contains(" ms="),
        "{log}"
    );
    let listed = json(d, &["datasets", "--format", "json"]);
    let telemetry = listed["datasets"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["dataset"] == "telemetry_ingest"))
        .expect("listed");
    assert_eq!(telemetry["parts"].as_array().map(Vec::len), Some(1));
    assert_eq!(telemetry["rows"], 2);
    // A file that is not there stores nothing and says so.
    fieldproof(d)
        .args(["ingest", "telemetry_ingest", "missing.jsonl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing.jsonl"));
    fieldproof(d)
        .args(["ingest", "telemetry", "t.jsonl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("telemetry_ingest"));
}

/// An export that overlaps one already ingested (the last days exported again with new ones)
/// stores only its new rows: the dataset's key holds across parts, so `ti-replay` sees no
/// message twice; a row that reuses a stored key with other values is rejected, and the stored
/// row stands.
#[test]
fn an_overlapping_export_stores_only_new_rows_and_makes_no_false_replays() {
    let dir = workspace_with_data();
    let d = dir.path();
    let replays = truth(d)["ti-replay"];
    let stored = std::fs::read_to_string(d.join("gen/telemetry_ingest.jsonl")).expect("read");
    let lines: Vec<&str> = stored.lines().collect();
    let again = &lines[lines.len() - 500..];
    let mut changed: serde_json::Value = serde_json::from_str(again[0]).expect("JSON");
    changed["stored_tenant"] = serde_json::Value::from("tenant-somewhere-else");
    let mut fresh: serde_json::Value = serde_json::from_str(again[1]).expect("JSON");
    fresh["message_id"] = serde_json::Value::from("never-seen-1");
    let mut export: Vec<String> = again[1..].iter().map(|l| l.to_string()).collect();
    export.push(changed.to_string());
    export.push(fresh.to_string());
    write(d, "overlap.jsonl", &(export.join("\n") + "\n"));
    let ingested = json(
        d,
        &[
            "ingest",
            "telemetry_ingest",
            "overlap.jsonl",
            "--format",
            "json",
        ],
    );
    let file = &ingested["files"][0];
    assert_eq!(file["already_stored"], 499, "{file}");
    assert_eq!(file["rows"], 1, "only the new message is stored: {file}");
    assert_eq!(file["rejected"], 1, "{file}");
    let rejects =
        std::fs::read_to_string(file["rejects"].as_str().expect("rejects")).expect("read");
    assert!(
        rejects.contains("already stored in an earlier part with other values"),
        "{rejects}"
    );
    let run = json(d, &["test", "--only", "ti-replay", "--format", "json"]);
    assert_eq!(
        run["results"][0]["exceptions"].as_u64(),
        Some(replays as u64),
        "only the injected replays: {}",
        run["results"][0]
    );
    // An export holding nothing new stores nothing, says why, and keeps what is stored.
    write(d, "again.jsonl", &(again[1..].join("\n") + "\n"));
    fieldproof(d)
        .args(["ingest", "telemetry_ingest", "again.jsonl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("every row is already stored"));
    let datasets = json(d, &["datasets", "telemetry_ingest", "--format", "json"]);
    assert!(datasets.to_string().contains("overlap.jsonl"), "{datasets}");
}

#[test]
fn bundled_mappings_ingest_their_samples_unedited() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d).args(["init"]).assert().success();
    let sources = super::repo().join("examples/sources");
    let source = |name: &str| sources.join(name).display().to_string();
    let cases = [
        (
            "device_identity_events",
            "aws-iot-registry-events",
            "aws-iot-registry-events.jsonl",
            5,
            2,
        ),
        (
            "device_identity_events",
            "azure-iot-hub-lifecycle",
            "azure-iot-hub-lifecycle.jsonl",
            4,
            1,
        ),
        (
            "firmware_releases",
            "github-releases",
            "github-releases.jsonl",
            3,
            1,
        ),
    ];
    for (dataset, mapping, file, rows, skipped) in cases {
        let r = json(
            d,
            &[
                "ingest",
                dataset,
                &source(file),
                "--map",
                mapping,
                "--format",
                "json",
            ],
        );
        assert_eq!(r["files"][0]["rows"], rows, "{mapping}: {r}");
        assert_eq!(r["files"][0]["skipped"], skipped, "{mapping}: {r}");
        assert_eq!(r["files"][0]["rejected"], 0, "{mapping}: {r}");
    }
    // Certificate revocations come from CloudTrail, placed on their things by the lookup.
    let principals = format!("principals={}", source("aws-iot-principals.csv"));
    let r = json(
        d,
        &[
            "ingest",
            "device_identity_events",
            &source("aws-iot-cloudtrail-certificates.jsonl"),
            "--map",
            "aws-iot-certificate-status",
            "--lookup",
            &principals,
            "--format",
            "json",
        ],
    );
    assert_eq!(
        (
            &r["files"][0]["rows"],
            &r["files"][0]["skipped"],
            &r["files"][0]["rejected"]
        ),
        (
            &serde_json::json!(3),
            &serde_json::json!(2),
            &serde_json::json!(0)
        ),
        "{r}"
    );
    let approvals = format!("approvals={}", source("servicenow-approvals.csv"));
    let r = json(
        d,
        &[
            "ingest",
            "changes",
            &source("servicenow-change-request.csv"),
            "--map",
            "servicenow-change-request",
            "--lookup",
            &approvals,
            "--format",
            "json",
        ],
    );
    assert_eq!(r["files"][0]["rows"], 6, "{r}");
    // Without the lookup it needs, the mapping refuses and names it.
    fieldproof(d)
        .args([
            "ingest",
            "changes",
            &source("servicenow-change-request.csv"),
            "--map",
            "servicenow-change-request",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--lookup is needed: the mapping joins lookup tables approvals",
        ))
        .stderr(predicates::str::contains("approvals=FILE"));
}

#[test]
fn samples_are_reproducible_from_seed_and_population_hash() {
    let dir = workspace_with_data();
    let d = dir.path();
    let args = [
        "sample",
        "--dataset",
        "access_sessions",
        "--where",
        "privileged",
        "--frequency",
        "daily",
        "--seed",
        "audit-2026",
        "--format",
        "json",
    ];
    let a = json(d, &args);
    let b = json(d, &args);
    assert_eq!(a, b);
    assert_eq!(a["size"], 25);
    assert_eq!(a["rows"].as_array().map(Vec::len), Some(25));
    let other = json(
        d,
        &[
            "sample",
            "--dataset",
            "access_sessions",
            "--where",
            "privileged",
            "--frequency",
            "daily",
            "--seed",
            "another",
            "--format",
            "json",
        ],
    );
    assert_eq!(a["population_sha256"], other["population_sha256"]);
    assert_ne!(a["rows"], other["rows"]);
    // Re-derive the selection by hand: the smallest SHA-256(seed ":" key).
    let ranks: Vec<&str> = a["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["rank"].as_str())
        .collect();
    let mut sorted = ranks.clone();
    sorted.sort_unstable();
    assert_eq!(ranks, sorted);
    let attribute = json(
        d,
        &[
            "sample",
            "--dataset",
            "changes",
            "--confidence",
            "95",
            "--tolerable",
            "10",
            "--expected",
            "0",
            "--seed",
            "s",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        attribute["size"].as_u64(),
        Some(29.min(attribute["population"].as_u64().unwrap_or(0)))
    );
    let csv = fieldproof(d)
        .args([
            "sample",
            "--dataset",
            "changes",
            "--size",
            "3",
            "--seed",
            "s",
            "--format",
            "csv",
        ])
        .output()
        .expect("runs");
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(csv.starts_with("rank,key,change_id,"), "{csv}");
    assert_eq!(csv.lines().count(), 4);
    // A bad sampling input is named by its flag and value, and the problem says what to give.
    for (args, said) in [
        (
            &["--confidence", "40", "--tolerable", "10", "--expected", "0"][..],
            "--confidence 40: give a percentage from 50",
        ),
        (
            &[
                "--confidence",
                "95",
                "--tolerable",
                "10",
                "--expected",
                "12",
            ][..],
            "--expected 12: the expected deviation rate must be below the tolerable rate (10)",
        ),
        (
            &["--frequency", "0"][..],
            "--frequency 0: a control that never operates has no sample",
        ),
        (
            &["--frequency", "hourly"][..],
            "--frequency hourly: the sample size table has no size for this frequency",
        ),
        (
            &["--where", "no_such_column = 1", "--size", "3"][..],
            "--where no_such_column = 1: ",
        ),
    ] {
        fieldproof(d)
            .args(["sample", "--dataset", "changes", "--seed", "s"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(said));
    }
}

#[test]
fn users_add_tests_as_files_in_the_same_format() {
    let dir = workspace_with_data();
    let d = dir.path();
    let tests = d.join(".fieldproof/tests");
    std::fs::create_dir_all(&tests).expect("mkdir");
    std::fs::write(
        tests.join("ac-session-length.toml"),
        r#"[test]
id = "ac-session-length"
title = "Sessions end within the allowed length"
description = "Every access session ends within the allowed number of hours after it starts."
controls = ["FP-RS-01"]
datasets = ["access_sessions"]
severity = "medium"
exception = "A session longer than allowed."
key = ["session_id"]

[parameters]
max_hours = { default = 1, doc = "Longest a session may last, in hours" }

[sql]
population = "SELECT session_id FROM access_sessions WHERE ended_at IS NOT NULL"
exceptions = """
SELECT session_id, started_at, ended_at FROM access_sessions
WHERE ended_at > started_at + INTERVAL '{max_hours} hours'
"""
"#,
    )
    .expect("write");
    let listed = json(d, &["test", "--list", "--format", "json"]);
    let mine = listed["tests"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|t| t["definition"]["id"] == "ac-session-length")
        })
        .expect("listed");
    assert!(mine["origin"]
        .as_str()
        .unwrap_or_default()
        .ends_with("ac-session-length.toml"));
    let run = json(
        d,
        &["test", "--only", "ac-session-length", "--format", "json"],
    );
    let r = &run["results"][0];
    assert_eq!(r["outcome"], "fail", "{r}");
    assert!(r["population"].as_u64().unwrap_or(0) > 0);
    assert_eq!(
        r["exceptions"], r["population"],
        "every generated session lasts two hours or more"
    );
    let relaxed = json(
        d,
        &[
            "test",
            "--only",
            "ac-session-length",
            "--param",
            "max_hours=7",
            "--format",
            "json",
        ],
    );
    // Every generated session lasts two hours but one, kept open six hours past its approval.
    assert_eq!(relaxed["results"][0]["outcome"], "pass");
    fieldproof(d)
        .args([
            "test",
            "--only",
            "ac-session-length",
            "--param",
            "max_hours=abc",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a number"));
    fieldproof(d)
        .args([
            "test",
            "--only",
            "ac-session-length",
            "--param",
            "max_minutes=5",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--param max_minutes: test ac-session-length has no parameter of that name (it has: max_hours",
        ));
    // A broken test file is named, and nothing runs.
    std::fs::write(
        tests.join("broken.toml"),
        "[test]\nid = \"x\"\nseverity = \"urgent\"\n",
    )
    .expect("write");
    fieldproof(d)
        .args(["test"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("broken.toml"));
}

/// No CSV file the product writes holds a cell that a spreadsheet would run: exception
/// files, samples and the controls matrix, with user data beginning `=`, `+`, `-` or `@`.
#[test]
fn no_csv_cell_the_product_writes_runs_as_a_formula() {
    let dir = workspace_with_data();
    let d = dir.path();
    let generated = std::fs::read_to_string(d.join("gen/changes.csv")).expect("changes");
    let target = generated
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(1))
        .expect("a target")
        .to_string();
    write(
        d,
        "evil-changes.csv",
        &format!(
            "change_id,target,kind,requested_by,approved_by,approved_at,fat_passed,sat_passed,deployed_at\n\
             \"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",{target},config,\"+cmd|' /C calc'!A0\",,,,,2026-01-20T10:00:00Z\n\
             @SUM(1),{target},config,-2+3,,,,,2026-01-21T10:00:00Z\n"
        ),
    );
    fieldproof(d)
        .args(["ingest", "changes", "evil-changes.csv"])
        .assert()
        .success();
    let run = json(
        d,
        &[
            "test",
            "--only",
            "cm-approved-before-deploy",
            "--format",
            "json",
        ],
    );
    let csv_file = run["results"][0]["files"][0]
        .as_str()
        .expect("the exceptions CSV")
        .to_string();
    let exceptions = std::fs::read_to_string(&csv_file).expect("read");
    let sample = fieldproof(d)
        .args([
            "sample",
            "--dataset",
            "changes",
            "--size",
            "1000",
            "--seed",
            "s",
            "--format",
            "csv",
        ])
        .output()
        .expect("runs");
    let sample = String::from_utf8_lossy(&sample.stdout).into_owned();
    fieldproof(d)
        .args([
            "status",
            "set",
            "FP-GV-01",
            "--status",
            "partially_implemented",
            "--owner",
            "=HYPERLINK(\"http://evil.example\",\"owner\")",
            "--rationale",
            "@risky",
            "--due",
            "2026-06-30",
        ])
        .assert()
        .success();
    let controls = fieldproof(d)
        .args(["report", "controls", "--format", "csv"])
        .output()
        .expect("runs");
    let controls = String::from_utf8_lossy(&controls.stdout).into_owned();
    for (name, text, expect) in [
        ("exceptions", &exceptions, "'=HYPERLINK"),
        ("sample", &sample, "'@SUM(1)"),
        ("controls", &controls, "'=HYPERLINK"),
    ] {
        assert!(text.contains(expect), "{name}: {text}");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.expect("a record").iter() {
                let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!risky, "{name}: the cell {cell:?} would run as a formula");
            }
        }
    }
}

/// A dataset keyed by its own identifier (a change ticket) keeps its key across parts too: the
/// same tickets exported again are already stored, and a ticket whose approval changed since is
/// rejected with the stored row standing, so no test sees a change twice.
#[test]
fn tickets_exported_again_are_not_stored_twice() {
    let dir = workspace_with_data();
    let d = dir.path();
    let stored = std::fs::read_to_string(d.join("gen/changes.csv")).expect("read");
    let mut lines: Vec<String> = stored.lines().map(str::to_string).collect();
    // The first ticket, approved by someone else since the first export.
    assert!(lines[1].contains("change-board"), "{}", lines[1]);
    lines[1] = lines[1].replacen("change-board", "ot-owner", 1);
    lines.push(
        "CHG9999999,plc-fleet,config,engineer-3,change-board,2026-02-01T08:00:00Z,,,2026-02-02T10:00:00Z,"
            .to_string(),
    );
    write(d, "changes-again.csv", &(lines.join("\n") + "\n"));
    let ingested = json(
        d,
        &["ingest", "changes", "changes-again.csv", "--format", "json"],
    );
    let file = &ingested["files"][0];
    assert_eq!(file["rows"], 1, "only the new ticket: {file}");
    assert_eq!(file["rejected"], 1, "the changed ticket: {file}");
    assert!(file["already_stored"].as_u64().unwrap_or(0) > 10, "{file}");
}

/// Ingests a new day of telemetry (2026-02-27) into a workspace of `workspace_with_data`'s
/// shape: 39 messages never seen, one rejected without a reason, and a message accepted before
/// accepted again (a replay).
pub(super) fn ingest_next_day(d: &Path) {
    let stored = std::fs::read_to_string(d.join("gen/telemetry_ingest.jsonl")).expect("read");
    let accepted = stored
        .lines()
        .find(|l| l.contains(r#""outcome":"accepted""#))
        .expect("an accepted message");
    let mut replay: serde_json::Value = serde_json::from_str(accepted).expect("JSON");
    replay["ts"] = serde_json::Value::from("2026-02-27T11:00:00Z");
    let mut day: Vec<String> = stored
        .lines()
        .take(40)
        .enumerate()
        .map(|(i, line)| {
            let mut row: serde_json::Value = serde_json::from_str(line).expect("JSON");
            row["message_id"] = serde_json::Value::from(format!("next-day-{i}"));
            row["ts"] = serde_json::Value::from(format!("2026-02-27T10:{:02}:00Z", i % 60));
            if i == 0 {
                row["outcome"] = serde_json::Value::from("rejected");
                row["reason"] = serde_json::Value::Null;
            }
            row.to_string()
        })
        .collect();
    day.push(replay.to_string());
    write(d, "next-day.jsonl", &(day.join("\n") + "\n"));
    fieldproof(d)
        .args(["ingest", "telemetry_ingest", "next-day.jsonl"])
        .assert()
        .success();
}

/// `test --incremental` builds on kept results, and what it records is a full run's: after a
/// day's telemetry arrives, the tests declaring `incremental` over it run only over the new part,
/// the tests that read no telemetry are not run again, and a full run afterwards records nothing
/// new because every result hash is the same.
#[test]
fn an_incremental_run_records_exactly_a_full_runs_results() {
    let dir = workspace_with_data();
    let d = dir.path();
    let first = json(d, &["test", "--incremental", "--format", "json"]);
    let results = first["results"].as_array().expect("results");
    assert!(results.len() >= 15, "{first}");
    assert!(
        results.iter().all(|r| r.get("reused").is_none()),
        "nothing kept yet: {first}"
    );
    ingest_next_day(d);
    let daily = json(d, &["test", "--incremental", "--format", "json"]);
    let by_test = |run: &serde_json::Value, id: &str| -> serde_json::Value {
        run["results"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["test"] == id).cloned())
            .unwrap_or_else(|| panic!("no {id} in {run}"))
    };
    let rejects = by_test(&daily, "ti-rejects-accounted");
    assert_eq!(
        rejects["reused"],
        serde_json::json!({"dataset": "telemetry_ingest", "reused": 1, "parts": 2}),
        "{rejects}"
    );
    assert_eq!(
        rejects["exceptions"].as_u64(),
        by_test(&first, "ti-rejects-accounted")["exceptions"]
            .as_u64()
            .map(|n| n + 1),
        "the new day's rejection without a reason is found: {rejects}"
    );
    let replays = by_test(&daily, "ti-replay");
    assert_eq!(
        replays["reused"]["dataset"], "telemetry_ingest",
        "{replays}"
    );
    assert_eq!(
        replays["exceptions"].as_u64(),
        by_test(&first, "ti-replay")["exceptions"]
            .as_u64()
            .map(|n| n + 1),
        "the replay of a message stored in an earlier part is found: {replays}"
    );
    assert!(by_test(&daily, "ti-silent-gaps").get("reused").is_none());
    let changes = by_test(&daily, "cm-approved-before-deploy");
    assert_eq!(
        changes["reused"]["dataset"],
        serde_json::Value::Null,
        "{changes}"
    );
    assert_eq!(changes["duplicate"], true, "{changes}");
    let text = fieldproof(d)
        .args(["test", "--incremental"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("Incremental: "), "{text}");
    // A full run over the same parts: the same result for every test, so nothing new is recorded.
    let full = json(d, &["test", "--format", "json"]);
    for r in full["results"].as_array().expect("results") {
        let id = r["test"].as_str().expect("id");
        assert_eq!(
            r["result_sha256"],
            by_test(&daily, id)["result_sha256"],
            "{id}"
        );
        assert_eq!(r["duplicate"], true, "{id}: {r}");
    }
    // The ledger, with the incremental runs in it, verifies.
    fieldproof(d).args(["verify"]).assert().success();
}
