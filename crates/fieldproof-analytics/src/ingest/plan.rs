//! The mapping plan: how each of the dataset's columns is computed from a record, converted and checked.

use super::record::{Field, Record};
use super::LookupTable;
use crate::mapping::{ColumnRule, Convert, Mapping};
use crate::timestamp;
use crate::Result;
use fieldproof_core::dataset::{Column, ColumnType, Dataset};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One value of a row.
#[derive(Debug, Clone)]
pub(super) enum Val {
    Null,
    Text(String),
    Ts(i64),
    Bool(bool),
    Int(i64),
    Float(f64),
}

/// The plan for one dataset column: its rule (default: the field of the same name).
pub(super) struct ColumnPlan {
    pub(super) column: &'static Column,
    pub(super) rule: ColumnRule,
    pub(super) offset: i64,
    pub(super) zone: Option<chrono_tz::Tz>,
}

/// The UTC instant of a local wall-clock time in `zone`: where clocks go back and the time
/// happens twice, the first; where clocks go forward and it never happens, an error.
pub(super) fn wall_to_utc(wall_micros: i64, zone: chrono_tz::Tz) -> Result<i64, String> {
    use chrono::TimeZone;
    let wall = chrono::DateTime::from_timestamp_micros(wall_micros)
        .ok_or_else(|| "out of range".to_string())?
        .naive_utc();
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|t| t.timestamp_micros())
        .ok_or_else(|| {
            format!(
                "{wall} never happened in {zone}: clocks went forward over it (daylight saving)"
            )
        })
}

/// Everything needed to turn records into rows: per-column plans, the filter, the top-level
/// source fields read (everything else goes to `extra`).
pub(super) struct Plan<'a> {
    pub(super) columns: Vec<ColumnPlan>,
    pub(super) filters: Vec<(String, Vec<String>)>,
    pub(super) used: Vec<String>,
    pub(super) lookups: &'a BTreeMap<String, LookupTable>,
    pub(super) time_index: usize,
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        dataset: &'static Dataset,
        mapping: Option<&Mapping>,
        lookups: &'a BTreeMap<String, LookupTable>,
    ) -> Plan<'a> {
        let mut used = Vec::new();
        let columns: Vec<ColumnPlan> = dataset
            .columns
            .iter()
            .map(|column| {
                let rule = mapping
                    .and_then(|m| m.file.columns.get(column.name).cloned())
                    .unwrap_or_else(|| ColumnRule {
                        from: Some(column.name.to_string()),
                        ..ColumnRule::default()
                    });
                if let Some(from) = &rule.from {
                    let head = from.split('.').next().unwrap_or(from).to_string();
                    if !used.contains(&head) {
                        used.push(head);
                    }
                }
                let offset = mapping
                    .and_then(|m| m.offsets.get(column.name).copied())
                    .unwrap_or(0);
                let zone = mapping.and_then(|m| m.zones.get(column.name).copied());
                ColumnPlan {
                    column,
                    rule,
                    offset,
                    zone,
                }
            })
            .collect();
        let filters: Vec<(String, Vec<String>)> = mapping
            .map(|m| {
                m.file
                    .filter
                    .iter()
                    .map(|f| (f.field.clone(), f.values.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (field, _) in &filters {
            let head = field.split('.').next().unwrap_or(field).to_string();
            if !used.contains(&head) {
                used.push(head);
            }
        }
        let time_index = dataset
            .columns
            .iter()
            .position(|c| c.name == dataset.time)
            .unwrap_or(0);
        Plan {
            columns,
            filters,
            used,
            lookups,
            time_index,
        }
    }

    /// Whether the mapping's filters keep the record.
    pub(super) fn keeps(&self, record: &Record<'_, '_>) -> bool {
        self.filters.iter().all(|(field, values)| {
            Record::text(&record.get(field)).is_some_and(|v| values.contains(&v.to_string()))
        })
    }

    pub(super) fn value(&self, plan: &ColumnPlan, record: &Record<'_, '_>) -> Result<Val, String> {
        let rule = &plan.rule;
        let column = plan.column;
        let field = if let Some(constant) = &rule.value {
            Field::Text(Cow::Owned(constant.clone()))
        } else if let (Some(table), Some(wanted)) = (&rule.lookup, &rule.column) {
            let key = Record::text(&record.get(rule.from.as_deref().unwrap_or(column.name)));
            match key
                .and_then(|k| self.lookups.get(table)?.rows.get(&k))
                .and_then(|row| row.get(wanted))
            {
                Some(v) => Field::Text(Cow::Owned(v.clone())),
                None => Field::Null,
            }
        } else {
            record.get(rule.from.as_deref().unwrap_or(column.name))
        };
        let source = rule.from.as_deref().unwrap_or(column.name);
        let absent = matches!(field, Field::Missing | Field::Null)
            || matches!(&field, Field::Text(t) if t.is_empty());
        if absent {
            return if column.nullable {
                Ok(Val::Null)
            } else if matches!(field, Field::Missing) {
                Err(format!("{}: no field '{source}'", column.name))
            } else {
                Err(format!("{}: empty, and it is required", column.name))
            };
        }
        match column.ty {
            ColumnType::Text => {
                let mut text = match &field {
                    Field::Nested(_) => {
                        return Err(format!(
                            "{}: '{source}' is an object or array; map a field inside it with a dotted path",
                            column.name
                        ))
                    }
                    other => Record::text(other).unwrap_or_default(),
                };
                if let Some(prefix) = &rule.strip_prefix {
                    if let Some(rest) = text.strip_prefix(prefix.as_str()) {
                        text = rest.to_string();
                    }
                }
                if rule.lowercase {
                    text = text.to_lowercase();
                }
                if !rule.values.is_empty() {
                    let key = fieldproof_core::value_table::key(&text);
                    text = match (rule.values.get(&key), &rule.otherwise) {
                        (Some(v), _) => v.clone(),
                        (None, Some(o)) => o.clone(),
                        (None, None) => {
                            return Err(format!(
                                "{}: '{text}' is not one of the mapped values ({})",
                                column.name,
                                rule.values.keys().cloned().collect::<Vec<_>>().join(", ")
                            ))
                        }
                    };
                }
                if !column.values.is_empty() && !column.values.contains(&text.as_str()) {
                    return Err(format!(
                        "{}: '{text}' is not one of {}",
                        column.name,
                        column.values.join(", ")
                    ));
                }
                Ok(Val::Text(text))
            }
            ColumnType::Timestamp => {
                let text = Record::text(&field).unwrap_or_default();
                let micros = match (rule.convert, &rule.format) {
                    (Some(Convert::EpochSeconds), _) => text
                        .parse::<f64>()
                        .ok()
                        .map(|s| (s * 1_000_000.0).round() as i64),
                    (Some(Convert::EpochMillis), _) => text
                        .parse::<f64>()
                        .ok()
                        .map(|ms| (ms * 1_000.0).round() as i64),
                    (None, Some(layout)) => match plan.zone {
                        Some(zone) => match timestamp::parse_layout(&text, layout, 0) {
                            Some(wall) => Some(
                                wall_to_utc(wall, zone)
                                    .map_err(|why| format!("{}: '{text}': {why}", column.name))?,
                            ),
                            None => None,
                        },
                        None => timestamp::parse_layout(&text, layout, plan.offset),
                    },
                    (None, None) => timestamp::parse_rfc3339(&text),
                };
                micros.map(Val::Ts).ok_or_else(|| {
                    let expected = match (rule.convert, &rule.format) {
                        (Some(Convert::EpochSeconds), _) => "seconds since the epoch".to_string(),
                        (Some(Convert::EpochMillis), _) => {
                            "milliseconds since the epoch".to_string()
                        }
                        (None, Some(layout)) => format!("a date in the layout {layout}"),
                        (None, None) => "an RFC 3339 timestamp (2026-03-01T09:00:00Z)".to_string(),
                    };
                    format!("{}: '{text}' is not {expected}", column.name)
                })
            }
            ColumnType::Boolean => {
                let b = match &field {
                    Field::Bool(b) => Some(*b),
                    other => {
                        let text = Record::text(other).unwrap_or_default();
                        if rule
                            .true_values
                            .iter()
                            .any(|t| t.eq_ignore_ascii_case(&text))
                        {
                            Some(true)
                        } else if rule
                            .false_values
                            .iter()
                            .any(|t| t.eq_ignore_ascii_case(&text))
                        {
                            Some(false)
                        } else if text.eq_ignore_ascii_case("true") {
                            Some(true)
                        } else if text.eq_ignore_ascii_case("false") {
                            Some(false)
                        } else {
                            None
                        }
                    }
                };
                b.map(Val::Bool).ok_or_else(|| {
                    format!(
                        "{}: '{}' is not true or false",
                        column.name,
                        Record::text(&field).unwrap_or_default()
                    )
                })
            }
            ColumnType::Integer => {
                let text = Record::text(&field).unwrap_or_default();
                text.trim()
                    .parse::<i64>()
                    .map(Val::Int)
                    .map_err(|_| format!("{}: '{text}' is not a whole number", column.name))
            }
            ColumnType::Float => {
                let text = Record::text(&field).unwrap_or_default();
                text.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Val::Float)
                    .ok_or_else(|| format!("{}: '{text}' is not a number", column.name))
            }
        }
    }

    /// The row of a record, or why it is rejected.
    pub(super) fn row(&self, record: &Record<'_, '_>, out: &mut Vec<Val>) -> Result<(), String> {
        out.clear();
        let mut problems = Vec::new();
        for plan in &self.columns {
            match self.value(plan, record) {
                Ok(v) => out.push(v),
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}
