//! Scope use cases: load an estate (from a file, or the workspace), assess it, write the scope
//! documents, validate a file, apply it to the workspace, read the change log, print the rules.

use crate::contract::{
    ApplyResult, AssessResult, ChangeLine, ChangeLogResult, FindingRuleRow, ProblemJson,
    RulesDocument, ScopeRuleRow, ValidationResult,
};
use crate::workspace::Workspace;
use crate::{App, AppError, Result};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::diff::Action;
use fieldproof_core::findings::FINDING_RULES;
use fieldproof_core::responsibility::{derive, ResponsibilityMatrix};
use fieldproof_core::scope::rules::SCOPE_RULES;
use fieldproof_core::scope::triggers::TRIGGERS;
use fieldproof_core::{assess, Estate};
use fieldproof_estate::{LoadError, Loaded};
use fieldproof_report::documents::{self, DocumentSet};
use fieldproof_report::{boundary, matrix};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where an estate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstateSource {
    /// An estate file (`.yaml`/`.yml`) or a CSV inventory.
    File(PathBuf),
    /// The estate stored in the workspace.
    Workspace,
}

impl EstateSource {
    /// `--estate FILE` when given, else the workspace.
    pub fn from_option(file: Option<&Path>) -> Self {
        file.map_or(EstateSource::Workspace, |f| {
            EstateSource::File(f.to_path_buf())
        })
    }
}

/// A loaded estate, ready to be assessed and rendered.
#[derive(Debug, Clone)]
pub struct Scoped {
    /// The estate.
    pub estate: Estate,
}

impl Scoped {
    /// The assessment (scope decisions and findings).
    pub fn assessment(&self) -> Assessment<'_> {
        assess(&self.estate)
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
        in_scope: 0,
        shared: 0,
        out_of_scope: 0,
        subservice_organisations: 0,
        responsibilities: 0,
        findings: 0,
        problems,
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
        let path = self.path(path);
        Ok(fieldproof_estate::load_with_progress(&path, progress)?)
    }

    /// The estate from `source`.
    pub async fn estate(&self, source: &EstateSource, progress: Progress<'_>) -> Result<Estate> {
        match source {
            EstateSource::File(path) => Ok(self.load_file(path, progress)?.estate),
            EstateSource::Workspace => {
                let ws = self.open().await?;
                let estate = ws.store.load_estate().await;
                ws.close().await;
                Ok(estate?)
            }
        }
    }

    /// The estate from `source`, ready to assess.
    pub async fn scope(&self, source: &EstateSource, progress: Progress<'_>) -> Result<Scoped> {
        Ok(Scoped {
            estate: self.estate(source, progress).await?,
        })
    }

    /// The boundary statement of the estate from `source`.
    pub async fn boundary(&self, source: &EstateSource, format: BoundaryFormat) -> Result<String> {
        let scoped = self.scope(source, &mut |_, _| {}).await?;
        let assessment = scoped.assessment();
        let derived = derive(&assessment);
        Ok(match format {
            BoundaryFormat::Markdown => boundary::markdown(&assessment, &derived),
            BoundaryFormat::Html => boundary::html_document(&assessment, &derived),
        })
    }

    /// The shared responsibility matrix of the estate from `source`.
    pub async fn responsibility(
        &self,
        source: &EstateSource,
        format: MatrixFormat,
    ) -> Result<String> {
        let scoped = self.scope(source, &mut |_, _| {}).await?;
        let assessment = scoped.assessment();
        let derived: ResponsibilityMatrix = derive(&assessment);
        Ok(match format {
            MatrixFormat::Markdown => matrix::markdown(&assessment, &derived),
            MatrixFormat::Csv => matrix::csv(&derived),
            MatrixFormat::Html => matrix::html_document(&assessment, &derived),
        })
    }

    /// The main job: assesses an estate file and writes every scope document into `out`.
    pub fn assess_file(
        &self,
        file: &Path,
        out: &Path,
        progress: Progress<'_>,
    ) -> Result<AssessResult> {
        let loaded = self.load_file(file, progress)?;
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
        })
    }

    /// Checks an estate file without storing anything.
    pub fn validate(&self, file: &Path, progress: Progress<'_>) -> Validated {
        let name = file.display().to_string();
        match self.load_file(file, progress) {
            Ok(loaded) => {
                let assessment = assess(&loaded.estate);
                let counts = assessment.counts();
                Validated {
                    result: ValidationResult {
                        file: name,
                        valid: true,
                        components: loaded.estate.components.len(),
                        in_scope: counts.in_scope,
                        shared: counts.shared,
                        out_of_scope: counts.out_of_scope,
                        subservice_organisations: loaded.estate.subservice_organisations.len(),
                        responsibilities: loaded.estate.responsibilities.len(),
                        findings: assessment.findings.len(),
                        problems: Vec::new(),
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
    pub async fn apply(&self, file: &Path, progress: Progress<'_>) -> Result<ApplyResult> {
        let loaded = self.load_file(file, progress)?;
        let ws = self.open().await?;
        let result = self.apply_in(&ws, &loaded).await;
        ws.close().await;
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
        let outcome = ws.store.apply_estate(&loaded.estate, &meta).await?;
        let count = |action| {
            outcome
                .changes
                .iter()
                .filter(|c| c.action == action)
                .count()
        };
        Ok(ApplyResult {
            source,
            source_sha256: hashes.join(", "),
            change_set: outcome.change_set,
            added: count(Action::Added),
            changed: count(Action::Changed),
            removed: count(Action::Removed),
            changes: change_lines(&outcome.changes),
            actor: meta.actor,
            at: meta.at,
        })
    }

    /// What applying an estate file would change, without storing anything: the changes,
    /// the components whose scope decision would change, and the scope findings before and
    /// after.
    pub async fn apply_preview(
        &self,
        file: &Path,
        progress: Progress<'_>,
    ) -> Result<crate::contract::ApplyPreview> {
        let loaded = self.load_file(file, progress)?;
        let ws = self.open().await?;
        let stored = ws.store.load_estate().await;
        ws.close().await;
        let stored = stored?;
        let changes = fieldproof_core::diff::diff(&stored, &loaded.estate);
        let before = assess(&stored);
        let after = assess(&loaded.estate);
        let decisions =
            |a: &Assessment<'_>| -> std::collections::BTreeMap<String, fieldproof_core::Scope> {
                a.by_id().map(|(c, d)| (c.id.clone(), d.scope)).collect()
            };
        let (old, new) = (decisions(&before), decisions(&after));
        let mut ids: Vec<&String> = old.keys().chain(new.keys()).collect();
        ids.sort();
        ids.dedup();
        let scope_changes = ids
            .into_iter()
            .filter(|id| old.get(*id) != new.get(*id))
            .map(|id| crate::contract::ScopeChange {
                component: id.clone(),
                before: old.get(id).copied(),
                after: new.get(id).copied(),
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
                    id: r.id,
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
