//! The supplier register: the list with the form that adds a supplier, and a supplier's page
//! with its reviews (a report uploaded is reviewed and recorded), the latest report's findings
//! and its CUECs, each with the form that answers it.

use super::*;
use fieldproof_app::suppliers::{CuecInput, SupplierInput};

/// The values the supplier form shows.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct SupplierForm {
    pub(crate) csrf: Option<String>,
    #[serde(default)]
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) criticality: Option<String>,
    pub(crate) services: Option<String>,
    pub(crate) components: Option<String>,
    #[serde(rename = "review-every")]
    pub(crate) review_every: Option<String>,
}

/// One CUEC's answer as the form sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct CuecForm {
    pub(crate) csrf: Option<String>,
    pub(crate) review: Option<String>,
    pub(crate) controls: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) due: Option<String>,
}

fn list_of(text: &Option<String>, sep: char) -> Vec<String> {
    text.as_deref()
        .unwrap_or_default()
        .split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn blank(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

pub(crate) async fn suppliers(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    suppliers_page(&server, &member, &org, &SupplierForm::default(), None).await
}

async fn suppliers_page(
    server: &Server,
    member: &Member,
    org: &str,
    values: &SupplierForm,
    refused: Option<&WebError>,
) -> Result<Response, WebError> {
    let list = member.app(server).suppliers().await?;
    let page = render(&SuppliersPage {
        title: "Suppliers",
        nav: &nav(member),
        org,
        list: &list,
        may_manage: member.may(Action::ManageSuppliers),
        csrf: &member.session.csrf,
        values,
        problem: refused.map(crate::html::Problem::of),
    });
    form_page(page, refused.is_some())
}

/// The register and the form that adds a supplier.
#[derive(askama::Template)]
#[template(path = "suppliers.html")]
pub(crate) struct SuppliersPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) list: &'a fieldproof_app::contract::SupplierList,
    pub(crate) may_manage: bool,
    pub(crate) csrf: &'a str,
    pub(crate) values: &'a SupplierForm,
    pub(crate) problem: Option<crate::html::Problem>,
}

pub(crate) async fn supplier_add(
    State(server): Shared,
    Org { member, org }: Org,
    Form(form): Form<SupplierForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::ManageSuppliers)?;
    let saved = member
        .app(&server)
        .supplier_save(&SupplierInput {
            id: form.id.trim().to_string(),
            name: blank(&form.name),
            services: list_of(&form.services, ';'),
            criticality: blank(&form.criticality),
            components: list_of(&form.components, ','),
            review_every: blank(&form.review_every),
        })
        .await;
    match saved {
        Ok(s) => Ok(Redirect::to(&format!("/o/{org}/suppliers/{}", s.supplier.id)).into_response()),
        Err(e) => {
            let error = WebError::from(e);
            if !error.correctable() {
                return Err(error);
            }
            suppliers_page(&server, &member, &org, &form, Some(&error)).await
        }
    }
}

pub(crate) async fn supplier(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    supplier_page(&server, &member, &org, &id, None, None).await
}

async fn supplier_page(
    server: &Server,
    member: &Member,
    org: &str,
    id: &str,
    refused: Option<&WebError>,
    cuec: Option<u32>,
) -> Result<Response, WebError> {
    let detail = member.app(server).supplier_show(id).await?;
    let page = render(&SupplierPage {
        title: &detail.summary.supplier.name.clone(),
        nav: &nav(member),
        org,
        d: &detail,
        may_manage: member.may(Action::ManageSuppliers),
        csrf: &member.session.csrf,
        problem: refused.map(crate::html::Problem::of),
        problem_cuec: cuec.unwrap_or(0),
    });
    form_page(page, refused.is_some())
}

/// A supplier: its reviews, the latest report's findings and CUECs.
#[derive(askama::Template)]
#[template(path = "supplier.html")]
pub(crate) struct SupplierPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) d: &'a fieldproof_app::contract::SupplierDetail,
    pub(crate) may_manage: bool,
    pub(crate) csrf: &'a str,
    pub(crate) problem: Option<crate::html::Problem>,
    /// The CUEC whose form was refused (0: none).
    pub(crate) problem_cuec: u32,
}

pub(crate) async fn supplier_review(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let upload = receive(&server, &org, multipart).await?;
    check_csrf(&member, upload.fields.get("csrf").map(String::as_str))?;
    member.allow(Action::ManageSuppliers)?;
    let Some(file) = upload.files.first() else {
        let error = WebError::about("report", "Choose the report's PDF (or its text) to review.");
        return supplier_page(&server, &member, &org, &id, Some(&error), None).await;
    };
    let reviewed = member
        .app(&server)
        .review(file, &upload.review_request(&id))
        .await;
    match reviewed {
        Ok(_) => Ok(Redirect::to(&format!("/o/{org}/suppliers/{id}#reviews")).into_response()),
        Err(e) => {
            let error = upload.error(e);
            if !error.correctable() {
                return Err(error);
            }
            supplier_page(&server, &member, &org, &id, Some(&error), None).await
        }
    }
}

impl Upload {
    /// The review a report upload asks for (its `as-of` and `bridge-letter` fields), recorded
    /// for `supplier`: the pages and the API read the same fields.
    pub(crate) fn review_request(&self, supplier: &str) -> fieldproof_app::review::ReviewRequest {
        let field = |name: &str| {
            self.fields
                .get(name)
                .cloned()
                .filter(|v| !v.trim().is_empty())
        };
        fieldproof_app::review::ReviewRequest {
            on: field("as-of"),
            bridge_letter: field("bridge-letter"),
            estate: None,
            supplier: Some(supplier.to_string()),
        }
    }
}

pub(crate) async fn cuec_answer(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id, number)): Path<(String, String, u32)>,
    Form(form): Form<CuecForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::ManageSuppliers)?;
    let answered = member
        .app(&server)
        .cuec_answer(&CuecInput {
            supplier: id.clone(),
            review: blank(&form.review),
            cuec: number.to_string(),
            controls: list_of(&form.controls, ','),
            status: blank(&form.status),
            reason: blank(&form.reason),
            owner: blank(&form.owner),
            due: blank(&form.due),
            evidence: Vec::new(),
        })
        .await;
    match answered {
        Ok(_) => {
            Ok(Redirect::to(&format!("/o/{org}/suppliers/{id}#cuec-{number}")).into_response())
        }
        Err(e) => {
            let error = WebError::from(e);
            if !error.correctable() {
                return Err(error);
            }
            supplier_page(&server, &member, &org, &id, Some(&error), Some(number)).await
        }
    }
}

/// The query of the supplier's NIST table.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct ControlsQuery {
    /// An imported NIST baseline to list instead of NIST SP 800-53.
    pub(crate) baseline: Option<String>,
    /// `all` to list the customer's controls too.
    pub(crate) show: Option<String>,
    /// `csv` or `oscal` for a download.
    pub(crate) format: Option<String>,
}

/// Which NIST SP 800-53 controls (or which controls of a NIST baseline) the supplier
/// implements, shares or leaves to you, with the path of each; CSV and OSCAL downloads.
pub(crate) async fn supplier_controls(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ControlsQuery>,
) -> Result<Response, WebError> {
    let app = member.app(&server);
    let baseline = blank(&q.baseline);
    let r = app.supplier_controls(&id, baseline.as_deref()).await?;
    let download = |content_type: &str, extension: &str, bytes: Vec<u8>| {
        (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-{}.{extension}\"",
                        r.supplier, r.table.framework
                    ),
                ),
            ],
            bytes,
        )
            .into_response()
    };
    match q.format.as_deref() {
        Some("csv") => {
            return Ok(download(
                "text/csv; charset=utf-8",
                "csv",
                fieldproof_report::review::supplier_controls_csv(&r).into_bytes(),
            ))
        }
        Some("oscal") => {
            let doc = fieldproof_report::oscal::leveraged_ssp(&r, &app.now());
            return Ok(download(
                "application/json",
                "oscal-ssp.json",
                serde_json::to_vec_pretty(&doc).unwrap_or_default(),
            ));
        }
        Some(other) if !other.is_empty() => {
            return Err(WebError::about(
                "format",
                format!("No format '{other}': choose csv or oscal, or leave it out for the page."),
            ))
        }
        _ => {}
    }
    let baselines: Vec<(String, String)> = app
        .catalog_list()
        .await?
        .frameworks
        .into_iter()
        .filter(|f| f.based_on.is_some())
        .map(|f| (f.id, f.name))
        .collect();
    let all = q.show.as_deref() == Some("all");
    Ok(Html(render(&SupplierControlsPage {
        title: &format!("{}: {}", r.name, r.table.framework_name),
        nav: &nav(&member),
        org: &org,
        r: &r,
        baselines: &baselines,
        baseline: baseline.as_deref().unwrap_or(""),
        all,
    }))
    .into_response())
}

/// The supplier's NIST table.
#[derive(askama::Template)]
#[template(path = "supplier_controls.html")]
pub(crate) struct SupplierControlsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) r: &'a fieldproof_app::contract::SupplierControls,
    /// Imported NIST baselines: id, name.
    pub(crate) baselines: &'a [(String, String)],
    pub(crate) baseline: &'a str,
    /// Whether the customer's controls are listed too.
    pub(crate) all: bool,
}

/// The format of a recorded review asked for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct ReviewQuery {
    /// `md`, `html` or `pdf` for the review report; none for the page.
    pub(crate) format: Option<String>,
}

/// One recorded review: every fact with a link to its page of the stored PDF, the findings,
/// the CUECs and exceptions with theirs, and the review report as Markdown, HTML or PDF.
pub(crate) async fn supplier_review_page(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id, number)): Path<(String, String, u32)>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, WebError> {
    let app = member.app(&server);
    let r = app.supplier_review(&id, number).await?;
    let document = || fieldproof_report::review::review_document(&r, &app.now());
    let download = |content_type: &str, extension: &str, bytes: Vec<u8>| {
        (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{id}-review-{number}.{extension}\""),
                ),
            ],
            bytes,
        )
            .into_response()
    };
    match q.format.as_deref().unwrap_or("") {
        "" => {}
        "md" => {
            return Ok(download(
                "text/markdown; charset=utf-8",
                "md",
                fieldproof_report::doc::markdown(&document()).into_bytes(),
            ))
        }
        "html" => {
            return Ok(download(
                "text/html; charset=utf-8",
                "html",
                fieldproof_report::doc::html(&document()).into_bytes(),
            ))
        }
        "pdf" => {
            return Ok(download(
                "application/pdf",
                "pdf",
                fieldproof_report::pdf::render(&document()),
            ))
        }
        other => {
            return Err(WebError::about(
                "format",
                format!(
                    "No format '{other}': choose md, html or pdf, or leave it out for the page."
                ),
            ))
        }
    }
    let facts = fieldproof_report::review::fact_rows(&r);
    let pdf = r.file.to_ascii_lowercase().ends_with(".pdf");
    Ok(Html(render(&SupplierReviewPage {
        title: &format!("Review {number} of {id}"),
        nav: &nav(&member),
        org: &org,
        supplier: &id,
        number,
        r: &r,
        facts: &facts,
        pdf,
    }))
    .into_response())
}

/// One recorded review.
#[derive(askama::Template)]
#[template(path = "supplier_review.html")]
pub(crate) struct SupplierReviewPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) supplier: &'a str,
    pub(crate) number: u32,
    pub(crate) r: &'a fieldproof_app::contract::ReviewResult,
    pub(crate) facts: &'a [fieldproof_report::review::FactRow],
    /// Whether the stored file is a PDF whose pages can be linked.
    pub(crate) pdf: bool,
}

/// The stored PDF of a recorded review, shown in the browser's PDF viewer so that a link can
/// open it at a page (`#page=N`). Only a file that is a PDF and matches the hash the review
/// recorded is served, as `application/pdf` (with `nosniff`, see the security headers): the
/// browser's viewer shows it apart from the app's origin.
pub(crate) async fn supplier_report_pdf(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, id, number)): Path<(String, String, u32)>,
) -> Result<Response, WebError> {
    let (name, bytes) = member.app(&server).supplier_report_pdf(&id, number).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", safe_upload_name(&name)),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Your own CUECs: the customer duties of the workspace estate's responsibility matrix, with
/// the controls of yours that rely on each.
pub(crate) async fn own_cuecs_page(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    let own = member
        .app(&server)
        .own_cuecs(&EstateSource::Workspace, &mut |_, _| {})
        .await?;
    Ok(Html(render(&OwnCuecsPage {
        title: "Your own CUECs",
        nav: &nav(&member),
        org: &org,
        own: &own,
    }))
    .into_response())
}

/// Your own CUECs.
#[derive(askama::Template)]
#[template(path = "own_cuecs.html")]
pub(crate) struct OwnCuecsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) own: &'a fieldproof_catalog::views::OwnCuecs,
}
