//! What changes when an estate replaces the stored one: the basis of `apply`'s report and of
//! the change log. Entries are matched by key (component id, subservice id, responsibility
//! domain), so reordering an estate file changes nothing.

use crate::component::{Component, Scope};
use crate::estate::{Estate, ResponsibilityStatement, SubserviceOrganisation};
use crate::scope::{decide, SubserviceMethods};
use serde::Serialize;
use std::collections::BTreeMap;

/// What kind of entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Organisation or service name.
    Setting,
    /// A subservice organisation.
    SubserviceOrganisation,
    /// A shared responsibility statement.
    Responsibility,
    /// A component.
    Component,
    /// An asset of a rolled-up component: added to or removed from a component that stays,
    /// moved between components, or renamed. Recorded in the change log only; the component
    /// change holds the content.
    Asset,
    /// A component whose scope decision changed. Recorded in the change log only; derived
    /// from the components.
    ScopeDecision,
}

impl EntityKind {
    /// Stable name, as stored in the change log.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Setting => "setting",
            EntityKind::SubserviceOrganisation => "subservice_organisation",
            EntityKind::Responsibility => "responsibility",
            EntityKind::Component => "component",
            EntityKind::Asset => "asset",
            EntityKind::ScopeDecision => "scope_decision",
        }
    }

    /// Whether the change is recorded in the change log only (it explains other changes and
    /// is not an entry of the estate to store).
    pub const fn is_recorded_only(self) -> bool {
        matches!(self, EntityKind::Asset | EntityKind::ScopeDecision)
    }
}

/// Added, changed or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// New entry.
    Added,
    /// Entry with the same key but different content.
    Changed,
    /// Entry no longer present.
    Removed,
}

impl Action {
    /// The mark a change line starts with: `+` added, `~` changed, `-` removed.
    pub const fn mark(self) -> char {
        match self {
            Action::Added => '+',
            Action::Changed => '~',
            Action::Removed => '-',
        }
    }

    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Changed => "changed",
            Action::Removed => "removed",
        }
    }
}

/// The content of an entry before or after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Entity {
    /// A setting's value.
    Setting(String),
    /// A subservice organisation.
    SubserviceOrganisation(SubserviceOrganisation),
    /// A responsibility statement.
    Responsibility(ResponsibilityStatement),
    /// A component.
    Component(Box<Component>),
    /// Where an asset is.
    Asset(AssetPlacement),
    /// A scope decision.
    Scope(Scope),
}

/// Where an asset is: its component and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetPlacement {
    /// The component it is rolled up into.
    pub component: String,
    /// Its name.
    pub name: String,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Kind of entry.
    pub entity: EntityKind,
    /// Its key.
    pub key: String,
    /// Added, changed or removed.
    pub action: Action,
    /// For `changed`: the top-level fields that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Content before (changed, removed).
    pub before: Option<Entity>,
    /// Content after (added, changed).
    pub after: Option<Entity>,
}

/// Changes that turn `old` into `new`, ordered by entity kind, then key.
pub fn diff(old: &Estate, new: &Estate) -> Vec<Change> {
    let mut changes = Vec::new();
    let zone = |e: &Estate| e.time_zone.clone().unwrap_or_default();
    for (key, before, after) in [
        (
            "organisation",
            old.organisation.clone(),
            new.organisation.clone(),
        ),
        ("service", old.service.clone(), new.service.clone()),
        ("time_zone", zone(old), zone(new)),
    ] {
        if before != after {
            // A time zone taken out is removed (UTC again); a name emptied stays an empty name.
            let removed = key == "time_zone" && after.is_empty();
            changes.push(Change {
                entity: EntityKind::Setting,
                key: key.to_string(),
                action: if before.is_empty() {
                    Action::Added
                } else if removed {
                    Action::Removed
                } else {
                    Action::Changed
                },
                fields: Vec::new(),
                before: (!before.is_empty()).then(|| Entity::Setting(before.clone())),
                after: (!removed).then(|| Entity::Setting(after.clone())),
            });
        }
    }
    keyed(
        &mut changes,
        EntityKind::SubserviceOrganisation,
        &old.subservice_organisations,
        &new.subservice_organisations,
        |s| s.id.clone(),
        |s| Entity::SubserviceOrganisation(s.clone()),
    );
    keyed(
        &mut changes,
        EntityKind::Responsibility,
        &old.responsibilities,
        &new.responsibilities,
        |s| s.domain.as_str().to_string(),
        |s| Entity::Responsibility(s.clone()),
    );
    keyed(
        &mut changes,
        EntityKind::Component,
        &old.components,
        &new.components,
        |c| c.id.clone(),
        |c| Entity::Component(Box::new(c.clone())),
    );
    asset_changes(&mut changes, old, new);
    for change in scope_changes(old, new) {
        if let (Some(before), Some(after)) = (change.before, change.after) {
            changes.push(Change {
                entity: EntityKind::ScopeDecision,
                key: change.component,
                action: Action::Changed,
                fields: Vec::new(),
                before: Some(Entity::Scope(before)),
                after: Some(Entity::Scope(after)),
            });
        }
    }
    changes
}

/// Assets that changed place between two exports: added to a component that was there before,
/// removed from one that stays, moved to another component, or renamed. Assets that come and
/// go with their whole component are told by the component change.
fn asset_changes(changes: &mut Vec<Change>, old: &Estate, new: &Estate) {
    fn placements(estate: &Estate) -> BTreeMap<&str, (&str, &str)> {
        estate
            .components
            .iter()
            .flat_map(|c| {
                c.assets
                    .iter()
                    .map(move |a| (a.id.as_str(), (c.id.as_str(), a.name.as_str())))
            })
            .collect()
    }
    let (before, after) = (placements(old), placements(new));
    if before.is_empty() && after.is_empty() {
        return;
    }
    let ids = |estate: &'_ Estate| -> std::collections::HashSet<String> {
        estate.components.iter().map(|c| c.id.clone()).collect()
    };
    let (old_ids, new_ids) = (ids(old), ids(new));
    let placement = |(component, name): (&str, &str)| {
        Entity::Asset(AssetPlacement {
            component: component.to_string(),
            name: name.to_string(),
        })
    };
    let mut keys: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let (action, fields) = match (before.get(key), after.get(key)) {
            (None, Some((component, _))) if old_ids.contains(*component) => {
                (Action::Added, Vec::new())
            }
            (Some((component, _)), None) if new_ids.contains(*component) => {
                (Action::Removed, Vec::new())
            }
            (Some(a), Some(b)) if a != b => {
                let mut fields = Vec::new();
                if a.0 != b.0 {
                    fields.push("component".to_string());
                }
                if a.1 != b.1 {
                    fields.push("name".to_string());
                }
                (Action::Changed, fields)
            }
            _ => continue,
        };
        changes.push(Change {
            entity: EntityKind::Asset,
            key: key.to_string(),
            action,
            fields,
            before: before.get(key).map(|p| placement(*p)),
            after: after.get(key).map(|p| placement(*p)),
        });
    }
}

/// A component whose scope decision differs between two estates (`None`: not in that estate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeChange {
    /// The component id.
    pub component: String,
    /// Its decision in the old estate.
    pub before: Option<Scope>,
    /// Its decision in the new estate.
    pub after: Option<Scope>,
}

/// Every component whose scope decision differs between `old` and `new`, by id: changed
/// decisions, and the decisions of components added or removed.
pub fn scope_changes(old: &Estate, new: &Estate) -> Vec<ScopeChange> {
    let (old_methods, new_methods) = (SubserviceMethods::of(old), SubserviceMethods::of(new));
    let old_by_id: BTreeMap<&str, &Component> =
        old.components.iter().map(|c| (c.id.as_str(), c)).collect();
    let new_by_id: BTreeMap<&str, &Component> =
        new.components.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut ids: Vec<&str> = old_by_id.keys().chain(new_by_id.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut changes = Vec::new();
    for id in ids {
        let (before, after) = match (old_by_id.get(id), new_by_id.get(id)) {
            (Some(a), Some(b)) => {
                let (ma, mb) = (old_methods.method_for(a), new_methods.method_for(b));
                if a == b && ma == mb {
                    continue; // the same component under the same treatment: the same decision
                }
                (Some(decide(a, ma).scope), Some(decide(b, mb).scope))
            }
            (Some(a), None) => (Some(decide(a, old_methods.method_for(a)).scope), None),
            (None, Some(b)) => (None, Some(decide(b, new_methods.method_for(b)).scope)),
            (None, None) => continue,
        };
        if before != after {
            changes.push(ScopeChange {
                component: id.to_string(),
                before,
                after,
            });
        }
    }
    changes
}

fn keyed<T: PartialEq + Serialize>(
    changes: &mut Vec<Change>,
    entity: EntityKind,
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> String,
    wrap: impl Fn(&T) -> Entity,
) {
    let old: BTreeMap<String, &T> = old.iter().map(|t| (key(t), t)).collect();
    let new: BTreeMap<String, &T> = new.iter().map(|t| (key(t), t)).collect();
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (action, fields) = match (old.get(k), new.get(k)) {
            (None, Some(_)) => (Action::Added, Vec::new()),
            (Some(_), None) => (Action::Removed, Vec::new()),
            (Some(a), Some(b)) if a != b => (Action::Changed, changed_fields(*a, *b)),
            _ => continue,
        };
        changes.push(Change {
            entity,
            key: k.clone(),
            action,
            fields,
            before: old.get(k).map(|t| wrap(t)),
            after: new.get(k).map(|t| wrap(t)),
        });
    }
}

/// Names of the top-level fields whose serialised values differ.
fn changed_fields<T: Serialize>(a: &T, b: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    names.sort();
    names.dedup();
    names.retain(|n| a.get(n) != b.get(n));
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{Fact, Facts, Kind, Operator, Site, Zone};

    fn component(id: &str) -> Component {
        Component {
            id: id.into(),
            name: id.into(),
            kind: Kind::Dcim,
            operated_by: Operator::Us,
            site: Site::OurFacility,
            zone: Zone::Ot,
            declared_scope: None,
            facts: Facts::NONE,
            subservice: None,
            description: None,
            owner: None,
            access_via: Vec::new(),
            telemetry: None,
            time_zone: None,
            assets: Vec::new(),
        }
    }

    #[test]
    fn reordering_changes_nothing() {
        let a = Estate {
            time_zone: None,
            components: vec![component("a"), component("b")],
            ..Estate::default()
        };
        let b = Estate {
            time_zone: None,
            components: vec![component("b"), component("a")],
            ..Estate::default()
        };
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn added_changed_removed_with_changed_fields() {
        let old = Estate {
            time_zone: None,
            organisation: "Org".into(),
            components: vec![component("a"), component("b")],
            ..Estate::default()
        };
        let mut changed = component("b");
        changed.facts = Facts::of(&[Fact::AffectsAvailability]);
        let new = Estate {
            time_zone: None,
            organisation: "Org".into(),
            service: "Colo".into(),
            components: vec![changed, component("c")],
            ..Estate::default()
        };
        let summary: Vec<(EntityKind, String, Action, Vec<String>)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.entity, c.key, c.action, c.fields))
            .collect();
        assert_eq!(
            summary,
            vec![
                (EntityKind::Setting, "service".into(), Action::Added, vec![]),
                (EntityKind::Component, "a".into(), Action::Removed, vec![]),
                (
                    EntityKind::Component,
                    "b".into(),
                    Action::Changed,
                    vec!["facts".to_string()]
                ),
                (EntityKind::Component, "c".into(), Action::Added, vec![]),
                // affects_availability brings b into scope: the change log says so
                (
                    EntityKind::ScopeDecision,
                    "b".into(),
                    Action::Changed,
                    vec![]
                ),
            ]
        );
    }
}

/// Undoes one change recorded in the change log (entity name, key, content before as JSON, as
/// stored): undoing the change sets made after a date, newest first, gives the estate as it was
/// at that date. Entities that are not part of the estate (catalogs, engagements, statuses)
/// are left alone. Lists stay sorted by key.
pub fn undo(
    estate: &mut Estate,
    entity: &str,
    key: &str,
    before: &serde_json::Value,
) -> Result<(), String> {
    fn restore<T: serde::de::DeserializeOwned>(
        list: &mut Vec<T>,
        key: &str,
        key_of: impl Fn(&T) -> String,
        before: &serde_json::Value,
    ) -> Result<(), String> {
        list.retain(|t| key_of(t) != key);
        if !before.is_null() {
            let value: T = serde_json::from_value(before.clone())
                .map_err(|e| format!("the recorded content of '{key}' cannot be read: {e}"))?;
            list.push(value);
            list.sort_by_key(|t| key_of(t));
        }
        Ok(())
    }
    match entity {
        "setting" => {
            let value = before.as_str().unwrap_or_default().to_string();
            match key {
                "organisation" => estate.organisation = value,
                "service" => estate.service = value,
                _ => {}
            }
            Ok(())
        }
        "subservice_organisation" => restore(
            &mut estate.subservice_organisations,
            key,
            |s: &SubserviceOrganisation| s.id.clone(),
            before,
        ),
        "responsibility" => restore(
            &mut estate.responsibilities,
            key,
            |s: &ResponsibilityStatement| s.domain.as_str().to_string(),
            before,
        ),
        "component" => restore(
            &mut estate.components,
            key,
            |c: &Component| c.id.clone(),
            before,
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod undo_tests {
    use super::*;
    use crate::component::{Facts, Kind, Operator, Site, Zone};

    fn component(id: &str, kind: Kind) -> Component {
        Component {
            id: id.into(),
            name: id.into(),
            kind,
            operated_by: Operator::Us,
            site: Site::OurCloud,
            zone: Zone::It,
            declared_scope: None,
            facts: Facts::default(),
            subservice: None,
            description: None,
            owner: None,
            access_via: Vec::new(),
            telemetry: None,
            time_zone: None,
            assets: Vec::new(),
        }
    }

    #[test]
    fn undoing_the_diff_of_two_estates_gives_back_the_first() {
        let old = Estate {
            time_zone: None,
            organisation: "Org".into(),
            service: "Svc".into(),
            components: vec![component("a", Kind::Bms), component("b", Kind::Dcim)],
            ..Estate::default()
        };
        let mut changed_b = component("b", Kind::Dcim);
        changed_b.name = "renamed".into();
        let new = Estate {
            time_zone: None,
            organisation: "Org 2".into(),
            service: "Svc".into(),
            components: vec![changed_b, component("c", Kind::Pacs)],
            ..Estate::default()
        };
        let mut estate = new.clone();
        for change in diff(&old, &new).iter().rev() {
            let before = serde_json::to_value(&change.before).unwrap_or_default();
            undo(&mut estate, change.entity.as_str(), &change.key, &before).expect("undo");
        }
        assert_eq!(estate, old);
    }
}
