//! Reports: the list, and one report in a format.

use super::*;

pub(crate) async fn reports(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member, &server, q.engagement.as_deref()).await?;
    Ok(Html(render(&ReportsPage {
        title: "Reports",
        nav: &nav(&member),
        org: &org,
        picker: &picker(&member, &server, &engagement, &format!("/o/{org}/reports")).await,
        files: fieldproof_app::reports::report_files(),
    }))
    .into_response())
}

/// Every report file of an engagement.
#[derive(askama::Template)]
#[template(path = "reports.html")]
pub(crate) struct ReportsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) picker: &'a Picker,
    pub(crate) files: Vec<String>,
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
    if format != fieldproof_app::reports::ReportFormat::Html {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\"")
                .parse()
                .map_err(|_| WebError::not_found())?,
        );
    }
    Ok(response)
}
