//! Real inventories: the bundled mappings on their samples, roll-up determinism, the
//! disagreeing-facts finding, unmapped values, and drift between two exports.

use super::{fieldproof, repo, temp};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    repo().join("examples/sources").join(format!("{name}.csv"))
}

fn json_of(dir: &Path, args: &[&str]) -> Value {
    let out = fieldproof(dir).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

#[test]
fn each_bundled_mapping_reads_its_sample_and_rolls_it_up() {
    let dir = temp();
    // (mapping, rows, components, a component and its asset count)
    for (map, rows, components, component, assets) in [
        ("netbox-devices", 16, 11, "Plant-A-PLC", 3),
        ("servicenow-cmdb-ci", 15, 10, "Plant-A-cmdb_ci_ot_plc", 3),
        (
            "defender-iot-devices",
            18,
            14,
            "Plant-A-Line-2-field_device",
            2,
        ),
    ] {
        let file = sample(map);
        let r = json_of(
            dir.path(),
            &["validate", path(&file), "--map", map, "--format", "json"],
        );
        assert_eq!(r["valid"], true, "{map}: {r}");
        assert_eq!(r["assets"], rows, "{map}");
        assert_eq!(r["components"], components, "{map}");
        let inventory = &r["inventories"][0];
        assert_eq!(inventory["rows"], rows, "{map}");
        assert_eq!(inventory["rows_left_out"], 0, "{map}");
        assert_eq!(inventory["unmapped"], serde_json::json!([]), "{map}");
        assert_eq!(inventory["mapping"], format!("bundled:{map}"));
        let scope = json_of(
            dir.path(),
            &["scope", "-e", path(&file), "--map", map, "--format", "json"],
        );
        let found = scope["components"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["id"] == component))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            found["assets"].as_array().map(Vec::len),
            Some(assets),
            "{map}: {component} in {scope}"
        );
    }
}

#[test]
fn row_order_does_not_change_the_roll_up() {
    let dir = temp();
    let text = std::fs::read_to_string(repo().join("examples/manufacturer-assets/devices.csv"))
        .expect("example");
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    lines.rotate_left(37);
    let shuffled = dir.path().join("shuffled.csv");
    std::fs::write(&shuffled, format!("{header}\n{}\n", lines.join("\n"))).expect("write");
    let original = repo().join("examples/manufacturer-assets/devices.csv");
    let scope = |file: &Path| {
        let out = fieldproof(dir.path())
            .args([
                "scope",
                "-e",
                path(file),
                "--map",
                "defender-iot-devices",
                "--format",
                "json",
            ])
            .output()
            .expect("runs");
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(scope(&original), scope(&shuffled));
    let boundary = |file: &Path| {
        fieldproof(dir.path())
            .args([
                "boundary",
                "-e",
                path(file),
                "--map",
                "defender-iot-devices",
            ])
            .output()
            .expect("runs")
            .stdout
    };
    assert_eq!(boundary(&original), boundary(&shuffled));
}

const MAP: &str = r#"
[mapping]
name = "test-plant"
source = "a test export"

[columns.id]
from = "Asset"

[columns.name]
from = "Asset"

[columns.kind]
from = "Type"
values = { "Controller" = "plc", "Panel" = "hmi" }

[columns.operated_by]
value = "us"

[columns.site]
value = "our_facility"

[columns.zone]
value = "ot"

[columns.affects_availability]
from = "Critical"

[group]
by = ["Line"]
id = "line-{Line}"
name = "Line {Line} controls"
"#;

#[test]
fn assets_that_disagree_on_a_scope_fact_are_a_finding() {
    let dir = temp();
    std::fs::write(dir.path().join("plant.toml"), MAP).expect("map");
    std::fs::write(
        dir.path().join("plant.csv"),
        "Asset,Type,Line,Critical\nplc-1,Controller,1,yes\nplc-2,Controller,1,yes\nplc-3,Controller,1,no\npanel-1,Panel,1,yes\nplc-4,Controller,2,yes\n",
    )
    .expect("csv");
    let scope = json_of(
        dir.path(),
        &[
            "scope",
            "-e",
            "plant.csv",
            "--map",
            "plant.toml",
            "--format",
            "json",
        ],
    );
    let findings: Vec<&Value> = scope["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter(|f| f["rule"] == "rolled-up-assets-disagree")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(findings.len(), 1, "{scope}");
    assert_eq!(findings[0]["component"], "line-1");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("1 would be out of scope (plc-3)"),
        "{message}"
    );
    assert!(message.contains("affects_availability"), "{message}");
    // The explanation reaches every asset and says which one stands apart.
    let out = fieldproof(dir.path())
        .args([
            "scope",
            "-e",
            "plant.csv",
            "--map",
            "plant.toml",
            "--explain",
            "line-1",
            "--assets",
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Assets (4;"), "{text}");
    assert!(
        text.contains("plc-3") && text.contains("-affects_availability  alone: out"),
        "{text}"
    );
    assert!(
        text.contains("panel-1") && text.contains("kind=hmi"),
        "{text}"
    );
}

#[test]
fn unmapped_values_are_counted_with_their_lines() {
    let dir = temp();
    let text = std::fs::read_to_string(sample("defender-iot-devices")).expect("sample");
    let text = format!(
        "{text}kiosk-1,Kiosk,Kiosk,2,Plant A,Office,39001,Acme,K1,K0001,Low,No,Authorized,Visitor kiosk,Lobby,10.40.1.90,00:1b:1b:00:09:01\n\
         kiosk-2,Kiosk,Kiosk,2,Plant A,Office,39002,Acme,K1,K0002,Low,No,Authorized,Visitor kiosk,Lobby,10.40.1.91,00:1b:1b:00:09:02\n\
         mystery,PLC,PLC,9,Plant A,Line 1,39003,Acme,X,X0001,Low,No,Authorized,Unknown level,Lobby,10.40.1.92,00:1b:1b:00:09:03\n"
    );
    std::fs::write(dir.path().join("devices.csv"), text).expect("csv");
    // Default: stop, naming every unmapped value with its rows.
    let out = fieldproof(dir.path())
        .args(["validate", "devices.csv", "--map", "defender-iot-devices"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "value 'Kiosk' of column 'Type' is not mapped to kind in 2 rows (lines 20, 21)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "value '9' of column 'Purdue level' is not mapped to zone in 1 row (lines 22)"
        ),
        "{stderr}"
    );
    // The way out names the input both front ends call `unmapped`.
    assert!(
        stderr.contains("or set `unmapped` to `report` to leave these rows out and list them"),
        "{stderr}"
    );
    // Nothing was stored by a failed apply either.
    fieldproof(dir.path()).args(["init"]).assert().success();
    fieldproof(dir.path())
        .args(["apply", "devices.csv", "--map", "defender-iot-devices"])
        .assert()
        .failure();
    let log = json_of(dir.path(), &["log", "--format", "json"]);
    assert_eq!(log["change_sets"], serde_json::json!([]));
    // report: the rows are left out and listed.
    let r = json_of(
        dir.path(),
        &[
            "validate",
            "devices.csv",
            "--map",
            "defender-iot-devices",
            "--unmapped",
            "report",
            "--format",
            "json",
        ],
    );
    let inventory = &r["inventories"][0];
    assert_eq!(inventory["rows"], 21);
    assert_eq!(inventory["assets"], 18);
    assert_eq!(inventory["rows_left_out"], 3);
    assert_eq!(inventory["unmapped"][0]["value"], "Kiosk");
    assert_eq!(inventory["unmapped"][0]["count"], 2);
    assert_eq!(
        inventory["unmapped"][0]["lines"],
        serde_json::json!([20, 21])
    );
    assert_eq!(inventory["unmapped"][1]["value"], "9");
    let out = fieldproof(dir.path())
        .args([
            "boundary",
            "-e",
            "devices.csv",
            "--map",
            "defender-iot-devices",
            "--unmapped",
            "report",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("3 rows left out")
            && stderr.contains("kind 'Kiosk' (column Type): 2 rows (lines 20, 21)"),
        "{stderr}"
    );
}

#[test]
fn a_mapping_error_names_the_mapping_file_and_line() {
    let dir = temp();
    std::fs::write(
        dir.path().join("bad.toml"),
        MAP.replace("\"Panel\" = \"hmi\"", "\"Panel\" = \"operator_panel\""),
    )
    .expect("map");
    std::fs::write(
        dir.path().join("plant.csv"),
        "Asset,Type,Line,Critical\nplc-1,Controller,1,yes\n",
    )
    .expect("csv");
    let out = fieldproof(dir.path())
        .args(["validate", "plant.csv", "--map", "bad.toml"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:12:1: field `columns.kind`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("does not say where 'kind' comes from"),
        "{stderr}"
    );
    assert!(
        stderr.contains("'operator_panel' is not a value of kind"),
        "{stderr}"
    );
    let out = fieldproof(dir.path())
        .args(["validate", "plant.csv", "--map", MAP_MISSING_COLUMN_FILE])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    std::fs::write(
        dir.path().join("renamed.toml"),
        MAP.replace("from = \"Type\"", "from = \"Device type\""),
    )
    .expect("map");
    let out = fieldproof(dir.path())
        .args(["validate", "plant.csv", "--map", "renamed.toml"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("names the column 'Device type', which is not in the header"),
        "{stderr}"
    );
    assert!(stderr.contains("Asset, Type, Line, Critical"), "{stderr}");
}

const MAP_MISSING_COLUMN_FILE: &str = "no-such-mapping";

#[test]
fn a_newer_export_shows_assets_added_removed_moved_and_scope_changes() {
    let dir = temp();
    let first = std::fs::read_to_string(sample("defender-iot-devices")).expect("sample");
    std::fs::write(dir.path().join("devices.csv"), &first).expect("csv");
    fieldproof(dir.path()).args(["init"]).assert().success();
    let r = json_of(
        dir.path(),
        &[
            "apply",
            "devices.csv",
            "--map",
            "defender-iot-devices",
            "--format",
            "json",
        ],
    );
    assert_eq!(r["added"], 14, "{r}");
    assert_eq!(
        r["assets_added"], 0,
        "assets that come with their component are told by it"
    );
    // The next export: a PLC removed from line 1 and one added to line 2, the line 2 panel
    // moved to line 1, and the line 2 drives now marked High importance.
    let second: String = first
        .lines()
        .filter(|l| !l.starts_with("capper-plc-1,"))
        .map(|l| {
            if l.starts_with("line2-hmi,") {
                l.replace(",Line 2,", ",Line 1,")
            } else if l.starts_with("line2-drive-") {
                l.replace(",Low,", ",High,")
            } else {
                l.to_string()
            }
        })
        .chain(std::iter::once(
            "filler-plc-3,PLC,PLC,1,Plant A,Line 2,30099,Siemens,S7-1516,S7X0099,High,No,Authorized,Filler controller,Packaging hall,10.20.1.19,00:1b:1b:00:00:99".to_string(),
        ))
        .map(|l| l + "\n")
        .collect();
    std::fs::write(dir.path().join("devices.csv"), second).expect("csv");
    let r = json_of(
        dir.path(),
        &[
            "apply",
            "devices.csv",
            "--map",
            "defender-iot-devices",
            "--format",
            "json",
        ],
    );
    assert_eq!(r["assets_added"], 1, "{r}");
    assert_eq!(r["assets_removed"], 1, "{r}");
    assert_eq!(r["assets_changed"], 1, "{r}");
    assert_eq!(
        r["scope_changes"],
        serde_json::json!([{"component": "Plant-A-Line-2-field_device", "before": "out", "after": "in"}])
    );
    let out = fieldproof(dir.path())
        .args(["log", "--limit", "1"])
        .output()
        .expect("runs");
    let log = String::from_utf8_lossy(&out.stdout);
    for line in [
        "added asset mdiot-30099",
        "removed asset mdiot-30002",
        "changed asset mdiot-30005 (component)",
        "changed scope_decision Plant-A-Line-2-field_device",
        "removed component Plant-A-Line-2-hmi",
    ] {
        assert!(log.contains(line), "{line} in\n{log}");
    }
}

#[test]
fn component_set_edits_one_stored_component_as_a_change_set() {
    let dir = super::temp();
    let d = dir.path();
    super::fieldproof(d).arg("init").assert().success();
    let estate = super::write(d, "estate.yaml", super::MINIMAL);
    super::fieldproof(d)
        .args(["apply", &estate])
        .assert()
        .success();
    super::fieldproof(d)
        .args([
            "component",
            "set",
            "bms",
            "--declared-scope",
            "out",
            "--owner",
            "Facilities",
            "--fact",
            "affects_availability=false",
            "--fact",
            "support_can_access_or_operate=true",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "~ component bms (declared_scope, facts, owner)",
        ));
    let log = super::json_of(super::fieldproof(d).args(["log", "--format", "json"]));
    let newest = &log["change_sets"][0];
    assert_eq!(newest["command"], "component edit", "{log}");
    assert!(newest["source"]
        .as_str()
        .unwrap_or_default()
        .contains("declared_scope=out, owner=Facilities, affects_availability=false"));
    for (args, message) in [
        (
            vec!["--declared-scope", "maybe"],
            "--declared-scope maybe: expected in, out, shared or none",
        ),
        (
            vec!["--fact", "flies=true"],
            "--fact flies=true: not a fact; the facts are:",
        ),
        (
            vec!["--fact", "managed_service"],
            "--fact managed_service: give NAME=true or NAME=false",
        ),
    ] {
        super::fieldproof(d)
            .args(["component", "set", "bms"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
    super::fieldproof(d)
        .args(["component", "set", "nope", "--owner", "x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no component 'nope'"));
    // Nothing refused was stored: the newest change set is still the edit.
    let again = super::json_of(super::fieldproof(d).args(["log", "--format", "json"]));
    assert_eq!(
        again["change_sets"].as_array().map(Vec::len),
        log["change_sets"].as_array().map(Vec::len)
    );
}
