//! The catalog model: frameworks and their requirements, the OT control library, and typed
//! mappings between them. The `*File` structs are the data file formats (TOML, unknown fields
//! rejected); their doc comments are the format documentation (`docs/catalog.md`).

use fieldproof_core::component::{closed_enum, Fact, Kind, Site, Zone};
use fieldproof_core::{Trigger, TscCategory};
use serde::{Deserialize, Serialize};
use toml::Spanned;

closed_enum! {
    /// What sort of requirements a framework holds.
    FrameworkKind {
        /// Criteria an auditor reports against (SOC 2 TSC).
        Criteria = "criteria",
        /// Control objectives (SOC 1 / ISAE 3402).
        ControlObjectives = "control_objectives",
        /// A control catalog (ISO 27001 Annex A, NIST SP 800-53, our control library).
        Controls = "controls",
        /// Requirements of a standard or law (IEC 62443, NIS2, PCI DSS).
        Requirements = "requirements",
    }
}

closed_enum! {
    /// How two requirement sets relate, in the set-theory relationship vocabulary of NIST IR
    /// 8477, read "source REL target". Each side is the set of things its text requires.
    Relationship {
        /// Source and target require the same things (IR 8477 "equal to").
        Equal = "equal",
        /// Everything the source requires, the target requires too, and the target requires
        /// more (IR 8477 "subset of"): meeting the source meets part of the target.
        Subset = "subset",
        /// Everything the target requires, the source requires too, and more (IR 8477 "superset
        /// of"): meeting the source meets all of the target.
        Superset = "superset",
        /// Each requires something the other does not, and they share something (IR 8477
        /// "intersects with").
        Intersects = "intersects",
        /// They share nothing (IR 8477 "not related to"); recorded in designed crosswalks so
        /// that a requirement judged and found unrelated is told apart from one not judged.
        NoRelationship = "no_relationship",
    }
}

impl Relationship {
    /// The relationship read the other way round.
    pub const fn inverse(self) -> Self {
        match self {
            Relationship::Subset => Relationship::Superset,
            Relationship::Superset => Relationship::Subset,
            other => other,
        }
    }

    /// A rel B and B rel C give A (compose) C. Only chains of the same containment keep it;
    /// anything else is reported as intersecting, the conservative reading.
    pub const fn compose(self, next: Relationship) -> Relationship {
        match (self, next) {
            (Relationship::NoRelationship, _) | (_, Relationship::NoRelationship) => {
                Relationship::NoRelationship
            }
            (Relationship::Equal, other) | (other, Relationship::Equal) => other,
            (Relationship::Subset, Relationship::Subset) => Relationship::Subset,
            (Relationship::Superset, Relationship::Superset) => Relationship::Superset,
            _ => Relationship::Intersects,
        }
    }

    /// Whether meeting the source is a complete answer to the part of the target it speaks to:
    /// equal, subset and superset do; an intersection alone does not.
    pub const fn contains_source(self) -> bool {
        matches!(
            self,
            Relationship::Equal | Relationship::Subset | Relationship::Superset
        )
    }

    /// The OSCAL 1.2 / IR 8477 relationship token.
    pub const fn oscal(self) -> &'static str {
        match self {
            Relationship::Equal => "equivalent-to",
            Relationship::Subset => "subset-of",
            Relationship::Superset => "superset-of",
            Relationship::Intersects => "intersects-with",
            Relationship::NoRelationship => "no-relationship",
        }
    }

    /// A symbol for paths: `=`, `⊂`, `⊃`, `∩`, `∅`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Relationship::Equal => "=",
            Relationship::Subset => "⊂",
            Relationship::Superset => "⊃",
            Relationship::Intersects => "∩",
            Relationship::NoRelationship => "∅",
        }
    }
}

closed_enum! {
    /// Who operates a control: what the OSCAL system security plan states as responsibility.
    Responsibility {
        /// The service organisation operates it.
        Organisation = "organisation",
        /// Customers (user entities) operate it: a complementary user entity control.
        Customer = "customer",
        /// The organisation and its customers each operate part of it.
        Shared = "shared",
        /// A subservice organisation operates it: a complementary subservice organisation control.
        Subservice = "subservice",
    }
}

closed_enum! {
    /// How an auditor gathers evidence for a test procedure (AICPA attestation practice).
    Method {
        /// Asking the people who operate the control.
        Inquiry = "inquiry",
        /// Watching the control operate.
        Observation = "observation",
        /// Examining records, documents, configurations or system output.
        Inspection = "inspection",
        /// Performing the control again independently and comparing the result.
        Reperformance = "reperformance",
    }
}

closed_enum! {
    /// How the items a procedure examines are chosen.
    SampleBasis {
        /// A sample of the control's occurrences, sized by its frequency (the sampling table):
        /// quarterly reviews, monthly reports, daily reconciliations.
        Frequency = "frequency",
        /// A sample of items (people, accounts, vendors, tickets, changes, devices) from a
        /// population of them, sized by the population: 10 %, at least 3, at most 30.
        Items = "items",
        /// Every item: the population is small (a few systems, vendors, plans).
        Each = "each",
        /// One occurrence: a document or configuration at a point in time.
        Once = "once",
        /// The whole population, tested by an automated test (see `tests`).
        Automated = "automated",
    }
}

pub use fieldproof_core::cadence::Frequency;

/// One requirement of a framework.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Requirement {
    /// Identifier within the framework (`CC6.1`, `5.15`, `ac-2.1`).
    pub id: String,
    /// Display label when it differs from the id (`AC-2(1)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Title.
    pub title: String,
    /// Grouping (series, theme, family).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// TSC category (SOC 2 criteria only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<TscCategory>,
    /// Parent requirement id (enhancements, sub-requirements).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Withdrawn from the framework (kept so that old mappings can be explained).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
    /// Statement text, where the framework's licence allows it (NIST, imported OSCAL catalogs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Parameters (OSCAL), with their labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Parameter>,
}

/// An OSCAL control parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Parameter {
    /// Parameter id.
    pub id: String,
    /// Its label or guideline text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The value a baseline sets (its `values`, else its constraints' descriptions), when one
    /// does: FedRAMP's "at least annually".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Where a framework came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkOrigin {
    /// Shipped with fieldproof.
    Bundled,
    /// Imported from an OSCAL catalog into the workspace.
    Imported {
        /// The file it came from.
        source: String,
        /// SHA-256 of that file.
        sha256: String,
    },
}

/// A framework: a named, versioned set of requirements.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Framework {
    /// Identifier used in qualified ids (`tsc2017:CC6.1`).
    pub id: String,
    /// Full name.
    pub name: String,
    /// Short name for tables.
    pub short: String,
    /// Other names accepted on the command line (`iso27001`, `nist`).
    pub aliases: Vec<String>,
    /// Kind of requirements.
    pub kind: FrameworkKind,
    /// Version.
    pub version: String,
    /// Provenance and licence note.
    pub source: String,
    /// Requirements, in document order.
    pub requirements: Vec<Requirement>,
    /// Bundled or imported.
    pub origin: FrameworkOrigin,
    /// The framework whose requirements this one selects under the same ids (a NIST SP 800-53
    /// baseline such as FedRAMP Moderate): each requirement is linked to its namesake there, so
    /// mappings reach it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
}

impl Framework {
    /// Looks a requirement up by id (case-insensitive; NIST labels like `AC-2(1)` accepted).
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        let normalised = normalise_id(id);
        self.requirements.iter().find(|r| {
            r.id.eq_ignore_ascii_case(id)
                || r.id.eq_ignore_ascii_case(&normalised)
                || r.label
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(id))
        })
    }

    /// Whether `name` is this framework's id or one of its aliases (case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// `AC-2(1)` → `ac-2.1`; other ids unchanged.
pub fn normalise_id(id: &str) -> String {
    let mut out = id.to_ascii_lowercase();
    if out.ends_with(')') {
        if let Some(open) = out.find('(') {
            let inner = out[open + 1..out.len() - 1].to_string();
            out.truncate(open);
            out.push('.');
            out.push_str(&inner);
        }
    }
    out
}

/// A framework data file: `[framework]` then `[[requirement]]` entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    /// The header.
    pub framework: FrameworkHeader,
    /// The requirements, in document order.
    #[serde(default)]
    pub requirement: Vec<Spanned<RequirementRecord>>,
}

/// The `[framework]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkHeader {
    /// Identifier (lower case, `-` and `.` allowed).
    pub id: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short: String,
    /// Other accepted names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `criteria`, `control_objectives`, `controls` or `requirements`.
    pub kind: FrameworkKind,
    /// Version.
    pub version: String,
    /// Provenance and licence note.
    pub source: String,
}

/// One `[[requirement]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementRecord {
    /// Identifier, unique in the framework.
    pub id: String,
    /// Title, in our own words.
    pub title: String,
    /// Optional grouping (series, theme).
    #[serde(default)]
    pub group: Option<String>,
    /// TSC category, for SOC 2 criteria.
    #[serde(default)]
    pub category: Option<TscCategory>,
    /// Parent requirement id.
    #[serde(default)]
    pub parent: Option<String>,
    /// A longer description, in our own words.
    #[serde(default)]
    pub description: Option<String>,
}

/// When a control applies to a component: every field given must match; a list matches when
/// any of its values does. A control with no conditions applies organisation-wide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Component kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<Kind>,
    /// Triggers the component fires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Facts true for the component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<Fact>,
    /// Network zones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    /// Sites where the component runs (`our_facility` for controls over premises we run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Site>,
}

/// An artifact the auditor will ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    /// Identifier, unique within the control.
    pub id: String,
    /// What to provide.
    pub artifact: String,
    /// How often fresh evidence is needed.
    pub cadence: Frequency,
}

/// A typed mapping from a control to a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingRecord {
    /// Qualified target: `framework:requirement` (`tsc2017:CC6.1`, `nist800-53r5:ia-3`).
    pub to: String,
    /// How the control relates to the target (IR 8477; `no_relationship` is for crosswalks).
    pub rel: Relationship,
    /// Why, in one line: what the two share, and what one requires that the other does not.
    pub why: String,
    /// Optional strength, 1 (weak) to 10 (strong), as in NIST OLIR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<u8>,
}

/// A test procedure as an auditor writes it for a Type II test of the control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestProcedure {
    /// Inquiry, observation, inspection or reperformance.
    pub method: Method,
    /// What the tester does.
    pub procedure: String,
    /// What each item examined must show (inspection and reperformance).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// The population items are drawn from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    /// How items are chosen.
    pub sample: SampleBasis,
    /// With `sample = "frequency"`: how often the occurrences sampled happen, when not as often
    /// as the control operates (a continuous control's monthly reviews).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Frequency>,
    /// The control's evidence requests the procedure examines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Automated tests that examine the whole population (with `sample = "automated"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<String>,
    /// The procedure can disturb a running plant (port probes, logon attempts, generated
    /// events on live controllers): it is performed in a test window agreed with operations,
    /// on a test or standby system where one exists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test_window: bool,
}

impl TestProcedure {
    /// How many items the procedure examines, in words, for a control of `frequency`, from the
    /// bundled sampling table (`fieldproof sample` draws them; an audit firm's table may differ).
    pub fn planned_sample(&self, frequency: Frequency) -> String {
        let frequency = self.frequency.unwrap_or(frequency);
        match self.sample {
            SampleBasis::Frequency => {
                let size = fieldproof_core::sampling::size_for_frequency(
                    fieldproof_core::sampling::default_table(),
                    frequency.as_str(),
                )
                .ok();
                match size {
                    Some(n) => format!("sample of {n}, sized by the {frequency} frequency"),
                    None => format!("sample sized by the {frequency} frequency"),
                }
            }
            SampleBasis::Items => {
                "sample of items: 10 % of the population, at least 3, at most 30".to_string()
            }
            SampleBasis::Each => "every item".to_string(),
            SampleBasis::Once => "once".to_string(),
            SampleBasis::Automated => "full population, automated".to_string(),
        }
    }
}

/// One `[[control]]` of the control library.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRecord {
    /// `FP-XX-NN`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Theme id (from `themes.toml`).
    pub theme: String,
    /// What the control is.
    pub description: String,
    /// What it looks like for BMS, DCIM, SCADA, PLCs and devices.
    pub ot_guidance: String,
    /// How often it operates.
    pub frequency: Frequency,
    /// When it applies; empty means organisation-wide.
    #[serde(default)]
    pub applies_when: Vec<Condition>,
    /// What the auditor will ask for.
    pub evidence: Vec<EvidenceRequest>,
    /// Automated test ids that can check it.
    #[serde(default)]
    pub tests: Vec<String>,
    /// Who operates it (default: the organisation).
    #[serde(default = "organisation")]
    pub responsibility: Responsibility,
    /// The role that performs it, when not its theme's performer.
    #[serde(default)]
    pub performer: Option<String>,
    /// How a Type II tester tests it.
    pub procedures: Vec<TestProcedure>,
    /// Typed mappings to framework requirements.
    pub mappings: Vec<Spanned<MappingRecord>>,
}

fn organisation() -> Responsibility {
    Responsibility::Organisation
}

/// A controls data file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlsFile {
    /// The controls.
    pub control: Vec<Spanned<ControlRecord>>,
}

/// A theme of the control library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// The role that usually performs the theme's controls (a control may name another).
    pub performer: String,
}

/// `themes.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemesFile {
    /// The themes, in display order.
    pub theme: Vec<Theme>,
}

/// A mapping resolved against the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Mapping {
    /// Target framework id.
    pub framework: String,
    /// Target requirement id.
    pub requirement: String,
    /// Relationship of the control to the target.
    pub relationship: Relationship,
    /// Why, in one line.
    pub rationale: String,
    /// Strength 1-10, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<u8>,
}

/// A control of the library, validated.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Control {
    /// `FP-XX-NN`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Theme id.
    pub theme: String,
    /// What the control is.
    pub description: String,
    /// What it looks like in OT.
    pub ot_guidance: String,
    /// How often it operates.
    pub frequency: Frequency,
    /// When it applies; empty means organisation-wide.
    pub applies_when: Vec<Condition>,
    /// Evidence requests.
    pub evidence: Vec<EvidenceRequest>,
    /// Automated tests.
    pub tests: Vec<String>,
    /// Who operates it.
    pub responsibility: Responsibility,
    /// The role that performs it (the control's own, else its theme's): who the auditor asks
    /// and whose records the evidence is.
    pub performer: String,
    /// How a Type II tester tests it.
    pub procedures: Vec<TestProcedure>,
    /// Resolved mappings.
    pub mappings: Vec<Mapping>,
    /// TSC categories implied by its TSC mappings.
    pub categories: Vec<TscCategory>,
}

impl Control {
    /// The Trust Services Criteria (2017) it maps to, sorted, without duplicates
    /// (`no_relationship` mappings left out).
    pub fn tsc_criteria(&self) -> Vec<String> {
        let mut criteria: Vec<String> = self
            .mappings
            .iter()
            .filter(|m| m.framework == "tsc2017" && m.relationship.as_str() != "no_relationship")
            .map(|m| m.requirement.clone())
            .collect();
        criteria.sort();
        criteria.dedup();
        criteria
    }
}

/// A requirement-to-requirement crosswalk file: a `[crosswalk]` table, then the pairs — either
/// `pairs = [[a, b], ...]` under one `relationship` (imported crosswalks such as NIST OLIR), or
/// `[[pair]]` tables each with its own relationship and rationale (designed crosswalks).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkFile {
    /// The crosswalk.
    pub crosswalk: CrosswalkTable,
    /// Judged pairs.
    #[serde(default)]
    pub pair: Vec<Spanned<PairRecord>>,
}

/// The `[crosswalk]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkTable {
    /// Identifier (`tsc2017-iec62443-3-3`), used by `export crosswalk`.
    pub id: String,
    /// Source framework id.
    pub source: String,
    /// Target framework id.
    pub target: String,
    /// Designed by fieldproof (every target requirement judged, a rationale per pair) or
    /// imported from a published reference.
    pub designed: bool,
    /// Relationship of every pair of `pairs` (imported crosswalks).
    #[serde(default)]
    pub relationship: Option<Relationship>,
    /// Where the pairs come from, with any caveat of the source.
    pub provenance: String,
    /// `[source, target]` requirement id pairs, all with `relationship`.
    #[serde(default)]
    pub pairs: Vec<Spanned<(String, String)>>,
}

/// One `[[pair]]` of a designed crosswalk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRecord {
    /// Source requirement id.
    pub source: String,
    /// Target requirement id.
    pub target: String,
    /// Relationship of source to target.
    pub rel: Relationship,
    /// Why, in one line.
    pub why: String,
}

/// What a crosswalk is: its frameworks and provenance.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CrosswalkHeader {
    /// Identifier.
    pub id: String,
    /// Source framework id.
    pub source: String,
    /// Target framework id.
    pub target: String,
    /// Designed by fieldproof (every target requirement judged) or imported.
    pub designed: bool,
    /// Where the pairs come from.
    pub provenance: String,
}

/// One pair of a crosswalk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CrosswalkPair {
    /// Source requirement id.
    pub source: String,
    /// Target requirement id.
    pub target: String,
    /// Relationship of source to target.
    pub relationship: Relationship,
    /// Why (designed crosswalks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
}

/// A validated crosswalk.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Crosswalk {
    /// Header.
    pub header: CrosswalkHeader,
    /// Pairs, in file order.
    pub pairs: Vec<CrosswalkPair>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_keeps_containment_only_along_one_direction() {
        use Relationship::*;
        assert_eq!(Equal.compose(Subset), Subset);
        assert_eq!(Subset.compose(Subset), Subset);
        assert_eq!(Superset.compose(Superset), Superset);
        assert_eq!(Subset.compose(Superset), Intersects);
        assert_eq!(Intersects.compose(Equal), Intersects);
        assert_eq!(Subset.inverse(), Superset);
    }

    #[test]
    fn nist_labels_normalise_to_oscal_ids() {
        assert_eq!(normalise_id("AC-2(1)"), "ac-2.1");
        assert_eq!(normalise_id("CC6.1"), "cc6.1");
    }
}
