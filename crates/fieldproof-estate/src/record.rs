//! The component record as users write it: the closed fields plus one boolean per fact, flat,
//! the same in YAML estate files and CSV inventories.

use fieldproof_core::{Component, Fact, Facts, Kind, Operator, Scope, Site, Zone};
use serde::Deserialize;

/// One component in an estate file. Unknown fields are errors; absent facts are false.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentRecord {
    /// Unique id.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Kind, from the documented taxonomy.
    pub kind: Kind,
    /// `us`, `customer`, `subservice` or `shared`.
    pub operated_by: Operator,
    /// `our_facility`, `our_cloud`, `customer_site` or `third_party`.
    pub site: Site,
    /// `it`, `ot`, `dmz`, `cloud` or `field`.
    pub zone: Zone,
    /// What the current report says: `in`, `shared` or `out`.
    #[serde(default)]
    pub declared_scope: Option<Scope>,
    /// Subservice organisation id (required when operated_by is `subservice`).
    #[serde(default)]
    pub subservice: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Accountable team or person.
    #[serde(default)]
    pub owner: Option<String>,
    /// Ids of the components support reaches it through.
    #[serde(default)]
    pub access_via: Vec<String>,
    /// For a device fleet: the device class and the longest silence expected of its devices.
    #[serde(default)]
    pub telemetry: Option<fieldproof_core::TelemetryExpectation>,
    /// IANA time zone of the component's site (`America/Chicago`).
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    processes_customer_data: bool,
    #[serde(default)]
    processes_personal_data: bool,
    #[serde(default)]
    enforces_access_control: bool,
    #[serde(default)]
    affects_availability: bool,
    #[serde(default)]
    device_authenticates_to_our_cloud: bool,
    #[serde(default)]
    we_push_firmware_or_config: bool,
    #[serde(default)]
    telemetry_drives_customer_decisions: bool,
    #[serde(default)]
    telemetry_drives_billing: bool,
    #[serde(default)]
    support_can_access_or_operate: bool,
    #[serde(default)]
    affects_financial_reporting: bool,
    #[serde(default)]
    managed_service: bool,
    #[serde(default)]
    uses_shared_credentials: bool,
}

impl ComponentRecord {
    /// The fact values in `Fact::ALL` order.
    fn fact_values(&self) -> [bool; 12] {
        [
            self.processes_customer_data,
            self.processes_personal_data,
            self.enforces_access_control,
            self.affects_availability,
            self.device_authenticates_to_our_cloud,
            self.we_push_firmware_or_config,
            self.telemetry_drives_customer_decisions,
            self.telemetry_drives_billing,
            self.support_can_access_or_operate,
            self.affects_financial_reporting,
            self.managed_service,
            self.uses_shared_credentials,
        ]
    }

    /// The core component.
    pub fn into_component(self) -> Component {
        let facts = Fact::ALL
            .iter()
            .zip(self.fact_values())
            .fold(Facts::NONE, |set, (fact, value)| set.with(*fact, value));
        Component {
            id: self.id,
            name: self.name,
            kind: self.kind,
            operated_by: self.operated_by,
            site: self.site,
            zone: self.zone,
            declared_scope: self.declared_scope,
            facts,
            subservice: self.subservice.filter(|s| !s.is_empty()),
            description: self.description.filter(|s| !s.is_empty()),
            owner: self.owner.filter(|s| !s.is_empty()),
            access_via: self.access_via,
            telemetry: self.telemetry,
            time_zone: self.time_zone,
            assets: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_values_follow_fact_order() {
        // Guards the hand-written order in `fact_values` against a reordering of `Fact`.
        let names = [
            "processes_customer_data",
            "processes_personal_data",
            "enforces_access_control",
            "affects_availability",
            "device_authenticates_to_our_cloud",
            "we_push_firmware_or_config",
            "telemetry_drives_customer_decisions",
            "telemetry_drives_billing",
            "support_can_access_or_operate",
            "affects_financial_reporting",
            "managed_service",
            "uses_shared_credentials",
        ];
        let actual: Vec<&str> = Fact::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(actual, names);
    }
}
