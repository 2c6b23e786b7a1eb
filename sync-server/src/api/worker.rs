//! The worker's own status look-up: with only a Samagra member ID, as JSON and as a plain page
//! that works on a basic phone browser. The name is masked; an ID with no registration and an
//! unknown ID answer the same; look-ups are rate-limited per client address.

use crate::app::App;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::storage::now_ms;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::registration::{RegistrationState, reject_reason_text};
use panjiyan_core::validate::SamagraMemberId;
use serde::{Deserialize, Serialize};

/// Look-ups allowed per client address in ten minutes.
const LOOKUPS_PER_WINDOW: i64 = 20;
/// Look-ups the whole server answers in a window.
const LOOKUPS_PER_WINDOW_ALL: i64 = 20_000;
/// Under this key the whole server's look-ups are counted.
const ALL_CLIENTS: &str = "*";
const WINDOW_MS: i64 = 10 * 60 * 1000;

/// `Laxmi Kushwaha` → `L**** K*******`: enough for a worker to recognise, not to identify.
pub fn mask(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            let first: String = chars.next().into_iter().collect();
            first + &"*".repeat(chars.count())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkerStatusAnswer {
    /// approved, pending, rejected or not_found
    #[schema(value_type = String)]
    pub status: &'static str,
    pub name: Option<String>,
    pub registration_number: Option<String>,
    /// DD-MM-YYYY
    pub date: Option<String>,
    pub reason: Option<String>,
    /// The answer as a sentence, Hindi and English.
    pub text_hi: String,
    pub text_en: String,
}

async fn look_up(app: &App, client: &ClientAddr, member_id: &str) -> ApiResult<WorkerStatusAnswer> {
    let now = now_ms();
    // Per client (behind the trusted proxy, the real one; IPv6 by /64), and for the whole
    // server, so that many addresses together cannot walk the member-ID space either.
    let since = now - WINDOW_MS;
    if app
        .db
        .status_lookups(&client.limit_key(), now, since)
        .await?
        > LOOKUPS_PER_WINDOW
        || app.db.status_lookups(ALL_CLIENTS, now, since).await? > LOOKUPS_PER_WINDOW_ALL
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_lookups",
            Message::new("status.too_many").text(Lang::En),
        ));
    }
    let id = SamagraMemberId::parse(member_id).map_err(|_| {
        ApiError::bad_request(
            "bad_member_id",
            Message::new("status.bad_id").text(Lang::En),
        )
    })?;
    let found = app.db.worker_status(id.as_str()).await?;
    let Some(s) = found else {
        let m = Message::new("status.not_found");
        return Ok(WorkerStatusAnswer {
            status: "not_found",
            name: None,
            registration_number: None,
            date: None,
            reason: None,
            text_hi: m.text(Lang::Hi),
            text_en: m.text(Lang::En),
        });
    };
    let date = s.decided_at.map(panjiyan_core::india_time::date);
    let status = match RegistrationState::parse(&s.state) {
        Some(RegistrationState::Approved) => "approved",
        Some(RegistrationState::Rejected) => "rejected",
        _ => "pending",
    };
    let text = |lang: Lang| {
        let name = mask(if lang == Lang::Hi && !s.name_hi.is_empty() {
            &s.name_hi
        } else {
            &s.name_en
        });
        Message::new(&format!("status.{status}"))
            .with("name", name)
            .with("number", s.registration_number.clone().unwrap_or_default())
            .with("date", date.clone().unwrap_or_default())
            .with(
                "reason",
                s.reason
                    .as_deref()
                    .map(|code| reject_reason_text(code, lang))
                    .unwrap_or_default(),
            )
            .text(lang)
    };
    Ok(WorkerStatusAnswer {
        status,
        name: Some(mask(&s.name_en)),
        registration_number: s.registration_number.clone(),
        date: date.clone(),
        reason: s.reason.clone(),
        text_hi: text(Lang::Hi),
        text_en: text(Lang::En),
    })
}

#[utoipa::path(get, path = "/api/v1/worker-status/{member_id}", tag = "worker",
    summary = "A worker's own status by 9-digit Samagra member ID: approved (number, date), pending, rejected (reason) or not_found; name masked; rate-limited per client",
    params(("member_id" = String, Path, description = "the worker's 9-digit Samagra member ID")),
    responses(
        (status = 200, description = "the status; an unknown ID answers `not_found` like one with no registration", body = WorkerStatusAnswer),
        (status = 400, description = "not a 9-digit Samagra member ID (`bad_member_id`)", body = ErrorBody),
        (status = 429, description = "too many look-ups from this address in 10 minutes (`too_many_lookups`)", body = ErrorBody),
        (status = 500, description = "the server failed; the error has been logged", body = ErrorBody),
    ))]
pub async fn status_json(
    State(app): State<App>,
    client: ClientAddr,
    Path(member_id): Path<String>,
) -> ApiResult<Json<WorkerStatusAnswer>> {
    Ok(Json(look_up(&app, &client, &member_id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The worker's 9-digit Samagra member ID; without it, the empty form.
    #[serde(default)]
    member_id: Option<String>,
}

/// Both languages of a status text: `हिंदी / English`.
fn both(key: &str) -> String {
    format!(
        "{} / {}",
        Message::new(key).text(Lang::Hi),
        Message::new(key).text(Lang::En)
    )
}

#[derive(Template)]
#[template(path = "worker_status.html")]
struct StatusPage {
    title: String,
    prompt: String,
    button: String,
    /// The answer to a look-up, or what went wrong with it (in English).
    answer: Option<Result<WorkerStatusAnswer, String>>,
}

/// A page small enough for a feature phone: one form, one answer, Hindi first.
#[utoipa::path(get, path = "/status", tag = "worker",
    summary = "The same look-up as a plain HTML page for a basic phone browser",
    params(PageQuery),
    responses(
        (status = 200, description = "the form, with the answer if a member ID was given", body = String, content_type = "text/html"),
        (status = 400, description = "the page, saying the member ID is not 9 digits", body = String, content_type = "text/html"),
        (status = 429, description = "the page, saying there were too many look-ups from this address", body = String, content_type = "text/html"),
        (status = 500, description = "the server failed; the error has been logged", body = String, content_type = "text/html"),
    ))]
pub async fn status_page(
    State(app): State<App>,
    client: ClientAddr,
    Query(query): Query<PageQuery>,
) -> (StatusCode, Html<String>) {
    let (code, answer) = match query.member_id {
        None => (StatusCode::OK, None),
        Some(id) => match look_up(&app, &client, id.trim()).await {
            Ok(a) => (StatusCode::OK, Some(Ok(a))),
            Err(e) => (e.status, Some(Err(e.message))),
        },
    };
    let page = StatusPage {
        title: both("status.title"),
        prompt: both("status.prompt"),
        button: both("status.button"),
        answer,
    };
    match page.render() {
        Ok(html) => (code, Html(html)),
        Err(e) => {
            tracing::error!(error = %e, "status page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(String::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn names_are_masked_word_by_word_in_either_script() {
        assert_eq!(mask("Laxmi Kushwaha"), "L**** K*******");
        assert_eq!(mask("लक्ष्मी"), "ल******");
        assert_eq!(mask(""), "");
    }
}
