//! Roll-up: where each row's component goes. Without a `[group]` it is a component of the
//! estate; with one it is an asset, gathered with the others of its group into one component.

use super::columns::{render, Bound, Grouping};
use super::values::Row;
use super::{slug, Sink};
use crate::error::{Location, Problem};
use crate::Origin;
use fieldproof_core::rollup::RollUp;
use fieldproof_core::Component;
use std::collections::HashMap;
use std::path::Path;

/// The components read so far, or the assets gathered into groups.
pub(super) struct Assets<'s> {
    sink: Sink<'s>,
    file_index: u32,
    grouping: Option<Grouping>,
    rollup: RollUp,
    /// Group id → the line of its first asset.
    group_lines: HashMap<String, u32>,
    /// Asset id → its line (asset ids are unique).
    asset_lines: HashMap<String, u32>,
}

/// A row being placed: its record, its translated values and where it stands.
pub(super) struct Placed<'r> {
    pub(super) record: &'r csv::ByteRecord,
    pub(super) row: &'r Row,
    pub(super) path: &'r Path,
    pub(super) line: u64,
}

impl Placed<'_> {
    fn render(&self, parts: &[Bound]) -> String {
        render(parts, self.record, self.row, self.line)
    }
}

impl<'s> Assets<'s> {
    pub(super) fn new(sink: Sink<'s>, file_index: u32, grouping: Option<Grouping>) -> Self {
        Assets {
            sink,
            file_index,
            grouping,
            rollup: RollUp::new(),
            group_lines: HashMap::new(),
            asset_lines: HashMap::new(),
        }
    }

    /// Places one row's component: in the estate, or in its group.
    pub(super) fn push(
        &mut self,
        component: Component,
        at: Placed<'_>,
        problems: &mut Vec<Problem>,
    ) {
        let line = at.line as u32;
        let Some(grouping) = &self.grouping else {
            self.sink.components.push(component);
            self.sink.origins.push(Origin {
                file: self.file_index,
                line,
                column: 0,
            });
            return;
        };
        let location = |field: &str| Location {
            file: at.path.to_path_buf(),
            line: Some(at.line as usize),
            column: None,
            field: Some(field.to_string()),
        };
        if let Some(first) = self.asset_lines.insert(component.id.clone(), line) {
            problems.push(Problem {
                location: location("id"),
                message: format!(
                    "asset id '{}' appears twice (first on line {first}); asset ids must be unique: map `id` from a unique column or a template",
                    component.id
                ),
            });
            return;
        }
        // The group's values, joined: only needed where a template is not given.
        let values = |separator: &str| -> String {
            grouping
                .by
                .iter()
                .map(|part| at.render(std::slice::from_ref(part)))
                .collect::<Vec<_>>()
                .join(separator)
        };
        let group_id = slug(&match &grouping.id {
            Some(parts) => at.render(parts),
            None => values("-"),
        });
        let group_id = if group_id.is_empty() {
            "unnamed-group".to_string()
        } else {
            group_id
        };
        self.group_lines.entry(group_id.clone()).or_insert(line);
        let name = || {
            let name = match &grouping.name {
                Some(parts) => at.render(parts),
                None => values(" / "),
            };
            let description = grouping.description.as_ref().map(|parts| at.render(parts));
            (name, description)
        };
        if let Err(message) = self.rollup.push(&group_id, name, component) {
            problems.push(Problem {
                location: location("subservice"),
                message,
            });
        }
    }

    /// Writes the groups' components out (a roll-up); returns how many components the file
    /// gave, or `None` without a roll-up (one per asset).
    pub(super) fn finish(self) -> Option<usize> {
        self.grouping.as_ref()?;
        let rolled = self.rollup.finish();
        let count = rolled.len();
        for component in rolled {
            let line = self.group_lines.get(&component.id).copied().unwrap_or(0);
            self.sink.components.push(component);
            self.sink.origins.push(Origin {
                file: self.file_index,
                line,
                column: 0,
            });
        }
        Some(count)
    }
}
