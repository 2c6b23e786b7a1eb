//! Officers' decisions: approve (a registration number is allocated in the same transaction;
//! approving twice changes nothing) or reject with a reason. Only within the officer's area.

use crate::app::App;
use crate::auth::SignedInUser;
use crate::error::{ApiError, ApiResult};
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

pub async fn show(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistrationRow>> {
    Ok(Json(visible(&app, &user, &id).await?))
}

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
#[derive(serde::Serialize)]
pub struct History {
    audit: Vec<crate::storage::AuditRow>,
    notifications: Vec<crate::storage::NotificationRow>,
}

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
#[derive(serde::Serialize)]
pub struct Queue {
    total: i64,
    oldest_age_hours: Option<i64>,
    registrations: Vec<crate::storage::QueueRow>,
}

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
