//! The server's background jobs, run by one server at a time (`Leadership`: a PostgreSQL
//! advisory lock; on SQLite the one process): the progress rollup every two seconds, and about
//! once a minute the packs whose data changed without a build following, old rate-limit rows,
//! ended sign-ins and voice audio whose link expired. The notification dispatcher runs on every
//! server (`notify::run`): its claims skip each other's rows.

use crate::app::App;
use crate::storage::Leadership;
use std::time::Duration;

/// Runs until `stop` turns true; then gives the lead up for another server to take.
pub async fn run(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut leadership = Leadership::default();
    let mut pass: u64 = 0;
    loop {
        match leadership.check(&app.db).await {
            Ok(true) => {
                leading_pass(&app, pass).await;
                pass += 1;
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell which server runs the background jobs; trying again")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stop.changed() => break,
        }
    }
    leadership.release().await;
}

async fn leading_pass(app: &App, pass: u64) {
    if let Err(e) = crate::rollup::catch_up(app).await {
        tracing::warn!(error = %e, "progress rollup failed; trying again");
    }
    if !pass.is_multiple_of(30) {
        return;
    }
    // A crash between a data import and its pack build leaves a unit without one; no request
    // waits for it to be built.
    if let Err(e) = crate::packs::build_missing(app, 50).await {
        tracing::warn!(error = %e, "building missing packs failed; trying again");
    }
    // During a pack-key rotation, packs another server built with the previous key meanwhile.
    if !app.pack_keys.endorsements.is_empty()
        && let Err(e) = crate::packs::resign_current(app).await
    {
        tracing::warn!(error = %e, "signing packs again with the current key failed; trying again");
    }
    // The rate limits keep a day of attempts and look-ups, no more.
    let now = crate::storage::now_ms();
    if let Err(e) = app.db.prune_limits(now - 86_400_000).await {
        tracing::warn!(error = %e, "pruning rate-limit rows failed; trying again later");
    }
    if let Err(e) = app.db.prune_sessions(now).await {
        tracing::warn!(error = %e, "pruning ended sign-ins failed; trying again later");
    }
    if let Err(e) = app.db.prune_codes(now - 86_400_000).await {
        tracing::warn!(error = %e, "pruning old verification codes failed; trying again later");
    }
    // A voice message's audio is kept only as long as its link works.
    if let Err(e) = app.db.prune_voice_audio(now).await {
        tracing::warn!(error = %e, "pruning expired voice audio failed; trying again later");
    }
}
