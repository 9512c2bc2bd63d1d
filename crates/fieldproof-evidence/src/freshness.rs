//! Evidence freshness: for each control's evidence request and its cadence, whether the evidence
//! in the ledger covers the engagement period — present, stale (some windows not covered) or
//! missing.

use crate::ledger::{Added, Status};
use fieldproof_core::engagement::{Date, Period};
use serde::Serialize;

/// What a control's evidence request expects.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Control id.
    pub control: String,
    /// Evidence request id.
    pub request: String,
    /// What to provide.
    pub artifact: String,
    /// How the period is cut into windows that each need evidence.
    pub window: Window,
}

/// Windows of a period that each need their own evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Once in the period (continuous, per-event, Type I).
    Once,
    /// Consecutive blocks of this many days from the period start (daily, weekly).
    Days(u32),
    /// Calendar blocks of this many months (monthly 1, quarterly 3, half-yearly 6, yearly 12),
    /// aligned to January, clipped to the period.
    Months(u32),
}

/// The state of one expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every window of the period is covered.
    Present,
    /// Some windows are covered, not all.
    Stale,
    /// No current evidence for the control in the period.
    Missing,
}

/// One row of `evidence status`.
#[derive(Debug, Clone, Serialize)]
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
    /// Evidence ids counted.
    pub evidence: Vec<String>,
}

/// The days an evidence item speaks for: what it covers, else the day it was collected.
fn span(added: &Added) -> Option<Period> {
    added.covers.or_else(|| {
        let day = Date::parse(added.collected_at.get(..10)?).ok()?;
        Some(Period { from: day, to: day })
    })
}

/// The windows of `period`, clipped to it.
fn windows(period: Period, window: Window) -> Vec<Period> {
    let (start, end) = (period.from.days(), period.to.days());
    let mut out = Vec::new();
    match window {
        Window::Once | Window::Days(0) | Window::Months(0) => out.push(period),
        Window::Days(days) => {
            let mut from = start;
            while from <= end {
                let to = (from + i64::from(days) - 1).min(end);
                out.push(Period {
                    from: Date::from_days(from),
                    to: Date::from_days(to),
                });
                from = to + 1;
            }
        }
        Window::Months(months) => {
            // Calendar blocks: the block containing the period start begins on the first month
            // of its block (quarters start in January, April, July, October).
            let months = months.min(12) as u8;
            let mut year = period.from.year;
            let mut month = (period.from.month - 1) / months * months + 1;
            loop {
                let block_start = Date {
                    year,
                    month,
                    day: 1,
                };
                let (next_year, next_month) = if month + months > 12 {
                    (year + 1, month + months - 12)
                } else {
                    (year, month + months)
                };
                let block_end = Date::from_days(
                    Date {
                        year: next_year,
                        month: next_month,
                        day: 1,
                    }
                    .days()
                        - 1,
                );
                if block_start.days() > end {
                    break;
                }
                let from = block_start.days().max(start);
                let to = block_end.days().min(end);
                out.push(Period {
                    from: Date::from_days(from),
                    to: Date::from_days(to),
                });
                (year, month) = (next_year, next_month);
            }
        }
    }
    out
}

/// Freshness of each expectation over `period`, counting current evidence linked to the control
/// that belongs to `engagement` (or to no engagement).
pub fn status(
    expectations: &[Expectation],
    items: &[(i64, Added, Status)],
    period: Period,
    engagement: Option<&str>,
) -> Vec<Row> {
    expectations
        .iter()
        .map(|e| {
            let candidates: Vec<(&Added, Period)> = items
                .iter()
                .filter(|(_, a, s)| {
                    *s == Status::Current
                        && a.controls
                            .iter()
                            .any(|c| c.eq_ignore_ascii_case(&e.control))
                })
                .filter(|(_, a, _)| a.engagement.is_none() || a.engagement.as_deref() == engagement)
                .filter_map(|(_, a, _)| span(a).map(|p| (a, p)))
                .filter(|(_, p)| p.overlaps(&period))
                .collect();
            let all = windows(period, e.window);
            let covered: Vec<bool> = all
                .iter()
                .map(|w| candidates.iter().any(|(_, p)| p.overlaps(w)))
                .collect();
            let count = covered.iter().filter(|c| **c).count();
            let state = match count {
                0 => State::Missing,
                n if n == all.len() => State::Present,
                _ => State::Stale,
            };
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
                evidence: candidates.iter().map(|(a, _)| a.evidence.clone()).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::EvidenceKind;

    #[test]
    fn calendar_windows_align_to_months_and_clip_to_the_period() {
        let period = Period::parse("2026-02-15..2026-08-10").expect("period");
        let quarters: Vec<String> = windows(period, Window::Months(3))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            quarters,
            vec![
                "2026-02-15..2026-03-31",
                "2026-04-01..2026-06-30",
                "2026-07-01..2026-08-10"
            ]
        );
        let year_end = Period::parse("2025-12-01..2026-01-31").expect("period");
        assert_eq!(windows(year_end, Window::Months(1)).len(), 2);
        assert_eq!(windows(period, Window::Once), vec![period]);
        assert_eq!(
            windows(
                Period::parse("2026-01-01..2026-01-15").expect("p"),
                Window::Days(7)
            )
            .len(),
            3
        );
    }

    fn added(id: &str, control: &str, covers: &str) -> Added {
        Added {
            evidence: id.into(),
            kind: EvidenceKind::File,
            name: "f".into(),
            sha256: "00".into(),
            size: 1,
            controls: vec![control.into()],
            engagement: None,
            covers: Some(Period::parse(covers).expect("period")),
            collected_at: "2026-07-01T00:00:00Z".into(),
            collected_by: "me".into(),
            source: None,
            note: None,
            supersedes: None,
        }
    }

    #[test]
    fn present_stale_and_missing() {
        let period = Period::parse("2026-01-01..2026-06-29").expect("half year");
        let quarterly = |control: &str| Expectation {
            control: control.into(),
            request: "r".into(),
            artifact: "a".into(),
            window: Window::Months(3),
        };
        let items = vec![
            (
                2,
                added("EV-000002", "FP-AC-03", "2026-01-01..2026-03-31"),
                Status::Current,
            ),
            (
                3,
                added("EV-000003", "FP-AC-03", "2026-04-01..2026-06-29"),
                Status::Current,
            ),
            (
                4,
                added("EV-000004", "FP-BR-02", "2026-02-01..2026-02-01"),
                Status::Current,
            ),
            (
                5,
                added("EV-000005", "FP-PE-01", "2026-01-01..2026-06-29"),
                Status::Retired {
                    reason: "wrong".into(),
                },
            ),
        ];
        let rows = status(
            &[
                quarterly("FP-AC-03"),
                quarterly("FP-BR-02"),
                quarterly("FP-PE-01"),
            ],
            &items,
            period,
            None,
        );
        assert_eq!(
            (rows[0].state.clone(), rows[0].covered, rows[0].windows),
            (State::Present, 2, 2)
        );
        assert_eq!((rows[1].state.clone(), rows[1].covered), (State::Stale, 1));
        assert_eq!(
            rows[1].first_gap.map(|p| p.to_string()),
            Some("2026-04-01..2026-06-29".to_string())
        );
        assert_eq!(
            rows[2].state,
            State::Missing,
            "retired evidence does not count"
        );
    }
}
