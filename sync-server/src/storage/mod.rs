//! Server storage: one `Storage` trait with a PostgreSQL and a SQLite implementation, chosen
//! from the database URL. Both run the same queries (written once in `queries.rs`); each has
//! its own migrations folder.

mod postgres;
mod queries;
mod sqlite;

use panjiyan_core::location::{Level, Place};
use panjiyan_core::pack::PackContents;
use panjiyan_core::samagra::{Family, Member};
use panjiyan_core::wire::{BacklogReport, PushOutcome, StatusChange};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use postgres::{PgStorage, create_scratch_database};
pub use sqlite::SqliteStorage;

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

/// Who a user is; each role works within its jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Operator,
    Secretary,
    DesignatedOfficer,
    DistrictAdmin,
    StateAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Secretary => "secretary",
            Role::DesignatedOfficer => "designated-officer",
            Role::DistrictAdmin => "district-admin",
            Role::StateAdmin => "state-admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Operator,
            Role::Secretary,
            Role::DesignatedOfficer,
            Role::DistrictAdmin,
            Role::StateAdmin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Roles that may enrol a device for a camp.
    pub fn enrols_devices(self) -> bool {
        matches!(self, Role::Operator | Role::Secretary)
    }

    /// Roles that may approve or reject registrations.
    pub fn decides(self) -> bool {
        matches!(
            self,
            Role::DesignatedOfficer | Role::DistrictAdmin | Role::StateAdmin
        )
    }

    /// Roles that may revoke devices and manage the campaign.
    pub fn administers(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::StateAdmin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub jurisdiction: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub public_key: Vec<u8>,
    pub jurisdiction: String,
    pub enrolled_by: i64,
    pub revoked: bool,
}

/// A pushed registration, verified and checked by the API layer, ready to store.
#[derive(Debug, Clone)]
pub struct IncomingRegistration {
    pub id: uuid::Uuid,
    pub content_hash: String,
    pub payload: String,
    pub device_seq: i64,
    pub member_id: String,
    pub family_id: String,
    pub unit_code: String,
    pub channel: String,
    pub occupation_code: String,
    pub camp_id: Option<String>,
}

/// What a Samagra upsert changed.
#[derive(Debug, Clone, Default)]
pub struct SamagraUpsert {
    /// Villages and wards whose data changed (their data version was bumped).
    pub changed_units: Vec<String>,
    /// Members skipped because their family is not known.
    pub orphans: Vec<String>,
}

/// A stored pack (immutable).
#[derive(Debug, Clone)]
pub struct PackRow {
    pub unit_code: String,
    pub version: i64,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// A unit a user may download, with its current pack.
#[derive(Debug, Clone, Serialize)]
pub struct UnitSummary {
    pub code: String,
    pub level: String,
    pub name_hi: String,
    pub name_en: String,
    pub pack_version: Option<i64>,
    pub pack_bytes: Option<i64>,
    pub pack_sha256: Option<String>,
}

/// A registration as the server holds it.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationRow {
    pub id: String,
    pub member_id: String,
    pub unit_code: String,
    pub device_id: String,
    pub state: String,
    pub registration_number: Option<String>,
    /// A rejection's reason code (`panjiyan_core::registration::REJECT_REASONS`).
    pub reason: Option<String>,
    /// The officer's own words beside the reason; never sent to the worker.
    pub reason_note: Option<String>,
    pub duplicate_of: Option<String>,
    pub camp_id: Option<String>,
    pub occupation_code: String,
    pub channel: String,
    pub received_at: i64,
    pub decided_at: Option<i64>,
}

/// An officer's decision on a pending registration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approve,
    /// `reason` is a code of `REJECT_REASONS`; `note` the officer's own words, optional.
    Reject {
        reason: String,
        #[serde(default)]
        note: Option<String>,
    },
}

/// Which pending registrations an officer wants to see.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    /// One village or ward (LGD code).
    pub unit: Option<String>,
    pub camp: Option<String>,
    pub occupation: Option<String>,
    /// Received at or after (epoch ms).
    pub from: Option<i64>,
    /// Received before (epoch ms).
    pub to: Option<i64>,
}

/// One line of an officer's queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub id: String,
    pub member_id: String,
    pub name_hi: String,
    pub name_en: String,
    pub unit_code: String,
    pub unit_name_hi: String,
    pub unit_name_en: String,
    pub occupation_code: String,
    pub channel: String,
    pub camp_id: Option<String>,
    pub received_at: i64,
}

/// A message in the notification outbox, for officers and tests.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub channel: String,
    pub kind: String,
    pub language: String,
    pub state: String,
    pub attempts: i64,
    pub body: String,
}

/// One decision in the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub action: String,
    pub registration_id: String,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// One decision in the audit log, as the history of one registration shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub at: i64,
    pub username: String,
    pub action: String,
    pub reason: Option<String>,
}

/// Registrations counted at one place (any level), one day (or a period), channel and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressRow {
    pub place_code: String,
    /// Days since 1970-01-01 in India Standard Time; 0 when summed over a period.
    pub day: i64,
    pub channel: String,
    pub state: String,
    pub n: i64,
}

/// A device's sync backlog as it last reported it, with where it works.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceBacklog {
    pub device_id: String,
    pub enrolled_by: String,
    pub jurisdiction: String,
    pub district: Option<String>,
    /// (Hindi, English)
    pub district_name: (Option<String>, Option<String>),
    pub block: Option<String>,
    /// (Hindi, English)
    pub block_name: (Option<String>, Option<String>),
    pub last_seen_at: Option<i64>,
    pub pending: i64,
    pub oldest_pending_at: Option<i64>,
    pub app_version: Option<String>,
    pub last_error: Option<String>,
    pub revoked: bool,
}

/// Pending approvals in one officer's area.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerBacklog {
    pub username: String,
    pub jurisdiction: String,
    pub pending: i64,
    /// The earliest day (IST days since epoch) with a registration still pending.
    pub oldest_day: Option<i64>,
}

/// A camp on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Camp {
    pub id: String,
    /// The block or urban body the camp serves.
    pub area_code: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue: String,
    pub units: Vec<String>,
    /// User ids of the staff assigned.
    pub staff: Vec<i64>,
}

/// For one unit of a camp and one device of its staff: the pack it holds against the current.
#[derive(Debug, Clone, Serialize)]
pub struct PackReadiness {
    pub unit_code: String,
    pub username: String,
    pub device_id: Option<String>,
    pub downloaded_version: Option<i64>,
    pub downloaded_at: Option<i64>,
    pub current_version: Option<i64>,
}

/// A department's list, imported as a target group.
#[derive(Debug, Clone, Serialize)]
pub struct TargetGroup {
    pub id: i64,
    pub name: String,
    pub department: String,
    pub imported_at: i64,
    pub members: i64,
}

/// How much of a target group is registered in one unit.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCoverage {
    pub unit_code: String,
    pub name_hi: String,
    pub name_en: String,
    pub members: i64,
    pub registered: i64,
}

/// A member of a target group who is not registered yet.
#[derive(Debug, Clone, Serialize)]
pub struct Unregistered {
    pub member_id: String,
    pub unit_code: String,
    pub name_hi: String,
    pub name_en: String,
}

/// What a worker may learn with only a Samagra member ID.
#[derive(Debug, Clone)]
pub struct WorkerStatus {
    pub state: String,
    pub registration_number: Option<String>,
    pub reason: Option<String>,
    pub decided_at: Option<i64>,
    pub name_en: String,
    pub name_hi: String,
}

/// What a device may pull status for: what it sent, and the units of its jurisdiction.
#[derive(Debug, Clone)]
pub struct StatusScope<'a> {
    pub device_id: &'a str,
    pub jurisdiction: &'a str,
}

/// The day of epoch milliseconds `ms` in India Standard Time, as days since 1970-01-01: the
/// day a registration is counted under.
pub fn india_day(ms: i64) -> i64 {
    (ms + IST_OFFSET_MS).div_euclid(DAY_MS)
}

/// The epoch milliseconds at which India day `day` (as `india_day` counts) begins.
pub fn india_day_start(day: i64) -> i64 {
    day * DAY_MS - IST_OFFSET_MS
}

/// India day `day` as a calendar date.
pub fn india_date(day: i64) -> Option<time::Date> {
    // 2,440,588 is the Julian day number of 1970-01-01.
    time::Date::from_julian_day(i32::try_from(day + 2_440_588).ok()?).ok()
}

const DAY_MS: i64 = 86_400_000;
const IST_OFFSET_MS: i64 = 19_800_000;

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn level_text(level: Level) -> &'static str {
    match level {
        Level::State => "state",
        Level::District => "district",
        Level::Block => "block",
        Level::GramPanchayat => "gram_panchayat",
        Level::Village => "village",
        Level::UrbanBody => "urban_body",
        Level::Ward => "ward",
    }
}

pub(crate) fn parse_level(s: &str) -> Option<Level> {
    [
        Level::State,
        Level::District,
        Level::Block,
        Level::GramPanchayat,
        Level::Village,
        Level::UrbanBody,
        Level::Ward,
    ]
    .into_iter()
    .find(|l| level_text(*l) == s)
}

/// The storage of the sync server. Every method is one unit of work (its own transaction).
#[allow(async_fn_in_trait)]
pub trait Storage: Send + Sync {
    async fn migrate(&self) -> Result<(), StorageError>;
    async fn ping(&self) -> Result<(), StorageError>;

    async fn upsert_places(&self, places: &[Place]) -> Result<u64, StorageError>;
    async fn place(&self, code: &str) -> Result<Option<Place>, StorageError>;
    /// True when `code` is `area` or lies below it.
    async fn is_within(&self, code: &str, area: &str) -> Result<bool, StorageError>;
    /// Villages and wards at or below `area`, with their current packs.
    async fn units_within(&self, area: &str) -> Result<Vec<UnitSummary>, StorageError>;

    async fn add_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        jurisdiction: &str,
    ) -> Result<i64, StorageError>;
    async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, StorageError>;
    async fn users(&self) -> Result<Vec<User>, StorageError>;
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<(), StorageError>;
    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        expires_at: i64,
    ) -> Result<(), StorageError>;
    async fn session_user(&self, token_hash: &[u8], now: i64)
    -> Result<Option<User>, StorageError>;
    async fn revoke_session(&self, token_hash: &[u8]) -> Result<(), StorageError>;
    async fn record_login_failure(&self, key: &str, at: i64) -> Result<(), StorageError>;
    async fn login_failures_since(&self, key: &str, since: i64) -> Result<i64, StorageError>;
    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError>;

    /// Enrols a device (or gives an enrolled, unrevoked device a new token).
    async fn enrol_device(
        &self,
        device: &Device,
        token_hash: &[u8],
        now: i64,
    ) -> Result<(), StorageError>;
    async fn device(&self, device_id: &str) -> Result<Option<Device>, StorageError>;
    async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<Device>, StorageError>;
    async fn revoke_device(&self, device_id: &str) -> Result<(), StorageError>;
    async fn record_backlog(
        &self,
        device_id: &str,
        report: &BacklogReport,
        now: i64,
    ) -> Result<(), StorageError>;

    /// The server's pack-signing key (PKCS#8): the stored one, or `candidate` stored now.
    async fn server_key(
        &self,
        key_id: &str,
        candidate: &[u8],
        now: i64,
    ) -> Result<Vec<u8>, StorageError>;

    /// Stores families and members (a member whose family is unknown is skipped and named);
    /// bumps the data version of every unit that changed, in the same transaction.
    async fn upsert_samagra(
        &self,
        families: &[Family],
        members: &[Member],
        now: i64,
    ) -> Result<SamagraUpsert, StorageError>;
    async fn unit_data_version(&self, unit: &str) -> Result<Option<i64>, StorageError>;
    async fn unit_contents(&self, unit: &str) -> Result<PackContents, StorageError>;
    async fn member_record(
        &self,
        member_id: &str,
    ) -> Result<Option<(String, Member)>, StorageError>;
    /// The unit and record of each of `member_ids` that the server holds, in one query.
    async fn member_records(
        &self,
        member_ids: &[String],
    ) -> Result<std::collections::HashMap<String, (String, Member)>, StorageError>;
    async fn store_pack(
        &self,
        unit: &str,
        version: i64,
        bytes: &[u8],
        sha256: &str,
        now: i64,
    ) -> Result<(), StorageError>;
    async fn pack(&self, unit: &str, version: Option<i64>)
    -> Result<Option<PackRow>, StorageError>;

    /// Stores a batch exactly once: each record gets its own outcome; the backlog report is
    /// recorded in the same transaction.
    async fn push(
        &self,
        device_id: &str,
        records: &[IncomingRegistration],
        now: i64,
    ) -> Result<Vec<PushOutcome>, StorageError>;
    async fn status_changes(
        &self,
        scope: &StatusScope<'_>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, StatusChange)>, StorageError>;
    async fn registration(&self, id: &str) -> Result<Option<RegistrationRow>, StorageError>;
    /// Approves (allocating the number in the same transaction; approving twice is a no-op)
    /// or rejects a pending registration.
    async fn decide(
        &self,
        id: &str,
        decision: &Decision,
        officer: i64,
        number_format: &str,
        now: i64,
    ) -> Result<RegistrationRow, StorageError>;
    async fn count_registrations(&self) -> Result<i64, StorageError>;
    async fn set_target(&self, unit: &str, target: i64) -> Result<(), StorageError>;

    /// Claims up to `limit` due messages for `lease_ms` (a crashed sender's claims expire).
    async fn claim_notifications(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<crate::notify::Outgoing>, StorageError>;
    async fn notification_sent(
        &self,
        id: i64,
        reference: &str,
        now: i64,
    ) -> Result<(), StorageError>;
    async fn notification_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
        give_up: bool,
    ) -> Result<(), StorageError>;
    async fn notifications_for(
        &self,
        registration_id: &str,
    ) -> Result<Vec<NotificationRow>, StorageError>;
    async fn audit_for(&self, registration_id: &str) -> Result<Vec<AuditRow>, StorageError>;
    /// Records a public status look-up by `client` and says how many it made since `since`.
    async fn status_lookups(&self, client: &str, now: i64, since: i64)
    -> Result<i64, StorageError>;
    /// The registration that counts for a member (else the newest rejected one).
    async fn worker_status(&self, member_id: &str) -> Result<Option<WorkerStatus>, StorageError>;
    /// Pending registrations within `area`, oldest first, and how many match in all.
    /// Folds status changes after the rollup's cursor into `progress`, at most `limit` change
    /// numbers per call; returns how many change numbers it consumed (0: up to date).
    async fn catch_up_progress(&self, limit: i64) -> Result<i64, StorageError>;
    /// Recounts `progress` from every registration in one pass and moves the cursor to the
    /// last change (after a hierarchy move, or to load a large backlog at once).
    async fn rebuild_progress(&self) -> Result<(), StorageError>;
    /// Counts at `place` per day, channel and state.
    async fn progress_by_day(&self, place: &str) -> Result<Vec<ProgressRow>, StorageError>;
    /// Counts of each child of `place`, per channel and state, over received days in
    /// `[from_day, to_day]` (either open).
    async fn progress_of_children(
        &self,
        place: &str,
        from_day: Option<i64>,
        to_day: Option<i64>,
    ) -> Result<Vec<ProgressRow>, StorageError>;
    /// Counts of every place of `levels` within `area`, over a period (for payouts).
    async fn progress_at_levels(
        &self,
        area: &str,
        levels: &[&str],
        from_day: Option<i64>,
        to_day: Option<i64>,
    ) -> Result<Vec<ProgressRow>, StorageError>;
    async fn children_of(&self, code: &str) -> Result<Vec<Place>, StorageError>;
    /// Places with no parent: the states the server holds.
    async fn root_places(&self) -> Result<Vec<Place>, StorageError>;
    /// `code` and its ancestors, the top first.
    async fn lineage(&self, code: &str) -> Result<Vec<Place>, StorageError>;
    async fn places_at_levels(
        &self,
        area: &str,
        levels: &[&str],
    ) -> Result<Vec<Place>, StorageError>;
    /// Effective targets of `place` (key `place`) and of its children: a place's own target
    /// where one is set, otherwise the sum of the targets set below it.
    async fn targets_around(&self, place: &str) -> Result<HashMap<String, i64>, StorageError>;
    /// Devices within `area` that last reported registrations not yet sent (not revoked).
    async fn device_backlog(&self, area: &str) -> Result<Vec<DeviceBacklog>, StorageError>;
    /// Registrations received per minute since `since` (epoch ms): (minute start, count).
    async fn ingest_per_minute(&self, since: i64) -> Result<Vec<(i64, i64)>, StorageError>;
    /// Messages still to deliver and those that failed, by state (pending, sending, failed).
    async fn notification_counts(&self) -> Result<Vec<(String, i64)>, StorageError>;
    async fn officer_backlog(&self, area: &str) -> Result<Vec<OfficerBacklog>, StorageError>;
    async fn save_camp(&self, camp: &Camp, created_by: i64, now: i64) -> Result<(), StorageError>;
    async fn camp(&self, id: &str) -> Result<Option<Camp>, StorageError>;
    /// Camps within `area` starting in `[from, to)` (epoch ms), soonest first.
    async fn camps_within(&self, area: &str, from: i64, to: i64)
    -> Result<Vec<Camp>, StorageError>;
    /// Camps a device's jurisdiction covers that have not ended, soonest first.
    async fn camps_for(&self, area: &str, now: i64) -> Result<Vec<Camp>, StorageError>;
    async fn camp_readiness(&self, id: &str) -> Result<Vec<PackReadiness>, StorageError>;
    /// Registrations brought in by a camp, by state.
    async fn camp_results(&self, id: &str) -> Result<Vec<(String, i64)>, StorageError>;
    async fn record_pack_download(
        &self,
        device_id: &str,
        unit: &str,
        version: i64,
        now: i64,
    ) -> Result<(), StorageError>;
    /// Imports (or replaces) a target group; returns its id and the member IDs not in Samagra.
    async fn import_group(
        &self,
        name: &str,
        department: &str,
        member_ids: &[String],
        now: i64,
    ) -> Result<(i64, Vec<String>), StorageError>;
    async fn target_groups(&self) -> Result<Vec<TargetGroup>, StorageError>;
    async fn group_coverage(
        &self,
        group: i64,
        area: &str,
    ) -> Result<Vec<GroupCoverage>, StorageError>;
    async fn group_unregistered(
        &self,
        group: i64,
        area: &str,
        limit: i64,
    ) -> Result<Vec<Unregistered>, StorageError>;
    /// The registrations of one Samagra member, oldest first.
    async fn registrations_of_member(
        &self,
        member_id: &str,
    ) -> Result<Vec<RegistrationRow>, StorageError>;
    /// The signed payload of a registration, as the device sent it.
    async fn registration_payload(&self, id: &str) -> Result<Option<String>, StorageError>;
    /// Decisions on registrations within `area`, newest first, optionally by one user and
    /// only those older than entry `before` (for paging).
    async fn audit_log(
        &self,
        area: &str,
        username: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError>;
    /// The camps that pending registrations within `area` came from.
    async fn pending_camps(&self, area: &str) -> Result<Vec<String>, StorageError>;
    async fn pending_queue(
        &self,
        area: &str,
        filter: &QueueFilter,
        limit: i64,
    ) -> Result<(i64, Vec<QueueRow>), StorageError>;
}

/// The backend in use, chosen from the URL scheme.
pub enum Db {
    Postgres(PgStorage),
    Sqlite(SqliteStorage),
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Db::Postgres(PgStorage::connect(url).await?))
        } else if url.starts_with("sqlite:") {
            Ok(Db::Sqlite(SqliteStorage::connect(url).await?))
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
}

macro_rules! delegate {
    ($( async fn $name:ident(&self $(, $arg:ident : $ty:ty)* ) -> $ret:ty; )*) => {
        impl Storage for Db {
            $( async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    Db::Postgres(s) => s.$name($($arg),*).await,
                    Db::Sqlite(s) => s.$name($($arg),*).await,
                }
            } )*
        }
    };
}

delegate! {
    async fn migrate(&self) -> Result<(), StorageError>;
    async fn ping(&self) -> Result<(), StorageError>;
    async fn upsert_places(&self, places: &[Place]) -> Result<u64, StorageError>;
    async fn place(&self, code: &str) -> Result<Option<Place>, StorageError>;
    async fn is_within(&self, code: &str, area: &str) -> Result<bool, StorageError>;
    async fn units_within(&self, area: &str) -> Result<Vec<UnitSummary>, StorageError>;
    async fn add_user(&self, username: &str, password_hash: &str, role: Role, jurisdiction: &str) -> Result<i64, StorageError>;
    async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, StorageError>;
    async fn users(&self) -> Result<Vec<User>, StorageError>;
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<(), StorageError>;
    async fn create_session(&self, token_hash: &[u8], user_id: i64, expires_at: i64) -> Result<(), StorageError>;
    async fn session_user(&self, token_hash: &[u8], now: i64) -> Result<Option<User>, StorageError>;
    async fn revoke_session(&self, token_hash: &[u8]) -> Result<(), StorageError>;
    async fn record_login_failure(&self, key: &str, at: i64) -> Result<(), StorageError>;
    async fn login_failures_since(&self, key: &str, since: i64) -> Result<i64, StorageError>;
    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError>;
    async fn enrol_device(&self, device: &Device, token_hash: &[u8], now: i64) -> Result<(), StorageError>;
    async fn device(&self, device_id: &str) -> Result<Option<Device>, StorageError>;
    async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<Device>, StorageError>;
    async fn revoke_device(&self, device_id: &str) -> Result<(), StorageError>;
    async fn record_backlog(&self, device_id: &str, report: &BacklogReport, now: i64) -> Result<(), StorageError>;
    async fn server_key(&self, key_id: &str, candidate: &[u8], now: i64) -> Result<Vec<u8>, StorageError>;
    async fn upsert_samagra(&self, families: &[Family], members: &[Member], now: i64) -> Result<SamagraUpsert, StorageError>;
    async fn unit_data_version(&self, unit: &str) -> Result<Option<i64>, StorageError>;
    async fn unit_contents(&self, unit: &str) -> Result<PackContents, StorageError>;
    async fn member_record(&self, member_id: &str) -> Result<Option<(String, Member)>, StorageError>;
    async fn member_records(&self, member_ids: &[String]) -> Result<std::collections::HashMap<String, (String, Member)>, StorageError>;
    async fn store_pack(&self, unit: &str, version: i64, bytes: &[u8], sha256: &str, now: i64) -> Result<(), StorageError>;
    async fn pack(&self, unit: &str, version: Option<i64>) -> Result<Option<PackRow>, StorageError>;
    async fn push(&self, device_id: &str, records: &[IncomingRegistration], now: i64) -> Result<Vec<PushOutcome>, StorageError>;
    async fn status_changes(&self, scope: &StatusScope<'_>, after: i64, limit: i64) -> Result<Vec<(i64, StatusChange)>, StorageError>;
    async fn registration(&self, id: &str) -> Result<Option<RegistrationRow>, StorageError>;
    async fn decide(&self, id: &str, decision: &Decision, officer: i64, number_format: &str, now: i64) -> Result<RegistrationRow, StorageError>;
    async fn count_registrations(&self) -> Result<i64, StorageError>;
    async fn set_target(&self, unit: &str, target: i64) -> Result<(), StorageError>;

    async fn claim_notifications(&self, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<crate::notify::Outgoing>, StorageError>;
    async fn notification_sent(&self, id: i64, reference: &str, now: i64) -> Result<(), StorageError>;
    async fn notification_failed(&self, id: i64, error: &str, next_attempt_at: i64, give_up: bool) -> Result<(), StorageError>;
    async fn notifications_for(&self, registration_id: &str) -> Result<Vec<NotificationRow>, StorageError>;
    async fn audit_for(&self, registration_id: &str) -> Result<Vec<AuditRow>, StorageError>;
    async fn status_lookups(&self, client: &str, now: i64, since: i64) -> Result<i64, StorageError>;
    async fn worker_status(&self, member_id: &str) -> Result<Option<WorkerStatus>, StorageError>;
    async fn catch_up_progress(&self, limit: i64) -> Result<i64, StorageError>;
    async fn rebuild_progress(&self) -> Result<(), StorageError>;
    async fn progress_by_day(&self, place: &str) -> Result<Vec<ProgressRow>, StorageError>;
    async fn progress_of_children(&self, place: &str, from_day: Option<i64>, to_day: Option<i64>) -> Result<Vec<ProgressRow>, StorageError>;
    async fn progress_at_levels(&self, area: &str, levels: &[&str], from_day: Option<i64>, to_day: Option<i64>) -> Result<Vec<ProgressRow>, StorageError>;
    async fn children_of(&self, code: &str) -> Result<Vec<Place>, StorageError>;
    async fn root_places(&self) -> Result<Vec<Place>, StorageError>;
    async fn lineage(&self, code: &str) -> Result<Vec<Place>, StorageError>;
    async fn places_at_levels(&self, area: &str, levels: &[&str]) -> Result<Vec<Place>, StorageError>;
    async fn targets_around(&self, place: &str) -> Result<HashMap<String, i64>, StorageError>;
    async fn device_backlog(&self, area: &str) -> Result<Vec<DeviceBacklog>, StorageError>;
    async fn ingest_per_minute(&self, since: i64) -> Result<Vec<(i64, i64)>, StorageError>;
    async fn notification_counts(&self) -> Result<Vec<(String, i64)>, StorageError>;
    async fn officer_backlog(&self, area: &str) -> Result<Vec<OfficerBacklog>, StorageError>;
    async fn save_camp(&self, camp: &Camp, created_by: i64, now: i64) -> Result<(), StorageError>;
    async fn camp(&self, id: &str) -> Result<Option<Camp>, StorageError>;
    async fn camps_within(&self, area: &str, from: i64, to: i64) -> Result<Vec<Camp>, StorageError>;
    async fn camps_for(&self, area: &str, now: i64) -> Result<Vec<Camp>, StorageError>;
    async fn camp_readiness(&self, id: &str) -> Result<Vec<PackReadiness>, StorageError>;
    async fn camp_results(&self, id: &str) -> Result<Vec<(String, i64)>, StorageError>;
    async fn record_pack_download(&self, device_id: &str, unit: &str, version: i64, now: i64) -> Result<(), StorageError>;
    async fn import_group(&self, name: &str, department: &str, member_ids: &[String], now: i64) -> Result<(i64, Vec<String>), StorageError>;
    async fn target_groups(&self) -> Result<Vec<TargetGroup>, StorageError>;
    async fn group_coverage(&self, group: i64, area: &str) -> Result<Vec<GroupCoverage>, StorageError>;
    async fn group_unregistered(&self, group: i64, area: &str, limit: i64) -> Result<Vec<Unregistered>, StorageError>;
    async fn registrations_of_member(&self, member_id: &str) -> Result<Vec<RegistrationRow>, StorageError>;
    async fn registration_payload(&self, id: &str) -> Result<Option<String>, StorageError>;
    async fn audit_log(&self, area: &str, username: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>, StorageError>;
    async fn pending_camps(&self, area: &str) -> Result<Vec<String>, StorageError>;
    async fn pending_queue(&self, area: &str, filter: &QueueFilter, limit: i64) -> Result<(i64, Vec<QueueRow>), StorageError>;
}
