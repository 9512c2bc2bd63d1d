//! Scope use cases: load an estate (from a file, or the workspace), assess it, write the scope
//! documents, validate a file, apply it to the workspace, read the change log, print the rules.

use crate::contract::{
    ApplyResult, AssessResult, ChangeLine, ChangeLogResult, FindingRuleRow, ProblemJson,
    RulesDocument, ScopeRuleRow, ValidationResult,
};
use crate::workspace::Workspace;
use crate::{App, AppError, Result};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::diff::{Action, Entity, EntityKind};
use fieldproof_core::findings::FINDING_RULES;
use fieldproof_core::responsibility::{derive, ResponsibilityMatrix};
use fieldproof_core::scope::rules::SCOPE_RULES;
use fieldproof_core::scope::triggers::TRIGGERS;
use fieldproof_core::{assess, Estate};
use fieldproof_estate::{InventoryReport, LoadError, LoadOptions, Loaded};
use fieldproof_report::documents::{self, DocumentSet};
use fieldproof_report::{boundary, matrix};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where an estate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstateSource {
    /// An estate file (`.yaml`/`.yml`) or a CSV inventory, with how to read it (a mapping, the
    /// unmapped-values policy).
    File(PathBuf, LoadOptions),
    /// The estate stored in the workspace.
    Workspace,
}

impl EstateSource {
    /// `--estate FILE` when given, else the workspace.
    pub fn from_option(file: Option<&Path>) -> Self {
        Self::with_options(file, LoadOptions::default())
    }

    /// `--estate FILE` read with `options` when given, else the workspace.
    pub fn with_options(file: Option<&Path>, options: LoadOptions) -> Self {
        file.map_or(EstateSource::Workspace, |f| {
            EstateSource::File(f.to_path_buf(), options)
        })
    }
}

/// A loaded estate, ready to be assessed and rendered.
#[derive(Debug, Clone)]
pub struct Scoped {
    /// The estate.
    pub estate: Estate,
    /// What reading its inventories did (empty for the workspace's estate).
    pub inventories: Vec<InventoryReport>,
}

impl Scoped {
    /// The assessment (scope decisions and findings).
    pub fn assessment(&self) -> Assessment<'_> {
        assess(&self.estate)
    }

    /// The boundary statement.
    pub fn boundary(&self, format: BoundaryFormat) -> String {
        let assessment = self.assessment();
        let derived = derive(&assessment);
        match format {
            BoundaryFormat::Markdown => boundary::markdown(&assessment, &derived),
            BoundaryFormat::Html => boundary::html_document(&assessment, &derived),
        }
    }

    /// The shared responsibility matrix.
    pub fn responsibility(&self, format: MatrixFormat) -> String {
        let assessment = self.assessment();
        let derived: ResponsibilityMatrix = derive(&assessment);
        match format {
            MatrixFormat::Markdown => matrix::markdown(&assessment, &derived),
            MatrixFormat::Csv => matrix::csv(&derived),
            MatrixFormat::Html => matrix::html_document(&assessment, &derived),
        }
    }
}

/// Progress of reading a large inventory: (bytes read, total bytes).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

/// Document formats of the boundary statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryFormat {
    /// Markdown.
    Markdown,
    /// Self-contained HTML.
    Html,
}

/// Document formats of the responsibility matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFormat {
    /// Markdown.
    Markdown,
    /// CSV, every component listed.
    Csv,
    /// Self-contained HTML.
    Html,
}

/// The change lines of the contracts (`apply`, `apply --dry-run`).
fn change_lines(changes: &[fieldproof_core::diff::Change]) -> Vec<ChangeLine> {
    changes
        .iter()
        .map(|c| ChangeLine {
            entity: c.entity.as_str(),
            key: c.key.clone(),
            action: c.action.as_str(),
            fields: c.fields.clone(),
            values: field_values(c),
        })
        .collect()
}

/// The findings of `these` that `others` does not have (the same rule, subject and message).
fn finding_lines(
    these: &[fieldproof_core::findings::Finding],
    others: &[fieldproof_core::findings::Finding],
) -> Vec<crate::contract::FindingLine> {
    let key = |f: &fieldproof_core::findings::Finding| {
        (
            f.rule,
            f.component.clone().or_else(|| f.subservice.clone()),
            f.message.clone(),
        )
    };
    let known: std::collections::HashSet<_> = others.iter().map(key).collect();
    these
        .iter()
        .filter(|f| !known.contains(&key(f)))
        .map(|f| crate::contract::FindingLine {
            severity: f.severity,
            rule: f.rule.to_string(),
            subject: f
                .component
                .clone()
                .or_else(|| f.subservice.clone())
                .unwrap_or_default(),
            message: f.message.clone(),
        })
        .collect()
}

/// Each changed field of `change` with its value before and after, as text.
fn field_values(change: &fieldproof_core::diff::Change) -> Vec<crate::contract::FieldChange> {
    let as_json = |e: &Option<fieldproof_core::diff::Entity>| {
        e.as_ref()
            .and_then(|e| serde_json::to_value(e).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let (before, after) = (as_json(&change.before), as_json(&change.after));
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "none".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) if items.is_empty() => "none".to_string(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    };
    change
        .fields
        .iter()
        .map(|field| crate::contract::FieldChange {
            field: field.clone(),
            before: text(before.get(field)),
            after: text(after.get(field)),
        })
        .collect()
}

fn sha256_file(path: &Path) -> Result<String> {
    let io = |source| AppError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn problems_of(error: &LoadError, file: &str) -> Vec<ProblemJson> {
    if error.problems().is_empty() {
        return vec![ProblemJson {
            file: file.to_string(),
            line: None,
            column: None,
            field: None,
            message: error.to_string(),
        }];
    }
    error
        .problems()
        .iter()
        .map(|p| ProblemJson {
            file: p.location.file.display().to_string(),
            line: p.location.line,
            column: p.location.column,
            field: p.location.field.clone(),
            message: p.message.clone(),
        })
        .collect()
}

/// The result of validating a file that is not a valid estate.
fn invalid(file: String, problems: Vec<ProblemJson>) -> ValidationResult {
    ValidationResult {
        file,
        valid: false,
        components: 0,
        assets: 0,
        in_scope: 0,
        shared: 0,
        out_of_scope: 0,
        subservice_organisations: 0,
        responsibilities: 0,
        findings: 0,
        problems,
        inventories: Vec::new(),
    }
}

/// The outcome of `validate`: the result, and the load error when the file is invalid.
#[derive(Debug)]
pub struct Validated {
    /// The JSON contract.
    pub result: ValidationResult,
    /// Why the file is invalid.
    pub error: Option<LoadError>,
}

impl App {
    /// Loads and checks an estate file (refusing anything but a regular file).
    pub fn load_file(&self, path: &Path, progress: Progress<'_>) -> Result<Loaded> {
        self.load_file_with(path, &LoadOptions::default(), progress)
    }

    /// [`App::load_file`] with a mapping for a CSV inventory and the unmapped-values policy.
    pub fn load_file_with(
        &self,
        path: &Path,
        options: &LoadOptions,
        progress: Progress<'_>,
    ) -> Result<Loaded> {
        let path = self.path(path);
        let options = LoadOptions {
            map: options.map.as_ref().map(|m| {
                // A path relative to the working directory, else a bundled mapping's name.
                let resolved = self.path(m);
                if resolved.exists() {
                    resolved
                } else {
                    m.clone()
                }
            }),
            bundled: options.bundled.clone(),
            unmapped: options.unmapped,
            standalone: options.standalone,
        };
        let mut loaded = fieldproof_estate::load_with(&path, &options, progress)?;
        // Name inventories as the user would: relative to the working directory when inside it.
        if let Ok(cwd) = std::env::current_dir() {
            for report in &mut loaded.inventories {
                if let Ok(relative) = Path::new(&report.file).strip_prefix(&cwd) {
                    report.file = relative.display().to_string();
                }
            }
        }
        Ok(loaded)
    }

    /// The estate from `source`.
    pub async fn estate(&self, source: &EstateSource, progress: Progress<'_>) -> Result<Estate> {
        Ok(self.scope(source, progress).await?.estate)
    }

    /// The estate from `source` with what reading its inventories did (none from the
    /// workspace).
    pub async fn estate_with_reports(
        &self,
        source: &EstateSource,
        progress: Progress<'_>,
    ) -> Result<(Estate, Vec<InventoryReport>)> {
        match source {
            EstateSource::File(path, options) => {
                let loaded = self.load_file_with(path, options, progress)?;
                Ok((loaded.estate, loaded.inventories))
            }
            EstateSource::Workspace => {
                let ws = self.open().await?;
                let estate = ws.store.load_estate().await;
                ws.close().await;
                Ok((estate?, Vec::new()))
            }
        }
    }

    /// The estate from `source`, ready to assess.
    pub async fn scope(&self, source: &EstateSource, progress: Progress<'_>) -> Result<Scoped> {
        let (estate, inventories) = self.estate_with_reports(source, progress).await?;
        Ok(Scoped {
            estate,
            inventories,
        })
    }

    /// The boundary statement of the estate from `source`.
    pub async fn boundary(&self, source: &EstateSource, format: BoundaryFormat) -> Result<String> {
        let scoped = self.scope(source, &mut |_, _| {}).await?;
        Ok(scoped.boundary(format))
    }

    /// The shared responsibility matrix of the estate from `source`.
    pub async fn responsibility(
        &self,
        source: &EstateSource,
        format: MatrixFormat,
    ) -> Result<String> {
        let scoped = self.scope(source, &mut |_, _| {}).await?;
        Ok(scoped.responsibility(format))
    }

    /// The main job: assesses an estate file and writes every scope document into `out`.
    pub fn assess_file(
        &self,
        file: &Path,
        out: &Path,
        options: &LoadOptions,
        progress: Progress<'_>,
    ) -> Result<AssessResult> {
        let loaded = self.load_file_with(file, options, progress)?;
        let assessment = assess(&loaded.estate);
        let derived = derive(&assessment);
        let rendered = documents::render(DocumentSet::Assessment, &assessment, &derived).map_err(
            |source| AppError::Io {
                path: out.to_path_buf(),
                source,
            },
        )?;
        let out = self.path(out);
        let mut written = Vec::new();
        for (name, bytes) in &rendered {
            let path = out.join(name);
            write_file(&path, bytes)?;
            written.push(path.display().to_string());
        }
        Ok(AssessResult {
            estate: file.display().to_string(),
            summary: fieldproof_report::scope::summary(&assessment),
            findings: assessment.findings.clone(),
            written,
            project: None,
            inventories: loaded.inventories.clone(),
        })
    }

    /// Checks an estate file without storing anything.
    pub fn validate(
        &self,
        file: &Path,
        options: &LoadOptions,
        progress: Progress<'_>,
    ) -> Validated {
        let name = file.display().to_string();
        match self.load_file_with(file, options, progress) {
            Ok(loaded) => {
                let assessment = assess(&loaded.estate);
                let counts = assessment.counts();
                Validated {
                    result: ValidationResult {
                        file: name,
                        valid: true,
                        components: loaded.estate.components.len(),
                        assets: loaded
                            .estate
                            .components
                            .iter()
                            .map(|c| c.assets.len())
                            .sum(),
                        in_scope: counts.in_scope,
                        shared: counts.shared,
                        out_of_scope: counts.out_of_scope,
                        subservice_organisations: loaded.estate.subservice_organisations.len(),
                        responsibilities: loaded.estate.responsibilities.len(),
                        findings: assessment.findings.len(),
                        problems: Vec::new(),
                        inventories: loaded.inventories.clone(),
                    },
                    error: None,
                }
            }
            Err(AppError::Load(error)) => Validated {
                result: invalid(name.clone(), problems_of(&error, &name)),
                error: Some(error),
            },
            Err(other) => Validated {
                result: invalid(
                    name.clone(),
                    vec![ProblemJson {
                        file: name,
                        line: None,
                        column: None,
                        field: None,
                        message: other.to_string(),
                    }],
                ),
                error: None,
            },
        }
    }

    /// Loads an estate file into the workspace. The whole file is checked before the store is
    /// touched; the change set records who, when and the files' SHA-256.
    pub async fn apply(
        &self,
        file: &Path,
        options: &LoadOptions,
        progress: Progress<'_>,
    ) -> Result<ApplyResult> {
        let started = std::time::Instant::now();
        let loaded = self.load_file_with(file, options, progress)?;
        let ws = self.open().await?;
        let result = self.apply_in(&ws, &loaded).await;
        ws.close().await;
        if let Ok(r) = &result {
            tracing::info!(
                actor = %r.actor,
                change_set = r.change_set.unwrap_or_default(),
                changes = r.changes.len(),
                ms = started.elapsed().as_millis() as u64,
                "estate applied"
            );
        }
        result
    }

    /// [`App::apply`] of a loaded estate in an open workspace.
    pub async fn apply_in(&self, ws: &Workspace, loaded: &Loaded) -> Result<ApplyResult> {
        let hashes = loaded
            .files
            .iter()
            .map(|f| sha256_file(f))
            .collect::<Result<Vec<_>>>()?;
        let source = loaded
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let meta = self.change_meta("apply", Some(source.clone()), Some(hashes.join(", ")));
        self.record_estate(ws, &loaded.estate, meta, loaded.inventories.clone())
            .await
    }

    /// Records `estate` as the stored estate (one change set) and says what changed.
    async fn record_estate(
        &self,
        ws: &Workspace,
        estate: &fieldproof_core::Estate,
        meta: fieldproof_store::ChangeMeta,
        inventories: Vec<crate::contract::InventoryReport>,
    ) -> Result<ApplyResult> {
        let outcome = ws.store.apply_estate(estate, &meta).await?;
        let count = |entity: Option<EntityKind>, action| {
            outcome
                .changes
                .iter()
                .filter(|c| match entity {
                    Some(entity) => c.entity == entity,
                    None => !c.entity.is_recorded_only(),
                })
                .filter(|c| c.action == action)
                .count()
        };
        let scope_changes = outcome
            .changes
            .iter()
            .filter_map(|c| match (&c.before, &c.after) {
                (Some(Entity::Scope(before)), Some(Entity::Scope(after))) => {
                    Some(crate::contract::ScopeChange {
                        component: c.key.clone(),
                        before: Some(*before),
                        after: Some(*after),
                    })
                }
                _ => None,
            })
            .collect();
        Ok(ApplyResult {
            source: meta.source.clone().unwrap_or_default(),
            source_sha256: meta.source_sha256.clone().unwrap_or_default(),
            change_set: outcome.change_set,
            added: count(None, Action::Added),
            changed: count(None, Action::Changed),
            removed: count(None, Action::Removed),
            assets_added: count(Some(EntityKind::Asset), Action::Added),
            assets_removed: count(Some(EntityKind::Asset), Action::Removed),
            assets_changed: count(Some(EntityKind::Asset), Action::Changed),
            scope_changes,
            changes: change_lines(&outcome.changes),
            inventories,
            actor: meta.actor,
            at: meta.at,
        })
    }

    /// Changes one component of the stored estate as `edit` says (its declared scope, owner,
    /// description and facts) and records it as a change set, like an estate file applied.
    /// A component rolled up from an inventory's assets takes its facts from them: its facts
    /// are changed in the export or the mapping, not here.
    pub async fn component_edit(
        &self,
        id: &str,
        request: &ComponentEditRequest,
    ) -> Result<ApplyResult> {
        self.allow(fieldproof_core::access::Action::LoadEstate)?;
        let edit = &request.parse()?;
        let ws = self.open().await?;
        let result = async {
            let mut estate = ws.store.load_estate().await?;
            let component = estate
                .components
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| AppError::unknown(crate::Thing::Component, id))?;
            if !component.assets.is_empty() && !edit.facts.is_empty() {
                return Err(crate::FieldError::value(
                    crate::Field::Fact,
                    id,
                    format!(
                        "its facts come from the {} assets of its inventory; change them in the export or its mapping and apply it again",
                        component.assets.len()
                    ),
                )
                .into());
            }
            edit.apply_to(component);
            if let Some(problem) = estate.check().into_iter().next() {
                return Err(AppError::Input(format!(
                    "component {id}: {}: {}",
                    problem.field, problem.message
                )));
            }
            let meta = self.change_meta(
                "component edit",
                Some(format!("component {id}: {}", edit.describe())),
                None,
            );
            self.record_estate(&ws, &estate, meta, Vec::new()).await
        }
        .await;
        ws.close().await;
        result
    }

    /// What applying an estate file would change, without storing anything: the changes,
    /// the components whose scope decision would change, and the scope findings before and
    /// after.
    pub async fn apply_preview(
        &self,
        file: &Path,
        options: &LoadOptions,
        progress: Progress<'_>,
    ) -> Result<crate::contract::ApplyPreview> {
        let loaded = self.load_file_with(file, options, progress)?;
        let ws = self.open().await?;
        let stored = ws.store.load_estate().await;
        ws.close().await;
        let stored = stored?;
        let changes = fieldproof_core::diff::diff(&stored, &loaded.estate);
        let before = assess(&stored);
        let after = assess(&loaded.estate);
        let scope_changes = fieldproof_core::diff::scope_changes(&stored, &loaded.estate)
            .into_iter()
            .map(|c| crate::contract::ScopeChange {
                component: c.component,
                before: c.before,
                after: c.after,
            })
            .collect();
        let hashes = loaded
            .files
            .iter()
            .map(|f| sha256_file(f))
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::contract::ApplyPreview {
            source: loaded
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            source_sha256: hashes.join(", "),
            changes: change_lines(&changes),
            scope_changes,
            findings_before: before.findings.len(),
            findings_after: after.findings.len(),
            findings_new: finding_lines(&after.findings, &before.findings),
            findings_gone: finding_lines(&before.findings, &after.findings),
            inventories: loaded.inventories.clone(),
        })
    }

    /// The change log, newest first.
    pub async fn log(&self, limit: u32) -> Result<ChangeLogResult> {
        let ws = self.open().await?;
        let sets = ws.store.change_log(limit).await;
        ws.close().await;
        Ok(ChangeLogResult { change_sets: sets? })
    }

    /// The rule tables behind every decision.
    pub fn rules(&self) -> RulesDocument {
        RulesDocument {
            scope_rules: SCOPE_RULES
                .iter()
                .enumerate()
                .map(|(i, r)| ScopeRuleRow {
                    order: i + 1,
                    id: r.id,
                    outcome: r.outcome,
                    meaning: r.meaning,
                    when: r.when,
                })
                .collect(),
            triggers: TRIGGERS.iter().collect(),
            finding_rules: FINDING_RULES
                .iter()
                .map(|r| FindingRuleRow {
                    id: r.id.as_str(),
                    title: r.title,
                })
                .collect(),
        }
    }
}

/// Writes `bytes` to `path` atomically (a temporary file beside it, fsync, rename), creating
/// parent directories, so an interrupted run never leaves half a document under the final name.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| AppError::Io { path, source }
    };
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let temp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io(path))
}

/// A component edit as a person gives it (the CLI's flags, the web form's fields), before it is
/// read: [`ComponentEditRequest::parse`] is the one reading both front ends use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentEditRequest {
    /// `in`, `out`, `shared`, or `none` (no longer declared); absent: kept.
    pub declared_scope: Option<String>,
    /// The owner (empty: nobody); absent: kept.
    pub owner: Option<String>,
    /// The description (empty: none); absent: kept.
    pub description: Option<String>,
    /// Facts as `NAME=true|false`.
    pub facts: Vec<String>,
}

impl ComponentEditRequest {
    /// The edit, or the first input that is not one.
    pub fn parse(&self) -> Result<fieldproof_core::component::ComponentEdit> {
        use fieldproof_core::component::{ComponentEdit, Fact};
        let declared_scope = match self.declared_scope.as_deref().map(str::trim) {
            None => None,
            Some("none" | "") => Some(None),
            Some(text) => Some(Some(fieldproof_core::Scope::parse(text).ok_or_else(
                || {
                    crate::FieldError::value(
                        crate::Field::DeclaredScope,
                        text,
                        "expected in, out, shared or none",
                    )
                },
            )?)),
        };
        let mut facts = Vec::new();
        for given in &self.facts {
            let (name, value) = given.split_once('=').unwrap_or((given, ""));
            let fact = Fact::parse(name.trim()).ok_or_else(|| {
                crate::FieldError::value(
                    crate::Field::Fact,
                    given,
                    format!(
                        "not a fact; the facts are: {}",
                        Fact::ALL
                            .iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let value = match value.trim() {
                "true" | "yes" => true,
                "false" | "no" => false,
                _ => {
                    return Err(crate::FieldError::value(
                        crate::Field::Fact,
                        given,
                        "give NAME=true or NAME=false",
                    )
                    .into())
                }
            };
            facts.push((fact, value));
        }
        Ok(ComponentEdit {
            declared_scope,
            owner: self
                .owner
                .clone()
                .map(|o| Some(o).filter(|o| !o.trim().is_empty())),
            description: self
                .description
                .clone()
                .map(|d| Some(d).filter(|d| !d.trim().is_empty())),
            facts,
        })
    }
}
