//! The auditor portal: the request list, one request's thread (comments and status), and samples.

use super::*;

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct RequestsQuery {
    /// Only requests with this auditor's status (`open`, `needs_more`, `accepted`).
    pub(crate) status: Option<String>,
}

/// The auditor's start: every request of the engagement by the auditor's status (open, needs
/// more, accepted), with the pack, the samples and the test results at hand.
pub(crate) async fn requests(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<RequestsQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let freshness = server.freshness(&member, &engagement).await?;
    let list = member.app(&server).request_list_in(&freshness).await?;
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(ReviewStatus::parse)
        .transpose()
        .map_err(|e| WebError::bad_request(e.to_string()))?;
    let count = |s: ReviewStatus| list.requests.iter().filter(|r| r.status == s).count();
    let counts: Vec<(ReviewStatus, usize, bool)> = ReviewStatus::ALL
        .iter()
        .map(|s| (*s, count(*s), status == Some(*s)))
        .collect();
    Ok(Html(render(&RequestsPage {
        title: "Requests",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        total: list.requests.len(),
        counts,
        status,
        requests: list
            .requests
            .iter()
            .filter(|r| status.is_none_or(|s| r.status == s))
            .collect(),
        tests: !server
            .readiness(&member, &engagement)
            .await?
            .readiness
            .tests
            .is_empty(),
    }))
    .into_response())
}

/// Every evidence request of an engagement, with the auditor's status and comments.
#[derive(askama::Template)]
#[template(path = "requests.html")]
pub(crate) struct RequestsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) total: usize,
    /// Each status, its requests and whether the page shows only those.
    pub(crate) counts: Vec<(ReviewStatus, usize, bool)>,
    pub(crate) status: Option<ReviewStatus>,
    pub(crate) requests: Vec<&'a fieldproof_app::contract::RequestView>,
    pub(crate) tests: bool,
}

pub(crate) async fn request_thread(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, control, request)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    thread_page(&server, &member, &org, &control, &request, None).await
}

/// A request's thread; after a refused comment or status, with the comment as it was typed and
/// the message (status 400).
async fn thread_page(
    server: &Server,
    member: &Member,
    org: &str,
    control: &str,
    request: &str,
    refused: Option<(&str, &WebError)>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(member)?;
    let freshness = server.freshness(member, &engagement).await?;
    let detail = member
        .app(server)
        .request_show_in(&freshness, control, request)
        .await?;
    let action = format!("/o/{org}/requests/{control}/{request}?engagement={engagement}");
    let page = render(&RequestPage {
        title: &format!("{control} / {request}"),
        nav: &nav(member),
        org,
        detail: &detail,
        action: &action,
        csrf: &member.session.csrf,
        may_comment: member.may(Action::CommentOnRequest),
        may_review: member.may(Action::ReviewRequest),
        may_add: member.may(Action::AddEvidence),
        statuses: &ReviewStatus::ALL,
        comment: refused.map(|(c, _)| c).unwrap_or_default(),
        problem: refused.map(|(_, e)| crate::html::Problem::of(e)),
    });
    form_page(page, refused.is_some())
}

/// One request's thread: what was asked and provided, the auditor's status, the comments, and
/// the forms the member's role allows.
#[derive(askama::Template)]
#[template(path = "request.html")]
pub(crate) struct RequestPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) detail: &'a fieldproof_app::contract::RequestDetail,
    pub(crate) action: &'a str,
    pub(crate) csrf: &'a str,
    pub(crate) may_comment: bool,
    pub(crate) may_review: bool,
    pub(crate) may_add: bool,
    pub(crate) statuses: &'a [ReviewStatus],
    /// The comment as it was typed, when the form comes back refused.
    pub(crate) comment: &'a str,
    pub(crate) problem: Option<crate::html::Problem>,
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
    Form(form): Form<RequestForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    let engagement = page_engagement(&member)?;
    // One form sends both: an empty comment, or the status left as it is, says nothing.
    let typed = form.comment.clone().unwrap_or_default();
    let written = match form
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(ReviewStatus::parse)
        .transpose()
    {
        Ok(status) => {
            let write = fieldproof_app::requests::RequestWrite {
                comment: form.comment.filter(|c| !c.trim().is_empty()),
                status,
            };
            let freshness = server.freshness(&member, &engagement).await?;
            member
                .app(&server)
                .request_write_in(&freshness, &control, &request, &write, member.reviewer())
                .await
                .map_err(WebError::from)
        }
        Err(e) => Err(WebError::about("status", e.to_string())),
    };
    if let Err(error) = written {
        if !error.correctable() {
            return Err(error);
        }
        return thread_page(
            &server,
            &member,
            &org,
            &control,
            &request,
            Some((&typed, &error)),
        )
        .await;
    }
    Ok(Redirect::to(&format!(
        "/o/{org}/requests/{control}/{request}?engagement={engagement}"
    ))
    .into_response())
}

#[cfg(feature = "analytics")]
#[derive(Debug, serde::Deserialize)]
pub(crate) struct SampleQuery {
    pub(crate) dataset: Option<String>,
    pub(crate) frequency: Option<String>,
    pub(crate) seed: Option<String>,
    /// `csv`: the sample as a download.
    pub(crate) format: Option<String>,
}

/// Samples: drawn from a dataset's population, re-derivable from the seed.
#[cfg(feature = "analytics")]
pub(crate) async fn samples(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<SampleQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let app = member.app(&server);
    let datasets = app.datasets(None).await?;
    let result = match (&q.dataset, &q.seed) {
        (Some(dataset), Some(seed)) => Some(
            app.sample(&fieldproof_app::analytics::SampleRequest {
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
            .await?,
        ),
        _ => None,
    };
    if q.format.as_deref() == Some("csv") {
        let Some(result) = &result else {
            return Err(WebError::bad_request(
                "Choose a dataset and a seed to download a sample.",
            ));
        };
        let csv =
            fieldproof_report::results::sample_csv(result).map_err(|e| WebError::internal(&e))?;
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    attachment(&download_name(
                        &server,
                        &member,
                        &engagement,
                        &format!("sample-{}", result.dataset),
                        "csv",
                    )),
                ),
            ],
            csv,
        )
            .into_response());
    }
    Ok(Html(render(&SamplesPage {
        title: "Samples",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        datasets: datasets
            .datasets
            .iter()
            .filter(|d| d.rows > 0)
            .map(|d| d.dataset.clone())
            .collect(),
        dataset: q.dataset.as_deref().unwrap_or_default(),
        frequencies: &SAMPLE_FREQUENCIES,
        frequency: q.frequency.as_deref().unwrap_or_default(),
        seed: q.seed.as_deref().unwrap_or("audit-2026"),
        result,
    }))
    .into_response())
}

/// The frequencies a sample can be sized by.
#[cfg(feature = "analytics")]
const SAMPLE_FREQUENCIES: [&str; 10] = [
    "per_event",
    "continuous",
    "multiple",
    "daily",
    "weekly",
    "semi_monthly",
    "monthly",
    "quarterly",
    "semi_annual",
    "annual",
];

/// A sample of a dataset's population, and the form that draws it.
#[cfg(feature = "analytics")]
#[derive(askama::Template)]
#[template(path = "samples.html")]
pub(crate) struct SamplesPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) datasets: Vec<String>,
    pub(crate) dataset: &'a str,
    pub(crate) frequencies: &'a [&'static str],
    pub(crate) frequency: &'a str,
    pub(crate) seed: &'a str,
    pub(crate) result: Option<fieldproof_app::contract::SampleResult>,
}
