//! The test library against generated data with a truth file: every test reports exactly the
//! exceptions injected into the data — no more, no fewer, none from components out of scope —
//! and on clean data every test passes. Runs the real ingestion (JSON Lines and CSV) and the
//! real engine.

use fieldproof_analytics::engine::{Engine, Part, ScopedComponent, Setup};
use fieldproof_analytics::generate::{generate, Options, Target};
use fieldproof_analytics::ingest::{ingest_file, Options as IngestOptions, Progress};
use fieldproof_analytics::library;
use fieldproof_core::control_test::Outcome;
use fieldproof_core::engagement::{Date, Period};
use fieldproof_core::{assess, dataset, Scope};
use std::collections::BTreeMap;
use std::path::Path;

fn manufacturer() -> (Vec<Target>, Vec<ScopedComponent>) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/manufacturer/estate.yaml");
    let loaded = fieldproof_estate::load(&path).expect("estate");
    let assessment = assess(&loaded.estate);
    let mut targets = Vec::new();
    let mut scoped = Vec::new();
    for (c, d) in assessment.by_id() {
        targets.push(Target::of(c, d));
        if d.scope != Scope::Out {
            scoped.push(ScopedComponent::of(c, d));
        }
    }
    (targets, scoped)
}

async fn run(
    clean: bool,
) -> (
    BTreeMap<String, Vec<Vec<String>>>,
    BTreeMap<String, (Outcome, Vec<Vec<String>>)>,
) {
    let dir = tempfile::tempdir().expect("temp");
    let (targets, scoped) = manufacturer();
    let options = Options {
        targets,
        devices: 40,
        days: 200,
        start: Date::parse("2026-01-01").expect("date"),
        rate: 24,
        seed: 7,
        clean,
    };
    let data = dir.path().join("data");
    let truth = generate(&options, &data).expect("generate");
    let parts_dir = dir.path().join("parts");
    std::fs::create_dir_all(&parts_dir).expect("dir");
    let lookups = BTreeMap::new();
    let mut parts = Vec::new();
    for (name, file) in &truth.files {
        let ds = dataset::dataset(name).expect("dataset");
        let part = ingest_file(
            &data.join(file),
            &parts_dir,
            &IngestOptions {
                dataset: ds,
                mapping: None,
                lookups: &lookups,
                threads: 2,
            },
            &Progress::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(part.rejected, 0, "{name}: {:?}", part.first_rejections);
        assert_eq!(part.rows, truth.rows[name], "{name}");
        parts.push(Part {
            dataset: name.clone(),
            evidence: format!("EV-{name}"),
            sha256: part.source.sha256.clone(),
            rows: part.rows,
            path: part.parquet.clone(),
        });
    }
    let engine = Engine::new(Setup {
        period: Period::parse(&truth.period).expect("period"),
        components: scoped,
        parts,
        spill_dir: dir.path().join("spill"),
        memory_limit: 512 << 20,
        partitions: 2,
    })
    .await
    .expect("engine");
    let mut found = BTreeMap::new();
    for test in library::load(None).expect("library") {
        let executed = engine
            .run(&test, &BTreeMap::new(), &dir.path().join("results"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut reader = csv::Reader::from_path(&executed.csv).expect("csv");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        let positions: Vec<usize> = test
            .definition
            .key
            .iter()
            .map(|k| {
                header.iter().position(|h| h == k).unwrap_or_else(|| {
                    panic!("{}: no key column {k} in {header:?}", test.definition.id)
                })
            })
            .collect();
        let mut keys: Vec<Vec<String>> = reader
            .records()
            .map(|r| {
                let r = r.expect("row");
                positions.iter().map(|p| r[*p].to_string()).collect()
            })
            .collect();
        keys.sort();
        found.insert(test.definition.id.clone(), (executed.outcome, keys));
    }
    (truth.exceptions, found)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_test_finds_exactly_the_injected_exceptions() {
    let (truth, found) = run(false).await;
    let mut problems = Vec::new();
    for (test, (outcome, keys)) in &found {
        let expected = truth.get(test).cloned().unwrap_or_default();
        if *keys != expected {
            problems.push(format!("{test}: expected {expected:?}\n    found {keys:?}"));
        }
        if expected.is_empty() && *outcome != Outcome::Pass {
            problems.push(format!("{test}: {outcome:?} without injected exceptions"));
        }
        if !expected.is_empty() && *outcome != Outcome::Fail {
            problems.push(format!("{test}: {outcome:?} with injected exceptions"));
        }
    }
    for test in truth.keys() {
        if !found.contains_key(test) {
            problems.push(format!(
                "truth names {test}, which the library does not have"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        truth.len() >= 20,
        "every test has injected exceptions: {:?}",
        truth.keys()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_data_passes_every_test() {
    let (truth, found) = run(true).await;
    assert!(truth.is_empty());
    let failing: Vec<String> = found
        .iter()
        .filter(|(_, (outcome, _))| *outcome != Outcome::Pass)
        .map(|(test, (outcome, keys))| format!("{test}: {outcome:?} {keys:?}"))
        .collect();
    assert!(failing.is_empty(), "{}", failing.join("\n"));
}
