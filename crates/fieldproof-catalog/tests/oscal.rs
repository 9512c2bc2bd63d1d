//! Exported OSCAL documents validate: against the official NIST OSCAL JSON schemas (vendored in
//! `tests/schemas/`), and with compliance-trestle, an independent implementation, through
//! `../shared/tools/oscal-validate` (or `scripts/oscal-validate` where that is absent).

use fieldproof_catalog::oscal::export;
use fieldproof_catalog::Catalog;
use serde_json::Value;
use std::path::{Path, PathBuf};

const AT: &str = "2026-03-01T09:00:00Z";

/// The official schemas, vendored beside this test.
fn schema(version: &str, model: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/schemas/oscal-{version}_{model}_schema.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {}: {e}", path.display()))
}

/// The trestle validator: the shared tool beside the repository when present, else the
/// project's own script (same check, installs compliance-trestle on first use).
fn trestle_validator() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/tools/oscal-validate");
    if shared.is_file() {
        shared
    } else {
        root.join("scripts/oscal-validate")
    }
}

fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid OSCAL:\n{}",
        errors.join("\n")
    );
}

/// Every document `export` can produce: the library, each framework, the mapping collection and
/// each crosswalk's own mapping collection.
fn documents(catalog: &Catalog) -> Vec<(String, Value)> {
    let mut docs = vec![(
        "fieldproof".to_string(),
        export::library_catalog(catalog, AT),
    )];
    for f in &catalog.frameworks {
        docs.push((f.id.clone(), export::framework_catalog(f, AT)));
    }
    docs.push((
        "mapping".to_string(),
        export::mapping_collection(catalog, AT),
    ));
    for crosswalk in &catalog.crosswalks {
        docs.push((
            format!("crosswalk-{}", crosswalk.header.id),
            export::crosswalk_collection(crosswalk, AT),
        ));
    }
    docs
}

#[test]
fn exports_validate_against_the_oscal_schemas() {
    let catalog = Catalog::bundled().expect("catalog");
    let catalog_schema = schema("1.1.3", "catalog");
    let mapping_schema = schema("1.2.1", "mapping");
    for (name, document) in documents(&catalog) {
        if name == "mapping" || name.starts_with("crosswalk-") {
            assert_valid(&mapping_schema, &document, &name);
        } else {
            assert_valid(&catalog_schema, &document, &name);
        }
    }
}

#[test]
fn the_schema_check_can_fail() {
    // Guards the test above: a document missing a required field must be rejected.
    let catalog = Catalog::bundled().expect("catalog");
    let mut broken = export::library_catalog(&catalog, AT);
    if let Some(metadata) = broken["catalog"]["metadata"].as_object_mut() {
        metadata.remove("last-modified");
    }
    assert!(!schema("1.1.3", "catalog").is_valid(&broken));
}

#[test]
fn exports_validate_with_compliance_trestle() {
    let tool = trestle_validator();
    assert!(tool.is_file(), "{} is missing", tool.display());
    let catalog = Catalog::bundled().expect("catalog");
    let dir = std::env::temp_dir().join(format!("fieldproof-oscal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for (name, document) in documents(&catalog) {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&document).expect("json")).expect("write");
        files.push(path);
    }
    // A document trestle must reject, so that a silently passing validator fails the test.
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"catalog": {"uuid": "not-a-uuid", "metadata": {}}}"#,
    )
    .expect("write");
    let output = std::process::Command::new(&tool)
        .args(&files)
        .output()
        .expect("oscal-validate runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "trestle rejected an export:\n{report}"
    );
    let rejected = std::process::Command::new(&tool)
        .arg(&bad)
        .output()
        .expect("oscal-validate runs");
    assert_eq!(
        rejected.status.code(),
        Some(1),
        "trestle accepted an invalid document"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
