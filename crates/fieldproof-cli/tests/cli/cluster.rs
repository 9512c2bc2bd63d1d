//! The same tests on a cluster: a Ballista scheduler and two executors, each a process of the
//! fieldproof binary on loopback ports, run every test of the library over generated data with
//! injected exceptions and give the populations, exceptions and result hashes of the local
//! engine. A scheduler nobody listens for is named; an executor killed mid-run never leaves a
//! partial run in the ledger.

use super::{
    example, fieldproof, free_port, generate_and_ingest, json_result as json, temp, Running as Role,
};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for_port(port: u16, role: &mut Role) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = role.0.try_wait() {
            panic!("cluster role on {port} exited: {status}");
        }
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn role(dir: &Path, args: &[&str]) -> Role {
    let child = Command::new(assert_cmd::cargo::cargo_bin("fieldproof"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("role starts");
    Role(child)
}

/// A scheduler and two executors on loopback ports; the URL and the roles.
fn cluster(dir: &Path) -> (String, Vec<Role>) {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut scheduler = role(
        dir,
        &[
            "cluster",
            "scheduler",
            "--bind",
            &bind,
            "--executor-timeout",
            "10",
        ],
    );
    wait_for_port(port, &mut scheduler);
    let url = format!("df://127.0.0.1:{port}");
    let mut roles = vec![scheduler];
    for n in 0..2 {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let work = dir.join(format!("executor-{n}"));
        let mut executor = role(
            dir,
            &[
                "cluster",
                "executor",
                "--scheduler",
                &url,
                "--bind",
                &bind,
                "--vcores",
                "2",
                "--work-dir",
                work.to_str().expect("utf-8"),
            ],
        );
        wait_for_port(port, &mut executor);
        roles.push(executor);
    }
    (url, roles)
}

/// A workspace with the hardware-SaaS estate, an engagement and generated data of `devices`
/// devices ingested; the ids of every test in the library.
fn workspace(d: &Path, devices: &str) -> Vec<String> {
    let estate = example("hardware-saas");
    let estate = estate.to_str().expect("utf-8");
    fieldproof(d).args(["init"]).assert().success();
    fieldproof(d).args(["apply", estate]).assert().success();
    fieldproof(d)
        .args([
            "engagement",
            "create",
            "--id",
            "y1",
            "--period",
            "2026-01-01..2026-02-28",
            "--categories",
            "availability,processing_integrity,confidentiality",
        ])
        .assert()
        .success();
    generate_and_ingest(
        d,
        estate,
        &[
            "--devices",
            devices,
            "--days",
            "59",
            "--rate",
            "24",
            "--seed",
            "11",
        ],
    );
    json(d, &["test", "--list", "--format", "json"])["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|t| {
            t["definition"]["id"]
                .as_str()
                .or_else(|| t["id"].as_str())
                .expect("test id")
                .to_string()
        })
        .collect()
}

fn run_args<'a>(tests: &'a [String], cluster: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec!["test", "--format", "json"];
    for t in tests {
        args.extend(["--only", t.as_str()]);
    }
    if let Some(url) = cluster {
        args.extend(["--cluster", url]);
    }
    args
}

/// What must not differ between engines, per test.
fn outcomes(run: &serde_json::Value) -> Vec<serde_json::Value> {
    run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            serde_json::json!({
                "test": r["test"],
                "outcome": r["outcome"],
                "population": r["population"],
                "exceptions": r["exceptions"],
                "first_exceptions": r["first_exceptions"],
                "inputs": r["inputs"],
                "result_sha256": r["result_sha256"],
            })
        })
        .collect()
}

/// Fails naming the first test and field where the cluster differs from the local engine.
fn assert_same(remote: &[serde_json::Value], local: &[serde_json::Value]) {
    assert_eq!(remote.len(), local.len(), "as many results");
    for (r, l) in remote.iter().zip(local) {
        for (field, value) in l.as_object().expect("object") {
            assert_eq!(
                &r[field], value,
                "{}: {field} differs on the cluster (left) from the local engine (right)",
                l["test"]
            );
        }
    }
}

fn ledger_head(d: &Path) -> String {
    std::fs::read_to_string(d.join(".fieldproof/ledger.head")).expect("ledger head")
}

#[test]
fn a_loopback_cluster_gives_the_local_results_for_every_test_in_the_library() {
    let dir = temp();
    let d = dir.path();
    let tests = workspace(d, "30");
    assert!(tests.len() >= 20, "the whole library: {tests:?}");
    let local = json(d, &run_args(&tests, None));
    let local_outcomes = outcomes(&local);
    assert_eq!(local_outcomes.len(), tests.len());
    assert!(
        local_outcomes
            .iter()
            .filter(|r| r["exceptions"].as_u64().unwrap_or(0) > 0)
            .count()
            >= 10,
        "the generated data has injected exceptions for many tests: {local_outcomes:#?}"
    );
    // The same library over the same parts on a scheduler and two executors.
    let (url, _roles) = cluster(d);
    let remote = json(d, &run_args(&tests, Some(&url)));
    assert_same(&outcomes(&remote), &local_outcomes);
    assert!(
        local["engine"]
            .as_str()
            .is_some_and(|e| e.starts_with("datafusion ") && !e.contains("ballista")),
        "{}",
        local["engine"]
    );
    let engine = remote["engine"].as_str().unwrap_or_default();
    assert!(
        engine.contains(" on ballista ") && engine.ends_with(&url),
        "{engine}"
    );
    // Same result hashes: the ledger takes the cluster's results for the ones it holds.
    for r in remote["results"].as_array().expect("results") {
        assert_eq!(r["duplicate"], serde_json::json!(true), "{r}");
    }
    // Incremental runs on the cluster: every result kept, a new day of telemetry added, and
    // what the cluster builds on its kept results is a local full run's.
    let incremental = |d: &Path| {
        let mut args = run_args(&tests, Some(&url));
        args.push("--incremental");
        json(d, &args)
    };
    incremental(d);
    super::analytics::ingest_next_day(d);
    let daily = incremental(d);
    let added: Vec<&serde_json::Value> = daily["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["reused"]["dataset"] == "telemetry_ingest")
        .collect();
    assert!(
        added.iter().any(|r| r["test"] == "ti-replay") && added.len() >= 4,
        "tests adding the new part on the cluster: {added:?}"
    );
    assert_same(
        &outcomes(&daily),
        &outcomes(&json(d, &run_args(&tests, None))),
    );
    // A cluster run that changes a result is recorded, with its engine.
    let changed = json(
        d,
        &[
            "test",
            "--format",
            "json",
            "--only",
            "ti-silent-gaps",
            "--param",
            "gap_multiplier=2",
            "--cluster",
            &url,
        ],
    );
    let evidence = changed["results"][0]["evidence"]
        .as_str()
        .expect("recorded")
        .to_string();
    let shown = json(d, &["evidence", "show", &evidence, "--format", "json"]);
    assert!(shown.to_string().contains(engine), "{shown}");
    fieldproof(d).args(["verify"]).assert().success();
}

#[test]
fn an_unreachable_scheduler_is_named_and_nothing_is_recorded() {
    let dir = temp();
    let d = dir.path();
    let tests = workspace(d, "3");
    let head = ledger_head(d);
    let url = format!("df://127.0.0.1:{}", free_port());
    let out = fieldproof(d)
        .args(run_args(&tests, Some(&url)))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the cluster scheduler at {url}")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(ledger_head(d), head, "nothing recorded");
    // A malformed URL is named by its flag.
    let out = fieldproof(d)
        .args(["test", "--cluster", "df://nowhere"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--cluster df://nowhere") && stderr.contains("df://HOST:PORT"),
        "{stderr}"
    );
    // An executor timeout a busy executor's polls could outlast is refused before listening.
    let out = fieldproof(d)
        .args(["cluster", "scheduler", "--bind", "127.0.0.1:0"])
        .args(["--executor-timeout", "5"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--executor-timeout 5") && stderr.contains("at least 10"),
        "{stderr}"
    );
}

#[test]
fn an_executor_killed_mid_run_leaves_no_partial_run_in_the_ledger() {
    let dir = temp();
    let d = dir.path();
    let tests = workspace(d, "120");
    let local = outcomes(&json(d, &run_args(&tests, None)));
    let head = ledger_head(d);
    let (url, mut roles) = cluster(d);
    let mut run = Command::new(assert_cmd::cargo::cargo_bin("fieldproof"))
        .current_dir(d)
        .env("FIELDPROOF_NOW", "2026-03-01T09:00:00Z")
        .env("FIELDPROOF_ACTOR", "test-runner")
        .env_remove("FIELDPROOF_WORKSPACE")
        .args(run_args(&tests, Some(&url)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        run.try_wait().expect("run").is_none(),
        "the run ended before the executor was killed: make the data larger"
    );
    drop(roles.remove(2));
    let deadline = Instant::now() + Duration::from_secs(300);
    while run.try_wait().expect("run").is_none() {
        assert!(
            Instant::now() < deadline,
            "the run neither finished nor failed"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = run.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    if out.status.success() || out.status.code() == Some(1) {
        // Retried on the executor left: the same results as the local engine.
        let remote: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_same(&outcomes(&remote), &local);
    } else {
        // Failed: said, and not one of the run's results is in the ledger.
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("error:"), "{stderr}");
        assert_eq!(ledger_head(d), head, "a failed run records nothing");
    }
    fieldproof(d).args(["verify"]).assert().success();
}
