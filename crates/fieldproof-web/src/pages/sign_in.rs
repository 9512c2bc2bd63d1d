//! Signing in and out, and the landing page.

use super::*;

pub(crate) fn login_form(message: Option<&str>) -> String {
    render(&LoginPage {
        title: "Sign in",
        nav: &Nav::default(),
        message,
    })
}

/// The sign-in form, with the reason the last attempt failed.
#[derive(askama::Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) message: Option<&'a str>,
}

pub(crate) async fn login_page() -> Html<String> {
    Html(login_form(None))
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct LoginForm {
    pub(crate) email: String,
    pub(crate) password: String,
}

pub(crate) async fn login(
    State(server): Shared,
    client: crate::Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    crate::same_origin(&headers)?;
    let key = crate::accounts::client_key(client.0);
    match server
        .accounts
        .login(&form.email, &form.password, &key)
        .await?
    {
        LoginOutcome::Session(token, _) => {
            let secure = if server.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
                crate::accounts::SESSION_HOURS * 3600
            );
            Ok((
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, cookie),
                    (header::LOCATION, "/".to_string()),
                ],
            )
                .into_response())
        }
        LoginOutcome::Refused => Ok((
            StatusCode::UNAUTHORIZED,
            Html(login_form(Some("Wrong e-mail or password."))),
        )
            .into_response()),
        LoginOutcome::TooLong => Ok((
            StatusCode::BAD_REQUEST,
            Html(login_form(Some(&format!(
                "An e-mail address has at most {} characters and a password at most {}.",
                crate::accounts::MAX_EMAIL_BYTES,
                crate::accounts::MAX_PASSWORD_BYTES
            )))),
        )
            .into_response()),
        LoginOutcome::Throttled { minutes } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, (minutes * 60).to_string())],
            Html(login_form(Some(&format!(
                "Too many sign-in attempts; try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )))),
        )
            .into_response()),
        LoginOutcome::Busy => Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5".to_string())],
            Html(login_form(Some(
                "The server is busy checking other sign-ins; try again in a few seconds.",
            ))),
        )
            .into_response()),
    }
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: Option<String>,
}

pub(crate) async fn logout(
    State(server): Shared,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    crate::same_origin(&headers)?;
    if let Some((token, session)) = server.session(&headers).await? {
        if form.csrf.as_deref() != Some(session.csrf.as_str()) {
            return Err(WebError::new(
                StatusCode::FORBIDDEN,
                "Stale form; reload and sign out again.",
            ));
        }
        server.accounts.logout(&token).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}

pub(crate) async fn index(State(server): Shared, headers: HeaderMap) -> Result<Response, WebError> {
    let Some((_, session)) = server.session(&headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let memberships = server.accounts.memberships(session.user_id).await?;
    if let [only] = memberships.as_slice() {
        return Ok(Redirect::to(&format!("/o/{}", only.organisation)).into_response());
    }
    let nav = Nav {
        email: Some(session.email.clone()),
        csrf: Some(session.csrf.clone()),
        ..Nav::default()
    };
    Ok(Html(render(&OrganisationsPage {
        title: "Organisations",
        nav: &nav,
        memberships: &memberships,
    }))
    .into_response())
}

/// The organisations a user belongs to (more than one, or none).
#[derive(askama::Template)]
#[template(path = "organisations.html")]
pub(crate) struct OrganisationsPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: &'a Nav,
    pub(crate) memberships: &'a [fieldproof_store::accounts::Membership],
}
