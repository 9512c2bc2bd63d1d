//! An owner's page of the organisation's API tokens: every token with its member, the role
//! it was created with and the one it has now, its state, expiry and last use; a form to
//! create one (the secret is shown once) and a button to revoke each. The same operations
//! as `fieldproof token create|list|revoke`.

use crate::accounts::Role;
use crate::html::{badge, csrf_field, esc, options, page, table};
use crate::pages::{check_csrf, nav};
use crate::{Org, Server, WebError};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use std::sync::Arc;

fn owner_only(member: &crate::Member) -> Result<(), WebError> {
    member.allow(crate::accounts::Action::ManageTokens)
}

/// The page, with an optional message at the top (the secret of a token just created).
async fn render(
    server: &Server,
    member: &crate::Member,
    org: &str,
    notice: &str,
) -> Result<Response, WebError> {
    let list = server.accounts.tokens(org).await?;
    let csrf = &member.session.csrf;
    let rows: Vec<Vec<String>> = list
        .tokens
        .iter()
        .map(|t| {
            let revoke = if t.revoked_at.is_none() {
                format!(
                    "<form method=\"post\" action=\"/o/{}/tokens/{}/revoke\" class=\"inline\">{}<button type=\"submit\">Revoke</button></form>",
                    esc(org),
                    esc(&t.token),
                    csrf_field(csrf)
                )
            } else {
                String::new()
            };
            vec![
                format!("<code>{}</code>", esc(&t.token)),
                esc(&t.email),
                esc(&t.name),
                esc(&t.role),
                esc(t.effective_role.as_deref().unwrap_or("none")),
                badge(&t.state),
                esc(t.expires_at.as_deref().unwrap_or("never")),
                esc(t.last_used_at.as_deref().unwrap_or("never")),
                revoke,
            ]
        })
        .collect();
    let roles: Vec<(&str, &str)> = Role::ALL.iter().map(|r| (r.as_str(), r.as_str())).collect();
    let body = format!(
        "<h1>API tokens</h1>{notice}<p>A token acts for its member with the lesser of the role it was created with and the member's role now: a member who is demoted or removed takes their tokens down with them. Tokens are stored only as their SHA-256; the reference below is the first 12 digits of it.</p>{}\
         <h2>Create a token</h2><form method=\"post\" action=\"/o/{}/tokens\" class=\"stack\">{}\
         <label for=\"email\">Member (e-mail)</label><input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\">\
         <label for=\"role\">Role (at most the member's)</label><select id=\"role\" name=\"role\">{}</select>\
         <label for=\"name\">Name</label><input id=\"name\" name=\"name\" required maxlength=\"80\" placeholder=\"ci\">\
         <label for=\"expires\">Expires (90d, 12h or a date such as 2027-06-30; empty: until revoked)</label><input id=\"expires\" name=\"expires\" maxlength=\"20\">\
         <button type=\"submit\">Create</button></form>",
        if rows.is_empty() {
            "<p>No API token yet.</p>".to_string()
        } else {
            table(
                &[
                    "Reference",
                    "Member",
                    "Name",
                    "Created as",
                    "Role now",
                    "State",
                    "Expires",
                    "Last used",
                    "",
                ],
                &rows,
            )
        },
        esc(org),
        csrf_field(csrf),
        options(roles, "viewer"),
    );
    Ok(Html(page("API tokens", &nav(member), &body)).into_response())
}

/// `GET /o/ORG/tokens`.
pub(crate) async fn list(
    State(server): State<Arc<Server>>,
    Org { member, org }: Org,
) -> Result<Response, WebError> {
    owner_only(&member)?;
    render(&server, &member, &org, "").await
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
    let notice = format!(
        "<div class=\"card\" role=\"status\"><h2>Token {} created</h2><p>Copy it now: it is shown this once.</p><p><code>{}</code></p><p>Send it as <code>Authorization: Bearer …</code> to <code>/api/v1/o/{}/…</code>.</p></div>",
        esc(&reference),
        esc(&secret),
        esc(&org)
    );
    render(&server, &member, &org, &notice).await
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
