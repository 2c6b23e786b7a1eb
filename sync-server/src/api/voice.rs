//! Voice messages' audio for the provider that dials the worker: `/voice/{token}.wav`, the link
//! the HTTP gateway sends (`--voice-mode audio`). The token is the whole key; an unknown one and
//! an expired one get the same answer.

use crate::app::App;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::now_ms;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

#[utoipa::path(get, path = "/voice/{file}", tag = "worker",
    summary = "A voice message's audio, for the provider that dials the worker: the `audio_url` the HTTP gateway sent with --voice-mode audio, valid for 48 hours",
    params(("file" = String, Path, description = "the link's token followed by `.wav`")),
    responses(
        (status = 200, description = "the audio: WAV, 8 kHz mono 16-bit PCM", body = Vec<u8>, content_type = "audio/wav"),
        (status = 404, description = "no such audio: the token is unknown or its link expired, which answer the same (`not_found`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn audio(State(app): State<App>, Path(file): Path<String>) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("voice message");
    let token = file.strip_suffix(".wav").ok_or_else(not_found)?;
    let wav = app
        .db
        .voice_audio(&crate::auth::token_hash(token), now_ms())
        .await?
        .ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, "audio/wav"),
            // The link is a key: no shared cache keeps a copy.
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        wav,
    )
        .into_response())
}
