//! OSCAL documents from a readiness: the system security plan (`export oscal-ssp`), the
//! assessment results (`export oscal-ar`) and the plan of action and milestones for the roadmap
//! (`export oscal-poam`), all OSCAL 1.1.3. UUIDs are name-based (v5), so the same inputs give
//! the same document apart from the explicit `last-modified` stamp.
//!
//! Implemented requirements reference the fieldproof control library (the catalog `export
//! oscal-catalog` writes); assessment findings target the TSC criteria.

use fieldproof_catalog::oscal::export::{oscal_id, uuid, NS};
use fieldproof_catalog::LIBRARY;
use fieldproof_core::assessment::Assessment;
use fieldproof_core::responsibility::{domain_title, ResponsibilityMatrix};
use fieldproof_core::status::DesignStatus;
use fieldproof_core::{Scope, Severity};
use fieldproof_readiness::Readiness;
use serde_json::{json, Value};

/// The OSCAL version of these documents.
pub const OSCAL_VERSION: &str = "1.1.3";

/// The placeholder of an organisation the estate does not name (a CSV inventory names none).
pub const ORGANISATION_PLACEHOLDER: &str = "Organisation not named in the estate";
/// The placeholder of a service the estate does not name.
pub const SERVICE_PLACEHOLDER: &str = "Service not named in the estate";
/// The value of a property that was left empty (an owner not named).
pub const EMPTY_VALUE: &str = "not stated";
/// The control id of the placeholder requirement of an SSP to which no control applies.
pub const NO_CONTROL_ID: &str = "fieldproof-no-applicable-control";
const NO_CONTROL_REMARK: &str = "No control of the fieldproof library applies to the components inside the boundary for this engagement's categories, so the plan implements none yet. To complete: put the components the service depends on in scope, or choose the engagement's categories.";

/// `text` as OSCAL's one-line strings require (`title`, `name`, `system-name`, property
/// values: no line breaks, no leading or trailing space): runs of whitespace become one space.
fn line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`line`], or `placeholder` when nothing is left.
fn named(text: &str, placeholder: &str) -> String {
    let text = line(text);
    if text.is_empty() {
        placeholder.to_string()
    } else {
        text
    }
}

fn organisation(r: &Readiness) -> String {
    named(&r.organisation, ORGANISATION_PLACEHOLDER)
}

fn service(r: &Readiness) -> String {
    named(&r.service, SERVICE_PLACEHOLDER)
}

/// What a person must complete before the OSCAL documents of `r` are shared: values OSCAL
/// requires that the estate leaves empty, each written in the documents as a visible
/// placeholder. Also in each document's metadata `remarks`.
pub fn to_complete(r: &Readiness) -> Vec<String> {
    let mut missing = Vec::new();
    if line(&r.organisation).is_empty() {
        missing.push(format!(
            "the estate names no organisation (`organisation:` in the estate file; a CSV inventory names none): the documents say \"{ORGANISATION_PLACEHOLDER}\""
        ));
    }
    if line(&r.service).is_empty() {
        missing.push(format!(
            "the estate names no service (`service:`): the documents say \"{SERVICE_PLACEHOLDER}\""
        ));
    }
    if r.controls.is_empty() {
        missing.push(format!(
            "no control applies to the components inside the boundary for the engagement's categories: the system security plan lists the placeholder requirement `{NO_CONTROL_ID}`"
        ));
    }
    missing
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": named(value, EMPTY_VALUE) })
}

fn metadata(r: &Readiness, what: &str, at: &str) -> Value {
    let org = uuid(&format!("party:{}", r.organisation));
    let mut metadata = json!({
        "title": format!("{what}: {} ({}, engagement {})", service(r), organisation(r), r.engagement.id),
        "last-modified": at,
        "version": r.engagement.id,
        "oscal-version": OSCAL_VERSION,
        "roles": [
            { "id": "system-owner", "title": "System owner" },
            { "id": "control-owner", "title": "Control owner" },
            { "id": "customer", "title": "Customer (user entity)" }
        ],
        "parties": [ { "uuid": org, "type": "organization", "name": organisation(r) } ],
        "responsible-parties": [ { "role-id": "system-owner", "party-uuids": [org] } ]
    });
    let missing = to_complete(r);
    if !missing.is_empty() {
        metadata["remarks"] = json!(format!(
            "To complete before this document is shared: {}.",
            missing.join("; ")
        ));
    }
    metadata
}

fn this_system(r: &Readiness) -> String {
    uuid(&format!("ssp:{}:{}:this-system", r.organisation, r.service))
}

fn component_uuid(r: &Readiness, id: &str) -> String {
    uuid(&format!("ssp:{}:component:{id}", r.organisation))
}

fn control_id(control: &str) -> String {
    oscal_id(LIBRARY, control)
}

fn criterion_id(criterion: &str) -> String {
    oscal_id("tsc2017", &criterion.to_ascii_lowercase())
}

fn rfc3339_start(date: fieldproof_core::engagement::Date) -> String {
    format!("{date}T00:00:00Z")
}

fn rfc3339_end(date: fieldproof_core::engagement::Date) -> String {
    format!("{date}T23:59:59Z")
}

/// `export oscal-ssp`: system characteristics with the authorisation boundary, the components
/// inside it with their status and responsible roles, and every applicable control as an
/// implemented requirement with by-components, its design status, and export / provided /
/// responsibility statements for the shared responsibility model.
pub fn ssp(
    r: &Readiness,
    assessment: &Assessment<'_>,
    matrix: &ResponsibilityMatrix,
    at: &str,
) -> Value {
    let inside: Vec<_> = assessment
        .by_id()
        .filter(|(_, d)| d.scope != Scope::Out)
        .collect();
    let outside: Vec<String> = assessment
        .by_id()
        .filter(|(_, d)| d.scope == Scope::Out)
        .map(|(c, _)| format!("{} ({})", c.name, c.id))
        .collect();
    let mut components = vec![json!({
        "uuid": this_system(r),
        "type": "this-system",
        "title": service(r),
        "description": format!("{} as operated by {}: the system the report describes.", service(r), organisation(r)),
        "status": { "state": "operational" },
        "responsible-roles": [ { "role-id": "system-owner" } ]
    })];
    for (c, d) in &inside {
        let mut props = vec![
            prop("kind", c.kind.as_str()),
            prop("scope", d.scope.as_str()),
            prop("operated-by", c.operated_by.as_str()),
            prop("zone", c.zone.as_str()),
        ];
        if c.kind.is_ot() {
            props.push(prop("ot", "true"));
        }
        let mut component = json!({
            "uuid": component_uuid(r, &c.id),
            "type": if c.kind.is_ot() { "hardware" } else { "service" },
            "title": named(&c.name, &c.id),
            "description": c.description.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| format!("{} ({}), {}.", named(&c.name, &c.id), c.kind.as_str(), match d.scope { Scope::Shared => "shared with customers or a subservice organisation", _ => "in scope" })),
            "props": props,
            "status": { "state": "operational" },
            "responsible-roles": [ { "role-id": "system-owner" } ]
        });
        if let Some(owner) = c.owner.as_deref().filter(|o| !o.trim().is_empty()) {
            component["remarks"] = json!(format!("Owner: {owner}"));
        }
        components.push(component);
    }
    let implemented: Vec<Value> = r
        .controls
        .iter()
        .map(|c| {
            let mut by_components = Vec::new();
            let describe = c.rationale.clone().unwrap_or_else(|| {
                format!("{}: design status not yet stated.", c.title)
            });
            let mut system = json!({
                "component-uuid": this_system(r),
                "uuid": uuid(&format!("ssp:{}:{}:this-system", r.engagement.id, c.control)),
                "description": describe,
                "props": [
                    prop("design-status", c.design.map_or("not_stated", DesignStatus::as_str)),
                    prop("operating-status", c.operating.as_str())
                ]
            });
            let state = match c.design {
                Some(DesignStatus::Implemented) => Some("implemented"),
                Some(DesignStatus::PartiallyImplemented) => Some("partial"),
                Some(DesignStatus::Planned) => Some("planned"),
                Some(DesignStatus::NotApplicable) => Some("not-applicable"),
                Some(DesignStatus::NotImplemented) | None => None,
            };
            if let Some(state) = state {
                system["implementation-status"] = json!({ "state": state });
            }
            if let Some(owner) = c.owner.as_deref().filter(|o| !o.trim().is_empty()) {
                system["responsible-roles"] = json!([{ "role-id": "control-owner", "remarks": owner }]);
            }
            if matches!(c.responsibility.as_str(), "customer" | "shared") {
                system["export"] = json!({
                    "provided": [ {
                        "uuid": uuid(&format!("ssp:{}:{}:provided", r.engagement.id, c.control)),
                        "description": format!("{} operates its part of \"{}\" for the system.", organisation(r), c.title)
                    } ],
                    "responsibilities": [ {
                        "uuid": uuid(&format!("ssp:{}:{}:responsibility", r.engagement.id, c.control)),
                        "provided-uuid": uuid(&format!("ssp:{}:{}:provided", r.engagement.id, c.control)),
                        "description": format!("Customers operate their part of \"{}\" (a complementary user entity control); see the shared responsibility matrix.", c.title),
                        "responsible-roles": [ { "role-id": "customer" } ]
                    } ]
                });
            }
            by_components.push(system);
            for id in &c.components {
                by_components.push(json!({
                    "component-uuid": component_uuid(r, id),
                    "uuid": uuid(&format!("ssp:{}:{}:{id}", r.engagement.id, c.control)),
                    "description": format!("{} applies to {id}.", c.control)
                }));
            }
            json!({
                "uuid": uuid(&format!("ssp:{}:{}", r.engagement.id, c.control)),
                "control-id": control_id(&c.control),
                "props": [ prop("label", &c.control) ],
                "by-components": by_components
            })
        })
        .collect();
    // OSCAL requires at least one implemented requirement. An estate with nothing in scope
    // (or an engagement whose categories no control of the library serves) has none: a visible
    // placeholder says so, and `to_complete` lists it.
    let implemented = if implemented.is_empty() {
        vec![json!({
            "uuid": uuid(&format!("ssp:{}:no-applicable-control", r.engagement.id)),
            "control-id": NO_CONTROL_ID,
            "props": [ prop("label", "none") ],
            "remarks": NO_CONTROL_REMARK
        })]
    } else {
        implemented
    };
    let responsibilities: Vec<String> = matrix
        .rows
        .iter()
        .map(|row| {
            format!(
                "{}: we {}; customers {}",
                domain_title(row.domain),
                row.vendor.trim_end_matches('.').to_lowercase(),
                if row.customer.is_empty() {
                    "have no part".to_string()
                } else {
                    row.customer.trim_end_matches('.').to_lowercase()
                }
            )
        })
        .collect();
    let document = json!({
        "system-security-plan": {
            "uuid": uuid(&format!("ssp:{}:{}", r.organisation, r.engagement.id)),
            "metadata": metadata(r, "System security plan", at),
            "import-profile": { "href": "fieldproof-controls.json" },
            "system-characteristics": {
                "system-ids": [ { "identifier-type": NS, "id": oscal_id("system", &service(r).to_lowercase()) } ],
                "system-name": service(r),
                "description": format!("{} provided by {}. Trust Services categories: {}.", service(r), organisation(r), r.engagement.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")),
                "props": [ prop("engagement", &r.engagement.id) ],
                "system-information": {
                    "information-types": [ {
                        "uuid": uuid(&format!("ssp:{}:information", r.organisation)),
                        "title": "Customer and operational data",
                        "description": "Data the system processes for customers, and the telemetry and operational data of the OT it runs."
                    } ]
                },
                "status": { "state": "operational" },
                "authorization-boundary": {
                    "description": format!(
                        "Inside the boundary: {}. Out of scope: {}. Shared responsibility: {}.",
                        inside.iter().map(|(c, d)| format!("{} ({}, {})", c.name, c.id, d.scope.as_str())).collect::<Vec<_>>().join(", "),
                        if outside.is_empty() { "none".to_string() } else { outside.join(", ") },
                        responsibilities.join("; ")
                    )
                }
            },
            "system-implementation": {
                "users": [ {
                    "uuid": uuid(&format!("ssp:{}:users:operators", r.organisation)),
                    "title": "Operators",
                    "role-ids": ["system-owner", "control-owner"]
                } ],
                "components": components
            },
            "control-implementation": {
                "description": format!("The {} controls of the fieldproof library that apply to this system for engagement {}, with their stated design status.", r.controls.len(), r.engagement.id),
                "implemented-requirements": implemented
            }
        }
    });
    document
}

/// `export oscal-ar`: observations from the tests and the evidence, a finding per TSC criterion
/// in play, and a risk per open finding of medium severity or worse.
pub fn assessment_results(r: &Readiness, at: &str) -> Value {
    let eng = &r.engagement.id;
    let mut observations = Vec::new();
    for t in &r.tests {
        observations.push(json!({
            "uuid": uuid(&format!("ar:{eng}:test:{}", t.test)),
            "title": format!("Automated test {}", t.test),
            "description": format!("Full-population test {} over {} rows: {} ({} exceptions). Result hash {}.", t.test, t.population, t.outcome.as_str(), t.exceptions, t.result_sha256),
            "props": [ prop("result-sha256", &t.result_sha256), prop("evidence", &t.evidence) ],
            "methods": ["TEST"],
            "types": ["control-objective"],
            "collected": t.at,
            "relevant-evidence": [ { "href": format!("#{}", t.evidence), "description": format!("ledger evidence {}", t.evidence) } ]
        }));
    }
    for c in &r.controls {
        if c.evidence_ids.is_empty() {
            continue;
        }
        observations.push(json!({
            "uuid": uuid(&format!("ar:{eng}:evidence:{}", c.control)),
            "title": format!("Evidence for {}", c.control),
            "description": format!("{}: {} evidence requests answered for the whole period, {} in part, {} not answered.", c.title, c.evidence.present, c.evidence.stale, c.evidence.missing),
            "methods": ["EXAMINE"],
            "collected": at,
            "relevant-evidence": c.evidence_ids.iter().map(|e| json!({ "href": format!("#{e}"), "description": format!("ledger evidence {e}") })).collect::<Vec<_>>()
        }));
    }
    let risks: Vec<Value> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| json!({
            "uuid": uuid(&format!("ar:{eng}:risk:{}", f.id)),
            "title": f.id,
            "description": f.message,
            "statement": format!("Severity {}; owner {}; due {}.", f.severity.as_str(), f.owner, f.due),
            "props": [ prop("severity", f.severity.as_str()) ],
            "status": "open"
        }))
        .collect();
    let findings: Vec<Value> = r
        .criteria
        .iter()
        .map(|c| {
            let related: Vec<Value> = r
                .controls
                .iter()
                .filter(|k| k.criteria.contains(&c.criterion))
                .flat_map(|k| {
                    let mut ids = Vec::new();
                    if !k.evidence_ids.is_empty() {
                        ids.push(uuid(&format!("ar:{eng}:evidence:{}", k.control)));
                    }
                    for t in &k.tested {
                        ids.push(uuid(&format!("ar:{eng}:test:{t}")));
                    }
                    ids
                })
                .collect::<std::collections::BTreeSet<String>>()
                .into_iter()
                .map(|u| json!({ "observation-uuid": u }))
                .collect();
            let mut finding = json!({
                "uuid": uuid(&format!("ar:{eng}:finding:{}", c.criterion)),
                "title": format!("{} {}", c.criterion, c.title),
                "description": format!("{} controls map to {}: {} implemented, {} effective, {} with gaps, {} with exceptions.", c.controls, c.criterion, c.implemented, c.effective, c.gaps, c.exceptions),
                "props": [ prop("heat", &c.heat.to_string()) ],
                "target": {
                    "type": "objective-id",
                    "target-id": criterion_id(&c.criterion),
                    "status": { "state": if c.heat == 0 { "satisfied" } else { "not-satisfied" } }
                }
            });
            if !related.is_empty() {
                finding["related-observations"] = json!(related);
            }
            finding
        })
        .collect();
    let mut result = json!({
        "uuid": uuid(&format!("ar:{eng}:result")),
        "title": format!("Readiness of {} for engagement {eng}", service(r)),
        "description": format!("Design and operating status of {} applicable controls; {} tests with a current result.", r.controls.len(), r.tests.len()),
        "start": rfc3339_start(r.engagement.period.from),
        "end": rfc3339_end(r.engagement.period.to),
        "reviewed-controls": { "control-selections": [ { "include-all": {} } ] },
        "findings": findings
    });
    if !observations.is_empty() {
        result["observations"] = json!(observations);
    }
    if !risks.is_empty() {
        result["risks"] = json!(risks);
    }
    if r.findings.is_empty() {
        result["remarks"] = json!("No open findings.");
    }
    json!({
        "assessment-results": {
            "uuid": uuid(&format!("ar:{}:{eng}", r.organisation)),
            "metadata": metadata(r, "Assessment results", at),
            "import-ap": { "href": "#readiness" },
            "results": [ result ]
        }
    })
}

/// `export oscal-poam`: one POA&M item per roadmap item, with its phase, effort, owner and the
/// findings it closes.
pub fn poam(r: &Readiness, at: &str) -> Value {
    let eng = &r.engagement.id;
    let items: Vec<Value> = r
        .roadmap
        .phases
        .iter()
        .flat_map(|phase| {
            phase.items.iter().map(move |item| {
                json!({
                    "uuid": uuid(&format!("poam:{eng}:{}", item.id)),
                    "title": named(&item.title, &item.id),
                    "description": format!("{} Closes: {}.", phase.title, item.closes.join(", ")),
                    "props": [
                        prop("roadmap-item", &item.id),
                        prop("phase", &phase.number.to_string()),
                        prop("phase-ends", &phase.ends.to_string()),
                        prop("effort-days", &item.effort_days.to_string()),
                        prop("severity", item.severity.as_str()),
                        prop("owner", &item.owner),
                        prop("pinned", if item.pinned { "true" } else { "false" })
                    ]
                })
            })
        })
        .collect();
    let mut plan = json!({
        "uuid": uuid(&format!("poam:{}:{eng}", r.organisation)),
        "metadata": metadata(r, "Plan of action and milestones", at),
        "import-ssp": { "href": "ssp.json" },
        "poam-items": items
    });
    if items_empty(&plan) {
        plan["poam-items"] = json!([{
            "uuid": uuid(&format!("poam:{eng}:none")),
            "title": "No open items",
            "description": "Every finding is closed."
        }]);
    }
    json!({ "plan-of-action-and-milestones": plan })
}

fn items_empty(plan: &Value) -> bool {
    plan["poam-items"].as_array().is_none_or(Vec::is_empty)
}

/// `supplier controls --format oscal`: an SSP fragment for the systems that rely on a supplier,
/// in which the supplier is a leveraged authorisation whose component implements the controls
/// its report covers (`inherited`), the controls a CUEC shares are satisfied in part by this
/// system (`satisfied`, one per CUEC), and the controls no covered criterion reaches are this
/// system's own to implement. OSCAL 1.1.3; UUIDs name-based.
pub fn leveraged_ssp(r: &crate::contract::SupplierControls, at: &str) -> Value {
    use fieldproof_review::provider::ProviderResponsibility as P;
    let key = format!("leveraged:{}:{}", r.supplier, r.sha256);
    let supplier_name = named(&r.name, &r.supplier);
    let provider_party = uuid(&format!("{key}:party"));
    let authorisation = uuid(&format!("{key}:authorisation"));
    let provider = uuid(&format!("{key}:component"));
    let this = uuid(&format!("{key}:this-system"));
    let t = &r.table;
    let dated = r
        .covers_to
        .map(|d| d.to_string())
        .unwrap_or_else(|| at.get(..10).unwrap_or(at).to_string());
    let implemented: Vec<Value> = t
        .rows
        .iter()
        .map(|row| {
            let mut by = Vec::new();
            let path = row.paths.first().cloned().unwrap_or_default();
            if row.responsibility != P::Customer {
                by.push(json!({
                    "component-uuid": provider,
                    "uuid": uuid(&format!("{key}:{}:provider", row.control)),
                    "description": line(&format!("{supplier_name} implements this control according to its report (criteria {}; mapping {path}).", row.criteria.join(", "))),
                    "props": [prop("responsibility", row.responsibility.as_str())],
                    "inherited": [{
                        "uuid": uuid(&format!("{key}:{}:inherited", row.control)),
                        "provided-uuid": uuid(&format!("{key}:{}:provided", row.control)),
                        "description": line(&format!("Inherited from {supplier_name}: {}.", row.why))
                    }]
                }));
            }
            let mut own = json!({
                "component-uuid": this,
                "uuid": uuid(&format!("{key}:{}:this-system", row.control)),
                "description": line(&match row.responsibility {
                    P::Provider => "Nothing to add: inherited from the provider.".to_string(),
                    P::Shared => format!("This system does its part, as the provider's CUEC {} asks.", row.cuecs.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
                    P::Customer => format!("Not covered by {supplier_name}'s report: {}.", row.why),
                }),
            });
            if row.responsibility == P::Shared {
                own["satisfied"] = Value::Array(
                    row.cuecs
                        .iter()
                        .map(|n| {
                            json!({
                                "uuid": uuid(&format!("{key}:{}:cuec:{n}", row.control)),
                                "responsibility-uuid": uuid(&format!("{key}:cuec:{n}")),
                                "description": format!("CUEC {n} of {supplier_name}'s report, answered in the supplier register (cuec list).")
                            })
                        })
                        .collect(),
                );
            }
            if row.responsibility != P::Provider {
                by.push(own);
            }
            let mut requirement = json!({
                "uuid": uuid(&format!("{key}:{}", row.control)),
                "control-id": row.control,
                "props": [prop("responsibility", row.responsibility.as_str())],
                "by-components": by
            });
            if !row.exceptions.is_empty() {
                requirement["remarks"] = json!(format!("The report's tests found exceptions: {}.", row.exceptions.join("; ")));
            }
            requirement
        })
        .collect();
    json!({
        "system-security-plan": {
            "uuid": uuid(&format!("{key}:ssp")),
            "metadata": {
                "title": line(&format!("Controls inherited from {supplier_name} ({}): an SSP fragment", t.framework_name)),
                "last-modified": at,
                "version": format!("review {}", r.review),
                "oscal-version": OSCAL_VERSION,
                "roles": [ { "id": "provider", "title": "Provider (service organisation)" } ],
                "parties": [ { "uuid": provider_party, "type": "organization", "name": supplier_name } ],
                "responsible-parties": [ { "role-id": "provider", "party-uuids": [provider_party] } ],
                "remarks": format!("Drawn by fieldproof from review {} of {} (sha256 {}): {}. Merge it into your system's SSP; every control lists the mapping path followed.", r.review, r.file, r.sha256, t.why)
            },
            "import-profile": { "href": format!("{}.json", t.framework) },
            "system-characteristics": {
                "system-ids": [ { "identifier-type": NS, "id": oscal_id("relying-on", &r.supplier) } ],
                "system-name": line(&format!("Systems relying on {supplier_name}")),
                "description": line(&format!("The systems that use {supplier_name}'s services; the provider's part is inherited from its reviewed report.")),
                "system-information": {
                    "information-types": [ {
                        "uuid": uuid(&format!("{key}:information")),
                        "title": "Data the provider processes",
                        "description": "Data this system entrusts to the provider's service."
                    } ]
                },
                "status": { "state": "operational" },
                "authorization-boundary": {
                    "description": line(&format!("This system's boundary; {supplier_name} is outside it, as a leveraged authorisation (its report, covering to {dated})."))
                }
            },
            "system-implementation": {
                "leveraged-authorizations": [ {
                    "uuid": authorisation,
                    "title": line(&format!("{} report reviewed: {}", supplier_name, r.file)),
                    "party-uuid": provider_party,
                    "date-authorized": dated
                } ],
                "users": [ {
                    "uuid": uuid(&format!("{key}:users")),
                    "title": "Operators of this system"
                } ],
                "components": [
                    {
                        "uuid": this,
                        "type": "this-system",
                        "title": "This system",
                        "description": "The system that relies on the provider.",
                        "status": { "state": "operational" }
                    },
                    {
                        "uuid": provider,
                        "type": "service",
                        "title": supplier_name,
                        "description": line(&format!("The services {supplier_name} provides, covered by its reviewed report.")),
                        "props": [
                            { "name": "leveraged-authorization-uuid", "value": authorisation },
                            { "name": "implementation-point", "value": "external" }
                        ],
                        "status": { "state": "operational" }
                    }
                ]
            },
            "control-implementation": {
                "description": line(&format!("{} controls of {}: {} inherited from the provider, {} shared, {} this system's own.", t.rows.len(), t.framework_name, t.provider, t.shared, t.customer)),
                "implemented-requirements": implemented
            }
        }
    })
}
