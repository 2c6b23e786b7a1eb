//! The notification outbox: messages to workers written with the decision that causes them,
//! claimed by the dispatcher under a lease, marked sent or failed.

use super::{BeginWrite, Db, StorageError, Tx, in_tx, on_pool};
use serde::Serialize;

/// A message in the notification outbox, for officers and tests.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NotificationRow {
    pub channel: String,
    pub kind: String,
    pub language: String,
    pub state: String,
    #[sqlx(try_from = "i32")]
    pub attempts: i64,
    pub body: String,
}

impl Db {
    /// Claims up to `limit` due messages for `lease_ms` (a crashed sender's claims expire).
    /// On PostgreSQL, rows another server is claiming at this moment are skipped, not waited
    /// for (`FOR UPDATE SKIP LOCKED`): any number of dispatchers share one outbox, and each
    /// message is claimed by one of them at a time. SQLite has one writer anyway.
    pub async fn claim_notifications(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<crate::notify::Outgoing>, StorageError> {
        // Written out twice: the one dialect difference in the storage layer (SQLite has
        // no row locks to skip).
        const CLAIM_PG: &str = "UPDATE notifications SET state = 'sending', attempts = attempts + 1, next_attempt_at = $1 + $2
             WHERE id IN (SELECT id FROM notifications WHERE state IN ('pending', 'sending')
                          AND next_attempt_at <= $1 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING id, channel, recipient, template_id, language, body, attempts";
        const CLAIM_SQLITE: &str = "UPDATE notifications SET state = 'sending', attempts = attempts + 1, next_attempt_at = $1 + $2
             WHERE id IN (SELECT id FROM notifications WHERE state IN ('pending', 'sending')
                          AND next_attempt_at <= $1 ORDER BY id LIMIT $3)
             RETURNING id, channel, recipient, template_id, language, body, attempts";
        let sql = match self {
            Db::Postgres(_) => CLAIM_PG,
            Db::Sqlite(_) => CLAIM_SQLITE,
        };
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let rows = sqlx::query_as(sql)
                .bind(now)
                .bind(lease_ms)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(rows)
        })
    }

    /// Gives claimed messages back unsent, due at once (a stopping server's, or those its
    /// pass had no lease left for): another dispatcher takes them without waiting for the
    /// lease to run out. Their claim's attempt is not counted.
    pub async fn release_notifications(&self, ids: &[i64], now: i64) -> Result<(), StorageError> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE notifications SET state = 'pending', attempts = attempts - 1, next_attempt_at = $1
             WHERE state = 'sending' AND id IN ({})",
            super::placeholders(2, ids.len())
        );
        on_pool!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for id in ids {
                q = q.bind(id);
            }
            q.execute(pool).await?;
            Ok(())
        })
    }

    pub async fn notification_sent(
        &self,
        id: i64,
        reference: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE notifications SET state = 'sent', provider_ref = $2, sent_at = $3, last_error = NULL WHERE id = $1")
                .bind(id)
                .bind(reference)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn notification_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
        give_up: bool,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE notifications SET state = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1")
                .bind(id)
                .bind(if give_up { "failed" } else { "pending" })
                .bind(error)
                .bind(next_attempt_at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn notifications_for(
        &self,
        registration_id: &str,
    ) -> Result<Vec<NotificationRow>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT channel, kind, language, state, attempts, body FROM notifications WHERE registration_id = $1 ORDER BY id",
            )
            .bind(registration_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Messages still to deliver and those that failed, by state (pending, sending, failed).
    pub async fn notification_counts(&self) -> Result<Vec<(String, i64)>, StorageError> {
        on_pool!(self, |pool| {
            // The queue, not the history: sent messages are millions at state scale and are
            // not counted here (the notifications_due index covers what is).
            Ok(sqlx::query_as(
                "SELECT state, count(*) AS n FROM notifications WHERE state IN ('pending', 'sending', 'failed')
                 GROUP BY state ORDER BY state",
            )
                .fetch_all(pool)
                .await?)
        })
    }
}

impl Tx {
    /// Queues `notices` about registration `id` (none for a worker's code), due now; a notice
    /// already queued for the same registration, kind and channel is left as it is.
    pub async fn queue_notices(
        &mut self,
        id: Option<&str>,
        notices: &[crate::notify::Notice],
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            for n in notices {
                sqlx::query(
                    "INSERT INTO notifications(registration_id, kind, channel, language, recipient, template_id, body,
                        state, next_attempt_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)
                     ON CONFLICT(registration_id, kind, channel) DO NOTHING",
                )
                .bind(id)
                .bind(n.kind)
                .bind(n.channel)
                .bind(&n.language)
                .bind(&n.recipient)
                .bind(&n.template_id)
                .bind(&n.body)
                .bind(now)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })
    }
}
