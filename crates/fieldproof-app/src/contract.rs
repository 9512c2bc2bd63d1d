//! The typed results of every use case (defined with their renderers in
//! [`fieldproof_report::contract`]), and [`schemas`]: every contract by name, from which the
//! published schemas under `docs/schemas/` are generated (a test fails when they drift).

pub use fieldproof_report::contract::*;
use schemars::{JsonSchema, Schema};

/// Closes every object schema that lists its properties (`additionalProperties: false`), so
/// that an output carrying a field the contract does not document fails validation.
fn closed(mut schema: Schema) -> Schema {
    fn close(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), false.into());
                }
                map.values_mut().for_each(close);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    if let Some(object) = schema.as_object_mut() {
        object.values_mut().for_each(close);
        if object.contains_key("properties") && !object.contains_key("additionalProperties") {
            object.insert("additionalProperties".into(), false.into());
        }
    }
    schema
}

/// Every contract by name, with its JSON Schema (2020-12, as serialised), closed: no undocumented field
/// validates. The names are those of the files in `docs/schemas/` (`NAME.schema.json`).
pub fn schemas() -> Vec<(&'static str, Schema)> {
    fn schema_for<T: JsonSchema>() -> Schema {
        schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<T>()
    }
    let all = vec![
        ("init", schema_for::<InitResult>()),
        ("backup", schema_for::<BackupResult>()),
        ("store-migrate", schema_for::<StoreMigration>()),
        ("assess", schema_for::<AssessResult>()),
        ("validate", schema_for::<ValidationResult>()),
        ("apply", schema_for::<ApplyResult>()),
        ("apply-preview", schema_for::<ApplyPreview>()),
        ("log", schema_for::<ChangeLogResult>()),
        ("rules", schema_for::<RulesDocument>()),
        ("scope", schema_for::<ScopeDocument<'static>>()),
        (
            "scope-explain",
            schema_for::<ComponentExplanation<'static>>(),
        ),
        ("catalog-list", schema_for::<CatalogList>()),
        ("catalog-show", schema_for::<CatalogShow>()),
        ("catalog-import", schema_for::<ImportResult>()),
        ("controls", schema_for::<ControlsView>()),
        ("map", schema_for::<MapView>()),
        ("crosswalk", schema_for::<Crosswalk>()),
        ("ingest", schema_for::<IngestResult>()),
        ("datasets", schema_for::<DatasetList>()),
        (
            "test",
            schema_for::<fieldproof_core::control_test::TestRun>(),
        ),
        ("test-list", schema_for::<TestLibrary>()),
        ("test-sql", schema_for::<SqlExport>()),
        ("sample", schema_for::<SampleResult>()),
        ("generate", schema_for::<GenerateResult>()),
        ("coverage", schema_for::<CoverageView>()),
        ("engagement", schema_for::<EngagementSaved>()),
        ("engagement-list", schema_for::<EngagementList>()),
        ("evidence-add", schema_for::<AddResult>()),
        ("evidence-retire", schema_for::<RetireResult>()),
        ("evidence-log", schema_for::<LedgerLog>()),
        ("evidence-show", schema_for::<EvidenceDetail>()),
        ("evidence-status", schema_for::<FreshnessReport>()),
        ("verify", schema_for::<Verification>()),
        ("pack", schema_for::<PackResult>()),
        ("token-list", schema_for::<TokenList>()),
        ("request-list", schema_for::<RequestList>()),
        ("request-show", schema_for::<RequestDetail>()),
        ("key", schema_for::<KeyInfo>()),
        ("key-rotate", schema_for::<KeyRotated>()),
        ("key-protect", schema_for::<KeyProtection>()),
        ("status-list", schema_for::<StatusList>()),
        ("status-applied", schema_for::<StatusApplied>()),
        ("readiness", schema_for::<fieldproof_readiness::Readiness>()),
        ("review", schema_for::<ReviewResult>()),
        ("supplier", schema_for::<SupplierSaved>()),
        ("supplier-list", schema_for::<SupplierList>()),
        ("supplier-show", schema_for::<SupplierDetail>()),
        ("supplier-controls", schema_for::<SupplierControls>()),
        (
            "cuec-own",
            schema_for::<fieldproof_catalog::views::OwnCuecs>(),
        ),
        ("cuec-list", schema_for::<CuecList>()),
        ("cuec-answer", schema_for::<CuecAnswered>()),
        (
            "diff",
            schema_for::<fieldproof_readiness::compare::Comparison>(),
        ),
    ];
    all.into_iter()
        .map(|(name, schema)| (name, closed(schema)))
        .collect()
}
