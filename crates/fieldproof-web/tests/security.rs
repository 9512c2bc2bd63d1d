//! Regression tests for the defects an outside probe of `fieldproof serve` found (issue 22),
//! each named after what it pins: what an auditor limited to one engagement may see of the
//! ledger, tokens that follow their member's role, the login throttle under concurrency and
//! floods, CSV cells that cannot run, timeouts, server paths in messages, and error bodies.

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use fieldproof_app::evidence::{AddContent, AddRequest};
use std::sync::Arc;

/// Adds a file as evidence of `engagement` for FP-BR-01, as the owner; returns its id.
async fn add_evidence(
    s: &Arc<fieldproof_web::Server>,
    engagement: &str,
    name: &str,
    content: &[u8],
) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join(name);
    std::fs::write(&file, content).expect("write");
    let mut request = AddRequest::new(AddContent::Files(vec![file]), &["FP-BR-01"]);
    request.engagement = Some(engagement.to_string());
    request.note = Some(format!("note about {name}"));
    let added = s
        .app_for("acme", "owner@acme.test")
        .evidence_add(&request)
        .await
        .expect("add");
    added.added[0].evidence.clone()
}

#[tokio::test]
async fn an_auditor_limited_to_one_engagement_sees_other_engagements_ledger_entries_redacted() {
    an_auditor_limited_to_one_engagement_sees_other_engagements_ledger_entries_redacted_on(
        Backend::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_limited_to_one_engagement_sees_other_engagements_ledger_entries_redacted_on_postgres(
) {
    an_auditor_limited_to_one_engagement_sees_other_engagements_ledger_entries_redacted_on(
        Backend::Postgres,
    )
    .await;
}

async fn an_auditor_limited_to_one_engagement_sees_other_engagements_ledger_entries_redacted_on(
    backend: Backend,
) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let ours = add_evidence(
        s,
        "soc2-2026",
        "backups-2026.csv",
        b"job,at\nn,2026-01-01\n",
    )
    .await;
    let theirs = add_evidence(
        s,
        "soc2-2027",
        "merger-plan-2027.csv",
        b"job,at\nn,2027-01-01\n",
    )
    .await;
    let (auditor, _) = sign_in(s, "auditor@acme.test").await;
    let (owner, _) = sign_in(s, "owner@acme.test").await;

    // The API: every entry is listed (the chain must verify), the other engagement's without
    // its body, exactly as the auditor's pack shows it.
    let api = send(s, get("/api/v1/o/acme/ledger", Some(&auditor))).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text());
    let log: serde_json::Value = serde_json::from_slice(&api.body).expect("json");
    assert_eq!(log["engagement"], "soc2-2026");
    assert_eq!(log["redacted"], 1, "{log}");
    let text = api.text();
    for leak in ["merger-plan-2027", "note about merger", theirs.as_str()] {
        assert!(!text.contains(leak), "the API ledger shows {leak}: {text}");
    }
    assert!(text.contains("backups-2026.csv") && text.contains(&ours));
    let redacted: Vec<&serde_json::Value> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e.get("body").is_none())
        .collect();
    assert_eq!(redacted.len(), 1);
    assert!(redacted[0]["hash"].is_string() && redacted[0]["body_sha256"].is_string());

    // The same rule as the pack: the pack's ledger.jsonl and the API's entries agree.
    let pack = send(s, get("/o/acme/pack", Some(&auditor))).await;
    assert_eq!(pack.status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("pack.zip"), &pack.body).expect("pack");
    let unzip = std::process::Command::new("unzip")
        .args(["-p", "pack.zip", "ledger.jsonl"])
        .current_dir(dir.path())
        .output()
        .expect("unzip");
    let packed: Vec<serde_json::Value> = String::from_utf8_lossy(&unzip.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a ledger line"))
        .collect();
    assert_eq!(&packed, log["entries"].as_array().expect("entries"));

    // The page.
    let page = send(s, get("/o/acme/ledger", Some(&auditor))).await.text();
    assert!(!page.contains("merger-plan-2027"), "{page}");
    assert!(page.contains("an entry of another engagement, shown without its content"));
    // A member who sees the whole organisation sees everything.
    let full = send(s, get("/api/v1/o/acme/ledger", Some(&owner)))
        .await
        .text();
    let full_log: serde_json::Value = serde_json::from_str(&full).expect("json");
    assert!(full.contains("merger-plan-2027"));
    assert!(full_log.get("engagement").is_none() && full_log["redacted"] == 0);

    // Verification: a problem in the other engagement's entry is reported to the auditor, but
    // without its file name; the owner sees the name.
    let blobs = f._dir.path().join("data/orgs/acme/.fieldproof/blobs");
    let sha = full_log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["body"]["name"] == "merger-plan-2027.csv")
        .and_then(|e| e["body"]["sha256"].as_str())
        .expect("the blob's hash")
        .to_string();
    let blob = walk(&blobs)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == sha))
        .expect("the blob of the other engagement's evidence");
    std::fs::remove_file(&blob).expect("delete the blob");
    for uri in ["/api/v1/o/acme/verify", "/o/acme/verify"] {
        let seen = send(s, get(uri, Some(&auditor))).await.text();
        assert!(!seen.contains("merger-plan-2027"), "{uri}: {seen}");
        assert!(
            seen.contains("an entry of another engagement"),
            "{uri}: {seen}"
        );
        let root = f._dir.path().display().to_string();
        assert!(!seen.contains(&root), "{uri} shows a server path: {seen}");
    }
    let owners = send(s, get("/api/v1/o/acme/verify", Some(&owner)))
        .await
        .text();
    assert!(owners.contains("merger-plan-2027.csv"), "{owners}");

    // Reports, evidence status and request lists of the auditor's engagement never list it.
    for uri in [
        "/o/acme/reports/readiness.md",
        "/o/acme/reports/controls.csv",
        "/o/acme/reports/tests.md",
        "/api/v1/o/acme/evidence/status",
        "/api/v1/o/acme/requests",
        "/api/v1/o/acme/readiness",
        "/o/acme/evidence",
        "/o/acme/controls/FP-BR-01",
        "/o/acme/requests",
    ] {
        let seen = send(s, get(uri, Some(&auditor))).await;
        assert_eq!(seen.status, StatusCode::OK, "{uri}: {}", seen.text());
        assert!(
            !seen.text().contains("merger-plan-2027") && !seen.text().contains(&theirs),
            "{uri}"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[allow(dead_code)]
fn bearer_get(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

/// A request as if it came from `address` (the listener marks every request so).
fn from_address(mut request: Request<Body>, address: &str) -> Request<Body> {
    request
        .extensions_mut()
        .insert(fieldproof_web::ClientAddress(
            address.parse().expect("an IP address"),
        ));
    request
}

fn login(email: &str, password: &str) -> Request<Body> {
    form("/login", None, &[("email", email), ("password", password)])
}

fn bearer(method: &str, uri: &str, token: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

const STATUS_BODY: &str = r#"{"engagement":"soc2-2026","control":"FP-PE-04","status":"implemented","owner":"Facilities","rationale":"BMS alarms"}"#;

#[tokio::test]
async fn a_token_follows_its_members_demotion_and_removal() {
    a_token_follows_its_members_demotion_and_removal_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_follows_its_members_demotion_and_removal_on_postgres() {
    a_token_follows_its_members_demotion_and_removal_on(Backend::Postgres).await;
}

async fn a_token_follows_its_members_demotion_and_removal_on(backend: Backend) {
    use fieldproof_web::accounts::Role;
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let accounts = s.accounts();
    accounts
        .add_member("lead@acme.test", Some(PASSWORD), "acme", Role::Owner, None)
        .await
        .expect("member");
    let (token, reference) = accounts
        .create_token("lead@acme.test", "acme", Role::Owner, "ci", None)
        .await
        .expect("token");
    let write = || bearer("POST", "/api/v1/o/acme/statuses", &token, STATUS_BODY);
    assert_eq!(send(s, write()).await.status, StatusCode::OK);

    // Demoted to viewer: the owner's token now reads and no longer writes.
    accounts
        .add_member("lead@acme.test", None, "acme", Role::Viewer, None)
        .await
        .expect("demote");
    assert_eq!(send(s, write()).await.status, StatusCode::FORBIDDEN);
    let read = send(s, bearer("GET", "/api/v1/o/acme/engagements", &token, "")).await;
    assert_eq!(read.status, StatusCode::OK);
    let list = accounts.tokens("acme").await.expect("list");
    let listed = list
        .tokens
        .iter()
        .find(|t| t.token == reference)
        .expect("listed");
    assert_eq!(listed.role, "owner");
    assert_eq!(listed.effective_role.as_deref(), Some("viewer"));
    assert!(listed.last_used_at.is_some(), "the use is recorded");

    // Made an auditor: an owner's token has no role in common with an auditor's.
    accounts
        .add_member(
            "lead@acme.test",
            None,
            "acme",
            Role::Auditor,
            Some("soc2-2026"),
        )
        .await
        .expect("auditor");
    let refused = send(s, bearer("GET", "/api/v1/o/acme/engagements", &token, "")).await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        refused.text()
    );

    // Removed: every token of the member is revoked and stops working.
    accounts
        .add_member("lead@acme.test", None, "acme", Role::Owner, None)
        .await
        .expect("owner again");
    assert_eq!(send(s, write()).await.status, StatusCode::OK);
    let revoked = accounts
        .remove_member("lead@acme.test", "acme", "owner@acme.test")
        .await
        .expect("remove");
    assert_eq!(revoked, 1);
    assert_eq!(send(s, write()).await.status, StatusCode::UNAUTHORIZED);
    let list = accounts.tokens("acme").await.expect("list");
    let listed = list
        .tokens
        .iter()
        .find(|t| t.token == reference)
        .expect("listed");
    assert_eq!(listed.state, "revoked");
    // Added back, the old token stays revoked.
    accounts
        .add_member("lead@acme.test", None, "acme", Role::Owner, None)
        .await
        .expect("back");
    assert_eq!(send(s, write()).await.status, StatusCode::UNAUTHORIZED);

    // Revoking and expiring.
    let (second, second_ref) = accounts
        .create_token("owner@acme.test", "acme", Role::Editor, "deploy", None)
        .await
        .expect("token");
    assert_eq!(
        send(
            s,
            bearer("POST", "/api/v1/o/acme/statuses", &second, STATUS_BODY)
        )
        .await
        .status,
        StatusCode::OK
    );
    accounts
        .revoke_token("acme", &second_ref[..8], "owner@acme.test")
        .await
        .expect("revoke by prefix");
    assert_eq!(
        send(s, bearer("GET", "/api/v1/o/acme/engagements", &second, ""))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let soon = fieldproof_web::accounts::now() + time::Duration::seconds(2);
    let (brief, _) = accounts
        .create_token("owner@acme.test", "acme", Role::Viewer, "brief", Some(soon))
        .await
        .expect("token");
    let get = || bearer("GET", "/api/v1/o/acme/engagements", &brief, "");
    assert_eq!(send(s, get()).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(send(s, get()).await.status, StatusCode::UNAUTHORIZED);
    let expired = accounts.tokens("acme").await.expect("list");
    assert!(expired
        .tokens
        .iter()
        .any(|t| t.name == "brief" && t.state == "expired"));
    // A token is never created with more than its member's role, nor an auditor's role for
    // a member who is not an auditor.
    for (email, role) in [
        ("contrib@acme.test", Role::Editor),
        ("owner@acme.test", Role::Auditor),
        ("auditor@acme.test", Role::Viewer),
    ] {
        assert!(
            accounts
                .create_token(email, "acme", role, "x", None)
                .await
                .is_err(),
            "{email} {role:?}"
        );
    }
}

#[tokio::test]
async fn an_owner_lists_creates_and_revokes_tokens_in_the_browser() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let (contrib, _) = sign_in(s, "contrib@acme.test").await;
    assert_eq!(
        send(s, get("/o/acme/tokens", Some(&contrib))).await.status,
        StatusCode::FORBIDDEN
    );
    let created = send(
        s,
        form(
            "/o/acme/tokens",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("email", "contrib@acme.test"),
                ("role", "contributor"),
                ("name", "scanner"),
                ("expires", "30d"),
            ],
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let page = created.text();
    let secret = page
        .split("<code>fpt_")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .map(|t| format!("fpt_{t}"))
        .expect("the secret, shown once");
    assert_eq!(
        send(s, bearer("GET", "/api/v1/o/acme/engagements", &secret, ""))
            .await
            .status,
        StatusCode::OK
    );
    let listed = send(s, get("/o/acme/tokens", Some(&owner))).await.text();
    assert!(listed.contains("scanner") && !listed.contains(&secret));
    let reference = s.accounts().tokens("acme").await.expect("list").tokens[0]
        .token
        .clone();
    let too_much = send(
        s,
        form(
            "/o/acme/tokens",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("email", "contrib@acme.test"),
                ("role", "owner"),
                ("name", "x"),
            ],
        ),
    )
    .await;
    assert_eq!(too_much.status, StatusCode::BAD_REQUEST);
    let no_csrf = send(
        s,
        form(
            &format!("/o/acme/tokens/{reference}/revoke"),
            Some(&owner),
            &[],
        ),
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let revoked = send(
        s,
        form(
            &format!("/o/acme/tokens/{reference}/revoke"),
            Some(&owner),
            &[("csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(s, bearer("GET", "/api/v1/o/acme/engagements", &secret, ""))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_guesses_are_counted_before_any_password_is_checked() {
    concurrent_wrong_guesses_are_counted_before_any_password_is_checked_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_guesses_are_counted_before_any_password_is_checked_on_postgres() {
    concurrent_wrong_guesses_are_counted_before_any_password_is_checked_on(Backend::Postgres).await;
}

async fn concurrent_wrong_guesses_are_counted_before_any_password_is_checked_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let guesses: Vec<_> = (0..40)
        .map(|i| {
            let s = Arc::clone(s);
            tokio::spawn(async move {
                send(
                    &s,
                    from_address(login("owner@acme.test", &format!("guess {i}")), "192.0.2.7"),
                )
                .await
                .status
            })
        })
        .collect();
    let mut refused = 0;
    let mut throttled = 0;
    for g in guesses {
        match g.await.expect("task") {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (refused, throttled),
        (fieldproof_web::accounts::THROTTLE_FAILURES as usize, 35),
        "exactly the allowed attempts are checked"
    );
    // After them, even the right password is refused from that address.
    let right = send(
        s,
        from_address(login("owner@acme.test", PASSWORD), "192.0.2.7"),
    )
    .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(right.headers.contains_key(header::RETRY_AFTER));
    // Another client is not locked out of the account by this one.
    let elsewhere = send(
        s,
        from_address(login("owner@acme.test", PASSWORD), "198.51.100.9"),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn one_address_is_throttled_across_accounts() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let mut statuses = Vec::new();
    for i in 0..fieldproof_web::accounts::THROTTLE_ADDRESS_FAILURES + 1 {
        let r = send(
            s,
            from_address(login(&format!("user{i}@acme.test"), "wrong"), "203.0.113.5"),
        )
        .await;
        statuses.push(r.status);
    }
    assert!(statuses[..statuses.len() - 1]
        .iter()
        .all(|s| *s == StatusCode::UNAUTHORIZED));
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    // IPv6 clients are counted by their /64.
    assert_eq!(
        fieldproof_web::accounts::client_key(Some("2001:db8:1:2:aaaa::1".parse().expect("ip"))),
        fieldproof_web::accounts::client_key(Some("2001:db8:1:2:bbbb::9".parse().expect("ip")))
    );
}

#[tokio::test]
async fn login_fields_are_bounded_and_failures_are_stored_by_a_fixed_size_key() {
    login_fields_are_bounded_and_failures_are_stored_by_a_fixed_size_key_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_fields_are_bounded_and_failures_are_stored_by_a_fixed_size_key_on_postgres() {
    login_fields_are_bounded_and_failures_are_stored_by_a_fixed_size_key_on(Backend::Postgres)
        .await;
}

async fn login_fields_are_bounded_and_failures_are_stored_by_a_fixed_size_key_on(backend: Backend) {
    let f = fixture_on(backend, 1 << 20).await;
    let s = &f.server;
    let db = f._dir.path().join("data/server.db");
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let before = size(&db) + size(&db.with_extension("db-wal"));
    // A 5 MiB e-mail: refused by the sign-in form's body limit, nothing stored.
    let huge = "a".repeat(5 << 20) + "@acme.test";
    let reply = send(s, login(&huge, "x")).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        reply.text().contains("larger than the server accepts"),
        "{}",
        reply.text()
    );
    // Within the body limit but over 254 bytes: refused, unchecked, nothing counted.
    let long = "b".repeat(300) + "@acme.test";
    let reply = send(s, login(&long, "x")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(s.accounts().throttle_rows().await.expect("rows"), 0);
    // Failures are counted under hashes, never under the address as sent.
    let marker = "distinctive-marker-9f3c@acme.test";
    for _ in 0..3 {
        send(s, login(marker, "wrong")).await;
    }
    let rows = s.accounts().throttle_rows().await.expect("rows");
    assert_eq!(
        rows, 3,
        "one row per key: the pair, the address, the account"
    );
    let after = size(&db) + size(&db.with_extension("db-wal"));
    assert!(after < before + (1 << 20), "{before} -> {after}");
    for file in [db.clone(), db.with_extension("db-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{} holds the e-mail as sent",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_checks_at_most_one_password_per_core_and_a_real_sign_in_gets_through() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let flood: Vec<_> = (0..60)
        .map(|i| {
            let s = Arc::clone(s);
            tokio::spawn(async move {
                send(
                    &s,
                    from_address(
                        login(&format!("nobody{i}@flood.test"), "wrong"),
                        &format!("10.0.{}.{}", i / 200, i % 200 + 1),
                    ),
                )
                .await
                .status
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let real = send(
        s,
        from_address(login("owner@acme.test", PASSWORD), "10.9.9.9"),
    )
    .await;
    assert_eq!(real.status, StatusCode::SEE_OTHER, "{}", real.text());
    for g in flood {
        assert_eq!(g.await.expect("task"), StatusCode::UNAUTHORIZED);
    }
    let stats = s.accounts().hashing_stats();
    assert!(stats.peak <= cores, "{stats:?} with {cores} cores");
    assert_eq!(stats.running, 0);
    // Past the queue, the answer is 503 with Retry-After, never a pile-up.
    let burst: Vec<_> = (0..fieldproof_web::accounts::HASH_QUEUE + 40)
        .map(|i| {
            let s = Arc::clone(s);
            tokio::spawn(async move {
                let r = send(
                    &s,
                    from_address(
                        login(&format!("burst{i}@flood.test"), "wrong"),
                        &format!("10.1.{}.{}", i / 200, i % 200 + 1),
                    ),
                )
                .await;
                (r.status, r.headers.contains_key(header::RETRY_AFTER))
            })
        })
        .collect();
    let mut busy = 0;
    for g in burst {
        match g.await.expect("task") {
            (StatusCode::UNAUTHORIZED, _) => {}
            (StatusCode::SERVICE_UNAVAILABLE, true) => busy += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        busy > 0,
        "a queue of {} waits at most",
        fieldproof_web::accounts::HASH_QUEUE
    );
    assert!(s.accounts().hashing_stats().peak <= cores);
}

#[tokio::test]
async fn a_form_posted_from_another_site_does_not_sign_in() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let with = |name: &str, value: &str| {
        let mut r = login("owner@acme.test", PASSWORD);
        r.headers_mut().insert(
            header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            value.parse().expect("value"),
        );
        r.headers_mut()
            .insert(header::HOST, "fieldproof.example".parse().expect("host"));
        r
    };
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let r = send(s, with(name, value)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(!r.headers.contains_key(header::SET_COOKIE));
    }
    // What a browser sends under `Referrer-Policy: no-referrer`: `Origin: null`, with
    // `Sec-Fetch-Site` saying where the form really came from.
    for (site, expected) in [
        ("same-origin", StatusCode::SEE_OTHER),
        ("cross-site", StatusCode::FORBIDDEN),
    ] {
        let mut r = with("origin", "null");
        r.headers_mut()
            .insert("sec-fetch-site", site.parse().expect("value"));
        assert_eq!(send(s, r).await.status, expected, "null origin, {site}");
    }
    for (name, value) in [
        ("origin", "https://fieldproof.example"),
        ("sec-fetch-site", "same-origin"),
    ] {
        assert_eq!(
            send(s, with(name, value)).await.status,
            StatusCode::SEE_OTHER,
            "{name}: {value}"
        );
    }
}

#[tokio::test]
async fn every_signed_in_response_says_no_store() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, _) = sign_in(s, "owner@acme.test").await;
    for uri in [
        "/o/acme",
        "/o/acme/ledger",
        "/api/v1/o/acme/readiness?engagement=soc2-2026",
        "/o/acme/reports/readiness.html?engagement=soc2-2026",
        "/o/acme/reports/controls.csv?engagement=soc2-2026",
        "/o/acme/pack?engagement=soc2-2026",
        "/login",
        "/api/v1/nothing-here",
    ] {
        let r = send(s, get(uri, Some(&owner))).await;
        assert_eq!(
            r.headers
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn api_errors_are_json_and_framework_rejections_get_the_products_words() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let token = owner_bearer(s).await;
    let token = token.trim_start_matches("Bearer ");
    for (method, uri, status) in [
        ("GET", "/api/v1/no/such/route", StatusCode::NOT_FOUND),
        (
            "DELETE",
            "/api/v1/o/acme/ledger",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "GET",
            "/api/v1/o/acme/statuses",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let r = send(s, bearer(method, uri, token, "")).await;
        assert_eq!(r.status, status, "{method} {uri}");
        let body: serde_json::Value = serde_json::from_slice(&r.body)
            .unwrap_or_else(|_| panic!("{method} {uri}: not JSON: {}", r.text()));
        assert_eq!(body["status"], status.as_u16());
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let bad_json = send(s, bearer("POST", "/api/v1/o/acme/statuses", token, "{nope")).await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert!(serde_json::from_slice::<serde_json::Value>(&bad_json.body).is_ok());
    // A form missing its fields, a multipart body cut short: no framework wording.
    let malformed = send(s, form("/login", None, &[("email", "x")])).await;
    assert!(malformed.status.is_client_error());
    let cut = send(
        s,
        Request::post("/o/acme/evidence")
            .header(header::COOKIE, &owner)
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=zzz")
            .body(Body::from(format!(
                "--zzz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--zzz\r\nContent-Disp"
            )))
            .expect("request"),
    )
    .await;
    for r in [&malformed, &cut] {
        let text = r.text();
        for framework in [
            "Failed to deserialize",
            "multipart/form-data",
            "Error parsing",
        ] {
            assert!(
                !text.contains(framework) || text.contains("forms are sent as"),
                "{text}"
            );
        }
        assert!(text.contains("<!DOCTYPE html>"), "{text}");
    }
    let unknown_page = send(s, get("/o/acme/nowhere/at/all", Some(&owner))).await;
    assert_eq!(unknown_page.status, StatusCode::NOT_FOUND);
    assert!(unknown_page.text().contains("<!DOCTYPE html>"));
}

#[tokio::test]
async fn no_message_sent_to_a_client_names_a_server_path() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let token = owner_bearer(s).await;
    let root = f._dir.path().display().to_string();
    // An empty evidence file: the message names the file as it was sent.
    let empty = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &owner),
            &[
                ("csrf", &csrf),
                ("engagement", "soc2-2026"),
                ("control", "FP-BR-01"),
            ],
            &[("empty.csv", b"")],
        ),
    )
    .await;
    assert!(empty.status.is_client_error(), "{}", empty.status);
    assert!(!empty.text().contains(&root), "{}", empty.text());
    assert!(!empty.text().contains("/uploads/"), "{}", empty.text());
    assert!(empty.text().contains("empty.csv"), "{}", empty.text());
    let api = send(
        s,
        upload_request(
            "/api/v1/o/acme/evidence",
            ("authorization", &token),
            &[("engagement", "soc2-2026"), ("control", "FP-BR-01")],
            &[("empty.csv", b"")],
        ),
    )
    .await;
    assert!(api.status.is_client_error());
    assert!(
        !api.text().contains(&root) && !api.text().contains("os error"),
        "{}",
        api.text()
    );
    // The verification names no server path either.
    let verify = send(s, get("/api/v1/o/acme/verify", Some(&owner)))
        .await
        .text();
    assert!(!verify.contains(&root), "{verify}");
}

#[tokio::test]
async fn an_upload_has_a_bounded_number_of_parts_and_field_size() {
    let f = fixture(8 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let mut fields: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for i in 0..20_000 {
        fields.push((format!("f{i}"), "x".into()));
    }
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let started = std::time::Instant::now();
    let r = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &owner),
            &refs,
            &[("a.csv", b"a")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("at most 100 parts"), "{}", r.text());
    // Bounded work: the parts past the limit are never read (the probe measured 13 s).
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let long = "y".repeat(70 * 1024);
    let r = send(
        s,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &owner),
            &[("csrf", &csrf), ("note", &long)],
            &[("a.csv", b"a")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn previews_never_applied_are_removed_after_their_time_and_at_start_up() {
    let limits = fieldproof_web::Limits {
        staged_upload_ttl: std::time::Duration::from_secs(0),
        ..Default::default()
    };
    let f = fixture_with(Backend::Sqlite, 1 << 20, limits).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let estate = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/colocation-dc/estate.yaml"),
    )
    .expect("estate");
    let (content_type, body) =
        multipart_named(&[("csrf", &csrf)], &[("estate", "estate.yaml", &estate)]);
    let preview = send(
        s,
        Request::post("/o/acme/estate/preview")
            .header(header::COOKIE, &owner)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request"),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let uploads = f._dir.path().join("data/orgs/acme/uploads");
    let staged = || {
        std::fs::read_dir(&uploads)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("estate-"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(staged(), 1);
    // A left-over of an interrupted request.
    std::fs::create_dir_all(uploads.join("0123abcd")).expect("leftover");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    fieldproof_web::housekeeping(s, false).await;
    assert_eq!(staged(), 0, "a preview past its time is removed");
    assert!(
        uploads.join("0123abcd").exists(),
        "a request may still be running"
    );
    fieldproof_web::housekeeping(s, true).await;
    assert!(
        !uploads.join("0123abcd").exists(),
        "at start-up nothing is running"
    );
    let apply = apply_staged(s, &owner, &csrf, &apply_token(&preview.text())).await;
    assert!(apply.status.is_client_error(), "{}", apply.status);
}

/// Serves the fixture on a loopback port with short timeouts; returns the address.
async fn listening(limits: fieldproof_web::Limits) -> (Fixture, std::net::SocketAddr) {
    let f = fixture_with(Backend::Sqlite, 1 << 20, limits).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(fieldproof_web::serve_on(Arc::clone(&f.server), listener));
    (f, address)
}

/// Reads until the server closes the connection or `limit` passes; returns what it sent
/// and whether it closed.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> (String, bool) {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_is_cut_off_by_the_header_and_body_timeouts() {
    use tokio::io::AsyncWriteExt;
    let limits = fieldproof_web::Limits {
        header_timeout: std::time::Duration::from_secs(1),
        body_idle_timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    };
    let (_f, address) = listening(limits).await;
    let patience = std::time::Duration::from_secs(8);

    // Nothing sent at all.
    let mut silent = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let (_, closed) = read_until_closed(&mut silent, patience).await;
    assert!(closed, "a connection that sends nothing is closed");

    // Half the headers.
    let mut half = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    half.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let (_, closed) = read_until_closed(&mut half, patience).await;
    assert!(closed, "half the headers: closed");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // A body announced and never sent: answered 408, then closed.
    let mut stalled = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stalled
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\nemail=a",
        )
        .await
        .expect("write");
    let (answer, closed) = read_until_closed(&mut stalled, patience).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("stopped arriving"), "{answer}");
    assert!(closed);

    // A normal request still works, and carries the client's address through.
    let mut fine = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    fine.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let (answer, _) = read_until_closed(&mut fine, patience).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
