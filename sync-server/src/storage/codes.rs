//! Codes sent by SMS that prove a worker holds a mobile number (before registering
//! themselves, or downloading their card), and the short sessions a right code opens. Only
//! hashes of codes and session tokens are kept.

use super::{Db, StorageError, Tx, in_tx, on_pool};

/// A code as the server keeps it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VerificationCode {
    pub id: String,
    /// What the code is for (`crate::codes::Purpose`).
    pub purpose: String,
    pub member_id: String,
    pub mobile: String,
    pub code_hash: Vec<u8>,
    pub expires_at: i64,
    #[sqlx(try_from = "i32")]
    pub tries: i64,
    pub verified_at: Option<i64>,
}

const SELECT_CODE: &str =
    "SELECT id, purpose, member_id, mobile, code_hash, expires_at, tries, verified_at
    FROM verification_codes";

impl Db {
    pub async fn code(&self, id: &str) -> Result<Option<VerificationCode>, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_CODE} WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// Counts one try of code `id` if it may still be tried (not used, not expired, fewer than
    /// `most` tries), in one statement so that servers trying it at once cannot together
    /// exceed `most`; answers the code as it is after the try, or `None` when it may not be
    /// tried.
    pub async fn try_code(
        &self,
        id: &str,
        most: i64,
        now: i64,
    ) -> Result<Option<VerificationCode>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "UPDATE verification_codes SET tries = tries + 1
                 WHERE id = $1 AND verified_at IS NULL AND expires_at > $2 AND tries < $3
                 RETURNING id, purpose, member_id, mobile, code_hash, expires_at, tries, verified_at",
            )
            .bind(id)
            .bind(now)
            .bind(most as i32)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Marks code `id` used and opens its session (`session_hash` until `expires_at`); false
    /// when it was already used.
    pub async fn open_code_session(
        &self,
        id: &str,
        session_hash: &[u8],
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StorageError> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE verification_codes SET verified_at = $2, session_hash = $3, session_expires_at = $4
                 WHERE id = $1 AND verified_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .bind(session_hash)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The code whose session `session_hash` is, while the session lasts.
    pub async fn code_session(
        &self,
        session_hash: &[u8],
        now: i64,
    ) -> Result<Option<VerificationCode>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT_CODE} WHERE session_hash = $1 AND session_expires_at > $2"
            )))
            .bind(session_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Ends a code's session (the worker is done, or signed out).
    pub async fn end_code_session(&self, session_hash: &[u8]) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE verification_codes SET session_expires_at = 0 WHERE session_hash = $1",
            )
            .bind(session_hash)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Forgets codes (and their sessions) that ended before `before`.
    pub async fn prune_codes(&self, before: i64) -> Result<u64, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query(
                "DELETE FROM verification_codes WHERE expires_at < $1
                   AND (session_expires_at IS NULL OR session_expires_at < $1)",
            )
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }
}

impl Tx {
    /// Keeps a new code; its SMS goes into the outbox in the same transaction
    /// (`queue_notices`), so a code is never kept without its message, nor sent unkept.
    pub async fn add_code(
        &mut self,
        code: &VerificationCode,
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO verification_codes(id, purpose, member_id, mobile, code_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&code.id)
            .bind(&code.purpose)
            .bind(&code.member_id)
            .bind(&code.mobile)
            .bind(&code.code_hash)
            .bind(now)
            .bind(code.expires_at)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }
}
