//! Controls: the applicable controls, one control with its requests and status, and setting a design status.

use super::*;

pub(crate) async fn controls(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let basis = server.readiness(&member, &engagement).await?;
    Ok(Html(render(&ControlsPage {
        title: "Controls",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        controls: &basis.readiness.controls,
        may_set: member.may(Action::SetDesignStatus),
    }))
    .into_response())
}

/// The applicable controls of an engagement with their design and operating status.
#[derive(askama::Template)]
#[template(path = "controls.html")]
pub(crate) struct ControlsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) controls: &'a [fieldproof_readiness::ControlReadiness],
    pub(crate) may_set: bool,
}

pub(crate) async fn control(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let basis = server.readiness(&member, &engagement).await?;
    let c = basis
        .readiness
        .controls
        .iter()
        .find(|c| c.control == id)
        .ok_or_else(WebError::not_found)?;
    let freshness = server.freshness(&member, &engagement).await?;
    Ok(Html(render(&ControlPage {
        title: &id,
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        c,
        requests: freshness.rows.iter().filter(|r| r.control == id).collect(),
        tests: basis
            .readiness
            .tests
            .iter()
            .filter(|t| t.controls.contains(&id))
            .collect(),
        may_set: member.may(Action::SetDesignStatus),
        csrf: &member.session.csrf,
        statuses: fieldproof_core::status::DesignStatus::ALL,
    }))
    .into_response())
}

/// One applicable control: its status, the form to set it, its requests and tests.
#[derive(askama::Template)]
#[template(path = "control.html")]
pub(crate) struct ControlPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) engagement: &'a str,
    pub(crate) c: &'a fieldproof_readiness::ControlReadiness,
    pub(crate) requests: Vec<&'a fieldproof_evidence::freshness::Row>,
    pub(crate) tests: Vec<&'a fieldproof_readiness::TestSummary>,
    pub(crate) may_set: bool,
    pub(crate) csrf: &'a str,
    pub(crate) statuses: &'a [fieldproof_core::status::DesignStatus],
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct StatusForm {
    pub(crate) csrf: Option<String>,
    pub(crate) engagement: Option<String>,
    pub(crate) status: String,
    pub(crate) owner: Option<String>,
    pub(crate) rationale: Option<String>,
    pub(crate) due: Option<String>,
}

pub(crate) async fn set_status(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, control)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::SetDesignStatus)?;
    let engagement = member.engagement(form.engagement.as_deref())?;
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    member
        .app(&server)
        .status_set(&StatusSetRequest {
            engagement: engagement.clone(),
            control: control.clone(),
            status: form.status,
            owner: blank(form.owner),
            rationale: blank(form.rationale),
            due: blank(form.due),
        })
        .await?;
    let back = match engagement {
        Some(e) => format!("/o/{org}/controls/{control}?engagement={e}"),
        None => format!("/o/{org}/controls/{control}"),
    };
    Ok(Redirect::to(&back).into_response())
}
