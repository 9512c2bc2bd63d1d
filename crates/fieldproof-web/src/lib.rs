//! The fieldproof web app and REST API (`fieldproof serve`).
//!
//! One server holds several organisations (a consultancy serving several clients): each has
//! its own workspace under `DATA/orgs/ORG/` — estate, engagements, ledger and signing key —
//! and the accounts (users, roles, sessions, API tokens) are in `DATA/server.db`. A server on
//! PostgreSQL (`--store postgres://.../DATABASE`) keeps both in that database instead: each
//! organisation's store is the workspace keyed by its id, the accounts are in the schema
//! `fieldproof_server`; keys, blobs and checkpoints stay under `DATA/orgs/ORG/`. Every page
//! and every `/api/v1` route calls the same application-layer use case as the CLI and renders
//! its typed result; no rule is decided here. A user who is not a member of an organisation
//! gets 404 for everything under it, exactly as for an organisation that does not exist.
//!
//! Security: argon2id password hashes, session cookies (HttpOnly, SameSite=Strict, Secure
//! behind TLS) stored by their SHA-256, a CSRF token on every form, login throttling, API
//! tokens with a role, a body limit on uploads, and Content-Security-Policy, frame denial and
//! no-sniff headers on every response.

pub mod accounts;
pub mod api;
pub mod html;
pub mod middleware;
pub mod openapi;
mod pages;
mod serve;
mod tokens;

pub use middleware::Limits;
pub use serve::{housekeeping, serve, serve_on};

use accounts::{Accounts, Membership, Session};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use fieldproof_app::{App, AppError, Config};
use std::path::PathBuf;
use std::sync::Arc;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The data directory: `server.db` and `orgs/ORG/`.
    pub data: PathBuf,
    /// A PostgreSQL database for the organisations' stores (`postgres://.../DATABASE`, one
    /// workspace per organisation); none: each organisation's SQLite file under `orgs/ORG/`.
    pub store: Option<String>,
    /// Whether the server is reached over TLS (a proxy in front): cookies get `Secure`.
    pub secure_cookies: bool,
    /// The largest request body accepted (uploads), in bytes.
    pub max_upload_bytes: usize,
    /// Timeouts, the small body limits of forms and of sign-in, and the multipart limits.
    pub limits: Limits,
    /// Whether a proxy in front reports the client's address in `X-Forwarded-For` (its last
    /// entry is taken); without it the TCP peer is the client.
    pub trust_forwarded_for: bool,
}

/// The shared state of every request.
pub struct Server {
    config: ServerConfig,
    accounts: Accounts,
    caches: Caches,
    /// Each organisation's store, opened once: opening a store per use case cost more than
    /// the pages themselves.
    stores: std::sync::RwLock<std::collections::HashMap<String, Arc<dyn fieldproof_store::Store>>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

/// One component of the estate page.
#[derive(Debug, Clone)]
pub struct EstateRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: &'static str,
    /// Scope decision.
    pub scope: &'static str,
    /// The scope the estate declares for it (`in scope`, `out of scope`, `shared`), if any:
    /// shown beside the decision, which may differ (a finding then says why).
    pub declared: Option<&'static str>,
    /// Triggers fired.
    pub triggers: String,
    /// TSC categories.
    pub categories: String,
}

/// The estate as its page shows it.
#[derive(Debug, Clone)]
pub struct EstateView {
    /// Organisation.
    pub organisation: String,
    /// Service.
    pub service: String,
    /// Every component, by id.
    pub rows: Vec<EstateRow>,
    /// Scope findings: severity, rule, subject, message, and whether the subject is a
    /// component (a page to link) rather than a subservice organisation.
    pub findings: Vec<(String, String, String, String, bool)>,
}

type Versioned<T> = (fieldproof_app::contract::StateVersion, Arc<T>);

/// Results computed from an organisation's workspace, kept while its state version (ledger
/// head, newest change set, day) is unchanged: with 100,000 components a readiness takes
/// seconds, a page must not.
#[derive(Debug, Default)]
struct Caches {
    /// Held while a missing entry is computed, so that concurrent requests wait for it
    /// instead of computing it too.
    computing: tokio::sync::Mutex<()>,
    readiness: std::sync::Mutex<
        std::collections::HashMap<
            (String, String),
            Versioned<fieldproof_app::readiness::ReadinessBasis>,
        >,
    >,
    freshness: std::sync::Mutex<
        std::collections::HashMap<
            (String, String),
            Versioned<fieldproof_app::contract::FreshnessReport>,
        >,
    >,
    estate: std::sync::Mutex<std::collections::HashMap<String, Versioned<EstateView>>>,
}

fn cached<K: std::hash::Hash + Eq, T>(
    map: &std::sync::Mutex<std::collections::HashMap<K, Versioned<T>>>,
    key: &K,
    version: &fieldproof_app::contract::StateVersion,
) -> Option<Arc<T>> {
    let map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    map.get(key)
        .filter(|(v, _)| v == version)
        .map(|(_, value)| Arc::clone(value))
}

fn keep<K: std::hash::Hash + Eq, T>(
    map: &std::sync::Mutex<std::collections::HashMap<K, Versioned<T>>>,
    key: K,
    version: fieldproof_app::contract::StateVersion,
    value: T,
) -> Arc<T> {
    let value = Arc::new(value);
    map.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key, (version, Arc::clone(&value)));
    value
}

/// Why a request failed: a status and one line saying what to do.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    message: String,
    json: bool,
    /// The form field the error is about (its `name`), when it is about one: a form shown
    /// again puts the message beside it.
    field: Option<&'static str>,
}

impl WebError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        WebError {
            status,
            message: message.into(),
            json: false,
            field: None,
        }
    }

    /// 400 about the form field `name`.
    pub(crate) fn about(name: &'static str, message: impl Into<String>) -> Self {
        let mut error = WebError::bad_request(message);
        error.field = Some(name);
        error
    }

    /// A request the user can correct (a 4xx other than not signed in or not found): its
    /// form is worth showing again with the message.
    pub(crate) fn correctable(&self) -> bool {
        self.status == StatusCode::BAD_REQUEST
    }

    /// The message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The form field the error is about, if any.
    pub(crate) fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// 404: also what a non-member gets for anything of another organisation.
    pub fn not_found() -> Self {
        WebError::new(StatusCode::NOT_FOUND, "Not found.")
    }

    fn forbidden(what: &str) -> Self {
        WebError::new(
            StatusCode::FORBIDDEN,
            format!("Your role does not allow this: {what}."),
        )
    }

    /// A failure of the server, not of the request: logged with a reference, and only the
    /// reference is shown (never a path or the operating system's words).
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> Self {
        let reference = middleware::reference();
        tracing::error!(%reference, error = %error, "request failed");
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "The server could not complete the request (reference {reference}); its log has the details."
            ),
        )
    }

    fn bad_request(message: impl Into<String>) -> Self {
        WebError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        if let Some(f) = e.field() {
            // The web's words for the input: its label, as the form shows it.
            let mut error = WebError::bad_request(f.render(f.field.label()));
            error.field = Some(f.field.name());
            return error;
        }
        let status = match &e {
            AppError::Input(_)
            | AppError::Field(_)
            | AppError::Load(_)
            | AppError::Import { .. } => {
                StatusCode::BAD_REQUEST
            }
            AppError::NotFound(_) | AppError::Unknown { .. } => StatusCode::NOT_FOUND,
            AppError::NoEngagement => {
                return WebError::bad_request(
                    "There is no engagement yet: this page shows one once an owner of the organisation has created it on the Engagements page.",
                )
            }
            AppError::NoEstate { needed_for } => {
                return WebError::bad_request(format!(
                    "This organisation has no estate yet, so {needed_for}: load one on the Estate page first."
                ))
            }
            AppError::Forbidden { action, .. } => return WebError::forbidden(action.what()),
            AppError::EngagementRequired { choices } => {
                return WebError::bad_request(format!(
                    "There are {} engagements ({}); choose one with the engagement switcher at the top of the page.",
                    choices.len(),
                    choices.join(", ")
                ))
            }
            AppError::Evidence(fieldproof_evidence::EvidenceError::Io { .. })
            | AppError::Evidence(fieldproof_evidence::EvidenceError::Store(_))
            | AppError::Store(_)
            | AppError::Catalog(_)
            | AppError::Io { .. } => return WebError::internal(&e),
            AppError::Evidence(_) => StatusCode::BAD_REQUEST,
        };
        WebError::new(status, e.to_string())
    }
}

/// A domain message in the web's words, for a page (the API keeps the message as it is): the
/// few that name a command say where the web app does the same (the ledger is verified, listed
/// and looked up on its own pages).
pub(crate) fn web_words(message: &str) -> String {
    const WORDS: [(&str, &str); 4] = [
        (
            "run `fieldproof verify`",
            "open the organisation's Verify page",
        ),
        (
            "Run `fieldproof verify`",
            "Open the organisation's Verify page",
        ),
        (
            "`fieldproof evidence log` lists them",
            "the Ledger page lists them",
        ),
        (
            "`fieldproof catalog list` shows the frameworks and their names",
            "the Catalog page lists the frameworks",
        ),
    ];
    let mut text = message.to_string();
    for (cli, web) in WORDS {
        text = text.replace(cli, web);
    }
    text
}

/// The message of an error response, for the error bodies (JSON under `/api/v1`).
#[derive(Debug, Clone)]
struct ErrorInfo {
    status: StatusCode,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let info = ErrorInfo {
            status: self.status,
            message: self.message.clone(),
        };
        let mut response = self.render();
        response.extensions_mut().insert(info);
        response
    }
}

impl WebError {
    fn render(self) -> Response {
        if self.json {
            let body = serde_json::json!({
                "error": self.status.canonical_reason().unwrap_or("error"),
                "status": self.status.as_u16(),
                "message": self.message,
            });
            return (self.status, axum::Json(body)).into_response();
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // A page asked for without signing in: the login page.
            return axum::response::Redirect::to("/login").into_response();
        }
        let title = self.status.canonical_reason().unwrap_or("Error");
        (
            self.status,
            axum::response::Html(middleware::error_page(title, &self.message)),
        )
            .into_response()
    }
}

/// Who is asking, and in which organisation with which role.
#[derive(Debug, Clone)]
pub struct Member {
    /// The user.
    pub session: Session,
    /// The membership in the organisation of the request.
    pub membership: Membership,
    /// The engagement the pages show and the ones the member may switch to (a page's
    /// `?engagement=`, else the session's earlier choice, else the default); none for an API
    /// token, whose requests name their engagement.
    pub engagements: Engagements,
}

/// The engagement a signed-in member's pages show, and the ones they may switch to.
#[derive(Debug, Clone, Default)]
pub struct Engagements {
    /// The engagement shown; `None` before the first is created.
    pub shown: Option<String>,
    /// The engagements the member may switch to, by id (an auditor: only theirs).
    pub choices: Vec<String>,
    /// The path of the request (the navigation marks the page it belongs to).
    pub here: String,
    /// Where the switcher sends the choice: this page, or for a page that answered a form,
    /// the dashboard.
    pub switch_to: String,
}

impl Member {
    /// The application of this member's organisation, acting as the user.
    fn app(&self, server: &Server) -> App {
        server.app_as(
            &self.membership.organisation,
            &self.session.email,
            self.membership.role,
        )
    }

    /// The engagement a request may see: an auditor only theirs (another is 404).
    fn engagement(&self, asked: Option<&str>) -> Result<Option<String>, WebError> {
        match (&self.membership.engagement, asked) {
            (Some(own), Some(asked)) if own != asked => Err(WebError::not_found()),
            (Some(own), _) => Ok(Some(own.clone())),
            (None, asked) => Ok(asked.map(str::to_string)),
        }
    }

    /// The engagement this member is limited to (an auditor's), if any: what the ledger, the
    /// verification and the pack withhold from them follows the evidence pack's disclosure rule.
    pub fn limit(&self) -> Option<&str> {
        self.membership.engagement.as_deref()
    }

    /// Whether the member's role allows `action` (the core's one answer).
    fn may(&self, action: fieldproof_core::access::Action) -> bool {
        self.membership.role.may(action)
    }

    /// 403 unless the member's role allows `action`.
    fn allow(&self, action: fieldproof_core::access::Action) -> Result<(), WebError> {
        Ok(fieldproof_app::requests::allow(
            self.membership.role,
            action,
        )?)
    }

    /// Who this member is when they write to an evidence request.
    fn reviewer(&self) -> fieldproof_app::requests::Reviewer<'_> {
        fieldproof_app::requests::Reviewer {
            name: &self.session.email,
            role: self.membership.role,
        }
    }
}

const SESSION_COOKIE: &str = "fp_session";

/// The address of the client of a request, as the server saw it (the TCP peer, or with
/// `--trust-forwarded-for` the address the proxy in front reports): an extension the
/// listener puts on every request. Sign-in attempts are throttled by it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub std::net::IpAddr);

/// The client address of a request, if the listener recorded one (requests answered
/// in-process have none unless the caller adds [`ClientAddress`]).
#[derive(Debug, Clone, Copy)]
pub struct Client(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ClientAddress>()
                .map(|address| address.0),
        ))
    }
}

/// Refuses a form posted from another site (login CSRF: signing a victim in to the
/// attacker's account). Browsers say where a POST comes from: `Sec-Fetch-Site` (every current
/// browser) decides when present; otherwise an `Origin` must name this server. Under this
/// server's `Referrer-Policy: no-referrer` a browser may send `Origin: null` for its own forms,
/// so `null` alone decides nothing; a request that says neither comes from a program, not a
/// page, and passes (it cannot ride on a victim's browser).
pub(crate) fn same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let refused = || {
        WebError::new(
            StatusCode::FORBIDDEN,
            "This form was sent from another site; sign in from the server's own page.",
        )
    };
    if let Some(site) = headers.get("sec-fetch-site") {
        return if matches!(site.to_str(), Ok("same-origin" | "none")) {
            Ok(())
        } else {
            Err(refused())
        };
    }
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let origin = origin.to_str().map_err(|_| refused())?;
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/'))
            .unwrap_or_default();
        if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return Err(refused());
        }
    }
    Ok(())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
}

impl Server {
    /// Opens the data directory (creating `server.db` the first time).
    pub async fn open(mut config: ServerConfig) -> Result<Arc<Server>, AppError> {
        let accounts = Accounts::open(&config.data, config.store.as_deref()).await?;
        config.data = accounts.data_dir().to_path_buf();
        let server = Server {
            config,
            accounts,
            caches: Caches::default(),
            stores: Default::default(),
        };
        for org in server.accounts.organisations().await? {
            server.open_store(&org).await?;
        }
        Ok(Arc::new(server))
    }

    /// Opens an organisation's store and keeps it for every later request. Request reviews an
    /// earlier version kept with the accounts move into the store first.
    async fn open_store(&self, org: &str) -> Result<(), AppError> {
        use fieldproof_app::workspace::{StoreUrl, DATABASE_FILE, WORKSPACE_DIR};
        let dir = self.org_dir(org).join(WORKSPACE_DIR);
        let url = match self.store_url(org) {
            Some(url) => StoreUrl::parse(&url, &dir)?,
            None => StoreUrl::Sqlite(dir.join(DATABASE_FILE)),
        };
        match fieldproof_app::workspace::open_store(&url).await {
            Ok(store) => {
                let moved = self
                    .accounts
                    .adopt_request_reviews(org, store.as_ref())
                    .await?;
                if moved > 0 {
                    tracing::info!(
                        organisation = org,
                        moved,
                        "request reviews moved from the accounts into the workspace"
                    );
                }
                self.stores
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(org.to_string(), store);
                Ok(())
            }
            Err(e) => Err(AppError::Input(format!(
                "organisation {org}: its store {} cannot be opened: {e} (a server started with --store postgres://... must always be started with it, and one without it never)",
                url.display()
            ))),
        }
    }

    /// The readiness of an engagement of the member's organisation, computed once per state.
    pub async fn readiness(
        &self,
        member: &Member,
        engagement: &str,
    ) -> Result<Arc<fieldproof_app::readiness::ReadinessBasis>, WebError> {
        let app = member.app(self);
        let version = app.state_version().await?;
        let key = (
            member.membership.organisation.clone(),
            engagement.to_string(),
        );
        if let Some(hit) = cached(&self.caches.readiness, &key, &version) {
            return Ok(hit);
        }
        let _computing = self.caches.computing.lock().await;
        if let Some(hit) = cached(&self.caches.readiness, &key, &version) {
            return Ok(hit);
        }
        let basis = app.readiness(Some(engagement)).await?;
        Ok(keep(&self.caches.readiness, key, version, basis))
    }

    /// The freshness report of an engagement, computed once per state.
    pub async fn freshness(
        &self,
        member: &Member,
        engagement: &str,
    ) -> Result<Arc<fieldproof_app::contract::FreshnessReport>, WebError> {
        let app = member.app(self);
        let version = app.state_version().await?;
        let key = (
            member.membership.organisation.clone(),
            engagement.to_string(),
        );
        if let Some(hit) = cached(&self.caches.freshness, &key, &version) {
            return Ok(hit);
        }
        let _computing = self.caches.computing.lock().await;
        if let Some(hit) = cached(&self.caches.freshness, &key, &version) {
            return Ok(hit);
        }
        let report = app.evidence_status(Some(engagement)).await?;
        Ok(keep(&self.caches.freshness, key, version, report))
    }

    /// The estate's components with their scope decisions, computed once per state.
    pub async fn estate(&self, member: &Member) -> Result<Arc<EstateView>, WebError> {
        let app = member.app(self);
        let version = app.state_version().await?;
        let key = member.membership.organisation.clone();
        if let Some(hit) = cached(&self.caches.estate, &key, &version) {
            return Ok(hit);
        }
        let _computing = self.caches.computing.lock().await;
        if let Some(hit) = cached(&self.caches.estate, &key, &version) {
            return Ok(hit);
        }
        let scoped = app
            .scope(
                &fieldproof_app::scope::EstateSource::Workspace,
                &mut |_, _| {},
            )
            .await?;
        let assessment = scoped.assessment();
        let rows = assessment
            .by_id()
            .map(|(c, d)| {
                let json = fieldproof_report::scope::component_json(c, d, &[]);
                EstateRow {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    kind: json.kind,
                    scope: json.scope,
                    declared: c.declared_scope.map(fieldproof_core::Scope::words),
                    triggers: json.triggers.join(", "),
                    categories: json.tsc_categories.join(", "),
                }
            })
            .collect();
        let findings = assessment
            .findings
            .iter()
            .map(|f| {
                (
                    f.severity.as_str().to_string(),
                    f.rule.to_string(),
                    f.component
                        .clone()
                        .or_else(|| f.subservice.clone())
                        .unwrap_or_default(),
                    f.message.clone(),
                    f.component.is_some(),
                )
            })
            .collect();
        let view = EstateView {
            organisation: scoped.estate.organisation.clone(),
            service: scoped.estate.service.clone(),
            rows,
            findings,
        };
        Ok(keep(&self.caches.estate, key, version, view))
    }

    /// `verify` of the member's organisation as the member may see it: limited to an auditor's
    /// engagement (problems about other engagements' entries without their evidence named), and
    /// without the server's paths.
    pub async fn verification(
        &self,
        member: &Member,
    ) -> Result<fieldproof_evidence::Verification, WebError> {
        let org = &member.membership.organisation;
        let mut v = member
            .app(self)
            .verify(&fieldproof_app::evidence::VerifyRequest {
                limit: member.limit().map(str::to_string),
                ..Default::default()
            })
            .await?;
        v.target = format!("the workspace of organisation {org}");
        for text in v.problems.iter_mut().chain(v.notes.iter_mut()) {
            *text = self.without_paths(org, text);
        }
        for leftover in &mut v.cleaned {
            leftover.path = self.without_paths(org, &leftover.path);
        }
        Ok(v)
    }

    /// `text` with the organisation's directory on the server left out, so that a path reads
    /// relative to the organisation's workspace (`.fieldproof/keys/...`).
    pub(crate) fn without_paths(&self, org: &str, text: &str) -> String {
        let dir = self.org_dir(org);
        text.replace(&format!("{}/", dir.display()), "")
            .replace(&self.config.data.display().to_string(), "DATA")
    }

    /// The accounts.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    fn org_dir(&self, org: &str) -> PathBuf {
        self.accounts.organisation_dir(org)
    }

    /// The store URL of an organisation's workspace in the server's PostgreSQL database, if
    /// it has one.
    fn store_url(&self, org: &str) -> Option<String> {
        self.accounts.organisation_store_url(org)
    }

    /// The application over organisation `org`'s workspace, acting as `actor` with every
    /// permission (the server's own work; a member's requests go through [`Server::app_as`]).
    pub fn app_for(&self, org: &str, actor: &str) -> App {
        self.app_as(org, actor, fieldproof_core::access::Role::Owner)
    }

    /// The application for `actor` acting in `org` with `role`: the use cases check what the
    /// role allows.
    pub fn app_as(&self, org: &str, actor: &str, role: fieldproof_core::access::Role) -> App {
        let open_store = self
            .stores
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(org)
            .cloned();
        App::new(Config {
            open_store,
            role: Some(role),
            ..self.accounts.organisation_config(org, actor)
        })
    }

    /// Adds an organisation with its own workspace and signing key (or adopting the workspace
    /// already in its directory), and keeps its store open. Returns the directory and whether
    /// it was adopted.
    pub async fn add_organisation(
        &self,
        id: &str,
        name: &str,
    ) -> Result<(PathBuf, bool), WebError> {
        let added = self.accounts.add_organisation(id, name).await?;
        self.open_store(id).await?;
        Ok((added.dir, added.adopted))
    }

    /// The signed-in user of a request (session cookie), if any.
    async fn session(&self, headers: &HeaderMap) -> Result<Option<(String, Session)>, WebError> {
        match cookie(headers, SESSION_COOKIE) {
            Some(token) => Ok(self.accounts.session(&token).await?.map(|s| (token, s))),
            None => Ok(None),
        }
    }

    /// The navigation of an error page at `path`: the signed-in user's, with the organisation
    /// of the path when they are a member of it (nothing about an organisation they are not).
    pub(crate) async fn error_nav(&self, headers: &HeaderMap, path: &str) -> html::Nav {
        let Ok(Some((_, session))) = self.session(headers).await else {
            return html::Nav::default();
        };
        let org = path
            .strip_prefix("/o/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        let membership = if org.is_empty() {
            None
        } else {
            self.accounts
                .memberships(session.user_id)
                .await
                .ok()
                .and_then(|all| all.into_iter().find(|m| m.organisation == org))
        };
        html::Nav {
            email: Some(session.email),
            csrf: Some(session.csrf),
            organisation: membership
                .as_ref()
                .map(|m| (m.organisation.clone(), m.name.clone())),
            role: membership.map(|m| m.role.as_str().to_string()),
            engagements: Engagements {
                here: path.to_string(),
                ..Engagements::default()
            },
        }
    }

    /// The member of `org` making a request: a session cookie or a bearer token. Not a
    /// member, or no such organisation: 404.
    async fn member(
        &self,
        headers: &HeaderMap,
        org: &str,
        asked: Option<&str>,
        here: &str,
        get: bool,
    ) -> Result<Member, WebError> {
        if let Some(token) = bearer(headers) {
            return match self.accounts.token(&token).await? {
                Some((session, membership)) if membership.organisation == org => Ok(Member {
                    session,
                    membership,
                    engagements: Engagements::default(),
                }),
                Some(_) => Err(WebError::not_found()),
                None => Err(WebError::new(
                    StatusCode::UNAUTHORIZED,
                    "the API token is not valid; create one with `fieldproof token create`",
                )),
            };
        }
        let Some((token, session)) = self.session(headers).await? else {
            return Err(WebError::new(
                StatusCode::UNAUTHORIZED,
                "Sign in first: /login",
            ));
        };
        let membership = self
            .accounts
            .memberships(session.user_id)
            .await?
            .into_iter()
            .find(|m| m.organisation == org)
            .ok_or_else(WebError::not_found)?;
        let mut member = Member {
            session,
            membership,
            engagements: Engagements {
                here: here.to_string(),
                // Where the switcher sends the choice: this page, or for a page that
                // answered a form, the dashboard.
                switch_to: if get {
                    here.to_string()
                } else {
                    format!("/o/{org}")
                },
                ..Engagements::default()
            },
        };
        member.engagements = self.engagements(&member, &token, asked, here).await?;
        Ok(member)
    }

    /// The engagement a signed-in member's page shows ([`fieldproof_app::App::engagement_shown`]):
    /// one `asked` is remembered for the session's later pages. An auditor sees only theirs
    /// (another asked is 404).
    async fn engagements(
        &self,
        member: &Member,
        token: &str,
        asked: Option<&str>,
        here: &str,
    ) -> Result<Engagements, WebError> {
        let switch_to = member.engagements.switch_to.clone();
        let here = here.to_string();
        if let Some(own) = &member.membership.engagement {
            member.engagement(asked)?;
            return Ok(Engagements {
                shown: Some(own.clone()),
                choices: vec![own.clone()],
                here,
                switch_to,
            });
        }
        let org = &member.membership.organisation;
        let remembered = self.accounts.chosen_engagement(token, org).await?;
        let shown = member
            .app(self)
            .engagement_shown(asked, remembered.as_deref())
            .await?;
        let shown_id = shown.shown.map(|e| e.id);
        if let (Some(asked), Some(id)) = (asked, &shown_id) {
            if remembered.as_deref() != Some(asked) {
                self.accounts.choose_engagement(token, org, id).await?;
            }
        }
        Ok(Engagements {
            shown: shown_id,
            choices: shown.choices,
            here,
            switch_to,
        })
    }
}

/// The member of the organisation named in the path (`{org}`): a session or an API token.
/// Not signed in: 401 (the login page for pages); not a member or no such organisation: 404.
#[derive(Debug, Clone)]
pub struct Org {
    /// Who asks, with their role there.
    pub member: Member,
    /// The organisation.
    pub org: String,
}

impl axum::extract::FromRequestParts<Arc<Server>> for Org {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        server: &Arc<Server>,
    ) -> Result<Self, WebError> {
        let axum::extract::Path(params) = axum::extract::Path::<
            std::collections::BTreeMap<String, String>,
        >::from_request_parts(parts, server)
        .await
        .map_err(|_| WebError::not_found())?;
        let org = params.get("org").cloned().ok_or_else(WebError::not_found)?;
        // The page's `?engagement=` (an API request's is its handler's to read).
        #[derive(serde::Deserialize)]
        struct Asked {
            engagement: Option<String>,
        }
        let asked = axum::extract::Query::<Asked>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.engagement)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let here = parts.uri.path().to_string();
        let member = server
            .member(
                &parts.headers,
                &org,
                asked.as_deref(),
                &here,
                parts.method == axum::http::Method::GET,
            )
            .await?;
        Ok(Org { member, org })
    }
}

/// The whole application: pages, the REST API and the static assets, with the security
/// headers, the timeouts and the product's error bodies on every response.
pub fn router(server: Arc<Server>) -> Router {
    let limit = server.config.max_upload_bytes;
    pages::routes(&server.config.limits)
        .merge(pages::portal_routes(&server.config.limits))
        .merge(api::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            middleware::timeouts,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            middleware::error_bodies,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::access_log))
        .with_state(server)
}

async fn not_found() -> WebError {
    WebError::not_found()
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WebError {}

/// A file name from an upload, safe to create in a directory of its own: no directories, no
/// control, bidirectional or invisible characters, no leading dots, at most 120 characters.
pub fn safe_upload_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !fieldproof_core::safe_text::is_invisible_control(*c))
        .map(|c| {
            if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let cleaned: String = cleaned.chars().take(120).collect();
    if cleaned.is_empty() {
        "upload".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::safe_upload_name;

    #[test]
    fn messages_that_name_a_command_say_where_the_web_app_does_it() {
        assert_eq!(
            super::web_words("the ledger does not verify (entry 3: x); run `fieldproof verify` and resolve it"),
            "the ledger does not verify (entry 3: x); open the organisation's Verify page and resolve it"
        );
        assert_eq!(
            super::web_words("there is no evidence EV-9; `fieldproof evidence log` lists them"),
            "there is no evidence EV-9; the Ledger page lists them"
        );
        assert!(
            !super::web_words("nothing was added. Run `fieldproof verify` and restore")
                .contains("fieldproof")
        );
    }

    #[test]
    fn upload_names_are_made_safe() {
        assert_eq!(safe_upload_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_upload_name("C:\\evil\\..\\x.csv"), "x.csv");
        assert_eq!(safe_upload_name(".."), "upload");
        assert_eq!(safe_upload_name(".hidden"), "hidden");
        assert_eq!(safe_upload_name("a\u{0}b\nc.md"), "abc.md");
        // A right-to-left override would show `evil\u{202e}gpj.exe` as `evilexe.jpg`.
        assert_eq!(safe_upload_name("evil\u{202e}gpj.exe"), "evilgpj.exe");
        assert_eq!(safe_upload_name("review: q1?.md"), "review_ q1_.md");
        assert_eq!(safe_upload_name(""), "upload");
    }
}
