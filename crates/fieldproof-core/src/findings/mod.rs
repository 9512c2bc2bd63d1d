//! Scope findings: the common scoping mistakes of seeds 000 and 004, detected from the estate
//! and its scope decisions.
//!
//! Each finding rule is a row of [`FINDING_RULES`] with a check function over the whole
//! assessment. Checks only use set-like facts about the estate (is there any in-scope access
//! governance? which statements cover which component?) so the result does not depend on the
//! order of components; [`sort_findings`] fixes the output order.

use crate::component::{closed_enum, Component, Fact, Kind, Scope, Zone};
use crate::estate::{Estate, SubserviceMethod};
use crate::scope::triggers::Trigger;
use crate::scope::ScopeDecision;
use serde::Serialize;
use std::collections::BTreeSet;

closed_enum! {
    /// How much a finding matters. Ordered: info < low < medium < high < critical.
    Severity {
        /// Worth knowing.
        Info = "info",
        /// Minor.
        Low = "low",
        /// Should be fixed before the audit.
        Medium = "medium",
        /// Likely to be raised by an auditor or a customer.
        High = "high",
        /// Undermines the report.
        Critical = "critical",
    }
}

closed_enum! {
    /// A scope finding rule, by its stable id (`fieldproof rules` lists what each looks for).
    FindingRuleId {
        /// OT that affects availability is declared out of scope although we are responsible for it.
        OtAvailabilityDeclaredOut = "ot-availability-declared-out",
        /// The current report declares a narrower scope than responsibility requires.
        DeclaredScopeNarrower = "declared-scope-narrower",
        /// The current report declares a broader scope than we are responsible for.
        DeclaredScopeBroader = "declared-scope-broader",
        /// A field device is shared or out of scope but no shared responsibility statement covers it.
        DeviceWithoutSharedResponsibility = "device-without-shared-responsibility",
        /// Several devices or people share one credential.
        SharedCredentials = "shared-credentials",
        /// Support can access or operate devices or OT through a path that no in-scope system governs.
        SupportAccessUngoverned = "support-access-ungoverned",
        /// Support can access or operate devices or OT, but the access path is not named.
        SupportAccessPathUnnamed = "support-access-path-unnamed",
        /// A carved-out subservice organisation has no complementary controls listed.
        CarveOutWithoutCsocs = "carve-out-without-csocs",
        /// Facility plant, physical access control or fire protection is not marked as affecting availability.
        FacilityPlantAvailabilityUnstated = "facility-plant-availability-unstated",
        /// A subservice organisation is defined but no component uses it.
        SubserviceUnused = "subservice-unused",
        /// Assets rolled up into one component would get another scope decision on their own.
        RolledUpAssetsDisagree = "rolled-up-assets-disagree",
    }
}

/// A problem with the scope, tied to a component or a subservice organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// The finding rule.
    pub rule: FindingRuleId,
    /// How much it matters.
    pub severity: Severity,
    /// The component concerned, if any.
    pub component: Option<String>,
    /// The subservice organisation concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subservice: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

/// What a finding check can see.
#[derive(Debug)]
pub struct FindingContext<'a> {
    /// The estate.
    pub estate: &'a Estate,
    /// Decisions, parallel to `estate.components`.
    pub decisions: &'a [ScopeDecision],
}

impl<'a> FindingContext<'a> {
    fn components(&self) -> impl Iterator<Item = (&'a Component, &'a ScopeDecision)> + 'a {
        self.estate.components.iter().zip(self.decisions.iter())
    }

    /// In-scope components that can govern privileged access, by id.
    fn access_governance(&self) -> BTreeSet<&'a str> {
        self.components()
            .filter(|(c, d)| {
                d.scope == Scope::In
                    && c.kind.governs_privileged_access()
                    && c.has(Fact::EnforcesAccessControl)
            })
            .map(|(c, _)| c.id.as_str())
            .collect()
    }
}

/// One row of the finding rule table.
#[derive(Debug)]
pub struct FindingRule {
    /// Stable identifier.
    pub id: FindingRuleId,
    /// What the rule looks for.
    pub title: &'static str,
    /// Appends the rule's findings.
    pub check: fn(&FindingContext<'_>, &mut Vec<Finding>),
}

/// The finding rules.
pub const FINDING_RULES: &[FindingRule] = &[
    FindingRule {
        id: FindingRuleId::OtAvailabilityDeclaredOut,
        title: "OT that affects availability is declared out of scope although we are responsible for it",
        check: ot_availability_declared_out,
    },
    FindingRule {
        id: FindingRuleId::DeclaredScopeNarrower,
        title: "The current report declares a narrower scope than responsibility requires",
        check: declared_scope_narrower,
    },
    FindingRule {
        id: FindingRuleId::DeclaredScopeBroader,
        title: "The current report declares a broader scope than we are responsible for",
        check: declared_scope_broader,
    },
    FindingRule {
        id: FindingRuleId::DeviceWithoutSharedResponsibility,
        title: "A field device is shared or out of scope but no shared responsibility statement covers it",
        check: device_without_shared_responsibility,
    },
    FindingRule {
        id: FindingRuleId::SharedCredentials,
        title: "Several devices or people share one credential",
        check: shared_credentials,
    },
    FindingRule {
        id: FindingRuleId::SupportAccessUngoverned,
        title: "Support can access or operate devices or OT through a path that no in-scope system governs",
        check: support_access_ungoverned,
    },
    FindingRule {
        id: FindingRuleId::SupportAccessPathUnnamed,
        title: "Support can access or operate devices or OT, but the access path is not named",
        check: support_access_path_unnamed,
    },
    FindingRule {
        id: FindingRuleId::CarveOutWithoutCsocs,
        title: "A carved-out subservice organisation has no complementary controls listed",
        check: carve_out_without_csocs,
    },
    FindingRule {
        id: FindingRuleId::FacilityPlantAvailabilityUnstated,
        title: "Facility plant, physical access control or fire protection is not marked as affecting availability",
        check: facility_plant_availability_unstated,
    },
    FindingRule {
        id: FindingRuleId::SubserviceUnused,
        title: "A subservice organisation is defined but no component uses it",
        check: subservice_unused,
    },
    FindingRule {
        id: FindingRuleId::RolledUpAssetsDisagree,
        title: "Assets rolled up into one component would get another scope decision on their own",
        check: rolled_up_assets_disagree,
    },
];

/// Runs every finding rule and returns the findings in canonical order.
pub fn find(context: &FindingContext<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in FINDING_RULES {
        (rule.check)(context, &mut findings);
    }
    sort_findings(&mut findings);
    findings
}

/// Whether any finding is at or above `threshold` (the `--fail-on` exit code).
pub fn reaches(findings: &[Finding], threshold: Option<Severity>) -> bool {
    let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    reaches_severity(&severities, threshold)
}

/// Whether any of `severities` is at or above the threshold (none: never).
pub fn reaches_severity(severities: &[Severity], threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|limit| severities.iter().any(|s| *s >= limit))
}

/// Canonical order: most severe first, then rule id, then component or subservice id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.as_str().cmp(b.rule.as_str()))
            .then_with(|| a.component.cmp(&b.component))
            .then_with(|| a.subservice.cmp(&b.subservice))
            .then_with(|| a.message.cmp(&b.message))
    });
}

fn component_finding(
    rule: FindingRuleId,
    severity: Severity,
    c: &Component,
    message: String,
) -> Finding {
    Finding {
        rule,
        severity,
        component: Some(c.id.clone()),
        subservice: None,
        message,
    }
}

fn is_ot(c: &Component) -> bool {
    c.kind.is_ot() || matches!(c.zone, Zone::Ot | Zone::Field)
}

/// The seed 000 pattern: the BMS that keeps customers' equipment cool is not in the report.
fn flags_ot_availability(c: &Component, d: &ScopeDecision) -> bool {
    is_ot(c)
        && c.has(Fact::AffectsAvailability)
        && c.declared_scope == Some(Scope::Out)
        && d.scope != Scope::Out
}

fn ot_availability_declared_out(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for (c, d) in cx.components().filter(|(c, d)| flags_ot_availability(c, d)) {
        let severity = if c.kind.is_critical_ot() {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(component_finding(
            FindingRuleId::OtAvailabilityDeclaredOut,
            severity,
            c,
            format!(
                "{} ({}) affects availability and is {} by responsibility, but the current report declares it out of scope; name it in scope for Availability and document the controls that exist, even where some are not yet implemented",
                c.name, c.kind, d.scope.words()
            ),
        ));
    }
}

fn declared_scope_narrower(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for (c, d) in cx.components() {
        let Some(declared) = c.declared_scope else {
            continue;
        };
        if declared.breadth() < d.scope.breadth() && !flags_ot_availability(c, d) {
            out.push(component_finding(
                FindingRuleId::DeclaredScopeNarrower,
                Severity::Medium,
                c,
                format!(
                    "{} is declared {} but responsibility makes it {}; widen the declared scope or change the facts that pull it in",
                    c.name,
                    declared.words(),
                    d.scope.words()
                ),
            ));
        }
    }
}

fn declared_scope_broader(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for (c, d) in cx.components() {
        let Some(declared) = c.declared_scope else {
            continue;
        };
        if declared.breadth() > d.scope.breadth() {
            out.push(component_finding(
                FindingRuleId::DeclaredScopeBroader,
                Severity::Info,
                c,
                format!(
                    "{} is declared {} but responsibility makes it only {}; the audit may test controls you do not operate — state the customer's share instead",
                    c.name,
                    declared.words(),
                    d.scope.words()
                ),
            ));
        }
    }
}

fn device_without_shared_responsibility(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for (c, d) in cx.components() {
        let field_device =
            matches!(c.kind, Kind::FieldDevice | Kind::EdgeGateway) || c.zone == Zone::Field;
        if !field_device || d.scope == Scope::In {
            continue;
        }
        if cx.estate.responsibilities.iter().any(|s| s.covers(c)) {
            continue;
        }
        let severity = if d.scope == Scope::Shared {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(component_finding(
            FindingRuleId::DeviceWithoutSharedResponsibility,
            severity,
            c,
            format!(
                "{} is {} but no shared responsibility statement covers it; add a `responsibilities` entry (for example domain physical_access or device_identity) with applies_to: [{}] or [{}] saying what the customer does",
                c.name,
                d.scope.words(),
                c.id,
                c.kind
            ),
        ));
    }
}

fn shared_credentials(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for (c, d) in cx.components() {
        if !c.has(Fact::UsesSharedCredentials) || d.scope == Scope::Out {
            continue;
        }
        let device = c.kind.is_device() || d.triggers.contains(Trigger::DeviceIdentity as usize);
        let severity = if device {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(component_finding(
            FindingRuleId::SharedCredentials,
            severity,
            c,
            format!(
                "{} uses shared credentials; one leaked secret then opens every {} — issue unique per-{} credentials and show rotation and revocation",
                c.name,
                if device { "device" } else { "account" },
                if device { "device" } else { "person" }
            ),
        ));
    }
}

/// Why a named access path does not govern support access, or `None` when it does.
fn path_gap(cx: &FindingContext<'_>, path: &str) -> Option<String> {
    let Some((c, d)) = cx.components().find(|(c, _)| c.id == path) else {
        return Some(format!("'{path}' is not a component of the estate"));
    };
    if !c.kind.governs_privileged_access() {
        Some(format!(
            "{} is a {}, which cannot approve, time-limit and log privileged sessions",
            c.name, c.kind
        ))
    } else if !c.has(Fact::EnforcesAccessControl) {
        Some(format!(
            "{} does not enforce access control (enforces_access_control is not set)",
            c.name
        ))
    } else if d.scope != Scope::In {
        Some(format!("{} is {}", c.name, d.scope.words()))
    } else {
        None
    }
}

/// Components inside the boundary that support can access or operate and that are devices or OT.
fn supported<'a>(cx: &'a FindingContext<'a>) -> impl Iterator<Item = &'a Component> + 'a {
    cx.components()
        .filter(|(c, d)| {
            c.has(Fact::SupportCanAccessOrOperate)
                && d.scope != Scope::Out
                && (c.kind.is_device() || is_ot(c))
        })
        .map(|(c, _)| c)
}

fn support_access_ungoverned(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let no_governance = cx.access_governance().is_empty();
    for c in supported(cx) {
        if c.access_via.is_empty() && no_governance {
            out.push(component_finding(
                FindingRuleId::SupportAccessUngoverned,
                Severity::High,
                c,
                format!(
                    "support can access or operate {} but no in-scope admin_tooling, identity_provider or remote_access_gateway with enforces_access_control governs that access; bring the support access path into scope with approvals, time limits and logged sessions, and name it in access_via",
                    c.name
                ),
            ));
        }
        for path in &c.access_via {
            if let Some(gap) = path_gap(cx, path) {
                out.push(component_finding(
                    FindingRuleId::SupportAccessUngoverned,
                    Severity::High,
                    c,
                    format!(
                        "support reaches {} through {path}, but {gap}; route support through an in-scope access-governing system (approvals, time limits, logged sessions) or bring this path into scope as one",
                        c.name
                    ),
                ));
            }
        }
    }
}

fn support_access_path_unnamed(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let governance = cx.access_governance();
    if governance.is_empty() {
        return; // support-access-ungoverned reports these at high severity
    }
    for c in supported(cx).filter(|c| c.access_via.is_empty()) {
        out.push(component_finding(
            FindingRuleId::SupportAccessPathUnnamed,
            Severity::Medium,
            c,
            format!(
                "support can access or operate {} but its access path is not named; set access_via to the component(s) support goes through (in-scope access governance here: {}) so that each path can be judged",
                c.name,
                governance.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
}

fn carve_out_without_csocs(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for org in &cx.estate.subservice_organisations {
        if org.method == SubserviceMethod::CarveOut && org.complementary_controls.is_empty() {
            out.push(Finding {
                rule: FindingRuleId::CarveOutWithoutCsocs,
                severity: Severity::Medium,
                component: None,
                subservice: Some(org.id.clone()),
                message: format!(
                    "{} is carved out but lists no complementary subservice organisation controls; list the controls you rely on it to operate (complementary_controls)",
                    org.name
                ),
            });
        }
    }
}

fn facility_plant_availability_unstated(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    for (c, _) in cx.components() {
        let plant = c.kind.is_facility_system();
        if plant
            && !c.has(Fact::AffectsAvailability)
            && c.operated_by != crate::component::Operator::Customer
        {
            out.push(component_finding(
                FindingRuleId::FacilityPlantAvailabilityUnstated,
                Severity::Low,
                c,
                format!(
                    "{} is a {} but affects_availability is not set; facility plant usually keeps customers' equipment running — confirm the fact",
                    c.name, c.kind
                ),
            ));
        }
    }
}

fn subservice_unused(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let used: BTreeSet<&str> = cx
        .estate
        .components
        .iter()
        .filter_map(|c| c.subservice.as_deref())
        .collect();
    for org in &cx.estate.subservice_organisations {
        if !used.contains(org.id.as_str()) {
            out.push(Finding {
                rule: FindingRuleId::SubserviceUnused,
                severity: Severity::Low,
                component: None,
                subservice: Some(org.id.clone()),
                message: format!(
                    "{} is defined but no component names it in `subservice`; link the components it operates or remove it",
                    org.name
                ),
            });
        }
    }
}

/// A group of assets is one component only if they share its scope decision: an asset that,
/// on its own, would be decided otherwise (it lacks a fact the others have, or sits in another
/// zone) must be split off or its fact settled, never silently merged.
fn rolled_up_assets_disagree(cx: &FindingContext<'_>, out: &mut Vec<Finding>) {
    let methods = crate::scope::SubserviceMethods::of(cx.estate);
    for (c, d) in cx.components() {
        if c.assets.is_empty() {
            continue;
        }
        let method = methods.method_for(c);
        let mut decided: std::collections::HashMap<_, Scope> = std::collections::HashMap::new();
        let mut apart: std::collections::BTreeMap<Scope, Vec<&str>> = Default::default();
        let mut differing: BTreeSet<&'static str> = BTreeSet::new();
        for asset in c.assets.iter().filter(|a| a.differs()) {
            let key = (
                asset.kind,
                asset.operated_by,
                asset.site,
                asset.zone,
                asset.facts,
            );
            let scope = *decided
                .entry(key)
                .or_insert_with(|| crate::scope::decide(&c.as_asset(asset), method).scope);
            if scope == d.scope {
                continue;
            }
            apart.entry(scope).or_default().push(asset.id.as_str());
            for (differs, name) in [
                (asset.kind.is_some(), "kind"),
                (asset.operated_by.is_some(), "operated_by"),
                (asset.site.is_some(), "site"),
                (asset.zone.is_some(), "zone"),
            ] {
                if differs {
                    differing.insert(name);
                }
            }
            if let Some(facts) = asset.facts {
                for fact in Fact::ALL {
                    if facts.has(*fact) != c.has(*fact) {
                        differing.insert(fact.as_str());
                    }
                }
            }
        }
        if apart.is_empty() {
            continue;
        }
        let groups: Vec<String> = apart
            .iter()
            .map(|(scope, ids)| {
                let shown: Vec<&str> = ids.iter().take(5).copied().collect();
                format!(
                    "{} would be {} ({}{})",
                    ids.len(),
                    scope.words(),
                    shown.join(", "),
                    if ids.len() > shown.len() { ", ..." } else { "" }
                )
            })
            .collect();
        out.push(component_finding(
            FindingRuleId::RolledUpAssetsDisagree,
            Severity::High,
            c,
            format!(
                "{} of its {} assets would be decided otherwise on their own than the component ({}): {}; they differ in {}. Split the group (group_by the column that separates them) or settle the fact in the export or the mapping; the component's explanation lists the assets",
                apart.values().map(Vec::len).sum::<usize>(),
                c.assets.len(),
                d.scope.words(),
                groups.join("; "),
                differing.into_iter().collect::<Vec<_>>().join(", "),
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
