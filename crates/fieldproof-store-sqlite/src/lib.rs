//! The SQLite backend of the fieldproof store: the embedded default, one file, schema managed
//! by numbered migrations (`migrations/*.sql`, applied on open).
//!
//! `apply_estate` reads the stored estate, diffs it with the new one and writes the changes and
//! their change-log entries in one immediate transaction, so concurrent applies serialise and a
//! failure leaves the previous estate intact.

use async_trait::async_trait;
use fieldproof_core::diff::{diff, Action, Change, Entity, EntityKind};
use fieldproof_core::Estate;
use fieldproof_store::{
    ApplyOutcome, ChangeMeta, ChangeSet, LedgerEntry, RecordedChange, Sealer, Store, StoreError,
    StoredCatalog, WorkspaceInfo,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::path::{Path, PathBuf};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A workspace store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

fn backend(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::Backend {
        context,
        message: e.to_string(),
    }
}

fn migrate_error(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend {
        context: "upgrading the workspace schema",
        message: e.to_string(),
    }
}

async fn connect(path: &Path, create: bool) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30));
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(backend("opening the workspace database"))
}

impl SqliteStore {
    /// Creates a new workspace database at `path`, recording who created it and when.
    pub async fn create(path: &Path, at: &str, actor: &str) -> Result<Self, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyInitialised {
                location: path.display().to_string(),
            });
        }
        let pool = connect(path, true).await?;
        MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        sqlx::query("INSERT INTO workspace (id, created_at, created_by) VALUES (1, ?, ?)")
            .bind(at)
            .bind(actor)
            .execute(&pool)
            .await
            .map_err(backend("recording the new workspace"))?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing workspace database, applying pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotInitialised {
                location: path.display().to_string(),
            });
        }
        let pool = connect(path, false).await?;
        MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool, checkpointing the write-ahead log.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    key: &str,
    body: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        what,
        key: key.to_string(),
        reason: e.to_string(),
    })
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Decodes the `(key, body)` rows `sql` selects.
async fn read_bodies<T: serde::de::DeserializeOwned>(
    conn: &mut SqliteConnection,
    sql: &'static str,
    what: &'static str,
) -> Result<Vec<T>, StoreError> {
    let rows = sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend("reading the stored estate"))?;
    rows.iter()
        .map(|row| {
            let key: String = row.get(0);
            decode(what, &key, row.get(1))
        })
        .collect()
}

async fn read_estate(conn: &mut SqliteConnection) -> Result<Estate, StoreError> {
    let read = backend("reading the stored estate");
    let mut estate = Estate::default();
    for row in sqlx::query("SELECT key, value FROM settings ORDER BY key")
        .fetch_all(&mut *conn)
        .await
        .map_err(&read)?
    {
        let key: String = row.get(0);
        let value: String = row.get(1);
        match key.as_str() {
            "organisation" => estate.organisation = value,
            "service" => estate.service = value,
            _ => {}
        }
    }
    estate.subservice_organisations = read_bodies(
        conn,
        "SELECT id, body FROM subservice_organisations ORDER BY id",
        "subservice organisation",
    )
    .await?;
    estate.responsibilities = read_bodies(
        conn,
        "SELECT domain, body FROM responsibilities ORDER BY domain",
        "responsibility",
    )
    .await?;
    estate.components = read_bodies(
        conn,
        "SELECT id, body FROM components ORDER BY id",
        "component",
    )
    .await?;
    Ok(estate)
}

/// Starts a write transaction that takes the write lock at once, so that read-then-write
/// sequences (diff, next ledger entry) cannot interleave with another writer.
async fn begin_immediate(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// Commits when `ok`, else rolls back.
async fn finish(conn: &mut SqliteConnection, ok: bool) -> Result<(), sqlx::Error> {
    sqlx::query(if ok { "COMMIT" } else { "ROLLBACK" })
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// Records who, when and how in the change log; returns the change set id.
async fn insert_change_set(
    conn: &mut SqliteConnection,
    meta: &ChangeMeta,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO change_sets (at, actor, command, source, source_sha256) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&meta.at)
    .bind(&meta.actor)
    .bind(&meta.command)
    .bind(&meta.source)
    .bind(&meta.source_sha256)
    .fetch_one(&mut *conn)
    .await
}

/// Records one change of a change set; `fields`, `before` and `after` are JSON text.
#[allow(clippy::too_many_arguments)]
async fn insert_change(
    conn: &mut SqliteConnection,
    set: i64,
    entity: &str,
    key: &str,
    action: &str,
    fields: &str,
    before: &str,
    after: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO changes (change_set, entity, key, action, fields, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(set)
    .bind(entity)
    .bind(key)
    .bind(action)
    .bind(fields)
    .bind(before)
    .bind(after)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

async fn write_change(conn: &mut SqliteConnection, change: &Change) -> Result<(), sqlx::Error> {
    let removing = change.action == Action::Removed;
    match (&change.entity, &change.after) {
        (EntityKind::Setting, Some(Entity::Setting(value))) => {
            sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(&change.key)
                .bind(value)
                .execute(&mut *conn)
                .await?;
        }
        (EntityKind::SubserviceOrganisation, Some(Entity::SubserviceOrganisation(org)))
            if !removing =>
        {
            sqlx::query("INSERT OR REPLACE INTO subservice_organisations (id, method, body) VALUES (?, ?, ?)")
                .bind(&org.id)
                .bind(org.method.as_str())
                .bind(encode(org))
                .execute(&mut *conn)
                .await?;
        }
        (EntityKind::Responsibility, Some(Entity::Responsibility(statement))) if !removing => {
            sqlx::query("INSERT OR REPLACE INTO responsibilities (domain, body) VALUES (?, ?)")
                .bind(statement.domain.as_str())
                .bind(encode(statement))
                .execute(&mut *conn)
                .await?;
        }
        (EntityKind::Component, Some(Entity::Component(c))) if !removing => {
            sqlx::query(
                "INSERT OR REPLACE INTO components (id, kind, operated_by, site, zone, declared_scope, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&c.id)
            .bind(c.kind.as_str())
            .bind(c.operated_by.as_str())
            .bind(c.site.as_str())
            .bind(c.zone.as_str())
            .bind(c.declared_scope.map(|s| s.as_str()))
            .bind(encode(c))
            .execute(&mut *conn)
            .await?;
        }
        _ => {
            let table = match change.entity {
                EntityKind::Setting => "DELETE FROM settings WHERE key = ?",
                EntityKind::SubserviceOrganisation => {
                    "DELETE FROM subservice_organisations WHERE id = ?"
                }
                EntityKind::Responsibility => "DELETE FROM responsibilities WHERE domain = ?",
                EntityKind::Component => "DELETE FROM components WHERE id = ?",
            };
            sqlx::query(table)
                .bind(&change.key)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn workspace(&self) -> Result<WorkspaceInfo, StoreError> {
        let row = sqlx::query("SELECT created_at, created_by FROM workspace WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("reading workspace facts"))?
            .ok_or_else(|| StoreError::NotInitialised {
                location: self.path.display().to_string(),
            })?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(backend("reading the schema version"))?;
        Ok(WorkspaceInfo {
            created_at: row.get(0),
            created_by: row.get(1),
            schema_version: version,
        })
    }

    async fn load_estate(&self) -> Result<Estate, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("opening a connection"))?;
        read_estate(&mut conn).await
    }

    async fn apply_estate(
        &self,
        estate: &Estate,
        meta: &ChangeMeta,
    ) -> Result<ApplyOutcome, StoreError> {
        let write = backend("applying the estate");
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("opening a connection"))?;
        // IMMEDIATE takes the write lock before reading, so two applies cannot diff against the
        // same old estate and both write.
        begin_immediate(&mut conn).await.map_err(&write)?;
        let result = async {
            let current = read_estate(&mut conn).await?;
            let changes = diff(&current, estate);
            if changes.is_empty() {
                return Ok(ApplyOutcome {
                    changes,
                    change_set: None,
                });
            }
            let set = insert_change_set(&mut conn, meta).await.map_err(&write)?;
            for change in &changes {
                write_change(&mut conn, change).await.map_err(&write)?;
                insert_change(
                    &mut conn,
                    set,
                    change.entity.as_str(),
                    &change.key,
                    change.action.as_str(),
                    &encode(&change.fields),
                    &encode(&change.before),
                    &encode(&change.after),
                )
                .await
                .map_err(&write)?;
            }
            Ok(ApplyOutcome {
                changes,
                change_set: Some(set),
            })
        }
        .await;
        finish(&mut conn, result.is_ok()).await.map_err(&write)?;
        result
    }

    async fn save_catalog(
        &self,
        catalog: &StoredCatalog,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        let write = backend("storing the imported catalog");
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("opening a connection"))?;
        begin_immediate(&mut conn).await.map_err(&write)?;
        let result = async {
            let previous: Option<(String, String, String)> =
                sqlx::query_as("SELECT sha256, name, source FROM imported_catalogs WHERE id = ?")
                    .bind(&catalog.id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(&write)?;
            if previous.as_ref().is_some_and(|(sha, _, _)| *sha == catalog.sha256) {
                return Ok(None);
            }
            sqlx::query(
                "INSERT OR REPLACE INTO imported_catalogs (id, name, aliases, kind, source, sha256, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&catalog.id)
            .bind(&catalog.name)
            .bind(encode(&catalog.aliases))
            .bind(&catalog.kind)
            .bind(&catalog.source)
            .bind(&catalog.sha256)
            .bind(&catalog.document)
            .execute(&mut *conn)
            .await
            .map_err(&write)?;
            let set = insert_change_set(&mut conn, meta).await.map_err(&write)?;
            let summary = |name: &str, source: &str, sha: &str| {
                serde_json::json!({ "name": name, "source": source, "sha256": sha })
            };
            let before = previous.as_ref().map(|(sha, name, source)| summary(name, source, sha));
            let after = summary(&catalog.name, &catalog.source, &catalog.sha256);
            insert_change(
                &mut conn,
                set,
                "catalog",
                &catalog.id,
                if previous.is_some() { "changed" } else { "added" },
                "[]",
                &encode(&before),
                &encode(&after),
            )
            .await
            .map_err(&write)?;
            Ok(Some(set))
        }
        .await;
        finish(&mut conn, result.is_ok()).await.map_err(&write)?;
        result
    }

    async fn catalogs(&self) -> Result<Vec<StoredCatalog>, StoreError> {
        let rows = sqlx::query("SELECT id, name, aliases, kind, source, sha256, document FROM imported_catalogs ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading imported catalogs"))?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.get(0);
                Ok(StoredCatalog {
                    aliases: decode("imported catalog", &id, row.get(2))?,
                    name: row.get(1),
                    kind: row.get(3),
                    source: row.get(4),
                    sha256: row.get(5),
                    document: row.get(6),
                    id,
                })
            })
            .collect()
    }

    async fn append_ledger(&self, seal: Sealer<'_>) -> Result<LedgerEntry, StoreError> {
        let write = backend("appending to the evidence ledger");
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("opening a connection"))?;
        begin_immediate(&mut conn).await.map_err(&write)?;
        let result = async {
            let last: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(&write)?;
            let (seq, prev) = match last {
                Some((seq, hash)) => (seq + 1, hash),
                None => (1, "0".repeat(64)),
            };
            let entry = seal(seq, &prev);
            sqlx::query(
                "INSERT INTO ledger (seq, prev, body, hash, signature) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(entry.seq)
            .bind(&entry.prev)
            .bind(encode(&entry.body))
            .bind(&entry.hash)
            .bind(&entry.signature)
            .execute(&mut *conn)
            .await
            .map_err(&write)?;
            Ok(entry)
        }
        .await;
        finish(&mut conn, result.is_ok()).await.map_err(&write)?;
        result
    }

    async fn ledger(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = sqlx::query("SELECT seq, prev, body, hash, signature FROM ledger ORDER BY seq")
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading the evidence ledger"))?;
        rows.into_iter()
            .map(|row| {
                let seq: i64 = row.get(0);
                let body: String = row.get(2);
                Ok(LedgerEntry {
                    seq,
                    prev: row.get(1),
                    // A body that is not JSON is kept as a string so that verification reports it
                    // as a hash mismatch rather than failing to read the ledger at all.
                    body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                    hash: row.get(3),
                    signature: row.get(4),
                })
            })
            .collect()
    }

    async fn save_engagement(
        &self,
        engagement: &fieldproof_core::engagement::Engagement,
        meta: &ChangeMeta,
    ) -> Result<(), StoreError> {
        let write = backend("saving the engagement");
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("opening a connection"))?;
        begin_immediate(&mut conn).await.map_err(&write)?;
        let result = async {
            let before: Option<String> =
                sqlx::query_scalar("SELECT body FROM engagements WHERE id = ?")
                    .bind(&engagement.id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(&write)?;
            let body = encode(engagement);
            if before.as_deref() == Some(body.as_str()) {
                return Ok(());
            }
            sqlx::query("INSERT OR REPLACE INTO engagements (id, body) VALUES (?, ?)")
                .bind(&engagement.id)
                .bind(&body)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            let set = insert_change_set(&mut conn, meta).await.map_err(&write)?;
            let before_value: serde_json::Value = before
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(serde_json::Value::Null);
            insert_change(
                &mut conn,
                set,
                "engagement",
                &engagement.id,
                if before.is_some() { "changed" } else { "added" },
                "[]",
                &encode(&before_value),
                &body,
            )
            .await
            .map_err(&write)?;
            Ok(())
        }
        .await;
        finish(&mut conn, result.is_ok()).await.map_err(&write)?;
        result
    }

    async fn engagements(
        &self,
    ) -> Result<Vec<fieldproof_core::engagement::Engagement>, StoreError> {
        let rows = sqlx::query("SELECT id, body FROM engagements ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading engagements"))?;
        rows.into_iter()
            .map(|row| {
                let id: String = row.get(0);
                decode("engagement", &id, row.get(1))
            })
            .collect()
    }

    async fn change_log(&self, limit: u32) -> Result<Vec<ChangeSet>, StoreError> {
        let read = backend("reading the change log");
        let sets = sqlx::query(
            "SELECT id, at, actor, command, source, source_sha256 FROM change_sets ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(&read)?;
        let mut out = Vec::with_capacity(sets.len());
        for set in sets {
            let id: i64 = set.get(0);
            let rows = sqlx::query(
                "SELECT entity, key, action, fields, before, after FROM changes WHERE change_set = ? ORDER BY id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(&read)?;
            let mut changes = Vec::with_capacity(rows.len());
            for row in rows {
                let key: String = row.get(1);
                changes.push(RecordedChange {
                    entity: row.get(0),
                    action: row.get(2),
                    fields: decode("change", &key, row.get(3))?,
                    before: decode("change", &key, row.get(4))?,
                    after: decode("change", &key, row.get(5))?,
                    key,
                });
            }
            out.push(ChangeSet {
                id,
                meta: ChangeMeta {
                    at: set.get(1),
                    actor: set.get(2),
                    command: set.get(3),
                    source: set.get(4),
                    source_sha256: set.get(5),
                },
                changes,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
