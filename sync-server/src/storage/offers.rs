//! Offers of work to registered workers: sent, answered (by SMS reply, the worker's page, at
//! a camp, or by staff), joined; and the ones the district cell must chase.

use super::{DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool};
use serde::Serialize;

/// An offer as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Offer {
    pub id: String,
    pub reply_code: String,
    pub requirement_id: i64,
    pub member_id: String,
    /// sent | accepted | declined | joined | withdrawn
    pub state: String,
    pub sent_at: i64,
    pub answered_at: Option<i64>,
    /// sms | web | camp | staff
    pub answered_via: Option<String>,
    /// India day the worker joined.
    pub joined_on: Option<i64>,
}

/// An offer with what its lists show: the requirement's employer and trade, the worker's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OfferLine {
    #[sqlx(flatten)]
    pub offer: Offer,
    pub employer_id: i64,
    pub employer_name: String,
    pub trade_code: String,
    pub daily_rupees: i64,
    pub work_place: String,
    pub starts_on: i64,
    pub posted_at: i64,
    pub unit_code: String,
    pub block_code: String,
    pub district_code: String,
}

/// An open offer with the work place's names, for a camp phone.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenOffer {
    #[sqlx(flatten)]
    pub line: OfferLine,
    pub place_hi: Option<String>,
    pub place_en: Option<String>,
}

const LINE: &str = "SELECT o.id, o.reply_code, o.requirement_id, o.member_id, o.state, o.sent_at, o.answered_at,
        o.answered_via, o.joined_on, r.employer_id, e.name AS employer_name, r.trade_code, r.daily_rupees,
        r.place_code AS work_place, r.starts_on, r.posted_at, s.unit_code, s.block_code, s.district_code
    FROM offers o JOIN requirements r ON r.id = o.requirement_id JOIN employers e ON e.id = r.employer_id
    JOIN job_seekers s ON s.member_id = o.member_id";

const OFFER: &str = "id, reply_code, requirement_id, member_id, state, sent_at, answered_at, answered_via, joined_on";

impl Db {
    /// The offer with reply code `code`.
    pub async fn offer_by_reply_code(&self, code: &str) -> Result<Option<String>, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT id FROM offers WHERE reply_code = $1")
                    .bind(code)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    pub async fn offer(&self, id: &str) -> Result<Option<Offer>, StorageError> {
        let sql = format!("SELECT {OFFER} FROM offers WHERE id = $1");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The offers made for a requirement, in the order they were sent.
    pub async fn offers_for(&self, requirement_id: i64) -> Result<Vec<OfferLine>, StorageError> {
        let sql = format!("{LINE} WHERE o.requirement_id = $1 ORDER BY o.sent_at, o.id");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(requirement_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// A worker's offers, newest first.
    pub async fn offers_to(&self, member_id: &str) -> Result<Vec<OfferLine>, StorageError> {
        let sql = format!("{LINE} WHERE o.member_id = $1 ORDER BY o.sent_at DESC, o.id");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(member_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Offers to workers of `area` that wait too long: sent before `sent_before` and not
    /// answered, or accepted before `accepted_before` and not joined. Oldest first.
    pub async fn stale_offers(
        &self,
        area: &str,
        sent_before: i64,
        accepted_before: i64,
    ) -> Result<Vec<OfferLine>, StorageError> {
        let sql = format!(
            "{DESCENDANTS} {LINE} WHERE s.block_code IN (SELECT code FROM sub)
               AND ((o.state = 'sent' AND o.sent_at < $2) OR (o.state = 'accepted' AND o.answered_at < $3))
             ORDER BY o.sent_at, o.id"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(area)
                .bind(sent_before)
                .bind(accepted_before)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Open offers (sent, not answered) to workers of every village and ward within `area`,
    /// with the work place's names: what a camp phone of that area carries. Oldest first.
    pub async fn open_offers_within(&self, area: &str) -> Result<Vec<OpenOffer>, StorageError> {
        let sql = format!(
            "{DESCENDANTS} SELECT l.*, p.name_hi AS place_hi, p.name_en AS place_en
             FROM ({LINE} WHERE o.state = 'sent' AND s.unit_code IN (SELECT code FROM sub)) l
             LEFT JOIN places p ON p.code = l.work_place
             ORDER BY l.sent_at, l.id"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(area)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Open offers (sent, not answered) to workers of unit `unit`: what a camp phone carries.
    pub async fn open_offers_in_unit(&self, unit: &str) -> Result<Vec<OfferLine>, StorageError> {
        let sql =
            format!("{LINE} WHERE s.unit_code = $1 AND o.state = 'sent' ORDER BY o.sent_at, o.id");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(unit)
                .fetch_all(pool)
                .await?)
        })
    }
}

impl Tx {
    /// Records an offer sent; `false` when the worker already has one for this requirement.
    pub async fn add_offer(
        &mut self,
        id: &str,
        reply_code: &str,
        requirement_id: i64,
        member_id: &str,
        sent_by: i64,
        now: i64,
    ) -> Result<bool, StorageError> {
        in_tx!(self, |c| {
            let done = sqlx::query(
                "INSERT INTO offers(id, reply_code, requirement_id, member_id, state, sent_by, sent_at)
                 VALUES ($1, $2, $3, $4, 'sent', $5, $6) ON CONFLICT(requirement_id, member_id) DO NOTHING",
            )
            .bind(id)
            .bind(reply_code)
            .bind(requirement_id)
            .bind(member_id)
            .bind(sent_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// The offer `id`, locked until the transaction ends (PostgreSQL), so that two answers
    /// to it are taken one after the other.
    pub async fn lock_offer(&mut self, id: &str) -> Result<Option<Offer>, StorageError> {
        let columns = OFFER;
        match self {
            Tx::Postgres(tx) => {
                let sql = format!("SELECT {columns} FROM offers WHERE id = $1 FOR UPDATE");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?)
            }
            Tx::Sqlite(tx) => {
                let sql = format!("SELECT {columns} FROM offers WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?)
            }
        }
    }

    /// The offer with reply code `code`.
    pub async fn offer_by_reply_code(
        &mut self,
        code: &str,
    ) -> Result<Option<String>, StorageError> {
        in_tx!(self, |c| {
            Ok(
                sqlx::query_scalar("SELECT id FROM offers WHERE reply_code = $1")
                    .bind(code)
                    .fetch_optional(&mut *c)
                    .await?,
            )
        })
    }

    /// Moves offer `id` to `state`, answered (or joined) now through `via`.
    pub async fn set_offer_state(
        &mut self,
        id: &str,
        state: &str,
        via: &str,
        joined_on: Option<i64>,
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            if state == "joined" {
                sqlx::query(
                    "UPDATE offers SET state = $2, joined_on = $3, joined_via = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(state)
                .bind(joined_on)
                .bind(via)
                .execute(&mut *c)
                .await?;
            } else {
                sqlx::query("UPDATE offers SET state = $2, answered_at = $3, answered_via = $4 WHERE id = $1")
                    .bind(id)
                    .bind(state)
                    .bind(now)
                    .bind(via)
                    .execute(&mut *c)
                    .await?;
            }
            Ok(())
        })
    }

    /// Whether the reply code is taken by any offer.
    pub async fn reply_code_taken(&mut self, code: &str) -> Result<bool, StorageError> {
        Ok(self.offer_by_reply_code(code).await?.is_some())
    }
}
