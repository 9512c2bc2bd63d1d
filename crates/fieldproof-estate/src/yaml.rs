//! YAML estate files. Parsed with `marked_yaml` so that every entry keeps its line and column,
//! which lets cross-entry problems (duplicate ids, unknown references) point at the right line.

use crate::error::{LoadError, Location, Problem};
use crate::mapping::{GroupRule, InventorySpec};
use crate::record::ComponentRecord;
use crate::{Loaded, Origin};
use fieldproof_core::estate::{Estate, ResponsibilityStatement, SubserviceOrganisation};
use marked_yaml::{FromYamlError, LoaderOptions, Marker, Spanned};
use serde::Deserialize;
use std::path::Path;

/// The top level of an estate file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EstateDocument {
    organisation: String,
    service: String,
    #[serde(default)]
    time_zone: Option<Spanned<String>>,
    #[serde(default)]
    inventory: Vec<Spanned<InventoryEntry>>,
    #[serde(default)]
    subservice_organisations: Vec<Spanned<SubserviceOrganisation>>,
    #[serde(default)]
    responsibilities: Vec<Spanned<ResponsibilityStatement>>,
    #[serde(default)]
    components: Vec<Spanned<ComponentRecord>>,
}

/// An `inventory:` entry: a CSV path, or the path with its mapping and roll-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum InventoryEntry {
    Path(String),
    Mapped(MappedInventory),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappedInventory {
    file: String,
    #[serde(default)]
    map: Option<String>,
    #[serde(default)]
    group: Option<GroupRule>,
}

fn origin_of<T>(spanned: &Spanned<T>, file: u32) -> Origin {
    let start = spanned.span().start();
    Origin {
        file,
        line: start.map_or(0, |m| m.line() as u32),
        column: start.map_or(0, |m| m.column() as u32),
    }
}

/// Parses an estate from YAML text; `path` names it in errors and anchors relative inventory paths.
pub fn parse(
    path: &Path,
    text: &str,
    load: &crate::LoadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Loaded, LoadError> {
    let unmapped = load.unmapped;
    // A byte order mark is invisible in editors and harmless: accept it, as CSV does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_text(path, text)?;
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let document: EstateDocument = marked_yaml::from_yaml_with_options(0, text, options)
        .map_err(|e| yaml_error(path, text, e))?;
    let mut loaded = Loaded::new(path.to_path_buf());
    let file = 0;
    if let Some(zone) = &document.time_zone {
        if let Err(message) = fieldproof_core::estate::check_time_zone(zone) {
            let start = zone.span().start();
            return Err(LoadError::at(
                Location {
                    file: path.to_path_buf(),
                    line: start.map(|m| m.line()),
                    column: start.map(|m| m.column()),
                    field: Some("time_zone".to_string()),
                },
                message,
            ));
        }
    }
    let mut estate = Estate {
        time_zone: document.time_zone.as_ref().map(|z| (**z).clone()),
        organisation: document.organisation,
        service: document.service,
        ..Estate::default()
    };
    for org in document.subservice_organisations {
        loaded
            .sources
            .subservice_organisations
            .push(origin_of(&org, file));
        estate.subservice_organisations.push((*org).clone());
    }
    for statement in document.responsibilities {
        loaded
            .sources
            .responsibilities
            .push(origin_of(&statement, file));
        estate.responsibilities.push((*statement).clone());
    }
    for record in document.components {
        loaded.sources.components.push(origin_of(&record, file));
        estate.components.push((*record).clone().into_component());
    }
    loaded.estate = estate;
    let base = path.parent().unwrap_or(Path::new("."));
    for inventory in &document.inventory {
        let (file, spec) = match &**inventory {
            InventoryEntry::Path(file) => (file.clone(), InventorySpec::default()),
            InventoryEntry::Mapped(entry) => (
                entry.file.clone(),
                InventorySpec {
                    // A mapping file beside the estate, else a bundled mapping's name.
                    map: entry.map.as_ref().map(|m| {
                        let beside = base.join(m);
                        if beside.exists() {
                            beside
                        } else {
                            Path::new(m).to_path_buf()
                        }
                    }),
                    group: entry.group.clone(),
                },
            ),
        };
        let csv_path = base.join(&file);
        let index = loaded.files.len() as u32;
        loaded.files.push(csv_path.clone());
        let start = inventory.span().start();
        let entry_location = || Location {
            file: path.to_path_buf(),
            line: start.map(|m| m.line()),
            column: start.map(|m| m.column()),
            field: Some("inventory".to_string()),
        };
        if load.standalone {
            return Err(LoadError::at(
                entry_location(),
                format!(
                    "an uploaded estate file cannot name inventory files ('{file}' is not part of the upload); \
                     upload the CSV inventory itself, with its mapping, or apply the estate from the command line"
                ),
            ));
        }
        if let Err(source) = std::fs::metadata(&csv_path) {
            return Err(LoadError::at(
                entry_location(),
                format!("cannot open inventory '{}': {source}", csv_path.display()),
            ));
        }
        crate::error::check_regular(&csv_path)?;
        crate::read_inventory(&mut loaded, index, &csv_path, &spec, unmapped, progress)?;
    }
    Ok(loaded)
}

/// Problems the YAML parser would misreport: a NUL byte (a binary or UTF-16 file, reported by
/// the parser as a missing field) and a second document after `---` (silently ignored by it).
pub(crate) fn check_text(path: &Path, text: &str) -> Result<(), LoadError> {
    let at = |offset: usize, message: String| {
        let (line, column) = fieldproof_core::location::line_column(text, offset);
        LoadError::at(
            Location {
                file: path.to_path_buf(),
                line: Some(line),
                column: Some(column),
                field: None,
            },
            message,
        )
    };
    if let Some(offset) = text.find('\0') {
        return Err(at(
            offset,
            "the file contains a NUL byte: it is binary, or saved as UTF-16; save the estate as UTF-8 text".to_string(),
        ));
    }
    let mut content_seen = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let marker = trimmed == "---"
            || trimmed.starts_with("--- ")
            || trimmed.starts_with("---\t")
            || trimmed == "...";
        if marker && (content_seen || trimmed == "...") {
            let rest = &text[offset + line.len()..];
            let more = rest
                .lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
            if more {
                return Err(at(
                    offset,
                    "a second YAML document starts here; an estate file holds exactly one document (organisation, service, components ...): put other estates in their own files".to_string(),
                ));
            }
        }
        let body = trimmed.trim_start();
        if !marker && !body.is_empty() && !body.starts_with('#') && !body.starts_with('%') {
            content_seen = true;
        }
        offset += line.len();
    }
    Ok(())
}

pub(crate) fn yaml_error(path: &Path, text: &str, error: FromYamlError) -> LoadError {
    let (marker, field, message) = match error {
        FromYamlError::ParseYaml(e) => {
            let marker = load_error_marker(&e);
            (marker, None, yaml_syntax_message(&e))
        }
        FromYamlError::FromNode(e) => {
            let field = e
                .path()
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_string);
            let unknown_field = matches!(&*e, marked_yaml::Error::UnknownFieldError(..));
            // marked_yaml marks the enclosing mapping; walk the path to the field itself.
            let marker = field
                .as_deref()
                .and_then(|path| locate(text, path, unknown_field))
                .or_else(|| e.start_mark());
            (marker, field, serde_message(&e.into_inner().to_string()))
        }
    };
    // marked_yaml reports an empty document as a bad top level at 0:0.
    let message = if text.trim().is_empty() {
        "the file is empty; an estate needs at least `organisation`, `service` and `components`"
            .to_string()
    } else {
        message
    };
    LoadError::Invalid {
        problems: vec![Problem {
            location: Location {
                file: path.to_path_buf(),
                line: marker.map(|m| m.line()).filter(|l| *l > 0),
                column: marker
                    .map(|m| m.column())
                    .filter(|_| marker.is_some_and(|m| m.line() > 0)),
                field,
            },
            message,
        }],
    }
}

/// The position of `path` (`components[2].kind`) in the document: the key when `at_key`
/// (an unknown field), else the value.
pub(crate) fn locate(text: &str, path: &str, at_key: bool) -> Option<Marker> {
    let mut node = marked_yaml::parse_yaml(0, text).ok()?;
    let mut found = *node.span().start()?;
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        if !name.is_empty() {
            let mapping = node.as_mapping()?;
            let (key, value) = mapping.iter().find(|(k, _)| k.as_str() == name)?;
            found = *(if at_key { key.span() } else { value.span() })
                .start()
                .unwrap_or(&found);
            node = value.clone();
        }
        if let Some(index) = index {
            let item = node.as_sequence()?.get_node(index)?.clone();
            found = *item.span().start().unwrap_or(&found);
            node = item;
        }
    }
    Some(found)
}

#[allow(unreachable_patterns)] // LoadError may grow variants
fn load_error_marker(error: &marked_yaml::LoadError) -> Option<Marker> {
    use marked_yaml::LoadError as E;
    match error {
        E::TopLevelMustBeMapping(m)
        | E::TopLevelMustBeSequence(m)
        | E::UnexpectedAnchor(m)
        | E::MappingKeyMustBeScalar(m)
        | E::UnexpectedTag(m)
        | E::ScanError(m, _) => Some(*m),
        E::DuplicateKey(inner) => inner.key.span().start().copied(),
    }
}

fn yaml_syntax_message(error: &marked_yaml::LoadError) -> String {
    use marked_yaml::LoadError as E;
    match error {
        E::TopLevelMustBeMapping(_) => {
            "the top level must be a mapping (organisation:, service:, components: ...)".into()
        }
        E::UnexpectedAnchor(_) => {
            "YAML anchors and aliases are not supported in estate files; write entries out".into()
        }
        E::MappingKeyMustBeScalar(_) => "mapping keys must be plain names".into(),
        E::UnexpectedTag(_) => "YAML tags (!tag) are not supported in estate files".into(),
        E::ScanError(_, scan) => format!("invalid YAML: {scan}"),
        E::DuplicateKey(inner) => format!(
            "key `{}` appears twice in the same mapping; keep one",
            inner.key.as_str()
        ),
        other => format!("invalid YAML: {other}"),
    }
}

/// Makes serde's wording friendlier: says what to do for the common mistakes.
fn serde_message(message: &str) -> String {
    if message.starts_with("unknown variant") {
        format!("{message} (see docs/estate.md for the meaning of each value)")
    } else if message.starts_with("Unknown field") {
        format!("{message}; remove or rename it (field names are case-sensitive)")
    } else if message == "Value was not a boolean" {
        "expected true or false".to_string()
    } else {
        message.to_string()
    }
}
