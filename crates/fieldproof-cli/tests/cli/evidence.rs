//! The evidence store end to end: tampering is detected precisely, SIGKILL never leaves a broken
//! store, concurrent adds both land, bad input adds nothing, packs verify offline.

use super::{fieldproof, json_of, temp, write, MINIMAL};
use predicates::prelude::*;
use std::path::Path;

/// A workspace with an estate, an engagement and three pieces of evidence.
fn workspace() -> tempfile::TempDir {
    let dir = temp();
    fieldproof(dir.path()).arg("init").assert().success();
    let estate = write(dir.path(), "estate.yaml", MINIMAL);
    fieldproof(dir.path())
        .args(["apply", &estate])
        .assert()
        .success();
    fieldproof(dir.path())
        .args([
            "engagement",
            "create",
            "--id",
            "e1",
            "--period",
            "2026-01-01..2026-06-30",
            "--categories",
            "security,availability",
        ])
        .assert()
        .success();
    for (name, text) in [("a.txt", "alpha"), ("b.txt", "bravo"), ("c.txt", "charlie")] {
        write(dir.path(), name, text);
        fieldproof(dir.path())
            .args([
                "evidence",
                "add",
                name,
                "--control",
                "FP-BR-01",
                "--engagement",
                "e1",
                "--covers",
                "2026-01-01..2026-06-30",
            ])
            .assert()
            .success();
    }
    dir
}

fn verify_fails_with(dir: &Path, needle: &str) {
    fieldproof(dir)
        .arg("verify")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(needle))
        .stderr(predicate::str::contains("found in workspace"));
}

/// Runs SQL against the workspace database with Python's sqlite3, dropping the append-only
/// triggers first, as an attacker with file access could.
pub(crate) fn tamper_sql(dir: &Path, sql: &str) {
    let script = format!(
        "import sqlite3\nc = sqlite3.connect('.fieldproof/fieldproof.db')\n\
         c.executescript('DROP TRIGGER ledger_append_only_update; DROP TRIGGER ledger_append_only_delete;')\n\
         c.executescript({sql:?})\nc.commit()\n"
    );
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

fn blob_path(dir: &Path, evidence: &str) -> std::path::PathBuf {
    let show = json_of(fieldproof(dir).args(["evidence", "show", evidence, "--format", "json"]));
    let sha = show["evidence"]["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    dir.join(".fieldproof/blobs/sha256")
        .join(&sha[..2])
        .join(&sha)
}

#[test]
fn an_untouched_workspace_verifies() {
    let dir = workspace();
    fieldproof(dir.path())
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "verified — 4 ledger entries, 3 blobs",
        ));
}

#[test]
fn tamper_flipped_byte_in_a_blob() {
    let dir = workspace();
    let path = blob_path(dir.path(), "EV-000003");
    let mut bytes = std::fs::read(&path).expect("blob");
    bytes[0] ^= 0x01;
    std::fs::write(&path, bytes).expect("write");
    verify_fails_with(
        dir.path(),
        "of EV-000003 (ledger entry 3, b.txt) now hashes to",
    );
}

#[test]
fn evidence_get_writes_the_content_checked_against_the_ledger() {
    let dir = workspace();
    let d = dir.path();
    fieldproof(d)
        .args(["evidence", "get", "EV-000003", "--output", "got.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "EV-000003: b.txt (5 bytes, sha256:",
        ));
    assert_eq!(
        std::fs::read_to_string(d.join("got.txt")).expect("written"),
        "bravo"
    );
    // A blob changed on disk: refused, and nothing is written.
    let path = blob_path(d, "EV-000003");
    std::fs::write(&path, "BRAVO").expect("write");
    fieldproof(d)
        .args(["evidence", "get", "EV-000003", "-o", "changed.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "EV-000003: the stored content does not match the ledger",
        ));
    assert!(!d.join("changed.txt").exists());
    assert!(
        std::fs::read_dir(d).expect("dir").all(|e| !e
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "no temporary file is left"
    );
    fieldproof(d)
        .args(["evidence", "get", "EV-000099", "-o", "x.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("EV-000099"));
}

#[test]
fn tamper_deleted_blob() {
    let dir = workspace();
    std::fs::remove_file(blob_path(dir.path(), "EV-000002")).expect("remove");
    verify_fails_with(
        dir.path(),
        "of EV-000002 (ledger entry 2, a.txt) is missing: it was deleted",
    );
}

#[test]
fn tamper_modified_ledger_entry() {
    let dir = workspace();
    tamper_sql(
        dir.path(),
        "UPDATE ledger SET body = replace(body, 'FP-BR-01', 'FP-BR-02') WHERE seq = 3",
    );
    verify_fails_with(
        dir.path(),
        "ledger entry 3: its content does not match its recorded digest",
    );
}

#[test]
fn tamper_deleted_ledger_entry() {
    let dir = workspace();
    tamper_sql(dir.path(), "DELETE FROM ledger WHERE seq = 2");
    verify_fails_with(
        dir.path(),
        "ledger entry 3: entry is at position 2 but numbered 3",
    );
    verify_fails_with(
        dir.path(),
        "ledger entry 3: its link to the previous entry is broken",
    );
}

#[test]
fn tamper_swapped_ledger_entries() {
    let dir = workspace();
    tamper_sql(
        dir.path(),
        "UPDATE ledger SET seq = -2 WHERE seq = 2; UPDATE ledger SET seq = 2 WHERE seq = 3; UPDATE ledger SET seq = 3 WHERE seq = -2;",
    );
    verify_fails_with(
        dir.path(),
        "ledger entry 2: its link to the previous entry is broken",
    );
}

#[test]
fn tamper_inserted_ledger_entry() {
    let dir = workspace();
    tamper_sql(
        dir.path(),
        "INSERT INTO ledger (seq, prev, body, hash, signature) SELECT 5, hash, body, 'f00d', signature FROM ledger WHERE seq = 4",
    );
    verify_fails_with(
        dir.path(),
        "ledger entry 5: its content does not match its hash",
    );
    verify_fails_with(dir.path(), "ledger entry 5: its signature does not verify");
}

#[test]
fn tamper_replaced_public_key() {
    let dir = workspace();
    let other = temp();
    fieldproof(other.path()).arg("init").assert().success();
    std::fs::copy(
        other.path().join(".fieldproof/keys/ledger.pub"),
        dir.path().join(".fieldproof/keys/ledger.pub"),
    )
    .expect("copy");
    verify_fails_with(dir.path(), "keys/ledger.pub holds key");
    verify_fails_with(dir.path(), "the public key file was replaced");
}

#[test]
fn the_ledger_table_refuses_updates() {
    let dir = workspace();
    let script = "import sqlite3\nc = sqlite3.connect('.fieldproof/fieldproof.db')\nc.execute('DELETE FROM ledger WHERE seq = 2')\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .output()
        .expect("python3");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("append-only"));
}

fn ledger_len(dir: &Path) -> usize {
    json_of(fieldproof(dir).args(["evidence", "log", "--format", "json"]))["entries"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn bad_input_adds_nothing() {
    let dir = workspace();
    std::fs::create_dir(dir.path().join("folder")).expect("mkdir");
    write(dir.path(), "empty.txt", "");
    write(dir.path(), "good.txt", "good");
    let before = ledger_len(dir.path());
    for (args, message) in [
        (vec!["good.txt", "missing.txt"], "missing.txt: cannot read"),
        (vec!["folder"], "folder is a directory"),
        (vec!["empty.txt"], "empty.txt is empty"),
    ] {
        fieldproof(dir.path())
            .args(["evidence", "add"])
            .args(&args)
            .args(["--control", "FP-BR-01"])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(message)
                    .and(predicate::str::contains("nothing was added")),
            );
    }
    fieldproof(dir.path())
        .args(["evidence", "add", "good.txt", "--control", "FP-XX-99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--control FP-XX-99: not a control",
        ));
    fieldproof(dir.path())
        .args([
            "evidence",
            "add",
            "good.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "nope",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--engagement nope: no such engagement",
        ));
    fieldproof(dir.path())
        .args([
            "evidence",
            "add",
            "good.txt",
            "--control",
            "FP-BR-01",
            "--covers",
            "2026-02-30",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--covers: '2026-02-30' is not a calendar date",
        ));
    assert_eq!(ledger_len(dir.path()), before, "nothing was recorded");
    // The same file with the same metadata is a clear no-op.
    fieldproof(dir.path())
        .args([
            "evidence",
            "add",
            "a.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
            "--covers",
            "2026-01-01..2026-06-30",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("already recorded as EV-000002"));
    assert_eq!(ledger_len(dir.path()), before);
    fieldproof(dir.path()).arg("verify").assert().success();
}

#[test]
fn supersede_and_retire_are_ledger_entries() {
    let dir = workspace();
    write(dir.path(), "a2.txt", "alpha, corrected");
    fieldproof(dir.path())
        .args([
            "evidence",
            "add",
            "a2.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
            "--supersedes",
            "EV-000002",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("+ EV-000005"));
    fieldproof(dir.path())
        .args([
            "evidence",
            "retire",
            "EV-000003",
            "--reason",
            "wrong period",
        ])
        .assert()
        .success();
    let show =
        json_of(fieldproof(dir.path()).args(["evidence", "show", "EV-000002", "--format", "json"]));
    assert_eq!(show["status"]["status"], "superseded");
    assert_eq!(show["status"]["by"], "EV-000005");
    fieldproof(dir.path())
        .args(["evidence", "retire", "EV-000003", "--reason", "again"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already retired"));
    fieldproof(dir.path())
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("6 ledger entries"));
}

#[test]
fn status_reports_present_stale_and_missing() {
    let dir = workspace();
    let backup_state = |dir: &Path| {
        let json = json_of(fieldproof(dir).args(["evidence", "status", "--format", "json"]));
        let rows = json["rows"].as_array().cloned().unwrap_or_default();
        assert!(rows.iter().any(|r| r["state"] == "missing"));
        rows.into_iter()
            .find(|r| r["control"] == "FP-BR-01")
            .expect("FP-BR-01 applies to the BMS")
    };
    // Regression: three files each covering the whole half year used to mark every weekly
    // window present. Evidence that is not a population speaks for the window of its date.
    let row = backup_state(dir.path());
    assert_eq!(row["state"], "stale", "{row}");
    assert_eq!(row["covered"], 1);
    // The backup job's export of the whole period, declared a population, covers every week.
    write(
        dir.path(),
        "backup-jobs.csv",
        "job,ts,result\nplc,2026-01-01,ok\n",
    );
    fieldproof(dir.path())
        .args([
            "evidence",
            "add",
            "backup-jobs.csv",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
            "--covers",
            "2026-01-01..2026-06-30",
            "--population",
        ])
        .assert()
        .success();
    let row = backup_state(dir.path());
    assert_eq!(row["state"], "present", "{row}");
    assert_eq!(row["covered"], row["windows"]);
    // A population needs the period it covers.
    fieldproof(dir.path())
        .args([
            "evidence",
            "add",
            "backup-jobs.csv",
            "--control",
            "FP-BR-01",
            "--population",
        ])
        .assert()
        .code(2);
}

#[test]
fn pack_verifies_offline_and_detects_tampering() {
    let dir = workspace();
    fieldproof(dir.path())
        .args(["export", "pack", "--engagement", "e1", "-o", "pack.zip"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "3 evidence files, ledger entries 1-4",
        ));
    // Offline: another directory, no workspace.
    let auditor = temp();
    std::fs::copy(dir.path().join("pack.zip"), auditor.path().join("pack.zip")).expect("copy");
    fieldproof(auditor.path())
        .args(["verify", "pack.zip"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "pack.zip: verified — 4 ledger entries, 3 blobs",
        ));
    // sha256sum -c works on the unpacked pack.
    let unpacked = auditor.path().join("unpacked");
    let unzip = format!(
        "import zipfile; zipfile.ZipFile('pack.zip').extractall('{}')",
        unpacked.display()
    );
    assert!(std::process::Command::new("python3")
        .arg("-c")
        .arg(&unzip)
        .current_dir(auditor.path())
        .status()
        .expect("unzip")
        .success());
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&unpacked)
        .output()
        .expect("sha256sum");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // A pack with one blob byte changed fails, naming the file.
    let rewrite = "import zipfile\nsrc = zipfile.ZipFile('pack.zip')\ndst = zipfile.ZipFile('bad.zip', 'w')\n\
        for info in src.infolist():\n    data = src.read(info.filename)\n    if info.filename.startswith('blobs/') and not dst.namelist():\n        data = bytes([data[0] ^ 1]) + data[1:]\n    dst.writestr(info, data)\ndst.close()\n";
    assert!(std::process::Command::new("python3")
        .arg("-c")
        .arg(rewrite)
        .current_dir(auditor.path())
        .status()
        .expect("rewrite")
        .success());
    fieldproof(auditor.path())
        .args(["verify", "bad.zip"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("it was modified"));
}

#[test]
fn concurrent_adds_both_land_and_the_chain_holds() {
    let dir = workspace();
    // Four processes started together, each adding a different file.
    let mut running: Vec<std::process::Child> = (0..4)
        .map(|i| {
            let name = write(dir.path(), &format!("q{i}.txt"), &format!("concurrent {i}"));
            std::process::Command::new(assert_cmd::cargo::cargo_bin("fieldproof"))
                .args(["evidence", "add", &name, "--control", "FP-BR-01"])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in &mut running {
        assert!(child.wait().expect("waits").success());
    }
    assert_eq!(ledger_len(dir.path()), 4 + 4);
    fieldproof(dir.path()).arg("verify").assert().success();
}

/// A tiny deterministic generator for kill delays.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn sigkill_during_add_and_pack_export_never_breaks_the_store() {
    let dir = workspace();
    let mut seed = 0x5eed_u64;
    let mut killed = 0;
    for round in 0..24 {
        // Different content each round so that every add writes a new blob.
        let size = 8 << 20;
        let mut bytes = vec![0u8; size];
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&next(&mut seed).to_le_bytes()[..chunk.len()]);
        }
        let name = format!("big{round}.bin");
        std::fs::write(dir.path().join(&name), &bytes).expect("write");
        let export = round % 3 == 2;
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("fieldproof"));
        if export {
            command.args(["export", "pack", "--engagement", "e1", "-o", "pack.zip"]);
        } else {
            command.args([
                "evidence",
                "add",
                &name,
                "--control",
                "FP-BR-01",
                "--engagement",
                "e1",
            ]);
        }
        let mut child = command
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(next(&mut seed) % 120));
        if child.try_wait().expect("poll").is_none() {
            killed += 1;
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let verify = fieldproof(dir.path())
            .arg("verify")
            .output()
            .expect("verify runs");
        assert!(
            verify.status.success(),
            "round {round}: store fails verify after SIGKILL:\n{}",
            String::from_utf8_lossy(&verify.stdout)
        );
        // No half-written blob under a final name: every stored blob re-hashes to its name.
        for prefix in std::fs::read_dir(dir.path().join(".fieldproof/blobs/sha256"))
            .expect("blobs")
            .flatten()
        {
            for blob in std::fs::read_dir(prefix.path()).expect("prefix").flatten() {
                let data = std::fs::read(blob.path()).expect("read blob");
                let out = std::process::Command::new("sha256sum")
                    .arg(blob.path())
                    .output()
                    .expect("sha256sum");
                let hash = String::from_utf8_lossy(&out.stdout)
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                assert_eq!(
                    hash,
                    blob.file_name().to_string_lossy(),
                    "round {round}: {} bytes under a wrong name",
                    data.len()
                );
            }
        }
        // A pack left behind by a killed export is either absent or complete.
        if dir.path().join("pack.zip").exists() {
            fieldproof(dir.path())
                .args(["verify", "pack.zip"])
                .assert()
                .success();
        }
    }
    assert!(killed >= 6, "only {killed} of 24 runs were still running when killed; the test did not exercise crashes");
}

/// The auditor's request workflow from the command line: the same use cases as the portal's
/// pages and API, threads kept in the workspace.
#[test]
fn request_list_show_comment_and_status_work_on_the_workspace() {
    let dir = workspace();
    let list = json_of(fieldproof(dir.path()).args(["request", "list", "--format", "json"]));
    assert_eq!(list["engagement"], "e1");
    let first = &list["requests"][0];
    let (control, request) = (
        first["control"].as_str().expect("control").to_string(),
        first["request"].as_str().expect("request").to_string(),
    );
    assert_eq!(first["status"], "open");
    fieldproof(dir.path())
        .args([
            "--actor",
            "lead@example.com",
            "request",
            "comment",
            &control,
            &request,
        ])
        .args(["--text", "Export attached <b>here</b>"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Export attached <b>here</b>"));
    // Only the auditor gives a status; the refusal says how to record one, and stores nothing.
    fieldproof(dir.path())
        .args(["request", "status", &control, &request, "accepted"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--as-auditor"));
    fieldproof(dir.path())
        .args([
            "request",
            "status",
            &control,
            &request,
            "done",
            "--as-auditor",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("open, accepted or needs_more"));
    fieldproof(dir.path())
        .args([
            "--actor",
            "auditor@example.com",
            "request",
            "status",
            &control,
            &request,
        ])
        .args(["needs-more", "--as-auditor"])
        .assert()
        .success();
    let shown = json_of(
        fieldproof(dir.path()).args(["request", "show", &control, &request, "--format", "json"]),
    );
    assert_eq!(shown["request"]["status"], "needs_more");
    assert_eq!(shown["request"]["reviewed"][0], "auditor@example.com");
    assert_eq!(shown["request"]["comments"][0][0], "lead@example.com");
    assert_eq!(shown["history"].as_array().map(Vec::len), Some(1));
    fieldproof(dir.path())
        .args(["request", "show", &control, "no-such-request"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("request list"));
    fieldproof(dir.path())
        .args(["request", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "The auditor needs more for 1 request",
        ));
    // A second engagement, neither current: the command line asks for --engagement.
    fieldproof(dir.path())
        .args([
            "engagement",
            "create",
            "--id",
            "e0",
            "--period",
            "2025-01-01..2025-06-30",
        ])
        .assert()
        .success();
    fieldproof(dir.path())
        .args(["request", "list"])
        .env("FIELDPROOF_NOW", "2027-01-01T00:00:00Z")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("choose one with --engagement"));
}
