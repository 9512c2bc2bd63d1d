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

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ComponentQuery {
    /// The change set an edit was recorded as: the page confirms it.
    pub(crate) saved: Option<i64>,
}

pub(crate) async fn component(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ComponentQuery>,
) -> Result<Response, WebError> {
    component_page(&server, &member, &org, &id, q.saved, None).await
}

/// A component's page; after a refused edit, with the form as it was sent and the message.
async fn component_page(
    server: &Server,
    member: &Member,
    org: &str,
    id: &str,
    saved: Option<i64>,
    refused: Option<(&ComponentForm, &WebError)>,
) -> Result<Response, WebError> {
    let scoped = member
        .app(server)
        .scope(&EstateSource::Workspace, &mut |_, _| {})
        .await?;
    let assessment = scoped.assessment();
    let Some((c, d)) = assessment.get(id) else {
        return Err(WebError::not_found());
    };
    let view = fieldproof_report::scope::component_view(&assessment, c, d);
    let subservice: Vec<&str> = c
        .subservice
        .iter()
        .flat_map(|s| {
            let name = assessment
                .estate
                .subservice_organisations
                .iter()
                .find(|o| &o.id == s)
                .map(|o| o.name.as_str());
            std::iter::once(s.as_str()).chain(name)
        })
        .collect();
    let suppliers: Vec<(String, String)> = member
        .app(server)
        .suppliers()
        .await?
        .suppliers
        .into_iter()
        .filter(|s| s.supplier.provides(&c.id, &subservice))
        .map(|s| (s.supplier.id, s.supplier.name))
        .collect();
    let form = match refused {
        Some((sent, _)) => ComponentValues {
            declared: sent.declared_scope.clone().unwrap_or_default(),
            owner: sent.owner.clone().unwrap_or_default(),
            description: sent.description.clone().unwrap_or_default(),
            facts: sent.fact.clone(),
        },
        None => ComponentValues {
            declared: c
                .declared_scope
                .map_or("none", fieldproof_core::Scope::as_str)
                .to_string(),
            owner: c.owner.clone().unwrap_or_default(),
            description: c.description.clone().unwrap_or_default(),
            facts: c.facts.iter().map(|f| f.as_str().to_string()).collect(),
        },
    };
    let page = render(&ComponentPage {
        title: &c.name,
        nav: &nav(member),
        org,
        rolled_up: !c.assets.is_empty(),
        c: view,
        may_edit: member.may(Action::LoadEstate),
        csrf: &member.session.csrf,
        all_facts: fieldproof_core::Fact::ALL,
        form,
        problem: refused.map(|(_, e)| crate::html::Problem::of(e)),
        saved,
        suppliers: &suppliers,
    });
    form_page(page, refused.is_some())
}

/// The values the component form shows.
pub(crate) struct ComponentValues {
    pub(crate) declared: String,
    pub(crate) owner: String,
    pub(crate) description: String,
    pub(crate) facts: Vec<String>,
}

/// One component: its decision, the rules and triggers behind it, its findings and assets, and
/// (for those who may load an estate) the form that edits it.
#[derive(askama::Template)]
#[template(path = "component.html")]
pub(crate) struct ComponentPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a crate::html::Nav,
    pub(crate) org: &'a str,
    pub(crate) c: fieldproof_report::scope::ComponentView,
    pub(crate) rolled_up: bool,
    pub(crate) may_edit: bool,
    pub(crate) csrf: &'a str,
    pub(crate) all_facts: &'a [fieldproof_core::Fact],
    pub(crate) form: ComponentValues,
    pub(crate) problem: Option<crate::html::Problem>,
    pub(crate) saved: Option<i64>,
    /// The suppliers of the register that provide or operate it: id, name.
    pub(crate) suppliers: &'a [(String, String)],
}

/// The component form: a checkbox per fact (`fact=NAME`, checked ones only).
#[derive(Debug, Default)]
pub(crate) struct ComponentForm {
    pub(crate) csrf: Option<String>,
    pub(crate) declared_scope: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) fact: Vec<String>,
    /// Present when the form shows the facts (not for a rolled-up component).
    pub(crate) facts_shown: Option<String>,
}

pub(crate) async fn component_edit(
    State(server): Shared,
    Org { member, org }: Org,
    Path((_, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    // The form's fields as pairs: `fact` repeats, once per checked fact.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        WebError::bad_request("The form could not be read; reload it and send it again.")
    })?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let form = ComponentForm {
        csrf: field("csrf"),
        declared_scope: field("declared-scope"),
        owner: field("owner"),
        description: field("description"),
        fact: pairs
            .iter()
            .filter(|(k, _)| k == "fact")
            .map(|(_, v)| v.clone())
            .collect(),
        facts_shown: field("facts_shown"),
    };
    check_csrf(&member, form.csrf.as_deref())?;
    member.allow(Action::LoadEstate)?;
    let facts = if form.facts_shown.is_some() {
        fieldproof_core::Fact::ALL
            .iter()
            .map(|f| {
                format!(
                    "{}={}",
                    f.as_str(),
                    form.fact.iter().any(|g| g == f.as_str())
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let edited = member
        .app(&server)
        .component_edit(
            &id,
            &fieldproof_app::scope::ComponentEditRequest {
                declared_scope: form.declared_scope.clone(),
                owner: form.owner.clone(),
                description: form.description.clone(),
                facts,
            },
        )
        .await;
    match edited {
        Ok(applied) => Ok(Redirect::to(&format!(
            "/o/{org}/estate/{id}?saved={}#edit",
            applied.change_set.unwrap_or_default()
        ))
        .into_response()),
        Err(e) => {
            let error = WebError::from(e);
            if !error.correctable() {
                return Err(error);
            }
            component_page(&server, &member, &org, &id, None, Some((&form, &error))).await
        }
    }
}

/// The file a staged upload leaves once applied: the change set it was applied as.
const APPLIED_MARKER: &str = "applied";

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
    // A preview applied already (sent twice, or reloaded): say so, and apply nothing again.
    let marker = dir.join(APPLIED_MARKER);
    if let Ok(change_set) = std::fs::read_to_string(&marker) {
        return Err(WebError::new(
            StatusCode::CONFLICT,
            format!(
                "These changes were already applied as change set #{}; nothing was applied again. The estate page shows the estate as it is now.",
                change_set.trim()
            ),
        ));
    }
    let estate = EstateUpload::staged(&dir).ok_or_else(WebError::not_found)?;
    let result = member
        .app(&server)
        .apply(&estate.estate, &estate.options(), &mut |_, _| {})
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(applied) = &result {
        // Only the marker stays, for the preview's token, until housekeeping removes it.
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(&marker, applied.change_set.unwrap_or_default().to_string());
        }
    }
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
