//! The backend-independent store story (estate, change log, catalogs, engagements, statuses,
//! ledger, and the copy `store migrate` makes), through the application's store factory, on
//! both backends: a new SQLite file, and a workspace in a real PostgreSQL database (the
//! throw-away cluster of `fieldproof_store_postgres::testing`).

use fieldproof_app::workspace::{create_store, StoreUrl};
use fieldproof_store_postgres::testing::TestCluster;

async fn story_on(url: &str, copy: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = StoreUrl::parse(url, dir.path()).expect("a store URL");
    let store = create_store(&url, "2026-01-01T00:00:00Z", "story")
        .await
        .expect("a new, empty store");
    fieldproof_store::story::run(store.clone()).await;
    let copy = StoreUrl::parse(copy, dir.path()).expect("a store URL");
    let copy = create_store(&copy, "2026-01-01T00:00:00Z", "story")
        .await
        .expect("a second store");
    fieldproof_store::story::restore(store.as_ref(), copy.as_ref()).await;
    store.close().await;
    copy.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_story_passes_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    story_on(
        &format!("sqlite:{}", dir.path().join("story.db").display()),
        &format!("sqlite:{}", dir.path().join("copy.db").display()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_story_passes_on_postgres() {
    let db = TestCluster::shared().database();
    story_on(
        &format!("{db}?workspace=story"),
        &format!("{db}?workspace=copy"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_workspace_copies_into_sqlite_and_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestCluster::shared().database();
    story_on(
        &format!("{db}?workspace=origin"),
        &format!("sqlite:{}", dir.path().join("copy.db").display()),
    )
    .await;
}
