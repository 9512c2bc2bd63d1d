//! Cell values as spreadsheets and CMDBs export them, read the same way by a CSV inventory in
//! fieldproof's columns and by a mapping of another tool's export.

/// Booleans as spreadsheets and CMDBs export them. Empty is false.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.len() {
        0 => Some(false),
        1..=5 => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "t" | "x" => Some(true),
            "false" | "no" | "n" | "0" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A list of ids in one cell (`access_via`): separated by `;` or `,`, trimmed, empties dropped.
pub(crate) fn id_list(text: &str) -> Vec<String> {
    text.split([';', ','])
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}
