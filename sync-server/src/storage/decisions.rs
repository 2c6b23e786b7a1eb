//! Decisions: what an officer's approval or rejection writes (the registration's new state,
//! its number from a per-district, per-year sequence, the audit row) and the audit log that
//! reads them back. `crate::decisions` composes these in one transaction.

use super::{ChangeStamp, DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool};
use serde::{Deserialize, Serialize};

/// Fills a registration-number template: `{state}`, `{district}`, `{year}` and `{seq}` (with an
/// optional zero-padded width, `{seq:07}`).
pub fn format_number(template: &str, state: &str, district: &str, year: i32, seq: i64) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let field = &rest[open + 1..open + close];
        let (name, width) = match field.split_once(':') {
            Some((n, w)) => (n, w.trim_start_matches('0').parse::<usize>().unwrap_or(0)),
            None => (field, 0),
        };
        match name {
            "state" => out.push_str(state),
            "district" => out.push_str(district),
            "year" => out.push_str(&year.to_string()),
            "seq" => out.push_str(&format!("{seq:0width$}")),
            _ => out.push_str(&rest[open..open + close + 1]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// An officer's decision on a pending registration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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

/// What a decision writes on the registration: its number, or the reason and the officer's note.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    Approved {
        number: &'a str,
    },
    Rejected {
        reason: &'a str,
        note: Option<&'a str>,
    },
}

/// One decision in the audit log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRow {
    pub at: i64,
    pub username: String,
    pub action: String,
    pub reason: Option<String>,
}

impl Db {
    pub async fn audit_for(&self, registration_id: &str) -> Result<Vec<AuditRow>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT a.at, u.username, a.action, a.reason FROM audit_log a JOIN users u ON u.id = a.user_id
                 WHERE a.registration_id = $1 ORDER BY a.id",
            )
            .bind(registration_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Decisions on registrations within `area`, newest first, optionally by one user and
    /// only those older than entry `before` (for paging).
    pub async fn audit_log(
        &self,
        area: &str,
        username: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS} SELECT a.id, a.at, u.username, a.action, a.registration_id, a.reason, a.note
                 FROM audit_log a JOIN users u ON u.id = a.user_id JOIN registrations r ON r.id = a.registration_id
                 WHERE r.unit_code IN (SELECT code FROM sub) AND ($2 IS NULL OR u.username = $2) AND ($3 IS NULL OR a.id < $3)
                 ORDER BY a.id DESC LIMIT $4"
            )))
            .bind(area)
            .bind(username)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }
}

impl Tx {
    /// The next number of sequence `scope` (one per district and year), starting at 1.
    pub async fn allocate_number(&mut self, scope: &str) -> Result<i64, StorageError> {
        in_tx!(self, |c| {
            sqlx::query("INSERT INTO number_sequences(scope, next) VALUES ($1, 1) ON CONFLICT(scope) DO NOTHING")
                .bind(scope)
                .execute(&mut *c)
                .await?;
            Ok(sqlx::query_scalar(
                "UPDATE number_sequences SET next = next + 1 WHERE scope = $1 RETURNING next - 1",
            )
            .bind(scope)
            .fetch_one(&mut *c)
            .await?)
        })
    }

    /// Takes registration `id`'s row lock for the rest of the transaction, so that two
    /// decisions on it run one after the other and the second reads what the first wrote
    /// (PostgreSQL; SQLite's write transactions are one at a time already). Whether it exists.
    pub async fn lock_registration(&mut self, id: &str) -> Result<bool, StorageError> {
        in_tx!(self, |c| {
            let done = sqlx::query("UPDATE registrations SET id = id WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Marks registration `id` decided as `outcome` by `officer`, as status change `change`
    /// (`Tx::next_change`); only a pending registration changes (`NotPending` otherwise).
    pub async fn record_decision(
        &mut self,
        id: &str,
        outcome: &Outcome<'_>,
        officer: i64,
        change: ChangeStamp,
        now: i64,
    ) -> Result<(), StorageError> {
        // `$2` is the number or the reason; only a rejection has `$7`, its note.
        let (sql, detail, note) = match *outcome {
            Outcome::Approved { number } => (
                "UPDATE registrations SET state = 'approved', registration_number = $2, decided_at = $3,
                    decided_by = $4, change_seq = $5, change_xid = $6 WHERE id = $1 AND state = 'pending_approval'",
                number,
                None,
            ),
            Outcome::Rejected { reason, note } => (
                "UPDATE registrations SET state = 'rejected', reason = $2, decided_at = $3, decided_by = $4,
                    change_seq = $5, change_xid = $6, reason_note = $7 WHERE id = $1 AND state = 'pending_approval'",
                reason,
                Some(note),
            ),
        };
        in_tx!(self, |c| {
            let q = sqlx::query(sql)
                .bind(id)
                .bind(detail)
                .bind(now)
                .bind(officer)
                .bind(change.seq)
                .bind(change.xid);
            let done = match note {
                Some(note) => q.bind(note),
                None => q,
            }
            .execute(&mut *c)
            .await?;
            if done.rows_affected() == 1 {
                Ok(())
            } else {
                Err(StorageError::NotPending("decided".into()))
            }
        })
    }

    /// Writes the audit row of a decision (`action` approve or reject).
    pub async fn audit_decision(
        &mut self,
        id: &str,
        officer: i64,
        action: &str,
        reason: Option<&str>,
        note: Option<&str>,
        now: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query("INSERT INTO audit_log(at, user_id, action, registration_id, reason, note) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(now)
                .bind(officer)
                .bind(action)
                .bind(id)
                .bind(reason)
                .bind(note)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }
}
#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn registration_numbers_follow_the_template() {
        assert_eq!(
            format_number("{state}-{district}-{year}-{seq:07}", "23", "401", 2026, 42),
            "23-401-2026-0000042"
        );
        assert_eq!(
            format_number("MP/{district}/{seq}", "23", "401", 2026, 7),
            "MP/401/7"
        );
    }
}
