//! Evidence: the requests and their freshness, uploads, the ledger, retiring, verification and the pack.

use super::*;

pub(crate) async fn evidence(
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
    let body = format!(
        "<h1>Retired</h1><p>{} is retired (ledger entry {}).</p><p><a href=\"/o/{}/ledger\">The ledger</a></p>",
        esc(&retired.evidence),
        retired.entry,
        esc(&org)
    );
    Ok(Html(page("Retired", &nav(&member), &body)).into_response())
}
