//! Reads an inventory through a mapping, row by row, into components, or into assets rolled
//! up into components. Translations are cached per distinct source value, so a million rows
//! with a few hundred distinct types cost a few hash lookups each.

use crate::csv_inventory::{csv_error, next_record, LineCounter, MAX_PROBLEMS, PROGRESS_EVERY};
use crate::error::{LoadError, Location, Problem};
use crate::mapping::{
    Field, GroupRule, InventoryReport, Mapping, Part, Source, Tally, Translate, Translated,
    Unmapped,
};
use crate::Origin;
use fieldproof_core::rollup::RollUp;
use fieldproof_core::{Component, Facts, Kind, Operator, Scope, Site, Zone};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// A template or condition part bound to the header.
#[derive(Debug, Clone)]
enum Bound {
    Text(String),
    Column(usize),
    Field(Field),
    Row,
}

#[derive(Debug)]
enum BoundSource<'m> {
    Column {
        index: usize,
        column: &'m str,
        translate: &'m Translate,
        default: Option<&'m str>,
        cache: HashMap<String, Translated>,
    },
    Value(&'m str),
    Template(Vec<Bound>),
}

/// A facts rule bound to the header: its conditions and the facts it sets.
type BoundRule<'m> = (
    Vec<(Bound, &'m Vec<String>)>,
    &'m Vec<fieldproof_core::Fact>,
);

/// Where the inventory is read to.
pub(crate) struct Sink<'a> {
    pub components: &'a mut Vec<Component>,
    pub origins: &'a mut Vec<Origin>,
}

/// The values of one row, as the mapping translates them.
#[derive(Debug, Default)]
struct Row {
    id: Option<String>,
    name: Option<String>,
    kind: Option<Kind>,
    operated_by: Option<Operator>,
    site: Option<Site>,
    zone: Option<Zone>,
    declared_scope: Option<Scope>,
    subservice: Option<String>,
    description: Option<String>,
    owner: Option<String>,
    access_via: Vec<String>,
    fact_cells: Vec<(fieldproof_core::Fact, bool)>,
}

impl Row {
    fn field_text(&self, field: Field) -> &str {
        match field {
            Field::Kind => self.kind.map_or("", |v| v.as_str()),
            Field::OperatedBy => self.operated_by.map_or("", |v| v.as_str()),
            Field::Site => self.site.map_or("", |v| v.as_str()),
            Field::Zone => self.zone.map_or("", |v| v.as_str()),
            _ => "",
        }
    }
}

/// Makes `text` a valid id: characters other than letters, digits and `-_.:/` become `-`,
/// runs of `-` collapse, and leading or trailing `-` go.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/');
        let c = if keep { c } else { '-' };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('-').chars().take(128).collect()
}

fn render(parts: &[Bound], record: &csv::ByteRecord, row: &Row, line: u64) -> String {
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

/// Distinct values of one column whose translation is remembered.
const TRANSLATION_CACHE: usize = 4096;

/// Reads the inventory at `path` through `mapping` (none: fieldproof's own columns, for a
/// roll-up), rolling assets up when `group` is given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read(
    path: &Path,
    file_index: u32,
    reader: impl Read,
    total: u64,
    mapping: Option<&Mapping>,
    group: Option<&GroupRule>,
    policy: Unmapped,
    sink: Sink<'_>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<InventoryReport, LoadError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .buffer_capacity(1 << 20)
        .from_reader(LineCounter::new(reader));
    let at = |line: Option<u64>, column: Option<usize>, field: Option<&str>| Location {
        file: path.to_path_buf(),
        line: line.map(|l| l as usize),
        column,
        field: field.map(str::to_string),
    };
    let headers: Vec<String> = csv
        .byte_headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(LoadError::at(
            at(Some(1), None, None),
            "the inventory has no header row; the first line must name the columns",
        ));
    }
    let canonical;
    let mapping = match mapping {
        Some(m) => m,
        None => {
            canonical = Mapping::canonical(&headers);
            for required in crate::REQUIRED_COLUMNS {
                if !headers.iter().any(|h| h == required) {
                    return Err(LoadError::at(
                        at(Some(1), None, Some(required)),
                        format!("required column '{required}' is missing from the header"),
                    ));
                }
            }
            &canonical
        }
    };
    let group = group.or(mapping.group.as_ref());

    // Bind the mapping to the header.
    let mut problems = Vec::new();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
    };
    let missing = |name: &str, what: String| -> String {
        format!(
            "{what} names the column '{name}', which is not in the header of {}; its columns are: {}",
            path.display(),
            headers.join(", ")
        )
    };
    let bind_parts = |parts: &[Part],
                      what: &str,
                      problems: &mut Vec<Problem>,
                      offset: usize,
                      key: &str|
     -> Vec<Bound> {
        parts
            .iter()
            .map(|part| match part {
                Part::Text(t) => Bound::Text(t.clone()),
                Part::Field(f) => Bound::Field(*f),
                Part::Row => Bound::Row,
                Part::Column(name) => match find(name) {
                    Some(index) => Bound::Column(index),
                    None => {
                        problems.push(Problem {
                            location: mapping.location(offset, key.to_string()),
                            message: missing(name, what.to_string()),
                        });
                        Bound::Text(String::new())
                    }
                },
            })
            .collect()
    };
    let mut fields: Vec<(Field, BoundSource<'_>)> = Vec::new();
    for (field, (source, offset)) in &mapping.fields {
        let key = format!("columns.{}", field.as_str());
        let bound = match source {
            Source::Value(v) => BoundSource::Value(v),
            Source::Template(parts) => BoundSource::Template(bind_parts(
                parts,
                &format!("[{key}] template"),
                &mut problems,
                *offset,
                &key,
            )),
            Source::Column {
                column,
                translate,
                default,
            } => match find(column) {
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
                        message: missing(column, format!("[{key}] from")),
                    });
                    continue;
                }
            },
        };
        fields.push((*field, bound));
    }
    // Templates run last: they may use the mapped kind, operator, site and zone.
    fields.sort_by_key(|(_, s)| matches!(s, BoundSource::Template(_)));
    let rules: Vec<BoundRule<'_>> = mapping
        .rules
        .iter()
        .map(|rule| {
            let when = rule
                .when
                .iter()
                .map(|(part, values)| {
                    let bound = match part {
                        Part::Column(name) => match find(name) {
                            Some(index) => Bound::Column(index),
                            None => {
                                problems.push(Problem {
                                    location: Location {
                                        file: mapping.file.clone(),
                                        line: None,
                                        column: None,
                                        field: Some("facts".to_string()),
                                    },
                                    message: missing(name, "a [[facts]] rule".to_string()),
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
        let by: Vec<Bound> =
            g.by.iter()
                .map(|name| {
                    let part = crate::mapping::placeholder(name).unwrap_or(Part::Row);
                    bind_parts(&[part], "[group] by", &mut problems, 0, "group.by")
                        .pop()
                        .unwrap_or(Bound::Row)
                })
                .collect();
        let template = |t: &Option<String>, what: &str, problems: &mut Vec<Problem>| {
            t.as_deref()
                .and_then(|t| crate::mapping::parse_template(t).ok())
                .map(|parts| bind_parts(&parts, what, problems, 0, "group"))
        };
        let id = template(&g.id, "[group] id", &mut problems);
        let name = template(&g.name, "[group] name", &mut problems);
        let description = template(&g.description, "[group] description", &mut problems);
        (by, id, name, description)
    });
    if !problems.is_empty() {
        return Err(LoadError::Invalid { problems });
    }

    let mut report = InventoryReport {
        file: path.display().to_string(),
        mapping: (mapping.origin != "fieldproof columns").then(|| mapping.origin.clone()),
        rows: 0,
        assets: 0,
        components: 0,
        rows_left_out: 0,
        unmapped: Vec::new(),
        caught_by_otherwise: Vec::new(),
    };
    let mut unmapped = Tally::default();
    let mut otherwise = Tally::default();
    let mut rollup = RollUp::new();
    let mut group_lines: HashMap<String, u32> = HashMap::new();
    let mut asset_lines: HashMap<String, u32> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let Sink {
        components,
        origins,
    } = sink;
    loop {
        if !next_record(&mut csv, &mut record, path, &mut problems) {
            break;
        }
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        report.rows += 1;
        if report.rows.is_multiple_of(PROGRESS_EVERY) {
            progress(record.position().map_or(0, |p| p.byte()), total);
        }
        let line = record
            .position()
            .map_or(0, |p| csv.get_mut().line_of(p.byte()));
        let mut row = Row::default();
        let mut left_out = false;
        for (field, source) in fields.iter_mut() {
            let field = *field;
            let value: Option<String> = match source {
                BoundSource::Value(v) => Some(v.to_string()),
                BoundSource::Template(parts) => Some(render(parts, &record, &row, line)),
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
                            location: at(Some(line), Some(*index + 1), Some(column)),
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
                                unmapped.add(field, column, "", line as u32, None);
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
                                otherwise.add(field, column, text, line as u32, Some(&v));
                                Some(v)
                            }
                            Translated::Unmapped => {
                                unmapped.add(field, column, text, line as u32, None);
                                left_out = true;
                                None
                            }
                        }
                    }
                }
            };
            let Some(value) = value else { continue };
            // Targets were checked when the mapping was read; constants and defaults too.
            match field {
                Field::Id => row.id = Some(value),
                Field::Name => row.name = Some(value),
                Field::Kind => row.kind = Kind::parse(&value),
                Field::OperatedBy => row.operated_by = Operator::parse(&value),
                Field::Site => row.site = Site::parse(&value),
                Field::Zone => row.zone = Zone::parse(&value),
                Field::DeclaredScope => row.declared_scope = Scope::parse(&value),
                Field::Subservice => row.subservice = (!value.is_empty()).then_some(value),
                Field::Description => row.description = (!value.is_empty()).then_some(value),
                Field::Owner => row.owner = (!value.is_empty()).then_some(value),
                Field::AccessVia => {
                    row.access_via = value
                        .split([';', ','])
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                Field::Fact(fact) => row.fact_cells.push((fact, value == "true")),
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        if left_out {
            report.rows_left_out += 1;
            continue;
        }
        let (Some(kind), Some(operated_by), Some(site), Some(zone)) =
            (row.kind, row.operated_by, row.site, row.zone)
        else {
            report.rows_left_out += 1;
            continue;
        };
        let mut facts = Facts::NONE;
        for (when, set) in &rules {
            let holds = when.iter().all(|(part, values)| match part {
                Bound::Field(f) => values.iter().any(|v| v == row.field_text(*f)),
                Bound::Column(index) => {
                    let text = std::str::from_utf8(record.get(*index).unwrap_or_default())
                        .unwrap_or_default();
                    // The rule's values are lower case.
                    if text.is_ascii() {
                        values.iter().any(|v| v.eq_ignore_ascii_case(text))
                    } else {
                        values.contains(&text.to_lowercase())
                    }
                }
                _ => false,
            });
            if holds {
                for fact in set.iter() {
                    facts = facts.with(*fact, true);
                }
            }
        }
        for (fact, value) in &row.fact_cells {
            facts = facts.with(*fact, *value);
        }
        let id = slug(row.id.as_deref().unwrap_or_default());
        if id.is_empty() {
            unmapped.add(Field::Id, "id", "", line as u32, None);
            report.rows_left_out += 1;
            continue;
        }
        let component = Component {
            name: row
                .name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.clone()),
            id,
            kind,
            operated_by,
            site,
            zone,
            declared_scope: row.declared_scope,
            facts,
            subservice: row.subservice.clone(),
            description: row.description.clone(),
            owner: row.owner.clone(),
            access_via: std::mem::take(&mut row.access_via),
            telemetry: None,
            time_zone: None,
            assets: Vec::new(),
        };
        report.assets += 1;
        match &grouping {
            None => {
                components.push(component);
                origins.push(Origin {
                    file: file_index,
                    line: line as u32,
                    column: 0,
                });
            }
            Some((by, id_template, name_template, description_template)) => {
                if let Some(first) = asset_lines.insert(component.id.clone(), line as u32) {
                    problems.push(Problem {
                        location: at(Some(line), None, Some("id")),
                        message: format!(
                            "asset id '{}' appears twice (first on line {first}); asset ids must be unique: map `id` from a unique column or a template",
                            component.id
                        ),
                    });
                    continue;
                }
                // The group's values, joined: only needed where a template is not given.
                let values = |separator: &str| -> String {
                    by.iter()
                        .map(|part| render(std::slice::from_ref(part), &record, &row, line))
                        .collect::<Vec<_>>()
                        .join(separator)
                };
                let group_id = slug(&match id_template {
                    Some(parts) => render(parts, &record, &row, line),
                    None => values("-"),
                });
                let group_id = if group_id.is_empty() {
                    "unnamed-group".to_string()
                } else {
                    group_id
                };
                if !group_lines.contains_key(&group_id) {
                    group_lines.insert(group_id.clone(), line as u32);
                }
                let name = || {
                    let name = match name_template {
                        Some(parts) => render(parts, &record, &row, line),
                        None => values(" / "),
                    };
                    let description = description_template
                        .as_ref()
                        .map(|parts| render(parts, &record, &row, line));
                    (name, description)
                };
                if let Err(message) = rollup.push(&group_id, name, component) {
                    problems.push(Problem {
                        location: at(Some(line), None, Some("subservice")),
                        message,
                    });
                }
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    progress(total, total);
    if policy == Unmapped::Error && !unmapped.is_empty() {
        let values = unmapped.into_values();
        for value in &values {
            problems.push(Problem {
                location: Location {
                    file: path.to_path_buf(),
                    line: value.lines.first().map(|l| *l as usize),
                    column: None,
                    field: Some(value.column.clone()),
                },
                message: unmapped_message(value, &mapping.origin),
            });
        }
        problems.sort_by_key(|p| p.location.line);
        return Err(LoadError::Invalid { problems });
    }
    if !problems.is_empty() {
        return Err(LoadError::Invalid { problems });
    }
    report.unmapped = unmapped.into_values();
    report.caught_by_otherwise = otherwise.into_values();
    if grouping.is_some() {
        let rolled = rollup.finish();
        report.components = rolled.len();
        for component in rolled {
            let line = group_lines.get(&component.id).copied().unwrap_or(0);
            components.push(component);
            origins.push(Origin {
                file: file_index,
                line,
                column: 0,
            });
        }
    } else {
        report.components = report.assets;
    }
    Ok(report)
}

/// The message for a value no rule translates.
pub(crate) fn unmapped_message(value: &crate::mapping::UnmappedValue, mapping: &str) -> String {
    let lines: Vec<String> = value.lines.iter().map(u32::to_string).collect();
    let more = if value.count > value.lines.len() {
        ", ..."
    } else {
        ""
    };
    let what = if value.value.is_empty() {
        format!("column '{}' is empty", value.column)
    } else {
        format!("value '{}' of column '{}'", value.value, value.column)
    };
    format!(
        "{what} is not mapped to {} in {rows} row{s} (lines {}{more}); add it to [columns.{}] `values` or `patterns` in {mapping}, give a `default` or `otherwise`, or use --unmapped report to leave these rows out",
        value.field,
        lines.join(", "),
        value.field,
        rows = value.count,
        s = if value.count == 1 { "" } else { "s" },
    )
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_keep_safe_characters_only() {
        assert_eq!(slug("Line 1 / PLC #3"), "Line-1-/-PLC-3");
        assert_eq!(slug("  plc_01.a "), "plc_01.a");
        assert_eq!(slug("Ärger"), "rger");
    }
}
