//! Design status: what the organisation says about each applicable control of an engagement
//! (implemented, partially implemented, planned, not implemented, not applicable), with an
//! owner and a rationale, and the roadmap pins that move a roadmap item to another phase.
//!
//! A status plan is set one control at a time (`status set`) or from a file applied like the
//! estate (`status apply`): [`plan_changes`] says what an application adds, changes and removes,
//! keyed by control id (or roadmap item id), so reordering a file changes nothing.

use crate::component::closed_enum;
use crate::engagement::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

closed_enum! {
    /// Whether a control is designed and in place, as the organisation states it.
    DesignStatus {
        /// In place as described.
        Implemented = "implemented",
        /// In place for part of its scope or part of its description.
        PartiallyImplemented = "partially_implemented",
        /// Not in place; a plan with a date exists.
        Planned = "planned",
        /// Not in place.
        NotImplemented = "not_implemented",
        /// Does not apply to this system (the rationale says why).
        NotApplicable = "not_applicable",
    }
}

impl DesignStatus {
    /// Whether the status leaves a design gap (partial, planned or not implemented).
    pub const fn is_gap(self) -> bool {
        matches!(
            self,
            DesignStatus::PartiallyImplemented
                | DesignStatus::Planned
                | DesignStatus::NotImplemented
        )
    }
}

/// The stated design status of one control in one engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlStatus {
    /// Control id (`FP-AC-03`).
    pub control: String,
    /// Design status.
    pub status: DesignStatus,
    /// Who owns the control (a role or a person).
    pub owner: String,
    /// Why the status is what it is: what exists, what is missing, why it does not apply.
    pub rationale: String,
    /// When a gap is due to be closed (default: from the roadmap phase).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

/// A roadmap item moved to a phase by the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoadmapPin {
    /// The roadmap item: a control id, or `scope:RULE` for a scope finding rule.
    pub item: String,
    /// Phase 1, 2 or 3.
    pub phase: u8,
}

/// Every status and pin of one engagement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusPlan {
    /// Control statuses, sorted by control id.
    pub statuses: Vec<ControlStatus>,
    /// Roadmap pins, sorted by item.
    pub pins: Vec<RoadmapPin>,
}

impl StatusPlan {
    /// The status of a control, if set.
    pub fn status_of(&self, control: &str) -> Option<&ControlStatus> {
        self.statuses.iter().find(|s| s.control == control)
    }

    /// The phase an item is pinned to, if any.
    pub fn pin_of(&self, item: &str) -> Option<u8> {
        self.pins.iter().find(|p| p.item == item).map(|p| p.phase)
    }

    /// Sorts statuses and pins by key.
    pub fn normalise(&mut self) {
        self.statuses.sort_by(|a, b| a.control.cmp(&b.control));
        self.pins.sort_by(|a, b| a.item.cmp(&b.item));
    }
}

/// What kind of plan entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanEntity {
    /// A control's design status.
    ControlStatus,
    /// A roadmap pin.
    RoadmapPin,
}

impl PlanEntity {
    /// Stable name, as stored in the change log.
    pub const fn as_str(self) -> &'static str {
        match self {
            PlanEntity::ControlStatus => "control_status",
            PlanEntity::RoadmapPin => "roadmap_pin",
        }
    }
}

/// One change to a status plan.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlanChange {
    /// What changed.
    pub entity: PlanEntity,
    /// Control id or roadmap item.
    pub key: String,
    /// `added`, `changed` or `removed`.
    pub action: crate::diff::Action,
    /// For `changed`: the fields that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Before (changed, removed).
    pub before: Option<serde_json::Value>,
    /// After (added, changed).
    pub after: Option<serde_json::Value>,
}

/// The changes that turn `old` into `new`. With `partial`, entries absent from `new` are kept
/// (`status set`); otherwise they are removed (`status apply`, like the estate).
pub fn plan_changes(old: &StatusPlan, new: &StatusPlan, partial: bool) -> Vec<PlanChange> {
    let mut out = Vec::new();
    keyed(
        &mut out,
        PlanEntity::ControlStatus,
        &old.statuses,
        &new.statuses,
        |s| s.control.clone(),
        partial,
    );
    keyed(
        &mut out,
        PlanEntity::RoadmapPin,
        &old.pins,
        &new.pins,
        |p| p.item.clone(),
        partial,
    );
    out
}

/// `old` with `changes` applied.
pub fn apply_changes(old: &StatusPlan, changes: &[PlanChange]) -> StatusPlan {
    let mut statuses: BTreeMap<String, ControlStatus> = old
        .statuses
        .iter()
        .map(|s| (s.control.clone(), s.clone()))
        .collect();
    let mut pins: BTreeMap<String, RoadmapPin> = old
        .pins
        .iter()
        .map(|p| (p.item.clone(), p.clone()))
        .collect();
    for change in changes {
        match change.entity {
            PlanEntity::ControlStatus => {
                match change
                    .after
                    .clone()
                    .and_then(|v| serde_json::from_value(v).ok())
                {
                    Some(s) => statuses.insert(change.key.clone(), s),
                    None => statuses.remove(&change.key),
                };
            }
            PlanEntity::RoadmapPin => {
                match change
                    .after
                    .clone()
                    .and_then(|v| serde_json::from_value(v).ok())
                {
                    Some(p) => pins.insert(change.key.clone(), p),
                    None => pins.remove(&change.key),
                };
            }
        }
    }
    StatusPlan {
        statuses: statuses.into_values().collect(),
        pins: pins.into_values().collect(),
    }
}

fn keyed<T: Serialize>(
    out: &mut Vec<PlanChange>,
    entity: PlanEntity,
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> String,
    partial: bool,
) {
    use crate::diff::Action;
    let value = |t: &T| serde_json::to_value(t).unwrap_or_default();
    let old: BTreeMap<String, serde_json::Value> = old.iter().map(|t| (key(t), value(t))).collect();
    let new: BTreeMap<String, serde_json::Value> = new.iter().map(|t| (key(t), value(t))).collect();
    for (k, after) in &new {
        match old.get(k) {
            None => out.push(PlanChange {
                entity,
                key: k.clone(),
                action: Action::Added,
                fields: Vec::new(),
                before: None,
                after: Some(after.clone()),
            }),
            Some(before) if before != after => {
                let fields = changed_fields(before, after);
                out.push(PlanChange {
                    entity,
                    key: k.clone(),
                    action: Action::Changed,
                    fields,
                    before: Some(before.clone()),
                    after: Some(after.clone()),
                });
            }
            Some(_) => {}
        }
    }
    if !partial {
        for (k, before) in &old {
            if !new.contains_key(k) {
                out.push(PlanChange {
                    entity,
                    key: k.clone(),
                    action: Action::Removed,
                    fields: Vec::new(),
                    before: Some(before.clone()),
                    after: None,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.entity, &a.key).cmp(&(b.entity, &b.key)));
}

fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut fields: Vec<String> = b
        .keys()
        .chain(a.keys())
        .filter(|k| b.get(*k) != a.get(*k))
        .cloned()
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Action;

    fn status(control: &str, s: DesignStatus) -> ControlStatus {
        ControlStatus {
            control: control.into(),
            status: s,
            owner: "OT lead".into(),
            rationale: "because".into(),
            due: None,
        }
    }

    #[test]
    fn applying_a_plan_adds_changes_and_removes_by_key() {
        let old = StatusPlan {
            statuses: vec![
                status("FP-A", DesignStatus::Planned),
                status("FP-B", DesignStatus::Implemented),
            ],
            pins: vec![RoadmapPin {
                item: "FP-A".into(),
                phase: 2,
            }],
        };
        let new = StatusPlan {
            statuses: vec![
                status("FP-C", DesignStatus::NotImplemented),
                status("FP-A", DesignStatus::Implemented),
            ],
            pins: Vec::new(),
        };
        let full = plan_changes(&old, &new, false);
        let summary: Vec<(PlanEntity, &str, Action, Vec<String>)> = full
            .iter()
            .map(|c| (c.entity, c.key.as_str(), c.action, c.fields.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    PlanEntity::ControlStatus,
                    "FP-A",
                    Action::Changed,
                    vec!["status".to_string()]
                ),
                (PlanEntity::ControlStatus, "FP-B", Action::Removed, vec![]),
                (PlanEntity::ControlStatus, "FP-C", Action::Added, vec![]),
                (PlanEntity::RoadmapPin, "FP-A", Action::Removed, vec![]),
            ]
        );
        let mut expected = new.clone();
        expected.normalise();
        assert_eq!(apply_changes(&old, &full), expected);
        // A partial update keeps what it does not name.
        let partial = plan_changes(&old, &new, true);
        assert_eq!(partial.len(), 2);
        let merged = apply_changes(&old, &partial);
        assert_eq!(merged.statuses.len(), 3);
        assert_eq!(merged.pin_of("FP-A"), Some(2));
        // Applying the same plan again changes nothing.
        assert!(plan_changes(&merged, &merged, false).is_empty());
    }

    #[test]
    fn only_partial_planned_and_not_implemented_are_gaps() {
        let gaps: Vec<DesignStatus> = DesignStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_gap())
            .collect();
        assert_eq!(
            gaps,
            vec![
                DesignStatus::PartiallyImplemented,
                DesignStatus::Planned,
                DesignStatus::NotImplemented
            ]
        );
    }
}
