//! The main job over a project (`fieldproof.yaml`): record the estate, the engagement, the
//! design statuses, the evidence and the event evidence in a workspace, run the
//! full-population tests, compute the readiness and write every report. Each step is the use
//! case the single commands run (`apply`, `engagement create`, `status apply`, `evidence add`,
//! `ingest`, `test`, `report`, `export`), so a project run and the tour agree by construction.
//! Running it again records only what changed.

use crate::contract::{AssessResult, ProjectDataset, ProjectPhase, ProjectRun};
use crate::evidence::{AddContent, AddRequest};
use crate::readiness::ReadinessOscal;
use crate::reports::ReportFormat;
use crate::scope::{write_file, Progress};
use crate::{App, AppError, Config, Result};
use fieldproof_core::assessment::assess;
use fieldproof_core::engagement::EngagementRequest;
use fieldproof_estate::project_file::{self, ProjectFile};
use fieldproof_evidence::hash::Sha256Hex;
use fieldproof_report::documents::{self, DocumentSet};
use fieldproof_report::readiness::ReportKind;
use std::path::{Path, PathBuf};

/// The reports a project run writes, in order: kind, format and file name.
pub const PROJECT_REPORTS: [(ReportKind, ReportFormat, &str); 9] = [
    (ReportKind::Readiness, ReportFormat::Html, "readiness.html"),
    (ReportKind::Readiness, ReportFormat::Pdf, "readiness.pdf"),
    (
        ReportKind::Readiness,
        ReportFormat::Markdown,
        "readiness.md",
    ),
    (
        ReportKind::SystemDescription,
        ReportFormat::Markdown,
        "system-description.md",
    ),
    (
        ReportKind::SystemDescription,
        ReportFormat::Html,
        "system-description.html",
    ),
    (ReportKind::Controls, ReportFormat::Markdown, "controls.md"),
    (ReportKind::Controls, ReportFormat::Csv, "controls.csv"),
    (ReportKind::Tests, ReportFormat::Markdown, "tests.md"),
    (ReportKind::Tests, ReportFormat::Html, "tests.html"),
];

/// The OSCAL documents a project run writes.
pub const PROJECT_OSCAL: [(ReadinessOscal, &str); 3] = [
    (ReadinessOscal::Ssp, "oscal-ssp.json"),
    (ReadinessOscal::AssessmentResults, "oscal-ar.json"),
    (ReadinessOscal::Poam, "oscal-poam.json"),
];

/// The project file of `path`: the file itself, or `fieldproof.yaml` in a directory.
pub fn project_file_of(path: &Path) -> Option<PathBuf> {
    if path.is_dir() {
        let file = path.join(project_file::FILE_NAME);
        return file.is_file().then_some(file);
    }
    (path.file_name().and_then(|n| n.to_str()) == Some(project_file::FILE_NAME))
        .then(|| path.to_path_buf())
}

impl App {
    /// `assess PATH`: a project (a directory with `fieldproof.yaml`, or that file) runs the
    /// whole job; an estate file or CSV inventory writes the scope documents only.
    pub async fn assess_path(
        &self,
        path: &Path,
        out: &Path,
        options: &fieldproof_estate::LoadOptions,
        progress: Progress<'_>,
    ) -> Result<AssessResult> {
        let resolved = self.path(path);
        match project_file_of(&resolved) {
            Some(file) => self.assess_project(&file, out, options, progress).await,
            None if resolved.is_dir() => Err(AppError::Input(format!(
                "{}: a directory to assess holds a {} (a project file; see docs/project.md); give an estate file to assess its scope only",
                path.display(),
                project_file::FILE_NAME
            ))),
            None => self.assess_file(path, out, options, progress),
        }
    }

    /// The whole job of a project, recorded in the workspace in `out` (created when absent).
    pub async fn assess_project(
        &self,
        file: &Path,
        out: &Path,
        options: &fieldproof_estate::LoadOptions,
        progress: Progress<'_>,
    ) -> Result<AssessResult> {
        fieldproof_estate::check_regular(file)?;
        let text = std::fs::read_to_string(file).map_err(|source| AppError::Io {
            path: file.to_path_buf(),
            source,
        })?;
        let project = project_file::parse(file, &text)?;
        // Check what can be checked before the workspace is touched.
        if let Some(status) = &project.status {
            let text = std::fs::read_to_string(status).map_err(|source| AppError::Io {
                path: status.clone(),
                source,
            })?;
            fieldproof_estate::status_file::parse(status, &text)?;
        }
        let bundled = self.catalogs.get(&[])?;
        for (i, (entry, line)) in project.evidence.iter().enumerate() {
            crate::evidence::resolve_controls(&bundled, &entry.controls, entry.request.as_deref())
                .map_err(|e| {
                    let why = match &e {
                        // The project file's own key for the input.
                        AppError::Field(f) => {
                            let key = match f.field {
                                crate::Field::Request => "request",
                                _ => "controls",
                            };
                            match &f.value {
                                Some(value) => {
                                    format!("evidence[{i}].{key}: {value}: {}", f.problem)
                                }
                                None => format!("evidence[{i}].{key}: {}", f.problem),
                            }
                        }
                        other => format!("evidence[{i}].controls: {other}"),
                    };
                    AppError::Input(format!("{}:{line}: {why}", file.display()))
                })?;
        }
        #[cfg(not(feature = "analytics"))]
        if !project.events.is_empty() {
            return Err(AppError::Input(format!(
                "{}: the project lists event evidence, but this fieldproof was built without the test engine (--no-default-features); build it with its default features (`cargo run -- assess ...`)",
                file.display()
            )));
        }
        let out = self.path(out);
        // Every step opens the project's workspace in `out` unless --workspace names another.
        let app = App::new(Config {
            workspace: Some(
                self.config
                    .workspace
                    .as_ref()
                    .map(|w| self.path(w))
                    .unwrap_or_else(|| out.clone()),
            ),
            actor: Some(self.actor.clone()),
            clock: Some(self.clock.clone()),
            // The project's workspace is opened by path, never through another's open store.
            open_store: None,
            ..self.config.clone()
        });
        let workspace = app.workspace_dir()?;
        let created = !workspace.join("keys").is_dir();
        if created {
            app.init(&out).await?;
        }
        let loaded = app.load_file_with(&project.estate, options, progress)?;
        let applied = {
            let ws = app.open().await?;
            let r = app.apply_in(&ws, &loaded).await;
            ws.close().await;
            r?
        };
        let e = &project.engagement;
        let saved = app
            .engagement_create(&EngagementRequest {
                id: e.id.clone(),
                name: e.name.clone(),
                report: e.report.clone(),
                report_type: e.report_type.clone(),
                period: e.period.clone(),
                as_of: e.as_of.clone(),
                categories: e.categories.clone(),
            })
            .await
            .map_err(|err| in_project(&project, "engagement", err))?;
        let id = saved.engagement.id.clone();
        let status_changes = match &project.status {
            Some(status) => app.status_apply(status, Some(&id)).await?.changes.len(),
            None => 0,
        };
        let (evidence_added, evidence_unchanged) =
            app.record_project_evidence(&project, &id).await?;
        let datasets = app.ingest_project_events(&project, progress).await?;
        let tests_ran = app.run_project_tests(&id, &project).await?;
        let basis = app.readiness(Some(&id)).await?;

        // Documents: the scope set, the reports and the OSCAL documents.
        let assessment = assess(&basis.estate);
        let matrix = fieldproof_core::responsibility::derive(&assessment);
        let mut files =
            documents::render(DocumentSet::Assessment, &assessment, &matrix).map_err(|source| {
                AppError::Io {
                    path: out.clone(),
                    source,
                }
            })?;
        for (kind, format, name) in PROJECT_REPORTS {
            files.push((
                name.to_string(),
                app.render_report(&basis, None, kind, format),
            ));
        }
        for (which, name) in PROJECT_OSCAL {
            let document = app.render_readiness_oscal(&basis, which);
            let mut bytes = serde_json::to_vec_pretty(&document)
                .map_err(|e| AppError::Input(format!("OSCAL {name}: {e}")))?;
            bytes.push(b'\n');
            files.push((name.to_string(), bytes));
        }
        let mut written = Vec::new();
        for (name, bytes) in &files {
            let path = out.join(name);
            write_file(&path, bytes)?;
            written.push(path.display().to_string());
        }
        let readiness = &basis.readiness;
        Ok(AssessResult {
            estate: project.estate.display().to_string(),
            summary: fieldproof_report::scope::summary(&assessment),
            findings: assessment.findings.clone(),
            written,
            inventories: loaded.inventories.clone(),
            project: Some(ProjectRun {
                project: file.display().to_string(),
                workspace: workspace
                    .parent()
                    .unwrap_or(&workspace)
                    .display()
                    .to_string(),
                created,
                engagement: id,
                estate_change_set: applied.change_set,
                status_changes,
                evidence_added,
                evidence_unchanged,
                datasets,
                tests_ran,
                readiness: readiness.summary.clone(),
                findings: readiness.findings.clone(),
                oscal_to_complete: fieldproof_report::oscal::to_complete(readiness),
                roadmap: readiness
                    .roadmap
                    .phases
                    .iter()
                    .map(|p| ProjectPhase {
                        phase: p.number,
                        title: p.title.to_string(),
                        ends: p.ends.to_string(),
                        items: p.items.len(),
                        effort_days: p.effort_days,
                    })
                    .collect(),
            }),
        })
    }

    /// Records the project's evidence files that are not already current for the engagement
    /// with the same content and controls. Returns (added, unchanged).
    async fn record_project_evidence(
        &self,
        project: &ProjectFile,
        engagement: &str,
    ) -> Result<(usize, usize)> {
        if project.evidence.is_empty() {
            return Ok((0, 0));
        }
        let ws = self.open().await?;
        let current = ws.ledger().current_for(engagement).await;
        ws.close().await;
        let current = current?;
        let (mut added, mut unchanged) = (0, 0);
        for (entry, line) in &project.evidence {
            let bytes = std::fs::read(&entry.file).map_err(|source| AppError::Io {
                path: entry.file.clone(),
                source,
            })?;
            let sha256 = Sha256Hex::of(&bytes);
            let mut controls: Vec<String> = entry
                .controls
                .iter()
                .map(|c| c.to_ascii_uppercase())
                .collect();
            controls.sort();
            let same = current.iter().any(|a| {
                let mut theirs = a.controls.clone();
                theirs.sort();
                a.sha256 == sha256
                    && theirs == controls
                    && a.engagement.as_deref() == Some(engagement)
            });
            if same {
                unchanged += 1;
                continue;
            }
            self.evidence_add(&AddRequest {
                content: AddContent::Files(vec![entry.file.clone()]),
                controls: entry.controls.clone(),
                request: entry.request.clone(),
                population: entry.population,
                engagement: Some(engagement.to_string()),
                covers: entry.covers.clone(),
                source: entry.source.clone(),
                note: entry.note.clone(),
                supersedes: None,
            })
            .await
            .map_err(|e| {
                AppError::Input(format!("{}:{line}: evidence: {e}", project.path.display()))
            })?;
            added += 1;
        }
        Ok((added, unchanged))
    }

    #[cfg(feature = "analytics")]
    async fn ingest_project_events(
        &self,
        project: &ProjectFile,
        progress: Progress<'_>,
    ) -> Result<Vec<ProjectDataset>> {
        let mut datasets = Vec::new();
        for (entry, line) in &project.events {
            let result = self
                .ingest(
                    &crate::analytics::IngestRequest {
                        dataset: entry.dataset.clone(),
                        files: entry.files.clone(),
                        mapping: entry.map.clone(),
                        lookups: entry.lookups.clone(),
                    },
                    &mut *progress,
                )
                .await
                .map_err(|e| {
                    AppError::Input(format!(
                        "{}:{line}: events {}: {e}",
                        project.path.display(),
                        entry.dataset
                    ))
                })?;
            let fresh = result.files.iter().filter(|f| !f.duplicate);
            datasets.push(ProjectDataset {
                dataset: entry.dataset.clone(),
                rows: fresh.clone().map(|f| f.rows).sum(),
                rejected: fresh.map(|f| f.rejected).sum(),
                unchanged_files: result.files.iter().filter(|f| f.duplicate).count(),
            });
        }
        Ok(datasets)
    }

    #[cfg(not(feature = "analytics"))]
    async fn ingest_project_events(
        &self,
        _project: &ProjectFile,
        _progress: Progress<'_>,
    ) -> Result<Vec<ProjectDataset>> {
        Ok(Vec::new())
    }

    /// Runs the test library for the engagement (recorded in the ledger); false when the build
    /// has no test engine.
    #[cfg(feature = "analytics")]
    async fn run_project_tests(&self, engagement: &str, project: &ProjectFile) -> Result<bool> {
        self.run_tests(&crate::analytics::TestRequest {
            engagement: Some(engagement.to_string()),
            cluster: project.cluster.clone(),
            cluster_parts: project.cluster_parts.clone(),
            incremental: project.incremental,
            ..Default::default()
        })
        .await?;
        Ok(true)
    }

    #[cfg(not(feature = "analytics"))]
    async fn run_project_tests(&self, _engagement: &str, _project: &ProjectFile) -> Result<bool> {
        Ok(false)
    }
}

/// An error of a project step, naming the project file and the section.
fn in_project(project: &ProjectFile, section: &str, error: AppError) -> AppError {
    AppError::Input(format!("{}: {section}: {error}", project.path.display()))
}
