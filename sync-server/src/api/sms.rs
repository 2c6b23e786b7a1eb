//! The SMS provider's inbound webhook: a worker's reply to an offer of work (`HAAN 123456` /
//! `NA 123456`) as the HTTP gateway forwards it, signed with HMAC-SHA256 of the raw body under
//! the secret shared with the provider (`--sms-inbound-secret`). A forged or missing signature
//! stores nothing; the same message delivered twice answers the same (answering is idempotent).

use crate::app::App;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::rozgar::RozgarError;
use crate::rozgar::offers;
use crate::storage::now_ms;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use panjiyan_core::messages::Lang;
use serde::{Deserialize, Serialize};

/// The header the provider signs the body in: `sha256=<64 lowercase or uppercase hex digits>`.
pub const SIGNATURE_HEADER: &str = "x-panjiyan-signature";
/// Messages one client (the provider's address) may deliver in ten minutes.
const MESSAGES_PER_WINDOW: i64 = 3_000;
const WINDOW_MS: i64 = 10 * 60 * 1000;

/// One SMS a worker sent, as the provider forwards it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InboundSms {
    /// The sender's mobile number (10 digits, optionally with +91 or 0 before it).
    pub from: String,
    /// What the worker wrote, e.g. `HAAN 123456`.
    pub text: String,
    /// The provider's id of the message; the same id delivered again answers the same.
    pub id: String,
}

/// What became of the message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboundAnswer {
    /// `accepted` or `declined` (the offer's answer is recorded), or `not_matched` (no offer
    /// with this code was sent to this number; nothing changed).
    #[schema(value_type = String)]
    pub outcome: &'static str,
    /// The provider's message id, as it came.
    pub id: String,
    /// What happened, in English, for the provider's logs.
    pub message: String,
}

/// The HMAC-SHA256 signature header for `body` under `secret`, as the provider sends it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Whether `headers` carry a signature of `body` under `secret` (compared in constant time).
fn signed(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let Some(tag) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("sha256="))
        .and_then(unhex)
    else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(&key, body, &tag).is_ok()
}

/// A refusal's stable code, from its message key.
fn refusal_code(key: &str) -> &'static str {
    match key {
        "page.jobs.reply_unreadable" => "reply_unreadable",
        "page.jobs.reply_not_matched" => "reply_not_matched",
        "page.jobs.offer_already_answered" => "offer_already_answered",
        "page.jobs.already_holding" => "already_holding",
        "page.jobs.offer_unknown" => "offer_unknown",
        _ => "refused",
    }
}

#[utoipa::path(post, path = "/api/v1/sms/inbound", tag = "worker",
    summary = "The SMS provider's inbound webhook: a worker's reply to an offer of work (HAAN/NA and the offer's six-digit code), signed with HMAC-SHA256 of the raw body under --sms-inbound-secret in X-Panjiyan-Signature: sha256=<hex>",
    request_body = InboundSms,
    params(("X-Panjiyan-Signature" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 of the raw request body under the shared secret")),
    responses(
        (status = 200, description = "the reply was taken (`accepted`, `declined`) or matches no offer sent to this number (`not_matched`, nothing changed); the same message delivered again answers the same", body = InboundAnswer),
        (status = 400, description = "the body is not the JSON described (`bad_request`)", body = ErrorBody),
        (status = 401, description = "the signature is missing or wrong (`bad_signature`); nothing was stored", body = ErrorBody),
        (status = 404, description = "this server takes no inbound SMS: it was started without --sms-inbound-secret (`sms_inbound_off`)", body = ErrorBody),
        (status = 422, description = "the reply cannot be taken, in words: unreadable (`reply_unreadable`), the offer already answered otherwise (`offer_already_answered`), the worker holds other work (`already_holding`)", body = ErrorBody),
        (status = 429, description = "too many messages from this address in 10 minutes (`too_many_messages`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged; deliver the message again", body = ErrorBody),
    ))]
pub async fn inbound(
    State(app): State<App>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<InboundAnswer>> {
    let Some(secret) = app.settings.sms_inbound_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "sms_inbound_off",
            "this server takes no inbound SMS: start it with --sms-inbound-secret",
        ));
    };
    let now = now_ms();
    let key = format!("sms-inbound:{}", client.limit_key());
    if app.db.status_lookups(&key, now, now - WINDOW_MS).await? > MESSAGES_PER_WINDOW {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_messages",
            "too many messages from this address; try again in a few minutes",
        ));
    }
    if !signed(secret, &headers, &body) {
        return Err(ApiError::unauthorized(
            "bad_signature",
            "the X-Panjiyan-Signature header is missing or is not sha256=<hex HMAC-SHA256 of the body> under the shared secret",
        ));
    }
    let sms: InboundSms = serde_json::from_slice(&body).map_err(|e| {
        // serde's message names the field and the expected type, never the value.
        ApiError::bad_request(
            "bad_request",
            format!("the body is not an inbound SMS: {e}"),
        )
    })?;
    match offers::answer_by_sms(&app.db, &sms.from, &sms.text).await {
        Ok(offer) => {
            let outcome = if offer.state == "declined" {
                "declined"
            } else {
                "accepted"
            };
            tracing::info!(message_id = %sms.id, offer = %offer.id, outcome, "inbound SMS answered an offer");
            Ok(Json(InboundAnswer {
                outcome,
                id: sms.id,
                message: format!("the worker's answer is recorded: {outcome}"),
            }))
        }
        Err(RozgarError::Refused(problems))
            if problems
                .iter()
                .any(|p| p.message.key == "page.jobs.reply_not_matched") =>
        {
            tracing::info!(message_id = %sms.id, "inbound SMS matched no offer");
            Ok(Json(InboundAnswer {
                outcome: "not_matched",
                id: sms.id,
                message: crate::texts::key(Lang::En, "page.jobs.reply_not_matched"),
            }))
        }
        Err(RozgarError::Refused(problems)) => {
            let first = &problems[0];
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal_code(&first.message.key),
                crate::texts::text(Lang::En, &first.message),
            ))
        }
        Err(RozgarError::Storage(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_checked_against_the_raw_body() {
        let body = br#"{"from":"9876543210","text":"HAAN 123456","id":"m1"}"#;
        let mut headers = HeaderMap::new();
        assert!(!signed("s3cret", &headers, body), "missing");
        headers.insert(SIGNATURE_HEADER, signature("s3cret", body).parse().unwrap());
        assert!(signed("s3cret", &headers, body));
        assert!(!signed("other", &headers, body), "another secret");
        assert!(!signed("s3cret", &headers, b"{}"), "another body");
        headers.insert(SIGNATURE_HEADER, "sha256=zz".parse().unwrap());
        assert!(!signed("s3cret", &headers, body), "not hex");
        let upper = signature("s3cret", body)
            .to_uppercase()
            .replace("SHA256=", "sha256=");
        headers.insert(SIGNATURE_HEADER, upper.parse().unwrap());
        assert!(signed("s3cret", &headers, body), "hex in capitals");
    }
}
