//! Which documents each deliverable carries, in one place: `assess` writes the whole scope set
//! for the people who decide scope; an evidence pack carries what an auditor reads beside the
//! evidence (the boundary statement and the responsibility matrix).

use crate::{boundary, matrix, scope};
use fieldproof_core::assessment::Assessment;
use fieldproof_core::responsibility::ResponsibilityMatrix;

/// A set of documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentSet {
    /// Everything `assess` writes: boundary (md, html), matrix (md, csv, html), scope (json, md).
    Assessment,
    /// What an evidence pack carries: boundary (md), matrix (md, csv).
    Pack,
}

/// The documents of `set`, as (file name, bytes), in a fixed order.
pub fn render(
    set: DocumentSet,
    assessment: &Assessment<'_>,
    derived: &ResponsibilityMatrix,
) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![
        (
            "boundary.md".to_string(),
            boundary::markdown(assessment, derived).into_bytes(),
        ),
        (
            "responsibility.md".to_string(),
            matrix::markdown(assessment, derived).into_bytes(),
        ),
        (
            "responsibility.csv".to_string(),
            matrix::csv(derived).into_bytes(),
        ),
    ];
    if set == DocumentSet::Assessment {
        let mut scope_json = Vec::new();
        scope::write_json(assessment, &mut scope_json)?;
        let mut scope_md = Vec::new();
        scope::write_markdown(assessment, &mut scope_md)?;
        out.insert(
            1,
            (
                "boundary.html".to_string(),
                boundary::html_document(assessment, derived).into_bytes(),
            ),
        );
        out.push((
            "responsibility.html".to_string(),
            matrix::html_document(assessment, derived).into_bytes(),
        ));
        out.push(("scope.json".to_string(), scope_json));
        out.push(("scope.md".to_string(), scope_md));
    }
    Ok(out)
}
