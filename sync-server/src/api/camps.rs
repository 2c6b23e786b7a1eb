//! The camps a phone shows: those covering the caller's villages and wards that have not ended.

use crate::app::App;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::storage::{Camp, now_ms};
use axum::Json;
use axum::extract::State;

/// `GET /api/v1/camps`: today's and the next camps of the caller's area.
pub async fn list(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<Camp>>> {
    Ok(Json(
        app.db.camps_for(caller.jurisdiction(), now_ms()).await?,
    ))
}
