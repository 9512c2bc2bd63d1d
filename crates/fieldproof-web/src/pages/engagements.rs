//! Engagements: the list, and (owners) the form that creates one.

use super::*;

/// The values the engagement form shows.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct EngagementForm {
    pub(crate) csrf: Option<String>,
    #[serde(default)]
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) report: Option<String>,
    #[serde(rename = "type")]
    pub(crate) report_type: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    #[serde(rename = "as-of")]
    pub(crate) as_of: Option<String>,
}

/// The Trust Services Categories an engagement may report on, as the form lists them.
const CATEGORIES: [(&str, &str); 5] = [
    ("security", "Security"),
    ("availability", "Availability"),
    ("processing_integrity", "Processing integrity"),
    ("confidentiality", "Confidentiality"),
    ("privacy", "Privacy"),
];

pub(crate) async fn engagements(
    State(server): Shared,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    let values = EngagementForm {
        report: Some("soc2".to_string()),
        report_type: Some("type2".to_string()),
        ..EngagementForm::default()
    };
    engagements_page(
        &server,
        &member,
        &org,
        &values,
        &["security".to_string()],
        None,
    )
    .await
}

async fn engagements_page(
    server: &Server,
    member: &Member,
    org: &str,
    values: &EngagementForm,
    categories: &[String],
    refused: Option<&WebError>,
) -> Result<Response, WebError> {
    let list = member.app(server).engagement_list().await?;
    let page = render(&EngagementsPage {
        title: "Engagements",
        nav: &nav(member),
        org,
        list: &list.engagements,
        may_create: member.may(Action::ManageEngagements),
        csrf: &member.session.csrf,
        values,
        categories: CATEGORIES
            .iter()
            .map(|(id, words)| (*id, *words, categories.iter().any(|c| c == id)))
            .collect(),
        problem: refused.map(crate::html::Problem::of),
    });
    form_page(page, refused.is_some())
}

/// Every engagement of the organisation and the form that creates one.
#[derive(askama::Template)]
#[template(path = "engagements.html")]
pub(crate) struct EngagementsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) list: &'a [fieldproof_core::engagement::Engagement],
    pub(crate) may_create: bool,
    pub(crate) csrf: &'a str,
    pub(crate) values: &'a EngagementForm,
    /// Each category: its name, its words, whether it is chosen.
    pub(crate) categories: Vec<(&'static str, &'static str, bool)>,
    pub(crate) problem: Option<crate::html::Problem>,
}

pub(crate) async fn engagement_create(
    State(server): Shared,
    Org { member, org }: Org,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    // The form's fields as pairs: `categories` repeats, once per category chosen.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        WebError::bad_request("The form could not be read; reload it and send it again.")
    })?;
    let form: EngagementForm = serde_urlencoded::from_str(
        &serde_urlencoded::to_string(
            pairs
                .iter()
                .filter(|(k, _)| k != "categories")
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default(),
    )
    .map_err(|_| {
        WebError::bad_request("The form could not be read; reload it and send it again.")
    })?;
    let categories: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "categories")
        .map(|(_, v)| v.clone())
        .collect();
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::ManageEngagements)?;
    let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let period = match (blank(&form.from), blank(&form.to)) {
        (Some(from), Some(to)) => Some(format!("{from}..{to}")),
        (None, None) => None,
        (Some(_), None) => {
            let error = WebError::about(
                "to",
                "Give the last day of the period as well as the first.",
            );
            return engagements_page(&server, &member, &org, &form, &categories, Some(&error))
                .await;
        }
        (None, Some(_)) => {
            let error = WebError::about(
                "from",
                "Give the first day of the period as well as the last.",
            );
            return engagements_page(&server, &member, &org, &form, &categories, Some(&error))
                .await;
        }
    };
    let created = member
        .app(&server)
        .engagement_create(&fieldproof_core::engagement::EngagementRequest {
            id: form.id.trim().to_string(),
            name: blank(&form.name),
            report: blank(&form.report),
            report_type: blank(&form.report_type),
            period,
            as_of: blank(&form.as_of),
            categories: categories.clone(),
        })
        .await;
    match created {
        // The new engagement is shown from now on (`?engagement=` is remembered).
        Ok(saved) => Ok(
            Redirect::to(&format!("/o/{org}?engagement={}", saved.engagement.id)).into_response(),
        ),
        Err(e) => {
            let error = WebError::from(e);
            if !error.correctable() {
                return Err(error);
            }
            engagements_page(&server, &member, &org, &form, &categories, Some(&error)).await
        }
    }
}
