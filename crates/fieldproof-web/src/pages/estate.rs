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

/// The inventories an upload read: rows, assets, components and what the mapping left out.
pub(crate) fn inventory_summary(
    inventories: &[fieldproof_app::contract::InventoryReport],
) -> String {
    let mut html = String::new();
    for inventory in inventories {
        html.push_str(&format!(
            "<p>{}{}.</p>",
            esc(&fieldproof_report::results::inventory_line(inventory)),
            if inventory.rows_left_out > 0 {
                format!(
                    ", {} rows left out for unmapped values",
                    inventory.rows_left_out
                )
            } else {
                String::new()
            }
        ));
        let values = |list: &[fieldproof_app::contract::UnmappedValue]| -> Vec<Vec<String>> {
            list.iter()
                .take(200)
                .map(|v| {
                    vec![
                        esc(&v.field),
                        esc(&v.column),
                        esc(&v.value),
                        v.count.to_string(),
                        esc(&v
                            .lines
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")),
                        esc(v.became.as_deref().unwrap_or("")),
                    ]
                })
                .collect()
        };
        let headers = ["Field", "Column", "Value", "Rows", "First lines", "Became"];
        if !inventory.unmapped.is_empty() {
            html.push_str(&format!(
                "<h3>Values the mapping does not translate ({})</h3>{}",
                inventory.unmapped.len(),
                table(&headers, &values(&inventory.unmapped))
            ));
        }
        if !inventory.caught_by_otherwise.is_empty() {
            html.push_str(&format!(
                "<h3>Values caught only by <code>otherwise</code> ({})</h3>{}",
                inventory.caught_by_otherwise.len(),
                table(&headers, &values(&inventory.caught_by_otherwise))
            ));
        }
    }
    html
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
    estate
        .stage(&dir)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let changes: Vec<Vec<String>> = preview
        .changes
        .iter()
        .take(PREVIEW_CHANGES)
        .map(|c| {
            vec![
                badge(c.action),
                esc(c.entity),
                esc(&c.key),
                esc(&c.fields.join(", ")),
            ]
        })
        .collect();
    let scope_name = |s: Option<fieldproof_core::Scope>| {
        s.map_or("absent", fieldproof_core::Scope::words)
            .to_string()
    };
    let scope: Vec<Vec<String>> = preview
        .scope_changes
        .iter()
        .map(|c| {
            vec![
                esc(&c.component),
                badge(&scope_name(c.before)),
                badge(&scope_name(c.after)),
            ]
        })
        .collect();
    let body = format!(
        "<h1>Preview</h1><p>Nothing is stored yet: {}.</p>\
         {}{}{}<h2>Scope decisions that change</h2>{}\
         <form method=\"post\" action=\"/o/{}/estate/apply\" class=\"inline\">{}<input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <button type=\"submit\">Apply these changes</button></form> <p><a href=\"/o/{}/estate\">Cancel</a></p>",
        esc(&fieldproof_report::results::preview_counts(&preview)),
        inventory_summary(&preview.inventories),
        if preview.changes.len() > PREVIEW_CHANGES {
            format!(
                "<p class=\"muted\">The first {PREVIEW_CHANGES} of {} changes; the change log keeps them all once applied.</p>",
                preview.changes.len()
            )
        } else {
            String::new()
        },
        if changes.is_empty() {
            "<p>The file matches the stored estate.</p>".to_string()
        } else {
            table(&["Change", "Entry", "Key", "Fields"], &changes)
        },
        if scope.is_empty() {
            "<p>None.</p>".to_string()
        } else {
            table(&["Component", "Now", "After"], &scope)
        },
        esc(&org),
        csrf_field(&member.session.csrf),
        esc(&org)
    );
    Ok(Html(page("Preview", &nav(&member), &body)).into_response())
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
    let body = format!(
        "<h1>Applied</h1><p>{}{}.</p>{}<p><a href=\"/o/{}/estate\">The estate</a></p>",
        esc(&fieldproof_report::results::applied_counts(&applied)),
        applied
            .change_set
            .map(|id| format!(" (change set #{id}, by {})", esc(&applied.actor)))
            .unwrap_or_default(),
        inventory_summary(&applied.inventories),
        esc(&org)
    );
    Ok(Html(page("Applied", &nav(&member), &body)).into_response())
}
