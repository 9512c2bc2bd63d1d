//! Escaping and small formatting helpers shared by the renderers.

use fieldproof_core::{Scope, TscCategory};

/// Escapes text for HTML element content and attribute values; bidirectional overrides and
/// other invisible characters are shown (`\u{202E}`), not obeyed.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ' '..='~' => out.push(c),
            _ => fieldproof_core::safe_text::push_visible(&mut out, c),
        }
    }
    out
}

/// Escapes text typed by a user for Markdown: a renderer must show it, not run it. Raw HTML
/// and autolinks (`<script>`, `<img onerror=...>`, `<javascript:...>`) and links and images
/// (`[x](javascript:...)`, `![x](http://tracker)`, `[x]: url`) are neutralised; bidirectional
/// overrides are shown. The text reads the same once rendered, and brackets that start no link
/// (`[operated_by=us]`) stay as they are.
pub fn md_text(text: &str) -> String {
    let text = fieldproof_core::safe_text::visible(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("&lt;"),
            ']' if matches!(chars.peek(), Some('(' | ':' | '[')) => out.push_str("\\]"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell: [`md_text`], and pipes and newlines.
pub fn md_cell(text: &str) -> String {
    md_text(text).replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Category titles joined by ", ".
pub fn categories(list: &[TscCategory]) -> String {
    list.iter()
        .map(|c| c.title())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `In scope`, `Shared`, `Out of scope`.
pub const fn scope_title(scope: Scope) -> &'static str {
    match scope {
        Scope::In => "In scope",
        Scope::Shared => "Shared",
        Scope::Out => "Out of scope",
    }
}

/// At most `shown` ids, then "and N more".
pub fn id_list(ids: &[String], shown: usize) -> String {
    let mut text = ids
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > shown {
        text.push_str(&format!(" and {} more", ids.len() - shown));
    }
    text
}

/// At most `width` characters of `text`, with `…` when cut (never splits a character).
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// `1 control`, `2 controls`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The page frame every HTML report shares: self-contained, printable, no scripts.
pub fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        html(title),
        STYLE,
        body
    )
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}code{font-size:.9em}.why{color:#57606a;font-size:.92em}
.scope-in{color:#1a7f37}.scope-shared{color:#9a6700}.scope-out{color:#6e7781}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
        assert_eq!(
            md_text("<img src=x onerror=alert(1)> [x](javascript:y) ![t](http://t) [r]: u [ok]"),
            "&lt;img src=x onerror=alert(1)> [x\\](javascript:y) ![t\\](http://t) [r\\]: u [ok]"
        );
        assert_eq!(md_text("evil\u{202e}gpj.exe"), "evil\\\\u{202E}gpj.exe");
        assert_eq!(html("a\u{202e}b"), "a\\u{202E}b");
        let ids: Vec<String> = (0..5).map(|i| format!("c{i}")).collect();
        assert_eq!(id_list(&ids, 2), "c0, c1 and 3 more");
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(2, "file", "files"), "2 files");
    }
}

/// A moment recorded as RFC 3339 (`2026-12-02T23:32:14.211938121Z`), as people read it:
/// `2026-12-02 23:32 UTC` (an offset other than UTC is kept: `2026-12-02 23:32 +01:00`).
/// Text that is not such a moment is returned as it is.
pub fn moment(rfc3339: &str) -> String {
    let bytes = rfc3339.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let shaped = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && bytes.get(13) == Some(&b':')
        && digits(14..16);
    if !shaped {
        return rfc3339.to_string();
    }
    let rest = &rfc3339[16..];
    let zone = if rest.ends_with(['Z', 'z']) {
        "UTC".to_string()
    } else {
        match rest.rfind(['+', '-']) {
            Some(at) if rest.len() - at == 6 => {
                let offset = &rest[at..];
                if offset == "+00:00" {
                    "UTC".to_string()
                } else {
                    offset.to_string()
                }
            }
            _ => String::new(),
        }
    };
    format!("{} {} {zone}", &rfc3339[..10], &rfc3339[11..16])
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod moment_tests {
    use super::moment;

    #[test]
    fn moments_read_as_date_minute_and_zone() {
        assert_eq!(
            moment("2026-12-02T23:32:14.211938121Z"),
            "2026-12-02 23:32 UTC"
        );
        assert_eq!(moment("2026-03-01T09:00:00Z"), "2026-03-01 09:00 UTC");
        assert_eq!(
            moment("2026-03-01T09:00:00+01:00"),
            "2026-03-01 09:00 +01:00"
        );
        assert_eq!(moment("2026-03-01T09:00:00+00:00"), "2026-03-01 09:00 UTC");
        assert_eq!(moment("2026-03-01T09:00"), "2026-03-01 09:00");
        assert_eq!(moment("yesterday"), "yesterday");
        assert_eq!(moment("2026-03-01"), "2026-03-01");
        assert_eq!(moment(""), "");
        assert_eq!(moment("2026-03-01T09:0é"), "2026-03-01T09:0é");
    }
}
