//! Rozgar Setu's skill register: returned migrants who may be matched to employers, their
//! consent to be contacted, the shortlist query, and the funnel counted as people move.

use super::{Db, StorageError, Tx, in_tx, on_pool, placeholders};
use serde::Serialize;

/// A returned migrant in the skill register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct JobSeeker {
    pub member_id: String,
    pub registration_id: String,
    pub unit_code: String,
    pub block_code: String,
    pub district_code: String,
    pub state_code: String,
    pub trade_code: String,
    pub experience_years: i64,
    pub worked_in: Option<String>,
    pub certificate: Option<String>,
    /// block | district | state
    pub willing: String,
    pub consent_at: Option<i64>,
    pub consent_channel: Option<String>,
    pub withdrawn_at: Option<i64>,
    /// available | holding | placed
    pub standing: String,
    pub offers_made: i64,
}

/// A worker entering the register, from an approved registration.
#[derive(Debug, Clone)]
pub struct NewJobSeeker<'a> {
    pub member_id: &'a str,
    pub registration_id: &'a str,
    pub unit_code: &'a str,
    pub block_code: &'a str,
    pub district_code: &'a str,
    pub state_code: &'a str,
    pub trade_code: &'a str,
    pub experience_years: i64,
    pub worked_in: Option<&'a str>,
    pub certificate: Option<&'a str>,
    pub willing: &'a str,
    /// The channel consent was given by, when it was.
    pub consent: Option<&'a str>,
}

/// What a shortlist is for: the requirement's trade and place.
#[derive(Debug, Clone)]
pub struct Wanted<'a> {
    pub requirement_id: i64,
    pub trade_code: &'a str,
    /// Trades close enough to be offered the work, after the trade itself.
    pub related_trades: &'a [String],
    pub block_code: &'a str,
    pub district_code: &'a str,
    /// Districts bordering the requirement's.
    pub neighbours: &'a [String],
    pub state_code: &'a str,
    pub limit: i64,
}

/// A consenting, available worker for a requirement, with what ranks them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Candidate {
    pub member_id: String,
    pub unit_code: String,
    pub block_code: String,
    pub district_code: String,
    pub trade_code: String,
    pub experience_years: i64,
    pub worked_in: Option<String>,
    pub certificate: Option<String>,
    pub offers_made: i64,
    /// 0 the same trade, 1 a related one.
    pub trade_rank: i64,
    /// 0 the same block, 1 the same district, 2 a neighbouring district, 3 elsewhere in the state.
    pub near_rank: i64,
}

/// The stages of the funnel, in order.
pub const FUNNEL_STAGES: [&str; 6] = [
    "registered",
    "consent",
    "shortlisted",
    "offered",
    "accepted",
    "joined",
];

/// Days from a requirement's posting to a joining, summed over joinings.
pub const JOIN_DAYS: &str = "join_days";

/// What a funnel is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelBy {
    District,
    Block,
    Trade,
}

impl FunnelBy {
    fn column(self) -> &'static str {
        match self {
            FunnelBy::District => "district_code",
            FunnelBy::Block => "block_code",
            FunnelBy::Trade => "trade_code",
        }
    }
}

/// One count of the funnel: people at `stage` (or `JOIN_DAYS`) for one district, block or trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FunnelCount {
    pub key: String,
    pub stage: String,
    pub n: i64,
}

const SEEKER_COLUMNS: &str = "member_id, registration_id, unit_code, block_code, district_code, state_code, trade_code,
    experience_years, worked_in, certificate, willing, consent_at, consent_channel, withdrawn_at, standing, offers_made";

impl Db {
    pub async fn job_seeker(&self, member_id: &str) -> Result<Option<JobSeeker>, StorageError> {
        let sql = format!("SELECT {SEEKER_COLUMNS} FROM job_seekers WHERE member_id = $1");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(member_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The ranked shortlist for `w`: consenting, available workers of the trade or a related
    /// one who will work where the requirement is, not yet offered this requirement; the same
    /// trade first, then those offered nothing yet, then the nearest, then the most
    /// experienced. Read through the register's partial indexes, never by loading workers.
    pub async fn shortlist(&self, w: &Wanted<'_>) -> Result<Vec<Candidate>, StorageError> {
        let trades = placeholders(7, 1 + w.related_trades.len());
        let first_neighbour = 8 + w.related_trades.len();
        let neighbours = if w.neighbours.is_empty() {
            "NULL".to_owned()
        } else {
            placeholders(first_neighbour, w.neighbours.len())
        };
        let sql = format!(
            "SELECT s.member_id, s.unit_code, s.block_code, s.district_code, s.trade_code,
                s.experience_years, s.worked_in, s.certificate, s.offers_made,
                CAST(CASE WHEN s.trade_code = $1 THEN 0 ELSE 1 END AS BIGINT) AS trade_rank,
                CAST(CASE WHEN s.block_code = $2 THEN 0 WHEN s.district_code = $3 THEN 1
                     WHEN s.district_code IN ({neighbours}) THEN 2 ELSE 3 END AS BIGINT) AS near_rank
             FROM job_seekers s
             WHERE s.trade_code IN ({trades}) AND s.state_code = $4
               AND s.consent_at IS NOT NULL AND s.standing = 'available'
               AND (s.willing = 'state'
                    OR (s.district_code = $3 AND (s.willing = 'district' OR s.block_code = $2)))
               AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.requirement_id = $5 AND o.member_id = s.member_id)
             ORDER BY trade_rank, CASE WHEN s.offers_made > 0 THEN 1 ELSE 0 END, near_rank,
                s.experience_years DESC, s.member_id
             LIMIT $6"
        );
        on_pool!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(w.trade_code)
                .bind(w.block_code)
                .bind(w.district_code)
                .bind(w.state_code)
                .bind(w.requirement_id)
                .bind(w.limit)
                .bind(w.trade_code);
            for t in w.related_trades {
                q = q.bind(t);
            }
            for n in w.neighbours {
                q = q.bind(n);
            }
            Ok(q.fetch_all(pool).await?)
        })
    }

    /// The funnel within `area` (a state, district or block), summed by `by`.
    pub async fn funnel(&self, area: &str, by: FunnelBy) -> Result<Vec<FunnelCount>, StorageError> {
        let key = by.column();
        let sql = format!(
            "SELECT f.{key} AS key, f.stage, CAST(SUM(f.n) AS BIGINT) AS n
             FROM job_funnel f JOIN place_ancestors a ON a.code = f.block_code
             WHERE a.ancestor = $1
             GROUP BY f.{key}, f.stage ORDER BY f.{key}, f.stage"
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
    pub async fn job_seeker(&mut self, member_id: &str) -> Result<Option<JobSeeker>, StorageError> {
        let sql = format!("SELECT {SEEKER_COLUMNS} FROM job_seekers WHERE member_id = $1");
        in_tx!(self, |c| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(member_id)
                .fetch_optional(&mut *c)
                .await?)
        })
    }

    /// Puts `s` into the register (an approved registration with migrant details) and counts
    /// it in the funnel; a member already there keeps their standing and offers, with the
    /// newer details. Returns whether the member is new to the register.
    pub async fn add_job_seeker(
        &mut self,
        s: &NewJobSeeker<'_>,
        now: i64,
    ) -> Result<bool, StorageError> {
        let before = self.job_seeker(s.member_id).await?;
        in_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO job_seekers(member_id, registration_id, unit_code, block_code, district_code, state_code,
                    trade_code, experience_years, worked_in, certificate, willing, consent_at, consent_channel, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT(member_id) DO UPDATE SET registration_id = excluded.registration_id,
                    unit_code = excluded.unit_code, block_code = excluded.block_code,
                    district_code = excluded.district_code, state_code = excluded.state_code,
                    trade_code = excluded.trade_code, experience_years = excluded.experience_years,
                    worked_in = excluded.worked_in, certificate = excluded.certificate,
                    willing = excluded.willing, updated_at = excluded.updated_at",
            )
            .bind(s.member_id)
            .bind(s.registration_id)
            .bind(s.unit_code)
            .bind(s.block_code)
            .bind(s.district_code)
            .bind(s.state_code)
            .bind(s.trade_code)
            .bind(s.experience_years)
            .bind(s.worked_in)
            .bind(s.certificate)
            .bind(s.willing)
            .bind(s.consent.map(|_| now))
            .bind(s.consent)
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok::<_, StorageError>(())
        })?;
        if before.is_none() {
            let place = FunnelPlace::of_new(s);
            self.count_funnel(&place, "registered", 1).await?;
            if s.consent.is_some() {
                self.count_funnel(&place, "consent", 1).await?;
            }
        }
        Ok(before.is_none())
    }

    /// Gives (`Some(channel)`) or withdraws (`None`) a worker's consent to be contacted about
    /// jobs. Returns whether anything changed (giving it twice changes nothing).
    pub async fn set_job_consent(
        &mut self,
        member_id: &str,
        channel: Option<&str>,
        now: i64,
    ) -> Result<bool, StorageError> {
        let Some(seeker) = self.job_seeker(member_id).await? else {
            return Err(StorageError::NotFound("job seeker"));
        };
        let changed = in_tx!(self, |c| {
            let done = match channel {
                Some(channel) => sqlx::query(
                    "UPDATE job_seekers SET consent_at = $2, consent_channel = $3, withdrawn_at = NULL, updated_at = $2
                     WHERE member_id = $1 AND consent_at IS NULL",
                )
                .bind(member_id)
                .bind(now)
                .bind(channel)
                .execute(&mut *c)
                .await?,
                None => sqlx::query(
                    "UPDATE job_seekers SET consent_at = NULL, withdrawn_at = $2, updated_at = $2
                     WHERE member_id = $1 AND consent_at IS NOT NULL",
                )
                .bind(member_id)
                .bind(now)
                .execute(&mut *c)
                .await?,
            };
            done.rows_affected() > 0
        });
        if changed {
            let delta = if channel.is_some() { 1 } else { -1 };
            self.count_funnel(&FunnelPlace::of(&seeker), "consent", delta)
                .await?;
        }
        Ok(changed)
    }

    /// Marks the first time a worker reached `stage` (shortlisted, offered, accepted, joined)
    /// and counts it in the funnel; a later time changes nothing. Returns whether it was the first.
    pub async fn reach_stage(
        &mut self,
        seeker: &JobSeeker,
        stage: &'static str,
        now: i64,
    ) -> Result<bool, StorageError> {
        let column = match stage {
            "shortlisted" => "shortlisted_at",
            "offered" => "offered_at",
            "accepted" => "accepted_at",
            "joined" => "joined_at",
            _ => return Err(StorageError::Corrupt("funnel stage")),
        };
        let sql = format!(
            "UPDATE job_seekers SET {column} = $2 WHERE member_id = $1 AND {column} IS NULL"
        );
        let first = in_tx!(self, |c| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&seeker.member_id)
                .bind(now)
                .execute(&mut *c)
                .await?
                .rows_affected()
                > 0
        });
        if first {
            self.count_funnel(&FunnelPlace::of(seeker), stage, 1)
                .await?;
        }
        Ok(first)
    }

    /// Sets a worker's standing (available, holding, placed) and, for an offer sent, counts it.
    pub async fn set_standing(
        &mut self,
        member_id: &str,
        standing: &str,
        offer_sent: bool,
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query(
                "UPDATE job_seekers SET standing = $2, offers_made = offers_made + $3, updated_at = $4
                 WHERE member_id = $1",
            )
            .bind(member_id)
            .bind(standing)
            .bind(i64::from(offer_sent))
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }

    /// Adds `delta` to `stage` of the funnel for the worker's place and trade.
    pub async fn count_funnel(
        &mut self,
        place: &FunnelPlace,
        stage: &str,
        delta: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO job_funnel(district_code, block_code, trade_code, stage, n) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT(district_code, block_code, trade_code, stage) DO UPDATE SET n = job_funnel.n + excluded.n",
            )
            .bind(&place.district_code)
            .bind(&place.block_code)
            .bind(&place.trade_code)
            .bind(stage)
            .bind(delta)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }
}

/// Where in the funnel a worker is counted: their district, block and trade.
#[derive(Debug, Clone)]
pub struct FunnelPlace {
    pub district_code: String,
    pub block_code: String,
    pub trade_code: String,
}

impl FunnelPlace {
    pub fn of(s: &JobSeeker) -> Self {
        Self {
            district_code: s.district_code.clone(),
            block_code: s.block_code.clone(),
            trade_code: s.trade_code.clone(),
        }
    }

    fn of_new(s: &NewJobSeeker<'_>) -> Self {
        Self {
            district_code: s.district_code.to_owned(),
            block_code: s.block_code.to_owned(),
            trade_code: s.trade_code.to_owned(),
        }
    }
}
