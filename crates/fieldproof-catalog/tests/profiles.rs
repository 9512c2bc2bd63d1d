//! The profile resolver against the resolved catalogs NIST and FedRAMP publish: the same
//! controls in the same nesting and order, the same parameter settings, and the same parts and
//! properties added or removed.
//!
//! The NIST baselines are resolved against the bundled NIST SP 800-53 catalog (content 5.0.1)
//! and against NIST's own HIGH resolved catalog (content 5.1.1, which holds every control LOW
//! and MODERATE select). FedRAMP's profiles set parameters by the assessment-procedure ids
//! (`ac-01_odp.05`) that NIST added in content 5.1, so they are resolved against the 5.1.1
//! HIGH catalog, which holds every control FedRAMP LOW and LI-SaaS select.

use fieldproof_catalog::oscal::profile::{resolve, Resolved, Source};
use serde_json::Value;
use std::path::PathBuf;

fn file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/profiles")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn nist_501() -> String {
    fieldproof_catalog::load::NIST.text.to_string()
}

fn high_511() -> String {
    file("NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
}

fn resolved(profile: &str, source: &str) -> Resolved {
    let load = |_: &[String]| {
        Some(Source {
            text: source.to_string(),
            name: "NIST_SP-800-53_rev5_catalog.json".to_string(),
        })
    };
    resolve(&file(profile), profile, &load, "2026-12-03T00:00:00Z").expect(profile)
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&file(name)).expect(name)
}

/// Every control with its parent, in document order.
fn controls(catalog: &Value) -> Vec<(String, Option<String>, Value)> {
    fn walk(c: &Value, parent: Option<&str>, out: &mut Vec<(String, Option<String>, Value)>) {
        let id = c["id"].as_str().unwrap_or("").to_string();
        out.push((id.clone(), parent.map(str::to_string), c.clone()));
        for child in c["controls"].as_array().into_iter().flatten() {
            walk(child, Some(&id), out);
        }
    }
    fn group(g: &Value, out: &mut Vec<(String, Option<String>, Value)>) {
        for c in g["controls"].as_array().into_iter().flatten() {
            walk(c, None, out);
        }
        for nested in g["groups"].as_array().into_iter().flatten() {
            group(nested, out);
        }
    }
    let mut out = Vec::new();
    group(&catalog["catalog"], &mut out);
    out
}

fn structure(catalog: &Value) -> Vec<(String, Option<String>)> {
    controls(catalog)
        .into_iter()
        .map(|(id, parent, _)| (id, parent))
        .collect()
}

fn without_children(control: &Value) -> Value {
    let mut c = control.clone();
    if let Some(o) = c.as_object_mut() {
        o.remove("controls");
    }
    c
}

#[test]
fn nist_baselines_select_the_published_controls_from_the_bundled_catalog() {
    for level in ["LOW", "MODERATE", "HIGH", "PRIVACY"] {
        let r = resolved(
            &format!("NIST_SP-800-53_rev5_{level}-baseline_profile.json"),
            &nist_501(),
        );
        let want = expected(&format!(
            "NIST_SP-800-53_rev5_{level}-baseline-resolved-profile_catalog-min.json"
        ));
        assert_eq!(structure(&r.catalog), structure(&want), "{level}");
        assert!(r.warnings.is_empty(), "{level}: {:?}", r.warnings);
        let groups = |c: &Value| {
            c["catalog"]["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|g| g["id"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(groups(&r.catalog), groups(&want), "{level} families");
    }
}

#[test]
fn nist_baselines_resolved_from_the_same_content_equal_the_published_catalogs() {
    for level in ["LOW", "MODERATE"] {
        let r = resolved(
            &format!("NIST_SP-800-53_rev5_{level}-baseline_profile.json"),
            &high_511(),
        );
        let want = expected(&format!(
            "NIST_SP-800-53_rev5_{level}-baseline-resolved-profile_catalog-min.json"
        ));
        let ours = controls(&r.catalog);
        let theirs = controls(&want);
        assert_eq!(ours.len(), theirs.len(), "{level}");
        for ((id, _, a), (_, _, b)) in ours.iter().zip(&theirs) {
            assert_eq!(
                without_children(a),
                without_children(b),
                "{level}: control {id} differs from NIST's resolution"
            );
        }
    }
}

/// The FedRAMP namespace's properties of a control or part and of the parts within it, by the
/// part's id (or its name where it has none), and the part tree's ids.
fn fedramp_props(node: &Value, at: &str, out: &mut Vec<(String, Value)>) {
    for p in node["props"].as_array().into_iter().flatten() {
        if p["ns"].as_str().is_some_and(|ns| ns.contains("fedramp"))
            || p["class"].as_str().is_some_and(|c| c.contains("FedRAMP"))
        {
            out.push((at.to_string(), p.clone()));
        }
    }
    for part in node["parts"].as_array().into_iter().flatten() {
        let key = part["id"]
            .as_str()
            .or(part["name"].as_str())
            .unwrap_or("")
            .to_string();
        out.push((format!("{at}/{key}"), Value::Null));
        fedramp_props(part, &format!("{at}/{key}"), out);
    }
}

fn settings(control: &Value) -> Vec<(String, Value, Value, Value)> {
    control["params"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or("").to_string(),
                p["values"].clone(),
                p["select"].clone(),
                p["constraints"].clone(),
            )
        })
        .collect()
}

#[test]
fn fedramp_baselines_resolve_to_the_published_catalogs() {
    for level in ["LOW", "LI-SaaS"] {
        let r = resolved(
            &format!("FedRAMP_rev5_{level}-baseline_profile-min.json"),
            &high_511(),
        );
        assert!(r.warnings.is_empty(), "{level}: {:?}", r.warnings);
        let want = expected(&format!(
            "FedRAMP_rev5_{level}-baseline-resolved-profile_catalog-min.json"
        ));
        assert_eq!(structure(&r.catalog), structure(&want), "{level}");
        let mut set = 0;
        for ((id, _, a), (_, _, b)) in controls(&r.catalog).iter().zip(&controls(&want)) {
            assert_eq!(settings(a), settings(b), "{level}: parameters of {id}");
            set += settings(b)
                .iter()
                .filter(|s| !s.3.is_null() || !s.1.is_null())
                .count();
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            fedramp_props(a, id, &mut ours);
            fedramp_props(b, id, &mut theirs);
            assert_eq!(
                ours, theirs,
                "{level}: parts and FedRAMP properties of {id}"
            );
            assert_eq!(
                a["parts"].as_array().map(Vec::len),
                b["parts"].as_array().map(Vec::len),
                "{level}: {id}"
            );
        }
        assert!(
            set > 100,
            "{level}: only {set} parameters carry a FedRAMP value"
        );
    }
}

#[test]
fn resolved_catalogs_are_valid_oscal_catalogs() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/schemas/oscal-1.1.3_catalog_schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for (profile, source) in [
        (
            "NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json",
            nist_501(),
        ),
        ("FedRAMP_rev5_LI-SaaS-baseline_profile-min.json", high_511()),
    ] {
        let r = resolved(profile, &source);
        let errors: Vec<String> = validator
            .iter_errors(&r.catalog)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{profile}: {errors:?}");
    }
}
