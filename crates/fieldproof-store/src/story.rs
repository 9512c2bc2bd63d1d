//! The store story every backend must pass: apply, re-apply (no-op), change, remove, read back,
//! the change log, catalog imports, engagements, and the ledger (duplicates, supersede and
//! retire checks inside the append, one winner for concurrent retires, no gaps under concurrent
//! appends, paging, the index). Backends call [`run`] from their own tests (feature `story`), and
//! the application layer runs it against any store URL, so SQLite and PostgreSQL are
//! held to the same behaviour.

use crate::{
    Append, Appended, ChangeMeta, EvidenceQuery, EvidenceState, IndexUpdate, LedgerEntry, Store,
    StoreError,
};
use fieldproof_core::diff::Action;
use fieldproof_core::engagement::{Engagement, Period, Report, ReportType};
use fieldproof_core::{Component, Estate, Fact, Facts, Kind, Operator, Site, TscCategory, Zone};
use std::sync::Arc;

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
        access_via: Vec::new(),
        telemetry: None,
        time_zone: None,
        assets: Vec::new(),
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

/// (entity, key, action) of each change, to compare with what a step should have done.
fn summary(changes: &[fieldproof_core::diff::Change]) -> Vec<(&str, &str, Action)> {
    changes
        .iter()
        .map(|c| (c.entity.as_str(), c.key.as_str(), c.action))
        .collect()
}

/// Runs the story against an empty workspace store. Panics (test failure) on any deviation.
pub async fn run(store: Arc<dyn Store>) {
    estate_and_catalogs(store.as_ref()).await;
    engagements(store.as_ref()).await;
    statuses(store.as_ref()).await;
    ledger(store).await;
}

async fn estate_and_catalogs(store: &dyn Store) {
    let info = store.workspace().await.expect("workspace facts");
    assert!(info.schema_version >= 1);
    assert!(store
        .load_estate()
        .await
        .expect("empty estate")
        .components
        .is_empty());

    let mut estate = Estate {
        time_zone: None,
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
    assert_eq!(
        summary(&third.changes),
        vec![
            ("component", "a", Action::Removed),
            ("component", "b", Action::Changed),
            // b now processes customer data: its scope decision changed, and the log says so
            ("scope_decision", "b", Action::Changed),
        ]
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

    // Time zones: the estate's and a component's are kept; taking the estate's out removes it
    // (UTC again).
    estate.time_zone = Some("America/Chicago".into());
    estate.components[0].time_zone = Some("Europe/Berlin".into());
    let zoned = store
        .apply_estate(&estate, &meta("2026-01-04T12:00:00Z", "bob"))
        .await
        .expect("time zones");
    assert_eq!(
        summary(&zoned.changes),
        vec![
            ("setting", "time_zone", Action::Added),
            ("component", "b", Action::Changed),
        ]
    );
    let loaded = store.load_estate().await.expect("load");
    assert_eq!(loaded.time_zone.as_deref(), Some("America/Chicago"));
    assert_eq!(loaded.components, estate.components);
    estate.time_zone = None;
    let utc = store
        .apply_estate(&estate, &meta("2026-01-04T13:00:00Z", "bob"))
        .await
        .expect("UTC again");
    assert_eq!(utc.changes.len(), 1);
    assert_eq!(utc.changes[0].action, Action::Removed);
    assert_eq!(store.load_estate().await.expect("load").time_zone, None);

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

async fn engagements(store: &dyn Store) {
    let mut engagement = Engagement {
        id: "soc2-2026".into(),
        name: "SOC 2 2026".into(),
        report: Report::Soc2,
        report_type: ReportType::TypeII,
        period: Period::parse("2026-01-01..2026-12-31").expect("period"),
        categories: vec![TscCategory::Security, TscCategory::Availability],
    };
    let meta = meta("2026-01-08T00:00:00Z", "dana");
    assert!(store
        .save_engagement(&engagement, &meta)
        .await
        .expect("create")
        .is_some());
    assert_eq!(
        store
            .save_engagement(&engagement, &meta)
            .await
            .expect("again"),
        None,
        "saving the same engagement records nothing"
    );
    engagement.name = "SOC 2 Type II 2026".into();
    assert!(store
        .save_engagement(&engagement, &meta)
        .await
        .expect("update")
        .is_some());
    assert_eq!(store.engagements().await.expect("list"), vec![engagement]);
    let log = store.change_log(1).await.expect("log");
    assert_eq!(
        (
            log[0].changes[0].entity.as_str(),
            log[0].changes[0].action.as_str()
        ),
        ("engagement", "changed")
    );
}

async fn statuses(store: &dyn Store) {
    use fieldproof_core::status::{ControlStatus, DesignStatus, RoadmapPin, StatusPlan};
    let status = |control: &str, status: DesignStatus| ControlStatus {
        control: control.into(),
        status,
        owner: "facilities".into(),
        rationale: "stated".into(),
        due: None,
    };
    assert_eq!(
        store.status_plan("soc2-2026").await.expect("empty"),
        StatusPlan::default()
    );
    let plan = StatusPlan {
        statuses: vec![
            status("FP-B", DesignStatus::Planned),
            status("FP-A", DesignStatus::Implemented),
        ],
        pins: vec![RoadmapPin {
            item: "FP-B".into(),
            phase: 1,
        }],
    };
    let meta = meta("2026-01-09T00:00:00Z", "dana");
    let first = store
        .save_status_plan("soc2-2026", &plan, false, &meta)
        .await
        .expect("apply");
    assert_eq!(first.changes.len(), 3);
    assert!(first.change_set.is_some());
    let again = store
        .save_status_plan("soc2-2026", &plan, false, &meta)
        .await
        .expect("again");
    assert!(
        again.changes.is_empty() && again.change_set.is_none(),
        "applying the same plan records nothing"
    );
    // `status set`: one control changes, the others stay.
    let one = StatusPlan {
        statuses: vec![status("FP-B", DesignStatus::Implemented)],
        pins: Vec::new(),
    };
    let set = store
        .save_status_plan("soc2-2026", &one, true, &meta)
        .await
        .expect("set");
    assert_eq!(set.changes.len(), 1);
    let stored = store.status_plan("soc2-2026").await.expect("read");
    assert_eq!(
        stored
            .statuses
            .iter()
            .map(|s| (s.control.as_str(), s.status))
            .collect::<Vec<_>>(),
        vec![
            ("FP-A", DesignStatus::Implemented),
            ("FP-B", DesignStatus::Implemented)
        ]
    );
    assert_eq!(stored.pin_of("FP-B"), Some(1));
    assert_eq!(
        store.status_plan("other").await.expect("other"),
        StatusPlan::default(),
        "plans are per engagement"
    );
    let log = store.change_log(1).await.expect("log");
    assert_eq!(
        (
            log[0].changes[0].entity.as_str(),
            log[0].changes[0].key.as_str(),
            log[0].changes[0].action.as_str(),
            log[0].changes[0].fields.clone()
        ),
        (
            "control_status",
            "soc2-2026#FP-B",
            "changed",
            vec!["status".to_string()]
        )
    );
    // A full application removes what the file no longer names.
    let removed = store
        .save_status_plan("soc2-2026", &StatusPlan::default(), false, &meta)
        .await
        .expect("clear");
    assert_eq!(removed.changes.len(), 3);
    assert_eq!(
        store.status_plan("soc2-2026").await.expect("cleared"),
        StatusPlan::default()
    );
}

/// A stand-in for the evidence layer's sealing: the story checks ordering and linkage, not
/// cryptography, so the "hash" is the position in hex and the body says what was appended.
fn sealer(label: &'static str) -> impl Fn(i64, &str) -> LedgerEntry + Send + Sync {
    move |seq, prev| LedgerEntry {
        seq,
        prev: prev.to_string(),
        format: 2,
        body_sha256: Some(format!("{:064x}", seq + 1_000_000)),
        body: serde_json::json!({ "action": label, "seq": seq }),
        hash: format!("{seq:064x}"),
        signature: "00".repeat(64),
    }
}

fn evidence(dedup: &str, engagement: Option<&str>, supersedes: Option<i64>) -> IndexUpdate {
    IndexUpdate::Evidence {
        sha256: "ab".repeat(32),
        engagement: engagement.map(str::to_string),
        dedup: dedup.to_string(),
        supersedes,
    }
}

async fn append(
    store: &dyn Store,
    update: &IndexUpdate,
    label: &'static str,
) -> Result<Appended, StoreError> {
    let seal = sealer(label);
    store
        .append(Append {
            index: update,
            seal: &seal,
        })
        .await
}

async fn appended(store: &dyn Store, update: IndexUpdate, label: &'static str) -> i64 {
    match append(store, &update, label).await.expect(label) {
        Appended::Entry(entry) => entry.seq,
        Appended::Duplicate { seq } => panic!("{label}: unexpected duplicate of {seq}"),
    }
}

async fn ledger(store: Arc<dyn Store>) {
    let s = store.as_ref();
    assert_eq!(s.head().await.expect("head"), None, "a new ledger is empty");
    assert_eq!(s.indexed_up_to().await.expect("indexed"), 0);
    let genesis = appended(
        s,
        IndexUpdate::Key {
            public_key: "11".repeat(32),
        },
        "genesis",
    )
    .await;
    assert_eq!(genesis, 1);
    let first = s.entry(1).await.expect("entry").expect("genesis stored");
    assert_eq!(first.prev, "0".repeat(64));
    assert_eq!(
        (first.format, first.body["action"].as_str()),
        (2, Some("genesis"))
    );

    // Duplicates: current evidence with the same dedup key appends nothing.
    let a = appended(s, evidence("a", Some("e1"), None), "add a").await;
    assert_eq!(
        append(s, &evidence("a", Some("e1"), None), "add a again")
            .await
            .expect("duplicate"),
        Appended::Duplicate { seq: a }
    );
    assert_eq!(s.head().await.expect("head").map(|h| h.seq), Some(a));

    // Supersede: the old evidence must be current, and becomes superseded.
    let b = appended(s, evidence("b", Some("e1"), Some(a)), "supersede a").await;
    let state = |seq: i64| {
        let store = Arc::clone(&store);
        async move {
            store
                .evidence(&EvidenceQuery::At(seq))
                .await
                .expect("index")
                .first()
                .map(|e| e.state)
        }
    };
    assert_eq!(state(a).await, Some(EvidenceState::Superseded { by: b }));
    match append(s, &evidence("c", Some("e1"), Some(a)), "supersede a again").await {
        Err(StoreError::NotCurrent { seq, state }) => {
            assert_eq!((seq, state), (a, EvidenceState::Superseded { by: b }))
        }
        other => panic!("superseding superseded evidence: {other:?}"),
    }
    match append(s, &IndexUpdate::Retire { seq: 1 }, "retire genesis").await {
        Err(StoreError::NotCurrent { state, .. }) => assert_eq!(state, EvidenceState::Missing),
        other => panic!("retiring a non-evidence entry: {other:?}"),
    }

    // Two concurrent retires of one item: exactly one wins, the other is told why.
    let retire = IndexUpdate::Retire { seq: b };
    let (x, y) = tokio::join!(
        append(s, &retire, "retire b"),
        append(s, &retire, "retire b")
    );
    let (wins, losses): (Vec<_>, Vec<_>) = [x, y].into_iter().partition(Result::is_ok);
    assert_eq!((wins.len(), losses.len()), (1, 1), "one retire wins");
    assert!(matches!(
        losses[0],
        Err(StoreError::NotCurrent {
            state: EvidenceState::Retired { .. },
            ..
        })
    ));

    // Concurrent appends from many tasks: all land, numbered without gaps, each linked to the
    // one before.
    let before = s.head().await.expect("head").map_or(0, |h| h.seq);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let update = evidence(&format!("concurrent-{i}"), None, None);
                append(store.as_ref(), &update, "concurrent add")
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task ran").expect("concurrent append");
    }
    let all = s.ledger().await.expect("ledger");
    assert_eq!(all.len() as i64, before + 16);
    for (index, entry) in all.iter().enumerate() {
        assert_eq!(entry.seq, index as i64 + 1, "no gaps");
        let prev = if index == 0 {
            "0".repeat(64)
        } else {
            all[index - 1].hash.clone()
        };
        assert_eq!(
            entry.prev, prev,
            "entry {} links to its predecessor",
            entry.seq
        );
    }
    let page = s.entries(2, 3).await.expect("page");
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );

    // The index: current evidence of an engagement includes unassigned evidence.
    let current = s
        .evidence(&EvidenceQuery::CurrentFor("e1".into()))
        .await
        .expect("current");
    assert_eq!(
        current.len(),
        16,
        "b is retired, a superseded; 16 unassigned"
    );
    assert!(current.iter().all(|e| e.state == EvidenceState::Current));
    assert_eq!(
        s.evidence(&EvidenceQuery::All).await.expect("all").len(),
        18
    );
    assert_eq!(
        s.keys().await.expect("keys").first().map(|k| k.seq),
        Some(1)
    );
    assert_eq!(s.indexed_up_to().await.expect("indexed"), all.len() as i64);
}

/// The copy `store migrate` makes: everything `from` holds (after [`run`]) restored into the
/// empty `into` reads back the same, change set numbers and ledger entries included; the index
/// is left for catch-up; a second restore is refused and changes nothing.
pub async fn restore(from: &dyn Store, into: &dyn Store) {
    use fieldproof_core::status::{ControlStatus, DesignStatus, StatusPlan};
    let plan = StatusPlan {
        statuses: vec![ControlStatus {
            control: "FP-A".into(),
            status: DesignStatus::Planned,
            owner: "ops".into(),
            rationale: "kept across backends".into(),
            due: None,
        }],
        pins: Vec::new(),
    };
    from.save_status_plan(
        "soc2-2026",
        &plan,
        false,
        &meta("2026-01-10T00:00:00Z", "erin"),
    )
    .await
    .expect("a plan to copy");
    let snapshot = crate::Snapshot::of(from).await.expect("snapshot");
    assert!(!snapshot.is_empty());
    assert!(!snapshot.statuses.is_empty(), "the story sets statuses");
    into.restore(&snapshot)
        .await
        .expect("restore into an empty store");
    let copy = crate::Snapshot::of(into)
        .await
        .expect("snapshot of the copy");
    assert_eq!(copy.estate, snapshot.estate, "the copy's estate");
    assert_eq!(
        copy.change_log, snapshot.change_log,
        "the copy's change log"
    );
    assert_eq!(copy.catalogs, snapshot.catalogs, "the copy's catalogs");
    assert_eq!(
        copy.engagements, snapshot.engagements,
        "the copy's engagements"
    );
    assert_eq!(copy.statuses, snapshot.statuses, "the copy's statuses");
    assert_eq!(copy.ledger, snapshot.ledger, "the copy's ledger");
    assert_eq!(copy, snapshot, "the copy reads back the same");
    assert_eq!(into.indexed_up_to().await.expect("indexed"), 0);
    assert_eq!(
        into.head().await.expect("head"),
        from.head().await.expect("head")
    );
    match into.restore(&snapshot).await {
        Err(StoreError::AlreadyInitialised { .. }) => {}
        other => panic!("restoring into a store with data: {other:?}"),
    }
    assert_eq!(
        crate::Snapshot::of(into).await.expect("snapshot"),
        snapshot,
        "a refused restore changes nothing"
    );
}
