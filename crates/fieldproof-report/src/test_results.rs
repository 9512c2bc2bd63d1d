//! Full-population test results as text: the run summary `fieldproof test` prints, and the
//! test library listing. Pure functions of the typed results (no Arrow here).

use crate::text::{count, truncate};
use fieldproof_core::control_test::{Outcome, TestDefinition, TestRun};

/// How many exception rows the text shows per failed test (the CSV and Parquet files hold all).
pub const SHOWN_EXCEPTIONS: usize = 5;

/// `PASS`, `FAIL`, `NO DATA`.
pub const fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::NoData => "NO DATA",
    }
}

/// The run as a table, then the exceptions of each failed test and the reason of each test
/// without data, then the tests not run and why.
pub fn run_text(run: &TestRun) -> String {
    let mut out = format!(
        "Tests for {} over {} ({} in scope or shared), on {}\n\n",
        run.engagement.as_deref().unwrap_or("(no engagement)"),
        run.period,
        count(run.components.len(), "component", "components"),
        run.engine
    );
    let width = run
        .results
        .iter()
        .map(|r| r.test.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    out.push_str(&format!(
        "{:<width$}  {:<7}  {:>12}  {:>10}  {}\n",
        "TEST", "RESULT", "POPULATION", "EXCEPTIONS", "CONTROLS"
    ));
    for r in &run.results {
        out.push_str(&format!(
            "{:<width$}  {:<7}  {:>12}  {:>10}  {}\n",
            r.test,
            outcome_label(r.outcome),
            r.population,
            r.exceptions,
            r.controls.join(", ")
        ));
    }
    let (pass, fail, none) = run
        .results
        .iter()
        .fold((0, 0, 0), |(p, f, n), r| match r.outcome {
            Outcome::Pass => (p + 1, f, n),
            Outcome::Fail => (p, f + 1, n),
            Outcome::NoData => (p, f, n + 1),
        });
    out.push_str(&format!(
        "\n{pass} passed, {fail} failed, {none} without data; {} not applicable.\n",
        run.skipped.len()
    ));
    let reused: Vec<_> = run.results.iter().filter(|r| r.reused.is_some()).collect();
    if !reused.is_empty() {
        let added = reused
            .iter()
            .filter(|r| r.reused.as_ref().is_some_and(|u| u.dataset.is_some()))
            .count();
        out.push_str(&format!(
            "Incremental: {} reused an earlier result, {added} of them adding only new parts; the results and hashes are a full run's.\n",
            count(reused.len(), "test", "tests")
        ));
    }
    for r in run.results.iter().filter(|r| r.outcome == Outcome::Fail) {
        out.push_str(&format!(
            "\n{} — {} ({} severity)\n  {}: {}\n",
            r.test,
            r.title,
            r.severity.as_str(),
            count(
                usize::try_from(r.exceptions).unwrap_or(usize::MAX),
                "exception",
                "exceptions"
            ),
            r.exception_meaning.trim()
        ));
        out.push_str(&format!("  {}\n", r.columns.join(" | ")));
        for row in r.first_exceptions.iter().take(SHOWN_EXCEPTIONS) {
            let cells: Vec<String> = row.iter().map(|c| truncate(c, 40)).collect();
            out.push_str(&format!("  {}\n", cells.join(" | ")));
        }
        if r.exceptions > SHOWN_EXCEPTIONS as u64 {
            out.push_str(&format!(
                "  … {} more\n",
                r.exceptions - SHOWN_EXCEPTIONS as u64
            ));
        }
        if let Some(csv) = r.files.first() {
            out.push_str(&format!("  all rows: {csv}\n"));
        }
    }
    for r in run.results.iter().filter(|r| r.outcome == Outcome::NoData) {
        out.push_str(&format!(
            "\n{}: no data — {}\n",
            r.test,
            r.no_data.as_deref().unwrap_or("nothing to test")
        ));
    }
    if !run.results.is_empty() {
        out.push_str("\nEach run is a ledger entry binding the test definition, the dataset parts read and the result hash (`fieldproof evidence log`).\n");
    }
    if !run.skipped.is_empty() {
        out.push_str("\nNot run:\n");
        for s in &run.skipped {
            out.push_str(&format!("  {}: {}\n", s.test, s.reason));
        }
    }
    out
}

/// The test library as a table: id, severity, datasets, controls, title, origin.
pub fn library_text(tests: &[(&TestDefinition, &str)]) -> String {
    let width = |f: &dyn Fn(&TestDefinition) -> usize, min: usize| {
        tests
            .iter()
            .map(|(t, _)| f(t))
            .max()
            .unwrap_or(min)
            .max(min)
    };
    let id = width(&|t| t.id.chars().count(), 4);
    let datasets = width(&|t| t.datasets.join(", ").chars().count(), 8);
    let controls = width(&|t| t.controls.join(", ").chars().count(), 8);
    let mut out = format!(
        "{:<id$}  {:<8}  {:<datasets$}  {:<controls$}  {}\n",
        "TEST", "SEVERITY", "DATASETS", "CONTROLS", "TITLE"
    );
    for (t, origin) in tests {
        out.push_str(&format!(
            "{:<id$}  {:<8}  {:<datasets$}  {:<controls$}  {}{}\n",
            t.id,
            t.severity.as_str(),
            t.datasets.join(", "),
            t.controls.join(", "),
            t.title,
            if origin.starts_with("bundled:") {
                String::new()
            } else {
                format!(" [{origin}]")
            }
        ));
    }
    out.push_str(&format!(
        "\n{}. Parameters and SQL: `fieldproof test --list --format json`; the format: docs/tests.md.\n",
        count(tests.len(), "test", "tests")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_core::control_test::{Skipped, TestResult};
    use fieldproof_core::engagement::{Date, Period};
    use fieldproof_core::Severity;

    fn result(test: &str, outcome: Outcome, exceptions: u64) -> TestResult {
        TestResult {
            test: test.into(),
            title: "A title".into(),
            controls: vec!["FP-DI-01".into()],
            severity: Severity::High,
            outcome,
            no_data: (outcome == Outcome::NoData).then(|| "no data ingested for x".into()),
            population: 100,
            exceptions,
            exception_meaning: "A bad row.".into(),
            columns: vec!["device_id".into(), "ts".into()],
            first_exceptions: (0..exceptions.min(20))
                .map(|i| vec![format!("dev-{i}"), "2026-01-01T00:00:00Z".into()])
                .collect(),
            parameters: Default::default(),
            definition_sha256: String::new(),
            inputs: Vec::new(),
            result_sha256: String::new(),
            evidence: None,
            duplicate: false,
            reused: None,
            files: vec!["x.csv".into()],
        }
    }

    #[test]
    fn run_text_lists_outcomes_exceptions_and_skips() {
        let run = TestRun {
            engagement: Some("soc2-2026".into()),
            period: Period {
                from: Date::parse("2026-01-01").expect("date"),
                to: Date::parse("2026-12-31").expect("date"),
            },
            components: vec!["a".into()],
            results: vec![
                result("t-pass", Outcome::Pass, 0),
                result("t-fail", Outcome::Fail, 7),
                result("t-none", Outcome::NoData, 0),
            ],
            skipped: vec![Skipped {
                test: "t-skip".into(),
                reason: "not applicable".into(),
            }],
            engine: "datafusion 55.2.0".into(),
        };
        let text = run_text(&run);
        assert!(text.contains("(1 component in scope or shared), on datafusion 55.2.0\n"));
        assert!(text.contains("1 passed, 1 failed, 1 without data; 1 not applicable."));
        assert!(text.contains("dev-4 | 2026-01-01T00:00:00Z"));
        assert!(!text.contains("dev-5 |"), "only the first rows are shown");
        assert!(text.contains("… 2 more"));
        assert!(text.contains("t-none: no data — no data ingested for x"));
        assert!(text.contains("t-skip: not applicable"));
    }
}
