//! Operations: liveness, readiness (the database answers), Prometheus metrics, the OpenAPI
//! document, and the JSON 404 for unknown paths.

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

#[utoipa::path(get, path = "/healthz", tag = "operations", summary = "The process is up",
    responses((status = 200, description = "ok", body = String, content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", tag = "operations", summary = "The database answers",
    responses(
        (status = 200, description = "ready", body = String, content_type = "text/plain"),
        (status = 503, description = "the database does not answer (`database_unreachable`)", body = ErrorBody),
    ))]
pub async fn readyz(State(app): State<App>) -> Result<&'static str, ApiError> {
    app.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "database not reachable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unreachable",
            "the database does not answer",
        )
    })?;
    Ok("ready")
}

#[utoipa::path(get, path = "/metrics", tag = "operations", summary = "Prometheus metrics",
    responses((status = 200, description = "metrics in the Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")))]
pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    let mut text = app.metrics.render();
    // The figures of the sync-backlog page, read from the database (shared by every replica).
    match crate::metrics::field_gauges(&app).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(e) => tracing::warn!(error = %e, "backlog figures for /metrics failed"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", summary = "This document",
    responses((status = 200, description = "the OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("path")
}
