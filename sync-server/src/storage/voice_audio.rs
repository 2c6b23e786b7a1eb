//! Voice messages' audio kept for the provider that dials the worker: the WAV under the SHA-256
//! of a random token (never the token), until it expires; any server instance answers it.

use super::{Db, StorageError, on_pool};

impl Db {
    /// Keeps `wav`, the audio of notification `notification_id`, under `token_hash` until
    /// `expires_at`.
    pub async fn keep_voice_audio(
        &self,
        notification_id: i64,
        token_hash: &[u8],
        wav: &[u8],
        now: i64,
        expires_at: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO voice_audio(token_hash, notification_id, wav, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(notification_id)
            .bind(wav)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The audio kept under `token_hash`, unless it expired by `now`: an unknown token and an
    /// expired one read the same.
    pub async fn voice_audio(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT wav FROM voice_audio WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Forgets audio whose link expired by `now`.
    pub async fn prune_voice_audio(&self, now: i64) -> Result<u64, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query("DELETE FROM voice_audio WHERE expires_at <= $1")
                    .bind(now)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            )
        })
    }
}
