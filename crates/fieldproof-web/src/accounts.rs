//! The server's accounts: organisations, users with argon2id password hashes, roles per
//! organisation (an auditor's limited to one engagement), sessions with their CSRF token, API
//! tokens, failed logins and the auditor's request reviews, in the SQLite file
//! `DATA/server.db`, or, for a server on PostgreSQL, in the schema `fieldproof_server` of the
//! same database as the organisations' stores. Secrets (session cookies, API tokens) are stored
//! only as their SHA-256.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
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
/// Failed logins of one account within [`THROTTLE_MINUTES`] after which logins are refused.
pub const THROTTLE_FAILURES: i64 = 5;
/// The throttling window.
pub const THROTTLE_MINUTES: i64 = 15;

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

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn stamp(at: time::OffsetDateTime) -> String {
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

/// The accounts database.
#[derive(Debug, Clone)]
pub struct Accounts {
    pool: AnyPool,
    postgres: bool,
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

    /// Checks a password; on success opens a session and returns (cookie secret, session).
    /// Refused without checking while the account is throttled.
    pub async fn login(&self, email: &str, password: &str) -> Result<LoginOutcome, AccountError> {
        let email = email.trim().to_lowercase();
        let since = stamp(now() - time::Duration::minutes(THROTTLE_MINUTES));
        let failures: i64 = sqlx::query(
            &self.sql("SELECT COUNT(*) FROM login_failures WHERE email = ? AND at > ?"),
        )
        .bind(&email)
        .bind(&since)
        .fetch_one(&self.pool)
        .await?
        .get(0);
        if failures >= THROTTLE_FAILURES {
            return Ok(LoginOutcome::Throttled);
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
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        let Some(user_id) = user_id.filter(|_| ok) else {
            sqlx::query(&self.sql("INSERT INTO login_failures (email, at) VALUES (?, ?)"))
                .bind(&email)
                .bind(stamp(now()))
                .execute(&self.pool)
                .await?;
            return Ok(LoginOutcome::Refused);
        };
        sqlx::query(&self.sql("DELETE FROM login_failures WHERE email = ?"))
            .bind(&email)
            .execute(&self.pool)
            .await?;
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

    /// Creates an API token for a user's membership; returns the secret (shown once).
    pub async fn create_token(
        &self,
        email: &str,
        organisation: &str,
        role: Role,
        name: &str,
    ) -> Result<String, AccountError> {
        let email = email.trim().to_lowercase();
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
        if role > held || (held == Role::Auditor && role != Role::Auditor) {
            return Err(AccountError::Input(format!(
                "{email} is {} in '{organisation}'; a token cannot have more rights ({})",
                held.as_str(),
                role.as_str()
            )));
        }
        let token = format!("fpt_{}", secret());
        sqlx::query(
            &self.sql("INSERT INTO api_tokens (token_sha256, user_id, organisation, role, name, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
        )
        .bind(sha256_hex(&token))
        .bind(row.get::<i64, _>(0))
        .bind(organisation)
        .bind(role.as_str())
        .bind(name)
        .bind(stamp(now()))
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The user and membership an API token stands for.
    pub async fn token(&self, token: &str) -> Result<Option<(Session, Membership)>, AccountError> {
        let row = sqlx::query(
            &self.sql("SELECT t.user_id, u.email, t.organisation, o.name, t.role, m.engagement FROM api_tokens t
             JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = t.organisation
             JOIN memberships m ON m.user_id = t.user_id AND m.organisation = t.organisation
             WHERE t.token_sha256 = ?"),
        )
        .bind(sha256_hex(token))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                Session {
                    user_id: r.get(0),
                    email: r.get(1),
                    csrf: String::new(),
                },
                Membership {
                    organisation: r.get(2),
                    name: r.get(3),
                    role: Role::parse(&r.get::<String, _>(4))?,
                    engagement: r.get(5),
                },
            ))
        })
        .transpose()
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
    /// Too many failures recently.
    Throttled,
}
