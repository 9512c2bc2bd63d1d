//! SQLite runs the shared store story, plus what only SQLite can show: creation rules, the
//! append-only triggers, reopening, and concurrent applies from two connections pools.

use super::*;
use fieldproof_core::{Component, Fact, Facts, Kind, Operator, Site, Zone};
use fieldproof_store::story;
use std::sync::Arc;

async fn new_store(dir: &Path) -> SqliteStore {
    SqliteStore::create(&dir.join("fieldproof.db"), "2026-01-01T00:00:00Z", "tester")
        .await
        .expect("create")
}

#[tokio::test]
async fn sqlite_passes_the_store_story() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = new_store(dir.path()).await;
    story::run(Arc::new(store.clone())).await;
    assert_eq!(store.workspace().await.expect("info").created_by, "tester");
}

#[tokio::test]
async fn create_refuses_an_existing_workspace_and_open_a_missing_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = new_store(dir.path()).await;
    store.close().await;
    assert!(matches!(
        SqliteStore::create(&dir.path().join("fieldproof.db"), "x", "y").await,
        Err(StoreError::AlreadyInitialised { .. })
    ));
    let err = SqliteStore::open(&dir.path().join("none.db"))
        .await
        .err()
        .map(|e| e.to_string());
    assert!(err.unwrap_or_default().contains("run `fieldproof init`"));
}

#[tokio::test]
async fn the_change_log_cannot_be_rewritten_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = new_store(dir.path()).await;
    story::run(Arc::new(store.clone())).await;
    for statement in [
        "DELETE FROM changes",
        "UPDATE change_sets SET actor = 'mallory'",
        "DELETE FROM change_sets",
        "UPDATE ledger SET body = '{}' WHERE seq = 2",
        "DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger)",
    ] {
        let tamper = sqlx::query(statement).execute(&store.pool).await;
        assert!(
            tamper.is_err_and(|e| e.to_string().contains("append-only")),
            "{statement}"
        );
    }
    store.close().await;
    let reopened = SqliteStore::open(&dir.path().join("fieldproof.db"))
        .await
        .expect("reopen");
    assert_eq!(
        reopened.change_log(100).await.expect("log").len(),
        15,
        "the story records 15 change sets (4 of them the supplier register)"
    );
    assert_eq!(
        reopened.load_estate().await.expect("load").components.len(),
        1
    );
}

fn component(id: &str) -> Component {
    Component {
        id: id.into(),
        name: id.into(),
        kind: Kind::Bms,
        operated_by: Operator::Us,
        site: Site::OurFacility,
        zone: Zone::Ot,
        declared_scope: None,
        facts: Facts::of(&[Fact::AffectsAvailability]),
        subservice: None,
        description: None,
        owner: None,
        access_via: Vec::new(),
        telemetry: None,
        time_zone: None,
        assets: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_applies_from_two_stores_serialise() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = new_store(dir.path()).await;
    let second = SqliteStore::open(&dir.path().join("fieldproof.db"))
        .await
        .expect("open twice");
    let estate = |ids: &[&str]| Estate {
        time_zone: None,
        organisation: "Org".into(),
        service: "Svc".into(),
        components: ids.iter().map(|id| component(id)).collect(),
        ..Estate::default()
    };
    let (a, b) = (estate(&["a", "shared"]), estate(&["b", "shared"]));
    // Two tasks on two threads with their own connection pools, as two processes would be.
    let spawn = |store: SqliteStore, estate: Estate, at: &'static str, actor: &'static str| {
        tokio::spawn(async move { store.apply_estate(&estate, &story::meta(at, actor)).await })
    };
    let alice = spawn(first.clone(), a.clone(), "2026-01-02T00:00:00Z", "alice");
    let bob = spawn(second.clone(), b.clone(), "2026-01-02T00:00:01Z", "bob");
    let ra = alice.await.expect("task").expect("alice applies");
    let rb = bob.await.expect("task").expect("bob applies");
    // Whichever ran second diffed against the first's result, not the empty estate.
    let total_changes = ra.changes.len() + rb.changes.len();
    assert_eq!(
        total_changes,
        4 + 2,
        "first: 2 settings + 2 components; second: 1 added + 1 removed"
    );
    let log = first.change_log(10).await.expect("log");
    assert_eq!(log.len(), 2);
    let stored = first.load_estate().await.expect("load");
    let last = if log[0].meta.actor == "alice" { &a } else { &b };
    assert_eq!(stored.components, last.components);
}

/// Regression: the write-ahead log held the last changes after every command, so copying
/// fieldproof.db alone silently lost them. Closing folds the log into the main file.
#[tokio::test]
async fn regression_closing_leaves_one_file_with_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("fieldproof.db");
    let store = new_store(dir.path()).await;
    let estate = Estate {
        time_zone: None,
        organisation: "Org".into(),
        service: "Svc".into(),
        components: vec![component("bms")],
        ..Estate::default()
    };
    store
        .apply_estate(&estate, &story::meta("2026-01-02T00:00:00Z", "alice"))
        .await
        .expect("apply");
    store.close().await;
    let wal = dir.path().join("fieldproof.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the WAL is empty or gone after close"
    );
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).expect("copy the database file alone");
    let reopened = SqliteStore::open(&copy).await.expect("open the copy");
    assert_eq!(
        reopened.load_estate().await.expect("load").components.len(),
        1
    );
    reopened.close().await;
}

#[tokio::test]
async fn backup_writes_one_consistent_file_that_opens_as_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = new_store(dir.path()).await;
    story::run(Arc::new(store.clone())).await;
    let target = dir.path().join("backup.db");
    let info = store.backup(&target).await.expect("backup");
    assert!(info.bytes > 0);
    assert!(
        store.backup(&target).await.is_err(),
        "an existing file is never overwritten"
    );
    let copy = SqliteStore::open(&target).await.expect("open backup");
    assert_eq!(
        copy.ledger().await.expect("ledger"),
        store.ledger().await.expect("ledger")
    );
    assert_eq!(copy.change_log(100).await.expect("log").len(), 15);
    copy.close().await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ledger_appends_from_two_stores_leave_no_gap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = new_store(dir.path()).await;
    let second = SqliteStore::open(&dir.path().join("fieldproof.db"))
        .await
        .expect("open twice");
    let seal = |seq: i64, prev: &str| LedgerEntry {
        seq,
        prev: prev.to_string(),
        format: 2,
        body_sha256: None,
        body: serde_json::json!({ "seq": seq }),
        hash: format!("{seq:064x}"),
        signature: String::new(),
    };
    let run = |store: SqliteStore, tag: &'static str| {
        tokio::spawn(async move {
            for i in 0..20 {
                let update = IndexUpdate::Evidence {
                    sha256: "cd".repeat(32),
                    engagement: None,
                    dedup: format!("{tag}-{i}"),
                    supersedes: None,
                };
                store
                    .append(Append {
                        index: &update,
                        seal: &seal,
                    })
                    .await
                    .expect("append");
            }
        })
    };
    let (a, b) = (run(first.clone(), "a"), run(second.clone(), "b"));
    a.await.expect("task");
    b.await.expect("task");
    let ledger = first.ledger().await.expect("ledger");
    assert_eq!(ledger.len(), 40);
    for (i, entry) in ledger.iter().enumerate() {
        assert_eq!(entry.seq, i as i64 + 1);
        if i > 0 {
            assert_eq!(entry.prev, ledger[i - 1].hash);
        }
    }
    first.close().await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_into_an_empty_store_reads_back_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = new_store(dir.path()).await;
    story::run(Arc::new(store.clone())).await;
    let copy = SqliteStore::create(&dir.path().join("copy.db"), "2026-02-02T00:00:00Z", "x")
        .await
        .expect("create");
    story::restore(&store, &copy).await;
    copy.close().await;
    store.close().await;
}

#[tokio::test]
async fn sqlite_passes_the_accounts_story_and_hands_over_reviews_kept_with_the_accounts() {
    use fieldproof_store::accounts::AccountStore;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let accounts = SqliteAccountStore::open(&path).await.expect("open");
    story::accounts(&accounts).await;
    // An earlier version kept the auditor's reviews here; they are read for the move into the
    // workspace and then removed, organisation by organisation.
    for sql in [
        "INSERT INTO request_reviews (organisation, engagement, control, request, status, by_email, at) VALUES ('acme', 'e1', 'FP-A', 'R1', 'needs_more', 'aud@x', '2026-01-01T00:00:00Z')",
        "INSERT INTO request_reviews (organisation, engagement, control, request, status, by_email, at) VALUES ('beta', 'e1', 'FP-A', 'R1', 'accepted', 'aud@x', '2026-01-01T00:00:00Z')",
        "INSERT INTO request_comments (organisation, engagement, control, request, author, at, text) VALUES ('acme', 'e1', 'FP-A', 'R1', 'aud@x', '2026-01-01T00:00:00Z', 'more please')",
    ] {
        sqlx::query(sql).execute(&accounts.pool).await.expect(sql);
    }
    let (statuses, comments) = accounts
        .legacy_request_reviews("acme")
        .await
        .expect("legacy");
    assert_eq!(statuses.len(), 1);
    assert_eq!(
        statuses[0].status,
        fieldproof_core::access::ReviewStatus::NeedsMore
    );
    assert_eq!(comments[0].text, "more please");
    accounts
        .remove_legacy_request_reviews("acme")
        .await
        .expect("remove");
    assert!(accounts
        .legacy_request_reviews("acme")
        .await
        .expect("gone")
        .0
        .is_empty());
    assert_eq!(
        accounts
            .legacy_request_reviews("beta")
            .await
            .expect("kept")
            .0
            .len(),
        1
    );
}
