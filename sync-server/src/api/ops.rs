//! Operations: liveness, readiness (the database answers), Prometheus metrics, the OpenAPI
//! document, and the JSON 404 for unknown paths.

use crate::app::App;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

pub async fn healthz() -> &'static str {
    "ok"
}

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

pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    let mut text = app.metrics.render();
    // The figures of the sync-backlog page, read from the database (shared by every replica).
    match crate::metrics::field_gauges(&app).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(e) => tracing::warn!(error = %e, "backlog figures for /metrics failed"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("path")
}
