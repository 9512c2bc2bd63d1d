//! Reports: the list, and one report in a format.

use super::*;

pub(crate) async fn reports(Org { member, org }: Org) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    Ok(Html(render(&ReportsPage {
        title: "Reports",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
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
    pub(crate) engagement: &'a str,
    pub(crate) files: Vec<String>,
}

pub(crate) async fn report(
    State(server): Shared,
    Org { member, .. }: Org,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (kind, format) = report_file(&file).map_err(|_| WebError::not_found())?;
    let engagement = page_engagement(&member)?;
    let bytes = member
        .app(&server)
        .report(kind, Some(&engagement), format, None)
        .await?;
    let mut response = (
        [(header::CONTENT_TYPE, format.content_type().to_string())],
        bytes,
    )
        .into_response();
    if format != fieldproof_app::reports::ReportFormat::Html {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            attachment(&download_name(
                &server,
                &member,
                &engagement,
                file.rsplit_once('.')
                    .map_or(file.as_str(), |(stem, _)| stem),
                format.extension(),
            ))
            .parse()
            .map_err(|_| WebError::not_found())?,
        );
    }
    Ok(response)
}
