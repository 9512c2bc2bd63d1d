//! Controls: the applicable controls, one control with its requests and status, and setting a design status.

use super::*;

pub(crate) async fn controls(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request(
            "No engagement yet; create one first.",
        ));
    };
    let basis = server.readiness(&member, &engagement).await?;
    let rows: Vec<Vec<String>> = basis
        .readiness
        .controls
        .iter()
        .map(|c| {
            vec![
                format!(
                    "<a class=\"id\" href=\"/o/{}/controls/{}?engagement={}\">{}</a>",
                    esc(&org),
                    esc(&c.control),
                    esc(&engagement),
                    esc(&c.control)
                ),
                esc(&c.title),
                badge(
                    &c.design
                        .map(|d| label(&d))
                        .unwrap_or_else(|| "not stated".to_string()),
                ),
                badge(&label(&c.operating)),
                esc(c.owner.as_deref().unwrap_or_default()),
                format!(
                    "{} present, {} stale, {} missing",
                    c.evidence.present, c.evidence.stale, c.evidence.missing
                ),
                esc(&c.tests.join(", ")),
            ]
        })
        .collect();
    let picker =
        engagement_picker(&member, &server, &engagement, &format!("/o/{org}/controls")).await;
    let body = format!(
        "<h1>Controls</h1>{picker}<p>{} applicable controls. Open a control for its evidence requests, tests and test procedures{}.</p>{}",
        basis.readiness.controls.len(),
        if member.may(Action::SetDesignStatus) { ", and to set its design status" } else { "" },
        table(
            &["Control", "Title", "Design", "Operating", "Owner", "Evidence", "Tests"],
            &rows
        )
    );
    Ok(Html(page("Controls", &nav(&member), &body)).into_response())
}

pub(crate) async fn control(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        return Err(WebError::bad_request(
            "No engagement yet; create one first.",
        ));
    };
    let basis = server.readiness(&member, &engagement).await?;
    let c = basis
        .readiness
        .controls
        .iter()
        .find(|c| c.control == id)
        .ok_or_else(WebError::not_found)?;
    let freshness = server.freshness(&member, &engagement).await?;
    let requests: Vec<Vec<String>> = freshness
        .rows
        .iter()
        .filter(|r| r.control == id)
        .map(|r| {
            vec![
                esc(&r.request),
                esc(&r.artifact),
                badge(&label(&r.state)),
                format!("{} of {}", r.covered, r.windows),
                esc(&r.evidence.join(", ")),
            ]
        })
        .collect();
    let tests: Vec<Vec<String>> = basis
        .readiness
        .tests
        .iter()
        .filter(|t| t.controls.contains(&id))
        .map(|t| {
            vec![
                esc(&t.test),
                badge(&label(&t.outcome)),
                t.population.to_string(),
                t.exceptions.to_string(),
                esc(&t.evidence),
            ]
        })
        .collect();
    let design = c
        .design
        .map(|d| label(&d))
        .unwrap_or_else(|| "not stated".to_string());
    let mut body = format!(
        "<h1>{} {}</h1><p><a href=\"/o/{}/controls?engagement={}\">All controls</a></p>\
         <p>Design {} · operating {} · owner {}{}</p><p>{}</p>",
        esc(&c.control),
        esc(&c.title),
        esc(&org),
        esc(&engagement),
        badge(&design),
        badge(&label(&c.operating)),
        esc(c.owner.as_deref().unwrap_or("not named")),
        c.due.map(|d| format!(" · due {d}")).unwrap_or_default(),
        esc(c.rationale.as_deref().unwrap_or("No rationale stated yet."))
    );
    if member.may(Action::SetDesignStatus) {
        use fieldproof_core::status::DesignStatus;
        let labels: Vec<(&str, String)> = std::iter::once(("", "choose a status".to_string()))
            .chain(
                DesignStatus::ALL
                    .iter()
                    .map(|d| (d.as_str(), d.as_str().replace('_', " "))),
            )
            .collect();
        let options = options(
            labels.iter().map(|(v, t)| (*v, t.as_str())),
            c.design.map_or("", DesignStatus::as_str),
        );
        body.push_str(&format!(
            "<h2>Design status</h2><form method=\"post\" action=\"/o/{}/controls/{}/status\" class=\"stack\">{}\
             <input type=\"hidden\" name=\"engagement\" value=\"{}\">\
             <label for=\"status\">Status</label><select id=\"status\" name=\"status\" required>{options}</select>\
             <label for=\"owner\">Owner (a role or a person)</label><input id=\"owner\" name=\"owner\" value=\"{}\">\
             <label for=\"rationale\">Rationale: what exists, what is missing, or why it does not apply</label>\
             <textarea id=\"rationale\" name=\"rationale\" rows=\"3\">{}</textarea>\
             <label for=\"due\">Due (YYYY-MM-DD, for partial, planned or missing controls)</label><input id=\"due\" name=\"due\" value=\"{}\">\
             <button type=\"submit\">Save the design status</button></form>",
            esc(&org),
            esc(&c.control),
            csrf_field(&member.session.csrf),
            esc(&engagement),
            esc(c.owner.as_deref().unwrap_or_default()),
            esc(c.rationale.as_deref().unwrap_or_default()),
            c.due.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    body.push_str(&format!(
        "<h2>Evidence requests</h2>{}<h2>Tests</h2>{}<h2>The control, its guidance and test procedures</h2>\
         <p>What the control asks, how it reads in OT, its test procedures and its mappings: <a href=\"/catalog/{}\">{} in the catalog</a>.</p>",
        if requests.is_empty() {
            "<p>No evidence request.</p>".to_string()
        } else {
            table(&["Request", "Asked for", "Freshness", "Windows", "Evidence"], &requests)
        },
        if tests.is_empty() {
            "<p>No automated test has a result for this control.</p>".to_string()
        } else {
            table(&["Test", "Outcome", "Population", "Exceptions", "Result"], &tests)
        },
        esc(&c.control),
        esc(&c.control)
    ));
    Ok(Html(page(&id, &nav(&member), &body)).into_response())
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
