//! The server's accounts, as the web app uses them: the use cases are the application layer's
//! ([`fieldproof_app::accounts`]), the rows the account store's, the roles and what each may do
//! the core's ([`fieldproof_core::access`]). Re-exported here for the pages and the tests.

pub use fieldproof_app::accounts::*;
pub use fieldproof_core::access::{Action, ReviewStatus, Role};
pub use fieldproof_store::accounts::Membership;

/// A signed-in user.
pub type Session = fieldproof_store::accounts::SessionRecord;
