//! Employers' requirements (a trade, how many, the wage, where and when), the state's
//! minimum wage per trade that they are checked against, and which districts border which.

use super::{DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool};
use serde::Serialize;

/// A requirement as posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Requirement {
    pub id: i64,
    pub employer_id: i64,
    pub trade_code: String,
    pub workers: i64,
    pub daily_rupees: i64,
    pub place_code: String,
    pub block_code: String,
    pub district_code: String,
    pub state_code: String,
    /// India days since 1970-01-01.
    pub starts_on: i64,
    pub duration_days: i64,
    pub food: bool,
    pub stay: bool,
    pub closes_on: i64,
    pub posted_at: i64,
}

/// A requirement with how its offers stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RequirementLine {
    #[sqlx(flatten)]
    pub requirement: Requirement,
    pub employer_name: String,
    pub offered: i64,
    pub accepted: i64,
    pub joined: i64,
}

/// A requirement to post (its place resolved to block, district and state).
#[derive(Debug, Clone)]
pub struct NewRequirement<'a> {
    pub employer_id: i64,
    pub trade_code: &'a str,
    pub workers: i64,
    pub daily_rupees: i64,
    pub place_code: &'a str,
    pub block_code: &'a str,
    pub district_code: &'a str,
    pub state_code: &'a str,
    pub starts_on: i64,
    pub duration_days: i64,
    pub food: bool,
    pub stay: bool,
    pub closes_on: i64,
    pub posted_by: i64,
}

/// A minimum daily wage in force from a day on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MinWage {
    pub state_code: String,
    pub trade_code: String,
    pub from_day: i64,
    pub daily_rupees: i64,
}

const COLUMNS: &str = "r.id, r.employer_id, r.trade_code, r.workers, r.daily_rupees, r.place_code, r.block_code,
    r.district_code, r.state_code, r.starts_on, r.duration_days, r.food, r.stay, r.closes_on, r.posted_at";

const LINE: &str = "e.name AS employer_name,
    (SELECT COUNT(*) FROM offers o WHERE o.requirement_id = r.id AND o.state <> 'withdrawn') AS offered,
    (SELECT COUNT(*) FROM offers o WHERE o.requirement_id = r.id AND o.state IN ('accepted', 'joined')) AS accepted,
    (SELECT COUNT(*) FROM offers o WHERE o.requirement_id = r.id AND o.state = 'joined') AS joined";

impl Db {
    pub async fn requirement(&self, id: i64) -> Result<Option<Requirement>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM requirements r WHERE r.id = $1");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// An employer's requirements, newest first, with their offers counted.
    pub async fn requirements_of(
        &self,
        employer_id: i64,
    ) -> Result<Vec<RequirementLine>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS}, {LINE} FROM requirements r JOIN employers e ON e.id = r.employer_id
             WHERE r.employer_id = $1 ORDER BY r.posted_at DESC, r.id DESC"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(employer_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Requirements whose workplace is within `area`, open on `today` first, newest first.
    pub async fn requirements_within(
        &self,
        area: &str,
        today: i64,
    ) -> Result<Vec<RequirementLine>, StorageError> {
        let sql = format!(
            "{DESCENDANTS} SELECT {COLUMNS}, {LINE} FROM requirements r JOIN employers e ON e.id = r.employer_id
             WHERE r.district_code IN (SELECT code FROM sub)
             ORDER BY CASE WHEN r.closes_on >= $2 THEN 0 ELSE 1 END, r.posted_at DESC, r.id DESC"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(area)
                .bind(today)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The minimum daily wage for `trade` in `state` on India day `day`, if one is set.
    pub async fn min_wage(
        &self,
        state: &str,
        trade: &str,
        day: i64,
    ) -> Result<Option<i64>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT daily_rupees FROM min_wages WHERE state_code = $1 AND trade_code = $2 AND from_day <= $3
                 ORDER BY from_day DESC LIMIT 1",
            )
            .bind(state)
            .bind(trade)
            .bind(day)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Every minimum wage of `state`, by trade, newest first.
    pub async fn min_wages(&self, state: &str) -> Result<Vec<MinWage>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT state_code, trade_code, from_day, daily_rupees FROM min_wages WHERE state_code = $1
                 ORDER BY trade_code, from_day DESC",
            )
            .bind(state)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Sets the minimum daily wage of `trade` in `state` from `from_day` on (replacing one
    /// set for the same day).
    pub async fn set_min_wage(
        &self,
        wage: &MinWage,
        set_by: Option<i64>,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO min_wages(state_code, trade_code, from_day, daily_rupees, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT(state_code, trade_code, from_day) DO UPDATE SET daily_rupees = excluded.daily_rupees,
                    set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(&wage.state_code)
            .bind(&wage.trade_code)
            .bind(wage.from_day)
            .bind(wage.daily_rupees)
            .bind(set_by)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The districts bordering `district`.
    pub async fn neighbours(&self, district: &str) -> Result<Vec<String>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT neighbour_code FROM district_neighbours WHERE district_code = $1 ORDER BY neighbour_code",
            )
            .bind(district)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Records that districts `a` and `b` border each other (both ways).
    pub async fn add_neighbours(&self, a: &str, b: &str) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            for (x, y) in [(a, b), (b, a)] {
                sqlx::query(
                    "INSERT INTO district_neighbours(district_code, neighbour_code) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                )
                .bind(x)
                .bind(y)
                .execute(pool)
                .await?;
            }
            Ok(())
        })
    }
}

/// What one office (a staff user) did in Rozgar Setu within an area.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfficeUsage {
    pub username: String,
    pub role: String,
    pub employers_registered: i64,
    pub employers_verified: i64,
    pub requirements_posted: i64,
    pub offers_sent: i64,
}

/// Rozgar Setu's work in one block: requirements posted there, offers of them, and the
/// offers accepted (or joined) and joined.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BlockUsage {
    pub block_code: String,
    pub requirements: i64,
    pub offers: i64,
    pub accepted: i64,
    pub joined: i64,
}

impl Db {
    /// The staff (not employers) who registered or verified employers of `area`, or posted
    /// requirements or sent offers for work in it, with how many of each; busiest first.
    pub async fn usage_by_office(&self, area: &str) -> Result<Vec<OfficeUsage>, StorageError> {
        let sql = format!(
            "{DESCENDANTS}, counts AS (
                SELECT u.username, u.role,
                  (SELECT count(*) FROM employers e WHERE e.registered_by = u.id
                     AND e.district_code IN (SELECT code FROM sub)) AS employers_registered,
                  (SELECT count(*) FROM employers e WHERE e.verified_by = u.id
                     AND e.district_code IN (SELECT code FROM sub)) AS employers_verified,
                  (SELECT count(*) FROM requirements r WHERE r.posted_by = u.id
                     AND r.district_code IN (SELECT code FROM sub)) AS requirements_posted,
                  (SELECT count(*) FROM offers o JOIN requirements r ON r.id = o.requirement_id
                     WHERE o.sent_by = u.id AND r.district_code IN (SELECT code FROM sub)) AS offers_sent
                FROM users u WHERE u.role <> 'employer')
             SELECT * FROM counts
             WHERE employers_registered + employers_verified + requirements_posted + offers_sent > 0
             ORDER BY employers_registered + employers_verified + requirements_posted + offers_sent DESC, username"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(area)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Requirements and their offers by the block of the work, within `area`.
    pub async fn usage_by_block(&self, area: &str) -> Result<Vec<BlockUsage>, StorageError> {
        let sql = format!(
            "{DESCENDANTS} SELECT r.block_code, count(DISTINCT r.id) AS requirements, count(o.id) AS offers,
                CAST(coalesce(sum(CASE WHEN o.state IN ('accepted', 'joined') THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted,
                CAST(coalesce(sum(CASE WHEN o.state = 'joined' THEN 1 ELSE 0 END), 0) AS BIGINT) AS joined
             FROM requirements r LEFT JOIN offers o ON o.requirement_id = r.id
             WHERE r.district_code IN (SELECT code FROM sub)
             GROUP BY r.block_code ORDER BY r.block_code"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(area)
                .fetch_all(pool)
                .await?)
        })
    }
}

impl Tx {
    pub async fn add_requirement(
        &mut self,
        r: &NewRequirement<'_>,
        now: i64,
    ) -> Result<i64, StorageError> {
        in_tx!(self, |c| {
            Ok(sqlx::query_scalar(
                "INSERT INTO requirements(employer_id, trade_code, workers, daily_rupees, place_code, block_code,
                    district_code, state_code, starts_on, duration_days, food, stay, closes_on, posted_by, posted_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(r.employer_id)
            .bind(r.trade_code)
            .bind(r.workers)
            .bind(r.daily_rupees)
            .bind(r.place_code)
            .bind(r.block_code)
            .bind(r.district_code)
            .bind(r.state_code)
            .bind(r.starts_on)
            .bind(r.duration_days)
            .bind(r.food)
            .bind(r.stay)
            .bind(r.closes_on)
            .bind(r.posted_by)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
        })
    }

    pub async fn requirement(&mut self, id: i64) -> Result<Option<Requirement>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM requirements r WHERE r.id = $1");
        in_tx!(self, |c| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?)
        })
    }

    /// Records the shortlist as shown (rank and reasons); a worker already shown keeps the
    /// first record.
    pub async fn record_shortlisted(
        &mut self,
        requirement_id: i64,
        member_id: &str,
        rank: i64,
        reasons: &str,
        now: i64,
    ) -> Result<bool, StorageError> {
        in_tx!(self, |c| {
            let done = sqlx::query(
                "INSERT INTO shortlists(requirement_id, member_id, rank, reasons, at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT(requirement_id, member_id) DO NOTHING",
            )
            .bind(requirement_id)
            .bind(member_id)
            .bind(rank)
            .bind(reasons)
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok(done.rows_affected() > 0)
        })
    }
}
