//! The PostgreSQL backend of the fieldproof store, for a team's server.
//!
//! One database holds every workspace (one per organisation of `fieldproof serve`); every row
//! carries its workspace key and every statement names it, so a store only ever sees its own
//! workspace. The schema is managed by numbered migrations (`migrations/*.sql`), run on open by
//! the account in the URL, which owns the schema; everything else then runs as the role
//! `fieldproof_app`, which may add to the ledger and the change log but has no privilege to
//! change or delete them, and triggers refuse that to the owner too.
//!
//! Every write takes the workspace's row lock (`SELECT ... FOR UPDATE`) first, so read-then-write
//! sequences (a diff, the next ledger entry and its index checks) serialise between connections
//! and server processes exactly as SQLite's `BEGIN IMMEDIATE` does between processes on one
//! file, and a failure rolls back to the previous state.
//!
//! Store URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?workspace=NAME&...]`; the
//! workspace defaults to `default`, other parameters are PostgreSQL's (`sslmode`, ...).

#[cfg(feature = "testing")]
pub mod testing;

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Connection, Executor, PgConnection, PgPool, Postgres, Row, Transaction};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

mod accounts;
mod register;
mod reviews;

pub use accounts::PgAccountStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A boxed `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The role every statement runs as once the schema is up to date (migration 0002).
pub const APPLICATION_ROLE: &str = "fieldproof_app";

/// The most connections one store opens unless the URL says `pool_max=N`: a server keeps a
/// store per organisation, and PostgreSQL allows 100 connections by default.
pub const DEFAULT_POOL_MAX: u32 = 4;

/// Rows per statement when many are written at once (a copy, a large apply): 1,000 rows of at
/// most 9 columns stay far below PostgreSQL's 65,535 parameters per statement.
const BATCH_ROWS: usize = 1_000;

/// The workspace a URL without `workspace=` names.
pub const DEFAULT_WORKSPACE: &str = "default";

/// A parsed PostgreSQL store URL: the connection and the workspace inside the database.
#[derive(Clone)]
pub struct PgUrl {
    options: PgConnectOptions,
    /// The workspace key.
    pub workspace: String,
    /// The URL without its password, for messages.
    pub display: String,
    /// The most connections the store's pool opens (`pool_max=N`, default
    /// [`DEFAULT_POOL_MAX`]).
    pub pool_max: u32,
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgUrl")
            .field("display", &self.display)
            .field("workspace", &self.workspace)
            .finish_non_exhaustive()
    }
}

/// Whether `name` can key a workspace: 1 to 64 of `a-z 0-9 - _ .`, starting with a letter or
/// digit (the same rule as the web app's organisation ids).
pub fn valid_workspace(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

impl PgUrl {
    /// Parses `postgres://...` or `postgresql://...`, taking `workspace=NAME` out of the query.
    pub fn parse(url: &str) -> Result<PgUrl, StoreError> {
        let bad = |message: String| StoreError::Url {
            url: redact(url),
            message,
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad("a PostgreSQL store URL starts with postgres://".into()));
        }
        let (base, own, connect) = split_query(url);
        let mut workspace = DEFAULT_WORKSPACE.to_string();
        let mut pool_max = DEFAULT_POOL_MAX;
        for (name, value) in own {
            if name == "workspace" {
                workspace = value.to_string();
            } else {
                pool_max = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        bad(format!(
                            "pool_max={value}: give the most connections the store may open, 1 to 1000"
                        ))
                    })?;
            }
        }
        if !valid_workspace(&workspace) {
            return Err(bad(format!(
                "workspace '{workspace}' must be 1 to 64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit"
            )));
        }
        let options = PgConnectOptions::from_str(&connect)
            .map_err(|e| {
                bad(format!(
                    "{e}; the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE?workspace=NAME"
                ))
            })?
            .application_name("fieldproof");
        let display = format!("{}?workspace={workspace}", redact(base));
        Ok(PgUrl {
            options,
            workspace,
            display,
            pool_max,
        })
    }

    /// The same database, another workspace.
    pub fn with_workspace(&self, workspace: &str) -> Result<PgUrl, StoreError> {
        if !valid_workspace(workspace) {
            return Err(StoreError::Url {
                url: self.display.clone(),
                message: format!("'{workspace}' cannot name a workspace"),
            });
        }
        let base = self.display.split('?').next().unwrap_or_default();
        Ok(PgUrl {
            options: self.options.clone(),
            workspace: workspace.to_string(),
            display: format!("{base}?workspace={workspace}"),
            pool_max: self.pool_max,
        })
    }
}

/// The query parameters fieldproof reads itself; the driver gets the others.
const OWN_PARAMETERS: [&str; 2] = ["workspace", "pool_max"];

/// Splits `url` into its part before `?`, fieldproof's own parameters, and the URL the driver
/// takes (without them).
fn split_query(url: &str) -> (&str, Vec<(&str, &str)>, String) {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut own = Vec::new();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((name, value)) if OWN_PARAMETERS.contains(&name) => own.push((name, value)),
            _ => rest.push(pair),
        }
    }
    let driver = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (base, own, driver)
}

/// `url` with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A workspace store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    workspace: String,
    location: String,
}

fn backend(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::Backend {
        context,
        message: e.to_string(),
    }
}

/// Brings the schema up to date, as the URL's account (the schema owner). Concurrent servers
/// are serialised by the migrator's advisory lock.
async fn migrate(url: &PgUrl) -> Result<(), StoreError> {
    // One direct connection first: a pool retries until its timeout and then reports only
    // that it timed out, while this says why (refused, unknown database, bad password).
    let probe = PgConnection::connect_with(&url.options)
        .await
        .map_err(|e| StoreError::Backend {
            context: "connecting to PostgreSQL",
            message: format!("{}: {e}", url.display),
        })?;
    let _ = probe.close().await;
    let owner = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(url.options.clone())
        .await
        .map_err(|e| StoreError::Backend {
            context: "connecting to PostgreSQL",
            message: format!("{}: {e}", url.display),
        })?;
    let result = MIGRATOR.run(&owner).await.map_err(|e| StoreError::Backend {
        context: "upgrading the PostgreSQL schema",
        message: format!(
            "{e} (the account in the URL must own the schema; to create the role {APPLICATION_ROLE} it needs CREATEROLE, see docs/postgres.md)"
        ),
    });
    owner.close().await;
    result
}

/// A pool whose connections act as [`APPLICATION_ROLE`].
async fn pool(url: &PgUrl) -> Result<PgPool, StoreError> {
    PgPoolOptions::new()
        .max_connections(url.pool_max)
        .acquire_timeout(Duration::from_secs(30))
        .idle_timeout(Duration::from_secs(60))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(format!("SET ROLE {APPLICATION_ROLE}").as_str())
                    .await
                    .map(|_| ())
            })
        })
        .connect_with(url.options.clone())
        .await
        .map_err(|e| StoreError::Backend {
            context: "connecting to PostgreSQL",
            message: format!("{}: {e}", url.display),
        })
}

impl PgStore {
    async fn connect(url: &PgUrl) -> Result<PgStore, StoreError> {
        migrate(url).await?;
        Ok(PgStore {
            pool: pool(url).await?,
            workspace: url.workspace.clone(),
            location: url.display.clone(),
        })
    }

    /// Creates workspace `url.workspace` in the database, recording who created it and when.
    pub fn create<'a>(
        url: &'a PgUrl,
        at: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<PgStore, StoreError>> {
        Box::pin(async move {
            let store = PgStore::connect(url).await?;
            let inserted = sqlx::query(
                "INSERT INTO workspaces (workspace, created_at, created_by) VALUES ($1, $2, $3) ON CONFLICT (workspace) DO NOTHING",
            )
            .bind(&store.workspace)
            .bind(at)
            .bind(actor)
            .execute(&mut *store.connection("recording the new workspace").await?)
            .await
            .map_err(backend("recording the new workspace"))?;
            if inserted.rows_affected() == 0 {
                store.pool.close().await;
                return Err(StoreError::AlreadyInitialised {
                    location: url.display.clone(),
                });
            }
            Ok(store)
        })
    }

    /// Opens workspace `url.workspace`, which must exist, migrating the schema first.
    ///
    /// (Boxed as `Send` where the lifetimes are concrete: web handlers that open a store must
    /// be `Send`, and rustc does not always prove sqlx's futures so from another crate.)
    pub fn open(url: &PgUrl) -> BoxFuture<'_, Result<PgStore, StoreError>> {
        Box::pin(async move {
            let store = PgStore::connect(url).await?;
            let exists = store.workspace_exists().await?;
            if !exists {
                store.pool.close().await;
                return Err(StoreError::NotInitialised {
                    location: url.display.clone(),
                });
            }
            Ok(store)
        })
    }

    async fn connection(
        &self,
        context: &'static str,
    ) -> Result<sqlx::pool::PoolConnection<Postgres>, StoreError> {
        self.pool.acquire().await.map_err(backend(context))
    }

    async fn workspace_exists(&self) -> Result<bool, StoreError> {
        let mut conn = self.connection("opening the workspace").await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT indexed_seq FROM workspaces WHERE workspace = $1")
                .bind(&self.workspace)
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend("opening the workspace"))?;
        Ok(found.is_some())
    }

    /// The workspace key.
    pub fn workspace_key(&self) -> &str {
        &self.workspace
    }

    /// A write transaction holding the workspace's row lock.
    async fn begin(
        &self,
        context: &'static str,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend(context))?;
        let locked: Option<i64> = sqlx::query_scalar(
            "SELECT indexed_seq FROM workspaces WHERE workspace = $1 FOR UPDATE",
        )
        .bind(&self.workspace)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend(context))?;
        if locked.is_none() {
            return Err(StoreError::NotInitialised {
                location: self.location.clone(),
            });
        }
        Ok(tx)
    }
}

/// Commits `tx` when `result` is a success, else rolls it back, and returns `result`.
async fn end<T>(
    tx: Transaction<'static, Postgres>,
    context: &'static str,
    result: Result<T, StoreError>,
) -> Result<T, StoreError> {
    match result {
        Ok(value) => {
            tx.commit().await.map_err(backend(context))?;
            Ok(value)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Decodes the `(key, body)` rows `sql` (with `$1` the workspace) selects.
async fn read_bodies<T: serde::de::DeserializeOwned>(
    conn: &mut PgConnection,
    ws: &str,
    sql: &'static str,
    what: &'static str,
) -> Result<Vec<T>, StoreError> {
    let rows = sqlx::query(sql)
        .bind(ws)
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

async fn read_estate(conn: &mut PgConnection, ws: &str) -> Result<Estate, StoreError> {
    let mut estate = Estate::default();
    let settings: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings WHERE workspace = $1 ORDER BY key")
            .bind(ws)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend("reading the stored estate"))?;
    for (key, value) in settings {
        match key.as_str() {
            "organisation" => estate.organisation = value,
            "service" => estate.service = value,
            "time_zone" => estate.time_zone = Some(value),
            _ => {}
        }
    }
    estate.subservice_organisations = read_bodies(
        conn,
        ws,
        "SELECT id, body FROM subservice_organisations WHERE workspace = $1 ORDER BY id COLLATE \"C\"",
        "subservice organisation",
    )
    .await?;
    estate.responsibilities = read_bodies(
        conn,
        ws,
        "SELECT domain, body FROM responsibilities WHERE workspace = $1 ORDER BY domain COLLATE \"C\"",
        "responsibility",
    )
    .await?;
    estate.components = read_bodies(
        conn,
        ws,
        "SELECT id, body FROM components WHERE workspace = $1 ORDER BY id COLLATE \"C\"",
        "component",
    )
    .await?;
    Ok(estate)
}

/// Records who, when and how in the change log (numbered per workspace, under the workspace
/// lock); returns the change set number.
async fn insert_change_set(
    conn: &mut PgConnection,
    ws: &str,
    meta: &ChangeMeta,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO change_sets (workspace, id, at, actor, command, source, source_sha256) \
         SELECT $1, COALESCE(MAX(id), 0) + 1, $2, $3, $4, $5, $6 FROM change_sets WHERE workspace = $1 \
         RETURNING id",
    )
    .bind(ws)
    .bind(&meta.at)
    .bind(&meta.actor)
    .bind(&meta.command)
    .bind(&meta.source)
    .bind(&meta.source_sha256)
    .fetch_one(&mut *conn)
    .await
}

/// One change of a change set, as stored.
struct ChangeRow<'a> {
    entity: &'a str,
    key: &'a str,
    action: &'a str,
    /// JSON text.
    fields: String,
    /// JSON text.
    before: String,
    /// JSON text.
    after: String,
}

impl<'a> ChangeRow<'a> {
    /// A change with its fields and contents encoded as stored.
    fn new(
        entity: &'a str,
        key: &'a str,
        action: &'a str,
        fields: &impl serde::Serialize,
        before: &impl serde::Serialize,
        after: &impl serde::Serialize,
    ) -> ChangeRow<'a> {
        ChangeRow {
            entity,
            key,
            action,
            fields: encode(fields),
            before: encode(before),
            after: encode(after),
        }
    }
}

/// Records the changes of change set `set`, in order.
async fn insert_changes(
    conn: &mut PgConnection,
    ws: &str,
    set: i64,
    rows: &[ChangeRow<'_>],
) -> Result<(), sqlx::Error> {
    for (chunk_index, chunk) in rows.chunks(BATCH_ROWS).enumerate() {
        let first = chunk_index * BATCH_ROWS;
        let mut insert = sqlx::QueryBuilder::<Postgres>::new(
            "INSERT INTO changes (workspace, change_set, position, entity, key, action, fields, before, after) ",
        );
        insert.push_values(chunk.iter().enumerate(), |mut values, (i, row)| {
            values
                .push_bind(ws)
                .push_bind(set)
                .push_bind(i32::try_from(first + i).unwrap_or(i32::MAX))
                .push_bind(row.entity)
                .push_bind(row.key)
                .push_bind(row.action)
                .push_bind(&row.fields)
                .push_bind(&row.before)
                .push_bind(&row.after);
        });
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn write_change(
    conn: &mut PgConnection,
    ws: &str,
    change: &Change,
) -> Result<(), sqlx::Error> {
    if change.entity.is_recorded_only() {
        return Ok(()); // asset moves and scope changes explain the component changes
    }
    let removing = change.action == Action::Removed;
    match (&change.entity, &change.after) {
        (EntityKind::Setting, Some(Entity::Setting(value))) => {
            sqlx::query("INSERT INTO settings (workspace, key, value) VALUES ($1, $2, $3) ON CONFLICT (workspace, key) DO UPDATE SET value = excluded.value")
                .bind(ws)
                .bind(&change.key)
                .bind(value)
                .execute(&mut *conn)
                .await?;
        }
        (EntityKind::SubserviceOrganisation, Some(Entity::SubserviceOrganisation(org)))
            if !removing =>
        {
            sqlx::query("INSERT INTO subservice_organisations (workspace, id, method, body) VALUES ($1, $2, $3, $4) ON CONFLICT (workspace, id) DO UPDATE SET method = excluded.method, body = excluded.body")
                .bind(ws)
                .bind(&org.id)
                .bind(org.method.as_str())
                .bind(encode(org))
                .execute(&mut *conn)
                .await?;
        }
        (EntityKind::Responsibility, Some(Entity::Responsibility(statement))) if !removing => {
            sqlx::query("INSERT INTO responsibilities (workspace, domain, body) VALUES ($1, $2, $3) ON CONFLICT (workspace, domain) DO UPDATE SET body = excluded.body")
                .bind(ws)
                .bind(statement.domain.as_str())
                .bind(encode(statement))
                .execute(&mut *conn)
                .await?;
        }
        (EntityKind::Component, Some(Entity::Component(c))) if !removing => {
            sqlx::query(
                "INSERT INTO components (workspace, id, kind, operated_by, site, zone, declared_scope, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (workspace, id) DO UPDATE SET kind = excluded.kind, operated_by = excluded.operated_by, site = excluded.site, zone = excluded.zone, declared_scope = excluded.declared_scope, body = excluded.body",
            )
            .bind(ws)
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
            let sql = match change.entity {
                EntityKind::Setting => "DELETE FROM settings WHERE workspace = $1 AND key = $2",
                EntityKind::SubserviceOrganisation => {
                    "DELETE FROM subservice_organisations WHERE workspace = $1 AND id = $2"
                }
                EntityKind::Responsibility => {
                    "DELETE FROM responsibilities WHERE workspace = $1 AND domain = $2"
                }
                EntityKind::Component => "DELETE FROM components WHERE workspace = $1 AND id = $2",
                EntityKind::Asset | EntityKind::ScopeDecision => return Ok(()),
            };
            sqlx::query(sql)
                .bind(ws)
                .bind(&change.key)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

async fn insert_catalog(
    conn: &mut PgConnection,
    ws: &str,
    catalog: &StoredCatalog,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO imported_catalogs (workspace, id, name, aliases, kind, source, sha256, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (workspace, id) DO UPDATE SET name = excluded.name, aliases = excluded.aliases, kind = excluded.kind, source = excluded.source, sha256 = excluded.sha256, document = excluded.document",
    )
    .bind(ws)
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
    conn: &mut PgConnection,
    ws: &str,
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
            "INSERT INTO control_status (workspace, engagement, entity, key, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ws)
        .bind(engagement)
        .bind(entity.as_str())
        .bind(&key)
        .bind(&body)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_entry(
    conn: &mut PgConnection,
    ws: &str,
    entry: &LedgerEntry,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ledger (workspace, seq, prev, body, hash, signature, format, body_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(ws)
    .bind(entry.seq)
    .bind(&entry.prev)
    .bind(encode(&entry.body))
    .bind(&entry.hash)
    .bind(&entry.signature)
    .bind(i32::from(entry.format))
    .bind(&entry.body_sha256)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

#[async_trait]
impl WorkspaceStore for PgStore {
    async fn workspace(&self) -> Result<WorkspaceInfo, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT created_at, created_by FROM workspaces WHERE workspace = $1")
                .bind(&self.workspace)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend("reading workspace facts"))?;
        let (created_at, created_by) = row.ok_or_else(|| StoreError::NotInitialised {
            location: self.location.clone(),
        })?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(backend("reading the schema version"))?;
        Ok(WorkspaceInfo {
            created_at,
            created_by,
            schema_version: version,
        })
    }

    async fn restore(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        const CONTEXT: &str = "copying into the PostgreSQL workspace";
        let mut tx = self.begin(CONTEXT).await?;
        let ws = self.workspace.clone();
        let result = async {
            let conn: &mut PgConnection = &mut tx;
            let write = backend(CONTEXT);
            let held: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM change_sets WHERE workspace = $1) \
                 + (SELECT COUNT(*) FROM ledger WHERE workspace = $1) \
                 + (SELECT COUNT(*) FROM components WHERE workspace = $1) \
                 + (SELECT COUNT(*) FROM settings WHERE workspace = $1) \
                 + (SELECT COUNT(*) FROM imported_catalogs WHERE workspace = $1) \
                 + (SELECT COUNT(*) FROM engagements WHERE workspace = $1) \
                 + (SELECT COUNT(*) FROM register_entries WHERE workspace = $1)",
            )
            .bind(&ws)
            .fetch_one(&mut *conn)
            .await
            .map_err(&write)?;
            if held > 0 {
                return Err(StoreError::AlreadyInitialised {
                    location: format!("{} (it holds data already; copy into an empty workspace)", self.location),
                });
            }
            sqlx::query("UPDATE workspaces SET created_at = $2, created_by = $3, indexed_seq = 0 WHERE workspace = $1")
                .bind(&ws)
                .bind(&snapshot.created_at)
                .bind(&snapshot.created_by)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            for change in diff(&Estate::default(), &snapshot.estate) {
                if change.entity != EntityKind::Component {
                    write_change(conn, &ws, &change).await.map_err(&write)?;
                }
            }
            for chunk in snapshot.estate.components.chunks(BATCH_ROWS) {
                let mut insert = sqlx::QueryBuilder::<Postgres>::new(
                    "INSERT INTO components (workspace, id, kind, operated_by, site, zone, declared_scope, body) ",
                );
                insert.push_values(chunk, |mut row, c| {
                    row.push_bind(&ws)
                        .push_bind(&c.id)
                        .push_bind(c.kind.as_str())
                        .push_bind(c.operated_by.as_str())
                        .push_bind(c.site.as_str())
                        .push_bind(c.zone.as_str())
                        .push_bind(c.declared_scope.map(|s| s.as_str()))
                        .push_bind(encode(c));
                });
                insert.build().execute(&mut *conn).await.map_err(&write)?;
            }
            for set in &snapshot.change_log {
                sqlx::query("INSERT INTO change_sets (workspace, id, at, actor, command, source, source_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&ws)
                    .bind(set.id)
                    .bind(&set.meta.at)
                    .bind(&set.meta.actor)
                    .bind(&set.meta.command)
                    .bind(&set.meta.source)
                    .bind(&set.meta.source_sha256)
                    .execute(&mut *conn)
                    .await
                    .map_err(&write)?;
                let rows: Vec<ChangeRow<'_>> = set
                    .changes
                    .iter()
                    .map(|c| ChangeRow::new(&c.entity, &c.key, &c.action, &c.fields, &c.before, &c.after))
                    .collect();
                insert_changes(conn, &ws, set.id, &rows).await.map_err(&write)?;
            }
            for catalog in &snapshot.catalogs {
                insert_catalog(conn, &ws, catalog).await.map_err(&write)?;
            }
            for engagement in &snapshot.engagements {
                sqlx::query("INSERT INTO engagements (workspace, id, body) VALUES ($1, $2, $3)")
                    .bind(&ws)
                    .bind(&engagement.id)
                    .bind(encode(engagement))
                    .execute(&mut *conn)
                    .await
                    .map_err(&write)?;
            }
            for (engagement, plan) in &snapshot.statuses {
                insert_plan(conn, &ws, engagement, plan).await.map_err(&write)?;
            }
            // Large workspaces are copied in batches: one statement per row took most of a
            // migration's time (each is a round trip to the server).
            for chunk in snapshot.ledger.chunks(BATCH_ROWS) {
                let mut insert = sqlx::QueryBuilder::<Postgres>::new(
                    "INSERT INTO ledger (workspace, seq, prev, body, hash, signature, format, body_sha256) ",
                );
                insert.push_values(chunk, |mut row, entry| {
                    row.push_bind(&ws)
                        .push_bind(entry.seq)
                        .push_bind(&entry.prev)
                        .push_bind(encode(&entry.body))
                        .push_bind(&entry.hash)
                        .push_bind(&entry.signature)
                        .push_bind(i32::from(entry.format))
                        .push_bind(&entry.body_sha256);
                });
                insert.build().execute(&mut *conn).await.map_err(&write)?;
            }
            for status in &snapshot.request_statuses {
                reviews::insert_status(conn, &ws, status)
                    .await
                    .map_err(&write)?;
            }
            for comment in &snapshot.request_comments {
                reviews::insert_comment(conn, &ws, comment)
                    .await
                    .map_err(&write)?;
            }
            for entry in &snapshot.register {
                register::put(conn, &ws, entry).await.map_err(&write)?;
            }
            Ok(())
        }
        .await;
        end(tx, CONTEXT, result).await
    }

    async fn backup(&self, _to: &Path) -> Result<BackupInfo, StoreError> {
        // A PostgreSQL database is backed up with the operator's own tools (pg_dump, base
        // backups, replicas); `fieldproof backup` copies a workspace into a new SQLite file
        // through `Snapshot` instead.
        Err(StoreError::Unsupported {
            what: "a file backup of the database",
            backend: "PostgreSQL",
        })
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl EstateStore for PgStore {
    async fn load_estate(&self) -> Result<Estate, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(backend("reading the stored estate"))?;
        read_estate(&mut conn, &self.workspace).await
    }

    async fn apply_estate(
        &self,
        estate: &Estate,
        meta: &ChangeMeta,
    ) -> Result<ApplyOutcome, StoreError> {
        const CONTEXT: &str = "applying the estate";
        let mut tx = self.begin(CONTEXT).await?;
        let ws = self.workspace.as_str();
        let result = async {
            let conn: &mut PgConnection = &mut tx;
            let write = backend(CONTEXT);
            let current = read_estate(conn, ws).await?;
            let changes = diff(&current, estate);
            if changes.is_empty() {
                return Ok(ApplyOutcome {
                    changes,
                    change_set: None,
                });
            }
            let set = insert_change_set(conn, ws, meta).await.map_err(&write)?;
            for change in &changes {
                write_change(conn, ws, change).await.map_err(&write)?;
            }
            let rows: Vec<ChangeRow<'_>> = changes
                .iter()
                .map(|c| {
                    let (entity, action) = (c.entity.as_str(), c.action.as_str());
                    ChangeRow::new(entity, &c.key, action, &c.fields, &c.before, &c.after)
                })
                .collect();
            insert_changes(conn, ws, set, &rows).await.map_err(&write)?;
            Ok(ApplyOutcome {
                changes,
                change_set: Some(set),
            })
        }
        .await;
        end(tx, CONTEXT, result).await
    }
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn save_catalog(
        &self,
        catalog: &StoredCatalog,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        const CONTEXT: &str = "storing the imported catalog";
        let mut tx = self.begin(CONTEXT).await?;
        let ws = self.workspace.as_str();
        let result = async {
            let conn: &mut PgConnection = &mut tx;
            let write = backend(CONTEXT);
            let previous: Option<(String, String, String)> = sqlx::query_as(
                "SELECT sha256, name, source FROM imported_catalogs WHERE workspace = $1 AND id = $2",
            )
            .bind(ws)
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
            insert_catalog(conn, ws, catalog).await.map_err(&write)?;
            let set = insert_change_set(conn, ws, meta).await.map_err(&write)?;
            let summary = |name: &str, source: &str, sha: &str| {
                serde_json::json!({ "name": name, "source": source, "sha256": sha })
            };
            let before = previous
                .as_ref()
                .map(|(sha, name, source)| summary(name, source, sha));
            let after = summary(&catalog.name, &catalog.source, &catalog.sha256);
            let row = ChangeRow {
                entity: "catalog",
                key: &catalog.id,
                action: if previous.is_some() { "changed" } else { "added" },
                fields: "[]".into(),
                before: encode(&before),
                after: encode(&after),
            };
            insert_changes(conn, ws, set, &[row]).await.map_err(&write)?;
            Ok(Some(set))
        }
        .await;
        end(tx, CONTEXT, result).await
    }

    async fn catalogs(&self) -> Result<Vec<StoredCatalog>, StoreError> {
        let rows = sqlx::query("SELECT id, name, aliases, kind, source, sha256, document FROM imported_catalogs WHERE workspace = $1 ORDER BY id COLLATE \"C\"")
            .bind(&self.workspace)
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
impl EngagementStore for PgStore {
    async fn save_engagement(
        &self,
        engagement: &Engagement,
        meta: &ChangeMeta,
    ) -> Result<Option<i64>, StoreError> {
        const CONTEXT: &str = "saving the engagement";
        let mut tx = self.begin(CONTEXT).await?;
        let ws = self.workspace.as_str();
        let result = async {
            let conn: &mut PgConnection = &mut tx;
            let write = backend(CONTEXT);
            let before: Option<String> = sqlx::query_scalar(
                "SELECT body FROM engagements WHERE workspace = $1 AND id = $2",
            )
            .bind(ws)
            .bind(&engagement.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(&write)?;
            let body = encode(engagement);
            let before_value: serde_json::Value = before
                .as_deref()
                .and_then(|b| serde_json::from_str::<Engagement>(b).ok())
                .map(|e| serde_json::to_value(e).unwrap_or_default())
                .unwrap_or(serde_json::Value::Null);
            if before_value == serde_json::to_value(engagement).unwrap_or_default() {
                return Ok(None);
            }
            sqlx::query("INSERT INTO engagements (workspace, id, body) VALUES ($1, $2, $3) ON CONFLICT (workspace, id) DO UPDATE SET body = excluded.body")
                .bind(ws)
                .bind(&engagement.id)
                .bind(&body)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            let set = insert_change_set(conn, ws, meta).await.map_err(&write)?;
            let row = ChangeRow {
                entity: "engagement",
                key: &engagement.id,
                action: if before.is_some() { "changed" } else { "added" },
                fields: "[]".into(),
                before: encode(&before_value),
                after: body.clone(),
            };
            insert_changes(conn, ws, set, &[row]).await.map_err(&write)?;
            Ok(Some(set))
        }
        .await;
        end(tx, CONTEXT, result).await
    }

    async fn engagements(&self) -> Result<Vec<Engagement>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, body FROM engagements WHERE workspace = $1 ORDER BY id COLLATE \"C\"",
        )
        .bind(&self.workspace)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading engagements"))?;
        rows.iter()
            .map(|(id, body)| decode("engagement", id, body))
            .collect()
    }
}

async fn read_plan(
    conn: &mut PgConnection,
    ws: &str,
    engagement: &str,
) -> Result<StatusPlan, StoreError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT entity, key, body FROM control_status WHERE workspace = $1 AND engagement = $2 ORDER BY entity COLLATE \"C\", key COLLATE \"C\"",
    )
    .bind(ws)
    .bind(engagement)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend("reading control statuses"))?;
    let mut plan = StatusPlan::default();
    for (entity, key, body) in rows {
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
impl StatusStore for PgStore {
    async fn planned_engagements(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT DISTINCT engagement COLLATE \"C\" FROM control_status WHERE workspace = $1 ORDER BY 1",
        )
        .bind(&self.workspace)
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
        read_plan(&mut conn, &self.workspace, engagement).await
    }

    async fn save_status_plan(
        &self,
        engagement: &str,
        plan: &StatusPlan,
        partial: bool,
        meta: &ChangeMeta,
    ) -> Result<PlanOutcome, StoreError> {
        const CONTEXT: &str = "saving control statuses";
        let mut tx = self.begin(CONTEXT).await?;
        let ws = self.workspace.as_str();
        let result = async {
            let conn: &mut PgConnection = &mut tx;
            let write = backend(CONTEXT);
            let old = read_plan(conn, ws, engagement).await?;
            let changes = plan_changes(&old, plan, partial);
            if changes.is_empty() {
                return Ok(PlanOutcome {
                    changes,
                    change_set: None,
                });
            }
            let new = apply_changes(&old, &changes);
            sqlx::query("DELETE FROM control_status WHERE workspace = $1 AND engagement = $2")
                .bind(ws)
                .bind(engagement)
                .execute(&mut *conn)
                .await
                .map_err(&write)?;
            insert_plan(conn, ws, engagement, &new)
                .await
                .map_err(&write)?;
            let set = insert_change_set(conn, ws, meta).await.map_err(&write)?;
            let keys: Vec<String> = changes
                .iter()
                .map(|c| format!("{engagement}#{}", c.key))
                .collect();
            let rows: Vec<ChangeRow<'_>> = changes
                .iter()
                .zip(&keys)
                .map(|(c, key)| {
                    let (entity, action) = (c.entity.as_str(), c.action.as_str());
                    ChangeRow::new(entity, key, action, &c.fields, &c.before, &c.after)
                })
                .collect();
            insert_changes(conn, ws, set, &rows).await.map_err(&write)?;
            Ok(PlanOutcome {
                changes,
                change_set: Some(set),
            })
        }
        .await;
        end(tx, CONTEXT, result).await
    }
}

#[async_trait]
impl ChangeLogStore for PgStore {
    async fn change_log(&self, limit: u32) -> Result<Vec<ChangeSet>, StoreError> {
        let read = backend("reading the change log");
        type SetRow = (i64, String, String, String, Option<String>, Option<String>);
        let sets: Vec<SetRow> = sqlx::query_as(
            "SELECT id, at, actor, command, source, source_sha256 FROM change_sets WHERE workspace = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(&self.workspace)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(&read)?;
        let (Some(newest), Some(oldest)) = (sets.first(), sets.last()) else {
            return Ok(Vec::new());
        };
        // One query for every change of the sets read, instead of one per set.
        let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT change_set, entity, key, action, fields, before, after FROM changes \
             WHERE workspace = $1 AND change_set BETWEEN $2 AND $3 ORDER BY change_set, position",
        )
        .bind(&self.workspace)
        .bind(oldest.0)
        .bind(newest.0)
        .fetch_all(&self.pool)
        .await
        .map_err(&read)?;
        let mut by_set: std::collections::HashMap<i64, Vec<RecordedChange>> =
            std::collections::HashMap::new();
        for (set, entity, key, action, fields, before, after) in rows {
            by_set.entry(set).or_default().push(RecordedChange {
                entity,
                action,
                fields: decode("change", &key, &fields)?,
                before: decode("change", &key, &before)?,
                after: decode("change", &key, &after)?,
                key,
            });
        }
        Ok(sets
            .into_iter()
            .map(
                |(id, at, actor, command, source, source_sha256)| ChangeSet {
                    id,
                    meta: ChangeMeta {
                        at,
                        actor,
                        command,
                        source,
                        source_sha256,
                    },
                    changes: by_set.remove(&id).unwrap_or_default(),
                },
            )
            .collect())
    }
}

/// The index state of the evidence recorded at `seq`.
async fn evidence_state(
    conn: &mut PgConnection,
    ws: &str,
    seq: i64,
) -> Result<EvidenceState, sqlx::Error> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT status, status_seq FROM evidence_index WHERE workspace = $1 AND seq = $2",
    )
    .bind(ws)
    .bind(seq)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(EvidenceState::from_index(row))
}

/// Records what `update` tells the index about entry `seq`.
async fn index(
    conn: &mut PgConnection,
    ws: &str,
    seq: i64,
    update: &IndexUpdate,
) -> Result<(), sqlx::Error> {
    match update {
        IndexUpdate::None => {}
        IndexUpdate::Key { public_key } => {
            sqlx::query("INSERT INTO ledger_keys (workspace, seq, public_key) VALUES ($1, $2, $3)")
                .bind(ws)
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
            sqlx::query("INSERT INTO evidence_index (workspace, seq, sha256, engagement, dedup, status) VALUES ($1, $2, $3, $4, $5, 'current')")
                .bind(ws)
                .bind(seq)
                .bind(sha256)
                .bind(engagement)
                .bind(dedup)
                .execute(&mut *conn)
                .await?;
            if let Some(old) = supersedes {
                sqlx::query(
                    "UPDATE evidence_index SET status = 'superseded', status_seq = $3 WHERE workspace = $1 AND seq = $2",
                )
                .bind(ws)
                .bind(old)
                .bind(seq)
                .execute(&mut *conn)
                .await?;
            }
        }
        IndexUpdate::Retire { seq: old } => {
            sqlx::query(
                "UPDATE evidence_index SET status = 'retired', status_seq = $3 WHERE workspace = $1 AND seq = $2",
            )
            .bind(ws)
            .bind(old)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Records that the index has taken in every entry up to `seq`.
async fn indexed(conn: &mut PgConnection, ws: &str, seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE workspaces SET indexed_seq = $2 WHERE workspace = $1")
        .bind(ws)
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// The statements of a ledger append or index catch-up in PostgreSQL, inside the caller's
/// transaction; the algorithm is the store crate's ([`append_in`], [`catch_up_in`]).
struct LedgerTx<'c> {
    conn: &'c mut PgConnection,
    ws: &'c str,
    context: &'static str,
}

#[async_trait]
impl LedgerTransaction for LedgerTx<'_> {
    async fn evidence_state(&mut self, seq: i64) -> Result<EvidenceState, StoreError> {
        evidence_state(self.conn, self.ws, seq)
            .await
            .map_err(backend(self.context))
    }

    async fn current_with_dedup(&mut self, dedup: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT seq FROM evidence_index WHERE workspace = $1 AND dedup = $2 AND status = 'current' ORDER BY seq LIMIT 1",
        )
        .bind(self.ws)
        .bind(dedup)
        .fetch_optional(&mut *self.conn)
        .await
        .map_err(backend(self.context))
    }

    async fn last_entry(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query_as(
            "SELECT seq, hash FROM ledger WHERE workspace = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(self.ws)
        .fetch_optional(&mut *self.conn)
        .await
        .map_err(backend(self.context))
    }

    async fn insert_entry(&mut self, entry: &LedgerEntry) -> Result<(), StoreError> {
        insert_entry(self.conn, self.ws, entry)
            .await
            .map_err(backend(self.context))
    }

    async fn index(&mut self, seq: i64, update: &IndexUpdate) -> Result<(), StoreError> {
        index(self.conn, self.ws, seq, update)
            .await
            .map_err(backend(self.context))
    }

    async fn indexed_up_to(&mut self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT indexed_seq FROM workspaces WHERE workspace = $1")
            .bind(self.ws)
            .fetch_one(&mut *self.conn)
            .await
            .map_err(backend(self.context))
    }

    async fn set_indexed(&mut self, seq: i64) -> Result<(), StoreError> {
        indexed(self.conn, self.ws, seq)
            .await
            .map_err(backend(self.context))
    }
}

fn entry_of(row: &PgRow) -> LedgerEntry {
    let body: String = row.get(2);
    let format: i32 = row.get(3);
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
impl LedgerStore for PgStore {
    async fn append(&self, append: Append<'_>) -> Result<Appended, StoreError> {
        const CONTEXT: &str = "appending to the evidence ledger";
        let mut tx = self.begin(CONTEXT).await?;
        let result = append_in(
            &mut LedgerTx {
                conn: &mut tx,
                ws: &self.workspace,
                context: CONTEXT,
            },
            append,
        )
        .await;
        end(tx, CONTEXT, result).await
    }

    async fn head(&self) -> Result<Option<LedgerHead>, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM ledger WHERE workspace = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(&self.workspace)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("reading the ledger head"))?;
        Ok(row.map(|(seq, hash)| LedgerHead { seq, hash }))
    }

    async fn entry(&self, seq: i64) -> Result<Option<LedgerEntry>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger WHERE workspace = $1 AND seq = $2"
        ))
        .bind(&self.workspace)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("reading the evidence ledger"))?;
        Ok(row.as_ref().map(entry_of))
    }

    async fn entries(&self, after: i64, limit: u32) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger WHERE workspace = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(&self.workspace)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading the evidence ledger"))?;
        Ok(rows.iter().map(entry_of).collect())
    }

    async fn evidence(&self, query: &EvidenceQuery) -> Result<Vec<IndexedEvidence>, StoreError> {
        let select = "SELECT evidence_index.seq, evidence_index.status, evidence_index.status_seq, ledger.body \
            FROM evidence_index JOIN ledger ON ledger.workspace = evidence_index.workspace AND ledger.seq = evidence_index.seq \
            WHERE evidence_index.workspace = $1";
        let read = backend("reading the evidence index");
        let rows = match query {
            EvidenceQuery::All => {
                sqlx::query(&format!("{select} ORDER BY evidence_index.seq"))
                    .bind(&self.workspace)
                    .fetch_all(&self.pool)
                    .await
            }
            EvidenceQuery::At(seq) => {
                sqlx::query(&format!("{select} AND evidence_index.seq = $2"))
                    .bind(&self.workspace)
                    .bind(seq)
                    .fetch_all(&self.pool)
                    .await
            }
            EvidenceQuery::CurrentFor(engagement) => {
                sqlx::query(&format!(
                    "{select} AND evidence_index.status = 'current' AND (evidence_index.engagement = $2 OR evidence_index.engagement IS NULL) ORDER BY evidence_index.seq"
                ))
                .bind(&self.workspace)
                .bind(engagement)
                .fetch_all(&self.pool)
                .await
            }
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
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT seq, public_key FROM ledger_keys WHERE workspace = $1 ORDER BY seq",
        )
        .bind(&self.workspace)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading the ledger keys"))?;
        Ok(rows
            .into_iter()
            .map(|(seq, public_key)| KeyRecord { seq, public_key })
            .collect())
    }

    async fn indexed_up_to(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT indexed_seq FROM workspaces WHERE workspace = $1")
            .bind(&self.workspace)
            .fetch_one(&self.pool)
            .await
            .map_err(backend("reading the evidence index"))
    }

    async fn catch_up_index(&self, updates: &[(i64, IndexUpdate)]) -> Result<(), StoreError> {
        const CONTEXT: &str = "indexing the evidence ledger";
        let mut tx = self.begin(CONTEXT).await?;
        let result = catch_up_in(
            &mut LedgerTx {
                conn: &mut tx,
                ws: &self.workspace,
                context: CONTEXT,
            },
            CONTEXT,
            updates,
        )
        .await;
        end(tx, CONTEXT, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_workspace_and_hide_passwords() {
        let url = PgUrl::parse(
            "postgres://fp:s3cret@db.example:5433/fieldproof?workspace=acme&sslmode=disable",
        )
        .expect("valid");
        assert_eq!(
            (url.workspace.as_str(), url.pool_max),
            ("acme", DEFAULT_POOL_MAX)
        );
        let sized = PgUrl::parse("postgres://h/db?pool_max=16").expect("valid");
        assert_eq!(sized.pool_max, 16);
        assert_eq!(
            url.display,
            "postgres://fp:***@db.example:5433/fieldproof?workspace=acme"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        let default = PgUrl::parse("postgresql://localhost/fp").expect("valid");
        assert_eq!(default.workspace, DEFAULT_WORKSPACE);
        let other = default.with_workspace("beta").expect("valid");
        assert_eq!(other.display, "postgresql://localhost/fp?workspace=beta");
        for bad in [
            "postgres://h/db?workspace=",
            "postgres://h/db?workspace=../x",
            "postgres://h/db?workspace=Acme",
            "postgres://h/db?pool_max=0",
            "mysql://h/db",
        ] {
            assert!(PgUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
