//! A test's result: its population, outcome and hashes, and its exception rows a page at a time.

use super::*;

/// Exception rows per page.
pub(crate) const EXCEPTIONS_PAGE: usize = 100;

pub(crate) async fn test_result(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, test)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let basis = server.readiness(&member, &engagement).await?;
    let t = basis
        .readiness
        .tests
        .iter()
        .find(|t| t.test == test)
        .ok_or_else(|| {
            WebError::new(
                StatusCode::NOT_FOUND,
                format!("Test {test} has no result in engagement {engagement}."),
            )
        })?;
    let page_no = q.page.unwrap_or(1).max(1);
    let rows = member
        .app(&server)
        .exception_rows(
            &t.evidence,
            member.limit(),
            (page_no - 1) * EXCEPTIONS_PAGE,
            EXCEPTIONS_PAGE,
        )
        .await?;
    let pages = rows.total.div_ceil(EXCEPTIONS_PAGE).max(1);
    Ok(Html(render(&TestPage {
        title: &test,
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        t,
        first: (page_no - 1) * EXCEPTIONS_PAGE + 1,
        rows: &rows,
        page_no,
        pages,
    }))
    .into_response())
}

/// One test's current result in an engagement, with a page of its exception rows.
#[derive(askama::Template)]
#[template(path = "test.html")]
pub(crate) struct TestPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) t: &'a fieldproof_readiness::TestSummary,
    pub(crate) first: usize,
    pub(crate) rows: &'a fieldproof_app::evidence::ExceptionRows,
    pub(crate) page_no: usize,
    pub(crate) pages: usize,
}
