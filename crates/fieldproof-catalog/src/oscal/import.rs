//! Reads any OSCAL catalog (JSON, 1.0 to 1.2) into a [`Framework`]: groups (nested) become the
//! requirement's group, controls and their nested controls (enhancements) become requirements
//! with a parent, the `label` prop becomes the display label, `status: withdrawn` is kept, and
//! the statement part is flattened to text with its item labels.

use crate::model::{Framework, FrameworkKind, FrameworkOrigin, Parameter, Requirement};
use fieldproof_core::input::{Field, FieldError};
use serde_json::Value;

/// Why an OSCAL document could not be read as a catalog.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not JSON.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// Parser message.
        message: String,
    },
    /// JSON, but not an OSCAL catalog.
    #[error("{0}")]
    NotACatalog(String),
    /// A profile that cannot be resolved.
    #[error("{0}")]
    Profile(String),
    /// The name asked for (or derived) cannot be used: the id or an alias.
    #[error("{0}")]
    Name(fieldproof_core::input::FieldError),
}

/// What to call the imported framework.
#[derive(Debug, Clone)]
pub struct ImportNames {
    /// Framework id.
    pub id: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Short name; the metadata title when `None`.
    pub short: Option<String>,
    /// Kind.
    pub kind: FrameworkKind,
}

/// Parses OSCAL catalog JSON text.
pub fn import(
    text: &str,
    names: ImportNames,
    origin: FrameworkOrigin,
) -> Result<Framework, ImportError> {
    let document: Value = serde_json::from_str(text).map_err(|e| ImportError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let catalog = document.get("catalog").ok_or_else(|| {
        let keys: Vec<&str> = document.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        ImportError::NotACatalog(format!(
            "no top-level `catalog` object (found: {}); only OSCAL catalogs and profiles can be imported",
            if keys.is_empty() { "nothing".to_string() } else { keys.join(", ") }
        ))
    })?;
    let metadata = catalog
        .get("metadata")
        .ok_or_else(|| ImportError::NotACatalog("the catalog has no `metadata`".to_string()))?;
    let title = text_of(metadata.get("title")).unwrap_or_else(|| names.id.clone());
    let version = text_of(metadata.get("version")).unwrap_or_default();
    let mut requirements = Vec::new();
    if let Some(controls) = catalog.get("controls").and_then(Value::as_array) {
        for control in controls {
            read_control(control, None, None, &mut requirements)?;
        }
    }
    if let Some(groups) = catalog.get("groups").and_then(Value::as_array) {
        for group in groups {
            read_group(group, &mut requirements)?;
        }
    }
    if requirements.is_empty() {
        return Err(ImportError::NotACatalog(
            "the catalog contains no controls".to_string(),
        ));
    }
    Ok(Framework {
        short: names.short.unwrap_or_else(|| title.clone()),
        id: names.id,
        name: title,
        aliases: names.aliases,
        kind: names.kind,
        version,
        source: "OSCAL catalog".to_string(),
        based_on: requirements_from_nist(catalog).then(|| NIST_ID.to_string()),
        requirements,
        origin,
    })
}

/// The bundled NIST SP 800-53 framework's id.
pub const NIST_ID: &str = "nist800-53r5";

/// Whether a catalog's controls are NIST SP 800-53 controls (NIST marks them `class:
/// SP800-53`; its baselines and FedRAMP's keep the mark): such a catalog is a baseline of NIST.
fn requirements_from_nist(catalog: &Value) -> bool {
    fn any(node: &Value) -> bool {
        node.get("controls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| c.get("class").and_then(Value::as_str) == Some("SP800-53"))
            || node
                .get("groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(any)
    }
    any(catalog)
}

/// A framework id from a title: lower case, letters, digits and `.`, other runs as `-`, at most
/// 40 characters.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.to_ascii_lowercase().chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        if !(c == '-' && slug.ends_with('-')) {
            slug.push(c);
        }
    }
    slug.trim_matches('-')
        .chars()
        .take(40)
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// Reads an OSCAL catalog for import into a workspace whose catalog is `catalog`, naming it `id`
/// (default: a slug of its title) with `aliases`. Refuses an id that cannot be derived and any
/// name already used by another framework (re-importing the same id replaces it).
pub fn prepare(
    text: &str,
    id: Option<&str>,
    aliases: &[String],
    kind: FrameworkKind,
    origin: FrameworkOrigin,
    catalog: &crate::Catalog,
) -> Result<Framework, ImportError> {
    let probe = import(
        text,
        ImportNames {
            id: "import".into(),
            aliases: Vec::new(),
            short: None,
            kind,
        },
        origin,
    )?;
    let id = id.map(str::to_string).unwrap_or_else(|| slug(&probe.name));
    if id.is_empty() || id.contains(':') || id.eq_ignore_ascii_case(crate::LIBRARY) {
        return Err(ImportError::Name(FieldError::value(
            Field::Id,
            id,
            format!(
                "cannot be the framework id of '{}'; give one with letters, digits, '-' and '.'",
                probe.name
            ),
        )));
    }
    let framework = Framework {
        id: id.clone(),
        aliases: aliases.to_vec(),
        ..probe
    };
    let names: Vec<&String> = std::iter::once(&framework.id)
        .chain(&framework.aliases)
        .collect();
    if let Some((name, clash)) = catalog
        .frameworks
        .iter()
        .filter(|f| f.id != id)
        .find_map(|f| names.iter().find(|n| f.is_named(n)).map(|n| (n, f)))
    {
        let field = if **name == framework.id {
            Field::Id
        } else {
            Field::Alias
        };
        return Err(ImportError::Name(FieldError::value(
            field,
            name.as_str(),
            format!(
                "the name is already used by framework {}; choose another",
                clash.id
            ),
        )));
    }
    Ok(framework)
}

fn text_of(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

fn read_group(group: &Value, out: &mut Vec<Requirement>) -> Result<(), ImportError> {
    let title = text_of(group.get("title"));
    if let Some(controls) = group.get("controls").and_then(Value::as_array) {
        for control in controls {
            read_control(control, title.as_deref(), None, out)?;
        }
    }
    if let Some(groups) = group.get("groups").and_then(Value::as_array) {
        for nested in groups {
            read_group(nested, out)?;
        }
    }
    Ok(())
}

fn props(node: &Value) -> impl Iterator<Item = (&str, &str)> {
    node.get("props")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p.get("name")?.as_str()?, p.get("value")?.as_str()?)))
}

fn read_control(
    control: &Value,
    group: Option<&str>,
    parent: Option<&str>,
    out: &mut Vec<Requirement>,
) -> Result<(), ImportError> {
    let id = text_of(control.get("id"))
        .ok_or_else(|| ImportError::NotACatalog("a control has no `id`".to_string()))?;
    let title = text_of(control.get("title")).unwrap_or_default();
    let label = props(control)
        .find(|(n, _)| *n == "label")
        .map(|(_, v)| v.to_string());
    let withdrawn = props(control).any(|(n, v)| n == "status" && v == "withdrawn");
    let statement = control
        .get("parts")
        .and_then(Value::as_array)
        .and_then(|parts| {
            parts
                .iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some("statement"))
        })
        .map(|part| {
            let mut lines = Vec::new();
            flatten_part(part, &mut lines);
            lines.join("\n")
        })
        .filter(|s| !s.is_empty());
    let params = control
        .get("params")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some(Parameter {
                id: p.get("id")?.as_str()?.to_string(),
                value: param_value(p),
                label: text_of(p.get("label")).or_else(|| {
                    p.get("guidelines")
                        .and_then(Value::as_array)
                        .and_then(|g| g.first())
                        .and_then(|g| text_of(g.get("prose")))
                }),
            })
        })
        .collect();
    out.push(Requirement {
        id: id.clone(),
        label: label.filter(|l| !l.eq_ignore_ascii_case(&id)),
        title,
        group: group.map(str::to_string),
        category: None,
        parent: parent.map(str::to_string),
        withdrawn,
        statement,
        params,
    });
    if let Some(children) = control.get("controls").and_then(Value::as_array) {
        for child in children {
            read_control(child, group, Some(&id), out)?;
        }
    }
    Ok(())
}

/// A parameter's set value: its `values`, else its constraints' descriptions.
fn param_value(param: &Value) -> Option<String> {
    let texts = |key: &str, field: Option<&str>| -> Vec<String> {
        param
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| match field {
                Some(f) => v.get(f).and_then(Value::as_str),
                None => v.as_str(),
            })
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let values = texts("values", None);
    let values = if values.is_empty() {
        texts("constraints", Some("description"))
    } else {
        values
    };
    (!values.is_empty()).then(|| values.join("; "))
}

fn flatten_part(part: &Value, lines: &mut Vec<String>) {
    let label = props(part).find(|(n, _)| *n == "label").map(|(_, v)| v);
    if let Some(prose) = part.get("prose").and_then(Value::as_str) {
        lines.push(match label {
            Some(label) => format!("{label} {prose}"),
            None => prose.to_string(),
        });
    }
    for child in part
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        flatten_part(child, lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_safe_ids() {
        assert_eq!(slug("ACME  OT Baseline (v2.1)"), "acme-ot-baseline-v2.1");
        assert_eq!(slug("---"), "");
        assert!(slug(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn names_in_use_are_refused() {
        let catalog = crate::Catalog::bundled().expect("bundled");
        let text = r#"{"catalog":{"uuid":"u","metadata":{"title":"Site baseline","version":"1","last-modified":"2026-01-01T00:00:00Z","oscal-version":"1.1.3"},"controls":[{"id":"sb-1","title":"One"}]}}"#;
        let ok = prepare(
            text,
            None,
            &[],
            FrameworkKind::Controls,
            FrameworkOrigin::Bundled,
            &catalog,
        )
        .expect("fresh name");
        assert_eq!(ok.id, "site-baseline");
        let clash = prepare(
            text,
            Some("x"),
            &["nist".into()],
            FrameworkKind::Controls,
            FrameworkOrigin::Bundled,
            &catalog,
        );
        assert!(
            matches!(&clash, Err(ImportError::Name(f)) if f.value.as_deref() == Some("nist")),
            "{clash:?}"
        );
    }
}
