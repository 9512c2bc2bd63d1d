//! One test per scope rule, plus an exhaustive check that the table decides every combination.

use super::rules::{scope_rule, SCOPE_RULES};
use super::*;
use crate::component::{Fact, Facts, Kind, Operator, Site, Zone};

fn component(kind: Kind, operated_by: Operator, site: Site, facts: &[Fact]) -> Component {
    Component {
        id: "c-1".into(),
        name: "C".into(),
        kind,
        operated_by,
        site,
        zone: Zone::Ot,
        declared_scope: None,
        facts: Facts::of(facts),
        subservice: (operated_by == Operator::Subservice).then(|| "sub".to_string()),
        description: None,
        owner: None,
        access_via: Vec::new(),
        telemetry: None,
        time_zone: None,
        assets: Vec::new(),
    }
}

fn decided_by(c: &Component, method: Option<SubserviceMethod>) -> (&'static str, Scope) {
    let d = decide(c, method);
    (SCOPE_RULES[d.decided_by as usize].id, d.scope)
}

#[test]
fn rule_carved_out_subservice() {
    let c = component(
        Kind::CloudService,
        Operator::Subservice,
        Site::ThirdParty,
        &[Fact::ProcessesCustomerData],
    );
    assert_eq!(
        decided_by(&c, Some(SubserviceMethod::CarveOut)),
        ("carved-out-subservice", Scope::Out)
    );
}

#[test]
fn rule_inclusive_subservice() {
    let c = component(
        Kind::CloudService,
        Operator::Subservice,
        Site::ThirdParty,
        &[Fact::ProcessesCustomerData],
    );
    assert_eq!(
        decided_by(&c, Some(SubserviceMethod::Inclusive)),
        ("inclusive-subservice", Scope::In)
    );
}

#[test]
fn rule_customer_network() {
    let c = component(
        Kind::CustomerNetwork,
        Operator::Customer,
        Site::OurFacility,
        &[Fact::AffectsAvailability],
    );
    assert_eq!(decided_by(&c, None), ("customer-network", Scope::Out));
    // Run as a managed service, the same network is ours.
    let managed = component(
        Kind::CustomerNetwork,
        Operator::Customer,
        Site::OurFacility,
        &[Fact::AffectsAvailability, Fact::ManagedService],
    );
    assert_eq!(decided_by(&managed, None), ("operated-by-us", Scope::In));
}

#[test]
fn rule_not_tied_to_service() {
    let c = component(
        Kind::CorporateIt,
        Operator::Us,
        Site::OurFacility,
        &[Fact::UsesSharedCredentials],
    );
    assert_eq!(decided_by(&c, None), ("not-tied-to-service", Scope::Out));
}

#[test]
fn rule_customer_operated() {
    let c = component(
        Kind::FieldDevice,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::AffectsAvailability],
    );
    assert_eq!(decided_by(&c, None), ("customer-operated", Scope::Out));
}

#[test]
fn rule_customer_operated_triggered() {
    let c = component(
        Kind::FieldDevice,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::DeviceAuthenticatesToOurCloud],
    );
    assert_eq!(
        decided_by(&c, None),
        ("customer-operated-triggered", Scope::Shared)
    );
}

#[test]
fn rule_jointly_operated() {
    let c = component(
        Kind::Historian,
        Operator::Shared,
        Site::OurFacility,
        &[Fact::AffectsAvailability],
    );
    assert_eq!(decided_by(&c, None), ("jointly-operated", Scope::Shared));
}

#[test]
fn rule_ours_at_customer_site() {
    let c = component(
        Kind::EdgeGateway,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::ManagedService, Fact::WePushFirmwareOrConfig],
    );
    assert_eq!(
        decided_by(&c, None),
        ("ours-at-customer-site", Scope::Shared)
    );
}

#[test]
fn rule_operated_by_us() {
    let c = component(
        Kind::Bms,
        Operator::Us,
        Site::OurFacility,
        &[Fact::AffectsAvailability],
    );
    assert_eq!(decided_by(&c, None), ("operated-by-us", Scope::In));
}

#[test]
fn every_combination_is_decided_by_a_rule_that_matches() {
    // Facts matter to the rules only through responsibility, triggers and managed service;
    // enumerate every subset of a representative fact per role.
    let roles = [
        Fact::AffectsAvailability,
        Fact::DeviceAuthenticatesToOurCloud,
        Fact::ManagedService,
        Fact::UsesSharedCredentials,
    ];
    let methods = [
        None,
        Some(SubserviceMethod::CarveOut),
        Some(SubserviceMethod::Inclusive),
    ];
    for kind in [Kind::FieldDevice, Kind::CustomerNetwork, Kind::Bms] {
        for operator in Operator::ALL {
            for site in Site::ALL {
                for mask in 0..(1u8 << roles.len()) {
                    let facts: Vec<Fact> = roles
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, f)| *f)
                        .collect();
                    for method in methods {
                        let c = component(kind, *operator, *site, &facts);
                        let d = decide(&c, method);
                        assert!(d.matched & (1 << d.decided_by) != 0, "{c:?} {method:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn out_of_scope_components_implicate_no_category() {
    let c = component(
        Kind::FieldDevice,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::AffectsAvailability],
    );
    let d = decide(&c, None);
    assert_eq!(d.scope, Scope::Out);
    assert!(d.categories.is_empty());
    assert!(!d.soc1_relevant);
}

#[test]
fn soc1_relevance_follows_financial_facts() {
    let c = component(
        Kind::Scada,
        Operator::Us,
        Site::OurFacility,
        &[Fact::AffectsFinancialReporting],
    );
    let d = decide(&c, None);
    assert!(d.soc1_relevant);
    assert_eq!(
        d.category_list(),
        vec![TscCategory::Security, TscCategory::ProcessingIntegrity]
    );
}

#[test]
fn triggers_are_reported_even_when_out_of_scope() {
    let c = component(
        Kind::FieldDevice,
        Operator::Subservice,
        Site::ThirdParty,
        &[Fact::SupportCanAccessOrOperate],
    );
    let d = decide(&c, Some(SubserviceMethod::CarveOut));
    assert_eq!(d.scope, Scope::Out);
    assert_eq!(d.trigger_list(), vec![Trigger::SupportAccess]);
}

#[test]
fn explanation_names_the_decisive_rule_first_and_the_facts_behind_it() {
    let c = component(
        Kind::FieldDevice,
        Operator::Customer,
        Site::CustomerSite,
        &[Fact::ManagedService, Fact::TelemetryDrivesBilling],
    );
    let d = decide(&c, None);
    let reasons = d.reasons(&c, None);
    assert_eq!(reasons[0].rule, "ours-at-customer-site");
    assert!(reasons[0].decisive);
    let text = reasons[0].because.join("; ");
    assert!(text.contains("managed_service=true"), "{text}");
    assert!(text.contains("site=customer_site"), "{text}");
    assert!(text.contains("triggers: telemetry_reliance"), "{text}");
    // operated-by-us also matched, but did not decide.
    assert!(reasons
        .iter()
        .any(|r| r.rule == "operated-by-us" && !r.decisive));
}

#[test]
fn rule_ids_are_unique_and_resolvable() {
    for rule in SCOPE_RULES {
        assert!(std::ptr::eq(
            scope_rule(rule.id).unwrap_or(&SCOPE_RULES[0]),
            rule
        ));
    }
    assert!(SCOPE_RULES.len() <= 16, "matched is a u16 bit set");
}
