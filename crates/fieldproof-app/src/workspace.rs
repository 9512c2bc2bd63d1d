//! The workspace: where the store is (chosen by URL through [`open_store`]: the embedded SQLite
//! file, or a workspace in a PostgreSQL database), and the evidence parts kept beside it in the
//! workspace directory: keys, blobs and the signed ledger checkpoint.
//!
//! ```text
//! DIR/.fieldproof/
//!   fieldproof.db     the default store (sqlite:DIR/.fieldproof/fieldproof.db)
//!   keys/             ledger.key (owner-only, optionally passphrase-protected), ledger.pub
//!   blobs/            evidence content by SHA-256; tmp/ for writes in progress
//!   ledger.head       the signed checkpoint of the ledger head
//! ```

use crate::{App, AppError, Result};
use fieldproof_evidence::blobs::LocalBlobStore;
use fieldproof_evidence::checkpoint::LocalCheckpoint;
use fieldproof_evidence::keys::KeyFiles;
use fieldproof_evidence::Ledger;
use fieldproof_store::{Store, StoreError};
use fieldproof_store_postgres::{PgStore, PgUrl};
use fieldproof_store_sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The directory inside a workspace directory that holds fieldproof's files.
pub const WORKSPACE_DIR: &str = ".fieldproof";
/// The default database file inside [`WORKSPACE_DIR`].
pub const DATABASE_FILE: &str = "fieldproof.db";
/// The checkpoint file inside [`WORKSPACE_DIR`].
pub const CHECKPOINT_FILE: &str = "ledger.head";

/// A parsed store URL.
#[derive(Debug, Clone)]
pub enum StoreUrl {
    /// `sqlite:PATH` or `sqlite://PATH`.
    Sqlite(PathBuf),
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?workspace=NAME`.
    Postgres(Box<PgUrl>),
}

impl PartialEq for StoreUrl {
    fn eq(&self, other: &StoreUrl) -> bool {
        self.display() == other.display()
    }
}

impl Eq for StoreUrl {}

impl StoreUrl {
    /// Parses `sqlite:PATH`, `sqlite://PATH` (`sqlite:///abs/path`; relative paths are taken
    /// from `cwd`) and `postgres://...` (`postgresql://...`).
    pub fn parse(url: &str, cwd: &Path) -> Result<StoreUrl> {
        let bad = |message: String| {
            AppError::Store(StoreError::Url {
                url: url.to_string(),
                message,
            })
        };
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(bad(
                    "give the database file, e.g. sqlite:.fieldproof/fieldproof.db".into(),
                ));
            }
            let path = Path::new(path);
            return Ok(StoreUrl::Sqlite(if path.is_absolute() {
                path.to_path_buf()
            } else {
                cwd.join(path)
            }));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(Box::new(PgUrl::parse(url)?)));
        }
        Err(bad(
            "unknown store; use sqlite:PATH (the embedded default) or postgres://USER@HOST/DATABASE?workspace=NAME".into()
        ))
    }

    /// The URL text (without a password).
    pub fn display(&self) -> String {
        match self {
            StoreUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
            StoreUrl::Postgres(url) => url.display.clone(),
        }
    }
}

/// The PostgreSQL database a server keeps its organisations in: each organisation's store is
/// the workspace keyed by its id, and the server's accounts are in the same database.
#[derive(Clone)]
pub struct ServerDatabase {
    url: String,
    display: String,
}

impl std::fmt::Debug for ServerDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerDatabase")
            .field("url", &self.display)
            .finish()
    }
}

impl ServerDatabase {
    /// Parses `--store` of `serve`, `org add`, `user add` and `token create`: a PostgreSQL URL
    /// naming the database only.
    pub fn parse(url: &str, cwd: &Path) -> Result<ServerDatabase> {
        let bad = |display: String, message: &str| {
            AppError::from(crate::FieldError::value(
                crate::Field::Store,
                display,
                message,
            ))
        };
        match StoreUrl::parse(url, cwd)? {
            StoreUrl::Postgres(_) if !url.contains("workspace=") => Ok(ServerDatabase {
                url: url.to_string(),
                display: fieldproof_store_postgres::redact(url),
            }),
            StoreUrl::Postgres(parsed) => Err(bad(
                parsed.display.clone(),
                "name the database only; each organisation is a workspace in it, keyed by its id",
            )),
            other => Err(bad(
                other.display(),
                "a server keeps its organisations either in their own SQLite files (leave --store out) or in one PostgreSQL database (postgres://USER:PASSWORD@HOST/DATABASE)",
            )),
        }
    }

    /// The store URL of organisation (workspace) `id`.
    pub fn workspace_url(&self, id: &str) -> String {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{separator}workspace={id}", self.url)
    }

    /// The database's URL, as given (no workspace).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL without its password.
    pub fn display(&self) -> &str {
        &self.display
    }
}

/// Opens an existing store.
pub async fn open_store(url: &StoreUrl) -> Result<Arc<dyn Store>> {
    match url {
        StoreUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path).await?)),
        StoreUrl::Postgres(url) => Ok(Arc::new(PgStore::open(url).await?)),
    }
}

/// Creates a new, empty store.
pub async fn create_store(url: &StoreUrl, at: &str, actor: &str) -> Result<Arc<dyn Store>> {
    match url {
        StoreUrl::Sqlite(path) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| AppError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            Ok(Arc::new(SqliteStore::create(path, at, actor).await?))
        }
        StoreUrl::Postgres(url) => Ok(Arc::new(PgStore::create(url, at, actor).await?)),
    }
}

/// An open workspace: the store and the evidence parts in its directory.
pub struct Workspace {
    /// The `.fieldproof` directory.
    pub dir: PathBuf,
    /// The store.
    pub store: Arc<dyn Store>,
    /// Where the store is.
    pub url: StoreUrl,
    /// Evidence content.
    pub blobs: LocalBlobStore,
    /// The signing key files.
    pub keys: KeyFiles,
    /// The signed head.
    pub checkpoint: LocalCheckpoint,
    passphrase: Option<String>,
    /// The store belongs to someone else (a server): closing the workspace leaves it open.
    shared: bool,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("dir", &self.dir)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Workspace {
    pub(crate) fn parts(
        dir: PathBuf,
        store: Arc<dyn Store>,
        url: StoreUrl,
        passphrase: Option<String>,
    ) -> Self {
        Workspace {
            blobs: LocalBlobStore::new(dir.join("blobs")),
            keys: KeyFiles::new(dir.join("keys")),
            checkpoint: LocalCheckpoint::new(dir.join(CHECKPOINT_FILE)),
            dir,
            store,
            url,
            passphrase,
            shared: false,
        }
    }

    /// The ledger with everything appending needs.
    pub fn ledger(&self) -> Ledger<'_> {
        Ledger {
            store: self.store.as_ref(),
            blobs: &self.blobs,
            keys: self.keys.clone(),
            checkpoint: &self.checkpoint,
            passphrase: self.passphrase.clone(),
        }
    }

    /// Closes the store (folding its log into its main file).
    pub async fn close(self) {
        if !self.shared {
            self.store.close().await;
        }
    }
}

impl App {
    /// The `.fieldproof` directory: `--workspace DIR`, else the current directory or the nearest
    /// parent that has one.
    pub fn workspace_dir(&self) -> Result<PathBuf> {
        if let Some(dir) = &self.config.workspace {
            return Ok(self.path(dir).join(WORKSPACE_DIR));
        }
        self.config
            .cwd
            .ancestors()
            .map(|dir| dir.join(WORKSPACE_DIR))
            .find(|dir| dir.is_dir())
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "no fieldproof workspace in {} or its parents; run `fieldproof init`, pass --workspace DIR, or give --estate FILE",
                    self.config.cwd.display()
                ))
            })
    }

    /// Opens the workspace, indexing a ledger written before the index existed.
    pub async fn open(&self) -> Result<Workspace> {
        let dir = self.workspace_dir()?;
        let url = self.store_url(&dir)?;
        self.open_url(dir, url).await
    }

    /// Opens the workspace in `dir` with the store at `url`, indexing a ledger written before
    /// the index existed.
    pub(crate) async fn open_url(&self, dir: PathBuf, url: StoreUrl) -> Result<Workspace> {
        let (store, shared) = match &self.config.open_store {
            Some(store) => (Arc::clone(store), true),
            None => (open_store(&url).await?, false),
        };
        let mut workspace = Workspace::parts(dir, store, url, self.config.passphrase.clone());
        workspace.shared = shared;
        let behind = match (
            workspace.store.head().await,
            workspace.store.indexed_up_to().await,
        ) {
            (Ok(head), Ok(indexed)) => head.is_some_and(|h| h.seq > indexed),
            (Err(e), _) | (_, Err(e)) => {
                workspace.close().await;
                return Err(e.into());
            }
        };
        if behind {
            if let Err(e) = workspace.ledger().catch_up_index().await {
                workspace.close().await;
                return Err(e.into());
            }
        }
        Ok(workspace)
    }

    /// Opens the workspace if there is one (an explicit `--workspace` must exist).
    pub async fn open_if_any(&self) -> Result<Option<Workspace>> {
        match (&self.config.workspace, self.workspace_dir()) {
            (None, Err(_)) => Ok(None),
            _ => self.open().await.map(Some),
        }
    }

    /// Creates a workspace in `dir` (or `--workspace`): the store, the ledger key (protected
    /// when a passphrase is configured), the genesis entry and the first checkpoint.
    pub async fn init(&self, dir: &Path) -> Result<crate::contract::InitResult> {
        let base = self
            .config
            .workspace
            .as_deref()
            .map(|d| self.path(d))
            .unwrap_or_else(|| self.path(dir));
        let dir = base.join(WORKSPACE_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| AppError::Io {
            path: dir.clone(),
            source,
        })?;
        let url = self.store_url(&dir)?;
        if dir
            .join("keys")
            .join(fieldproof_evidence::keys::SECRET_FILE)
            .exists()
        {
            return Err(StoreError::AlreadyInitialised {
                location: dir.display().to_string(),
            }
            .into());
        }
        let store = create_store(&url, &self.now(), &self.actor).await?;
        let workspace = Workspace::parts(dir.clone(), store, url, self.config.passphrase.clone());
        let genesis = workspace
            .ledger()
            .initialise(&self.now(), &self.actor)
            .await;
        let result = match genesis {
            Ok(entry) => {
                let key = workspace.keys.read_public()?;
                Ok(crate::contract::InitResult {
                    workspace: dir.display().to_string(),
                    store: workspace.url.display(),
                    genesis_entry: entry.seq,
                    key_fingerprint: fieldproof_evidence::keys::fingerprint(&key),
                    key_protected: self.config.passphrase.is_some(),
                    secret_key: workspace.keys.secret().display().to_string(),
                })
            }
            Err(e) => Err(e.into()),
        };
        workspace.close().await;
        result
    }

    /// The version of the workspace's state: the ledger head, the newest change set and the
    /// day. Everything a use case computes from the workspace is the same while it is.
    pub async fn state_version(&self) -> Result<crate::contract::StateVersion> {
        let ws = self.open().await?;
        let result = async {
            let head = ws.store.head().await?.map_or(0, |h| h.seq);
            let change_set = ws.store.change_log(1).await?.first().map_or(0, |s| s.id);
            Ok(crate::contract::StateVersion {
                ledger_head: head,
                change_set,
                day: self.now().chars().take(10).collect(),
            })
        }
        .await;
        ws.close().await;
        result
    }

    /// The store URL of the workspace in `dir`: `--store`, else its SQLite file.
    pub(crate) fn store_url(&self, dir: &Path) -> Result<StoreUrl> {
        match &self.config.store {
            Some(url) => StoreUrl::parse(url, &self.config.cwd),
            None => Ok(StoreUrl::Sqlite(dir.join(DATABASE_FILE))),
        }
    }

    /// Writes one consistent copy of the store to `out`.
    pub async fn backup(&self, out: &Path) -> Result<crate::contract::BackupResult> {
        let ws = self.open().await?;
        let result = self.backup_in(&ws, out).await;
        ws.close().await;
        result
    }

    /// [`App::backup`] in an open workspace.
    pub async fn backup_in(
        &self,
        ws: &Workspace,
        out: &Path,
    ) -> Result<crate::contract::BackupResult> {
        let out = self.path(out);
        if out.exists() {
            return Err(AppError::Input(format!(
                "{} already exists; choose a new file name",
                out.display()
            )));
        }
        let head = ws.store.head().await?;
        let info = match &ws.url {
            StoreUrl::Sqlite(_) => ws.store.backup(&out).await?,
            // A workspace in PostgreSQL is copied into a new SQLite file: one file an auditor
            // or a laptop opens without a server (the database itself is the operator's to back
            // up with pg_dump).
            StoreUrl::Postgres(_) => {
                let target = StoreUrl::Sqlite(out.clone());
                self.copy_store(ws, &target).await?;
                fieldproof_store::BackupInfo {
                    path: out.display().to_string(),
                    bytes: std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0),
                }
            }
        };
        Ok(crate::contract::BackupResult {
            path: info.path,
            bytes: info.bytes,
            head,
            verify_with: format!("fieldproof verify --store sqlite:{}", out.display()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls() {
        let cwd = Path::new("/work");
        assert_eq!(
            StoreUrl::parse("sqlite:db/x.db", cwd).ok(),
            Some(StoreUrl::Sqlite(PathBuf::from("/work/db/x.db")))
        );
        assert_eq!(
            StoreUrl::parse("sqlite:///tmp/x.db", cwd).ok(),
            Some(StoreUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert_eq!(
            StoreUrl::parse("postgres://u:pw@h/db?workspace=acme", cwd)
                .map(|u| u.display())
                .ok(),
            Some("postgres://u:***@h/db?workspace=acme".to_string())
        );
        for bad in [
            "sqlite:",
            "mysql://x",
            "postgres://u@h/db?workspace=A/B",
            "x.db",
        ] {
            assert!(StoreUrl::parse(bad, cwd).is_err(), "{bad}");
        }
    }
}
