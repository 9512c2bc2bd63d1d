//! The store story every backend must pass: apply, re-apply (no-op), change, remove, read back,
//! and the change log. Backends call [`run`] from their own tests (feature `story`) so SQLite
//! today and PostgreSQL later are held to the same behaviour.

use crate::{ChangeMeta, Store};
use fieldproof_core::diff::Action;
use fieldproof_core::{Component, Estate, Fact, Facts, Kind, Operator, Site, Zone};

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

/// Who and when, for change set `n` of the story.
pub fn meta(at: &str, actor: &str) -> ChangeMeta {
    ChangeMeta {
        at: at.into(),
        actor: actor.into(),
        command: "apply".into(),
        source: Some("estate.yaml".into()),
        source_sha256: Some("00".repeat(32)),
    }
}

/// Runs the story against an empty workspace store. Panics (test failure) on any deviation.
pub async fn run(store: &dyn Store) {
    let info = store.workspace().await.expect("workspace facts");
    assert!(info.schema_version >= 1);
    assert!(store
        .load_estate()
        .await
        .expect("empty estate")
        .components
        .is_empty());

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
        .apply_estate(&estate, &meta("2026-01-02T00:00:00Z", "alice"))
        .await
        .expect("first apply");
    assert_eq!(first.changes.len(), 4, "2 settings + 2 components");
    assert!(first.change_set.is_some());

    let again = store
        .apply_estate(&estate, &meta("2026-01-03T00:00:00Z", "alice"))
        .await
        .expect("re-apply");
    assert!(again.changes.is_empty());
    assert_eq!(again.change_set, None, "a no-op apply records nothing");

    estate.components[0].facts = Facts::of(&[Fact::ProcessesCustomerData]);
    estate.components.remove(1);
    let third = store
        .apply_estate(&estate, &meta("2026-01-04T00:00:00Z", "bob"))
        .await
        .expect("apply a change");
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
    assert_eq!(
        (loaded.organisation.as_str(), loaded.service.as_str()),
        ("Org", "Svc")
    );

    let log = store.change_log(10).await.expect("log");
    assert_eq!(log.len(), 2, "the no-op apply is not in the log");
    assert_eq!(
        (log[0].meta.actor.as_str(), log[0].meta.at.as_str()),
        ("bob", "2026-01-04T00:00:00Z")
    );
    assert_eq!(log[0].changes[1].fields, vec!["facts".to_string()]);
    assert_eq!(
        log[0].changes[0].after,
        serde_json::Value::Null,
        "a removal has no after"
    );
    assert_eq!(log[1].changes.len(), 4);
    assert!(log[0].id > log[1].id);
    assert_eq!(store.change_log(1).await.expect("limited log").len(), 1);

    // Imported catalogs: stored verbatim, re-importing the same document is a no-op, a new
    // version replaces it, and both imports are in the change log.
    let mut catalog = crate::StoredCatalog {
        id: "acme".into(),
        name: "Acme controls".into(),
        aliases: vec!["acme-controls".into()],
        kind: "controls".into(),
        source: "acme.json".into(),
        sha256: "11".repeat(32),
        document: "{\"catalog\": {}}".into(),
    };
    let first = store
        .save_catalog(&catalog, &meta("2026-01-05T00:00:00Z", "carol"))
        .await
        .expect("import");
    assert!(first.is_some());
    assert_eq!(
        store
            .save_catalog(&catalog, &meta("2026-01-06T00:00:00Z", "carol"))
            .await
            .expect("again"),
        None
    );
    catalog.sha256 = "22".repeat(32);
    assert!(store
        .save_catalog(&catalog, &meta("2026-01-07T00:00:00Z", "carol"))
        .await
        .expect("update")
        .is_some());
    assert_eq!(store.catalogs().await.expect("catalogs"), vec![catalog]);
    let log = store.change_log(2).await.expect("log");
    assert_eq!(
        (
            log[0].changes[0].entity.as_str(),
            log[0].changes[0].action.as_str()
        ),
        ("catalog", "changed")
    );
    assert_eq!(log[1].changes[0].action, "added");
}
