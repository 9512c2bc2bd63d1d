//! Values: one row's cells translated by the mapping into a component's fields. Translations
//! are cached per distinct source value; values no rule translates are tallied.

use super::columns::{render, Binding, BoundSource};
use crate::error::{Location, Problem};
use crate::mapping::{Field, Tally, Translated};
use fieldproof_core::{Component, Facts, Kind, Operator, Scope, Site, Zone};

/// Distinct values of one column whose translation is remembered.
const TRANSLATION_CACHE: usize = 4096;

/// The values of one row, as the mapping translates them.
#[derive(Debug, Default)]
pub(super) struct Row {
    pub(super) id: Option<String>,
    name: Option<String>,
    pub(super) kind: Option<Kind>,
    pub(super) operated_by: Option<Operator>,
    pub(super) site: Option<Site>,
    pub(super) zone: Option<Zone>,
    declared_scope: Option<Scope>,
    subservice: Option<String>,
    description: Option<String>,
    owner: Option<String>,
    access_via: Vec<String>,
    pub(super) fact_cells: Vec<(fieldproof_core::Fact, bool)>,
}

/// Values no rule translated, and values only `otherwise` caught.
#[derive(Default)]
pub(super) struct Tallies {
    pub(super) unmapped: Tally,
    pub(super) otherwise: Tally,
}

impl Row {
    /// The text of a mapped enumerated field (for templates and facts rules).
    pub(super) fn field_text(&self, field: Field) -> &str {
        match field {
            Field::Kind => self.kind.map_or("", |v| v.as_str()),
            Field::OperatedBy => self.operated_by.map_or("", |v| v.as_str()),
            Field::Site => self.site.map_or("", |v| v.as_str()),
            Field::Zone => self.zone.map_or("", |v| v.as_str()),
            _ => "",
        }
    }

    fn set(&mut self, field: Field, value: String) {
        // Targets were checked when the mapping was read; constants and defaults too.
        match field {
            Field::Id => self.id = Some(value),
            Field::Name => self.name = Some(value),
            Field::Kind => self.kind = Kind::parse(&value),
            Field::OperatedBy => self.operated_by = Operator::parse(&value),
            Field::Site => self.site = Site::parse(&value),
            Field::Zone => self.zone = Zone::parse(&value),
            Field::DeclaredScope => self.declared_scope = Scope::parse(&value),
            Field::Subservice => self.subservice = (!value.is_empty()).then_some(value),
            Field::Description => self.description = (!value.is_empty()).then_some(value),
            Field::Owner => self.owner = (!value.is_empty()).then_some(value),
            Field::AccessVia => self.access_via = crate::cells::id_list(&value),
            Field::Fact(fact) => self.fact_cells.push((fact, value == "true")),
        }
    }

    /// The component the row describes, under `id` (a slug), with its required fields.
    pub(super) fn component(
        &mut self,
        id: String,
        (kind, operated_by, site, zone): (Kind, Operator, Site, Zone),
        facts: Facts,
    ) -> Component {
        Component {
            name: self
                .name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.clone()),
            id,
            kind,
            operated_by,
            site,
            zone,
            declared_scope: self.declared_scope,
            facts,
            subservice: self.subservice.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            access_via: std::mem::take(&mut self.access_via),
            telemetry: None,
            time_zone: None,
            assets: Vec::new(),
        }
    }
}

impl Binding<'_> {
    /// Translates one record (on `line` of `path`). `None` when a required value is empty or
    /// unmapped (tallied) or a cell is not UTF-8 (a problem): the row is left out.
    pub(super) fn row(
        &mut self,
        record: &csv::ByteRecord,
        (path, line): (&std::path::Path, u64),
        tallies: &mut Tallies,
        problems: &mut Vec<Problem>,
    ) -> Option<Row> {
        let mut row = Row::default();
        let mut left_out = false;
        for (field, source) in self.fields.iter_mut() {
            let field = *field;
            let value: Option<String> = match source {
                BoundSource::Value(v) => Some(v.to_string()),
                BoundSource::Template(parts) => Some(render(parts, record, &row, line)),
                BoundSource::Column {
                    index,
                    column,
                    translate,
                    default,
                    cache,
                } => {
                    let raw = record.get(*index).unwrap_or_default();
                    let Ok(text) = std::str::from_utf8(raw) else {
                        problems.push(Problem {
                            location: Location {
                                file: path.to_path_buf(),
                                line: Some(line as usize),
                                column: Some(*index + 1),
                                field: Some(column.to_string()),
                            },
                            message: "value is not valid UTF-8; export the inventory as UTF-8"
                                .to_string(),
                        });
                        left_out = true;
                        continue;
                    };
                    if text.is_empty() {
                        match default {
                            Some(d) => Some(d.to_string()),
                            None if matches!(
                                field,
                                Field::Id
                                    | Field::Kind
                                    | Field::OperatedBy
                                    | Field::Site
                                    | Field::Zone
                            ) =>
                            {
                                tallies.unmapped.add(field, column, "", line as u32, None);
                                left_out = true;
                                None
                            }
                            None => None,
                        }
                    } else {
                        let translated = if translate.passes_through(field) {
                            // Names and descriptions: unique per row, nothing to look up.
                            Translated::Mapped(text.to_string())
                        } else if let Some(t) = cache.get(text) {
                            t.clone()
                        } else {
                            let t = translate.apply(field, text);
                            // A vocabulary is small; a column of unique values is not cached.
                            if cache.len() < TRANSLATION_CACHE {
                                cache.insert(text.to_string(), t.clone());
                            }
                            t
                        };
                        match translated {
                            Translated::Mapped(v) => Some(v),
                            Translated::Otherwise(v) => {
                                tallies
                                    .otherwise
                                    .add(field, column, text, line as u32, Some(&v));
                                Some(v)
                            }
                            Translated::Unmapped => {
                                tallies.unmapped.add(field, column, text, line as u32, None);
                                left_out = true;
                                None
                            }
                        }
                    }
                }
            };
            if let Some(value) = value {
                row.set(field, value);
            }
        }
        (!left_out).then_some(row)
    }
}
