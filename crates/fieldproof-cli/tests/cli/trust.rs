//! The trust model, tried as an attacker would: each known attack on a pack or a workspace is a
//! test that shows what detects it (docs/evidence.md, threat model).

use super::{fieldproof, json_of, temp, write, MINIMAL};
use predicates::prelude::*;
use std::path::Path;

/// A workspace with two engagements: e1 (the auditor's) and e2 (another client's, with
/// distinctive names, notes, people and controls that must not leak into e1's pack).
fn two_engagements() -> tempfile::TempDir {
    let dir = temp();
    let d = dir.path();
    fieldproof(d).arg("init").assert().success();
    let estate = write(d, "estate.yaml", MINIMAL);
    fieldproof(d).args(["apply", &estate]).assert().success();
    for id in ["e1", "e2"] {
        fieldproof(d)
            .args([
                "engagement",
                "create",
                "--id",
                id,
                "--period",
                "2026-01-01..2026-06-30",
                "--categories",
                "availability",
            ])
            .assert()
            .success();
    }
    write(d, "backups.txt", "nightly backups, all green");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "backups.txt",
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
    write(
        d,
        "zeta-secret-merger.txt",
        "confidential to the other client",
    );
    fieldproof(d)
        .args([
            "--actor",
            "mallory-from-other-client",
            "evidence",
            "add",
            "zeta-secret-merger.txt",
            "--control",
            "FP-PE-01",
            "--request",
            "area-reviews",
            "--engagement",
            "e2",
            "--note",
            "Project Zeta due diligence",
            "--source",
            "zeta data room",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args([
            "--actor",
            "mallory-from-other-client",
            "evidence",
            "retire",
            "EV-000003",
            "--reason",
            "Zeta deal closed",
        ])
        .assert()
        .success();
    dir
}

fn export(dir: &Path, engagement: &str, out: &str) -> serde_json::Value {
    json_of(fieldproof(dir).args([
        "export",
        "pack",
        "--engagement",
        engagement,
        "-o",
        out,
        "--format",
        "json",
    ]))
}

fn fingerprint(dir: &Path) -> String {
    json_of(fieldproof(dir).args(["key", "show", "--format", "json"]))["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Rewrites `pack` into `out` with a Python function body `edit(name, data)` returning the new
/// bytes (or None to drop the entry), then appends `extra` entries `(name, text)`.
pub(crate) fn rewrite_pack(dir: &Path, pack: &str, out: &str, edit: &str, extra: &[(&str, &str)]) {
    let extra: Vec<String> = extra
        .iter()
        .map(|(n, t)| format!("dst.writestr({n:?}, {t:?})"))
        .collect();
    let script = format!(
        "import zipfile, json\n\
         def edit(name, data):\n{}\n\
         src = zipfile.ZipFile({pack:?})\ndst = zipfile.ZipFile({out:?}, 'w')\n\
         for info in src.infolist():\n    data = edit(info.filename, src.read(info.filename))\n    \
         if data is not None:\n        dst.writestr(info, data)\n\
         {}\ndst.close()\n",
        edit.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        extra.join("\n")
    );
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "{script}");
}

fn verify_pack_fails(dir: &Path, pack: &str, needle: &str) {
    fieldproof(dir)
        .args(["verify", pack])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(needle));
}

#[test]
fn an_honest_pack_verifies_offline_with_the_key_pinned() {
    let dir = two_engagements();
    let d = dir.path();
    let pack = export(d, "e1", "e1.zip");
    assert_eq!(pack["evidence"], 1);
    fieldproof(d)
        .args(["key", "show", "-o", "org.pub"])
        .assert()
        .success();
    let auditor = temp();
    for file in ["e1.zip", "org.pub"] {
        std::fs::copy(d.join(file), auditor.path().join(file)).expect("copy");
    }
    let fp = fingerprint(d);
    fieldproof(auditor.path())
        .args(["verify", "e1.zip", "--fingerprint", &fp])
        .assert()
        .success()
        .stdout(predicate::str::contains("KEY PINNED"));
    fieldproof(auditor.path())
        .args(["verify", "e1.zip", "--key", "org.pub"])
        .assert()
        .success();
    // Without a pin the fingerprint is shown prominently, and the output says it was not pinned.
    fieldproof(auditor.path())
        .args(["verify", "e1.zip"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "KEY NOT PINNED: signed by key fingerprint {fp}"
        )));
}

#[test]
fn trust_edited_manifest_is_detected() {
    let dir = two_engagements();
    let d = dir.path();
    export(d, "e1", "e1.zip");
    for (name, edit) in [
        (
            "period.zip",
            "if name == 'manifest.json':\n    m = json.loads(data)\n    m['engagement']['period']['to'] = '2026-12-31'\n    return json.dumps(m, indent=2).encode()\nreturn data",
        ),
        (
            "engagement.zip",
            "if name == 'manifest.json':\n    return data.replace(b'\"id\": \"e1\"', b'\"id\": \"e9\"')\nreturn data",
        ),
        (
            "controls.zip",
            "if name == 'manifest.json':\n    return data.replace(b'FP-BR-01', b'FP-BR-02')\nreturn data",
        ),
        (
            "head.zip",
            "if name == 'manifest.json':\n    m = json.loads(data)\n    m['ledger']['head']['seq'] = 3\n    return json.dumps(m, indent=2).encode()\nreturn data",
        ),
        ("unsigned.zip", "return None if name == 'manifest.sig' else data"),
    ] {
        rewrite_pack(d, "e1.zip", name, edit, &[]);
        verify_pack_fails(d, name, "manifest.sig does not verify the manifest");
    }
}

#[test]
fn trust_edited_document_in_a_pack_is_detected() {
    let dir = two_engagements();
    let d = dir.path();
    export(d, "e1", "e1.zip");
    rewrite_pack(
        d,
        "e1.zip",
        "boundary.zip",
        "if name == 'boundary.md':\n    return data.replace(b'BMS', b'Nothing to see')\nreturn data",
        &[],
    );
    verify_pack_fails(d, "boundary.zip", "boundary.md hashes to");
}

#[test]
fn trust_pack_resigned_end_to_end_fails_when_the_key_is_pinned() {
    let org = two_engagements();
    let org_fingerprint = fingerprint(org.path());
    fieldproof(org.path())
        .args(["key", "show", "-o", "org.pub"])
        .assert()
        .success();
    // The attacker rebuilds the whole workspace with a fresh key and a doctored evidence file.
    let attacker = temp();
    let a = attacker.path();
    fieldproof(a).arg("init").assert().success();
    let estate = write(a, "estate.yaml", MINIMAL);
    fieldproof(a).args(["apply", &estate]).assert().success();
    fieldproof(a)
        .args([
            "engagement",
            "create",
            "--id",
            "e1",
            "--period",
            "2026-01-01..2026-06-30",
            "--categories",
            "availability",
        ])
        .assert()
        .success();
    write(a, "backups.txt", "nightly backups, all green (doctored)");
    fieldproof(a)
        .args([
            "evidence",
            "add",
            "backups.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
        ])
        .assert()
        .success();
    export(a, "e1", "forged.zip");
    std::fs::copy(org.path().join("org.pub"), a.join("org.pub")).expect("copy");
    // On its own the forged pack is consistent: it verifies, but says the key was not pinned.
    fieldproof(a)
        .args(["verify", "forged.zip"])
        .assert()
        .success()
        .stdout(predicate::str::contains("KEY NOT PINNED"));
    // Pinned to the organisation's key, it fails, by file or by fingerprint.
    fieldproof(a)
        .args(["verify", "forged.zip", "--key", "org.pub"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "it was re-signed with another key",
        ));
    fieldproof(a)
        .args(["verify", "forged.zip", "--fingerprint", &org_fingerprint])
        .assert()
        .code(2);
    // The same for a workspace replaced wholesale.
    fieldproof(a)
        .args(["verify", "--fingerprint", &org_fingerprint])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("re-signed with another key"));
}

#[test]
fn trust_pack_holds_exactly_what_its_manifest_says() {
    let dir = two_engagements();
    let d = dir.path();
    export(d, "e1", "e1.zip");
    for (name, entry) in [
        ("traversal.zip", "../../evil"),
        ("absolute.zip", "/etc/cron.d/evil"),
        ("extra.zip", "extra-notes.txt"),
        ("nested.zip", "blobs/../evil"),
    ] {
        rewrite_pack(d, "e1.zip", name, "return data", &[(entry, "evil")]);
        fieldproof(d)
            .args(["verify", name])
            .assert()
            .code(2)
            .stdout(
                predicate::str::contains("which its signed manifest does not list")
                    .or(predicate::str::contains("could write outside")),
            );
        assert!(!d.join("evil").exists() && !d.parent().is_some_and(|p| p.join("evil").exists()));
    }
    // A second copy of a listed file: a reader could see either.
    rewrite_pack(
        d,
        "e1.zip",
        "twice.zip",
        "return data",
        &[("boundary.md", "# forged")],
    );
    verify_pack_fails(d, "twice.zip", "contains 'boundary.md' twice");
}

/// Regression: retiring or superseding evidence after the last entry a pack needs made an
/// honest pack fail `verify`.
#[test]
fn regression_retire_after_the_last_needed_entry_keeps_the_pack_honest() {
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
    for name in ["a.txt", "b.txt"] {
        write(d, name, name);
        fieldproof(d)
            .args([
                "evidence",
                "add",
                name,
                "--control",
                "FP-BR-01",
                "--engagement",
                "e1",
            ])
            .assert()
            .success();
    }
    fieldproof(d)
        .args([
            "evidence",
            "retire",
            "EV-000002",
            "--reason",
            "wrong system",
        ])
        .assert()
        .success();
    write(d, "c.txt", "c");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "c.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
            "--supersedes",
            "EV-000003",
        ])
        .assert()
        .success();
    fieldproof(d)
        .args([
            "evidence",
            "retire",
            "EV-000005",
            "--reason",
            "superseding the wrong file",
        ])
        .assert()
        .success();
    let pack = export(d, "e1", "e1.zip");
    assert_eq!(pack["evidence"], 0);
    fieldproof(d).args(["verify", "e1.zip"]).assert().success();
}

#[test]
fn trust_a_pack_discloses_nothing_of_other_engagements_yet_verifies_from_genesis() {
    let dir = two_engagements();
    let d = dir.path();
    export(d, "e1", "e1.zip");
    let listing = std::process::Command::new("python3")
        .arg("-c")
        .arg("import zipfile,sys\nz=zipfile.ZipFile('e1.zip')\nsys.stdout.buffer.write(b'\\n'.join(z.read(n) for n in z.namelist()))")
        .current_dir(d)
        .output()
        .expect("python3");
    let everything = String::from_utf8_lossy(&listing.stdout);
    // The pack's request threads list every request of e1, FP-PE-01's too (the control applies
    // to e1): e2's evidence for it appears nowhere, and e1's request shows none provided.
    let threads: serde_json::Value = serde_json::from_slice(
        &std::process::Command::new("python3")
            .arg("-c")
            .arg("import zipfile,sys\nsys.stdout.buffer.write(zipfile.ZipFile('e1.zip').read('requests/requests.json'))")
            .current_dir(d)
            .output()
            .expect("python3")
            .stdout,
    )
    .expect("requests.json");
    let pe01: Vec<&serde_json::Value> = threads["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["control"] == "FP-PE-01")
        .collect();
    assert!(
        pe01.iter()
            .all(|r| r["evidence"].as_array().is_some_and(Vec::is_empty)),
        "{threads}"
    );
    let without_threads = String::from_utf8_lossy(
        &std::process::Command::new("python3")
            .arg("-c")
            .arg("import zipfile,sys\nz=zipfile.ZipFile('e1.zip')\nsys.stdout.buffer.write(b'\\n'.join(z.read(n) for n in z.namelist() if not n.startswith('requests/')))")
            .current_dir(d)
            .output()
            .expect("python3")
            .stdout,
    )
    .into_owned();
    for secret in [
        "zeta-secret-merger",
        "Project Zeta",
        "zeta data room",
        "mallory-from-other-client",
        "Zeta deal closed",
        "confidential to the other client",
        "\"e2\"",
    ] {
        assert!(
            !everything.contains(secret),
            "the e1 pack discloses '{secret}'"
        );
    }
    assert!(
        !without_threads.contains("FP-PE-01"),
        "the e1 pack's ledger and manifest disclose e2's evidence for FP-PE-01"
    );
    let report = json_of(fieldproof(d).args(["verify", "e1.zip", "--format", "json"]));
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(
        report["entries"], 4,
        "genesis, e1's add, e2's add and retire"
    );
    assert_eq!(report["redacted_entries"], 2);
    // e2's pack holds e2's retired evidence history but not e1's... and e1's unassigned? none.
    export(d, "e2", "e2.zip");
    fieldproof(d).args(["verify", "e2.zip"]).assert().success();
}

/// Regression: deleting the newest ledger entries was reported as "an interrupted add; it is
/// harmless", and the next add reused the deleted evidence id for different content.
#[test]
fn regression_truncated_ledger_is_detected_and_ids_are_not_reused() {
    let dir = two_engagements();
    let d = dir.path();
    super::evidence::tamper_sql(d, "DELETE FROM evidence_index WHERE seq >= 3; DELETE FROM ledger_keys WHERE seq >= 3; DELETE FROM ledger WHERE seq >= 3; UPDATE ledger_index_state SET indexed_seq = 2");
    fieldproof(d)
        .arg("verify")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "the ledger ends at entry 2, but its signed checkpoint records entry 4",
        ))
        .stdout(predicate::str::contains(
            "is not referenced by any ledger entry, and the ledger disagrees with its checkpoint",
        ));
    write(d, "new.txt", "different content");
    fieldproof(d)
        .args(["evidence", "add", "new.txt", "--control", "FP-BR-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the newest entries were deleted; nothing was added",
        ));
}

#[test]
fn trust_replayed_old_checkpoint_is_caught_by_the_auditors_expected_head() {
    let dir = two_engagements();
    let d = dir.path();
    // The attacker kept a copy of an early checkpoint...
    let early = json_of(fieldproof(d).args([
        "export",
        "pack",
        "--engagement",
        "e1",
        "-o",
        "early.zip",
        "--format",
        "json",
    ]));
    std::fs::copy(d.join(".fieldproof/ledger.head"), d.join("old.head")).expect("copy");
    write(d, "more.txt", "more");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "more.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
        ])
        .assert()
        .success();
    let later = export(d, "e1", "later.zip");
    // ... cuts the ledger back to that point and puts the old checkpoint back.
    super::evidence::tamper_sql(d, "DELETE FROM evidence_index WHERE seq >= 5; DELETE FROM ledger WHERE seq >= 5; UPDATE ledger_index_state SET indexed_seq = 4");
    std::fs::copy(d.join("old.head"), d.join(".fieldproof/ledger.head")).expect("restore");
    // On its own the workspace looks consistent: this is the attack a checkpoint cannot stop.
    fieldproof(d).arg("verify").assert().success();
    // The auditor kept the head of the later pack: the cut shows.
    let head = later["expect_head"].as_str().unwrap_or_default();
    fieldproof(d)
        .args(["verify", "--expect-head", head])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "the ledger was cut since that head was recorded",
        ));
    // The early head is still there, unchanged.
    fieldproof(d)
        .args([
            "verify",
            "--expect-head",
            early["expect_head"].as_str().unwrap_or_default(),
        ])
        .assert()
        .success();
    // A later pack must contain an earlier pack's head.
    fieldproof(d)
        .args([
            "verify",
            "later.zip",
            "--expect-head",
            early["expect_head"].as_str().unwrap_or_default(),
        ])
        .assert()
        .success();
}

#[test]
fn trust_key_rotation_is_followed_and_the_genesis_pin_still_holds() {
    let dir = two_engagements();
    let d = dir.path();
    let genesis = fingerprint(d);
    let rotated = json_of(fieldproof(d).args([
        "key",
        "rotate",
        "--reason",
        "annual rotation",
        "--format",
        "json",
    ]));
    assert_eq!(rotated["previous_fingerprint"], genesis.as_str());
    let new = fingerprint(d);
    assert_ne!(new, genesis);
    write(d, "after.txt", "signed by the new key");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "after.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
        ])
        .assert()
        .success();
    fieldproof(d).arg("verify").assert().success();
    export(d, "e1", "e1.zip");
    for pin in [&genesis, &new] {
        fieldproof(d)
            .args(["verify", "e1.zip", "--fingerprint", pin])
            .assert()
            .success();
    }
    let log = json_of(fieldproof(d).args(["key", "show", "--format", "json"]));
    assert_eq!(log["keys"].as_array().map(Vec::len), Some(2));
    // The old private key can no longer sign: the key file holds the new key.
    let text = std::fs::read_to_string(d.join(".fieldproof/keys/ledger.pub")).expect("pub");
    assert!(log["public_key"].as_str().is_some_and(|k| text.trim() == k));
}

#[test]
fn trust_passphrase_protected_key() {
    let dir = temp();
    let d = dir.path();
    fieldproof(d)
        .env("FIELDPROOF_KEY_PASSPHRASE", "correct horse battery staple")
        .arg("init")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "encrypted under $FIELDPROOF_KEY_PASSPHRASE",
        ));
    let key = std::fs::read_to_string(d.join(".fieldproof/keys/ledger.key")).expect("key");
    assert!(key.starts_with("fieldproof-ed25519-secret-v2-argon2id-chacha20poly1305"));
    let estate = write(d, "estate.yaml", MINIMAL);
    fieldproof(d).args(["apply", &estate]).assert().success();
    write(d, "a.txt", "a");
    fieldproof(d)
        .args(["evidence", "add", "a.txt", "--control", "FP-BR-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "protected by a passphrase; set FIELDPROOF_KEY_PASSPHRASE",
        ));
    fieldproof(d)
        .env("FIELDPROOF_KEY_PASSPHRASE", "wrong")
        .args(["evidence", "add", "a.txt", "--control", "FP-BR-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong passphrase"));
    fieldproof(d)
        .env("FIELDPROOF_KEY_PASSPHRASE", "correct horse battery staple")
        .args(["evidence", "add", "a.txt", "--control", "FP-BR-01"])
        .assert()
        .success();
    // Unprotect needs the current passphrase; then no passphrase is needed.
    fieldproof(d)
        .env("FIELDPROOF_KEY_PASSPHRASE", "correct horse battery staple")
        .args(["key", "unprotect"])
        .assert()
        .success();
    write(d, "b.txt", "b");
    fieldproof(d)
        .args(["evidence", "add", "b.txt", "--control", "FP-BR-01"])
        .assert()
        .success();
    fieldproof(d).arg("verify").assert().success();
}

/// Regression: a tampered `sha256` value in an entry could make `export pack` read a file
/// outside the blob store and write an odd name into the zip.
#[test]
fn regression_tampered_digest_cannot_escape_the_blob_store() {
    let dir = two_engagements();
    let d = dir.path();
    super::evidence::tamper_sql(
        d,
        "UPDATE ledger SET body = json_set(body, '$.sha256', '../../../../../../etc/hostname') WHERE seq = 2",
    );
    fieldproof(d)
        .args(["export", "pack", "--engagement", "e1", "-o", "e1.zip"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the ledger does not verify"));
    assert!(!d.join("e1.zip").exists());
    fieldproof(d)
        .arg("verify")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("ledger entry 2"));
}

/// Regression: duplicate, supersede and retire checks ran outside the append transaction: two
/// concurrent retires of one item could both land.
#[test]
fn regression_concurrent_retires_one_wins() {
    let dir = two_engagements();
    let d = dir.path();
    for round in 0..3 {
        let name = format!("r{round}.txt");
        write(d, &name, &name);
        let added = json_of(fieldproof(d).args([
            "evidence",
            "add",
            &name,
            "--control",
            "FP-BR-01",
            "--format",
            "json",
        ]));
        let id = added["added"][0]["evidence"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let spawn = || {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("fieldproof"))
                .args(["evidence", "retire", &id, "--reason", "race"])
                .current_dir(d)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn(), spawn());
        let results = [
            a.wait_with_output().expect("a"),
            b.wait_with_output().expect("b"),
        ];
        let won = results.iter().filter(|r| r.status.success()).count();
        assert_eq!(won, 1, "round {round}: exactly one retire wins");
        let lost = results
            .iter()
            .find(|r| !r.status.success())
            .expect("a loser");
        assert!(String::from_utf8_lossy(&lost.stderr).contains("already retired"));
    }
    fieldproof(d).arg("verify").assert().success();
}

/// The ledger and the verification an auditor limited to e1 sees follow the pack's rule:
/// every entry listed, e2's without its content, even when one of e2's blobs is deleted.
#[test]
fn the_ledger_and_verification_of_one_engagement_withhold_another_engagements_entries() {
    let dir = two_engagements();
    let d = dir.path();
    let full = json_of(fieldproof(d).args(["evidence", "log", "--format", "json"]));
    let limited =
        json_of(fieldproof(d).args(["evidence", "log", "--engagement", "e1", "--format", "json"]));
    assert_eq!(limited["engagement"], "e1");
    assert_eq!(limited["redacted"], 2, "e2's add and its retirement");
    assert_eq!(
        limited["entries"].as_array().map(Vec::len),
        full["entries"].as_array().map(Vec::len)
    );
    let limited_text = limited.to_string();
    for leak in ["zeta", "Zeta", "mallory"] {
        assert!(!limited_text.contains(leak), "{leak}: {limited_text}");
    }
    // The same as e1's pack.
    export(d, "e1", "e1.zip");
    let unzip = std::process::Command::new("unzip")
        .args(["-p", "e1.zip", "ledger.jsonl"])
        .current_dir(d)
        .output()
        .expect("unzip");
    let packed: Vec<serde_json::Value> = String::from_utf8_lossy(&unzip.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(&packed, limited["entries"].as_array().expect("entries"));
    fieldproof(d)
        .args(["evidence", "log", "--engagement", "e1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "an entry of another engagement, shown without its content",
        ))
        .stdout(predicate::str::contains("zeta").not());
    fieldproof(d)
        .args(["evidence", "log", "--engagement", "nope"])
        .assert()
        .code(2);
    // A deleted blob of e2: reported to e1's reader without the file's name.
    let blobs = d.join(".fieldproof/blobs");
    let e2_sha = full["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["body"]["name"] == "zeta-secret-merger.txt")
        .and_then(|e| e["body"]["sha256"].as_str())
        .expect("sha")
        .to_string();
    let blob = blobs.join("sha256").join(&e2_sha[..2]).join(&e2_sha);
    assert!(blob.exists(), "{}", blob.display());
    std::fs::remove_file(blob).expect("delete");
    let seen = fieldproof(d)
        .args(["verify", "--engagement", "e1", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(seen.status.code(), Some(2), "a failed verification");
    let seen = String::from_utf8_lossy(&seen.stdout);
    assert!(!seen.contains("zeta"), "{seen}");
    assert!(seen.contains("an entry of another engagement"), "{seen}");
    let owner = fieldproof(d)
        .args(["verify", "--format", "json"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&owner.stdout).contains("zeta-secret-merger.txt"));
}

/// What users type into an estate reaches Markdown as text and CSV as text: no raw HTML, no
/// link a renderer follows, no formula a spreadsheet runs, no right-to-left override obeyed.
#[test]
fn typed_html_formulas_and_overrides_in_an_estate_are_shown_as_text() {
    let dir = temp();
    let d = dir.path();
    let estate = write(
        d,
        "estate.yaml",
        "organisation: \"<script>alert(1)</script> Corp\"\n\
         service: \"[click](javascript:alert(1))\"\n\
         responsibilities:\n  - domain: physical_access\n    customer: '=HYPERLINK(\"http://evil.example\",\"x\")'\n    vendor: \"<b>bold</b> duty\"\n\
         components:\n  - id: bms\n    name: \"<img src=x onerror=alert(1)>\"\n    kind: bms\n    operated_by: us\n    site: our_facility\n    zone: ot\n    affects_availability: true\n\
         \x20 - id: pacs\n    name: \"PACS \\u202egpj.exe\"\n    kind: pacs\n    operated_by: shared\n    site: customer_site\n    zone: ot\n    enforces_access_control: true\n",
    );
    let run = |args: &[&str]| {
        let out = fieldproof(d).args(args).output().expect("runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for args in [
        vec!["boundary", "--estate", &estate, "--format", "md"],
        vec!["responsibility", "--estate", &estate, "--format", "md"],
        vec!["scope", "--estate", &estate, "--format", "md"],
    ] {
        let md = run(&args);
        assert!(md.contains("Corp"), "{args:?}: {md}");
        for raw in ["<script", "<img", "<b>", "[click](", "\u{202e}"] {
            assert!(!md.contains(raw), "{args:?} carries {raw:?}: {md}");
        }
    }
    let csv = run(&["responsibility", "--estate", &estate, "--format", "csv"]);
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}

fn independent_verify(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(super::repo().join("scripts/independent-verify"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("scripts/independent-verify runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// docs/evidence.md specifies every signed message exactly: a verifier written from it alone
/// (Python, the `cryptography` package's Ed25519) accepts an honest pack — a rotated key,
/// another engagement's entries redacted, notes in any script — and the workspace's
/// checkpoint, and rejects edits and a foreign key, as `fieldproof verify` does.
#[test]
fn a_pack_verifies_with_an_independent_implementation_of_the_docs() {
    let dir = two_engagements();
    let d = dir.path();
    fieldproof(d)
        .args(["key", "rotate", "--reason", "yearly rotation"])
        .assert()
        .success();
    write(d, "later.txt", "added after the rotation");
    fieldproof(d)
        .args([
            "evidence",
            "add",
            "later.txt",
            "--control",
            "FP-BR-01",
            "--engagement",
            "e1",
            "--note",
            "Prüfung \"quoted\" \\ back\tslash, 検査, \u{1}control",
        ])
        .assert()
        .success();
    export(d, "e1", "e1.zip");
    let fp = fingerprint(d);
    let (code, text) = independent_verify(d, &["pack", "e1.zip", "--fingerprint", &fp]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("VERIFIED") && text.contains("without their body"),
        "{text}"
    );
    assert!(
        !text.contains("0 without their body"),
        "e2's entries are redacted: {text}"
    );
    // The checkpoint, against the ledger.
    let log = fieldproof(d)
        .args(["evidence", "log", "--format", "json"])
        .output()
        .expect("runs");
    std::fs::write(d.join("log.json"), &log.stdout).expect("write");
    let (code, text) =
        independent_verify(d, &["checkpoint", ".fieldproof/ledger.head", "log.json"]);
    assert_eq!(code, 0, "{text}");
    // A foreign pin, an edited manifest and an edited ledger line are all caught.
    let (code, text) = independent_verify(
        d,
        &[
            "pack",
            "e1.zip",
            "--fingerprint",
            "00112233445566778899aabbccddeeff",
        ],
    );
    assert_eq!(code, 1, "{text}");
    rewrite_pack(
        d,
        "e1.zip",
        "edited-manifest.zip",
        "if name == 'manifest.json':\n    return data.replace(b'\"e1\"', b'\"e9\"', 1)\nreturn data",
        &[],
    );
    let (code, text) = independent_verify(d, &["pack", "edited-manifest.zip"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("manifest.sig does not verify"), "{text}");
    rewrite_pack(
        d,
        "e1.zip",
        "edited-ledger.zip",
        "if name == 'ledger.jsonl':\n    return data.replace(b'nightly backups', b'weekly backups', 1).replace(b'backups.txt', b'backupz.txt', 1)\nreturn data",
        &[],
    );
    let (code, text) = independent_verify(d, &["pack", "edited-ledger.zip"]);
    assert_eq!(code, 1, "{text}");
}
