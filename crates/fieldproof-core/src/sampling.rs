//! Type II sample sizes: from a table of sizes by control frequency (the practice most service
//! auditors follow; no size is mandated by the AICPA), by a rule for event-driven populations,
//! or by attribute sampling from a confidence level, a tolerable and an expected deviation rate.
//!
//! The default table is `data/soc2_sampling_sizes.tsv` (a copy of the project's reference file,
//! with its sources); `--table FILE` reads another in the same shape, so an audit firm's own
//! table can be used.

use crate::input::{Field, FieldError};
use schemars::JsonSchema;
use serde::Serialize;

/// The bundled table of sample sizes by frequency.
pub const DEFAULT_TABLE: &str = include_str!("../data/soc2_sampling_sizes.tsv");

/// One row of a sample size table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SizeRow {
    /// Frequency key (`annual`, `quarterly`, `monthly`, `semi_monthly`, `weekly`, `daily`,
    /// `multiple`).
    pub frequency: String,
    /// Sample size.
    pub size: u64,
}

/// The bundled table, read once.
pub fn default_table() -> &'static [SizeRow] {
    static TABLE: std::sync::OnceLock<Vec<SizeRow>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| parse_table(DEFAULT_TABLE, "soc2_sampling_sizes.tsv").unwrap_or_default())
}

/// Reads a sample size table: tab-separated, `#` comments, a header row naming `frequency` and
/// `typical_min` columns; rows whose size is not a whole number (event-driven, automated) are
/// rules, not sizes, and are skipped. Frequencies are normalised to keys: `semi-monthly` →
/// `semi_monthly`, `multiple times per day / transactional` → `multiple`.
pub fn parse_table(text: &str, name: &str) -> Result<Vec<SizeRow>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((_, header)) = lines.next() else {
        return Err(format!("{name}: no header row"));
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let position = |wanted: &str| {
        columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                format!(
                    "{name}: the header has no '{wanted}' column (it has: {})",
                    columns.join(", ")
                )
            })
    };
    let frequency = position("frequency")?;
    let size = position("typical_min")?;
    let mut rows = Vec::new();
    for (index, line) in lines {
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let (Some(f), Some(s)) = (cells.get(frequency), cells.get(size)) else {
            return Err(format!(
                "{name}:{}: expected at least {} tab-separated columns",
                index + 1,
                frequency.max(size) + 1
            ));
        };
        if let Ok(n) = s.parse::<u64>() {
            rows.push(SizeRow {
                frequency: frequency_key(f),
                size: n,
            });
        }
    }
    if rows.is_empty() {
        return Err(format!("{name}: no row with a whole-number size"));
    }
    Ok(rows)
}

fn frequency_key(label: &str) -> String {
    let lower = label.to_ascii_lowercase();
    if lower.starts_with("multiple") {
        return "multiple".to_string();
    }
    lower
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .replace('-', "_")
}

/// How a sample size was decided.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SizeBasis {
    /// From the table row of a control frequency.
    Frequency {
        /// The frequency.
        frequency: String,
    },
    /// Event-driven population: 10 % of it, at least 3 and at most 30.
    PerEvent,
    /// Attribute sampling (binomial), deviations allowed = ceil(size × expected rate).
    Attribute {
        /// Confidence level, percent.
        confidence: f64,
        /// Tolerable deviation rate, percent.
        tolerable: f64,
        /// Expected deviation rate, percent.
        expected: f64,
    },
    /// A size given by the user.
    Given,
}

/// The size for a frequency, from a table.
///
/// A number instead of a name is the control's occurrences per year: up to 1 is annual, 2
/// semi-annual, 4 quarterly, 12 monthly, 24 semi-monthly, 52 weekly, 365 daily, more is multiple times a day.
pub fn size_for_frequency(table: &[SizeRow], frequency: &str) -> Result<u64, FieldError> {
    let key = match frequency.trim().parse::<u64>() {
        Ok(0) => {
            return Err(FieldError::value(
                Field::Frequency,
                frequency,
                "a control that never operates has no sample",
            ))
        }
        Ok(n) => frequency_of_occurrences(n).to_string(),
        Err(_) => frequency_key(frequency),
    };
    table
        .iter()
        .find(|r| r.frequency == key)
        .map(|r| r.size)
        .ok_or_else(|| {
            FieldError::value(Field::Frequency, frequency, format!(
                "the sample size table has no size for this frequency; it has: {}, and per_event is a rule",
                table
                    .iter()
                    .map(|r| r.frequency.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// The frequency name for a number of occurrences per year.
pub const fn frequency_of_occurrences(per_year: u64) -> &'static str {
    match per_year {
        0..=1 => "annual",
        2 => "semi_annual",
        3..=4 => "quarterly",
        5..=12 => "monthly",
        13..=24 => "semi_monthly",
        25..=52 => "weekly",
        53..=365 => "daily",
        _ => "multiple",
    }
}

/// Event-driven populations: 10 % of the population, at least 3, at most 30 (and never more than
/// the population).
pub fn size_per_event(population: u64) -> u64 {
    population.div_ceil(10).clamp(3, 30).min(population)
}

/// Attribute sampling: the smallest n for which, with `ceil(n × expected)` deviations found, the
/// probability of seeing that few if the true rate were the tolerable rate is at most
/// 1 − confidence (binomial, large population). Rates in percent. 95 / 10 / 0 gives 29.
pub fn size_attribute(confidence: f64, tolerable: f64, expected: f64) -> Result<u64, FieldError> {
    if !(50.0..100.0).contains(&confidence) {
        return Err(FieldError::value(
            Field::Confidence,
            confidence.to_string(),
            "give a percentage from 50 up to (not including) 100",
        ));
    }
    if !(0.0 < tolerable && tolerable < 100.0) {
        return Err(FieldError::value(
            Field::Tolerable,
            tolerable.to_string(),
            "give a percentage above 0 and below 100",
        ));
    }
    if !(0.0..tolerable).contains(&expected) {
        return Err(FieldError::value(
            Field::Expected,
            expected.to_string(),
            format!("the expected deviation rate must be below the tolerable rate ({tolerable})"),
        ));
    }
    let beta = 1.0 - confidence / 100.0;
    let p = tolerable / 100.0;
    let e = expected / 100.0;
    for n in 1..=10_000u64 {
        let allowed = (n as f64 * e - 1e-9).ceil().max(0.0) as u64;
        if binomial_cdf(allowed, n, p) <= beta {
            return Ok(n);
        }
    }
    Err(FieldError::value(
        Field::Tolerable,
        tolerable.to_string(),
        "no sample size up to 10,000 meets these rates; raise the tolerable rate",
    ))
}

/// P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
fn binomial_cdf(k: u64, n: u64, p: f64) -> f64 {
    let ln_p = p.ln();
    let ln_q = (1.0 - p).ln();
    let mut ln_choose = 0.0f64; // ln C(n, 0)
    let mut total = 0.0;
    for i in 0..=k.min(n) {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        total += (ln_choose + i as f64 * ln_p + (n - i) as f64 * ln_q).exp();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_reads_and_gives_the_published_minimums() {
        let table = parse_table(DEFAULT_TABLE, "soc2_sampling_sizes.tsv").expect("table");
        assert_eq!(default_table(), table.as_slice());
        let size = |f: &str| size_for_frequency(&table, f).expect(f);
        assert_eq!(
            (
                size("annual"),
                size("quarterly"),
                size("monthly"),
                size("weekly"),
                size("daily")
            ),
            (1, 2, 2, 5, 25)
        );
        assert_eq!(size("semi-monthly"), 3);
        assert_eq!(size("multiple"), 25);
        // Every control frequency of the library has a size: twice a year both occurrences,
        // a continuous (automated) control a test of one.
        assert_eq!(
            (size("semi_annual"), size("continuous"), size("2")),
            (2, 1, 2)
        );
        assert!(size_for_frequency(&table, "hourly").is_err());
        // A number is occurrences per year.
        assert_eq!(
            (
                size("1"),
                size("4"),
                size("12"),
                size("52"),
                size("300"),
                size("5000")
            ),
            (1, 2, 2, 5, 25, 25)
        );
        assert!(size_for_frequency(&table, "0").is_err());
    }

    #[test]
    fn attribute_sampling_matches_the_zero_deviation_anchors() {
        // The reference file's anchors: n = ceil(ln(beta) / ln(1 - TDR)).
        assert_eq!(size_attribute(95.0, 10.0, 0.0), Ok(29));
        assert_eq!(size_attribute(90.0, 10.0, 0.0), Ok(22));
        assert_eq!(size_attribute(95.0, 5.0, 0.0), Ok(59));
        assert_eq!(size_attribute(90.0, 5.0, 0.0), Ok(45));
        // One expected deviation costs a larger sample.
        assert_eq!(size_attribute(95.0, 10.0, 1.0), Ok(46));
        assert!(size_attribute(95.0, 10.0, 10.0).is_err());
    }

    #[test]
    fn event_driven_populations_take_a_tenth_within_bounds() {
        assert_eq!(size_per_event(2), 2);
        assert_eq!(size_per_event(20), 3);
        assert_eq!(size_per_event(150), 15);
        assert_eq!(size_per_event(5000), 30);
    }
}
