//! The test library: one TOML file per test, `[test]` metadata, `[parameters]` with defaults and
//! `[sql]` with the population and exception queries. The bundled tests are under
//! `data/tests/`; a workspace adds its own as files in `.fieldproof/tests/`, in the same
//! format (a workspace test with a bundled test's id replaces it). The format is documented in `docs/tests.md`.

use crate::{AnalyticsError, Result};
use fieldproof_core::control_test::{check_definition, TestDefinition};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// A test file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    test: Header,
    #[serde(default)]
    parameters: BTreeMap<String, fieldproof_core::control_test::Parameter>,
    sql: Sql,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    id: String,
    title: String,
    description: String,
    controls: Vec<String>,
    #[serde(default)]
    answers: Vec<fieldproof_core::control_test::Answer>,
    datasets: Vec<String>,
    severity: fieldproof_core::Severity,
    exception: String,
    key: Vec<String>,
    #[serde(default)]
    incremental: Option<String>,
    #[serde(default)]
    incremental_key: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sql {
    population: String,
    exceptions: String,
}

/// A test with its source: the definition, the file's bytes (what the ledger binds) and where
/// it came from.
#[derive(Debug, Clone)]
pub struct LoadedTest {
    /// The definition.
    pub definition: TestDefinition,
    /// The file's text.
    pub text: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// File name (bundled) or path.
    pub origin: String,
}

/// The bundled test files: (file name, text).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "di-unique-credential.toml",
        include_str!("../data/tests/di-unique-credential.toml"),
    ),
    (
        "di-provisioning-approved.toml",
        include_str!("../data/tests/di-provisioning-approved.toml"),
    ),
    (
        "di-revoked-not-accepted.toml",
        include_str!("../data/tests/di-revoked-not-accepted.toml"),
    ),
    (
        "di-rotation-age.toml",
        include_str!("../data/tests/di-rotation-age.toml"),
    ),
    (
        "ti-stored-in-sender-tenant.toml",
        include_str!("../data/tests/ti-stored-in-sender-tenant.toml"),
    ),
    (
        "ti-replay.toml",
        include_str!("../data/tests/ti-replay.toml"),
    ),
    (
        "ti-rejects-accounted.toml",
        include_str!("../data/tests/ti-rejects-accounted.toml"),
    ),
    (
        "ti-silent-gaps.toml",
        include_str!("../data/tests/ti-silent-gaps.toml"),
    ),
    (
        "fw-signed-and-approved.toml",
        include_str!("../data/tests/fw-signed-and-approved.toml"),
    ),
    (
        "fw-canary-first.toml",
        include_str!("../data/tests/fw-canary-first.toml"),
    ),
    (
        "fw-failures-halted.toml",
        include_str!("../data/tests/fw-failures-halted.toml"),
    ),
    (
        "ac-privileged-sessions.toml",
        include_str!("../data/tests/ac-privileged-sessions.toml"),
    ),
    (
        "ac-quarterly-reviews.toml",
        include_str!("../data/tests/ac-quarterly-reviews.toml"),
    ),
    (
        "cm-approved-before-deploy.toml",
        include_str!("../data/tests/cm-approved-before-deploy.toml"),
    ),
    (
        "cm-observed-changes-ticketed.toml",
        include_str!("../data/tests/cm-observed-changes-ticketed.toml"),
    ),
    (
        "cm-fat-sat-passed.toml",
        include_str!("../data/tests/cm-fat-sat-passed.toml"),
    ),
    (
        "br-backups-on-schedule.toml",
        include_str!("../data/tests/br-backups-on-schedule.toml"),
    ),
    (
        "br-restore-tested.toml",
        include_str!("../data/tests/br-restore-tested.toml"),
    ),
    (
        "ir-ticketed-within-sla.toml",
        include_str!("../data/tests/ir-ticketed-within-sla.toml"),
    ),
    (
        "lm-alarm-shelving-approved.toml",
        include_str!("../data/tests/lm-alarm-shelving-approved.toml"),
    ),
    (
        "pi-batches-posted.toml",
        include_str!("../data/tests/pi-batches-posted.toml"),
    ),
    (
        "pi-postings-have-batches.toml",
        include_str!("../data/tests/pi-postings-have-batches.toml"),
    ),
];

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses and checks one test file (`origin` for messages).
pub fn parse(text: &str, origin: &str) -> Result<LoadedTest> {
    let file: TestFile = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                format!(
                    ":{}",
                    text[..s.start.min(text.len())].lines().count().max(1)
                )
            })
            .unwrap_or_default();
        AnalyticsError::Input(format!("{origin}{at}: {} (see docs/tests.md)", e.message()))
    })?;
    let h = file.test;
    let definition = TestDefinition {
        id: h.id,
        title: h.title,
        description: h.description,
        controls: h.controls,
        answers: h.answers,
        datasets: h.datasets,
        severity: h.severity,
        exception: h.exception,
        key: h.key,
        incremental: h.incremental,
        incremental_key: h.incremental_key,
        parameters: file.parameters,
        population: file.sql.population,
        exceptions: file.sql.exceptions,
    };
    let problems = check_definition(&definition);
    if !problems.is_empty() {
        return Err(AnalyticsError::Input(format!(
            "{origin}: {}",
            problems.join("; ")
        )));
    }
    Ok(LoadedTest {
        definition,
        text: text.to_string(),
        sha256: sha256(text),
        origin: origin.to_string(),
    })
}

/// The bundled tests, then the `*.toml` files of `extra_dir` (which may replace a bundled test
/// by using its id), sorted by id. Every problem of every file is reported together.
pub fn load(extra_dir: Option<&Path>) -> Result<Vec<LoadedTest>> {
    let mut tests: BTreeMap<String, LoadedTest> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, text) in BUNDLED {
        match parse(text, &format!("bundled:{name}")) {
            Ok(t) => {
                tests.insert(t.definition.id.clone(), t);
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if let Some(dir) = extra_dir.filter(|d| d.is_dir()) {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(crate::io(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(crate::io(&path))?;
            match parse(&text, &path.display().to_string()) {
                Ok(t) => {
                    tests.insert(t.definition.id.clone(), t);
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
    }
    if problems.is_empty() {
        Ok(tests.into_values().collect())
    } else {
        Err(AnalyticsError::Input(problems.join("\n")))
    }
}
