//! The camps a phone shows: those covering the caller's villages and wards that have not ended.

use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::storage::{Camp, now_ms};
use axum::Json;
use axum::extract::State;

/// `GET /api/v1/camps`: today's and the next camps of the caller's area.
#[utoipa::path(get, path = "/api/v1/camps", tag = "camps",
    summary = "Camps covering the caller's villages and wards that have not ended, soonest first: what a phone shows as today's camp",
    security(("user" = []), ("device" = [])),
    responses(
        (status = 200, description = "camps, soonest first (start and end in epoch ms)", body = Vec<Camp>),
        (status = 401, description = "no token, or one that is unknown, expired or revoked", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn list(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<Camp>>> {
    Ok(Json(
        app.db.camps_for(caller.jurisdiction(), now_ms()).await?,
    ))
}
