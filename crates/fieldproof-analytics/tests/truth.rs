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

/// What a run varies: clean or injected data, messages per device per day, the components'
/// telemetry expectations, and parameter overrides.
#[derive(Default)]
struct Scenario {
    clean: bool,
    rate: Option<u32>,
    /// The multiplier of the datasets that do not come from devices (default 1).
    scale: Option<u32>,
    telemetry: Vec<(String, u32)>,
    overrides: BTreeMap<String, f64>,
    /// The estate's time zone.
    time_zone: Option<String>,
}

async fn run(
    clean: bool,
) -> (
    BTreeMap<String, Vec<Vec<String>>>,
    BTreeMap<String, (Outcome, Vec<Vec<String>>)>,
) {
    run_scenario(Scenario {
        clean,
        ..Scenario::default()
    })
    .await
}

async fn run_scenario(
    scenario: Scenario,
) -> (
    BTreeMap<String, Vec<Vec<String>>>,
    BTreeMap<String, (Outcome, Vec<Vec<String>>)>,
) {
    let dir = tempfile::tempdir().expect("temp");
    let (targets, mut scoped) = manufacturer();
    // A fleet's expected silence, stated on the components (here the first two in scope).
    for (component, (class, hours)) in scoped.iter_mut().zip(&scenario.telemetry) {
        component.telemetry = Some((class.clone(), *hours));
    }
    let options = Options {
        targets,
        devices: 40,
        days: 200,
        start: Date::parse("2026-01-01").expect("date"),
        rate: scenario.rate.unwrap_or(24),
        scale: scenario.scale.unwrap_or(1),
        seed: 7,
        clean: scenario.clean,
    };
    let data = dir.path().join("data");
    let truth = generate(&options, &data).expect("generate");
    let parts_dir = dir.path().join("parts");
    std::fs::create_dir_all(&parts_dir).expect("dir");
    let mut parts = Vec::new();
    for (name, file) in &truth.files {
        let part = ingest_part(&data.join(file), name, &parts_dir);
        assert_eq!(part.rows, truth.rows[name], "{name}");
        parts.push(part);
    }
    let engine = Engine::new(Setup {
        period: Period::parse(&truth.period).expect("period"),
        time_zone: scenario.time_zone.clone(),
        components: scoped,
        parts,
        spill_dir: dir.path().join("spill"),
        memory_limit: 512 << 20,
        partitions: 2,
        cluster: None,
        cluster_parts: None,
        cache: None,
    })
    .await
    .expect("engine");
    let mut found = BTreeMap::new();
    for test in library::load(None).expect("library") {
        let executed = engine
            .run(
                &test,
                &scenario
                    .overrides
                    .iter()
                    .filter(|(k, _)| test.definition.parameters.contains_key(*k))
                    .map(|(k, v)| (k.clone(), *v))
                    .collect(),
                &dir.path().join("results"),
            )
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

/// Ingests one file of a dataset (every row must be accepted) as a part.
fn ingest_part(file: &Path, name: &str, parts_dir: &Path) -> Part {
    let ds = dataset::dataset(name).expect("dataset");
    let part = ingest_file(
        file,
        parts_dir,
        &IngestOptions {
            dataset: ds,
            mapping: None,
            lookups: &BTreeMap::new(),
            threads: 2,
        },
        &Progress::default(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(part.rejected, 0, "{name}: {:?}", part.first_rejections);
    Part {
        dataset: name.to_string(),
        evidence: format!("EV-{}", part.source.sha256),
        sha256: part.source.sha256.clone(),
        rows: part.rows,
        path: part.parquet.clone(),
    }
}

/// Every test reports exactly the exceptions the truth file lists for it, fails where there are
/// some and passes where there are none.
fn assert_exactly_the_truth(
    truth: &BTreeMap<String, Vec<Vec<String>>>,
    found: &BTreeMap<String, (Outcome, Vec<Vec<String>>)>,
) {
    let mut problems = Vec::new();
    for (test, (outcome, keys)) in found {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_test_finds_exactly_the_injected_exceptions() {
    let (truth, found) = run(false).await;
    assert_exactly_the_truth(&truth, &found);
    assert!(
        truth.len() >= 20,
        "every test has injected exceptions: {:?}",
        truth.keys()
    );
}

/// A benchmark's scale multiplies sessions, changes, batches and alarms: the tests over them see
/// more rows and still exactly the injected exceptions. At scale 40 a component has about two
/// changes a day, so a change matched by time has neighbours in its window, and batches come
/// minutes apart up to the period's end: the shape of the benchmark's scale 347 and 3,472.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaled_datasets_keep_exactly_the_injected_exceptions() {
    for scale in [3, 40] {
        let (truth, found) = run_scenario(Scenario {
            scale: Some(scale),
            ..Scenario::default()
        })
        .await;
        assert_exactly_the_truth(&truth, &found);
        assert!(
            truth["cm-observed-changes-ticketed"].len() >= 3,
            "scale {scale}: {:?}",
            truth["cm-observed-changes-ticketed"]
        );
    }
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

/// A fleet that reports once a day: its expected silence is learned from its own interval, so
/// clean data raises nothing and the injected silences (scaled to the interval) are found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_reporting_once_a_day_is_held_to_days_not_hours() {
    let clean = run_scenario(Scenario {
        clean: true,
        rate: Some(1),
        ..Scenario::default()
    })
    .await;
    let (outcome, keys) = &clean.1["ti-silent-gaps"];
    assert_eq!(*outcome, Outcome::Pass, "{keys:?}");
    let (truth, found) = run_scenario(Scenario {
        rate: Some(1),
        ..Scenario::default()
    })
    .await;
    assert_eq!(found["ti-silent-gaps"].1, truth["ti-silent-gaps"]);
    // One hour for every device instead (the old single threshold): the daily fleet raises
    // exceptions all period long, which is what learning per device avoids.
    let mut overrides = BTreeMap::new();
    overrides.insert("max_gap_hours".to_string(), 1.0);
    let (_, flat) = run_scenario(Scenario {
        clean: true,
        rate: Some(1),
        overrides,
        ..Scenario::default()
    })
    .await;
    assert!(
        flat["ti-silent-gaps"].1.len() > 100,
        "{}",
        flat["ti-silent-gaps"].1.len()
    );
}

/// A component's `telemetry.max_gap_hours` decides for its device class: with 24 hours for
/// the sensors, their injected silences of 8 to 12 hours are no exceptions, while a sensor
/// silent for the whole period or its last 40 days still is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_class_interval_stated_on_a_component_wins() {
    only_the_long_silent_sensors_are_found(&[("sensor", 24), ("meter-daily", 100)]).await;
}

/// Two components stating the same device class with different intervals: the shorter one
/// holds, and every silence is one exception, not one per component.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_class_stated_twice_is_held_to_the_shorter_interval() {
    only_the_long_silent_sensors_are_found(&[("sensor", 24), ("sensor", 2000)]).await;
}

/// Runs the library with these class intervals on the first components in scope and checks
/// that `ti-silent-gaps` finds exactly the injected silences of the two long-silent sensors.
async fn only_the_long_silent_sensors_are_found(telemetry: &[(&str, u32)]) {
    let (truth, found) = run_scenario(Scenario {
        telemetry: telemetry
            .iter()
            .map(|(class, hours)| (class.to_string(), *hours))
            .collect(),
        ..Scenario::default()
    })
    .await;
    let expected: Vec<Vec<String>> = truth["ti-silent-gaps"]
        .iter()
        .filter(|k| k[0] == "dev-000010" || k[0] == "dev-000011")
        .cloned()
        .collect();
    assert_eq!(found["ti-silent-gaps"].1, expected);
}

/// Splits a generated file into `n` files of consecutive lines (a CSV file's header repeated
/// in each), named `NAME-I.EXT`.
fn split_lines(file: &Path, name: &str, n: usize, out: &Path) -> Vec<std::path::PathBuf> {
    let text = std::fs::read_to_string(file).expect("read");
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .expect("extension");
    let mut lines: Vec<&str> = text.lines().collect();
    let header = if ext == "csv" {
        Some(lines.remove(0))
    } else {
        None
    };
    let size = lines.len().div_ceil(n).max(1);
    (0..n)
        .map(|i| {
            let chunk = lines.iter().skip(i * size).take(size);
            let mut body: String = header.map(|h| format!("{h}\n")).unwrap_or_default();
            for line in chunk {
                body.push_str(line);
                body.push('\n');
            }
            let path = out.join(format!("{name}-{i}.{ext}"));
            std::fs::write(&path, body).expect("write");
            path
        })
        .collect()
}

/// Makes the last of `files` change groups that `ti-replay`'s kept result holds: the injected
/// `replays` move to the first file, and the last gets a third acceptance of each (which changes
/// a kept exception row) and a second of a message accepted once before (a new replay), each a
/// moment after the first.
fn later_acceptances(files: &[std::path::PathBuf], replays: &[Vec<String>]) {
    let read = |f: &Path| std::fs::read_to_string(f).expect("read");
    let is_replay = |l: &str| {
        replays.iter().any(|k| {
            l.contains(&format!(r#""device_id":"{}""#, k[0]))
                && l.contains(&format!(r#""message_id":"{}""#, k[1]))
        })
    };
    let last = &files[files.len() - 1];
    let text = read(last);
    let (moved, stays): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| is_replay(l));
    assert!(
        moved.len() >= 2,
        "the injected replays are in the last file"
    );
    let first = read(&files[0]);
    let once = first
        .lines()
        .find(|l| l.contains(r#""outcome":"accepted""#))
        .expect("an accepted message");
    let later = |line: &str| {
        let mut row: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let ts = row["ts"].as_str().expect("ts");
        row["ts"] = serde_json::Value::from(format!("{}.999999Z", &ts[..19]));
        row.to_string()
    };
    let mut last_lines: Vec<String> = stays.iter().map(|l| (*l).to_string()).collect();
    last_lines.extend(moved.iter().map(|l| later(l)));
    last_lines.push(later(once));
    std::fs::write(last, last_lines.join("\n") + "\n").expect("write");
    std::fs::write(&files[0], first + &moved.join("\n") + "\n").expect("write");
}

/// Runs the whole library over `parts`, keeping and reusing results under `cache` when given.
async fn run_library(
    setup: &Setup,
    parts: &[Part],
    cache: Option<&Path>,
    out: &Path,
) -> BTreeMap<String, fieldproof_analytics::engine::Executed> {
    let engine = Engine::new(Setup {
        parts: parts.to_vec(),
        cache: cache.map(Path::to_path_buf),
        ..setup.clone()
    })
    .await
    .expect("engine");
    let mut runs = BTreeMap::new();
    for test in library::load(None).expect("library") {
        let executed = engine
            .run(&test, &BTreeMap::new(), out)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        runs.insert(test.definition.id.clone(), executed);
    }
    runs
}

/// An incremental run gives exactly a full run's results — population, exception rows, CSV
/// bytes and result hash — for every test, as parts arrive: two parts of every dataset, then a
/// third of telemetry alone, then a third of every other dataset, then nothing new. It reuses
/// what it may and no more: a test reading nothing new is not run again, a test declaring
/// `incremental` over the one dataset that grew runs only over the new part, any other test
/// runs in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_runs_give_exactly_the_full_runs_results() {
    use fieldproof_analytics::engine::Reuse;
    let dir = tempfile::tempdir().expect("temp");
    let (targets, scoped) = manufacturer();
    let options = Options {
        targets,
        devices: 40,
        days: 200,
        start: Date::parse("2026-01-01").expect("date"),
        rate: 24,
        scale: 3,
        seed: 11,
        clean: false,
    };
    let data = dir.path().join("data");
    let truth = generate(&options, &data).expect("generate");
    let (chunks, parts_dir) = (dir.path().join("chunks"), dir.path().join("parts"));
    std::fs::create_dir_all(&chunks).expect("dir");
    std::fs::create_dir_all(&parts_dir).expect("dir");
    let mut thirds: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    for (name, file) in &truth.files {
        let files = split_lines(&data.join(file), name, 3, &chunks);
        if name == "telemetry_ingest" {
            later_acceptances(&files, &truth.exceptions["ti-replay"]);
        }
        let parts = files
            .iter()
            .map(|f| ingest_part(f, name, &parts_dir))
            .collect();
        thirds.insert(name.clone(), parts);
    }
    let setup = Setup {
        period: Period::parse(&truth.period).expect("period"),
        time_zone: None,
        components: scoped,
        parts: Vec::new(),
        spill_dir: dir.path().join("spill"),
        memory_limit: 512 << 20,
        partitions: 2,
        cluster: None,
        cluster_parts: None,
        cache: None,
    };
    let tests = library::load(None).expect("library");
    let cache = dir.path().join("cache");
    let telemetry = "telemetry_ingest".to_string();
    let others: Vec<String> = thirds
        .keys()
        .filter(|d| **d != telemetry)
        .cloned()
        .collect();
    let rounds: [(Vec<String>, std::ops::Range<usize>); 4] = [
        (thirds.keys().cloned().collect(), 0..2),
        (vec![telemetry.clone()], 2..3),
        (others, 2..3),
        (Vec::new(), 0..0),
    ];
    let mut parts: Vec<Part> = Vec::new();
    let mut problems = Vec::new();
    let mut incremental_seen = 0;
    for (round, (grown, range)) in rounds.iter().enumerate() {
        for d in grown {
            parts.extend(thirds[d][range.clone()].iter().cloned());
        }
        let full = run_library(&setup, &parts, None, &dir.path().join("full")).await;
        let cached = run_library(&setup, &parts, Some(&cache), &dir.path().join("incr")).await;
        for test in &tests {
            let def = &test.definition;
            let (f, c) = (&full[&def.id], &cached[&def.id]);
            let same = (
                f.outcome,
                f.population,
                f.exceptions,
                &f.csv_sha256,
                &f.result_sha256,
            ) == (
                c.outcome,
                c.population,
                c.exceptions,
                &c.csv_sha256,
                &c.result_sha256,
            ) && std::fs::read(&f.csv).expect("csv")
                == std::fs::read(&c.csv).expect("csv");
            if !same {
                problems.push(format!(
                    "round {round}, {}: full {:?} {} {} {}, incremental {:?} {} {} {} ({:?})",
                    def.id,
                    f.outcome,
                    f.population,
                    f.exceptions,
                    f.result_sha256,
                    c.outcome,
                    c.population,
                    c.exceptions,
                    c.result_sha256,
                    c.reused
                ));
            }
            let changed: Vec<&String> = def.datasets.iter().filter(|d| grown.contains(d)).collect();
            let expected = if round == 0 || f.population == 0 {
                None
            } else if changed.is_empty() {
                Some(Reuse {
                    dataset: None,
                    reused: parts
                        .iter()
                        .filter(|p| def.incremental.as_ref() == Some(&p.dataset))
                        .count(),
                    parts: parts
                        .iter()
                        .filter(|p| def.incremental.as_ref() == Some(&p.dataset))
                        .count(),
                })
            } else if changed.len() == 1 && def.incremental.as_ref() == Some(changed[0]) {
                incremental_seen += 1;
                Some(Reuse {
                    dataset: def.incremental.clone(),
                    reused: 2,
                    parts: 3,
                })
            } else {
                None
            };
            if c.reused != expected {
                problems.push(format!(
                    "round {round}, {}: reused {:?}, expected {expected:?}",
                    def.id, c.reused
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        incremental_seen >= 10,
        "the declared tests ran over new parts only {incremental_seen} times"
    );
    // A kept result whose rows were altered is never used: the run starts over and is right.
    let mut altered = 0;
    for context in std::fs::read_dir(&cache).expect("cache") {
        for file in std::fs::read_dir(context.expect("entry").path()).expect("context") {
            let file = file.expect("file").path();
            if file.extension().is_some_and(|x| x == "parquet") {
                let mut bytes = std::fs::read(&file).expect("read");
                bytes.push(0);
                std::fs::write(&file, bytes).expect("write");
                altered += 1;
            }
        }
    }
    assert!(altered >= 20, "{altered} kept results");
    let full = run_library(&setup, &parts, None, &dir.path().join("full")).await;
    let cached = run_library(&setup, &parts, Some(&cache), &dir.path().join("incr")).await;
    for (id, c) in &cached {
        assert_eq!(c.reused, None, "{id} reused an altered result");
        assert_eq!(c.result_sha256, full[id].result_sha256, "{id}");
    }
}
