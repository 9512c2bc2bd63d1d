//! Who may do what: the roles of an organisation's members and the one function every front
//! end asks ([`Role::may`]), and the auditor's status of an evidence request.
//!
//! A role is held in one organisation; an auditor's is limited to one engagement (which
//! engagement is the membership's, not the role's). An API token has a role of its own, never
//! more than its member's ([`Role::effective`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A role in an organisation, from the fewest rights to the most (an auditor's rights are of
/// another kind: they see one engagement and give requests their status).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Reads one engagement; comments on its requests and gives them their status.
    Auditor,
    /// Adds evidence and comments on requests.
    Contributor,
    /// Changes the estate, design statuses and evidence.
    Editor,
    /// Everything, including the organisation's API tokens.
    Owner,
}

/// Something a member asks to do in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the estate, controls, evidence and reports (an auditor: of their engagement).
    Read,
    /// Add evidence.
    AddEvidence,
    /// Replace current evidence with a new file.
    SupersedeEvidence,
    /// Withdraw current evidence, with a reason.
    RetireEvidence,
    /// Load an estate file or inventory.
    LoadEstate,
    /// Set a control's design status or pin a roadmap item.
    SetDesignStatus,
    /// Comment on an evidence request.
    CommentOnRequest,
    /// Give an evidence request the auditor's status.
    ReviewRequest,
    /// Create, list and revoke the organisation's API tokens.
    ManageTokens,
    /// Create or change an engagement (its period, categories, report).
    ManageEngagements,
    /// Keep the supplier register: add suppliers, record reviews of their reports, answer
    /// their CUECs.
    ManageSuppliers,
}

impl Action {
    /// What the action is, as a sentence's object: "may not {what}".
    pub const fn what(self) -> &'static str {
        match self {
            Action::Read => "read this organisation",
            Action::AddEvidence => "add evidence",
            Action::SupersedeEvidence => "supersede evidence",
            Action::RetireEvidence => "retire evidence",
            Action::LoadEstate => "load an estate",
            Action::SetDesignStatus => "set a design status",
            Action::CommentOnRequest => "comment on requests",
            Action::ReviewRequest => "set a request's status (the auditor does)",
            Action::ManageTokens => "manage the organisation's API tokens (owners do)",
            Action::ManageEngagements => "create or change an engagement (owners do)",
            Action::ManageSuppliers => "keep the supplier register",
        }
    }
}

/// A name that is not a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl std::fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is not a role; the roles are owner, editor, contributor, auditor, viewer",
            self.0
        )
    }
}

impl std::error::Error for UnknownRole {}

impl Role {
    /// Every role, the most rights first.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Editor,
        Role::Contributor,
        Role::Auditor,
        Role::Viewer,
    ];

    /// Its name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| UnknownRole(name.to_string()))
    }

    /// Whether a member holding this role may do `action`. The one place a permission is
    /// decided: the CLI, the pages and the API ask it.
    pub const fn may(self, action: Action) -> bool {
        match action {
            Action::Read => true,
            Action::AddEvidence => {
                matches!(self, Role::Owner | Role::Editor | Role::Contributor)
            }
            Action::SupersedeEvidence
            | Action::RetireEvidence
            | Action::LoadEstate
            | Action::SetDesignStatus
            | Action::ManageSuppliers => matches!(self, Role::Owner | Role::Editor),
            Action::CommentOnRequest => !matches!(self, Role::Viewer),
            Action::ReviewRequest => matches!(self, Role::Auditor),
            Action::ManageTokens | Action::ManageEngagements => matches!(self, Role::Owner),
        }
    }

    /// Whether the role is limited to one engagement.
    pub const fn sees_one_engagement(self) -> bool {
        matches!(self, Role::Auditor)
    }

    /// The role a token created as `token` has while its member holds `member`: the lesser
    /// of the two. An auditor's rights (one engagement, the request status) are not a subset of
    /// the others' nor the reverse, so a token and a member on different sides of that line
    /// have no role in common: `None`, and the token does not work.
    pub fn effective(token: Role, member: Role) -> Option<Role> {
        if (token == Role::Auditor) != (member == Role::Auditor) {
            return None;
        }
        Some(token.min(member))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The auditor's status of an evidence request. A request nobody has reviewed is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Not yet accepted (the status of every request until the auditor gives another).
    #[default]
    Open,
    /// The evidence provided satisfies the auditor.
    Accepted,
    /// The auditor needs more evidence.
    NeedsMore,
}

/// A name that is not a request status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownReviewStatus(pub String);

impl std::fmt::Display for UnknownReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is not a request status; use open, accepted or needs_more",
            self.0
        )
    }
}

impl std::error::Error for UnknownReviewStatus {}

impl ReviewStatus {
    /// Every status, in the order a review moves through them.
    pub const ALL: [ReviewStatus; 3] = [
        ReviewStatus::Open,
        ReviewStatus::Accepted,
        ReviewStatus::NeedsMore,
    ];

    /// Its name, as stored and in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::NeedsMore => "needs_more",
        }
    }

    /// How a page or a table says it.
    pub const fn label(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::NeedsMore => "needs more",
        }
    }

    /// The status named `name` (`needs-more` and `needs more` are taken too).
    pub fn parse(name: &str) -> Result<ReviewStatus, UnknownReviewStatus> {
        let norm = name.trim().replace(['-', ' '], "_");
        ReviewStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == norm)
            .ok_or_else(|| UnknownReviewStatus(name.to_string()))
    }
}

impl std::fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_is_allowed_to_exactly_the_roles_that_have_it() {
        let who = |action| -> Vec<&str> {
            Role::ALL
                .into_iter()
                .filter(|r| r.may(action))
                .map(Role::as_str)
                .collect()
        };
        assert_eq!(who(Action::Read).len(), 5);
        assert_eq!(who(Action::AddEvidence), ["owner", "editor", "contributor"]);
        for action in [
            Action::SupersedeEvidence,
            Action::RetireEvidence,
            Action::LoadEstate,
            Action::SetDesignStatus,
            Action::ManageSuppliers,
        ] {
            assert_eq!(who(action), ["owner", "editor"], "{action:?}");
        }
        assert_eq!(
            who(Action::CommentOnRequest),
            ["owner", "editor", "contributor", "auditor"]
        );
        assert_eq!(who(Action::ReviewRequest), ["auditor"]);
        assert_eq!(who(Action::ManageTokens), ["owner"]);
    }

    #[test]
    fn roles_meet_at_the_lesser_and_auditors_only_with_auditors() {
        assert_eq!(
            Role::effective(Role::Owner, Role::Viewer),
            Some(Role::Viewer)
        );
        assert_eq!(
            Role::effective(Role::Editor, Role::Owner),
            Some(Role::Editor)
        );
        assert_eq!(
            Role::effective(Role::Auditor, Role::Auditor),
            Some(Role::Auditor)
        );
        assert_eq!(Role::effective(Role::Owner, Role::Auditor), None);
        assert_eq!(Role::effective(Role::Auditor, Role::Owner), None);
        assert_eq!(Role::effective(Role::Auditor, Role::Viewer), None);
    }

    #[test]
    fn names_round_trip_and_others_are_refused_with_the_list() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("admin")
            .expect_err("admin is no role")
            .to_string()
            .contains("owner, editor"));
        for status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Ok(status));
        }
        assert_eq!(
            ReviewStatus::parse("needs more"),
            Ok(ReviewStatus::NeedsMore)
        );
        assert!(ReviewStatus::parse("done").is_err());
        assert_eq!(ReviewStatus::default(), ReviewStatus::Open);
    }
}
