//! Device enrolment and revocation. A signed-in secretary or operator enrols the device's
//! public key and gets a device token and the server's pack-signing key; an admin over the
//! device's area can revoke it, after which it is refused at once.

use crate::app::App;
use crate::auth::{SignedInUser, new_token};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::{Device, now_ms};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use panjiyan_core::keys::PublicKey;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Enrol {
    /// The device's Ed25519 public key, base64.
    public_key: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Enrolled {
    device_id: String,
    device_token: String,
    jurisdiction: String,
    server_key: PublicKey,
}

#[utoipa::path(post, path = "/api/v1/devices", tag = "devices",
    summary = "Enrol a device's Ed25519 public key (secretary or operator); returns the device token and the server's pack-signing key",
    security(("user" = [])),
    request_body = Enrol,
    responses(
        (status = 201, description = "enrolled", body = Enrolled),
        (status = 400, description = "the body is not valid JSON, or public_key is not a base64 32-byte Ed25519 key (`bad_public_key`)", body = ErrorBody),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 403, description = "the user is not a secretary or an operator, or this device was revoked (`forbidden`)", body = ErrorBody),
        (status = 413, description = "the body is larger than the server accepts (`body_too_large`)", body = ErrorBody),
        (status = 415, description = "the body is not `application/json`, or its Content-Encoding is not gzip", body = ErrorBody),
        (status = 422, description = "a field is missing or of the wrong type", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn enrol(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    body: Result<Json<Enrol>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Enrolled>)> {
    let Json(enrol) = body?;
    if !user.role.enrols_devices() {
        return Err(ApiError::forbidden(
            "only a secretary or an operator can enrol a device",
        ));
    }
    let bytes = STANDARD
        .decode(enrol.public_key.trim())
        .map_err(|_| ApiError::bad_request("bad_public_key", "public_key must be base64"))?;
    let key = PublicKey::from_bytes(&bytes).map_err(|_| {
        ApiError::bad_request("bad_public_key", "public_key must be a 32-byte Ed25519 key")
    })?;
    let device = Device {
        device_id: key.key_id.clone(),
        public_key: key.bytes,
        jurisdiction: user.jurisdiction.clone(),
        enrolled_by: user.id,
        revoked: false,
    };
    let (token, hash) = new_token();
    match app.db.enrol_device(&device, &hash, now_ms()).await {
        Err(crate::storage::StorageError::AlreadyExists("revoked device")) => {
            return Err(ApiError::forbidden(
                "this device has been revoked and cannot enrol again",
            ));
        }
        Err(crate::storage::StorageError::AlreadyExists(_)) => {
            return Err(ApiError::forbidden(
                "this device is enrolled by another user: they, or an admin over its area, must revoke it before it is enrolled again",
            ));
        }
        other => other?,
    }
    tracing::info!(device = %device.device_id, user = user.id, "device enrolled");
    Ok((
        StatusCode::CREATED,
        Json(Enrolled {
            device_id: device.device_id,
            device_token: token,
            jurisdiction: device.jurisdiction,
            server_key: app.pack_key.public_key(),
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", tag = "devices",
    summary = "Revoke a device (its enroller, or an admin over its area); it is refused from then on",
    security(("user" = [])),
    params(("id" = String, Path, description = "the device id (its key id)")),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, description = "no token, or one that is unknown, expired or ended (`not_signed_in`)", body = ErrorBody),
        (status = 404, description = "no such device, or not one this user enrolled or administers (`not_found`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn revoke(
    State(app): State<App>,
    SignedInUser(user): SignedInUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let device = app
        .db
        .device(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("device"))?;
    let own = device.enrolled_by == user.id;
    let over = user.role.administers()
        && app
            .db
            .is_within(&device.jurisdiction, &user.jurisdiction)
            .await?;
    if !own && !over {
        return Err(ApiError::not_found("device"));
    }
    app.db.revoke_device(&id).await?;
    tracing::info!(device = %id, user = user.id, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}
