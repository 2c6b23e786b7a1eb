//! The SQLite backend: the embedded default, so one command runs a whole server. WAL with
//! every commit synced (FULL, as the phone does: a push the server acknowledged is one the
//! phone clears, so a power cut must not take it back), foreign keys on, a busy timeout so
//! that concurrent writers wait instead of failing.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

pub(super) async fn connect(url: &str) -> Result<SqlitePool, super::StorageError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30));
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?)
}

/// The newest schema version this server knows.
pub(super) fn newest_migration() -> i64 {
    sqlx::migrate!("../migrations/server/sqlite")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

pub(super) async fn migrate(pool: &SqlitePool) -> Result<(), super::StorageError> {
    sqlx::migrate!("../migrations/server/sqlite")
        .run(pool)
        .await?;
    Ok(())
}

impl super::BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    /// Write transactions take the write lock up front (BEGIN IMMEDIATE): a deferred one that
    /// reads first cannot wait for the lock when another writer got in between, and fails.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }

    async fn begin_snapshot(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_write().await
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_commit_is_synced_before_it_is_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("server.db").display());
        let pool = super::connect(&url).await.unwrap();
        let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(level, 2, "FULL");
    }
}
