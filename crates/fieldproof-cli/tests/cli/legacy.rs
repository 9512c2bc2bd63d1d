//! Workspaces and packs written by fieldproof 0.1 (recorded with that release in
//! `tests/fixtures/v0.1`): the ledger keeps verifying (format 1 entries), new entries append in
//! format 2 after it, old engagements read back (`type_i_i` is `type2`), and an 0.1 pack, whose
//! manifest was not signed, is refused with a clear reason.

use super::{fieldproof, json_of, temp, write};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v0.1")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The 0.1 workspace, copied into a temporary directory (git does not keep the key's mode).
fn legacy_workspace() -> tempfile::TempDir {
    let dir = temp();
    let workspace = dir.path().join(".fieldproof");
    copy_dir(&fixture().join("workspace"), &workspace);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            workspace.join("keys/ledger.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
    }
    dir
}

#[test]
fn a_ledger_written_by_0_1_keeps_verifying_and_grows_in_format_2() {
    let dir = legacy_workspace();
    let d = dir.path();
    fieldproof(d)
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("8 ledger entries, 6 blobs"))
        .stdout(predicate::str::contains(
            "written before checkpoints existed",
        ));
    let engagements = json_of(fieldproof(d).args(["engagement", "list", "--format", "json"]));
    assert_eq!(engagements["engagements"][1]["id"], "soc2-2026");
    assert_eq!(engagements["engagements"][1]["type"], "type2");
    // The index was built from the old ledger: status and show work without a replay.
    let status = json_of(fieldproof(d).args([
        "evidence",
        "status",
        "--engagement",
        "soc2-2026",
        "--format",
        "json",
    ]));
    assert!(status["rows"].as_array().is_some_and(|r| !r.is_empty()));
    let show = json_of(fieldproof(d).args(["evidence", "show", "EV-000002", "--format", "json"]));
    assert_eq!(show["status"]["by"], "EV-000007");
    fieldproof(d)
        .args(["evidence", "retire", "EV-000004", "--reason", "again"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("EV-000004 is already retired"));
    // New entries are format 2, after the format 1 ones; the chain holds across.
    write(d, "q2-review.txt", "Q2 access review");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "q2-review.txt",
            "--control",
            "FP-AC-03",
            "--engagement",
            "soc2-2026",
            "--covers",
            "2026-04-01..2026-06-30",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("+ EV-000009"));
    let log = json_of(fieldproof(d).args(["evidence", "log", "--format", "json"]));
    let formats: Vec<i64> = log["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["format"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(formats, vec![1, 1, 1, 1, 1, 1, 1, 1, 2]);
    fieldproof(d)
        .arg("verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("9 ledger entries"));
    // A pack of it verifies; format 1 entries of the other engagement cannot be redacted, and
    // the manifest says how many were disclosed for that reason.
    let pack = json_of(fieldproof(d).args([
        "export",
        "pack",
        "--engagement",
        "soc2-2026",
        "-o",
        "soc2.zip",
        "--format",
        "json",
    ]));
    assert_eq!(pack["ledger"]["legacy_disclosed"], 2, "{pack}");
    assert_eq!(pack["ledger"]["redacted"], 0);
    fieldproof(d)
        .args(["verify", "soc2.zip"])
        .assert()
        .success();
}

#[test]
fn a_0_1_pack_is_refused_because_its_manifest_is_unsigned() {
    let dir = temp();
    std::fs::copy(
        fixture().join("soc2-2026-v0.1.zip"),
        dir.path().join("old.zip"),
    )
    .expect("copy");
    fieldproof(dir.path())
        .args(["verify", "old.zip"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "fieldproof-evidence-pack/1 pack: its manifest and documents are not signed",
        ));
}
