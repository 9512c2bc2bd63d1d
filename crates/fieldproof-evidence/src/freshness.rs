//! Evidence freshness per evidence request: for each request of each applicable control, whether
//! the engagement period's windows (cut by the request's cadence) each hold evidence for that
//! request — present, stale (some windows uncovered) or missing.
//!
//! A piece of evidence answers a request when it names the request's control and the request
//! itself (or names no request and the control has only one). It speaks for the window that
//! holds its date — the end of the period it covers, else the day it was collected — unless it
//! is declared a population (a log or export of the whole period it covers), which speaks for
//! every window that period overlaps. One file covering six months therefore no longer
//! satisfies every weekly window; a six-month export declared as a population does.

use crate::ledger::Added;
use fieldproof_core::cadence::{windows, Window};
use fieldproof_core::engagement::{Date, Engagement, Period};
use schemars::JsonSchema;
use serde::Serialize;

/// What a control's evidence request expects.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Control id.
    pub control: String,
    /// Evidence request id.
    pub request: String,
    /// Whether it is the control's only request (then evidence naming no request answers it).
    pub sole: bool,
    /// What to provide.
    pub artifact: String,
    /// How the period is cut into windows that each need evidence.
    pub window: Window,
}

/// The state of one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every window of the period is covered.
    Present,
    /// Some windows are covered, not all.
    Stale,
    /// No window is covered.
    Missing,
}

impl State {
    /// Its name, as in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Stale => "stale",
            State::Missing => "missing",
        }
    }

    /// The state named `name` (as in JSON).
    pub fn parse(name: &str) -> Option<State> {
        [State::Present, State::Stale, State::Missing]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    /// Its words, as every page and report says it: `covered` (every window of the period),
    /// `partly covered` (some windows), `missing` (none).
    pub const fn words(self) -> &'static str {
        match self {
            State::Present => "covered",
            State::Stale => "partly covered",
            State::Missing => "missing",
        }
    }
}

/// One row of `evidence status`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Row {
    /// Control id.
    pub control: String,
    /// Request id.
    pub request: String,
    /// Artifact.
    pub artifact: String,
    /// State.
    pub state: State,
    /// Windows covered.
    pub covered: usize,
    /// Windows in the period.
    pub windows: usize,
    /// The first window without evidence, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_gap: Option<Period>,
    /// Evidence ids that answer the request in the period.
    pub evidence: Vec<String>,
}

/// `evidence status`: freshness of every evidence request over an engagement's period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    /// The engagement.
    pub engagement: Engagement,
    /// One row per evidence request of every applicable control.
    pub rows: Vec<Row>,
    /// Requests present.
    pub present: usize,
    /// Requests stale.
    pub stale: usize,
    /// Requests missing.
    pub missing: usize,
}

/// The freshness report of `engagement` for `expectations`, from its current evidence `items`.
pub fn report(engagement: Engagement, expectations: &[Expectation], items: &[Added]) -> Report {
    let rows = status(expectations, items, engagement.period);
    let count = |s: State| rows.iter().filter(|r| r.state == s).count();
    Report {
        present: count(State::Present),
        stale: count(State::Stale),
        missing: count(State::Missing),
        engagement,
        rows,
    }
}

/// Whether `added` answers `expectation`. Evidence listing the requests it answers (a test
/// result) answers exactly those.
pub fn answers(added: &Added, expectation: &Expectation) -> bool {
    if !added.answers.is_empty() {
        return added.answers.iter().any(|a| {
            a.control.eq_ignore_ascii_case(&expectation.control)
                && a.request.eq_ignore_ascii_case(&expectation.request)
        });
    }
    added
        .controls
        .iter()
        .any(|c| c.eq_ignore_ascii_case(&expectation.control))
        && match &added.request {
            Some(request) => request.eq_ignore_ascii_case(&expectation.request),
            None => expectation.sole,
        }
}

/// The date a piece of evidence speaks for: the end of what it covers, else its collection day.
fn date_of(added: &Added) -> Option<Date> {
    added
        .covers
        .map(|p| p.to)
        .or_else(|| Date::parse(added.collected_at.get(..10)?).ok())
}

/// The days a piece of evidence speaks for: its whole `covers` period for a population, else its
/// date.
fn span(added: &Added) -> Option<Period> {
    match (added.population, added.covers) {
        (true, Some(covers)) => Some(covers),
        _ => date_of(added).map(|day| Period { from: day, to: day }),
    }
}

/// Freshness of each expectation over `period`, from the current evidence `items` of the
/// engagement. Items are grouped by control first, so the work grows with the items of each
/// control, not with items × requests.
pub fn status(expectations: &[Expectation], items: &[Added], period: Period) -> Vec<Row> {
    let mut by_control: std::collections::HashMap<String, Vec<(&Added, Period)>> =
        std::collections::HashMap::new();
    for added in items {
        let Some(span) = span(added).filter(|p| p.overlaps(&period)) else {
            continue;
        };
        for control in &added.controls {
            by_control
                .entry(control.to_ascii_uppercase())
                .or_default()
                .push((added, span));
        }
    }
    expectations
        .iter()
        .map(|e| {
            let candidates: Vec<&(&Added, Period)> = by_control
                .get(&e.control.to_ascii_uppercase())
                .map(|list| list.iter().filter(|(a, _)| answers(a, e)).collect())
                .unwrap_or_default();
            let all = windows(period, e.window);
            // Windows are in order and disjoint: mark each candidate's span on them.
            let mut covered = vec![false; all.len()];
            for (_, span) in &candidates {
                let first = all.partition_point(|w| w.to < span.from);
                for (flag, window) in covered[first..].iter_mut().zip(&all[first..]) {
                    if window.from > span.to {
                        break;
                    }
                    *flag = true;
                }
            }
            let count = covered.iter().filter(|c| **c).count();
            let state = match count {
                0 => State::Missing,
                n if n == all.len() => State::Present,
                _ => State::Stale,
            };
            let mut evidence: Vec<String> =
                candidates.iter().map(|(a, _)| a.evidence.clone()).collect();
            evidence.dedup();
            Row {
                control: e.control.clone(),
                request: e.request.clone(),
                artifact: e.artifact.clone(),
                state,
                covered: count,
                windows: all.len(),
                first_gap: all
                    .iter()
                    .zip(&covered)
                    .find(|(_, c)| !**c)
                    .map(|(w, _)| *w),
                evidence,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sha256Hex;
    use crate::ledger::EvidenceKind;

    fn added(id: &str, control: &str, request: Option<&str>, covers: &str) -> Added {
        Added {
            evidence: id.into(),
            kind: EvidenceKind::File,
            name: "f".into(),
            sha256: Sha256Hex::of(id.as_bytes()),
            size: 1,
            controls: vec![control.into()],
            request: request.map(str::to_string),
            population: false,
            engagement: None,
            covers: Some(Period::parse(covers).expect("period")),
            collected_at: "2026-07-01T00:00:00Z".into(),
            collected_by: "me".into(),
            source: None,
            note: None,
            supersedes: None,
            answers: Vec::new(),
            dataset: None,
            test: None,
        }
    }

    fn expect(control: &str, request: &str, sole: bool, window: Window) -> Expectation {
        Expectation {
            control: control.into(),
            request: request.into(),
            sole,
            artifact: "a".into(),
            window,
        }
    }

    #[test]
    fn present_stale_and_missing() {
        let period = Period::parse("2026-01-01..2026-06-29").expect("half year");
        let items = vec![
            added("EV-000002", "FP-AC-03", None, "2026-01-01..2026-03-31"),
            added("EV-000003", "FP-AC-03", None, "2026-04-01..2026-06-29"),
            added("EV-000004", "FP-BR-02", None, "2026-02-01..2026-02-01"),
        ];
        let rows = status(
            &[
                expect("FP-AC-03", "review", true, Window::Months(3)),
                expect("FP-BR-02", "backup", true, Window::Months(3)),
                expect("FP-PE-01", "visitors", true, Window::Months(3)),
            ],
            &items,
            period,
        );
        assert_eq!(
            (rows[0].state, rows[0].covered, rows[0].windows),
            (State::Present, 2, 2)
        );
        assert_eq!((rows[1].state, rows[1].covered), (State::Stale, 1));
        assert_eq!(
            rows[1].first_gap.map(|p| p.to_string()),
            Some("2026-04-01..2026-06-29".to_string())
        );
        assert_eq!(rows[2].state, State::Missing);
    }

    /// Regression: one file covering six months used to satisfy every weekly window, and one
    /// file for a control marked every request of that control present.
    #[test]
    fn regression_evidence_counts_for_its_request_and_its_own_window_only() {
        let period = Period::parse("2026-01-01..2026-06-30").expect("period");
        let weekly = expect("FP-LM-02", "log-review", false, Window::Days(7));
        let other = expect("FP-LM-02", "retention", false, Window::Once);
        let one_file = added(
            "EV-000002",
            "FP-LM-02",
            Some("log-review"),
            "2026-01-01..2026-06-30",
        );
        let rows = status(
            &[weekly.clone(), other.clone()],
            std::slice::from_ref(&one_file),
            period,
        );
        assert_eq!(
            rows[0].state,
            State::Stale,
            "one dated file covers one week"
        );
        assert_eq!(rows[0].covered, 1);
        assert_eq!(
            rows[1].state,
            State::Missing,
            "another request stays missing"
        );

        let population = Added {
            population: true,
            ..one_file.clone()
        };
        let rows = status(std::slice::from_ref(&weekly), &[population], period);
        assert_eq!(
            rows[0].state,
            State::Present,
            "a population covers every window"
        );

        // Without a request, evidence answers a control only when it has a single request.
        let unnamed = Added {
            request: None,
            ..one_file
        };
        assert_eq!(
            status(&[weekly], &[unnamed], period)[0].state,
            State::Missing
        );
    }
}
