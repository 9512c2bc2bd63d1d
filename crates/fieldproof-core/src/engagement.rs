//! Engagements: one SOC 2 or SOC 1 cycle (Type I at a date, Type II over a period) with the TSC
//! categories it reports on. Evidence and, later, test results belong to an engagement.

use crate::component::closed_enum;
use crate::input::{Field, FieldError};
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
        #[serde(alias = "type_i")]
        TypeI = "type1",
        /// Design and operating effectiveness over a period. (Packs of fieldproof 0.1 wrote
        /// `type_i_i`; it is still read.)
        #[serde(alias = "type_i_i")]
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

    /// The same day `years` later; 29 February becomes 28 February in a common year.
    pub fn plus_years(self, years: u16) -> Date {
        let year = self.year + years;
        Date {
            year,
            month: self.month,
            day: self.day.min(days_in_month(year, self.month)),
        }
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

#[cfg(test)]
mod date_tests {
    use super::Date;

    #[test]
    fn years_are_added_on_the_calendar() {
        let d = |t: &str| Date::parse(t).expect("date");
        assert_eq!(d("2026-12-31").plus_years(2), d("2028-12-31"));
        assert_eq!(d("2028-02-29").plus_years(1), d("2029-02-28"));
        assert_eq!(d("2028-02-29").plus_years(4), d("2032-02-29"));
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
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

impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A calendar date, YYYY-MM-DD."
        })
    }
}

impl From<Date> for String {
    fn from(date: Date) -> String {
        date.to_string()
    }
}

/// An inclusive date range, written `FROM..TO` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

/// One audit cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// An engagement as a user asks for it, before validation: the names as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngagementRequest {
    /// Identifier.
    pub id: String,
    /// Display name (default: the id).
    pub name: Option<String>,
    /// `soc2` or `soc1` (default `soc2`).
    pub report: Option<String>,
    /// `type1` or `type2` (default `type2`).
    pub report_type: Option<String>,
    /// Type II period `FROM..TO`.
    pub period: Option<String>,
    /// Type I date.
    pub as_of: Option<String>,
    /// TSC category names (default: security).
    pub categories: Vec<String>,
}

impl Engagement {
    /// Validates a request: a Type II engagement needs a period, a Type I engagement one date;
    /// the id is a safe identifier; categories are known (Security is always reported on).
    pub fn define(request: &EngagementRequest) -> Result<Engagement, FieldError> {
        if !crate::component::is_valid_id(&request.id) {
            return Err(FieldError::value(
                Field::Id,
                &request.id,
                "not a valid id; use 1-128 letters, digits and - _ . : /",
            ));
        }
        let report = match request.report.as_deref() {
            None => Report::Soc2,
            Some(text) => Report::parse(text.trim()).ok_or_else(|| {
                FieldError::value(
                    Field::ReportKind,
                    text,
                    format!("expected one of: {}", Report::expected()),
                )
            })?,
        };
        let report_type = match request.report_type.as_deref() {
            None => ReportType::TypeII,
            Some(text) => ReportType::parse(text.trim()).ok_or_else(|| {
                FieldError::value(
                    Field::ReportType,
                    text,
                    format!("expected one of: {}", ReportType::expected()),
                )
            })?,
        };
        let period = match (report_type, &request.period, &request.as_of) {
            (ReportType::TypeII, Some(p), None) => {
                Period::parse(p).map_err(|e| FieldError::field(Field::Period, e))?
            }
            (ReportType::TypeII, _, Some(_)) => {
                return Err(FieldError::field(
                    Field::AsOf,
                    "a Type II engagement covers a period (FROM..TO), not one date; give the period instead",
                ))
            }
            (ReportType::TypeII, None, None) => {
                return Err(FieldError::missing(
                    Field::Period,
                    "a Type II engagement covers a period (FROM..TO)",
                ))
            }
            (ReportType::TypeI, None, Some(d)) => {
                let day = Date::parse(d.trim()).map_err(|e| FieldError::field(Field::AsOf, e))?;
                Period { from: day, to: day }
            }
            (ReportType::TypeI, Some(_), _) => {
                return Err(FieldError::field(
                    Field::Period,
                    "a Type I engagement is at one date (YYYY-MM-DD), not a period; give the date instead",
                ))
            }
            (ReportType::TypeI, None, None) => {
                return Err(FieldError::missing(
                    Field::AsOf,
                    "a Type I engagement is at one date (YYYY-MM-DD)",
                ))
            }
        };
        let mut categories = vec![TscCategory::Security];
        for name in &request.categories {
            let category = TscCategory::parse(name.trim()).ok_or_else(|| {
                FieldError::value(
                    Field::Categories,
                    name,
                    format!("expected: {}", TscCategory::expected()),
                )
            })?;
            if !categories.contains(&category) {
                categories.push(category);
            }
        }
        categories.sort();
        Ok(Engagement {
            id: request.id.clone(),
            name: request
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| request.id.clone()),
            report,
            report_type,
            period,
            categories,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_definitions_are_validated() {
        let ok = Engagement::define(&EngagementRequest {
            id: "soc2-2026".into(),
            period: Some("2026-01-01..2026-12-31".into()),
            categories: vec!["availability".into()],
            ..EngagementRequest::default()
        })
        .expect("valid");
        assert_eq!(ok.report_type, ReportType::TypeII);
        assert_eq!(
            ok.categories,
            vec![TscCategory::Security, TscCategory::Availability]
        );
        assert_eq!(ok.name, "soc2-2026");
        let type1 = Engagement::define(&EngagementRequest {
            id: "t1".into(),
            report_type: Some("type1".into()),
            as_of: Some("2026-06-30".into()),
            ..EngagementRequest::default()
        })
        .expect("type 1");
        assert_eq!(type1.period.from, type1.period.to);
        for (request, field) in [
            (
                EngagementRequest {
                    id: "x".into(),
                    ..EngagementRequest::default()
                },
                "period",
            ),
            (
                EngagementRequest {
                    id: "x y".into(),
                    period: Some("2026-01-01..2026-02-01".into()),
                    ..EngagementRequest::default()
                },
                "id",
            ),
            (
                EngagementRequest {
                    id: "x".into(),
                    report_type: Some("type1".into()),
                    period: Some("2026-01-01..2026-02-01".into()),
                    ..EngagementRequest::default()
                },
                "period",
            ),
            (
                EngagementRequest {
                    id: "x".into(),
                    period: Some("2026-01-01..2026-02-01".into()),
                    categories: vec!["safety".into()],
                    ..EngagementRequest::default()
                },
                "categories",
            ),
        ] {
            assert_eq!(
                Engagement::define(&request).map_err(|e| e.field.name()),
                Err(field)
            );
        }
    }

    #[test]
    fn report_types_serialise_by_their_documented_names_and_read_the_old_ones() {
        assert_eq!(
            serde_json::to_string(&ReportType::TypeII).unwrap_or_default(),
            "\"type2\""
        );
        for old in ["\"type_i_i\"", "\"type2\""] {
            assert_eq!(
                serde_json::from_str::<ReportType>(old).ok(),
                Some(ReportType::TypeII)
            );
        }
    }

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
