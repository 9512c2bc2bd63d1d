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
    assert_eq!(
        count("iec62443-2-1"),
        87,
        "the asset owner programme's sub-elements"
    );
    assert_eq!(
        count("iec62443-4-1"),
        34,
        "the practices NIST SP 800-218 cites"
    );
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
        .filter(|m| m.framework == "tsc2017" && m.relationship.contains_source())
        .map(|m| m.requirement.as_str())
        .collect();
    // Coverage is judged honestly, not forced: a criterion the library only intersects is
    // reported as covered in part (`coverage`), and the loader does not push authors to
    // declare a "home" subset for it.
    let mapped: BTreeSet<&str> = c
        .controls
        .iter()
        .flat_map(|x| &x.mappings)
        .filter(|m| m.framework == "tsc2017")
        .map(|m| m.requirement.as_str())
        .collect();
    assert_eq!(mapped.len(), 61, "every TSC criterion has a mapped control");
    let in_part: Vec<&str> = mapped.difference(&covered).copied().collect();
    assert_eq!(
        in_part,
        ["CC5.1", "CC7.4", "P2.1", "P3.1", "P4.2", "P7.1"],
        "the criteria the library answers only in part"
    );
    for control in &c.controls {
        assert!(
            !control.categories.is_empty(),
            "{} implies a category",
            control.id
        );
        assert!(!control.evidence.is_empty());
        assert!(
            control.procedures.iter().any(|p| matches!(
                p.method,
                model::Method::Inspection | model::Method::Reperformance
            ) && !p.attributes.is_empty()
                && p.population.is_some()),
            "{} has a test procedure a Type II tester can work from",
            control.id
        );
        for m in &control.mappings {
            assert!(
                m.rationale.len() >= 20,
                "{} -> {}:{} says why",
                control.id,
                m.framework,
                m.requirement
            );
            assert_ne!(
                m.relationship,
                Relationship::Equal,
                "{}: a control is a process, not the same set of things as a requirement",
                control.id
            );
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
        "iec62443-2-4",
        "iec62443-4-1",
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
    // All 642 OLIR 155 pairs: 439 to Annex A controls, 203 to management system clauses; the
    // reference file's caveat travels with them.
    let olir = c.crosswalk("nist800-53r5-iso27001-2022").expect("OLIR");
    assert_eq!(olir.pairs.len(), 439);
    assert!(!olir.header.designed);
    assert!(olir.header.provenance.contains("ciso-assistant-community"));
    assert!(olir
        .header
        .provenance
        .contains("check a pair against NIST's original"));
    let clauses = c
        .crosswalk("nist800-53r5-iso27001-2022-clauses")
        .expect("OLIR");
    assert_eq!(clauses.pairs.len(), 203);
    // ISO clauses 4-10 that controls implement are mapped directly, 6.1.2 and 8.2 included.
    for clause in [
        "4.3", "5.3", "6.1.2", "6.1.3", "6.2", "7.2", "7.3", "7.4", "8.2", "9.1", "9.2.1", "9.3.1",
        "10.2",
    ] {
        assert!(
            c.controls.iter().any(|x| x
                .mappings
                .iter()
                .any(|m| m.framework == "iso27001-2022-clauses" && m.requirement == clause)),
            "ISO clause {clause} has a direct mapping"
        );
    }
}

#[test]
fn designed_crosswalks_judge_every_iec_62443_requirement() {
    let c = catalog();
    for (id, framework, count) in [
        ("tsc2017-iec62443-3-3", "iec62443-3-3", 51),
        ("tsc2017-iec62443-2-4", "iec62443-2-4", 12),
    ] {
        let crosswalk = c.crosswalk(id).expect(id);
        assert!(crosswalk.header.designed);
        let judged: BTreeSet<&str> = crosswalk.pairs.iter().map(|p| p.target.as_str()).collect();
        assert_eq!(judged.len(), count, "{id}");
        assert!(crosswalk
            .pairs
            .iter()
            .all(|p| p.rationale.as_deref().is_some_and(|r| r.len() > 20)));
        assert_eq!(
            c.designed_crosswalk(framework, "tsc2017")
                .map(|x| &x.header.id),
            Some(&crosswalk.header.id),
            "found in either direction"
        );
    }
    // The 62443-3-3 groups are the seven foundational requirements, labelled one way.
    let groups: BTreeSet<&str> = c
        .framework("iec62443-3-3")
        .expect("3-3")
        .requirements
        .iter()
        .filter_map(|r| r.group.as_deref())
        .collect();
    assert_eq!(groups.len(), 7, "{groups:?}");
}

#[test]
fn map_prefers_the_designed_crosswalk() {
    let c = catalog();
    let view = views::map(&c, "CC8.1", "iec62443-3-3", 3).expect("map");
    assert_eq!(view.crosswalk.as_deref(), Some("tsc2017-iec62443-3-3"));
    let targets: Vec<&str> = view.results.iter().map(|p| p.target.as_str()).collect();
    assert_eq!(targets, ["iec62443-3-3:SR 3.4", "iec62443-3-3:SR 7.6"]);
    assert!(view
        .results
        .iter()
        .all(|p| p.path.len() == 2 && p.rationale.is_some()));
    // CC6.1 reaches far more than the PKI requirements a pivot through controls found.
    let view = views::map(&c, "CC6.1", "iec62443-3-3", 3).expect("map");
    assert!(view.results.len() >= 15, "{}", view.results.len());
    assert!(view
        .results
        .iter()
        .any(|p| p.target == "iec62443-3-3:SR 1.1" && p.relationship == Relationship::Superset));
    assert_eq!(
        view.unrelated.len(),
        2,
        "SR 1.12 and SR 3.7 judged unrelated"
    );
    // Read backwards: SR 1.1 is a subset of CC6.1.
    let view = views::map(&c, "SR 1.1", "tsc", 3).expect("map");
    assert_eq!(view.results.len(), 1);
    assert_eq!(view.results[0].relationship, Relationship::Subset);
    // Without a designed crosswalk, map still follows controls.
    let view = views::map(&c, "CC6.1", "iso27001-2022", 3).expect("map");
    assert!(view.crosswalk.is_none());
    assert!(!view.results.is_empty());
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
fn direct_mappings_keep_their_relationship_and_rationale() {
    let c = catalog();
    let graph = Graph::of(&c);
    let start = c.resolve("FP-BR-01").expect("control");
    let paths = graph.paths(&c, &start, "iec62443-3-3", 1);
    let backup = paths
        .iter()
        .find(|p| p.target == "iec62443-3-3:SR 7.3")
        .expect("SR 7.3");
    assert_eq!(backup.relationship, Relationship::Intersects);
    assert_eq!(backup.via, "fieldproof:FP-BR-01 ∩ iec62443-3-3:SR 7.3");
    assert!(backup
        .rationale
        .as_deref()
        .is_some_and(|r| r.contains("capability")));
}

fn bad(controls: &str) -> String {
    let frameworks = [Source {
        name: "tsc.toml",
        text: include_str!("../data/frameworks/tsc2017.toml"),
    }];
    let themes = Source {
        name: "themes.toml",
        text: "[[theme]]\nid = \"access\"\ntitle = \"Access\"\nperformer = \"OT security lead\"\n",
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
procedures = [
  { method = "inspection", sample = "frequency", procedure = "P", population = "Q", attributes = ["a"], evidence = ["e"] },
]
mappings = [
  { to = "tsc2017:CC6.1", rel = "subset", why = "W" },
]
"#;

#[test]
fn bad_catalog_files_name_file_line_and_field() {
    // A dangling mapping target.
    let err = bad(&ONE.replace("tsc2017:CC6.1", "tsc2017:CC6.99"));
    assert!(err.contains("bad.toml:13:3: field `control[0].mappings[0].to`: 'CC6.99' is not a requirement of tsc2017"), "{err}");
    // An unknown field.
    let err = bad(&ONE.replace("frequency = \"quarterly\"", "frequncy = \"quarterly\""));
    assert!(err.starts_with("bad.toml:"), "{err}");
    assert!(err.contains("frequncy"), "{err}");
    // An unknown relationship.
    let err = bad(&ONE.replace("rel = \"subset\"", "rel = \"similar\""));
    assert!(err.contains("similar"), "{err}");
    // Coverage is reported, never forced: one control mapping one criterion loads.
    assert_eq!(bad(ONE), "");
    // A control that contains one requirement and is contained in another of the same
    // framework asserts that the first lies inside the second: refused, naming both.
    let err = bad(&ONE.replace(
        "{ to = \"tsc2017:CC6.1\", rel = \"subset\", why = \"W\" },",
        "{ to = \"tsc2017:CC6.1\", rel = \"subset\", why = \"W\" },\n  { to = \"tsc2017:CC6.2\", rel = \"superset\", why = \"W\" },",
    ));
    assert!(
        err.contains("bad.toml:") && err.contains("field `control[0].mappings`"),
        "{err}"
    );
    assert!(
        err.contains("FP-AC-01 is superset tsc2017:CC6.2 and subset tsc2017:CC6.1: together they assert that CC6.2 lies inside CC6.1"),
        "{err}"
    );
    // Equal counts both ways.
    let err = bad(&ONE.replace(
        "{ to = \"tsc2017:CC6.1\", rel = \"subset\", why = \"W\" },",
        "{ to = \"tsc2017:CC6.1\", rel = \"equal\", why = \"W\" },\n  { to = \"tsc2017:CC6.2\", rel = \"superset\", why = \"W\" },",
    ));
    assert!(err.contains("lies inside CC6.1"), "{err}");
    // A mapping without a rationale.
    let err = bad(&ONE.replace("why = \"W\"", "why = \" \""));
    assert!(
        err.contains(
            "field `control[0].mappings[0].why`: every mapping needs a one-line rationale"
        ),
        "{err}"
    );
    let err = bad(&ONE.replace(", why = \"W\"", ""));
    assert!(err.contains("missing field `why`"), "{err}");
    // IR 8477: a control cannot be a proper subset of two distinct criteria.
    let err = bad(&ONE.replace(
        "{ to = \"tsc2017:CC6.1\", rel = \"subset\", why = \"W\" },",
        "{ to = \"tsc2017:CC6.1\", rel = \"subset\", why = \"W\" },\n  { to = \"tsc2017:CC6.2\", rel = \"subset\", why = \"W\" },",
    ));
    assert!(
        err.contains("FP-AC-01 is subset tsc2017:CC6.1 and subset tsc2017:CC6.2"),
        "{err}"
    );
    // no_relationship belongs to designed crosswalks, not to control mappings.
    let err = bad(&ONE.replace("rel = \"subset\"", "rel = \"no_relationship\""));
    assert!(
        err.contains("mappings[0].rel`: a control maps only to what it relates to"),
        "{err}"
    );
    // Test procedures: none, inquiry only, no attributes, unknown evidence.
    let err = bad(&ONE.replace("method = \"inspection\"", "method = \"inquiry\""));
    assert!(
        err.contains("needs an inspection or reperformance procedure"),
        "{err}"
    );
    let err = bad(&ONE.replace("attributes = [\"a\"], ", ""));
    assert!(
        err.contains("procedures[0]`: an inspection or reperformance lists the attributes"),
        "{err}"
    );
    let err = bad(&ONE.replace("evidence = [\"e\"]", "evidence = [\"nope\"]"));
    assert!(
        err.contains("'nope' is not an evidence request of FP-AC-01"),
        "{err}"
    );
    let err = bad(&ONE.replace("sample = \"frequency\"", "sample = \"automated\""));
    assert!(
        err.contains("automated sampling names the automated tests"),
        "{err}"
    );
    // Items are not occurrences: a per-event control's population is sized by the items.
    let err = bad(&ONE.replace("frequency = \"quarterly\"", "frequency = \"per_event\""));
    assert!(
        err.contains("operates per event") && err.contains("use sample = \"items\""),
        "{err}"
    );
    let err = bad(&ONE.replace(
        "sample = \"frequency\"",
        "sample = \"items\", frequency = \"monthly\"",
    ));
    assert!(err.contains("only with sample = \"frequency\""), "{err}");
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

#[test]
fn designed_crosswalks_must_judge_every_requirement_once_with_a_reason() {
    let frameworks = [
        Source {
            name: "tsc.toml",
            text: include_str!("../data/frameworks/tsc2017.toml"),
        },
        Source {
            name: "2-4.toml",
            text: include_str!("../data/frameworks/iec62443-2-4.toml"),
        },
    ];
    let themes = Source {
        name: "themes.toml",
        text: "",
    };
    let crosswalk = |pairs: &str| {
        let text = format!(
            "[crosswalk]\nid = \"x\"\nsource = \"tsc2017\"\ntarget = \"iec62443-2-4\"\ndesigned = true\nprovenance = \"p\"\n{pairs}"
        );
        let sources = [Source {
            name: "cw.toml",
            text: &text,
        }];
        load(&frameworks, Vec::new(), &themes, &[], &sources)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let pair = "[[pair]]\nsource = \"CC6.6\"\ntarget = \"SP.07\"\nrel = \"intersects\"\nwhy = \"remote access\"\n";
    let err = crosswalk(pair);
    assert!(err.contains("cw.toml: field `pair`: a designed crosswalk judges every requirement of iec62443-2-4; not judged: SP.01, SP.02"), "{err}");
    let err = crosswalk(&format!("{pair}{pair}"));
    assert!(err.contains("[CC6.6, SP.07] is judged twice"), "{err}");
    let err = crosswalk(&pair.replace("remote access", " "));
    assert!(
        err.contains(
            "cw.toml:7:1: field `pair.why`: every pair of a designed crosswalk needs a rationale"
        ),
        "{err}"
    );
    let err = crosswalk(&pair.replace("SP.07", "SP.99"));
    assert!(
        err.contains(
            "[CC6.6, SP.99] names a requirement that tsc2017 or iec62443-2-4 does not have"
        ),
        "{err}"
    );
}

/// A sample of people is sized by how many there are, not by the control's annual frequency
/// (which would give one); occurrences are sized by their own frequency.
#[test]
fn item_populations_are_sized_by_items_and_occurrences_by_their_frequency() {
    let catalog = Catalog::bundled().expect("bundled");
    let procedure = |control: &str, index: usize| {
        let c = catalog.control(control).expect("control");
        c.procedures[index].planned_sample(c.frequency)
    };
    assert_eq!(
        procedure("FP-GV-01", 0),
        "sample of items: 10 % of the population, at least 3, at most 30"
    );
    assert_eq!(
        procedure("FP-AC-03", 0),
        "sample of 2, sized by the quarterly frequency"
    );
    // A continuous control's monthly reviews are sampled as monthly occurrences.
    assert_eq!(
        procedure("FP-TI-04", 1),
        "sample of 2, sized by the monthly frequency"
    );
}

/// Every control names the role that performs it (its own, else its theme's), and the
/// procedures that act on live controllers say they need a test window.
#[test]
fn every_control_names_its_performer_and_plant_disturbing_procedures_say_so() {
    let catalog = Catalog::bundled().expect("bundled");
    let blank: Vec<&str> = catalog
        .controls
        .iter()
        .filter(|c| c.performer.trim().is_empty())
        .map(|c| c.id.as_str())
        .collect();
    assert!(blank.is_empty(), "{blank:?}");
    let performer = |id: &str| catalog.control(id).expect("control").performer.clone();
    assert_eq!(performer("FP-HR-01"), "HR lead");
    assert_eq!(performer("FP-AC-03"), "OT security lead");
    let mut windows: Vec<&str> = catalog
        .controls
        .iter()
        .filter(|c| c.procedures.iter().any(|p| p.test_window))
        .map(|c| c.id.as_str())
        .collect();
    windows.sort_unstable();
    assert_eq!(windows, ["FP-AC-05", "FP-AC-06", "FP-DI-09", "FP-LM-01"]);
}
