//! The rest of `/api/v1`: every write and view the pages offer, as JSON (or the report and
//! pack files). Each route calls the same use case as its page; bodies are the CLI's
//! contracts, and the request threads of the auditor portal have their own schema here.

use crate::accounts::{Action, ReviewStatus};
use crate::pages::{add_request, receive};
use crate::{Member, Org, Server, WebError};
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldproof_app::scope::EstateSource;
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::Arc;

type Shared = State<Arc<Server>>;

pub(crate) fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/o/{org}/engagements", get(engagements))
        .route("/api/v1/o/{org}/scope", get(scope))
        .route("/api/v1/o/{org}/readiness", get(readiness))
        .route("/api/v1/o/{org}/evidence/status", get(evidence_status))
        .route("/api/v1/o/{org}/evidence", post(upload_evidence))
        .route("/api/v1/o/{org}/verify", get(verify))
        .route("/api/v1/o/{org}/statuses", post(set_status))
        .route("/api/v1/o/{org}/requests", get(requests))
        .route(
            "/api/v1/o/{org}/requests/{control}/{request}",
            post(write_request),
        )
        .route("/api/v1/o/{org}/ledger", get(ledger))
        .route(
            "/api/v1/o/{org}/suppliers",
            get(suppliers).post(supplier_save),
        )
        .route("/api/v1/o/{org}/suppliers/{supplier}", get(supplier_show))
        .route(
            "/api/v1/o/{org}/suppliers/{supplier}/controls",
            get(supplier_controls),
        )
        .route(
            "/api/v1/o/{org}/suppliers/{supplier}/reviews/{review}",
            get(supplier_review_show),
        )
        .route(
            "/api/v1/o/{org}/suppliers/{supplier}/reviews",
            post(supplier_review),
        )
        .route(
            "/api/v1/o/{org}/suppliers/{supplier}/cuecs/{cuec}",
            post(cuec_answer),
        )
        .route("/api/v1/o/{org}/cuecs", get(cuecs))
        .route("/api/v1/o/{org}/cuecs/own", get(own_cuecs))
        .route("/api/v1/o/{org}/evidence/{id}/retire", post(retire))
        .route("/api/v1/o/{org}/estate/preview", post(estate_preview))
        .route("/api/v1/o/{org}/estate", post(estate_apply))
        .route("/api/v1/o/{org}/reports/{file}", get(report))
        .route("/api/v1/o/{org}/pack", get(pack))
        .route("/api/v1/catalog/map", get(map))
        .route("/api/v1/catalog/{id}", get(catalog_show))
}

/// A JSON body, or a 400 saying what is wrong with it.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, WebError> {
    serde_json::from_slice(bytes)
        .map_err(|e| WebError::bad_request(format!("the JSON body is not valid: {e}")))
}

#[derive(Debug, Deserialize)]
struct EngagementQuery {
    engagement: Option<String>,
}

/// The engagement a request is about: asked, an auditor's own, or the only one (the
/// application's rule); none yet: 404.
async fn engagement(
    server: &Server,
    member: &Member,
    asked: Option<&str>,
) -> Result<String, WebError> {
    let asked = member.engagement(asked)?;
    member
        .app(server)
        .engagement_choice(asked.as_deref())
        .await?
        .ok_or_else(WebError::not_found)
}

async fn set_status(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, .. }: Org,
    bytes: Bytes,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::SetDesignStatus)?;
    let mut request: fieldproof_app::readiness::StatusSetRequest = body(&bytes)?;
    request.engagement = member.engagement(request.engagement.as_deref())?;
    let applied = member.app(&server).status_set(&request).await?;
    Ok(Json(applied).into_response())
}

pub use fieldproof_app::contract::{RequestDetail, RequestList, RequestView};

async fn requests(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let engagement = engagement(&server, &member, q.engagement.as_deref()).await?;
    let freshness = server.freshness(&member, &engagement).await?;
    let list = member.app(&server).request_list_in(&freshness).await?;
    Ok(Json(list).into_response())
}

/// `POST /requests/CONTROL/REQUEST`: a comment, the auditor's status, or both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// A comment.
    pub comment: Option<String>,
    /// The auditor's status: open, accepted or needs_more.
    pub status: Option<String>,
}

async fn write_request(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, .. }: Org,
    Path((_, control, request)): Path<(String, String, String)>,
    Query(q): Query<EngagementQuery>,
    bytes: Bytes,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    let b: RequestBody = body(&bytes)?;
    let write = fieldproof_app::requests::RequestWrite {
        comment: b.comment,
        status: b
            .status
            .as_deref()
            .map(ReviewStatus::parse)
            .transpose()
            .map_err(|e| WebError::bad_request(e.to_string()))?,
    };
    let engagement = engagement(&server, &member, q.engagement.as_deref()).await?;
    let freshness = server.freshness(&member, &engagement).await?;
    let detail = member
        .app(&server)
        .request_write_in(&freshness, &control, &request, &write, member.reviewer())
        .await?;
    Ok(Json(detail.request).into_response())
}

async fn ledger(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    Ok(Json(member.app(&server).evidence_log(member.limit()).await?).into_response())
}

/// `POST /evidence/ID/retire`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireBody {
    /// Why it is retired.
    pub reason: String,
}

async fn retire(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, .. }: Org,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::RetireEvidence)?;
    let b: RetireBody = body(&bytes)?;
    Ok(Json(
        member
            .app(&server)
            .evidence_retire(&id, b.reason.trim())
            .await?,
    )
    .into_response())
}

/// A multipart estate upload (the estate file or CSV inventory, and optionally its mapping),
/// sent with a bearer token by a member who may edit the estate.
async fn estate_upload(
    server: &Server,
    headers: &HeaderMap,
    member: &crate::Member,
    org: &str,
    multipart: Multipart,
) -> Result<(crate::pages::Upload, crate::pages::EstateUpload), WebError> {
    require_bearer(headers)?;
    member.allow(Action::LoadEstate)?;
    let upload = crate::pages::receive(server, org, multipart).await?;
    let estate = crate::pages::EstateUpload::from_upload(&upload)?;
    Ok((upload, estate))
}

async fn estate_preview(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    // The upload's files live as long as `_upload`.
    let (_upload, estate) = estate_upload(&server, &headers, &member, &org, multipart).await?;
    let mut preview = member
        .app(&server)
        .apply_preview(&estate.estate, &estate.options(), &mut |_, _| {})
        .await
        .map_err(|e| estate.error(e))?;
    preview.source = estate.tidy(&preview.source);
    estate.tidy_inventories(&mut preview.inventories);
    Ok(Json(preview).into_response())
}

async fn estate_apply(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (_upload, estate) = estate_upload(&server, &headers, &member, &org, multipart).await?;
    let mut applied = member
        .app(&server)
        .apply(&estate.estate, &estate.options(), &mut |_, _| {})
        .await
        .map_err(|e| estate.error(e))?;
    applied.source = estate.tidy(&applied.source);
    estate.tidy_inventories(&mut applied.inventories);
    Ok(Json(applied).into_response())
}

async fn report(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, file)): Path<(String, String)>,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let (kind, format) = fieldproof_app::reports::report_file(&file)
        .map_err(|e| WebError::bad_request(e.to_string()))?;
    let engagement = engagement(&server, &member, q.engagement.as_deref()).await?;
    let bytes = member
        .app(&server)
        .report(kind, Some(&engagement), format, None)
        .await?;
    Ok(([(header::CONTENT_TYPE, format.content_type())], bytes).into_response())
}

async fn pack(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let engagement = engagement(&server, &member, q.engagement.as_deref()).await?;
    crate::pages::pack_bytes(&server, &member, &engagement).await
}

/// Any signed-in user or valid token may read the catalog.
async fn reader(server: &Server, headers: &HeaderMap) -> Result<(), WebError> {
    if let Some(token) = crate::bearer(headers) {
        return match server.accounts.token(&token).await? {
            Some(_) => Ok(()),
            None => Err(WebError::new(
                StatusCode::UNAUTHORIZED,
                "the API token is not valid",
            )),
        };
    }
    match server.session(headers).await? {
        Some(_) => Ok(()),
        None => Err(WebError::new(
            StatusCode::UNAUTHORIZED,
            "sign in or send a bearer token",
        )),
    }
}

async fn catalog_show(
    State(server): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    reader(&server, &headers).await?;
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    Ok(Json(app.catalog_show(&id).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct MapQuery {
    requirement: String,
    to: String,
    max_hops: Option<usize>,
}

async fn map(
    State(server): Shared,
    headers: HeaderMap,
    Query(q): Query<MapQuery>,
) -> Result<Response, WebError> {
    reader(&server, &headers).await?;
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    Ok(Json(
        app.map(&q.requirement, &q.to, q.max_hops.unwrap_or(3).min(5))
            .await?,
    )
    .into_response())
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

async fn engagements(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    let mut list = member.app(&server).engagement_list().await?;
    if let Some(own) = &member.membership.engagement {
        list.engagements.retain(|e| &e.id == own);
    }
    Ok(Json(list).into_response())
}

async fn scope(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    let scoped = member
        .app(&server)
        .scope(&EstateSource::Workspace, &mut |_, _| {})
        .await?;
    let mut json = Vec::new();
    fieldproof_report::scope::write_json(&scoped.assessment(), &mut json)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

async fn readiness(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let engagement = member.engagement(q.engagement.as_deref())?;
    let basis = member.app(&server).readiness(engagement.as_deref()).await?;
    Ok(Json(basis.readiness).into_response())
}

async fn evidence_status(
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

async fn upload_evidence(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::AddEvidence)?;
    let upload = receive(&server, &org, multipart).await?;
    let engagement = member.engagement(upload.fields.get("engagement").map(String::as_str))?;
    let request = add_request(&upload, engagement)?;
    let added = member
        .app(&server)
        .evidence_add(&request)
        .await
        .map_err(|e| upload.error(e))?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

async fn verify(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    let v = server.verification(&member).await?;
    Ok(Json(v).into_response())
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// `POST /suppliers`: a supplier added, or the fields given changed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierBody {
    /// Its id (lower-case letters, digits and dashes).
    pub id: String,
    /// Its name (needed when adding).
    #[serde(default)]
    pub name: Option<String>,
    /// `critical`, `high`, `medium` or `low` (needed when adding).
    #[serde(default)]
    pub criticality: Option<String>,
    /// The services it provides (replaces the list when given).
    #[serde(default)]
    pub services: Vec<String>,
    /// Estate component ids it provides or operates (replaces the list when given).
    #[serde(default)]
    pub components: Vec<String>,
    /// Months between reviews.
    #[serde(default)]
    pub review_every_months: Option<u32>,
}

/// `POST /suppliers/{supplier}/cuecs/{cuec}`: the answer to one CUEC.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CuecBody {
    /// The review's number (default: the supplier's latest).
    #[serde(default)]
    pub review: Option<u32>,
    /// The controls of yours that address it.
    #[serde(default)]
    pub controls: Vec<String>,
    /// `open`, `addressed`, `not_applicable` or `gap` (default: addressed when controls are
    /// given).
    #[serde(default)]
    pub status: Option<String>,
    /// Why it does not apply, or what the gap is.
    #[serde(default)]
    pub reason: Option<String>,
    /// Who owns a gap.
    #[serde(default)]
    pub owner: Option<String>,
    /// When a gap is due to close (YYYY-MM-DD).
    #[serde(default)]
    pub due: Option<String>,
    /// Evidence ids that show it addressed.
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SupplierQuery {
    supplier: Option<String>,
}

async fn suppliers(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    Ok(Json(member.app(&server).suppliers().await?).into_response())
}

async fn supplier_show(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    Ok(Json(member.app(&server).supplier_show(&id).await?).into_response())
}

async fn supplier_review_show(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, id, number)): Path<(String, String, u32)>,
) -> Result<Response, WebError> {
    Ok(Json(member.app(&server).supplier_review(&id, number).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct BaselineQuery {
    baseline: Option<String>,
}

async fn supplier_controls(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<BaselineQuery>,
) -> Result<Response, WebError> {
    let baseline = q.baseline.filter(|b| !b.trim().is_empty());
    Ok(Json(
        member
            .app(&server)
            .supplier_controls(&id, baseline.as_deref())
            .await?,
    )
    .into_response())
}

async fn own_cuecs(State(server): Shared, Org { member, .. }: Org) -> Result<Response, WebError> {
    Ok(Json(
        member
            .app(&server)
            .own_cuecs(&EstateSource::Workspace, &mut |_, _| {})
            .await?,
    )
    .into_response())
}

async fn cuecs(
    State(server): Shared,
    Org { member, .. }: Org,
    Query(q): Query<SupplierQuery>,
) -> Result<Response, WebError> {
    Ok(Json(member.app(&server).cuecs(q.supplier.as_deref()).await?).into_response())
}

async fn supplier_save(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, .. }: Org,
    bytes: Bytes,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::ManageSuppliers)?;
    let b: SupplierBody = body(&bytes)?;
    let saved = member
        .app(&server)
        .supplier_save(&fieldproof_app::suppliers::SupplierInput {
            id: b.id,
            name: b.name,
            services: b.services,
            criticality: b.criticality,
            components: b.components,
            review_every: b.review_every_months.map(|m| m.to_string()),
        })
        .await?;
    Ok(Json(saved).into_response())
}

/// A report uploaded (multipart: `report`, and optionally `as-of` and `bridge-letter`),
/// reviewed and recorded for the supplier.
async fn supplier_review(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::ManageSuppliers)?;
    let upload = receive(&server, &org, multipart).await?;
    let file = upload.files.first().ok_or_else(|| {
        WebError::bad_request("Send the report's PDF (or its text) in the field report.")
    })?;
    let reviewed = member
        .app(&server)
        .review(file, &upload.review_request(&id))
        .await
        .map_err(|e| upload.error(e))?;
    Ok((StatusCode::CREATED, Json(reviewed)).into_response())
}

async fn cuec_answer(
    State(server): Shared,
    headers: HeaderMap,
    Org { member, .. }: Org,
    Path((_, id, cuec)): Path<(String, String, String)>,
    bytes: Bytes,
) -> Result<Response, WebError> {
    require_bearer(&headers)?;
    member.allow(Action::ManageSuppliers)?;
    let b: CuecBody = body(&bytes)?;
    let answered = member
        .app(&server)
        .cuec_answer(&fieldproof_app::suppliers::CuecInput {
            supplier: id,
            review: b.review.map(|r| r.to_string()),
            cuec,
            controls: b.controls,
            status: b.status,
            reason: b.reason,
            owner: b.owner,
            due: b.due,
            evidence: b.evidence,
        })
        .await?;
    Ok(Json(answered).into_response())
}
