//! Server storage by concept: one file per concept (places, users, devices, packs, samagra,
//! registrations, status changes, decisions, notifications, voice audio, camps, progress,
//! groups, and Rozgar Setu's job seekers, employers, requirements and offers), each an `impl Db` (reads, from the pool) and an `impl Tx` (writes that share a
//! transaction). The PostgreSQL and SQLite backends run the same queries, written once (see
//! `on_pool!`); each backend has its own migrations folder.
//!
//! Placeholders are `$1`-style, which PostgreSQL and SQLite both take; times are epoch
//! milliseconds; no dialect-only SQL.

mod backup;
mod camps;
mod codes;
mod decisions;
mod devices;
mod employers;
mod groups;
mod job_seekers;
mod leader;
mod notifications;
mod offers;
mod packs;
mod places;
mod postgres;
mod progress;
mod registrations;
mod replica;
mod requirements;
mod rule_sets;
mod samagra;
mod sqlite;
mod status_changes;
mod users;
mod voice_audio;

pub use backup::{BackupError, BackupSummary, restore_sqlite};
pub use camps::{Camp, PackReadiness, UnplannedCamp};
pub use codes::VerificationCode;
pub use decisions::{AuditEntry, AuditRow, Decision, Outcome, format_number};
pub use devices::{AreaBacklog, Device, DeviceBacklog, DeviceCursor, UNKNOWN_OLDEST};
pub use employers::{Employer, NewEmployer};
pub use groups::{GroupCoverage, TargetGroup, Unregistered};
pub use job_seekers::{
    Candidate, FUNNEL_STAGES, FunnelBy, FunnelCount, FunnelPlace, JOIN_DAYS, JobSeeker,
    NewJobSeeker, Wanted,
};
pub use leader::Leadership;
pub use notifications::NotificationRow;
pub use offers::{Offer, OfferLine, OpenOffer};
pub use packs::{PackRow, UnitSummary};
pub use places::PlaceLine;
pub(crate) use places::{level_text, parse_level};
pub use postgres::create_scratch_database;
pub use progress::{OfficerBacklog, ProgressRow};
pub use registrations::{
    HeldRegistration, IncomingRegistration, NewRegistration, PendingPage, QueueCursor, QueueFilter,
    QueuePosition, QueueRow, RegistrationRow, WorkerStatus,
};
pub use replica::ReplicaLag;
pub use requirements::{
    BlockUsage, MinWage, NewRequirement, OfficeUsage, Requirement, RequirementLine,
};
pub use samagra::SamagraUpsert;
pub use status_changes::{ChangePosition, ChangeStamp, StatusScope};
pub use users::User;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database URL {0:?} is neither postgres:// nor sqlite:")]
    UnknownScheme(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    #[error("the registration is {0}, not pending approval")]
    NotPending(String),
}

impl StorageError {
    /// Another transaction changed what this one read (PostgreSQL's serialization failure):
    /// nothing was written, and trying again later is right.
    /// A row with the same key was committed by another transaction meanwhile (PostgreSQL
    /// 23505; SQLite's primary key and unique constraints): trying again sees it.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StorageError::Database(e)
            if e.as_database_error().is_some_and(|d| d.is_unique_violation()))
    }

    pub fn is_serialization_failure(&self) -> bool {
        matches!(self, StorageError::Database(e)
            if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("40001"))
    }
}

pub fn now_ms() -> i64 {
    panjiyan_core::india_time::now_ms()
}

/// The database in use, chosen from the URL scheme: a pool of one of the two backends.
pub enum Db {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// A write transaction on either backend; writes that must commit together take `&mut Tx`.
/// Dropped without `commit`, it rolls back.
pub enum Tx {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

/// Runs `$body` with `$pool` bound to the pool of the backend in use. The body is written
/// once and compiled once per backend (one match arm each), so every query is type-checked
/// against both drivers and no query is written twice.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::storage::Db::Postgres($pool) => $body,
            $crate::storage::Db::Sqlite($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the connection of a write transaction (`&mut Tx`):
/// `on_pool!` for writes that share a transaction.
macro_rules! in_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::storage::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::storage::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub(crate) use {in_tx, on_pool};

/// How each backend starts a write transaction.
trait BeginWrite {
    type Database: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>;
    /// A write transaction whose statements all see one snapshot (PostgreSQL: REPEATABLE
    /// READ; a row changed by another transaction since then fails with a serialization
    /// error instead of being read twice. SQLite: one writer at a time anyway).
    async fn begin_snapshot(
        &self,
    ) -> Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>;
}

/// `sub`: the place `$1` and every place under it, read from the hierarchy's closure
/// (an index range, not a recursive walk: a state has tens of thousands of places).
const DESCENDANTS: &str =
    "WITH sub(code) AS (SELECT code FROM place_ancestors WHERE ancestor = CAST($1 AS TEXT))";

/// `$first, $first+1, …` for `n` values: an IN list of bound parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Db::Postgres(postgres::connect(url).await?))
        } else if url.starts_with("sqlite:") {
            Ok(Db::Sqlite(sqlite::connect(url).await?))
        } else {
            Err(StorageError::UnknownScheme(
                url.split(':').next().unwrap_or_default().to_owned(),
            ))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Postgres(_) => "postgres",
            Db::Sqlite(_) => "sqlite",
        }
    }

    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Db::Postgres(pool) => postgres::migrate(pool).await,
            Db::Sqlite(pool) => sqlite::migrate(pool).await,
        }
    }

    pub async fn ping(&self) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
            Ok(())
        })
    }

    /// Starts a write transaction (on SQLite one that takes the write lock up front).
    pub async fn begin_write(&self) -> Result<Tx, StorageError> {
        Ok(match self {
            Db::Postgres(pool) => Tx::Postgres(pool.begin_write().await?),
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_write().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StorageError> {
        match self {
            Tx::Postgres(tx) => tx.commit().await?,
            Tx::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
