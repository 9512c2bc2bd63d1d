//! System components and the facts that describe them.
//!
//! A component is one entry of the estate: a system, platform or device class the organisation
//! runs or depends on. Its enumerations (`Kind`, `Operator`, `Site`, `Zone`, `Scope`) are closed
//! sets so that a typo in an inventory is an error instead of a silently different decision.
//! Facts are kept in a 16-bit set because inventories can hold millions of components.

use serde::{Deserialize, Serialize};

/// Defines a closed, documented enumeration with stable snake_case names used in every file format.
/// The serde name of each variant is its documented text, and the enum derives a JSON Schema.
/// (The using crate needs `serde` and `schemars` as dependencies.)
#[macro_export]
macro_rules! closed_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in estate files, CSV and JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stable name; `None` for anything else (case-sensitive).
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted names, comma separated, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub use crate::closed_enum;

closed_enum! {
    /// What sort of system a component is. The taxonomy is documented in `docs/estate.md`.
    Kind {
        /// A cloud-hosted service we run (API, web app, backend).
        CloudService = "cloud_service",
        /// Issues and manages device identities (PKI, certificate or token service).
        DeviceIdentityPlatform = "device_identity_platform",
        /// Builds, signs and distributes firmware or configuration to devices.
        FirmwareUpdateService = "firmware_update_service",
        /// Enrols devices and binds them to tenants.
        ProvisioningWorkflow = "provisioning_workflow",
        /// Receives device telemetry (MQTT/HTTP ingestion, stream processing).
        TelemetryIngestion = "telemetry_ingestion",
        /// Internal admin and support consoles.
        AdminTooling = "admin_tooling",
        /// Features that send commands to devices.
        RemoteCommand = "remote_command",
        /// Devices deployed in the field (sensors, controllers, appliances).
        FieldDevice = "field_device",
        /// IIoT edge gateway bridging field devices and the cloud.
        EdgeGateway = "edge_gateway",
        /// Building management system (HVAC, cooling, alarms).
        Bms = "bms",
        /// Data center infrastructure management.
        Dcim = "dcim",
        /// Physical access control system (badges, doors, mantraps).
        Pacs = "pacs",
        /// Electrical power monitoring, UPS and generators.
        EpmsUps = "epms_ups",
        /// Video surveillance.
        Cctv = "cctv",
        /// Supervisory control and data acquisition.
        Scada = "scada",
        /// Programmable logic controller.
        Plc = "plc",
        /// Human-machine interface / operator panel.
        Hmi = "hmi",
        /// Time-series store of process data.
        Historian = "historian",
        /// Manufacturing execution system (batch records, track and trace).
        Mes = "mes",
        /// Enterprise resource planning.
        Erp = "erp",
        /// Laboratory information management system.
        Lims = "lims",
        /// Quality management system.
        Qms = "qms",
        /// Computerised maintenance management system.
        Cmms = "cmms",
        /// Energy management system.
        Ems = "ems",
        /// Network infrastructure we run (firewalls, switches, OT segmentation).
        Network = "network",
        /// A customer's own network.
        CustomerNetwork = "customer_network",
        /// Corporate IT (laptops, office, e-mail).
        CorporateIt = "corporate_it",
        /// Ticketing and service desk.
        Ticketing = "ticketing",
        /// Identity provider / directory / SSO.
        IdentityProvider = "identity_provider",
        /// Remote access gateway or jump host for support and integrators (PAM, secure remote access).
        RemoteAccessGateway = "remote_access_gateway",
        /// Distributed control system: controllers, operator stations and engineering tools of a
        /// continuous process plant, sold and run as one system.
        Dcs = "dcs",
        /// Remote terminal unit: a field controller at a remote site (substation, pump station,
        /// pipeline valve) reporting to SCADA.
        Rtu = "rtu",
        /// Safety instrumented system: logic solver, sensors and final elements that bring the
        /// process to a safe state, independent of the basic control system.
        SafetyInstrumentedSystem = "safety_instrumented_system",
        /// Engineering workstation: the PC that holds controller projects and downloads logic to
        /// PLCs, DCS controllers and safety systems.
        EngineeringWorkstation = "engineering_workstation",
        /// Fire detection and suppression (detection panels, VESDA, gas or water suppression).
        FireProtection = "fire_protection",
        /// Industrial wireless infrastructure (WirelessHART, ISA100, private LTE/5G, plant Wi-Fi).
        IndustrialWireless = "industrial_wireless",
    }
}

impl Kind {
    /// The OT backup a component of this kind needs, by what it holds: a controller program
    /// (`plc_program`), an HMI or supervisory configuration (`hmi_config`) or recipes
    /// (`recipe`); none for other kinds. The backup tests expect it of every such component in
    /// scope, and the generator writes it.
    pub const fn ot_backup(self) -> Option<&'static str> {
        match self {
            Kind::Plc | Kind::Rtu | Kind::Dcs | Kind::SafetyInstrumentedSystem => {
                Some("plc_program")
            }
            Kind::Hmi
            | Kind::Scada
            | Kind::Bms
            | Kind::Dcim
            | Kind::EpmsUps
            | Kind::Pacs
            | Kind::FireProtection
            | Kind::EngineeringWorkstation => Some("hmi_config"),
            Kind::Mes | Kind::Historian => Some("recipe"),
            _ => None,
        }
    }

    /// Operational technology: systems that monitor or control physical processes and facilities.
    pub const fn is_ot(self) -> bool {
        matches!(
            self,
            Kind::FieldDevice
                | Kind::EdgeGateway
                | Kind::Bms
                | Kind::Dcim
                | Kind::Pacs
                | Kind::EpmsUps
                | Kind::Cctv
                | Kind::Scada
                | Kind::Plc
                | Kind::Hmi
                | Kind::Historian
                | Kind::Mes
                | Kind::Ems
                | Kind::Dcs
                | Kind::Rtu
                | Kind::SafetyInstrumentedSystem
                | Kind::EngineeringWorkstation
                | Kind::FireProtection
                | Kind::IndustrialWireless
        )
    }

    /// OT whose exclusion is the classic availability gap (seed 000): a finding on it is high severity.
    pub const fn is_critical_ot(self) -> bool {
        matches!(
            self,
            Kind::Bms
                | Kind::Dcim
                | Kind::Pacs
                | Kind::EpmsUps
                | Kind::Scada
                | Kind::Plc
                | Kind::Dcs
                | Kind::Rtu
                | Kind::SafetyInstrumentedSystem
                | Kind::FireProtection
        )
    }

    /// Physical devices that can hold credentials and be operated remotely.
    pub const fn is_device(self) -> bool {
        matches!(
            self,
            Kind::FieldDevice
                | Kind::EdgeGateway
                | Kind::Plc
                | Kind::Hmi
                | Kind::Rtu
                | Kind::SafetyInstrumentedSystem
        )
    }

    /// Components that can govern privileged access (approve, time-limit, log sessions).
    pub const fn governs_privileged_access(self) -> bool {
        matches!(
            self,
            Kind::AdminTooling | Kind::IdentityProvider | Kind::RemoteAccessGateway
        )
    }

    /// Facility plant that keeps equipment powered and cooled.
    pub const fn is_facility_plant(self) -> bool {
        matches!(self, Kind::Bms | Kind::Dcim | Kind::EpmsUps | Kind::Ems)
    }

    /// Facility systems whose availability a customer relies on without seeing them: power and
    /// cooling plant, physical access control and fire protection.
    pub const fn is_facility_system(self) -> bool {
        self.is_facility_plant() || matches!(self, Kind::Pacs | Kind::FireProtection)
    }
}

closed_enum! {
    /// Who operates a component day to day.
    Operator {
        /// The service organisation (the report's subject).
        Us = "us",
        /// The customer (user entity).
        Customer = "customer",
        /// A subservice organisation (cloud provider, colocation facility, integrator).
        Subservice = "subservice",
        /// Operated jointly by us and the customer.
        Shared = "shared",
    }
}

closed_enum! {
    /// Where a component physically runs.
    Site {
        /// A facility we run.
        OurFacility = "our_facility",
        /// Cloud accounts we run.
        OurCloud = "our_cloud",
        /// At a customer's premises.
        CustomerSite = "customer_site",
        /// At a third party's premises (colocation, integrator).
        ThirdParty = "third_party",
    }
}

closed_enum! {
    /// Network zone (Purdue-style, simplified).
    Zone {
        /// Enterprise IT.
        It = "it",
        /// Operational technology (control and supervisory levels).
        Ot = "ot",
        /// Demilitarised zone between IT and OT.
        Dmz = "dmz",
        /// Cloud.
        Cloud = "cloud",
        /// Field level (devices, sensors, actuators).
        Field = "field",
    }
}

closed_enum! {
    /// A scope decision: inside the system boundary, shared with the customer, or outside.
    Scope {
        /// Inside the system boundary; our controls cover it.
        In = "in",
        /// Partly ours, partly the customer's; a shared responsibility statement says who does what.
        Shared = "shared",
        /// Outside the system boundary.
        Out = "out",
    }
}

impl Scope {
    /// How much of the component the report covers: out < shared < in.
    pub const fn breadth(self) -> u8 {
        match self {
            Scope::Out => 0,
            Scope::Shared => 1,
            Scope::In => 2,
        }
    }

    /// The decision in words, as every report and page says it: `in scope`, `shared`,
    /// `out of scope`.
    pub const fn words(self) -> &'static str {
        match self {
            Scope::In => "in scope",
            Scope::Shared => "shared",
            Scope::Out => "out of scope",
        }
    }
}

closed_enum! {
    /// A boolean fact about a component. Absent facts are false.
    Fact {
        /// Creates, stores or processes customer data.
        ProcessesCustomerData = "processes_customer_data",
        /// Processes personal data (Privacy category).
        ProcessesPersonalData = "processes_personal_data",
        /// Enforces logical or physical access control.
        EnforcesAccessControl = "enforces_access_control",
        /// An outage or compromise affects availability or service commitments.
        AffectsAvailability = "affects_availability",
        /// Devices use credentials or certificates to connect to our cloud (trigger 1).
        DeviceAuthenticatesToOurCloud = "device_authenticates_to_our_cloud",
        /// We push firmware or configuration to it remotely (trigger 2).
        WePushFirmwareOrConfig = "we_push_firmware_or_config",
        /// Customers make operational decisions on its telemetry (trigger 3).
        TelemetryDrivesCustomerDecisions = "telemetry_drives_customer_decisions",
        /// Its telemetry drives billing (trigger 3, and SOC 1).
        TelemetryDrivesBilling = "telemetry_drives_billing",
        /// Our support staff can access its data or operate it (trigger 4).
        SupportCanAccessOrOperate = "support_can_access_or_operate",
        /// Feeds customers' financial reporting (SOC 1 / ISAE 3402).
        AffectsFinancialReporting = "affects_financial_reporting",
        /// We operate it for the customer as a managed service.
        ManagedService = "managed_service",
        /// Several devices or people share one credential.
        UsesSharedCredentials = "uses_shared_credentials",
    }
}

impl Fact {
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The set of facts that are true for a component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Facts(u16);

impl Facts {
    /// No fact true.
    pub const NONE: Facts = Facts(0);

    /// A set from a list of true facts.
    pub fn of(facts: &[Fact]) -> Facts {
        facts.iter().fold(Facts::NONE, |set, f| set.with(*f, true))
    }

    /// Whether `fact` is true.
    pub const fn has(self, fact: Fact) -> bool {
        self.0 & fact.bit() != 0
    }

    /// This set with `fact` set to `value`.
    #[must_use]
    pub const fn with(self, fact: Fact, value: bool) -> Facts {
        if value {
            Facts(self.0 | fact.bit())
        } else {
            Facts(self.0 & !fact.bit())
        }
    }

    /// The true facts among `candidates`, in declaration order.
    pub fn among(self, candidates: &[Fact]) -> Vec<Fact> {
        candidates
            .iter()
            .copied()
            .filter(|f| self.has(*f))
            .collect()
    }

    /// The true facts, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Fact> {
        Fact::ALL.iter().copied().filter(move |f| self.has(*f))
    }
}

impl Serialize for Facts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl schemars::JsonSchema for Facts {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Facts".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = <Vec<Fact>>::json_schema(generator);
        schema.insert(
            "description".into(),
            "The facts that are true for the component; absent facts are false.".into(),
        );
        schema
    }
}

impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let facts = Vec::<Fact>::deserialize(deserializer)?;
        Ok(Facts::of(&facts))
    }
}

/// How often the devices of a fleet component are expected to report, for the missing-data
/// test (`ti-silent-gaps`): devices whose `device_class` (in `device_identity_events`) is the
/// component's are allowed up to `max_gap_hours` of silence between two accepted messages.
/// Without it the test learns each device's interval from its own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TelemetryExpectation {
    /// The `device_class` the component's devices carry in their provisioning events.
    pub device_class: String,
    /// The longest silence, in whole hours (1 to 8,760), before a gap is an exception.
    pub max_gap_hours: u32,
}

/// One system component of the estate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Unique, stable identifier (letters, digits, `-`, `_`, `.`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What sort of system it is.
    pub kind: Kind,
    /// Who operates it.
    pub operated_by: Operator,
    /// Where it runs.
    pub site: Site,
    /// Its network zone.
    pub zone: Zone,
    /// What the current report says, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_scope: Option<Scope>,
    /// The facts that are true.
    #[serde(default)]
    pub facts: Facts,
    /// The subservice organisation that operates it (required when `operated_by` is `subservice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subservice: Option<String>,
    /// Free text shown in the boundary statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The team or person accountable for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The components support reaches it through (a jump host, a remote access gateway, an
    /// admin console): each path is judged by the support-access finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_via: Vec<String>,
    /// For a device fleet: how often its devices are expected to report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telemetry: Option<TelemetryExpectation>,
    /// The IANA time zone of the site it is at (`America/Chicago`): the engagement period's
    /// days are its local days for the event rows that name it. Empty: the estate's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The assets rolled up into this component (an inventory's `group`), sorted by id; empty
    /// for a component listed on its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
}

impl Component {
    /// Whether `fact` is true for this component.
    pub const fn has(&self, fact: Fact) -> bool {
        self.facts.has(fact)
    }

    /// How many assets it stands for: its rolled-up assets, or 1 when it is listed on its own.
    pub fn asset_count(&self) -> usize {
        self.assets.len().max(1)
    }

    /// The component as `asset` alone would be: its own kind, operator, site, zone and facts
    /// where it differs, everything else the component's (for deciding its scope).
    pub fn as_asset(&self, asset: &Asset) -> Component {
        Component {
            id: asset.id.clone(),
            name: asset.name.clone(),
            kind: asset.kind.unwrap_or(self.kind),
            operated_by: asset.operated_by.unwrap_or(self.operated_by),
            site: asset.site.unwrap_or(self.site),
            zone: asset.zone.unwrap_or(self.zone),
            declared_scope: self.declared_scope,
            facts: asset.facts.unwrap_or(self.facts),
            subservice: self.subservice.clone(),
            description: None,
            owner: None,
            access_via: Vec::new(),
            telemetry: self.telemetry.clone(),
            time_zone: self.time_zone.clone(),
            assets: Vec::new(),
        }
    }
}

/// One asset of a rolled-up component: a device or host from an inventory export. Only what
/// differs from its component is kept, so a fleet of a thousand identical PLCs costs little
/// more than their ids and names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Asset {
    /// The asset's id (unique across the estate's assets).
    pub id: String,
    /// Its name in the export.
    pub name: String,
    /// Its kind, when it differs from the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Who operates it, when it differs from the component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operated_by: Option<Operator>,
    /// Its site, when it differs from the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    /// Its zone, when it differs from the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Zone>,
    /// Its own facts, when they differ from the component's (which holds the union of its
    /// assets' facts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<Facts>,
}

impl Asset {
    /// Whether it differs from its component in anything that can change a scope decision.
    pub fn differs(&self) -> bool {
        self.kind.is_some()
            || self.operated_by.is_some()
            || self.site.is_some()
            || self.zone.is_some()
            || self.facts.is_some()
    }
}

/// Whether `id` is a well-formed component or subservice identifier.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_enums_round_trip_their_names() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(*kind));
        }
        for fact in Fact::ALL {
            assert_eq!(Fact::parse(fact.as_str()), Some(*fact));
        }
        assert_eq!(Kind::parse("BMS"), None, "names are case-sensitive");
    }

    #[test]
    fn facts_fit_in_the_bit_set() {
        assert!(Fact::ALL.len() <= 16);
        let all = Facts::of(Fact::ALL);
        assert_eq!(all.iter().count(), Fact::ALL.len());
        assert!(!all
            .with(Fact::ManagedService, false)
            .has(Fact::ManagedService));
    }

    #[test]
    fn facts_serialise_as_a_list_of_true_names() {
        let facts = Facts::of(&[Fact::AffectsAvailability, Fact::ProcessesCustomerData]);
        let json = serde_json::to_string(&facts).unwrap_or_default();
        assert_eq!(
            json,
            r#"["processes_customer_data","affects_availability"]"#
        );
    }

    #[test]
    fn ids_are_restricted_to_safe_characters() {
        assert!(is_valid_id("bms-01.dc2"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("has space"));
        assert!(!is_valid_id("semi;colon"));
    }
}

/// A change to one component that a person makes by hand (the web form, `fieldproof component
/// set`): each field given replaces the component's; the others are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentEdit {
    /// The declared scope (`Some(None)`: no longer declared).
    pub declared_scope: Option<Option<Scope>>,
    /// The owner (`Some(None)`: none).
    pub owner: Option<Option<String>>,
    /// The description (`Some(None)`: none).
    pub description: Option<Option<String>>,
    /// Facts set true or false.
    pub facts: Vec<(Fact, bool)>,
}

impl ComponentEdit {
    /// `component` with the edit made.
    pub fn apply_to(&self, component: &mut Component) {
        if let Some(scope) = self.declared_scope {
            component.declared_scope = scope;
        }
        if let Some(owner) = &self.owner {
            component.owner = owner.clone().filter(|o| !o.trim().is_empty());
        }
        if let Some(description) = &self.description {
            component.description = description.clone().filter(|d| !d.trim().is_empty());
        }
        for (fact, value) in &self.facts {
            component.facts = component.facts.with(*fact, *value);
        }
    }

    /// What the edit sets, in words, for the change log (`declared_scope=in, affects_availability=true`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(scope) = self.declared_scope {
            parts.push(format!(
                "declared_scope={}",
                scope.map_or("none", Scope::as_str)
            ));
        }
        if let Some(owner) = &self.owner {
            parts.push(format!("owner={}", owner.as_deref().unwrap_or("none")));
        }
        if self.description.is_some() {
            parts.push("description".to_string());
        }
        for (fact, value) in &self.facts {
            parts.push(format!("{}={value}", fact.as_str()));
        }
        if parts.is_empty() {
            "nothing".to_string()
        } else {
            parts.join(", ")
        }
    }
}
