//! The web app and REST API in-process (the router answers requests without a socket): sign
//! in, throttling, CSRF, roles, evidence upload changing freshness, organisation isolation
//! route by route, the auditor limited to one engagement, upload limits and odd names, the
//! downloaded pack verifying, API tokens, and the security headers on every response.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use fieldproof_app::evidence::VerifyRequest;
use fieldproof_web::accounts::Role;
use std::path::Path;

mod common;
use common::*;

#[tokio::test]
async fn sign_in_throttling_and_security_headers() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let anonymous = send(s, get("/o/acme", None)).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    for (name, value) in [
        ("content-security-policy", "default-src 'none'"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert!(
            anonymous.headers[name]
                .to_str()
                .unwrap_or_default()
                .contains(value),
            "{name}"
        );
    }
    let wrong = send(
        s,
        form(
            "/login",
            None,
            &[("email", "owner@acme.test"), ("password", "nope")],
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("Wrong e-mail or password"));
    // An unknown account reads the same.
    let unknown = send(
        s,
        form(
            "/login",
            None,
            &[("email", "nobody@acme.test"), ("password", "nope")],
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    for _ in 0..4 {
        send(
            s,
            form(
                "/login",
                None,
                &[("email", "owner@acme.test"), ("password", "nope")],
            ),
        )
        .await;
    }
    // Five failures: even the right password is refused for a while.
    let throttled = send(
        s,
        form(
            "/login",
            None,
            &[("email", "owner@acme.test"), ("password", PASSWORD)],
        ),
    )
    .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    // A malformed form is a 4xx, never a 500.
    let malformed = send(s, form("/login", None, &[("email", "x")])).await;
    assert!(malformed.status.is_client_error(), "{}", malformed.status);
}

#[tokio::test]
async fn every_route_of_another_organisation_is_404() {
    every_route_of_another_organisation_is_404_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_another_organisation_is_404_on_postgres() {
    every_route_of_another_organisation_is_404_on(Backend::Postgres).await;
}

async fn every_route_of_another_organisation_is_404_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let (globex, _) = sign_in(s, "owner@globex.test").await;
    let (acme, _) = sign_in(s, "owner@acme.test").await;
    assert_eq!(
        send(s, get("/o/acme", Some(&acme))).await.status,
        StatusCode::OK
    );
    for uri in [
        "/o/acme",
        "/o/acme/estate",
        "/o/acme/estate/bms-dc2",
        "/o/acme/controls",
        "/o/acme/evidence",
        "/o/acme/verify",
        "/o/acme/pack",
        "/o/acme/reports",
        "/o/acme/reports/readiness.html",
        "/o/nowhere",
        "/api/v1/o/acme/engagements",
        "/api/v1/o/acme/scope",
        "/api/v1/o/acme/readiness",
        "/api/v1/o/acme/evidence/status",
        "/api/v1/o/acme/verify",
    ] {
        let reply = send(s, get(uri, Some(&globex))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!reply.text().contains("Northgate"), "{uri} leaks content");
    }
    let post = send(
        s,
        form(
            "/o/acme/controls/FP-PE-04/status",
            Some(&globex),
            &[("status", "implemented")],
        ),
    )
    .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    // Without any credentials the API answers 401 in JSON.
    let api = send(s, get("/api/v1/o/acme/readiness", None)).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.text().contains("\"status\":401"));
}

#[tokio::test]
async fn the_engagement_chosen_stays_chosen_for_the_session() {
    the_engagement_chosen_stays_chosen_for_the_session_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engagement_chosen_stays_chosen_for_the_session_on_postgres() {
    the_engagement_chosen_stays_chosen_for_the_session_on(Backend::Postgres).await;
}

/// The engagement the header shows as chosen.
fn shown_engagement(page: &str) -> String {
    const ONE: &str = "<p class=\"engagement\">Engagement <strong>";
    if let Some(at) = page.find(ONE) {
        let rest = &page[at + ONE.len()..];
        return rest[..rest.find('<').unwrap_or(0)].to_string();
    }
    let switcher = &page[page.find("id=\"engagement-switch\"").expect("a switcher")..];
    let selected = &switcher[..switcher.find(" selected>").expect("one selected")];
    selected[selected.rfind("value=\"").expect("its value") + 7..]
        .trim_end_matches('"')
        .to_string()
}

async fn the_engagement_chosen_stays_chosen_for_the_session_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let (owner, _) = sign_in(s, "owner@acme.test").await;
    // The default: the engagement whose period contains today (the application's one rule).
    let default = s
        .app_for("acme", "test")
        .engagement_shown(None, None)
        .await
        .expect("shown")
        .shown
        .expect("an engagement")
        .id;
    let other = if default == "soc2-2026" {
        "soc2-2027"
    } else {
        "soc2-2026"
    };
    let dashboard = send(s, get("/o/acme", Some(&owner))).await.text();
    assert_eq!(shown_engagement(&dashboard), default);
    assert!(
        dashboard.contains("<option value=\"soc2-2026\"")
            && dashboard.contains("<option value=\"soc2-2027\""),
        "the switcher offers both"
    );
    assert!(dashboard.contains("aria-current=\"page\">Dashboard"));
    // Switching on one page keeps the choice on every later page, and the forms that record
    // something carry it.
    let switched = send(
        s,
        get(
            &format!("/o/acme/controls?engagement={other}"),
            Some(&owner),
        ),
    )
    .await;
    assert_eq!(switched.status, StatusCode::OK);
    assert_eq!(shown_engagement(&switched.text()), other);
    for page in [
        "/o/acme",
        "/o/acme/evidence",
        "/o/acme/controls/FP-PE-04",
        "/o/acme/requests",
        "/o/acme/estate",
    ] {
        let text = send(s, get(page, Some(&owner))).await.text();
        assert_eq!(shown_engagement(&text), other, "{page}");
    }
    let evidence = send(
        s,
        get(
            "/o/acme/upload?control=FP-AM-01&request=inventory",
            Some(&owner),
        ),
    )
    .await
    .text();
    assert!(
        evidence.contains(&format!(
            "<input type=\"hidden\" name=\"engagement\" value=\"{other}\">"
        )),
        "the upload form records into the engagement shown:\n{evidence}"
    );
    let control = send(s, get("/o/acme/controls/FP-PE-04", Some(&owner)))
        .await
        .text();
    assert!(control.contains(&format!("name=\"engagement\" value=\"{other}\"")));
    // Another session starts from the default; an unknown engagement is not found and
    // changes nothing.
    let (second, _) = sign_in(s, "owner@acme.test").await;
    assert_eq!(
        shown_engagement(&send(s, get("/o/acme", Some(&second))).await.text()),
        default
    );
    assert_eq!(
        send(s, get("/o/acme?engagement=soc2-1999", Some(&owner)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        shown_engagement(&send(s, get("/o/acme", Some(&owner))).await.text()),
        other
    );
    // An auditor's header names their one engagement, without a switcher.
    let (auditor, _) = sign_in(s, "auditor@acme.test").await;
    let portal = send(s, get("/o/acme/requests", Some(&auditor)))
        .await
        .text();
    assert_eq!(shown_engagement(&portal), "soc2-2026");
    assert!(!portal.contains("engagement-switch"));
}

#[tokio::test]
async fn an_editor_sets_a_status_with_csrf_and_roles_limit_writes() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let fields = [
        ("engagement", "soc2-2026"),
        ("status", "implemented"),
        ("owner", "Facilities manager"),
        ("rationale", "BMS alarms page the on-call engineer"),
    ];
    let without = send(
        s,
        form("/o/acme/controls/FP-PE-04/status", Some(&owner), &fields),
    )
    .await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let mut with = fields.to_vec();
    with.push(("csrf", &csrf));
    let ok = send(
        s,
        form("/o/acme/controls/FP-PE-04/status", Some(&owner), &with),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let list = s
        .app_for("acme", "check")
        .status_list(Some("soc2-2026"))
        .await
        .expect("statuses");
    let saved = list
        .statuses
        .iter()
        .find(|c| c.control == "FP-PE-04")
        .expect("the status was saved");
    assert_eq!(saved.owner, "Facilities manager");
    let log = s.app_for("acme", "check").log(5).await.expect("log");
    assert!(
        serde_json::to_string(&log)
            .expect("json")
            .contains("owner@acme.test"),
        "the change log names the user"
    );
    // A contributor adds evidence only; an auditor writes nothing.
    for user in ["contrib@acme.test", "auditor@acme.test"] {
        let (cookie, csrf) = sign_in(s, user).await;
        let mut fields = with.clone();
        fields.retain(|(k, _)| *k != "csrf");
        fields.push(("csrf", &csrf));
        let reply = send(
            s,
            form("/o/acme/controls/FP-PE-04/status", Some(&cookie), &fields),
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{user}");
    }
}

#[tokio::test]
async fn uploaded_evidence_changes_freshness_and_bad_uploads_store_nothing() {
    uploaded_evidence_changes_freshness_and_bad_uploads_store_nothing_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_evidence_changes_freshness_and_bad_uploads_store_nothing_on_postgres() {
    uploaded_evidence_changes_freshness_and_bad_uploads_store_nothing_on(Backend::Postgres).await;
}

async fn uploaded_evidence_changes_freshness_and_bad_uploads_store_nothing_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let (contrib, csrf) = sign_in(s, "contrib@acme.test").await;
    let covered = || async {
        let status = s
            .app_for("acme", "check")
            .evidence_status(Some("soc2-2026"))
            .await
            .expect("status");
        let row = status
            .rows
            .iter()
            .find(|r| r.control == "FP-AC-03")
            .expect("FP-AC-03 is applicable");
        (row.covered, status.stale)
    };
    let before = covered().await;
    let entries = ledger_entries(s, "acme").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("engagement", "soc2-2026"),
        ("control", "FP-AC-03"),
        ("covers", "2026-01-01..2026-03-31"),
    ];
    // Over the limit: 413, nothing stored, no temporary file left.
    let big = vec![b'x'; 2 << 20];
    let reply = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &contrib),
            &fields,
            &[("big.csv", &big)],
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text()
    );
    assert_eq!(ledger_entries(s, "acme").await, entries);
    // No CSRF token: refused, nothing stored.
    let reply = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &contrib),
            &fields[1..],
            &[("q.md", b"review")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // An unknown control: a clear 400, nothing stored.
    let mut bad = fields.to_vec();
    bad[2] = ("control", "FP-XX-99");
    let reply = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &contrib),
            &bad,
            &[("q.md", b"review")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("FP-XX-99"));
    assert_eq!(ledger_entries(s, "acme").await, entries);
    // Two files, one with a hostile name.
    let reply = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &contrib),
            &fields,
            &[
                ("../../q1-review.md", b"Q1 access review, signed"),
                ("q2 review.md", b"Q2 access review, signed"),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.text().contains("Evidence added"));
    let log = s
        .app_for("acme", "check")
        .evidence_log(None)
        .await
        .expect("log");
    let names = serde_json::to_string(&log).expect("json");
    assert!(
        names.contains("q1-review.md") && !names.contains("../"),
        "{names}"
    );
    let after = covered().await;
    assert!(
        after.0 > before.0,
        "freshness did not change: {before:?} -> {after:?}"
    );
    let page = send(s, get("/o/acme/evidence", Some(&contrib)))
        .await
        .text();
    assert!(
        page.contains(&format!("{} partly covered", after.1)),
        "the page shows it"
    );
    // The auditor cannot upload.
    let (auditor, auditor_csrf) = sign_in(s, "auditor@acme.test").await;
    let mut fields = fields.to_vec();
    fields[0] = ("csrf", &auditor_csrf);
    let reply = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &auditor),
            &fields,
            &[("a.md", b"x")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_auditor_sees_one_engagement_and_the_downloaded_pack_verifies() {
    an_auditor_sees_one_engagement_and_the_downloaded_pack_verifies_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_sees_one_engagement_and_the_downloaded_pack_verifies_on_postgres() {
    an_auditor_sees_one_engagement_and_the_downloaded_pack_verifies_on(Backend::Postgres).await;
}

async fn an_auditor_sees_one_engagement_and_the_downloaded_pack_verifies_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let (auditor, _) = sign_in(s, "auditor@acme.test").await;
    // An auditor starts at the requests, not at the client's internal dashboard.
    let home = send(s, get("/o/acme?engagement=soc2-2026", Some(&auditor))).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers[header::LOCATION], "/o/acme/requests");
    for uri in [
        "/o/acme?engagement=soc2-2027",
        "/o/acme/evidence?engagement=soc2-2027",
        "/o/acme/reports/readiness.html?engagement=soc2-2027",
        "/o/acme/pack?engagement=soc2-2027",
        "/api/v1/o/acme/readiness?engagement=soc2-2027",
    ] {
        assert_eq!(
            send(s, get(uri, Some(&auditor))).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    let engagements = send(s, get("/api/v1/o/acme/engagements", Some(&auditor)))
        .await
        .text();
    assert!(engagements.contains("soc2-2026") && !engagements.contains("soc2-2027"));
    let report = send(s, get("/o/acme/reports/readiness.html", Some(&auditor))).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text().contains("How this report will read"));
    let pack = send(s, get("/o/acme/pack", Some(&auditor))).await;
    assert_eq!(pack.status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("pack.zip");
    std::fs::write(&file, &pack.body).expect("write");
    let verified = fieldproof_app::App::new(fieldproof_app::Config::default())
        .verify(&VerifyRequest {
            pack: Some(file),
            ..VerifyRequest::default()
        })
        .await
        .expect("verify");
    assert!(verified.ok, "{:?}", verified.problems);
}

#[tokio::test]
async fn api_tokens_carry_a_role_in_one_organisation() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let accounts = s.accounts();
    assert!(
        accounts
            .create_token("contrib@acme.test", "acme", Role::Owner, "ci", None)
            .await
            .is_err(),
        "a token cannot exceed its member's role"
    );
    let token = accounts
        .create_token("contrib@acme.test", "acme", Role::Contributor, "ci", None)
        .await
        .expect("token")
        .0;
    let auth = format!("Bearer {token}");
    let readiness = send(
        s,
        Request::get("/api/v1/o/acme/readiness?engagement=soc2-2026")
            .header(header::AUTHORIZATION, &auth)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(readiness.status, StatusCode::OK);
    let value: serde_json::Value = serde_json::from_slice(&readiness.body).expect("json");
    assert_eq!(value["engagement"]["id"], "soc2-2026");
    let created = send(
        s,
        upload_request(
            "/api/v1/o/acme/evidence",
            ("authorization", &auth),
            &[("engagement", "soc2-2026"), ("control", "FP-BR-01")],
            &[("backups.csv", b"job,at\nnightly,2026-01-01\n")],
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let other = send(
        s,
        Request::get("/api/v1/o/globex/readiness")
            .header(header::AUTHORIZATION, &auth)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let bad = send(
        s,
        Request::get("/api/v1/o/acme/readiness")
            .header(header::AUTHORIZATION, "Bearer fpt_nope")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_auditor_reviews_requests_and_comments_and_members_reply() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (auditor, auditor_csrf) = sign_in(s, "auditor@acme.test").await;
    let list = send(s, get("/o/acme/requests", Some(&auditor))).await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.text();
    assert!(
        text.contains("FP-AC-03 / access-reviews"),
        "the request list names the requests"
    );
    let uri = "/o/acme/requests/FP-AC-03/access-reviews?engagement=soc2-2026";
    let thread = send(s, get(uri, Some(&auditor))).await;
    assert_eq!(thread.status, StatusCode::OK);
    assert!(
        thread.text().contains("Comment and set the status"),
        "the auditor may set the status"
    );
    let reply = send(
        s,
        form(
            uri,
            Some(&auditor),
            &[
                ("csrf", &auditor_csrf),
                ("comment", "Please add Q2 <and> Q3."),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let reply = send(
        s,
        form(
            uri,
            Some(&auditor),
            &[("csrf", &auditor_csrf), ("status", "needs_more")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let thread = send(s, get(uri, Some(&auditor))).await.text();
    assert!(
        thread.contains("Please add Q2 &lt;and&gt; Q3."),
        "comments are escaped"
    );
    assert!(thread.contains("needs more") && thread.contains("auditor@acme.test"));
    // Comment and status in one form; a blank comment or the status kept says nothing.
    let reply = send(
        s,
        form(
            uri,
            Some(&auditor),
            &[
                ("csrf", &auditor_csrf),
                ("comment", "Q1 is fine; Q2 still to come."),
                ("status", ""),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let thread = send(s, get(uri, Some(&auditor))).await.text();
    assert!(
        thread.contains("Q1 is fine; Q2 still to come.") && thread.contains("keep: needs more")
    );
    // A contributor replies but cannot set the auditor's status.
    let (contrib, contrib_csrf) = sign_in(s, "contrib@acme.test").await;
    let reply = send(
        s,
        form(
            uri,
            Some(&contrib),
            &[("csrf", &contrib_csrf), ("comment", "Q2 added today.")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let reply = send(
        s,
        form(
            uri,
            Some(&contrib),
            &[("csrf", &contrib_csrf), ("status", "accepted")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Bad input: an unknown status, an empty comment, an unknown request, another engagement.
    for (fields, expected) in [
        (vec![("status", "done")], StatusCode::BAD_REQUEST),
        (vec![("comment", "   ")], StatusCode::BAD_REQUEST),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &auditor_csrf));
        assert_eq!(
            send(s, form(uri, Some(&auditor), &fields)).await.status,
            expected
        );
    }
    assert_eq!(
        send(
            s,
            get(
                "/o/acme/requests/FP-AC-03/nothing?engagement=soc2-2026",
                Some(&auditor)
            )
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            s,
            get(
                "/o/acme/requests/FP-AC-03/access-reviews?engagement=soc2-2027",
                Some(&auditor)
            )
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let list = send(s, get("/o/acme/requests", Some(&auditor)))
        .await
        .text();
    assert!(list.contains("needs more"));
    // The auditor changes the status: the thread keeps every status given, with who and when.
    let reply = send(
        s,
        form(
            uri,
            Some(&auditor),
            &[("csrf", &auditor_csrf), ("status", "accepted")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let thread = send(s, get(uri, Some(&auditor))).await.text();
    let history = thread
        .split("<h2>Status history</h2>")
        .nth(1)
        .unwrap_or_default();
    let first = history
        .find("needs more")
        .expect("the first status is kept");
    let second = history.find("accepted").expect("the second status is kept");
    assert!(first < second, "in order: {history}");
    // Another organisation's member sees none of it.
    let (globex, globex_csrf) = sign_in(s, "owner@globex.test").await;
    assert_eq!(
        send(s, get(uri, Some(&globex))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            s,
            form(
                uri,
                Some(&globex),
                &[("csrf", &globex_csrf), ("comment", "x")]
            )
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_the_responses_match_its_schemas() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let doc = send(s, get("/api/v1/openapi.json", None)).await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&doc.body).expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    // An independent OpenAPI implementation accepts the document as served.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, doc.to_string()).expect("write");
    let validated = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/openapi-validate"),
    )
    .arg(&file)
    .output()
    .expect("scripts/openapi-validate runs");
    assert!(
        validated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
    assert!(
        !doc.to_string().contains("$defs"),
        "every definition is a component"
    );
    let auth = owner_bearer(s).await;
    // Evidence to retire through {id}.
    let added = send(
        s,
        upload_request(
            "/api/v1/o/acme/evidence",
            ("authorization", &auth),
            &[("engagement", "soc2-2026"), ("control", "FP-BR-01")],
            &[("old.csv", b"job\nnightly\n")],
        ),
    )
    .await;
    let added: serde_json::Value = serde_json::from_slice(&added.body).expect("json");
    let id = added["added"][0]["evidence"]
        .as_str()
        .expect("an id")
        .to_string();
    let estate = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/colocation-dc/estate.yaml"),
    )
    .expect("estate");
    // A supplier with a report reviewed, so that its CUECs can be answered through {cuec}.
    let report = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/reports/lumen-devices-soc2-type2.pdf"),
    )
    .expect("the fixture report");
    let supplier = send(
        s,
        Request::post("/api/v1/o/acme/suppliers")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, &auth)
            .body(Body::from(
                serde_json::json!({"id": "lumen", "name": "Lumen Devices plc", "criticality": "high"})
                    .to_string(),
            ))
            .expect("request"),
    )
    .await;
    assert_eq!(supplier.status, StatusCode::OK, "{}", supplier.text());
    let (content_type, bytes) = multipart_field("report", "lumen-devices-soc2-type2.pdf", &report);
    let reviewed = send(
        s,
        Request::post("/api/v1/o/acme/suppliers/lumen/reviews")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::AUTHORIZATION, &auth)
            .body(Body::from(bytes))
            .expect("request"),
    )
    .await;
    assert_eq!(reviewed.status, StatusCode::CREATED, "{}", reviewed.text());
    let mut checked = 0;
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let uri = path
                .replace("{org}", "acme")
                .replace(
                    "{id}",
                    if path.contains("catalog") {
                        "CC6.1"
                    } else {
                        &id
                    },
                )
                .replace("{control}", "FP-AC-03")
                .replace("{request}", "access-reviews")
                .replace("{file}", "readiness.pdf");
            let uri = format!("{uri}?engagement=soc2-2026&requirement=CC6.1&to=iso27001");
            let body = &operation["requestBody"]["content"];
            let uri = uri
                .replace("{supplier}", "lumen")
                .replace("{cuec}", "2")
                .replace("{review}", "1");
            let request = if body.get("multipart/form-data").is_some() {
                if path.contains("reviews") {
                    let (content_type, bytes) =
                        multipart_field("report", "lumen-devices-soc2-type2.pdf", &report);
                    Request::post(&uri)
                        .header(header::CONTENT_TYPE, content_type)
                        .header(header::AUTHORIZATION, &auth)
                        .body(Body::from(bytes))
                        .expect("request")
                } else if path.contains("estate") {
                    let (content_type, bytes) = multipart_field("estate", "estate.yaml", &estate);
                    Request::post(&uri)
                        .header(header::CONTENT_TYPE, content_type)
                        .header(header::AUTHORIZATION, &auth)
                        .body(Body::from(bytes))
                        .expect("request")
                } else {
                    upload_request(
                        &uri,
                        ("authorization", &auth),
                        &[("engagement", "soc2-2026"), ("control", "FP-AC-03")],
                        &[("review.md", b"signed review")],
                    )
                }
            } else if let Some(json) = body.get("application/json") {
                let schema = json["schema"]["$ref"].as_str().unwrap_or_default();
                let example = match schema.rsplit('/').next() {
                    Some("status-body") => {
                        serde_json::json!({"engagement": "soc2-2026", "control": "FP-PE-04", "status": "implemented", "owner": "Facilities", "rationale": "BMS alarms"})
                    }
                    Some("retire-body") => serde_json::json!({"reason": "replaced"}),
                    Some("request-body") => serde_json::json!({"comment": "Q2 please"}),
                    Some("supplier-body") => {
                        serde_json::json!({"id": "lumen", "services": ["Device management platform"]})
                    }
                    Some("cuec-body") => {
                        serde_json::json!({"review": 1, "controls": ["FP-CM-01"]})
                    }
                    other => panic!("no example body for {other:?}"),
                };
                Request::post(&uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::AUTHORIZATION, &auth)
                    .body(Body::from(example.to_string()))
                    .expect("request")
            } else {
                Request::get(&uri)
                    .header(header::AUTHORIZATION, &auth)
                    .body(Body::empty())
                    .expect("request")
            };
            let reply = send(s, request).await;
            let (status, response) = operation["responses"]
                .as_object()
                .expect("responses")
                .iter()
                .find(|(code, _)| code.starts_with('2'))
                .expect("a success response");
            assert_eq!(
                reply.status.as_str(),
                status,
                "{method} {path}: {}",
                reply.text()
            );
            let content = response["content"].as_object().expect("content");
            let content_type = reply.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap_or_default();
            if let Some(json) = content.get("application/json") {
                let reference = json["schema"]["$ref"].as_str().expect("a schema reference");
                let name = reference.rsplit('/').next().expect("name");
                assert!(
                    doc["components"]["schemas"].get(name).is_some(),
                    "{reference}"
                );
                // References resolve from the document's root, as in any OpenAPI tool.
                let schema =
                    serde_json::json!({"$ref": reference, "components": doc["components"]});
                let validator = jsonschema::validator_for(&schema).expect("schema compiles");
                let body: serde_json::Value =
                    serde_json::from_slice(&reply.body).expect("json body");
                let errors: Vec<String> = validator
                    .iter_errors(&body)
                    .map(|e| e.to_string())
                    .collect();
                assert!(errors.is_empty(), "{method} {path}: {errors:?}");
            } else {
                assert!(
                    content.contains_key(content_type),
                    "{method} {path}: {content_type}"
                );
                assert!(!reply.body.is_empty());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, fieldproof_web::openapi::ROUTES.len());
    // Errors are JSON with the documented shape.
    let error = send(s, get("/api/v1/o/acme/readiness?engagement=nope", None)).await;
    let body: serde_json::Value = serde_json::from_slice(&error.body).expect("json error");
    assert_eq!(body["status"], 401);
    let missing = send(
        s,
        Request::get("/api/v1/o/acme/readiness?engagement=nope")
            .header(header::AUTHORIZATION, &auth)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let body: serde_json::Value = serde_json::from_slice(&missing.body).expect("json error");
    assert!(body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no engagement 'nope'"));
    // A malformed JSON body is a 400 in JSON, not a 500.
    let malformed = send(
        s,
        Request::post("/api/v1/o/acme/statuses")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, &auth)
            .body(Body::from("{\"control\": 3"))
            .expect("request"),
    )
    .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.text().contains("not valid"));
}

#[tokio::test]
async fn an_asset_export_is_uploaded_with_its_mapping_and_an_upload_reads_no_other_file() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let export =
        std::fs::read(examples.join("sources/defender-iot-devices.csv")).expect("sample export");
    let log = || async {
        serde_json::to_string(&s.app_for("acme", "check").log(50).await.expect("log"))
            .expect("json")
    };
    // The page offers the bundled mappings.
    let estate_page = send(s, get("/o/acme/estate", Some(&owner))).await.text();
    assert!(
        estate_page.contains("<option value=\"defender-iot-devices\">"),
        "{estate_page}"
    );
    // A bundled mapping: the preview reports the export read and rolled up.
    let preview = send(
        s,
        named_upload(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf), ("map", "defender-iot-devices")],
            &[("estate", "devices.csv", &export)],
        ),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let text = preview.text();
    assert!(
        text.contains(
            "(mapping bundled:defender-iot-devices): 18 rows, 18 assets in 14 components"
        ),
        "{text}"
    );
    let token = apply_token(&text);
    // The apply step reads the staged export through the same mapping.
    let applied = apply_staged(s, &owner, &csrf, &token).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.text());
    assert!(
        applied.text().contains("18 assets in 14 components"),
        "{}",
        applied.text()
    );
    let estate = s
        .app_for("acme", "check")
        .estate(
            &fieldproof_app::scope::EstateSource::Workspace,
            &mut |_, _| {},
        )
        .await
        .expect("estate");
    let component = estate
        .components
        .iter()
        .find(|c| c.id == "Plant-A-Line-2-field_device")
        .expect("a rolled-up component");
    assert_eq!(component.asset_count(), 2);

    // An uploaded mapping file, with unmapped values reported rather than stopping.
    let mapping = b"[mapping]\nname = \"plant list\"\nsource = \"our spreadsheet\"\n\n[columns.id]\nfrom = \"Tag\"\n\n[columns.name]\nfrom = \"Tag\"\n\n\
[columns.kind]\nfrom = \"Type\"\nvalues = { Controller = \"plc\" }\n\n[columns.operated_by]\nvalue = \"us\"\n\n[columns.site]\nvalue = \"our_facility\"\n\n[columns.zone]\nvalue = \"ot\"\n";
    let list = b"Tag,Type\nplc-1,Controller\nplc-2,Controller\nkiosk-1,Kiosk\n";
    let preview = send(
        s,
        named_upload(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf), ("unmapped", "report")],
            &[
                ("estate", "plant.csv", list),
                ("mapping", "plant.toml", mapping),
            ],
        ),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let text = preview.text();
    assert!(
        text.contains("3 rows, 2 assets in 2 components, 1 rows left out"),
        "{text}"
    );
    assert!(
        text.contains("Values the mapping does not translate (1)") && text.contains("Kiosk"),
        "{text}"
    );

    // Bad requests change nothing: an unknown bundled mapping, a mapping with an estate file,
    // and an estate file that names an inventory on the server's disk.
    let before = log().await;
    let unknown = send(
        s,
        named_upload(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf), ("map", "../../etc/passwd")],
            &[("estate", "devices.csv", &export)],
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown
            .text()
            .contains("not a bundled mapping; the bundled mappings are: netbox-devices"),
        "{}",
        unknown.text()
    );
    // A mapping file on the server's disk is not a bundled mapping either, even where it
    // exists; and a bundled mapping named beside an uploaded one is refused.
    let on_disk = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fieldproof-estate/data/mappings/netbox-devices.toml");
    assert!(on_disk.exists(), "{}", on_disk.display());
    let on_disk = on_disk.display().to_string();
    for (fields, files, said) in [
        (
            vec![("csrf", csrf.as_str()), ("map", on_disk.as_str())],
            vec![("estate", "devices.csv", export.as_slice())],
            "not a bundled mapping",
        ),
        (
            vec![("csrf", csrf.as_str()), ("map", "defender-iot-devices")],
            vec![
                ("estate", "devices.csv", export.as_slice()),
                (
                    "mapping",
                    "mine.toml",
                    b"[mapping]\nname = 'x'\n".as_slice(),
                ),
            ],
            "choose a bundled mapping or a mapping file, not both",
        ),
    ] {
        let refused = send(
            s,
            named_upload(
                "/o/acme/estate/preview",
                ("cookie", &owner),
                &fields,
                &files,
            ),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{}",
            refused.text()
        );
        assert!(refused.text().contains(said), "{said}: {}", refused.text());
    }
    let outside = format!(
        "organisation: x\nservice: y\ninventory:\n  - {}\n",
        examples.join("sources/netbox-devices.csv").display()
    );
    let reaching = send(
        s,
        named_upload(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf)],
            &[("estate", "estate.yaml", outside.as_bytes())],
        ),
    )
    .await;
    assert_eq!(
        reaching.status,
        StatusCode::BAD_REQUEST,
        "{}",
        reaching.text()
    );
    assert!(
        reaching.text().contains("cannot name inventory files"),
        "{}",
        reaching.text()
    );
    let with_yaml = send(
        s,
        named_upload(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf), ("map", "defender-iot-devices")],
            &[("estate", "estate.yaml", b"organisation: x\nservice: y\n")],
        ),
    )
    .await;
    assert_eq!(
        with_yaml.status,
        StatusCode::BAD_REQUEST,
        "{}",
        with_yaml.text()
    );
    assert!(
        with_yaml
            .text()
            .contains("applies to a CSV inventory given on its own"),
        "{}",
        with_yaml.text()
    );
    assert_eq!(before, log().await, "a refused upload stores nothing");

    // The API takes the same fields.
    let auth = owner_bearer(s).await;
    let api = send(
        s,
        named_upload(
            "/api/v1/o/acme/estate/preview",
            ("authorization", &auth),
            &[("map", "defender-iot-devices")],
            &[("estate", "devices.csv", &export)],
        ),
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text());
    let value: serde_json::Value = serde_json::from_slice(&api.body).expect("json");
    assert_eq!(value["inventories"][0]["components"], 14, "{value}");
    assert_eq!(
        value["changes"],
        serde_json::json!([]),
        "the same export: no change"
    );
}

#[tokio::test]
async fn an_estate_upload_is_previewed_then_applied_and_bad_files_change_nothing() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/colocation-dc/estate.yaml"),
    )
    .expect("estate");
    // The BMS declared out of scope is now declared in scope, and a component is dropped.
    let changed = original.replacen("declared_scope: out", "declared_scope: in", 1);
    assert_ne!(
        changed, original,
        "the example declares something out of scope"
    );
    let log_before = serde_json::to_string(&s.app_for("acme", "check").log(50).await.expect("log"))
        .expect("json");
    let preview = send(
        s,
        upload_request(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf)],
            &[("estate.yaml", changed.as_bytes())],
        ),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let text = preview.text();
    assert!(
        text.contains("Nothing is stored yet") && text.contains("changed"),
        "{text}"
    );
    // Old and new values, and the findings that appear or disappear.
    assert!(
        text.contains("<strong>declared_scope</strong>: out → in")
            && text.contains("Scope findings that appear"),
        "{text}"
    );
    let log_after = serde_json::to_string(&s.app_for("acme", "check").log(50).await.expect("log"))
        .expect("json");
    assert_eq!(log_before, log_after, "a preview stores nothing");
    let token = apply_token(&text);
    // A forged token, or a contributor, changes nothing.
    let forged = send(
        s,
        form(
            "/o/acme/estate/apply",
            Some(&owner),
            &[("csrf", &csrf), ("token", &"0".repeat(64))],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let (contrib, contrib_csrf) = sign_in(s, "contrib@acme.test").await;
    let refused = apply_staged(s, &contrib, &contrib_csrf, &token).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let applied = apply_staged(s, &owner, &csrf, &token).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.text());
    assert!(
        applied.text().contains("by owner@acme.test"),
        "{}",
        applied.text()
    );
    // The token is spent: sent again, the preview says it was applied and applies nothing.
    let sets = s
        .app_for("acme", "check")
        .log(50)
        .await
        .expect("log")
        .change_sets
        .len();
    let again = apply_staged(s, &owner, &csrf, &token).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text().contains("already applied as change set #") && again.text().contains("Estate"),
        "{}",
        again.text()
    );
    assert_eq!(
        s.app_for("acme", "check")
            .log(50)
            .await
            .expect("log")
            .change_sets
            .len(),
        sets
    );
    // A broken file: a 400 naming the line, nothing stored.
    let log_before = serde_json::to_string(&s.app_for("acme", "check").log(50).await.expect("log"))
        .expect("json");
    let broken = send(
        s,
        upload_request(
            "/o/acme/estate/preview",
            ("cookie", &owner),
            &[("csrf", &csrf)],
            &[(
                "estate.yaml",
                b"organisation: x\ncomponents:\n  - id: a\n    kind: boiler\n",
            )],
        ),
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{}", broken.text());
    assert!(broken.text().contains("estate.yaml"), "{}", broken.text());
    let log_after = serde_json::to_string(&s.app_for("acme", "check").log(50).await.expect("log"))
        .expect("json");
    assert_eq!(log_before, log_after);
    // The estate page pages through components and filters them.
    let page = send(s, get("/o/acme/estate?q=bms&scope=in", Some(&owner)))
        .await
        .text();
    let components = page.split("<h2>Scope findings").next().unwrap_or_default();
    assert!(
        components.contains("bms-dc2") && !components.contains("pacs-dc2"),
        "filtered: {components}"
    );
    assert!(components.contains("1 match"), "{components}");
}

#[tokio::test]
async fn the_ledger_page_retiring_evidence_and_map_in_the_catalog() {
    the_ledger_page_retiring_evidence_and_map_in_the_catalog_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_page_retiring_evidence_and_map_in_the_catalog_on_postgres() {
    the_ledger_page_retiring_evidence_and_map_in_the_catalog_on(Backend::Postgres).await;
}

async fn the_ledger_page_retiring_evidence_and_map_in_the_catalog_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let added = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &owner),
            &[
                ("csrf", &csrf),
                ("engagement", "soc2-2026"),
                ("control", "FP-BR-01"),
            ],
            &[("backups.csv", b"job,at\nnightly,2026-01-01\n")],
        ),
    )
    .await
    .text();
    let id = added
        .split("/evidence/EV-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|n| format!("EV-{n}"))
        .expect("an evidence id");
    let ledger = send(s, get("/o/acme/ledger", Some(&owner))).await.text();
    // The ledger is a table: the entry, its kind, the evidence (linked), who, when, what.
    assert!(
        ledger.contains(&format!(
            "<td>add</td><td><a class=\"id\" href=\"/o/acme/evidence/{id}\">{id}</a></td><td>owner@acme.test</td><td>"
        )) && ledger.contains(" UTC</td><td>"),
        "{ledger}"
    );
    // `?entry=N` shows the page holding entry N.
    let seq: i64 = id[3..].parse().expect("a number");
    let page = send(s, get(&format!("/o/acme/ledger?entry={seq}"), Some(&owner)))
        .await
        .text();
    assert!(page.contains(&format!("id=\"entry-{seq}\"")));
    let (contrib, contrib_csrf) = sign_in(s, "contrib@acme.test").await;
    let refused = send(
        s,
        form(
            "/o/acme/evidence/retire",
            Some(&contrib),
            &[
                ("csrf", &contrib_csrf),
                ("evidence", &id),
                ("reason", "wrong file"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = send(
        s,
        form(
            "/o/acme/evidence/retire",
            Some(&owner),
            &[("csrf", &csrf), ("evidence", "EV-999999"), ("reason", "x")],
        ),
    )
    .await;
    assert!(unknown.status.is_client_error(), "{}", unknown.status);
    let retired = send(
        s,
        form(
            "/o/acme/evidence/retire",
            Some(&owner),
            &[("csrf", &csrf), ("evidence", &id), ("reason", "wrong file")],
        ),
    )
    .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.text());
    let ledger = send(s, get("/o/acme/ledger", Some(&owner))).await.text();
    assert!(
        ledger.contains(&format!(
            "<td>retire</td><td><a class=\"id\" href=\"/o/acme/evidence/{id}\">{id}</a></td><td>owner@acme.test</td>"
        )) && ledger.contains(&format!("{id} by owner@acme.test: wrong file")),
        "{ledger}"
    );
    let map = send(
        s,
        get("/catalog/map?requirement=CC6.1&to=iso27001", Some(&owner)),
    )
    .await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(map.text().contains("iso27001-2022:5."), "{}", map.text());
    let bad = send(
        s,
        get("/catalog/map?requirement=XX9.9&to=iso27001", Some(&owner)),
    )
    .await;
    assert!(bad.status.is_client_error());
}
