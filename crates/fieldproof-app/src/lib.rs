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
#[cfg(feature = "analytics")]
pub mod cluster;
pub mod contract;
pub mod engagement;
pub mod evidence;
pub mod migrate;
pub mod project;
pub mod readiness;
pub mod reports;
pub mod requests;
pub mod review;
pub mod scope;
pub mod suppliers;
pub mod workspace;

pub use fieldproof_core::input::{Field, FieldError};
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
    /// One input is wrong or missing: each front end names it in its own words (a flag on the
    /// command line, a form field or query parameter on the web).
    #[error(transparent)]
    Field(#[from] fieldproof_core::input::FieldError),
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// No such engagement, evidence, request...: each front end says where they are listed.
    #[error("no {} '{id}'{}", thing.what(), within.as_deref().map(|w| format!(" in {w}")).unwrap_or_default())]
    Unknown {
        /// What was looked for.
        thing: Thing,
        /// The id asked for.
        id: String,
        /// Where it was looked for (an engagement, an organisation), when that matters.
        within: Option<String>,
    },
    /// The workspace has no engagement yet.
    #[error("no engagement yet")]
    NoEngagement,
    /// The workspace has no estate yet, and the use case needs one.
    #[error("the workspace has no estate yet, so {needed_for}")]
    NoEstate {
        /// What the estate would tell, in words that complete "so ...".
        needed_for: &'static str,
    },
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

/// What a use case looks things up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    /// An engagement.
    Engagement,
    /// A piece of evidence (`EV-000042`).
    Evidence,
    /// An evidence request of a control (`CONTROL/REQUEST`).
    Request,
    /// A framework of the catalog.
    Framework,
    /// An API token.
    Token,
    /// An organisation of a server.
    Organisation,
    /// A component of the estate.
    Component,
}

impl Thing {
    /// The thing in words.
    pub fn what(self) -> &'static str {
        match self {
            Thing::Engagement => "engagement",
            Thing::Evidence => "evidence",
            Thing::Request => "evidence request",
            Thing::Framework => "framework",
            Thing::Token => "token",
            Thing::Organisation => "organisation",
            Thing::Component => "component",
        }
    }
}

impl AppError {
    /// A lookup of `id` that found nothing.
    pub fn unknown(thing: Thing, id: impl Into<String>) -> AppError {
        AppError::Unknown {
            thing,
            id: id.into(),
            within: None,
        }
    }

    /// The input at fault, when one input is: from a use case or from the evidence domain.
    pub fn field(&self) -> Option<&FieldError> {
        match self {
            AppError::Field(f) | AppError::Evidence(EvidenceError::Field(f)) => Some(f),
            _ => None,
        }
    }
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
    /// The role of who acts, where a front end has members (a server); default: the
    /// workspace's owner (a local user holds every permission). Use cases that change
    /// evidence check it, so every front end gets the same answer.
    pub role: Option<fieldproof_core::access::Role>,
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
            .field("role", &self.role)
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

    /// `Forbidden` unless who acts may do `action`.
    pub fn allow(&self, action: fieldproof_core::access::Action) -> Result<()> {
        requests::allow(
            self.config
                .role
                .unwrap_or(fieldproof_core::access::Role::Owner),
            action,
        )
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
