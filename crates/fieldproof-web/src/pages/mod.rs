//! The pages (server-rendered, no script), one module per area: sign-in, dashboard, estate
//! (with uploads previewed then applied), controls, evidence, the auditor portal, reports and
//! the catalog. Each handler finds the member, calls one application use case and renders its
//! typed result. The REST API and its OpenAPI document are [`crate::api`] and
//! [`crate::openapi`]; they use this module's upload handling, never the reverse.

use crate::accounts::{Action, LoginOutcome, ReviewStatus};
use crate::html::{render, Nav};
use crate::{safe_upload_name, Member, Org, Server, WebError, SESSION_COOKIE};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use fieldproof_app::evidence::{AddContent, AddRequest};
use fieldproof_app::readiness::StatusSetRequest;
use fieldproof_app::reports::report_file;
use fieldproof_app::scope::EstateSource;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

mod catalog;
mod controls;
mod dashboard;
mod engagements;
mod estate;
mod evidence;
mod portal;
mod reports;
mod sign_in;
mod suppliers;
mod test_results;
mod uploads;
pub(crate) use catalog::*;
pub(crate) use controls::*;
pub(crate) use dashboard::*;
pub(crate) use engagements::*;
pub(crate) use estate::*;
pub(crate) use evidence::*;
pub(crate) use portal::*;
pub(crate) use reports::*;
pub(crate) use sign_in::*;
pub(crate) use suppliers::*;
pub(crate) use test_results::*;
pub(crate) use uploads::*;

pub(crate) type Shared = State<Arc<Server>>;

pub(crate) const CSS: &str = include_str!("../../static/app.css");

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
        .route(
            "/o/{org}/estate/{component}/edit",
            post(component_edit).layer(form_limit),
        )
        .route("/o/{org}/estate/preview", post(estate_preview))
        .route(
            "/o/{org}/estate/apply",
            post(estate_apply).layer(form_limit),
        )
        .route("/o/{org}/findings", get(findings))
        .route(
            "/o/{org}/engagements",
            get(engagements).post(engagement_create).layer(form_limit),
        )
        .route(
            "/o/{org}/suppliers",
            get(suppliers).post(supplier_add).layer(form_limit),
        )
        .route("/o/{org}/suppliers/{id}", get(supplier))
        .route("/o/{org}/suppliers/{id}/controls", get(supplier_controls))
        .route("/o/{org}/cuecs/own", get(own_cuecs_page))
        .route(
            "/o/{org}/suppliers/{id}/reviews/{number}",
            get(supplier_review_page),
        )
        .route(
            "/o/{org}/suppliers/{id}/reviews/{number}/report.pdf",
            get(supplier_report_pdf),
        )
        .route("/o/{org}/suppliers/{id}/review", post(supplier_review))
        .route(
            "/o/{org}/suppliers/{id}/cuecs/{number}",
            post(cuec_answer).layer(form_limit),
        )
        .route("/o/{org}/controls", get(controls))
        .route("/o/{org}/tests/{test}", get(test_result))
        .route("/o/{org}/controls/{control}", get(control))
        .route(
            "/o/{org}/controls/{control}/status",
            post(set_status).layer(form_limit),
        )
        .route("/o/{org}/evidence", get(evidence).post(upload))
        .route("/o/{org}/upload", get(upload_page))
        .route("/o/{org}/verify", get(verify))
        .route("/o/{org}/ledger", get(ledger))
        .route("/o/{org}/evidence/retire", post(retire).layer(form_limit))
        .route("/o/{org}/evidence/{id}", get(evidence_item))
        .route("/o/{org}/evidence/{id}/content", get(evidence_download))
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

pub(crate) fn nav(member: &Member) -> Nav {
    Nav {
        email: Some(member.session.email.clone()),
        organisation: Some((
            member.membership.organisation.clone(),
            member.membership.name.clone(),
        )),
        role: Some(member.membership.role.as_str().to_string()),
        csrf: Some(member.session.csrf.clone()),
        engagements: member.engagements.clone(),
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

pub(crate) async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// The engagement the page shows (see [`crate::Engagements`]); none before the first.
pub(crate) fn chosen_engagement(member: &Member) -> Option<String> {
    member.engagements.shown.clone()
}

/// The engagement a page about one shows; none yet is the application's `NoEngagement`,
/// worded like every other web error.
pub(crate) fn page_engagement(member: &Member) -> Result<String, WebError> {
    chosen_engagement(member).ok_or_else(|| WebError::from(fieldproof_app::AppError::NoEngagement))
}

/// A page with a form: 200, or 400 when it shows a refused submission again.
pub(crate) fn form_page(page: String, refused: bool) -> Result<Response, WebError> {
    let status = if refused {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Html(page)).into_response())
}

pub(crate) async fn signed_in(
    server: &Server,
    headers: &HeaderMap,
) -> Result<Option<Nav>, WebError> {
    Ok(server.session(headers).await?.map(|(_, s)| Nav {
        email: Some(s.email),
        csrf: Some(s.csrf),
        ..Nav::default()
    }))
}

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
