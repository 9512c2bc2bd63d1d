//! Reliability defects found by trying fieldproof as a new user would, each pinned by a test
//! named after it.

use super::{fieldproof, json_of, temp, write, MINIMAL};
use predicates::prelude::*;
use std::time::Duration;

fn workspace_with_engagement() -> tempfile::TempDir {
    let dir = temp();
    let d = dir.path();
    fieldproof(d).arg("init").assert().success();
    let estate = write(d, "estate.yaml", MINIMAL);
    fieldproof(d).args(["apply", &estate]).assert().success();
    fieldproof(d)
        .args([
            "engagement",
            "create",
            "--id",
            "e1",
            "--period",
            "2026-01-01..2026-06-30",
        ])
        .assert()
        .success();
    dir
}

/// Regression: `fieldproof.db-wal` held the last changes after every command, so copying
/// `fieldproof.db` alone (the workspace is documented as one file) silently lost them.
#[test]
fn regression_the_database_file_alone_holds_every_change() {
    let dir = workspace_with_engagement();
    let wal = dir.path().join(".fieldproof/fieldproof.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the write-ahead log is folded into the database when a command ends"
    );
    let copy = temp();
    std::fs::create_dir_all(copy.path().join(".fieldproof")).expect("mkdir");
    std::fs::copy(
        dir.path().join(".fieldproof/fieldproof.db"),
        copy.path().join(".fieldproof/fieldproof.db"),
    )
    .expect("copy the database file alone");
    fieldproof(copy.path())
        .args(["scope", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"id\":\"bms\""));
    let list = json_of(fieldproof(copy.path()).args(["engagement", "list", "--format", "json"]));
    assert_eq!(list["engagements"][0]["id"], "e1");
}

#[test]
fn backup_writes_one_consistent_file_that_verify_accepts() {
    let dir = workspace_with_engagement();
    let d = dir.path();
    write(d, "a.txt", "a");
    fieldproof(d)
        .args(["evidence", "add", "a.txt", "--control", "FP-BR-01"])
        .assert()
        .success();
    fieldproof(d)
        .args(["backup", "-o", "backup.db"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ledger head 2:"))
        .stdout(predicate::str::contains(
            "fieldproof verify --store sqlite:",
        ));
    fieldproof(d)
        .args(["verify", "--store", "sqlite:backup.db"])
        .assert()
        .success();
    fieldproof(d)
        .args(["backup", "-o", "backup.db"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    // A backup is a snapshot: once the workspace has moved on, verifying the old copy against
    // the workspace's checkpoint says what it lacks.
    write(d, "b.txt", "b");
    fieldproof(d)
        .args(["evidence", "add", "b.txt", "--control", "FP-BR-01"])
        .assert()
        .success();
    fieldproof(d)
        .args(["verify", "--store", "sqlite:backup.db"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "the ledger ends at entry 2, but its signed checkpoint records entry 3",
        ));
}

/// This test process's tag as temporary files carry it, and the tag of a dead process.
fn tags() -> Option<(String, String)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let start: u64 = rest.split_whitespace().nth(19)?.parse().ok()?;
    let pid = std::process::id();
    Some((format!("{pid}-{start}"), format!("{pid}-{}", start + 1)))
}

/// Regression: a killed `evidence add` or `export pack` left its temporary file (hundreds of
/// MB) forever. Temporaries of dead processes are removed and reported; others are kept.
#[test]
fn regression_stale_temporaries_of_dead_processes_are_cleaned() {
    let Some((alive, dead)) = tags() else {
        return; // no /proc: nothing can be known, nothing is cleaned (covered by unit tests)
    };
    let dir = workspace_with_engagement();
    let d = dir.path();
    let tmp = d.join(".fieldproof/blobs/tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    let stale_blob = tmp.join(format!("{dead}-0.part"));
    let live_blob = tmp.join(format!("{alive}-0.part"));
    std::fs::write(&stale_blob, vec![7u8; 4096]).expect("write");
    std::fs::write(&live_blob, b"a write in progress").expect("write");
    let stale_pack = d.join(format!(".e1.zip.tmp-{dead}-0"));
    std::fs::write(&stale_pack, b"half a pack").expect("write");
    write(d, "a.txt", "a");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "a.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
        ])
        .assert()
        .success();
    assert!(
        !stale_blob.exists(),
        "the dead writer's temporary is removed"
    );
    assert!(live_blob.exists(), "a running writer's temporary is kept");
    fieldproof(d)
        .args(["export", "pack", "--engagement", "e1", "-o", "e1.zip"])
        .assert()
        .success()
        .stdout(predicate::str::contains("left by an interrupted export"));
    assert!(!stale_pack.exists());
    std::fs::write(&stale_blob, b"again").expect("write");
    fieldproof(d)
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "a temporary file of a write that was interrupted",
        ))
        .stdout(predicate::str::contains("still in progress"));
    assert!(!stale_blob.exists());
}

/// Regression: `--estate` or `evidence add` on a FIFO blocked forever, and `/dev/zero` or a
/// FIFO was reported as "empty".
#[cfg(unix)]
#[test]
fn regression_non_regular_files_are_refused_with_the_right_words() {
    let dir = workspace_with_engagement();
    let d = dir.path();
    let fifo = d.join("pipe.yaml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    fieldproof(d)
        .args(["scope", "--estate", "pipe.yaml"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pipe.yaml: it is a named pipe (FIFO), not a regular file",
        ));
    fieldproof(d)
        .args(["evidence", "add", "pipe.yaml", "--control", "FP-BR-01"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is a named pipe (FIFO), not a regular file; nothing was added",
        ));
    fieldproof(d)
        .args(["evidence", "add", "/dev/zero", "--control", "FP-BR-01"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/dev/zero is a character device, not a regular file",
        ));
    fieldproof(d)
        .args(["catalog", "import-oscal", "pipe.yaml"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("named pipe"));
}

/// Regression: with stderr closed, an error exited 101 (a panic while printing the error).
#[cfg(unix)]
#[test]
fn regression_an_error_with_stderr_closed_exits_two() {
    let dir = temp();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec 2>&-; '{}' validate missing.yaml",
            assert_cmd::cargo::cargo_bin("fieldproof").display()
        ))
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("sh runs");
    assert_eq!(status.code(), Some(2));
}

/// Regression: a file error repeated the operating system's message on a `caused by:` line.
#[test]
fn regression_file_errors_say_it_once() {
    let dir = temp();
    let out = fieldproof(dir.path())
        .args(["scope", "--estate", "missing.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("missing.yaml: cannot read the estate file: No such file"));
}

/// Regression: "1 evidence files", "1 component(s)", `type_i_i` in the manifest while
/// `engagement list` says `type2`, "by unknown" when $USER is unset, and "Triggers (seed 004)".
#[test]
fn regression_messages_read_as_a_person_wrote_them() {
    let dir = workspace_with_engagement();
    let d = dir.path();
    fieldproof(d)
        .args(["validate", "estate.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid — 1 component (1 in scope"));
    write(d, "a.txt", "a");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "a.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args(["export", "pack", "--engagement", "e1", "-o", "e1.zip"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            ": 1 evidence file, ledger entries",
        ));
    let manifest = std::process::Command::new("python3")
        .arg("-c")
        .arg("import zipfile,sys; sys.stdout.write(zipfile.ZipFile('e1.zip').read('manifest.json').decode())")
        .current_dir(d)
        .output()
        .expect("python3");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.stdout).expect("manifest");
    assert_eq!(manifest["engagement"]["type"], "type2");
    let rules = String::from_utf8(fieldproof(d).arg("rules").output().expect("runs").stdout)
        .expect("utf-8");
    assert!(!rules.contains("seed 004") && rules.contains("Device triggers"));
    assert!(!rules.contains("(s)"), "{rules}");
    // No $USER, no $FIELDPROOF_ACTOR: the operating system account, never "unknown".
    let account = std::process::Command::new("id")
        .arg("-un")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let changed = MINIMAL.replace("name: BMS", "name: Building management");
    let estate = write(d, "estate.yaml", &changed);
    fieldproof(d)
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("FIELDPROOF_ACTOR")
        .args(["apply", &estate])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("by {account} at")));
}

#[test]
fn multi_byte_text_in_names_notes_and_actors_never_breaks_log_or_show() {
    let dir = workspace_with_engagement();
    let d = dir.path();
    let texts: Vec<String> = vec![
        "Zugangsprüfung Q1 — Ölpumpe ✓".into(),
        "点検記録 第1四半期 🏭⚡".into(),
        "مراجعة الوصول للربع الأول".into(),
        "e\u{301}\u{301}\u{301} combining ".repeat(20),
        "🧪".repeat(40),
    ];
    for (i, text) in texts.iter().enumerate() {
        let name = format!(
            "{}-{i}.txt",
            text.chars().take(8).collect::<String>().trim()
        );
        std::fs::write(d.join(&name), text.as_bytes()).expect("write");
        fieldproof(d)
            .args([
                "--actor",
                text,
                "evidence",
                "add",
                &name,
                "--control",
                "FP-BR-01",
                "--note",
                text,
                "--source",
                text,
            ])
            .assert()
            .success();
        fieldproof(d)
            .args([
                "--actor",
                text,
                "evidence",
                "add",
                "--attest",
                &format!("attested: {text}"),
                "--control",
                "FP-BR-01",
            ])
            .assert()
            .success();
    }
    fieldproof(d).args(["evidence", "log"]).assert().success();
    let log = json_of(fieldproof(d).args(["evidence", "log", "--format", "json"]));
    let ids: Vec<String> = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["body"]["evidence"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 2 * texts.len());
    for id in &ids {
        fieldproof(d)
            .args(["evidence", "show", id])
            .assert()
            .success();
    }
    fieldproof(d)
        .args([
            "evidence",
            "retire",
            "EV-000002",
            "--reason",
            texts[1].as_str(),
        ])
        .assert()
        .success();
    fieldproof(d).args(["evidence", "log"]).assert().success();
}
