//! Full-population control tests: their definitions (data files with SQL and metadata, read by
//! the analytics crate) and their results. A test runs over whole datasets of event evidence,
//! restricted to an engagement's period and to the components in scope, and lists every row
//! that breaks the control as an exception. Nothing here depends on the query engine, so reports
//! and front ends use these types without Arrow.

use crate::engagement::Period;
use crate::findings::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A control evidence request a test answers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Control id (`FP-TI-02`).
    pub control: String,
    /// Its evidence request id (`dedupe-metrics`).
    pub request: String,
}

/// A parameter of a test, with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Default value (a number).
    pub default: f64,
    /// What it sets, with its unit.
    pub doc: String,
}

/// A test definition: the `[test]` table, `[parameters]` and `[sql]` of a test file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestDefinition {
    /// Identifier, lower case with dashes (`ti-replay`).
    pub id: String,
    /// Title.
    pub title: String,
    /// What it checks and why, for the auditor.
    pub description: String,
    /// Controls it evidences.
    pub controls: Vec<String>,
    /// The evidence requests of those controls a run answers.
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// Datasets it reads.
    pub datasets: Vec<String>,
    /// How serious an exception is.
    pub severity: Severity,
    /// What one exception row means.
    pub exception: String,
    /// Columns of an exception row that identify it (compared with a generator's truth file).
    pub key: Vec<String>,
    /// Parameters with defaults, referenced as `{name}` in the SQL.
    #[serde(default)]
    pub parameters: BTreeMap<String, Parameter>,
    /// The dataset whose parts a result adds up over, for incremental runs: the author states
    /// that every population row and every exception row comes from one row of this dataset,
    /// the test's other datasets read whole, so the result over new parts of it can be added to
    /// an earlier result (`fieldproof test --incremental`; docs/tests.md). None: the test is
    /// run again in full whenever any part it reads changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<String>,
    /// Columns of the `incremental` dataset that group its rows, when the exception rows are not
    /// one per row but each depends only on the rows sharing these columns (and carries them):
    /// a run over new parts then recomputes just the groups the new parts touch, over every
    /// part, and keeps the earlier rows of every other group. The population still comes one
    /// row from each row. Empty: one exception row per row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incremental_key: Vec<String>,
    /// The rows tested: `SELECT` over the datasets (their count is the population).
    pub population: String,
    /// The exception rows: `SELECT` over the datasets.
    pub exceptions: String,
}

/// How a test run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every row of a non-empty population meets the control.
    Pass,
    /// At least one exception.
    Fail,
    /// A dataset the test reads has no data for the period: nothing was tested, which is never
    /// a pass.
    NoData,
}

impl Outcome {
    /// `pass`, `fail`, `no_data`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NoData => "no_data",
        }
    }
}

/// A dataset part a run read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Dataset.
    pub dataset: String,
    /// The evidence id of the part.
    pub evidence: String,
    /// SHA-256 of the part's Parquet file.
    pub sha256: String,
    /// Rows in the part.
    pub rows: u64,
}

/// How much of a result came from an earlier run (`fieldproof test --incremental`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reuse {
    /// The dataset whose new parts were added (the test's `incremental`); none when the whole
    /// earlier result was reused because nothing the test reads changed.
    pub dataset: Option<String>,
    /// Parts of that dataset the earlier result covered.
    pub reused: usize,
    /// Parts of that dataset the result covers now.
    pub parts: usize,
}

impl std::fmt::Display for Reuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.dataset {
            Some(d) if self.reused < self.parts => write!(
                f,
                "incremental: {} new of {} {d} parts added to an earlier result",
                self.parts - self.reused,
                self.parts
            ),
            _ => f.write_str("incremental: an earlier result over the same parts"),
        }
    }
}

/// The result of one test over one engagement period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TestResult {
    /// Test id.
    pub test: String,
    /// Title.
    pub title: String,
    /// Controls it evidences.
    pub controls: Vec<String>,
    /// Severity of an exception.
    pub severity: Severity,
    /// Pass, fail or no data.
    pub outcome: Outcome,
    /// Why there was nothing to test (no data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_data: Option<String>,
    /// Rows tested.
    pub population: u64,
    /// Exception rows.
    pub exceptions: u64,
    /// What one exception means.
    pub exception_meaning: String,
    /// Columns of the exception rows.
    pub columns: Vec<String>,
    /// The first exception rows, as text (all of them are in the exception files).
    pub first_exceptions: Vec<Vec<String>>,
    /// Parameters used.
    pub parameters: BTreeMap<String, f64>,
    /// SHA-256 of the test definition file.
    pub definition_sha256: String,
    /// The dataset parts read.
    pub inputs: Vec<Input>,
    /// SHA-256 binding definition, parameters, period, scope, inputs and exception rows: the
    /// same for the same inputs.
    pub result_sha256: String,
    /// The evidence that records the run (its exception CSV is the evidence content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// An identical run was already recorded: nothing new was added.
    pub duplicate: bool,
    /// What an incremental run (`--incremental`) took from an earlier result: the whole of it
    /// (nothing the test reads changed), or all but the new parts of its `incremental`
    /// dataset. Absent when the test ran over every part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused: Option<Reuse>,
    /// The exception rows as CSV and as Parquet, where they were written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// `fieldproof test`: the tests run for an engagement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TestRun {
    /// Engagement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement: Option<String>,
    /// Period tested.
    pub period: Period,
    /// Components in scope or shared the tests were restricted to.
    pub components: Vec<String>,
    /// One result per test run, in test id order.
    pub results: Vec<TestResult>,
    /// Tests not run, with why (no applicable control, not selected).
    pub skipped: Vec<Skipped>,
    /// The engine that ran them, as recorded with each result: the DataFusion version, and the
    /// Ballista version and scheduler when they ran on a cluster (with the bucket the executors
    /// read the parts from, when they read them from one).
    #[serde(default)]
    pub engine: String,
}

impl TestRun {
    /// Whether a test failed at or above `threshold` (none: never), for `--fail-on`.
    pub fn fails_at(&self, threshold: Option<crate::Severity>) -> bool {
        let failed: Vec<crate::Severity> = self
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Fail)
            .map(|r| r.severity)
            .collect();
        crate::findings::reaches_severity(&failed, threshold)
    }
}

/// A test not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    /// Test id.
    pub test: String,
    /// Why.
    pub reason: String,
}

impl TestRun {
    /// (pass, fail, no data).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |o: Outcome| self.results.iter().filter(|r| r.outcome == o).count();
        (
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::NoData),
        )
    }
}

/// Checks a test definition's own consistency (the analytics crate checks the SQL): id shape,
/// known datasets, parameters referenced exist, answers name listed controls.
pub fn check_definition(def: &TestDefinition) -> Vec<String> {
    let mut problems = Vec::new();
    let id_ok = !def.id.is_empty()
        && def
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && def
            .id
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase());
    if !id_ok {
        problems.push(format!(
            "test id '{}' must be lower case letters, digits and dashes, starting with a letter",
            def.id
        ));
    }
    if def.controls.is_empty() {
        problems.push("a test evidences at least one control (`controls`)".to_string());
    }
    if def.datasets.is_empty() {
        problems.push("a test reads at least one dataset (`datasets`)".to_string());
    }
    for d in &def.datasets {
        if crate::dataset::dataset(d).is_none() {
            problems.push(format!(
                "unknown dataset '{d}'; the datasets are: {}",
                crate::dataset::names().join(", ")
            ));
        }
    }
    if let Some(d) = &def.incremental {
        if !def.datasets.contains(d) {
            problems.push(format!(
                "`incremental` names {d}, which is not one of the test's `datasets` ({})",
                def.datasets.join(", ")
            ));
        }
    }
    match (&def.incremental, def.incremental_key.is_empty()) {
        (None, false) => problems.push(
            "`incremental_key` groups the rows of the `incremental` dataset: name that dataset too"
                .to_string(),
        ),
        (Some(d), false) => {
            if let Some(ds) = crate::dataset::dataset(d) {
                for column in &def.incremental_key {
                    if ds.column(column).is_none() {
                        problems.push(format!(
                            "`incremental_key` names {column}, which is not a column of {d}"
                        ));
                    } else if !def.key.contains(column) {
                        problems.push(format!(
                            "`incremental_key` names {column}, which is not in `key`: every exception row must carry it"
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    for a in &def.answers {
        if !def.controls.contains(&a.control) {
            problems.push(format!(
                "answers names {} which is not in `controls`",
                a.control
            ));
        }
    }
    if def.key.is_empty() {
        problems.push("a test names the `key` columns that identify an exception row".to_string());
    }
    for sql in [&def.population, &def.exceptions] {
        for name in placeholders(sql) {
            if !def.parameters.contains_key(&name) && !BUILT_IN.contains(&name.as_str()) {
                problems.push(format!(
                    "the SQL uses {{{name}}} but [parameters] has no '{name}' (built in: {})",
                    BUILT_IN.join(", ")
                ));
            }
        }
    }
    problems
}

/// Placeholders every test can use: the engagement period as SQL timestamps.
pub const BUILT_IN: &[&str] = &["period_start", "period_end"];

/// The `{name}` placeholders of a SQL text, in order of first use.
pub fn placeholders(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = sql;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !out.iter().any(|x| x == name)
                {
                    out.push(name.to_string());
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Replaces `{name}` placeholders with values; unknown names are left as they are.
pub fn substitute(sql: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = sql.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_substituted() {
        let sql = "SELECT * FROM t WHERE ts < {period_end} AND age > {max_age_days} AND x = '{not a name}' AND y > {max_age_days}";
        assert_eq!(placeholders(sql), ["period_end", "max_age_days"]);
        let values = BTreeMap::from([
            ("max_age_days".to_string(), "365".to_string()),
            (
                "period_end".to_string(),
                "TIMESTAMP '2027-01-01 00:00:00'".to_string(),
            ),
        ]);
        assert_eq!(
            substitute(sql, &values),
            "SELECT * FROM t WHERE ts < TIMESTAMP '2027-01-01 00:00:00' AND age > 365 AND x = '{not a name}' AND y > 365"
        );
    }
}
