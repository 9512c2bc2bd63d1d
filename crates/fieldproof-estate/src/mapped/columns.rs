//! Columns: the mapping bound to one file's header. Every column a field, a template, a facts
//! rule or the grouping names is found once, by exact name and then case-insensitively; every
//! name the header lacks is a problem, all of them reported together.

use super::values::Row;
use crate::error::{LoadError, Location, Problem};
use crate::mapping::{Field, GroupRule, Mapping, Part, Source, Translate, Translated};
use std::collections::HashMap;
use std::path::Path;

/// A template or condition part bound to the header.
#[derive(Debug, Clone)]
pub(super) enum Bound {
    Text(String),
    Column(usize),
    Field(Field),
    Row,
}

/// Where a field's value comes from, bound to the header.
#[derive(Debug)]
pub(super) enum BoundSource<'m> {
    Column {
        index: usize,
        column: &'m str,
        translate: &'m Translate,
        default: Option<&'m str>,
        /// Translations already made, by source value.
        cache: HashMap<String, Translated>,
    },
    Value(&'m str),
    Template(Vec<Bound>),
}

/// A facts rule bound to the header: its conditions and the facts it sets.
pub(super) type BoundRule<'m> = (
    Vec<(Bound, &'m Vec<String>)>,
    &'m Vec<fieldproof_core::Fact>,
);

/// How assets roll up into components, bound to the header: the values that make a group,
/// and the templates of its id, name and description.
pub(super) struct Grouping {
    pub(super) by: Vec<Bound>,
    pub(super) id: Option<Vec<Bound>>,
    pub(super) name: Option<Vec<Bound>>,
    pub(super) description: Option<Vec<Bound>>,
}

/// The mapping bound to a header.
pub(super) struct Binding<'m> {
    /// The fields, templates last (they may use the mapped kind, operator, site and zone).
    pub(super) fields: Vec<(Field, BoundSource<'m>)>,
    pub(super) rules: Vec<BoundRule<'m>>,
    pub(super) grouping: Option<Grouping>,
}

/// A file's header row, for finding columns by name.
struct Header<'h> {
    path: &'h Path,
    names: &'h [String],
}

impl Header<'_> {
    fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|h| h == name)
            .or_else(|| self.names.iter().position(|h| h.eq_ignore_ascii_case(name)))
    }

    fn missing(&self, name: &str, what: &str) -> String {
        format!(
            "{what} names the column '{name}', which is not in the header of {}; its columns are: {}",
            self.path.display(),
            self.names.join(", ")
        )
    }

    /// Binds a template's parts; a column the header lacks is a problem at `key`.
    fn parts(
        &self,
        parts: &[Part],
        what: &str,
        mapping: &Mapping,
        (offset, key): (usize, &str),
        problems: &mut Vec<Problem>,
    ) -> Vec<Bound> {
        parts
            .iter()
            .map(|part| match part {
                Part::Text(t) => Bound::Text(t.clone()),
                Part::Field(f) => Bound::Field(*f),
                Part::Row => Bound::Row,
                Part::Column(name) => match self.find(name) {
                    Some(index) => Bound::Column(index),
                    None => {
                        problems.push(Problem {
                            location: mapping.location(offset, key.to_string()),
                            message: self.missing(name, what),
                        });
                        Bound::Text(String::new())
                    }
                },
            })
            .collect()
    }
}

impl<'m> Binding<'m> {
    /// Binds `mapping` (and the roll-up `group`, if any) to the header `names` of `path`.
    pub(super) fn bind(
        path: &Path,
        names: &[String],
        mapping: &'m Mapping,
        group: Option<&GroupRule>,
    ) -> Result<Self, LoadError> {
        let header = Header { path, names };
        let mut problems = Vec::new();
        let mut fields: Vec<(Field, BoundSource<'_>)> = Vec::new();
        for (field, (source, offset)) in &mapping.fields {
            let key = format!("columns.{}", field.as_str());
            let bound = match source {
                Source::Value(v) => BoundSource::Value(v),
                Source::Template(parts) => BoundSource::Template(header.parts(
                    parts,
                    &format!("[{key}] template"),
                    mapping,
                    (*offset, &key),
                    &mut problems,
                )),
                Source::Column {
                    column,
                    translate,
                    default,
                } => match header.find(column) {
                    Some(index) => BoundSource::Column {
                        index,
                        column,
                        translate,
                        default: default.as_deref(),
                        cache: HashMap::new(),
                    },
                    None => {
                        problems.push(Problem {
                            location: mapping.location(*offset, key.clone()),
                            message: header.missing(column, &format!("[{key}] from")),
                        });
                        continue;
                    }
                },
            };
            fields.push((*field, bound));
        }
        fields.sort_by_key(|(_, s)| matches!(s, BoundSource::Template(_)));
        let rules = mapping
            .rules
            .iter()
            .map(|rule| {
                let when = rule
                    .when
                    .iter()
                    .map(|(part, values)| {
                        let bound = match part {
                            Part::Column(name) => match header.find(name) {
                                Some(index) => Bound::Column(index),
                                None => {
                                    problems.push(Problem {
                                        location: Location {
                                            file: mapping.file.clone(),
                                            line: None,
                                            column: None,
                                            field: Some("facts".to_string()),
                                        },
                                        message: header.missing(name, "a [[facts]] rule"),
                                    });
                                    Bound::Text(String::new())
                                }
                            },
                            Part::Field(f) => Bound::Field(*f),
                            _ => Bound::Text(String::new()),
                        };
                        (bound, values)
                    })
                    .collect();
                (when, &rule.set)
            })
            .collect();
        let grouping = group.map(|g| {
            let by =
                g.by.iter()
                    .map(|name| {
                        let part = crate::mapping::placeholder(name).unwrap_or(Part::Row);
                        header
                            .parts(
                                &[part],
                                "[group] by",
                                mapping,
                                (0, "group.by"),
                                &mut problems,
                            )
                            .pop()
                            .unwrap_or(Bound::Row)
                    })
                    .collect();
            let mut template = |t: &Option<String>, what: &str| {
                t.as_deref()
                    .and_then(|t| crate::mapping::parse_template(t).ok())
                    .map(|parts| header.parts(&parts, what, mapping, (0, "group"), &mut problems))
            };
            Grouping {
                by,
                id: template(&g.id, "[group] id"),
                name: template(&g.name, "[group] name"),
                description: template(&g.description, "[group] description"),
            }
        });
        if !problems.is_empty() {
            return Err(LoadError::Invalid { problems });
        }
        Ok(Binding {
            fields,
            rules,
            grouping,
        })
    }
}

/// Renders bound parts for one row (`line` for `{row}`).
pub(super) fn render(parts: &[Bound], record: &csv::ByteRecord, row: &Row, line: u64) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Bound::Text(text) => out.push_str(text),
            Bound::Column(index) => out.push_str(
                std::str::from_utf8(record.get(*index).unwrap_or_default())
                    .unwrap_or_default()
                    .trim(),
            ),
            Bound::Field(field) => out.push_str(row.field_text(*field)),
            Bound::Row => out.push_str(&line.to_string()),
        }
    }
    out
}
