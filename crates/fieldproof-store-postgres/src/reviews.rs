//! The auditor's review of evidence requests in a PostgreSQL workspace.

use crate::{backend, PgStore};
use async_trait::async_trait;
use fieldproof_core::access::ReviewStatus;
use fieldproof_store::{RequestCommentRecord, RequestStatusRecord, ReviewStore, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

/// Adds a status row.
pub(crate) async fn insert_status(
    conn: &mut PgConnection,
    ws: &str,
    s: &RequestStatusRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_statuses (workspace, engagement, control, request, status, by_actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ws)
    .bind(&s.engagement)
    .bind(&s.control)
    .bind(&s.request)
    .bind(s.status.as_str())
    .bind(&s.by)
    .bind(&s.at)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

/// Adds a comment row.
pub(crate) async fn insert_comment(
    conn: &mut PgConnection,
    ws: &str,
    c: &RequestCommentRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_comments (workspace, engagement, control, request, author, at, text) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ws)
    .bind(&c.engagement)
    .bind(&c.control)
    .bind(&c.request)
    .bind(&c.author)
    .bind(&c.at)
    .bind(&c.text)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

/// A status row read as (engagement, control, request, status, by, at).
pub(crate) fn status_record(r: &PgRow) -> Result<RequestStatusRecord, StoreError> {
    let status: String = r.get(3);
    Ok(RequestStatusRecord {
        engagement: r.get(0),
        control: r.get(1),
        request: r.get(2),
        status: ReviewStatus::parse(&status).map_err(|e| StoreError::Corrupt {
            what: "request status",
            key: r.get(2),
            reason: e.to_string(),
        })?,
        by: r.get(4),
        at: r.get(5),
    })
}

/// A comment row read as (engagement, control, request, author, at, text).
pub(crate) fn comment_record(r: &PgRow) -> RequestCommentRecord {
    RequestCommentRecord {
        engagement: r.get(0),
        control: r.get(1),
        request: r.get(2),
        author: r.get(3),
        at: r.get(4),
        text: r.get(5),
    }
}

#[async_trait]
impl ReviewStore for PgStore {
    async fn add_request_status(&self, status: &RequestStatusRecord) -> Result<(), StoreError> {
        const CONTEXT: &str = "recording a request's status";
        let mut conn = self.connection(CONTEXT).await?;
        insert_status(&mut conn, self.workspace_key(), status)
            .await
            .map_err(backend(CONTEXT))
    }

    async fn add_request_comment(&self, comment: &RequestCommentRecord) -> Result<(), StoreError> {
        const CONTEXT: &str = "recording a comment";
        let mut conn = self.connection(CONTEXT).await?;
        insert_comment(&mut conn, self.workspace_key(), comment)
            .await
            .map_err(backend(CONTEXT))
    }

    async fn request_statuses(
        &self,
        engagement: Option<&str>,
    ) -> Result<Vec<RequestStatusRecord>, StoreError> {
        const CONTEXT: &str = "reading request statuses";
        let mut conn = self.connection(CONTEXT).await?;
        let rows = sqlx::query(
            "SELECT engagement, control, request, status, by_actor, at FROM request_statuses
             WHERE workspace = $1 AND ($2::TEXT IS NULL OR engagement = $2) ORDER BY id",
        )
        .bind(self.workspace_key())
        .bind(engagement)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend(CONTEXT))?;
        rows.iter().map(status_record).collect()
    }

    async fn request_comments(
        &self,
        engagement: Option<&str>,
    ) -> Result<Vec<RequestCommentRecord>, StoreError> {
        const CONTEXT: &str = "reading request comments";
        let mut conn = self.connection(CONTEXT).await?;
        let rows = sqlx::query(
            "SELECT engagement, control, request, author, at, text FROM request_comments
             WHERE workspace = $1 AND ($2::TEXT IS NULL OR engagement = $2) ORDER BY id",
        )
        .bind(self.workspace_key())
        .bind(engagement)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend(CONTEXT))?;
        Ok(rows.iter().map(comment_record).collect())
    }
}
