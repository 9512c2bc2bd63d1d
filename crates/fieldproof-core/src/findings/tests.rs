//! One test per finding rule: it fires on the pattern it names and stays quiet otherwise.

use super::*;
use crate::assess;
use crate::component::{Facts, Operator, Site};
use crate::estate::{Domain, ResponsibilityStatement, SubserviceOrganisation};

fn component(id: &str, kind: Kind, operated_by: Operator, site: Site, facts: &[Fact]) -> Component {
    Component {
        id: id.into(),
        name: id.into(),
        kind,
        operated_by,
        site,
        zone: if kind.is_ot() { Zone::Ot } else { Zone::Cloud },
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

fn estate(components: Vec<Component>) -> Estate {
    Estate {
        time_zone: None,
        organisation: "Org".into(),
        service: "Svc".into(),
        components,
        ..Estate::default()
    }
}

fn rules_fired(estate: &Estate) -> Vec<(&'static str, Severity, String)> {
    assess(estate)
        .findings
        .into_iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.severity,
                f.component.or(f.subservice).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn ot_availability_declared_out_is_high_for_critical_ot() {
    let mut bms = component(
        "bms",
        Kind::Bms,
        Operator::Us,
        Site::OurFacility,
        &[Fact::AffectsAvailability],
    );
    bms.declared_scope = Some(Scope::Out);
    let mut historian = component(
        "hist",
        Kind::Historian,
        Operator::Us,
        Site::OurFacility,
        &[Fact::AffectsAvailability],
    );
    historian.declared_scope = Some(Scope::Out);
    let fired = rules_fired(&estate(vec![bms, historian]));
    assert_eq!(
        fired,
        vec![
            (
                "ot-availability-declared-out",
                Severity::High,
                "bms".to_string()
            ),
            (
                "ot-availability-declared-out",
                Severity::Medium,
                "hist".to_string()
            ),
        ]
    );
}

#[test]
fn ot_declared_out_is_fine_when_the_customer_operates_it() {
    let mut bms = component(
        "bms",
        Kind::Bms,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::AffectsAvailability],
    );
    bms.declared_scope = Some(Scope::Out);
    assert!(rules_fired(&estate(vec![bms])).is_empty());
}

#[test]
fn declared_scope_narrower_and_broader() {
    let mut api = component(
        "api",
        Kind::CloudService,
        Operator::Us,
        Site::OurCloud,
        &[Fact::ProcessesCustomerData],
    );
    api.declared_scope = Some(Scope::Shared);
    let mut laptop = component(
        "laptops",
        Kind::CorporateIt,
        Operator::Us,
        Site::OurFacility,
        &[],
    );
    laptop.declared_scope = Some(Scope::In);
    let fired = rules_fired(&estate(vec![api, laptop]));
    assert_eq!(
        fired,
        vec![
            (
                "declared-scope-narrower",
                Severity::Medium,
                "api".to_string()
            ),
            (
                "declared-scope-broader",
                Severity::Info,
                "laptops".to_string()
            ),
        ]
    );
}

#[test]
fn field_device_needs_a_shared_responsibility_statement() {
    let device = component(
        "sensor",
        Kind::FieldDevice,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::DeviceAuthenticatesToOurCloud],
    );
    let mut e = estate(vec![device]);
    assert_eq!(
        rules_fired(&e),
        vec![(
            "device-without-shared-responsibility",
            Severity::High,
            "sensor".to_string()
        )]
    );
    e.responsibilities.push(ResponsibilityStatement {
        domain: Domain::PhysicalAccess,
        vendor: None,
        customer: Some("Keep sensors in locked enclosures.".into()),
        applies_to: vec!["field_device".into()],
    });
    assert!(rules_fired(&e).is_empty());
}

#[test]
fn shared_credentials_are_high_on_devices() {
    let gateway = component(
        "gw",
        Kind::EdgeGateway,
        Operator::Us,
        Site::OurFacility,
        &[Fact::UsesSharedCredentials, Fact::AffectsAvailability],
    );
    let tool = component(
        "wiki",
        Kind::Ticketing,
        Operator::Us,
        Site::OurCloud,
        &[Fact::UsesSharedCredentials, Fact::ProcessesCustomerData],
    );
    let fired = rules_fired(&estate(vec![gateway, tool]));
    assert_eq!(
        fired,
        vec![
            ("shared-credentials", Severity::High, "gw".to_string()),
            ("shared-credentials", Severity::Medium, "wiki".to_string()),
        ]
    );
}

#[test]
fn support_access_needs_in_scope_governance() {
    let plc = component(
        "plc",
        Kind::Plc,
        Operator::Us,
        Site::OurFacility,
        &[Fact::SupportCanAccessOrOperate, Fact::AffectsAvailability],
    );
    let mut e = estate(vec![plc]);
    assert_eq!(
        rules_fired(&e),
        vec![(
            "support-access-ungoverned",
            Severity::High,
            "plc".to_string()
        )]
    );
    e.components.push(component(
        "jump",
        Kind::RemoteAccessGateway,
        Operator::Us,
        Site::OurFacility,
        &[Fact::EnforcesAccessControl],
    ));
    // Governance exists somewhere, but the PLC does not say its support goes through it.
    assert_eq!(
        rules_fired(&e),
        vec![(
            "support-access-path-unnamed",
            Severity::Medium,
            "plc".to_string()
        )]
    );
    e.components[0].access_via = vec!["jump".into()];
    assert!(rules_fired(&e).is_empty());
}

/// Regression: support access used to count as governed when any in-scope access governance
/// existed anywhere in the estate, even when the PLC's support path bypassed it.
#[test]
fn regression_support_access_is_judged_per_path() {
    let mut plc = component(
        "plc",
        Kind::Plc,
        Operator::Us,
        Site::OurFacility,
        &[Fact::SupportCanAccessOrOperate, Fact::AffectsAvailability],
    );
    plc.access_via = vec!["jump".into(), "vendor-modem".into(), "wiki".into()];
    let jump = component(
        "jump",
        Kind::RemoteAccessGateway,
        Operator::Us,
        Site::OurFacility,
        &[Fact::EnforcesAccessControl],
    );
    // A vendor's remote access box that the vendor operates: out of scope for us.
    let modem = component(
        "vendor-modem",
        Kind::RemoteAccessGateway,
        Operator::Customer,
        Site::OurFacility,
        &[Fact::EnforcesAccessControl],
    );
    let wiki = component(
        "wiki",
        Kind::CloudService,
        Operator::Us,
        Site::OurCloud,
        &[Fact::ProcessesCustomerData],
    );
    let e = estate(vec![plc, jump, modem, wiki]);
    let findings = assess(&e).findings;
    let messages: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == FindingRuleId::SupportAccessUngoverned)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages
        .iter()
        .any(|m| m.contains("through vendor-modem") && m.contains("out of scope")));
    assert!(messages
        .iter()
        .any(|m| m.contains("through wiki") && m.contains("cannot approve")));
}

#[test]
fn carve_out_without_csocs_and_unused_subservice() {
    let mut e = estate(vec![]);
    e.subservice_organisations.push(SubserviceOrganisation {
        id: "cloud".into(),
        name: "Cloud Co".into(),
        method: SubserviceMethod::CarveOut,
        services: None,
        complementary_controls: vec![],
    });
    assert_eq!(
        rules_fired(&e),
        vec![
            (
                "carve-out-without-csocs",
                Severity::Medium,
                "cloud".to_string()
            ),
            ("subservice-unused", Severity::Low, "cloud".to_string()),
        ]
    );
    e.subservice_organisations[0]
        .complementary_controls
        .push("Restrict data center access".into());
    let mut c = component(
        "vm",
        Kind::CloudService,
        Operator::Subservice,
        Site::ThirdParty,
        &[Fact::ProcessesCustomerData],
    );
    c.subservice = Some("cloud".into());
    e.components.push(c);
    assert!(rules_fired(&e).is_empty());
}

#[test]
fn facility_plant_without_availability_fact() {
    let ups = component(
        "ups",
        Kind::EpmsUps,
        Operator::Us,
        Site::OurFacility,
        &[Fact::EnforcesAccessControl],
    );
    assert_eq!(
        rules_fired(&estate(vec![ups])),
        vec![(
            "facility-plant-availability-unstated",
            Severity::Low,
            "ups".to_string()
        )]
    );
}

#[test]
fn every_finding_rule_id_has_exactly_one_rule() {
    for id in FindingRuleId::ALL {
        assert_eq!(
            FINDING_RULES.iter().filter(|r| r.id == *id).count(),
            1,
            "{id}"
        );
    }
    assert_eq!(FINDING_RULES.len(), FindingRuleId::ALL.len());
}
