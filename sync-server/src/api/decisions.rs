//! Officers' decisions: approve (a registration number is allocated in the same transaction;
//! approving twice changes nothing) or reject with a reason. Only within the officer's area.

use crate::app::App;
use crate::auth::SignedInUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::{Decision, RegistrationRow, User, now_ms};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};

/// The registration if it lies within the user's area; outside it, the same "not found" as a
/// registration that does not exist.
pub(crate) async fn visible(app: &App, user: &User, id: &str) -> ApiResult<RegistrationRow> {
    let row = app
        .db
        .registration(id)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    if !app.db.is_within(&row.unit_code, &user.jurisdiction).await? {
        return Err(ApiError::not_found("registration"));
    }
    Ok(row)
}

/// A decision as sent, checked by `decisions::check`; a refusal is a 400 naming its code.
pub(crate) fn check_decision(decision: &Decision) -> ApiResult<()> {
    crate::decisions::check(decision).map_err(|r| ApiError::bad_request(r.code(), r.to_string()))
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}", tag = "decisions",
    summary = "A registration in the caller's area",
    security(("user" = [])),
    params(("id" = String, Path, description = "the registration's id (the UUID the device made)")),
    responses(
        (status = 200, description = "the registration", body = RegistrationRow),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 404, description = "no such registration within the user's area (`not_found`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn show(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistrationRow>> {
    Ok(Json(visible(&app, &user, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/decision", tag = "decisions",
    summary = "Approve (allocates the registration number) or reject with a reason; deciding the same way twice changes nothing",
    security(("user" = [])),
    params(("id" = String, Path, description = "the registration's id (the UUID the device made)")),
    request_body = Decision,
    responses(
        (status = 200, description = "the decided registration", body = RegistrationRow),
        (status = 400, description = "the body is not valid JSON, or a rejection without a reason (`reason_required`), with an unknown reason (`unknown_reason`) or a note over 500 characters (`note_too_long`)", body = ErrorBody),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 403, description = "the user is not a designated officer or an admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "no such registration within the user's area (`not_found`)", body = ErrorBody),
        (status = 409, description = "the registration is not pending approval: decided otherwise, or a duplicate (`not_pending`)", body = ErrorBody),
        (status = 413, description = "the body is larger than the server accepts (`body_too_large`)", body = ErrorBody),
        (status = 415, description = "the body is not `application/json`, or its Content-Encoding is not gzip", body = ErrorBody),
        (status = 422, description = "`decision` is missing or not approve/reject, or a field is of the wrong type", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn decide(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    Path(id): Path<String>,
    body: Result<Json<Decision>, JsonRejection>,
) -> ApiResult<Json<RegistrationRow>> {
    let Json(decision) = body?;
    if !user.role.decides() {
        return Err(ApiError::forbidden(
            "only a designated officer or an admin can decide on registrations",
        ));
    }
    check_decision(&decision)?;
    visible(&app, &user, &id).await?;
    let row = crate::decisions::decide(
        &app.db,
        &id,
        &decision,
        user.id,
        &app.settings.number_format,
        now_ms(),
    )
    .await?;
    tracing::info!(registration = %id, officer = user.id, state = %row.state, "decision recorded");
    Ok(Json(row))
}

/// What happened to a registration: the audit log and the messages to the worker.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct History {
    audit: Vec<crate::storage::AuditRow>,
    notifications: Vec<crate::storage::NotificationRow>,
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}/history", tag = "decisions",
    summary = "The audit log of a registration and the SMS/voice messages sent to the worker (officers and admins)",
    security(("user" = [])),
    params(("id" = String, Path, description = "the registration's id (the UUID the device made)")),
    responses(
        (status = 200, description = "history", body = History),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 403, description = "the user is not a designated officer or an admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "no such registration within the user's area (`not_found`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn history(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    Path(id): Path<String>,
) -> ApiResult<Json<History>> {
    if !user.role.decides() {
        return Err(ApiError::forbidden(
            "only officers and admins see the history of a registration",
        ));
    }
    visible(&app, &user, &id).await?;
    Ok(Json(History {
        audit: app.db.audit_for(&id).await?,
        notifications: app.db.notifications_for(&id).await?,
    }))
}

#[derive(serde::Deserialize)]
pub struct QueueQuery {
    #[serde(flatten)]
    filter: crate::storage::QueueFilter,
    limit: Option<i64>,
}

/// The officer's queue: pending registrations of the officer's area only, oldest first, with
/// the total and the age of the oldest.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Queue {
    total: i64,
    oldest_age_hours: Option<i64>,
    registrations: Vec<crate::storage::QueueRow>,
}

#[utoipa::path(get, path = "/api/v1/queue", tag = "decisions",
    summary = "The officer's queue: pending registrations of the officer's area, oldest first, with the total and the oldest's age",
    security(("user" = [])),
    params(
        crate::storage::QueueFilter,
        ("limit" = Option<i64>, Query, description = "at most this many registrations (1 to 1000, 100 if absent)"),
    ),
    responses(
        (status = 200, description = "the queue with its total and oldest age", body = Queue),
        (status = 400, description = "a malformed query, e.g. `from` not a number", body = ErrorBody),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 403, description = "the user is not a designated officer or an admin (`forbidden`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn queue(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    query: Result<axum::extract::Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Queue>> {
    let axum::extract::Query(q) = query?;
    if !user.role.decides() {
        return Err(ApiError::forbidden("only officers and admins have a queue"));
    }
    let (total, registrations) = app
        .db
        .pending_queue(
            &user.jurisdiction,
            &q.filter,
            q.limit.unwrap_or(100).clamp(1, 1_000),
        )
        .await?;
    let oldest_age_hours = registrations
        .first()
        .map(|r| (now_ms() - r.received_at) / 3_600_000);
    Ok(Json(Queue {
        total,
        oldest_age_hours,
        registrations,
    }))
}
