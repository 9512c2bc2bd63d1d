//! Mappings: how a real source's export becomes a dataset without editing it. A mapping file
//! (TOML) says, per dataset column, which source field feeds it (a dotted path into nested JSON
//! objects), how to convert it (epoch seconds or milliseconds, a date layout, a prefix to
//! strip, a value table, booleans spelled otherwise), or a constant; which rows to keep; and
//! which lookup tables (a second export, such as approvals) to join by key. Columns a mapping
//! does not name are read from the source field of the same name. The format is documented in
//! `docs/datasets.md`; the bundled mappings are under `data/mappings/`.

use crate::{AnalyticsError, Result};
use fieldproof_core::dataset::{self, ColumnType, Dataset};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// What the mapping is.
    pub mapping: Header,
    /// Rows to keep; others are skipped (and counted).
    #[serde(default)]
    pub filter: Vec<Filter>,
    /// Per dataset column: where its value comes from.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnRule>,
    /// Lookup tables, by name.
    #[serde(default)]
    pub lookups: BTreeMap<String, LookupRule>,
}

/// `[mapping]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Name (`aws-iot-registry-events`).
    pub name: String,
    /// The dataset it feeds.
    pub dataset: String,
    /// The source and its export, in a sentence.
    pub source: String,
    /// Where the source documents its format.
    #[serde(default)]
    pub docs: Option<String>,
    /// Notes for users: what the source lacks, what to add.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A `[[filter]]`: keep a row only when the field's text is one of `in`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Source field (dotted path).
    pub field: String,
    /// Values kept.
    #[serde(rename = "in")]
    pub values: Vec<String>,
}

/// How a source value is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Convert {
    /// Seconds since the epoch (a number or numeric text).
    EpochSeconds,
    /// Milliseconds since the epoch.
    EpochMillis,
}

/// `[columns.NAME]`: where a dataset column's value comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnRule {
    /// Source field (dotted path into nested objects: `data.twin.deviceId`).
    #[serde(default)]
    pub from: Option<String>,
    /// A constant value instead of a field.
    #[serde(default)]
    pub value: Option<String>,
    /// A numeric conversion of the field.
    #[serde(default)]
    pub convert: Option<Convert>,
    /// A date layout (`%Y-%m-%d %H:%M:%S`) for timestamps that are not RFC 3339.
    #[serde(default)]
    pub format: Option<String>,
    /// The layout's offset from UTC, `+01:00` (default UTC). Fixed all year: for local times
    /// where clocks change, give `time_zone`.
    #[serde(default)]
    pub utc_offset: Option<String>,
    /// The IANA time zone the layout's local times are in (`America/Chicago`), daylight saving
    /// included; instead of `utc_offset`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// A prefix removed from the text (`sha256:`).
    #[serde(default)]
    pub strip_prefix: Option<String>,
    /// Source values translated to dataset values, matched without regard to case (keyed by
    /// `value_table::key` once parsed); an unlisted value is an error unless `otherwise` is set.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// The value used when the source value is not in `values`.
    #[serde(default)]
    pub otherwise: Option<String>,
    /// Texts that mean true.
    #[serde(default, rename = "true")]
    pub true_values: Vec<String>,
    /// Texts that mean false.
    #[serde(default, rename = "false")]
    pub false_values: Vec<String>,
    /// Lower-case the text.
    #[serde(default)]
    pub lowercase: bool,
    /// A lookup table name (`[lookups.NAME]`): the value is the lookup's `column` for the key
    /// found in `from`.
    #[serde(default)]
    pub lookup: Option<String>,
    /// The lookup table column returned.
    #[serde(default)]
    pub column: Option<String>,
}

/// `[lookups.NAME]`: a table given with `--lookup NAME=FILE`, keyed by one of its columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRule {
    /// What the table is, and how to export it.
    pub description: String,
    /// The column holding the key.
    pub key: String,
    /// Keep only rows whose column has one of the values.
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, Vec<String>>,
}

/// A mapping checked against its dataset.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The file.
    pub file: MappingFile,
    /// The dataset.
    pub dataset: &'static Dataset,
    /// Parsed UTC offsets of date layouts, per column.
    pub offsets: BTreeMap<String, i64>,
    /// Time zones of date layouts, per column.
    pub zones: BTreeMap<String, chrono_tz::Tz>,
}

/// The mappings shipped with fieldproof: (file name, text).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "aws-iot-registry-events.toml",
        include_str!("../data/mappings/aws-iot-registry-events.toml"),
    ),
    (
        "aws-iot-certificate-status.toml",
        include_str!("../data/mappings/aws-iot-certificate-status.toml"),
    ),
    (
        "azure-iot-hub-lifecycle.toml",
        include_str!("../data/mappings/azure-iot-hub-lifecycle.toml"),
    ),
    (
        "servicenow-change-request.toml",
        include_str!("../data/mappings/servicenow-change-request.toml"),
    ),
    (
        "github-releases.toml",
        include_str!("../data/mappings/github-releases.toml"),
    ),
];

/// Parses `+01:00`, `-05:30`, `Z`.
fn parse_offset(text: &str) -> Option<i64> {
    if text.eq_ignore_ascii_case("z") || text == "+00:00" {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    Some(sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?))
}

impl Mapping {
    /// Parses and checks a mapping (`name` for messages): the dataset exists, every column
    /// named is a column of it, each rule is consistent with the column's type.
    pub fn parse(text: &str, name: &str) -> Result<Mapping> {
        let mut file: MappingFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].lines().count().max(1);
                    format!(":{line}")
                })
                .unwrap_or_default();
            AnalyticsError::Input(format!(
                "{name}{at}: {} (see docs/datasets.md#mappings)",
                e.message()
            ))
        })?;
        let dataset = dataset::dataset(&file.mapping.dataset).ok_or_else(|| {
            AnalyticsError::Input(format!(
                "{name}: [mapping] dataset '{}' is not a dataset; the datasets are: {}",
                file.mapping.dataset,
                dataset::names().join(", ")
            ))
        })?;
        let mut problems = Vec::new();
        // Source values match without regard to case (as in inventory mappings).
        for (column, rule) in file.columns.iter_mut() {
            match fieldproof_core::value_table::build(&rule.values) {
                Ok(table) => rule.values = table,
                Err(e) => problems.push(format!("[columns.{column}]: values: {e}")),
            }
        }
        let mut offsets = BTreeMap::new();
        let mut zones = BTreeMap::new();
        for (column, rule) in &file.columns {
            let Some(col) = dataset.column(column) else {
                problems.push(format!(
                    "[columns.{column}]: {} has no column '{column}'; its columns are: {}",
                    dataset.name,
                    dataset
                        .columns
                        .iter()
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            };
            if rule.from.is_some() == rule.value.is_some() {
                problems.push(format!(
                    "[columns.{column}]: give either `from` (a source field) or `value` (a constant)"
                ));
            }
            if (rule.convert.is_some() || rule.format.is_some()) && col.ty != ColumnType::Timestamp
            {
                problems.push(format!(
                    "[columns.{column}]: `convert` and `format` apply to timestamp columns; {column} is {}",
                    col.ty.as_str()
                ));
            }
            if let Some(zone) = &rule.time_zone {
                if rule.utc_offset.is_some() {
                    problems.push(format!(
                        "[columns.{column}]: give either `time_zone` or `utc_offset`, not both (time_zone follows daylight saving, utc_offset does not)"
                    ));
                }
                if rule.format.is_none() {
                    problems.push(format!(
                        "[columns.{column}]: `time_zone` applies to a `format` layout's local times (RFC 3339 carries its offset, epoch values are UTC)"
                    ));
                }
                match zone.parse::<chrono_tz::Tz>() {
                    Ok(tz) => {
                        zones.insert(column.clone(), tz);
                    }
                    Err(_) => problems.push(format!(
                        "[columns.{column}]: time_zone '{zone}' is not an IANA time zone (America/Chicago, Europe/Berlin, UTC)"
                    )),
                }
            }
            if let Some(offset) = &rule.utc_offset {
                match parse_offset(offset) {
                    Some(minutes) => {
                        offsets.insert(column.clone(), minutes);
                    }
                    None => problems.push(format!(
                        "[columns.{column}]: utc_offset '{offset}' is not like +01:00"
                    )),
                }
            }
            if (!rule.true_values.is_empty() || !rule.false_values.is_empty())
                && col.ty != ColumnType::Boolean
            {
                problems.push(format!(
                    "[columns.{column}]: `true`/`false` spellings apply to boolean columns"
                ));
            }
            match (&rule.lookup, &rule.column) {
                (Some(lookup), Some(_)) if !file.lookups.contains_key(lookup) => {
                    problems.push(format!(
                        "[columns.{column}]: lookup '{lookup}' has no [lookups.{lookup}] table"
                    ))
                }
                (Some(_), None) | (None, Some(_)) => problems.push(format!(
                    "[columns.{column}]: a lookup needs both `lookup` (the table) and `column` (the value returned)"
                )),
                _ => {}
            }
            if !col.values.is_empty() {
                for v in rule.values.values().chain(rule.otherwise.iter()) {
                    if !col.values.contains(&v.as_str()) {
                        problems.push(format!(
                            "[columns.{column}]: '{v}' is not a value of {column} ({})",
                            col.values.join(", ")
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(Mapping {
                file,
                dataset,
                offsets,
                zones,
            })
        } else {
            Err(AnalyticsError::Input(format!(
                "{name}: {}",
                problems.join("; ")
            )))
        }
    }

    /// The bundled mapping named `name` (with or without `.toml`), if any.
    pub fn bundled(name: &str) -> Option<Result<Mapping>> {
        let wanted = name.trim_end_matches(".toml");
        BUNDLED
            .iter()
            .find(|(file, _)| file.trim_end_matches(".toml") == wanted)
            .map(|(file, text)| Mapping::parse(text, file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_mapping_parses() {
        for (file, text) in BUNDLED {
            let mapping = Mapping::parse(text, file).unwrap_or_else(|e| panic!("{e}"));
            assert!(!mapping.file.mapping.source.is_empty());
        }
        assert!(Mapping::bundled("aws-iot-registry-events").is_some());
    }

    #[test]
    fn mistakes_are_named() {
        let base = "[mapping]\nname = \"x\"\ndataset = \"changes\"\nsource = \"s\"\n";
        let err = |text: &str| {
            Mapping::parse(text, "m.toml")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err(&base.replace("changes", "chnages")).contains("'chnages' is not a dataset"));
        assert!(err(&format!("{base}[columns.nope]\nfrom = \"a\"\n"))
            .contains("changes has no column 'nope'"));
        assert!(err(&format!(
            "{base}[columns.kind]\nfrom = \"a\"\nvalues = {{ A = \"plc\" }}\n"
        ))
        .contains("'plc' is not a value of kind"));
        assert!(err(&format!(
            "{base}[columns.target]\nfrom = \"a\"\nconvert = \"epoch_millis\"\n"
        ))
        .contains("apply to timestamp columns"));
        assert!(err(&format!(
            "{base}[columns.target]\nfrom = \"a\"\nvalue = \"b\"\n"
        ))
        .contains("either `from`"));
        assert!(err(&format!("{base}[colums.target]\nfrom = \"a\"\n")).starts_with("m.toml:5:"));
        let layout = "[columns.deployed_at]\nfrom = \"a\"\nformat = \"%Y-%m-%d %H:%M:%S\"\n";
        assert!(
            err(&format!("{base}{layout}time_zone = \"America/Chicgo\"\n"))
                .contains("'America/Chicgo' is not an IANA time zone")
        );
        assert!(err(&format!(
            "{base}{layout}time_zone = \"America/Chicago\"\nutc_offset = \"-06:00\"\n"
        ))
        .contains("either `time_zone` or `utc_offset`"));
        assert!(err(&format!(
            "{base}[columns.deployed_at]\nfrom = \"a\"\ntime_zone = \"UTC\"\n"
        ))
        .contains("applies to a `format` layout"));
    }
}
