//! The auditor portal: the request list, one request's thread (comments and status), and samples.

use super::*;

pub(crate) async fn requests(
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

pub(crate) async fn request_thread(
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
pub(crate) struct RequestForm {
    pub(crate) csrf: Option<String>,
    pub(crate) comment: Option<String>,
    pub(crate) status: Option<String>,
}

/// A comment (auditor or a member who may write) or the auditor's status of a request.
pub(crate) async fn request_write(
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
pub(crate) struct SampleQuery {
    pub(crate) engagement: Option<String>,
    pub(crate) dataset: Option<String>,
    pub(crate) frequency: Option<String>,
    pub(crate) seed: Option<String>,
}

/// Samples: drawn from a dataset's population, re-derivable from the seed.
#[cfg(feature = "analytics")]
pub(crate) async fn samples(
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
