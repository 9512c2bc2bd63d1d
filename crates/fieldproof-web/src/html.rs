//! Server-rendered HTML: every page is an askama template (`templates/`) over a view model, and
//! every value a template prints goes through [`esc`] (the escaper `askama.toml` names); pages
//! carry no script. Here: the escaper, the navigation every page shows, and the small helpers
//! templates call.

use serde::Serialize;

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    fieldproof_report::text::html(text)
}

/// The snake_case name a typed value serialises to (statuses, severities, states).
pub fn label<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// What the navigation shows for the signed-in user.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// The user's e-mail.
    pub email: Option<String>,
    /// The organisation being viewed and its name.
    pub organisation: Option<(String, String)>,
    /// The user's role there.
    pub role: Option<String>,
    /// The session's CSRF token (for the sign-out form).
    pub csrf: Option<String>,
    /// The engagement the organisation's pages show, and the others the user may switch to.
    pub engagements: crate::Engagements,
}

impl Nav {
    /// The organisation's id, when a page is about one.
    pub fn org_id(&self) -> Option<&str> {
        self.organisation.as_ref().map(|(id, _)| id.as_str())
    }

    /// The organisation's display name.
    pub fn org_name(&self) -> &str {
        self.organisation
            .as_ref()
            .map_or("", |(_, name)| name.as_str())
    }

    /// Whether the navigation links the samples (a build with the test engine).
    pub fn samples(&self) -> bool {
        cfg!(feature = "analytics")
    }

    /// The organisation's pages in the navigation, with their labels: what the role may
    /// use (the auditor's requests first, the owner's API tokens).
    pub fn links(&self) -> Vec<(String, &'static str)> {
        let Some(org) = self.org_id() else {
            return Vec::new();
        };
        let mut pages: Vec<(&str, &'static str)> = if self.role.as_deref() == Some("auditor") {
            vec![
                ("/requests", "Requests"),
                ("/evidence", "Evidence"),
                ("/controls", "Controls"),
                ("/ledger", "Ledger"),
            ]
        } else {
            vec![
                ("", "Dashboard"),
                ("/engagements", "Engagements"),
                ("/estate", "Estate"),
                ("/controls", "Controls"),
                ("/evidence", "Evidence"),
                ("/requests", "Requests"),
                ("/ledger", "Ledger"),
                ("/suppliers", "Suppliers"),
            ]
        };
        if self.samples() {
            pages.push(("/samples", "Samples"));
        }
        pages.push(("/reports", "Reports"));
        if self.role.as_deref() == Some("auditor") {
            pages.push(("/pack", "Evidence pack"));
        }
        if self.owner() {
            pages.push(("/tokens", "API tokens"));
        }
        pages
            .into_iter()
            .map(|(path, label)| (format!("/o/{org}{path}"), label))
            .collect()
    }

    /// Whether `href` is the page shown, or the section it belongs to (a control's page is
    /// under Controls); the dashboard only for itself.
    pub fn current(&self, href: &str) -> bool {
        let here = self.engagements.here.as_str();
        here == href
            || (href.matches('/').count() > 2 && here.starts_with(&format!("{href}/")))
            || (href == "/catalog" && here.starts_with("/catalog/"))
    }

    /// The engagement the pages show.
    pub fn engagement(&self) -> Option<&str> {
        self.engagements.shown.as_deref()
    }

    /// Whether the user owns the organisation (and manages its API tokens).
    pub fn owner(&self) -> bool {
        self.role.as_deref() == Some("owner")
    }
}

/// The escaper of every template (`askama.toml`): [`esc`], so templates and the few
/// hand-built fragments escape alike.
#[derive(Debug, Clone, Copy)]
pub struct Visible;

impl askama::filters::Escaper for Visible {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, string: &str) -> std::fmt::Result {
        dest.write_str(&esc(string))
    }
}

/// Renders a template; a failure (only a value's `Display` can fail) becomes a plain message
/// rather than a panic.
pub fn render(template: &impl askama::Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a page could not be rendered");
        "<!DOCTYPE html><p>This page could not be rendered; the server's log has the details.</p>"
            .to_string()
    })
}

/// Words for a design status (`not stated` when there is none).
pub fn design_label(status: &Option<fieldproof_core::status::DesignStatus>) -> &'static str {
    fieldproof_readiness::design_label(*status)
}

/// The stable name of a design status (empty when there is none), to preselect it in a form.
pub fn design_name(status: &Option<fieldproof_core::status::DesignStatus>) -> &'static str {
    status.map_or("", fieldproof_core::status::DesignStatus::as_str)
}

/// A scope decision in words, `absent` before a component exists or after it is removed.
pub fn scope_words(scope: &Option<fieldproof_core::Scope>) -> &'static str {
    scope.map_or("absent", fieldproof_core::Scope::words)
}

/// The CSS class suffix of a badge with this text (`in scope` → `in-scope`).
pub fn class_of(text: impl AsRef<str>) -> String {
    text.as_ref().replace(' ', "-")
}

/// Why a form was refused, for the form shown again: the message, and the field it is about
/// (its `name`), beside which the message is shown; a message about no field goes above the
/// form.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The field's name, if the message is about one.
    pub field: Option<&'static str>,
    /// The message.
    pub message: String,
}

impl Problem {
    /// The problem of a refused request.
    pub(crate) fn of(error: &crate::WebError) -> Problem {
        Problem {
            field: error.field(),
            message: crate::web_words(error.message()),
        }
    }

    /// Whether the message is about the field `name`.
    pub fn about(&self, name: &str) -> bool {
        self.field == Some(name)
    }

    /// Whether the message is about no field the form shows (`fields`): shown above it.
    pub fn general<'f>(&self, fields: &impl AsRef<[&'f str]>) -> bool {
        self.field.is_none_or(|f| !fields.as_ref().contains(&f))
    }
}

/// A freshness state (`present`, `stale`, `missing`, as in JSON) in the words every page
/// uses: covered, partly covered, missing.
pub fn freshness(state: impl AsRef<str>) -> &'static str {
    fieldproof_evidence::freshness::State::parse(state.as_ref())
        .map_or("unknown", fieldproof_evidence::freshness::State::words)
}

/// A value for a URL's query string, percent-encoded.
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
