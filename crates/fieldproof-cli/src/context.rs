//! What every command needs from its surroundings, gathered in one place so that the rest of the
//! code never reads the clock, the environment or the file system layout on its own: the
//! workspace location, the actor, the time, and loading an estate (from a file or the store).

use anyhow::{anyhow, Context as _, Result};
use fieldproof_catalog::model::{FrameworkKind, FrameworkOrigin};
use fieldproof_catalog::oscal::import::{import, ImportNames};
use fieldproof_catalog::Catalog;
use fieldproof_core::Estate;
use fieldproof_estate::Loaded;
use fieldproof_store::Store;
use fieldproof_store_sqlite::SqliteStore;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// The directory inside a workspace directory that holds fieldproof's files.
pub const WORKSPACE_DIR: &str = ".fieldproof";
/// The database file inside [`WORKSPACE_DIR`].
pub const DATABASE_FILE: &str = "fieldproof.db";

/// The caller's environment, read once.
#[derive(Debug)]
pub struct Context {
    /// `--workspace`, if given.
    pub workspace: Option<PathBuf>,
    /// Who acts.
    pub actor: String,
    /// Now, as RFC 3339 UTC.
    pub now: String,
}

impl Context {
    /// Reads the actor and the clock. `FIELDPROOF_NOW` (RFC 3339) pins the clock for
    /// reproducible runs and tests.
    pub fn new(workspace: Option<PathBuf>, actor: Option<String>) -> Result<Self> {
        let actor = actor
            .or_else(|| std::env::var("FIELDPROOF_ACTOR").ok())
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        let now = match std::env::var("FIELDPROOF_NOW") {
            Ok(pinned) => {
                let parsed = time::OffsetDateTime::parse(
                    &pinned,
                    &time::format_description::well_known::Rfc3339,
                )
                .with_context(|| {
                    format!("FIELDPROOF_NOW='{pinned}' is not an RFC 3339 timestamp")
                })?;
                rfc3339(parsed)
            }
            Err(_) => rfc3339(time::OffsetDateTime::now_utc()),
        };
        Ok(Context {
            workspace,
            actor,
            now,
        })
    }

    /// The workspace database: `--workspace DIR`, else the current directory or the nearest
    /// parent holding `.fieldproof/`.
    pub fn database(&self) -> Result<PathBuf> {
        if let Some(dir) = &self.workspace {
            return Ok(dir.join(WORKSPACE_DIR).join(DATABASE_FILE));
        }
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        cwd.ancestors()
            .map(|dir| dir.join(WORKSPACE_DIR).join(DATABASE_FILE))
            .find(|db| db.is_file())
            .ok_or_else(|| {
                anyhow!(
                    "no fieldproof workspace in {} or its parents; run `fieldproof init`, pass --workspace DIR, or give --estate FILE",
                    cwd.display()
                )
            })
    }

    /// The workspace database if there is one (an explicit `--workspace` must exist).
    pub fn database_if_any(&self) -> Result<Option<PathBuf>> {
        match &self.workspace {
            Some(_) => self.database().map(Some),
            None => Ok(self.database().ok()),
        }
    }

    /// The bundled catalog plus the catalogs imported into the workspace, if there is one.
    pub fn catalog(&self) -> Result<Catalog> {
        let stored = match self.database_if_any()? {
            Some(db) => runtime()?.block_on(async {
                let store = SqliteStore::open(&db).await?;
                let catalogs = store.catalogs().await?;
                store.close().await;
                anyhow::Ok(catalogs)
            })?,
            None => Vec::new(),
        };
        let mut imported = Vec::with_capacity(stored.len());
        for s in stored {
            let names = ImportNames {
                id: s.id.clone(),
                aliases: s.aliases.clone(),
                short: None,
                kind: FrameworkKind::parse(&s.kind).unwrap_or(FrameworkKind::Controls),
            };
            let origin = FrameworkOrigin::Imported {
                source: s.source.clone(),
                sha256: s.sha256.clone(),
            };
            imported.push(
                import(&s.document, names, origin)
                    .with_context(|| format!("imported catalog '{}' cannot be read", s.id))?,
            );
        }
        Catalog::bundled_with(imported).map_err(|e| anyhow!("the catalog is invalid:\n{e}"))
    }

    /// The `.fieldproof` directory of the workspace and its evidence paths.
    pub fn evidence_paths(&self) -> Result<(PathBuf, fieldproof_evidence::Paths)> {
        let db = self.database()?;
        let dir = db.parent().map(Path::to_path_buf).unwrap_or_default();
        let paths = fieldproof_evidence::Paths::in_workspace(&dir);
        Ok((dir, paths))
    }

    /// Opens the workspace store.
    pub async fn open_store(&self) -> Result<SqliteStore> {
        let db = self.database()?;
        Ok(SqliteStore::open(&db).await?)
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    let utc = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    utc.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// A single-threaded async runtime for store calls.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Loads an estate file with a progress bar for large CSV inventories (hidden when stderr is
/// not a terminal).
pub fn load_file(path: &Path) -> Result<Loaded> {
    let bar = ProgressBar::hidden();
    let mut started = false;
    let loaded = fieldproof_estate::load_with_progress(path, &mut |done, total| {
        if !started && total > 0 {
            started = true;
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(format!("reading {}", path.display()));
        }
        bar.set_position(done);
    });
    bar.finish_and_clear();
    Ok(loaded?)
}

/// The estate named by `--estate`, or the workspace's stored estate.
pub fn estate(context: &Context, file: Option<&Path>) -> Result<Estate> {
    match file {
        Some(path) => Ok(load_file(path)?.estate),
        None => runtime()?.block_on(async {
            let store = context.open_store().await?;
            let estate = store.load_estate().await?;
            store.close().await;
            Ok(estate)
        }),
    }
}
