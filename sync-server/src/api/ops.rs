//! Operations: liveness, readiness (the database answers), Prometheus metrics, the OpenAPI
//! document, and the JSON 404 for unknown paths.

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use std::net::SocketAddr;

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

#[utoipa::path(get, path = "/metrics", tag = "operations",
    summary = "Prometheus metrics: with the bearer token set by --metrics-token, or without one from this computer only",
    security((), ("metrics" = [])),
    responses(
        (status = 200, description = "metrics in the Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "a token is set and this request does not carry it (`metrics_token`)", body = ErrorBody),
        (status = 403, description = "no token is set and the request is not from this computer (`metrics_local_only`)", body = ErrorBody),
    ))]
pub async fn metrics(
    State(app): State<App>,
    ConnectInfo(socket): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    match &app.settings.metrics_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            let digest = |s: &str| ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
            if digest(given).as_ref() != digest(token).as_ref() {
                return Err(ApiError::unauthorized(
                    "metrics_token",
                    "the metrics need the bearer token the server was started with",
                ));
            }
        }
        None if !socket.ip().is_loopback() => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "metrics_local_only",
                "metrics are served to this computer only; start the server with --metrics-token to scrape from elsewhere",
            ));
        }
        None => {}
    }
    let mut text = app.metrics.render();
    // The figures of the sync-backlog page, read from the database (shared by every replica).
    match crate::metrics::field_gauges(&app).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(e) => tracing::warn!(error = %e, "backlog figures for /metrics failed"),
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text))
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", summary = "This document",
    responses((status = 200, description = "the OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("path")
}
