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
        requests: status.rows.iter().collect(),
        may_add: member.may(Action::AddEvidence),
    }))
    .into_response())
}

/// The evidence requests of an engagement with their freshness, each with its upload action.
#[derive(askama::Template)]
#[template(path = "evidence.html")]
pub(crate) struct EvidencePage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) status: &'a fieldproof_app::contract::FreshnessReport,
    pub(crate) requests: Vec<&'a fieldproof_evidence::freshness::Row>,
    pub(crate) may_add: bool,
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
        WebError::about(
            "control",
            "Name the control the evidence supports (for example FP-AC-03).",
        )
    })?;
    if upload.files.is_empty() {
        return Err(WebError::about("files", "Choose at least one file to add."));
    }
    let (control, request) = match (control.split_once('/'), field("request")) {
        (Some((c, r)), None) => (c.to_string(), Some(r.to_string())),
        (_, request) => (control, request),
    };
    // The period: the two dates of the form, or FROM..TO (the API's `covers`).
    let covers = match (field("from"), field("to")) {
        (Some(from), Some(to)) => Some(format!("{from}..{to}")),
        (Some(_), None) => {
            return Err(WebError::about(
                "to",
                "Give the last day the evidence covers as well as the first.",
            ))
        }
        (None, Some(_)) => {
            return Err(WebError::about(
                "from",
                "Give the first day the evidence covers as well as the last.",
            ))
        }
        (None, None) => field("covers"),
    };
    Ok(AddRequest {
        content: AddContent::Files(upload.files.clone()),
        controls: vec![control],
        request,
        population: field("population").is_some(),
        engagement,
        covers,
        source: Some("web upload".to_string()),
        note: field("note"),
        supersedes: field("supersedes"),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct UploadQuery {
    pub(crate) control: Option<String>,
    pub(crate) request: Option<String>,
    pub(crate) supersedes: Option<String>,
}

/// The values the upload form shows: prefilled from a request row, or as they were sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct UploadValues {
    pub(crate) control: String,
    pub(crate) request: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) population: bool,
    pub(crate) note: String,
    pub(crate) supersedes: String,
}

/// The upload form, for one request (`?control=&request=`, the dates set to its first
/// window without evidence) or any.
pub(crate) async fn upload_page(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<UploadQuery>,
) -> Result<Response, WebError> {
    member.allow(Action::AddEvidence)?;
    let engagement = page_engagement(&member)?;
    let freshness = server.freshness(&member, &engagement).await?;
    let control = q.control.unwrap_or_default();
    let request = q.request.unwrap_or_default();
    let row = freshness
        .rows
        .iter()
        .find(|r| r.control == control && (r.request == request || request.is_empty()));
    let period = row
        .and_then(|r| r.first_gap)
        .unwrap_or(freshness.engagement.period);
    let values = UploadValues {
        control,
        request: row.map(|r| r.request.clone()).unwrap_or(request),
        from: period.from.to_string(),
        to: period.to.to_string(),
        supersedes: q.supersedes.unwrap_or_default(),
        ..UploadValues::default()
    };
    upload_form(&server, &member, &org, &engagement, values, None).await
}

/// The upload form with `values`; after a refused upload, with the message beside its field
/// (status 400; files must be chosen again, a browser never prefills them).
async fn upload_form(
    server: &Server,
    member: &Member,
    org: &str,
    engagement: &str,
    values: UploadValues,
    refused: Option<&WebError>,
) -> Result<Response, WebError> {
    let freshness = server.freshness(member, engagement).await?;
    let row = freshness
        .rows
        .iter()
        .find(|r| r.control == values.control && r.request == values.request);
    let page = render(&UploadPage {
        title: "Upload evidence",
        nav: &nav(member),
        org,
        engagement,
        period: freshness.engagement.period.to_string(),
        row,
        controls: {
            let mut ids: Vec<&str> = freshness.rows.iter().map(|r| r.control.as_str()).collect();
            ids.dedup();
            ids
        },
        values: &values,
        may_supersede: member.may(Action::SupersedeEvidence),
        csrf: &member.session.csrf,
        problem: refused.map(crate::html::Problem::of),
    });
    form_page(page, refused.is_some())
}

/// The upload form.
#[derive(askama::Template)]
#[template(path = "upload.html")]
pub(crate) struct UploadPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) period: String,
    pub(crate) row: Option<&'a fieldproof_evidence::freshness::Row>,
    pub(crate) controls: Vec<&'a str>,
    pub(crate) values: &'a UploadValues,
    pub(crate) may_supersede: bool,
    pub(crate) csrf: &'a str,
    pub(crate) problem: Option<crate::html::Problem>,
}

pub(crate) async fn upload(
    State(server): Shared,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    member.allow(Action::AddEvidence)?;
    let upload = receive(&server, &org, multipart).await?;
    check_csrf(&member, upload.fields.get("csrf").map(String::as_str))?;
    let engagement = match member.engagement(upload.fields.get("engagement").map(String::as_str))? {
        Some(e) => e,
        None => page_engagement(&member)?,
    };
    let sent = |name: &str| upload.fields.get(name).cloned().unwrap_or_default();
    let values = UploadValues {
        control: sent("control"),
        request: sent("request"),
        from: sent("from"),
        to: sent("to"),
        population: upload.fields.contains_key("population"),
        note: sent("note"),
        supersedes: sent("supersedes"),
    };
    let before = server.freshness(&member, &engagement).await.ok();
    let asked = add_request(&upload, Some(engagement.clone()));
    let added = match &asked {
        Ok(request) => member
            .app(&server)
            .evidence_add(request)
            .await
            .map_err(|e| upload.error(e)),
        Err(e) => Err(WebError::about(e.field().unwrap_or("control"), e.message())),
    };
    let (added, asked) = match (added, asked) {
        (Ok(added), Ok(asked)) => (added, asked),
        (Err(error), _) if error.correctable() => {
            return upload_form(&server, &member, &org, &engagement, values, Some(&error)).await
        }
        (Err(error), _) | (_, Err(error)) => return Err(error),
    };
    // What changed: the freshness of the requests the evidence answers, before and after.
    let after = server.freshness(&member, &engagement).await?;
    let changes = after
        .rows
        .iter()
        .filter(|r| {
            added.added.iter().any(|a| r.evidence.contains(&a.evidence))
                || (asked
                    .controls
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&r.control))
                    && asked.request.as_deref().is_none_or(|q| q == r.request))
        })
        .map(|r| {
            let old = before.as_ref().and_then(|b| {
                b.rows
                    .iter()
                    .find(|o| o.control == r.control && o.request == r.request)
            });
            FreshnessChange {
                control: r.control.clone(),
                request: r.request.clone(),
                before: old.map_or("missing", |o| o.state.words()),
                before_covered: old.map_or(0, |o| o.covered),
                after: r.state.words(),
                after_covered: r.covered,
                windows: r.windows,
            }
        })
        .collect();
    Ok(Html(render(&EvidenceAdded {
        title: "Evidence added",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        added: &added.added,
        changes,
    }))
    .into_response())
}

/// How one request's freshness changed with an upload.
pub(crate) struct FreshnessChange {
    pub(crate) control: String,
    pub(crate) request: String,
    pub(crate) before: &'static str,
    pub(crate) before_covered: usize,
    pub(crate) after: &'static str,
    pub(crate) after_covered: usize,
    pub(crate) windows: usize,
}

/// What an upload added to the ledger.
#[derive(askama::Template)]
#[template(path = "evidence_added.html")]
pub(crate) struct EvidenceAdded<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) added: &'a [fieldproof_evidence::AddOutcome],
    pub(crate) changes: Vec<FreshnessChange>,
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
        .export_pack(
            engagement,
            &file,
            &["readiness.pdf".to_string(), "tests.html".to_string()],
        )
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
                attachment(&download_name(
                    server,
                    member,
                    engagement,
                    "evidence-pack",
                    "zip",
                )),
            ),
        ],
        body,
    )
        .into_response())
}

pub(crate) async fn evidence_item(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let detail = member
        .app(&server)
        .evidence_item(&id, member.limit())
        .await?;
    let e = &detail.evidence;
    // The requests it answers: a test result names them; other evidence names its controls
    // and, optionally, the one request (absent: each control's only request).
    let answers: Vec<(String, Option<String>)> = if e.answers.is_empty() {
        e.controls
            .iter()
            .map(|c| (c.clone(), e.request.clone()))
            .collect()
    } else {
        e.answers
            .iter()
            .map(|a| (a.control.clone(), Some(a.request.clone())))
            .collect()
    };
    let current = matches!(detail.status, fieldproof_evidence::ledger::Status::Current);
    Ok(Html(render(&EvidenceItemPage {
        title: &format!("{id} {}", e.name),
        nav: &nav(&member),
        org: &org,
        d: &detail,
        answers,
        may_retire: current && member.may(Action::RetireEvidence),
        may_supersede: current && member.may(Action::SupersedeEvidence),
        csrf: &member.session.csrf,
    }))
    .into_response())
}

/// One piece of evidence: what it is, what it answers, its ledger entry, and the actions the
/// member's role allows.
#[derive(askama::Template)]
#[template(path = "evidence_item.html")]
pub(crate) struct EvidenceItemPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) d: &'a fieldproof_evidence::EvidenceDetail,
    pub(crate) answers: Vec<(String, Option<String>)>,
    pub(crate) may_retire: bool,
    pub(crate) may_supersede: bool,
    pub(crate) csrf: &'a str,
}

/// The content of a piece of evidence, as a download: always an attachment, with a content
/// type the browser will not render or run (the file's own name is kept, made safe).
pub(crate) async fn evidence_download(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (detail, mut reader) = member
        .app(&server)
        .evidence_content(&id, member.limit())
        .await?;
    let e = &detail.evidence;
    use fieldproof_evidence::ledger::EvidenceKind;
    let (content_type, name) = match e.kind {
        EvidenceKind::Url | EvidenceKind::Attestation => {
            ("text/plain; charset=utf-8", format!("{id}.txt"))
        }
        EvidenceKind::TestResult => ("text/csv; charset=utf-8", format!("{id}-exceptions.csv")),
        EvidenceKind::File | EvidenceKind::Dataset => {
            ("application/octet-stream", safe_upload_name(&e.name))
        }
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match std::io::Read::read(&mut reader, &mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    if sender.blocking_send(Ok(buffer[..n].to_vec())).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = sender.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_LENGTH, e.size.to_string()),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

/// The name a download of the organisation's engagement is saved under:
/// `ORG-ENGAGEMENT-WHAT-DATE.EXT` (`acme-soc2-2026-evidence-pack-2026-12-03.zip`).
pub(crate) fn download_name(
    server: &Server,
    member: &Member,
    engagement: &str,
    what: &str,
    extension: &str,
) -> String {
    format!(
        "{}-{engagement}-{what}-{}.{extension}",
        member.membership.organisation,
        member.app(server).today()
    )
}

/// A `Content-Disposition` that downloads under `name`: an ASCII fallback, and the name itself
/// percent-encoded (RFC 6266, RFC 5987).
pub(crate) fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = crate::html::query_value(name);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Ledger entries per page.
pub(crate) const LEDGER_PAGE: usize = 200;

#[derive(Debug, serde::Deserialize)]
pub(crate) struct PageQuery {
    pub(crate) page: Option<usize>,
    /// The ledger: show the page of this entry.
    pub(crate) entry: Option<i64>,
}

pub(crate) async fn ledger(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let log = member.app(&server).evidence_log(member.limit()).await?;
    let entries = &log.entries;
    let pages = entries.len().div_ceil(LEDGER_PAGE).max(1);
    // `?entry=N`: the page that shows entry N (newest first).
    let page_of_entry = q.entry.and_then(|seq| {
        entries
            .iter()
            .position(|e| e.seq == seq)
            .map(|at| (entries.len() - at - 1) / LEDGER_PAGE + 1)
    });
    let page_no = page_of_entry.or(q.page).unwrap_or(1).clamp(1, pages);
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
