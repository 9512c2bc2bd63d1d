//! Project files: `fieldproof.yaml` names everything one engagement's assessment needs — the
//! estate, the engagement, the design status file, evidence files and event evidence — so that
//! `fieldproof assess DIR` runs the whole job (scope, controls, tests, readiness, reports) in
//! one command. Paths are relative to the project file. The format is documented in
//! `docs/project.md`.
//!
//! ```yaml
//! estate: estate.yaml
//! status: status.yaml                  # optional
//! engagement:
//!   id: soc2-2026
//!   period: 2026-01-01..2026-12-31
//!   categories: [availability]
//! evidence:                            # optional
//!   - file: ../evidence/q1-access-review.md
//!     controls: [FP-AC-03]
//!     covers: 2026-01-01..2026-03-31
//! events:                              # optional
//!   - dataset: access_sessions
//!     files: [events/access_sessions.jsonl.gz]
//! ```

use crate::error::{LoadError, Location, Problem};
use crate::yaml::{check_text, yaml_error};
use marked_yaml::{LoaderOptions, Spanned};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The file name `fieldproof assess DIR` looks for.
pub const FILE_NAME: &str = "fieldproof.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectDocument {
    estate: Spanned<String>,
    #[serde(default)]
    status: Option<Spanned<String>>,
    engagement: Spanned<EngagementSection>,
    #[serde(default)]
    evidence: Vec<Spanned<EvidenceEntry>>,
    #[serde(default)]
    events: Vec<Spanned<EventsEntry>>,
    #[serde(default)]
    cluster: Option<Spanned<String>>,
    #[serde(default)]
    cluster_parts: Option<Spanned<String>>,
    #[serde(default)]
    incremental: bool,
}

/// The engagement a project assesses, as `engagement create` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementSection {
    /// Identifier.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `soc2` or `soc1`.
    #[serde(default)]
    pub report: Option<String>,
    /// `type1` or `type2`.
    #[serde(default)]
    pub report_type: Option<String>,
    /// Type II period `FROM..TO`.
    #[serde(default)]
    pub period: Option<String>,
    /// Type I date.
    #[serde(default)]
    pub as_of: Option<String>,
    /// TSC category names.
    #[serde(default)]
    pub categories: Vec<String>,
}

/// One evidence file (or several) to record in the ledger, as `evidence add` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEntry {
    /// The file, relative to the project file.
    pub file: PathBuf,
    /// Controls it supports.
    pub controls: Vec<String>,
    /// The evidence request it answers.
    #[serde(default)]
    pub request: Option<String>,
    /// The period it covers, `FROM..TO` or one date.
    #[serde(default)]
    pub covers: Option<String>,
    /// A population of its whole period.
    #[serde(default)]
    pub population: bool,
    /// Where it came from.
    #[serde(default)]
    pub source: Option<String>,
    /// A description.
    #[serde(default)]
    pub note: Option<String>,
}

/// Event evidence for one dataset, as `ingest` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsEntry {
    /// The dataset.
    pub dataset: String,
    /// Files (JSON Lines or CSV, gzip or not), relative to the project file.
    pub files: Vec<PathBuf>,
    /// A mapping file (relative to the project file) or a bundled mapping's name.
    #[serde(default)]
    pub map: Option<String>,
    /// Lookup tables, `NAME=FILE`.
    #[serde(default)]
    pub lookups: Vec<String>,
}

/// A parsed project file, every path resolved against its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFile {
    /// The project file.
    pub path: PathBuf,
    /// The estate file.
    pub estate: PathBuf,
    /// The status file, if any.
    pub status: Option<PathBuf>,
    /// The engagement.
    pub engagement: EngagementSection,
    /// Evidence to record (paths resolved).
    pub evidence: Vec<(EvidenceEntry, usize)>,
    /// Event evidence to ingest (paths resolved; a `map` that names a file is resolved too).
    pub events: Vec<(EventsEntry, usize)>,
    /// The Ballista cluster the tests run on (`df://HOST:PORT`); none: in this process.
    pub cluster: Option<String>,
    /// Where the cluster's executors read the parts (`s3://BUCKET[/PREFIX]`); none: at the
    /// workspace's paths (docs/scale-out.md, "How executors reach the data").
    pub cluster_parts: Option<String>,
    /// Whether the tests run incrementally, as `test --incremental`: each result is kept and
    /// the next run builds on it (docs/tests.md, "Incremental runs").
    pub incremental: bool,
}

fn line_of<T>(spanned: &Spanned<T>) -> Option<usize> {
    spanned.span().start().map(|m| m.line()).filter(|l| *l > 0)
}

/// Parses the project file at `path` (its text is `text`).
pub fn parse(path: &Path, text: &str) -> Result<ProjectFile, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_text(path, text)?;
    let location = |line: Option<usize>, field: &str| Location {
        file: path.to_path_buf(),
        line,
        column: None,
        field: Some(field.to_string()),
    };
    if text.trim().is_empty() {
        return Err(LoadError::at(
            location(None, "estate"),
            "the file is empty; a project file names at least its `estate` and `engagement`",
        ));
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let document: ProjectDocument = marked_yaml::from_yaml_with_options(0, text, options)
        .map_err(|e| yaml_error(path, text, e))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let resolve = |p: &Path| dir.join(p);
    let problems = std::cell::RefCell::new(Vec::new());
    let problem = |line: Option<usize>, field: String, message: String| {
        problems.borrow_mut().push(Problem {
            location: location(line, &field),
            message,
        });
    };
    let check_file = |line: Option<usize>, field: String, file: &Path| {
        let resolved = resolve(file);
        if !resolved.is_file() {
            problem(
                line,
                field,
                format!(
                    "{} does not exist (paths are relative to the project file, here {})",
                    file.display(),
                    resolved.display()
                ),
            );
        }
        resolved
    };
    let estate = check_file(
        line_of(&document.estate),
        "estate".into(),
        Path::new(document.estate.as_str()),
    );
    let status = document
        .status
        .as_ref()
        .map(|s| check_file(line_of(s), "status".into(), Path::new(s.as_str())));
    let engagement: EngagementSection = (*document.engagement).clone();
    let mut evidence = Vec::new();
    for (i, entry) in document.evidence.iter().enumerate() {
        let line = line_of(entry);
        let mut e: EvidenceEntry = (**entry).clone();
        e.file = check_file(line, format!("evidence[{i}].file"), &e.file);
        evidence.push((e, line.unwrap_or(0)));
    }
    let mut events = Vec::new();
    let mut datasets = BTreeSet::new();
    for (i, entry) in document.events.iter().enumerate() {
        let line = line_of(entry);
        let mut e: EventsEntry = (**entry).clone();
        if e.files.is_empty() {
            problem(
                line,
                format!("events[{i}].files"),
                format!("{}: list the files to ingest", e.dataset),
            );
        }
        if fieldproof_core::dataset::dataset(&e.dataset).is_none() {
            problem(
                line,
                format!("events[{i}].dataset"),
                format!(
                    "'{}' is not a dataset; the datasets are: {}",
                    e.dataset,
                    fieldproof_core::dataset::names().join(", ")
                ),
            );
        } else if !datasets.insert(e.dataset.clone()) {
            problem(
                line,
                format!("events[{i}].dataset"),
                format!(
                    "{} is listed twice; list all its files in one entry",
                    e.dataset
                ),
            );
        }
        e.files = e
            .files
            .iter()
            .enumerate()
            .map(|(j, f)| check_file(line, format!("events[{i}].files[{j}]"), f))
            .collect();
        if let Some(map) = &e.map {
            // A map that names an existing file is a file; anything else is a bundled name.
            let resolved = resolve(Path::new(map));
            if resolved.is_file() {
                e.map = Some(resolved.display().to_string());
            }
        }
        e.lookups = e
            .lookups
            .iter()
            .map(|spec| match spec.split_once('=') {
                Some((name, file)) => format!("{name}={}", resolve(Path::new(file)).display()),
                None => spec.clone(),
            })
            .collect();
        events.push((e, line.unwrap_or(0)));
    }
    let cluster = document.cluster.as_ref().map(|c| {
        match fieldproof_core::cluster::ClusterUrl::parse(c.as_str()) {
            Ok(url) => url.to_string(),
            Err(e) => {
                problem(line_of(c), "cluster".into(), e);
                c.to_string()
            }
        }
    });
    let cluster_parts = document.cluster_parts.as_ref().map(|p| {
        if cluster.is_none() {
            problem(
                line_of(p),
                "cluster_parts".into(),
                "only a run on a cluster reads its parts from a bucket: add `cluster: df://HOST:PORT` or remove this key".into(),
            );
        }
        match fieldproof_core::cluster::PartsUrl::parse(p.as_str()) {
            Ok(url) => url.to_string(),
            Err(e) => {
                problem(line_of(p), "cluster_parts".into(), e);
                p.to_string()
            }
        }
    });
    let problems = problems.into_inner();
    if !problems.is_empty() {
        return Err(LoadError::Invalid { problems });
    }
    Ok(ProjectFile {
        path: path.to_path_buf(),
        estate,
        status,
        engagement,
        evidence,
        events,
        cluster,
        cluster_parts,
        incremental: document.incremental,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(
        files: &[(&str, &str)],
        text: &str,
    ) -> (tempfile::TempDir, Result<ProjectFile, LoadError>) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, body) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, body).expect("write");
        }
        let path = dir.path().join(FILE_NAME);
        let parsed = parse(&path, text);
        (dir, parsed)
    }

    #[test]
    fn a_project_file_resolves_its_paths() {
        let (dir, parsed) = project(
            &[("estate.yaml", "x"), ("events/a.jsonl", "{}")],
            "estate: estate.yaml\nengagement:\n  id: soc2-2026\n  period: 2026-01-01..2026-12-31\nevents:\n  - dataset: device_identity_events\n    files: [events/a.jsonl]\n    map: aws-iot-registry-events\n",
        );
        let p = parsed.expect("valid");
        assert_eq!(p.estate, dir.path().join("estate.yaml"));
        assert_eq!(p.engagement.id, "soc2-2026");
        assert_eq!(p.events[0].0.files[0], dir.path().join("events/a.jsonl"));
        assert_eq!(
            p.events[0].0.map.as_deref(),
            Some("aws-iot-registry-events")
        );
        assert_eq!(p.events[0].1, 6);
        assert!(!p.incremental);
        let (_dir, parsed) = project(
            &[("estate.yaml", "x")],
            "estate: estate.yaml\nengagement:\n  id: x\nincremental: true\n",
        );
        assert!(parsed.expect("valid").incremental);
        let (_dir, parsed) = project(
            &[("estate.yaml", "x")],
            "estate: estate.yaml\nengagement:\n  id: x\ncluster: df://10.0.0.10:50050\ncluster_parts: s3://acme-evidence/parts/\n",
        );
        let p = parsed.expect("valid");
        assert_eq!(p.cluster.as_deref(), Some("df://10.0.0.10:50050"));
        assert_eq!(p.cluster_parts.as_deref(), Some("s3://acme-evidence/parts"));
    }

    #[test]
    fn bad_project_files_name_the_line_and_field() {
        for (text, expected) in [
            (
                "estate: missing.yaml\nengagement:\n  id: x\n",
                "fieldproof.yaml:1: field `estate`: missing.yaml does not exist",
            ),
            ("estate: estate.yaml\n", "engagement"),
            (
                "estate: estate.yaml\nengagement:\n  id: x\n  colour: red\n",
                "colour",
            ),
            (
                "estate: estate.yaml\nengagement:\n  id: x\nevents:\n  - dataset: alarms\n    files: [estate.yaml]\n  - dataset: alarms\n    files: [estate.yaml]\n",
                "fieldproof.yaml:7: field `events[1].dataset`",
            ),
            (
                "estate: estate.yaml\nengagement:\n  id: x\nevidence:\n  - file: nowhere.md\n    controls: [FP-AC-03]\n",
                "evidence[0].file",
            ),
            (
                "estate: estate.yaml\nengagement:\n  id: x\nevents:\n  - dataset: alarmz\n    files: [estate.yaml]\n",
                "fieldproof.yaml:5: field `events[0].dataset`: 'alarmz' is not a dataset",
            ),
            (
                "estate: estate.yaml\nengagement:\n  id: x\nincremental: sometimes\n",
                "incremental",
            ),
            (
                "estate: estate.yaml\nengagement:\n  id: x\ncluster_parts: s3://acme-evidence\n",
                "fieldproof.yaml:4: field `cluster_parts`: only a run on a cluster",
            ),
            (
                "estate: estate.yaml\nengagement:\n  id: x\ncluster: df://h:1\ncluster_parts: /mnt/parts\n",
                "fieldproof.yaml:5: field `cluster_parts`: cluster parts URL \"/mnt/parts\"",
            ),
            ("", "the file is empty"),
        ] {
            let (_dir, parsed) = project(&[("estate.yaml", "x")], text);
            let error = parsed.expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
