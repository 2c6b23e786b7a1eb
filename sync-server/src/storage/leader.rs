//! One server at a time for the background jobs that must not run twice at once: on
//! PostgreSQL a session advisory lock held on a connection of its own (it goes with the
//! connection when a server dies), on SQLite always this process (one server per file).

use super::{Db, StorageError};
use sqlx::Connection;

/// The advisory lock's key: "panjiyan" in ASCII, the only one this application takes.
const KEY: i64 = 0x7061_6e6a_6979_616e;

/// Whether this process runs the shared background jobs now.
#[derive(Default)]
pub struct Leadership {
    held: Option<sqlx::PgConnection>,
}

impl Leadership {
    /// Whether this process leads: it keeps the lock while its connection answers, and tries
    /// to take it otherwise (another server's lock is not waited for).
    pub async fn check(&mut self, db: &Db) -> Result<bool, StorageError> {
        let pool = match db {
            Db::Sqlite(_) => return Ok(true),
            Db::Postgres(pool) => pool,
        };
        if let Some(conn) = self.held.as_mut() {
            if conn.ping().await.is_ok() {
                return Ok(true);
            }
            tracing::warn!("lost the connection holding the background jobs' lock");
            self.held = None;
        }
        // A connection of its own, outside the pool: requests never wait for it, and closing
        // it (or the process dying) gives the lock up.
        let mut conn = pool.acquire().await?.detach();
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(KEY)
            .fetch_one(&mut conn)
            .await?;
        if taken {
            tracing::info!("this server now runs the background jobs (rollup, clean-ups)");
            self.held = Some(conn);
        }
        Ok(taken)
    }

    /// Gives the lock up at once (a stopping server), for another server to take.
    pub async fn release(&mut self) {
        if let Some(conn) = self.held.take() {
            let _ = conn.close().await;
        }
    }
}
