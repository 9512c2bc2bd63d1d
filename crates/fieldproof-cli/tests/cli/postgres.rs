//! A workspace moved to PostgreSQL with `store migrate` reads and verifies the same as on
//! SQLite, and the database refuses what it must (a second copy, a bad URL), on a real
//! throw-away cluster.

use super::{fieldproof, repo, temp};
use fieldproof_store_postgres::testing::TestCluster;
use predicates::prelude::*;

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_project_moved_to_postgres_reads_and_verifies_the_same() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d)
        .arg("assess")
        .arg(repo().join("examples/hardware-saas"))
        .args(["--out", "out"])
        .assert()
        .success();
    let pg = format!(
        "{}?workspace=hardware-saas",
        TestCluster::shared().database()
    );
    let migrated = fieldproof(d)
        .args(["--workspace", "out", "store", "migrate"])
        .args([
            "--from",
            "sqlite:out/.fieldproof/fieldproof.db",
            "--to",
            &pg,
        ])
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let migrated: serde_json::Value = serde_json::from_str(&stdout(&migrated)).expect("JSON");
    assert_eq!(migrated["copied"]["components"], 14);
    assert_eq!(
        migrated["verified_before"], migrated["verified_after"],
        "{migrated}"
    );
    assert!(migrated["copied"]["ledger_entries"].as_u64() > Some(50));

    // Every read is the same on both backends.
    for args in [
        &["readiness", "--format", "json"][..],
        &["evidence", "log", "--format", "json"],
        &["evidence", "status", "--format", "json"],
        &["scope", "--format", "json"],
        &["status", "list", "--format", "json"],
        &["log", "--format", "json"],
    ] {
        let sqlite = fieldproof(d)
            .args(["--workspace", "out"])
            .args(args)
            .output()
            .expect("runs");
        let postgres = fieldproof(d)
            .args(["--workspace", "out", "--store", &pg])
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(stdout(&sqlite), stdout(&postgres), "{args:?}");
    }
    fieldproof(d)
        .args(["--workspace", "out", "--store", &pg, "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("verified"));

    // Written on PostgreSQL, the change shows on PostgreSQL only.
    std::fs::write(d.join("note.txt"), "an attestation added after the move\n").expect("write");
    fieldproof(d)
        .args(["--workspace", "out", "--store", &pg])
        .args(["evidence", "add", "note.txt", "--control", "FP-BR-01"])
        .assert()
        .success();
    let head = |store: Option<&str>| {
        let mut cmd = fieldproof(d);
        cmd.args(["--workspace", "out"]);
        if let Some(store) = store {
            cmd.args(["--store", store]);
        }
        let log: serde_json::Value = serde_json::from_str(&stdout(
            &cmd.args(["evidence", "log", "--format", "json"])
                .output()
                .expect("runs"),
        ))
        .expect("JSON");
        log["entries"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(head(Some(&pg)), head(None) + 1);
    // The checkpoint in the workspace directory follows the ledger that is in use: the SQLite
    // file left behind now lacks the newest entry, and verify says so.
    fieldproof(d)
        .args(["--workspace", "out", "verify"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("the newest entries were deleted"));

    // A second copy into the same workspace is refused and changes nothing.
    fieldproof(d)
        .args(["--workspace", "out", "store", "migrate"])
        .args([
            "--from",
            "sqlite:out/.fieldproof/fieldproof.db",
            "--to",
            &pg,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds data already"));
    fieldproof(d)
        .args(["--workspace", "out", "--store", &pg, "verify"])
        .assert()
        .success();

    // A backup of the PostgreSQL workspace is one SQLite file that verifies on its own.
    fieldproof(d)
        .args([
            "--workspace",
            "out",
            "--store",
            &pg,
            "backup",
            "-o",
            "copy.db",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args(["--workspace", "out", "--store", "sqlite:copy.db", "verify"])
        .assert()
        .success();
    assert_eq!(head(Some("sqlite:copy.db")), head(Some(&pg)));
}

#[test]
fn bad_postgres_urls_say_what_is_wrong_and_hide_the_password() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d).arg("init").assert().success();
    fieldproof(d)
        .args([
            "--store",
            "postgres://fp:s3cret@127.0.0.1:1/fieldproof",
            "verify",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("connecting to PostgreSQL"))
        .stderr(predicate::str::contains("fp:***@127.0.0.1:1"))
        .stderr(predicate::str::contains("s3cret").not());
    let db = TestCluster::shared().database();
    fieldproof(d)
        .args(["--store", &format!("{db}?workspace=missing"), "verify"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no fieldproof workspace at"));
    fieldproof(d)
        .args(["--store", &format!("{db}?workspace=Bad/Name"), "verify"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must be 1 to 64 of a-z"));
    fieldproof(d)
        .args([
            "store",
            "migrate",
            "--from",
            "sqlite:.fieldproof/fieldproof.db",
        ])
        .args(["--to", "sqlite:.fieldproof/fieldproof.db"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("both name"));
}

/// A server moves to PostgreSQL: each organisation's workspace with `store migrate`, then
/// `org add` with `--store` adopts it (its keys, blobs and checkpoint stay in the data
/// directory) and the members are added again; the accounts are then in the database.
#[test]
fn a_server_organisation_moves_to_postgres_and_is_adopted() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d)
        .args(["org", "add", "acme", "--data", "data"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "its workspace, ledger and signing key",
        ));
    let estate = repo().join("examples/colocation-dc/estate.yaml");
    fieldproof(d)
        .args(["--workspace", "data/orgs/acme", "apply"])
        .arg(&estate)
        .assert()
        .success();
    let db = TestCluster::shared().database();
    fieldproof(d)
        .args(["--workspace", "data/orgs/acme", "store", "migrate"])
        .args(["--from", "sqlite:data/orgs/acme/.fieldproof/fieldproof.db"])
        .args(["--to", &format!("{db}?workspace=acme")])
        .assert()
        .success();
    fieldproof(d)
        .args(["--store", &db, "org", "add", "acme", "--data", "data"])
        .assert()
        .success()
        .stdout(predicate::str::contains("adopts the workspace already in"));
    fieldproof(d)
        .args(["--store", &db, "org", "add", "acme", "--data", "data"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists already"));
    fieldproof(d)
        .env("FIELDPROOF_PASSWORD", "a long passphrase 2026")
        .args(["--store", &db, "user", "add", "--data", "data"])
        .args([
            "--email",
            "lead@acme.test",
            "--org",
            "acme",
            "--role",
            "owner",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args(["--store", &db, "token", "create", "--data", "data"])
        .args([
            "--email",
            "lead@acme.test",
            "--org",
            "acme",
            "--role",
            "viewer",
        ])
        .assert()
        .success();
    let name = db.rsplit('/').next().expect("database name");
    let cluster = TestCluster::shared();
    assert_eq!(
        cluster.psql(name, "SELECT count(*) FROM fieldproof_server.api_tokens"),
        "1"
    );
    assert_eq!(
        cluster.psql(
            name,
            "SELECT count(*) FROM components WHERE workspace = 'acme'"
        ),
        "15"
    );
    // Started without --store, the server would read the SQLite accounts, which know no
    // lead@acme.test: the PostgreSQL accounts are the ones in use.
    fieldproof(d)
        .args(["token", "create", "--data", "data"])
        .args([
            "--email",
            "lead@acme.test",
            "--org",
            "acme",
            "--role",
            "viewer",
        ])
        .assert()
        .code(2);
}
