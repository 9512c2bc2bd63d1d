//! Evidence: the requests and their freshness, uploads, the ledger, retiring, verification and the pack.

use super::*;

pub(crate) async fn evidence(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let status = server.freshness(&member, &engagement).await?;
    Ok(Html(render(&EvidencePage {
        title: "Evidence",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        status: &status,
        may_add: member.may(Action::AddEvidence),
        may_supersede: member.may(Action::SupersedeEvidence),
        csrf: &member.session.csrf,
    }))
    .into_response())
}

/// The evidence requests of an engagement with their freshness, and the upload form.
#[derive(askama::Template)]
#[template(path = "evidence.html")]
pub(crate) struct EvidencePage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) status: &'a fieldproof_app::contract::FreshnessReport,
    pub(crate) may_add: bool,
    pub(crate) may_supersede: bool,
    pub(crate) csrf: &'a str,
}

pub(crate) fn add_request(
    upload: &Upload,
    engagement: Option<String>,
) -> Result<AddRequest, WebError> {
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

pub(crate) async fn upload(
    State(server): Shared,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    member.allow(Action::AddEvidence)?;
    let upload = receive(&server, &org, multipart).await?;
    check_csrf(&member, upload.fields.get("csrf").map(String::as_str))?;
    let engagement = member.engagement(upload.fields.get("engagement").map(String::as_str))?;
    let request = add_request(&upload, engagement.clone())?;
    let added = member
        .app(&server)
        .evidence_add(&request)
        .await
        .map_err(|e| upload.error(e))?;
    Ok(Html(render(&EvidenceAdded {
        title: "Evidence added",
        nav: &nav(&member),
        org: &org,
        engagement: engagement.as_deref(),
        added: &added.added,
    }))
    .into_response())
}

/// What an upload added to the ledger.
#[derive(askama::Template)]
#[template(path = "evidence_added.html")]
pub(crate) struct EvidenceAdded<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: Option<&'a str>,
    pub(crate) added: &'a [fieldproof_evidence::AddOutcome],
}

pub(crate) async fn verify(
    State(server): Shared,
    Org { member, .. }: Org,
) -> Result<Response, WebError> {
    let v = server.verification(&member).await?;
    Ok(Html(render(&VerifyPage {
        title: "Verification",
        nav: &nav(&member),
        v: &v,
    }))
    .into_response())
}

/// The organisation's ledger and blobs verified.
#[derive(askama::Template)]
#[template(path = "verify.html")]
pub(crate) struct VerifyPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) v: &'a fieldproof_evidence::Verification,
}

pub(crate) async fn pack(
    State(server): Shared,
    Org { member, .. }: Org,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
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

/// Ledger entries per page.
pub(crate) const LEDGER_PAGE: usize = 200;

#[derive(Debug, serde::Deserialize)]
pub(crate) struct PageQuery {
    pub(crate) page: Option<usize>,
}

pub(crate) async fn ledger(
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
    Ok(Html(render(&LedgerPage {
        title: "Ledger",
        nav: &nav(&member),
        org: &org,
        total: entries.len(),
        redacted: log.redacted,
        engagement: log.engagement.as_deref(),
        page_no,
        pages,
        rows: fieldproof_report::evidence::ledger_rows(&shown),
        may_retire: member.may(Action::RetireEvidence),
        csrf: &member.session.csrf,
    }))
    .into_response())
}

/// The ledger, newest first, a page at a time, and the form to retire evidence.
#[derive(askama::Template)]
#[template(path = "ledger.html")]
pub(crate) struct LedgerPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) total: usize,
    pub(crate) redacted: usize,
    pub(crate) engagement: Option<&'a str>,
    pub(crate) page_no: usize,
    pub(crate) pages: usize,
    pub(crate) rows: Vec<fieldproof_report::evidence::LedgerRow>,
    pub(crate) may_retire: bool,
    pub(crate) csrf: &'a str,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct RetireForm {
    pub(crate) csrf: Option<String>,
    pub(crate) evidence: String,
    pub(crate) reason: String,
}

pub(crate) async fn retire(
    State(server): Shared,
    Org { member, org }: Org,
    Form(form): Form<RetireForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::RetireEvidence)?;
    let retired = member
        .app(&server)
        .evidence_retire(form.evidence.trim(), form.reason.trim())
        .await?;
    Ok(Html(render(&Retired {
        title: "Retired",
        nav: &nav(&member),
        org: &org,
        retired: &retired,
    }))
    .into_response())
}

/// A piece of evidence retired.
#[derive(askama::Template)]
#[template(path = "retired.html")]
pub(crate) struct Retired<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) retired: &'a fieldproof_app::contract::RetireResult,
}
