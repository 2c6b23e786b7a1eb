//! The server's background loop, on every instance: the progress rollup every two seconds
//! (one writer at a time by its cursor lock), and about once a minute the packs whose data
//! changed without a build following, and the rate limits' old rows.

use crate::app::App;
use std::time::Duration;

/// Runs until `stop` turns true.
pub async fn run(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut pass: u64 = 0;
    loop {
        if let Err(e) = crate::rollup::catch_up(&app).await {
            tracing::warn!(error = %e, "progress rollup failed; trying again");
        }
        if pass.is_multiple_of(30) {
            // A crash between a data import and its pack build leaves a unit without one; no
            // request waits for it to be built.
            if let Err(e) = crate::packs::build_missing(&app, 50).await {
                tracing::warn!(error = %e, "building missing packs failed; trying again");
            }
            // The rate limits keep a day of attempts and look-ups, no more.
            let day_ago = crate::storage::now_ms() - 86_400_000;
            if let Err(e) = app.db.prune_limits(day_ago).await {
                tracing::warn!(error = %e, "pruning rate-limit rows failed; trying again later");
            }
        }
        pass += 1;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
    }
}
