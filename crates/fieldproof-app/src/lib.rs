//! The application layer: every use case of fieldproof — assess, apply, scope, controls,
//! coverage, map, engagements, evidence add/supersede/retire/status, verify, packs, catalog
//! import, keys, backup — over the storage traits, a blob store and an injected clock and actor.
//!
//! Every front end (the CLI now, the web app and REST API next) parses its input, calls one
//! method of [`App`] and renders the typed result it gets back. The results are the JSON
//! contracts ([`contract`]); their JSON Schemas are published under `docs/schemas/`. No rule is
//! decided here that a domain crate owns: this layer loads, checks input, calls the domain and
//! stores.

pub mod accounts;
#[cfg(feature = "analytics")]
pub mod analytics;
pub mod catalog;
pub mod clock;
pub mod contract;
pub mod engagement;
pub mod evidence;
pub mod migrate;
pub mod project;
pub mod readiness;
pub mod requests;
pub mod scope;
pub mod workspace;

pub use fieldproof_estate::{LoadOptions, Unmapped};

/// The names of the inventory mappings shipped with fieldproof (`--map NAME`).
pub fn bundled_mappings() -> Vec<&'static str> {
    fieldproof_estate::mapping::BUNDLED
        .iter()
        .map(|(name, _)| *name)
        .collect()
}

use clock::Clock;
use fieldproof_catalog::oscal::import::ImportError;
use fieldproof_catalog::CatalogError;
use fieldproof_estate::LoadError;
use fieldproof_evidence::EvidenceError;
use fieldproof_store::StoreError;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a use case failed. Every variant reads as one line saying what failed and what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: the message names the option or value and what to do.
    #[error("{0}")]
    Input(String),
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The member's role does not allow the action.
    #[error("your role ({role}) does not allow this: {}", action.what())]
    Forbidden {
        /// The role held.
        role: fieldproof_core::access::Role,
        /// What was asked.
        action: fieldproof_core::access::Action,
    },
    /// Several engagements exist and none was chosen: each front end says how to choose one
    /// (a flag on the command line, a query parameter or a picker on the web).
    #[error("there are {} engagements ({}); choose one", choices.len(), choices.join(", "))]
    EngagementRequired {
        /// The engagements to choose from, by id.
        choices: Vec<String>,
    },
    /// An estate file is invalid or unreadable.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Evidence, keys or packs.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The catalog is invalid.
    #[error("the catalog is invalid:\n{0}")]
    Catalog(#[from] CatalogError),
    /// An OSCAL document could not be imported.
    #[error("{file}: {source}")]
    Import {
        /// The file.
        file: String,
        /// Why.
        source: ImportError,
    },
    /// A file could not be read or written.
    #[error("{}: {}", path.display(), source)]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// A result of a use case.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What a front end tells the application about its surroundings. Nothing here reads the
/// environment: front ends do, and pass the values in.
#[derive(Clone, Default)]
pub struct Config {
    /// The directory relative paths and workspace discovery start from.
    pub cwd: PathBuf,
    /// The workspace directory (holding `.fieldproof/`), when given.
    pub workspace: Option<PathBuf>,
    /// The store URL (`sqlite:PATH`, `postgres://...?workspace=NAME`); default: the workspace's
    /// SQLite file.
    pub store: Option<String>,
    /// Who acts; default: the operating system account name.
    pub actor: Option<String>,
    /// The clock; default: the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// The ledger key's passphrase, when it is protected.
    pub passphrase: Option<String>,
    /// The workspace's store, already open (a server keeps one per organisation): use cases
    /// use it instead of opening the store, and leave it open.
    pub open_store: Option<Arc<dyn fieldproof_store::Store>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("cwd", &self.cwd)
            .field("workspace", &self.workspace)
            .field("store", &self.store)
            .field("actor", &self.actor)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "redacted"))
            .field("open_store", &self.open_store.is_some())
            .finish_non_exhaustive()
    }
}

/// The application: configuration, actor and clock. Cheap to create; each use case opens what
/// it needs and closes it again.
pub struct App {
    config: Config,
    actor: String,
    clock: Arc<dyn Clock>,
    catalogs: catalog::CatalogCache,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An application for `config`.
    pub fn new(config: Config) -> App {
        let actor = config
            .actor
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(clock::os_account);
        let clock = config
            .clock
            .clone()
            .unwrap_or_else(|| Arc::new(clock::SystemClock));
        App {
            config,
            actor,
            clock,
            catalogs: catalog::CatalogCache::default(),
        }
    }

    /// Who acts.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Now, RFC 3339 UTC.
    pub fn now(&self) -> String {
        self.clock.now()
    }

    /// Today, by the clock.
    pub fn today(&self) -> fieldproof_core::engagement::Date {
        let now = self.now();
        fieldproof_core::engagement::Date::parse(now.get(..10).unwrap_or_default())
            .expect("the clock gives RFC 3339 times")
    }

    /// A path as the user gave it, relative to the configured directory.
    pub fn path(&self, path: &std::path::Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.config.cwd.join(path)
        }
    }

    fn change_meta(
        &self,
        command: &str,
        source: Option<String>,
        sha256: Option<String>,
    ) -> fieldproof_store::ChangeMeta {
        fieldproof_store::ChangeMeta {
            at: self.now(),
            actor: self.actor.clone(),
            command: command.to_string(),
            source,
            source_sha256: sha256,
        }
    }
}

/// Words for a count: `1 component`, `2 components`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
