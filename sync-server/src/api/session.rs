//! Sign-in and sign-out. Failed sign-ins are counted per username and client address, in the
//! database (so every replica sees them), and too many in 15 minutes answer 429.

use crate::app::App;
use crate::auth::{SignedInUser, new_token, token_hash, verify_password};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::now_ms;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

const WINDOW_MS: i64 = 15 * 60 * 1000;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    username: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Session {
    token: String,
    expires_at: i64,
    role: crate::roles::Role,
    jurisdiction: String,
}

/// Checks a username and password (counting failures per username and client address) and
/// opens a session. Shared by the JSON sign-in and the officer pages.
pub(crate) async fn sign_in(
    app: &App,
    client: &SocketAddr,
    username: &str,
    password: &str,
) -> ApiResult<(crate::storage::User, String, i64)> {
    let key = format!("{}|{}", username, client.ip());
    let now = now_ms();
    if app.db.login_failures_since(&key, now - WINDOW_MS).await? >= app.settings.max_login_failures
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed sign-ins; wait 15 minutes and try again",
        ));
    }
    let found = app.db.user_with_hash(username).await?;
    let user = match found {
        Some((user, hash)) if !user.disabled && verify_password(password, &hash) => user,
        _ => {
            app.db.record_login_failure(&key, now).await?;
            return Err(ApiError::unauthorized(
                "bad_credentials",
                "wrong username or password",
            ));
        }
    };
    app.db.clear_login_failures(&key).await?;
    let (token, hash) = new_token();
    let expires_at = now + app.settings.session_hours * 3_600_000;
    app.db.create_session(&hash, user.id, expires_at).await?;
    tracing::info!(user = user.id, "signed in");
    Ok((user, token, expires_at))
}

#[utoipa::path(post, path = "/api/v1/login", tag = "session",
    summary = "Sign in with username and password; returns a bearer token",
    request_body = Login,
    responses(
        (status = 200, description = "signed in", body = Session),
        (status = 400, description = "the body is not valid JSON", body = ErrorBody),
        (status = 413, description = "the body is larger than the server accepts (`body_too_large`)", body = ErrorBody),
        (status = 415, description = "the body is not `application/json`, or its Content-Encoding is not gzip", body = ErrorBody),
        (status = 422, description = "a field is missing or of the wrong type", body = ErrorBody),
        (status = 401, description = "wrong username or password, or a disabled user (`bad_credentials`)", body = ErrorBody),
        (status = 429, description = "too many failed sign-ins for this username from this address in 15 minutes (`too_many_attempts`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn login(
    State(app): State<App>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Result<Json<Login>, JsonRejection>,
) -> ApiResult<Json<Session>> {
    let Json(login) = body?;
    let (user, token, expires_at) =
        sign_in(&app, &client, &login.username, &login.password).await?;
    Ok(Json(Session {
        token,
        expires_at,
        role: user.role,
        jurisdiction: user.jurisdiction,
    }))
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "session", summary = "End this session",
    security(("user" = [])),
    responses(
        (status = 204, description = "signed out"),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn logout(
    State(app): State<App>,
    _user: SignedInUser,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    app.db.revoke_session(&token_hash(token)).await?;
    Ok(StatusCode::NO_CONTENT)
}
