//! The accounts of a server, as use cases: organisations, members and their roles, sign-in
//! with throttling, sessions and API tokens. Every front end (the `org`, `user` and `token`
//! commands, the sign-in page, the token page, bearer authentication) calls these; the rows are
//! kept by an [`AccountStore`] of either backend (`DATA/server.db`, or the schema
//! `fieldproof_server` of the server's PostgreSQL database). Secrets (session cookies, API
//! tokens) are stored only as their SHA-256.

use crate::contract::{TokenInfo, TokenList};
use crate::workspace::ServerDatabase;
use crate::{AppError, Field, FieldError, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use fieldproof_core::access::Role;
use fieldproof_store::accounts::{
    AccountStore, Membership, NewSession, NewToken, OrganisationRecord, SessionRecord,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long a session lasts without a new login.
pub const SESSION_HOURS: i64 = 12;
/// Sign-in attempts for one account from one client address within [`THROTTLE_MINUTES`]
/// after which further attempts are refused without checking the password.
pub const THROTTLE_FAILURES: i64 = 5;
/// Sign-in attempts from one client address, for any accounts, within the window.
pub const THROTTLE_ADDRESS_FAILURES: i64 = 20;
/// Sign-in attempts for one account from all addresses within the window: a bound on guessing
/// spread over many addresses. One address alone cannot reach it (its own limits stop it
/// first), so nobody locks an account out for everyone from one address.
pub const THROTTLE_ACCOUNT_FAILURES: i64 = 50;
/// The throttling window.
pub const THROTTLE_MINUTES: i64 = 15;
/// The longest e-mail address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;
/// The longest password accepted at sign-in.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The shortest password a new user may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest comment or token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 80;
/// Sign-ins waiting for a password check beyond this are answered 503 at once.
pub const HASH_QUEUE: usize = 64;
/// How long a sign-in waits for a password check before it is answered 503.
pub const HASH_WAIT_SECONDS: u64 = 20;

/// A fresh random secret, hex.
pub fn secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The time now (UTC).
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

pub use crate::clock::rfc3339 as stamp;

/// Checks an organisation id: lowercase letters, digits and dashes, 2 to 40 characters.
pub fn check_org_id(id: &str) -> Result<()> {
    let ok = (2..=40).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(AppError::Input(format!(
            "'{id}' is not an organisation id; use 2 to 40 lowercase letters, digits and dashes"
        )))
    }
}

/// When a token given an expiry `text` expires: `30d` (days from `now`), `12h` (hours), or a
/// date `YYYY-MM-DD` (valid through that day, UTC). It must lie in the future.
pub fn parse_expiry(text: &str, now: time::OffsetDateTime) -> Result<time::OffsetDateTime> {
    let text = text.trim();
    let bad = || {
        AppError::from(FieldError::value(
            Field::Expires,
            text,
            "give days (30d), hours (12h) or a date (2027-06-30)",
        ))
    };
    let at = if let Some(days) = text.strip_suffix('d') {
        let n: i64 = days.parse().map_err(|_| bad())?;
        now + time::Duration::days(n)
    } else if let Some(hours) = text.strip_suffix('h') {
        let n: i64 = hours.parse().map_err(|_| bad())?;
        now + time::Duration::hours(n)
    } else {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = time::Date::parse(text, &format).map_err(|_| bad())?;
        day.next_day().ok_or_else(bad)?.midnight().assume_utc()
    };
    if at <= now {
        return Err(FieldError::value(
            Field::Expires,
            text,
            "lies in the past; give a later date or a number of days",
        )
        .into());
    }
    Ok(at)
}

/// A token's public reference: the first 12 hex digits of the SHA-256 of its secret.
fn token_ref(secret_sha256: &str) -> String {
    secret_sha256.chars().take(12).collect()
}

/// How many sign-ins are checking a password now and at most since the start, and how many
/// were turned away because too many were waiting.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HashingStats {
    /// Checking now.
    pub running: usize,
    /// The most ever checking at once.
    pub peak: usize,
    /// Answered 503.
    pub turned_away: usize,
}

/// The largest argon2 memory a stored hash may ask for (the `argon2` crate's default is 19 MiB).
const MAX_HASH_MEMORY_KIB: u32 = 256 * 1024;

/// Checks `password` against the PHC string `phc` with `memory` as argon2's working memory,
/// kept from one check to the next: a worker allocates it once.
fn check_password(memory: &mut Vec<argon2::Block>, password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_HASH_MEMORY_KIB {
        return false;
    }
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    memory.resize(params.block_count(), argon2::Block::default());
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..])
        .is_ok();
    // `Output`'s comparison takes the same time whatever the bytes.
    hashed && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

/// One password to check and where the answer goes.
type HashJob = (Vec<u8>, String, tokio::sync::oneshot::Sender<bool>);

/// The password checks: one worker thread per core, each with argon2's working memory (19 MiB
/// per check with the defaults) allocated once and reused, fed by a queue of at most
/// [`HASH_QUEUE`]. A flood of sign-ins waits in the queue or is answered 503, and the memory
/// stays at one working memory per core however many arrive.
#[derive(Debug)]
struct Hashing {
    workers: usize,
    queue: std::sync::OnceLock<std::sync::mpsc::SyncSender<HashJob>>,
    stats: std::sync::Arc<std::sync::Mutex<HashingStats>>,
}

fn lock_stats(stats: &std::sync::Mutex<HashingStats>) -> std::sync::MutexGuard<'_, HashingStats> {
    stats
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Hashing {
    fn new(workers: usize) -> Self {
        Hashing {
            workers: workers.max(1),
            queue: std::sync::OnceLock::new(),
            stats: Default::default(),
        }
    }

    fn stats(&self) -> HashingStats {
        *lock_stats(&self.stats)
    }

    /// The queue, its workers started on first use (the administration commands never sign in).
    fn queue(&self) -> &std::sync::mpsc::SyncSender<HashJob> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<HashJob>(HASH_QUEUE);
            let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
            for n in 0..self.workers {
                let receiver = std::sync::Arc::clone(&receiver);
                let stats = std::sync::Arc::clone(&self.stats);
                let spawned = std::thread::Builder::new()
                    .name(format!("fieldproof-password-{n}"))
                    .spawn(move || {
                        let mut memory = Vec::new();
                        loop {
                            let job = receiver
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner())
                                .recv();
                            let Ok((password, phc, reply)) = job else {
                                return;
                            };
                            {
                                let mut s = lock_stats(&stats);
                                s.running += 1;
                                s.peak = s.peak.max(s.running);
                            }
                            let ok = check_password(&mut memory, &password, &phc);
                            lock_stats(&stats).running -= 1;
                            let _ = reply.send(ok);
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "a password worker could not start");
                }
            }
            sender
        })
    }

    /// Checks `password` against `phc` on a worker; `None` when too many checks wait.
    async fn run(&self, password: &[u8], phc: String) -> Option<bool> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if self
            .queue()
            .try_send((password.to_vec(), phc, reply))
            .is_err()
        {
            lock_stats(&self.stats).turned_away += 1;
            return None;
        }
        match tokio::time::timeout(Duration::from_secs(HASH_WAIT_SECONDS), answer).await {
            Ok(Ok(ok)) => Some(ok),
            _ => {
                lock_stats(&self.stats).turned_away += 1;
                None
            }
        }
    }
}

impl Default for Hashing {
    /// One worker per core.
    fn default() -> Self {
        Hashing::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

/// The accounts of a server.
#[derive(Debug, Clone)]
pub struct Accounts {
    store: Arc<dyn AccountStore>,
    hashing: Arc<Hashing>,
    /// The data directory: `server.db` and `orgs/ORG/`.
    data: PathBuf,
    /// The server's PostgreSQL database, if the workspaces are there.
    database: Option<ServerDatabase>,
}

/// An organisation just added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationAdded {
    /// Its directory (keys, blobs; the SQLite workspace unless on PostgreSQL).
    pub dir: PathBuf,
    /// Whether it adopted a workspace already there.
    pub adopted: bool,
}

impl Accounts {
    /// Opens (creating and migrating) the accounts of the data directory `data`: its
    /// `server.db`, or, given the server's PostgreSQL database URL (`postgres://.../DATABASE`,
    /// no workspace), the accounts' schema there. `data` is made absolute, so that every
    /// organisation's workspace resolves the same from anywhere.
    pub async fn open(data: &Path, store: Option<&str>) -> Result<Accounts> {
        let data = std::path::absolute(data).map_err(|source| AppError::Io {
            path: data.to_path_buf(),
            source,
        })?;
        let database = store
            .map(|url| ServerDatabase::parse(url, &data))
            .transpose()?;
        std::fs::create_dir_all(&data).map_err(|source| AppError::Io {
            path: data.clone(),
            source,
        })?;
        let store: Arc<dyn AccountStore> = match &database {
            Some(db) => {
                let url = fieldproof_store_postgres::PgUrl::parse(db.url())?;
                Arc::new(fieldproof_store_postgres::PgAccountStore::open(&url).await?)
            }
            None => Arc::new(
                fieldproof_store_sqlite::SqliteAccountStore::open(&data.join("server.db")).await?,
            ),
        };
        Ok(Accounts {
            store,
            hashing: Default::default(),
            data,
            database,
        })
    }

    /// The data directory, absolute.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The directory of organisation `id`.
    pub fn organisation_dir(&self, id: &str) -> PathBuf {
        self.data.join("orgs").join(id)
    }

    /// The store URL of organisation `id`'s workspace in the server's PostgreSQL database, if
    /// the server has one.
    pub fn organisation_store_url(&self, id: &str) -> Option<String> {
        self.database.as_ref().map(|d| d.workspace_url(id))
    }

    /// The configuration of the application over organisation `id`'s workspace, acting as
    /// `actor`.
    pub fn organisation_config(&self, id: &str, actor: &str) -> crate::Config {
        crate::Config {
            cwd: self.organisation_dir(id),
            workspace: Some(self.organisation_dir(id)),
            store: self.organisation_store_url(id),
            actor: Some(actor.to_string()),
            ..crate::Config::default()
        }
    }

    /// Adds an organisation with its own workspace and signing key.
    ///
    /// When `DATA/orgs/ID/` already holds a workspace (its signing key) whose store opens — a
    /// workspace moved to the server's PostgreSQL database with `store migrate`, or restored
    /// from a backup — the organisation adopts it instead.
    pub async fn add_organisation(&self, id: &str, name: &str) -> Result<OrganisationAdded> {
        check_org_id(id)?;
        if self.organisation_exists(id).await? {
            return Err(AppError::Input(format!(
                "organisation '{id}' exists already"
            )));
        }
        let dir = self.organisation_dir(id);
        let adopted = dir
            .join(crate::workspace::WORKSPACE_DIR)
            .join("keys")
            .join(fieldproof_evidence::keys::SECRET_FILE)
            .exists();
        let app = crate::App::new(self.organisation_config(id, "fieldproof-server"));
        if adopted {
            // It must open: an organisation whose store cannot be read is not added.
            app.open().await?.close().await;
        } else {
            app.init(&dir).await?;
        }
        self.add_organisation_row(id, name).await?;
        Ok(OrganisationAdded { dir, adopted })
    }

    /// Adds an organisation's row.
    async fn add_organisation_row(&self, id: &str, name: &str) -> Result<()> {
        check_org_id(id)?;
        let added = self
            .store
            .add_organisation(&OrganisationRecord {
                id: id.to_string(),
                name: if name.trim().is_empty() {
                    id.to_string()
                } else {
                    name.trim().to_string()
                },
                created_at: stamp(now()),
            })
            .await?;
        if !added {
            return Err(AppError::Input(format!(
                "organisation '{id}' exists already"
            )));
        }
        Ok(())
    }

    /// Every organisation's id.
    pub async fn organisations(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .organisations()
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect())
    }

    /// Whether an organisation exists.
    pub async fn organisation_exists(&self, id: &str) -> Result<bool> {
        Ok(self.organisations().await?.iter().any(|o| o == id))
    }

    /// Adds a user (or gives an existing user a role) in an organisation. The password is
    /// required for a new user and ignored for an existing one. Returns whether the user is
    /// new.
    pub async fn add_member(
        &self,
        email: &str,
        password: Option<&str>,
        organisation: &str,
        role: Role,
        engagement: Option<&str>,
    ) -> Result<bool> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > MAX_EMAIL_BYTES {
            return Err(AppError::Input(format!(
                "'{email}' is not an e-mail address"
            )));
        }
        if role.sees_one_engagement() && engagement.is_none() {
            return Err(FieldError::missing(
                Field::Engagement,
                "an auditor sees one engagement: say which",
            )
            .into());
        }
        if !self.organisation_exists(organisation).await? {
            return Err(AppError::unknown(crate::Thing::Organisation, organisation));
        }
        let (user_id, created) = match self.store.user(&email).await? {
            Some(user) => (user.id, false),
            None => {
                let password = password.unwrap_or_default();
                if password.chars().count() < MIN_PASSWORD_CHARS {
                    return Err(AppError::Input(format!(
                        "a new user needs a password of at least {MIN_PASSWORD_CHARS} characters (in $FIELDPROOF_PASSWORD)"
                    )));
                }
                let salt = SaltString::encode_b64(secret().as_bytes()[..16].as_ref())
                    .map_err(|e| AppError::Input(e.to_string()))?;
                let hash = Argon2::default()
                    .hash_password(password.as_bytes(), &salt)
                    .map_err(|e| AppError::Input(e.to_string()))?
                    .to_string();
                (
                    self.store.add_user(&email, &hash, &stamp(now())).await?,
                    true,
                )
            }
        };
        self.store
            .set_membership(user_id, organisation, role, engagement)
            .await?;
        Ok(created)
    }

    /// Checks a password from `client` (a client address key, see [`client_key`]); on success
    /// opens a session and returns (cookie secret, session).
    ///
    /// The attempt is reserved before the password is checked, atomically per key, so that
    /// concurrent attempts cannot all pass the count: per account and client address
    /// ([`THROTTLE_FAILURES`]), per client address ([`THROTTLE_ADDRESS_FAILURES`]) and per
    /// account ([`THROTTLE_ACCOUNT_FAILURES`]). A refused attempt counts nowhere. Password
    /// checks run at most one per core; beyond [`HASH_QUEUE`] waiting, the answer is `Busy`.
    pub async fn login(&self, email: &str, password: &str, client: &str) -> Result<LoginOutcome> {
        if email.len() > MAX_EMAIL_BYTES || password.len() > MAX_PASSWORD_BYTES {
            return Ok(LoginOutcome::TooLong);
        }
        let email = email.trim().to_lowercase();
        let keys = [
            (
                sha256_hex(&format!("pair\n{email}\n{client}")),
                THROTTLE_FAILURES,
            ),
            (
                sha256_hex(&format!("address\n{client}")),
                THROTTLE_ADDRESS_FAILURES,
            ),
            (
                sha256_hex(&format!("account\n{email}")),
                THROTTLE_ACCOUNT_FAILURES,
            ),
        ];
        let mut reserved: Vec<&str> = Vec::new();
        for (key, limit) in &keys {
            let at = now();
            let cutoff = stamp(at - time::Duration::minutes(THROTTLE_MINUTES));
            let (attempts, window_start) =
                self.store.reserve_attempt(key, &stamp(at), &cutoff).await?;
            reserved.push(key);
            if attempts > *limit {
                self.release_attempts(&reserved).await?;
                let start = time::OffsetDateTime::parse(
                    &window_start,
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap_or(at);
                let ends = start + time::Duration::minutes(THROTTLE_MINUTES);
                let minutes = ((ends - now()).whole_seconds().max(0) + 59) / 60;
                return Ok(LoginOutcome::Throttled {
                    minutes: minutes.max(1),
                });
            }
        }
        let user = self.store.user(&email).await?;
        // An unknown account costs the same hash as a known one.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2cW1Wg0xVfMxOkE7m+j6FyrVHn9Te6Ze0/9wPK0X7m8";
        let (user_id, hash) = match &user {
            Some(u) => (Some(u.id), u.password_hash.clone()),
            None => (None, DUMMY.to_string()),
        };
        let checked = self.hashing.run(password.as_bytes(), hash).await;
        let Some(ok) = checked else {
            // Not checked: the attempt does not count.
            self.release_attempts(&reserved).await?;
            return Ok(LoginOutcome::Busy);
        };
        let Some(user_id) = user_id.filter(|_| ok) else {
            // The reservations stay: they are the failure.
            return Ok(LoginOutcome::Refused);
        };
        // Signed in: the account's counts start again; the address keeps its other attempts.
        for key in [&keys[0].0, &keys[2].0] {
            self.store.clear_attempts(key).await?;
        }
        self.release_attempts(&[keys[1].0.as_str()]).await?;
        let token = secret();
        let csrf = secret();
        self.store
            .add_session(&NewSession {
                token_sha256: sha256_hex(&token),
                user_id,
                csrf: csrf.clone(),
                expires_at: stamp(now() + time::Duration::hours(SESSION_HOURS)),
            })
            .await?;
        Ok(LoginOutcome::Session(
            token,
            SessionRecord {
                user_id,
                email,
                csrf,
            },
        ))
    }

    /// Takes back one attempt under each of `keys`.
    async fn release_attempts(&self, keys: &[&str]) -> Result<()> {
        for key in keys {
            self.store.release_attempt(key).await?;
        }
        Ok(())
    }

    /// Removes what has expired: throttle windows that have ended and sessions past their
    /// expiry. The server runs it at start-up and every minute.
    pub async fn expire(&self) -> Result<()> {
        let at = now();
        self.store
            .expire(
                &stamp(at - time::Duration::minutes(THROTTLE_MINUTES)),
                &stamp(at),
            )
            .await?;
        Ok(())
    }

    /// Rows of the throttle table: what a flood of sign-ins leaves stored.
    pub async fn throttle_rows(&self) -> Result<i64> {
        Ok(self.store.throttle_rows().await?)
    }

    /// The password checks: running, the peak, and those turned away.
    pub fn hashing_stats(&self) -> HashingStats {
        self.hashing.stats()
    }

    /// The session of a cookie secret, if it exists and has not expired.
    pub async fn session(&self, token: &str) -> Result<Option<SessionRecord>> {
        Ok(self
            .store
            .session(&sha256_hex(token), &stamp(now()))
            .await?)
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self.store.remove_session(&sha256_hex(token)).await?)
    }

    /// Remembers the engagement a session chose in an organisation, for its later pages.
    pub async fn choose_engagement(
        &self,
        token: &str,
        organisation: &str,
        engagement: &str,
    ) -> Result<()> {
        Ok(self
            .store
            .choose_session_engagement(&sha256_hex(token), organisation, engagement)
            .await?)
    }

    /// The engagement a session chose in an organisation, if any.
    pub async fn chosen_engagement(
        &self,
        token: &str,
        organisation: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .store
            .session_engagement(&sha256_hex(token), organisation)
            .await?)
    }

    /// The organisations a user belongs to, with the role in each.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>> {
        Ok(self.store.memberships(user_id).await?)
    }

    /// Creates an API token for a user's membership, optionally expiring; returns the secret
    /// (shown once) and the token's reference.
    pub async fn create_token(
        &self,
        email: &str,
        organisation: &str,
        role: Role,
        name: &str,
        expires: Option<time::OffsetDateTime>,
    ) -> Result<(String, String)> {
        let email = email.trim().to_lowercase();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME_CHARS {
            return Err(AppError::Input(format!(
                "a token's name has 1 to {MAX_TOKEN_NAME_CHARS} characters"
            )));
        }
        let not_member = || AppError::Input(format!("{email} is not a member of '{organisation}'"));
        let user = self.store.user(&email).await?.ok_or_else(not_member)?;
        let held = self
            .store
            .memberships(user.id)
            .await?
            .into_iter()
            .find(|m| m.organisation == organisation)
            .ok_or_else(not_member)?
            .role;
        if Role::effective(role, held) != Some(role) {
            return Err(AppError::Input(format!(
                "{email} is {held} in '{organisation}'; a token cannot have more rights ({role}){}",
                if role.sees_one_engagement() || held.sees_one_engagement() {
                    ", and only an auditor's token has the auditor's role"
                } else {
                    ""
                }
            )));
        }
        if expires.is_some_and(|at| at <= now()) {
            return Err(AppError::Input(
                "the token's expiry lies in the past".to_string(),
            ));
        }
        let token = format!("fpt_{}", secret());
        let digest = sha256_hex(&token);
        let reference = token_ref(&digest);
        self.store
            .add_token(&NewToken {
                token_sha256: digest,
                token_ref: reference.clone(),
                user_id: user.id,
                organisation: organisation.to_string(),
                role,
                name: name.to_string(),
                created_at: stamp(now()),
                expires_at: expires.map(stamp),
            })
            .await?;
        Ok((token, reference))
    }

    /// The user and membership an API token stands for, with the token's effective role: the
    /// lesser of the role it was created with and its member's current role, checked on every
    /// request. A revoked or expired token, one whose member left the organisation, or one
    /// whose role no longer fits its member's stands for nobody. Records the token's use (at
    /// most once a minute).
    pub async fn token(&self, token: &str) -> Result<Option<(SessionRecord, Membership)>> {
        let digest = sha256_hex(token);
        let at = now();
        let Some(grant) = self.store.token(&digest, &stamp(at)).await? else {
            return Ok(None);
        };
        let Some(role) = Role::effective(grant.token_role, grant.membership.role) else {
            return Ok(None);
        };
        let a_minute_ago = stamp(at - time::Duration::minutes(1));
        if grant
            .last_used_at
            .as_ref()
            .is_none_or(|l| *l < a_minute_ago)
        {
            self.store.touch_token(&digest, &stamp(at)).await?;
        }
        Ok(Some((
            grant.user,
            Membership {
                role,
                ..grant.membership
            },
        )))
    }

    /// Every token of an organisation, newest first, with its state and its effective role
    /// now.
    pub async fn tokens(&self, organisation: &str) -> Result<TokenList> {
        let at = stamp(now());
        let tokens = self
            .store
            .tokens(organisation)
            .await?
            .into_iter()
            .map(|t| {
                let effective = t.member_role.and_then(|m| Role::effective(t.role, m));
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at.as_deref().is_some_and(|e| e <= at.as_str()) {
                    "expired"
                } else if t.member_role.is_none() {
                    "member removed"
                } else if effective.is_none() {
                    "role no longer fits"
                } else {
                    "active"
                };
                TokenInfo {
                    token: t.token_ref,
                    email: t.email,
                    name: t.name,
                    role: t.role.as_str().to_string(),
                    effective_role: effective
                        .filter(|_| state == "active")
                        .map(|e| e.as_str().to_string()),
                    state: state.to_string(),
                    created_at: t.created_at,
                    expires_at: t.expires_at,
                    last_used_at: t.last_used_at,
                    revoked_at: t.revoked_at,
                    revoked_by: t.revoked_by,
                }
            })
            .collect();
        Ok(TokenList {
            organisation: organisation.to_string(),
            tokens,
        })
    }

    /// Revokes a token of an organisation by its reference (or a unique prefix of at least 6
    /// digits); returns the full reference.
    pub async fn revoke_token(
        &self,
        organisation: &str,
        reference: &str,
        by: &str,
    ) -> Result<String> {
        let reference = reference.trim().to_lowercase();
        let list = self.tokens(organisation).await?;
        let matching: Vec<&TokenInfo> = list
            .tokens
            .iter()
            .filter(|t| reference.len() >= 6 && t.token.starts_with(&reference))
            .collect();
        let token = match matching.as_slice() {
            [one] => one,
            [] => {
                return Err(AppError::Unknown {
                    thing: crate::Thing::Token,
                    id: reference.clone(),
                    within: Some(organisation.to_string()),
                })
            }
            _ => {
                return Err(AppError::Input(format!(
                    "'{reference}' matches several tokens; give more of the reference"
                )))
            }
        };
        if token.revoked_at.is_some()
            || !self
                .store
                .revoke_token(organisation, &token.token, &stamp(now()), by)
                .await?
        {
            return Err(AppError::Input(format!(
                "token {} was revoked already",
                token.token
            )));
        }
        Ok(token.token.clone())
    }

    /// Removes a user from an organisation: the membership goes, the user's tokens there are
    /// revoked (they stopped working with the membership already), and their sessions no
    /// longer reach the organisation. Returns how many tokens were revoked.
    pub async fn remove_member(&self, email: &str, organisation: &str, by: &str) -> Result<usize> {
        let email = email.trim().to_lowercase();
        let not_member =
            || AppError::NotFound(format!("{email} is not a member of '{organisation}'"));
        let user = self.store.user(&email).await?.ok_or_else(not_member)?;
        let revoked = self
            .store
            .remove_membership(
                user.id,
                organisation,
                &stamp(now()),
                &format!("{by} (membership removed)"),
            )
            .await?
            .ok_or_else(not_member)?;
        Ok(revoked as usize)
    }

    /// Moves the request reviews an earlier version kept with the accounts into the
    /// organisation's workspace `store`: each status and comment the workspace does not hold
    /// yet is added (so a move interrupted half-way is finished, never doubled), then the old
    /// rows are removed. Returns how many rows were moved.
    pub async fn adopt_request_reviews(
        &self,
        organisation: &str,
        store: &dyn fieldproof_store::Store,
    ) -> Result<usize> {
        let (statuses, comments) = self.store.legacy_request_reviews(organisation).await?;
        if statuses.is_empty() && comments.is_empty() {
            return Ok(0);
        }
        let held_statuses = store.request_statuses(None).await?;
        let held_comments = store.request_comments(None).await?;
        let mut moved = 0;
        for s in &statuses {
            if !held_statuses.contains(s) {
                store.add_request_status(s).await?;
                moved += 1;
            }
        }
        for c in &comments {
            if !held_comments.contains(c) {
                store.add_request_comment(c).await?;
                moved += 1;
            }
        }
        self.store
            .remove_legacy_request_reviews(organisation)
            .await?;
        Ok(moved)
    }
}

/// The result of a login attempt.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in: the cookie secret and the session.
    Session(String, SessionRecord),
    /// Wrong e-mail or password.
    Refused,
    /// Too many attempts recently; the window ends in about this many minutes.
    Throttled {
        /// Minutes until attempts are taken again.
        minutes: i64,
    },
    /// The e-mail or the password is longer than any accepted: refused unchecked.
    TooLong,
    /// Too many sign-ins are waiting for a password check: try again shortly.
    Busy,
}

/// The key of a client address for sign-in throttling: an IPv4 address itself, an IPv6
/// address by its /64 network (one host is usually given a whole /64).
pub fn client_key(address: Option<std::net::IpAddr>) -> String {
    match address {
        Some(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_checks_passwords_as_argon2_does_with_its_memory_reused() {
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        let phc = Argon2::default()
            .hash_password(b"correct horse battery", &salt)
            .expect("hash")
            .to_string();
        let mut memory = Vec::new();
        assert!(check_password(&mut memory, b"correct horse battery", &phc));
        let allocated = memory.capacity();
        assert!(!check_password(&mut memory, b"correct horse batterz", &phc));
        assert!(!check_password(&mut memory, b"", &phc));
        assert_eq!(memory.capacity(), allocated, "the working memory is reused");
        assert!(!check_password(&mut memory, b"x", "not a PHC string"));
        // A stored hash asking for more memory than any we create is refused unchecked.
        let greedy = phc.replace("m=19456", "m=4000000");
        assert!(!check_password(
            &mut memory,
            b"correct horse battery",
            &greedy
        ));
    }

    #[test]
    fn expiries_are_days_hours_or_a_date_in_the_future() {
        let now = time::macros::datetime!(2026-12-03 10:00 UTC);
        assert_eq!(
            parse_expiry("30d", now).expect("days"),
            time::macros::datetime!(2027-01-02 10:00 UTC)
        );
        assert_eq!(
            parse_expiry("12h", now).expect("hours"),
            time::macros::datetime!(2026-12-03 22:00 UTC)
        );
        assert_eq!(
            parse_expiry("2027-06-30", now).expect("date"),
            time::macros::datetime!(2027-07-01 0:00 UTC)
        );
        for bad in ["2026-12-01", "0d", "-3d", "soon", "30", ""] {
            assert!(parse_expiry(bad, now).is_err(), "{bad}");
        }
    }
}
