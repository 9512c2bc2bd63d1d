//! The minimum evidence set of seed 004 — what a buyer-trusted hardware-enabled SaaS story
//! needs — as a checklist over the applicable controls. Each item names the controls whose
//! evidence makes it; its status follows their operating status.

use crate::{ControlReadiness, OperatingStatus};
use fieldproof_core::assessment::Assessment;
use schemars::JsonSchema;
use serde::Serialize;

/// One artefact of the minimum evidence set.
#[derive(Debug, Clone, Copy)]
pub struct ChecklistRule {
    /// Stable id.
    pub id: &'static str,
    /// The artefact, in our words.
    pub item: &'static str,
    /// The library controls whose evidence makes it.
    pub controls: &'static [&'static str],
}

/// The minimum evidence set (seed 004), in its order.
pub const MINIMUM_EVIDENCE_SET: &[ChecklistRule] = &[
    ChecklistRule {
        id: "boundary-and-responsibility",
        item: "System boundary and shared responsibility statement",
        controls: &["FP-AM-02"],
    },
    ChecklistRule {
        id: "device-identity",
        item: "Device identity model with provisioning and revocation proof",
        controls: &["FP-DI-01", "FP-DI-02", "FP-DI-04"],
    },
    ChecklistRule {
        id: "firmware-governance",
        item: "Firmware release governance and staged rollout proof (where firmware applies)",
        controls: &["FP-FW-02", "FP-FW-03", "FP-FW-04"],
    },
    ChecklistRule {
        id: "telemetry-pipeline",
        item: "Telemetry pipeline controls: validation, isolation and missing-data detection",
        controls: &["FP-TI-04", "FP-TI-05", "FP-TI-06"],
    },
    ChecklistRule {
        id: "privileged-access-review",
        item: "Privileged access review evidence for device and admin tooling",
        controls: &["FP-AC-03", "FP-AC-04", "FP-DI-07"],
    },
    ChecklistRule {
        id: "logging-and-review",
        item: "Logging and retention proof, with signed-off log reviews",
        controls: &["FP-LM-02", "FP-LM-03"],
    },
    ChecklistRule {
        id: "incident-response",
        item: "Incident response runbooks and one tabletop record",
        controls: &["FP-IR-02", "FP-IR-03"],
    },
    ChecklistRule {
        id: "change-management",
        item: "Change management samples with approvals and deployment logs",
        controls: &["FP-CM-02", "FP-CM-04"],
    },
];

/// Where a checklist item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistStatus {
    /// Every applicable control behind it is effective.
    Complete,
    /// Some evidence exists.
    Partial,
    /// No evidence.
    Missing,
    /// None of its controls applies to this estate.
    NotApplicable,
}

impl ChecklistStatus {
    /// Words for people.
    pub const fn label(self) -> &'static str {
        match self {
            ChecklistStatus::Complete => "complete",
            ChecklistStatus::Partial => "partial",
            ChecklistStatus::Missing => "missing",
            ChecklistStatus::NotApplicable => "not applicable",
        }
    }
}

/// A checklist item with its status.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ChecklistItem {
    /// Stable id.
    pub id: &'static str,
    /// The artefact.
    pub item: &'static str,
    /// Applicable controls behind it.
    pub controls: Vec<String>,
    /// Status.
    pub status: ChecklistStatus,
    /// Why.
    pub detail: String,
}

/// The checklist over the applicable controls.
pub fn evaluate(controls: &[ControlReadiness], assessment: &Assessment<'_>) -> Vec<ChecklistItem> {
    MINIMUM_EVIDENCE_SET
        .iter()
        .map(|rule| {
            let members: Vec<&ControlReadiness> = controls
                .iter()
                .filter(|c| rule.controls.contains(&c.control.as_str()))
                .filter(|c| c.operating != OperatingStatus::NotApplicable)
                .collect();
            let effective = members
                .iter()
                .filter(|c| c.operating == OperatingStatus::Effective)
                .count();
            let some = members
                .iter()
                .filter(|c| c.operating != OperatingStatus::NoEvidence)
                .count();
            // The boundary statement itself is produced by fieldproof from the estate; its
            // review (FP-AM-02) is what needs evidence.
            let boundary_ready = rule.id == "boundary-and-responsibility"
                && !assessment
                    .findings
                    .iter()
                    .any(|f| {
                        f.rule
                            == fieldproof_core::findings::FindingRuleId::DeviceWithoutSharedResponsibility
                    });
            let status = if members.is_empty() {
                ChecklistStatus::NotApplicable
            } else if effective == members.len() {
                ChecklistStatus::Complete
            } else if some > 0 || boundary_ready {
                ChecklistStatus::Partial
            } else {
                ChecklistStatus::Missing
            };
            let detail = if members.is_empty() {
                format!("none of {} applies to this estate", rule.controls.join(", "))
            } else {
                let parts: Vec<String> = members
                    .iter()
                    .map(|c| format!("{} {}", c.control, c.operating.label()))
                    .collect();
                let mut detail = parts.join(", ");
                if boundary_ready && effective < members.len() {
                    detail.push_str("; the boundary statement and responsibility matrix are generated from the estate, their review needs evidence");
                }
                detail
            };
            ChecklistItem {
                id: rule.id,
                item: rule.item,
                controls: members.iter().map(|c| c.control.clone()).collect(),
                status,
                detail,
            }
        })
        .collect()
}
