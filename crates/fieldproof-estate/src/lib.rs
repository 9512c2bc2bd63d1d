//! Loading estates: YAML estate files (organisation, service, subservice organisations,
//! responsibility statements, components, and optional CSV inventories) and plain CSV
//! inventories.
//!
//! Every problem names the file, line, column and field and says what to do. Loading checks
//! the estate as a whole ([`fieldproof_core::Estate::check`]) and maps each problem back to the
//! line of the entry it concerns, so a duplicate id in row 48,112 of a CSV says so.

mod csv_inventory;
pub mod error;
pub mod project_file;
pub mod record;
pub mod status_file;
mod yaml;

pub use csv_inventory::{accepted_columns, OPTIONAL_COLUMNS, REQUIRED_COLUMNS};
pub use error::{check_regular, LoadError, Location, Problem};
use fieldproof_core::estate::Section;
use fieldproof_core::Estate;
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
}

impl Loaded {
    fn new(file: PathBuf) -> Self {
        Loaded {
            estate: Estate::default(),
            files: vec![file],
            sources: SourceMap::default(),
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
    let read_error = |source: std::io::Error| LoadError::Read {
        file: path.to_path_buf(),
        reason: source.to_string(),
    };
    check_regular(path)?;
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
            let loaded = yaml::parse(path, &text, progress)?;
            return check(loaded, Some(&text));
        }
        Some("csv") => {
            let file = std::fs::File::open(path).map_err(read_error)?;
            let total = file.metadata().map(|m| m.len()).unwrap_or(0);
            let mut loaded = Loaded::new(path.to_path_buf());
            csv_inventory::read_into(
                path,
                0,
                file,
                total,
                &mut loaded.estate.components,
                &mut loaded.sources.components,
                progress,
            )?;
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
    check(yaml::parse(path, text, &mut |_, _| {})?, Some(text))
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
