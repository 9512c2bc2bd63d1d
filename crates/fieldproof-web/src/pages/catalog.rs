//! The catalog: frameworks, requirements and controls, and what satisfies a requirement elsewhere.

use super::*;

pub(crate) async fn catalog(
    State(server): Shared,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(nav) = signed_in(&server, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    // The bundled catalog: the same for every organisation.
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    let list = app.catalog_list().await?;
    Ok(Html(render(&CatalogPage {
        title: "Catalog",
        nav: &nav,
        list: &list,
    }))
    .into_response())
}

/// The frameworks of the catalog.
#[derive(askama::Template)]
#[template(path = "catalog.html")]
pub(crate) struct CatalogPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) list: &'a fieldproof_app::contract::CatalogList,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct LookupQuery {
    pub(crate) id: Option<String>,
}

pub(crate) async fn catalog_item(
    State(server): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let Some(nav) = signed_in(&server, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let id = if id == "lookup" {
        q.id.unwrap_or_default()
    } else {
        id
    };
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    let shown = app
        .catalog_show(id.trim())
        .await
        .map_err(|_| WebError::not_found())?;
    use fieldproof_catalog::views::CatalogShow;
    let html = match &shown {
        CatalogShow::Framework(f) => render(&FrameworkPage {
            title: &f.name,
            nav: &nav,
            origin: fieldproof_catalog::views::origin_text(f),
            f,
        }),
        CatalogShow::Requirement(v) => render(&RequirementPage {
            title: &v.requirement.title,
            nav: &nav,
            label: v.requirement.label.as_deref().unwrap_or(&v.requirement.id),
            v,
        }),
        CatalogShow::Control(c) => render(&ControlPage {
            title: &c.title,
            nav: &nav,
            categories: c
                .categories
                .iter()
                .map(|x| x.title())
                .collect::<Vec<_>>()
                .join(", "),
            applies: fieldproof_report::catalog::applies_text(&c.applies_when),
            procedures: c
                .procedures
                .iter()
                .map(|p| ProcedureRow {
                    method: p.method.to_string(),
                    sample: p.planned_sample(c.frequency).to_string(),
                    procedure: p.procedure.clone(),
                    population: p.population.clone(),
                    test_window: p.test_window,
                    attributes: p.attributes.clone(),
                    evidence: p.evidence.clone(),
                    tests: p.tests.clone(),
                })
                .collect(),
            c,
        }),
    };
    Ok(Html(html).into_response())
}

/// A framework of the catalog with its requirements.
#[derive(askama::Template)]
#[template(path = "framework.html")]
pub(crate) struct FrameworkPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) origin: String,
    pub(crate) f: &'a fieldproof_catalog::model::Framework,
}

/// A requirement with every mapping to and from it.
#[derive(askama::Template)]
#[template(path = "requirement.html")]
pub(crate) struct RequirementPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) label: &'a str,
    pub(crate) v: &'a fieldproof_catalog::views::RequirementView,
}

/// One test procedure of a control, as the control's page lists it.
pub(crate) struct ProcedureRow {
    pub(crate) method: String,
    pub(crate) sample: String,
    pub(crate) procedure: String,
    pub(crate) population: Option<String>,
    pub(crate) test_window: bool,
    pub(crate) attributes: Vec<String>,
    pub(crate) evidence: Vec<String>,
    pub(crate) tests: Vec<String>,
}

/// A control of the library: what it is, where it applies, its requests, procedures and
/// mappings.
#[derive(askama::Template)]
#[template(path = "catalog_control.html")]
pub(crate) struct ControlPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) categories: String,
    pub(crate) applies: String,
    pub(crate) procedures: Vec<ProcedureRow>,
    pub(crate) c: &'a fieldproof_catalog::model::Control,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct MapQuery {
    pub(crate) requirement: Option<String>,
    pub(crate) to: Option<String>,
}

pub(crate) async fn catalog_map(
    State(server): Shared,
    headers: HeaderMap,
    Query(q): Query<MapQuery>,
) -> Result<Response, WebError> {
    let Some(nav) = signed_in(&server, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let app = fieldproof_app::App::new(fieldproof_app::Config::default());
    let list = app.catalog_list().await?;
    let view = match (&q.requirement, &q.to) {
        (Some(requirement), Some(to)) => Some(app.map(requirement.trim(), to, MAX_HOPS).await?),
        _ => None,
    };
    Ok(Html(render(&MapPage {
        title: "Map",
        nav: &nav,
        requirement: q.requirement.as_deref().unwrap_or_default(),
        to: q.to.as_deref().unwrap_or_default(),
        frameworks: list
            .frameworks
            .iter()
            .map(|f| (f.id.clone(), f.name.clone()))
            .collect(),
        max_hops: MAX_HOPS,
        view,
    }))
    .into_response())
}

/// How far the map page follows mappings.
const MAX_HOPS: usize = 3;

/// What satisfies a requirement in another framework.
#[derive(askama::Template)]
#[template(path = "map.html")]
pub(crate) struct MapPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) requirement: &'a str,
    pub(crate) to: &'a str,
    pub(crate) frameworks: Vec<(String, String)>,
    pub(crate) max_hops: usize,
    pub(crate) view: Option<fieldproof_catalog::views::MapView>,
}
