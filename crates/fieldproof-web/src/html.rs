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

/// A whole page.
pub fn page(title: &str, nav: &Nav, body: &str) -> String {
    let mut links = String::new();
    if let Some((org, name)) = &nav.organisation {
        let org = esc(org);
        let samples = if cfg!(feature = "analytics") {
            format!("<a href=\"/o/{org}/samples\">Samples</a>")
        } else {
            String::new()
        };
        links.push_str(&format!(
            "<a class=\"org\" href=\"/o/{org}\">{}</a>\
             <a href=\"/o/{org}\">Dashboard</a><a href=\"/o/{org}/estate\">Estate</a>\
             <a href=\"/o/{org}/controls\">Controls</a><a href=\"/o/{org}/evidence\">Evidence</a>\
             <a href=\"/o/{org}/requests\">Requests</a>{samples}\
             <a href=\"/o/{org}/reports\">Reports</a>{tokens}",
            esc(name),
            tokens = if nav.role.as_deref() == Some("owner") {
                format!("<a href=\"/o/{org}/tokens\">API tokens</a>")
            } else {
                String::new()
            }
        ));
    }
    if nav.email.is_some() {
        links.push_str("<a href=\"/catalog\">Catalog</a>");
    }
    let user = match (&nav.email, &nav.csrf) {
        (Some(email), Some(csrf)) => format!(
            "<form class=\"signout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><span>{}{}</span> <button type=\"submit\">Sign out</button></form>",
            esc(csrf),
            esc(email),
            nav.role
                .as_deref()
                .map(|r| format!(" ({})", esc(r)))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · fieldproof</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><header><nav aria-label=\"Main\"><a class=\"brand\" href=\"/\">fieldproof</a>{links}</nav>{user}</header>\
         <main>{body}</main></body></html>\n",
        esc(title)
    )
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

/// A badge whose class follows its text (`high`, `present`, `in scope`...).
pub fn badge(text: &str) -> String {
    format!(
        "<span class=\"badge b-{}\">{}</span>",
        esc(&text.replace(' ', "-")),
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
