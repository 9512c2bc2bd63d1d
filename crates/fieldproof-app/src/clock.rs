//! The clock and the actor are parameters, never globals: a fixed clock makes runs and tests
//! reproducible, and the actor defaults to the operating system account, not to an environment
//! variable that may be unset.

use crate::{AppError, Result};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    /// Now, RFC 3339 UTC, whole seconds.
    fn now(&self) -> String;
}

/// The system clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> String {
        rfc3339(time::OffsetDateTime::now_utc())
    }
}

/// A clock pinned to one instant.
#[derive(Debug, Clone)]
pub struct FixedClock(String);

impl FixedClock {
    /// Parses an RFC 3339 timestamp (any offset; kept as UTC).
    pub fn parse(text: &str) -> Result<FixedClock> {
        let parsed =
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    AppError::Input(format!(
                        "'{text}' is not an RFC 3339 timestamp (for example 2026-03-01T09:00:00Z)"
                    ))
                })?;
        Ok(FixedClock(rfc3339(parsed)))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> String {
        self.0.clone()
    }
}

/// A time as RFC 3339 UTC, to the second.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    let utc = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    utc.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// The operating system account running fieldproof (`$USER` may be unset, for example under
/// cron or in a container).
pub fn os_account() -> String {
    whoami::fallible::username()
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| format!("uid-unknown@{}", hostname()))
}

fn hostname() -> String {
    whoami::fallible::hostname().unwrap_or_else(|_| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clocks_normalise_to_utc() {
        assert_eq!(
            FixedClock::parse("2026-03-01T10:00:00+01:00")
                .expect("valid")
                .now(),
            "2026-03-01T09:00:00Z"
        );
        assert!(FixedClock::parse("yesterday").is_err());
    }

    #[test]
    fn the_os_account_is_never_unknown() {
        let name = os_account();
        assert!(!name.is_empty());
        assert_ne!(name, "unknown");
    }
}
