//! The supplier register in the SQLite workspace.

use crate::{backend, end, insert_change, insert_change_set, SqliteStore};
use async_trait::async_trait;
use fieldproof_store::{ChangeMeta, RegisterEntry, RegisterKind, RegisterStore, StoreError};
use sqlx::{Row, SqliteConnection};

/// Writes `entry` (inserting or replacing its body).
pub(crate) async fn put(
    conn: &mut SqliteConnection,
    entry: &RegisterEntry,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO register_entries (kind, key, body) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body")
        .bind(entry.kind.as_str())
        .bind(&entry.key)
        .bind(entry.body.to_string())
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

#[async_trait]
impl RegisterStore for SqliteStore {
    async fn save_register_entry(
        &self,
        entry: &RegisterEntry,
        add_only: bool,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        const CONTEXT: &str = "saving to the supplier register";
        let mut guard = self.begin(CONTEXT).await?;
        let conn: &mut SqliteConnection = &mut guard;
        let result = async move {
            let write = backend(CONTEXT);
            let before: Option<String> =
                sqlx::query_scalar("SELECT body FROM register_entries WHERE kind = ? AND key = ?")
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
            put(conn, entry).await.map_err(&write)?;
            let set = insert_change_set(conn, meta).await.map_err(&write)?;
            insert_change(
                conn,
                set,
                entry.kind.as_str(),
                &entry.key,
                if before.is_some() { "changed" } else { "added" },
                "[]",
                &before.unwrap_or(serde_json::Value::Null).to_string(),
                &entry.body.to_string(),
            )
            .await
            .map_err(&write)?;
            Ok(Some(set))
        }
        .await;
        end(guard, CONTEXT, result).await
    }

    async fn register_entries(&self, kind: RegisterKind) -> Result<Vec<RegisterEntry>, StoreError> {
        let rows =
            sqlx::query("SELECT key, body FROM register_entries WHERE kind = ? ORDER BY key")
                .bind(kind.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(backend("reading the supplier register"))?;
        rows.into_iter()
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
