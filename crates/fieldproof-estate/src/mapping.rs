//! Inventory mappings: how an asset export (a CMDB, NetBox, an OT asset-discovery tool) becomes
//! components without editing it. A mapping file (TOML, `docs/inventory-mappings.md`) names,
//! per component field, the source column it comes from, how its values translate (a table,
//! regular expressions, a catch-all), a constant or a template; sets facts by rule; and can
//! roll assets up into components (`[group]`). Values it cannot translate are counted with
//! the rows they occur on, never dropped silently.

use crate::error::{LoadError, Location, Problem};
use fieldproof_core::{Fact, Kind, Operator, Scope, Site, Zone};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// How a reference names a bundled mapping and never a file: `bundled:NAME` (also a bundled
/// mapping's origin).
pub const BUNDLED_PREFIX: &str = "bundled:";

/// The inventory mappings shipped with fieldproof: (name, text).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "netbox-devices",
        include_str!("../data/mappings/netbox-devices.toml"),
    ),
    (
        "servicenow-cmdb-ci",
        include_str!("../data/mappings/servicenow-cmdb-ci.toml"),
    ),
    (
        "defender-iot-devices",
        include_str!("../data/mappings/defender-iot-devices.toml"),
    ),
];

/// What to do with rows whose values the mapping cannot translate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unmapped {
    /// Stop: nothing is loaded, every unmapped value is listed (the default).
    #[default]
    Error,
    /// Leave those rows out and report them with the counts and lines.
    Report,
}

impl Unmapped {
    /// Parses `error` or `report`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Unmapped::Error),
            "report" => Some(Unmapped::Report),
            _ => None,
        }
    }
}

/// A mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    mapping: Header,
    #[serde(default)]
    columns: BTreeMap<String, Spanned<ColumnRule>>,
    #[serde(default)]
    facts: Vec<Spanned<FactRule>>,
    #[serde(default)]
    group: Option<Spanned<GroupRule>>,
}

/// `[mapping]`: what the mapping reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Its name (`netbox-devices`).
    pub name: String,
    /// The source and its export, in a sentence.
    pub source: String,
    /// Where the source documents its export.
    #[serde(default)]
    pub docs: Option<String>,
    /// Notes for users: what to adapt.
    #[serde(default)]
    pub notes: Option<String>,
}

/// `[columns.FIELD]`: where a component field (or a fact) comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnRule {
    from: Option<String>,
    value: Option<String>,
    template: Option<String>,
    #[serde(default)]
    values: BTreeMap<String, String>,
    #[serde(default)]
    patterns: Vec<PatternRule>,
    otherwise: Option<String>,
    default: Option<String>,
    #[serde(default, rename = "true")]
    true_values: Vec<String>,
    #[serde(default, rename = "false")]
    false_values: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternRule {
    #[serde(rename = "match")]
    pattern: String,
    to: String,
}

/// `[[facts]]`: facts set on every asset matching `when`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactRule {
    when: BTreeMap<String, Vec<String>>,
    set: Vec<String>,
}

/// `[group]` (or an estate file's inventory `group:`): assets rolled up into components.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRule {
    /// The values that make a group: `@kind`, `@site`, `@zone`, `@operated_by` (the mapped
    /// values) or source column names.
    pub by: Vec<String>,
    /// The component id template (default: the `by` values joined with `-`).
    #[serde(default)]
    pub id: Option<String>,
    /// The component name template (default: the `by` values joined with ` / `).
    #[serde(default)]
    pub name: Option<String>,
    /// The component description template.
    #[serde(default)]
    pub description: Option<String>,
}

/// The component fields a mapping can fill (besides facts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Field {
    Id,
    Name,
    Kind,
    OperatedBy,
    Site,
    Zone,
    DeclaredScope,
    Subservice,
    Description,
    Owner,
    AccessVia,
    Fact(Fact),
}

impl Field {
    /// The field or fact named `name` (as in fieldproof's own CSV columns).
    pub(crate) fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "id" => Field::Id,
            "name" => Field::Name,
            "kind" => Field::Kind,
            "operated_by" => Field::OperatedBy,
            "site" => Field::Site,
            "zone" => Field::Zone,
            "declared_scope" => Field::DeclaredScope,
            "subservice" => Field::Subservice,
            "description" => Field::Description,
            "owner" => Field::Owner,
            "access_via" => Field::AccessVia,
            other => Field::Fact(Fact::parse(other)?),
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::Kind => "kind",
            Field::OperatedBy => "operated_by",
            Field::Site => "site",
            Field::Zone => "zone",
            Field::DeclaredScope => "declared_scope",
            Field::Subservice => "subservice",
            Field::Description => "description",
            Field::Owner => "owner",
            Field::AccessVia => "access_via",
            Field::Fact(f) => f.as_str(),
        }
    }

    /// The closed set of values of an enumerated field, as (accepted names, checker).
    fn closed(self) -> Option<(String, Accepts)> {
        Some(match self {
            Field::Kind => (Kind::expected(), |t| Kind::parse(t).is_some()),
            Field::OperatedBy => (Operator::expected(), |t| Operator::parse(t).is_some()),
            Field::Site => (Site::expected(), |t| Site::parse(t).is_some()),
            Field::Zone => (Zone::expected(), |t| Zone::parse(t).is_some()),
            Field::DeclaredScope => (Scope::expected(), |t| Scope::parse(t).is_some()),
            Field::Fact(_) => ("true, false".to_string(), |t| matches!(t, "true" | "false")),
            _ => return None,
        })
    }
}

/// Whether a text is one of a closed field's value names.
type Accepts = fn(&str) -> bool;

/// A piece of a template: literal text, a source column, or a mapped field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Text(String),
    Column(String),
    Field(Field),
    Row,
}

/// Parses `{Column}`, `{@kind}`, `{@row}` templates.
pub(crate) fn parse_template(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("template '{text}' opens '{{' without closing it"))?;
        let name = after[..close].trim();
        parts.push(placeholder(name).map_err(|e| format!("template '{text}': {e}"))?);
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

/// `@kind` (a mapped field), `@row` (the line), or a source column name.
pub(crate) fn placeholder(name: &str) -> Result<Part, String> {
    match name.strip_prefix('@') {
        Some("row") => Ok(Part::Row),
        Some(field) => match Field::parse(field) {
            Some(f @ (Field::Kind | Field::OperatedBy | Field::Site | Field::Zone)) => {
                Ok(Part::Field(f))
            }
            _ => Err(format!(
                "'@{field}' is not a mapped field; use @kind, @operated_by, @site, @zone or @row, or a source column name without @"
            )),
        },
        None if name.is_empty() => Err("an empty placeholder '{}'".to_string()),
        None => Ok(Part::Column(name.to_string())),
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A source column, translated.
    Column {
        column: String,
        translate: Translate,
        default: Option<String>,
    },
    /// A constant.
    Value(String),
    /// A template over columns and mapped fields.
    Template(Vec<Part>),
}

/// How a source value becomes a field value: table (case-insensitive), patterns in order, the
/// canonical name itself, then the catch-all.
#[derive(Debug, Clone, Default)]
pub(crate) struct Translate {
    pub(crate) values: HashMap<String, String>,
    pub(crate) patterns: Vec<(Regex, String)>,
    pub(crate) otherwise: Option<String>,
    /// For facts: texts meaning true and false (lower case); empty lists: spreadsheet booleans.
    pub(crate) truthy: Vec<String>,
    pub(crate) falsy: Vec<String>,
}

/// How a value was translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Translated {
    Mapped(String),
    /// By the `otherwise` catch-all (reported).
    Otherwise(String),
    Unmapped,
}

impl Translate {
    /// Whether every value of `field` passes unchanged: free text with no table or pattern.
    pub(crate) fn passes_through(&self, field: Field) -> bool {
        self.values.is_empty()
            && self.patterns.is_empty()
            && !matches!(field, Field::Fact(_))
            && field.closed().is_none()
    }

    pub(crate) fn apply(&self, field: Field, text: &str) -> Translated {
        let lower = fieldproof_core::value_table::key(text);
        if let Some(value) = self.values.get(&lower) {
            return Translated::Mapped(value.clone());
        }
        if let Some((_, to)) = self.patterns.iter().find(|(re, _)| re.is_match(text)) {
            return Translated::Mapped(to.clone());
        }
        if let Field::Fact(_) = field {
            if self.truthy.contains(&lower) {
                return Translated::Mapped("true".into());
            }
            if self.falsy.contains(&lower) {
                return Translated::Mapped("false".into());
            }
            if self.truthy.is_empty() && self.falsy.is_empty() {
                if let Some(value) = crate::cells::parse_bool(text) {
                    return Translated::Mapped(value.to_string());
                }
            }
        } else if field.closed().is_none_or(|(_, ok)| ok(text)) {
            // free text, or already one of the field's value names
            return Translated::Mapped(text.to_string());
        }
        match &self.otherwise {
            Some(value) => Translated::Otherwise(value.clone()),
            None => Translated::Unmapped,
        }
    }
}

/// A facts rule: every condition holds (a mapped field or a source column is one of the
/// values), then the facts are set.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) when: Vec<(Part, Vec<String>)>,
    pub(crate) set: Vec<Fact>,
}

/// A checked mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Its header.
    pub header: Header,
    /// Where it was read from (a path, or `bundled:NAME`).
    pub origin: String,
    pub(crate) fields: BTreeMap<Field, (Source, usize)>,
    pub(crate) rules: Vec<Rule>,
    /// The roll-up, if any.
    pub group: Option<GroupRule>,
    pub(crate) file: PathBuf,
    pub(crate) text: String,
}

impl Mapping {
    /// Reads a mapping: a file, or the name of a bundled mapping; `bundled:NAME` is only ever
    /// a bundled mapping (nothing is read from disk).
    pub fn load(reference: &Path) -> Result<Mapping, LoadError> {
        let name = reference.to_string_lossy();
        let only_bundled = name.starts_with(BUNDLED_PREFIX);
        if only_bundled || !reference.exists() {
            let name = name.trim_start_matches(BUNDLED_PREFIX);
            let stem = name.trim_end_matches(".toml");
            if let Some((bundled, text)) = BUNDLED.iter().find(|(n, _)| *n == stem) {
                return Mapping::parse(
                    text,
                    Path::new(&format!("{bundled}.toml")),
                    format!("{BUNDLED_PREFIX}{bundled}"),
                );
            }
            return Err(LoadError::Read {
                file: reference.to_path_buf(),
                reason: format!(
                    "{}not a bundled mapping; the bundled mappings are: {}",
                    if only_bundled {
                        ""
                    } else {
                        "no such mapping file, and "
                    },
                    BUNDLED
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        crate::error::check_regular(reference)?;
        let text = std::fs::read_to_string(reference).map_err(|e| LoadError::Read {
            file: reference.to_path_buf(),
            reason: e.to_string(),
        })?;
        Mapping::parse(&text, reference, reference.display().to_string())
    }

    /// Parses and checks a mapping's text (`file` names it in errors).
    pub fn parse(text: &str, file: &Path, origin: String) -> Result<Mapping, LoadError> {
        let at = |offset: Option<usize>, field: Option<String>, message: String| Problem {
            location: location_in(file, text, offset, field),
            message,
        };
        let parsed: MappingFile = toml::from_str(text).map_err(|e| LoadError::Invalid {
            problems: vec![at(
                e.span().map(|s| s.start),
                None,
                format!(
                    "{} (see docs/inventory-mappings.md)",
                    e.message().trim_end()
                ),
            )],
        })?;
        let mut problems = Vec::new();
        let mut fields = BTreeMap::new();
        for (name, rule) in &parsed.columns {
            let offset = rule.span().start;
            let key = format!("columns.{name}");
            let Some(field) = Field::parse(name) else {
                problems.push(at(
                    Some(offset),
                    Some(key),
                    format!(
                        "'{name}' is not a component field or fact; fields: id, name, kind, operated_by, site, zone, declared_scope, subservice, description, owner, access_via, or a fact ({})",
                        Fact::expected()
                    ),
                ));
                continue;
            };
            match source_of(field, rule.get_ref()) {
                Ok(source) => {
                    fields.insert(field, (source, offset));
                }
                Err(message) => problems.push(at(Some(offset), Some(key), message)),
            }
        }
        for required in [
            Field::Id,
            Field::Kind,
            Field::OperatedBy,
            Field::Site,
            Field::Zone,
        ] {
            if !fields.contains_key(&required) && !parsed.columns.contains_key(required.as_str()) {
                problems.push(at(
                    None,
                    Some(format!("columns.{}", required.as_str())),
                    format!(
                        "the mapping does not say where '{0}' comes from; add [columns.{0}] with `from` (a source column){1}",
                        required.as_str(),
                        if required == Field::Id { " or `template`" } else { " or `value` (a constant)" }
                    ),
                ));
            }
        }
        let mut rules = Vec::new();
        for (index, rule) in parsed.facts.iter().enumerate() {
            let offset = Some(rule.span().start);
            let key = Some(format!("facts[{index}]"));
            let mut set = Vec::new();
            for name in &rule.get_ref().set {
                match Fact::parse(name) {
                    Some(fact) => set.push(fact),
                    None => problems.push(at(
                        offset,
                        key.clone(),
                        format!("'{name}' is not a fact; facts: {}", Fact::expected()),
                    )),
                }
            }
            let mut when = Vec::new();
            for (name, values) in &rule.get_ref().when {
                match placeholder(name) {
                    Ok(Part::Field(field)) => {
                        if let Some((expected, ok)) = field.closed() {
                            for value in values.iter().filter(|v| !ok(v)) {
                                problems.push(at(
                                    offset,
                                    key.clone(),
                                    format!(
                                        "when {name} = '{value}': not a value of {}; expected one of: {expected}",
                                        field.as_str()
                                    ),
                                ));
                            }
                        }
                        when.push((Part::Field(field), values.clone()));
                    }
                    Ok(Part::Column(column)) => when.push((
                        Part::Column(column),
                        values.iter().map(|v| v.to_lowercase()).collect(),
                    )),
                    Ok(_) => problems.push(at(
                        offset,
                        key.clone(),
                        format!("when {name}: a condition names a mapped field (@kind, @operated_by, @site, @zone) or a source column"),
                    )),
                    Err(message) => problems.push(at(offset, key.clone(), message)),
                }
            }
            if set.is_empty() {
                problems.push(at(
                    offset,
                    key.clone(),
                    "the rule sets no fact; list them in `set`".to_string(),
                ));
            }
            rules.push(Rule { when, set });
        }
        let group = parsed.group.as_ref().map(|g| g.get_ref().clone());
        if let Some(spanned) = &parsed.group {
            if let Err(message) = check_group(spanned.get_ref()) {
                problems.push(at(
                    Some(spanned.span().start),
                    Some("group".to_string()),
                    message,
                ));
            }
        }
        if !problems.is_empty() {
            return Err(LoadError::Invalid { problems });
        }
        Ok(Mapping {
            header: parsed.mapping,
            origin,
            fields,
            rules,
            group,
            file: file.to_path_buf(),
            text: text.to_string(),
        })
    }

    /// The mapping a fieldproof-format inventory implies: every column of `headers` that names
    /// a field feeds it (for rolling such an inventory up with an estate file's `group:`).
    pub fn canonical(headers: &[String]) -> Mapping {
        let fields = headers
            .iter()
            .filter_map(|h| Field::parse(h).map(|f| (f, h)))
            .map(|(field, header)| {
                (
                    field,
                    (
                        Source::Column {
                            column: header.clone(),
                            translate: Translate::default(),
                            default: None,
                        },
                        0,
                    ),
                )
            })
            .collect();
        Mapping {
            header: Header {
                name: "fieldproof".to_string(),
                source: "an inventory in fieldproof's own columns".to_string(),
                docs: Some("docs/estate.md".to_string()),
                notes: None,
            },
            origin: "fieldproof columns".to_string(),
            fields,
            rules: Vec::new(),
            group: None,
            file: PathBuf::new(),
            text: String::new(),
        }
    }

    /// The location of a rule at `offset` of the mapping file.
    pub(crate) fn location(&self, offset: usize, field: String) -> Location {
        location_in(&self.file, &self.text, Some(offset), Some(field))
    }
}

/// Checks a group rule's placeholders.
pub(crate) fn check_group(group: &GroupRule) -> Result<(), String> {
    if group.by.is_empty() {
        return Err(
            "`by` lists no value to group by; name mapped fields (@kind, @site, @zone, @operated_by) or source columns".to_string(),
        );
    }
    for name in &group.by {
        match placeholder(name)? {
            Part::Row => {
                return Err(
                    "grouping by @row makes one component per row; leave [group] out instead"
                        .to_string(),
                )
            }
            Part::Text(_) => {}
            _ => {}
        }
    }
    for template in [&group.id, &group.name, &group.description]
        .into_iter()
        .flatten()
    {
        parse_template(template)?;
    }
    Ok(())
}

fn location_in(file: &Path, text: &str, offset: Option<usize>, field: Option<String>) -> Location {
    let (line, column) = match offset {
        Some(offset) if !text.is_empty() => {
            let (l, c) = fieldproof_core::location::line_column(text, offset.min(text.len()));
            (Some(l), Some(c))
        }
        _ => (None, None),
    };
    Location {
        file: file.to_path_buf(),
        line,
        column,
        field,
    }
}

fn source_of(field: Field, rule: &ColumnRule) -> Result<Source, String> {
    let given = [
        rule.from.is_some(),
        rule.value.is_some(),
        rule.template.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err(
            "give exactly one of `from` (a source column), `value` (a constant) or `template`"
                .to_string(),
        );
    }
    let check_target = |value: &str, what: &str| -> Result<(), String> {
        match field.closed() {
            Some((expected, ok)) if !ok(value) => Err(format!(
                "{what} '{value}' is not a value of {}; expected one of: {expected}",
                field.as_str()
            )),
            _ => Ok(()),
        }
    };
    if let Some(value) = &rule.value {
        check_target(value, "value")?;
        return Ok(Source::Value(value.clone()));
    }
    if let Some(template) = &rule.template {
        if field.closed().is_some() {
            return Err(format!(
                "{} takes `from` or `value`, not a template",
                field.as_str()
            ));
        }
        return Ok(Source::Template(parse_template(template)?));
    }
    let column = rule.from.clone().unwrap_or_default();
    let mut translate = Translate::default();
    for (from, to) in &rule.values {
        check_target(to, &format!("values.\"{from}\" ="))?;
    }
    translate.values = fieldproof_core::value_table::build(&rule.values)
        .map_err(|e| format!("values: {e}"))?
        .into_iter()
        .collect();
    for pattern in &rule.patterns {
        check_target(&pattern.to, "pattern target")?;
        let regex = Regex::new(&pattern.pattern).map_err(|e| {
            format!(
                "pattern '{}' is not a valid regular expression: {e}",
                pattern.pattern
            )
        })?;
        translate.patterns.push((regex, pattern.to.clone()));
    }
    if let Some(otherwise) = &rule.otherwise {
        check_target(otherwise, "otherwise")?;
        translate.otherwise = Some(otherwise.clone());
    }
    if let Some(default) = &rule.default {
        check_target(default, "default")?;
    }
    let is_fact = matches!(field, Field::Fact(_));
    let has_booleans = !(rule.true_values.is_empty() && rule.false_values.is_empty());
    if has_booleans && !is_fact {
        return Err("`true` and `false` apply to fact columns".to_string());
    }
    translate.truthy = rule.true_values.iter().map(|v| v.to_lowercase()).collect();
    translate.falsy = rule.false_values.iter().map(|v| v.to_lowercase()).collect();
    Ok(Source::Column {
        column,
        translate,
        default: rule.default.clone(),
    })
}

/// A value the mapping could not translate (or translated only by its catch-all).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct UnmappedValue {
    /// The component field or fact.
    pub field: String,
    /// The source column.
    pub column: String,
    /// The source value (empty: the cell was empty and the rule has no default).
    pub value: String,
    /// The rows it occurs on.
    pub count: usize,
    /// The first lines it occurs on (at most 20).
    pub lines: Vec<u32>,
    /// For a value caught by `otherwise`: what it became.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub became: Option<String>,
}

/// What reading one inventory did: rows read, assets, components, and every value the mapping
/// could not translate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct InventoryReport {
    /// The inventory file.
    pub file: String,
    /// The mapping (a path or `bundled:NAME`), when one was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// Data rows read (blank rows not counted).
    pub rows: usize,
    /// Rows that became assets (or components, without a group).
    pub assets: usize,
    /// Components made (equal to `assets` without a group).
    pub components: usize,
    /// Rows left out because a value was not mapped (`--unmapped report`).
    pub rows_left_out: usize,
    /// Values no rule translated, most frequent first.
    pub unmapped: Vec<UnmappedValue>,
    /// Values translated only by an `otherwise` catch-all, most frequent first.
    pub caught_by_otherwise: Vec<UnmappedValue>,
}

/// Collects unmapped values while reading.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    values: BTreeMap<TallyKey, TallyCount>,
}

/// (field, column, value).
type TallyKey = (Field, String, String);
/// (rows, first lines, what `otherwise` made of it).
type TallyCount = (usize, Vec<u32>, Option<String>);

impl Tally {
    pub(crate) fn add(
        &mut self,
        field: Field,
        column: &str,
        value: &str,
        line: u32,
        became: Option<&str>,
    ) {
        let entry = self
            .values
            .entry((field, column.to_string(), value.to_string()))
            .or_insert_with(|| (0, Vec::new(), became.map(str::to_string)));
        entry.0 += 1;
        if entry.1.len() < 20 {
            entry.1.push(line);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn into_values(self) -> Vec<UnmappedValue> {
        let mut values: Vec<UnmappedValue> = self
            .values
            .into_iter()
            .map(
                |((field, column, value), (count, lines, became))| UnmappedValue {
                    field: field.as_str().to_string(),
                    column,
                    value,
                    count,
                    lines,
                    became,
                },
            )
            .collect();
        values.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.field.cmp(&b.field))
                .then_with(|| a.value.cmp(&b.value))
        });
        values
    }
}

/// A mapping reference from an estate file or the command line, with the roll-up to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventorySpec {
    /// The mapping (a file or a bundled name); none: fieldproof's own columns.
    pub map: Option<PathBuf>,
    /// The roll-up, overriding the mapping's `[group]`.
    pub group: Option<GroupRule>,
}
