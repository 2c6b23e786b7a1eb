//! Sign-in and sign-out. Failed sign-ins are counted per username and client address, in the
//! database (so every replica sees them), and too many in 15 minutes answer 429.

use crate::app::App;
use crate::auth::{SignedInUser, new_token, token_hash, verify_password};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::now_ms;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

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

/// A hash of no password, checked when the username is unknown, so that an unknown name
/// takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::auth::hash_password("no user has this password"))
}

/// Under this key the whole server's failed sign-ins are counted.
const ALL_CLIENTS: &str = "*";

fn too_many() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "too many failed sign-ins; wait 15 minutes and try again",
    )
}

/// Sign-in attempts counted before the check and not yet settled. Dropped unsettled (the
/// client cut the connection while its password was being checked, so it learnt nothing), they
/// are forgotten: an abandoned attempt must not count as a wrong password, or a flaky link
/// locks a user out. A wrong password clears the list first, so it stays counted.
struct Counted {
    db: std::sync::Arc<crate::storage::Db>,
    attempts: Vec<String>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let attempts = std::mem::take(&mut self.attempts);
        if attempts.is_empty() {
            return;
        }
        let db = self.db.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                for a in attempts {
                    if let Err(e) = db.end_login_attempt(&a).await {
                        tracing::warn!(error = %e, "an abandoned sign-in attempt could not be forgotten");
                    }
                }
            });
        }
    }
}

/// Checks a username and password and opens a session. Shared by the JSON sign-in and the
/// officer pages. Attempts are counted before the check, per username and client (behind the
/// trusted proxy, the real client; IPv6 by /64) and per username from everywhere; failures of
/// the whole server too. The hash is checked on the blocking pool, a few at a time, and an
/// unknown username is checked against a dummy hash, so the time taken tells nothing.
pub(crate) async fn sign_in(
    app: &App,
    client: &ClientAddr,
    username: &str,
    password: &str,
) -> ApiResult<(crate::storage::User, String, i64)> {
    let username = username.chars().take(64).collect::<String>();
    let per_client = format!("{username}|{}", client.limit_key());
    let per_user = format!("{username}|*");
    let now = now_ms();
    let since = now - WINDOW_MS;
    let s = &app.settings;
    if app.db.login_failures_since(ALL_CLIENTS, since).await? >= s.max_login_failures_global {
        return Err(too_many());
    }
    let (mine, by_client) = app.db.count_login_attempt(&per_client, now, since).await?;
    let mut counted = Counted {
        db: app.db.clone(),
        attempts: vec![by_client.clone()],
    };
    let (theirs, by_user) = app.db.count_login_attempt(&per_user, now, since).await?;
    counted.attempts.push(by_user.clone());
    let forget = || async {
        app.db.end_login_attempt(&by_client).await?;
        app.db.end_login_attempt(&by_user).await
    };
    if mine > s.max_login_failures || theirs > s.max_login_failures_per_user {
        forget().await?;
        return Err(too_many());
    }
    let found = app.db.user_with_hash(&username).await?;
    let (user, hash) = match found {
        Some((user, hash)) if !user.disabled => (Some(user), hash),
        _ => (None, dummy_hash().to_owned()),
    };
    let matches = {
        let _permit = app
            .hashing
            .acquire()
            .await
            .map_err(|_| ApiError::internal())?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|_| ApiError::internal())?
    };
    let Some(user) = user.filter(|_| matches) else {
        // A wrong password stays counted.
        counted.attempts.clear();
        app.db.record_login_failure(ALL_CLIENTS, now).await?;
        return Err(ApiError::unauthorized(
            "bad_credentials",
            "wrong username or password",
        ));
    };
    forget().await?;
    counted.attempts.clear();
    app.db.clear_login_failures(&per_client).await?;
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
    client: ClientAddr,
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
