//! The four triggers that pull device-related systems into scope (seed 004), and the Trust
//! Services Categories a component implicates. Both are tables: a trigger or category fires when
//! any of its facts is true.

use crate::component::{closed_enum, Fact, Facts};

closed_enum! {
    /// A reason device-related systems enter the boundary.
    Trigger {
        /// Trigger 1: devices authenticate to our cloud.
        DeviceIdentity = "device_identity",
        /// Trigger 2: we push firmware or configure devices remotely.
        RemoteFirmwareOrConfig = "remote_firmware_or_config",
        /// Trigger 3: telemetry drives customer decisions or billing.
        TelemetryReliance = "telemetry_reliance",
        /// Trigger 4: support can access device data or operate devices.
        SupportAccess = "support_access",
    }
}

/// What a trigger means: the facts that fire it and what then becomes in scope.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct TriggerDefinition {
    /// The trigger.
    pub trigger: Trigger,
    /// Fires when any of these facts is true.
    pub facts: &'static [Fact],
    /// One-line meaning.
    pub title: &'static str,
    /// The processes that become in scope when it fires (our wording of seed 004).
    pub brings_into_scope: &'static [&'static str],
}

/// The trigger table, in trigger order.
pub const TRIGGERS: &[TriggerDefinition] = &[
    TriggerDefinition {
        trigger: Trigger::DeviceIdentity,
        facts: &[Fact::DeviceAuthenticatesToOurCloud],
        title: "Devices authenticate to our cloud, so device identity is part of the security boundary",
        brings_into_scope: &[
            "issuing identities and provisioning devices",
            "the lifecycle of device certificates or tokens",
            "revoking and quarantining devices",
            "binding each device to its tenant or site",
        ],
    },
    TriggerDefinition {
        trigger: Trigger::RemoteFirmwareOrConfig,
        facts: &[Fact::WePushFirmwareOrConfig],
        title: "We change devices remotely, so firmware and configuration releases are changes to production",
        brings_into_scope: &[
            "the firmware release process and its approvals",
            "signing and integrity verification",
            "staged rollouts and canaries",
            "rollback and handling of failed updates",
            "release logs",
        ],
    },
    TriggerDefinition {
        trigger: Trigger::TelemetryReliance,
        facts: &[Fact::TelemetryDrivesCustomerDecisions, Fact::TelemetryDrivesBilling],
        title: "Customers rely on telemetry for decisions or billing, so its integrity and completeness matter",
        brings_into_scope: &[
            "validation at ingestion",
            "deduplication and replay protection",
            "detection of missing data",
            "tenant isolation in the pipeline",
            "export and egress controls",
        ],
    },
    TriggerDefinition {
        trigger: Trigger::SupportAccess,
        facts: &[Fact::SupportCanAccessOrOperate],
        title: "Support can see device data or operate devices, so privileged access must be governed",
        brings_into_scope: &[
            "governance of support access",
            "least privilege and approvals",
            "audit logs of privileged actions",
            "periodic access reviews",
        ],
    },
];

impl Trigger {
    /// This trigger's definition.
    pub fn definition(self) -> &'static TriggerDefinition {
        &TRIGGERS[self as usize]
    }
}

closed_enum! {
    /// A Trust Services Category of SOC 2.
    TscCategory {
        /// Common criteria CC1-CC9; always in scope.
        Security = "security",
        /// A1 series.
        Availability = "availability",
        /// PI1 series.
        ProcessingIntegrity = "processing_integrity",
        /// C1 series.
        Confidentiality = "confidentiality",
        /// P1-P8 series.
        Privacy = "privacy",
    }
}

impl TscCategory {
    /// Title for reports.
    pub const fn title(self) -> &'static str {
        match self {
            TscCategory::Security => "Security",
            TscCategory::Availability => "Availability",
            TscCategory::ProcessingIntegrity => "Processing Integrity",
            TscCategory::Confidentiality => "Confidentiality",
            TscCategory::Privacy => "Privacy",
        }
    }
}

/// Which facts implicate which category for an in-scope or shared component. An empty fact
/// list means "always".
pub const CATEGORY_RULES: &[(TscCategory, &[Fact])] = &[
    (TscCategory::Security, &[]),
    (TscCategory::Availability, &[Fact::AffectsAvailability]),
    (
        TscCategory::ProcessingIntegrity,
        &[
            Fact::TelemetryDrivesCustomerDecisions,
            Fact::TelemetryDrivesBilling,
            Fact::AffectsFinancialReporting,
        ],
    ),
    (TscCategory::Confidentiality, &[Fact::ProcessesCustomerData]),
    (TscCategory::Privacy, &[Fact::ProcessesPersonalData]),
];

/// Facts that make a component relevant to SOC 1 / ISAE 3402.
pub const SOC1_FACTS: &[Fact] = &[
    Fact::AffectsFinancialReporting,
    Fact::TelemetryDrivesBilling,
];

/// A small set of enum values stored as bits (triggers, categories).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BitSet8(u8);

impl BitSet8 {
    /// Adds position `index`.
    #[must_use]
    pub const fn with(self, index: usize) -> Self {
        BitSet8(self.0 | (1 << index))
    }
    /// Whether position `index` is set.
    pub const fn contains(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
    /// Whether no position is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The triggers fired by `facts`.
pub fn triggers_of(facts: Facts) -> BitSet8 {
    TRIGGERS
        .iter()
        .filter(|t| t.facts.iter().any(|f| facts.has(*f)))
        .fold(BitSet8::default(), |set, t| set.with(t.trigger as usize))
}

/// The categories implicated by `facts` (for a component inside the boundary).
pub fn categories_of(facts: Facts) -> BitSet8 {
    CATEGORY_RULES
        .iter()
        .filter(|(_, any)| any.is_empty() || any.iter().any(|f| facts.has(*f)))
        .fold(BitSet8::default(), |set, (category, _)| {
            set.with(*category as usize)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_table_is_in_enum_order() {
        for (index, def) in TRIGGERS.iter().enumerate() {
            assert_eq!(def.trigger as usize, index);
        }
        assert_eq!(TRIGGERS.len(), Trigger::ALL.len());
    }

    #[test]
    fn each_trigger_fires_on_its_facts_only() {
        assert!(triggers_of(Facts::NONE).is_empty());
        for def in TRIGGERS {
            for fact in def.facts {
                let fired = triggers_of(Facts::of(&[*fact]));
                assert_eq!(
                    fired,
                    BitSet8::default().with(def.trigger as usize),
                    "{fact}"
                );
            }
        }
        // Facts that belong to no trigger fire none.
        let unrelated = Facts::of(&[Fact::AffectsAvailability, Fact::ManagedService]);
        assert!(triggers_of(unrelated).is_empty());
    }

    #[test]
    fn security_is_always_implicated_and_others_follow_facts() {
        assert_eq!(categories_of(Facts::NONE), BitSet8::default().with(0));
        let c = categories_of(Facts::of(&[
            Fact::TelemetryDrivesBilling,
            Fact::ProcessesPersonalData,
        ]));
        assert!(c.contains(TscCategory::ProcessingIntegrity as usize));
        assert!(c.contains(TscCategory::Privacy as usize));
        assert!(!c.contains(TscCategory::Availability as usize));
        assert!(!c.contains(TscCategory::Confidentiality as usize));
    }
}
