//! Reads an inventory through a mapping, row by row, into components, or into assets rolled
//! up into components. Translations are cached per distinct source value, so a million rows
//! with a few hundred distinct types cost a few hash lookups each.
//!
//! The mapping is first bound to the file's header ([`columns`]); each row's cells are then
//! translated ([`values`]), given their facts ([`facts`]) and placed in the estate or rolled up
//! into a group ([`rollup`]).

mod columns;
mod facts;
mod rollup;
mod values;

use crate::csv_inventory::{csv_error, next_record, LineCounter, MAX_PROBLEMS, PROGRESS_EVERY};
use crate::error::{LoadError, Location, Problem};
use crate::mapping::{Field, GroupRule, InventoryReport, Mapping, Unmapped};
use crate::Origin;
use columns::Binding;
use fieldproof_core::Component;
use rollup::{Assets, Placed};
use std::io::Read;
use std::path::Path;
use values::Tallies;

/// Where the inventory is read to.
pub(crate) struct Sink<'a> {
    pub components: &'a mut Vec<Component>,
    pub origins: &'a mut Vec<Origin>,
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

/// Reads the header row: names trimmed, a byte-order mark dropped.
fn header_row<R: Read>(csv: &mut csv::Reader<R>, path: &Path) -> Result<Vec<String>, LoadError> {
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
            Location {
                file: path.to_path_buf(),
                line: Some(1),
                column: None,
                field: None,
            },
            "the inventory has no header row; the first line must name the columns",
        ));
    }
    Ok(headers)
}

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
    let headers = header_row(&mut csv, path)?;
    let canonical;
    let mapping = match mapping {
        Some(m) => m,
        None => {
            canonical = Mapping::canonical(&headers);
            for required in crate::REQUIRED_COLUMNS {
                if !headers.iter().any(|h| h == required) {
                    return Err(LoadError::at(
                        Location {
                            file: path.to_path_buf(),
                            line: Some(1),
                            column: None,
                            field: Some(required.to_string()),
                        },
                        format!("required column '{required}' is missing from the header"),
                    ));
                }
            }
            &canonical
        }
    };
    let mut binding = Binding::bind(path, &headers, mapping, group.or(mapping.group.as_ref()))?;

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
    let mut problems = Vec::new();
    let mut tallies = Tallies::default();
    let mut assets = Assets::new(sink, file_index, binding.grouping.take());
    let mut record = csv::ByteRecord::new();
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
        let row = binding.row(&record, (path, line), &mut tallies, &mut problems);
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let Some(mut row) = row else {
            report.rows_left_out += 1;
            continue;
        };
        let (Some(kind), Some(operated_by), Some(site), Some(zone)) =
            (row.kind, row.operated_by, row.site, row.zone)
        else {
            report.rows_left_out += 1;
            continue;
        };
        let facts = binding.facts(&row, &record);
        let id = slug(row.id.as_deref().unwrap_or_default());
        if id.is_empty() {
            tallies.unmapped.add(Field::Id, "id", "", line as u32, None);
            report.rows_left_out += 1;
            continue;
        }
        let component = row.component(id, (kind, operated_by, site, zone), facts);
        report.assets += 1;
        let at = Placed {
            record: &record,
            row: &row,
            path,
            line,
        };
        assets.push(component, at, &mut problems);
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    progress(total, total);
    if policy == Unmapped::Error && !tallies.unmapped.is_empty() {
        let values = tallies.unmapped.into_values();
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
    report.unmapped = tallies.unmapped.into_values();
    report.caught_by_otherwise = tallies.otherwise.into_values();
    report.components = assets.finish().unwrap_or(report.assets);
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
        "{what} is not mapped to {} in {rows} row{s} (lines {}{more}); add it to [columns.{}] `values` or `patterns` in {mapping}, give a `default` or `otherwise`, or set `unmapped` to `report` to leave these rows out and list them",
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
