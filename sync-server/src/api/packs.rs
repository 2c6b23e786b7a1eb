//! Camp packs over HTTP: the units a caller may download with each pack's version and size,
//! and the download itself: ETag / If-None-Match, HTTP Range so that a broken download
//! resumes, and `?from=N` for a delta from version N; and the keys packs are signed with, with
//! the endorsements a pack-key rotation leaves for phones that pinned the key before.

use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::packs;
use crate::storage::{UnitSummary, now_ms};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use panjiyan_core::wire::PackKeys;
use serde::Deserialize;
use std::sync::atomic::Ordering;

#[utoipa::path(get, path = "/api/v1/units", tag = "packs",
    summary = "Villages and wards the caller may download, with each pack's version and size",
    security(("user" = []), ("device" = [])),
    responses(
        (status = 200, description = "the units of the caller's area", body = Vec<UnitSummary>),
        (status = 401, description = "no token, or a user or device token that is unknown, expired or revoked", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn units(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<UnitSummary>>> {
    // Read only: a unit whose pack is not built yet shows none (the background loop builds
    // it), so listing a state's villages never waits for thousands of builds.
    Ok(Json(app.db.units_within(caller.jurisdiction()).await?))
}

#[utoipa::path(get, path = "/api/v1/pack-keys", tag = "packs",
    summary = "The key camp packs are signed with, and the endorsements that lead to it from the keys before (a pack-key rotation)",
    description = "A phone that finds a pack signed by a key other than the one it pinned at enrolment follows the endorsements from its pinned key (each signed by the key before it) and pins the key they lead to; anything else it refuses.",
    security(("user" = []), ("device" = [])),
    responses(
        (status = 200, description = "the current key and the endorsements (none when the key has never been rotated)", body = PackKeys),
        (status = 401, description = "no token, or a user or device token that is unknown, expired or revoked", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn keys(State(app): State<App>, _caller: Caller) -> Json<PackKeys> {
    Json((*app.pack_keys).clone())
}

fn pack_error(e: packs::PackBuildError) -> ApiError {
    match e {
        packs::PackBuildError::Storage(s) => s.into(),
        packs::PackBuildError::NotAUnit(_) => ApiError::not_found("village or ward"),
        packs::PackBuildError::Pack(p) => {
            tracing::error!(error = %p, "pack build failed");
            ApiError::internal()
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// Send a delta from this version instead of the whole pack.
    from: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/units/{code}/pack", tag = "packs",
    summary = "Download a camp pack. Supports ETag/If-None-Match, Range (resume) and ?from=N for a delta",
    security(("user" = []), ("device" = [])),
    params(
        ("code" = String, Path, description = "the village's or ward's LGD code"),
        DownloadQuery,
        ("If-None-Match" = Option<String>, Header, description = "the ETag of the pack the caller holds"),
        ("Range" = Option<String>, Header, description = "one `bytes=` range, to resume a broken download"),
        ("If-Range" = Option<String>, Header, description = "the ETag of the pack the caller holds part of: the Range is honoured only if it is still the current pack, else the whole pack is sent"),
    ),
    responses(
        (status = 200, description = "the pack, or the delta from `from`", content_type = "application/vnd.panjiyan.camp-pack",
            headers(
                ("ETag" = String, description = "the whole pack's SHA-256, quoted (not on deltas)"),
                ("X-Pack-Version" = i64, description = "the pack's version"),
            )),
        (status = 206, description = "part of the pack (Range)", content_type = "application/vnd.panjiyan.camp-pack",
            headers(("Content-Range" = String, description = "`bytes start-end/total`"))),
        (status = 304, description = "not modified: the caller holds the current version"),
        (status = 400, description = "`from` is newer than the server's version (`bad_version`), or the query is malformed", body = ErrorBody),
        (status = 401, description = "no token, or a user or device token that is unknown, expired or revoked", body = ErrorBody),
        (status = 403, description = "signed in with a role that holds no camps (`packs_for_camp_staff`): packs are for operators, secretaries and their devices", body = ErrorBody),
        (status = 404, description = "no such village or ward within the caller's area, or no pack yet (`not_found`)", body = ErrorBody),
        (status = 410, description = "the base version of the delta is unknown: download the whole pack (`base_version_unknown`)", body = ErrorBody),
        (status = 416, description = "the range is outside the pack (`bad_range`)", body = ErrorBody,
            headers(("Content-Range" = String, description = "`bytes */total`"))),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn download(
    State(app): State<App>,
    caller: Caller,
    Path(code): Path<String>,
    query: Result<Query<DownloadQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(query) = query?;
    // A pack holds a whole village's records: it is for those who hold camps, not for every
    // role that can see the area (a state admin would otherwise download every village).
    if let Caller::User(u) = &caller
        && !u.role.enrols_devices()
    {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "packs_for_camp_staff",
            "camp packs are for the staff who hold camps (operators and secretaries) and their devices",
        ));
    }
    if !app.db.is_within(&code, caller.jurisdiction()).await? {
        // Outside the caller's area looks the same as not existing.
        return Err(ApiError::not_found("village or ward"));
    }
    let Some(version) = packs::ensure_current(&app, &code)
        .await
        .map_err(pack_error)?
    else {
        return Err(ApiError::not_found("camp pack"));
    };
    // A device that ends up holding the current version is recorded, for the camp calendar's
    // readiness check: a 304, or an answer that carries the last byte.
    let holds_current = async |app: &App| -> ApiResult<()> {
        if let Caller::Device(d) = &caller {
            app.db
                .record_pack_download(&d.device_id, &code, version, now_ms())
                .await?;
        }
        Ok(())
    };
    let (bytes, etag) = match query.from {
        Some(from) if from == version => {
            holds_current(&app).await?;
            return Ok(StatusCode::NOT_MODIFIED.into_response());
        }
        Some(from) if from > version => {
            return Err(ApiError::bad_request(
                "bad_version",
                "the device has a newer version than the server",
            ));
        }
        Some(from) => {
            let bytes = packs::delta(&app, &code, from)
                .await
                .map_err(pack_error)?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::GONE,
                        "base_version_unknown",
                        "that version is unknown: download the whole pack",
                    )
                })?;
            (bytes, None)
        }
        None => {
            let pack = app
                .db
                .pack(&code, Some(version))
                .await?
                .ok_or_else(|| ApiError::not_found("camp pack"))?;
            (pack.bytes, Some(format!("\"{}\"", pack.sha256)))
        }
    };
    if let (Some(etag), Some(inm)) = (&etag, headers.get(header::IF_NONE_MATCH))
        && inm
            .to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        holds_current(&app).await?;
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let total = bytes.len();
    // A resumed download names the pack it holds part of (If-Range): when that is not this
    // pack any more, the whole new pack is sent, never its tail glued to the old one's head.
    let same_pack = headers
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().is_ok_and(|v| etag.as_deref() == Some(v.trim())));
    let range = headers
        .get(header::RANGE)
        .filter(|_| same_pack)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, total));
    if range.is_none() || matches!(range, Some(Some((_, end))) if end + 1 == total) {
        holds_current(&app).await?;
    }
    let mut response = match range {
        None => bytes.into_response(),
        Some(Some((start, end))) => {
            let mut r = (StatusCode::PARTIAL_CONTENT, bytes[start..=end].to_vec()).into_response();
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")).expect("ascii"),
            );
            r
        }
        Some(None) => {
            let mut r = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "bad_range",
                "the requested range is outside the pack",
            )
            .into_response();
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{total}")).expect("ascii"),
            );
            return Ok(r);
        }
    };
    let sent = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(total as u64);
    app.metrics
        .pack_bytes_served
        .fetch_add(sent, Ordering::Relaxed);
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.panjiyan.camp-pack"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(etag) = etag {
        h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=0, must-revalidate"),
        );
    }
    h.insert("x-pack-version", HeaderValue::from(version));
    Ok(response)
}

/// One `bytes=` range: `start-end`, `start-` or `-suffix`; None when unsatisfiable.
fn parse_range(value: &str, total: usize) -> Option<(usize, usize)> {
    let spec = value.strip_prefix("bytes=")?.trim();
    if spec.contains(',') || total == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            (total.saturating_sub(n), total - 1)
        }
        (s, "") => (s.parse().ok()?, total - 1),
        (s, e) => (s.parse().ok()?, e.parse::<usize>().ok()?.min(total - 1)),
    };
    (start <= end && start < total).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_resume_from_an_offset_and_refuse_what_is_outside() {
        assert_eq!(parse_range("bytes=100-", 1000), Some((100, 999)));
        assert_eq!(parse_range("bytes=0-9", 1000), Some((0, 9)));
        assert_eq!(parse_range("bytes=-10", 1000), Some((990, 999)));
        assert_eq!(parse_range("bytes=900-5000", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=5-2", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
    }
}
