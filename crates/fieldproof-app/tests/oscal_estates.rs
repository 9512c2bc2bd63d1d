//! OSCAL output validates for every estate the product accepts: generated estate files and CSV
//! inventories with empty or whitespace-only names, line breaks, Unicode names, empty optional
//! fields and any mix of components are recorded in a workspace, and the system security
//! plan, the assessment results and the plan of action and milestones of their readiness are
//! checked against the official OSCAL 1.1.3 JSON schemas. A value OSCAL requires that the
//! estate leaves empty is written as a visible placeholder and listed as something to complete.

use fieldproof_app::readiness::ReadinessOscal;
use fieldproof_app::{App, Config};
use fieldproof_core::engagement::EngagementRequest;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

fn validator(model: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../fieldproof-cli/tests/schemas/oscal-1.1.3_{model}_schema.json"
    ));
    let text = std::fs::read_to_string(&path).expect("the vendored OSCAL schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn validators() -> &'static [(ReadinessOscal, &'static str, jsonschema::Validator)] {
    static ALL: OnceLock<Vec<(ReadinessOscal, &'static str, jsonschema::Validator)>> =
        OnceLock::new();
    ALL.get_or_init(|| {
        vec![
            (ReadinessOscal::Ssp, "ssp", validator("ssp")),
            (
                ReadinessOscal::AssessmentResults,
                "assessment-results",
                validator("assessment-results"),
            ),
            (ReadinessOscal::Poam, "poam", validator("poam")),
        ]
    })
}

const KINDS: &[(&str, &str, &str)] = &[
    ("bms", "our_facility", "ot"),
    ("pacs", "our_facility", "ot"),
    ("scada", "our_facility", "ot"),
    ("plc", "our_facility", "ot"),
    ("cloud_service", "our_cloud", "cloud"),
    ("telemetry_ingestion", "our_cloud", "cloud"),
    ("field_device", "customer_site", "field"),
    ("identity_provider", "our_cloud", "cloud"),
];

/// A name as users type them: empty, blank, several lines, any script, quotes.
fn a_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_string()),
        Just("Line one\nline two".to_string()),
        Just("Ünïcödé 株式会社 — \"quoted\" ".to_string()),
        "[A-Za-z][A-Za-z0-9 ]{0,20}",
        "\\PC{1,12}",
    ]
}

#[derive(Debug, Clone)]
struct Component {
    kind: usize,
    name: String,
    operated_by: &'static str,
    availability: bool,
    customer_data: bool,
    description: Option<String>,
    owner: Option<String>,
}

fn a_component() -> impl Strategy<Value = Component> {
    (
        0..KINDS.len(),
        a_name(),
        prop::sample::select(vec!["us", "shared", "customer"]),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(a_name()),
        prop::option::of(a_name()),
    )
        .prop_map(
            |(kind, name, operated_by, availability, customer_data, description, owner)| {
                Component {
                    kind,
                    name,
                    operated_by,
                    availability,
                    customer_data,
                    description,
                    owner,
                }
            },
        )
}

fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a JSON string is a YAML string")
}

fn estate_file(organisation: &str, service: &str, components: &[Component]) -> String {
    let mut out = format!(
        "organisation: {}\nservice: {}\ncomponents:\n",
        yaml_string(organisation),
        yaml_string(service)
    );
    for (i, c) in components.iter().enumerate() {
        let (kind, site, zone) = KINDS[c.kind];
        out.push_str(&format!(
            "  - id: c{i}\n    name: {}\n    kind: {kind}\n    operated_by: {}\n    site: {site}\n    zone: {zone}\n    affects_availability: {}\n    processes_customer_data: {}\n",
            yaml_string(&c.name),
            c.operated_by,
            c.availability,
            c.customer_data
        ));
        if let Some(d) = &c.description {
            out.push_str(&format!("    description: {}\n", yaml_string(d)));
        }
        if let Some(o) = &c.owner {
            out.push_str(&format!("    owner: {}\n", yaml_string(o)));
        }
    }
    out
}

fn csv_cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn inventory(components: &[Component]) -> String {
    let mut out = String::from(
        "id,name,kind,operated_by,site,zone,affects_availability,processes_customer_data,owner\n",
    );
    for (i, c) in components.iter().enumerate() {
        let (kind, site, zone) = KINDS[c.kind];
        out.push_str(&format!(
            "c{i},{},{kind},{},{site},{zone},{},{},{}\n",
            csv_cell(&c.name),
            c.operated_by,
            if c.availability { "yes" } else { "" },
            if c.customer_data { "yes" } else { "" },
            csv_cell(c.owner.as_deref().unwrap_or_default())
        ));
    }
    out
}

/// Records `file` in a new workspace, creates an engagement and returns the three documents
/// with what is left to complete; `None` when the loader refuses the estate (the property is
/// about the estates the product accepts).
async fn documents(file: &str, text: &str) -> Option<(Vec<(usize, Value)>, Vec<String>)> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(file);
    std::fs::write(&path, text).expect("write");
    let app = App::new(Config {
        cwd: dir.path().to_path_buf(),
        clock: Some(std::sync::Arc::new(
            fieldproof_app::clock::FixedClock::parse("2026-03-01T09:00:00Z").expect("clock"),
        )),
        actor: Some("proptest".to_string()),
        ..Config::default()
    });
    app.init(dir.path()).await.expect("init");
    if app
        .apply(&path, &Default::default(), &mut |_, _| {})
        .await
        .is_err()
    {
        return None;
    }
    app.engagement_create(&EngagementRequest {
        id: "e1".to_string(),
        period: Some("2026-01-01..2026-12-31".to_string()),
        categories: vec!["availability".to_string(), "confidentiality".to_string()],
        ..EngagementRequest::default()
    })
    .await
    .expect("engagement");
    let basis = app.readiness(Some("e1")).await.ok()?;
    let docs = validators()
        .iter()
        .enumerate()
        .map(|(i, (which, _, _))| (i, app.render_readiness_oscal(&basis, *which)))
        .collect();
    Some((
        docs,
        fieldproof_report::oscal::to_complete(&basis.readiness),
    ))
}

fn check(docs: &[(usize, Value)], what: &str) -> Result<(), TestCaseError> {
    for (i, doc) in docs {
        let (_, model, validator) = &validators()[*i];
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .take(5)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        prop_assert!(
            errors.is_empty(),
            "{what}: the {model} is not valid OSCAL:\n{}",
            errors.join("\n")
        );
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn oscal_validates_for_generated_estate_files(
        organisation in a_name(),
        service in a_name(),
        components in prop::collection::vec(a_component(), 1..6),
    ) {
        let text = estate_file(&organisation, &service, &components);
        let Some((docs, to_complete)) = runtime().block_on(documents("estate.yaml", &text)) else {
            return Ok(());
        };
        check(&docs, &text)?;
        let named = !organisation.trim().is_empty();
        let ssp = docs[0].1.to_string();
        prop_assert_eq!(
            ssp.contains(fieldproof_report::oscal::ORGANISATION_PLACEHOLDER),
            !named
        );
        prop_assert_eq!(to_complete.iter().any(|t| t.contains("organisation")), !named);
    }

    #[test]
    fn oscal_validates_for_csv_inventories(
        components in prop::collection::vec(a_component(), 1..6),
    ) {
        let text = inventory(&components);
        let Some((docs, to_complete)) = runtime().block_on(documents("assets.csv", &text)) else {
            return Ok(());
        };
        check(&docs, &text)?;
        // A CSV inventory names no organisation and no service: both are to complete.
        prop_assert!(to_complete.iter().any(|t| t.contains("no organisation")), "{:?}", to_complete);
        prop_assert!(to_complete.iter().any(|t| t.contains("no service")), "{:?}", to_complete);
        let ar = docs[1].1.to_string();
        prop_assert!(ar.contains(fieldproof_report::oscal::ORGANISATION_PLACEHOLDER));
        prop_assert!(ar.contains("To complete before this document is shared"));
    }
}
