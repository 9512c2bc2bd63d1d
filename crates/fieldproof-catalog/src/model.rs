//! The catalog model: frameworks and their requirements, the OT control library, and typed
//! mappings between them. The `*File` structs are the data file formats (TOML, unknown fields
//! rejected); their doc comments are the format documentation (`docs/catalog.md`).

use fieldproof_core::component::{closed_enum, Fact, Kind, Zone};
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
    /// How two requirement sets relate (NIST OLIR / IR 8477 set theory), read "source REL target".
    Relationship {
        /// Source and target require the same.
        Equal = "equal",
        /// Source is a subset of target: meeting the source meets part of the target.
        Subset = "subset",
        /// Source is a superset of target: meeting the source meets all of the target and more.
        Superset = "superset",
        /// They overlap; neither contains the other.
        Intersects = "intersects",
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
            (Relationship::Equal, other) | (other, Relationship::Equal) => other,
            (Relationship::Subset, Relationship::Subset) => Relationship::Subset,
            (Relationship::Superset, Relationship::Superset) => Relationship::Superset,
            _ => Relationship::Intersects,
        }
    }

    /// The OSCAL 1.2 / IR 8477 relationship token.
    pub const fn oscal(self) -> &'static str {
        match self {
            Relationship::Equal => "equivalent-to",
            Relationship::Subset => "subset-of",
            Relationship::Superset => "superset-of",
            Relationship::Intersects => "intersects-with",
        }
    }

    /// A symbol for paths: `=`, `⊂`, `⊃`, `∩`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Relationship::Equal => "=",
            Relationship::Subset => "⊂",
            Relationship::Superset => "⊃",
            Relationship::Intersects => "∩",
        }
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
    /// How the control relates to the target.
    pub rel: Relationship,
    /// Optional strength, 1 (weak) to 10 (strong), as in NIST OLIR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<u8>,
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
    /// Typed mappings to framework requirements.
    pub mappings: Vec<Spanned<MappingRecord>>,
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
    /// Resolved mappings.
    pub mappings: Vec<Mapping>,
    /// TSC categories implied by its TSC mappings.
    pub categories: Vec<TscCategory>,
}

/// A requirement-to-requirement crosswalk file (for example NIST OLIR pairs): one `[crosswalk]`
/// table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkFile {
    /// The crosswalk.
    pub crosswalk: CrosswalkTable,
}

/// The `[crosswalk]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrosswalkTable {
    /// Source framework id.
    pub source: String,
    /// Target framework id.
    pub target: String,
    /// Relationship of every pair.
    pub relationship: Relationship,
    /// Where the pairs come from.
    pub provenance: String,
    /// `[source, target]` requirement id pairs.
    pub pairs: Vec<Spanned<(String, String)>>,
}

/// What a crosswalk is: its frameworks, relationship and provenance.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CrosswalkHeader {
    /// Source framework id.
    pub source: String,
    /// Target framework id.
    pub target: String,
    /// Relationship of every pair.
    pub relationship: Relationship,
    /// Where the pairs come from.
    pub provenance: String,
}

/// A validated crosswalk.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Crosswalk {
    /// Header.
    pub header: CrosswalkHeader,
    /// Pairs, in file order.
    pub pairs: Vec<(String, String)>,
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
