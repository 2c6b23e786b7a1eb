//! The progress rollup: follows the status changes in commit order (ADR 0010) and keeps
//! `progress` (counts per place at every level, day, channel and state) current, so the
//! collectors' pages read a few hundred rows instead of millions of registrations. One writer
//! at a time (the cursor row is locked); pages call `catch_up` before reading, and
//! `background::run` keeps it current.

use crate::app::App;
use crate::storage::StorageError;

/// Status changes folded per transaction: bounded work per lock.
const BATCH: i64 = 50_000;

/// Folds every committed change into `progress`; returns how many changes it folded.
pub async fn catch_up(app: &App) -> Result<i64, StorageError> {
    let mut total = 0;
    loop {
        let n = match app.db.catch_up_progress(BATCH).await {
            Ok(n) => n,
            // A decision changed a row of this fold while it ran, or another server is
            // folding: nothing was written; the next pass (or the other server) folds it.
            Err(e) if e.is_serialization_failure() => return Ok(total),
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}
