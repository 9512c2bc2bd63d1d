//! How often a control operates, and the windows of an audit period that each need their own
//! evidence. A Type II auditor samples occurrences across the whole period, so a quarterly
//! access review needs evidence in every quarter, a weekly log review in every week; a Type I
//! engagement looks at one date, so any evidence of the period will do.

use crate::component::closed_enum;
use crate::engagement::{Date, Period, ReportType};

closed_enum! {
    /// How often a control operates; drives Type II sample sizes and evidence freshness.
    Frequency {
        /// Operates all the time (automated, monitored).
        Continuous = "continuous",
        /// Once per business day.
        Daily = "daily",
        /// Weekly.
        Weekly = "weekly",
        /// Monthly.
        Monthly = "monthly",
        /// Quarterly.
        Quarterly = "quarterly",
        /// Twice a year.
        SemiAnnual = "semi_annual",
        /// Once a year.
        Annual = "annual",
        /// Each time an event occurs (a change, a hire, a device provisioned).
        PerEvent = "per_event",
    }
}

/// How a period is cut into windows that each need evidence.
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

impl Frequency {
    /// The windows a control of this frequency needs evidence in, for an engagement of
    /// `report_type`: Type I needs evidence once; continuous and per-event controls are
    /// evidenced by populations or samples of the whole period, so once as well.
    pub const fn window(self, report_type: ReportType) -> Window {
        match (report_type, self) {
            (ReportType::TypeI, _) => Window::Once,
            (_, Frequency::Daily) => Window::Days(1),
            (_, Frequency::Weekly) => Window::Days(7),
            (_, Frequency::Monthly) => Window::Months(1),
            (_, Frequency::Quarterly) => Window::Months(3),
            (_, Frequency::SemiAnnual) => Window::Months(6),
            (_, Frequency::Annual) => Window::Months(12),
            (_, Frequency::Continuous | Frequency::PerEvent) => Window::Once,
        }
    }
}

/// The windows of `period`, clipped to it, in order.
pub fn windows(period: Period, window: Window) -> Vec<Period> {
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
                out.push(Period {
                    from: Date::from_days(block_start.days().max(start)),
                    to: Date::from_days(block_end.days().min(end)),
                });
                (year, month) = (next_year, next_month);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn type_one_needs_evidence_once_whatever_the_frequency() {
        for f in Frequency::ALL {
            assert_eq!(f.window(ReportType::TypeI), Window::Once);
        }
        assert_eq!(
            Frequency::Quarterly.window(ReportType::TypeII),
            Window::Months(3)
        );
        assert_eq!(Frequency::PerEvent.window(ReportType::TypeII), Window::Once);
    }
}
