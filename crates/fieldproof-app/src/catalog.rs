//! Catalog use cases: the catalog (bundled plus imported frameworks), list and show, OSCAL
//! import, the controls an estate needs, criterion coverage, `map` across frameworks, and the
//! OSCAL exports.

use crate::contract::{ImportResult, ProfileResolution};
use crate::scope::{EstateSource, Progress};
use crate::workspace::Workspace;
use crate::{App, AppError, Result};
use fieldproof_catalog::model::{Crosswalk, FrameworkKind, FrameworkOrigin};
use fieldproof_catalog::oscal::{export as oscal, import, profile};
use fieldproof_catalog::views::{
    self, CatalogList, CatalogShow, ControlsView, CoverageView, MapView,
};
use fieldproof_catalog::{Catalog, LIBRARY};
use fieldproof_core::{assess, TscCategory};
use fieldproof_store::StoredCatalog;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Which OSCAL document to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OscalExport {
    /// The control library (`None`) or a framework as an OSCAL catalog.
    Catalog(Option<String>),
    /// Every typed mapping and crosswalk as an OSCAL mapping collection.
    Mapping,
    /// One crosswalk (by id) as an OSCAL mapping collection.
    Crosswalk(String),
}

fn crosswalk_in<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Crosswalk> {
    catalog.crosswalk(id).ok_or_else(|| {
        let ids: Vec<&str> = catalog
            .crosswalks
            .iter()
            .map(|c| c.header.id.as_str())
            .collect();
        AppError::NotFound(format!(
            "no crosswalk '{id}'; the crosswalks are: {}",
            ids.join(", ")
        ))
    })
}

/// Whether an OSCAL JSON text is a profile (a top-level `profile` object).
fn is_profile(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .is_some_and(|d| d.get("profile").is_some())
}

/// The bundled catalog plus the frameworks of `stored`.
pub fn catalog_with(stored: &[StoredCatalog]) -> Result<Catalog> {
    let mut imported = Vec::with_capacity(stored.len());
    for s in stored {
        let names = import::ImportNames {
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
            import::import(&s.document, names, origin).map_err(|source| AppError::Import {
                file: format!("imported catalog '{}'", s.id),
                source,
            })?,
        );
    }
    Ok(Catalog::bundled_with(imported)?)
}

/// The parsed catalog, remembered for the imports it was built from (id and SHA-256 of each):
/// parsing the bundled catalog (NIST SP 800-53 included) costs more than most use cases, and a
/// long-running front end would otherwise pay it on every request.
#[derive(Debug, Default)]
pub struct CatalogCache(std::sync::Mutex<Option<Cached>>);

/// The imports a catalog was built from (id, SHA-256), and the catalog.
type Cached = (Vec<(String, String)>, Arc<Catalog>);

impl CatalogCache {
    pub(crate) fn get(&self, stored: &[StoredCatalog]) -> Result<Arc<Catalog>> {
        let key: Vec<(String, String)> = stored
            .iter()
            .map(|s| (s.id.clone(), s.sha256.clone()))
            .collect();
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cached_key, catalog)) = slot.as_ref() {
            if *cached_key == key {
                return Ok(Arc::clone(catalog));
            }
        }
        let catalog = Arc::new(catalog_with(stored)?);
        *slot = Some((key, Arc::clone(&catalog)));
        Ok(catalog)
    }
}

impl App {
    /// The bundled catalog plus the catalogs imported into the workspace, if there is one.
    pub async fn catalog(&self) -> Result<Arc<Catalog>> {
        match self.open_if_any().await? {
            Some(ws) => {
                let result = self.catalog_in(&ws).await;
                ws.close().await;
                result
            }
            None => self.catalogs.get(&[]),
        }
    }

    /// [`App::catalog`] in an open workspace.
    pub async fn catalog_in(&self, ws: &Workspace) -> Result<Arc<Catalog>> {
        self.catalogs.get(&ws.store.catalogs().await?)
    }

    /// Frameworks, the control library and the crosswalks.
    pub async fn catalog_list(&self) -> Result<CatalogList> {
        Ok(views::list(&*self.catalog().await?))
    }

    /// A framework, a requirement with its mappings, or a control.
    pub async fn catalog_show(&self, reference: &str) -> Result<CatalogShow> {
        views::show(&*self.catalog().await?, reference).map_err(AppError::NotFound)
    }

    /// Imports an OSCAL catalog into the workspace, recorded in the change log. An OSCAL profile
    /// (a baseline) is resolved first against the catalog it imports: `source` when given, else
    /// a file its import names beside the profile, else the bundled NIST SP 800-53 catalog when
    /// that is what it names; the resolved catalog is what is stored.
    pub async fn import_oscal(
        &self,
        file: &Path,
        id: Option<&str>,
        aliases: &[String],
        kind: &str,
        source: Option<&Path>,
    ) -> Result<ImportResult> {
        let kind = FrameworkKind::parse(kind).ok_or_else(|| {
            crate::FieldError::value(
                crate::Field::Kind,
                kind,
                format!("expected one of: {}", FrameworkKind::expected()),
            )
        })?;
        let path = self.path(file);
        fieldproof_evidence::check_regular_file(&path)?;
        let bytes = std::fs::read(&path).map_err(|source| AppError::Io {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            AppError::Input(format!(
                "{}: not UTF-8 text; OSCAL JSON must be UTF-8",
                file.display()
            ))
        })?;
        let hex = |bytes: &[u8]| -> String {
            Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let (text, resolution) = if is_profile(&text) {
            let (resolved, resolution) = self.resolve_profile(file, &path, &text, source)?;
            let resolution = ProfileResolution {
                profile_sha256: hex(text.as_bytes()),
                ..resolution
            };
            (resolved, Some(resolution))
        } else {
            (text, None)
        };
        let sha256 = hex(text.as_bytes());
        let ws = self.open().await?;
        let result =
            async {
                let catalog = self.catalog_in(&ws).await?;
                let origin = FrameworkOrigin::Imported {
                    source: file.display().to_string(),
                    sha256: sha256.clone(),
                };
                let framework = import::prepare(&text, id, aliases, kind, origin, &catalog)
                    .map_err(|source| match source {
                        import::ImportError::Name(f) => AppError::Field(f),
                        source => AppError::Import {
                            file: file.display().to_string(),
                            source,
                        },
                    })?;
                let stored = StoredCatalog {
                    id: framework.id.clone(),
                    name: framework.name.clone(),
                    aliases: aliases.to_vec(),
                    kind: kind.as_str().to_string(),
                    source: file.display().to_string(),
                    sha256: sha256.clone(),
                    document: text.clone(),
                };
                let meta = self.change_meta(
                    "catalog import-oscal",
                    Some(file.display().to_string()),
                    Some(sha256.clone()),
                );
                let change_set = ws.store.save_catalog(&stored, &meta).await?;
                Ok(ImportResult {
                    id: framework.id.clone(),
                    name: framework.name.clone(),
                    requirements: framework.requirements.len(),
                    withdrawn: framework
                        .requirements
                        .iter()
                        .filter(|r| r.withdrawn)
                        .count(),
                    sha256: sha256.clone(),
                    change_set,
                    based_on: framework.based_on.clone(),
                    resolution,
                })
            }
            .await;
        ws.close().await;
        result
    }

    /// Resolves an OSCAL profile (`text`, from `file` at `path`) into catalog JSON text.
    fn resolve_profile(
        &self,
        file: &Path,
        path: &Path,
        text: &str,
        source: Option<&Path>,
    ) -> Result<(String, ProfileResolution)> {
        let given = match source {
            Some(s) => {
                let p = self.path(s);
                fieldproof_evidence::check_regular_file(&p)?;
                let text = std::fs::read_to_string(&p).map_err(|source| AppError::Io {
                    path: p.clone(),
                    source,
                })?;
                Some(profile::Source {
                    text,
                    name: s.display().to_string(),
                })
            }
            None => None,
        };
        let beside = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let load = |candidates: &[String]| -> Option<profile::Source> {
            if let Some(given) = &given {
                return Some(given.clone());
            }
            for href in candidates {
                if href.starts_with('#') {
                    continue;
                }
                if !href.contains("://") {
                    let local = beside.join(href);
                    if local.is_file() {
                        if let Ok(text) = std::fs::read_to_string(&local) {
                            return Some(profile::Source {
                                text,
                                name: local.display().to_string(),
                            });
                        }
                    }
                }
            }
            candidates
                .iter()
                .any(|href| {
                    let last = href.rsplit('/').next().unwrap_or(href);
                    last.rsplit_once('.').map_or(last, |(stem, _)| stem)
                        == "NIST_SP-800-53_rev5_catalog"
                })
                .then(|| profile::Source {
                    text: fieldproof_catalog::load::NIST.text.to_string(),
                    name: "the bundled NIST SP 800-53 rev5 catalog (content 5.0.1)".to_string(),
                })
        };
        let last_modified = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|d| {
                d["profile"]["metadata"]["last-modified"]
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| self.now());
        let resolved = profile::resolve(text, &file.display().to_string(), &load, &last_modified)
            .map_err(|source| AppError::Import {
            file: file.display().to_string(),
            source,
        })?;
        let parameters_set = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|d| {
                d["profile"]["modify"]["set-parameters"]
                    .as_array()
                    .map(Vec::len)
            })
            .unwrap_or(0)
            .saturating_sub(
                resolved
                    .warnings
                    .iter()
                    .filter(|w| w.contains("set-parameters"))
                    .count(),
            );
        let bundled = given.is_none()
            && resolved
                .imports
                .iter()
                .any(|i| i.starts_with("the bundled NIST"));
        let hint = (bundled && resolved.warnings.iter().any(|w| w.contains("_odp"))).then(|| {
            "The bundled NIST SP 800-53 catalog is content 5.0.1, which predates the \
                 assessment-procedure parameter ids (ac-01_odp.05) and objectives this profile \
                 tailors; the controls it selects are all imported. For its parameter values, \
                 give a NIST SP 800-53 5.1 catalog with --catalog FILE."
                .to_string()
        });
        let document = serde_json::to_string(&resolved.catalog)
            .map_err(|e| AppError::Input(format!("{}: {e}", file.display())))?;
        Ok((
            document,
            ProfileResolution {
                profile_sha256: String::new(),
                imports: resolved.imports,
                parameters_set,
                warnings: resolved.warnings,
                hint,
            },
        ))
    }

    /// The controls an estate needs (or, without a source, the whole library), for the
    /// categories given or those the estate implicates.
    pub async fn controls(
        &self,
        source: Option<&EstateSource>,
        categories: &[TscCategory],
        progress: Progress<'_>,
    ) -> Result<ControlsView> {
        let catalog = self.catalog().await?;
        match source {
            None => Ok(views::library(&catalog, categories)),
            Some(source) => {
                let estate = self.estate(source, progress).await?;
                Ok(views::controls(&catalog, &assess(&estate), categories))
            }
        }
    }

    /// Your own CUECs: the customer duties of your estate's responsibility matrix, which your
    /// customers answer when they read your report, each with the controls of yours that rely
    /// on it and the criteria those map to.
    pub async fn own_cuecs(
        &self,
        source: &EstateSource,
        progress: Progress<'_>,
    ) -> Result<views::OwnCuecs> {
        let catalog = self.catalog().await?;
        let estate = self.estate(source, progress).await?;
        let assessment = assess(&estate);
        let matrix = fieldproof_core::responsibility::derive(&assessment);
        Ok(views::own_cuecs(&catalog, &assessment, &matrix))
    }

    /// Per TSC criterion in play, the applicable controls covering it.
    pub async fn coverage(
        &self,
        source: &EstateSource,
        categories: &[TscCategory],
        progress: Progress<'_>,
    ) -> Result<CoverageView> {
        let catalog = self.catalog().await?;
        let estate = self.estate(source, progress).await?;
        Ok(views::coverage_of(&catalog, &assess(&estate), categories))
    }

    /// What satisfies what: the requirements of framework `to` reachable from `requirement`.
    pub async fn map(&self, requirement: &str, to: &str, max_hops: usize) -> Result<MapView> {
        views::map(&*self.catalog().await?, requirement, to, max_hops).map_err(AppError::NotFound)
    }

    /// A crosswalk by id, with every judged pair.
    pub async fn crosswalk(&self, id: &str) -> Result<Crosswalk> {
        crosswalk_in(&*self.catalog().await?, id).cloned()
    }

    /// An OSCAL document.
    pub async fn export_oscal(&self, what: &OscalExport) -> Result<serde_json::Value> {
        let catalog = self.catalog().await?;
        let now = self.now();
        Ok(match what {
            OscalExport::Mapping => oscal::mapping_collection(&catalog, &now),
            OscalExport::Crosswalk(id) => {
                oscal::crosswalk_collection(crosswalk_in(&catalog, id)?, &now)
            }
            OscalExport::Catalog(None) => oscal::library_catalog(&catalog, &now),
            OscalExport::Catalog(Some(name)) if name.eq_ignore_ascii_case(LIBRARY) => {
                oscal::library_catalog(&catalog, &now)
            }
            OscalExport::Catalog(Some(name)) => {
                let f = catalog
                    .framework(name)
                    .ok_or_else(|| AppError::unknown(crate::Thing::Framework, name))?;
                oscal::framework_catalog(f, &now)
            }
        })
    }
}
