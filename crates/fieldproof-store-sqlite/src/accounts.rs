//! The accounts of a server on SQLite: the file `DATA/server.db`, with its own migrations
//! (`migrations-accounts/`).

use crate::backend;
use async_trait::async_trait;
use fieldproof_core::access::Role;
use fieldproof_store::accounts::{
    AccountStore, Membership, NewSession, NewToken, OrganisationRecord, SessionRecord, TokenGrant,
    TokenRecord, UserRecord,
};
use fieldproof_store::{RequestCommentRecord, RequestStatusRecord, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-accounts");

/// A server's accounts in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteAccountStore {
    pub(crate) pool: SqlitePool,
}

fn role(row: &SqliteRow, column: usize) -> Result<Role, StoreError> {
    let name: String = row.get(column);
    Role::parse(&name).map_err(|e| StoreError::Corrupt {
        what: "role",
        key: name.clone(),
        reason: e.to_string(),
    })
}

impl SqliteAccountStore {
    /// Opens (creating and migrating) the accounts file at `path`.
    pub async fn open(path: &Path) -> Result<SqliteAccountStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(backend("opening the server's accounts"))?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Backend {
            context: "upgrading the server's accounts",
            message: e.to_string(),
        })?;
        Ok(SqliteAccountStore { pool })
    }
}

#[async_trait]
impl AccountStore for SqliteAccountStore {
    async fn add_organisation(&self, o: &OrganisationRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&o.id)
        .bind(&o.name)
        .bind(&o.created_at)
        .execute(&self.pool)
        .await
        .map_err(backend("adding an organisation"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn organisations(&self) -> Result<Vec<OrganisationRecord>, StoreError> {
        Ok(
            sqlx::query("SELECT id, name, created_at FROM organisations ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(backend("reading the organisations"))?
                .iter()
                .map(|r| OrganisationRecord {
                    id: r.get(0),
                    name: r.get(1),
                    created_at: r.get(2),
                })
                .collect(),
        )
    }

    async fn user(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(
            sqlx::query("SELECT id, email, password_hash FROM users WHERE email = ?")
                .bind(email)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend("reading a user"))?
                .map(|r| UserRecord {
                    id: r.get(0),
                    email: r.get(1),
                    password_hash: r.get(2),
                }),
        )
    }

    async fn add_user(&self, email: &str, hash: &str, at: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(email)
        .bind(hash)
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(backend("adding a user"))?
        .get(0))
    }

    async fn set_membership(
        &self,
        user_id: i64,
        organisation: &str,
        role: Role,
        engagement: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO memberships (user_id, organisation, role, engagement) VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, organisation) DO UPDATE SET role = excluded.role, engagement = excluded.engagement",
        )
        .bind(user_id)
        .bind(organisation)
        .bind(role.as_str())
        .bind(engagement)
        .execute(&self.pool)
        .await
        .map_err(backend("giving a role"))?;
        Ok(())
    }

    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError> {
        sqlx::query(
            "SELECT m.organisation, o.name, m.role, m.engagement FROM memberships m
             JOIN organisations o ON o.id = m.organisation WHERE m.user_id = ? ORDER BY m.organisation",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading memberships"))?
        .iter()
        .map(|r| {
            Ok(Membership {
                organisation: r.get(0),
                name: r.get(1),
                role: role(r, 2)?,
                engagement: r.get(3),
            })
        })
        .collect()
    }

    async fn remove_membership(
        &self,
        user_id: i64,
        organisation: &str,
        at: &str,
        by: &str,
    ) -> Result<Option<u64>, StoreError> {
        let write = backend("removing a member");
        let mut tx = self.pool.begin().await.map_err(&write)?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND organisation = ? AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(user_id)
        .bind(organisation)
        .execute(&mut *tx)
        .await
        .map_err(&write)?
        .rows_affected();
        let removed = sqlx::query("DELETE FROM memberships WHERE user_id = ? AND organisation = ?")
            .bind(user_id)
            .bind(organisation)
            .execute(&mut *tx)
            .await
            .map_err(&write)?
            .rows_affected();
        if removed == 0 {
            tx.rollback().await.map_err(&write)?;
            return Ok(None);
        }
        tx.commit().await.map_err(&write)?;
        Ok(Some(revoked))
    }

    async fn add_session(&self, s: &NewSession) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&s.token_sha256)
        .bind(s.user_id)
        .bind(&s.csrf)
        .bind(&s.expires_at)
        .execute(&self.pool)
        .await
        .map_err(backend("opening a session"))?;
        Ok(())
    }

    async fn session(&self, digest: &str, now: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(sqlx::query(
            "SELECT s.user_id, u.email, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha256 = ? AND s.expires_at > ?",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("reading a session"))?
        .map(|r| SessionRecord {
            user_id: r.get(0),
            email: r.get(1),
            csrf: r.get(2),
        }))
    }

    async fn remove_session(&self, digest: &str) -> Result<(), StoreError> {
        let write = backend("ending a session");
        let mut tx = self.pool.begin().await.map_err(&write)?;
        for table in ["session_engagements", "sessions"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE token_sha256 = ?"))
                .bind(digest)
                .execute(&mut *tx)
                .await
                .map_err(&write)?;
        }
        tx.commit().await.map_err(&write)?;
        Ok(())
    }

    async fn choose_session_engagement(
        &self,
        digest: &str,
        organisation: &str,
        engagement: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO session_engagements (token_sha256, organisation, engagement) VALUES (?, ?, ?)
             ON CONFLICT (token_sha256, organisation) DO UPDATE SET engagement = excluded.engagement",
        )
        .bind(digest)
        .bind(organisation)
        .bind(engagement)
        .execute(&self.pool)
        .await
        .map_err(backend("remembering the chosen engagement"))?;
        Ok(())
    }

    async fn session_engagement(
        &self,
        digest: &str,
        organisation: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query(
            "SELECT engagement FROM session_engagements WHERE token_sha256 = ? AND organisation = ?",
        )
        .bind(digest)
        .bind(organisation)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("reading the chosen engagement"))?
        .map(|r| r.get(0)))
    }

    async fn add_token(&self, t: &NewToken) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (token_sha256, token_ref, user_id, organisation, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&t.token_sha256)
        .bind(&t.token_ref)
        .bind(t.user_id)
        .bind(&t.organisation)
        .bind(t.role.as_str())
        .bind(&t.name)
        .bind(&t.created_at)
        .bind(&t.expires_at)
        .execute(&self.pool)
        .await
        .map_err(backend("creating a token"))?;
        Ok(())
    }

    async fn token(&self, digest: &str, now: &str) -> Result<Option<TokenGrant>, StoreError> {
        let row = sqlx::query(
            "SELECT t.user_id, u.email, t.organisation, o.name, t.role, m.role, m.engagement, t.last_used_at FROM api_tokens t
             JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = t.organisation
             JOIN memberships m ON m.user_id = t.user_id AND m.organisation = t.organisation
             WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend("reading a token"))?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(TokenGrant {
            user: SessionRecord {
                user_id: r.get(0),
                email: r.get(1),
                csrf: String::new(),
            },
            membership: Membership {
                organisation: r.get(2),
                name: r.get(3),
                role: role(&r, 5)?,
                engagement: r.get(6),
            },
            token_role: role(&r, 4)?,
            last_used_at: r.get(7),
        }))
    }

    async fn touch_token(&self, digest: &str, at: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE token_sha256 = ?")
            .bind(at)
            .bind(digest)
            .execute(&self.pool)
            .await
            .map_err(backend("recording a token's use"))?;
        Ok(())
    }

    async fn tokens(&self, organisation: &str) -> Result<Vec<TokenRecord>, StoreError> {
        sqlx::query(
            "SELECT t.token_ref, u.email, t.name, t.role, m.role, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_by
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             LEFT JOIN memberships m ON m.user_id = t.user_id AND m.organisation = t.organisation
             WHERE t.organisation = ? ORDER BY t.created_at DESC, t.token_ref",
        )
        .bind(organisation)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("reading tokens"))?
        .iter()
        .map(|r| {
            let member: Option<String> = r.get(4);
            Ok(TokenRecord {
                token_ref: r.get(0),
                email: r.get(1),
                name: r.get(2),
                role: role(r, 3)?,
                member_role: member.map(|_| role(r, 4)).transpose()?,
                created_at: r.get(5),
                expires_at: r.get(6),
                last_used_at: r.get(7),
                revoked_at: r.get(8),
                revoked_by: r.get(9),
            })
        })
        .collect()
    }

    async fn revoke_token(
        &self,
        organisation: &str,
        token_ref: &str,
        at: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE organisation = ? AND token_ref = ? AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(organisation)
        .bind(token_ref)
        .execute(&self.pool)
        .await
        .map_err(backend("revoking a token"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn reserve_attempt(
        &self,
        key: &str,
        at: &str,
        cutoff: &str,
    ) -> Result<(i64, String), StoreError> {
        let row = sqlx::query(
            "INSERT INTO login_throttle (key_sha256, window_start, attempts) VALUES (?1, ?2, 1)
             ON CONFLICT (key_sha256) DO UPDATE SET
               attempts = CASE WHEN login_throttle.window_start <= ?3 THEN 1 ELSE login_throttle.attempts + 1 END,
               window_start = CASE WHEN login_throttle.window_start <= ?3 THEN excluded.window_start ELSE login_throttle.window_start END
             RETURNING attempts, window_start",
        )
        .bind(key)
        .bind(at)
        .bind(cutoff)
        .fetch_one(&self.pool)
        .await
        .map_err(backend("counting a sign-in attempt"))?;
        Ok((row.get(0), row.get(1)))
    }

    async fn release_attempt(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE login_throttle SET attempts = attempts - 1 WHERE key_sha256 = ? AND attempts > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await
        .map_err(backend("taking back a sign-in attempt"))?;
        Ok(())
    }

    async fn clear_attempts(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE key_sha256 = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(backend("clearing sign-in attempts"))?;
        Ok(())
    }

    async fn expire(&self, cutoff: &str, now: &str) -> Result<(), StoreError> {
        let write = backend("removing what has expired");
        sqlx::query("DELETE FROM login_throttle WHERE window_start <= ?")
            .bind(cutoff)
            .execute(&self.pool)
            .await
            .map_err(&write)?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(&write)?;
        sqlx::query(
            "DELETE FROM session_engagements WHERE token_sha256 NOT IN (SELECT token_sha256 FROM sessions)",
        )
        .execute(&self.pool)
        .await
        .map_err(&write)?;
        Ok(())
    }

    async fn throttle_rows(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM login_throttle")
            .fetch_one(&self.pool)
            .await
            .map_err(backend("counting throttle rows"))?
            .get(0))
    }

    async fn legacy_request_reviews(
        &self,
        organisation: &str,
    ) -> Result<(Vec<RequestStatusRecord>, Vec<RequestCommentRecord>), StoreError> {
        let read = backend("reading request reviews kept with the accounts");
        let statuses = sqlx::query(
            "SELECT engagement, control, request, status, by_email, at FROM request_reviews WHERE organisation = ? ORDER BY id",
        )
        .bind(organisation)
        .fetch_all(&self.pool)
        .await
        .map_err(&read)?
        .iter()
        .map(crate::reviews::status_record)
        .collect::<Result<_, _>>()?;
        let comments = sqlx::query(
            "SELECT engagement, control, request, author, at, text FROM request_comments WHERE organisation = ? ORDER BY id",
        )
        .bind(organisation)
        .fetch_all(&self.pool)
        .await
        .map_err(&read)?
        .iter()
        .map(crate::reviews::comment_record)
        .collect();
        Ok((statuses, comments))
    }

    async fn remove_legacy_request_reviews(&self, organisation: &str) -> Result<(), StoreError> {
        let write = backend("removing request reviews moved to the workspace");
        let mut tx = self.pool.begin().await.map_err(&write)?;
        for table in ["request_reviews", "request_comments"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE organisation = ?"))
                .bind(organisation)
                .execute(&mut *tx)
                .await
                .map_err(&write)?;
        }
        tx.commit().await.map_err(&write)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
