//! The supplier register in a PostgreSQL workspace.

use crate::{backend, end, insert_change_set, insert_changes, ChangeRow, PgStore};
use async_trait::async_trait;
use fieldproof_store::{ChangeMeta, RegisterEntry, RegisterKind, RegisterStore, StoreError};
use sqlx::{PgConnection, Row};

/// Writes `entry` (inserting or replacing its body).
pub(crate) async fn put(
    conn: &mut PgConnection,
    ws: &str,
    entry: &RegisterEntry,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO register_entries (workspace, kind, key, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace, kind, key) DO UPDATE SET body = excluded.body",
    )
    .bind(ws)
    .bind(entry.kind.as_str())
    .bind(&entry.key)
    .bind(entry.body.to_string())
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

#[async_trait]
impl RegisterStore for PgStore {
    async fn save_register_entry(
        &self,
        entry: &RegisterEntry,
        add_only: bool,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        const CONTEXT: &str = "saving to the supplier register";
        let mut tx = self.begin(CONTEXT).await?;
        let ws = self.workspace_key();
        let result = async {
            let conn: &mut PgConnection = &mut tx;
            let write = backend(CONTEXT);
            let before: Option<String> = sqlx::query_scalar(
                "SELECT body FROM register_entries WHERE workspace = $1 AND kind = $2 AND key = $3",
            )
            .bind(ws)
            .bind(entry.kind.as_str())
            .bind(&entry.key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(&write)?;
            let before: Option<serde_json::Value> =
                before.as_deref().and_then(|b| serde_json::from_str(b).ok());
            if before.is_some() && add_only {
                return Err(StoreError::Exists {
                    what: entry.kind.as_str(),
                    key: entry.key.clone(),
                });
            }
            if before.as_ref() == Some(&entry.body) {
                return Ok(None);
            }
            put(conn, ws, entry).await.map_err(&write)?;
            let set = insert_change_set(conn, ws, meta).await.map_err(&write)?;
            let row = ChangeRow {
                entity: entry.kind.as_str(),
                key: &entry.key,
                action: if before.is_some() { "changed" } else { "added" },
                fields: "[]".into(),
                before: before.unwrap_or(serde_json::Value::Null).to_string(),
                after: entry.body.to_string(),
            };
            insert_changes(conn, ws, set, &[row])
                .await
                .map_err(&write)?;
            Ok(Some(set))
        }
        .await;
        end(tx, CONTEXT, result).await
    }

    async fn register_entries(&self, kind: RegisterKind) -> Result<Vec<RegisterEntry>, StoreError> {
        const CONTEXT: &str = "reading the supplier register";
        let mut conn = self.connection(CONTEXT).await?;
        let rows = sqlx::query(
            "SELECT key, body FROM register_entries WHERE workspace = $1 AND kind = $2 ORDER BY key COLLATE \"C\"",
        )
        .bind(self.workspace_key())
        .bind(kind.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(backend(CONTEXT))?;
        rows.iter()
            .map(|row| {
                let key: String = row.get(0);
                let body: String = row.get(1);
                let body = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                    what: "supplier register entry",
                    key: key.clone(),
                    reason: e.to_string(),
                })?;
                Ok(RegisterEntry { kind, key, body })
            })
            .collect()
    }
}
