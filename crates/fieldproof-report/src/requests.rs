//! The auditor's evidence requests, as every front end shows them: the view models (also the
//! JSON contracts of `request list|show` and `/api/v1/o/ORG/requests`) and their text.

use schemars::JsonSchema;
use serde::Serialize;

/// One evidence request of an engagement, as the auditor portal, `GET
/// /api/v1/o/ORG/requests` and `fieldproof request list` show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequestView {
    /// Control id.
    pub control: String,
    /// Request id.
    pub request: String,
    /// What is asked for.
    pub artifact: String,
    /// Freshness: present, stale or missing.
    pub state: String,
    /// Windows of the period covered.
    pub covered: usize,
    /// Windows in the period.
    pub windows: usize,
    /// Evidence provided.
    pub evidence: Vec<String>,
    /// The auditor's status: open, accepted or needs_more.
    pub status: fieldproof_core::access::ReviewStatus,
    /// Who set it and when.
    pub reviewed: Option<(String, String)>,
    /// Comments, oldest first: author, time, text.
    pub comments: Vec<(String, String, String)>,
}

/// `request list`: every evidence request of an engagement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequestList {
    /// The engagement.
    pub engagement: String,
    /// Every evidence request.
    pub requests: Vec<RequestView>,
}

/// One status the auditor gave a request.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequestStatusChange {
    /// The status.
    pub status: fieldproof_core::access::ReviewStatus,
    /// Who gave it.
    pub by: String,
    /// When.
    pub at: String,
}

/// `request show`, `request comment`, `request status`: one request with its status history.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequestDetail {
    /// The engagement.
    pub engagement: String,
    /// The request and its thread.
    pub request: RequestView,
    /// Every status given, oldest first.
    pub history: Vec<RequestStatusChange>,
}

/// `request list` as a table.
pub fn request_list_text(list: &RequestList) -> String {
    if list.requests.is_empty() {
        return format!(
            "Engagement {} has no evidence requests (no applicable control asks for evidence).\n",
            list.engagement
        );
    }
    let mut out = format!(
        "Evidence requests of {} ({}):\n",
        list.engagement,
        crate::text::count(list.requests.len(), "request", "requests")
    );
    for r in &list.requests {
        out.push_str(&format!(
            "  {:<28} {:<8} {:<11} {:>2}/{:<2} windows  {}{}\n",
            crate::text::truncate(&format!("{}/{}", r.control, r.request), 28),
            r.state,
            r.status.label(),
            r.covered,
            r.windows,
            crate::text::count(r.comments.len(), "comment", "comments"),
            if r.evidence.is_empty() {
                String::new()
            } else {
                format!("  {}", crate::text::id_list(&r.evidence, 3))
            }
        ));
    }
    let needs_more = list
        .requests
        .iter()
        .filter(|r| r.status == fieldproof_core::access::ReviewStatus::NeedsMore)
        .count();
    if needs_more > 0 {
        out.push_str(&format!(
            "The auditor needs more for {}; `fieldproof request show CONTROL REQUEST` shows why.\n",
            crate::text::count(needs_more, "request", "requests")
        ));
    }
    out
}

/// `request show` (and what `comment` and `status` leave) as text.
pub fn request_detail_text(d: &RequestDetail) -> String {
    let r = &d.request;
    let mut out = format!(
        "{}/{} (engagement {})\n  Asked for: {}\n  Provided: {}\n  Freshness: {} ({} of {} windows)\n  Auditor's status: {}{}\n",
        r.control,
        r.request,
        d.engagement,
        r.artifact,
        if r.evidence.is_empty() {
            "nothing yet".to_string()
        } else {
            r.evidence.join(", ")
        },
        r.state,
        r.covered,
        r.windows,
        r.status.label(),
        r.reviewed
            .as_ref()
            .map(|(by, at)| format!(" (by {by} at {at})"))
            .unwrap_or_default()
    );
    if r.comments.is_empty() {
        out.push_str("  No comments yet.\n");
    } else {
        out.push_str("  Comments:\n");
        for (author, at, text) in &r.comments {
            out.push_str(&format!("    {author} at {at}:\n"));
            for line in text.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    if !d.history.is_empty() {
        out.push_str("  Status history:\n");
        for h in &d.history {
            out.push_str(&format!(
                "    {} by {} at {}\n",
                h.status.label(),
                h.by,
                h.at
            ));
        }
    }
    out
}

/// Every request of an engagement with its thread, as a Markdown document (in the evidence
/// pack, beside `requests.json`): what was asked and provided, its freshness, the auditor's
/// status and every comment.
pub fn requests_markdown(list: &RequestList) -> String {
    use crate::text::md_text;
    let mut out = format!(
        "# Evidence requests of {}\n\n{} and their threads: what was asked for, what was provided, its freshness over the period, the auditor's status and the comments.\n",
        md_text(&list.engagement),
        crate::text::count(list.requests.len(), "request", "requests")
    );
    for r in &list.requests {
        let freshness: &str = match fieldproof_evidence::freshness::State::parse(&r.state) {
            Some(state) => state.words(),
            None => &r.state,
        };
        out.push_str(&format!(
            "\n## {} / {}\n\n- Asked for: {}\n- Provided: {}\n- Freshness: {freshness} ({} of {} windows)\n- Auditor's status: {}{}\n",
            md_text(&r.control),
            md_text(&r.request),
            md_text(&r.artifact),
            if r.evidence.is_empty() {
                "nothing yet".to_string()
            } else {
                r.evidence.join(", ")
            },
            r.covered,
            r.windows,
            r.status.label(),
            r.reviewed
                .as_ref()
                .map(|(by, at)| format!(" (by {} at {})", md_text(by), crate::text::moment(at)))
                .unwrap_or_default()
        ));
        if !r.comments.is_empty() {
            out.push('\n');
            for (author, at, text) in &r.comments {
                out.push_str(&format!(
                    "> **{}**, {}: {}\n>\n",
                    md_text(author),
                    crate::text::moment(at),
                    md_text(text).replace('\n', " ")
                ));
            }
        }
    }
    out
}
