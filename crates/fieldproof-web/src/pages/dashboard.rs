//! The dashboard: scope, readiness, tests, findings and evidence of an engagement at a glance.

use super::*;

pub(crate) async fn dashboard(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    let app = member.app(&server);
    let Some(engagement) = chosen_engagement(&member) else {
        let summary = app
            .scope(&EstateSource::Workspace, &mut |_, _| {})
            .await
            .ok()
            .map(|s| fieldproof_report::scope::summary(&s.assessment()));
        return Ok(Html(render(&EmptyDashboard {
            title: "Dashboard",
            nav: &nav(&member),
            name: &member.membership.name,
            org: &org,
            summary,
        }))
        .into_response());
    };
    let basis = server.readiness(&member, &engagement).await?;
    let freshness = server.freshness(&member, &engagement).await?;
    let r = &basis.readiness;
    Ok(Html(render(&Dashboard {
        title: "Dashboard",
        nav: &nav(&member),
        r,
        s: &r.summary,
        findings_breakdown: fieldproof_report::readiness::findings_breakdown(&r.summary),
        present: freshness.present,
        stale: freshness.stale,
        missing: freshness.missing,
        due: r.due_within(app.today(), 7).take(20).collect(),
    }))
    .into_response())
}

/// An engagement at a glance: scope, readiness, tests, findings and evidence.
#[derive(askama::Template)]
#[template(path = "dashboard.html")]
pub(crate) struct Dashboard<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) r: &'a fieldproof_readiness::Readiness,
    pub(crate) s: &'a fieldproof_readiness::Summary,
    pub(crate) findings_breakdown: String,
    pub(crate) present: usize,
    pub(crate) stale: usize,
    pub(crate) missing: usize,
    pub(crate) due: Vec<&'a fieldproof_readiness::ReadinessFinding>,
}

/// The dashboard of an organisation with no engagement (or no estate) yet.
#[derive(askama::Template)]
#[template(path = "dashboard_empty.html")]
pub(crate) struct EmptyDashboard<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) name: &'a str,
    pub(crate) org: &'a str,
    pub(crate) summary: Option<fieldproof_report::scope::ScopeSummary>,
}
