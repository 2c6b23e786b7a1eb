//! Backups of the embedded SQLite database: `backup_to` copies it while the server runs (one
//! read transaction, `VACUUM INTO`: a consistent snapshot that concurrent commits neither
//! block nor restart), `restore_sqlite` puts a copy in place while the server is stopped.
//! PostgreSQL is backed up with its own tools (base backups and WAL archiving,
//! docs/operations.md).

use super::{Db, StorageError};
use sqlx::Connection;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "PostgreSQL is backed up with its own tools (pg_basebackup with WAL archiving, or pg_dump); see docs/operations.md"
    )]
    Postgres,
    #[error("{0} is not a SQLite database URL (sqlite:FILE)")]
    NotSqlite(String),
    #[error("{0} exists; a backup never overwrites a file")]
    Exists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{file} is not a sound Panjiyan backup: {reason}")]
    NotABackup { file: PathBuf, reason: String },
    #[error(
        "the server seems to be running on {0} (its write-ahead log is open); stop it first. After a crash, start and stop the server once to close the log"
    )]
    InUse(PathBuf),
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The file of a `sqlite:FILE[?options]` URL.
fn sqlite_file(url: &str) -> Result<PathBuf, BackupError> {
    let rest = url
        .strip_prefix("sqlite:")
        .ok_or_else(|| BackupError::NotSqlite(url.to_owned()))?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file == ":memory:" {
        return Err(BackupError::NotSqlite(url.to_owned()));
    }
    Ok(PathBuf::from(file))
}

/// What a backup holds, as the command prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub registrations: i64,
    pub audit_rows: i64,
}

impl std::fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} registrations, {} audit rows",
            self.registrations, self.audit_rows
        )
    }
}

/// Opens `file` read-only and checks it is a whole Panjiyan database this server can run.
async fn check_backup(file: &Path) -> Result<BackupSummary, BackupError> {
    let not = |reason: String| BackupError::NotABackup {
        file: file.to_owned(),
        reason,
    };
    if !file.exists() {
        return Err(BackupError::Missing(file.to_owned()));
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| not(e.to_string()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    if integrity != "ok" {
        return Err(not(format!("integrity check: {integrity}")));
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| not("it holds no Panjiyan schema".into()))?;
    let known = super::sqlite::newest_migration();
    if newest.unwrap_or(0) > known {
        return Err(not(format!(
            "it was made by a newer server (schema {}, this one knows {known})",
            newest.unwrap_or(0)
        )));
    }
    let registrations = sqlx::query_scalar("SELECT count(*) FROM registrations")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    let audit_rows = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not(e.to_string()))?;
    let _ = conn.close().await;
    Ok(BackupSummary {
        registrations,
        audit_rows,
    })
}

impl Db {
    /// Copies the SQLite database to `file` (which must not exist) while it serves, and checks
    /// the copy.
    pub async fn backup_to(&self, file: &Path) -> Result<BackupSummary, BackupError> {
        let Db::Sqlite(pool) = self else {
            return Err(BackupError::Postgres);
        };
        if file.exists() {
            return Err(BackupError::Exists(file.to_owned()));
        }
        let target = file.to_str().ok_or_else(|| BackupError::NotABackup {
            file: file.to_owned(),
            reason: "the name is not UTF-8".into(),
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await
            .map_err(StorageError::from)?;
        let checked = check_backup(file).await;
        if checked.is_err() {
            // Nobody must mistake a copy that does not restore for a backup.
            let _ = std::fs::remove_file(file);
        }
        checked
    }

    /// Closes the pool (SQLite folds its write-ahead log back into the file).
    pub async fn close(&self) {
        match self {
            Db::Postgres(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }
}

/// Puts the backup `file` in place of the SQLite database of `database_url`, the server
/// stopped; returns where the replaced database is kept.
pub async fn restore_sqlite(database_url: &str, file: &Path) -> Result<PathBuf, BackupError> {
    if database_url.starts_with("postgres") {
        return Err(BackupError::Postgres);
    }
    let db = sqlite_file(database_url)?;
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(BackupError::InUse(db));
    }
    check_backup(file).await?;
    let mut kept = PathBuf::from(format!("{}.before-restore", db.display()));
    let mut n = 1;
    while kept.exists() {
        n += 1;
        kept = PathBuf::from(format!("{}.before-restore.{n}", db.display()));
    }
    // Copied beside the database first, then renamed over it: a restore cut short leaves the
    // old database in place, never half a file.
    let incoming = PathBuf::from(format!("{}.restoring", db.display()));
    std::fs::copy(file, &incoming).map_err(io(&incoming))?;
    std::fs::File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(io(&incoming))?;
    if db.exists() {
        std::fs::rename(&db, &kept).map_err(io(&db))?;
    }
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", db.display()));
    }
    std::fs::rename(&incoming, &db).map_err(io(&db))?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite:data/p.db").unwrap(),
            PathBuf::from("data/p.db")
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/p.db?mode=rwc").unwrap(),
            PathBuf::from("/var/lib/p.db")
        );
        assert!(sqlite_file("sqlite::memory:").is_err());
        assert!(sqlite_file("postgres://x/y").is_err());
    }
}
