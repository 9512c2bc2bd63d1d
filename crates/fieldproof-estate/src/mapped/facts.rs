//! Facts: what the mapping's `[[facts]]` rules and fact columns say of a row.

use super::columns::{Binding, Bound};
use super::values::Row;
use fieldproof_core::Facts;

impl Binding<'_> {
    /// The facts of a row: every rule whose conditions all hold sets its facts, then the row's
    /// own fact columns set theirs (they win).
    pub(super) fn facts(&self, row: &Row, record: &csv::ByteRecord) -> Facts {
        let mut facts = Facts::NONE;
        for (when, set) in &self.rules {
            let holds = when.iter().all(|(part, values)| match part {
                Bound::Field(f) => values.iter().any(|v| v == row.field_text(*f)),
                Bound::Column(index) => {
                    let text = std::str::from_utf8(record.get(*index).unwrap_or_default())
                        .unwrap_or_default();
                    // The rule's values are lower case.
                    if text.is_ascii() {
                        values.iter().any(|v| v.eq_ignore_ascii_case(text))
                    } else {
                        values.contains(&text.to_lowercase())
                    }
                }
                _ => false,
            });
            if holds {
                for fact in set.iter() {
                    facts = facts.with(*fact, true);
                }
            }
        }
        for (fact, value) in &row.fact_cells {
            facts = facts.with(*fact, *value);
        }
        facts
    }
}
