//! The progress rollup: follows the status-change sequence and keeps `progress` (counts per
//! place at every level, day, channel and state) current, so the collectors' pages read a few
//! hundred rows instead of millions of registrations. One writer at a time (the cursor row is
//! locked); pages call `catch_up` before reading, and `run` keeps it current in the background.

use crate::app::App;
use crate::storage::StorageError;
use std::time::Duration;

/// Change numbers folded per transaction: bounded work per lock.
const BATCH: i64 = 50_000;

/// Folds every committed change into `progress`; returns how many change numbers it took.
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

/// Catches up every two seconds until `stop` turns true.
pub async fn run(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut pass: u64 = 0;
    loop {
        if let Err(e) = catch_up(&app).await {
            tracing::warn!(error = %e, "progress rollup failed; trying again");
        }
        // About once a minute: the rate limits keep a day of attempts and look-ups, no more.
        if pass.is_multiple_of(30)
            && let Err(e) = app
                .db
                .prune_limits(crate::storage::now_ms() - 86_400_000)
                .await
        {
            tracing::warn!(error = %e, "pruning rate-limit rows failed; trying again later");
        }
        pass += 1;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
    }
}
