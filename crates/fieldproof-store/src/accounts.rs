//! The accounts of a fieldproof server: organisations, users, their memberships, sessions, API
//! tokens and the sign-in throttle. One account store serves every organisation of a server
//! (`DATA/server.db` on SQLite; the schema `fieldproof_server` on PostgreSQL), whereas each
//! organisation's workspace is a [`Store`](crate::Store) of its own.
//!
//! The store keeps rows; every rule (who may hold which role, a token's effective role, when a
//! session or a throttle window ends, how a password is hashed) is the application layer's.
//! Secrets are passed in and stored only as their SHA-256; times are RFC 3339 UTC text, from
//! the caller's clock.

use crate::{RequestCommentRecord, RequestStatusRecord, StoreError};
use async_trait::async_trait;
use fieldproof_core::access::Role;

/// An organisation of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationRecord {
    /// Its id (lowercase letters, digits and dashes).
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was added.
    pub created_at: String,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Row id.
    pub id: i64,
    /// E-mail address, lowercase.
    pub email: String,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
}

/// A user's role in one organisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Membership {
    /// The organisation.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// The role.
    pub role: Role,
    /// For an auditor: the one engagement they see.
    pub engagement: Option<String>,
}

/// A session to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 (hex) of the cookie secret.
    pub token_sha256: String,
    /// The user.
    pub user_id: i64,
    /// The CSRF token every form of the session carries.
    pub csrf: String,
    /// When it ends.
    pub expires_at: String,
}

/// A signed-in user, as a session or a token stands for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// User id.
    pub user_id: i64,
    /// E-mail.
    pub email: String,
    /// The session's CSRF token (empty for an API token).
    pub csrf: String,
}

/// An API token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// SHA-256 (hex) of the secret.
    pub token_sha256: String,
    /// Its public reference.
    pub token_ref: String,
    /// The member's user id.
    pub user_id: i64,
    /// The organisation.
    pub organisation: String,
    /// The role it was created with.
    pub role: Role,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: String,
    /// When it expires, if ever.
    pub expires_at: Option<String>,
}

/// What a live token (not revoked, not expired, its member still a member) was created as,
/// and its member's membership now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The member.
    pub user: SessionRecord,
    /// The member's membership (with the member's own role).
    pub membership: Membership,
    /// The role the token was created with.
    pub token_role: Role,
    /// When it was last used, if ever.
    pub last_used_at: Option<String>,
}

/// A token of an organisation, as `token list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its reference.
    pub token_ref: String,
    /// The member's e-mail.
    pub email: String,
    /// Its name.
    pub name: String,
    /// The role it was created with.
    pub role: Role,
    /// The member's role now; `None` when the member left.
    pub member_role: Option<Role>,
    /// When it was created.
    pub created_at: String,
    /// When it expires.
    pub expires_at: Option<String>,
    /// When it was last used.
    pub last_used_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
}

/// The accounts of a server. Implemented by both backends and covered by the story test
/// (`story::accounts`).
#[async_trait]
pub trait AccountStore: Send + Sync + std::fmt::Debug {
    /// Adds an organisation; `false` when one with its id exists (nothing is changed).
    async fn add_organisation(&self, organisation: &OrganisationRecord)
        -> Result<bool, StoreError>;

    /// Every organisation, by id.
    async fn organisations(&self) -> Result<Vec<OrganisationRecord>, StoreError>;

    /// The user with this (lowercase) e-mail address.
    async fn user(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Adds a user; returns its id.
    async fn add_user(&self, email: &str, password_hash: &str, at: &str)
        -> Result<i64, StoreError>;

    /// Gives a user a role in an organisation (replacing the role they held there).
    async fn set_membership(
        &self,
        user_id: i64,
        organisation: &str,
        role: Role,
        engagement: Option<&str>,
    ) -> Result<(), StoreError>;

    /// A user's memberships, by organisation.
    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError>;

    /// Removes a user's membership of an organisation and, in the same transaction, revokes
    /// their tokens there (at `at`, by `by`); returns how many tokens were revoked, or `None`
    /// when the user was not a member.
    async fn remove_membership(
        &self,
        user_id: i64,
        organisation: &str,
        at: &str,
        by: &str,
    ) -> Result<Option<u64>, StoreError>;

    /// Stores a session.
    async fn add_session(&self, session: &NewSession) -> Result<(), StoreError>;

    /// The session stored under this secret digest, if it ends after `now`.
    async fn session(
        &self,
        token_sha256: &str,
        now: &str,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// Ends a session, with the engagements it chose.
    async fn remove_session(&self, token_sha256: &str) -> Result<(), StoreError>;

    /// Remembers the engagement a session chose in an organisation (replacing its earlier
    /// choice there).
    async fn choose_session_engagement(
        &self,
        token_sha256: &str,
        organisation: &str,
        engagement: &str,
    ) -> Result<(), StoreError>;

    /// The engagement a session chose in an organisation, if it chose one.
    async fn session_engagement(
        &self,
        token_sha256: &str,
        organisation: &str,
    ) -> Result<Option<String>, StoreError>;

    /// Stores an API token.
    async fn add_token(&self, token: &NewToken) -> Result<(), StoreError>;

    /// The live token stored under this secret digest: not revoked, not expired at `now`, its
    /// member still a member of its organisation.
    async fn token(&self, token_sha256: &str, now: &str) -> Result<Option<TokenGrant>, StoreError>;

    /// Records a token's use.
    async fn touch_token(&self, token_sha256: &str, at: &str) -> Result<(), StoreError>;

    /// Every token of an organisation, newest first.
    async fn tokens(&self, organisation: &str) -> Result<Vec<TokenRecord>, StoreError>;

    /// Revokes a token of an organisation that is not revoked yet; `false` when none was.
    async fn revoke_token(
        &self,
        organisation: &str,
        token_ref: &str,
        at: &str,
        by: &str,
    ) -> Result<bool, StoreError>;

    /// Counts one sign-in attempt under `key` in one statement: a window that started at or
    /// before `window_cutoff` starts again at `at`. Returns the attempts in the window, this
    /// one included, and when the window started.
    async fn reserve_attempt(
        &self,
        key: &str,
        at: &str,
        window_cutoff: &str,
    ) -> Result<(i64, String), StoreError>;

    /// Takes back one attempt under `key`.
    async fn release_attempt(&self, key: &str) -> Result<(), StoreError>;

    /// Forgets every attempt under `key`.
    async fn clear_attempts(&self, key: &str) -> Result<(), StoreError>;

    /// Removes throttle windows that started at or before `window_cutoff` and sessions that
    /// ended at or before `now`.
    async fn expire(&self, window_cutoff: &str, now: &str) -> Result<(), StoreError>;

    /// Rows of the throttle table.
    async fn throttle_rows(&self) -> Result<i64, StoreError>;

    /// Request reviews an earlier version kept with the accounts, for an organisation: they
    /// belong in its workspace now (see the application's `adopt_request_reviews`).
    async fn legacy_request_reviews(
        &self,
        organisation: &str,
    ) -> Result<(Vec<RequestStatusRecord>, Vec<RequestCommentRecord>), StoreError>;

    /// Removes an organisation's legacy request reviews, once its workspace holds them.
    async fn remove_legacy_request_reviews(&self, organisation: &str) -> Result<(), StoreError>;

    /// Closes the store.
    async fn close(&self);
}
