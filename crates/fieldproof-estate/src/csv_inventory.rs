//! CSV inventories, as exported by CMDBs and OT asset tools: one component per row, the same
//! fields as the YAML component record. Parsed record by record without serde so that a
//! million-row inventory loads in about a second and every error names line, column and value.

use crate::error::{LoadError, Location, Problem};
use crate::Origin;
use fieldproof_core::{Component, Fact, Facts, Kind, Operator, Scope, Site, Zone};
use std::io::Read;
use std::path::Path;

/// Columns every inventory must have.
pub const REQUIRED_COLUMNS: &[&str] = &["id", "name", "kind", "operated_by", "site", "zone"];
/// Columns an inventory may have besides the facts.
pub const OPTIONAL_COLUMNS: &[&str] = &[
    "declared_scope",
    "subservice",
    "description",
    "owner",
    "access_via",
];

/// Stop collecting after this many row problems: the file is probably the wrong export.
pub(crate) const MAX_PROBLEMS: usize = 50;
/// Report progress every this many rows.
pub(crate) const PROGRESS_EVERY: usize = 1 << 16;

/// A column names a component field or a fact: the same names a mapping's `[columns.FIELD]`
/// uses.
use crate::mapping::Field as Column;

fn column_named(name: &str) -> Option<Column> {
    Column::parse(name)
}

/// Every accepted column name, for error messages and docs.
pub fn accepted_columns() -> Vec<&'static str> {
    REQUIRED_COLUMNS
        .iter()
        .chain(OPTIONAL_COLUMNS)
        .copied()
        .chain(Fact::ALL.iter().map(|f| f.as_str()))
        .collect()
}

/// Reads the inventory at `path` (already opened as `reader`, `total` bytes long), appending
/// components and their origins. `progress` receives (bytes read, total bytes).
pub fn read_into(
    path: &Path,
    file_index: u32,
    reader: impl Read,
    total: u64,
    components: &mut Vec<Component>,
    origins: &mut Vec<Origin>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), LoadError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .buffer_capacity(1 << 20)
        .from_reader(LineCounter::new(reader));
    let at = |line: u64, column: Option<usize>, field: Option<&str>| Location {
        file: path.to_path_buf(),
        line: Some(line as usize),
        column,
        field: field.map(str::to_string),
    };
    let headers = csv.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(LoadError::at(
            at(1, None, None),
            format!(
                "the inventory has no header row; the first line must name the columns, at least: {}",
                REQUIRED_COLUMNS.join(",")
            ),
        ));
    }
    let mut columns = Vec::with_capacity(headers.len());
    let mut problems = Vec::new();
    for (index, raw) in headers.iter().enumerate() {
        let name = String::from_utf8_lossy(raw)
            .trim()
            .trim_start_matches('\u{feff}')
            .to_string();
        match column_named(&name) {
            Some(column) if columns.contains(&column) => problems.push(Problem {
                location: at(1, Some(index + 1), Some(&name)),
                message: "column appears twice in the header; keep one".to_string(),
            }),
            Some(column) => columns.push(column),
            None => problems.push(Problem {
                location: at(1, Some(index + 1), Some(&name)),
                message: format!(
                    "unknown column '{name}' in the header; accepted columns: {} (see docs/estate.md)",
                    accepted_columns().join(", ")
                ),
            }),
        }
    }
    for required in REQUIRED_COLUMNS {
        if !columns.contains(&column_named(required).unwrap_or(Column::Id)) {
            problems.push(Problem {
                location: at(1, None, Some(required)),
                message: format!("required column '{required}' is missing from the header"),
            });
        }
    }
    if !problems.is_empty() {
        return Err(LoadError::Invalid { problems });
    }

    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    loop {
        if !next_record(&mut csv, &mut record, path, &mut problems) {
            break;
        }
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY) {
            progress(record.position().map_or(0, |p| p.byte()), total);
        }
        let line = record
            .position()
            .map_or(0, |p| csv.get_mut().line_of(p.byte()));
        if record.iter().all(|f| f.is_empty()) {
            continue; // blank line or a row of empty cells, as spreadsheets export
        }
        match parse_row(&columns, &record) {
            Ok(component) => {
                components.push(component);
                origins.push(Origin {
                    file: file_index,
                    line: line as u32,
                    column: 0,
                });
            }
            Err((index, message)) => {
                let name = headers
                    .get(index)
                    .map(|h| String::from_utf8_lossy(h).trim().to_string());
                problems.push(Problem {
                    location: at(line, Some(index + 1), name.as_deref()),
                    message,
                });
                if problems.len() >= MAX_PROBLEMS {
                    problems.push(Problem {
                        location: at(line, None, None),
                        message: "too many problems; stopped reading (is this the right export?)"
                            .to_string(),
                    });
                    break;
                }
            }
        }
    }
    progress(total, total);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(LoadError::Invalid { problems })
    }
}

/// Counts the line endings passing through, so that a record's line is known from its byte
/// offset.
///
/// The csv crate reports the position of a record that follows a CRLF line ending at that
/// ending (or at a blank line before the record), so its line numbers run short in CRLF files.
/// Here the line of a record reported at byte `B` is 1 + the newlines before its first byte,
/// skipping the run of `\r`/`\n` that starts at `B`: exact for LF, CRLF, mixed endings, blank
/// lines and quoted fields that span lines.
pub(crate) struct LineCounter<R> {
    inner: R,
    offset: u64,
    /// Positions of `\r` and `\n` bytes read ahead of the last query, with the byte.
    pending: std::collections::VecDeque<(u64, u8)>,
    /// Newlines before the last query's record.
    counted: u64,
}

impl<R> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineCounter {
            inner,
            offset: 0,
            pending: std::collections::VecDeque::new(),
            counted: 0,
        }
    }

    /// The 1-based line of the record reported at byte `byte` (queries must not go back).
    pub(crate) fn line_of(&mut self, byte: u64) -> u64 {
        let mut start = byte;
        while let Some(&(position, b)) = self.pending.front() {
            if position > start {
                break;
            }
            if position == start {
                start += 1; // a line ending at the reported start: the record begins after it
            }
            if b == b'\n' {
                self.counted += 1;
            }
            self.pending.pop_front();
        }
        self.counted + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let base = self.offset;
        self.pending.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(**b, b'\n' | b'\r'))
                .map(|(i, b)| (base + i as u64, *b)),
        );
        self.offset += n as u64;
        Ok(n)
    }
}

type RowError = (usize, String);

fn parse_row(columns: &[Column], record: &csv::ByteRecord) -> Result<Component, RowError> {
    let mut component = Component {
        id: String::new(),
        name: String::new(),
        kind: Kind::CloudService,
        operated_by: Operator::Us,
        site: Site::OurCloud,
        zone: Zone::Cloud,
        declared_scope: None,
        facts: Facts::NONE,
        subservice: None,
        description: None,
        owner: None,
        access_via: Vec::new(),
        telemetry: None,
        time_zone: None,
        assets: Vec::new(),
    };
    for (index, (column, raw)) in columns.iter().zip(record.iter()).enumerate() {
        let text = std::str::from_utf8(raw).map_err(|_| {
            (
                index,
                "value is not valid UTF-8; export the inventory as UTF-8".to_string(),
            )
        })?;
        let closed = |expected: String| -> RowError {
            if text.is_empty() {
                (
                    index,
                    format!("value is empty; expected one of: {expected}"),
                )
            } else {
                (
                    index,
                    format!("unknown value '{text}'; expected one of: {expected}"),
                )
            }
        };
        match column {
            Column::Id if text.is_empty() => {
                return Err((
                    index,
                    "id is empty; every component needs a unique id".into(),
                ))
            }
            Column::Id => component.id = text.to_string(),
            Column::Name => component.name = text.to_string(),
            Column::Kind => {
                component.kind = Kind::parse(text).ok_or_else(|| closed(Kind::expected()))?
            }
            Column::OperatedBy => {
                component.operated_by =
                    Operator::parse(text).ok_or_else(|| closed(Operator::expected()))?
            }
            Column::Site => {
                component.site = Site::parse(text).ok_or_else(|| closed(Site::expected()))?
            }
            Column::Zone => {
                component.zone = Zone::parse(text).ok_or_else(|| closed(Zone::expected()))?
            }
            Column::DeclaredScope if text.is_empty() => {}
            Column::DeclaredScope => {
                component.declared_scope =
                    Some(Scope::parse(text).ok_or_else(|| closed(Scope::expected()))?)
            }
            Column::Subservice => component.subservice = non_empty(text),
            Column::Description => component.description = non_empty(text),
            Column::Owner => component.owner = non_empty(text),
            Column::AccessVia => component.access_via = crate::cells::id_list(text),
            Column::Fact(fact) => {
                let value = crate::cells::parse_bool(text).ok_or_else(|| {
                    (index, format!("'{text}' is not a yes/no value; use true/false, yes/no or 1/0 (empty means false)"))
                })?;
                component.facts = component.facts.with(*fact, value);
            }
        }
    }
    Ok(component)
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// Reads the next record into `record`: false at the end of the file, or after a malformed
/// record, which is added to `problems` with its line.
pub(crate) fn next_record<R: Read>(
    csv: &mut csv::Reader<LineCounter<R>>,
    record: &mut csv::ByteRecord,
    path: &Path,
    problems: &mut Vec<Problem>,
) -> bool {
    match csv.read_byte_record(record) {
        Ok(more) => more,
        Err(e) => {
            let line = e.position().map(|p| csv.get_mut().line_of(p.byte()));
            problems.push(csv_problem(path, e, line));
            false
        }
    }
}

pub(crate) fn csv_problem(path: &Path, error: csv::Error, line: Option<u64>) -> Problem {
    let line = line.map(|l| l as usize);
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "row has {len} fields but the header has {expected_len}; check for an unquoted comma or a missing cell"
        ),
        csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
        _ => format!("invalid CSV: {error}"),
    };
    Problem {
        location: Location {
            file: path.to_path_buf(),
            line,
            column: None,
            field: None,
        },
        message,
    }
}

pub(crate) fn csv_error(path: &Path, error: csv::Error) -> LoadError {
    LoadError::Invalid {
        problems: vec![csv_problem(path, error, Some(1))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Component>, LoadError> {
        let mut components = Vec::new();
        let mut origins = Vec::new();
        read_into(
            Path::new("inv.csv"),
            0,
            text.as_bytes(),
            text.len() as u64,
            &mut components,
            &mut origins,
            &mut |_, _| {},
        )?;
        assert_eq!(components.len(), origins.len());
        Ok(components)
    }

    #[test]
    fn reads_rows_with_spreadsheet_booleans() {
        let components = read(
            "id,name,kind,operated_by,site,zone,affects_availability,managed_service\n\
             bms-1,BMS,bms,us,our_facility,ot,Yes,\n\
             ,,,,,,,\n\
             gw-1,\"Gateway, east\",edge_gateway,customer,customer_site,field,0,TRUE\n",
        )
        .unwrap_or_default();
        assert_eq!(components.len(), 2);
        assert!(components[0].has(Fact::AffectsAvailability));
        assert_eq!(components[1].name, "Gateway, east");
        assert!(components[1].has(Fact::ManagedService));
    }

    #[test]
    fn wrong_header_names_the_column() {
        let err = read("id,name,kind,operated,site,zone\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("inv.csv:1:4: field `operated`: unknown column 'operated'"),
            "{err}"
        );
        assert!(
            err.contains("required column 'operated_by' is missing"),
            "{err}"
        );
    }

    #[test]
    fn bad_value_names_line_column_and_value() {
        let err = read("id,name,kind,operated_by,site,zone\nx,X,bms,us,our_facility,ot\ny,Y,bmss,us,our_facility,ot\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with(
                "inv.csv:3:3: field `kind`: unknown value 'bmss'; expected one of: cloud_service"
            ),
            "{err}"
        );
    }

    #[test]
    fn ragged_row_is_reported_with_its_line() {
        let err = read("id,name,kind,operated_by,site,zone\nx,X,bms,us\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("inv.csv:2: row has 4 fields but the header has 6"),
            "{err}"
        );
    }
}
