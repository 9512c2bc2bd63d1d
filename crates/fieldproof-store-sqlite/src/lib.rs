//! The SQLite backend of the fieldproof store: the embedded default, one file, schema managed
//! by numbered migrations (`migrations/*.sql`, applied on open).
//!
//! Every write (`apply_estate`, ledger appends, imports, engagements) runs in one `BEGIN
//! IMMEDIATE` transaction: it takes the write lock before reading, so read-then-write sequences
//! (a diff, the next ledger entry and its index checks) serialise between processes, and a
//! failure leaves the previous state intact. Closing checkpoints the write-ahead log into the
//! main file, so the workspace database is one file between commands.

use async_trait::async_trait;
use fieldproof_core::diff::{diff, Action, Change, Entity, EntityKind};
use fieldproof_core::engagement::Engagement;
use fieldproof_core::status::{apply_changes, plan_changes, PlanEntity, StatusPlan};
use fieldproof_core::Estate;
use fieldproof_store::append::{append_in, catch_up_in, LedgerTransaction};
use fieldproof_store::codec::{decode, encode, ledger_body};
use fieldproof_store::{
    Append, Appended, ApplyOutcome, BackupInfo, CatalogStore, ChangeLogStore, ChangeMeta,
    ChangeSet, EngagementStore, EstateStore, EvidenceQuery, EvidenceState, IndexUpdate,
    IndexedEvidence, KeyRecord, LedgerEntry, LedgerHead, LedgerStore, PlanOutcome, RecordedChange,
    Snapshot, StatusStore, StoreError, StoredCatalog, WorkspaceInfo, WorkspaceStore,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod accounts;
mod register;
mod reviews;

pub use accounts::SqliteAccountStore;

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

    async fn connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, StoreError> {
        self.pool
            .acquire()
            .await
            .map_err(backend("opening a connection"))
    }

    /// A connection inside a `BEGIN IMMEDIATE` transaction; hand it back with [`end`].
    async fn begin(
        &self,
        context: &'static str,
    ) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, StoreError> {
        let mut conn = self.connection().await?;
        begin_immediate(&mut conn).await.map_err(backend(context))?;
        Ok(conn)
    }
}

/// Commits the transaction of [`SqliteStore::begin`] when `result` is a success, else rolls it
/// back, and returns `result`.
async fn end<T>(
    mut conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    context: &'static str,
    result: Result<T, StoreError>,
) -> Result<T, StoreError> {
    finish(&mut conn, result.is_ok())
        .await
        .map_err(backend(context))?;
    result
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
            "time_zone" => estate.time_zone = Some(value),
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
    if change.entity.is_recorded_only() {
        return Ok(()); // asset moves and scope changes explain the component changes
    }
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
                EntityKind::Asset | EntityKind::ScopeDecision => return Ok(()),
            };
            sqlx::query(table)
                .bind(&change.key)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

async fn insert_catalog(
    conn: &mut SqliteConnection,
    catalog: &StoredCatalog,
) -> Result<(), sqlx::Error> {
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
    .map(|_| ())
}

async fn insert_plan(
    conn: &mut SqliteConnection,
    engagement: &str,
    plan: &StatusPlan,
) -> Result<(), sqlx::Error> {
    let rows = plan
        .statuses
        .iter()
        .map(|s| (PlanEntity::ControlStatus, s.control.clone(), encode(s)))
        .chain(
            plan.pins
                .iter()
                .map(|p| (PlanEntity::RoadmapPin, p.item.clone(), encode(p))),
        );
    for (entity, key, body) in rows {
        sqlx::query(
            "INSERT INTO control_status (engagement, entity, key, body) VALUES (?, ?, ?, ?)",
        )
        .bind(engagement)
        .bind(entity.as_str())
        .bind(&key)
        .bind(&body)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_entry(conn: &mut SqliteConnection, entry: &LedgerEntry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ledger (seq, prev, body, hash, signature, format, body_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.seq)
    .bind(&entry.prev)
    .bind(encode(&entry.body))
    .bind(&entry.hash)
    .bind(&entry.signature)
    .bind(i64::from(entry.format))
    .bind(&entry.body_sha256)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

#[async_trait]
impl WorkspaceStore for SqliteStore {
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

    async fn restore(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        const CONTEXT: &str = "copying into the SQLite workspace";
        let mut guard = self.begin(CONTEXT).await?;
        let conn: &mut SqliteConnection = &mut guard;
        let result = async move {
            let write = backend(CONTEXT);
            let held: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM change_sets) + (SELECT COUNT(*) FROM ledger) \
                 + (SELECT COUNT(*) FROM components) + (SELECT COUNT(*) FROM settings) \
                 + (SELECT COUNT(*) FROM imported_catalogs) + (SELECT COUNT(*) FROM engagements) \
                 + (SELECT COUNT(*) FROM register_entries)",
            )
            .fetch_one(&mut *conn)
            .await
            .map_err(&write)?;
            if held > 0 {
                return Err(StoreError::AlreadyInitialised {
                    location: format!(
                        "{} (it holds data already; copy into an empty workspace)",
                        self.path.display()
                    ),
                });
            }
            sqlx::query("UPDATE workspace SET created_at = ?, created_by = ? WHERE id = 1")
                .bind(&snapshot.created_at)
                .bind(&snapshot.created_by)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            sqlx::query("UPDATE ledger_index_state SET indexed_seq = 0 WHERE id = 1")
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            for change in diff(&Estate::default(), &snapshot.estate) {
                write_change(conn, &change).await.map_err(&write)?;
            }
            for set in &snapshot.change_log {
                sqlx::query("INSERT INTO change_sets (id, at, actor, command, source, source_sha256) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind(set.id)
                    .bind(&set.meta.at)
                    .bind(&set.meta.actor)
                    .bind(&set.meta.command)
                    .bind(&set.meta.source)
                    .bind(&set.meta.source_sha256)
                    .execute(&mut *conn)
                    .await
                    .map_err(&write)?;
                for c in &set.changes {
                    insert_change(
                        conn,
                        set.id,
                        &c.entity,
                        &c.key,
                        &c.action,
                        &encode(&c.fields),
                        &encode(&c.before),
                        &encode(&c.after),
                    )
                    .await
                    .map_err(&write)?;
                }
            }
            for catalog in &snapshot.catalogs {
                insert_catalog(conn, catalog).await.map_err(&write)?;
            }
            for engagement in &snapshot.engagements {
                sqlx::query("INSERT INTO engagements (id, body) VALUES (?, ?)")
                    .bind(&engagement.id)
                    .bind(encode(engagement))
                    .execute(&mut *conn)
                    .await
                    .map_err(&write)?;
            }
            for (engagement, plan) in &snapshot.statuses {
                insert_plan(conn, engagement, plan).await.map_err(&write)?;
            }
            for entry in &snapshot.ledger {
                insert_entry(conn, entry).await.map_err(&write)?;
            }
            for status in &snapshot.request_statuses {
                reviews::insert_status(conn, status).await.map_err(&write)?;
            }
            for comment in &snapshot.request_comments {
                reviews::insert_comment(conn, comment).await.map_err(&write)?;
            }
            for entry in &snapshot.register {
                register::put(conn, entry).await.map_err(&write)?;
            }
            Ok(())
        }
        .await;
        end(guard, CONTEXT, result).await
    }

    async fn backup(&self, to: &Path) -> Result<BackupInfo, StoreError> {
        if to.exists() {
            return Err(StoreError::Backend {
                context: "writing the backup",
                message: format!("{} already exists; choose a new file name", to.display()),
            });
        }
        // VACUUM INTO writes a consistent snapshot of the database as of one read transaction,
        // including whatever is still in the write-ahead log, into one self-contained file.
        sqlx::query("VACUUM INTO ?")
            .bind(to.display().to_string())
            .execute(&self.pool)
            .await
            .map_err(backend("writing the backup"))?;
        let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
        Ok(BackupInfo {
            path: to.display().to_string(),
            bytes,
        })
    }

    async fn close(&self) {
        // Fold the write-ahead log into the main file so that the database is one file between
        // commands (copying fieldproof.db alone must not lose the last changes).
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}

#[async_trait]
impl EstateStore for SqliteStore {
    async fn load_estate(&self) -> Result<Estate, StoreError> {
        let mut conn = self.connection().await?;
        read_estate(&mut conn).await
    }

    async fn apply_estate(
        &self,
        estate: &Estate,
        meta: &ChangeMeta,
    ) -> Result<ApplyOutcome, StoreError> {
        // IMMEDIATE takes the write lock before reading, so two applies cannot diff against the
        // same old estate and both write.
        let mut guard = self.begin("applying the estate").await?;
        let conn: &mut SqliteConnection = &mut guard;
        let result = async move {
            let write = backend("applying the estate");
            let current = read_estate(conn).await?;
            let changes = diff(&current, estate);
            if changes.is_empty() {
                return Ok(ApplyOutcome {
                    changes,
                    change_set: None,
                });
            }
            let set = insert_change_set(conn, meta).await.map_err(&write)?;
            for change in &changes {
                write_change(conn, change).await.map_err(&write)?;
                insert_change(
                    conn,
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
        end(guard, "applying the estate", result).await
    }
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn save_catalog(
        &self,
        catalog: &StoredCatalog,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        let mut guard = self.begin("storing the imported catalog").await?;
        let conn: &mut SqliteConnection = &mut guard;
        let result = async move {
                let write = backend("storing the imported catalog");
                let previous: Option<(String, String, String)> = sqlx::query_as(
                    "SELECT sha256, name, source FROM imported_catalogs WHERE id = ?",
                )
                .bind(&catalog.id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(&write)?;
                if previous
                    .as_ref()
                    .is_some_and(|(sha, _, _)| *sha == catalog.sha256)
                {
                    return Ok(None);
                }
                insert_catalog(conn, catalog).await.map_err(&write)?;
                let set = insert_change_set(conn, meta).await.map_err(&write)?;
                let summary = |name: &str, source: &str, sha: &str| {
                    serde_json::json!({ "name": name, "source": source, "sha256": sha })
                };
                let before = previous
                    .as_ref()
                    .map(|(sha, name, source)| summary(name, source, sha));
                let after = summary(&catalog.name, &catalog.source, &catalog.sha256);
                insert_change(
                    conn,
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
        end(guard, "storing the imported catalog", result).await
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
}

#[async_trait]
impl EngagementStore for SqliteStore {
    async fn save_engagement(
        &self,
        engagement: &Engagement,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        let mut guard = self.begin("saving the engagement").await?;
        let conn: &mut SqliteConnection = &mut guard;
        let result = async move {
            let write = backend("saving the engagement");
            let before: Option<String> =
                sqlx::query_scalar("SELECT body FROM engagements WHERE id = ?")
                    .bind(&engagement.id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(&write)?;
            let body = encode(engagement);
            // Compare decoded values: a body stored by an older version may spell an
            // unchanged engagement differently.
            let before_value: serde_json::Value = before
                .as_deref()
                .and_then(|b| serde_json::from_str::<Engagement>(b).ok())
                .map(|e| serde_json::to_value(e).unwrap_or_default())
                .unwrap_or(serde_json::Value::Null);
            if before_value == serde_json::to_value(engagement).unwrap_or_default() {
                return Ok(None);
            }
            sqlx::query("INSERT OR REPLACE INTO engagements (id, body) VALUES (?, ?)")
                .bind(&engagement.id)
                .bind(&body)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            let set = insert_change_set(conn, meta).await.map_err(&write)?;
            insert_change(
                conn,
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
            Ok(Some(set))
        }
        .await;
        end(guard, "saving the engagement", result).await
    }

    async fn engagements(&self) -> Result<Vec<Engagement>, StoreError> {
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
}

#[async_trait]
impl StatusStore for SqliteStore {
    async fn planned_engagements(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT DISTINCT engagement FROM control_status ORDER BY engagement")
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading control statuses"))
    }

    async fn status_plan(&self, engagement: &str) -> Result<StatusPlan, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("reading control statuses"))?;
        read_plan(&mut conn, engagement).await
    }

    async fn save_status_plan(
        &self,
        engagement: &str,
        plan: &StatusPlan,
        partial: bool,
        meta: &ChangeMeta,
    ) -> Result<PlanOutcome, StoreError> {
        let mut guard = self.begin("saving control statuses").await?;
        let conn: &mut SqliteConnection = &mut guard;
        let result = async move {
            let write = backend("saving control statuses");
            let old = read_plan(conn, engagement).await?;
            let changes = plan_changes(&old, plan, partial);
            if changes.is_empty() {
                return Ok(PlanOutcome {
                    changes,
                    change_set: None,
                });
            }
            let new = apply_changes(&old, &changes);
            sqlx::query("DELETE FROM control_status WHERE engagement = ?")
                .bind(engagement)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            insert_plan(conn, engagement, &new).await.map_err(&write)?;
            let set = insert_change_set(conn, meta).await.map_err(&write)?;
            for change in &changes {
                insert_change(
                    conn,
                    set,
                    change.entity.as_str(),
                    &format!("{engagement}#{}", change.key),
                    change.action.as_str(),
                    &encode(&change.fields),
                    &encode(&change.before),
                    &encode(&change.after),
                )
                .await
                .map_err(&write)?;
            }
            Ok(PlanOutcome {
                changes,
                change_set: Some(set),
            })
        }
        .await;
        end(guard, "saving control statuses", result).await
    }
}

async fn read_plan(
    conn: &mut SqliteConnection,
    engagement: &str,
) -> Result<StatusPlan, StoreError> {
    let rows = sqlx::query(
        "SELECT entity, key, body FROM control_status WHERE engagement = ? ORDER BY entity, key",
    )
    .bind(engagement)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend("reading control statuses"))?;
    let mut plan = StatusPlan::default();
    for row in rows {
        let entity: String = row.get(0);
        let key: String = row.get(1);
        let body: String = row.get(2);
        if entity == PlanEntity::ControlStatus.as_str() {
            plan.statuses.push(decode("control status", &key, &body)?);
        } else {
            plan.pins.push(decode("roadmap pin", &key, &body)?);
        }
    }
    plan.normalise();
    Ok(plan)
}

#[async_trait]
impl ChangeLogStore for SqliteStore {
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

/// The index state of the evidence recorded at `seq`.
async fn evidence_state(
    conn: &mut SqliteConnection,
    seq: i64,
) -> Result<EvidenceState, sqlx::Error> {
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT status, status_seq FROM evidence_index WHERE seq = ?")
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(EvidenceState::from_index(row))
}

/// Records what `update` tells the index about entry `seq`.
async fn index(
    conn: &mut SqliteConnection,
    seq: i64,
    update: &IndexUpdate,
) -> Result<(), sqlx::Error> {
    match update {
        IndexUpdate::None => {}
        IndexUpdate::Key { public_key } => {
            sqlx::query("INSERT INTO ledger_keys (seq, public_key) VALUES (?, ?)")
                .bind(seq)
                .bind(public_key)
                .execute(&mut *conn)
                .await?;
        }
        IndexUpdate::Evidence {
            sha256,
            engagement,
            dedup,
            supersedes,
        } => {
            sqlx::query("INSERT INTO evidence_index (seq, sha256, engagement, dedup, status) VALUES (?, ?, ?, ?, 'current')")
                .bind(seq)
                .bind(sha256)
                .bind(engagement)
                .bind(dedup)
                .execute(&mut *conn)
                .await?;
            if let Some(old) = supersedes {
                sqlx::query(
                    "UPDATE evidence_index SET status = 'superseded', status_seq = ? WHERE seq = ?",
                )
                .bind(seq)
                .bind(old)
                .execute(&mut *conn)
                .await?;
            }
        }
        IndexUpdate::Retire { seq: old } => {
            sqlx::query(
                "UPDATE evidence_index SET status = 'retired', status_seq = ? WHERE seq = ?",
            )
            .bind(seq)
            .bind(old)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The statements of a ledger append or index catch-up in SQLite, inside the caller's
/// transaction; the algorithm is the store crate's ([`append_in`], [`catch_up_in`]).
struct LedgerTx<'c> {
    conn: &'c mut SqliteConnection,
    context: &'static str,
}

#[async_trait]
impl LedgerTransaction for LedgerTx<'_> {
    async fn evidence_state(&mut self, seq: i64) -> Result<EvidenceState, StoreError> {
        evidence_state(self.conn, seq)
            .await
            .map_err(backend(self.context))
    }

    async fn current_with_dedup(&mut self, dedup: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT seq FROM evidence_index WHERE dedup = ? AND status = 'current' ORDER BY seq LIMIT 1",
        )
        .bind(dedup)
        .fetch_optional(&mut *self.conn)
        .await
        .map_err(backend(self.context))
    }

    async fn last_entry(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *self.conn)
            .await
            .map_err(backend(self.context))
    }

    async fn insert_entry(&mut self, entry: &LedgerEntry) -> Result<(), StoreError> {
        insert_entry(self.conn, entry)
            .await
            .map_err(backend(self.context))
    }

    async fn index(&mut self, seq: i64, update: &IndexUpdate) -> Result<(), StoreError> {
        index(self.conn, seq, update)
            .await
            .map_err(backend(self.context))
    }

    async fn indexed_up_to(&mut self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT indexed_seq FROM ledger_index_state WHERE id = 1")
            .fetch_one(&mut *self.conn)
            .await
            .map_err(backend(self.context))
    }

    async fn set_indexed(&mut self, seq: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE ledger_index_state SET indexed_seq = ? WHERE id = 1")
            .bind(seq)
            .execute(&mut *self.conn)
            .await
            .map(|_| ())
            .map_err(backend(self.context))
    }
}

fn entry_of(row: &sqlx::sqlite::SqliteRow) -> LedgerEntry {
    let body: String = row.get(2);
    let format: i64 = row.get(3);
    LedgerEntry {
        seq: row.get(0),
        prev: row.get(1),
        body: ledger_body(body),
        format: u8::try_from(format).unwrap_or(u8::MAX),
        body_sha256: row.get(4),
        hash: row.get(5),
        signature: row.get(6),
    }
}

const ENTRY_COLUMNS: &str = "ledger.seq, ledger.prev, ledger.body, ledger.format, ledger.body_sha256, ledger.hash, ledger.signature";

#[async_trait]
impl LedgerStore for SqliteStore {
    async fn append(&self, append: Append<'_>) -> Result<Appended, StoreError> {
        const CONTEXT: &str = "appending to the evidence ledger";
        let mut guard = self.begin(CONTEXT).await?;
        let result = append_in(
            &mut LedgerTx {
                conn: &mut guard,
                context: CONTEXT,
            },
            append,
        )
        .await;
        end(guard, CONTEXT, result).await
    }

    async fn head(&self) -> Result<Option<LedgerHead>, StoreError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(backend("reading the ledger head"))?;
        Ok(row.map(|(seq, hash)| LedgerHead { seq, hash }))
    }

    async fn entry(&self, seq: i64) -> Result<Option<LedgerEntry>, StoreError> {
        let row = sqlx::query(&format!("SELECT {ENTRY_COLUMNS} FROM ledger WHERE seq = ?"))
            .bind(seq)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("reading the evidence ledger"))?;
        Ok(row.as_ref().map(entry_of))
    }

    async fn entries(&self, after: i64, limit: u32) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading the evidence ledger"))?;
        Ok(rows.iter().map(entry_of).collect())
    }

    async fn evidence(&self, query: &EvidenceQuery) -> Result<Vec<IndexedEvidence>, StoreError> {
        let select = "SELECT evidence_index.seq, evidence_index.status, evidence_index.status_seq, ledger.body FROM evidence_index JOIN ledger ON ledger.seq = evidence_index.seq";
        let read = backend("reading the evidence index");
        let rows = match query {
            EvidenceQuery::All => sqlx::query(&format!("{select} ORDER BY evidence_index.seq"))
                .fetch_all(&self.pool)
                .await,
            EvidenceQuery::At(seq) => {
                sqlx::query(&format!("{select} WHERE evidence_index.seq = ?"))
                    .bind(seq)
                    .fetch_all(&self.pool)
                    .await
            }
            EvidenceQuery::CurrentFor(engagement) => sqlx::query(&format!(
                "{select} WHERE evidence_index.status = 'current' AND (evidence_index.engagement = ? OR evidence_index.engagement IS NULL) ORDER BY evidence_index.seq"
            ))
            .bind(engagement)
            .fetch_all(&self.pool)
            .await,
        }
        .map_err(read)?;
        Ok(rows
            .iter()
            .map(|row| IndexedEvidence {
                seq: row.get(0),
                state: EvidenceState::from_index(Some((row.get(1), row.get(2)))),
                body: row.get(3),
            })
            .collect())
    }

    async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, public_key FROM ledger_keys ORDER BY seq")
                .fetch_all(&self.pool)
                .await
                .map_err(backend("reading the ledger keys"))?;
        Ok(rows
            .into_iter()
            .map(|(seq, public_key)| KeyRecord { seq, public_key })
            .collect())
    }

    async fn indexed_up_to(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT indexed_seq FROM ledger_index_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(backend("reading the evidence index"))
    }

    async fn catch_up_index(&self, updates: &[(i64, IndexUpdate)]) -> Result<(), StoreError> {
        const CONTEXT: &str = "indexing the evidence ledger";
        let mut guard = self.begin(CONTEXT).await?;
        let result = catch_up_in(
            &mut LedgerTx {
                conn: &mut guard,
                context: CONTEXT,
            },
            CONTEXT,
            updates,
        )
        .await;
        end(guard, CONTEXT, result).await
    }
}

#[cfg(test)]
mod tests;
