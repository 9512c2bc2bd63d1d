//! The same tests on a cluster: a Ballista scheduler and two executors, each a process of the
//! fieldproof binary on loopback ports, run every test of the library over generated data with
//! injected exceptions and give the populations, exceptions and result hashes of the local
//! engine. A scheduler nobody listens for is named; an executor killed mid-run never leaves a
//! partial run in the ledger. Executors that share no file system with the runner read the
//! parts from an S3-compatible bucket (moto's server on a loopback port), each copy checked by
//! its SHA-256.

use super::{
    example, fieldproof, free_port, generate_and_ingest, json_result as json, temp, Running as Role,
};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
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

fn role(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Role {
    let child = Command::new(assert_cmd::cargo::cargo_bin("fieldproof"))
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("role starts");
    Role(child)
}

/// A scheduler and two executors on loopback ports; the URL and the roles.
fn cluster(dir: &Path) -> (String, Vec<Role>) {
    cluster_with(dir, &[])
}

/// [`cluster`] with roles whose environment has `env` too.
fn cluster_with(dir: &Path, env: &[(&str, String)]) -> (String, Vec<Role>) {
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
        env,
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
            env,
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

/// An S3-compatible object store on a loopback port: moto's server, which scripts/s3-fixture
/// installs from PyPI into a cache (scripts/test exports its path as `FIELDPROOF_MOTO`).
struct S3 {
    port: u16,
    python: PathBuf,
    log: PathBuf,
    _server: Role,
}

impl S3 {
    fn start(dir: &Path) -> S3 {
        let server = PathBuf::from(super::installed("FIELDPROOF_MOTO", "s3-fixture"));
        let port = free_port();
        let log = dir.join("moto.log");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", server.display()));
        let mut role = Role(child);
        wait_for_port(port, &mut role);
        S3 {
            port,
            python: server.with_file_name("python"),
            log,
            _server: role,
        }
    }

    /// The settings every process reads the bucket with (the object_store crate's names).
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "fieldproof-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "fieldproof-test-secret".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT", format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// Runs a boto3 command on the bucket: `create BUCKET`, `keys BUCKET` (one per line) or
    /// `put BUCKET KEY TEXT`.
    fn boto(&self, args: &[&str]) -> String {
        let script = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="fieldproof-test", aws_secret_access_key="fieldproof-test-secret")
command, bucket = sys.argv[2], sys.argv[3]
if command == "create":
    s3.create_bucket(Bucket=bucket)
elif command == "keys":
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            print(item["Key"])
elif command == "put":
    s3.put_object(Bucket=bucket, Key=sys.argv[4], Body=sys.argv[5].encode())
"#;
        let out = Command::new(&self.python)
            .arg("-c")
            .arg(script)
            .arg(format!("http://127.0.0.1:{}", self.port))
            .args(args)
            .output()
            .expect("boto3 runs");
        assert!(
            out.status.success(),
            "boto3 {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// How many requests of `method` on keys under `prefix` the server has answered.
    fn requests(&self, method: &str, prefix: &str) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        // The server colours some lines: match the request, not the quote before it.
        let needle = format!("{method} /{prefix}");
        log.lines().filter(|l| l.contains(&needle)).count()
    }
}

/// `fieldproof ARGS` with the bucket's settings; (exit code, stdout, stderr).
fn with_env(d: &Path, env: &[(&str, String)], args: &[&str]) -> (Option<i32>, String, String) {
    let out = fieldproof(d)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

#[test]
fn executors_read_the_parts_from_a_bucket_each_copy_checked_by_its_hash() {
    let dir = temp();
    let d = dir.path();
    let tests = workspace(d, "10");
    let local = outcomes(&json(d, &run_args(&tests, None)));
    let s3 = S3::start(d);
    let env = s3.env();
    s3.boto(&["create", "fieldproof-parts"]);
    let (url, _roles) = cluster_with(d, &env);
    let parts = "s3://fieldproof-parts/acme/evidence";
    let mut args = run_args(&tests, Some(&url));
    args.extend(["--cluster-parts", parts]);

    // The first run copies every part, and the cluster reads the copies: the local results.
    let (code, stdout, stderr) = with_env(d, &env, &args);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let remote: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_same(&outcomes(&remote), &local);
    let engine = remote["engine"].as_str().unwrap_or_default();
    assert!(
        engine.contains(" on ballista ") && engine.ends_with(&format!(", parts from {parts}")),
        "{engine}"
    );
    let keys = s3.boto(&["keys", "fieldproof-parts"]);
    for result in remote["results"].as_array().expect("results") {
        for input in result["inputs"].as_array().expect("inputs") {
            let key = format!(
                "acme/evidence/sha256/{}",
                input["sha256"].as_str().expect("sha")
            );
            assert!(
                keys.lines().any(|k| k == key),
                "{key} not in the bucket:\n{keys}"
            );
        }
    }
    assert!(
        s3.requests("GET", "fieldproof-parts/acme/evidence/sha256/") > 0,
        "nobody read a part from the bucket"
    );

    // The next runs find the copies: checked by their ETag and size as recorded, or, without
    // the record (another runner, a new checkout), read back and hashed. Nothing is copied again.
    let copies = s3.requests("PUT", "fieldproof-parts/acme/evidence/sha256/");
    assert!(copies > 0, "the first run copied the parts");
    let record = d.join(".fieldproof/cache/cluster-parts.json");
    assert!(record.is_file(), "the checked copies are recorded");
    for forget in [false, true] {
        if forget {
            std::fs::remove_file(&record).expect("record removed");
        }
        let (code, stdout, stderr) = with_env(d, &env, &args);
        assert!(matches!(code, Some(0 | 1)), "{stderr}");
        let again: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        assert_same(&outcomes(&again), &local);
        assert_eq!(
            s3.requests("PUT", "fieldproof-parts/acme/evidence/sha256/"),
            copies,
            "nothing copied twice"
        );
    }

    // A copy changed in the bucket stops the run, named, and nothing is recorded.
    let head = ledger_head(d);
    let first = keys.lines().next().expect("a key").to_string();
    s3.boto(&["put", "fieldproof-parts", &first, "not the part"]);
    let (code, _, stderr) = with_env(d, &env, &args);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("s3://fieldproof-parts/{first}"))
            && stderr.contains("holds other bytes"),
        "{stderr}"
    );
    assert_eq!(ledger_head(d), head, "nothing recorded");

    // A bucket that does not exist is named, and nothing is recorded.
    let mut args = run_args(&tests, Some(&url));
    args.extend(["--cluster-parts", "s3://no-such-bucket/x"]);
    let (code, _, stderr) = with_env(d, &env, &args);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("s3://no-such-bucket/x/sha256/") && stderr.contains("bucket exists"),
        "{stderr}"
    );
    assert_eq!(ledger_head(d), head, "nothing recorded");

    // A bucket without a cluster, and a URL that is not one, are refused by name.
    let (code, _, stderr) = with_env(d, &env, &["test", "--cluster-parts", parts]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--cluster"), "{stderr}");
    let (code, _, stderr) = with_env(
        d,
        &env,
        &["test", "--cluster", &url, "--cluster-parts", "/mnt/parts"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--cluster-parts /mnt/parts") && stderr.contains("s3://BUCKET"),
        "{stderr}"
    );
    fieldproof(d).args(["verify"]).assert().success();
}
