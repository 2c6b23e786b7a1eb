//! Registrations as the server holds them: pushes stored exactly once, look-ups by id and by
//! member, the officers' queue of pending ones (a page at a time), the ingest rate, and the public
//! status look-up.

use super::status_changes::{ENTER_TICKET, OWN_XID};
use super::{DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool, placeholders};
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::samagra::Member;
use serde::{Deserialize, Serialize};

/// A pushed registration, verified and checked by `crate::intake`, ready to store.
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
    /// The phone's finalise time (epoch ms) when the server doubts its clock.
    pub device_time_doubted: Option<i64>,
    /// A returned migrant worker's details, as the phone recorded them.
    pub migrant: Option<panjiyan_core::registration::MigrantDetails>,
    /// The rule set and version that judged it (on the phone and here).
    pub rules_id: String,
    pub rules_version: u32,
}

/// A checked registration as push intake stores it: pending approval (the one that counts for
/// its member) or the duplicate of the one that does.
#[derive(Debug, Clone)]
pub struct NewRegistration<'a> {
    pub record: &'a IncomingRegistration,
    pub state: panjiyan_core::registration::RegistrationState,
    pub duplicate_of: Option<String>,
}

/// A registration as the server holds it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
    /// The time the phone claimed for it, when the server doubts the phone's clock.
    pub device_time_doubted: Option<i64>,
}

/// Which pending registrations an officer wants to see.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct QueueRow {
    pub id: String,
    pub member_id: String,
    #[sqlx(skip)]
    pub name_hi: String,
    #[sqlx(skip)]
    pub name_en: String,
    pub unit_code: String,
    pub unit_name_hi: String,
    pub unit_name_en: String,
    pub occupation_code: String,
    pub channel: String,
    pub camp_id: Option<String>,
    pub received_at: i64,
    pub migrant_state: Option<String>,
    pub migrant_district: Option<String>,
    pub migrant_trade: Option<String>,
    pub migrant_months: Option<i64>,
    pub migrant_returned_on: Option<String>,
}

/// A registration's place in the queue's order (received, then id): where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCursor {
    pub received_at: i64,
    pub id: String,
}

/// Which page of the queue to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueuePosition {
    /// The oldest registrations.
    First,
    /// The registrations after this one.
    After(QueueCursor),
    /// The registrations just before this one (the page before), listed oldest first.
    Before(QueueCursor),
}

/// One page of an officer's queue: its rows oldest first, how many match in all (and the
/// oldest of them), and how many lie before the page.
#[derive(Debug, Clone)]
pub struct PendingPage {
    pub total: i64,
    pub oldest_received_at: Option<i64>,
    pub rows: Vec<QueueRow>,
    /// Matching registrations before the page's first row.
    pub before: i64,
}

impl PendingPage {
    /// Whether matching registrations lie before this page.
    pub fn earlier(&self) -> bool {
        self.before > 0
    }

    /// Whether matching registrations lie after this page.
    pub fn later(&self) -> bool {
        self.before + (self.rows.len() as i64) < self.total
    }
}

impl QueueRow {
    pub fn cursor(&self) -> QueueCursor {
        QueueCursor {
            received_at: self.received_at,
            id: self.id.clone(),
        }
    }
}

/// What a worker may learn with only a Samagra member ID.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerStatus {
    pub state: String,
    pub registration_number: Option<String>,
    pub reason: Option<String>,
    pub decided_at: Option<i64>,
    #[sqlx(skip)]
    pub name_en: String,
    #[sqlx(skip)]
    pub name_hi: String,
}

/// A registration the server already holds, as a push finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldRegistration {
    pub id: String,
    pub content_hash: String,
    pub state: String,
    pub duplicate_of: Option<String>,
}

/// A row and the stored record (`members.body`) of its member, whose names it shows.
#[derive(sqlx::FromRow)]
struct WithMember<T> {
    #[sqlx(flatten)]
    row: T,
    body: Option<String>,
}

/// The Hindi and English names in a stored member record ("" when there is none).
fn names_of(body: Option<&str>) -> (String, String) {
    body.and_then(|b| serde_json::from_str::<Member>(b).ok())
        .map_or_else(Default::default, |m| (m.name_hi, m.name_en))
}

/// The queue's registrations: pending within area $1 (`DESCENDANTS`), matching the filter's
/// unit $2, occupation $3, received from $4 and before $5, camp $6 (`bind_filter!`).
const PENDING_MATCH: &str = "r.state = 'pending_approval' AND r.unit_code IN (SELECT code FROM sub)
    AND ($2 IS NULL OR r.unit_code = $2) AND ($3 IS NULL OR r.occupation_code = $3)
    AND ($4 IS NULL OR r.received_at >= $4) AND ($5 IS NULL OR r.received_at < $5)
    AND ($6 IS NULL OR r.camp_id = $6)";

/// Binds an area and a `QueueFilter` as $1 to $6 of `PENDING_MATCH`.
macro_rules! bind_filter {
    ($query:expr, $area:expr, $filter:expr) => {
        $query
            .bind($area)
            .bind(&$filter.unit)
            .bind(&$filter.occupation)
            .bind($filter.from)
            .bind($filter.to)
            .bind(&$filter.camp)
    };
}

/// Every column of `RegistrationRow`.
pub(super) const SELECT_REGISTRATION: &str =
    "SELECT id, member_id, unit_code, device_id, state, registration_number,
    reason, reason_note, duplicate_of, camp_id, occupation_code, channel, received_at, decided_at,
    device_time_doubted FROM registrations";

impl RegistrationRow {
    /// The state as core names it (`None` for a state this server does not know).
    pub fn registration_state(&self) -> Option<RegistrationState> {
        RegistrationState::parse(&self.state)
    }
}

/// Registration `id`, read through `e`: the pool, or a transaction about to change it.
async fn registration_by_id<'e, DB, E>(
    e: E,
    id: &str,
) -> Result<Option<RegistrationRow>, sqlx::Error>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'e, Database = DB>,
    RegistrationRow: for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT_REGISTRATION} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(e)
    .await
}

/// The signed payload of registration `id`, as the device sent it, read through `e`.
async fn payload_by_id<'e, DB, E>(e: E, id: &str) -> Result<Option<String>, sqlx::Error>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'e, Database = DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    sqlx::query_scalar("SELECT payload FROM registrations WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await
}

impl Db {
    pub async fn registration(&self, id: &str) -> Result<Option<RegistrationRow>, StorageError> {
        on_pool!(self, |pool| Ok(registration_by_id(pool, id).await?))
    }

    /// The signed payload of a registration, as the device sent it.
    pub async fn registration_payload(&self, id: &str) -> Result<Option<String>, StorageError> {
        on_pool!(self, |pool| Ok(payload_by_id(pool, id).await?))
    }

    /// The approved registrations made at camp `camp_id`, by registration number.
    pub async fn approved_at_camp(
        &self,
        camp_id: &str,
    ) -> Result<Vec<RegistrationRow>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT_REGISTRATION} WHERE camp_id = $1 AND state = 'approved' ORDER BY registration_number"
            )))
            .bind(camp_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The registrations of one Samagra member, oldest first.
    pub async fn registrations_of_member(
        &self,
        member_id: &str,
    ) -> Result<Vec<RegistrationRow>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT_REGISTRATION} WHERE member_id = $1 ORDER BY received_at, id"
            )))
            .bind(member_id)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn count_registrations(&self) -> Result<i64, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT count(*) FROM registrations")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Registrations received per minute since `since` (epoch ms): (minute start, count).
    pub async fn ingest_per_minute(&self, since: i64) -> Result<Vec<(i64, i64)>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT (received_at / 60000) * 60000 AS minute, count(*) AS n FROM registrations
                 WHERE received_at >= $1 GROUP BY (received_at / 60000) * 60000 ORDER BY minute",
            )
            .bind(since)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The camps that pending registrations within `area` came from.
    pub async fn pending_camps(&self, area: &str) -> Result<Vec<String>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS} SELECT DISTINCT r.camp_id FROM registrations r
                 WHERE r.state = 'pending_approval' AND r.camp_id IS NOT NULL AND r.unit_code IN (SELECT code FROM sub)
                 ORDER BY r.camp_id"
            )))
            .bind(area)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Pending registrations within `area` that match `filter`, oldest first (at most
    /// `limit`), and how many match in all.
    pub async fn pending_queue(
        &self,
        area: &str,
        filter: &QueueFilter,
        limit: i64,
    ) -> Result<(i64, Vec<QueueRow>), StorageError> {
        let page = (self.pending_queue_page(area, filter, &QueuePosition::First, limit)).await?;
        Ok((page.total, page.rows))
    }

    /// One page of at most `limit` pending registrations within `area` matching `filter`, at
    /// `position` in the order (received, id), with how many match in all and lie before it.
    pub async fn pending_queue_page(
        &self,
        area: &str,
        filter: &QueueFilter,
        position: &QueuePosition,
        limit: i64,
    ) -> Result<PendingPage, StorageError> {
        let rows = self.pending_rows(area, filter, position, limit).await?;
        // Counted after the rows, with the first row's place: how many come before it.
        let first = rows
            .first()
            .map_or((i64::MIN, ""), |r| (r.received_at, r.id.as_str()));
        let (total, oldest_received_at, before): (i64, Option<i64>, i64) = on_pool!(self, |pool| {
            bind_filter!(
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS} SELECT count(*), min(r.received_at),
                        CAST(coalesce(sum(CASE WHEN (r.received_at, r.id) < ($7, $8) THEN 1 ELSE 0 END), 0) AS BIGINT)
                     FROM registrations r WHERE {PENDING_MATCH}"
                ))),
                area,
                filter
            )
            .bind(first.0)
            .bind(first.1)
            .fetch_one(pool)
            .await?
        });
        // A page past either end shows nothing: everything lies before it, or after it.
        let before = match (rows.is_empty(), position) {
            (true, QueuePosition::After(_)) => total,
            _ => before,
        };
        Ok(PendingPage {
            total,
            oldest_received_at,
            rows,
            before,
        })
    }

    /// At most `limit` pending registrations within `area` matching `filter`, at `position` in
    /// the order (received, id), oldest first, read along the index `registrations_pending_queue`.
    pub async fn pending_rows(
        &self,
        area: &str,
        filter: &QueueFilter,
        position: &QueuePosition,
        limit: i64,
    ) -> Result<Vec<QueueRow>, StorageError> {
        let (from, backwards) = match position {
            QueuePosition::First => (
                QueueCursor {
                    received_at: i64::MIN,
                    id: String::new(),
                },
                false,
            ),
            QueuePosition::After(c) => (c.clone(), false),
            QueuePosition::Before(c) => (c.clone(), true),
        };
        let (compare, order) = if backwards {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let rows: Vec<WithMember<QueueRow>> = on_pool!(self, |pool| {
            bind_filter!(
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS} SELECT r.id, r.member_id, r.unit_code, r.occupation_code, r.channel, r.camp_id, r.received_at,
                        r.migrant_state, r.migrant_district, r.migrant_trade, r.migrant_months, r.migrant_returned_on,
                        m.body, p.name_hi AS unit_name_hi, p.name_en AS unit_name_en
                     FROM registrations r LEFT JOIN members m ON m.member_id = r.member_id JOIN places p ON p.code = r.unit_code
                     WHERE {PENDING_MATCH} AND (r.received_at, r.id) {compare} ($7, $8)
                     ORDER BY r.received_at {order}, r.id {order} LIMIT $9"
                ))),
                area,
                filter
            )
            .bind(from.received_at)
            .bind(&from.id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let mut rows: Vec<QueueRow> = rows
            .into_iter()
            .map(|r| {
                let (name_hi, name_en) = names_of(r.body.as_deref());
                QueueRow {
                    name_hi,
                    name_en,
                    ..r.row
                }
            })
            .collect();
        if backwards {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The mobile number of member `member_id`'s approved registration, if it has one.
    pub async fn approved_mobile(&self, member_id: &str) -> Result<Option<String>, StorageError> {
        on_pool!(self, |pool| {
            let payload: Option<String> = sqlx::query_scalar(
                "SELECT payload FROM registrations WHERE member_id = $1 AND state = 'approved'",
            )
            .bind(member_id)
            .fetch_optional(pool)
            .await?;
            // A stored payload that does not read is ours to fix, never "no such number".
            let Some(payload) = payload else {
                return Ok(None);
            };
            let payload: panjiyan_core::wire::RegistrationPayload = serde_json::from_str(&payload)
                .map_err(|_| StorageError::Corrupt("registration payload"))?;
            Ok(payload.mobile.map(|m| m.to_string()))
        })
    }

    /// The registration that counts for a member (else the newest rejected one).
    pub async fn worker_status(
        &self,
        member_id: &str,
    ) -> Result<Option<WorkerStatus>, StorageError> {
        on_pool!(self, |pool| {
            let row: Option<WithMember<WorkerStatus>> = sqlx::query_as(
                "SELECT r.state, r.registration_number, r.reason, r.decided_at, m.body FROM registrations r
                 LEFT JOIN members m ON m.member_id = r.member_id
                 WHERE r.member_id = $1 AND r.state IN ('pending_approval', 'approved', 'rejected')
                 ORDER BY CASE WHEN r.state = 'rejected' THEN 1 ELSE 0 END, r.received_at DESC LIMIT 1",
            )
            .bind(member_id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|r| {
                let (name_hi, name_en) = names_of(r.body.as_deref());
                WorkerStatus {
                    name_hi,
                    name_en,
                    ..r.row
                }
            }))
        })
    }

    /// Records a public status look-up by `client` and says how many it made since `since`.
    pub async fn status_lookups(
        &self,
        client: &str,
        now: i64,
        since: i64,
    ) -> Result<i64, StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO status_lookups(client, at) VALUES ($1, $2)")
                .bind(client)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(sqlx::query_scalar(
                "SELECT count(*) FROM status_lookups WHERE client = $1 AND at > $2",
            )
            .bind(client)
            .bind(since)
            .fetch_one(pool)
            .await?)
        })
    }
}

impl Tx {
    /// Registration `id`, read inside the transaction that is about to change it.
    pub async fn registration(
        &mut self,
        id: &str,
    ) -> Result<Option<RegistrationRow>, StorageError> {
        in_tx!(self, |c| Ok(registration_by_id(&mut *c, id).await?))
    }

    /// The signed payload of registration `id`, inside the transaction.
    pub async fn registration_payload(&mut self, id: &str) -> Result<Option<String>, StorageError> {
        in_tx!(self, |c| Ok(payload_by_id(&mut *c, id).await?))
    }

    /// Those of `ids` that the server already holds: one query for the whole batch.
    pub async fn held_registrations(
        &mut self,
        ids: &[String],
    ) -> Result<Vec<HeldRegistration>, StorageError> {
        self.rows_in(
            "SELECT id, content_hash, state, duplicate_of FROM registrations WHERE id IN ({})",
            ids,
        )
        .await
    }

    /// For those of `member_ids` with a registration that counts (pending or approved):
    /// (member ID, registration id), in one query.
    pub async fn counting_registrations(
        &mut self,
        member_ids: &[String],
    ) -> Result<Vec<(String, String)>, StorageError> {
        self.rows_in(
            "SELECT member_id, id FROM registrations
                 WHERE state IN ('pending_approval', 'approved') AND member_id IN ({})",
            member_ids,
        )
        .await
    }

    /// The rows of `sql`, its `IN ({})` matched against `values` (PostgreSQL: `= ANY` of one
    /// array; SQLite: a placeholder each, `$1` on): one query for a whole batch, none for an
    /// empty one.
    async fn rows_in<O>(&mut self, sql: &str, values: &[String]) -> Result<Vec<O>, StorageError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + Send
            + Unpin,
    {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            // One array: the statement's text is the same for every batch size.
            Tx::Postgres(tx) => {
                Ok(
                    sqlx::query_as(sqlx::AssertSqlSafe(sql.replacen("IN ({})", "= ANY($1)", 1)))
                        .bind(values)
                        .fetch_all(&mut **tx)
                        .await?,
                )
            }
            Tx::Sqlite(tx) => {
                let sql = sql.replacen("{}", &placeholders(1, values.len()), 1);
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for v in values {
                    q = q.bind(v);
                }
                Ok(q.fetch_all(&mut **tx).await?)
            }
        }
    }

    /// Logs that `device_id` sent registration `id` again with other content (not stored).
    pub async fn record_conflict(
        &mut self,
        id: &str,
        device_id: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query("INSERT INTO conflicts(registration_id, device_id, received_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(device_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }

    /// Stores `rows` from `device_id` in one statement (SQLite: a few for a very large batch):
    /// the ids stored. Rows pending approval are stored only where no registration counts for
    /// the member yet: another transaction may register the same member at this moment, and
    /// the partial unique index decides (those rows are left out of the answer). Duplicates
    /// are stored as they are.
    ///
    /// Each row is a status change of this transaction (`status_changes`): on PostgreSQL its
    /// number comes from a sequence and the statement enters the transaction for its ticket,
    /// which it takes as it commits, so no other push waits on it for longer than a commit;
    /// on SQLite the number comes from the counter row, in the statement before (one writer
    /// at a time anyway). A row the unique index
    /// leaves out leaves a gap in the numbers, which cursors do not mind.
    pub async fn insert_registrations(
        &mut self,
        rows: &[NewRegistration<'_>],
        device_id: &str,
        now: i64,
    ) -> Result<Vec<String>, StorageError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Tx::Postgres(tx) => insert_unnest(tx, rows, device_id, now).await,
            Tx::Sqlite(tx) => insert_values(tx, rows, device_id, now).await,
        }
    }
}

/// The columns intake writes, in the order both inserts give them.
const NEW_COLUMNS: &str = "id, content_hash, payload, device_id, device_seq, member_id, family_id,
    unit_code, channel, occupation_code, state, duplicate_of, received_at, change_seq, camp_id, received_day,
    device_time_doubted, migrant_state, migrant_district, migrant_trade, migrant_months, migrant_returned_on,
    rules_id, rules_version";

/// Only the rows that count are held back by the partial unique index.
const ONE_PER_MEMBER: &str = "ON CONFLICT (member_id) WHERE state IN ('pending_approval', 'approved') DO NOTHING RETURNING id";

/// PostgreSQL: the whole batch as one array per column, in one statement whose text never
/// changes with the batch's size (parsed and planned once per connection, not per push).
async fn insert_unnest(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    rows: &[NewRegistration<'_>],
    device_id: &str,
    now: i64,
) -> Result<Vec<String>, StorageError> {
    let sql = format!(
        "WITH entered AS ({ENTER_TICKET})
         INSERT INTO registrations({NEW_COLUMNS}, change_xid)
         SELECT id, content_hash, payload, $21, device_seq, member_id, family_id, unit_code,
                channel, occupation_code, state, duplicate_of, $22, nextval('status_change_seq'),
                camp_id, $23, device_time_doubted, migrant_state, migrant_district, migrant_trade,
                migrant_months, migrant_returned_on, rules_id, rules_version, {OWN_XID}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                     $13::bigint[], $14::text[], $15::text[], $16::text[], $17::bigint[],
                     $18::text[], $19::text[], $20::bigint[])
              AS r(id, content_hash, payload, device_seq, member_id, family_id, unit_code, channel,
                   occupation_code, state, duplicate_of, camp_id, device_time_doubted,
                   migrant_state, migrant_district, migrant_trade, migrant_months,
                   migrant_returned_on, rules_id, rules_version)
         {ONE_PER_MEMBER}"
    );
    let records = || rows.iter().map(|r| r.record);
    let migrants = || records().map(|r| r.migrant.as_ref());
    let texts =
        |f: &dyn Fn(&IncomingRegistration) -> &str| -> Vec<&str> { records().map(f).collect() };
    Ok(sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
        .bind(records().map(|r| r.id.to_string()).collect::<Vec<_>>())
        .bind(texts(&|r| &r.content_hash))
        .bind(texts(&|r| &r.payload))
        .bind(records().map(|r| r.device_seq).collect::<Vec<_>>())
        .bind(texts(&|r| &r.member_id))
        .bind(texts(&|r| &r.family_id))
        .bind(texts(&|r| &r.unit_code))
        .bind(texts(&|r| &r.channel))
        .bind(texts(&|r| &r.occupation_code))
        .bind(rows.iter().map(|r| r.state.as_str()).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.duplicate_of.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(records().map(|r| r.camp_id.as_deref()).collect::<Vec<_>>())
        .bind(records().map(|r| r.device_time_doubted).collect::<Vec<_>>())
        .bind(
            migrants()
                .map(|m| m.map(|m| m.state_worked_in.as_str()))
                .collect::<Vec<_>>(),
        )
        .bind(
            migrants()
                .map(|m| m.and_then(|m| m.district_or_city.as_deref()))
                .collect::<Vec<_>>(),
        )
        .bind(
            migrants()
                .map(|m| m.and_then(|m| m.trade_code.as_deref()))
                .collect::<Vec<_>>(),
        )
        .bind(
            migrants()
                .map(|m| m.and_then(|m| m.months_away).map(i64::from))
                .collect::<Vec<_>>(),
        )
        .bind(
            migrants()
                .map(|m| m.and_then(|m| m.returned_on.as_deref()))
                .collect::<Vec<_>>(),
        )
        .bind(texts(&|r| &r.rules_id))
        .bind(
            records()
                .map(|r| i64::from(r.rules_version))
                .collect::<Vec<_>>(),
        )
        .bind(device_id)
        .bind(now)
        .bind(panjiyan_core::india_time::india_day(now))
        .fetch_all(&mut **tx)
        .await?)
}

/// SQLite: multi-row VALUES, a statement per thousand rows (well within its 32,766
/// parameters).
async fn insert_values(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    rows: &[NewRegistration<'_>],
    device_id: &str,
    now: i64,
) -> Result<Vec<String>, StorageError> {
    const COLUMNS: usize = 24;
    const ROWS_PER_STATEMENT: usize = 1_000;
    let day = panjiyan_core::india_time::india_day(now);
    let last: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + $1 WHERE name = 'status_change' RETURNING value",
    )
    .bind(rows.len() as i64)
    .fetch_one(&mut **tx)
    .await?;
    let mut seq = last - rows.len() as i64;
    let mut stored = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(i * COLUMNS + 1, COLUMNS)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("INSERT INTO registrations({NEW_COLUMNS}) VALUES {values} {ONE_PER_MEMBER}");
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            let (rec, migrant) = (row.record, row.record.migrant.as_ref());
            q = q
                .bind(rec.id.to_string())
                .bind(&rec.content_hash)
                .bind(&rec.payload)
                .bind(device_id)
                .bind(rec.device_seq)
                .bind(&rec.member_id)
                .bind(&rec.family_id)
                .bind(&rec.unit_code)
                .bind(&rec.channel)
                .bind(&rec.occupation_code)
                .bind(row.state.as_str())
                .bind(row.duplicate_of.as_deref())
                .bind(now)
                .bind({
                    seq += 1;
                    seq
                })
                .bind(&rec.camp_id)
                .bind(day)
                .bind(rec.device_time_doubted)
                .bind(migrant.map(|m| m.state_worked_in.as_str()))
                .bind(migrant.and_then(|m| m.district_or_city.as_deref()))
                .bind(migrant.and_then(|m| m.trade_code.as_deref()))
                .bind(migrant.and_then(|m| m.months_away).map(i64::from))
                .bind(migrant.and_then(|m| m.returned_on.as_deref()))
                .bind(&rec.rules_id)
                .bind(i64::from(rec.rules_version));
        }
        stored.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(stored)
}
