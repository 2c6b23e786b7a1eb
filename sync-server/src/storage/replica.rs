//! A PostgreSQL standby for the figures pages: how far its replay is behind the primary's
//! write-ahead log, and the time of the last transaction it has replayed.

use super::{Db, StorageError};

/// How current a standby is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaLag {
    /// Bytes of the primary's write-ahead log the standby has not replayed yet.
    pub bytes_behind: i64,
    /// When the last transaction the standby replayed committed on the primary (epoch ms).
    pub replayed_up_to: Option<i64>,
}

impl ReplicaLag {
    /// The time the standby's figures are as of, when it is behind by more than `tolerance_ms`
    /// (a standby under steady writes is always a moment behind; that is not worth saying).
    pub fn stale_as_of(&self, now: i64, tolerance_ms: i64) -> Option<i64> {
        let at = self.replayed_up_to?;
        (self.bytes_behind > 0 && now - at > tolerance_ms).then_some(at)
    }

    /// Seconds of lag as Prometheus shows it: 0 when caught up.
    pub fn seconds(&self, now: i64) -> f64 {
        match self.replayed_up_to {
            Some(at) if self.bytes_behind > 0 => ((now - at).max(0) as f64) / 1000.0,
            _ => 0.0,
        }
    }
}

impl Db {
    /// How far `replica` (a standby of this primary) is behind it.
    pub async fn replica_lag(&self, replica: &Db) -> Result<ReplicaLag, StorageError> {
        let (Db::Postgres(primary), Db::Postgres(standby)) = (self, replica) else {
            return Ok(ReplicaLag {
                bytes_behind: 0,
                replayed_up_to: None,
            });
        };
        let (replayed, at): (Option<String>, Option<f64>) = sqlx::query_as(
            "SELECT pg_last_wal_replay_lsn()::text,
                    extract(epoch FROM pg_last_xact_replay_timestamp())::float8 * 1000",
        )
        .fetch_one(standby)
        .await?;
        let Some(replayed) = replayed else {
            // Not a standby at all: it is the primary's own figures.
            return Ok(ReplicaLag {
                bytes_behind: 0,
                replayed_up_to: None,
            });
        };
        let bytes_behind: f64 = sqlx::query_scalar(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), CAST($1 AS pg_lsn))::float8",
        )
        .bind(&replayed)
        .fetch_one(primary)
        .await?;
        Ok(ReplicaLag {
            bytes_behind: bytes_behind.max(0.0) as i64,
            replayed_up_to: at.map(|ms| ms as i64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ReplicaLag;

    #[test]
    fn a_standby_is_stale_only_when_behind_for_longer_than_the_tolerance() {
        let lag = |bytes_behind, at| ReplicaLag {
            bytes_behind,
            replayed_up_to: Some(at),
        };
        assert_eq!(lag(0, 0).stale_as_of(60_000, 5_000), None, "caught up");
        assert_eq!(
            lag(100, 58_000).stale_as_of(60_000, 5_000),
            None,
            "a moment"
        );
        assert_eq!(lag(100, 50_000).stale_as_of(60_000, 5_000), Some(50_000));
        assert_eq!(lag(100, 50_000).seconds(60_000), 10.0);
        assert_eq!(lag(0, 50_000).seconds(60_000), 0.0);
    }
}
