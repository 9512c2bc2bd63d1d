//! The mapping plan: how each of the dataset's columns is computed from a record, converted and checked.

use super::record::{Field, Paths, Record};
use super::LookupTable;
use crate::mapping::{ColumnRule, Convert, Mapping};
use crate::timestamp;
use crate::Result;
use fieldproof_core::dataset::{Column, ColumnType, Dataset};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One value of a row.
#[derive(Debug, Clone)]
pub(super) enum Val<'a> {
    Null,
    Text(Cow<'a, str>),
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
    /// The index in the plan's [`Paths`] of the field it reads (`from`, else its own name).
    pub(super) path: usize,
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
    /// Each filter: the index of its field's path, and the values kept.
    pub(super) filters: Vec<(usize, Vec<String>)>,
    pub(super) used: Vec<String>,
    /// Every path read, by columns and filters.
    pub(super) paths: Paths,
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
        let mut paths = Paths::new();
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
                let path = paths.add(rule.from.as_deref().unwrap_or(column.name));
                ColumnPlan {
                    column,
                    rule,
                    offset,
                    zone,
                    path,
                }
            })
            .collect();
        let mut filters = Vec::new();
        for f in mapping
            .map(|m| m.file.filter.as_slice())
            .unwrap_or_default()
        {
            let head = f.field.split('.').next().unwrap_or(&f.field).to_string();
            if !used.contains(&head) {
                used.push(head);
            }
            filters.push((paths.add(&f.field), f.values.clone()));
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
            paths,
            lookups,
            time_index,
        }
    }

    /// Whether the mapping's filters keep the record.
    pub(super) fn keeps(&self, record: &Record<'_, '_>) -> bool {
        self.filters.iter().all(|(path, values)| {
            record
                .get(*path)
                .into_text()
                .is_some_and(|v| values.iter().any(|x| *x == v))
        })
    }

    pub(super) fn value<'r>(
        &self,
        plan: &ColumnPlan,
        record: &Record<'r, '_>,
    ) -> Result<Val<'r>, String> {
        let rule = &plan.rule;
        let column = plan.column;
        let field = if let Some(constant) = &rule.value {
            Field::Text(Cow::Owned(constant.clone()))
        } else if let (Some(table), Some(wanted)) = (&rule.lookup, &rule.column) {
            let key = record.get(plan.path).into_text();
            match key
                .and_then(|k| self.lookups.get(table)?.rows.get(k.as_ref()))
                .and_then(|row| row.get(wanted))
            {
                Some(v) => Field::Text(Cow::Owned(v.clone())),
                None => Field::Null,
            }
        } else {
            record.get(plan.path)
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
                let mut text = match field {
                    Field::Nested(_) => {
                        return Err(format!(
                            "{}: '{source}' is an object or array; map a field inside it with a dotted path",
                            column.name
                        ))
                    }
                    other => other.into_text().unwrap_or_default(),
                };
                if let Some(prefix) = &rule.strip_prefix {
                    if let Some(rest) = text.strip_prefix(prefix.as_str()) {
                        text = Cow::Owned(rest.to_string());
                    }
                }
                if rule.lowercase {
                    text = Cow::Owned(text.to_lowercase());
                }
                if !rule.values.is_empty() {
                    let key = fieldproof_core::value_table::key(&text);
                    text = match (rule.values.get(&key), &rule.otherwise) {
                        (Some(v), _) => Cow::Owned(v.clone()),
                        (None, Some(o)) => Cow::Owned(o.clone()),
                        (None, None) => {
                            return Err(format!(
                                "{}: '{text}' is not one of the mapped values ({})",
                                column.name,
                                rule.values.keys().cloned().collect::<Vec<_>>().join(", ")
                            ))
                        }
                    };
                }
                if !column.values.is_empty() && !column.values.contains(&text.as_ref()) {
                    return Err(format!(
                        "{}: '{text}' is not one of {}",
                        column.name,
                        column.values.join(", ")
                    ));
                }
                Ok(Val::Text(text))
            }
            ColumnType::Timestamp => {
                let text = field.into_text().unwrap_or_default();
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
                        let text = other.clone().into_text().unwrap_or_default();
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
                        field.into_text().unwrap_or_default()
                    )
                })
            }
            ColumnType::Integer => {
                let text = field.into_text().unwrap_or_default();
                text.trim()
                    .parse::<i64>()
                    .map(Val::Int)
                    .map_err(|_| format!("{}: '{text}' is not a whole number", column.name))
            }
            ColumnType::Float => {
                let text = field.into_text().unwrap_or_default();
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
    pub(super) fn row<'r>(
        &self,
        record: &Record<'r, '_>,
        out: &mut Vec<Val<'r>>,
    ) -> Result<(), String> {
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
