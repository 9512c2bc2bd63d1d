//! OSCAL export: the control library or any framework as an OSCAL 1.1.3 catalog, and every typed
//! mapping as an OSCAL 1.2 mapping collection. UUIDs are name-based (v5) and the timestamp is
//! passed in, so the same catalog and time give byte-identical documents.
//!
//! OSCAL ids must be tokens (a letter or `_` first; letters, digits, `.`, `-`, `_`). Ids that are
//! not (`5.15`, `SR 1.1`, `21(2)(a)`) are rewritten by [`oscal_id`] and the original id is kept in
//! a `label` prop; mapping collections use the same rewritten ids.

use crate::model::{Control, Crosswalk, Framework, Requirement};
use crate::{Catalog, LIBRARY};
use serde_json::{json, Value};
use uuid::Uuid;

/// Namespace for fieldproof's name-based UUIDs.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1d_3f0e_8b9a_4f52_9d1e_2a7c_5e40_b913);
/// Namespace of fieldproof's own OSCAL props and part names.
pub const NS: &str = "https://fieldproof.dev/ns/oscal";
/// OSCAL version of exported catalogs.
pub const CATALOG_OSCAL_VERSION: &str = "1.1.3";
/// OSCAL version of exported mapping collections.
pub const MAPPING_OSCAL_VERSION: &str = "1.2.1";

/// A name-based UUID (v5) in fieldproof's namespace: the same name always gives the same UUID.
pub fn uuid(name: &str) -> String {
    Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

/// An OSCAL token for `id` in `framework`.
pub fn oscal_id(framework: &str, id: &str) -> String {
    let mut token: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while token.contains("--") {
        token = token.replace("--", "-");
    }
    let token = token.trim_matches('-').to_string();
    if token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
    {
        token
    } else {
        let prefix: String = framework.chars().filter(|c| c.is_alphanumeric()).collect();
        format!(
            "{}-{token}",
            if prefix.is_empty() {
                "req".to_string()
            } else {
                prefix
            }
        )
    }
}

/// The file name `export oscal-catalog` suggests for a framework (used as mapping hrefs).
pub fn catalog_file_name(framework: &str) -> String {
    format!("{framework}.oscal-catalog.json")
}

fn metadata(title: &str, version: &str, oscal_version: &str, at: &str) -> Value {
    json!({
        "title": title,
        "last-modified": at,
        "version": if version.is_empty() { "unversioned" } else { version },
        "oscal-version": oscal_version,
    })
}

fn prop(name: &str, value: &str, own: bool) -> Value {
    if own {
        json!({ "name": name, "ns": NS, "value": value })
    } else {
        json!({ "name": name, "value": value })
    }
}

/// The control library as an OSCAL catalog: one group per theme.
pub fn library_catalog(catalog: &Catalog, at: &str) -> Value {
    let groups: Vec<Value> = catalog
        .themes
        .iter()
        .filter_map(|theme| {
            let controls: Vec<Value> = catalog.controls.iter().filter(|c| c.theme == theme.id).map(library_control).collect();
            (!controls.is_empty()).then(|| json!({ "id": oscal_id(LIBRARY, &theme.id), "class": "theme", "title": theme.title, "controls": controls }))
        })
        .collect();
    json!({ "catalog": {
        "uuid": uuid(&format!("catalog:{LIBRARY}")),
        "metadata": metadata("fieldproof OT control library", env!("CARGO_PKG_VERSION"), CATALOG_OSCAL_VERSION, at),
        "groups": groups,
    }})
}

fn library_control(c: &Control) -> Value {
    let id = oscal_id(LIBRARY, &c.id);
    let mut props = vec![
        prop("label", &c.id, false),
        prop("frequency", c.frequency.as_str(), true),
        prop("responsibility", c.responsibility.as_str(), true),
        prop("performer", &c.performer, true),
    ];
    for category in &c.categories {
        props.push(prop("tsc-category", category.as_str(), true));
    }
    let mut parts = vec![
        json!({ "id": format!("{id}_smt"), "name": "statement", "prose": c.description }),
        json!({ "id": format!("{id}_gdn"), "name": "guidance", "prose": c.ot_guidance }),
    ];
    for e in &c.evidence {
        parts.push(json!({
            "id": format!("{id}_evd-{}", oscal_id(LIBRARY, &e.id)),
            "name": "evidence-request",
            "ns": NS,
            "props": [prop("cadence", e.cadence.as_str(), true)],
            "prose": e.artifact,
        }));
    }
    for (i, p) in c.procedures.iter().enumerate() {
        let mut prose = p.procedure.clone();
        if let Some(population) = &p.population {
            prose.push_str(&format!(" Population: {population}."));
        }
        if !p.attributes.is_empty() {
            prose.push_str(&format!(" Attributes: {}.", p.attributes.join("; ")));
        }
        parts.push(json!({
            "id": format!("{id}_tp{}", i + 1),
            "name": "test-procedure",
            "ns": NS,
            "props": [
                prop("method", p.method.as_str(), true),
                prop("sample", p.sample.as_str(), true),
            ],
            "prose": prose,
        }));
    }
    if !c.applies_when.is_empty() {
        let conditions: Vec<String> = c
            .applies_when
            .iter()
            .map(|cond| serde_json::to_string(cond).unwrap_or_default())
            .collect();
        parts.push(json!({
            "id": format!("{id}_app"),
            "name": "applicability",
            "ns": NS,
            "prose": format!("Applies to components in scope or shared that meet any of: {}", conditions.join("; ")),
        }));
    }
    json!({ "id": id, "class": "fieldproof-control", "title": c.title, "props": props, "parts": parts })
}

/// Any framework as an OSCAL catalog: groups from requirement groups, nested controls from parents.
pub fn framework_catalog(framework: &Framework, at: &str) -> Value {
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    let mut ungrouped = Vec::new();
    for r in framework.requirements.iter().filter(|r| {
        r.parent.is_none()
            || framework
                .requirement(r.parent.as_deref().unwrap_or_default())
                .is_none()
    }) {
        let control = requirement_control(framework, r);
        match &r.group {
            Some(group) => match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, controls)) => controls.push(control),
                None => groups.push((group.clone(), vec![control])),
            },
            None => ungrouped.push(control),
        }
    }
    let mut body = json!({
        "uuid": uuid(&format!("catalog:{}:{}", framework.id, framework.version)),
        "metadata": metadata(&framework.name, &framework.version, CATALOG_OSCAL_VERSION, at),
    });
    if !groups.is_empty() {
        body["groups"] = Value::Array(
            groups
                .into_iter()
                .enumerate()
                .map(|(i, (title, controls))| json!({ "id": format!("g{}", i + 1), "title": title, "controls": controls }))
                .collect(),
        );
    }
    if !ungrouped.is_empty() {
        body["controls"] = Value::Array(ungrouped);
    }
    json!({ "catalog": body })
}

fn requirement_control(framework: &Framework, r: &Requirement) -> Value {
    let id = oscal_id(&framework.id, &r.id);
    let label = r.label.clone().unwrap_or_else(|| r.id.clone());
    let mut props = vec![prop("label", &label, false)];
    if r.withdrawn {
        props.push(prop("status", "withdrawn", false));
    }
    if let Some(category) = r.category {
        props.push(prop("tsc-category", category.as_str(), true));
    }
    let mut control = json!({ "id": id, "title": r.title, "props": props });
    if !r.params.is_empty() {
        control["params"] = Value::Array(
            r.params
                .iter()
                .map(|p| match &p.label {
                    Some(label) => json!({ "id": p.id, "label": label }),
                    None => json!({ "id": p.id }),
                })
                .collect(),
        );
    }
    if let Some(statement) = &r.statement {
        control["parts"] =
            json!([{ "id": format!("{id}_smt"), "name": "statement", "prose": statement }]);
    }
    let children: Vec<Value> = framework
        .requirements
        .iter()
        .filter(|child| child.parent.as_deref() == Some(r.id.as_str()))
        .map(|child| requirement_control(framework, child))
        .collect();
    if !children.is_empty() {
        control["controls"] = Value::Array(children);
    }
    control
}

/// The `mapping` of one crosswalk: every pair, with its relationship and, for a designed
/// crosswalk, its rationale.
fn crosswalk_mapping(crosswalk: &Crosswalk) -> Value {
    let (source, target) = (&crosswalk.header.source, &crosswalk.header.target);
    let maps: Vec<Value> = crosswalk
        .pairs
        .iter()
        .map(|p| {
            let mut map = json!({
                "uuid": uuid(&format!("map:{source}:{}:{target}:{}", p.source, p.target)),
                "relationship": p.relationship.oscal(),
                "sources": [{ "type": "control", "id-ref": oscal_id(source, &p.source) }],
                "targets": [{ "type": "control", "id-ref": oscal_id(target, &p.target) }],
            });
            if let Some(why) = &p.rationale {
                map["remarks"] = Value::String(why.clone());
            }
            map
        })
        .collect();
    json!({
        "uuid": uuid(&format!("mapping:{source}:{target}")),
        "method": if crosswalk.header.designed { "human" } else { "automation" },
        "matching-rationale": "semantic",
        "source-resource": { "type": "catalog", "href": catalog_file_name(source) },
        "target-resource": { "type": "catalog", "href": catalog_file_name(target) },
        "remarks": crosswalk.header.provenance,
        "maps": maps,
    })
}

fn collection(title: &str, description: &str, mappings: Vec<Value>, name: &str, at: &str) -> Value {
    json!({ "mapping-collection": {
        "uuid": uuid(&format!("mapping-collection:{name}")),
        "metadata": metadata(title, env!("CARGO_PKG_VERSION"), MAPPING_OSCAL_VERSION, at),
        "provenance": {
            "method": "human",
            "matching-rationale": "semantic",
            "status": "complete",
            "mapping-description": description,
        },
        "mappings": mappings,
    }})
}

/// Every typed mapping as an OSCAL 1.2 mapping collection: one `mapping` per (source catalog,
/// target catalog) pair — the control library to each framework, and each crosswalk. Each map
/// carries its rationale in `remarks`.
pub fn mapping_collection(catalog: &Catalog, at: &str) -> Value {
    let mut mappings = Vec::new();
    for framework in &catalog.frameworks {
        let maps: Vec<Value> = catalog
            .controls
            .iter()
            .flat_map(|c| c.mappings.iter().filter(|m| m.framework == framework.id).map(move |m| (c, m)))
            .map(|(c, m)| {
                let mut map = json!({
                    "uuid": uuid(&format!("map:{}:{}:{}", c.id, m.framework, m.requirement)),
                    "relationship": m.relationship.oscal(),
                    "sources": [{ "type": "control", "id-ref": oscal_id(LIBRARY, &c.id) }],
                    "targets": [{ "type": "control", "id-ref": oscal_id(&m.framework, &m.requirement) }],
                    "remarks": m.rationale,
                });
                if let Some(strength) = m.strength {
                    map["props"] = json!([prop("strength", &strength.to_string(), true)]);
                }
                map
            })
            .collect();
        if maps.is_empty() {
            continue;
        }
        mappings.push(json!({
            "uuid": uuid(&format!("mapping:{LIBRARY}:{}", framework.id)),
            "source-resource": { "type": "catalog", "href": catalog_file_name(LIBRARY) },
            "target-resource": { "type": "catalog", "href": catalog_file_name(&framework.id) },
            "maps": maps,
        }));
    }
    mappings.extend(catalog.crosswalks.iter().map(crosswalk_mapping));
    collection(
        "fieldproof typed mappings: OT control library and crosswalks",
        "Typed mappings in the set-theory relationships of NIST IR 8477 (equal to, subset of, superset of, intersects with), each with a rationale, from the fieldproof OT control library to the Trust Services Criteria, SOC 1 OT objectives, ISO/IEC 27001:2022, NIST SP 800-53 rev5, IEC 62443, NIS2 and PCI DSS requirement 9; designed crosswalks (every target requirement judged, a rationale per pair) and imported ones such as NIST OLIR 155.",
        mappings,
        "fieldproof",
        at,
    )
}

/// One crosswalk as an OSCAL 1.2 mapping collection of its own.
pub fn crosswalk_collection(crosswalk: &Crosswalk, at: &str) -> Value {
    collection(
        &format!(
            "fieldproof crosswalk {}: {} to {}",
            crosswalk.header.id, crosswalk.header.source, crosswalk.header.target
        ),
        &crosswalk.header.provenance,
        vec![crosswalk_mapping(crosswalk)],
        &format!("crosswalk:{}", crosswalk.header.id),
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_oscal_tokens() {
        assert_eq!(oscal_id("iso27001-2022", "5.15"), "iso270012022-5.15");
        assert_eq!(oscal_id("iec62443-3-3", "SR 1.1"), "SR-1.1");
        assert_eq!(oscal_id("nis2-art21", "21(2)(a)"), "nis2art21-21-2-a");
        assert_eq!(oscal_id("tsc2017", "CC6.1"), "CC6.1");
        assert_eq!(oscal_id("fieldproof", "FP-AC-01"), "FP-AC-01");
    }
}
