//! The dashboard: scope, readiness, tests, findings and evidence of an engagement at a glance.

use super::*;

pub(crate) async fn dashboard(
    State(server): Shared,
    Org { member, org }: Org,
    Query(q): Query<EngagementQuery>,
) -> Result<Response, WebError> {
    let app = member.app(&server);
    let Some(engagement) = chosen_engagement(&member, &server, q.engagement.as_deref()).await?
    else {
        let scope = app.scope(&EstateSource::Workspace, &mut |_, _| {}).await;
        let body = match scope {
            Ok(s) => {
                let summary = fieldproof_report::scope::summary(&s.assessment());
                format!(
                    "<h1>{}</h1><p>{} components: {} in scope, {} shared, {} out of scope.</p><p>No engagement yet: create one with <code>fieldproof engagement create</code> to see readiness and evidence here.</p>",
                    esc(&member.membership.name), summary.components, summary.in_scope, summary.shared, summary.out_of_scope
                )
            }
            Err(_) => format!(
                "<h1>{}</h1><p>This organisation has no estate yet. Load one with <code>fieldproof --workspace {} apply estate.yaml</code>.</p>",
                esc(&member.membership.name),
                esc(&server.org_dir(&org).display().to_string())
            ),
        };
        return Ok(Html(page("Dashboard", &nav(&member), &body)).into_response());
    };
    let basis = server.readiness(&member, &engagement).await?;
    let freshness = server.freshness(&member, &engagement).await?;
    let r = &basis.readiness;
    let s = &r.summary;
    let picker = engagement_picker(&member, &server, &engagement, &format!("/o/{org}")).await;
    let mut body = format!(
        "<h1>{}</h1>{picker}<section class=\"cards\">\
         <div class=\"card\"><h2>Scope</h2><p class=\"big\">{}</p><p>{} in scope, {} shared, {} out of scope; {} OT inside</p></div>\
         <div class=\"card\"><h2>Readiness</h2><p class=\"big\">{}%</p><p>of {} applicable controls implemented and effective</p></div>\
         <div class=\"card\"><h2>Tests</h2><p class=\"big\">{}</p><p>with a result, {} with exceptions ({} rows)</p></div>\
         <div class=\"card\"><h2>Findings</h2><p class=\"big\">{}</p><p>{}</p></div>\
         <div class=\"card\"><h2>Evidence</h2><p class=\"big\">{}</p><p>requests answered for the whole period; {} in part, {} missing</p></div></section>",
        esc(&r.service),
        s.components,
        s.in_scope,
        s.shared,
        s.out_of_scope,
        s.ot_inside,
        s.ready_percent,
        s.controls,
        s.tests_run,
        s.tests_failed,
        s.exception_rows,
        r.findings.len(),
        esc(&fieldproof_report::readiness::findings_breakdown(s)),
        freshness.present,
        freshness.stale,
        freshness.missing
    );
    let due: Vec<Vec<String>> = r
        .due_within(app.today(), 7)
        .take(20)
        .map(|f| {
            vec![
                badge(f.severity.as_str()),
                esc(&f.message),
                esc(&f.owner),
                esc(&f.due.to_string()),
            ]
        })
        .collect();
    body.push_str("<h2>Due this week or overdue</h2>");
    if due.is_empty() {
        body.push_str("<p>Nothing due in the next seven days.</p>");
    } else {
        body.push_str(&table(&["Severity", "Finding", "Owner", "Due"], &due));
    }
    let findings: Vec<Vec<String>> = r
        .findings
        .iter()
        .take(25)
        .map(|f| {
            vec![
                badge(f.severity.as_str()),
                esc(&f.message),
                esc(&f.owner),
                esc(&f.due.to_string()),
                esc(&f.roadmap_item),
            ]
        })
        .collect();
    body.push_str(&format!(
        "<h2>Open findings ({})</h2>{}",
        r.findings.len(),
        table(
            &["Severity", "Finding", "Owner", "Due", "Roadmap item"],
            &findings
        )
    ));
    let tests: Vec<Vec<String>> = r
        .tests
        .iter()
        .map(|t| {
            vec![
                esc(&t.test),
                badge(&label(&t.outcome)),
                t.population.to_string(),
                t.exceptions.to_string(),
            ]
        })
        .collect();
    body.push_str(&format!(
        "<h2>Test results</h2>{}",
        if tests.is_empty() {
            "<p>No test has run for this engagement.</p>".to_string()
        } else {
            table(&["Test", "Outcome", "Population", "Exceptions"], &tests)
        }
    ));
    Ok(Html(page("Dashboard", &nav(&member), &body)).into_response())
}
