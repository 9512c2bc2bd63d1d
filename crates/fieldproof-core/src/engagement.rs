//! Engagements: one SOC 2 or SOC 1 cycle (Type I at a date, Type II over a period) with the TSC
//! categories it reports on. Evidence and, later, test results belong to an engagement.

use crate::component::closed_enum;
use crate::scope::triggers::TscCategory;
use serde::{Deserialize, Serialize};

closed_enum! {
    /// Which report.
    Report {
        /// SOC 2 over the Trust Services Criteria.
        Soc2 = "soc2",
        /// SOC 1 / ISAE 3402 over control objectives.
        Soc1 = "soc1",
    }
}

closed_enum! {
    /// Type I (design at a date) or Type II (operating effectiveness over a period).
    ReportType {
        /// Design at a point in time.
        TypeI = "type1",
        /// Design and operating effectiveness over a period.
        TypeII = "type2",
    }
}

/// A calendar date, `YYYY-MM-DD`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking month lengths and leap years.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("'{text}' is not a date; use YYYY-MM-DD");
        let mut parts = text.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (year, month, day) = (
            y.parse::<u16>().map_err(|_| bad())?,
            m.parse::<u8>().map_err(|_| bad())?,
            d.parse::<u8>().map_err(|_| bad())?,
        );
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(format!("'{text}' is not a calendar date"));
        }
        Ok(Date { year, month, day })
    }

    /// Days since 1970-01-01 (for period arithmetic).
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Date::parse(&text)
    }
}

impl From<Date> for String {
    fn from(date: Date) -> String {
        date.to_string()
    }
}

/// An inclusive date range, written `FROM..TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub to: Date,
}

impl Period {
    /// Parses `2026-01-01..2026-03-31` (a single date means that day).
    pub fn parse(text: &str) -> Result<Period, String> {
        let (from, to) = match text.split_once("..") {
            Some((a, b)) => (Date::parse(a.trim())?, Date::parse(b.trim())?),
            None => {
                let d = Date::parse(text.trim())?;
                (d, d)
            }
        };
        if to < from {
            return Err(format!("'{text}' ends before it starts"));
        }
        Ok(Period { from, to })
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.from <= other.to && other.from <= self.to
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

/// One audit cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    /// Identifier (`soc2-2026`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// SOC 2 or SOC 1.
    pub report: Report,
    /// Type I or II.
    #[serde(rename = "type")]
    pub report_type: ReportType,
    /// The period (Type II) or the as-of date as a one-day period (Type I).
    pub period: Period,
    /// TSC categories reported on (SOC 2).
    pub categories: Vec<TscCategory>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_and_round_trip_through_days() {
        assert!(Date::parse("2026-02-29").is_err());
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2026-1-01").is_err());
        for text in ["1970-01-01", "2000-02-29", "2026-12-31"] {
            let d = Date::parse(text).expect("valid");
            assert_eq!(Date::from_days(d.days()), d);
        }
        assert_eq!(Date::parse("1970-01-02").map(Date::days), Ok(1));
    }

    #[test]
    fn periods_parse_and_overlap() {
        let q1 = Period::parse("2026-01-01..2026-03-31").expect("q1");
        let march = Period::parse("2026-03-15..2026-04-15").expect("march");
        assert!(q1.overlaps(&march));
        assert!(!q1.overlaps(&Period::parse("2026-04-01").expect("day")));
        assert!(Period::parse("2026-03-01..2026-01-01").is_err());
    }
}
