//! The dashboard: scope, readiness, tests, findings and evidence of an engagement at a glance.

use super::*;

pub(crate) async fn dashboard(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    if member.membership.role == crate::accounts::Role::Auditor {
        // An auditor starts at the requests, not the client's internal dashboard.
        return Ok(Redirect::to(&format!("/o/{org}/requests")).into_response());
    }
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
    let requests = app.request_list_in(&freshness).await?;
    let r = &basis.readiness;
    let today = app.today();
    Ok(Html(render(&Dashboard {
        title: "Dashboard",
        nav: &nav(&member),
        org: &org,
        r,
        s: &r.summary,
        findings_breakdown: fieldproof_report::readiness::findings_breakdown(&r.summary),
        present: freshness.present,
        stale: freshness.stale,
        missing: freshness.missing,
        due: r
            .due_within(today, 7)
            .take(20)
            .map(|f| (f, action(&org, f)))
            .collect(),
        top: r
            .findings
            .iter()
            .take(10)
            .map(|f| (f, action(&org, f)))
            .collect(),
        needs_more: requests
            .requests
            .iter()
            .filter(|q| q.status == ReviewStatus::NeedsMore)
            .collect(),
        may_add: member.may(Action::AddEvidence),
    }))
    .into_response())
}

/// The way to act on a finding in the web app: a link and its words.
pub(crate) fn action(
    org: &str,
    f: &fieldproof_readiness::ReadinessFinding,
) -> Option<(String, &'static str)> {
    use fieldproof_readiness::FindingKind;
    match (&f.kind, &f.control, &f.component, &f.criterion) {
        (FindingKind::Design, Some(c), _, _) => Some((
            format!("/o/{org}/controls/{c}#design-status"),
            "Set the design status",
        )),
        (FindingKind::Evidence, Some(c), _, _) => {
            Some((format!("/o/{org}/controls/{c}"), "Upload evidence"))
        }
        (FindingKind::Operating, Some(c), _, _) => {
            Some((format!("/o/{org}/controls/{c}"), "Read the exceptions"))
        }
        (_, _, Some(component), _) => {
            Some((format!("/o/{org}/estate/{component}"), "Open the component"))
        }
        (_, Some(c), _, _) => Some((format!("/o/{org}/controls/{c}"), "Open the control")),
        (_, _, _, Some(criterion)) => Some((format!("/catalog/{criterion}"), "Read the criterion")),
        _ => None,
    }
}

/// A finding with the way to act on it.
pub(crate) type Acted<'a> = (
    &'a fieldproof_readiness::ReadinessFinding,
    Option<(String, &'static str)>,
);

/// An engagement at a glance: scope, readiness, tests, findings and evidence, each linked.
#[derive(askama::Template)]
#[template(path = "dashboard.html")]
pub(crate) struct Dashboard<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) r: &'a fieldproof_readiness::Readiness,
    pub(crate) s: &'a fieldproof_readiness::Summary,
    pub(crate) findings_breakdown: String,
    pub(crate) present: usize,
    pub(crate) stale: usize,
    pub(crate) missing: usize,
    pub(crate) due: Vec<Acted<'a>>,
    pub(crate) top: Vec<Acted<'a>>,
    pub(crate) needs_more: Vec<&'a fieldproof_app::contract::RequestView>,
    pub(crate) may_add: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct FindingsQuery {
    pub(crate) severity: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) due: Option<String>,
    pub(crate) page: Option<usize>,
}

/// Findings per page.
pub(crate) const FINDINGS_PAGE: usize = 50;

/// Every finding of the engagement, filtered by severity, owner and due date, a page at a time.
pub(crate) async fn findings(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<FindingsQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let basis = server.readiness(&member, &engagement).await?;
    let r = &basis.readiness;
    let today = member.app(&server).today();
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let (severity, owner, due) = (blank(&q.severity), blank(&q.owner), blank(&q.due));
    // A value that is no filter's (a hand-edited address) matches nothing rather than all.
    let filter = fieldproof_readiness::FindingFilter {
        severity: severity
            .as_deref()
            .and_then(fieldproof_core::Severity::parse),
        owner: owner.clone(),
        due: due
            .as_deref()
            .and_then(fieldproof_readiness::DueWindow::parse),
    };
    let unknown_severity = severity
        .as_deref()
        .is_some_and(|s| fieldproof_core::Severity::parse(s).is_none());
    let matching: Vec<&fieldproof_readiness::ReadinessFinding> = if unknown_severity {
        Vec::new()
    } else {
        r.findings_matching(&filter, today).collect()
    };
    let pages = matching.len().div_ceil(FINDINGS_PAGE).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages);
    let mut owners: Vec<&str> = r.findings.iter().map(|f| f.owner.as_str()).collect();
    owners.sort_unstable();
    owners.dedup();
    let query = |page: usize| {
        let mut parts = Vec::new();
        for (k, v) in [("severity", &severity), ("owner", &owner), ("due", &due)] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", crate::html::query_value(v)));
            }
        }
        parts.push(format!("page={page}"));
        format!("/o/{org}/findings?{}", parts.join("&"))
    };
    Ok(Html(render(&FindingsPage {
        title: "Findings",
        nav: &nav(&member),
        org: &org,
        total: r.findings.len(),
        matching: matching.len(),
        shown: matching
            .iter()
            .skip((page_no - 1) * FINDINGS_PAGE)
            .take(FINDINGS_PAGE)
            .map(|f| (*f, action(&org, f)))
            .collect(),
        severities: &["critical", "high", "medium", "low", "info"],
        owners,
        severity: severity.as_deref().unwrap_or_default(),
        owner: owner.as_deref().unwrap_or_default(),
        due: due.as_deref().unwrap_or_default(),
        page_no,
        pages,
        previous: query(page_no.saturating_sub(1).max(1)),
        next: query(page_no + 1),
    }))
    .into_response())
}

/// The findings page.
#[derive(askama::Template)]
#[template(path = "findings.html")]
pub(crate) struct FindingsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) total: usize,
    pub(crate) matching: usize,
    pub(crate) shown: Vec<Acted<'a>>,
    pub(crate) severities: &'a [&'a str],
    pub(crate) owners: Vec<&'a str>,
    pub(crate) severity: &'a str,
    pub(crate) owner: &'a str,
    pub(crate) due: &'a str,
    pub(crate) page_no: usize,
    pub(crate) pages: usize,
    pub(crate) previous: String,
    pub(crate) next: String,
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
