//! The auditor's review of evidence requests in the SQLite workspace.

use crate::{backend, SqliteStore};
use async_trait::async_trait;
use fieldproof_core::access::ReviewStatus;
use fieldproof_store::{RequestCommentRecord, RequestStatusRecord, ReviewStore, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

/// Adds a status row.
pub(crate) async fn insert_status(
    conn: &mut SqliteConnection,
    s: &RequestStatusRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_statuses (engagement, control, request, status, by_actor, at) VALUES (?, ?, ?, ?, ?, ?)",
    )
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
    conn: &mut SqliteConnection,
    c: &RequestCommentRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_comments (engagement, control, request, author, at, text) VALUES (?, ?, ?, ?, ?, ?)",
    )
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
pub(crate) fn status_record(r: &SqliteRow) -> Result<RequestStatusRecord, StoreError> {
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
pub(crate) fn comment_record(r: &SqliteRow) -> RequestCommentRecord {
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
impl ReviewStore for SqliteStore {
    async fn add_request_status(&self, status: &RequestStatusRecord) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        insert_status(&mut conn, status)
            .await
            .map_err(backend("recording a request's status"))
    }

    async fn add_request_comment(&self, comment: &RequestCommentRecord) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        insert_comment(&mut conn, comment)
            .await
            .map_err(backend("recording a comment"))
    }

    async fn request_statuses(
        &self,
        engagement: Option<&str>,
    ) -> Result<Vec<RequestStatusRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT engagement, control, request, status, by_actor, at FROM request_statuses
             WHERE ?1 IS NULL OR engagement = ?1 ORDER BY id",
        )
        .bind(engagement)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading request statuses"))?;
        rows.iter().map(status_record).collect()
    }

    async fn request_comments(
        &self,
        engagement: Option<&str>,
    ) -> Result<Vec<RequestCommentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT engagement, control, request, author, at, text FROM request_comments
             WHERE ?1 IS NULL OR engagement = ?1 ORDER BY id",
        )
        .bind(engagement)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading request comments"))?;
        Ok(rows.iter().map(comment_record).collect())
    }
}
