//! Who is calling: passwords (argon2id), random bearer tokens stored only as SHA-256, and the
//! extractors that turn a token into a signed-in user or an enrolled device.

use crate::app::App;
use crate::error::ApiError;
use crate::storage::{Device, User, now_ms};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .expect("system random works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes encode");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random token (32 bytes, base64url) and the hash that is stored.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("system random works");
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// A signed-in, enabled user with an unexpired session.
pub struct SignedInUser(pub User);

impl FromRequestParts<App> for SignedInUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError::unauthorized("not_signed_in", "sign in first"))?;
        let user = app.db.session_user(&token_hash(token), now_ms()).await?;
        user.map(SignedInUser).ok_or_else(|| {
            ApiError::unauthorized("not_signed_in", "the session is unknown, expired or ended")
        })
    }
}

/// An enrolled device that has not been revoked.
pub struct EnrolledDevice(pub Device);

impl FromRequestParts<App> for EnrolledDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError::unauthorized("not_enrolled", "a device token is required"))?;
        match app.db.device_by_token(&token_hash(token)).await? {
            Some(d) if d.revoked => Err(ApiError::unauthorized(
                "device_revoked",
                "this device has been revoked",
            )),
            Some(d) => Ok(EnrolledDevice(d)),
            None => Err(ApiError::unauthorized(
                "not_enrolled",
                "the device token is unknown",
            )),
        }
    }
}

/// Either a signed-in user or an enrolled device: what may list and download camp packs.
pub enum Caller {
    User(User),
    Device(Device),
}

impl Caller {
    pub fn jurisdiction(&self) -> &str {
        match self {
            Caller::User(u) => &u.jurisdiction,
            Caller::Device(d) => &d.jurisdiction,
        }
    }
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError::unauthorized("not_signed_in", "sign in first"))?;
        let hash = token_hash(token);
        if let Some(user) = app.db.session_user(&hash, now_ms()).await? {
            return Ok(Caller::User(user));
        }
        match app.db.device_by_token(&hash).await? {
            Some(d) if d.revoked => Err(ApiError::unauthorized(
                "device_revoked",
                "this device has been revoked",
            )),
            Some(d) => Ok(Caller::Device(d)),
            None => Err(ApiError::unauthorized(
                "not_signed_in",
                "the token is unknown, expired or revoked",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert_ne!(hash_password("correct horse"), h, "salted");
    }

    #[test]
    fn tokens_are_random_and_stored_as_hashes() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), ha);
        assert!(!String::from_utf8_lossy(&ha).contains(&a));
    }
}
