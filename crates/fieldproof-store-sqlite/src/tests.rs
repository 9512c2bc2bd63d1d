//! SQLite runs the shared store story, plus what only SQLite can show: creation rules, the
//! append-only triggers, reopening, and concurrent applies from two connections pools.

use super::*;
use fieldproof_core::{Component, Fact, Facts, Kind, Operator, Site, Zone};
use fieldproof_store::story;

async fn new_store(dir: &Path) -> SqliteStore {
    SqliteStore::create(&dir.join("fieldproof.db"), "2026-01-01T00:00:00Z", "tester")
        .await
        .expect("create")
}

#[tokio::test]
async fn sqlite_passes_the_store_story() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = new_store(dir.path()).await;
    story::run(&store).await;
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
    story::run(&store).await;
    for statement in [
        "DELETE FROM changes",
        "UPDATE change_sets SET actor = 'mallory'",
        "DELETE FROM change_sets",
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
    assert_eq!(reopened.change_log(10).await.expect("log").len(), 4);
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
