//! Every `--format json` output of the real binary validates against its published schema
//! (`docs/schemas/NAME.schema.json`, closed: an undocumented field fails), and every published
//! contract is exercised here at least once.

use super::{example, fieldproof, temp, write, MINIMAL};
use std::collections::BTreeSet;
use std::path::Path;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas")
        .join(format!("{name}.schema.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&value).expect("schema compiles")
}

/// Runs `args` in `dir` and validates stdout against contract `name`; returns the JSON.
pub(crate) fn check(
    dir: &Path,
    name: &str,
    args: &[&str],
    seen: &mut BTreeSet<String>,
) -> serde_json::Value {
    let out = fieldproof(dir).args(args).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not JSON ({e}):\n{text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let validator = schema(name);
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{args:?} does not match docs/schemas/{name}.schema.json:\n{}",
        errors.join("\n")
    );
    seen.insert(name.to_string());
    value
}

#[test]
fn every_json_output_validates_against_its_published_schema() {
    let mut seen = BTreeSet::new();
    let dir = temp();
    let d = dir.path();
    let manufacturer = example("manufacturer");
    let manufacturer = manufacturer.to_str().unwrap_or_default();
    let saas = example("hardware-saas");
    let saas = saas.to_str().unwrap_or_default();

    check(d, "init", &["init", "--format", "json"], &mut seen);
    check(
        d,
        "assess",
        &["assess", manufacturer, "--out", "out", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "validate",
        &["validate", saas, "--format", "json"],
        &mut seen,
    );
    let bad = write(d, "bad.yaml", &MINIMAL.replace("kind: bms", "kind: boiler"));
    let invalid = check(
        d,
        "validate",
        &["validate", &bad, "--format", "json"],
        &mut seen,
    );
    assert_eq!(invalid["valid"], false);
    check(
        d,
        "apply",
        &["apply", manufacturer, "--format", "json"],
        &mut seen,
    );
    let preview = check(
        d,
        "apply-preview",
        &["apply", saas, "--dry-run", "--format", "json"],
        &mut seen,
    );
    assert!(preview["changes"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(preview["scope_changes"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    check(d, "log", &["log", "--format", "json"], &mut seen);
    check(d, "rules", &["rules", "--format", "json"], &mut seen);
    for estate in [manufacturer, saas] {
        check(
            d,
            "scope",
            &["scope", "--estate", estate, "--format", "json"],
            &mut seen,
        );
    }
    check(
        d,
        "scope-explain",
        &[
            "scope",
            "--estate",
            saas,
            "--explain",
            "gateway-managed",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "catalog-list",
        &["catalog", "list", "--format", "json"],
        &mut seen,
    );
    for id in ["tsc2017", "CC6.1", "nist:AC-2(1)", "FP-DI-01"] {
        check(
            d,
            "catalog-show",
            &["catalog", "show", id, "--format", "json"],
            &mut seen,
        );
    }
    check(d, "controls", &["controls", "--format", "json"], &mut seen);
    check(
        d,
        "controls",
        &["controls", "--all", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "map",
        &["map", "CC6.1", "--to", "iso27001", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "map",
        &["map", "CC6.1", "--to", "62443-3-3", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "crosswalk",
        &[
            "export",
            "crosswalk",
            "tsc2017-iec62443-3-3",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(d, "coverage", &["coverage", "--format", "json"], &mut seen);
    check(
        d,
        "engagement",
        &[
            "engagement",
            "create",
            "--id",
            "soc2-2026",
            "--period",
            "2026-01-01..2026-12-31",
            "--categories",
            "availability,processing_integrity",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "engagement-list",
        &["engagement", "list", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "status-applied",
        &[
            "status",
            "set",
            "FP-PE-04",
            "--status",
            "implemented",
            "--owner",
            "Facilities manager",
            "--rationale",
            "BMS alarms page the on-call engineer",
            "--engagement",
            "soc2-2026",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "status-list",
        &[
            "status",
            "list",
            "--engagement",
            "soc2-2026",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "readiness",
        &["readiness", "--engagement", "soc2-2026", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "diff",
        &["diff", "soc2-2026", "soc2-2026", "--format", "json"],
        &mut seen,
    );
    let report = super::repo().join("examples/reports/northwind-hosting-soc2-type2.md");
    check(
        d,
        "review",
        &[
            "review",
            report.to_str().unwrap_or_default(),
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
        ],
        &mut seen,
    );
    // The supplier register: a supplier, a review recorded, its CUECs listed and answered.
    check(
        d,
        "supplier",
        &[
            "supplier",
            "add",
            "lumen",
            "--name",
            "Lumen Devices plc",
            "--criticality",
            "high",
            "--format",
            "json",
        ],
        &mut seen,
    );
    let lumen = super::repo().join("examples/reports/lumen-devices-soc2-type2.pdf");
    let recorded = check(
        d,
        "review",
        &[
            "review",
            lumen.to_str().unwrap_or_default(),
            "--supplier",
            "lumen",
            "--as-of",
            "2026-08-01",
            "--format",
            "json",
        ],
        &mut seen,
    );
    assert_eq!(recorded["recorded"]["number"], 1);
    let cuecs = check(
        d,
        "cuec-list",
        &["cuec", "list", "--format", "json"],
        &mut seen,
    );
    assert_eq!(cuecs["cuecs"].as_array().map(Vec::len), Some(4));
    check(
        d,
        "cuec-answer",
        &[
            "cuec",
            "map",
            "lumen",
            "2",
            "--control",
            "FP-CM-01",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "supplier-list",
        &["supplier", "list", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "supplier-show",
        &["supplier", "show", "lumen", "--format", "json"],
        &mut seen,
    );
    let controls = check(
        d,
        "supplier-controls",
        &["supplier", "controls", "lumen", "--format", "json"],
        &mut seen,
    );
    assert!(controls["table"]["provider"].as_u64() > Some(0));
    // Your own CUECs, from the manufacturer's responsibility matrix (the workspace's estate).
    let own = check(
        d,
        "cuec-own",
        &["cuec", "own", "--format", "json"],
        &mut seen,
    );
    let own = own["cuecs"].as_array().cloned().unwrap_or_default();
    assert!(!own.is_empty());
    assert_eq!(own[0]["id"], "CUEC-01");
    assert!(
        own.iter()
            .any(|c| c["controls"].as_array().is_some_and(|k| !k.is_empty())
                && c["criteria"].as_array().is_some_and(|k| !k.is_empty())),
        "a CUEC with the controls that rely on it: {own:?}"
    );
    #[cfg(feature = "analytics")]
    {
        let sources = super::repo().join("examples/sources");
        let aws = sources.join("aws-iot-registry-events.jsonl");
        check(
            d,
            "ingest",
            &[
                "ingest",
                "device_identity_events",
                aws.to_str().unwrap_or_default(),
                "--map",
                "aws-iot-registry-events",
                "--format",
                "json",
            ],
            &mut seen,
        );
        check(d, "datasets", &["datasets", "--format", "json"], &mut seen);
        check(
            d,
            "test-list",
            &["test", "--list", "--format", "json"],
            &mut seen,
        );
        check(d, "test", &["test", "--format", "json"], &mut seen);
        check(
            d,
            "test-sql",
            &["test", "--emit-sql", "run-sql.json", "--format", "json"],
            &mut seen,
        );
        check(
            d,
            "sample",
            &[
                "sample",
                "--dataset",
                "device_identity_events",
                "--frequency",
                "per_event",
                "--seed",
                "s",
                "--format",
                "json",
            ],
            &mut seen,
        );
        check(
            d,
            "generate",
            &[
                "generate",
                "--estate",
                manufacturer,
                "--devices",
                "5",
                "--days",
                "3",
                "--rate",
                "5",
                "-o",
                "gen",
                "--format",
                "json",
            ],
            &mut seen,
        );
    }
    write(d, "review.txt", "Q1 access review, signed");
    check(
        d,
        "evidence-add",
        &[
            "evidence",
            "add",
            "review.txt",
            "--control",
            "FP-AC-03",
            "--engagement",
            "soc2-2026",
            "--covers",
            "2026-01-01..2026-03-31",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "evidence-add",
        &[
            "evidence",
            "add",
            "--url",
            "https://wiki.example/runbooks",
            "--control",
            "FP-IR-02",
            "--engagement",
            "soc2-2026",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "evidence-log",
        &["evidence", "log", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "evidence-log",
        &[
            "evidence",
            "log",
            "--engagement",
            "soc2-2026",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(
        d,
        "evidence-show",
        &["evidence", "show", "EV-000002", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "evidence-status",
        &["evidence", "status", "--format", "json"],
        &mut seen,
    );
    let requests = check(
        d,
        "request-list",
        &["request", "list", "--format", "json"],
        &mut seen,
    );
    let first = &requests["requests"][0];
    let (control, request) = (
        first["control"].as_str().expect("a request").to_string(),
        first["request"].as_str().expect("a request").to_string(),
    );
    check(
        d,
        "request-show",
        &[
            "request", "comment", &control, &request, "--text", "seen", "--format", "json",
        ],
        &mut seen,
    );
    let shown = check(
        d,
        "request-show",
        &["request", "show", &control, &request, "--format", "json"],
        &mut seen,
    );
    assert_eq!(shown["request"]["comments"][0][2], "seen");
    check(
        d,
        "evidence-retire",
        &[
            "evidence",
            "retire",
            "EV-000003",
            "--reason",
            "wrong page",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(d, "key", &["key", "show", "--format", "json"], &mut seen);
    check(
        d,
        "key",
        &["evidence", "key", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "pack",
        &[
            "export",
            "pack",
            "--engagement",
            "soc2-2026",
            "-o",
            "pack.zip",
            "--format",
            "json",
        ],
        &mut seen,
    );
    check(d, "verify", &["verify", "--format", "json"], &mut seen);
    check(
        d,
        "verify",
        &["verify", "pack.zip", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "key-rotate",
        &["key", "rotate", "--reason", "yearly", "--format", "json"],
        &mut seen,
    );
    check(
        d,
        "backup",
        &["backup", "-o", "backup.db", "--format", "json"],
        &mut seen,
    );
    let protect = fieldproof(d)
        .env("FIELDPROOF_KEY_NEW_PASSPHRASE", "correct horse battery")
        .args(["key", "protect", "--format", "json"])
        .output()
        .expect("runs");
    assert!(protect.status.success());
    let value: serde_json::Value = serde_json::from_slice(&protect.stdout).expect("JSON");
    assert!(schema("key-protect").is_valid(&value));
    seen.insert("key-protect".to_string());
    let oscal = write(
        d,
        "baseline.json",
        include_str!("../../../../examples/oscal/site-baseline.json"),
    );
    check(
        d,
        "catalog-import",
        &["catalog", "import-oscal", &oscal, "--format", "json"],
        &mut seen,
    );
    let postgres = format!(
        "{}?workspace=contracts",
        fieldproof_store_postgres::testing::TestCluster::shared().database()
    );
    check(
        d,
        "store-migrate",
        &[
            "store",
            "migrate",
            "--from",
            "sqlite:.fieldproof/fieldproof.db",
            "--to",
            &postgres,
            "--format",
            "json",
        ],
        &mut seen,
    );
    // A server's API tokens.
    fieldproof(d)
        .args(["org", "add", "acme", "--data", "srv"])
        .assert()
        .success();
    fieldproof(d)
        .env("FIELDPROOF_PASSWORD", "correct horse battery")
        .args([
            "user",
            "add",
            "--data",
            "srv",
            "--email",
            "lead@acme.test",
            "--org",
            "acme",
            "--role",
            "owner",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args([
            "token",
            "create",
            "--data",
            "srv",
            "--email",
            "lead@acme.test",
            "--org",
            "acme",
            "--role",
            "editor",
            "--name",
            "ci",
            "--expires",
            "30d",
        ])
        .assert()
        .success();
    let tokens = check(
        d,
        "token-list",
        &[
            "token", "list", "--data", "srv", "--org", "acme", "--format", "json",
        ],
        &mut seen,
    );
    assert_eq!(tokens["tokens"][0]["effective_role"], "editor");
    assert!(tokens["tokens"][0]["expires_at"].is_string());

    let published: BTreeSet<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas"))
            .expect("docs/schemas")
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_string_lossy()
                    .strip_suffix(".schema.json")
                    .map(str::to_string)
            })
            .collect();
    let untested: Vec<&String> = published.difference(&seen).collect();
    assert!(
        untested.is_empty(),
        "contracts without a CLI check: {untested:?}"
    );
}
