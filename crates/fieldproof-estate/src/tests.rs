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
        Err(LoadError::Read { .. }) | Err(LoadError::UnknownFormat { .. })
    ));
    assert!(matches!(
        load(&dir.path().join("missing.yaml")),
        Err(LoadError::Read { .. })
    ));
}
