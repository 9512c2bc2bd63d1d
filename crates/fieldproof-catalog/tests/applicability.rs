//! Applicability regression table: over the three bundled examples, the control families an
//! auditor expects for each kind of component in scope, and controls that must never apply to
//! it. The table is data, not code paths: a change to a control's `applies_when` that drops a
//! family from a kind, or brings a misapplied control back, fails here.
//!
//! Families are the two letters in a control id (`FP-CM-04` is CM). Only controls that apply
//! because of the component count; organisation-wide controls apply to everyone.

use fieldproof_catalog::applicability::applicable;
use fieldproof_catalog::Catalog;
use fieldproof_core::component::Kind;
use fieldproof_core::{assess, Scope};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What an auditor expects for a kind of component that is in scope or shared.
struct Row {
    kind: Kind,
    /// Families at least one of whose controls must apply to the component.
    families: &'static [&'static str],
    /// Controls that must not apply to the component.
    never: &'static [&'static str],
}

const CLOUD_NEVER: &[&str] = &[
    "FP-PE-01", "FP-PE-04", "FP-PE-05", "FP-PE-06", "FP-PI-02", "FP-SF-01",
];

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // The cloud tier of a hardware-enabled SaaS vendor: change, vulnerability, baseline and
    // monitoring, and never facility power and cooling or PLC counters.
    Row { kind: Kind::CloudService, families: &["CM", "PM", "LM"], never: &["FP-PE-06", "FP-TI-01", "FP-PI-02", "FP-CM-01", "FP-PE-01"] },
    Row { kind: Kind::TelemetryIngestion, families: &["CM", "PM", "LM", "TI"], never: CLOUD_NEVER },
    Row { kind: Kind::DeviceIdentityPlatform, families: &["CM", "PM", "LM", "DI"], never: CLOUD_NEVER },
    Row { kind: Kind::ProvisioningWorkflow, families: &["CM", "PM", "DI"], never: CLOUD_NEVER },
    Row { kind: Kind::FirmwareUpdateService, families: &["CM", "PM", "FW", "IR"], never: CLOUD_NEVER },
    Row { kind: Kind::AdminTooling, families: &["CM", "PM", "AC", "RS"], never: CLOUD_NEVER },
    Row { kind: Kind::RemoteCommand, families: &["CM", "PM", "FW"], never: CLOUD_NEVER },
    // Devices in the field that the vendor vouches for.
    Row { kind: Kind::FieldDevice, families: &["DI", "TI", "PM"], never: &["FP-PE-01", "FP-CM-04", "FP-PI-02", "FP-AC-08"] },
    Row { kind: Kind::EdgeGateway, families: &["DI", "FW", "TI", "PM"], never: &["FP-PE-01", "FP-CM-04", "FP-PI-02", "FP-AC-08"] },
    // Data center facility OT: physical and environmental, change, backup; never the device
    // telemetry channel.
    Row { kind: Kind::Dcim, families: &["PE", "CM", "BR", "LM"], never: &["FP-TI-01", "FP-TI-03", "FP-TI-04", "FP-CM-04"] },
    Row { kind: Kind::Bms, families: &["PE", "CM", "BR", "LM", "RS"], never: &["FP-TI-01", "FP-CM-04"] },
    Row { kind: Kind::EpmsUps, families: &["PE", "CM", "BR", "AC"], never: &["FP-TI-01", "FP-CM-04"] },
    Row { kind: Kind::Pacs, families: &["PE", "CM", "AC"], never: &["FP-TI-01"] },
    Row { kind: Kind::Cctv, families: &["PE", "LM"], never: &["FP-TI-01"] },
    Row { kind: Kind::FireProtection, families: &["PE", "CM", "BR", "LM"], never: &["FP-TI-01", "FP-PE-06"] },
    Row { kind: Kind::Network, families: &["AC", "CM"], never: &["FP-TI-01"] },
    Row { kind: Kind::RemoteAccessGateway, families: &["RS", "AC"], never: &["FP-PE-04"] },
    Row { kind: Kind::IdentityProvider, families: &["AC", "CM", "PM"], never: &["FP-PE-04"] },
    Row { kind: Kind::Ticketing, families: &["CM", "PM"], never: &["FP-PE-04", "FP-TI-01"] },
    Row { kind: Kind::Cmms, families: &["CM", "PM"], never: &["FP-TI-01"] },
    // Manufacturing OT: change with FAT/SAT, backup, malware, alarms and SOC 1 processing.
    Row { kind: Kind::Scada, families: &["CM", "BR", "PM", "PI", "LM", "AC"], never: &["FP-TI-01", "FP-CM-04", "FP-PE-06"] },
    Row { kind: Kind::Plc, families: &["CM", "BR", "PI", "AC"], never: &["FP-TI-01", "FP-CM-04"] },
    Row { kind: Kind::Hmi, families: &["CM", "BR", "PM", "AC"], never: &["FP-TI-01"] },
    Row { kind: Kind::Historian, families: &["CM", "BR", "PI"], never: &["FP-TI-01"] },
    Row { kind: Kind::Mes, families: &["CM", "PI"], never: &["FP-TI-01"] },
    Row { kind: Kind::Dcs, families: &["CM", "BR", "PM", "LM", "AC"], never: &["FP-TI-01", "FP-CM-04"] },
    Row { kind: Kind::Rtu, families: &["CM", "BR", "AC", "PI"], never: &["FP-TI-01"] },
    Row { kind: Kind::SafetyInstrumentedSystem, families: &["SF", "CM", "BR", "AC"], never: &["FP-TI-01", "FP-CM-04"] },
    Row { kind: Kind::EngineeringWorkstation, families: &["AC", "PM", "CM"], never: &["FP-TI-01"] },
    Row { kind: Kind::IndustrialWireless, families: &["AC", "CM"], never: &["FP-TI-01", "FP-PE-06"] },
    // Business systems in IT zones and the cloud.
    Row { kind: Kind::Lims, families: &["CM", "PM", "PI"], never: &["FP-PI-02", "FP-TI-01"] },
    Row { kind: Kind::Qms, families: &["CM", "PM"], never: &["FP-PI-02", "FP-TI-01"] },
];

fn family(control: &str) -> &str {
    control.get(3..5).unwrap_or_default()
}

#[test]
fn each_kind_gets_the_control_families_an_auditor_expects() {
    let catalog = Catalog::bundled().expect("bundled catalog");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut exercised = BTreeSet::new();
    let mut problems = Vec::new();
    for example in ["colocation-dc", "hardware-saas", "manufacturer"] {
        let loaded = fieldproof_estate::load(&examples.join(example).join("estate.yaml"))
            .unwrap_or_else(|e| panic!("{example}: {e}"));
        let assessment = assess(&loaded.estate);
        let categories = assessment.categories();
        let rows = applicable(&catalog, &assessment, &categories);
        let mut per_component: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for row in &rows {
            for component in &row.components {
                per_component
                    .entry(component.as_str())
                    .or_default()
                    .insert(row.control.id.as_str());
            }
        }
        for (component, decision) in assessment.by_id() {
            if decision.scope == Scope::Out {
                continue;
            }
            let Some(expect) = TABLE.iter().find(|r| r.kind == component.kind) else {
                problems.push(format!(
                    "{example}/{}: kind {} has no row in the table; add what an auditor expects",
                    component.id, component.kind
                ));
                continue;
            };
            exercised.insert(component.kind);
            let controls = per_component
                .remove(component.id.as_str())
                .unwrap_or_default();
            let families: BTreeSet<&str> = controls.iter().map(|c| family(c)).collect();
            for wanted in expect.families {
                if !families.contains(wanted) {
                    problems.push(format!(
                        "{example}/{} ({}): no {wanted} control applies; applied: {}",
                        component.id,
                        component.kind,
                        controls.iter().copied().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            for never in expect.never {
                if controls.contains(never) {
                    problems.push(format!(
                        "{example}/{} ({}): {never} must not apply",
                        component.id, component.kind
                    ));
                }
            }
        }
    }
    for row in TABLE {
        if !exercised.contains(&row.kind) {
            problems.push(format!(
                "table row {} is not exercised by any example component in scope",
                row.kind
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_misapplied_control_is_caught() {
    // The table would catch FP-PE-06 applying to a cloud ingestion service again.
    let row = TABLE
        .iter()
        .find(|r| r.kind == Kind::TelemetryIngestion)
        .expect("row");
    assert!(row.never.contains(&"FP-PE-06"));
    let catalog = Catalog::bundled().expect("bundled catalog");
    let pe06 = catalog.control("FP-PE-06").expect("PE-06");
    assert!(
        pe06.applies_when
            .iter()
            .all(|c| !c.kinds.contains(&Kind::TelemetryIngestion)),
        "FP-PE-06 no longer names telemetry_ingestion"
    );
}
