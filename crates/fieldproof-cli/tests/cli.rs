//! End-to-end tests of the real `fieldproof` binary, each in its own temporary directory.
//!
//! Golden files live in `tests/golden/<example>/`; after an intended change to an output,
//! regenerate them with `FIELDPROOF_BLESS=1 cargo test --workspace --test cli` and review
//! the diff.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const EXAMPLES: &[&str] = &[
    "colocation-dc",
    "manufacturer",
    "hardware-saas",
    "manufacturer-assets",
];
const OUTPUTS: &[&str] = &[
    "boundary.md",
    "boundary.html",
    "responsibility.md",
    "responsibility.csv",
    "responsibility.html",
    "scope.json",
    "scope.md",
];

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name).join("estate.yaml")
}

/// The binary, run in `dir` with a pinned clock and actor and no inherited workspace.
pub(crate) fn fieldproof(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("fieldproof").expect("binary built");
    cmd.current_dir(dir)
        .env("FIELDPROOF_NOW", "2026-03-01T09:00:00Z")
        .env("FIELDPROOF_ACTOR", "test-runner")
        .env_remove("FIELDPROOF_WORKSPACE");
    cmd
}

pub(crate) fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A child process (a server, a driver, a cluster role) killed when the test ends, pass or fail.
#[cfg(feature = "analytics")]
pub(crate) struct Running(pub(crate) std::process::Child);

#[cfg(feature = "analytics")]
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The path a setup script prints (`scripts/axe`, `scripts/s3-fixture`): from the variable
/// `env` when scripts/test exported it, else by running the script, which installs what it
/// names the first time. Never skipped: a script that fails fails the test.
#[cfg(feature = "analytics")]
pub(crate) fn installed(env: &str, script: &str) -> String {
    if let Ok(path) = std::env::var(env) {
        return path;
    }
    let out = std::process::Command::new(repo().join("scripts").join(script))
        .output()
        .unwrap_or_else(|e| panic!("scripts/{script} runs: {e}"));
    assert!(
        out.status.success(),
        "scripts/{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A loopback port free now.
#[cfg(feature = "analytics")]
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The JSON a command prints, exiting 0 or 1 (1: a test failed, which is still a result).
#[cfg(feature = "analytics")]
pub(crate) fn json_result(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = fieldproof(dir).args(args).output().expect("runs");
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Generates data for `estate` with `options` into `gen/` and ingests every file.
#[cfg(feature = "analytics")]
pub(crate) fn generate_and_ingest(d: &Path, estate: &str, options: &[&str]) {
    let mut args = vec![
        "generate", "--estate", estate, "-o", "gen", "--format", "json",
    ];
    args.extend_from_slice(options);
    let generated = json_result(d, &args);
    for (dataset, file) in generated["files"].as_object().expect("files") {
        let file = format!("gen/{}", file.as_str().unwrap_or_default());
        fieldproof(d)
            .args(["ingest", dataset, &file])
            .assert()
            .success();
    }
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn examples_match_their_golden_outputs() {
    for name in EXAMPLES {
        let dir = temp();
        fieldproof(dir.path())
            .args([
                "assess",
                example(name).to_str().unwrap_or_default(),
                "--out",
                "out",
            ])
            .assert()
            .success();
        for file in OUTPUTS {
            let actual =
                std::fs::read_to_string(dir.path().join("out").join(file)).expect("output written");
            check_golden(name, file, &actual);
        }
    }
}

/// Compares `actual` with the golden file `tests/golden/EXAMPLE/FILE`, or writes it when
/// `FIELDPROOF_BLESS` is set.
pub(crate) fn check_golden(example: &str, file: &str, actual: &str) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(example)
        .join(file);
    if std::env::var_os("FIELDPROOF_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir");
        std::fs::write(&golden, actual).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with FIELDPROOF_BLESS=1",
            golden.display()
        )
    });
    assert!(
        actual == expected,
        "{example}/{file} differs from {}; if the change is intended, re-bless with FIELDPROOF_BLESS=1",
        golden.display()
    );
}

#[test]
fn outputs_are_byte_identical_across_runs_and_component_order() {
    let dir = temp();
    let original = example("manufacturer");
    // The same estate with its components in reverse order.
    let text = std::fs::read_to_string(&original).expect("read example");
    let (head, components) = text
        .split_once("components:\n")
        .expect("components section");
    let mut entries: Vec<String> = Vec::new();
    for line in components.lines() {
        if line.starts_with("  - ") {
            entries.push(String::new());
        }
        if let Some(last) = entries.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    entries.reverse();
    let reversed = dir.path().join("reversed.yaml");
    std::fs::write(
        &reversed,
        format!("{head}components:\n{}", entries.concat()),
    )
    .expect("write");

    for (input, out) in [(&original, "a"), (&original, "b"), (&reversed, "c")] {
        fieldproof(dir.path())
            .args(["assess", input.to_str().unwrap_or_default(), "--out", out])
            .assert()
            .success();
    }
    for file in OUTPUTS {
        let a = std::fs::read(dir.path().join("a").join(file)).expect("a");
        assert_eq!(
            a,
            std::fs::read(dir.path().join("b").join(file)).expect("b"),
            "{file} run twice"
        );
        assert_eq!(
            a,
            std::fs::read(dir.path().join("c").join(file)).expect("c"),
            "{file} reordered"
        );
    }
}

#[test]
fn scope_json_honours_the_cli_contract() {
    let dir = temp();
    let text = stdout_of(fieldproof(dir.path()).args([
        "scope",
        "--estate",
        example("hardware-saas").to_str().unwrap_or_default(),
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let components = json["components"].as_array().expect("components");
    assert_eq!(components.len(), 14);
    for c in components {
        for key in [
            "id",
            "scope",
            "triggers",
            "tsc_categories",
            "soc1_relevant",
            "reasons",
        ] {
            assert!(c.get(key).is_some(), "component lacks {key}: {c}");
        }
        assert!(["in", "shared", "out"].contains(&c["scope"].as_str().unwrap_or_default()));
    }
    let meter = components
        .iter()
        .find(|c| c["id"] == "meter-vm3")
        .expect("meter-vm3");
    assert_eq!(meter["scope"], "shared");
    assert_eq!(meter["reasons"][0]["rule"], "customer-operated-triggered");
    assert_eq!(meter["reasons"][0]["decisive"], true);
    for f in json["findings"].as_array().expect("findings") {
        for key in ["rule", "severity", "component", "message"] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
    }
    let ids: Vec<&str> = components.iter().filter_map(|c| c["id"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "components are listed in id order");
}

#[test]
fn fail_on_sets_exit_code_one_only_at_or_above_the_threshold() {
    let dir = temp();
    let estate = example("colocation-dc");
    let estate = estate.to_str().unwrap_or_default();
    fieldproof(dir.path())
        .args(["scope", "-e", estate, "--fail-on", "high"])
        .assert()
        .code(1);
    fieldproof(dir.path())
        .args(["scope", "-e", estate, "--fail-on", "critical"])
        .assert()
        .code(0);
    fieldproof(dir.path())
        .args(["scope", "-e", estate])
        .assert()
        .code(0);
    fieldproof(dir.path())
        .args(["scope", "-e", estate, "--fail-on", "severe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected one of: info, low, medium, high, critical",
        ));
}

#[test]
fn explain_lists_every_matching_rule_with_its_facts() {
    let dir = temp();
    let estate = example("hardware-saas");
    fieldproof(dir.path())
        .args([
            "scope",
            "-e",
            estate.to_str().unwrap_or_default(),
            "--explain",
            "gateway-managed",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "* ours-at-customer-site -> shared",
        ))
        .stdout(predicate::str::contains("operated-by-us -> in"))
        .stdout(predicate::str::contains(
            "managed_service=true (we operate it)",
        ))
        .stdout(predicate::str::contains(
            "brings into scope: issuing identities",
        ));
    fieldproof(dir.path())
        .args([
            "scope",
            "-e",
            estate.to_str().unwrap_or_default(),
            "--explain",
            "nope",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no component with id 'nope'"));
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).expect("write");
    name.to_string()
}

pub(crate) const MINIMAL: &str = "organisation: Org\nservice: Svc\ncomponents:\n  - id: bms\n    name: BMS\n    kind: bms\n    operated_by: us\n    site: our_facility\n    zone: ot\n    affects_availability: true\n";

#[test]
fn bad_input_names_file_line_and_field_and_exits_two() {
    let dir = temp();
    let cases = [
        (
            "malformed.yaml",
            "organisation: X\nservice: [oops\n",
            "malformed.yaml:",
            "invalid YAML",
        ),
        (
            "kind.yaml",
            &MINIMAL.replace("kind: bms", "kind: boiler"),
            "kind.yaml:6:11: field `components[0].kind`",
            "unknown variant `boiler`",
        ),
        (
            "dup.yaml",
            &format!(
                "{MINIMAL}{}",
                &MINIMAL[MINIMAL.find("  - id").unwrap_or(0)..]
            ),
            "dup.yaml:11:9: field `components[1].id`",
            "duplicate component id 'bms'",
        ),
        (
            "header.csv",
            "id,name,type,operated_by,site,zone\n",
            "header.csv:1:3: field `type`",
            "unknown column 'type'",
        ),
        ("empty.yaml", "", "empty.yaml", "the file is empty"),
    ];
    for (name, text, location, message) in cases {
        let file = write(dir.path(), name, text);
        for command in ["validate", "scope"] {
            let mut cmd = fieldproof(dir.path());
            if command == "validate" {
                cmd.args(["validate", &file]);
            } else {
                cmd.args(["scope", "--estate", &file]);
            }
            cmd.assert()
                .code(2)
                .stdout(predicate::str::is_empty())
                .stderr(predicate::str::contains(location).and(predicate::str::contains(message)));
        }
    }
    fieldproof(dir.path())
        .args(["validate", "missing.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "missing.yaml: cannot read the estate file",
        ));
    fieldproof(dir.path())
        .args(["validate", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("directory"));
}

#[test]
fn validate_json_lists_problems_for_scripts() {
    let dir = temp();
    let file = write(
        dir.path(),
        "kind.yaml",
        &MINIMAL.replace("kind: bms", "kind: boiler"),
    );
    let out = fieldproof(dir.path())
        .args(["validate", &file, "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["valid"], false);
    assert_eq!(json["problems"][0]["line"], 6);
    assert_eq!(json["problems"][0]["field"], "components[0].kind");
    let good = write(dir.path(), "good.yaml", MINIMAL);
    fieldproof(dir.path())
        .args(["validate", &good])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "good.yaml: valid — 1 component (1 in scope",
        ));
}

#[test]
fn csv_inventory_is_scoped_without_a_database() {
    let dir = temp();
    let file = write(
        dir.path(),
        "inventory.csv",
        "id,name,kind,operated_by,site,zone,affects_availability,device_authenticates_to_our_cloud\n\
         plc-1,Filler PLC,plc,us,our_facility,ot,yes,no\n\
         meter-1,Meter,field_device,customer,customer_site,field,no,yes\n",
    );
    let text =
        stdout_of(fieldproof(dir.path()).args(["scope", "--estate", &file, "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(json["components"][0]["id"], "meter-1");
    assert_eq!(json["components"][0]["scope"], "shared");
    assert_eq!(json["components"][1]["scope"], "in");
    assert!(
        !dir.path().join(".fieldproof").exists(),
        "no workspace is created"
    );
}

#[test]
fn workspace_story_apply_is_idempotent_audited_and_loses_nothing_on_bad_input() {
    let dir = temp();
    fieldproof(dir.path())
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains("Created a fieldproof workspace"));
    fieldproof(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));

    let estate = write(dir.path(), "estate.yaml", MINIMAL);
    fieldproof(dir.path())
        .args(["apply", &estate])
        .assert()
        .success()
        .stdout(predicate::str::contains("+ component bms"))
        .stdout(predicate::str::contains(
            "3 added, 0 changed, 0 removed (change set #1, by test-runner at 2026-03-01T09:00:00Z)",
        ));
    fieldproof(dir.path())
        .args(["apply", &estate])
        .assert()
        .success()
        .stdout(predicate::str::contains("No changes"));

    // A bad file is rejected before the store is touched.
    let bad = write(
        dir.path(),
        "bad.yaml",
        &MINIMAL.replace("zone: ot", "zone: plant"),
    );
    fieldproof(dir.path())
        .args(["apply", &bad])
        .assert()
        .code(2);

    let changed = MINIMAL.replace("    affects_availability: true\n", "    affects_availability: true\n    declared_scope: out\n")
        + "  - id: dcim\n    name: DCIM\n    kind: dcim\n    operated_by: us\n    site: our_facility\n    zone: ot\n";
    write(dir.path(), "estate.yaml", &changed);
    fieldproof(dir.path())
        .args(["apply", &estate, "--actor", "alice"])
        .assert()
        .success()
        .stdout(predicate::str::contains("~ component bms (declared_scope)"))
        .stdout(predicate::str::contains("+ component dcim"));

    // The stored estate drives scope, boundary and responsibility without --estate.
    fieldproof(dir.path())
        .args(["scope", "--fail-on", "high"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ot-availability-declared-out bms"));
    fieldproof(dir.path())
        .arg("boundary")
        .assert()
        .success()
        .stdout(predicate::str::contains("# System boundary statement: Svc"));

    let log = stdout_of(fieldproof(dir.path()).args(["log", "--format", "json"]));
    let log: serde_json::Value = serde_json::from_str(&log).expect("JSON");
    let sets = &log["change_sets"];
    assert_eq!(sets.as_array().map(Vec::len), Some(2));
    assert_eq!(sets[0]["actor"], "alice");
    assert_eq!(sets[0]["source_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(sets[1]["actor"], "test-runner");

    // Commands find the workspace from a subdirectory, and --workspace points elsewhere.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    fieldproof(&sub)
        .arg("log")
        .assert()
        .success()
        .stdout(predicate::str::contains("#2"));
    let elsewhere = temp();
    fieldproof(elsewhere.path())
        .args([
            "scope",
            "--workspace",
            dir.path().to_str().unwrap_or_default(),
        ])
        .assert()
        .success();
    fieldproof(elsewhere.path())
        .arg("scope")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no fieldproof workspace"));
}

#[test]
fn boundary_and_responsibility_write_files_in_every_format() {
    let dir = temp();
    let estate = example("colocation-dc");
    let estate = estate.to_str().unwrap_or_default();
    for (command, format, file, needle) in [
        ("boundary", "md", "b.md", "## Out of scope"),
        (
            "boundary",
            "html",
            "b.html",
            "<h2 class=\"scope-out\">Out of scope</h2>",
        ),
        ("responsibility", "md", "r.md", "CUEC-01"),
        (
            "responsibility",
            "csv",
            "r.csv",
            "domain,title,vendor,customer,components,basis,stated",
        ),
        (
            "responsibility",
            "html",
            "r.html",
            "<h2>Complementary subservice organisation controls (CSOCs)</h2>",
        ),
    ] {
        fieldproof(dir.path())
            .args([command, "-e", estate, "--format", format, "-o", file])
            .assert()
            .success()
            .stdout(predicate::str::is_empty());
        let text = std::fs::read_to_string(dir.path().join(file)).expect("written");
        assert!(text.contains(needle), "{command} {format} lacks {needle}");
    }
}

#[test]
fn rules_lists_the_tables() {
    let dir = temp();
    fieldproof(dir.path())
        .arg("rules")
        .assert()
        .success()
        .stdout(predicate::str::contains("carved-out-subservice"))
        .stdout(predicate::str::contains(
            "device-without-shared-responsibility",
        ));
}

pub(crate) fn json_of(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn catalog_list_counts_every_framework() {
    let dir = temp();
    let json = json_of(fieldproof(dir.path()).args(["catalog", "list", "--format", "json"]));
    let count = |id: &str| {
        json["frameworks"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["id"] == id))
            .map(|x| x["requirements"].as_u64().unwrap_or_default())
            .unwrap_or_default()
    };
    assert_eq!(
        (
            count("tsc2017"),
            count("iso27001-2022"),
            count("nist800-53r5"),
            count("iec62443-3-3"),
            count("iec62443-2-4")
        ),
        (61, 93, 1189, 51, 12)
    );
    assert_eq!((count("nis2-art21"), count("pci-dss-4.0.1-req9")), (10, 32));
    assert!(count("soc1-ot") >= 10);
    assert!(
        json["control_library"]["controls"]
            .as_u64()
            .unwrap_or_default()
            >= 60
    );
}

#[test]
fn catalog_show_explains_requirements_and_controls() {
    let dir = temp();
    fieldproof(dir.path())
        .args(["catalog", "show", "nist:AC-2(1)"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "NIST 800-53 AC-2(1): Automated System Account Management",
        ))
        .stdout(predicate::str::contains(
            "Support the management of system accounts",
        ));
    fieldproof(dir.path())
        .args(["catalog", "show", "CC6.4"])
        .assert()
        .success()
        .stdout(predicate::str::contains("superset   fieldproof:FP-PE-01"));
    fieldproof(dir.path())
        .args(["catalog", "show", "FP-DI-01"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Applies to: trigger device_identity",
        ))
        .stdout(predicate::str::contains(
            "subset     nist800-53r5:ia-3 (strength 9)",
        ));
    fieldproof(dir.path())
        .args(["catalog", "show", "5.1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "ambiguous: iso27001-2022:5.1, iso27001-2022-clauses:5.1",
        ));
}

#[test]
fn map_reports_relationship_and_path() {
    let dir = temp();
    let json = json_of(
        fieldproof(dir.path()).args(["map", "CC6.1", "--to", "iso27001", "--format", "json"]),
    );
    let results = json["results"].as_array().expect("results");
    let direct = results
        .iter()
        .find(|r| r["target"] == "iso27001-2022:5.17")
        .expect("5.17");
    assert_eq!(direct["path"][1], "fieldproof:FP-AC-06");
    assert_eq!(direct["relationship"], "intersects");
    assert!(
        results
            .iter()
            .any(|r| r["path"].as_array().is_some_and(|p| p.len() == 4)),
        "a NIST pivot path"
    );
    let one_hop = json_of(fieldproof(dir.path()).args([
        "map",
        "FP-BR-01",
        "--to",
        "62443-3-3",
        "--format",
        "json",
    ]));
    let backup = one_hop["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["target"] == "iec62443-3-3:SR 7.3"))
        .expect("SR 7.3");
    assert_eq!(
        backup["relationship"], "intersects",
        "a process is not equal to a capability"
    );
    assert!(backup["rationale"]
        .as_str()
        .is_some_and(|r| r.contains("capability")));
    // TSC to IEC 62443-3-3 is answered by the designed crosswalk, with a rationale per pair,
    // and lists what it judged unrelated.
    let designed = json_of(fieldproof(dir.path()).args([
        "map",
        "CC6.1",
        "--to",
        "62443-3-3",
        "--format",
        "json",
    ]));
    assert_eq!(designed["crosswalk"], "tsc2017-iec62443-3-3");
    assert!(designed["results"]
        .as_array()
        .is_some_and(|r| r.len() >= 15));
    assert_eq!(designed["unrelated"][0]["target"], "iec62443-3-3:SR 1.12");
    fieldproof(dir.path())
        .args(["map", "CC8.1", "--to", "62443-3-3"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "From the designed crosswalk tsc2017-iec62443-3-3",
        ))
        .stdout(predicate::str::contains("iec62443-3-3:SR 7.6"))
        .stdout(predicate::str::contains(
            "why: Changes to security settings",
        ));
    // The crosswalk exports as CSV and as an OSCAL mapping collection.
    fieldproof(dir.path())
        .args(["export", "crosswalk", "tsc2017-iec62443-2-4"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "crosswalk,source_framework,source,target_framework,target,relationship,ir8477_relationship,rationale\n",
        ))
        .stdout(predicate::str::contains(
            "tsc2017-iec62443-2-4,tsc2017,CC8.1,iec62443-2-4,SP.05,intersects,intersects-with,",
        ));
    let oscal = json_of(fieldproof(dir.path()).args([
        "export",
        "crosswalk",
        "tsc2017-iec62443-3-3",
        "--format",
        "oscal",
    ]));
    let maps = oscal["mapping-collection"]["mappings"][0]["maps"]
        .as_array()
        .expect("maps");
    // 51 requirements judged; some against several criteria (76 pairs).
    assert_eq!(maps.len(), 76);
    assert!(maps.iter().any(|m| m["relationship"] == "no-relationship"));
    assert!(maps.iter().all(|m| m["remarks"].is_string()));
    fieldproof(dir.path())
        .args(["export", "crosswalk", "tsc-to-cobit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no crosswalk 'tsc-to-cobit'; the crosswalks are: nist800-53r5-iso27001-2022,",
        ));
    fieldproof(dir.path())
        .args(["map", "CC6.1", "--to", "cobit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown framework 'cobit'"));
}

#[test]
fn controls_and_coverage_follow_the_estate() {
    let dir = temp();
    let estate = example("hardware-saas");
    let estate = estate.to_str().unwrap_or_default();
    let json = json_of(fieldproof(dir.path()).args(["controls", "-e", estate, "--format", "json"]));
    let controls = json["controls"].as_array().expect("controls");
    let identity = controls
        .iter()
        .find(|c| c["id"] == "FP-DI-01")
        .expect("device identity applies");
    let components: Vec<&str> = identity["components"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(
        components.contains(&"meter-vm3") && components.contains(&"device-identity"),
        "{components:?}"
    );
    assert!(
        !components.contains(&"gateway-self"),
        "out-of-scope components never make a control applicable"
    );
    assert!(
        controls.iter().all(|c| c["id"] != "FP-PE-04"),
        "no BMS, no environmental monitoring control"
    );
    // Narrowing the categories drops controls that serve only Privacy (FP-PR-07 stays: it also
    // maps to CC7.4).
    let security = json_of(fieldproof(dir.path()).args([
        "controls",
        "-e",
        estate,
        "--categories",
        "security",
        "--format",
        "json",
    ]));
    let ids: Vec<&str> = security["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        !ids.contains(&"FP-PR-01") && ids.contains(&"FP-PR-07"),
        "{ids:?}"
    );
    let coverage =
        json_of(fieldproof(dir.path()).args(["coverage", "-e", estate, "--format", "json"]));
    assert_eq!(coverage["criteria"].as_array().map(Vec::len), Some(61));
    assert_eq!(coverage["uncovered"].as_array().map(Vec::len), Some(0));
    // A lone customer-operated device leaves most criteria uncovered: exit 1 with the flag.
    let lone = write(
        dir.path(),
        "lone.csv",
        "id,name,kind,operated_by,site,zone,device_authenticates_to_our_cloud\nm,Meter,field_device,customer,customer_site,field,yes\n",
    );
    fieldproof(dir.path())
        .args(["coverage", "-e", &lone, "--fail-on-uncovered"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("UNCOVERED"));
    fieldproof(dir.path())
        .args(["controls", "--all", "--categories", "privacy"])
        .assert()
        .success()
        .stdout(predicate::str::contains("FP-PR-09"));
}

#[test]
fn oscal_import_is_stored_listed_exported_and_audited() {
    let dir = temp();
    fieldproof(dir.path()).arg("init").assert().success();
    let nist = repo().join("crates/fieldproof-catalog/data/nist/NIST_SP-800-53_rev5_catalog.json");
    let nist = nist.to_str().unwrap_or_default();
    fieldproof(dir.path())
        .args([
            "catalog",
            "import-oscal",
            nist,
            "--id",
            "my-baseline",
            "--alias",
            "baseline",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "as 'my-baseline': 1189 requirements (182 withdrawn)",
        ));
    fieldproof(dir.path())
        .args([
            "catalog",
            "import-oscal",
            nist,
            "--id",
            "my-baseline",
            "--alias",
            "baseline",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("No changes"));
    fieldproof(dir.path())
        .args(["catalog", "show", "baseline:AC-2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Account Management"));
    let list = json_of(fieldproof(dir.path()).args(["catalog", "list", "--format", "json"]));
    assert!(list["frameworks"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x["id"] == "my-baseline"
            && x["origin"]
                .as_str()
                .unwrap_or_default()
                .starts_with("imported from"))));
    // Round trip: export the imported catalog and import that export under another id.
    fieldproof(dir.path())
        .args([
            "export",
            "oscal-catalog",
            "--framework",
            "my-baseline",
            "-o",
            "exported.json",
        ])
        .assert()
        .success();
    fieldproof(dir.path())
        .args([
            "catalog",
            "import-oscal",
            "exported.json",
            "--id",
            "round-trip",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1189 requirements (182 withdrawn)",
        ));
    let log = json_of(fieldproof(dir.path()).args(["log", "--format", "json"]));
    let log = &log["change_sets"];
    assert_eq!(log.as_array().map(Vec::len), Some(2));
    assert_eq!(log[1]["command"], "catalog import-oscal");
    // Clashing names and documents that are not catalogs are refused with a clear line.
    fieldproof(dir.path())
        .args(["catalog", "import-oscal", "exported.json", "--id", "nist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--id nist: the name is already used by framework nist800-53r5; choose another",
        ));
    let profile = write(dir.path(), "profile.json", r#"{"profile": {"uuid": "x"}}"#);
    fieldproof(dir.path())
        .args(["catalog", "import-oscal", &profile])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "profile.json: the profile has no `imports`",
        ));
    let mapping = write(dir.path(), "mapping.json", r#"{"mapping-collection": {}}"#);
    fieldproof(dir.path())
        .args(["catalog", "import-oscal", &mapping])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no top-level `catalog` object (found: mapping-collection); only OSCAL catalogs and profiles can be imported",
        ));
}

/// A FedRAMP baseline profile is resolved on import, keeps the NIST ids, and `map` reaches it
/// through NIST SP 800-53; the parameter values FedRAMP sets are shown.
#[test]
fn a_fedramp_profile_is_resolved_and_linked_to_nist() {
    let dir = temp();
    fieldproof(dir.path()).arg("init").assert().success();
    let profiles = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fieldproof-catalog/tests/profiles");
    let profile = profiles.join("FedRAMP_rev5_LI-SaaS-baseline_profile-min.json");
    let source =
        profiles.join("NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json");
    // Against the bundled 5.0.1 catalog: every control, and a hint about the parameter ids.
    let bundled = json_of(fieldproof(dir.path()).args([
        "catalog",
        "import-oscal",
        &profile.display().to_string(),
        "--id",
        "fedramp-lisaas-501",
        "--format",
        "json",
    ]));
    assert_eq!(bundled["requirements"], 156);
    assert_eq!(bundled["based_on"], "nist800-53r5");
    assert!(bundled["resolution"]["hint"]
        .as_str()
        .is_some_and(|h| h.contains("--catalog")));
    let resolved = json_of(fieldproof(dir.path()).args([
        "catalog",
        "import-oscal",
        &profile.display().to_string(),
        "--catalog",
        &source.display().to_string(),
        "--id",
        "fedramp-lisaas",
        "--format",
        "json",
    ]));
    assert_eq!(resolved["requirements"], 156);
    assert_eq!(resolved["resolution"]["parameters_set"], 156);
    assert_eq!(resolved["resolution"]["warnings"], serde_json::json!([]));
    fieldproof(dir.path())
        .args(["map", "FP-AC-01", "--to", "fedramp-lisaas"])
        .assert()
        .success()
        .stdout(predicate::str::contains("fedramp-lisaas:ia-2 "))
        .stdout(predicate::str::contains(
            "nist800-53r5:ia-2 = fedramp-lisaas:ia-2",
        ));
    fieldproof(dir.path())
        .args(["catalog", "show", "fedramp-lisaas:ac-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("set to: at least every 3 years"));
    // A profile whose catalog cannot be found says where it looked and what to do.
    let lost = write(
        dir.path(),
        "lost.json",
        r##"{"profile":{"uuid":"p","metadata":{"title":"Lost"},"imports":[{"href":"#r","include-all":{}}],"back-matter":{"resources":[{"uuid":"r","rlinks":[{"href":"https://example.org/other-catalog.json"}]}]}}}"##,
    );
    fieldproof(dir.path())
        .args(["catalog", "import-oscal", &lost])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lost.json"))
        .stderr(predicate::str::contains(
            "https://example.org/other-catalog.json",
        ))
        .stderr(predicate::str::contains("--catalog FILE"));
    let log = json_of(fieldproof(dir.path()).args(["log", "--format", "json"]));
    assert_eq!(
        log["change_sets"].as_array().map(Vec::len),
        Some(2),
        "nothing stored for the refused profile"
    );
}

#[test]
fn oscal_exports_are_deterministic_for_a_pinned_clock() {
    let dir = temp();
    for (args, file) in [
        (vec!["export", "oscal-catalog"], "a.json"),
        (vec!["export", "oscal-catalog"], "b.json"),
        (vec!["export", "oscal-mapping"], "m1.json"),
        (vec!["export", "oscal-mapping"], "m2.json"),
    ] {
        fieldproof(dir.path())
            .args(&args)
            .args(["-o", file])
            .assert()
            .success();
    }
    let read = |f: &str| std::fs::read(dir.path().join(f)).expect("written");
    assert_eq!(read("a.json"), read("b.json"));
    assert_eq!(read("m1.json"), read("m2.json"));
    let catalog: serde_json::Value = serde_json::from_slice(&read("a.json")).expect("JSON");
    assert_eq!(
        catalog["catalog"]["metadata"]["last-modified"],
        "2026-03-01T09:00:00Z"
    );
    let mapping: serde_json::Value = serde_json::from_slice(&read("m1.json")).expect("JSON");
    assert_eq!(
        mapping["mapping-collection"]["metadata"]["oscal-version"],
        "1.2.1"
    );
}

#[test]
fn regression_closed_stdout_does_not_panic() {
    let dir = temp();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fieldproof"))
        .args(["catalog", "show", "nist"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

#[cfg(feature = "analytics")]
#[path = "cli/analytics.rs"]
mod analytics;
#[cfg(feature = "analytics")]
#[path = "cli/browser.rs"]
mod browser;
#[cfg(feature = "cluster")]
#[path = "cli/cluster.rs"]
mod cluster;
#[path = "cli/contracts.rs"]
mod contracts;
#[cfg(feature = "analytics")]
#[path = "cli/deploy.rs"]
mod deploy;
#[path = "cli/evidence.rs"]
mod evidence;
#[path = "cli/inventory.rs"]
mod inventory;
#[path = "cli/legacy.rs"]
mod legacy;
#[cfg(feature = "analytics")]
#[path = "cli/postgres.rs"]
mod postgres;
#[path = "cli/project.rs"]
mod project;
#[path = "cli/readiness.rs"]
mod readiness;
#[path = "cli/readme.rs"]
mod readme;
#[path = "cli/reliability.rs"]
mod reliability;
#[path = "cli/trust.rs"]
mod trust;
