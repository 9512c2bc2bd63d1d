//! Routes: the pages (server-rendered, no script) and the REST API under `/api/v1`. Each
//! handler finds the member, calls one application use case and renders its typed result.

use crate::accounts::{Action, LoginOutcome, ReviewStatus};
use crate::html::{badge, csrf_field, esc, label, options, page, table, Nav};
use crate::{safe_upload_name, Member, Org, Server, WebError, SESSION_COOKIE};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use fieldproof_app::evidence::{AddContent, AddRequest};
use fieldproof_app::readiness::{report_file, StatusSetRequest};
use fieldproof_app::scope::EstateSource;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

type Shared = State<Arc<Server>>;

const CSS: &str = include_str!("../static/app.css");

pub(crate) fn routes(limits: &crate::Limits) -> Router<Arc<Server>> {
    use axum::extract::DefaultBodyLimit;
    let login_limit = DefaultBodyLimit::max(limits.login_body_bytes);
    let form_limit = DefaultBodyLimit::max(limits.form_body_bytes);
    Router::new()
        .route("/", get(index))
        .route("/login", get(login_page).post(login).layer(login_limit))
        .route("/logout", post(logout).layer(login_limit))
        .route("/static/app.css", get(css))
        .route("/catalog", get(catalog))
        .route("/catalog/map", get(catalog_map))
        .route("/catalog/{id}", get(catalog_item))
        .route("/o/{org}", get(dashboard))
        .route("/o/{org}/estate", get(estate))
        .route("/o/{org}/estate/{component}", get(component))
        .route("/o/{org}/estate/preview", post(estate_preview))
        .route(
            "/o/{org}/estate/apply",
            post(estate_apply).layer(form_limit),
        )
        .route("/o/{org}/controls", get(controls))
        .route("/o/{org}/controls/{control}", get(control))
        .route(
            "/o/{org}/controls/{control}/status",
            post(set_status).layer(form_limit),
        )
        .route("/o/{org}/evidence", get(evidence).post(upload))
        .route("/o/{org}/verify", get(verify))
        .route("/o/{org}/ledger", get(ledger))
        .route("/o/{org}/evidence/retire", post(retire).layer(form_limit))
        .route("/o/{org}/pack", get(pack))
        .route("/o/{org}/reports", get(reports))
        .route("/o/{org}/reports/{file}", get(report))
        .route(
            "/o/{org}/tokens",
            get(crate::tokens::list)
                .post(crate::tokens::create)
                .layer(form_limit),
        )
        .route(
            "/o/{org}/tokens/{token}/revoke",
            post(crate::tokens::revoke).layer(form_limit),
        )
}

pub(crate) fn api_routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/o/{org}/engagements", get(api_engagements))
        .route("/api/v1/o/{org}/scope", get(api_scope))
        .route("/api/v1/o/{org}/readiness", get(api_readiness))
        .route("/api/v1/o/{org}/evidence/status", get(api_evidence_status))
        .route("/api/v1/o/{org}/evidence", post(api_upload))
        .route("/api/v1/o/{org}/verify", get(api_verify))
}

pub(crate) fn nav(member: &Member) -> Nav {
    Nav {
        email: Some(member.session.email.clone()),
        organisation: Some((
            member.membership.organisation.clone(),
            member.membership.name.clone(),
        )),
        role: Some(member.membership.role.as_str().to_string()),
        csrf: Some(member.session.csrf.clone()),
    }
}

pub(crate) fn check_csrf(member: &Member, given: Option<&str>) -> Result<(), WebError> {
    if given.is_some_and(|g| !member.session.csrf.is_empty() && g == member.session.csrf) {
        Ok(())
    } else {
        Err(WebError::new(
            StatusCode::FORBIDDEN,
            "The form's security token is missing or stale; reload the page and submit again.",
        ))
    }
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

#[derive(Debug, serde::Deserialize)]
struct EngagementQuery {
    engagement: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Sign in and out
// ---------------------------------------------------------------------------------------

fn login_form(message: Option<&str>) -> String {
    page(
        "Sign in",
        &Nav::default(),
        &format!(
            "<h1>Sign in</h1>{}<form method=\"post\" action=\"/login\" class=\"stack\">\
             <label for=\"email\">E-mail</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button></form>",
            message
                .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(m)))
                .unwrap_or_default()
        ),
    )
}

async fn login_page() -> Html<String> {
    Html(login_form(None))
}

#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    State(server): Shared,
    client: crate::Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    crate::same_origin(&headers)?;
    let key = crate::accounts::client_key(client.0);
    match server
        .accounts
        .login(&form.email, &form.password, &key)
        .await?
    {
        LoginOutcome::Session(token, _) => {
            let secure = if server.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
                crate::accounts::SESSION_HOURS * 3600
            );
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, cookie),
                    (header::LOCATION, "/".to_string()),
                ],
            )
                .into_response())
        }
        LoginOutcome::Refused => Ok((
            StatusCode::UNAUTHORIZED,
            Html(login_form(Some("Wrong e-mail or password."))),
        )
            .into_response()),
        LoginOutcome::TooLong => Ok((
            StatusCode::BAD_REQUEST,
            Html(login_form(Some(&format!(
                "An e-mail address has at most {} characters and a password at most {}.",
                crate::accounts::MAX_EMAIL_BYTES,
                crate::accounts::MAX_PASSWORD_BYTES
            )))),
        )
            .into_response()),
        LoginOutcome::Throttled { minutes } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, (minutes * 60).to_string())],
            Html(login_form(Some(&format!(
                "Too many sign-in attempts; try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )))),
        )
            .into_response()),
        LoginOutcome::Busy => Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5".to_string())],
            Html(login_form(Some(
                "The server is busy checking other sign-ins; try again in a few seconds.",
            ))),
        )
            .into_response()),
    }
}

#[derive(Debug, serde::Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(server): Shared,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    crate::same_origin(&headers)?;
    if let Some((token, session)) = server.session(&headers).await? {
        if form.csrf.as_deref() != Some(session.csrf.as_str()) {
            return Err(WebError::new(
                StatusCode::FORBIDDEN,
                "Stale form; reload and sign out again.",
            ));
        }
        server.accounts.logout(&token).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}

async fn index(State(server): Shared, headers: HeaderMap) -> Result<Response, WebError> {
    let Some((_, session)) = server.session(&headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let memberships = server.accounts.memberships(session.user_id).await?;
    if let [only] = memberships.as_slice() {
        return Ok(Redirect::to(&format!("/o/{}", only.organisation)).into_response());
    }
    let rows: Vec<Vec<String>> = memberships
        .iter()
        .map(|m| {
            vec![
                format!(
                    "<a href=\"/o/{}\">{}</a>",
                    esc(&m.organisation),
                    esc(&m.name)
                ),
                esc(m.role.as_str()),
                m.engagement.as_deref().map(esc).unwrap_or_default(),
            ]
        })
        .collect();
    let nav = Nav {
        email: Some(session.email.clone()),
        csrf: Some(session.csrf.clone()),
        ..Nav::default()
    };
    Ok(Html(page(
        "Organisations",
        &nav,
        &format!(
            "<h1>Your organisations</h1>{}",
            if rows.is_empty() {
                "<p>You are not a member of any organisation yet; ask its owner to add you.</p>"
                    .to_string()
            } else {
                table(&["Organisation", "Role", "Engagement"], &rows)
            }
        ),
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Dashboard, estate, controls
// ---------------------------------------------------------------------------------------

/// The engagement to show: asked, the auditor's own, or the first one. None: no engagement.
async fn chosen_engagement(
    member: &Member,
    server: &Server,
    asked: Option<&str>,
) -> Result<Option<String>, WebError> {
    let asked = member.engagement(asked)?;
    Ok(member
        .app(server)
        .engagement_choice(asked.as_deref())
        .await?)
}

async fn engagement_picker(member: &Member, server: &Server, current: &str, path: &str) -> String {
    if member.membership.engagement.is_some() {
        return format!("<p class=\"muted\">Engagement {}</p>", esc(current));
    }
    let Ok(list) = member.app(server).engagement_list().await else {
        return String::new();
    };
    if list.engagements.len() < 2 {
        return format!("<p class=\"muted\">Engagement {}</p>", esc(current));
    }
    let links: Vec<String> = list
        .engagements
        .iter()
        .map(|e| {
            if e.id == current {
                format!("<strong>{}</strong>", esc(&e.id))
            } else {
                format!(
                    "<a href=\"{path}?engagement={}\">{}</a>",
                    esc(&e.id),
                    esc(&e.id)
                )
            }
        })
        .collect();
    format!("<p class=\"muted\">Engagement: {}</p>", links.join(" · "))
}

async fn dashboard(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let app = member.app(&server);
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        let scope = app.scope(&EstateSource::Workspace, &mut |_, _| {}).await;
        let body = match scope {
            Ok(s) => {
                let summary = fieldproof_report::scope::summary(&s.assessment());
                format!(
                    "<h1>{}</h1><p>{} components: {} in scope, {} shared, {} out of scope.</p><p>No engagement yet: create one with <code>fieldproof engagement create</code> to see readiness and evidence here.</p>",
                    esc(&member.membership.name), summary.components, summary.in_scope, summary.shared, summary.out_of_scope
                )
            }
            Err(_) => format!(
                "<h1>{}</h1><p>This organisation has no estate yet. Load one with <code>fieldproof --workspace {} apply estate.yaml</code>.</p>",
                esc(&member.membership.name),
                esc(&server.org_dir(&org).display().to_string())
            ),
        };
        return Ok(Html(page("Dashboard", &nav(&member), &body)).into_response());
    };
    let basis = server.readiness(&member, &engagement).await?;
    let freshness = server.freshness(&member, &engagement).await?;
    let r = &basis.readiness;
    let s = &r.summary;
    let picker = engagement_picker(&member, &server, &engagement, &format!("/o/{org}")).await;
    let mut body = format!(
        "<h1>{}</h1>{picker}<section class=\"cards\">\
         <div class=\"card\"><h2>Scope</h2><p class=\"big\">{}</p><p>{} in scope, {} shared, {} out of scope; {} OT inside</p></div>\
         <div class=\"card\"><h2>Readiness</h2><p class=\"big\">{}%</p><p>of {} applicable controls implemented and effective</p></div>\
         <div class=\"card\"><h2>Tests</h2><p class=\"big\">{}</p><p>with a result, {} with exceptions ({} rows)</p></div>\
         <div class=\"card\"><h2>Findings</h2><p class=\"big\">{}</p><p>{}</p></div>\
         <div class=\"card\"><h2>Evidence</h2><p class=\"big\">{}</p><p>requests answered for the whole period; {} in part, {} missing</p></div></section>",
        esc(&r.service),
        s.components,
        s.in_scope,
        s.shared,
        s.out_of_scope,
        s.ot_inside,
        s.ready_percent,
        s.controls,
        s.tests_run,
        s.tests_failed,
        s.exception_rows,
        r.findings.len(),
        s.findings
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {}", esc(k)))
            .collect::<Vec<_>>()
            .join(", "),
        freshness.present,
        freshness.stale,
        freshness.missing
    );
    let due: Vec<Vec<String>> = r
        .due_within(app.today(), 7)
        .take(20)
        .map(|f| {
            vec![
                badge(f.severity.as_str()),
                esc(&f.message),
                esc(&f.owner),
                esc(&f.due.to_string()),
            ]
        })
        .collect();
    body.push_str("<h2>Due this week or overdue</h2>");
    if due.is_empty() {
        body.push_str("<p>Nothing due in the next seven days.</p>");
    } else {
        body.push_str(&table(&["Severity", "Finding", "Owner", "Due"], &due));
    }
    let findings: Vec<Vec<String>> = r
        .findings
        .iter()
        .take(25)
        .map(|f| {
            vec![
                badge(f.severity.as_str()),
                esc(&f.message),
                esc(&f.owner),
                esc(&f.due.to_string()),
                esc(&f.roadmap_item),
            ]
        })
        .collect();
    body.push_str(&format!(
        "<h2>Open findings ({})</h2>{}",
        r.findings.len(),
        table(
            &["Severity", "Finding", "Owner", "Due", "Roadmap item"],
            &findings
        )
    ));
    let tests: Vec<Vec<String>> = r
        .tests
        .iter()
        .map(|t| {
            vec![
                esc(&t.test),
                badge(&label(&t.outcome)),
                t.population.to_string(),
                t.exceptions.to_string(),
            ]
        })
        .collect();
    body.push_str(&format!(
        "<h2>Test results</h2>{}",
        if tests.is_empty() {
            "<p>No test has run for this engagement.</p>".to_string()
        } else {
            table(&["Test", "Outcome", "Population", "Exceptions"], &tests)
        }
    ));
    Ok(Html(page("Dashboard", &nav(&member), &body)).into_response())
}

/// How a scope decision reads: `in scope`, `shared`, `out of scope`.
fn scope_label(scope: &str) -> &str {
    match scope {
        "in" => "in scope",
        "out" => "out of scope",
        other => other,
    }
}

/// Components per page of the estate.
const ESTATE_PAGE: usize = 200;

#[derive(Debug, serde::Deserialize)]
struct EstateQuery {
    page: Option<usize>,
    q: Option<String>,
    scope: Option<String>,
}

async fn estate(
    State(server): Shared,
    Org { member, org }: Org,
    Query(query): Query<EstateQuery>,
) -> Result<Response, WebError> {
    let view = server.estate(&member).await?;
    let needle = query.q.as_deref().unwrap_or_default().trim().to_lowercase();
    let scope = query.scope.as_deref().unwrap_or_default();
    let matching: Vec<&crate::EstateRow> = view
        .rows
        .iter()
        .filter(|r| scope.is_empty() || r.scope == scope)
        .filter(|r| {
            needle.is_empty()
                || r.id.to_lowercase().contains(&needle)
                || r.name.to_lowercase().contains(&needle)
                || r.kind.contains(&needle)
        })
        .collect();
    let pages = matching.len().div_ceil(ESTATE_PAGE).max(1);
    let page_no = query.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Vec<String>> = matching
        .iter()
        .skip((page_no - 1) * ESTATE_PAGE)
        .take(ESTATE_PAGE)
        .map(|r| {
            vec![
                format!(
                    "<a class=\"id\" href=\"/o/{}/estate/{}\">{}</a>",
                    esc(&org),
                    esc(&r.id),
                    esc(&r.id)
                ),
                esc(&r.name),
                esc(r.kind),
                badge(scope_label(r.scope)),
                esc(&r.triggers),
                esc(&r.categories),
            ]
        })
        .collect();
    let link = |p: usize| {
        format!(
            "/o/{}/estate?page={p}&amp;q={}&amp;scope={}",
            esc(&org),
            esc(&needle),
            esc(scope)
        )
    };
    let pager = if pages > 1 {
        format!(
            "<nav aria-label=\"Pages\" class=\"pager\">{}<span>page {page_no} of {pages}</span>{}</nav>",
            if page_no > 1 {
                format!("<a href=\"{}\">previous</a>", link(page_no - 1))
            } else {
                String::new()
            },
            if page_no < pages {
                format!("<a href=\"{}\">next</a>", link(page_no + 1))
            } else {
                String::new()
            }
        )
    } else {
        String::new()
    };
    let scope_options = options(
        ["", "in", "shared", "out"].map(|v| {
            (
                v,
                if v.is_empty() {
                    "any scope"
                } else {
                    scope_label(v)
                },
            )
        }),
        scope,
    );
    let findings: Vec<Vec<String>> = view
        .findings
        .iter()
        .take(500)
        .map(|(severity, rule, subject, message)| {
            vec![badge(severity), esc(rule), esc(subject), esc(message)]
        })
        .collect();
    let upload = if member.may(Action::LoadEstate) {
        format!(
            "<h2>Load an estate file</h2><form method=\"post\" action=\"/o/{}/estate/preview\" enctype=\"multipart/form-data\" class=\"stack\">{}\
             <label for=\"estate\">Estate file (YAML) or CSV inventory</label><input id=\"estate\" name=\"estate\" type=\"file\" accept=\".yaml,.yml,.csv\" required>\
             <fieldset><legend>A CSV export in another tool's columns</legend>\
             <label for=\"map\">Bundled mapping</label><select id=\"map\" name=\"map\"><option value=\"\">none: fieldproof's own columns</option>{}</select>\
             <label for=\"mapping\">or your mapping file (TOML, see docs/inventory-mappings.md)</label><input id=\"mapping\" name=\"mapping\" type=\"file\" accept=\".toml\">\
             <label for=\"unmapped\">Values the mapping does not translate</label><select id=\"unmapped\" name=\"unmapped\">\
             <option value=\"error\">stop and list them</option><option value=\"report\">leave those rows out and list them</option></select></fieldset>\
             <button type=\"submit\">Preview the changes</button></form>",
            esc(&org),
            csrf_field(&member.session.csrf),
            fieldproof_app::bundled_mappings()
                .iter()
                .map(|name| format!("<option value=\"{0}\">{0}</option>", esc(name)))
                .collect::<String>()
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Estate</h1><p>{} · {} · {} components{}</p>\
         <form method=\"get\" action=\"/o/{}/estate\" class=\"inline\"><label>Find <input name=\"q\" value=\"{}\" placeholder=\"id, name or kind\"></label>\
         <label>Scope <select name=\"scope\">{scope_options}</select></label> <button type=\"submit\">Show</button></form>\
         {pager}{}{pager}<h2>Scope findings ({})</h2>{}{upload}",
        esc(&view.organisation),
        esc(&view.service),
        view.rows.len(),
        if matching.len() == view.rows.len() {
            String::new()
        } else {
            format!(", {} match", matching.len())
        },
        esc(&org),
        esc(&needle),
        table(
            &["Component", "Name", "Kind", "Scope", "Triggers", "Categories"],
            &rows
        ),
        view.findings.len(),
        table(&["Severity", "Rule", "Subject", "Finding"], &findings)
    );
    Ok(Html(page("Estate", &nav(&member), &body)).into_response())
}

async fn component(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let scoped = member
        .app(&server)
        .scope(&EstateSource::Workspace, &mut |_, _| {})
        .await?;
    let assessment = scoped.assessment();
    let Some((c, d)) = assessment.get(&id) else {
        return Err(WebError::not_found());
    };
    let mut out = Vec::new();
    fieldproof_report::scope::write_explanation(&assessment, c, d, &mut out)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let body = format!(
        "<h1>Component {}</h1><p><a href=\"/o/{}/estate\">All components</a></p><pre>{}</pre>",
        esc(&id),
        esc(&org),
        esc(&String::from_utf8_lossy(&out))
    );
    Ok(Html(page(&id, &nav(&member), &body)).into_response())
}

async fn controls(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request(
            "No engagement yet; create one first.",
        ));
    };
    let basis = server.readiness(&member, &engagement).await?;
    let rows: Vec<Vec<String>> = basis
        .readiness
        .controls
        .iter()
        .map(|c| {
            vec![
                format!(
                    "<a class=\"id\" href=\"/o/{}/controls/{}?engagement={}\">{}</a>",
                    esc(&org),
                    esc(&c.control),
                    esc(&engagement),
                    esc(&c.control)
                ),
                esc(&c.title),
                badge(
                    &c.design
                        .map(|d| label(&d))
                        .unwrap_or_else(|| "not stated".to_string()),
                ),
                badge(&label(&c.operating)),
                esc(c.owner.as_deref().unwrap_or_default()),
                format!(
                    "{} present, {} stale, {} missing",
                    c.evidence.present, c.evidence.stale, c.evidence.missing
                ),
                esc(&c.tests.join(", ")),
            ]
        })
        .collect();
    let picker =
        engagement_picker(&member, &server, &engagement, &format!("/o/{org}/controls")).await;
    let body = format!(
        "<h1>Controls</h1>{picker}<p>{} applicable controls. Open a control for its evidence requests, tests and test procedures{}.</p>{}",
        basis.readiness.controls.len(),
        if member.may(Action::SetDesignStatus) { ", and to set its design status" } else { "" },
        table(
            &["Control", "Title", "Design", "Operating", "Owner", "Evidence", "Tests"],
            &rows
        )
    );
    Ok(Html(page("Controls", &nav(&member), &body)).into_response())
}

async fn control(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request(
            "No engagement yet; create one first.",
        ));
    };
    let basis = server.readiness(&member, &engagement).await?;
    let c = basis
        .readiness
        .controls
        .iter()
        .find(|c| c.control == id)
        .ok_or_else(WebError::not_found)?;
    let freshness = server.freshness(&member, &engagement).await?;
    let requests: Vec<Vec<String>> = freshness
        .rows
        .iter()
        .filter(|r| r.control == id)
        .map(|r| {
            vec![
                esc(&r.request),
                esc(&r.artifact),
                badge(&label(&r.state)),
                format!("{} of {}", r.covered, r.windows),
                esc(&r.evidence.join(", ")),
            ]
        })
        .collect();
    let tests: Vec<Vec<String>> = basis
        .readiness
        .tests
        .iter()
        .filter(|t| t.controls.contains(&id))
        .map(|t| {
            vec![
                esc(&t.test),
                badge(&label(&t.outcome)),
                t.population.to_string(),
                t.exceptions.to_string(),
                esc(&t.evidence),
            ]
        })
        .collect();
    let design = c
        .design
        .map(|d| label(&d))
        .unwrap_or_else(|| "not stated".to_string());
    let detail = basis
        .catalog
        .control(&id)
        .map(fieldproof_report::catalog::control_text)
        .unwrap_or_default();
    let mut body = format!(
        "<h1>{} {}</h1><p><a href=\"/o/{}/controls?engagement={}\">All controls</a></p>\
         <p>Design {} · operating {} · owner {}{}</p><p>{}</p>",
        esc(&c.control),
        esc(&c.title),
        esc(&org),
        esc(&engagement),
        badge(&design),
        badge(&label(&c.operating)),
        esc(c.owner.as_deref().unwrap_or("not named")),
        c.due.map(|d| format!(" · due {d}")).unwrap_or_default(),
        esc(c.rationale.as_deref().unwrap_or("No rationale stated yet."))
    );
    if member.may(Action::SetDesignStatus) {
        use fieldproof_core::status::DesignStatus;
        let labels: Vec<(&str, String)> = std::iter::once(("", "choose a status".to_string()))
            .chain(
                DesignStatus::ALL
                    .iter()
                    .map(|d| (d.as_str(), d.as_str().replace('_', " "))),
            )
            .collect();
        let options = options(
            labels.iter().map(|(v, t)| (*v, t.as_str())),
            c.design.map_or("", DesignStatus::as_str),
        );
        body.push_str(&format!(
            "<h2>Design status</h2><form method=\"post\" action=\"/o/{}/controls/{}/status\" class=\"stack\">{}\
             <input type=\"hidden\" name=\"engagement\" value=\"{}\">\
             <label for=\"status\">Status</label><select id=\"status\" name=\"status\" required>{options}</select>\
             <label for=\"owner\">Owner (a role or a person)</label><input id=\"owner\" name=\"owner\" value=\"{}\">\
             <label for=\"rationale\">Rationale: what exists, what is missing, or why it does not apply</label>\
             <textarea id=\"rationale\" name=\"rationale\" rows=\"3\">{}</textarea>\
             <label for=\"due\">Due (YYYY-MM-DD, for partial, planned or missing controls)</label><input id=\"due\" name=\"due\" value=\"{}\">\
             <button type=\"submit\">Save the design status</button></form>",
            esc(&org),
            esc(&c.control),
            csrf_field(&member.session.csrf),
            esc(&engagement),
            esc(c.owner.as_deref().unwrap_or_default()),
            esc(c.rationale.as_deref().unwrap_or_default()),
            c.due.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    body.push_str(&format!(
        "<h2>Evidence requests</h2>{}<h2>Tests</h2>{}<h2>The control, its guidance and test procedures</h2><pre>{}</pre>",
        if requests.is_empty() {
            "<p>No evidence request.</p>".to_string()
        } else {
            table(&["Request", "Asked for", "Freshness", "Windows", "Evidence"], &requests)
        },
        if tests.is_empty() {
            "<p>No automated test has a result for this control.</p>".to_string()
        } else {
            table(&["Test", "Outcome", "Population", "Exceptions", "Result"], &tests)
        },
        esc(&detail)
    ));
    Ok(Html(page(&id, &nav(&member), &body)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct StatusForm {
    csrf: Option<String>,
    engagement: Option<String>,
    status: String,
    owner: Option<String>,
    rationale: Option<String>,
    due: Option<String>,
}

async fn set_status(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, control)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::SetDesignStatus)?;
    let engagement = member.engagement(form.engagement.as_deref())?;
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    member
        .app(&server)
        .status_set(&StatusSetRequest {
            engagement: engagement.clone(),
            control: control.clone(),
            status: form.status,
            owner: blank(form.owner),
            rationale: blank(form.rationale),
            due: blank(form.due),
        })
        .await?;
    let back = match engagement {
        Some(e) => format!("/o/{org}/controls/{control}?engagement={e}"),
        None => format!("/o/{org}/controls/{control}"),
    };
    Ok(Redirect::to(&back).into_response())
}

// ---------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------

async fn evidence(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request(
            "No engagement yet; create one first.",
        ));
    };
    let status = server.freshness(&member, &engagement).await?;
    let rows: Vec<Vec<String>> = status
        .rows
        .iter()
        .map(|r| {
            vec![
                esc(&r.control),
                esc(&r.request),
                esc(&r.artifact),
                badge(&label(&r.state)),
                format!("{} of {}", r.covered, r.windows),
                esc(&r.evidence.join(", ")),
            ]
        })
        .collect();
    let mut body = format!(
        "<h1>Evidence</h1>{}<p>{} present, {} stale, {} missing evidence requests over {}.</p>",
        engagement_picker(&member, &server, &engagement, &format!("/o/{org}/evidence")).await,
        status.present,
        status.stale,
        status.missing,
        esc(&status.engagement.period.to_string())
    );
    if member.may(Action::AddEvidence) {
        body.push_str(&format!(
            "<h2>Add evidence</h2><form method=\"post\" action=\"/o/{}/evidence\" enctype=\"multipart/form-data\" class=\"stack\">{}\
             <input type=\"hidden\" name=\"engagement\" value=\"{}\">\
             <label for=\"control\">Control (and optionally the request, CONTROL/REQUEST)</label><input id=\"control\" name=\"control\" required placeholder=\"FP-AC-03\">\
             <label for=\"covers\">Period covered (FROM..TO)</label><input id=\"covers\" name=\"covers\" placeholder=\"2026-01-01..2026-03-31\">\
             <label><input type=\"checkbox\" name=\"population\" value=\"yes\"> A population of the whole period</label>{}\
             <label for=\"files\">Files</label><input id=\"files\" name=\"files\" type=\"file\" multiple required>\
             <button type=\"submit\">Add to the ledger</button></form>",
            esc(&org),
            csrf_field(&member.session.csrf),
            esc(&engagement),
            if member.may(Action::SupersedeEvidence) {
                "<label for=\"supersedes\">Supersedes (optional: the evidence id this replaces)</label><input id=\"supersedes\" name=\"supersedes\" placeholder=\"EV-000012\">"
            } else {
                ""
            }
        ));
    }
    body.push_str(&format!(
        "<h2>Freshness per evidence request</h2>{}<p><a href=\"/o/{}/ledger\">The ledger</a> · <a href=\"/o/{}/verify\">Verify the ledger</a> · <a href=\"/o/{}/pack?engagement={}\">Download the signed evidence pack</a></p>",
        table(
            &["Control", "Request", "Artifact", "State", "Windows", "Evidence"],
            &rows
        ),
        esc(&org),
        esc(&org),
        esc(&org),
        esc(&engagement)
    ));
    Ok(Html(page("Evidence", &nav(&member), &body)).into_response())
}

/// A multipart upload: its text fields, and its files streamed into a directory of their own
/// (removed when the upload is dropped).
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) fields: BTreeMap<String, String>,
    dir: std::path::PathBuf,
    pub(crate) files: Vec<std::path::PathBuf>,
    /// The form field each of `files` came in.
    pub(crate) file_fields: Vec<String>,
}

impl Upload {
    /// The file sent in form field `field`.
    pub(crate) fn file(&self, field: &str) -> Option<&std::path::PathBuf> {
        self.file_fields
            .iter()
            .position(|f| f == field)
            .map(|i| &self.files[i])
    }
}

/// An estate upload: the estate file (YAML) or CSV inventory, and how to read it: a mapping
/// uploaded beside it (field `mapping`) or named from the bundled ones (field `map`), and the
/// unmapped-values policy (field `unmapped`: `error` or `report`). Shared by the page and the API.
pub(crate) struct EstateUpload {
    pub(crate) estate: std::path::PathBuf,
    pub(crate) mapping: Option<std::path::PathBuf>,
    pub(crate) bundled: Option<String>,
    pub(crate) unmapped: fieldproof_app::Unmapped,
}

impl EstateUpload {
    pub(crate) fn from_upload(upload: &Upload) -> Result<Self, WebError> {
        let mapping = upload.file("mapping").cloned();
        let others: Vec<&std::path::PathBuf> = upload
            .files
            .iter()
            .zip(&upload.file_fields)
            .filter(|(_, field)| *field != "mapping")
            .map(|(file, _)| file)
            .collect();
        let estate = match (upload.file("estate"), others.as_slice()) {
            (Some(file), _) => file.clone(),
            (None, [only]) => (*only).clone(),
            _ => {
                return Err(WebError::bad_request(
                    "Send one estate file (YAML) or CSV inventory as the field `estate`, and optionally its mapping (TOML) as the field `mapping`.",
                ))
            }
        };
        if others.len() > 1 {
            return Err(WebError::bad_request(
                "Send one estate file (YAML) or CSV inventory at a time.",
            ));
        }
        let bundled = upload
            .fields
            .get("map")
            .map(|m| m.trim())
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        if let Some(name) = &bundled {
            if !fieldproof_app::bundled_mappings().contains(&name.as_str()) {
                return Err(WebError::bad_request(format!(
                    "'{name}' is not a bundled mapping; the bundled mappings are {}. Upload your own mapping file as the field `mapping`.",
                    fieldproof_app::bundled_mappings().join(", ")
                )));
            }
            if mapping.is_some() {
                return Err(WebError::bad_request(
                    "Choose a bundled mapping or upload a mapping file, not both.",
                ));
            }
        }
        let unmapped = match upload.fields.get("unmapped").map(|u| u.trim()) {
            None | Some("") => fieldproof_app::Unmapped::default(),
            Some(text) => fieldproof_app::Unmapped::parse(text).ok_or_else(|| {
                WebError::bad_request(format!(
                    "unmapped must be `error` or `report`, not '{text}'."
                ))
            })?,
        };
        // A mapping with an estate file (YAML) is refused by the loader, as on the CLI.
        Ok(EstateUpload {
            estate,
            mapping,
            bundled,
            unmapped,
        })
    }

    /// How the application reads it: on its own, never reaching other files on the server.
    pub(crate) fn options(&self) -> fieldproof_app::LoadOptions {
        fieldproof_app::LoadOptions {
            map: self
                .mapping
                .clone()
                .or_else(|| self.bundled.as_ref().map(std::path::PathBuf::from)),
            unmapped: self.unmapped,
            standalone: true,
        }
    }

    /// `text` with the server's upload directories left out, so that messages and results
    /// name the files as the user sent them (`plant.toml:3:1`, not a path on the server).
    pub(crate) fn tidy(&self, text: &str) -> String {
        without_upload_dirs(text, std::iter::once(&self.estate).chain(&self.mapping))
    }

    /// An application error, its message tidied.
    pub(crate) fn error(&self, e: fieldproof_app::AppError) -> WebError {
        upload_error(e, |m| self.tidy(m))
    }

    /// The inventories' reports, their file names tidied.
    pub(crate) fn tidy_inventories(
        &self,
        inventories: &mut [fieldproof_app::contract::InventoryReport],
    ) {
        for inventory in inventories {
            inventory.file = self.tidy(&inventory.file);
            inventory.mapping = inventory.mapping.as_deref().map(|m| self.tidy(m));
        }
    }

    /// Keeps the upload under `dir` for the apply step after a preview.
    fn stage(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let copy = |file: &std::path::Path, sub: &str| -> std::io::Result<()> {
            let to = dir.join(sub);
            std::fs::create_dir_all(&to)?;
            std::fs::copy(
                file,
                to.join(
                    file.file_name()
                        .unwrap_or_else(|| std::ffi::OsStr::new(sub)),
                ),
            )
            .map(|_| ())
        };
        copy(&self.estate, "estate")?;
        if let Some(mapping) = &self.mapping {
            copy(mapping, "mapping")?;
        }
        let options = serde_json::json!({
            "map": self.bundled,
            "unmapped": match self.unmapped {
                fieldproof_app::Unmapped::Error => "error",
                fieldproof_app::Unmapped::Report => "report",
            },
        });
        std::fs::write(dir.join("options.json"), options.to_string())
    }

    /// An upload kept by [`EstateUpload::stage`].
    fn staged(dir: &std::path::Path) -> Option<Self> {
        let only_file = |sub: &str| {
            std::fs::read_dir(dir.join(sub))
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| p.is_file())
        };
        let options: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("options.json")).ok()?).ok()?;
        Some(EstateUpload {
            estate: only_file("estate")?,
            mapping: only_file("mapping"),
            bundled: options["map"].as_str().map(str::to_string),
            unmapped: options["unmapped"]
                .as_str()
                .and_then(fieldproof_app::Unmapped::parse)
                .unwrap_or_default(),
        })
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) async fn receive(
    server: &Server,
    org: &str,
    mut multipart: Multipart,
) -> Result<Upload, WebError> {
    let limits = &server.config.limits;
    let dir = server
        .org_dir(org)
        .join("uploads")
        .join(crate::accounts::secret());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| WebError::internal(&e))?;
    let mut upload = Upload {
        fields: BTreeMap::new(),
        dir,
        files: Vec::new(),
        file_fields: Vec::new(),
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        WebError::new(
            status,
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "The upload is larger than the server accepts: {} MiB per request.",
                    server.config.max_upload_bytes / (1024 * 1024)
                )
            } else {
                "The upload could not be read: the multipart body is malformed or cut short. Send it again.".to_string()
            },
        )
    };
    let mut parts = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        parts += 1;
        if parts > limits.max_parts {
            return Err(WebError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "An upload has at most {} parts (files and fields); send the files in several uploads.",
                    limits.max_parts
                ),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(safe_upload_name) {
            Some(file_name) => {
                // Each file in a directory of its own: two uploads may share a name.
                let sub = upload.dir.join(upload.files.len().to_string());
                tokio::fs::create_dir_all(&sub)
                    .await
                    .map_err(|e| WebError::internal(&e))?;
                let path = sub.join(&file_name);
                let mut out = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| WebError::internal(&e))?;
                let mut bytes = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    bytes += chunk.len() as u64;
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| WebError::internal(&e))?;
                }
                out.flush().await.map_err(|e| WebError::internal(&e))?;
                // A file input left empty sends a nameless, empty part.
                if bytes > 0 || !file_name.is_empty() && file_name != "upload" {
                    upload.files.push(path);
                    upload.file_fields.push(name);
                }
            }
            None => {
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if value.len() + chunk.len() > limits.max_field_bytes {
                        return Err(WebError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "The field {name} is longer than {} KiB.",
                                limits.max_field_bytes / 1024
                            ),
                        ));
                    }
                    value.extend_from_slice(&chunk);
                }
                let value = String::from_utf8(value).map_err(|_| {
                    WebError::bad_request(format!("The field {name} is not UTF-8 text."))
                })?;
                upload.fields.insert(name, value);
            }
        }
    }
    Ok(upload)
}

/// `text` with the directories the server keeps `files` in left out: each file is named as it
/// was sent.
fn without_upload_dirs<'a>(
    text: &str,
    files: impl IntoIterator<Item = &'a std::path::PathBuf>,
) -> String {
    let mut text = text.to_string();
    for file in files {
        if let Some(dir) = file.parent() {
            text = text.replace(&format!("{}/", dir.display()), "");
        }
    }
    text
}

/// An application error about uploaded files, its message tidied by `tidy`.
fn upload_error(e: fieldproof_app::AppError, tidy: impl Fn(&str) -> String) -> WebError {
    let mut error = WebError::from(e);
    error.message = tidy(&error.message);
    error
}

impl Upload {
    /// An application error, its message naming the files as they were sent.
    pub(crate) fn error(&self, e: fieldproof_app::AppError) -> WebError {
        upload_error(e, |m| without_upload_dirs(m, &self.files))
    }
}

fn add_request(upload: &Upload, engagement: Option<String>) -> Result<AddRequest, WebError> {
    let field = |name: &str| {
        upload
            .fields
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let control = field("control").ok_or_else(|| {
        WebError::bad_request("Name the control the evidence supports (for example FP-AC-03).")
    })?;
    if upload.files.is_empty() {
        return Err(WebError::bad_request("Choose at least one file to add."));
    }
    let (control, request) = match control.split_once('/') {
        Some((c, r)) => (c.to_string(), Some(r.to_string())),
        None => (control, None),
    };
    Ok(AddRequest {
        content: AddContent::Files(upload.files.clone()),
        controls: vec![control],
        request,
        population: field("population").is_some(),
        engagement,
        covers: field("covers"),
        source: Some("web upload".to_string()),
        note: field("note"),
        supersedes: field("supersedes"),
    })
}

async fn upload(
    State(server): Shared,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    member.allow(Action::AddEvidence)?;
    let upload = receive(&server, &org, multipart).await?;
    check_csrf(&member, upload.fields.get("csrf").map(String::as_str))?;
    if upload
        .fields
        .get("supersedes")
        .is_some_and(|v| !v.trim().is_empty())
    {
        member.allow(Action::SupersedeEvidence)?;
    }
    let engagement = member.engagement(upload.fields.get("engagement").map(String::as_str))?;
    let request = add_request(&upload, engagement.clone())?;
    let added = member
        .app(&server)
        .evidence_add(&request)
        .await
        .map_err(|e| upload.error(e))?;
    let rows: Vec<Vec<String>> = added
        .added
        .iter()
        .map(|a| vec![esc(&label(&a.evidence)), esc(&label(&a.sha256))])
        .collect();
    let body = format!(
        "<h1>Evidence added</h1>{}<p><a href=\"/o/{}/evidence{}\">Back to the evidence</a></p>",
        table(&["Evidence", "SHA-256"], &rows),
        esc(&org),
        engagement
            .map(|e| format!("?engagement={}", esc(&e)))
            .unwrap_or_default()
    );
    Ok(Html(page("Evidence added", &nav(&member), &body)).into_response())
}

async fn verify(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    let v = server.verification(&member).await?;
    let problems: String = v
        .problems
        .iter()
        .map(|p| format!("<li>{}</li>", esc(p)))
        .collect();
    let body = format!(
        "<h1>Verification</h1><p>{}</p><p>{} ledger entries, {} blobs ({} bytes) checked; key {}.</p>{}",
        if v.ok {
            badge("verified")
        } else {
            badge("failed")
        },
        v.entries,
        v.blobs,
        v.bytes,
        esc(&v.key_fingerprint),
        if problems.is_empty() {
            String::new()
        } else {
            format!("<ul class=\"error\">{problems}</ul>")
        }
    );
    Ok(Html(page("Verification", &nav(&member), &body)).into_response())
}

async fn pack(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    pack_bytes(&server, &member, &engagement).await
}

/// The signed evidence pack of an engagement, with the readiness PDF, as a download. The pack
/// is written to a file and streamed from it (a pack may hold gigabytes of evidence); the file
/// is unlinked once open, so nothing is left behind however the download ends.
pub(crate) async fn pack_bytes(
    server: &Server,
    member: &Member,
    engagement: &str,
) -> Result<Response, WebError> {
    let dir = server
        .org_dir(&member.membership.organisation)
        .join("uploads")
        .join(crate::accounts::secret());
    let file = dir.join(format!("{engagement}.zip"));
    let result = member
        .app(server)
        .export_pack(engagement, &file, &["readiness.pdf".to_string()])
        .await;
    let opened = match result {
        Ok(_) => tokio::fs::File::open(&file)
            .await
            .map_err(|e| WebError::internal(&e)),
        Err(e) => Err(WebError::from(e)),
    };
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let opened = opened?;
    let size = opened
        .metadata()
        .await
        .map_err(|e| WebError::internal(&e))?
        .len();
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        opened,
        64 * 1024,
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{engagement}.zip\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The content type of a report file.
pub(crate) fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "text/markdown; charset=utf-8",
    }
}

/// API writes from a browser session must go through the pages' forms (CSRF tokens).
pub(crate) fn require_bearer(headers: &HeaderMap) -> Result<(), WebError> {
    if crate::bearer(headers).is_none() {
        return Err(WebError::new(
            StatusCode::UNAUTHORIZED,
            "the API takes a bearer token: Authorization: Bearer fpt_...",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reports and catalog
// ---------------------------------------------------------------------------------------

const REPORT_FILES: [&str; 9] = [
    "readiness.html",
    "readiness.pdf",
    "readiness.md",
    "system-description.html",
    "system-description.md",
    "controls.html",
    "controls.csv",
    "tests.html",
    "tests.md",
];

async fn reports(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    let links: String = REPORT_FILES
        .iter()
        .map(|f| {
            format!(
                "<li><a href=\"/o/{}/reports/{f}?engagement={}\">{f}</a></li>",
                esc(&org),
                esc(&engagement)
            )
        })
        .collect();
    let body = format!(
        "<h1>Reports</h1>{}<ul>{links}</ul><p>HTML reports open in the browser; the others download.</p>",
        engagement_picker(&member, &server, &engagement, &format!("/o/{org}/reports")).await
    );
    Ok(Html(page("Reports", &nav(&member), &body)).into_response())
}

async fn report(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, file)): Path<(String, String)>,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let (kind, format) = report_file(&file).map_err(|_| WebError::not_found())?;
    let engagement = member.engagement(q.engagement.as_deref())?;
    let bytes = member
        .app(&server)
        .report(kind, engagement.as_deref(), format, None)
        .await?;
    let mut response = (
        [(header::CONTENT_TYPE, content_type(&file).to_string())],
        bytes,
    )
        .into_response();
    if !file.ends_with(".html") {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\"")
                .parse()
                .map_err(|_| WebError::not_found())?,
        );
    }
    Ok(response)
}

async fn signed_in(server: &Server, headers: &HeaderMap) -> Result<Option<Nav>, WebError> {
    Ok(server.session(headers).await?.map(|(_, s)| Nav {
        email: Some(s.email),
        csrf: Some(s.csrf),
        ..Nav::default()
    }))
}

async fn catalog(State(server): Shared, headers: HeaderMap) -> Result<Response, WebError> {
    let Some(nav) = signed_in(&server, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    // The bundled catalog: the same for every organisation.
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    let list = app.catalog_list().await?;
    let rows: Vec<Vec<String>> = list
        .frameworks
        .iter()
        .map(|f| {
            vec![
                format!("<a href=\"/catalog/{}\">{}</a>", esc(&f.id), esc(&f.id)),
                esc(&f.name),
                esc(&f.version),
                f.requirements.to_string(),
            ]
        })
        .collect();
    let body = format!(
        "<h1>Catalog</h1><form method=\"get\" action=\"/catalog/lookup\" class=\"inline\"><label>Requirement or control <input name=\"id\" placeholder=\"CC6.1 or FP-AC-03\"></label> <button type=\"submit\">Show</button></form>{}<p>The control library: <a href=\"/catalog/fieldproof\">fieldproof</a>. <a href=\"/catalog/map\">Map a requirement to another framework</a>.</p>",
        table(&["Framework", "Name", "Version", "Requirements"], &rows)
    );
    Ok(Html(page("Catalog", &nav, &body)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct LookupQuery {
    id: Option<String>,
}

async fn catalog_item(
    State(server): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let Some(nav) = signed_in(&server, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let id = if id == "lookup" {
        q.id.unwrap_or_default()
    } else {
        id
    };
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    let shown = app
        .catalog_show(id.trim())
        .await
        .map_err(|_| WebError::not_found())?;
    use fieldproof_catalog::views::CatalogShow;
    let text = match &shown {
        CatalogShow::Framework(f) => fieldproof_report::catalog::framework_text(f),
        CatalogShow::Requirement(v) => fieldproof_report::catalog::requirement_text(v),
        CatalogShow::Control(c) => fieldproof_report::catalog::control_text(c),
    };
    let body = format!(
        "<h1>{}</h1><p><a href=\"/catalog\">All frameworks</a></p><pre>{}</pre>",
        esc(&id),
        esc(&text)
    );
    Ok(Html(page(&id, &nav, &body)).into_response())
}

// ---------------------------------------------------------------------------------------
// REST API: the CLI's JSON contracts
// ---------------------------------------------------------------------------------------

async fn api_engagements(
    State(server): Shared,
    Org { member, .. }: Org,
) -> Result<Response, WebError> {
    let mut list = member.app(&server).engagement_list().await?;
    if let Some(own) = &member.membership.engagement {
        list.engagements.retain(|e| &e.id == own);
    }
    Ok(Json(list).into_response())
}

async fn api_scope(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    let scoped = member
        .app(&server)
        .scope(&EstateSource::Workspace, &mut |_, _| {})
        .await?;
    let mut json = Vec::new();
    fieldproof_report::scope::write_json(&scoped.assessment(), &mut json)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

async fn api_readiness(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let engagement = member.engagement(q.engagement.as_deref())?;
    let basis = member.app(&server).readiness(engagement.as_deref()).await?;
    Ok(Json(basis.readiness).into_response())
}

async fn api_evidence_status(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let engagement = member.engagement(q.engagement.as_deref())?;
    let status = member
        .app(&server)
        .evidence_status(engagement.as_deref())
        .await?;
    Ok(Json(status).into_response())
}

async fn api_upload(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::AddEvidence)?;
    let upload = receive(&server, &org, multipart).await?;
    let engagement = member.engagement(upload.fields.get("engagement").map(String::as_str))?;
    if upload
        .fields
        .get("supersedes")
        .is_some_and(|v| !v.trim().is_empty())
    {
        member.allow(Action::SupersedeEvidence)?;
    }
    let request = add_request(&upload, engagement)?;
    let added = member
        .app(&server)
        .evidence_add(&request)
        .await
        .map_err(|e| upload.error(e))?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

async fn api_verify(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    let v = server.verification(&member).await?;
    Ok(Json(v).into_response())
}

// ---------------------------------------------------------------------------------------
// Auditor portal: the request list, one request's thread, samples
// ---------------------------------------------------------------------------------------

pub(crate) fn portal_routes(limits: &crate::Limits) -> Router<Arc<Server>> {
    let routes = Router::new()
        .route("/o/{org}/requests", get(requests))
        .route(
            "/o/{org}/requests/{control}/{request}",
            get(request_thread)
                .post(request_write)
                .layer(axum::extract::DefaultBodyLimit::max(limits.form_body_bytes)),
        );
    #[cfg(feature = "analytics")]
    let routes = routes.route("/o/{org}/samples", get(samples));
    routes
}

async fn requests(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    let freshness = server.freshness(&member, &engagement).await?;
    let list = member.app(&server).request_list_in(&freshness).await?;
    let rows: Vec<Vec<String>> = list
        .requests
        .iter()
        .map(|r| {
            vec![
                format!(
                    "<a href=\"/o/{}/requests/{}/{}?engagement={}\">{} / {}</a>",
                    esc(&org),
                    esc(&r.control),
                    esc(&r.request),
                    esc(&engagement),
                    esc(&r.control),
                    esc(&r.request)
                ),
                esc(&r.artifact),
                esc(&r.evidence.join(", ")),
                badge(&r.state),
                badge(r.status.label()),
                r.comments.len().to_string(),
            ]
        })
        .collect();
    let body = format!(
        "<h1>Requests</h1>{}<p>Every evidence request of the engagement: what was asked, what was provided, its freshness over the period, the auditor's status and the comments.</p>{}",
        engagement_picker(&member, &server, &engagement, &format!("/o/{org}/requests")).await,
        table(
            &["Request", "Asked for", "Provided", "Freshness", "Auditor's status", "Comments"],
            &rows
        )
    );
    Ok(Html(page("Requests", &nav(&member), &body)).into_response())
}

async fn request_thread(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, control, request)): Path<(String, String, String)>,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    let freshness = server.freshness(&member, &engagement).await?;
    let detail = member
        .app(&server)
        .request_show_in(&freshness, &control, &request)
        .await?;
    let row = &detail.request;
    let history: String = detail
        .history
        .iter()
        .map(|h| {
            format!(
                "<li>{} <span class=\"muted\">by {} at {}</span></li>",
                esc(h.status.label()),
                esc(&h.by),
                esc(&h.at)
            )
        })
        .collect();
    let comments: String = row
        .comments
        .iter()
        .map(|(author, at, text)| {
            format!(
                "<li><strong>{}</strong> <span class=\"muted\">{}</span><br>{}</li>",
                esc(author),
                esc(at),
                esc(text)
            )
        })
        .collect();
    let action = format!(
        "/o/{}/requests/{}/{}?engagement={}",
        esc(&org),
        esc(&control),
        esc(&request),
        esc(&engagement)
    );
    let mut body = format!(
        "<h1>{} / {}</h1><p><a href=\"/o/{}/requests?engagement={}\">All requests</a></p>\
         <p>Asked for: {}</p><p>Provided: {} · freshness {} ({} of {} windows)</p>\
         <p>Auditor's status: {}{}</p><h2>Comments</h2>{}",
        esc(&control),
        esc(&request),
        esc(&org),
        esc(&engagement),
        esc(&row.artifact),
        if row.evidence.is_empty() {
            "nothing yet".to_string()
        } else {
            esc(&row.evidence.join(", "))
        },
        badge(&row.state),
        row.covered,
        row.windows,
        badge(row.status.label()),
        row.reviewed
            .as_ref()
            .map(|(by, at)| format!(
                " <span class=\"muted\">by {} at {}</span>",
                esc(by),
                esc(at)
            ))
            .unwrap_or_default(),
        if comments.is_empty() {
            "<p>No comments yet.</p>".to_string()
        } else {
            format!("<ul class=\"comments\">{comments}</ul>")
        }
    );
    if !history.is_empty() {
        body.push_str(&format!("<h2>Status history</h2><ul>{history}</ul>"));
    }
    if member.may(Action::CommentOnRequest) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{action}\" class=\"stack\">{}<label for=\"comment\">Add a comment</label>\
             <textarea id=\"comment\" name=\"comment\" rows=\"3\" required></textarea><button type=\"submit\">Comment</button></form>",
            csrf_field(&member.session.csrf)
        ));
    }
    if member.may(Action::ReviewRequest) {
        let options = options(
            ReviewStatus::ALL.iter().map(|s| (s.as_str(), s.label())),
            row.status.as_str(),
        );
        body.push_str(&format!(
            "<form method=\"post\" action=\"{action}\" class=\"inline\">{}<label>Status <select name=\"status\">{options}</select></label> <button type=\"submit\">Set status</button></form>",
            csrf_field(&member.session.csrf)
        ));
    }
    Ok(Html(page(
        &format!("{control} / {request}"),
        &nav(&member),
        &body,
    ))
    .into_response())
}

#[derive(Debug, serde::Deserialize)]
struct RequestForm {
    csrf: Option<String>,
    comment: Option<String>,
    status: Option<String>,
}

/// A comment (auditor or a member who may write) or the auditor's status of a request.
async fn request_write(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, control, request)): Path<(String, String, String)>,
    Query(q): Query<EngagementQuery>,
    Form(form): Form<RequestForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    let write = fieldproof_app::requests::RequestWrite {
        comment: form.comment,
        status: form
            .status
            .as_deref()
            .map(ReviewStatus::parse)
            .transpose()
            .map_err(|e| WebError::bad_request(e.to_string()))?,
    };
    let freshness = server.freshness(&member, &engagement).await?;
    member
        .app(&server)
        .request_write_in(&freshness, &control, &request, &write, member.reviewer())
        .await?;
    Ok(Redirect::to(&format!(
        "/o/{org}/requests/{control}/{request}?engagement={engagement}"
    ))
    .into_response())
}

#[cfg(feature = "analytics")]
#[derive(Debug, serde::Deserialize)]
struct SampleQuery {
    engagement: Option<String>,
    dataset: Option<String>,
    frequency: Option<String>,
    seed: Option<String>,
}

/// Samples: drawn from a dataset's population, re-derivable from the seed.
#[cfg(feature = "analytics")]
async fn samples(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<SampleQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    let app = member.app(&server);
    let datasets = app.datasets(None).await?;
    let options = options(
        datasets
            .datasets
            .iter()
            .filter(|d| d.rows > 0)
            .map(|d| (d.dataset.as_str(), d.dataset.as_str())),
        q.dataset.as_deref().unwrap_or_default(),
    );
    let mut body = format!(
        "<h1>Samples</h1><p>A Type II sample of a dataset's population in the engagement's period and scope, sized by the control's frequency and drawn from a seed: the same seed and population always give the same sample.</p>\
         <form method=\"get\" action=\"/o/{}/samples\" class=\"inline\"><input type=\"hidden\" name=\"engagement\" value=\"{}\">\
         <label>Dataset <select name=\"dataset\">{options}</select></label>\
         <label>Frequency <select name=\"frequency\"><option>per_event</option><option>daily</option><option>weekly</option><option>monthly</option><option>quarterly</option><option>annual</option></select></label>\
         <label>Seed <input name=\"seed\" value=\"{}\" required></label> <button type=\"submit\">Draw</button></form>",
        esc(&org),
        esc(&engagement),
        esc(q.seed.as_deref().unwrap_or("audit-2026"))
    );
    if let (Some(dataset), Some(seed)) = (&q.dataset, &q.seed) {
        let result = app
            .sample(&fieldproof_app::analytics::SampleRequest {
                dataset: dataset.clone(),
                engagement: Some(engagement.clone()),
                condition: None,
                size: fieldproof_app::analytics::SampleSize::Frequency(
                    q.frequency
                        .clone()
                        .unwrap_or_else(|| "per_event".to_string()),
                ),
                seed: Some(seed.clone()),
                table: None,
            })
            .await?;
        let mut headers: Vec<&str> = vec!["Rank", "Key"];
        headers.extend(result.columns.iter().map(String::as_str));
        let rows: Vec<Vec<String>> = result
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![esc(&r.rank), esc(&r.key)];
                row.extend(r.values.iter().map(|v| esc(v)));
                row
            })
            .collect();
        body.push_str(&format!(
            "<h2>{} of {} rows of {}</h2><p class=\"muted\">Population SHA-256 {} · seed {}</p>{}",
            result.size,
            result.population,
            esc(&result.dataset),
            esc(&result.population_sha256),
            esc(&result.seed),
            table(&headers, &rows)
        ));
    }
    Ok(Html(page("Samples", &nav(&member), &body)).into_response())
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

// ---------------------------------------------------------------------------------------
// Estate upload: preview the change, then apply it
// ---------------------------------------------------------------------------------------

/// Where an estate upload waits between its preview and its application.
fn staged_dir(server: &Server, org: &str, token: &str) -> Result<std::path::PathBuf, WebError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::not_found());
    }
    Ok(server
        .org_dir(org)
        .join("uploads")
        .join(format!("estate-{token}")))
}

/// The inventories an upload read: rows, assets, components and what the mapping left out.
fn inventory_summary(inventories: &[fieldproof_app::contract::InventoryReport]) -> String {
    let mut html = String::new();
    for inventory in inventories {
        html.push_str(&format!(
            "<p>{}{}: {} rows, {} assets in {} components{}.</p>",
            esc(&inventory.file),
            inventory
                .mapping
                .as_ref()
                .map(|m| format!(" (mapping {})", esc(m)))
                .unwrap_or_default(),
            inventory.rows,
            inventory.assets,
            inventory.components,
            if inventory.rows_left_out > 0 {
                format!(
                    ", {} rows left out for unmapped values",
                    inventory.rows_left_out
                )
            } else {
                String::new()
            }
        ));
        let values = |list: &[fieldproof_app::contract::UnmappedValue]| -> Vec<Vec<String>> {
            list.iter()
                .take(200)
                .map(|v| {
                    vec![
                        esc(&v.field),
                        esc(&v.column),
                        esc(&v.value),
                        v.count.to_string(),
                        esc(&v
                            .lines
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")),
                        esc(v.became.as_deref().unwrap_or("")),
                    ]
                })
                .collect()
        };
        let headers = ["Field", "Column", "Value", "Rows", "First lines", "Became"];
        if !inventory.unmapped.is_empty() {
            html.push_str(&format!(
                "<h3>Values the mapping does not translate ({})</h3>{}",
                inventory.unmapped.len(),
                table(&headers, &values(&inventory.unmapped))
            ));
        }
        if !inventory.caught_by_otherwise.is_empty() {
            html.push_str(&format!(
                "<h3>Values caught only by <code>otherwise</code> ({})</h3>{}",
                inventory.caught_by_otherwise.len(),
                table(&headers, &values(&inventory.caught_by_otherwise))
            ));
        }
    }
    html
}

/// Changes listed on the preview page; the count above the table gives the rest.
const PREVIEW_CHANGES: usize = 500;

async fn estate_preview(
    State(server): Shared,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    member.allow(Action::LoadEstate)?;
    let upload = receive(&server, &org, multipart).await?;
    check_csrf(&member, upload.fields.get("csrf").map(String::as_str))?;
    if upload.files.is_empty() {
        return Err(WebError::bad_request("Choose an estate file to preview."));
    }
    let estate = EstateUpload::from_upload(&upload)?;
    let mut preview = member
        .app(&server)
        .apply_preview(&estate.estate, &estate.options(), &mut |_, _| {})
        .await
        .map_err(|e| estate.error(e))?;
    estate.tidy_inventories(&mut preview.inventories);
    // Keep the upload for the apply step, under a token only this preview knows.
    let token = crate::accounts::secret();
    let dir = staged_dir(&server, &org, &token)?;
    estate
        .stage(&dir)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let changes: Vec<Vec<String>> = preview
        .changes
        .iter()
        .take(PREVIEW_CHANGES)
        .map(|c| {
            vec![
                badge(c.action),
                esc(c.entity),
                esc(&c.key),
                esc(&c.fields.join(", ")),
            ]
        })
        .collect();
    let scope_name = |s: Option<fieldproof_core::Scope>| {
        s.map_or("absent", |s| scope_label(s.as_str())).to_string()
    };
    let scope: Vec<Vec<String>> = preview
        .scope_changes
        .iter()
        .map(|c| {
            vec![
                esc(&c.component),
                badge(&scope_name(c.before)),
                badge(&scope_name(c.after)),
            ]
        })
        .collect();
    let body = format!(
        "<h1>Preview</h1><p>Nothing is stored yet. {} changes; {} scope decisions change; scope findings {} → {}.</p>\
         {}{}{}<h2>Scope decisions that change</h2>{}\
         <form method=\"post\" action=\"/o/{}/estate/apply\" class=\"inline\">{}<input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\">Apply these changes</button></form> <p><a href=\"/o/{}/estate\">Cancel</a></p>",
        preview.changes.len(),
        preview.scope_changes.len(),
        preview.findings_before,
        preview.findings_after,
        inventory_summary(&preview.inventories),
        if preview.changes.len() > PREVIEW_CHANGES {
            format!(
                "<p class=\"muted\">The first {PREVIEW_CHANGES} of {} changes; the change log keeps them all once applied.</p>",
                preview.changes.len()
            )
        } else {
            String::new()
        },
        if changes.is_empty() {
            "<p>The file matches the stored estate.</p>".to_string()
        } else {
            table(&["Change", "Entry", "Key", "Fields"], &changes)
        },
        if scope.is_empty() {
            "<p>None.</p>".to_string()
        } else {
            table(&["Component", "Now", "After"], &scope)
        },
        esc(&org),
        csrf_field(&member.session.csrf),
        esc(&org)
    );
    Ok(Html(page("Preview", &nav(&member), &body)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct ApplyForm {
    csrf: Option<String>,
    token: String,
}

async fn estate_apply(
    State(server): Shared,
    Org { member, org }: Org,
    Form(form): Form<ApplyForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::LoadEstate)?;
    let dir = staged_dir(&server, &org, &form.token)?;
    let estate = EstateUpload::staged(&dir).ok_or_else(WebError::not_found)?;
    let result = member
        .app(&server)
        .apply(&estate.estate, &estate.options(), &mut |_, _| {})
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut applied = result.map_err(|e| estate.error(e))?;
    estate.tidy_inventories(&mut applied.inventories);
    let body = format!(
        "<h1>Applied</h1><p>{} added, {} changed, {} removed{}{}.</p>{}<p><a href=\"/o/{}/estate\">The estate</a></p>",
        applied.added,
        applied.changed,
        applied.removed,
        if applied.assets_added + applied.assets_removed + applied.assets_changed > 0 {
            format!(
                "; assets: {} added, {} removed, {} moved or renamed",
                applied.assets_added, applied.assets_removed, applied.assets_changed
            )
        } else {
            String::new()
        },
        applied
            .change_set
            .map(|id| format!(" (change set #{id}, by {})", esc(&applied.actor)))
            .unwrap_or_default(),
        inventory_summary(&applied.inventories),
        esc(&org)
    );
    Ok(Html(page("Applied", &nav(&member), &body)).into_response())
}

// ---------------------------------------------------------------------------------------
// The ledger, retiring evidence, and `map` in the catalog
// ---------------------------------------------------------------------------------------

/// Ledger entries per page.
const LEDGER_PAGE: usize = 200;

#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn ledger(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let log = member.app(&server).evidence_log(member.limit()).await?;
    let entries = &log.entries;
    let pages = entries.len().div_ceil(LEDGER_PAGE).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages);
    // Newest first.
    let end = entries.len().saturating_sub((page_no - 1) * LEDGER_PAGE);
    let start = end.saturating_sub(LEDGER_PAGE);
    let mut shown = entries[start..end].to_vec();
    shown.reverse();
    let link =
        |p: usize, text: &str| format!("<a href=\"/o/{}/ledger?page={p}\">{text}</a>", esc(&org));
    let mut body = format!(
        "<h1>Ledger</h1><p>{} entries, newest first; each is hash-chained to the one before and signed. <a href=\"/o/{}/verify\">Verify them all</a>.</p>{}\
         <nav aria-label=\"Pages\" class=\"pager\">{}<span>page {page_no} of {pages}</span>{}</nav><pre>{}</pre>",
        entries.len(),
        esc(&org),
        match &log.engagement {
            Some(e) if log.redacted > 0 => format!(
                "<p class=\"muted\">{} entries of other engagements are shown without their content, as in the evidence pack of {}.</p>",
                log.redacted,
                esc(e)
            ),
            _ => String::new(),
        },
        if page_no > 1 { link(page_no - 1, "newer") } else { String::new() },
        if page_no < pages { link(page_no + 1, "older") } else { String::new() },
        esc(&fieldproof_report::evidence::ledger_text(&shown))
    );
    if member.may(Action::RetireEvidence) {
        body.push_str(&format!(
            "<h2>Retire evidence</h2><p>Retiring withdraws a piece of evidence from use; the ledger keeps it and records who retired it and why.</p>\
             <form method=\"post\" action=\"/o/{}/evidence/retire\" class=\"stack\">{}\
             <label for=\"evidence\">Evidence id</label><input id=\"evidence\" name=\"evidence\" required placeholder=\"EV-000012\">\
             <label for=\"reason\">Reason</label><input id=\"reason\" name=\"reason\" required>\
             <button type=\"submit\">Retire</button></form>",
            esc(&org),
            csrf_field(&member.session.csrf)
        ));
    }
    Ok(Html(page("Ledger", &nav(&member), &body)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct RetireForm {
    csrf: Option<String>,
    evidence: String,
    reason: String,
}

async fn retire(
    State(server): Shared,
    Org { member, org }: Org,
    Form(form): Form<RetireForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::RetireEvidence)?;
    if form.reason.trim().is_empty() {
        return Err(WebError::bad_request("Say why the evidence is retired."));
    }
    let retired = member
        .app(&server)
        .evidence_retire(form.evidence.trim(), form.reason.trim())
        .await?;
    let body = format!(
        "<h1>Retired</h1><p>{} is retired (ledger entry {}).</p><p><a href=\"/o/{}/ledger\">The ledger</a></p>",
        esc(&retired.evidence),
        retired.entry,
        esc(&org)
    );
    Ok(Html(page("Retired", &nav(&member), &body)).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct MapQuery {
    requirement: Option<String>,
    to: Option<String>,
}

async fn catalog_map(
    State(server): Shared,
    headers: HeaderMap,
    Query(q): Query<MapQuery>,
) -> Result<Response, WebError> {
    let Some(nav) = signed_in(&server, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    let list = app.catalog_list().await?;
    let options = options(
        list.frameworks
            .iter()
            .map(|f| (f.id.as_str(), f.name.as_str())),
        q.to.as_deref().unwrap_or_default(),
    );
    let mut body = format!(
        "<h1>Map</h1><p>What satisfies what: from a requirement or control to another framework, following the typed mappings and the designed crosswalks.</p>\
         <form method=\"get\" action=\"/catalog/map\" class=\"inline\"><label>From <input name=\"requirement\" value=\"{}\" placeholder=\"CC6.1\" required></label>\
         <label>To <select name=\"to\">{options}</select></label> <button type=\"submit\">Map</button></form>",
        esc(q.requirement.as_deref().unwrap_or_default())
    );
    if let (Some(requirement), Some(to)) = (&q.requirement, &q.to) {
        let view = app.map(requirement.trim(), to, 3).await?;
        body.push_str(&format!(
            "<pre>{}</pre>",
            esc(&fieldproof_report::catalog::map_text(&view, 3))
        ));
    }
    Ok(Html(page("Map", &nav, &body)).into_response())
}
