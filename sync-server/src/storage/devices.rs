//! Enrolled devices: their keys and tokens, revocation, and the sync backlog each last reported,
//! summed by area and read a page at a time.

use super::{BeginWrite, Db, StorageError, on_pool, placeholders};
use panjiyan_core::wire::BacklogReport;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Device {
    pub device_id: String,
    pub public_key: Vec<u8>,
    pub jurisdiction: String,
    pub enrolled_by: i64,
    pub revoked: bool,
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

/// The order the backlog lists devices in: the oldest unsent registration first, a device that
/// never said how old last (`UNKNOWN_OLDEST`), then by id. The keyset of its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCursor {
    /// `oldest_pending_at`, or `UNKNOWN_OLDEST` when the device did not report it.
    pub oldest: i64,
    pub device_id: String,
}

/// Where a device that never reported its oldest unsent registration sorts: last.
pub const UNKNOWN_OLDEST: i64 = i64::MAX;

impl DeviceBacklog {
    /// This device's place in the backlog's order: the next page starts after it.
    pub fn cursor(&self) -> DeviceCursor {
        DeviceCursor {
            oldest: self.oldest_pending_at.unwrap_or(UNKNOWN_OLDEST),
            device_id: self.device_id.clone(),
        }
    }
}

/// Devices holding unsent data in one area below the place asked about (or in that place
/// itself, for devices working over all of it), summed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AreaBacklog {
    pub code: String,
    pub level: String,
    pub name_hi: String,
    pub name_en: String,
    /// Devices holding data.
    pub devices: i64,
    /// Registrations on them not yet sent.
    pub pending: i64,
    pub oldest_pending_at: Option<i64>,
    /// Of those devices, the ones not seen since the silence limit (or never).
    pub silent: i64,
}

/// The columns of `DeviceBacklogRow`, from devices `d` holding data within area $1, with their
/// user; the page's and the CSV's queries add their condition and order. The district and
/// block come after, by key, for the devices read (`Db::districts_and_blocks`): joining them
/// here made PostgreSQL's generic plan hash every place of the state.
const DEVICE_BACKLOG: &str = "SELECT d.device_id, u.username, d.jurisdiction, d.last_seen_at, d.pending, d.oldest_pending_at, d.app_version,
        d.last_error, d.revoked
     FROM devices d JOIN users u ON u.id = d.enrolled_by
     WHERE d.pending > 0 AND NOT d.revoked
        AND EXISTS (SELECT 1 FROM place_ancestors w WHERE w.code = d.jurisdiction AND w.ancestor = $1)";

/// The backlog's order as SQL; the same expression as the index `devices_backlog_oldest`.
const BACKLOG_ORDER: &str = "coalesce(d.oldest_pending_at, 9223372036854775807)";

#[derive(sqlx::FromRow)]
struct DeviceBacklogRow {
    device_id: String,
    username: String,
    jurisdiction: String,
    last_seen_at: Option<i64>,
    pending: Option<i64>,
    oldest_pending_at: Option<i64>,
    app_version: Option<String>,
    last_error: Option<String>,
    revoked: bool,
}

/// A district, block or urban body above place `below`.
#[derive(sqlx::FromRow)]
struct PlaceAbove {
    below: String,
    code: String,
    level: String,
    name_hi: String,
    name_en: String,
}

impl From<DeviceBacklogRow> for DeviceBacklog {
    fn from(r: DeviceBacklogRow) -> DeviceBacklog {
        DeviceBacklog {
            device_id: r.device_id,
            enrolled_by: r.username,
            jurisdiction: r.jurisdiction,
            district: None,
            district_name: (None, None),
            block: None,
            block_name: (None, None),
            last_seen_at: r.last_seen_at,
            pending: r.pending.unwrap_or(0),
            oldest_pending_at: r.oldest_pending_at,
            app_version: r.app_version,
            last_error: r.last_error,
            revoked: r.revoked,
        }
    }
}

impl Db {
    /// Enrols a device (or gives an enrolled, unrevoked device a new token).
    pub async fn enrol_device(
        &self,
        device: &Device,
        token_hash: &[u8],
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let held: Option<(bool, i64)> =
                sqlx::query_as("SELECT revoked, enrolled_by FROM devices WHERE device_id = $1")
                    .bind(&device.device_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match held {
                Some((true, _)) => return Err(StorageError::AlreadyExists("revoked device")),
                // Only the user who enrolled it may enrol it again (a new token); anyone else
                // would take over its area and its records.
                Some((false, by)) if by != device.enrolled_by => {
                    return Err(StorageError::AlreadyExists("device of another user"));
                }
                Some((false, _)) => {
                    sqlx::query("UPDATE devices SET token_hash = $2, jurisdiction = $3, enrolled_by = $4 WHERE device_id = $1")
                        .bind(&device.device_id)
                        .bind(token_hash)
                        .bind(&device.jurisdiction)
                        .bind(device.enrolled_by)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO devices(device_id, public_key, token_hash, enrolled_by, jurisdiction, enrolled_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&device.device_id)
                    .bind(&device.public_key)
                    .bind(token_hash)
                    .bind(device.enrolled_by)
                    .bind(&device.jurisdiction)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The device that signs what the workers of `state` register themselves (the web's own;
    /// `crate::self_service`), made on first use and given `public_key` when it has another:
    /// its user is disabled and has no password, and nobody holds its token.
    pub async fn self_service_device(
        &self,
        state: &str,
        device_id: &str,
        public_key: &[u8],
        now: i64,
    ) -> Result<Device, StorageError> {
        let username = format!("self-service-{state}");
        let (_, token_hash) = crate::auth::new_token();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO users(username, password_hash, role, jurisdiction, disabled, created_at)
                 VALUES ($1, '!', 'operator', $2, TRUE, $3) ON CONFLICT(username) DO NOTHING",
            )
            .bind(&username)
            .bind(state)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&username)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO devices(device_id, public_key, token_hash, enrolled_by, jurisdiction, enrolled_at, app_version)
                 VALUES ($1, $2, $3, $4, $5, $6, 'web') ON CONFLICT(device_id) DO NOTHING",
            )
            .bind(device_id)
            .bind(public_key)
            .bind(&token_hash)
            .bind(user)
            .bind(state)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let device = sqlx::query_as("SELECT device_id, public_key, jurisdiction, enrolled_by, revoked FROM devices WHERE device_id = $1")
                .bind(device_id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(device)
        })
    }

    /// The next number in the sequence `name` (1, 2, 3 …), in a transaction of its own.
    pub async fn next_in_sequence(&self, name: &str) -> Result<i64, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "INSERT INTO counters(name, value) VALUES ($1, 1)
                 ON CONFLICT(name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            )
            .bind(name)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn device(&self, device_id: &str) -> Result<Option<Device>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as("SELECT device_id, public_key, jurisdiction, enrolled_by, revoked FROM devices WHERE device_id = $1")
                .bind(device_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    pub async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<Device>, StorageError> {
        on_pool!(self, |pool| {
            // A device whose enroller is disabled is refused as if revoked: it syncs no more.
            Ok(sqlx::query_as(
                "SELECT d.device_id, d.public_key, d.jurisdiction, d.enrolled_by, (d.revoked OR u.disabled) AS revoked
                 FROM devices d JOIN users u ON u.id = d.enrolled_by WHERE d.token_hash = $1",
            )
                .bind(token_hash)
                .fetch_optional(pool)
                .await?)
        })
    }

    pub async fn revoke_device(&self, device_id: &str) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            let done = sqlx::query("UPDATE devices SET revoked = TRUE WHERE device_id = $1")
                .bind(device_id)
                .execute(pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound("device"));
            }
            Ok(())
        })
    }

    pub async fn record_backlog(
        &self,
        device_id: &str,
        report: &BacklogReport,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE devices SET last_seen_at = $2, pending = $3, oldest_pending_at = $4, app_version = $5,
                    last_error = $6 WHERE device_id = $1",
            )
            .bind(device_id)
            .bind(now)
            .bind(report.pending as i64)
            .bind(report.oldest_pending_at.map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64))
            .bind(&report.app_version)
            .bind(&report.last_error)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Devices within `area` that last reported registrations not yet sent (not revoked), by
    /// district and block: all of them, for the CSV.
    pub async fn device_backlog(&self, area: &str) -> Result<Vec<DeviceBacklog>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<DeviceBacklogRow> = sqlx::query_as(DEVICE_BACKLOG)
                .bind(area)
                .fetch_all(pool)
                .await?;
            let mut devices: Vec<DeviceBacklog> =
                rows.into_iter().map(DeviceBacklog::from).collect();
            self.place_devices(&mut devices).await?;
            devices.sort_by(|a, b| {
                (&a.district, &a.block, b.pending, &a.device_id).cmp(&(
                    &b.district,
                    &b.block,
                    a.pending,
                    &b.device_id,
                ))
            });
            Ok(devices)
        })
    }

    /// Fills in each device's district and block (or urban body), read by key for the
    /// devices' places only.
    async fn place_devices(&self, devices: &mut [DeviceBacklog]) -> Result<(), StorageError> {
        let places: Vec<String> = devices
            .iter()
            .map(|d| d.jurisdiction.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut above: std::collections::HashMap<String, Vec<PlaceAbove>> =
            std::collections::HashMap::new();
        for chunk in places.chunks(500) {
            let sql = format!(
                "SELECT a.code AS below, p.code, p.level, p.name_hi, p.name_en
                 FROM place_ancestors a JOIN places p ON p.code = a.ancestor
                 WHERE a.code IN ({}) AND p.level IN ('district', 'block', 'urban_body')",
                placeholders(1, chunk.len())
            );
            let rows: Vec<PlaceAbove> = on_pool!(self, |pool| {
                // Planned for these places each time, as the page's device query.
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).persistent(false);
                for code in chunk {
                    q = q.bind(code);
                }
                q.fetch_all(pool).await
            })?;
            for r in rows {
                above.entry(r.below.clone()).or_default().push(r);
            }
        }
        for d in devices {
            for p in above.get(&d.jurisdiction).into_iter().flatten() {
                let name = (Some(p.name_hi.clone()), Some(p.name_en.clone()));
                if p.level == "district" {
                    (d.district, d.district_name) = (Some(p.code.clone()), name);
                } else {
                    (d.block, d.block_name) = (Some(p.code.clone()), name);
                }
            }
        }
        Ok(())
    }

    /// One page of the devices within `area` holding unsent data: at most `limit`, in the
    /// backlog's order (`DeviceCursor`), starting after `after` (from the first when None).
    pub async fn device_backlog_page(
        &self,
        area: &str,
        after: Option<&DeviceCursor>,
        limit: i64,
    ) -> Result<Vec<DeviceBacklog>, StorageError> {
        let (oldest, device_id) =
            after.map_or((i64::MIN, ""), |c| (c.oldest, c.device_id.as_str()));
        on_pool!(self, |pool| {
            // Planned for this area each time (an unnamed statement): the generic plan a
            // prepared one falls back to after five runs walks every device of the state
            // through its place (measured 21-24 ms against 0.3 ms).
            let rows: Vec<DeviceBacklogRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DEVICE_BACKLOG} AND ({BACKLOG_ORDER}, d.device_id) > ($2, $3)
                 ORDER BY {BACKLOG_ORDER}, d.device_id LIMIT $4"
            )))
            .persistent(false)
            .bind(area)
            .bind(oldest)
            .bind(device_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let mut devices: Vec<DeviceBacklog> =
                rows.into_iter().map(DeviceBacklog::from).collect();
            self.place_devices(&mut devices).await?;
            Ok(devices)
        })
    }

    /// Devices within `area` holding unsent data, summed per area one level below it (its
    /// districts, a district's blocks and urban bodies, …) and, for devices working over all
    /// of `area`, under `area` itself; silent: not seen since `silent_before` (epoch ms).
    pub async fn backlog_by_area(
        &self,
        area: &str,
        silent_before: i64,
    ) -> Result<Vec<AreaBacklog>, StorageError> {
        on_pool!(self, |pool| {
            // Summed per device's place first (an index-only scan of `devices_backlog_place`),
            // then each place and each area looked up on its own by key: never a join over
            // every place of the area. `held` is read once (MATERIALIZED), or its depth
            // look-up would run twice per place.
            Ok(sqlx::query_as(
                "WITH held AS MATERIALIZED (
                    SELECT d.jurisdiction, count(*) AS devices, sum(d.pending) AS pending,
                        min(d.oldest_pending_at) AS oldest_pending_at,
                        sum(CASE WHEN d.last_seen_at IS NULL OR d.last_seen_at < $2 THEN 1 ELSE 0 END) AS silent,
                        (SELECT w.depth FROM place_ancestors w WHERE w.code = d.jurisdiction AND w.ancestor = $1) AS depth
                    FROM devices d WHERE d.pending > 0 AND NOT d.revoked GROUP BY d.jurisdiction),
                 placed AS (
                    SELECT coalesce((SELECT a.ancestor FROM place_ancestors a WHERE a.code = h.jurisdiction AND a.depth = h.depth - 1),
                        CAST($1 AS TEXT)) AS code, h.devices, h.pending, h.oldest_pending_at, h.silent
                    FROM held h WHERE h.depth IS NOT NULL),
                 summed AS (
                    SELECT code, CAST(sum(devices) AS BIGINT) AS devices, CAST(sum(pending) AS BIGINT) AS pending,
                        min(oldest_pending_at) AS oldest_pending_at, CAST(sum(silent) AS BIGINT) AS silent
                    FROM placed GROUP BY code)
                 SELECT s.code, (SELECT p.level FROM places p WHERE p.code = s.code) AS level,
                    (SELECT p.name_hi FROM places p WHERE p.code = s.code) AS name_hi,
                    (SELECT p.name_en FROM places p WHERE p.code = s.code) AS name_en,
                    s.devices, s.pending, s.oldest_pending_at, s.silent
                 FROM summed s ORDER BY s.code",
            )
            .bind(area)
            .bind(silent_before)
            .fetch_all(pool)
            .await?)
        })
    }
}
