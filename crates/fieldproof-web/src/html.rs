//! Server-rendered HTML: escaping, the page layout and small building blocks. Every value that
//! comes from data goes through [`esc`]; pages carry no script.

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

/// A page whose body is built by hand (pages not yet made from their own template).
#[derive(askama::Template)]
#[template(path = "page.html")]
struct Page<'a> {
    title: &'a str,
    nav: &'a Nav,
    body: &'a str,
}

/// A whole page: the layout around `body`.
pub fn page(title: &str, nav: &Nav, body: &str) -> String {
    render(&Page { title, nav, body })
}

/// A table: header cells and rows of cells (already HTML).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<div class=\"scroll\"><table><thead><tr>");
    for h in headers {
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{cell}</td>"));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The CSS class suffix of a badge with this text (`in scope` → `in-scope`).
pub fn class_of(text: impl AsRef<str>) -> String {
    text.as_ref().replace(' ', "-")
}

/// A badge whose class follows its text (`high`, `present`, `in scope`...).
pub fn badge(text: &str) -> String {
    format!(
        "<span class=\"badge b-{}\">{}</span>",
        esc(&class_of(text)),
        esc(text)
    )
}

/// A hidden CSRF field.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(csrf)
    )
}

/// The `<option>`s of a select: (value, label) pairs, the one whose value is `selected`
/// marked. Values and labels are escaped.
pub fn options<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, selected: &str) -> String {
    items
        .into_iter()
        .map(|(value, text)| {
            format!(
                "<option value=\"{}\"{}>{}</option>",
                esc(value),
                if value == selected { " selected" } else { "" },
                esc(text)
            )
        })
        .collect()
}
