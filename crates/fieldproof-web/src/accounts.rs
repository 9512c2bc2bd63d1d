//! The server's accounts: organisations, users with argon2id password hashes, roles per
//! organisation (an auditor's limited to one engagement), sessions with their CSRF token, API
//! tokens, failed logins and the auditor's request reviews, in the SQLite file
//! `DATA/server.db`, or, for a server on PostgreSQL, in the schema `fieldproof_server` of the
//! same database as the organisations' stores. Secrets (session cookies, API tokens) are stored
//! only as their SHA-256.

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};
use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-postgres");

/// The PostgreSQL schema that holds the accounts (the stores' tables are in `public`).
pub const POSTGRES_SCHEMA: &str = "fieldproof_server";

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
/// Sign-ins waiting for a password check beyond this are answered 503 at once.
pub const HASH_QUEUE: usize = 64;
/// How long a sign-in waits for a password check before it is answered 503.
pub const HASH_WAIT_SECONDS: u64 = 20;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Bad input, with what to do.
    #[error("{0}")]
    Input(String),
    /// The database failed.
    #[error("the server database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("the server database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// What was asked for does not exist.
    #[error("{0}")]
    NotFound(String),
}

/// A role in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read-only.
    Viewer,
    /// Read-only, one engagement; may comment on requests.
    Auditor,
    /// Adds evidence only.
    Contributor,
    /// Changes the estate, statuses and evidence.
    Editor,
    /// Everything, including members.
    Owner,
}

impl Role {
    /// Every role.
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
    pub fn parse(name: &str) -> Result<Role, AccountError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| {
                AccountError::Input(format!(
                    "'{name}' is not a role; the roles are owner, editor, contributor, auditor, viewer"
                ))
            })
    }

    /// Whether the role may add evidence.
    pub fn adds_evidence(self) -> bool {
        matches!(self, Role::Owner | Role::Editor | Role::Contributor)
    }

    /// Whether the role may change the estate and design statuses.
    pub fn edits(self) -> bool {
        matches!(self, Role::Owner | Role::Editor)
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

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// User id.
    pub user_id: i64,
    /// E-mail.
    pub email: String,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
}

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

/// A time as RFC 3339.
pub fn stamp(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formats every UTC time")
}

/// Checks an organisation id: lowercase letters, digits and dashes, 2 to 40 characters.
pub fn check_org_id(id: &str) -> Result<(), AccountError> {
    let ok = (2..=40).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(AccountError::Input(format!(
            "'{id}' is not an organisation id; use 2 to 40 lowercase letters, digits and dashes"
        )))
    }
}

/// When a token given `--expires TEXT` expires: `30d` (days from `now`), `12h` (hours), or a
/// date `YYYY-MM-DD` (valid through that day, UTC). It must lie in the future.
pub fn parse_expiry(
    text: &str,
    now: time::OffsetDateTime,
) -> Result<time::OffsetDateTime, AccountError> {
    let text = text.trim();
    let bad = || {
        AccountError::Input(format!(
            "--expires {text}: give days (30d), hours (12h) or a date (2027-06-30)"
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
        return Err(AccountError::Input(format!(
            "--expires {text} lies in the past; give a later date or a number of days"
        )));
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

/// The accounts database.
#[derive(Debug, Clone)]
pub struct Accounts {
    pool: AnyPool,
    postgres: bool,
    hashing: std::sync::Arc<Hashing>,
}

impl Accounts {
    /// Opens (creating and migrating) `DATA/server.db`, or, given a PostgreSQL URL as the
    /// driver takes it (`ServerDatabase::driver_url`), the schema [`POSTGRES_SCHEMA`] in that
    /// database.
    pub async fn open(data: &Path, postgres: Option<&str>) -> Result<Accounts, AccountError> {
        std::fs::create_dir_all(data).map_err(|e| {
            AccountError::Input(format!(
                "{}: cannot create the data directory: {e}",
                data.display()
            ))
        })?;
        sqlx::any::install_default_drivers();
        let options = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30));
        let accounts = match postgres {
            Some(url) => {
                // The schema first, on a connection of its own: the pool's connections put it
                // first on their search path, where the migrator keeps its own table too.
                let setup = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await?;
                setup
                    .execute(format!("CREATE SCHEMA IF NOT EXISTS {POSTGRES_SCHEMA}").as_str())
                    .await?;
                setup.close().await;
                let pool = options
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(format!("SET search_path TO {POSTGRES_SCHEMA}").as_str())
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect(url)
                    .await?;
                POSTGRES_MIGRATOR.run(&pool).await?;
                Accounts {
                    pool,
                    postgres: true,
                    hashing: Default::default(),
                }
            }
            None => {
                let path = data.join("server.db");
                let url = format!("sqlite://{}?mode=rwc", path.display());
                // The write-ahead log is a property of the file: set once, on a connection of
                // its own. (Setting it on every new pool connection fails at once, without
                // waiting, while another connection writes.)
                let setup = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await?;
                setup.execute("PRAGMA journal_mode = WAL").await?;
                setup.close().await;
                let pool = options
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 30000")
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect(&url)
                    .await?;
                MIGRATOR.run(&pool).await?;
                Accounts {
                    pool,
                    postgres: false,
                    hashing: Default::default(),
                }
            }
        };
        Ok(accounts)
    }

    /// `sql` with its `?` placeholders numbered (`$1`, `$2`, ...) for PostgreSQL.
    fn sql(&self, sql: &'static str) -> Cow<'static, str> {
        if !self.postgres {
            return Cow::Borrowed(sql);
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }

    /// Adds an organisation.
    pub async fn add_organisation(&self, id: &str, name: &str) -> Result<(), AccountError> {
        check_org_id(id)?;
        let done = sqlx::query(
            &self.sql("INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"),
        )
        .bind(id)
        .bind(if name.trim().is_empty() {
            id
        } else {
            name.trim()
        })
        .bind(stamp(now()))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AccountError::Input(format!(
                "organisation '{id}' exists already"
            )));
        }
        Ok(())
    }

    /// Every organisation's id.
    pub async fn organisations(&self) -> Result<Vec<String>, AccountError> {
        Ok(
            sqlx::query(&self.sql("SELECT id FROM organisations ORDER BY id"))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|r| r.get(0))
                .collect(),
        )
    }

    /// Whether an organisation exists.
    pub async fn organisation_exists(&self, id: &str) -> Result<bool, AccountError> {
        Ok(
            sqlx::query(&self.sql("SELECT 1 FROM organisations WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// Adds a user (or gives an existing user a role) in an organisation. The password is
    /// required for a new user and ignored for an existing one.
    pub async fn add_member(
        &self,
        email: &str,
        password: Option<&str>,
        organisation: &str,
        role: Role,
        engagement: Option<&str>,
    ) -> Result<bool, AccountError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(AccountError::Input(format!(
                "'{email}' is not an e-mail address"
            )));
        }
        if role == Role::Auditor && engagement.is_none() {
            return Err(AccountError::Input(
                "an auditor sees one engagement: give --engagement ID".to_string(),
            ));
        }
        if !self.organisation_exists(organisation).await? {
            return Err(AccountError::Input(format!(
                "no organisation '{organisation}'; add it with `fieldproof org add {organisation}`"
            )));
        }
        let existing = sqlx::query(&self.sql("SELECT id FROM users WHERE email = ?"))
            .bind(&email)
            .fetch_optional(&self.pool)
            .await?;
        let (user_id, created) = match existing {
            Some(row) => (row.get::<i64, _>(0), false),
            None => {
                let password = password.unwrap_or_default();
                if password.chars().count() < 12 {
                    return Err(AccountError::Input(
                        "a new user needs a password of at least 12 characters (in $FIELDPROOF_PASSWORD)".to_string(),
                    ));
                }
                let salt = SaltString::encode_b64(secret().as_bytes()[..16].as_ref())
                    .map_err(|e| AccountError::Input(e.to_string()))?;
                let hash = Argon2::default()
                    .hash_password(password.as_bytes(), &salt)
                    .map_err(|e| AccountError::Input(e.to_string()))?
                    .to_string();
                let row = sqlx::query(
                    &self.sql("INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?) RETURNING id"),
                )
                .bind(&email)
                .bind(hash)
                .bind(stamp(now()))
                .fetch_one(&self.pool)
                .await?;
                (row.get::<i64, _>(0), true)
            }
        };
        sqlx::query(
            &self.sql("INSERT INTO memberships (user_id, organisation, role, engagement) VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, organisation) DO UPDATE SET role = excluded.role, engagement = excluded.engagement"),
        )
        .bind(user_id)
        .bind(organisation)
        .bind(role.as_str())
        .bind(engagement)
        .execute(&self.pool)
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
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> Result<LoginOutcome, AccountError> {
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
            let (attempts, window_start) = self.reserve_attempt(key).await?;
            if attempts > *limit {
                reserved.push(key);
                self.release_attempts(&reserved).await?;
                let ends = window_start + time::Duration::minutes(THROTTLE_MINUTES);
                let minutes = ((ends - now()).whole_seconds().max(0) + 59) / 60;
                return Ok(LoginOutcome::Throttled {
                    minutes: minutes.max(1),
                });
            }
            reserved.push(key);
        }
        let row = sqlx::query(&self.sql("SELECT id, password_hash FROM users WHERE email = ?"))
            .bind(&email)
            .fetch_optional(&self.pool)
            .await?;
        // An unknown account costs the same hash as a known one.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2cW1Wg0xVfMxOkE7m+j6FyrVHn9Te6Ze0/9wPK0X7m8";
        let (user_id, hash) = match &row {
            Some(r) => (Some(r.get::<i64, _>(0)), r.get::<String, _>(1)),
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
            sqlx::query(&self.sql("DELETE FROM login_throttle WHERE key_sha256 = ?"))
                .bind(key)
                .execute(&self.pool)
                .await?;
        }
        self.release_attempts(&[keys[1].0.as_str()]).await?;
        let token = secret();
        let csrf = secret();
        sqlx::query(&self.sql(
            "INSERT INTO sessions (token_sha256, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
        ))
        .bind(sha256_hex(&token))
        .bind(user_id)
        .bind(&csrf)
        .bind(stamp(now() + time::Duration::hours(SESSION_HOURS)))
        .execute(&self.pool)
        .await?;
        Ok(LoginOutcome::Session(
            token,
            Session {
                user_id,
                email,
                csrf,
            },
        ))
    }

    /// Counts one attempt under `key` in one statement (a new window when the last one has
    /// ended); returns the attempts in the window, this one included, and when it started.
    async fn reserve_attempt(
        &self,
        key: &str,
    ) -> Result<(i64, time::OffsetDateTime), AccountError> {
        let at = now();
        let cutoff = stamp(at - time::Duration::minutes(THROTTLE_MINUTES));
        let row = sqlx::query(&self.sql(
            "INSERT INTO login_throttle (key_sha256, window_start, attempts) VALUES (?, ?, 1)
             ON CONFLICT (key_sha256) DO UPDATE SET
               attempts = CASE WHEN login_throttle.window_start <= ? THEN 1 ELSE login_throttle.attempts + 1 END,
               window_start = CASE WHEN login_throttle.window_start <= ? THEN excluded.window_start ELSE login_throttle.window_start END
             RETURNING attempts, window_start",
        ))
        .bind(key)
        .bind(stamp(at))
        .bind(&cutoff)
        .bind(&cutoff)
        .fetch_one(&self.pool)
        .await?;
        let start: String = row.get(1);
        let start =
            time::OffsetDateTime::parse(&start, &time::format_description::well_known::Rfc3339)
                .unwrap_or(at);
        Ok((row.get::<i64, _>(0), start))
    }

    /// Takes back one attempt under each of `keys`.
    async fn release_attempts(&self, keys: &[&str]) -> Result<(), AccountError> {
        for key in keys {
            sqlx::query(&self.sql(
                "UPDATE login_throttle SET attempts = attempts - 1 WHERE key_sha256 = ? AND attempts > 0",
            ))
            .bind(*key)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Removes what has expired: throttle windows that have ended and sessions past their
    /// expiry. The server runs it at start-up and every minute.
    pub async fn expire(&self) -> Result<(), AccountError> {
        let at = now();
        sqlx::query(&self.sql("DELETE FROM login_throttle WHERE window_start <= ?"))
            .bind(stamp(at - time::Duration::minutes(THROTTLE_MINUTES)))
            .execute(&self.pool)
            .await?;
        sqlx::query(&self.sql("DELETE FROM sessions WHERE expires_at <= ?"))
            .bind(stamp(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Rows of the throttle table: what a flood of sign-ins leaves stored.
    pub async fn throttle_rows(&self) -> Result<i64, AccountError> {
        Ok(
            sqlx::query(&self.sql("SELECT COUNT(*) FROM login_throttle"))
                .fetch_one(&self.pool)
                .await?
                .get(0),
        )
    }

    /// The password checks: running, the peak, and those turned away.
    pub fn hashing_stats(&self) -> HashingStats {
        self.hashing.stats()
    }

    /// The session of a cookie secret, if it exists and has not expired.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, AccountError> {
        let row = sqlx::query(&self.sql(
            "SELECT s.user_id, u.email, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = ? AND s.expires_at > ?",
        ))
        .bind(sha256_hex(token))
        .bind(stamp(now()))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Session {
            user_id: r.get(0),
            email: r.get(1),
            csrf: r.get(2),
        }))
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<(), AccountError> {
        sqlx::query(&self.sql("DELETE FROM sessions WHERE token_sha256 = ?"))
            .bind(sha256_hex(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The organisations a user belongs to, with the role in each.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, AccountError> {
        let rows = sqlx::query(
            &self.sql("SELECT m.organisation, o.name, m.role, m.engagement FROM memberships m
             JOIN organisations o ON o.id = m.organisation WHERE m.user_id = ? ORDER BY m.organisation"),
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Membership {
                    organisation: r.get(0),
                    name: r.get(1),
                    role: Role::parse(&r.get::<String, _>(2))?,
                    engagement: r.get(3),
                })
            })
            .collect()
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
    ) -> Result<(String, String), AccountError> {
        let email = email.trim().to_lowercase();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(AccountError::Input(
                "a token's name has 1 to 80 characters".to_string(),
            ));
        }
        let row = sqlx::query(&self.sql(
            "SELECT u.id, m.role FROM users u JOIN memberships m ON m.user_id = u.id
             WHERE u.email = ? AND m.organisation = ?",
        ))
        .bind(&email)
        .bind(organisation)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            AccountError::Input(format!("{email} is not a member of '{organisation}'"))
        })?;
        let held = Role::parse(&row.get::<String, _>(1))?;
        if Role::effective(role, held) != Some(role) {
            return Err(AccountError::Input(format!(
                "{email} is {} in '{organisation}'; a token cannot have more rights ({}){}",
                held.as_str(),
                role.as_str(),
                if role == Role::Auditor || held == Role::Auditor {
                    ", and only an auditor's token has the auditor's role"
                } else {
                    ""
                }
            )));
        }
        if expires.is_some_and(|at| at <= now()) {
            return Err(AccountError::Input(
                "the token's expiry lies in the past".to_string(),
            ));
        }
        let token = format!("fpt_{}", secret());
        let digest = sha256_hex(&token);
        let reference = token_ref(&digest);
        sqlx::query(
            &self.sql("INSERT INTO api_tokens (token_sha256, token_ref, user_id, organisation, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        )
        .bind(&digest)
        .bind(&reference)
        .bind(row.get::<i64, _>(0))
        .bind(organisation)
        .bind(role.as_str())
        .bind(name)
        .bind(stamp(now()))
        .bind(expires.map(stamp))
        .execute(&self.pool)
        .await?;
        Ok((token, reference))
    }

    /// The user and membership an API token stands for, with the token's effective role: the
    /// lesser of the role it was created with and its member's current role, checked on every
    /// request. A revoked or expired token, one whose member left the organisation, or one
    /// whose role no longer fits its member's stands for nobody. Records the token's use (at
    /// most once a minute).
    pub async fn token(&self, token: &str) -> Result<Option<(Session, Membership)>, AccountError> {
        let digest = sha256_hex(token);
        let at = now();
        let row = sqlx::query(
            &self.sql("SELECT t.user_id, u.email, t.organisation, o.name, t.role, m.role, m.engagement, t.last_used_at FROM api_tokens t
             JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = t.organisation
             JOIN memberships m ON m.user_id = t.user_id AND m.organisation = t.organisation
             WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)"),
        )
        .bind(&digest)
        .bind(stamp(at))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let token_role = Role::parse(&r.get::<String, _>(4))?;
        let member_role = Role::parse(&r.get::<String, _>(5))?;
        let Some(role) = Role::effective(token_role, member_role) else {
            return Ok(None);
        };
        let last_used: Option<String> = r.get(7);
        let a_minute_ago = stamp(at - time::Duration::minutes(1));
        if last_used.is_none_or(|l| l < a_minute_ago) {
            sqlx::query(&self.sql("UPDATE api_tokens SET last_used_at = ? WHERE token_sha256 = ?"))
                .bind(stamp(at))
                .bind(&digest)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some((
            Session {
                user_id: r.get(0),
                email: r.get(1),
                csrf: String::new(),
            },
            Membership {
                organisation: r.get(2),
                name: r.get(3),
                role,
                engagement: r.get(6),
            },
        )))
    }

    /// Every token of an organisation, newest first, with its state and its effective role
    /// now.
    pub async fn tokens(
        &self,
        organisation: &str,
    ) -> Result<fieldproof_app::contract::TokenList, AccountError> {
        use fieldproof_app::contract::{TokenInfo, TokenList};
        let rows = sqlx::query(&self.sql(
            "SELECT t.token_ref, u.email, t.name, t.role, m.role, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_by
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             LEFT JOIN memberships m ON m.user_id = t.user_id AND m.organisation = t.organisation
             WHERE t.organisation = ? ORDER BY t.created_at DESC, t.token_ref",
        ))
        .bind(organisation)
        .fetch_all(&self.pool)
        .await?;
        let at = stamp(now());
        let mut tokens = Vec::new();
        for r in rows {
            let role = Role::parse(&r.get::<String, _>(3))?;
            let member: Option<String> = r.get(4);
            let member = member.as_deref().map(Role::parse).transpose()?;
            let expires_at: Option<String> = r.get(6);
            let revoked_at: Option<String> = r.get(8);
            let effective = member.and_then(|m| Role::effective(role, m));
            let state = if revoked_at.is_some() {
                "revoked"
            } else if expires_at.as_deref().is_some_and(|e| e <= at.as_str()) {
                "expired"
            } else if member.is_none() {
                "member removed"
            } else if effective.is_none() {
                "role no longer fits"
            } else {
                "active"
            };
            tokens.push(TokenInfo {
                token: r.get(0),
                email: r.get(1),
                name: r.get(2),
                role: role.as_str().to_string(),
                effective_role: effective
                    .filter(|_| state == "active")
                    .map(|e| e.as_str().to_string()),
                state: state.to_string(),
                created_at: r.get(5),
                expires_at,
                last_used_at: r.get(7),
                revoked_at,
                revoked_by: r.get(9),
            });
        }
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
    ) -> Result<String, AccountError> {
        let reference = reference.trim().to_lowercase();
        let list = self.tokens(organisation).await?;
        let matching: Vec<&fieldproof_app::contract::TokenInfo> = list
            .tokens
            .iter()
            .filter(|t| reference.len() >= 6 && t.token.starts_with(&reference))
            .collect();
        let token = match matching.as_slice() {
            [one] => one,
            [] => {
                return Err(AccountError::NotFound(format!(
                    "no token '{reference}' in '{organisation}'; `fieldproof token list --org {organisation}` lists them"
                )))
            }
            _ => {
                return Err(AccountError::Input(format!(
                    "'{reference}' matches several tokens; give more of the reference"
                )))
            }
        };
        if token.revoked_at.is_some() {
            return Err(AccountError::Input(format!(
                "token {} was revoked already",
                token.token
            )));
        }
        sqlx::query(&self.sql(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE organisation = ? AND token_ref = ? AND revoked_at IS NULL",
        ))
        .bind(stamp(now()))
        .bind(by)
        .bind(organisation)
        .bind(&token.token)
        .execute(&self.pool)
        .await?;
        Ok(token.token.clone())
    }

    /// Removes a user from an organisation: the membership goes, the user's tokens there are
    /// revoked (they stopped working with the membership already), and their sessions no
    /// longer reach the organisation.
    pub async fn remove_member(
        &self,
        email: &str,
        organisation: &str,
        by: &str,
    ) -> Result<usize, AccountError> {
        let email = email.trim().to_lowercase();
        let user: i64 = sqlx::query(&self.sql(
            "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = ? AND m.organisation = ?",
        ))
        .bind(&email)
        .bind(organisation)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            AccountError::NotFound(format!("{email} is not a member of '{organisation}'"))
        })?
        .get(0);
        let revoked = sqlx::query(&self.sql(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND organisation = ? AND revoked_at IS NULL",
        ))
        .bind(stamp(now()))
        .bind(format!("{by} (membership removed)"))
        .bind(user)
        .bind(organisation)
        .execute(&self.pool)
        .await?
        .rows_affected();
        sqlx::query(&self.sql("DELETE FROM memberships WHERE user_id = ? AND organisation = ?"))
            .bind(user)
            .bind(organisation)
            .execute(&self.pool)
            .await?;
        Ok(revoked as usize)
    }
}

/// The auditor's status of an evidence request.
pub const REVIEW_STATUSES: [&str; 3] = ["open", "accepted", "needs_more"];

/// One evidence request of an engagement: (control, request).
pub type RequestKey = (String, String);

/// The auditor's review of a request and its comments.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RequestThread {
    /// The auditor's status (`open` when never set).
    pub status: String,
    /// Who set it and when.
    pub reviewed: Option<(String, String)>,
    /// Comments, oldest first: author, time, text.
    pub comments: Vec<(String, String, String)>,
}

impl Accounts {
    /// Sets the auditor's status of a request.
    pub async fn review_request(
        &self,
        organisation: &str,
        engagement: &str,
        key: &RequestKey,
        status: &str,
        by: &str,
    ) -> Result<(), AccountError> {
        if !REVIEW_STATUSES.contains(&status) {
            return Err(AccountError::Input(format!(
                "'{status}' is not a request status; use open, accepted or needs_more"
            )));
        }
        sqlx::query(
            &self.sql("INSERT INTO request_reviews (organisation, engagement, control, request, status, by_email, at)
             VALUES (?, ?, ?, ?, ?, ?, ?)"),
        )
        .bind(organisation)
        .bind(engagement)
        .bind(&key.0)
        .bind(&key.1)
        .bind(status)
        .bind(by)
        .bind(stamp(now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every status given to a request, oldest first: status, by, at.
    pub async fn review_history(
        &self,
        organisation: &str,
        engagement: &str,
        key: &RequestKey,
    ) -> Result<Vec<(String, String, String)>, AccountError> {
        Ok(sqlx::query(&self.sql(
            "SELECT status, by_email, at FROM request_reviews
             WHERE organisation = ? AND engagement = ? AND control = ? AND request = ? ORDER BY id",
        ))
        .bind(organisation)
        .bind(engagement)
        .bind(&key.0)
        .bind(&key.1)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
    }

    /// Adds a comment to a request.
    pub async fn comment_request(
        &self,
        organisation: &str,
        engagement: &str,
        key: &RequestKey,
        author: &str,
        text: &str,
    ) -> Result<(), AccountError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 4000 {
            return Err(AccountError::Input(
                "a comment has 1 to 4,000 characters".to_string(),
            ));
        }
        sqlx::query(
            &self.sql("INSERT INTO request_comments (organisation, engagement, control, request, author, at, text)
             VALUES (?, ?, ?, ?, ?, ?, ?)"),
        )
        .bind(organisation)
        .bind(engagement)
        .bind(&key.0)
        .bind(&key.1)
        .bind(author)
        .bind(stamp(now()))
        .bind(text)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every reviewed or commented request of an engagement.
    pub async fn request_threads(
        &self,
        organisation: &str,
        engagement: &str,
    ) -> Result<std::collections::BTreeMap<RequestKey, RequestThread>, AccountError> {
        let mut threads: std::collections::BTreeMap<RequestKey, RequestThread> =
            std::collections::BTreeMap::new();
        for r in sqlx::query(&self.sql(
            "SELECT control, request, status, by_email, at FROM request_reviews
             WHERE organisation = ? AND engagement = ? ORDER BY id",
        ))
        .bind(organisation)
        .bind(engagement)
        .fetch_all(&self.pool)
        .await?
        {
            let t = threads.entry((r.get(0), r.get(1))).or_default();
            t.status = r.get(2);
            t.reviewed = Some((r.get(3), r.get(4)));
        }
        for r in sqlx::query(&self.sql(
            "SELECT control, request, author, at, text FROM request_comments
             WHERE organisation = ? AND engagement = ? ORDER BY id",
        ))
        .bind(organisation)
        .bind(engagement)
        .fetch_all(&self.pool)
        .await?
        {
            threads
                .entry((r.get(0), r.get(1)))
                .or_default()
                .comments
                .push((r.get(2), r.get(3), r.get(4)));
        }
        for t in threads.values_mut() {
            if t.status.is_empty() {
                t.status = "open".to_string();
            }
        }
        Ok(threads)
    }
}

/// The result of a login attempt.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in: the cookie secret and the session.
    Session(String, Session),
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
