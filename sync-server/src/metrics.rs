//! Prometheus text metrics: requests and latencies per route and status, registrations
//! ingested and where push intake spends its time, pack bytes served, delivery attempts. Counters are per process (Prometheus sums the
//! instances); gauges read from the shared database are the same on every instance (take max).

use crate::app::App;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Default)]
pub struct Metrics {
    /// (route, status) → (count, total seconds)
    requests: Mutex<BTreeMap<(String, u16), (u64, f64)>>,
    pub registrations_ingested: AtomicU64,
    /// Where push intake spends its time, summed over pushes.
    pub ingest: IngestPhases,
    pub pack_bytes_served: AtomicU64,
    /// (channel, outcome) → delivery attempts by this process's dispatcher.
    notifications: Mutex<BTreeMap<(String, &'static str), u64>>,
}

/// Push intake's time by phase, in nanoseconds summed over every push of this process: the
/// ingest benchmark's breakdown and `panjiyan_ingest_seconds_total{phase}`.
#[derive(Default)]
pub struct IngestPhases {
    /// Signature checks (one per batch, or one per record from older phones).
    pub verify: AtomicU64,
    /// Reading what the batch is checked against: Samagra records, areas, pack dates.
    pub lookup: AtomicU64,
    /// The form and eligibility rules, record by record.
    pub check: AtomicU64,
    /// The transaction's statements: what is held already, the inserts, the numbers.
    pub write: AtomicU64,
    pub commit: AtomicU64,
}

impl IngestPhases {
    /// Adds the time since `start` to `phase`.
    pub fn add(phase: &AtomicU64, start: Instant) {
        phase.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    /// Seconds by phase, in the order intake runs them.
    pub fn seconds(&self) -> [(&'static str, f64); 5] {
        let s = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e9;
        [
            ("verify", s(&self.verify)),
            ("lookup", s(&self.lookup)),
            ("check", s(&self.check)),
            ("write", s(&self.write)),
            ("commit", s(&self.commit)),
        ]
    }
}

impl Metrics {
    /// Counts one delivery attempt of the dispatcher: `outcome` is sent or failed.
    pub fn notification(&self, channel: &str, outcome: &'static str) {
        let mut n = self.notifications.lock().unwrap_or_else(|p| p.into_inner());
        *n.entry((channel.to_owned(), outcome)).or_default() += 1;
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP panjiyan_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE panjiyan_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        for ((route, status), (n, _)) in requests.iter() {
            out.push_str(&format!(
                "panjiyan_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n"
            ));
        }
        out.push_str("# HELP panjiyan_http_request_seconds_sum Time spent answering, by route.\n");
        out.push_str("# TYPE panjiyan_http_request_seconds_sum counter\n");
        for ((route, status), (_, secs)) in requests.iter() {
            out.push_str(&format!("panjiyan_http_request_seconds_sum{{route=\"{route}\",status=\"{status}\"}} {secs:.6}\n"));
        }
        out.push_str(
            "# HELP panjiyan_registrations_ingested_total Registrations stored from pushes.\n",
        );
        out.push_str("# TYPE panjiyan_registrations_ingested_total counter\n");
        out.push_str(&format!(
            "panjiyan_registrations_ingested_total {}\n",
            self.registrations_ingested.load(Ordering::Relaxed)
        ));
        out.push_str("# HELP panjiyan_ingest_seconds_total Time push intake spent, by phase.\n");
        out.push_str("# TYPE panjiyan_ingest_seconds_total counter\n");
        for (phase, secs) in self.ingest.seconds() {
            out.push_str(&format!(
                "panjiyan_ingest_seconds_total{{phase=\"{phase}\"}} {secs:.6}\n"
            ));
        }
        out.push_str("# HELP panjiyan_pack_bytes_served_total Camp pack bytes sent.\n");
        out.push_str("# TYPE panjiyan_pack_bytes_served_total counter\n");
        out.push_str(&format!(
            "panjiyan_pack_bytes_served_total {}\n",
            self.pack_bytes_served.load(Ordering::Relaxed)
        ));
        out.push_str("# HELP panjiyan_notification_attempts_total Delivery attempts of SMS and voice messages by this process, by channel and outcome.\n");
        out.push_str("# TYPE panjiyan_notification_attempts_total counter\n");
        let attempts = self.notifications.lock().unwrap_or_else(|p| p.into_inner());
        for ((channel, outcome), n) in attempts.iter() {
            out.push_str(&format!(
                "panjiyan_notification_attempts_total{{channel=\"{channel}\",outcome=\"{outcome}\"}} {n}\n"
            ));
        }
        out
    }
}

/// The sync-backlog figures as gauges: devices holding unsent data (and the silent ones among
/// them), registrations still on devices, the notification queue by state, registrations
/// received in the last minute, and pending approvals per officer.
pub async fn field_gauges(app: &App) -> Result<String, crate::storage::StorageError> {
    use crate::storage::now_ms;
    // Read as the rollup left them (at most a couple of seconds old): a scrape never writes.
    let now = now_ms();
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, lines: Vec<(String, i64)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, value) in lines {
            out.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    let (mut holding, mut silent, mut unsent) = (0, 0, 0);
    // By the officers' area, never their names: (pending, oldest in days) per area.
    let mut areas = std::collections::BTreeMap::new();
    for root in app.db.root_places().await? {
        let silent_before = crate::web::silent_before(now, app.settings.silent_after_hours);
        for area in app
            .db
            .backlog_by_area(root.code.as_str(), silent_before)
            .await?
        {
            holding += area.devices;
            unsent += area.pending;
            silent += area.silent;
        }
        for o in app.db.officer_backlog(root.code.as_str()).await? {
            let age_days = o
                .oldest_day
                .map_or(0, |d| panjiyan_core::india_time::india_day(now) - d);
            areas.insert(o.jurisdiction, (o.pending, age_days));
        }
    }
    gauge(
        "panjiyan_devices_with_unsent",
        "Devices that last reported registrations not yet sent.",
        vec![(String::new(), holding)],
    );
    gauge(
        "panjiyan_devices_silent_with_unsent",
        "Of those, devices not seen for longer than the silence setting.",
        vec![(String::new(), silent)],
    );
    gauge(
        "panjiyan_registrations_on_devices",
        "Registrations devices last reported as not yet sent.",
        vec![(String::new(), unsent)],
    );
    let queue = app.db.notification_counts().await?;
    gauge(
        "panjiyan_notifications",
        "SMS and voice messages to workers, by state.",
        queue
            .into_iter()
            .map(|(s, n)| (format!("{{state=\"{s}\"}}"), n))
            .collect(),
    );
    let last_minute: i64 = app
        .db
        .ingest_per_minute(now - 60_000)
        .await?
        .iter()
        .map(|m| m.1)
        .sum();
    gauge(
        "panjiyan_registrations_received_last_minute",
        "Registrations received in the last 60 seconds.",
        vec![(String::new(), last_minute)],
    );
    gauge(
        "panjiyan_officer_pending_approvals",
        "Registrations waiting for the designated officers of each area.",
        areas
            .iter()
            .map(|(a, (n, _))| (format!("{{area=\"{a}\"}}"), *n))
            .collect(),
    );
    gauge(
        "panjiyan_officer_oldest_pending_days",
        "Days the oldest registration has waited for the designated officers of each area.",
        areas
            .iter()
            .map(|(a, (_, d))| (format!("{{area=\"{a}\"}}"), *d))
            .collect(),
    );
    if let Some(replica) = &app.replica {
        // Only where a standby is set; a standby that does not answer shows as no figure,
        // which the alert on missing figures catches.
        match app.db.replica_lag(replica).await {
            Err(e) => tracing::warn!(error = %e, "the replica's lag could not be read"),
            Ok(lag) => out.push_str(&format!(
                "# HELP panjiyan_replica_lag_seconds How far the standby the progress pages read is behind the primary (0 when caught up).\n# TYPE panjiyan_replica_lag_seconds gauge\npanjiyan_replica_lag_seconds {:.3}\n",
                lag.seconds(now)
            )),
        }
    }
    Ok(out)
}

/// Middleware: counts each request under its route template (never its concrete path, which
/// may hold an ID).
pub async fn track(State(app): State<App>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let start = Instant::now();
    let response = next.run(request).await;
    let secs = start.elapsed().as_secs_f64();
    let mut requests = app
        .metrics
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let entry = requests
        .entry((route, response.status().as_u16()))
        .or_default();
    entry.0 += 1;
    entry.1 += secs;
    response
}
