//! Rolling assets up into components: an inventory export lists devices and hosts, a boundary
//! statement lists systems. A group (an inventory's `group_by`) becomes one component whose
//! values are those of most of its assets (ties: the first in declaration order), whose facts
//! are the union of theirs, and which keeps every asset with what differs from it. Nothing
//! depends on the order the assets arrive in.

use crate::component::{Asset, Component, Facts, Kind, Operator, Scope, Site, Zone};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Builds rolled-up components from assets, one group at a time or interleaved.
#[derive(Debug, Default)]
pub struct RollUp {
    groups: HashMap<String, Group>,
}

#[derive(Debug)]
struct Group {
    name: String,
    description: Option<String>,
    /// The first asset's subservice organisation: every asset of a group must share it.
    subservice: Option<String>,
    first_asset: String,
    owners: BTreeMap<String, usize>,
    access_via: BTreeSet<String>,
    members: Vec<Member>,
}

#[derive(Debug)]
struct Member {
    id: String,
    name: String,
    kind: Kind,
    operated_by: Operator,
    site: Site,
    zone: Zone,
    facts: Facts,
    declared_scope: Option<Scope>,
}

/// The most common value (ties: the smallest in declaration order).
fn mode<T: Copy + Ord>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    let mut best: Option<(T, usize)> = None;
    for (value, count) in counts {
        if best.is_none_or(|(_, n)| count > n) {
            best = Some((value, count));
        }
    }
    best.map(|(value, _)| value)
}

impl RollUp {
    /// An empty roll-up.
    pub fn new() -> Self {
        RollUp::default()
    }

    /// Adds `asset` (an asset as a component of its own) to the group that becomes component
    /// `component_id`; `name` gives the group's name and description when the group is new.
    /// Fails when the asset names another subservice organisation than the group's first
    /// asset (a group is run by one organisation: split it).
    pub fn push(
        &mut self,
        component_id: &str,
        name: impl FnOnce() -> (String, Option<String>),
        asset: Component,
    ) -> Result<(), String> {
        let group = match self.groups.get_mut(component_id) {
            Some(group) => group,
            None => {
                let (name, description) = name();
                self.groups
                    .entry(component_id.to_string())
                    .or_insert(Group {
                        name,
                        description,
                        subservice: asset.subservice.clone(),
                        first_asset: asset.id.clone(),
                        owners: BTreeMap::new(),
                        access_via: BTreeSet::new(),
                        members: Vec::new(),
                    })
            }
        };
        if group.subservice != asset.subservice {
            let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_string());
            return Err(format!(
                "asset '{}' is run by subservice organisation '{}' but '{}' in the same group ('{component_id}') by '{}'; a component has one operator: add the subservice column to group_by or settle it in the export",
                asset.id,
                show(&asset.subservice),
                group.first_asset,
                show(&group.subservice)
            ));
        }
        if let Some(owner) = asset.owner {
            *group.owners.entry(owner).or_default() += 1;
        }
        group.access_via.extend(asset.access_via);
        group.members.push(Member {
            id: asset.id,
            name: asset.name,
            kind: asset.kind,
            operated_by: asset.operated_by,
            site: asset.site,
            zone: asset.zone,
            facts: asset.facts,
            declared_scope: asset.declared_scope,
        });
        Ok(())
    }

    /// The number of groups so far.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether no asset was added.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The rolled-up components, sorted by id, each with its assets sorted by id.
    pub fn finish(self) -> Vec<Component> {
        let mut components: Vec<Component> = self
            .groups
            .into_iter()
            .map(|(id, group)| group.into_component(id))
            .collect();
        components.sort_by(|a, b| a.id.cmp(&b.id));
        components
    }
}

impl Group {
    fn into_component(mut self, id: String) -> Component {
        self.members.sort_by(|a, b| a.id.cmp(&b.id));
        let members = &self.members;
        let kind = mode(members.iter().map(|m| m.kind)).unwrap_or(Kind::FieldDevice);
        let operated_by = mode(members.iter().map(|m| m.operated_by)).unwrap_or(Operator::Us);
        let site = mode(members.iter().map(|m| m.site)).unwrap_or(Site::OurFacility);
        let zone = mode(members.iter().map(|m| m.zone)).unwrap_or(Zone::Ot);
        let declared_scope = mode(members.iter().filter_map(|m| m.declared_scope));
        let facts = members.iter().fold(Facts::NONE, |all, m| {
            m.facts.iter().fold(all, |s, f| s.with(f, true))
        });
        // The most common owner; ties go to the first in alphabetical order.
        let owner = self
            .owners
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(owner, _)| owner.clone());
        let assets = self
            .members
            .into_iter()
            .map(|m| Asset {
                kind: (m.kind != kind).then_some(m.kind),
                operated_by: (m.operated_by != operated_by).then_some(m.operated_by),
                site: (m.site != site).then_some(m.site),
                zone: (m.zone != zone).then_some(m.zone),
                facts: (m.facts != facts).then_some(m.facts),
                id: m.id,
                name: m.name,
            })
            .collect();
        Component {
            id,
            name: self.name,
            kind,
            operated_by,
            site,
            zone,
            declared_scope,
            facts,
            subservice: self.subservice,
            description: self.description,
            owner,
            access_via: self.access_via.into_iter().collect(),
            telemetry: None,
            time_zone: None,
            assets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::Fact;

    fn asset(id: &str, kind: Kind, facts: &[Fact]) -> Component {
        Component {
            id: id.into(),
            name: id.to_uppercase(),
            kind,
            operated_by: Operator::Us,
            site: Site::OurFacility,
            zone: Zone::Ot,
            declared_scope: None,
            facts: Facts::of(facts),
            subservice: None,
            description: None,
            owner: Some("Plant".into()),
            access_via: Vec::new(),
            telemetry: None,
            time_zone: None,
            assets: Vec::new(),
        }
    }

    fn roll(order: &[usize]) -> Vec<Component> {
        let assets = [
            asset("plc-3", Kind::Plc, &[Fact::AffectsAvailability]),
            asset("plc-1", Kind::Plc, &[Fact::AffectsAvailability]),
            asset("hmi-1", Kind::Hmi, &[]),
            asset("plc-2", Kind::Plc, &[Fact::SupportCanAccessOrOperate]),
        ];
        let mut rollup = RollUp::new();
        for &i in order {
            let group = if i == 2 { "line-2" } else { "line-1" };
            rollup
                .push(group, || (group.to_uppercase(), None), assets[i].clone())
                .unwrap_or_default();
        }
        rollup.finish()
    }

    #[test]
    fn the_group_takes_the_common_values_the_union_of_facts_and_keeps_differences() {
        let components = roll(&[0, 1, 2, 3]);
        assert_eq!(components.len(), 2);
        let line = &components[0];
        assert_eq!(line.id, "line-1");
        assert_eq!(line.kind, Kind::Plc);
        assert_eq!(
            line.facts,
            Facts::of(&[Fact::AffectsAvailability, Fact::SupportCanAccessOrOperate])
        );
        let ids: Vec<&str> = line.assets.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["plc-1", "plc-2", "plc-3"]);
        assert_eq!(
            line.assets[1].facts,
            Some(Facts::of(&[Fact::SupportCanAccessOrOperate]))
        );
        assert_eq!(line.owner.as_deref(), Some("Plant"));
    }

    #[test]
    fn row_order_does_not_matter() {
        assert_eq!(roll(&[0, 1, 2, 3]), roll(&[3, 2, 1, 0]));
        assert_eq!(roll(&[0, 1, 2, 3]), roll(&[2, 0, 3, 1]));
    }

    #[test]
    fn a_second_subservice_in_a_group_is_refused() {
        let mut rollup = RollUp::new();
        let mut other = asset("b", Kind::Plc, &[]);
        other.subservice = Some("integrator".into());
        assert!(rollup
            .push("g", || ("G".into(), None), asset("a", Kind::Plc, &[]))
            .is_ok());
        let err = rollup.push("g", || ("G".into(), None), other).err();
        assert!(err.is_some_and(|e| e.contains("subservice organisation 'integrator'")));
    }
}
