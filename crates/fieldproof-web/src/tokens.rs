//! An owner's page of the organisation's API tokens: every token with its member, the role
//! it was created with and the one it has now, its state, expiry and last use; a form to
//! create one (the secret is shown once) and a button to revoke each. The same operations
//! as `fieldproof token create|list|revoke`.

use crate::accounts::Role;
use crate::pages::{check_csrf, nav};
use crate::{Org, Server, WebError};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use std::sync::Arc;

fn owner_only(member: &crate::Member) -> Result<(), WebError> {
    member.allow(crate::accounts::Action::ManageTokens)
}

/// The page, with the reference and secret of a token just created (shown this once).
async fn render(
    server: &Server,
    member: &crate::Member,
    org: &str,
    created: Option<(String, String)>,
) -> Result<Response, WebError> {
    let list = server.accounts.tokens(org).await?;
    Ok(Html(crate::html::render(&TokensPage {
        title: "API tokens",
        nav: &nav(member),
        org,
        csrf: &member.session.csrf,
        list: &list,
        roles: &Role::ALL,
        created,
    }))
    .into_response())
}

/// The organisation's API tokens, and the form to create one.
#[derive(askama::Template)]
#[template(path = "tokens.html")]
struct TokensPage<'a> {
    title: &'a str,
    nav: &'a crate::html::Nav,
    org: &'a str,
    csrf: &'a str,
    list: &'a fieldproof_app::contract::TokenList,
    roles: &'a [Role],
    created: Option<(String, String)>,
}

/// `GET /o/ORG/tokens`.
pub(crate) async fn list(
    State(server): State<Arc<Server>>,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    owner_only(&member)?;
    render(&server, &member, &org, None).await
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct CreateForm {
    csrf: Option<String>,
    email: String,
    role: String,
    name: String,
    expires: Option<String>,
}

/// `POST /o/ORG/tokens`: the secret is shown once, on the page that answers.
pub(crate) async fn create(
    State(server): State<Arc<Server>>,
    Org { member, org }: Org,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    owner_only(&member)?;
    let role = Role::parse(form.role.trim()).map_err(|e| WebError::bad_request(e.to_string()))?;
    let expires = form
        .expires
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .map(|e| crate::accounts::parse_expiry(e, crate::accounts::now()))
        .transpose()?;
    let (secret, reference) = server
        .accounts
        .create_token(&form.email, &org, role, &form.name, expires)
        .await?;
    render(&server, &member, &org, Some((reference, secret))).await
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct RevokeForm {
    csrf: Option<String>,
}

/// `POST /o/ORG/tokens/REF/revoke`.
pub(crate) async fn revoke(
    State(server): State<Arc<Server>>,
    Org { member, org }: Org,
    Path((_, token)): Path<(String, String)>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, WebError> {
    check_csrf(&member, form.csrf.as_deref())?;
    owner_only(&member)?;
    server
        .accounts
        .revoke_token(&org, &token, &member.session.email)
        .await?;
    Ok(Redirect::to(&format!("/o/{org}/tokens")).into_response())
}
