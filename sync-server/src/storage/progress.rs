//! Progress: registrations counted per place (every level), India day, channel and state;
//! the rollup that folds status changes into it from a cursor, its full rebuild, the targets
//! it is read against, and the officers' backlog it answers.

use super::status_changes::after_position;
use super::{BeginWrite, Db, StorageError, Tx, in_tx, on_pool, placeholders};
use serde::Serialize;
use std::collections::HashMap;

/// Registrations counted at one place (any level), one day (or a period), channel and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProgressRow {
    pub place_code: String,
    /// Days since 1970-01-01 in India Standard Time; 0 when summed over a period.
    pub day: i64,
    pub channel: String,
    pub state: String,
    pub n: i64,
}

/// Pending approvals in one officer's area.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OfficerBacklog {
    pub username: String,
    pub jurisdiction: String,
    pub pending: i64,
    /// The earliest day (IST days since epoch) with a registration still pending.
    pub oldest_day: Option<i64>,
}

/// The status changes after the cursor (`$1`, `$2`: ticket, number), at most `$3`: the last
/// of them and how many there are (no row when there are none).
fn next_changes() -> String {
    format!(
        "WITH next AS (
             SELECT t.ticket, r.change_seq FROM change_tickets t JOIN registrations r ON r.change_xid = t.xid
             WHERE {after} ORDER BY t.ticket, r.change_seq LIMIT $3)
         SELECT ticket, change_seq, (SELECT count(*) FROM next) FROM next
         ORDER BY ticket DESC, change_seq DESC LIMIT 1",
        after = after_position("$1", "$2")
    )
}

/// The changes of `r` after (`$1`, `$2`) up to (`$3`, `$4`), by ticket and number.
fn changed_between() -> String {
    format!(
        "EXISTS (SELECT 1 FROM change_tickets t WHERE t.xid = r.change_xid AND {after}
             AND t.ticket <= $3
             AND r.change_seq <= CASE WHEN t.ticket = $3 THEN $4 ELSE 9223372036854775807 END)",
        after = after_position("$1", "$2")
    )
}

/// Adds the registrations matching `condition` (an SQL condition on `r`) to `progress`
/// under `state_column`, with `sign` "-" to take them away: the one statement the
/// incremental rollup and the full rebuild share.
fn fold_into_progress(state_column: &str, sign: &str, condition: &str) -> [String; 2] {
    [
        format!(
            "INSERT INTO progress(place_code, day, channel, state, n)
             SELECT a.ancestor, r.received_day, r.channel, {state_column}, {sign}count(*)
             FROM registrations r JOIN place_ancestors a ON a.code = r.unit_code
             WHERE {condition}
             GROUP BY a.ancestor, r.received_day, r.channel, {state_column}
             ON CONFLICT(place_code, day, channel, state) DO UPDATE SET n = progress.n + excluded.n"
        ),
        format!(
            "INSERT INTO progress_totals(place_code, channel, state, n)
             SELECT a.ancestor, r.channel, {state_column}, {sign}count(*)
             FROM registrations r JOIN place_ancestors a ON a.code = r.unit_code
             WHERE {condition}
             GROUP BY a.ancestor, r.channel, {state_column}
             ON CONFLICT(place_code, channel, state) DO UPDATE SET n = progress_totals.n + excluded.n"
        ),
    ]
}

impl Db {
    /// Folds status changes after the rollup's cursor into `progress`, at most `limit` of them
    /// per call; returns how many it folded (0: up to date).
    pub async fn catch_up_progress(&self, limit: i64) -> Result<i64, StorageError> {
        on_pool!(self, |pool| {
            // Every page view asks; most of the time there is nothing new, and finding that
            // out must not take the write lock that pushes and decisions need.
            let (ticket, seq): (i64, i64) =
                sqlx::query_as("SELECT ticket, value FROM counters WHERE name = 'progress_cursor'")
                    .fetch_one(pool)
                    .await?;
            let Some((upto_ticket, upto_seq, n)) =
                sqlx::query_as::<_, (i64, i64, i64)>(sqlx::AssertSqlSafe(next_changes()))
                    .bind(ticket)
                    .bind(seq)
                    .bind(limit)
                    .fetch_optional(pool)
                    .await?
            else {
                return Ok(0);
            };
            // One snapshot for the whole fold: a decision committing between its statements
            // would otherwise be subtracted under one state and added under another, or
            // counted twice (PostgreSQL's default gives each statement its own snapshot).
            let mut tx = pool.begin_snapshot().await?;
            // Taking the cursor row's lock makes the rollup one writer at a time; another one
            // that moved the cursor meanwhile has done this fold (or part of it).
            let now: (i64, i64) = sqlx::query_as(
                "UPDATE counters SET value = value WHERE name = 'progress_cursor' RETURNING ticket, value",
            )
            .fetch_one(&mut *tx)
            .await?;
            if now != (ticket, seq) {
                return Ok(0);
            }
            // Take away what the changed rows were counted under, add them under their state
            // now, and mark them counted: every statement over the same changes.
            let between = changed_between();
            let mut statements = Vec::new();
            for (state_column, sign, condition) in [
                (
                    "r.counted_state",
                    "-",
                    "r.counted_state IS NOT NULL AND r.counted_state <> r.state",
                ),
                (
                    "r.state",
                    "",
                    "(r.counted_state IS NULL OR r.counted_state <> r.state)",
                ),
            ] {
                statements.extend(fold_into_progress(
                    state_column,
                    sign,
                    &format!("{between} AND {condition}"),
                ));
            }
            statements.push(format!(
                "UPDATE registrations AS r SET counted_state = state
                 WHERE {between} AND (counted_state IS NULL OR counted_state <> state)"
            ));
            for statement in statements {
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .bind(ticket)
                    .bind(seq)
                    .bind(upto_ticket)
                    .bind(upto_seq)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "UPDATE counters SET ticket = $1, value = $2 WHERE name = 'progress_cursor'",
            )
            .bind(upto_ticket)
            .bind(upto_seq)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(n)
        })
    }

    /// Recounts `progress` from every registration in one pass and moves the cursor to the
    /// last change (after a hierarchy move, or to load a large backlog at once).
    pub async fn rebuild_progress(&self) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        tx.rebuild_progress().await?;
        tx.commit().await?;
        self.analyze_progress().await
    }

    /// Gives the planner fresh statistics of the rollup's tables after they were counted
    /// again from nothing. Until then it plans by the statistics of the emptied tables, and
    /// a page's few children were joined by scanning every total (a block's progress: 24 ms
    /// against 0.7 ms once analysed, at 200,000 registrations).
    pub async fn analyze_progress(&self) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query("ANALYZE progress").execute(pool).await?;
            sqlx::query("ANALYZE progress_totals").execute(pool).await?;
            sqlx::query("ANALYZE target_sums").execute(pool).await?;
            Ok(())
        })
    }

    /// Counts at `place` per day, channel and state.
    pub async fn progress_by_day(&self, place: &str) -> Result<Vec<ProgressRow>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT place_code, day, channel, state, n FROM progress WHERE place_code = $1 AND n <> 0 ORDER BY day, channel, state",
            )
            .bind(place)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Counts of each child of `place`, per channel and state, over received days in
    /// `[from_day, to_day]` (either open).
    pub async fn progress_of_children(
        &self,
        place: &str,
        from_day: Option<i64>,
        to_day: Option<i64>,
    ) -> Result<Vec<ProgressRow>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<ProgressRow> = if from_day.is_none() && to_day.is_none() {
                // All days: the totals, a dozen rows per child.
                sqlx::query_as(
                    "SELECT g.place_code, CAST(0 AS BIGINT) AS day, g.channel, g.state, g.n
                     FROM progress_totals g JOIN places p ON p.code = g.place_code
                     WHERE p.parent = $1 AND g.n <> 0",
                )
                .bind(place)
                .fetch_all(pool)
                .await?
            } else {
                sqlx::query_as(
                    "SELECT g.place_code, CAST(0 AS BIGINT) AS day, g.channel, g.state, CAST(sum(g.n) AS BIGINT) AS n
                     FROM progress g JOIN places p ON p.code = g.place_code
                     WHERE p.parent = $1 AND ($2 IS NULL OR g.day >= $2) AND ($3 IS NULL OR g.day <= $3)
                     GROUP BY g.place_code, g.channel, g.state",
                )
                .bind(place)
                .bind(from_day)
                .bind(to_day)
                .fetch_all(pool)
                .await?
            };
            Ok(rows)
        })
    }

    /// Counts of every place of `levels` within `area`, over a period (for payouts).
    pub async fn progress_at_levels(
        &self,
        area: &str,
        levels: &[&str],
        from_day: Option<i64>,
        to_day: Option<i64>,
    ) -> Result<Vec<ProgressRow>, StorageError> {
        on_pool!(self, |pool| {
            let sql = format!(
                "SELECT g.place_code, CAST(0 AS BIGINT) AS day, g.channel, g.state, CAST(sum(g.n) AS BIGINT) AS n
                 FROM progress g JOIN places p ON p.code = g.place_code
                 JOIN place_ancestors a ON a.code = g.place_code AND a.ancestor = $1
                 WHERE ($2 IS NULL OR g.day >= $2) AND ($3 IS NULL OR g.day <= $3) AND p.level IN ({})
                 GROUP BY g.place_code, g.channel, g.state",
                placeholders(4, levels.len())
            );
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(area)
                .bind(from_day)
                .bind(to_day);
            for l in levels {
                q = q.bind(*l);
            }
            Ok(q.fetch_all(pool).await?)
        })
    }

    /// Effective targets of `place` (key `place`) and of its children: a place's own target
    /// where one is set, otherwise the sum of the targets set below it.
    pub async fn targets_around(&self, place: &str) -> Result<HashMap<String, i64>, StorageError> {
        on_pool!(self, |pool| {
            // The place and its children; for each, its own target or the sum below it.
            let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
                "WITH around(code) AS (SELECT CAST($1 AS TEXT) UNION ALL SELECT code FROM places WHERE parent = $1)
                 SELECT around.code, t.target AS own, s.below FROM around
                 LEFT JOIN targets t ON t.unit_code = around.code LEFT JOIN target_sums s ON s.place_code = around.code",
            )
            .bind(place)
            .fetch_all(pool)
            .await?;
            let mut out = HashMap::new();
            for (code, own, below) in rows {
                if let Some(t) = own.or(below) {
                    out.insert(code, t);
                }
            }
            Ok(out)
        })
    }

    pub async fn set_target(&self, unit: &str, target: i64) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<i64> =
                sqlx::query_scalar("SELECT target FROM targets WHERE unit_code = $1")
                    .bind(unit)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO targets(unit_code, target) VALUES ($1, $2) ON CONFLICT(unit_code) DO UPDATE SET target = excluded.target",
            )
            .bind(unit)
            .bind(target)
            .execute(&mut *tx)
            .await?;
            // Every place above gains the difference.
            sqlx::query(
                "INSERT INTO target_sums(place_code, below)
                 SELECT ancestor, $2 FROM place_ancestors WHERE code = $1 AND depth > 0
                 ON CONFLICT(place_code) DO UPDATE SET below = target_sums.below + excluded.below",
            )
            .bind(unit)
            .bind(target - before.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn officer_backlog(&self, area: &str) -> Result<Vec<OfficerBacklog>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT u.username, u.jurisdiction,
                    (SELECT CAST(coalesce(sum(g.n), 0) AS BIGINT) FROM progress_totals g
                        WHERE g.place_code = u.jurisdiction AND g.state = 'pending_approval') AS pending,
                    (SELECT min(g.day) FROM progress g
                        WHERE g.place_code = u.jurisdiction AND g.state = 'pending_approval' AND g.n > 0) AS oldest_day
                 FROM users u JOIN place_ancestors a ON a.code = u.jurisdiction AND a.ancestor = $1
                 WHERE u.role = 'designated-officer' AND NOT u.disabled
                 ORDER BY pending DESC, u.username",
            )
            .bind(area)
            .fetch_all(pool)
            .await?)
        })
    }
}

impl Tx {
    /// Counts every registration into an emptied `progress` and moves the rollup's cursor
    /// past the changes it counted: after the hierarchy moved, or to load a big backlog at once.
    pub async fn rebuild_progress(&mut self) -> Result<(), StorageError> {
        // Where the rollup goes on from: every change committed before this recount began is
        // counted by it. The rollup looks at later ones again, and skips those counted here
        // too (their counted state is their state).
        let cursor: (i64, i64) = match self {
            Tx::Postgres(tx) => {
                // Tickets are consecutive: the next one after the last is where to go on.
                sqlx::query_as("SELECT max(ticket) + 1, CAST(0 AS BIGINT) FROM change_tickets")
                    .fetch_one(&mut **tx)
                    .await?
            }
            // One writer at a time, every change under ticket 0: all of them so far.
            Tx::Sqlite(tx) => {
                sqlx::query_as("SELECT 0, value FROM counters WHERE name = 'status_change'")
                    .fetch_one(&mut **tx)
                    .await?
            }
        };
        in_tx!(self, |c| {
            sqlx::query("UPDATE counters SET value = value WHERE name = 'progress_cursor'")
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM progress").execute(&mut *c).await?;
            sqlx::query("DELETE FROM progress_totals")
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM target_sums")
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO target_sums(place_code, below)
                 SELECT a.ancestor, sum(t.target) FROM targets t JOIN place_ancestors a ON a.code = t.unit_code
                 WHERE a.depth > 0 GROUP BY a.ancestor",
            )
            .execute(&mut *c)
            .await?;
            for statement in fold_into_progress("r.state", "", "r.received_day IS NOT NULL") {
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query("UPDATE registrations SET counted_state = state WHERE counted_state IS NULL OR counted_state <> state")
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE counters SET ticket = $1, value = $2 WHERE name = 'progress_cursor'",
            )
            .bind(cursor.0)
            .bind(cursor.1)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }
}
