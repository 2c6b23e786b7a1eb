//! Users (officers, operators, admins), their sessions and failed sign-ins.

use super::{BeginWrite, Db, StorageError, Tx, in_tx, on_pool};
use crate::roles::Role;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub jurisdiction: String,
    pub disabled: bool,
}

/// A user with the password hash, for signing in.
#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: String,
}

impl Db {
    pub async fn add_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        jurisdiction: &str,
    ) -> Result<i64, StorageError> {
        let mut tx = self.begin_write().await?;
        let id = tx
            .add_user(
                username,
                password_hash,
                role,
                jurisdiction,
                crate::storage::now_ms(),
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn user_with_hash(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StorageError> {
        on_pool!(self, |pool| {
            let row: Option<UserWithHash> = sqlx::query_as("SELECT id, username, role, jurisdiction, disabled, password_hash FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(|r| (r.user, r.password_hash)))
        })
    }

    pub async fn users(&self) -> Result<Vec<User>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, username, role, jurisdiction, disabled FROM users ORDER BY username",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE users SET disabled = $2 WHERE username = $1")
                .bind(username)
                .bind(disabled)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound("user"));
            }
            if disabled {
                sqlx::query("UPDATE sessions SET revoked = TRUE WHERE user_id = (SELECT id FROM users WHERE username = $1)")
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        expires_at: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions(token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    pub async fn session_user(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<User>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT u.id, u.username, u.role, u.jurisdiction, u.disabled FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND NOT s.revoked AND s.expires_at > $2 AND NOT u.disabled",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn revoke_session(&self, token_hash: &[u8]) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE sessions SET revoked = TRUE WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn record_login_failure(&self, key: &str, at: i64) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO login_failures(attempt_key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Counts a sign-in attempt under `key` at `at` while it runs, and says how many failures
    /// and running attempts there are since `since`, this one included, with the attempt's id.
    /// Counting first, checking after, means parallel guesses each see the others: no more
    /// than the limit get to the password check. `end_login_attempt` forgets it unless it
    /// failed.
    pub async fn count_login_attempt(
        &self,
        key: &str,
        at: i64,
        since: i64,
    ) -> Result<(i64, String), StorageError> {
        let attempt = uuid::Uuid::now_v7().to_string();
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO login_failures(attempt_key, at, attempt) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(at)
                .bind(&attempt)
                .execute(pool)
                .await?;
            Ok::<(), StorageError>(())
        })?;
        Ok((self.login_failures_since(key, since).await?, attempt))
    }

    /// Forgets a sign-in attempt that succeeded or was turned away (a failed one stays).
    pub async fn end_login_attempt(&self, attempt: &str) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM login_failures WHERE attempt = $1")
                .bind(attempt)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Forgets sign-in attempts and status look-ups older than `before` (only the limits'
    /// windows need them; nobody needs the addresses after that).
    pub async fn prune_limits(&self, before: i64) -> Result<u64, StorageError> {
        on_pool!(self, |pool| {
            let a = sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(before)
                .execute(pool)
                .await?;
            let b = sqlx::query("DELETE FROM status_lookups WHERE at < $1")
                .bind(before)
                .execute(pool)
                .await?;
            Ok(a.rows_affected() + b.rows_affected())
        })
    }

    /// Forgets sign-ins that ended before `now`.
    pub async fn prune_sessions(&self, now: i64) -> Result<u64, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    pub async fn login_failures_since(&self, key: &str, since: i64) -> Result<i64, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT count(*) FROM login_failures WHERE attempt_key = $1 AND at > $2",
            )
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM login_failures WHERE attempt_key = $1")
                .bind(key)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}

impl Tx {
    /// Adds a user; a taken username is `AlreadyExists`, an unknown jurisdiction `NotFound`.
    pub async fn add_user(
        &mut self,
        username: &str,
        password_hash: &str,
        role: Role,
        jurisdiction: &str,
        now: i64,
    ) -> Result<i64, StorageError> {
        let result = in_tx!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO users(username, password_hash, role, jurisdiction, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(jurisdiction)
            .bind(now)
            .fetch_one(&mut *c)
            .await
        });
        match result {
            Ok(id) => Ok(id),
            Err(e)
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation()) =>
            {
                Err(StorageError::AlreadyExists("user"))
            }
            Err(e)
                if e.as_database_error()
                    .is_some_and(|d| d.is_foreign_key_violation()) =>
            {
                Err(StorageError::NotFound("jurisdiction"))
            }
            Err(e) => Err(e.into()),
        }
    }
}
