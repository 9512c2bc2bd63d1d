//! Helpers shared by the web app's in-process tests: a server with two organisations (each
//! with the colocation example applied and two engagements) and four members, requests built
//! by hand, and their replies.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use fieldproof_app::evidence::VerifyRequest;
use fieldproof_core::engagement::EngagementRequest;
use fieldproof_store_postgres::testing::TestCluster;
use fieldproof_web::accounts::Role;
use fieldproof_web::{router, Server, ServerConfig};
use http_body_util::BodyExt;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub server: Arc<Server>,
}

/// Where the organisations' stores are.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    /// One SQLite file per organisation (the default).
    Sqlite,
    /// One PostgreSQL database, a workspace per organisation (a throw-away cluster).
    Postgres,
}

pub async fn fixture(max_upload_bytes: usize) -> Fixture {
    fixture_on(Backend::Sqlite, max_upload_bytes).await
}

pub async fn fixture_on(backend: Backend, max_upload_bytes: usize) -> Fixture {
    fixture_with(backend, max_upload_bytes, Default::default()).await
}

/// [`fixture_on`] with the server's limits (timeouts, body and multipart limits) given.
pub async fn fixture_with(
    backend: Backend,
    max_upload_bytes: usize,
    limits: fieldproof_web::Limits,
) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestCluster::shared().database()),
    };
    let server = Server::open(ServerConfig {
        data: dir.path().join("data"),
        store: store.clone(),
        secure_cookies: false,
        max_upload_bytes,
        limits,
        trust_forwarded_for: false,
    })
    .await
    .expect("server");
    for org in ["acme", "globex"] {
        server.add_organisation(org, org).await.expect("org");
        let app = server.app_for(org, "setup");
        let estate =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/colocation-dc/estate.yaml");
        app.apply(&estate, &Default::default(), &mut |_, _| {})
            .await
            .expect("apply");
        for id in ["soc2-2026", "soc2-2027"] {
            let year = &id[5..];
            app.engagement_create(&EngagementRequest {
                id: id.to_string(),
                period: Some(format!("{year}-01-01..{year}-12-31")),
                categories: vec!["availability".to_string()],
                ..EngagementRequest::default()
            })
            .await
            .expect("engagement");
        }
    }
    let accounts = server.accounts();
    for (email, org, role, engagement) in [
        ("owner@acme.test", "acme", Role::Owner, None),
        ("contrib@acme.test", "acme", Role::Contributor, None),
        (
            "auditor@acme.test",
            "acme",
            Role::Auditor,
            Some("soc2-2026"),
        ),
        ("owner@globex.test", "globex", Role::Owner, None),
    ] {
        accounts
            .add_member(email, Some(PASSWORD), org, role, engagement)
            .await
            .expect("member");
    }
    if let Some(database) = store {
        // On PostgreSQL the accounts are in the database too, not in DATA/server.db.
        assert!(!dir.path().join("data/server.db").exists());
        let name = database.rsplit('/').next().expect("database name");
        assert_eq!(
            TestCluster::shared().psql(name, "SELECT count(*) FROM fieldproof_server.users"),
            "4"
        );
        assert_eq!(
            TestCluster::shared().psql(
                name,
                "SELECT string_agg(workspace, ',' ORDER BY workspace) FROM workspaces"
            ),
            "acme,globex"
        );
    }
    Fixture { _dir: dir, server }
}

pub async fn send(server: &Arc<Server>, request: Request<Body>) -> Reply {
    let response = router(server.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn form(uri: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Request<Body> {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let mut r =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(body.join("&"))).expect("request")
}

pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(uri);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).expect("request")
}

/// Signs in; returns the cookie header value and the CSRF token of the session.
pub async fn sign_in(server: &Arc<Server>, email: &str) -> (String, String) {
    let reply = send(
        server,
        form("/login", None, &[("email", email), ("password", PASSWORD)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let set = reply.headers[header::SET_COOKIE].to_str().expect("cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().expect("pair").to_string();
    // The CSRF token is in every form of the session's pages.
    let page = send(server, get("/o/acme/evidence", Some(&cookie)))
        .await
        .text()
        + &send(server, get("/o/globex/evidence", Some(&cookie)))
            .await
            .text();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token")
        .to_string();
    (cookie, csrf)
}

pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(file_name, bytes)| ("files", *file_name, *bytes))
        .collect();
    multipart_named(fields, &files)
}

/// A multipart body with each file in a field of its own: (field, file name, bytes).
pub fn multipart_named(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "fieldproofboundary7d1";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (field, file_name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn upload_request(
    uri: &str,
    auth: (&str, &str),
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> Request<Body> {
    let (content_type, body) = multipart(fields, files);
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(auth.0, auth.1)
        .body(Body::from(body))
        .expect("request")
}

pub async fn ledger_entries(server: &Arc<Server>, org: &str) -> usize {
    server
        .app_for(org, "check")
        .verify(&VerifyRequest::default())
        .await
        .expect("verify")
        .entries
}

pub fn multipart_field(name: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "fieldproofboundary7d2";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// An `Authorization` header value for an owner's API token in acme.
pub async fn owner_bearer(s: &Arc<Server>) -> String {
    let token = s
        .accounts()
        .create_token("owner@acme.test", "acme", Role::Owner, "ci", None)
        .await
        .expect("token")
        .0;
    format!("Bearer {token}")
}

/// The apply token a preview page carries.
pub fn apply_token(preview: &str) -> String {
    preview
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an apply token")
        .to_string()
}

/// Applies the upload a preview staged under `token`.
pub async fn apply_staged(s: &Arc<Server>, cookie: &str, csrf: &str, token: &str) -> Reply {
    send(
        s,
        form(
            "/o/acme/estate/apply",
            Some(cookie),
            &[("csrf", csrf), ("token", token)],
        ),
    )
    .await
}

pub fn named_upload(
    uri: &str,
    auth: (&str, &str),
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Request<Body> {
    let (content_type, body) = multipart_named(fields, files);
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(auth.0, auth.1)
        .body(Body::from(body))
        .expect("request")
}
