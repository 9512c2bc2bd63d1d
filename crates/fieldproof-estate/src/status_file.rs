//! Status files: the design status of controls and the roadmap pins of one engagement, kept in
//! YAML beside the estate and applied like it (`fieldproof status apply FILE`). The format is
//! documented in `docs/readiness.md`.
//!
//! ```yaml
//! engagement: soc2-2026        # optional: the engagement it is for
//! controls:
//!   - control: FP-PE-04
//!     status: implemented      # implemented, partially_implemented, planned, not_implemented, not_applicable
//!     owner: Facilities manager
//!     rationale: The BMS alarms on temperature and humidity per hall; alarms page the on-call engineer.
//!   - control: FP-AC-06
//!     status: planned
//!     owner: OT security lead
//!     rationale: Default passwords remain on two chiller controllers; replacement is scheduled.
//!     due: 2027-03-31
//! pins:
//!   - item: FP-AC-06            # a roadmap item: a control id, scope:RULE, coverage:CRITERION or monitor:TEST
//!     phase: 1
//! ```

use crate::error::{LoadError, Location, Problem};
use crate::yaml::{check_text, yaml_error};
use fieldproof_core::status::{ControlStatus, RoadmapPin, StatusPlan};
use marked_yaml::{LoaderOptions, Spanned};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusDocument {
    #[serde(default)]
    engagement: Option<String>,
    #[serde(default)]
    controls: Vec<Spanned<ControlStatus>>,
    #[serde(default)]
    pins: Vec<Spanned<RoadmapPin>>,
}

/// A parsed status file: the plan, the engagement it names, and the line of every entry (for
/// errors found later, such as an unknown control id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFile {
    /// The engagement the file names, if any.
    pub engagement: Option<String>,
    /// The plan.
    pub plan: StatusPlan,
    /// Line of each control status and pin, by key.
    pub lines: BTreeMap<String, usize>,
}

fn line_of<T>(spanned: &Spanned<T>) -> Option<usize> {
    spanned.span().start().map(|m| m.line()).filter(|l| *l > 0)
}

/// Parses a status file; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<StatusFile, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_text(path, text)?;
    if text.trim().is_empty() {
        return Err(LoadError::at(
            Location {
                file: path.to_path_buf(),
                line: None,
                column: None,
                field: None,
            },
            "the file is empty; a status file lists `controls` (and optionally `pins`)",
        ));
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let document: StatusDocument = marked_yaml::from_yaml_with_options(0, text, options)
        .map_err(|e| yaml_error(path, text, e))?;
    let mut problems = Vec::new();
    let mut problem = |line: Option<usize>, field: String, message: String| {
        problems.push(Problem {
            location: Location {
                file: path.to_path_buf(),
                line,
                column: None,
                field: Some(field),
            },
            message,
        });
    };
    let mut lines = BTreeMap::new();
    let mut plan = StatusPlan::default();
    for (i, entry) in document.controls.iter().enumerate() {
        let line = line_of(entry);
        let status: &ControlStatus = entry;
        if let Some(first) = lines.get(&status.control) {
            problem(
                line,
                format!("controls[{i}].control"),
                format!(
                    "{} is listed twice (first at line {first}); keep one entry per control",
                    status.control
                ),
            );
            continue;
        }
        for (field, value) in [("owner", &status.owner), ("rationale", &status.rationale)] {
            if value.trim().is_empty() {
                problem(
                    line,
                    format!("controls[{i}].{field}"),
                    format!(
                        "{} has an empty {field}; every status names its {}",
                        status.control,
                        if field == "owner" {
                            "owner (a role or a person)"
                        } else {
                            "rationale (what exists, what is missing, or why it does not apply)"
                        }
                    ),
                );
            }
        }
        lines.insert(status.control.clone(), line.unwrap_or(0));
        plan.statuses.push(status.clone());
    }
    let mut pinned = BTreeMap::new();
    for (i, entry) in document.pins.iter().enumerate() {
        let line = line_of(entry);
        let pin: &RoadmapPin = entry;
        if !(1..=3).contains(&pin.phase) {
            problem(
                line,
                format!("pins[{i}].phase"),
                format!(
                    "{}: phase {} does not exist; use 1, 2 or 3",
                    pin.item, pin.phase
                ),
            );
            continue;
        }
        if pinned.insert(pin.item.clone(), line.unwrap_or(0)).is_some() {
            problem(
                line,
                format!("pins[{i}].item"),
                format!("{} is pinned twice; keep one pin per item", pin.item),
            );
            continue;
        }
        lines.insert(format!("pin:{}", pin.item), line.unwrap_or(0));
        plan.pins.push(pin.clone());
    }
    if !problems.is_empty() {
        return Err(LoadError::Invalid { problems });
    }
    plan.normalise();
    Ok(StatusFile {
        engagement: document.engagement,
        plan,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_core::status::DesignStatus;

    #[test]
    fn a_status_file_parses_with_lines() {
        let text = "engagement: soc2-2026\ncontrols:\n  - control: FP-B\n    status: planned\n    owner: ot\n    rationale: later\n    due: 2027-01-31\n  - control: FP-A\n    status: implemented\n    owner: ot\n    rationale: in place\npins:\n  - item: FP-B\n    phase: 1\n";
        let file = parse(Path::new("status.yaml"), text).expect("valid");
        assert_eq!(file.engagement.as_deref(), Some("soc2-2026"));
        assert_eq!(file.plan.statuses[0].control, "FP-A");
        assert_eq!(file.plan.statuses[1].status, DesignStatus::Planned);
        assert_eq!(file.lines.get("FP-A"), Some(&8));
        assert_eq!(file.plan.pin_of("FP-B"), Some(1));
    }

    #[test]
    fn bad_status_files_name_the_line_and_field() {
        for (text, expected) in [
            (
                "controls:\n  - control: FP-A\n    status: done\n    owner: x\n    rationale: y\n",
                "status.yaml:3",
            ),
            (
                "controls:\n  - control: FP-A\n    status: implemented\n    owner: ''\n    rationale: y\n",
                "empty owner",
            ),
            (
                "controls:\n  - control: FP-A\n    status: implemented\n    owner: x\n    rationale: y\n  - control: FP-A\n    status: planned\n    owner: x\n    rationale: y\n",
                "listed twice (first at line 2)",
            ),
            ("pins:\n  - item: FP-A\n    phase: 4\n", "use 1, 2 or 3"),
            (
                "controls:\n  - control: FP-A\n    status: implemented\n    owner: x\n    rationale: y\n    due: 2027-02-30\n",
                "not a calendar date",
            ),
            ("", "the file is empty"),
        ] {
            let error = parse(Path::new("status.yaml"), text)
                .expect_err(text)
                .to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
