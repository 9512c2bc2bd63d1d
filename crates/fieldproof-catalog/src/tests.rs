//! Catalog tests: the counts each framework must have, no dangling reference, every TSC
//! criterion covered, resolution, mapping paths, and located errors for bad data files.

use super::*;
use crate::graph::Graph;
use crate::load::{load, Source};
use crate::model::{FrameworkKind, Relationship};
use std::collections::BTreeSet;

fn catalog() -> Catalog {
    match Catalog::bundled() {
        Ok(c) => c,
        Err(e) => panic!("bundled catalog invalid:\n{e}"),
    }
}

#[test]
fn frameworks_have_the_expected_counts() {
    let c = catalog();
    let count = |id: &str| {
        c.framework(id)
            .map(|f| f.requirements.len())
            .unwrap_or_default()
    };
    assert_eq!(count("tsc2017"), 61);
    assert_eq!(count("iso27001-2022"), 93);
    assert_eq!(count("nist800-53r5"), 1189);
    assert_eq!(count("iec62443-3-3"), 51);
    assert_eq!(count("iec62443-2-4"), 12);
    assert_eq!(count("nis2-art21"), 10);
    assert_eq!(count("pci-dss-4.0.1-req9"), 32);
    assert!(count("soc1-ot") >= 10);
    let nist = c.framework("nist").expect("alias");
    assert_eq!(
        nist.requirements.iter().filter(|r| r.withdrawn).count(),
        182
    );
    assert_eq!(
        nist.requirements
            .iter()
            .filter(|r| r.parent.is_some())
            .count(),
        1189 - 322
    );
    let ac2 = nist.requirement("AC-2(1)").expect("label lookup");
    assert_eq!(ac2.id, "ac-2.1");
    assert!(ac2
        .statement
        .as_deref()
        .unwrap_or_default()
        .contains("Support the management of system accounts"));
    assert!(!nist
        .requirement("ac-2")
        .map(|r| r.params.is_empty())
        .unwrap_or(true));
}

#[test]
fn tsc_categories_and_series_are_complete() {
    let c = catalog();
    let tsc = c.framework("tsc").expect("tsc");
    let per = |cat: fieldproof_core::TscCategory| {
        tsc.requirements
            .iter()
            .filter(|r| r.category == Some(cat))
            .count()
    };
    use fieldproof_core::TscCategory::*;
    assert_eq!(
        (
            per(Security),
            per(Availability),
            per(Confidentiality),
            per(ProcessingIntegrity),
            per(Privacy)
        ),
        (33, 3, 2, 5, 18)
    );
}

#[test]
fn control_library_is_complete_and_consistent() {
    let c = catalog();
    assert!(c.controls.len() >= 60, "{} controls", c.controls.len());
    let covered: BTreeSet<&str> = c
        .controls
        .iter()
        .flat_map(|x| &x.mappings)
        .filter(|m| m.framework == "tsc2017")
        .map(|m| m.requirement.as_str())
        .collect();
    assert_eq!(covered.len(), 61, "every TSC criterion is covered");
    for control in &c.controls {
        assert!(
            !control.categories.is_empty(),
            "{} implies a category",
            control.id
        );
        assert!(!control.evidence.is_empty());
        for m in &control.mappings {
            let node = Node::Requirement(m.framework.clone(), m.requirement.clone());
            assert!(
                c.requirement(&node).is_some(),
                "{} -> {}",
                control.id,
                node.qualified()
            );
        }
    }
    for framework in [
        "iso27001-2022",
        "nist800-53r5",
        "iec62443-3-3",
        "nis2-art21",
        "pci-dss-4.0.1-req9",
        "soc1-ot",
    ] {
        assert!(
            c.controls
                .iter()
                .any(|x| x.mappings.iter().any(|m| m.framework == framework)),
            "{framework}"
        );
    }
    let soc1 = c.framework("soc1-ot").expect("soc1");
    for objective in &soc1.requirements {
        assert!(
            c.controls.iter().any(|x| x
                .mappings
                .iter()
                .any(|m| m.framework == "soc1-ot" && m.requirement == objective.id)),
            "SOC 1 objective {} is covered",
            objective.id
        );
    }
    assert_eq!(soc1.kind, FrameworkKind::ControlObjectives);
    // All 642 OLIR 155 pairs: 439 to Annex A controls, 203 to management system clauses.
    assert_eq!(c.crosswalks[0].pairs.len(), 439);
    assert_eq!(c.crosswalks[1].pairs.len(), 203);
}

#[test]
fn references_resolve_with_or_without_a_framework() {
    let c = catalog();
    assert_eq!(
        c.resolve("CC6.1"),
        Ok(Node::Requirement("tsc2017".into(), "CC6.1".into()))
    );
    assert_eq!(
        c.resolve("tsc:cc6.1"),
        Ok(Node::Requirement("tsc2017".into(), "CC6.1".into()))
    );
    assert_eq!(
        c.resolve("nist:AC-2(1)"),
        Ok(Node::Requirement("nist800-53r5".into(), "ac-2.1".into()))
    );
    assert_eq!(c.resolve("fp-ac-01"), Ok(Node::Control("FP-AC-01".into())));
    assert_eq!(
        c.resolve("SR 1.1"),
        Ok(Node::Requirement("iec62443-3-3".into(), "SR 1.1".into()))
    );
    assert!(
        c.resolve("5.1").is_err_and(|e| e.contains("ambiguous")),
        "Annex A 5.1 and clause 5.1"
    );
    assert!(c
        .resolve("iso:5.1")
        .is_ok_and(|n| n.framework() == "iso27001-2022"));
    assert!(c.resolve("a.5.1").is_err());
    assert!(c
        .resolve("nope:1")
        .is_err_and(|e| e.contains("unknown framework")));
    assert!(c.resolve("XX9.9").is_err());
}

#[test]
fn map_follows_controls_and_the_nist_pivot() {
    let c = catalog();
    let graph = Graph::of(&c);
    let start = c.resolve("CC6.1").expect("CC6.1");
    let paths = graph.paths(&c, &start, "iso27001-2022", 3);
    assert!(!paths.is_empty());
    // Direct through a control: CC6.1 ⊃ FP-AC-01 ⊂ iso 8.5 composes to intersects.
    let via_control = paths
        .iter()
        .find(|p| p.target == "iso27001-2022:8.5")
        .expect("8.5 reached");
    assert_eq!(via_control.path.len(), 3);
    assert_eq!(via_control.relationship, Relationship::Intersects);
    // From NIST, ISO is one OLIR hop away.
    let ac2 = c.resolve("nist:ac-2").expect("ac-2");
    let olir = graph.paths(&c, &ac2, "iso27001-2022", 1);
    assert!(
        olir.iter().any(|p| p.target == "iso27001-2022:5.16"),
        "{olir:?}"
    );
    // The pivot: a TSC criterion reaching ISO through a control and NIST only.
    let pivots = graph.paths(&c, &start, "iso27001-2022", 3);
    assert!(pivots
        .iter()
        .all(|p| p.path.first().map(String::as_str) == Some("tsc2017:CC6.1")));
    // Paths are deterministic.
    assert_eq!(paths, graph.paths(&c, &start, "iso27001-2022", 3));
}

#[test]
fn equal_chains_keep_their_relationship() {
    let c = catalog();
    let graph = Graph::of(&c);
    let start = c.resolve("FP-BR-01").expect("control");
    let paths = graph.paths(&c, &start, "iec62443-3-3", 1);
    let backup = paths
        .iter()
        .find(|p| p.target == "iec62443-3-3:SR 7.3")
        .expect("SR 7.3");
    assert_eq!(backup.relationship, Relationship::Equal);
    assert_eq!(backup.via, "fieldproof:FP-BR-01 = iec62443-3-3:SR 7.3");
}

fn bad(controls: &str) -> String {
    let frameworks = [Source {
        name: "tsc.toml",
        text: include_str!("../data/frameworks/tsc2017.toml"),
    }];
    let themes = Source {
        name: "themes.toml",
        text: "[[theme]]\nid = \"access\"\ntitle = \"Access\"\n",
    };
    let controls = [Source {
        name: "bad.toml",
        text: controls,
    }];
    load(&frameworks, Vec::new(), &themes, &controls, &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

const ONE: &str = r#"[[control]]
id = "FP-AC-01"
title = "T"
theme = "access"
description = "D"
ot_guidance = "G"
frequency = "quarterly"
evidence = [{ id = "e", artifact = "A", cadence = "quarterly" }]
mappings = [
  { to = "tsc2017:CC6.1", rel = "subset" },
]
"#;

#[test]
fn bad_catalog_files_name_file_line_and_field() {
    // A dangling mapping target.
    let err = bad(&ONE.replace("tsc2017:CC6.1", "tsc2017:CC6.99"));
    assert!(err.contains("bad.toml:10:3: field `control[0].mappings[0].to`: 'CC6.99' is not a requirement of tsc2017"), "{err}");
    // An unknown field.
    let err = bad(&ONE.replace("frequency = \"quarterly\"", "frequncy = \"quarterly\""));
    assert!(err.starts_with("bad.toml:"), "{err}");
    assert!(err.contains("frequncy"), "{err}");
    // An unknown relationship.
    let err = bad(&ONE.replace("rel = \"subset\"", "rel = \"similar\""));
    assert!(err.contains("similar"), "{err}");
    // Coverage: one control cannot cover 61 criteria.
    let err = bad(ONE);
    assert!(
        err.contains("TSC criteria covered by no control: CC1.1"),
        "{err}"
    );
    // Duplicate ids and unknown themes.
    let err = bad(&format!(
        "{ONE}\n{}",
        ONE.replace("theme = \"access\"", "theme = \"nope\"")
    ));
    assert!(err.contains("duplicate control id 'FP-AC-01'"), "{err}");
    assert!(err.contains("unknown theme 'nope'"), "{err}");
}

#[test]
fn oscal_round_trip_keeps_every_nist_requirement() {
    use crate::oscal::{export, import};
    let c = catalog();
    let nist = c.framework("nist").expect("nist");
    let exported = export::framework_catalog(nist, "2026-01-01T00:00:00Z");
    let text = serde_json::to_string(&exported).expect("json");
    let names = import::ImportNames {
        id: "again".into(),
        aliases: vec![],
        short: None,
        kind: FrameworkKind::Controls,
    };
    let again = import::import(&text, names, model::FrameworkOrigin::Bundled).expect("re-import");
    assert_eq!(again.requirements.len(), nist.requirements.len());
    for (a, b) in nist.requirements.iter().zip(&again.requirements) {
        assert_eq!(
            (
                &a.id,
                &a.title,
                a.withdrawn,
                &a.parent,
                &a.statement,
                &a.params
            ),
            (
                &b.id,
                &b.title,
                b.withdrawn,
                &b.parent,
                &b.statement,
                &b.params
            )
        );
    }
}

#[test]
fn import_rejects_what_is_not_a_catalog() {
    use crate::oscal::import::{import, ImportNames};
    let names = || ImportNames {
        id: "x".into(),
        aliases: vec![],
        short: None,
        kind: FrameworkKind::Controls,
    };
    let err = import(
        "{\"profile\": {}}",
        names(),
        model::FrameworkOrigin::Bundled,
    )
    .err()
    .map(|e| e.to_string());
    assert!(err
        .unwrap_or_default()
        .contains("no top-level `catalog` object (found: profile)"));
    let err = import("{\"catalog\": ", names(), model::FrameworkOrigin::Bundled)
        .err()
        .map(|e| e.to_string());
    assert!(err
        .unwrap_or_default()
        .starts_with("not valid JSON at line 1"));
}
