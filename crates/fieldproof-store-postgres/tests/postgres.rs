//! The PostgreSQL backend against a real server: the throw-away cluster of
//! `fieldproof_store_postgres::testing` (initdb and pg_ctl from Debian's postgresql package).

use fieldproof_core::{Component, Estate, Fact, Facts, Kind, Operator, Site, Zone};
use fieldproof_store::{
    story, Append, Appended, ChangeLogStore, EstateStore, EvidenceQuery, IndexUpdate, LedgerEntry,
    LedgerStore, Store, StoreError, WorkspaceStore,
};
use fieldproof_store_postgres::testing::TestCluster;
use fieldproof_store_postgres::{PgStore, PgUrl};
use std::sync::Arc;

async fn new_store(database: &str, workspace: &str) -> PgStore {
    let url = PgUrl::parse(&format!("{database}?workspace={workspace}")).expect("url");
    PgStore::create(&url, "2026-01-01T00:00:00Z", "tester")
        .await
        .expect("create the workspace")
}

fn seal(tag: &'static str) -> impl Fn(i64, &str) -> LedgerEntry + Send + Sync {
    move |seq, prev| LedgerEntry {
        seq,
        prev: prev.to_string(),
        format: 2,
        body_sha256: None,
        body: serde_json::json!({ "seq": seq, "by": tag }),
        hash: format!("{seq:060x}{:04x}", tag.len()),
        signature: String::new(),
    }
}

async fn add(store: &dyn Store, dedup: String, tag: &'static str) -> i64 {
    let update = IndexUpdate::Evidence {
        sha256: "cd".repeat(32),
        engagement: None,
        dedup,
        supersedes: None,
    };
    let seal = seal(tag);
    match store
        .append(Append {
            index: &update,
            seal: &seal,
        })
        .await
        .expect("append")
    {
        Appended::Entry(e) => e.seq,
        Appended::Duplicate { seq } => panic!("duplicate of {seq}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_store_story_and_the_copy() {
    let db = TestCluster::shared().database();
    let store = new_store(&db, "story").await;
    story::run(Arc::new(store.clone())).await;
    let copy = new_store(&db, "copy").await;
    story::restore(&store, &copy).await;
    store.close().await;
    copy.close().await;
}

#[tokio::test]
async fn create_refuses_an_existing_workspace_and_open_a_missing_one() {
    let db = TestCluster::shared().database();
    let first = new_store(&db, "acme").await;
    let url = PgUrl::parse(&format!("{db}?workspace=acme")).expect("url");
    assert!(matches!(
        PgStore::create(&url, "2026-01-01T00:00:00Z", "x").await,
        Err(StoreError::AlreadyInitialised { .. })
    ));
    let missing = PgUrl::parse(&format!("{db}?workspace=nobody")).expect("url");
    match PgStore::open(&missing).await {
        Err(StoreError::NotInitialised { location }) => {
            assert!(location.ends_with("?workspace=nobody"), "{location}")
        }
        other => panic!("opening a missing workspace: {other:?}"),
    }
    first.close().await;
}

fn component(id: &str) -> Component {
    Component {
        id: id.into(),
        name: format!("{id} name"),
        kind: Kind::Scada,
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

/// Organisations share one database: each workspace sees only its own rows, numbers its own
/// change sets and ledger from 1, and every table keys its rows by workspace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspaces_in_one_database_are_isolated() {
    let cluster = TestCluster::shared();
    let db = cluster.database();
    let acme = new_store(&db, "acme").await;
    let beta = new_store(&db, "beta").await;
    let estate = Estate {
        time_zone: None,
        organisation: "Acme".into(),
        service: "Colo".into(),
        components: vec![component("bms"), component("dcim")],
        ..Estate::default()
    };
    let applied = acme
        .apply_estate(&estate, &story::meta("2026-01-02T00:00:00Z", "alice"))
        .await
        .expect("apply");
    assert_eq!(applied.change_set, Some(1));
    assert!(beta
        .load_estate()
        .await
        .expect("beta")
        .components
        .is_empty());
    assert!(beta.change_log(10).await.expect("log").is_empty());
    let beta_estate = Estate {
        time_zone: None,
        components: vec![component("bms")],
        ..estate.clone()
    };
    let beta_applied = beta
        .apply_estate(&beta_estate, &story::meta("2026-01-02T00:00:00Z", "bob"))
        .await
        .expect("apply");
    assert_eq!(beta_applied.change_set, Some(1), "numbered per workspace");
    assert_eq!(acme.load_estate().await.expect("acme").components.len(), 2);

    assert_eq!(add(&acme, "a1".into(), "acme").await, 1);
    assert_eq!(add(&acme, "a2".into(), "acme").await, 2);
    assert_eq!(
        add(&beta, "a1".into(), "beta").await,
        1,
        "same dedup key, other workspace"
    );
    assert_eq!(beta.ledger().await.expect("ledger").len(), 1);
    assert_eq!(
        acme.evidence(&EvidenceQuery::All)
            .await
            .expect("index")
            .len(),
        2
    );
    assert_eq!(beta.head().await.expect("head").map(|h| h.seq), Some(1));

    let url = db.rsplit('/').next().expect("database name");
    let unkeyed = cluster.psql(
        url,
        "SELECT string_agg(table_name, ',') FROM information_schema.tables t \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' \
         AND NOT EXISTS (SELECT 1 FROM information_schema.columns c \
           WHERE c.table_name = t.table_name AND c.column_name = 'workspace')",
    );
    assert_eq!(unkeyed, "", "tables without a workspace column");
    acme.close().await;
    beta.close().await;
}

/// The ledger and the change log are append-only in the database: the application role has no
/// privilege to change them, and triggers refuse it to the owner (a superuser here) too.
#[tokio::test]
async fn the_ledger_and_the_change_log_are_append_only_in_the_database() {
    let cluster = TestCluster::shared();
    let db = cluster.database();
    let store = new_store(&db, "acme").await;
    let key = IndexUpdate::Key {
        public_key: "11".repeat(32),
    };
    let genesis = seal("genesis");
    store
        .append(Append {
            index: &key,
            seal: &genesis,
        })
        .await
        .expect("genesis");
    add(&store, "x".into(), "acme").await;
    store
        .apply_estate(
            &Estate {
                time_zone: None,
                components: vec![component("plc")],
                ..Estate::default()
            },
            &story::meta("2026-01-02T00:00:00Z", "alice"),
        )
        .await
        .expect("apply");
    let name = db.rsplit('/').next().expect("database name");
    let psql_fails = |sql: &str| -> String {
        let output = std::process::Command::new(
            fieldproof_store_postgres::testing::bin("psql").expect("psql"),
        )
        .arg(format!("{}/{name}", cluster.server))
        .args(["-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", sql])
        .output()
        .expect("psql runs");
        assert!(!output.status.success(), "{sql} must fail");
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    for sql in [
        "UPDATE ledger SET body = '{}'",
        "DELETE FROM ledger",
        "TRUNCATE ledger CASCADE",
        "UPDATE changes SET after = 'null'",
        "DELETE FROM change_sets",
        "DELETE FROM ledger_keys",
    ] {
        let owner = psql_fails(sql);
        assert!(owner.contains("append-only"), "{sql} as the owner: {owner}");
        let app = psql_fails(&format!("SET ROLE fieldproof_app; {sql}"));
        assert!(
            app.contains("permission denied"),
            "{sql} as the application role: {app}"
        );
    }
    assert_eq!(store.ledger().await.expect("ledger").len(), 2);
    assert_eq!(store.change_log(10).await.expect("log").len(), 1);
    store.close().await;
}

/// Two stores with their own connection pools (as two server processes have) appending at
/// once: every append lands, numbered without gaps and linked in one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_from_two_pools_leave_no_gap_or_fork() {
    let db = TestCluster::shared().database();
    let first = new_store(&db, "acme").await;
    let url = PgUrl::parse(&format!("{db}?workspace=acme")).expect("url");
    let second = PgStore::open(&url).await.expect("open twice");
    let tasks: Vec<_> = (0..8)
        .map(|writer| {
            let store = if writer % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                for i in 0..25 {
                    add(&store, format!("w{writer}-{i}"), "writer").await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    let all = first.ledger().await.expect("ledger");
    assert_eq!(all.len(), 200);
    for (i, entry) in all.iter().enumerate() {
        assert_eq!(entry.seq, i as i64 + 1);
        if i > 0 {
            assert_eq!(entry.prev, all[i - 1].hash);
        }
    }
    assert_eq!(first.indexed_up_to().await.expect("indexed"), 200);
    first.close().await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_accounts_story() {
    let db = TestCluster::shared().database();
    let url = PgUrl::parse(&db).expect("url");
    let accounts = fieldproof_store_postgres::PgAccountStore::open(&url)
        .await
        .expect("open the accounts");
    story::accounts(&accounts).await;
    fieldproof_store::accounts::AccountStore::close(&accounts).await;
    // Opening again finds the schema migrated.
    let again = fieldproof_store_postgres::PgAccountStore::open(&url)
        .await
        .expect("reopen");
    assert_eq!(
        fieldproof_store::accounts::AccountStore::organisations(&again)
            .await
            .expect("organisations")
            .len(),
        2
    );
}
