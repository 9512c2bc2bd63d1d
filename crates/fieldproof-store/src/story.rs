//! The store story every backend must pass: apply, re-apply (no-op), change, remove, read back,
//! the change log, catalog imports, engagements, and the ledger (duplicates, supersede and
//! retire checks inside the append, one winner for concurrent retires, no gaps under concurrent
//! appends, paging, the index). Backends call [`run`] from their own tests (feature `story`), and
//! the application layer runs it against any store URL, so SQLite and PostgreSQL are
//! held to the same behaviour.

use crate::accounts::{AccountStore, NewSession, NewToken, OrganisationRecord};
use crate::{
    Append, Appended, ChangeMeta, EvidenceQuery, EvidenceState, IndexUpdate, LedgerEntry,
    RequestCommentRecord, RequestStatusRecord, Store, StoreError,
};
use fieldproof_core::access::{ReviewStatus, Role};
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
    reviews(store.as_ref()).await;
    register(store.as_ref()).await;
    ledger(store).await;
}

/// The supplier register: entries saved with their change log records, unchanged saves record
/// nothing, a reviewed report is added once, and entries read back by kind and key.
async fn register(store: &dyn Store) {
    use crate::{RegisterEntry, RegisterKind};
    let supplier = RegisterEntry {
        kind: RegisterKind::Supplier,
        key: "gridline".into(),
        body: serde_json::json!({"id": "gridline", "name": "Gridline Monitoring Inc.", "note": "<b>&amp;</b> 'quoted'\nsecond line"}),
    };
    let before = store.change_log(u32::MAX).await.expect("log").len();
    let set = store
        .save_register_entry(&supplier, false, &meta("2026-03-01T09:00:00Z", "lee"))
        .await
        .expect("a supplier")
        .expect("a change set");
    assert_eq!(
        store
            .save_register_entry(&supplier, false, &meta("2026-03-01T09:01:00Z", "lee"))
            .await
            .expect("saved again"),
        None,
        "an unchanged entry records nothing"
    );
    let mut changed = supplier.clone();
    changed.body["criticality"] = serde_json::json!("critical");
    store
        .save_register_entry(&changed, false, &meta("2026-03-02T09:00:00Z", "kim"))
        .await
        .expect("changed")
        .expect("a change set");
    let review = RegisterEntry {
        kind: RegisterKind::ReportReview,
        key: "gridline/1".into(),
        body: serde_json::json!({"number": 1, "findings": ["carve-out"]}),
    };
    store
        .save_register_entry(&review, true, &meta("2026-03-03T09:00:00Z", "lee"))
        .await
        .expect("a review")
        .expect("a change set");
    let mut again = review.clone();
    again.body["findings"] = serde_json::json!([]);
    match store
        .save_register_entry(&again, true, &meta("2026-03-03T09:05:00Z", "lee"))
        .await
    {
        Err(StoreError::Exists { what, key }) => {
            assert_eq!((what, key.as_str()), ("report_review", "gridline/1"));
        }
        other => panic!("a reviewed report added twice: {other:?}"),
    }
    let answer = RegisterEntry {
        kind: RegisterKind::CuecAnswer,
        key: "gridline/1/2".into(),
        body: serde_json::json!({"status": "gap", "owner": "ops"}),
    };
    store
        .save_register_entry(&answer, false, &meta("2026-03-04T09:00:00Z", "kim"))
        .await
        .expect("an answer");
    assert_eq!(
        store
            .register_entries(RegisterKind::Supplier)
            .await
            .expect("suppliers"),
        vec![changed.clone()]
    );
    assert_eq!(
        store
            .register_entries(RegisterKind::ReportReview)
            .await
            .expect("reviews"),
        vec![review.clone()],
        "the refused second add changed nothing"
    );
    assert_eq!(
        store
            .register_entries(RegisterKind::CuecAnswer)
            .await
            .expect("answers"),
        vec![answer.clone()]
    );
    let log = store.change_log(u32::MAX).await.expect("log");
    assert_eq!(log.len(), before + 4, "four changes recorded");
    let first = log.iter().find(|c| c.id == set).expect("the first set");
    assert_eq!(first.meta.actor, "lee");
    assert_eq!(
        (
            first.changes[0].entity.as_str(),
            first.changes[0].key.as_str(),
            first.changes[0].action.as_str()
        ),
        ("supplier", "gridline", "added")
    );
    assert_eq!(first.changes[0].after, supplier.body);
    let second = &log[log.len() - before - 2];
    assert_eq!(second.changes[0].action, "changed");
    assert_eq!(second.changes[0].before, supplier.body);
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

/// The auditor's review: statuses and comments read back per engagement and for all, in the
/// order given, the same text byte for byte.
async fn reviews(store: &dyn Store) {
    let status = |engagement: &str, request: &str, status, at: &str| RequestStatusRecord {
        engagement: engagement.into(),
        control: "FP-A".into(),
        request: request.into(),
        status,
        by: "auditor@example.com".into(),
        at: at.into(),
    };
    let given = [
        status(
            "soc2-2026",
            "R1",
            ReviewStatus::NeedsMore,
            "2026-02-01T10:00:00Z",
        ),
        status(
            "soc2-2025",
            "R1",
            ReviewStatus::Accepted,
            "2026-02-01T10:00:00Z",
        ),
        status(
            "soc2-2026",
            "R1",
            ReviewStatus::Accepted,
            "2026-02-02T10:00:00Z",
        ),
    ];
    for s in &given {
        store.add_request_status(s).await.expect("a status");
    }
    let comment = RequestCommentRecord {
        engagement: "soc2-2026".into(),
        control: "FP-A".into(),
        request: "R1".into(),
        author: "lead@example.com".into(),
        at: "2026-02-01T11:00:00Z".into(),
        text: "Attached the March export <b>&amp;</b> 'quoted'\nsecond line".into(),
    };
    store
        .add_request_comment(&comment)
        .await
        .expect("a comment");
    assert_eq!(
        store
            .request_statuses(Some("soc2-2026"))
            .await
            .expect("statuses"),
        vec![given[0].clone(), given[2].clone()],
        "an engagement's statuses, oldest first"
    );
    assert_eq!(
        store.request_statuses(None).await.expect("all statuses"),
        given.to_vec()
    );
    assert_eq!(
        store
            .request_comments(Some("soc2-2026"))
            .await
            .expect("comments"),
        vec![comment.clone()]
    );
    assert!(store
        .request_comments(Some("soc2-2025"))
        .await
        .expect("none")
        .is_empty());
}

/// The accounts of a server, on an empty account store: organisations, users and their
/// memberships, sessions, tokens (live only while unrevoked, unexpired and still a member),
/// the throttle counting and its windows, and a member's removal revoking their tokens.
pub async fn accounts(store: &dyn AccountStore) {
    let org = |id: &str| OrganisationRecord {
        id: id.into(),
        name: format!("{id} Ltd"),
        created_at: "2026-01-01T00:00:00Z".into(),
    };
    assert!(store.add_organisation(&org("acme")).await.expect("add"));
    assert!(!store.add_organisation(&org("acme")).await.expect("again"));
    assert!(store.add_organisation(&org("beta")).await.expect("add"));
    assert_eq!(
        store
            .organisations()
            .await
            .expect("list")
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        ["acme", "beta"]
    );
    assert!(store.user("ann@example.com").await.expect("none").is_none());
    let ann = store
        .add_user("ann@example.com", "$argon2id$hash", "2026-01-01T00:00:00Z")
        .await
        .expect("user");
    assert_eq!(
        store
            .user("ann@example.com")
            .await
            .expect("read")
            .map(|u| (u.id, u.password_hash)),
        Some((ann, "$argon2id$hash".to_string()))
    );
    store
        .set_membership(ann, "acme", Role::Editor, None)
        .await
        .expect("member");
    store
        .set_membership(ann, "beta", Role::Auditor, Some("soc2-2026"))
        .await
        .expect("auditor");
    store
        .set_membership(ann, "acme", Role::Owner, None)
        .await
        .expect("a new role replaces the old");
    let held = store.memberships(ann).await.expect("memberships");
    assert_eq!(held.len(), 2);
    assert_eq!(
        (held[0].organisation.as_str(), held[0].role),
        ("acme", Role::Owner)
    );
    assert_eq!(held[0].name, "acme Ltd");
    assert_eq!(held[1].engagement.as_deref(), Some("soc2-2026"));

    // Sessions: found by digest until they end.
    store
        .add_session(&NewSession {
            token_sha256: "s1".into(),
            user_id: ann,
            csrf: "c1".into(),
            expires_at: "2026-01-02T00:00:00Z".into(),
        })
        .await
        .expect("session");
    let live = store
        .session("s1", "2026-01-01T12:00:00Z")
        .await
        .expect("read");
    assert_eq!(
        live.map(|s| (s.email, s.csrf)),
        Some(("ann@example.com".into(), "c1".into()))
    );
    assert!(store
        .session("s1", "2026-01-02T00:00:00Z")
        .await
        .expect("ended")
        .is_none());
    // A session remembers the engagement it chose, per organisation, until it ends.
    assert_eq!(
        store
            .session_engagement("s1", "acme")
            .await
            .expect("none yet"),
        None
    );
    for chosen in ["soc2-2026", "soc2-2027"] {
        store
            .choose_session_engagement("s1", "acme", chosen)
            .await
            .expect("choose");
    }
    store
        .choose_session_engagement("s1", "globex", "iso-2026")
        .await
        .expect("choose elsewhere");
    assert_eq!(
        store.session_engagement("s1", "acme").await.expect("read"),
        Some("soc2-2027".to_string()),
        "the later choice replaces the earlier"
    );
    assert_eq!(
        store
            .session_engagement("s1", "globex")
            .await
            .expect("read"),
        Some("iso-2026".to_string())
    );
    store.remove_session("s1").await.expect("logout");
    assert_eq!(
        store.session_engagement("s1", "acme").await.expect("gone"),
        None,
        "a choice ends with its session"
    );
    assert!(store
        .session("s1", "2026-01-01T12:00:00Z")
        .await
        .expect("gone")
        .is_none());

    // Tokens.
    let token = |digest: &str, reference: &str, role, expires: Option<&str>| NewToken {
        token_sha256: digest.into(),
        token_ref: reference.into(),
        user_id: ann,
        organisation: "acme".into(),
        role,
        name: "ci".into(),
        created_at: "2026-01-01T00:00:00Z".into(),
        expires_at: expires.map(str::to_string),
    };
    store
        .add_token(&token("t1", "aaaaaaaaaaaa", Role::Editor, None))
        .await
        .expect("token");
    store
        .add_token(&token(
            "t2",
            "bbbbbbbbbbbb",
            Role::Viewer,
            Some("2026-01-05T00:00:00Z"),
        ))
        .await
        .expect("expiring token");
    let grant = store
        .token("t1", "2026-01-03T00:00:00Z")
        .await
        .expect("read")
        .expect("live");
    assert_eq!(
        (grant.token_role, grant.membership.role),
        (Role::Editor, Role::Owner)
    );
    assert_eq!(grant.user.email, "ann@example.com");
    assert!(grant.last_used_at.is_none());
    store
        .touch_token("t1", "2026-01-03T00:00:00Z")
        .await
        .expect("touch");
    assert_eq!(
        store
            .token("t1", "2026-01-03T00:01:00Z")
            .await
            .expect("read")
            .and_then(|g| g.last_used_at),
        Some("2026-01-03T00:00:00Z".into())
    );
    assert!(store
        .token("t2", "2026-01-05T00:00:00Z")
        .await
        .expect("expired")
        .is_none());
    assert!(store
        .revoke_token("acme", "aaaaaaaaaaaa", "2026-01-04T00:00:00Z", "ann")
        .await
        .expect("revoke"));
    assert!(!store
        .revoke_token("acme", "aaaaaaaaaaaa", "2026-01-04T00:00:00Z", "ann")
        .await
        .expect("twice"));
    assert!(!store
        .revoke_token("beta", "bbbbbbbbbbbb", "2026-01-04T00:00:00Z", "ann")
        .await
        .expect("another organisation's"));
    assert!(store
        .token("t1", "2026-01-04T00:00:00Z")
        .await
        .expect("revoked")
        .is_none());
    let listed = store.tokens("acme").await.expect("tokens");
    assert_eq!(listed.len(), 2);
    let t1 = listed
        .iter()
        .find(|t| t.token_ref == "aaaaaaaaaaaa")
        .expect("t1 listed");
    assert_eq!(t1.revoked_by.as_deref(), Some("ann"));
    assert_eq!(t1.member_role, Some(Role::Owner));

    // Removing the member revokes their live tokens, in the same transaction.
    assert_eq!(
        store
            .remove_membership(ann, "acme", "2026-01-04T00:00:00Z", "owner")
            .await
            .expect("remove"),
        Some(1)
    );
    assert_eq!(
        store
            .remove_membership(ann, "acme", "2026-01-04T00:00:00Z", "owner")
            .await
            .expect("again"),
        None
    );
    assert!(store
        .tokens("acme")
        .await
        .expect("tokens")
        .iter()
        .all(|t| t.member_role.is_none()));
    assert_eq!(store.memberships(ann).await.expect("left").len(), 1);

    // The throttle: a window counts, starts again once it has ended, takes attempts back.
    let at = "2026-01-01T00:00:00Z";
    assert_eq!(
        store
            .reserve_attempt("k", at, "2025-12-31T23:45:00Z")
            .await
            .expect("one")
            .0,
        1
    );
    assert_eq!(
        store
            .reserve_attempt("k", "2026-01-01T00:01:00Z", "2025-12-31T23:46:00Z")
            .await
            .expect("two"),
        (2, at.to_string())
    );
    store.release_attempt("k").await.expect("release");
    assert_eq!(
        store
            .reserve_attempt("k", "2026-01-01T00:02:00Z", "2025-12-31T23:47:00Z")
            .await
            .expect("two again")
            .0,
        2
    );
    let later = "2026-01-01T00:20:00Z";
    assert_eq!(
        store
            .reserve_attempt("k", later, "2026-01-01T00:05:00Z")
            .await
            .expect("new window"),
        (1, later.to_string())
    );
    store
        .reserve_attempt("other", at, "2025-12-31T23:45:00Z")
        .await
        .expect("other");
    assert_eq!(store.throttle_rows().await.expect("rows"), 2);
    store.clear_attempts("k").await.expect("clear");
    store
        .add_session(&NewSession {
            token_sha256: "s2".into(),
            user_id: ann,
            csrf: "c2".into(),
            expires_at: "2026-01-01T00:05:00Z".into(),
        })
        .await
        .expect("a short session");
    store
        .choose_session_engagement("s2", "acme", "soc2-2026")
        .await
        .expect("choose");
    store
        .expire("2026-01-01T00:10:00Z", "2026-01-01T00:10:00Z")
        .await
        .expect("expire");
    assert_eq!(store.throttle_rows().await.expect("rows"), 0);
    assert_eq!(
        store.session_engagement("s2", "acme").await.expect("read"),
        None,
        "an expired session's choice goes with it"
    );
    assert!(store
        .legacy_request_reviews("acme")
        .await
        .expect("legacy")
        .0
        .is_empty());
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
    assert_eq!(
        copy.register, snapshot.register,
        "the copy's supplier register"
    );
    assert!(
        !snapshot.register.is_empty(),
        "the story fills the register"
    );
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
