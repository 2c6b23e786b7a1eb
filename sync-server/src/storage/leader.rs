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
    /// The connection of its own that holds the lock, or tries for it (kept between tries,
    /// so that a server that does not lead opens no connection every two seconds).
    conn: Option<sqlx::PgConnection>,
    leading: bool,
}

impl Leadership {
    /// Whether this process leads: it keeps the lock while its connection answers, and tries
    /// to take it otherwise (another server's lock is not waited for).
    pub async fn check(&mut self, db: &Db) -> Result<bool, StorageError> {
        let pool = match db {
            Db::Sqlite(_) => return Ok(true),
            Db::Postgres(pool) => pool,
        };
        if let Some(conn) = self.conn.as_mut()
            && conn.ping().await.is_err()
        {
            if self.leading {
                tracing::warn!("lost the connection holding the background jobs' lock");
            }
            self.conn = None;
            self.leading = false;
        }
        if self.leading {
            return Ok(true);
        }
        // A connection of its own, outside the pool: requests never wait for it, and closing
        // it (or the process dying) gives the lock up.
        let conn = match self.conn.as_mut() {
            Some(conn) => conn,
            None => self.conn.insert(pool.acquire().await?.detach()),
        };
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(KEY)
            .fetch_one(&mut *conn)
            .await?;
        if taken {
            tracing::info!("this server now runs the background jobs (rollup, clean-ups)");
            self.leading = true;
        }
        Ok(taken)
    }

    /// Gives the lock up at once (a stopping server), for another server to take.
    pub async fn release(&mut self) {
        let leading = std::mem::take(&mut self.leading);
        if let Some(mut conn) = self.conn.take() {
            // Unlocked by a statement, answered before this returns: closing alone leaves the
            // lock held until the server's backend process has finished exiting.
            if leading {
                let unlocked = sqlx::query_scalar::<_, bool>("SELECT pg_advisory_unlock($1)")
                    .bind(KEY)
                    .fetch_one(&mut conn)
                    .await;
                if let Err(error) = unlocked {
                    tracing::warn!(%error, "could not unlock the background jobs' lock; closing");
                }
            }
            let _ = conn.close().await;
        }
    }
}
