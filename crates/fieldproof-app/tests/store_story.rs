//! The backend-independent store story (estate, change log, catalogs, engagements, ledger),
//! run against the store named by `FIELDPROOF_TEST_STORE` — any URL the store factory accepts,
//! naming a store that does not exist yet — or, by default, a new SQLite file.

use fieldproof_app::workspace::{create_store, StoreUrl};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_story_passes_on_the_configured_backend() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("FIELDPROOF_TEST_STORE")
        .unwrap_or_else(|_| format!("sqlite:{}", dir.path().join("story.db").display()));
    let url = StoreUrl::parse(&url, dir.path()).expect("a store URL");
    let store = create_store(&url, "2026-01-01T00:00:00Z", "story")
        .await
        .expect("a new, empty store");
    fieldproof_store::story::run(store.clone()).await;
    store.close().await;
}
