//! The estate: everything a compliance lead describes once — the organisation, the service the
//! report covers, subservice organisations, components and the shared responsibility statements
//! agreed with customers.
//!
//! Loading (YAML, CSV) lives in `fieldproof-estate`; this module holds the typed model and the
//! checks that span several entries (duplicate IDs, dangling references), reported by position
//! so that the loader can turn them into file/line errors.

use crate::component::{closed_enum, is_valid_id, Component, Kind, Operator};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

closed_enum! {
    /// How a subservice organisation is treated in the report.
    SubserviceMethod {
        /// Its controls are excluded; complementary subservice organisation controls (CSOCs) are listed.
        CarveOut = "carve_out",
        /// Its controls are included in the description and tested.
        Inclusive = "inclusive",
    }
}

/// A subservice organisation the service depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubserviceOrganisation {
    /// Identifier that components reference in `subservice`.
    pub id: String,
    /// Legal or trading name.
    pub name: String,
    /// Carve-out or inclusive.
    pub method: SubserviceMethod,
    /// What it provides to the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<String>,
    /// Complementary subservice organisation controls we expect it to operate (carve-out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complementary_controls: Vec<String>,
}

closed_enum! {
    /// A domain of the shared responsibility matrix.
    Domain {
        /// Credentials of devices: issue, rotate, revoke; protection of the physical device.
        DeviceIdentity = "device_identity",
        /// Firmware and remote configuration changes.
        FirmwareUpdates = "firmware_updates",
        /// Completeness, accuracy and isolation of device telemetry.
        TelemetryIntegrity = "telemetry_integrity",
        /// Support and integrator access to devices and data.
        SupportAccess = "support_access",
        /// Exposure of endpoints and local networks.
        NetworkExposure = "network_exposure",
        /// Physical access to facilities, cages and devices.
        PhysicalAccess = "physical_access",
        /// Power, cooling and facility plant.
        EnvironmentalAvailability = "environmental_availability",
        /// User accounts and authentication to the service.
        LogicalAccess = "logical_access",
        /// Customer and personal data handled by the service.
        CustomerData = "customer_data",
        /// Production counts and postings relied on for financial reporting (SOC 1).
        FinancialData = "financial_data",
    }
}

/// A shared responsibility statement agreed with customers, overriding or adding to the derived matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityStatement {
    /// The matrix domain.
    pub domain: Domain,
    /// What we (the vendor) do; replaces the derived wording when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// What the customer does (a complementary user entity control); replaces the derived wording when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Component IDs or kinds the statement covers; empty means every component of the domain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
}

impl ResponsibilityStatement {
    /// Whether the statement covers `component` (by ID or kind; an empty list covers all).
    pub fn covers(&self, component: &Component) -> bool {
        self.applies_to.is_empty()
            || self
                .applies_to
                .iter()
                .any(|target| target == &component.id || target == component.kind.as_str())
    }
}

/// The whole estate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estate {
    /// The service organisation.
    #[serde(default)]
    pub organisation: String,
    /// The service the report covers.
    #[serde(default)]
    pub service: String,
    /// Subservice organisations.
    #[serde(default)]
    pub subservice_organisations: Vec<SubserviceOrganisation>,
    /// Shared responsibility statements.
    #[serde(default)]
    pub responsibilities: Vec<ResponsibilityStatement>,
    /// System components.
    #[serde(default)]
    pub components: Vec<Component>,
    /// The IANA time zone the engagement period's days are counted in (`Europe/Berlin`) for
    /// rows of no component with a time zone of its own. Empty: UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Whether `name` is an IANA time zone (`Europe/Berlin`, `UTC`); the message says what to give.
pub fn check_time_zone(name: &str) -> Result<(), String> {
    match name.parse::<chrono_tz::Tz>() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "'{name}' is not an IANA time zone; give a name such as Europe/Berlin, America/Chicago or UTC (a fixed offset such as +01:00 would be wrong half the year where clocks change)"
        )),
    }
}

/// Which list an [`EstateProblem`] points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `components[index]`.
    Component,
    /// `subservice_organisations[index]`.
    SubserviceOrganisation,
    /// `responsibilities[index]`.
    Responsibility,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Section::Component => "components",
            Section::SubserviceOrganisation => "subservice_organisations",
            Section::Responsibility => "responsibilities",
        })
    }
}

/// A consistency problem found by [`Estate::check`], located by list, index and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstateProblem {
    /// The list.
    pub section: Section,
    /// Position in the list (0-based).
    pub index: usize,
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl Estate {
    /// Looks up a subservice organisation by ID.
    pub fn subservice(&self, id: &str) -> Option<&SubserviceOrganisation> {
        self.subservice_organisations.iter().find(|s| s.id == id)
    }

    /// Cross-entry consistency checks. Returns every problem, ordered by section then index.
    pub fn check(&self) -> Vec<EstateProblem> {
        let mut problems = Vec::new();
        let mut problem = |section, index, field, message: String| {
            problems.push(EstateProblem {
                section,
                index,
                field,
                message,
            })
        };

        let mut subservice_ids = BTreeMap::new();
        for (index, org) in self.subservice_organisations.iter().enumerate() {
            if !is_valid_id(&org.id) {
                problem(
                    Section::SubserviceOrganisation,
                    index,
                    "id",
                    invalid_id_message(&org.id),
                );
            }
            if let Some(first) = subservice_ids.insert(org.id.as_str(), index) {
                problem(
                    Section::SubserviceOrganisation,
                    index,
                    "id",
                    format!(
                        "duplicate subservice organisation id '{}' (first used by entry {}); ids must be unique",
                        org.id,
                        first + 1
                    ),
                );
            }
        }

        let mut component_ids: HashMap<&str, usize> = HashMap::with_capacity(self.components.len());
        for (index, component) in self.components.iter().enumerate() {
            if !is_valid_id(&component.id) {
                problem(
                    Section::Component,
                    index,
                    "id",
                    invalid_id_message(&component.id),
                );
            }
            if let Some(first) = component_ids.insert(component.id.as_str(), index) {
                // Keep the first occurrence as the reference point for later duplicates.
                component_ids.insert(component.id.as_str(), first);
                problem(
                    Section::Component,
                    index,
                    "id",
                    format!(
                        "duplicate component id '{}' (first used by component {}); ids must be unique",
                        component.id,
                        first + 1
                    ),
                );
            }
            if component.name.trim().is_empty() {
                problem(
                    Section::Component,
                    index,
                    "name",
                    "name is empty; give the component a human-readable name".to_string(),
                );
            }
            match (&component.subservice, component.operated_by) {
                (None, Operator::Subservice) => problem(
                    Section::Component,
                    index,
                    "subservice",
                    "operated_by is 'subservice' but no subservice organisation is named; set `subservice` to the id of an entry in subservice_organisations".to_string(),
                ),
                (Some(id), _) if !subservice_ids.contains_key(id.as_str()) => problem(
                    Section::Component,
                    index,
                    "subservice",
                    format!(
                        "unknown subservice organisation '{id}'; define it under subservice_organisations{}",
                        known_list(subservice_ids.keys().copied())
                    ),
                ),
                _ => {}
            }
        }

        for (index, component) in self.components.iter().enumerate() {
            for path in &component.access_via {
                if path == &component.id {
                    problem(
                        Section::Component,
                        index,
                        "access_via",
                        "a component cannot be its own access path; name the jump host, gateway or console support goes through".to_string(),
                    );
                } else if !component_ids.contains_key(path.as_str()) {
                    problem(
                        Section::Component,
                        index,
                        "access_via",
                        format!(
                            "'{path}' is not a component id of the estate; add the access path (for example a remote_access_gateway) as a component"
                        ),
                    );
                }
            }
        }

        for (index, component) in self.components.iter().enumerate() {
            if let Some(zone) = &component.time_zone {
                if let Err(message) = check_time_zone(zone) {
                    problem(Section::Component, index, "time_zone", message);
                }
            }
        }

        let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, component) in self.components.iter().enumerate() {
            let Some(t) = &component.telemetry else {
                continue;
            };
            if t.device_class.trim().is_empty() {
                problem(
                    Section::Component,
                    index,
                    "telemetry",
                    "telemetry.device_class is empty; name the device class its devices carry in device_identity_events".to_string(),
                );
            } else if let Some(first) = classes.insert(t.device_class.as_str(), index) {
                problem(
                    Section::Component,
                    index,
                    "telemetry",
                    format!(
                        "device class '{}' is already given to component {}; a class belongs to one component",
                        t.device_class,
                        first + 1
                    ),
                );
            }
            if !(1..=8760).contains(&t.max_gap_hours) {
                problem(
                    Section::Component,
                    index,
                    "telemetry",
                    format!(
                        "telemetry.max_gap_hours is {}; give the longest silence expected, from 1 to 8,760 hours",
                        t.max_gap_hours
                    ),
                );
            }
        }

        let kinds: BTreeSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let mut domains = BTreeMap::new();
        for (index, statement) in self.responsibilities.iter().enumerate() {
            if let Some(first) = domains.insert(statement.domain, index) {
                problem(
                    Section::Responsibility,
                    index,
                    "domain",
                    format!(
                        "a second statement for domain '{}' (first is entry {}); merge them into one",
                        statement.domain,
                        first + 1
                    ),
                );
            }
            if statement.vendor.is_none() && statement.customer.is_none() {
                problem(
                    Section::Responsibility,
                    index,
                    "customer",
                    "statement says nothing; give `vendor`, `customer` or both".to_string(),
                );
            }
            for target in &statement.applies_to {
                if !component_ids.contains_key(target.as_str()) && !kinds.contains(target.as_str())
                {
                    problem(
                        Section::Responsibility,
                        index,
                        "applies_to",
                        format!("'{target}' is neither a component id nor a component kind"),
                    );
                }
            }
        }
        problems.sort_by_key(|p| (p.section as u8, p.index));
        problems
    }
}

fn invalid_id_message(id: &str) -> String {
    format!("invalid id '{id}': use 1-128 letters, digits and - _ . : /")
}

fn known_list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    if ids.is_empty() {
        " (none is defined yet)".to_string()
    } else {
        format!(" (defined: {})", ids.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{Facts, Site, Zone};

    fn component(id: &str) -> Component {
        Component {
            id: id.into(),
            name: format!("{id} name"),
            kind: Kind::Bms,
            operated_by: Operator::Us,
            site: Site::OurFacility,
            zone: Zone::Ot,
            declared_scope: None,
            facts: Facts::NONE,
            subservice: None,
            description: None,
            owner: None,
            access_via: Vec::new(),
            telemetry: None,
            time_zone: None,
            assets: Vec::new(),
        }
    }

    #[test]
    fn duplicate_component_ids_point_at_the_second_occurrence() {
        let estate = Estate {
            time_zone: None,
            components: vec![
                component("a"),
                component("b"),
                component("a"),
                component("a"),
            ],
            ..Estate::default()
        };
        let problems = estate.check();
        assert_eq!(problems.len(), 2);
        assert_eq!((problems[0].index, problems[0].field), (2, "id"));
        assert!(problems[1].message.contains("first used by component 1"));
    }

    #[test]
    fn subservice_references_must_resolve() {
        let mut c = component("cloud");
        c.operated_by = Operator::Subservice;
        let estate = Estate {
            time_zone: None,
            components: vec![c.clone()],
            ..Estate::default()
        };
        assert_eq!(estate.check()[0].field, "subservice");
        c.subservice = Some("aws".into());
        let estate = Estate {
            time_zone: None,
            components: vec![c],
            ..Estate::default()
        };
        assert!(estate.check()[0]
            .message
            .contains("unknown subservice organisation 'aws'"));
    }

    #[test]
    fn responsibility_targets_must_be_ids_or_kinds() {
        let estate = Estate {
            time_zone: None,
            components: vec![component("bms-1")],
            responsibilities: vec![ResponsibilityStatement {
                domain: Domain::PhysicalAccess,
                vendor: None,
                customer: Some("lock the cage".into()),
                applies_to: vec!["bms-1".into(), "field_device".into(), "nope".into()],
            }],
            ..Estate::default()
        };
        let problems = estate.check();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("'nope'"));
    }
}
