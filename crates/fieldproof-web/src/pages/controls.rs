//! Controls: the applicable controls, one control with its requests and status, and setting a design status.

use super::*;

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ControlsQuery {
    /// Only controls with this design status (`not_stated` for none).
    pub(crate) design: Option<String>,
    /// Only controls with this operating status.
    pub(crate) operating: Option<String>,
}

pub(crate) async fn controls(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<ControlsQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    let basis = server.readiness(&member, &engagement).await?;
    let design = q.design.filter(|d| !d.is_empty());
    let operating = q.operating.filter(|o| !o.is_empty());
    let all = &basis.readiness.controls;
    let shown: Vec<&fieldproof_readiness::ControlReadiness> = basis
        .readiness
        .controls_matching(design.as_deref(), operating.as_deref())
        .collect();
    let filter = match (&design, &operating) {
        (Some(d), _) => Some(format!("design {}", d.replace('_', " "))),
        (None, Some(o)) => Some(format!("operating {}", o.replace('_', " "))),
        (None, None) => None,
    };
    Ok(Html(render(&ControlsPage {
        title: "Controls",
        nav: &nav(&member),
        org: &org,
        engagement: &engagement,
        total: all.len(),
        controls: shown,
        filter,
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
    pub(crate) total: usize,
    pub(crate) controls: Vec<&'a fieldproof_readiness::ControlReadiness>,
    pub(crate) filter: Option<String>,
    pub(crate) may_set: bool,
}

pub(crate) async fn control(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let engagement = page_engagement(&member)?;
    control_page(
        &server,
        &member,
        &org,
        &id,
        &engagement,
        q.saved.is_some(),
        None,
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SavedQuery {
    /// Set after a save: the page confirms it.
    pub(crate) saved: Option<String>,
}

/// A control's page; after a refused save, with the form as it was sent and the message
/// beside the field it is about (status 400).
async fn control_page(
    server: &Server,
    member: &Member,
    org: &str,
    id: &str,
    engagement: &str,
    saved: bool,
    refused: Option<(&StatusForm, &WebError)>,
) -> Result<Response, WebError> {
    let basis = server.readiness(member, engagement).await?;
    let c = basis
        .readiness
        .controls
        .iter()
        .find(|c| c.control == id)
        .ok_or_else(WebError::not_found)?;
    let freshness = server.freshness(member, engagement).await?;
    let form = match refused {
        Some((sent, _)) => StatusValues {
            status: sent.status.clone(),
            owner: sent.owner.clone().unwrap_or_default(),
            rationale: sent.rationale.clone().unwrap_or_default(),
            due: sent.due.clone().unwrap_or_default(),
        },
        None => StatusValues {
            status: crate::html::design_name(&c.design).to_string(),
            owner: c.owner.clone().unwrap_or_default(),
            rationale: c.rationale.clone().unwrap_or_default(),
            due: c.due.map(|d| d.to_string()).unwrap_or_default(),
        },
    };
    let problem = refused.map(|(_, e)| crate::html::Problem::of(e));
    // A sample for the control's test procedures: its frequency, and the dataset its tests
    // read (`dataset:part=sha256`), if any.
    let dataset = basis
        .readiness
        .tests
        .iter()
        .filter(|t| t.controls.iter().any(|x| x == id))
        .flat_map(|t| t.inputs.iter())
        .find_map(|i| i.split_once(':').map(|(d, _)| d.to_string()));
    let sample = format!(
        "/o/{org}/samples?frequency={}&seed={}{}",
        crate::html::query_value(&c.frequency),
        crate::html::query_value(&format!("{engagement}-{id}")),
        dataset
            .map(|d| format!("&dataset={}", crate::html::query_value(&d)))
            .unwrap_or_default()
    );
    let page = render(&ControlPage {
        title: id,
        nav: &nav(member),
        org,
        engagement,
        c,
        requests: freshness.rows.iter().filter(|r| r.control == id).collect(),
        tests: basis
            .readiness
            .tests
            .iter()
            .filter(|t| t.controls.iter().any(|x| x == id))
            .collect(),
        may_set: member.may(Action::SetDesignStatus),
        may_add: member.may(Action::AddEvidence),
        csrf: &member.session.csrf,
        statuses: fieldproof_core::status::DesignStatus::ALL,
        form,
        problem,
        saved,
        sample,
    });
    form_page(page, refused.is_some())
}

/// The values the design status form shows.
pub(crate) struct StatusValues {
    pub(crate) status: String,
    pub(crate) owner: String,
    pub(crate) rationale: String,
    pub(crate) due: String,
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
    pub(crate) may_add: bool,
    pub(crate) csrf: &'a str,
    pub(crate) statuses: &'a [fieldproof_core::status::DesignStatus],
    pub(crate) form: StatusValues,
    pub(crate) problem: Option<crate::html::Problem>,
    pub(crate) saved: bool,
    /// The samples page for this control's test procedures.
    pub(crate) sample: String,
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
    let engagement = match member.engagement(form.engagement.as_deref())? {
        Some(e) => e,
        None => page_engagement(&member)?,
    };
    let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let saved = member
        .app(&server)
        .status_set(&StatusSetRequest {
            engagement: Some(engagement.clone()),
            control: control.clone(),
            status: form.status.clone(),
            owner: blank(&form.owner),
            rationale: blank(&form.rationale),
            due: blank(&form.due),
        })
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!(
            "/o/{org}/controls/{control}?engagement={engagement}&saved=1#design-status"
        ))
        .into_response()),
        Err(e) => {
            let error = WebError::from(e);
            if !error.correctable() {
                return Err(error);
            }
            control_page(
                &server,
                &member,
                &org,
                &control,
                &engagement,
                false,
                Some((&form, &error)),
            )
            .await
        }
    }
}
