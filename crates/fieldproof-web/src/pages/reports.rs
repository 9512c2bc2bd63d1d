//! Reports: the list, and one report in a format.

use super::*;

pub(crate) async fn reports(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request("No engagement yet."));
    };
    let links: String = fieldproof_app::readiness::report_files()
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

pub(crate) async fn report(
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
        [(header::CONTENT_TYPE, format.content_type().to_string())],
        bytes,
    )
        .into_response();
    if format != fieldproof_app::readiness::ReportFormat::Html {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\"")
                .parse()
                .map_err(|_| WebError::not_found())?,
        );
    }
    Ok(response)
}
