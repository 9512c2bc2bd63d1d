//! The auditor's request workflow: every evidence request of an engagement with what was
//! provided, its freshness, the auditor's status and the comments; a comment; a status. The
//! auditor portal's pages, `/api/v1/o/ORG/requests` and `fieldproof request` all call these.
//! Who may comment or give a status is [`Role::may`]'s answer; the threads are kept by the
//! workspace's [`ReviewStore`](fieldproof_store::ReviewStore).

use crate::contract::{
    FreshnessReport, RequestDetail, RequestList, RequestStatusChange, RequestView,
};
use crate::{App, AppError, Result};
use fieldproof_core::access::{Action, ReviewStatus, Role};
use fieldproof_store::{RequestCommentRecord, RequestStatusRecord};
use std::collections::BTreeMap;

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;

/// Who acts on a request: their name (e-mail on the server) and role.
#[derive(Debug, Clone, Copy)]
pub struct Reviewer<'a> {
    /// Recorded as the author of a comment or the giver of a status.
    pub name: &'a str,
    /// Decides what they may do.
    pub role: Role,
}

/// What to write to a request: a comment, a status, or both.
#[derive(Debug, Clone, Default)]
pub struct RequestWrite {
    /// A comment.
    pub comment: Option<String>,
    /// The auditor's status.
    pub status: Option<ReviewStatus>,
}

/// One request's thread: its statuses (newest last) and comments.
#[derive(Debug, Default)]
struct Thread {
    statuses: Vec<RequestStatusRecord>,
    comments: Vec<RequestCommentRecord>,
}

type Key = (String, String);

impl Reviewer<'_> {
    /// Who acts from the command line on a workspace they hold: every right a member may hold
    /// but the auditor's, or, recording the auditor's decision, the auditor's.
    pub fn workspace_holder(name: &str, as_auditor: bool) -> Reviewer<'_> {
        Reviewer {
            name,
            role: if as_auditor {
                Role::Auditor
            } else {
                Role::Owner
            },
        }
    }
}

impl App {
    /// Every evidence request of an engagement (chosen by [`App::engagement_choice`]'s rule)
    /// with its freshness and its thread.
    pub async fn request_list(&self, engagement: Option<&str>) -> Result<RequestList> {
        let freshness = self.evidence_status(engagement).await?;
        self.request_list_in(&freshness).await
    }

    /// [`App::request_list`] over a freshness report the caller already has (the server keeps
    /// one per engagement and state).
    pub async fn request_list_in(&self, freshness: &FreshnessReport) -> Result<RequestList> {
        let id = &freshness.engagement.id;
        let mut threads = self.threads(id).await?;
        let requests = freshness
            .rows
            .iter()
            .map(|row| {
                let thread = threads
                    .remove(&(row.control.clone(), row.request.clone()))
                    .unwrap_or_default();
                view(row, &thread)
            })
            .collect();
        Ok(RequestList {
            engagement: id.clone(),
            requests,
        })
    }

    /// One request of an engagement, with its status history.
    pub async fn request_show(
        &self,
        engagement: Option<&str>,
        control: &str,
        request: &str,
    ) -> Result<RequestDetail> {
        let freshness = self.evidence_status(engagement).await?;
        self.request_show_in(&freshness, control, request).await
    }

    /// [`App::request_show`] over a freshness report the caller already has.
    pub async fn request_show_in(
        &self,
        freshness: &FreshnessReport,
        control: &str,
        request: &str,
    ) -> Result<RequestDetail> {
        let id = &freshness.engagement.id;
        let row = find(freshness, control, request)?;
        let thread = self
            .threads(id)
            .await?
            .remove(&(control.to_string(), request.to_string()))
            .unwrap_or_default();
        Ok(RequestDetail {
            engagement: id.clone(),
            history: thread
                .statuses
                .iter()
                .map(|s| RequestStatusChange {
                    status: s.status,
                    by: s.by.clone(),
                    at: s.at.clone(),
                })
                .collect(),
            request: view(row, &thread),
        })
    }

    /// Adds a comment, a status or both to a request the engagement has, as `reviewer`
    /// (who must be allowed each), and returns the request as it is now.
    pub async fn request_write(
        &self,
        engagement: Option<&str>,
        control: &str,
        request: &str,
        write: &RequestWrite,
        reviewer: Reviewer<'_>,
    ) -> Result<RequestDetail> {
        let freshness = self.evidence_status(engagement).await?;
        self.request_write_in(&freshness, control, request, write, reviewer)
            .await
    }

    /// [`App::request_write`] over a freshness report the caller already has.
    pub async fn request_write_in(
        &self,
        freshness: &FreshnessReport,
        control: &str,
        request: &str,
        write: &RequestWrite,
        reviewer: Reviewer<'_>,
    ) -> Result<RequestDetail> {
        let comment = write.comment.as_deref().map(str::trim);
        if comment.is_none() && write.status.is_none() {
            return Err(AppError::Input(
                "give a comment, a status, or both".to_string(),
            ));
        }
        if comment.is_some() {
            allow(reviewer.role, Action::CommentOnRequest)?;
        }
        if write.status.is_some() {
            allow(reviewer.role, Action::ReviewRequest)?;
        }
        if comment.is_some_and(|text| text.is_empty() || text.chars().count() > MAX_COMMENT_CHARS) {
            return Err(AppError::Input(format!(
                "a comment has 1 to {MAX_COMMENT_CHARS} characters"
            )));
        }
        // The request must exist in the engagement.
        find(freshness, control, request)?;
        let engagement = &freshness.engagement.id;
        let at = self.now();
        let ws = self.open().await?;
        let result = async {
            if let Some(text) = comment {
                ws.store
                    .add_request_comment(&RequestCommentRecord {
                        engagement: engagement.clone(),
                        control: control.to_string(),
                        request: request.to_string(),
                        author: reviewer.name.to_string(),
                        at: at.clone(),
                        text: text.to_string(),
                    })
                    .await?;
            }
            if let Some(status) = write.status {
                ws.store
                    .add_request_status(&RequestStatusRecord {
                        engagement: engagement.clone(),
                        control: control.to_string(),
                        request: request.to_string(),
                        status,
                        by: reviewer.name.to_string(),
                        at: at.clone(),
                    })
                    .await?;
            }
            Ok::<_, AppError>(())
        }
        .await;
        ws.close().await;
        result?;
        self.request_show_in(freshness, control, request).await
    }

    /// The threads of an engagement's requests.
    async fn threads(&self, engagement: &str) -> Result<BTreeMap<Key, Thread>> {
        let ws = self.open().await?;
        let statuses = ws.store.request_statuses(Some(engagement)).await;
        let comments = ws.store.request_comments(Some(engagement)).await;
        ws.close().await;
        let mut threads: BTreeMap<Key, Thread> = BTreeMap::new();
        for s in statuses? {
            threads
                .entry((s.control.clone(), s.request.clone()))
                .or_default()
                .statuses
                .push(s);
        }
        for c in comments? {
            threads
                .entry((c.control.clone(), c.request.clone()))
                .or_default()
                .comments
                .push(c);
        }
        Ok(threads)
    }
}

/// The freshness row of a request, or `NotFound` naming `request list`.
fn find<'a>(
    freshness: &'a FreshnessReport,
    control: &str,
    request: &str,
) -> Result<&'a fieldproof_evidence::freshness::Row> {
    freshness
        .rows
        .iter()
        .find(|r| r.control == control && r.request == request)
        .ok_or_else(|| AppError::Unknown {
            thing: crate::Thing::Request,
            id: format!("{control}/{request}"),
            within: Some(format!("engagement {}", freshness.engagement.id)),
        })
}

/// `Forbidden` unless `role` may do `action`.
pub fn allow(role: Role, action: Action) -> Result<()> {
    if role.may(action) {
        Ok(())
    } else {
        Err(AppError::Forbidden { role, action })
    }
}

fn view(row: &fieldproof_evidence::freshness::Row, thread: &Thread) -> RequestView {
    let last = thread.statuses.last();
    RequestView {
        control: row.control.clone(),
        request: row.request.clone(),
        artifact: row.artifact.clone(),
        state: row.state.as_str().to_string(),
        covered: row.covered,
        windows: row.windows,
        evidence: row.evidence.clone(),
        status: last.map(|s| s.status).unwrap_or_default(),
        reviewed: last.map(|s| (s.by.clone(), s.at.clone())),
        comments: thread
            .comments
            .iter()
            .map(|c| (c.author.clone(), c.at.clone(), c.text.clone()))
            .collect(),
    }
}
