//! The estate: components and their scope decisions, one component, and an estate upload previewed then applied.

use super::*;

/// How a scope decision reads (the domain's words), from its stored name.
pub(crate) fn scope_label(scope: &str) -> &str {
    match fieldproof_core::Scope::parse(scope) {
        Some(decision) => decision.words(),
        None => scope,
    }
}

/// Components per page of the estate.
pub(crate) const ESTATE_PAGE: usize = 200;

#[derive(Debug, serde::Deserialize)]
pub(crate) struct EstateQuery {
    pub(crate) page: Option<usize>,
    pub(crate) q: Option<String>,
    pub(crate) scope: Option<String>,
}

pub(crate) async fn estate(
    State(server): Shared,
    Org { member, org }: Org,
    Query(query): Query<EstateQuery>,
) -> Result<Response, WebError> {
    let view = server.estate(&member).await?;
    let needle = query.q.as_deref().unwrap_or_default().trim().to_lowercase();
    let scope = query.scope.as_deref().unwrap_or_default();
    let matching: Vec<&crate::EstateRow> = view
        .rows
        .iter()
        .filter(|r| scope.is_empty() || r.scope == scope)
        .filter(|r| {
            needle.is_empty()
                || r.id.to_lowercase().contains(&needle)
                || r.name.to_lowercase().contains(&needle)
                || r.kind.contains(&needle)
        })
        .collect();
    let pages = matching.len().div_ceil(ESTATE_PAGE).max(1);
    let page_no = query.page.unwrap_or(1).clamp(1, pages);
    Ok(Html(render(&EstatePage {
        title: "Estate",
        nav: &nav(&member),
        org: &org,
        view: &view,
        matching: matching.len(),
        rows: matching
            .into_iter()
            .skip((page_no - 1) * ESTATE_PAGE)
            .take(ESTATE_PAGE)
            .collect(),
        page_no,
        pages,
        needle: &needle,
        scope,
        scope_choices: ["", "in", "shared", "out"].map(|v| {
            (
                v,
                if v.is_empty() {
                    "any scope"
                } else {
                    scope_label(v)
                },
            )
        }),
        may_load: member.may(Action::LoadEstate),
        csrf: &member.session.csrf,
        bundled: fieldproof_app::bundled_mappings(),
    }))
    .into_response())
}

/// The components with their scope decisions (a page of them, filtered), the scope findings,
/// and the form to load an estate file.
#[derive(askama::Template)]
#[template(path = "estate.html")]
pub(crate) struct EstatePage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) view: &'a crate::EstateView,
    pub(crate) matching: usize,
    pub(crate) rows: Vec<&'a crate::EstateRow>,
    pub(crate) page_no: usize,
    pub(crate) pages: usize,
    pub(crate) needle: &'a str,
    pub(crate) scope: &'a str,
    pub(crate) scope_choices: [(&'static str, &'static str); 4],
    pub(crate) may_load: bool,
    pub(crate) csrf: &'a str,
    pub(crate) bundled: Vec<&'static str>,
}

pub(crate) async fn component(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let scoped = member
        .app(&server)
        .scope(&EstateSource::Workspace, &mut |_, _| {})
        .await?;
    let assessment = scoped.assessment();
    let Some((c, d)) = assessment.get(&id) else {
        return Err(WebError::not_found());
    };
    let view = ComponentPage {
        title: &c.name,
        nav: &nav(&member),
        org: &org,
        c: fieldproof_report::scope::component_view(&assessment, c, d),
    };
    Ok(Html(render(&view)).into_response())
}

/// One component: its decision, the rules and triggers behind it, its findings and assets.
#[derive(askama::Template)]
#[template(path = "component.html")]
pub(crate) struct ComponentPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a crate::html::Nav,
    pub(crate) org: &'a str,
    pub(crate) c: fieldproof_report::scope::ComponentView,
}

/// Where an estate upload waits between its preview and its application.
pub(crate) fn staged_dir(
    server: &Server,
    org: &str,
    token: &str,
) -> Result<std::path::PathBuf, WebError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::not_found());
    }
    Ok(server
        .org_dir(org)
        .join("uploads")
        .join(format!("estate-{token}")))
}

/// Changes listed on the preview page; the count above the table gives the rest.
pub(crate) const PREVIEW_CHANGES: usize = 500;

pub(crate) async fn estate_preview(
    State(server): Shared,
    Org { member, org }: Org,
    multipart: Multipart,
) -> Result<Response, WebError> {
    member.allow(Action::LoadEstate)?;
    let upload = receive(&server, &org, multipart).await?;
    check_csrf(&member, upload.fields.get("csrf").map(String::as_str))?;
    if upload.files.is_empty() {
        return Err(WebError::bad_request("Choose an estate file to preview."));
    }
    let estate = EstateUpload::from_upload(&upload)?;
    let mut preview = member
        .app(&server)
        .apply_preview(&estate.estate, &estate.options(), &mut |_, _| {})
        .await
        .map_err(|e| estate.error(e))?;
    estate.tidy_inventories(&mut preview.inventories);
    // Keep the upload for the apply step, under a token only this preview knows.
    let token = crate::accounts::secret();
    let dir = staged_dir(&server, &org, &token)?;
    estate.stage(&dir).map_err(|e| WebError::internal(&e))?;
    Ok(Html(render(&PreviewPage {
        title: "Preview",
        nav: &nav(&member),
        org: &org,
        preview: &preview,
        inventories: &preview.inventories,
        changes: &preview.changes[..preview.changes.len().min(PREVIEW_CHANGES)],
        csrf: &member.session.csrf,
        token: &token,
    }))
    .into_response())
}

/// What applying an uploaded estate would change; the upload waits under `token`.
#[derive(askama::Template)]
#[template(path = "preview.html")]
pub(crate) struct PreviewPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) preview: &'a fieldproof_app::contract::ApplyPreview,
    pub(crate) inventories: &'a [fieldproof_app::contract::InventoryReport],
    pub(crate) changes: &'a [fieldproof_app::contract::ChangeLine],
    pub(crate) csrf: &'a str,
    pub(crate) token: &'a str,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct ApplyForm {
    pub(crate) csrf: Option<String>,
    pub(crate) token: String,
}

pub(crate) async fn estate_apply(
    State(server): Shared,
    Org { member, org }: Org,
    Form(form): Form<ApplyForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::LoadEstate)?;
    let dir = staged_dir(&server, &org, &form.token)?;
    let estate = EstateUpload::staged(&dir).ok_or_else(WebError::not_found)?;
    let result = member
        .app(&server)
        .apply(&estate.estate, &estate.options(), &mut |_, _| {})
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut applied = result.map_err(|e| estate.error(e))?;
    estate.tidy_inventories(&mut applied.inventories);
    Ok(Html(render(&AppliedPage {
        title: "Applied",
        nav: &nav(&member),
        org: &org,
        applied: &applied,
        inventories: &applied.inventories,
    }))
    .into_response())
}

/// What an applied estate changed.
#[derive(askama::Template)]
#[template(path = "applied.html")]
pub(crate) struct AppliedPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) org: &'a str,
    pub(crate) applied: &'a fieldproof_app::contract::ApplyResult,
    pub(crate) inventories: &'a [fieldproof_app::contract::InventoryReport],
}
