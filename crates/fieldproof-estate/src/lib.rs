//! Loading estates: YAML estate files (organisation, service, subservice organisations,
//! responsibility statements, components, and optional CSV inventories) and plain CSV
//! inventories.
//!
//! Every problem names the file, line, column and field and says what to do. Loading checks
//! the estate as a whole ([`fieldproof_core::Estate::check`]) and maps each problem back to the
//! line of the entry it concerns, so a duplicate id in row 48,112 of a CSV says so.

mod cells;
mod csv_inventory;
pub mod error;
mod mapped;
pub mod mapping;
pub mod project_file;
pub mod record;
pub mod status_file;
mod yaml;

pub use csv_inventory::{accepted_columns, OPTIONAL_COLUMNS, REQUIRED_COLUMNS};
pub use error::{check_regular, LoadError, Location, Problem};
use fieldproof_core::estate::Section;
use fieldproof_core::Estate;
pub use mapping::{GroupRule, InventoryReport, InventorySpec, Mapping, Unmapped, UnmappedValue};
use std::path::{Path, PathBuf};

/// Where an entry came from: an index into [`Loaded::files`], line and column (0 = unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    /// Index into `Loaded::files`.
    pub file: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// Origins of every entry, parallel to the estate's lists.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// Parallel to `Estate::components`.
    pub components: Vec<Origin>,
    /// Parallel to `Estate::subservice_organisations`.
    pub subservice_organisations: Vec<Origin>,
    /// Parallel to `Estate::responsibilities`.
    pub responsibilities: Vec<Origin>,
}

/// A loaded and checked estate with the origin of every entry.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The estate.
    pub estate: Estate,
    /// The files read: the estate file first, then inventories.
    pub files: Vec<PathBuf>,
    /// Where each entry came from.
    pub sources: SourceMap,
    /// What reading each CSV inventory did (rows, assets, components, unmapped values).
    pub inventories: Vec<InventoryReport>,
}

/// How to read an estate: the mapping for a CSV inventory given on its own, and what to do with
/// values a mapping cannot translate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The mapping of a CSV inventory (a file or a bundled mapping's name).
    pub map: Option<PathBuf>,
    /// A bundled mapping named for a CSV inventory, never a file: how an upload names a mapping
    /// it did not send. Not together with `map`.
    pub bundled: Option<String>,
    /// Rows with unmapped values: stop (default) or leave them out and report them.
    pub unmapped: Unmapped,
    /// The file stands alone (an upload to the web app): an estate file in it may not name
    /// inventory files, which would be read from the server's disk.
    pub standalone: bool,
}

impl Loaded {
    fn new(file: PathBuf) -> Self {
        Loaded {
            estate: Estate::default(),
            files: vec![file],
            sources: SourceMap::default(),
            inventories: Vec::new(),
        }
    }

    /// The location of entry `index` of `section`, with `field`.
    pub fn location(&self, section: Section, index: usize, field: &str) -> Location {
        let origins = match section {
            Section::Component => &self.sources.components,
            Section::SubserviceOrganisation => &self.sources.subservice_organisations,
            Section::Responsibility => &self.sources.responsibilities,
        };
        let origin = origins.get(index).copied().unwrap_or_default();
        let file = self
            .files
            .get(origin.file as usize)
            .cloned()
            .unwrap_or_default();
        let in_yaml = origin.file == 0 && is_yaml(&self.files[0]);
        Location {
            file,
            line: (origin.line > 0).then_some(origin.line as usize),
            column: (origin.column > 0).then_some(origin.column as usize),
            field: Some(if in_yaml {
                format!("{section}[{index}].{field}")
            } else {
                field.to_string()
            }),
        }
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml")
    )
}

/// Loads and checks the estate at `path` (`.yaml`/`.yml` estate file or `.csv` inventory).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    load_with_progress(path, &mut |_, _| {})
}

/// [`load`], reporting CSV progress as (bytes read, total bytes).
pub fn load_with_progress(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Loaded, LoadError> {
    load_with(path, &LoadOptions::default(), progress)
}

/// Reads one CSV inventory into `loaded` as file `index`: through its mapping and roll-up when
/// `spec` names them, else in fieldproof's own columns.
pub(crate) fn read_inventory(
    loaded: &mut Loaded,
    index: u32,
    path: &Path,
    spec: &InventorySpec,
    unmapped: Unmapped,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), LoadError> {
    let file = std::fs::File::open(path).map_err(|source| LoadError::Read {
        file: path.to_path_buf(),
        reason: source.to_string(),
    })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let before = loaded.estate.components.len();
    if spec.map.is_none() && spec.group.is_none() {
        csv_inventory::read_into(
            path,
            index,
            file,
            total,
            &mut loaded.estate.components,
            &mut loaded.sources.components,
            progress,
        )?;
        let count = loaded.estate.components.len() - before;
        loaded.inventories.push(InventoryReport {
            file: path.display().to_string(),
            mapping: None,
            rows: count,
            assets: count,
            components: count,
            rows_left_out: 0,
            unmapped: Vec::new(),
            caught_by_otherwise: Vec::new(),
        });
        return Ok(());
    }
    let mapping = spec.map.as_deref().map(Mapping::load).transpose()?;
    if let Some(group) = &spec.group {
        mapping::check_group(group).map_err(|message| {
            LoadError::at(
                Location {
                    file: loaded.files[0].clone(),
                    line: None,
                    column: None,
                    field: Some("inventory.group".to_string()),
                },
                message,
            )
        })?;
    }
    let report = mapped::read(
        path,
        index,
        file,
        total,
        mapping.as_ref(),
        spec.group.as_ref(),
        unmapped,
        mapped::Sink {
            components: &mut loaded.estate.components,
            origins: &mut loaded.sources.components,
        },
        progress,
    )?;
    loaded.inventories.push(report);
    Ok(())
}

/// [`load_with_progress`] with options: a mapping for a CSV inventory, the unmapped policy.
pub fn load_with(
    path: &Path,
    options: &LoadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Loaded, LoadError> {
    let read_error = |source: std::io::Error| LoadError::Read {
        file: path.to_path_buf(),
        reason: source.to_string(),
    };
    check_regular(path)?;
    let map = match (&options.map, &options.bundled) {
        (Some(_), Some(_)) => {
            return Err(LoadError::at(
                Location {
                    file: path.to_path_buf(),
                    line: None,
                    column: None,
                    field: Some("map".to_string()),
                },
                "choose a bundled mapping or a mapping file, not both",
            ))
        }
        (None, Some(name)) => Some(PathBuf::from(format!("{}{name}", mapping::BUNDLED_PREFIX))),
        (map, None) => map.clone(),
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let loaded = match extension.as_deref() {
        Some("yaml" | "yml") => {
            let bytes = std::fs::read(path).map_err(read_error)?;
            let text = String::from_utf8(bytes).map_err(|e| {
                LoadError::at(
                    Location {
                        file: path.to_path_buf(),
                        line: None,
                        column: None,
                        field: None,
                    },
                    format!(
                        "the file is not valid UTF-8 (byte {}); save it as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                )
            })?;
            if let Some(map) = &map {
                return Err(LoadError::at(
                    Location {
                        file: path.to_path_buf(),
                        line: None,
                        column: None,
                        field: Some("inventory".to_string()),
                    },
                    format!(
                        "the mapping {} applies to a CSV inventory given on its own; in an estate file, name the mapping in its inventory entry (`inventory: [{{file: assets.csv, map: {}}}]`, see docs/inventory-mappings.md)",
                        map.display(),
                        map.display()
                    ),
                ));
            }
            let loaded = yaml::parse(path, &text, options, progress)?;
            return check(loaded, Some(&text));
        }
        Some("csv") => {
            let mut loaded = Loaded::new(path.to_path_buf());
            let spec = InventorySpec { map, group: None };
            read_inventory(&mut loaded, 0, path, &spec, options.unmapped, progress)?;
            loaded
        }
        _ => {
            return Err(LoadError::UnknownFormat {
                file: path.to_path_buf(),
            });
        }
    };
    check(loaded, None)
}

/// Parses YAML estate text (for tests and tools that hold the text already).
pub fn parse_yaml(path: &Path, text: &str) -> Result<Loaded, LoadError> {
    check(
        yaml::parse(path, text, &LoadOptions::default(), &mut |_, _| {})?,
        Some(text),
    )
}

/// Checks the estate as a whole; `yaml` is the estate file's text, used to point problems in it
/// at the offending field rather than at the start of the entry.
fn check(loaded: Loaded, yaml: Option<&str>) -> Result<Loaded, LoadError> {
    let problems = loaded.estate.check();
    if problems.is_empty() {
        return Ok(loaded);
    }
    let mut problems: Vec<Problem> = problems
        .into_iter()
        .map(|p| {
            let mut location = loaded.location(p.section, p.index, p.field);
            let in_estate_file = location.file == loaded.files[0];
            if let (Some(text), Some(field), true) = (yaml, &location.field, in_estate_file) {
                if let Some(marker) = yaml::locate(text, field, false) {
                    location.line = Some(marker.line());
                    location.column = Some(marker.column());
                }
            }
            Problem {
                location,
                message: p.message,
            }
        })
        .collect();
    problems.sort_by(|a, b| {
        (&a.location.file, a.location.line).cmp(&(&b.location.file, b.location.line))
    });
    Err(LoadError::Invalid { problems })
}

#[cfg(test)]
mod tests;
