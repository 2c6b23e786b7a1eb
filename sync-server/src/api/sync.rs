//! Push and pull. A push is a batch of signed registrations; each record gets its own answer,
//! and one bad record never fails the others. A pull returns status changes after a cursor.

use crate::app::App;
use crate::auth::EnrolledDevice;
use crate::error::{ApiError, ApiResult};
use crate::storage::{StatusScope, now_ms};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use panjiyan_core::wire::{PROTOCOL_VERSION, PushRequest, PushResponse, StatusPage};
use serde::Deserialize;

pub async fn push(
    State(app): State<App>,
    EnrolledDevice(device): EnrolledDevice,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> ApiResult<Json<PushResponse>> {
    let Json(request) = body?;
    if request.protocol != PROTOCOL_VERSION {
        return Err(ApiError::bad_request(
            "unsupported_protocol",
            format!("this server speaks protocol {PROTOCOL_VERSION}"),
        ));
    }
    if request.registrations.len() > app.settings.max_batch {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "send at most {} registrations per push",
                app.settings.max_batch
            ),
        ));
    }
    let results = crate::intake::receive(&app, &device, &request.registrations).await?;
    app.db
        .record_backlog(&device.device_id, &request.backlog, now_ms())
        .await?;
    Ok(Json(PushResponse { results }))
}

#[derive(Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    cursor: String,
    limit: Option<i64>,
}

pub async fn status(
    State(app): State<App>,
    EnrolledDevice(device): EnrolledDevice,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> ApiResult<Json<StatusPage>> {
    let Query(query) = query?;
    let after: i64 = if query.cursor.is_empty() {
        0
    } else {
        query.cursor.parse().map_err(|_| {
            ApiError::bad_request("bad_cursor", "the cursor is not one this server gave")
        })?
    };
    let limit = query.limit.unwrap_or(500).clamp(1, 2_000);
    let scope = StatusScope {
        device_id: &device.device_id,
        jurisdiction: &device.jurisdiction,
    };
    let rows = app.db.status_changes(&scope, after, limit).await?;
    let cursor = rows.last().map_or(after, |(seq, _)| *seq).to_string();
    let more = rows.len() as i64 == limit;
    Ok(Json(StatusPage {
        changes: rows.into_iter().map(|(_, c)| c).collect(),
        cursor,
        more,
    }))
}
