//! The value table of a mapping, inventory or dataset alike: source values are matched without
//! regard to case, so `Approved`, `APPROVED` and `approved` are one source value. Exports spell
//! the same value in different cases (a picklist label, an API constant, a typed cell); one
//! table entry covers them all, and a value caught by nothing falls to `otherwise`.

use std::collections::BTreeMap;

/// The key a source value is looked up by.
pub fn key(text: &str) -> String {
    text.to_lowercase()
}

/// A mapping's `values` table keyed by [`key`]. Two entries that differ only in case and map
/// to different values cannot both hold: that is an error naming them.
pub fn build<'a>(
    values: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<BTreeMap<String, String>, String> {
    let mut table: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (from, to) in values {
        match table.get(&key(from)) {
            Some((first, target)) if target != to => {
                return Err(format!(
                    "'{first}' and '{from}' differ only in case but map to '{target}' and '{to}'; source values match without regard to case, so keep one"
                ))
            }
            Some(_) => {}
            None => {
                table.insert(key(from), (from.clone(), to.clone()));
            }
        }
    }
    Ok(table.into_iter().map(|(k, (_, to))| (k, to)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_values_match_without_regard_to_case_and_conflicts_are_named() {
        let values: BTreeMap<String, String> = [("Approved", "yes"), ("REJECTED", "no")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let table = build(&values).expect("a table");
        assert_eq!(table.get(&key("approved")).map(String::as_str), Some("yes"));
        assert_eq!(table.get(&key("Rejected")).map(String::as_str), Some("no"));
        let clash: BTreeMap<String, String> = [("Open", "a"), ("OPEN", "b")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let error = build(&clash).expect_err("a clash");
        assert!(error.contains("'OPEN' and 'Open'"), "{error}");
        let same: BTreeMap<String, String> = [("Open", "a"), ("OPEN", "a")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(build(&same).expect("agreeing spellings").len(), 1);
    }
}
