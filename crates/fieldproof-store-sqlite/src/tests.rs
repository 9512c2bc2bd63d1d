//! The store story, run against SQLite: init, apply, re-apply (no-op), change, remove, history,
//! append-only log, reopen.

use super::*;
use fieldproof_core::{Fact, Facts, Kind, Operator, Site, Zone};

fn component(id: &str, facts: &[Fact]) -> Component {
    Component {
        id: id.into(),
        name: format!("{id} name"),
        kind: Kind::Dcim,
        operated_by: Operator::Us,
        site: Site::OurFacility,
        zone: Zone::Ot,
        declared_scope: None,
        facts: Facts::of(facts),
        subservice: None,
        description: None,
        owner: None,
    }
}

fn meta(at: &str) -> ChangeMeta {
    ChangeMeta {
        at: at.into(),
        actor: "tester".into(),
        command: "apply".into(),
        source: Some("estate.yaml".into()),
        source_sha256: Some("00".repeat(32)),
    }
}

#[tokio::test]
async fn store_story() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fieldproof.db");
    let store = SqliteStore::create(&path, "2026-01-01T00:00:00Z", "tester")
        .await
        .expect("create");
    assert!(matches!(
        SqliteStore::create(&path, "x", "y").await,
        Err(StoreError::AlreadyInitialised { .. })
    ));
    let info = store.workspace().await.expect("info");
    assert_eq!(info.created_by, "tester");
    assert_eq!(info.schema_version, 1);

    let mut estate = Estate {
        organisation: "Org".into(),
        service: "Svc".into(),
        components: vec![
            component("b", &[]),
            component("a", &[Fact::AffectsAvailability]),
        ],
        ..Estate::default()
    };
    let first = store
        .apply_estate(&estate, &meta("2026-01-02T00:00:00Z"))
        .await
        .expect("apply");
    assert_eq!(first.changes.len(), 4, "2 settings + 2 components");
    assert_eq!(first.change_set, Some(1));

    let again = store
        .apply_estate(&estate, &meta("2026-01-03T00:00:00Z"))
        .await
        .expect("re-apply");
    assert!(again.changes.is_empty());
    assert_eq!(again.change_set, None, "a no-op apply records nothing");

    estate.components[0].facts = Facts::of(&[Fact::ProcessesCustomerData]);
    estate.components.remove(1);
    let third = store
        .apply_estate(&estate, &meta("2026-01-04T00:00:00Z"))
        .await
        .expect("apply change");
    let summary: Vec<(&str, Action)> = third
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.action))
        .collect();
    assert_eq!(
        summary,
        vec![("a", Action::Removed), ("b", Action::Changed)]
    );

    let loaded = store.load_estate().await.expect("load");
    assert_eq!(loaded.components, estate.components);
    assert_eq!(loaded.organisation, "Org");

    let log = store.change_log(10).await.expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].meta.at, "2026-01-04T00:00:00Z");
    assert_eq!(log[0].changes[1].fields, vec!["facts".to_string()]);
    assert_eq!(log[1].changes.len(), 4);

    // History cannot be rewritten.
    let tamper = sqlx::query("DELETE FROM changes")
        .execute(&store.pool)
        .await;
    assert!(tamper.is_err_and(|e| e.to_string().contains("append-only")));

    store.close().await;
    let reopened = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(
        reopened.load_estate().await.expect("load").components.len(),
        1
    );
}

#[tokio::test]
async fn opening_a_missing_workspace_says_how_to_create_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = SqliteStore::open(&dir.path().join("none.db"))
        .await
        .err()
        .map(|e| e.to_string());
    assert!(err.unwrap_or_default().contains("run `fieldproof init`"));
}
