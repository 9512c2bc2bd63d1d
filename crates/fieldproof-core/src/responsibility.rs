//! The shared responsibility matrix: domain × vendor duty × customer duty.
//!
//! Rows are derived from the components and the triggers they fire through a clause table: a
//! clause selects components (for example "in or shared, and fires the device identity
//! trigger") and contributes our standard wording of the vendor's and the customer's duty.
//! Statements in the estate then replace the wording of a domain or add a domain the derivation
//! did not find. Customer duties become the numbered complementary user entity controls (CUECs);
//! carve-out subservice organisations contribute complementary subservice organisation controls
//! (CSOCs).

use crate::assessment::Assessment;
use crate::component::{Component, Fact, Kind, Scope, Site};
use crate::estate::{Domain, SubserviceMethod};
use crate::scope::triggers::Trigger;
use crate::scope::ScopeDecision;
use std::collections::BTreeSet;

/// One derivation clause of the matrix.
#[derive(Debug)]
pub struct Clause {
    /// The domain it contributes to.
    pub domain: Domain,
    /// Why the domain applies, shown as the row's basis.
    pub basis: &'static str,
    /// Which components it selects.
    pub selects: fn(&Component, &ScopeDecision) -> bool,
    /// Our duty.
    pub vendor: &'static str,
    /// The customer's duty.
    pub customer: &'static str,
}

fn inside(d: &ScopeDecision) -> bool {
    d.scope != Scope::Out
}

fn fires(d: &ScopeDecision, trigger: Trigger) -> bool {
    inside(d) && d.triggers.contains(trigger as usize)
}

/// The derivation clauses, in matrix order.
pub const CLAUSES: &[Clause] = &[
    Clause {
        domain: Domain::DeviceIdentity,
        basis: "trigger device_identity",
        selects: |_, d| fires(d, Trigger::DeviceIdentity),
        vendor: "Issue a unique credential per device, bind each device to its tenant, rotate credentials, and revoke or quarantine compromised devices.",
        customer: "Protect installed devices against theft and tampering, and report lost or compromised devices promptly.",
    },
    Clause {
        domain: Domain::FirmwareUpdates,
        basis: "trigger remote_firmware_or_config",
        selects: |_, d| fires(d, Trigger::RemoteFirmwareOrConfig),
        vendor: "Sign firmware and configuration, approve each release as a change, roll out in stages with canaries, monitor failures and roll back.",
        customer: "Approve maintenance windows where the contract requires it and keep devices reachable so that updates apply.",
    },
    Clause {
        domain: Domain::TelemetryIntegrity,
        basis: "trigger telemetry_reliance",
        selects: |_, d| fires(d, Trigger::TelemetryReliance),
        vendor: "Validate, deduplicate and isolate telemetry per tenant, detect missing data, and control exports.",
        customer: "Install, power and maintain devices as documented so that telemetry is complete, and report gaps they notice.",
    },
    Clause {
        domain: Domain::SupportAccess,
        basis: "trigger support_access",
        selects: |_, d| fires(d, Trigger::SupportAccess),
        vendor: "Grant support access on least privilege, approved and time-bound; log privileged actions and review access periodically.",
        customer: "Authorise support requests that need access to their devices or data, and review the access reports provided.",
    },
    Clause {
        domain: Domain::NetworkExposure,
        basis: "components at customer sites",
        selects: |c, d| inside(d) && c.site == Site::CustomerSite,
        vendor: "Secure our cloud endpoints and the connections devices use to reach them.",
        customer: "Segment and secure the local network that devices at their sites attach to.",
    },
    Clause {
        domain: Domain::NetworkExposure,
        basis: "customer networks",
        selects: |c, _| c.kind == Kind::CustomerNetwork && !c.has(Fact::ManagedService),
        vendor: "Deliver network hand-offs and cross-connects as ordered and keep our own network segmented from customers'.",
        customer: "Operate and secure their own network equipment and traffic beyond the hand-off.",
    },
    Clause {
        domain: Domain::PhysicalAccess,
        basis: "components in our facilities",
        selects: |c, d| inside(d) && c.site == Site::OurFacility && (c.kind.is_ot() || c.kind == Kind::Network),
        vendor: "Control, log and review physical access to our facilities and the systems in them.",
        customer: "",
    },
    Clause {
        domain: Domain::PhysicalAccess,
        basis: "customer equipment in our facilities",
        selects: |c, _| c.site == Site::OurFacility && c.operated_by == crate::component::Operator::Customer,
        vendor: "Restrict each customer's cage or area to the people that customer has authorised.",
        customer: "Keep the list of people authorised to enter their cages or areas current and remove leavers promptly.",
    },
    Clause {
        domain: Domain::PhysicalAccess,
        basis: "components at customer sites",
        selects: |c, d| inside(d) && c.site == Site::CustomerSite,
        vendor: "State installation and tamper-evidence expectations for our equipment at customer sites.",
        customer: "Maintain physical security at the sites where our equipment is installed.",
    },
    Clause {
        domain: Domain::EnvironmentalAvailability,
        basis: "facility plant",
        selects: |c, d| inside(d) && c.kind.is_facility_plant(),
        vendor: "Operate, monitor and maintain power and cooling plant to meet the committed availability.",
        customer: "Stay within contracted power and cooling capacity and report environmental alarms in their areas.",
    },
    Clause {
        domain: Domain::LogicalAccess,
        basis: "fact enforces_access_control",
        selects: |c, d| {
            inside(d) && c.has(Fact::EnforcesAccessControl) && !matches!(c.kind, Kind::Pacs | Kind::Cctv)
        },
        vendor: "Authenticate our staff and integrators (MFA for privileged and remote access), enforce least privilege and review access.",
        customer: "",
    },
    Clause {
        domain: Domain::LogicalAccess,
        basis: "customer-facing cloud services",
        selects: |c, d| {
            inside(d)
                && c.kind == Kind::CloudService
                && c.has(Fact::EnforcesAccessControl)
                && (c.has(Fact::ProcessesCustomerData) || c.has(Fact::ProcessesPersonalData))
        },
        vendor: "Offer customers MFA and role-based access to the service.",
        customer: "Administer their own users' accounts, remove leavers, and review their users' access.",
    },
    Clause {
        domain: Domain::CustomerData,
        basis: "facts processes_customer_data / processes_personal_data",
        selects: |c, d| {
            inside(d) && (c.has(Fact::ProcessesCustomerData) || c.has(Fact::ProcessesPersonalData))
        },
        vendor: "Protect customer data in transit and at rest, restrict access to it, and retain and dispose of it as agreed.",
        customer: "Decide which data they send, classify it, and configure sharing and export settings.",
    },
    Clause {
        domain: Domain::FinancialData,
        basis: "SOC 1 relevance: production data",
        selects: |c, d| d.soc1_relevant && c.has(Fact::AffectsFinancialReporting) && (c.kind.is_ot() || c.kind == Kind::Erp),
        vendor: "Record production counts and batch data completely and accurately, and reconcile OT data with ERP postings.",
        customer: "Reconcile the postings they receive with their ledgers and approve master data changes.",
    },
    Clause {
        domain: Domain::FinancialData,
        basis: "SOC 1 relevance: metered usage",
        selects: |c, d| d.soc1_relevant && c.has(Fact::TelemetryDrivesBilling),
        vendor: "Record metered usage completely and accurately, flag estimates for missing readings, and reconcile usage with the invoices issued.",
        customer: "Compare invoiced usage with their own records and report discrepancies within the agreed period.",
    },
    Clause {
        domain: Domain::FinancialData,
        basis: "SOC 1 relevance",
        selects: |c, d| {
            d.soc1_relevant
                && !c.has(Fact::TelemetryDrivesBilling)
                && !(c.kind.is_ot() || c.kind == Kind::Erp)
        },
        vendor: "Process the data customers rely on for financial reporting completely, accurately and on time.",
        customer: "Review the reports and data they receive for completeness and report errors promptly.",
    },
];

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    /// The domain.
    pub domain: Domain,
    /// Our duty.
    pub vendor: String,
    /// The customer's duty (a CUEC when not empty).
    pub customer: String,
    /// The components concerned, sorted.
    pub components: Vec<String>,
    /// Why the row exists (clause bases, or "stated in the estate").
    pub basis: Vec<String>,
    /// Whether the wording comes from an estate statement.
    pub stated: bool,
}

/// A complementary control the report lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplementaryControl {
    /// `CUEC-01`, `CSOC-01`, ...
    pub id: String,
    /// Domain (CUEC) or subservice organisation name (CSOC).
    pub about: String,
    /// The control text.
    pub text: String,
}

/// The derived matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsibilityMatrix {
    /// Rows in domain order.
    pub rows: Vec<MatrixRow>,
    /// Complementary user entity controls, numbered in row order.
    pub cuecs: Vec<ComplementaryControl>,
    /// Complementary subservice organisation controls of carved-out organisations.
    pub csocs: Vec<ComplementaryControl>,
}

/// Title of a domain for reports.
pub const fn domain_title(domain: Domain) -> &'static str {
    match domain {
        Domain::DeviceIdentity => "Device identity",
        Domain::FirmwareUpdates => "Firmware and configuration updates",
        Domain::TelemetryIntegrity => "Telemetry integrity",
        Domain::SupportAccess => "Support and privileged access",
        Domain::NetworkExposure => "Network exposure",
        Domain::PhysicalAccess => "Physical access",
        Domain::EnvironmentalAvailability => "Power, cooling and environment",
        Domain::LogicalAccess => "User access to the service",
        Domain::CustomerData => "Customer data",
        Domain::FinancialData => "Production and financial data (SOC 1)",
    }
}

/// Derives the matrix of an assessment.
pub fn derive(assessment: &Assessment<'_>) -> ResponsibilityMatrix {
    let estate = assessment.estate;
    let mut rows = Vec::new();
    for domain in Domain::ALL {
        let mut components = BTreeSet::new();
        let mut basis = Vec::new();
        let mut vendor = Vec::new();
        let mut customer = Vec::new();
        for clause in CLAUSES.iter().filter(|c| c.domain == *domain) {
            let before = components.len();
            let mut any = false;
            for (c, d) in assessment.by_id() {
                if (clause.selects)(c, d) {
                    components.insert(c.id.clone());
                    any = true;
                }
            }
            if any || components.len() > before {
                basis.push(clause.basis.to_string());
                vendor.push(clause.vendor);
                if !clause.customer.is_empty() {
                    customer.push(clause.customer);
                }
            }
        }
        let statement = estate.responsibilities.iter().find(|s| s.domain == *domain);
        if basis.is_empty() && statement.is_none() {
            continue;
        }
        if let Some(statement) = statement {
            basis.push("stated in the estate".to_string());
            // An explicit target list names its components whatever their scope: a statement
            // about customer-handled devices is exactly what covers out-of-scope devices.
            if !statement.applies_to.is_empty() {
                for (c, _) in assessment.by_id().filter(|(c, _)| statement.covers(c)) {
                    components.insert(c.id.clone());
                }
            }
        }
        rows.push(MatrixRow {
            domain: *domain,
            vendor: statement
                .and_then(|s| s.vendor.clone())
                .unwrap_or_else(|| vendor.join(" ")),
            customer: statement
                .and_then(|s| s.customer.clone())
                .unwrap_or_else(|| customer.join(" ")),
            components: components.into_iter().collect(),
            basis,
            stated: statement.is_some(),
        });
    }
    let cuecs = rows
        .iter()
        .filter(|r| !r.customer.trim().is_empty())
        .enumerate()
        .map(|(i, r)| ComplementaryControl {
            id: format!("CUEC-{:02}", i + 1),
            about: domain_title(r.domain).to_string(),
            text: r.customer.clone(),
        })
        .collect();
    let mut orgs: Vec<_> = estate
        .subservice_organisations
        .iter()
        .filter(|s| s.method == SubserviceMethod::CarveOut)
        .collect();
    orgs.sort_by(|a, b| a.id.cmp(&b.id));
    let csocs = orgs
        .iter()
        .flat_map(|org| {
            org.complementary_controls
                .iter()
                .map(move |text| (org, text))
        })
        .enumerate()
        .map(|(i, (org, text))| ComplementaryControl {
            id: format!("CSOC-{:02}", i + 1),
            about: org.name.clone(),
            text: text.clone(),
        })
        .collect();
    ResponsibilityMatrix { rows, cuecs, csocs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess;
    use crate::component::{Facts, Operator, Zone};
    use crate::estate::{Estate, ResponsibilityStatement};

    fn device(id: &str, facts: &[Fact]) -> Component {
        Component {
            id: id.into(),
            name: id.into(),
            kind: Kind::FieldDevice,
            operated_by: Operator::Customer,
            site: Site::CustomerSite,
            zone: Zone::Field,
            declared_scope: None,
            facts: Facts::of(facts),
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
    fn triggers_derive_their_domains() {
        let estate = Estate {
            time_zone: None,
            components: vec![device(
                "meter",
                &[
                    Fact::DeviceAuthenticatesToOurCloud,
                    Fact::TelemetryDrivesBilling,
                ],
            )],
            ..Estate::default()
        };
        let assessment = assess(&estate);
        let matrix = derive(&assessment);
        let domains: Vec<Domain> = matrix.rows.iter().map(|r| r.domain).collect();
        assert_eq!(
            domains,
            vec![
                Domain::DeviceIdentity,
                Domain::TelemetryIntegrity,
                Domain::NetworkExposure,
                Domain::PhysicalAccess,
                Domain::FinancialData
            ]
        );
        assert_eq!(matrix.cuecs.len(), 5);
        assert_eq!(matrix.cuecs[0].id, "CUEC-01");
    }

    #[test]
    fn a_statement_replaces_the_wording_and_covers_its_targets() {
        let estate = Estate {
            time_zone: None,
            components: vec![device("meter", &[Fact::DeviceAuthenticatesToOurCloud])],
            responsibilities: vec![ResponsibilityStatement {
                domain: Domain::DeviceIdentity,
                vendor: None,
                customer: Some("Keep meters in locked cabinets.".into()),
                applies_to: vec!["field_device".into()],
            }],
            ..Estate::default()
        };
        let matrix = derive(&assess(&estate));
        let row = &matrix.rows[0];
        assert!(row.stated);
        assert_eq!(row.customer, "Keep meters in locked cabinets.");
        assert!(row.vendor.starts_with("Issue a unique credential"));
        assert!(row.basis.contains(&"stated in the estate".to_string()));
    }

    #[test]
    fn financial_wording_follows_what_drives_the_figures() {
        let mut scada = device("scada", &[Fact::AffectsFinancialReporting]);
        (scada.kind, scada.operated_by, scada.site, scada.zone) =
            (Kind::Scada, Operator::Us, Site::OurFacility, Zone::Ot);
        let mut meter = device(
            "meter",
            &[
                Fact::TelemetryDrivesBilling,
                Fact::DeviceAuthenticatesToOurCloud,
            ],
        );
        meter.zone = Zone::Field;
        for (component, wording) in [(scada, "production counts"), (meter, "metered usage")] {
            let estate = Estate {
                time_zone: None,
                components: vec![component],
                ..Estate::default()
            };
            let matrix = derive(&assess(&estate));
            let row = matrix
                .rows
                .iter()
                .find(|r| r.domain == Domain::FinancialData)
                .expect("SOC 1 row");
            assert!(row.vendor.contains(wording), "{}", row.vendor);
        }
    }

    #[test]
    fn out_of_scope_components_derive_nothing_but_customer_networks() {
        let mut network = device("cust-lan", &[]);
        network.kind = Kind::CustomerNetwork;
        let estate = Estate {
            time_zone: None,
            components: vec![device("idle", &[]), network],
            ..Estate::default()
        };
        let matrix = derive(&assess(&estate));
        assert_eq!(matrix.rows.len(), 1);
        assert_eq!(matrix.rows[0].domain, Domain::NetworkExposure);
        assert_eq!(matrix.rows[0].components, vec!["cust-lan".to_string()]);
    }
}
