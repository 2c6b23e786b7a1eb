//! Status changes: every change of a registration's state carries a number from one counter
//! row, taken in the writing transaction, so numbers follow commit order and a device's cursor
//! never skips a change.

use super::{DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool};
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::validate::SamagraMemberId;
use panjiyan_core::wire::StatusChange;

/// What a device may pull status for: what it sent, and the units of its jurisdiction.
#[derive(Debug, Clone)]
pub struct StatusScope<'a> {
    pub device_id: &'a str,
    pub jurisdiction: &'a str,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    change_seq: i64,
    id: String,
    member_id: String,
    state: String,
    registration_number: Option<String>,
    reason: Option<String>,
    duplicate_of: Option<String>,
    changed_at: i64,
}

impl ChangeRow {
    fn into_change(self) -> Result<(i64, StatusChange), StorageError> {
        Ok((
            self.change_seq,
            StatusChange {
                id: uuid::Uuid::parse_str(&self.id)
                    .map_err(|_| StorageError::Corrupt("registration id"))?,
                member_id: SamagraMemberId::parse(&self.member_id)
                    .map_err(|_| StorageError::Corrupt("member id"))?,
                state: RegistrationState::parse(&self.state)
                    .ok_or(StorageError::Corrupt("state"))?,
                registration_number: self.registration_number,
                reason: self.reason,
                duplicate_of: self
                    .duplicate_of
                    .and_then(|d| uuid::Uuid::parse_str(&d).ok()),
                changed_at: panjiyan_core::india_time::utc(self.changed_at),
            },
        ))
    }
}

impl Db {
    /// Changes visible to a device (what it sent, and its jurisdiction's) after `after`, in
    /// change order.
    pub async fn status_changes(
        &self,
        scope: &StatusScope<'_>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, StatusChange)>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<ChangeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS}
                 SELECT change_seq, id, member_id, state, registration_number, reason, duplicate_of,
                        COALESCE(decided_at, received_at) AS changed_at
                 FROM registrations
                 WHERE change_seq > $2 AND (device_id = $3 OR unit_code IN (SELECT code FROM sub))
                 ORDER BY change_seq LIMIT $4"
            )))
            .bind(scope.jurisdiction)
            .bind(after)
            .bind(scope.device_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.into_iter().map(ChangeRow::into_change).collect()
        })
    }
}

impl Tx {
    /// Takes the next status-change number.
    pub async fn next_change(&mut self) -> Result<i64, StorageError> {
        in_tx!(self, |c| {
            Ok(sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'status_change' RETURNING value")
                .fetch_one(&mut *c)
                .await?)
        })
    }
}
