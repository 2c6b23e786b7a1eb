//! Prometheus text metrics: requests and latencies per route and status, registrations
//! ingested, pack bytes served. Per process; Prometheus adds replicas up.

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
    pub pack_bytes_served: AtomicU64,
}

impl Metrics {
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
        out.push_str("# HELP panjiyan_pack_bytes_served_total Camp pack bytes sent.\n");
        out.push_str("# TYPE panjiyan_pack_bytes_served_total counter\n");
        out.push_str(&format!(
            "panjiyan_pack_bytes_served_total {}\n",
            self.pack_bytes_served.load(Ordering::Relaxed)
        ));
        out
    }
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
