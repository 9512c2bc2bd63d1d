//! The test library and the control library agree: every test evidences controls that exist,
//! answers evidence requests those controls make, and every control that names a test is named
//! by it (the link runs both ways, so `controls` and `test --list` never disagree).

use fieldproof_analytics::library;
use fieldproof_catalog::Catalog;
use std::collections::BTreeSet;

#[test]
fn tests_and_controls_link_both_ways() {
    let catalog = Catalog::bundled().expect("bundled catalog");
    let tests = library::load(None).expect("bundled tests");
    assert!(tests.len() >= 21, "the issue's test list has 21 tests");
    let mut problems = Vec::new();
    for t in &tests {
        let d = &t.definition;
        for c in &d.controls {
            match catalog.control(c) {
                None => problems.push(format!("{}: control {c} does not exist", d.id)),
                Some(control) if !control.tests.contains(&d.id) => problems.push(format!(
                    "{}: evidences {c}, but {c} does not list it in tests = [...]",
                    d.id
                )),
                Some(_) => {}
            }
        }
        for a in &d.answers {
            if !d.controls.contains(&a.control) {
                problems.push(format!(
                    "{}: answers {} which it does not evidence",
                    d.id, a.control
                ));
            }
            let known = catalog
                .control(&a.control)
                .is_some_and(|c| c.evidence.iter().any(|e| e.id == a.request));
            if !known {
                problems.push(format!(
                    "{}: {} has no evidence request '{}'",
                    d.id, a.control, a.request
                ));
            }
        }
    }
    let ids: BTreeSet<&str> = tests.iter().map(|t| t.definition.id.as_str()).collect();
    for control in &catalog.controls {
        for t in &control.tests {
            if !ids.contains(t.as_str()) {
                problems.push(format!(
                    "{} lists test {t}, which is not in the library",
                    control.id
                ));
            } else if !tests
                .iter()
                .any(|x| &x.definition.id == t && x.definition.controls.contains(&control.id))
            {
                problems.push(format!(
                    "{} lists test {t}, which does not evidence it",
                    control.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_dataset_has_a_test() {
    let tests = library::load(None).expect("bundled tests");
    for d in fieldproof_core::dataset::DATASETS {
        assert!(
            tests
                .iter()
                .any(|t| t.definition.datasets.iter().any(|x| x == d.name)),
            "no test reads {}",
            d.name
        );
    }
}

/// An automated procedure tells the tester what an exception row means in the test's own words:
/// when a test's definition changes, the procedure cannot keep describing the old one.
#[test]
fn automated_procedures_describe_the_test_they_run() {
    let catalog = Catalog::bundled().expect("bundled catalog");
    let tests = library::load(None).expect("bundled tests");
    let mut problems = Vec::new();
    for control in &catalog.controls {
        for p in control.procedures.iter().filter(|p| p.tests.len() == 1) {
            let Some(t) = tests.iter().find(|t| t.definition.id == p.tests[0]) else {
                continue;
            };
            let exception = t.definition.exception.trim_end_matches('.');
            let mut chars = exception.chars();
            let expected = format!(
                "no exception row ({}{})",
                chars
                    .next()
                    .map(|c| c.to_lowercase().to_string())
                    .unwrap_or_default(),
                chars.as_str()
            );
            if !p.attributes.contains(&expected) {
                problems.push(format!(
                    "{} / {}: attributes {:?} lack {expected:?}",
                    control.id, t.definition.id, p.attributes
                ));
            }
            let datasets = t.definition.datasets.join(", ");
            if !p
                .procedure
                .contains(&format!("population of {datasets} in the period"))
            {
                problems.push(format!(
                    "{} / {}: the procedure does not name the datasets the test reads ({datasets})",
                    control.id, t.definition.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
