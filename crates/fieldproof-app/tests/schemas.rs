//! The published JSON Schemas (`docs/schemas/NAME.schema.json`) are the schemas of the typed
//! contracts, byte for byte: a contract change without republishing fails here. Regenerate with
//! `FIELDPROOF_BLESS=1 cargo test --workspace --test schemas` and review the diff.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas")
}

#[test]
fn published_schemas_match_the_contracts() {
    let bless = std::env::var_os("FIELDPROOF_BLESS").is_some();
    let dir = schema_dir();
    let mut names = BTreeSet::new();
    for (name, schema) in fieldproof_app::contract::schemas() {
        assert!(names.insert(name), "contract name {name} is used twice");
        let mut text = serde_json::to_string_pretty(&schema).expect("serialise schema");
        text.push('\n');
        let path = dir.join(format!("{name}.schema.json"));
        if bless {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &text).expect("bless");
            continue;
        }
        let published = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("{} is missing; run with FIELDPROOF_BLESS=1", path.display())
        });
        assert!(
            published == text,
            "{} is out of date; run with FIELDPROOF_BLESS=1 and review the diff",
            path.display()
        );
    }
    // No schema is published for a contract that no longer exists.
    for entry in std::fs::read_dir(&dir).expect("docs/schemas") {
        let file = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(name) = file.strip_suffix(".schema.json") {
            assert!(names.contains(name), "docs/schemas/{file} has no contract");
        }
    }
}

#[test]
fn every_schema_is_a_valid_json_schema() {
    for (name, schema) in fieldproof_app::contract::schemas() {
        let value = serde_json::to_value(&schema).expect("value");
        assert!(
            jsonschema::meta::is_valid(&value),
            "{name}: not a valid JSON Schema"
        );
    }
}
