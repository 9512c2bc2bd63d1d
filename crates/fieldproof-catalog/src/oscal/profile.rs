//! OSCAL profile resolution: a profile (a baseline such as NIST SP 800-53 LOW or FedRAMP
//! Moderate) becomes the catalog it describes, following the OSCAL profile resolution
//! specification (<https://pages.nist.gov/OSCAL/concepts/processing/profile-resolution/>):
//!
//! - **import**: each import names a catalog or another profile (resolved first), by a back-matter
//!   resource (`#uuid`) or a path; `include-all` or `include-controls` select controls by
//!   `with-ids` or `matching` patterns (`*` and `?`), with their descendants when
//!   `with-child-controls: yes`; `exclude-controls` removes what the same selectors match;
//! - **merge**: `as-is` keeps the source's groups and nesting (a control whose descendant is
//!   selected is kept to hold it); without `as-is` the controls come out flat; a control reached
//!   twice is kept once, the first time (`use-first`);
//! - **modify**: `set-parameters` replace a parameter's `label`, `usage`, `values` and `select`
//!   and add to its `props`, `links`, `constraints` and `guidelines`; `alters` remove items
//!   (`by-name`, `by-class`, `by-id`, `by-item-name`, `by-ns`, all given criteria matching) and
//!   add `title`, `params`, `props`, `links` and `parts` at the `starting` or `ending` of the
//!   control or of the element `by-id` names, or `before` / `after` it.
//!
//! What cannot be applied (a parameter or control the result does not hold) is not an error:
//! it is returned as a warning, as the published resolvers do. `merge: custom` is refused.

use super::import::ImportError;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// A document an import names, as the caller found it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The JSON text.
    pub text: String,
    /// What to call it in messages and in the result's metadata (a file name).
    pub name: String,
}

/// Finds the document behind an import: given the hrefs that may locate it (the import's own,
/// or a back-matter resource's `rlinks`), the caller returns it or `None`.
pub type Loader<'a> = dyn Fn(&[String]) -> Option<Source> + 'a;

/// A resolved profile.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The resolved catalog, an OSCAL catalog document (`{"catalog": ...}`).
    pub catalog: Value,
    /// What could not be applied, one sentence each.
    pub warnings: Vec<String>,
    /// The names of the documents imported, in order.
    pub imports: Vec<String>,
}

const MAX_DEPTH: usize = 8;

/// Resolves the profile in `text` (named `name` in messages), loading imports with `load`;
/// `now` is the result's `last-modified`.
pub fn resolve(
    text: &str,
    name: &str,
    load: &Loader<'_>,
    now: &str,
) -> Result<Resolved, ImportError> {
    resolve_at(text, name, load, now, 0)
}

fn problem(message: String) -> ImportError {
    ImportError::Profile(message)
}

fn parse(text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| ImportError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

fn resolve_at(
    text: &str,
    name: &str,
    load: &Loader<'_>,
    now: &str,
    depth: usize,
) -> Result<Resolved, ImportError> {
    if depth > MAX_DEPTH {
        return Err(problem(format!(
            "{name}: profiles import each other more than {MAX_DEPTH} deep; is there a cycle?"
        )));
    }
    let document = parse(text)?;
    let profile = document
        .get("profile")
        .ok_or_else(|| problem(format!("{name}: no top-level `profile` object")))?;
    let imports = profile
        .get("imports")
        .and_then(Value::as_array)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| problem(format!("{name}: the profile has no `imports`")))?;
    let merge = profile.get("merge");
    if merge.and_then(|m| m.get("custom")).is_some() {
        return Err(problem(format!(
            "{name}: `merge: custom` is not supported; use `as-is` or `flat`"
        )));
    }
    let as_is = merge
        .and_then(|m| m.get("as-is"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut warnings = Vec::new();
    let mut names = Vec::new();
    let mut groups: Vec<Value> = Vec::new();
    let mut controls: Vec<Value> = Vec::new();
    let mut resources: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, import) in imports.iter().enumerate() {
        let href = import
            .get("href")
            .and_then(Value::as_str)
            .ok_or_else(|| problem(format!("{name}: import {} has no `href`", index + 1)))?;
        let candidates = locations(profile, href);
        let source = load(&candidates).ok_or_else(|| {
            problem(format!(
                "{name}: the document import {} names ({}) was not found; give the catalog it imports with --catalog FILE",
                index + 1,
                candidates.join(", ")
            ))
        })?;
        names.push(source.name.clone());
        let source_doc =
            parse(&source.text).map_err(|e| problem(format!("{}: {e}", source.name)))?;
        let catalog = if source_doc.get("profile").is_some() {
            let inner = resolve_at(&source.text, &source.name, load, now, depth + 1)?;
            warnings.extend(inner.warnings);
            names.extend(inner.imports);
            inner.catalog["catalog"].clone()
        } else {
            source_doc.get("catalog").cloned().ok_or_else(|| {
                problem(format!(
                    "{}: neither an OSCAL catalog nor a profile",
                    source.name
                ))
            })?
        };
        let selection = Selection::of(import, &source.name)?;
        let mut selected = std::collections::HashSet::new();
        for_each_control(&catalog, &mut |control, ancestors| {
            if selection.selects(control, ancestors) {
                if let Some(id) = control.get("id").and_then(Value::as_str) {
                    selected.insert(id.to_string());
                }
            }
        });
        for id in &selection.with_ids {
            if !selected.contains(id) && !selection.excludes_id(id) {
                let mut exists = false;
                for_each_control(&catalog, &mut |c, _| {
                    exists |= c.get("id").and_then(Value::as_str) == Some(id);
                });
                if !exists {
                    warnings.push(format!(
                        "{name}: control {id} is not in {}; it is left out",
                        source.name
                    ));
                }
            }
        }
        selected.retain(|id| seen.insert(id.clone()));
        if as_is {
            for group in catalog
                .get("groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(kept) = keep_group(group, &selected) {
                    groups.push(kept);
                }
            }
            for control in array(&catalog, "controls") {
                if let Some(kept) = keep_control(control, &selected) {
                    controls.push(kept);
                }
            }
        } else {
            for_each_control(&catalog, &mut |control, _| {
                if control
                    .get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| selected.contains(id))
                {
                    let mut flat = control.clone();
                    if let Some(object) = flat.as_object_mut() {
                        object.remove("controls");
                    }
                    controls.push(flat);
                }
            });
        }
        resources.extend(
            catalog
                .get("back-matter")
                .map(|b| array(b, "resources"))
                .into_iter()
                .flatten()
                .cloned(),
        );
    }
    let mut result = Map::new();
    let metadata = profile.get("metadata");
    let title = metadata
        .and_then(|m| m.get("title"))
        .and_then(Value::as_str)
        .unwrap_or(name);
    let version = metadata
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .unwrap_or("1");
    let oscal_version = metadata
        .and_then(|m| m.get("oscal-version"))
        .and_then(Value::as_str)
        .unwrap_or("1.1.3");
    result.insert("uuid".into(), json!(uuid_of(text)));
    result.insert(
        "metadata".into(),
        json!({
            "title": title,
            "last-modified": now,
            "version": version,
            "oscal-version": oscal_version,
            "props": [{"name": "resolution-tool", "value": concat!("fieldproof ", env!("CARGO_PKG_VERSION"))}],
            "links": [{"href": name, "rel": "source-profile"}],
        }),
    );
    if !groups.is_empty() {
        result.insert("groups".into(), Value::Array(groups));
    }
    if !controls.is_empty() {
        result.insert("controls".into(), Value::Array(controls));
    }
    if !resources.is_empty() {
        let mut unique = Vec::new();
        let mut uuids = std::collections::HashSet::new();
        for r in resources {
            let uuid = r
                .get("uuid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if uuids.insert(uuid) {
                unique.push(r);
            }
        }
        result.insert("back-matter".into(), json!({ "resources": unique }));
    }
    let mut catalog = Value::Object(result);
    if let Some(modify) = profile.get("modify") {
        for setting in array(modify, "set-parameters") {
            set_parameter(&mut catalog, setting, name, &mut warnings);
        }
        for alter in array(modify, "alters") {
            apply_alter(&mut catalog, alter, name, &mut warnings);
        }
    }
    Ok(Resolved {
        catalog: json!({ "catalog": catalog }),
        warnings,
        imports: names,
    })
}

fn array<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn str_of<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The hrefs that may locate an import: a `#uuid` names a back-matter resource, whose `rlinks`
/// are tried in order.
fn locations(profile: &Value, href: &str) -> Vec<String> {
    match href.strip_prefix('#') {
        Some(uuid) => profile
            .get("back-matter")
            .map(|b| array(b, "resources"))
            .into_iter()
            .flatten()
            .filter(|r| str_of(r, "uuid") == Some(uuid))
            .flat_map(|r| array(r, "rlinks"))
            .filter_map(|l| str_of(l, "href").map(str::to_string))
            .collect::<Vec<_>>()
            .into_iter()
            .chain(std::iter::once(href.to_string()))
            .collect(),
        None => vec![href.to_string()],
    }
}

/// A deterministic UUID (version 5 layout) for the resolved catalog of a profile text.
fn uuid_of(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// Calls `f` with every control (nested ones too) and the ids of its ancestor controls, in
/// document order.
fn for_each_control(catalog: &Value, f: &mut dyn FnMut(&Value, &[String])) {
    fn control(c: &Value, ancestors: &mut Vec<String>, f: &mut dyn FnMut(&Value, &[String])) {
        f(c, ancestors);
        ancestors.push(str_of(c, "id").unwrap_or("").to_string());
        for child in array(c, "controls") {
            control(child, ancestors, f);
        }
        ancestors.pop();
    }
    fn group(g: &Value, f: &mut dyn FnMut(&Value, &[String])) {
        for c in array(g, "controls") {
            control(c, &mut Vec::new(), f);
        }
        for nested in array(g, "groups") {
            group(nested, f);
        }
    }
    group(catalog, f);
}

/// One `include-controls` or `exclude-controls` entry.
#[derive(Debug)]
struct Selector {
    ids: Vec<String>,
    patterns: Vec<String>,
    children: bool,
}

impl Selector {
    fn read(value: &Value) -> Self {
        Selector {
            ids: array(value, "with-ids")
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            patterns: array(value, "matching")
                .filter_map(|m| str_of(m, "pattern").map(str::to_string))
                .collect(),
            children: str_of(value, "with-child-controls") == Some("yes"),
        }
    }

    fn matches_id(&self, id: &str) -> bool {
        self.ids.iter().any(|i| i == id) || self.patterns.iter().any(|p| glob(p, id))
    }

    fn matches(&self, id: &str, ancestors: &[String]) -> bool {
        self.matches_id(id) || (self.children && ancestors.iter().any(|a| self.matches_id(a)))
    }
}

/// What one import selects.
#[derive(Debug)]
struct Selection {
    all: bool,
    include: Vec<Selector>,
    exclude: Vec<Selector>,
    with_ids: Vec<String>,
}

impl Selection {
    fn of(import: &Value, source: &str) -> Result<Self, ImportError> {
        let all = import.get("include-all").is_some();
        let include: Vec<Selector> = array(import, "include-controls")
            .map(Selector::read)
            .collect();
        if !all && include.is_empty() {
            return Err(problem(format!(
                "the import of {source} has neither `include-all` nor `include-controls`"
            )));
        }
        let exclude = array(import, "exclude-controls")
            .map(Selector::read)
            .collect();
        let with_ids = include.iter().flat_map(|s| s.ids.clone()).collect();
        Ok(Selection {
            all,
            include,
            exclude,
            with_ids,
        })
    }

    fn selects(&self, control: &Value, ancestors: &[String]) -> bool {
        let Some(id) = str_of(control, "id") else {
            return false;
        };
        (self.all || self.include.iter().any(|s| s.matches(id, ancestors)))
            && !self.exclude.iter().any(|s| s.matches(id, ancestors))
    }

    fn excludes_id(&self, id: &str) -> bool {
        self.exclude.iter().any(|s| s.matches_id(id))
    }
}

/// `*` any run of characters, `?` one character; everything else literal.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A control kept under `as-is` if it or a descendant is selected, with only the kept children.
fn keep_control(control: &Value, selected: &std::collections::HashSet<String>) -> Option<Value> {
    let children: Vec<Value> = array(control, "controls")
        .filter_map(|c| keep_control(c, selected))
        .collect();
    let own = str_of(control, "id").is_some_and(|id| selected.contains(id));
    if !own && children.is_empty() {
        return None;
    }
    let mut kept = control.clone();
    let object = kept.as_object_mut()?;
    if children.is_empty() {
        object.remove("controls");
    } else {
        object.insert("controls".into(), Value::Array(children));
    }
    Some(kept)
}

/// A group kept under `as-is` if it holds a kept control.
fn keep_group(group: &Value, selected: &std::collections::HashSet<String>) -> Option<Value> {
    let controls: Vec<Value> = array(group, "controls")
        .filter_map(|c| keep_control(c, selected))
        .collect();
    let groups: Vec<Value> = array(group, "groups")
        .filter_map(|g| keep_group(g, selected))
        .collect();
    if controls.is_empty() && groups.is_empty() {
        return None;
    }
    let mut kept = group.clone();
    let object = kept.as_object_mut()?;
    object.remove("controls");
    object.remove("groups");
    if !controls.is_empty() {
        object.insert("controls".into(), Value::Array(controls));
    }
    if !groups.is_empty() {
        object.insert("groups".into(), Value::Array(groups));
    }
    Some(kept)
}

/// Calls `f` on every control of the catalog, mutably, until it returns `true`.
fn find_control_mut(catalog: &mut Value, f: &mut dyn FnMut(&mut Value) -> bool) -> bool {
    fn control(c: &mut Value, f: &mut dyn FnMut(&mut Value) -> bool) -> bool {
        if f(c) {
            return true;
        }
        c.get_mut("controls")
            .and_then(Value::as_array_mut)
            .is_some_and(|children| children.iter_mut().any(|child| control(child, f)))
    }
    if catalog
        .get_mut("controls")
        .and_then(Value::as_array_mut)
        .is_some_and(|cs| cs.iter_mut().any(|c| control(c, f)))
    {
        return true;
    }
    catalog
        .get_mut("groups")
        .and_then(Value::as_array_mut)
        .is_some_and(|gs| gs.iter_mut().any(|g| find_control_mut(g, f)))
}

fn set_parameter(catalog: &mut Value, setting: &Value, name: &str, warnings: &mut Vec<String>) {
    let Some(param_id) = str_of(setting, "param-id") else {
        warnings.push(format!("{name}: a set-parameters entry has no `param-id`"));
        return;
    };
    let found = find_control_mut(catalog, &mut |control| {
        let Some(param) = control
            .get_mut("params")
            .and_then(Value::as_array_mut)
            .and_then(|ps| ps.iter_mut().find(|p| str_of(p, "id") == Some(param_id)))
        else {
            return false;
        };
        let Some(object) = param.as_object_mut() else {
            return true;
        };
        for key in ["label", "usage", "values", "select", "depends-on"] {
            if let Some(value) = setting.get(key) {
                if key == "values" || key == "select" {
                    object.remove("values");
                    object.remove("select");
                }
                object.insert(key.into(), value.clone());
            }
        }
        for key in ["props", "links", "constraints", "guidelines"] {
            if let Some(added) = setting.get(key).and_then(Value::as_array) {
                let list = object
                    .entry(key)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut() {
                    list.extend(added.iter().cloned());
                }
            }
        }
        true
    });
    if !found {
        warnings.push(format!(
            "{name}: set-parameters names {param_id}, which no selected control has; the setting is not applied"
        ));
    }
}

fn apply_alter(catalog: &mut Value, alter: &Value, name: &str, warnings: &mut Vec<String>) {
    let Some(control_id) = str_of(alter, "control-id") else {
        warnings.push(format!("{name}: an alter has no `control-id`"));
        return;
    };
    let mut missing_targets = Vec::new();
    let found = find_control_mut(catalog, &mut |control| {
        if str_of(control, "id") != Some(control_id) {
            return false;
        }
        for removal in array(alter, "removes") {
            remove_in(control, removal, true);
        }
        for addition in array(alter, "adds") {
            if !add_in(control, addition) {
                missing_targets.push(str_of(addition, "by-id").unwrap_or("").to_string());
            }
        }
        true
    });
    if !found {
        warnings.push(format!(
            "{name}: alters names control {control_id}, which the profile does not select; the alteration is not applied"
        ));
    }
    for target in missing_targets {
        warnings.push(format!(
            "{name}: an addition to {control_id} names {target}, which the control does not have; it is not applied"
        ));
    }
}

const ITEM_LISTS: [(&str, &str); 4] = [
    ("params", "param"),
    ("props", "prop"),
    ("links", "link"),
    ("parts", "part"),
];

/// Removes, from a control or part and the parts within it, every item the removal matches.
fn remove_in(node: &mut Value, removal: &Value, is_control: bool) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    for (list, item_name) in ITEM_LISTS {
        if !is_control && list == "params" {
            continue;
        }
        if let Some(items) = object.get_mut(list).and_then(Value::as_array_mut) {
            items.retain(|item| !removes(removal, item, item_name));
            if list == "parts" {
                for part in items.iter_mut() {
                    remove_in(part, removal, false);
                }
            }
            if items.is_empty() {
                object.remove(list);
            }
        }
    }
}

fn removes(removal: &Value, item: &Value, item_name: &str) -> bool {
    let criteria = [
        ("by-name", "name"),
        ("by-class", "class"),
        ("by-id", "id"),
        ("by-ns", "ns"),
    ];
    let mut any = false;
    for (key, field) in criteria {
        if let Some(wanted) = str_of(removal, key) {
            any = true;
            if str_of(item, field) != Some(wanted) {
                return false;
            }
        }
    }
    if let Some(wanted) = str_of(removal, "by-item-name") {
        any = true;
        if wanted != item_name {
            return false;
        }
    }
    any
}

/// Applies one `adds` entry to a control; `false` when its `by-id` target is not there.
fn add_in(control: &mut Value, addition: &Value) -> bool {
    let position = str_of(addition, "position").unwrap_or("ending");
    match str_of(addition, "by-id") {
        None => {
            insert_into(control, addition, position == "starting");
            true
        }
        Some(target) if str_of(control, "id") == Some(target) => {
            insert_into(control, addition, position == "starting");
            true
        }
        Some(target) => add_by_id(control, target, addition, position),
    }
}

/// Adds the addition's contents to the lists of `node` (its start or end).
fn insert_into(node: &mut Value, addition: &Value, starting: bool) {
    let Some(object) = node.as_object_mut() else {
        return;
    };
    if let Some(title) = addition.get("title") {
        object.insert("title".into(), title.clone());
    }
    for (list, _) in ITEM_LISTS {
        if let Some(added) = addition.get(list).and_then(Value::as_array) {
            let entry = object
                .entry(list)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(items) = entry.as_array_mut() {
                if starting {
                    items.splice(0..0, added.iter().cloned());
                } else {
                    items.extend(added.iter().cloned());
                }
            }
        }
    }
}

/// Finds the element `target` among the params and parts (recursively) of `node` and adds
/// there: into it (`starting`, `ending`) or beside it (`before`, `after`).
fn add_by_id(node: &mut Value, target: &str, addition: &Value, position: &str) -> bool {
    for list in ["params", "parts"] {
        let Some(items) = node.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        if let Some(index) = items.iter().position(|i| str_of(i, "id") == Some(target)) {
            match position {
                "before" | "after" => {
                    let at = if position == "before" {
                        index
                    } else {
                        index + 1
                    };
                    let siblings: Vec<Value> = addition
                        .get(list)
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    items.splice(at..at, siblings);
                }
                _ => insert_into(&mut items[index], addition, position == "starting"),
            }
            return true;
        }
        if list == "parts"
            && items
                .iter_mut()
                .any(|p| add_by_id(p, target, addition, position))
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_shell_patterns() {
        assert!(glob("ac-*", "ac-2.1"));
        assert!(glob("ac-?", "ac-2"));
        assert!(!glob("ac-?", "ac-20"));
        assert!(glob("*", ""));
        assert!(!glob("si-*", "ac-2"));
        assert!(glob("a*c*e", "abcde"));
    }

    const CATALOG: &str = r#"{"catalog":{"uuid":"u","metadata":{"title":"Tiny","version":"1","last-modified":"2026-01-01T00:00:00Z","oscal-version":"1.1.3"},
      "groups":[{"id":"ac","title":"Access","controls":[
        {"id":"ac-1","title":"Policy","params":[{"id":"ac-1_prm_1","label":"frequency"}],
         "parts":[{"id":"ac-1_smt","name":"statement","prose":"Review {{ insert: param, ac-1_prm_1 }}.","parts":[{"id":"ac-1_smt.a","name":"item","prose":"a"}]},
                  {"id":"ac-1_gdn","name":"guidance","prose":"g"}]},
        {"id":"ac-2","title":"Accounts","controls":[{"id":"ac-2.1","title":"Automated"},{"id":"ac-2.2","title":"Temporary"}]}]},
       {"id":"au","title":"Audit","controls":[{"id":"au-1","title":"Audit policy"}]}]}}"#;

    fn load(_: &[String]) -> Option<Source> {
        Some(Source {
            text: CATALOG.to_string(),
            name: "tiny.json".into(),
        })
    }

    fn ids(catalog: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for_each_control(&catalog["catalog"], &mut |c, _| {
            out.push(str_of(c, "id").unwrap_or("").to_string())
        });
        out
    }

    fn resolve_with(body: &str) -> Resolved {
        let text = format!(
            r#"{{"profile":{{"uuid":"p","metadata":{{"title":"P","version":"1","last-modified":"2026-01-01T00:00:00Z","oscal-version":"1.1.3"}},{body}}}}}"#
        );
        resolve(&text, "p.json", &load, "2026-12-03T00:00:00Z").expect("resolves")
    }

    #[test]
    fn as_is_keeps_parents_of_selected_children_and_drops_empty_groups() {
        let r = resolve_with(
            r#""imports":[{"href":"tiny.json","include-controls":[{"with-ids":["ac-2.2"]}]}],"merge":{"as-is":true}"#,
        );
        assert_eq!(ids(&r.catalog), ["ac-2", "ac-2.2"]);
        assert_eq!(
            r.catalog["catalog"]["groups"].as_array().map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn patterns_children_and_exclusions_select() {
        let r = resolve_with(
            r#""imports":[{"href":"tiny.json","include-controls":[{"matching":[{"pattern":"ac-*"}]}],"exclude-controls":[{"with-ids":["ac-2"],"with-child-controls":"yes"}]}]"#,
        );
        assert_eq!(ids(&r.catalog), ["ac-1"], "flat without as-is");
        assert!(r.catalog["catalog"].get("groups").is_none());
        let all = resolve_with(
            r#""imports":[{"href":"tiny.json","include-all":{}}],"merge":{"as-is":true}"#,
        );
        assert_eq!(
            ids(&all.catalog),
            ["ac-1", "ac-2", "ac-2.1", "ac-2.2", "au-1"]
        );
    }

    #[test]
    fn modify_sets_parameters_and_alters_parts() {
        let r = resolve_with(
            r#""imports":[{"href":"tiny.json","include-controls":[{"with-ids":["ac-1"]}]}],"merge":{"as-is":true},
            "modify":{"set-parameters":[{"param-id":"ac-1_prm_1","values":["yearly"]},{"param-id":"zz_prm","values":["x"]}],
              "alters":[{"control-id":"ac-1","removes":[{"by-name":"guidance"}],
                 "adds":[{"position":"starting","props":[{"name":"core","value":"true"}]},
                         {"position":"after","by-id":"ac-1_smt.a","parts":[{"id":"ac-1_smt.b","name":"item","prose":"b"}]},
                         {"position":"ending","by-id":"nope","props":[{"name":"x","value":"y"}]}]},
               {"control-id":"si-9","adds":[{"props":[{"name":"x","value":"y"}]}]}]}"#,
        );
        let control = &r.catalog["catalog"]["groups"][0]["controls"][0];
        assert_eq!(control["params"][0]["values"][0], "yearly");
        assert_eq!(control["props"][0]["name"], "core");
        let parts: Vec<&str> = control["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| str_of(p, "name"))
            .collect();
        assert_eq!(parts, ["statement"]);
        let items: Vec<&str> = control["parts"][0]["parts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| str_of(p, "id"))
            .collect();
        assert_eq!(items, ["ac-1_smt.a", "ac-1_smt.b"]);
        assert_eq!(r.warnings.len(), 3, "{:?}", r.warnings);
        assert!(r.warnings.iter().any(|w| w.contains("zz_prm")));
        assert!(r.warnings.iter().any(|w| w.contains("si-9")));
        assert!(r.warnings.iter().any(|w| w.contains("nope")));
    }

    #[test]
    fn unusable_profiles_are_refused_with_the_reason() {
        let text = r##"{"profile":{"uuid":"p","metadata":{"title":"P"},"imports":[{"href":"#r1"}],"back-matter":{"resources":[{"uuid":"r1","rlinks":[{"href":"https://example.org/cat.json"}]}]}}}"##;
        let none = |_: &[String]| None;
        let err = resolve(text, "p.json", &none, "now").expect_err("missing source");
        assert!(
            err.to_string().contains("https://example.org/cat.json"),
            "{err}"
        );
        assert!(err.to_string().contains("--catalog"), "{err}");
        let custom =
            r#"{"profile":{"imports":[{"href":"x","include-all":{}}],"merge":{"custom":{}}}}"#;
        assert!(resolve(custom, "p.json", &load, "now")
            .expect_err("custom")
            .to_string()
            .contains("custom"));
        let cycle = r#"{"profile":{"imports":[{"href":"self.json","include-all":{}}]}}"#;
        let me = |_: &[String]| {
            Some(Source {
                text: cycle.to_string(),
                name: "self.json".into(),
            })
        };
        assert!(resolve(cycle, "self.json", &me, "now")
            .expect_err("cycle")
            .to_string()
            .contains("cycle"));
    }
}
