//! Camps on the calendar: where and when, the units each serves and the staff assigned, how
//! ready each staff device's packs are, and what each camp brought in.

use super::{DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool};
use serde::Serialize;

/// A camp on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Camp {
    pub id: String,
    /// The block or urban body the camp serves.
    pub area_code: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue: String,
    #[sqlx(skip)]
    pub units: Vec<String>,
    /// User ids of the staff assigned.
    #[sqlx(skip)]
    pub staff: Vec<i64>,
}

impl Camp {
    /// The camp as a phone receives it (without its staff).
    pub fn into_info(self) -> panjiyan_core::wire::CampInfo {
        panjiyan_core::wire::CampInfo {
            id: self.id,
            area_code: self.area_code,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            venue: self.venue,
            units: self.units,
        }
    }
}

/// A camp a phone started without a plan, as the registrations made there show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UnplannedCamp {
    pub camp_id: String,
    /// The village or ward of its first registration.
    pub unit_code: String,
    /// When its first and last registrations were made on the phone (epoch ms, received).
    pub first_at: i64,
    pub registrations: i64,
}

/// For one unit of a camp and one device of its staff: the pack it holds against the current.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PackReadiness {
    pub unit_code: String,
    pub username: String,
    pub device_id: Option<String>,
    pub downloaded_version: Option<i64>,
    pub downloaded_at: Option<i64>,
    pub current_version: Option<i64>,
}

impl Db {
    /// Plans a new camp on India date `date` and returns its id, `{area}-{yyyymmdd}-{n}`: `n`
    /// is allocated in the same transaction from a counter per area and day that never goes
    /// back, so an id is never given twice, even after a camp moves to another day (its id
    /// keeps the day it was planned for). `camp.id` is ignored.
    pub async fn plan_camp(
        &self,
        camp: &Camp,
        date: time::Date,
        created_by: i64,
        now: i64,
    ) -> Result<String, StorageError> {
        let mut tx = self.begin_write().await?;
        let day = format!(
            "{:04}{:02}{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        );
        let n = tx
            .allocate_number(&format!("camp:{}:{day}", camp.area_code))
            .await?;
        let id = format!("{}-{day}-{n}", camp.area_code);
        tx.insert_camp(&id, camp, created_by, now).await?;
        tx.set_camp_units_and_staff(&id, camp).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Camps within `area` that registrations name but nobody planned (started on a phone),
    /// newest first: nothing is refused for its camp, and these are shown apart.
    pub async fn unplanned_camps_within(
        &self,
        area: &str,
        limit: i64,
    ) -> Result<Vec<UnplannedCamp>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS} SELECT r.camp_id, min(r.unit_code) AS unit_code, min(r.received_at) AS first_at,
                        count(*) AS registrations
                 FROM registrations r
                 WHERE r.camp_id IS NOT NULL AND r.unit_code IN (SELECT code FROM sub)
                   AND NOT EXISTS (SELECT 1 FROM camps c WHERE c.id = r.camp_id)
                 GROUP BY r.camp_id ORDER BY first_at DESC, r.camp_id LIMIT $2"
            )))
            .bind(area)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Changes camp `camp.id` (time, venue, units, staff); its id stays.
    pub async fn update_camp(&self, camp: &Camp, now: i64) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        if !tx.update_camp_row(camp, now).await? {
            return Err(StorageError::NotFound("camp"));
        }
        tx.set_camp_units_and_staff(&camp.id, camp).await?;
        tx.commit().await
    }

    pub async fn camp(&self, id: &str) -> Result<Option<Camp>, StorageError> {
        on_pool!(self, |pool| {
            let row: Option<Camp> = sqlx::query_as(
                "SELECT id, area_code, starts_at, ends_at, venue FROM camps WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(camp) => Ok(Some(self.with_units_and_staff(camp).await?)),
                None => Ok(None),
            }
        })
    }

    /// Camps within `area` starting in `[from, to)` (epoch ms), soonest first.
    pub async fn camps_within(
        &self,
        area: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<Camp>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<Camp> = sqlx::query_as(
                "SELECT c.id, c.area_code, c.starts_at, c.ends_at, c.venue FROM camps c
                 JOIN place_ancestors a ON a.code = c.area_code AND a.ancestor = $1
                 WHERE c.starts_at >= $2 AND c.starts_at < $3 ORDER BY c.starts_at, c.id",
            )
            .bind(area)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?;
            self.each_with_units_and_staff(rows).await
        })
    }

    /// Camps a device's jurisdiction covers that have not ended, soonest first.
    pub async fn camps_for(&self, area: &str, now: i64) -> Result<Vec<Camp>, StorageError> {
        on_pool!(self, |pool| {
            // Camps with a unit inside `area`: a device of a gram panchayat sees the block's
            // camps that cover its villages.
            let rows: Vec<Camp> = sqlx::query_as(
                "SELECT DISTINCT c.id, c.area_code, c.starts_at, c.ends_at, c.venue FROM camps c
                 JOIN camp_units u ON u.camp_id = c.id JOIN place_ancestors a ON a.code = u.unit_code AND a.ancestor = $1
                 WHERE c.ends_at > $2 ORDER BY c.starts_at, c.id",
            )
            .bind(area)
            .bind(now)
            .fetch_all(pool)
            .await?;
            self.each_with_units_and_staff(rows).await
        })
    }

    pub async fn camp_readiness(&self, id: &str) -> Result<Vec<PackReadiness>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT cu.unit_code, u.username, d.device_id, pd.version AS downloaded_version, pd.at AS downloaded_at,
                    ud.data_version AS current_version
                 FROM camp_units cu JOIN camp_staff cs ON cs.camp_id = cu.camp_id JOIN users u ON u.id = cs.user_id
                 LEFT JOIN devices d ON d.enrolled_by = u.id AND NOT d.revoked
                 LEFT JOIN pack_downloads pd ON pd.device_id = d.device_id AND pd.unit_code = cu.unit_code
                 LEFT JOIN unit_data ud ON ud.unit_code = cu.unit_code
                 WHERE cu.camp_id = $1 ORDER BY cu.unit_code, u.username, d.device_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Registrations brought in by a camp, by state.
    pub async fn camp_results(&self, id: &str) -> Result<Vec<(String, i64)>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as("SELECT state, count(*) AS n FROM registrations WHERE camp_id = $1 GROUP BY state ORDER BY state")
                .bind(id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// `with_units_and_staff` for each of `camps`, in order.
    async fn each_with_units_and_staff(&self, camps: Vec<Camp>) -> Result<Vec<Camp>, StorageError> {
        let mut out = Vec::with_capacity(camps.len());
        for camp in camps {
            out.push(self.with_units_and_staff(camp).await?);
        }
        Ok(out)
    }

    /// `camp` with its units and staff, which live in their own tables.
    async fn with_units_and_staff(&self, mut camp: Camp) -> Result<Camp, StorageError> {
        on_pool!(self, |pool| {
            camp.units = sqlx::query_scalar(
                "SELECT unit_code FROM camp_units WHERE camp_id = $1 ORDER BY unit_code",
            )
            .bind(&camp.id)
            .fetch_all(pool)
            .await?;
            camp.staff = sqlx::query_scalar(
                "SELECT user_id FROM camp_staff WHERE camp_id = $1 ORDER BY user_id",
            )
            .bind(&camp.id)
            .fetch_all(pool)
            .await?;
            Ok(camp)
        })
    }
}

impl Tx {
    async fn insert_camp(
        &mut self,
        id: &str,
        camp: &Camp,
        created_by: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO camps(id, area_code, starts_at, ends_at, venue, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&camp.area_code)
            .bind(camp.starts_at)
            .bind(camp.ends_at)
            .bind(&camp.venue)
            .bind(created_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }

    /// Whether camp `camp.id` was there to change.
    async fn update_camp_row(&mut self, camp: &Camp, now: i64) -> Result<bool, StorageError> {
        in_tx!(self, |c| {
            let done = sqlx::query(
                "UPDATE camps SET area_code = $2, starts_at = $3, ends_at = $4, venue = $5, updated_at = $6 WHERE id = $1",
            )
            .bind(&camp.id)
            .bind(&camp.area_code)
            .bind(camp.starts_at)
            .bind(camp.ends_at)
            .bind(&camp.venue)
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn set_camp_units_and_staff(
        &mut self,
        id: &str,
        camp: &Camp,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query("DELETE FROM camp_units WHERE camp_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM camp_staff WHERE camp_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            for unit in &camp.units {
                sqlx::query("INSERT INTO camp_units(camp_id, unit_code) VALUES ($1, $2)")
                    .bind(id)
                    .bind(unit)
                    .execute(&mut *c)
                    .await?;
            }
            for user in &camp.staff {
                sqlx::query("INSERT INTO camp_staff(camp_id, user_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(user)
                    .execute(&mut *c)
                    .await?;
            }
            Ok(())
        })
    }
}
