//! Status changes: every change of a registration's state has a place in the feed, the
//! ticket its transaction took as it committed and a number (`ChangePosition`), so a reader
//! takes them in commit order, a device's cursor never skips a change, and no counter row
//! makes concurrent writers wait longer than a commit (docs/adr/0010).

use super::{DESCENDANTS, Db, StorageError, Tx, on_pool};
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::validate::SamagraMemberId;
use panjiyan_core::wire::StatusChange;

/// What a device may pull status for: what it sent, and the units of its jurisdiction.
#[derive(Debug, Clone)]
pub struct StatusScope<'a> {
    pub device_id: &'a str,
    pub jurisdiction: &'a str,
}

/// Where a status change stands in the feed: the ticket its writing transaction took as it
/// committed (`change_tickets`; on SQLite, one writer at a time, always 0, as for changes
/// made before migration 0020) and its number (a sequence on PostgreSQL, the `status_change`
/// counter on SQLite). Changes are read in this order; a cursor is the last one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangePosition {
    pub ticket: i64,
    pub seq: i64,
}

impl ChangePosition {
    /// A cursor as the server gave it (`ticket.seq`), a bare number from a server before
    /// migration 0020 (ticket 0), or empty for a device's first sync; None for anything
    /// else.
    pub fn parse_cursor(text: &str) -> Option<ChangePosition> {
        if text.is_empty() {
            return Some(ChangePosition::default());
        }
        let number = |t: &str| t.parse::<i64>().ok().filter(|n| *n >= 0);
        match text.split_once('.') {
            Some((ticket, seq)) => Some(ChangePosition {
                ticket: number(ticket)?,
                seq: number(seq)?,
            }),
            None => Some(ChangePosition {
                ticket: 0,
                seq: number(text)?,
            }),
        }
    }
}

impl std::fmt::Display for ChangePosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.ticket, self.seq)
    }
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    ticket: i64,
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
    fn into_change(self) -> Result<(ChangePosition, StatusChange), StorageError> {
        Ok((
            ChangePosition {
                ticket: self.ticket,
                seq: self.change_seq,
            },
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
        after: ChangePosition,
        limit: i64,
    ) -> Result<Vec<(ChangePosition, StatusChange)>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<ChangeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS}
                 SELECT t.ticket, r.change_seq, r.id, r.member_id, r.state, r.registration_number,
                        r.reason, r.duplicate_of, COALESCE(r.decided_at, r.received_at) AS changed_at
                 FROM change_tickets t JOIN registrations r ON r.change_xid = t.xid
                 WHERE {after} AND (r.device_id = $4 OR r.unit_code IN (SELECT code FROM sub))
                 ORDER BY t.ticket, r.change_seq LIMIT $5",
                after = after_position("$2", "$3")
            )))
            .bind(scope.jurisdiction)
            .bind(after.ticket)
            .bind(after.seq)
            .bind(scope.device_id)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.into_iter().map(ChangeRow::into_change).collect()
        })
    }
}

impl Tx {
    /// Marks this transaction as one that changes statuses and gives its next change's
    /// number; a change is written with `change_xid = ` the id returned. On PostgreSQL the id
    /// is the transaction's own, entered in `change_tickets` (once), where it takes its
    /// ticket as it commits; on SQLite it is 0 and the number comes from the counter.
    pub async fn next_change(&mut self) -> Result<ChangeStamp, StorageError> {
        let (xid, seq) = match self {
            Tx::Postgres(tx) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "WITH entered AS ({ENTER_TICKET}) SELECT {OWN_XID}, nextval('status_change_seq')"
                )))
                .fetch_one(&mut **tx)
                .await?
            }
            Tx::Sqlite(tx) => {
                sqlx::query_as(
                    "UPDATE counters SET value = value + 1 WHERE name = 'status_change' RETURNING 0, value",
                )
                .fetch_one(&mut **tx)
                .await?
            }
        };
        Ok(ChangeStamp { xid, seq })
    }
}

/// SQL: `t` (`change_tickets`) and `r` (`registrations`, joined on `change_xid`) are after the
/// position (`ticket`, `seq`, placeholders). Written so that each ticket's rows are an index
/// range of `registrations_change`, never a scan of the whole ticket (ticket 0 holds every
/// change from before migration 0020).
pub(super) fn after_position(ticket: &str, seq: &str) -> String {
    format!(
        "t.ticket >= {ticket} AND r.change_seq > CASE WHEN t.ticket = {ticket} THEN {seq} ELSE -1 END"
    )
}

/// What a status change is written with: `change_xid` and `change_seq` (`Tx::next_change`).
#[derive(Debug, Clone, Copy)]
pub struct ChangeStamp {
    pub xid: i64,
    pub seq: i64,
}

/// PostgreSQL: this transaction's id, as `change_xid` holds it.
macro_rules! own_xid {
    () => {
        "pg_current_xact_id()::text::bigint"
    };
}
pub(super) const OWN_XID: &str = own_xid!();

/// PostgreSQL: enters this transaction in `change_tickets` (a second time changes nothing);
/// its ticket is taken as it commits (migration 0020's deferred trigger).
pub(super) const ENTER_TICKET: &str = concat!(
    "INSERT INTO change_tickets(xid) VALUES (",
    own_xid!(),
    ") ON CONFLICT (xid) DO NOTHING"
);

#[cfg(test)]
mod tests {
    use super::ChangePosition;

    #[test]
    fn cursors_read_as_the_server_gave_them_and_as_older_servers_did() {
        let at = |ticket, seq| Some(ChangePosition { ticket, seq });
        assert_eq!(ChangePosition::parse_cursor(""), at(0, 0));
        assert_eq!(ChangePosition::parse_cursor("41.7"), at(41, 7));
        // Before migration 0020 a cursor was the change's number alone: ticket 0 holds those.
        assert_eq!(ChangePosition::parse_cursor("1500"), at(0, 1500));
        let given = ChangePosition {
            ticket: 9,
            seq: 123,
        };
        assert_eq!(
            ChangePosition::parse_cursor(&given.to_string()),
            Some(given)
        );
        for bad in ["not-a-cursor", "-1", "1.-2", "1.2.3", ".5", "5.", " 5"] {
            assert_eq!(ChangePosition::parse_cursor(bad), None, "{bad:?}");
        }
    }
}
