//! Loader tests: good files load, bad files name file, line, field and what to do.

use super::*;
use fieldproof_core::{Fact, Kind, Scope};

const GOOD: &str = "\
organisation: Example Colo
service: Colocation
subservice_organisations:
  - id: cloud
    name: Cloud Co
    method: carve_out
    complementary_controls:
      - Restrict physical access to their data centers
responsibilities:
  - domain: physical_access
    customer: Keep the cage access list current.
    applies_to: [cage-a]
components:
  - id: bms-1
    name: Building management
    kind: bms
    operated_by: us
    site: our_facility
    zone: ot
    declared_scope: out
    affects_availability: true
  - id: cage-a
    name: Customer cage A network
    kind: customer_network
    operated_by: customer
    site: our_facility
    zone: it
  - id: portal
    name: Customer portal
    kind: cloud_service
    operated_by: subservice
    subservice: cloud
    site: third_party
    zone: cloud
    processes_customer_data: true
";

fn error_of(text: &str) -> String {
    parse_yaml(Path::new("estate.yaml"), text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[test]
fn loads_a_complete_estate_with_origins() {
    let loaded = parse_yaml(Path::new("estate.yaml"), GOOD).expect("loads");
    let e = &loaded.estate;
    assert_eq!(e.organisation, "Example Colo");
    assert_eq!(e.components.len(), 3);
    assert_eq!(e.components[0].kind, Kind::Bms);
    assert_eq!(e.components[0].declared_scope, Some(Scope::Out));
    assert!(e.components[0].has(Fact::AffectsAvailability));
    assert!(!e.components[0].has(Fact::ManagedService));
    assert_eq!(loaded.sources.components[1].line, 22);
    assert_eq!(
        e.subservice_organisations[0].complementary_controls.len(),
        1
    );
}

#[test]
fn malformed_yaml_names_the_line() {
    let err = error_of("organisation: X\nservice: [unclosed\ncomponents: []\n");
    assert!(err.starts_with("estate.yaml:"), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
}

#[test]
fn unknown_kind_names_line_field_and_choices() {
    let text = GOOD.replace("kind: bms", "kind: bmss");
    let err = error_of(&text);
    assert!(
        err.starts_with("estate.yaml:16:11: field `components[0].kind`: unknown variant `bmss`"),
        "{err}"
    );
    assert!(err.contains("docs/estate.md"), "{err}");
}

#[test]
fn unknown_field_is_an_error() {
    let text = GOOD.replace(
        "    affects_availability: true",
        "    affects_availabilty: true",
    );
    let err = error_of(&text);
    assert!(err.contains("components[0]"), "{err}");
    assert!(err.contains("affects_availabilty"), "{err}");
    assert!(err.contains(":21:"), "{err}");
}

#[test]
fn duplicate_id_points_at_the_second_entry() {
    let text = GOOD.replace("id: portal", "id: bms-1");
    let err = error_of(&text);
    assert_eq!(
        err,
        "estate.yaml:28:9: field `components[2].id`: duplicate component id 'bms-1' (first used by component 1); ids must be unique"
    );
}

#[test]
fn non_boolean_fact_is_an_error() {
    let text = GOOD.replace("affects_availability: true", "affects_availability: maybe");
    let err = error_of(&text);
    assert!(err.contains("expected true or false"), "{err}");
    assert!(err.contains("components[0].affects_availability"), "{err}");
}

#[test]
fn duplicate_key_is_an_error() {
    let text = GOOD.replace("    zone: ot\n", "    zone: ot\n    zone: it\n");
    let err = error_of(&text);
    assert!(err.contains("key `zone` appears twice"), "{err}");
}

#[test]
fn missing_top_level_fields_and_empty_files() {
    assert!(error_of("components: []\n").contains("organisation"));
    assert!(error_of("").contains("the file is empty"));
}

#[test]
fn inventory_rows_are_imported_and_checked_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("inventory.csv");
    std::fs::write(
        &csv,
        "id,name,kind,operated_by,site,zone,affects_availability\nplc-1,PLC,plc,us,our_facility,ot,yes\nbms-1,Dup,bms,us,our_facility,ot,no\n",
    )
    .expect("write");
    let yaml = dir.path().join("estate.yaml");
    std::fs::write(
        &yaml,
        GOOD.replace("components:\n", "inventory: [inventory.csv]\ncomponents:\n"),
    )
    .expect("write");
    let err = load(&yaml).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("inventory.csv:3"), "{err}");
    assert!(err.contains("duplicate component id 'bms-1'"), "{err}");
}

#[test]
fn unknown_extension_and_directories_are_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let txt = dir.path().join("estate.txt");
    std::fs::write(&txt, "x").expect("write");
    assert!(matches!(load(&txt), Err(LoadError::UnknownFormat { .. })));
    assert!(matches!(
        load(dir.path()),
        Err(LoadError::NotAFile { .. }) | Err(LoadError::UnknownFormat { .. })
    ));
    assert!(matches!(
        load(&dir.path().join("missing.yaml")),
        Err(LoadError::Read { .. })
    ));
}

/// Regression: a YAML file with a byte order mark was refused with an invisible "unknown
/// field", while CSV accepted the mark.
#[test]
fn regression_yaml_with_a_byte_order_mark_loads() {
    let text = format!("\u{feff}{GOOD}");
    assert!(parse_yaml(Path::new("estate.yaml"), &text).is_ok());
}

/// Regression: a NUL byte (a UTF-16 or binary file) was reported as "missing field `service`".
#[test]
fn regression_nul_byte_says_what_is_wrong() {
    let text = GOOD.replace("Colocation", "Colo\0cation");
    let err = error_of(&text);
    assert!(err.starts_with("estate.yaml:2:"), "{err}");
    assert!(err.contains("NUL byte") && err.contains("UTF-8"), "{err}");
}

/// Regression: a file with several documents (`---`) silently used the first one.
#[test]
fn regression_several_yaml_documents_are_refused() {
    let text = format!("---\n{GOOD}---\n{GOOD}");
    let err = error_of(&text);
    let line = GOOD.lines().count() + 2;
    assert!(err.starts_with(&format!("estate.yaml:{line}:1")), "{err}");
    assert!(err.contains("second YAML document"), "{err}");
    // A leading marker, a trailing one and a document end marker are fine.
    assert!(parse_yaml(
        Path::new("estate.yaml"),
        &format!("---\n{GOOD}...\n# end\n")
    )
    .is_ok());
    assert!(parse_yaml(Path::new("estate.yaml"), &format!("{GOOD}---\n")).is_ok());
}

fn csv_error(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    load(&path).err().map(|e| e.to_string()).unwrap_or_default()
}

/// Regression: CSV inventories with CRLF line endings reported errors one line early.
#[test]
fn regression_crlf_inventories_report_the_right_line() {
    let dir = tempfile::tempdir().expect("dir");
    let rows = [
        "id,name,kind,operated_by,site,zone",
        "a,A,bms,us,our_facility,ot",
        "b,B,boiler,us,our_facility,ot",
        "c,C,bms,us,our_facility,ot",
    ];
    for (name, ending) in [("lf.csv", "\n"), ("crlf.csv", "\r\n")] {
        let text: String = rows.iter().map(|r| format!("{r}{ending}")).collect();
        let err = csv_error(dir.path(), name, &text);
        assert!(err.contains(&format!("{name}:3:3")), "{name}: {err}");
    }
    // A quoted field spanning lines, then an error: still the right line.
    let text = "id,name,kind,operated_by,site,zone\r\na,\"A\r\nline two\",bms,us,our_facility,ot\r\nb,B,boiler,us,our_facility,ot\r\n";
    let err = csv_error(dir.path(), "quoted.csv", text);
    assert!(err.contains("quoted.csv:4:3"), "{err}");
    // Duplicate ids point at the second occurrence's real line.
    let text = "id,name,kind,operated_by,site,zone\r\na,A,bms,us,our_facility,ot\r\n\r\na,A2,bms,us,our_facility,ot\r\n";
    let err = csv_error(dir.path(), "dup.csv", text);
    assert!(err.contains("dup.csv:4"), "{err}");
}

/// Regression: a FIFO given as an estate blocked forever.
#[cfg(unix)]
#[test]
fn regression_non_regular_files_are_refused_before_opening() {
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("estate.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let err = load(&fifo).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.contains("named pipe (FIFO), not a regular file"),
        "{err}"
    );
    let err = load(Path::new("/dev/zero"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("character device"), "{err}");
    let err = load(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("a directory"), "{err}");
}

#[test]
fn access_paths_load_from_yaml_and_csv_and_must_resolve() {
    let text = GOOD.replace(
        "    declared_scope: out\n",
        "    declared_scope: out\n    access_via: [cage-a]\n",
    );
    let loaded = parse_yaml(Path::new("estate.yaml"), &text).expect("loads");
    assert_eq!(loaded.estate.components[0].access_via, vec!["cage-a"]);
    let err = error_of(&text.replace("access_via: [cage-a]", "access_via: [jump]"));
    assert!(
        err.contains("components[0].access_via") && err.contains("'jump'"),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("inv.csv");
    std::fs::write(
        &path,
        "id,name,kind,operated_by,site,zone,access_via\nplc,PLC,plc,us,our_facility,ot,jump; vpn\njump,Jump,remote_access_gateway,us,our_facility,dmz,\nvpn,VPN,remote_access_gateway,us,our_cloud,cloud,\n",
    )
    .expect("write");
    let loaded = load(&path).expect("loads");
    assert_eq!(loaded.estate.components[0].access_via, vec!["jump", "vpn"]);
}

#[test]
fn a_fleet_states_its_device_class_and_expected_silence() {
    let text = GOOD.replace(
        "    declared_scope: out\n",
        "    declared_scope: out\n    telemetry:\n      device_class: meter-v2\n      max_gap_hours: 30\n",
    );
    let loaded = parse_yaml(Path::new("estate.yaml"), &text).expect("loads");
    let t = loaded.estate.components[0]
        .telemetry
        .as_ref()
        .expect("telemetry");
    assert_eq!((t.device_class.as_str(), t.max_gap_hours), ("meter-v2", 30));
    for (bad, needle) in [
        ("max_gap_hours: 30", "from 1 to 8,760 hours"),
        ("device_class: meter-v2", "telemetry.device_class is empty"),
    ] {
        let broken = text.replace(
            bad,
            if bad.starts_with("max") {
                "max_gap_hours: 0"
            } else {
                "device_class: \"\""
            },
        );
        let err = error_of(&broken);
        assert!(
            err.contains("components[0].telemetry") && err.contains(needle),
            "{err}"
        );
    }
    let err = error_of(&text.replace("max_gap_hours: 30", "max_gap_hours: 30\n      every: 5"));
    assert!(err.contains("every"), "{err}");
}

#[test]
fn time_zones_are_iana_names_checked_where_they_are_written() {
    let text = GOOD
        .replace(
            "organisation: Example Colo\n",
            "organisation: Example Colo\ntime_zone: America/Chicago\n",
        )
        .replace(
            "    declared_scope: out\n",
            "    declared_scope: out\n    time_zone: Europe/Berlin\n",
        );
    let loaded = parse_yaml(Path::new("estate.yaml"), &text).expect("loads");
    assert_eq!(loaded.estate.time_zone.as_deref(), Some("America/Chicago"));
    assert_eq!(
        loaded.estate.components[0].time_zone.as_deref(),
        Some("Europe/Berlin")
    );
    let err = error_of(&text.replace("time_zone: America/Chicago", "time_zone: \"-06:00\""));
    assert!(
        err.contains("estate.yaml:2:")
            && err.contains("time_zone")
            && err.contains("not an IANA time zone"),
        "{err}"
    );
    let err = error_of(&text.replace("time_zone: Europe/Berlin", "time_zone: Europe/Berlinn"));
    assert!(
        err.contains("components[0].time_zone") && err.contains("'Europe/Berlinn'"),
        "{err}"
    );
}
