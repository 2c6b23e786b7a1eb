//! Push and pull. A push is a batch of signed registrations; each record gets its own answer,
//! and one bad record never fails the others. A pull returns status changes after a cursor;
//! the last push of a sync may ask for that page in its own answer, so that a sync on a slow
//! link is one round trip when it fits.

use crate::app::App;
use crate::auth::EnrolledDevice;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::{Camp, ChangePosition, StatusScope, now_ms};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use panjiyan_core::wire::{PROTOCOL_VERSION, PushRequest, PushResponse, StatusPage};

/// Status changes a page carries when the device names no limit.
const STATUS_PAGE: i64 = 500;
use serde::Deserialize;

#[utoipa::path(post, path = "/api/v1/push", tag = "sync",
    summary = "Push a batch of signed registrations, and workers' answers to offers of work given on the device; one answer per record, and the status page after `status_cursor` when asked",
    security(("device" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "one answer per record", body = PushResponse),
        (status = 400, description = "the body is not valid JSON, a protocol this server does not speak (`unsupported_protocol`), or a `status_cursor` this server did not give (`bad_cursor`); nothing is stored", body = ErrorBody),
        (status = 401, description = "no device token, or one that is unknown or revoked (`not_enrolled`, `device_revoked`)", body = ErrorBody),
        (status = 413, description = "more registrations than the server takes in one push (`batch_too_large`), or a body larger than it accepts (`body_too_large`)", body = ErrorBody),
        (status = 415, description = "the body is not `application/json`, or its Content-Encoding is not gzip", body = ErrorBody),
        (status = 422, description = "a field is missing or of the wrong type, or a backlog text longer than 100 characters (`field_too_long`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
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
    // The backlog report's texts are codes and versions: short, and said so when not.
    for (field, value) in [
        (
            "backlog.app_version",
            Some(request.backlog.app_version.as_str()),
        ),
        ("backlog.last_error", request.backlog.last_error.as_deref()),
    ] {
        if value.is_some_and(|v| v.chars().count() > 100) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "field_too_long",
                format!("{field} is longer than 100 characters"),
            ));
        }
    }
    if request.offer_answers.len() > app.settings.max_batch {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "send at most {} offer answers per push",
                app.settings.max_batch
            ),
        ));
    }
    // A cursor is checked before anything is stored: a refusal after storing would leave the
    // phone retrying a push that had landed.
    let status_after = request.status_cursor.as_deref().map(cursor).transpose()?;
    let results = crate::intake::receive(
        &app,
        &device,
        &request.registrations,
        request.batch_signature.as_deref(),
    )
    .await?;
    let offer_answers =
        crate::rozgar::offers::take_camp_answers(&app.db, &device, &request.offer_answers).await?;
    let acknowledged = results
        .iter()
        .filter(|r| r.outcome.is_acknowledged())
        .count() as u64;
    app.db
        .record_backlog(
            &device.device_id,
            &request.backlog.after_push(acknowledged),
            now_ms(),
        )
        .await?;
    let status = match status_after {
        Some(after) => Some(status_page(&app, &device, after, STATUS_PAGE).await?),
        None => None,
    };
    Ok(Json(PushResponse {
        results,
        offer_answers,
        status,
    }))
}

/// A status cursor as the device sent it back: empty for its first sync.
fn cursor(text: &str) -> ApiResult<ChangePosition> {
    ChangePosition::parse_cursor(text).ok_or_else(|| {
        ApiError::bad_request("bad_cursor", "the cursor is not one this server gave")
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The cursor of the last page; empty or absent for the first.
    #[serde(default)]
    #[param(required = false)]
    cursor: String,
    /// At most this many changes (1 to 2000, 500 if absent).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/status", tag = "sync",
    summary = "Status changes after a cursor, for what the device sent and its units; the last page carries the camp calendar and the open offers of work to the workers of its units",
    security(("device" = [])),
    params(StatusQuery),
    responses(
        (status = 200, description = "a page of changes and the cursor to ask from next", body = StatusPage),
        (status = 400, description = "a cursor this server did not give (`bad_cursor`), or a malformed query", body = ErrorBody),
        (status = 401, description = "no device token, or one that is unknown or revoked (`not_enrolled`, `device_revoked`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn status(
    State(app): State<App>,
    EnrolledDevice(device): EnrolledDevice,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> ApiResult<Json<StatusPage>> {
    let Query(query) = query?;
    let after = cursor(&query.cursor)?;
    let limit = query.limit.unwrap_or(STATUS_PAGE).clamp(1, 2_000);
    Ok(Json(status_page(&app, &device, after, limit).await?))
}

/// The status changes after `after` (at most `limit`) for what `device` sent and its units;
/// the last page also carries the camp calendar, the open offers and the pack-signing key.
async fn status_page(
    app: &App,
    device: &crate::storage::Device,
    after: ChangePosition,
    limit: i64,
) -> ApiResult<StatusPage> {
    let scope = StatusScope {
        device_id: &device.device_id,
        jurisdiction: &device.jurisdiction,
    };
    // One more than the page holds tells whether there is more, so that a page that is
    // exactly full is not followed by a trip for an empty one.
    let mut rows = app.db.status_changes(&scope, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let cursor = rows.last().map_or(after, |(at, _)| *at).to_string();
    // The camp calendar and the open offers of work ride on the last page, so a sync needs
    // no trip of its own for them.
    let (camps, offers) = if more {
        (None, None)
    } else {
        let camps = app.db.camps_for(&device.jurisdiction, now_ms()).await?;
        let offers = crate::rozgar::offers::for_camp(&app.db, &device.jurisdiction).await?;
        (
            Some(camps.into_iter().map(Camp::into_info).collect()),
            Some(offers),
        )
    };
    Ok(StatusPage {
        changes: rows.into_iter().map(|(_, c)| c).collect(),
        cursor,
        more,
        camps,
        offers,
        pack_key_id: (!more).then(|| app.pack_key.key_id().to_owned()),
    })
}
