//! The HTTP API, versioned under `/api/v1`, JSON in and out; one module per concept.

mod camps;
pub(crate) mod decisions;
mod devices;
mod ops;
mod packs;
pub(crate) mod session;
pub(crate) mod sync;
pub(crate) mod worker;

use crate::app::App;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/login", post(session::login))
        .route("/api/v1/logout", post(session::logout))
        .route("/api/v1/devices", post(devices::enrol))
        .route("/api/v1/devices/{id}/revoke", post(devices::revoke))
        .route("/api/v1/units", get(packs::units))
        .route("/api/v1/units/{code}/pack", get(packs::download))
        .route("/api/v1/camps", get(camps::list))
        .route("/api/v1/push", post(sync::push))
        .route("/api/v1/status", get(sync::status))
        .route("/api/v1/queue", get(decisions::queue))
        .route("/api/v1/registrations/{id}", get(decisions::show))
        .route(
            "/api/v1/registrations/{id}/decision",
            post(decisions::decide),
        )
        .route(
            "/api/v1/worker-status/{member_id}",
            get(worker::status_json),
        )
        .route(
            "/api/v1/registrations/{id}/history",
            get(decisions::history),
        )
        .route("/status", get(worker::status_page))
        .route("/api/openapi.json", get(ops::openapi))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(ops::not_found)
}
