//! Server-rendered pages for designated officers and admins: sign-in, the approval queue, one
//! registration beside its Samagra record, the audit log. Plain HTML forms that work without
//! script (a little script adds keyboard moves), Hindi or English, sized for a 1366×768 office
//! screen. The JSON API under `/api/v1` offers the same data. Each page is an askama template
//! in `sync-server/templates/` that extends `base.html` and escapes every value it shows; a
//! page's tables are typed rows, rendered by the template and downloaded by `csv_of`.

mod audit;
mod backlog;
mod camps;
mod chart;
mod employer;
mod groups;
mod jobs;
mod payout;
mod progress;
mod queue;
mod registration;
mod rules;
mod session;
mod worker;

use crate::app::App;
use crate::storage::StorageError;
use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use panjiyan_core::messages::{Lang, Message};

pub use backlog::{is_silent, silent_before};
pub use session::{AnyForm, AnyUser, PageUser, PostedForm, csrf_token};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/officer", get(|| async { see_other("/officer/queue") }))
        .route(
            "/officer/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/officer/sign-out", post(session::sign_out))
        .route("/officer/language", get(session::choose_language))
        .route("/officer/queue", get(queue::page))
        .route("/officer/queue/decide", post(queue::decide_many))
        .route("/officer/registrations/{id}", get(registration::page))
        .route(
            "/officer/registrations/{id}/decide",
            post(registration::decide),
        )
        .route("/admin/audit", get(audit::page))
        .route("/admin/rules", get(rules::page))
        .route("/admin/progress", get(progress::page))
        .route("/admin/payout", get(payout::page))
        .route("/admin/backlog", get(backlog::page))
        .route("/admin/camps", get(camps::list).post(camps::save))
        .route("/admin/camps/new", get(camps::new))
        .route("/admin/camps/{id}", get(camps::show))
        .route("/admin/camps/{id}/edit", get(camps::edit))
        .route("/admin/groups", get(groups::list).post(groups::import))
        .route("/admin/groups/{id}", get(groups::show))
        .route("/self", get(worker::ask_self))
        .route("/self/code", post(worker::send_self))
        .route(
            "/self/verify",
            get(worker::verify_self_page).post(worker::verify_self),
        )
        .route("/self/form", get(worker::form).post(worker::submit))
        .route("/status/verify", get(worker::verify_card_statement))
        .route("/card", get(worker::ask_card))
        .route("/card/code", post(worker::send_card))
        .route(
            "/card/verify",
            get(worker::verify_card_page).post(worker::verify_card),
        )
        .route("/card/download", get(worker::download_card))
        .route(
            "/officer/registrations/{id}/card.pdf",
            get(registration::card),
        )
        .route("/admin/camps/{id}/cards.pdf", get(camps::cards))
        .route("/admin/camps/{id}/forms.pdf", get(camps::forms))
        .route("/assets/officer.css", get(stylesheet))
        .route("/assets/officer.js", get(script))
        .merge(employer::routes())
        .merge(jobs::routes())
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("officer.css"))
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("officer.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A 303 to `to`: what a form post answers, so that reloading never posts twice.
pub(crate) fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// A CSV download: the header, then `rows` (see `csv_file::download`).
pub(crate) fn csv(
    filename: &str,
    head: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let out = crate::csv_file::download(head, rows);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        out,
    )
        .into_response()
}

/// A PDF download named `filename`.
pub(crate) fn pdf(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// What a card that cannot be printed answers: the server's fault, never the worker's.
pub(crate) fn card_failed(e: crate::cards::CardError) -> Response {
    match e {
        crate::cards::CardError::Storage(e) => PageError::from(e).into_response(),
        crate::cards::CardError::Print(e) => {
            tracing::error!(error = %e, "a card could not be printed");
            PageError::server().into_response()
        }
    }
}

/// `n` with Indian digit grouping (12,34,567).
pub(crate) fn count(n: i64) -> String {
    let text = panjiyan_core::messages::format_indian_number(n.unsigned_abs());
    if n < 0 { format!("-{text}") } else { text }
}

/// IST days since 1970-01-01 as `DD-MM-YYYY`.
pub(crate) fn day_text(day: i64) -> String {
    date_time(panjiyan_core::india_time::india_day_start(day))
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `YYYY-MM-DD` as IST days since 1970-01-01.
pub(crate) fn parse_day(date: &str) -> Option<i64> {
    day_start_ms(date, false).map(panjiyan_core::india_time::india_day)
}

/// IST days since 1970-01-01 as `YYYY-MM-DD` (what a date input shows).
pub(crate) fn day_iso(day: i64) -> String {
    panjiyan_core::india_time::india_date(day)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A place's name in `lang` (not escaped).
pub(crate) fn place_name(lang: Lang, p: &panjiyan_core::location::Place) -> &str {
    match lang {
        Lang::Hi => &p.name_hi,
        Lang::En => &p.name_en,
    }
}

/// A page text in `lang`, as plain text: the template escapes it.
pub(crate) fn t(lang: Lang, key: &str) -> String {
    crate::texts::key(lang, key)
}

/// A message with values in `lang`, as plain text: the template escapes it.
pub(crate) fn tm(lang: Lang, message: Message) -> String {
    crate::texts::text(lang, &message)
}

/// A session cookie `name` holding `token` for `max_age_secs`: HttpOnly, SameSite=Strict, and
/// Secure behind the HTTPS proxy a deployment runs, so that it never travels in clear (the
/// `X-Forwarded-Proto` read here reaches handlers only from a trusted proxy: see
/// `app::strict_transport`).
pub(crate) fn session_cookie(
    headers: &HeaderMap,
    name: &str,
    token: &str,
    max_age_secs: i64,
) -> Option<HeaderValue> {
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// The value of cookie `name`, if the request has it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language chosen with the language link (a cookie); Hindi until one is chosen.
pub(crate) fn chosen_lang(headers: &HeaderMap) -> Lang {
    match cookie(headers, "panjiyan_lang") {
        Some("en") => Lang::En,
        _ => Lang::Hi,
    }
}

pub(crate) use panjiyan_core::india_time::{date_time, day_start_ms, offset as ist};

/// Decoded `application/x-www-form-urlencoded` pairs, repeated names kept (bulk selections).
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

pub(crate) fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// What a page answers when it cannot show what was asked: in both languages, since the
/// failure may come before the language is known; never a stack of internals.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    key: &'static str,
}

impl PageError {
    pub(crate) fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            key: "page.error.not_found",
        }
    }

    pub(crate) fn forbidden() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            key: "page.error.forbidden",
        }
    }

    pub(crate) fn server() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            key: "page.error.server",
        }
    }

    pub(crate) fn expired() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            key: "page.error.expired",
        }
    }
}

impl From<StorageError> for PageError {
    fn from(e: StorageError) -> Self {
        tracing::error!(error = %e, "page failed on storage");
        Self::server()
    }
}

impl From<crate::error::ApiError> for PageError {
    fn from(e: crate::error::ApiError) -> Self {
        match e.status {
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::FORBIDDEN => Self::forbidden(),
            StatusCode::BAD_REQUEST => Self {
                status: e.status,
                key: "page.error.bad_form",
            },
            _ => Self {
                status: e.status,
                key: "page.error.server",
            },
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            frame: Frame::new(Lang::Hi, None, "Panjiyan"),
            hi: t(Lang::Hi, self.key),
            en: t(Lang::En, self.key),
            back_hi: t(Lang::Hi, "page.back"),
            back_en: t(Lang::En, "page.back"),
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "error page did not render");
                self.status.into_response()
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    hi: String,
    en: String,
    back_hi: String,
    back_en: String,
}

/// What the frame of every page (`templates/base.html`) shows: the title, the signed-in user
/// with sign-out and navigation by role, the language link. Every page template has one.
pub(crate) struct Frame {
    pub lang: Lang,
    pub title: String,
    pub nav: Option<Nav>,
}

/// The signed-in part of the frame.
pub(crate) struct Nav {
    pub admin: bool,
    /// Officers and admins: the queue and the camps.
    pub decides: bool,
    /// An employer's own pages.
    pub employer: bool,
    /// Verifying employers; the district cell's page; the state's minimum wages.
    pub verifies: bool,
    pub cell: bool,
    pub wages: bool,
    pub who: String,
    pub csrf: String,
}

impl Frame {
    pub(crate) fn new(lang: Lang, user: Option<&PageUser>, title: impl Into<String>) -> Self {
        Self {
            lang,
            title: title.into(),
            nav: user.map(|u| Nav {
                admin: u.user.role.administers(),
                decides: u.user.role.decides(),
                employer: u.user.role == crate::roles::Role::Employer,
                verifies: u.user.role.verifies_employers(),
                cell: u.user.role.reads_job_cell(),
                wages: u.user.role == crate::roles::Role::StateAdmin,
                who: tm(
                    lang,
                    Message::new("page.signed_in_as").with("user", &u.user.username),
                ),
                csrf: u.csrf.clone(),
            }),
        }
    }

    /// The frame of a signed-in user's page titled with the text of `key`.
    pub(crate) fn titled(user: &PageUser, key: &str) -> Self {
        Self::new(user.lang, Some(user), t(user.lang, key))
    }

    /// A page text in the page's language (the template escapes it).
    pub(crate) fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// `n` with Indian digit grouping.
    pub(crate) fn count(&self, n: impl Number) -> String {
        count(n.value())
    }

    /// Epoch milliseconds as `DD-MM-YYYY HH:MM` in India.
    pub(crate) fn date_time(&self, ms: i64) -> String {
        date_time(ms)
    }

    /// The signed-in session's form token (empty on pages before sign-in).
    pub(crate) fn csrf(&self) -> &str {
        self.nav.as_ref().map_or("", |n| n.csrf.as_str())
    }

    pub(crate) fn lang_code(&self) -> &'static str {
        match self.lang {
            Lang::Hi => "hi",
            Lang::En => "en",
        }
    }

    pub(crate) fn other_lang_code(&self) -> &'static str {
        match self.lang {
            Lang::Hi => "en",
            Lang::En => "hi",
        }
    }

    /// The pages only admins see, in the order of the navigation.
    pub(crate) fn admin_links(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("/admin/progress", "page.nav.progress"),
            ("/admin/groups", "page.nav.groups"),
            ("/admin/payout", "page.nav.payout"),
            ("/admin/backlog", "page.nav.backlog"),
            ("/admin/audit", "page.nav.audit"),
            ("/admin/rules", "page.nav.rules"),
        ]
    }
}

/// A count a template shows (by value or by reference, as the template has it).
pub(crate) trait Number {
    fn value(&self) -> i64;
}

impl Number for i64 {
    fn value(&self) -> i64 {
        *self
    }
}

impl Number for usize {
    fn value(&self) -> i64 {
        *self as i64
    }
}

impl<N: Number + ?Sized> Number for &N {
    fn value(&self) -> i64 {
        (**self).value()
    }
}

/// A row of a table that downloads as CSV: the column names once, and the row's cells from
/// its typed fields (the page renders the same rows through its template).
pub(crate) trait CsvRow {
    const HEAD: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

/// A CSV download of typed rows.
pub(crate) fn csv_of<'a, R: CsvRow + 'a>(
    filename: &str,
    rows: impl IntoIterator<Item = &'a R>,
) -> Response {
    csv(filename, R::HEAD, rows.into_iter().map(R::cells))
}

/// A page template rendered to the answer; a template that fails (it cannot, short of a
/// formatting error) is a server error page.
pub(crate) fn render(page: &impl Template) -> Result<Html<String>, PageError> {
    page.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "page did not render");
        PageError::server()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page whose only value is a name someone typed.
    #[derive(Template)]
    #[template(
        source = "{% extends \"base.html\" %}{% block main %}<p id=\"n\">{{ name }}</p>{% endblock %}",
        ext = "html"
    )]
    struct NamePage<'a> {
        frame: Frame,
        name: &'a str,
    }

    #[test]
    fn escaping_leaves_no_markup() {
        let page = NamePage {
            frame: Frame::new(Lang::Hi, None, "<b>title</b>"),
            name: "<script>alert('&')</script> लक्ष्मी",
        };
        let html = page.render().unwrap();
        assert!(
            html.contains(
                "<p id=\"n\">&#60;script&#62;alert(&#39;&#38;&#39;)&#60;/script&#62; लक्ष्मी</p>"
            ),
            "{html}"
        );
        assert!(html.contains("<title>&#60;b&#62;title&#60;/b&#62; · Panjiyan</title>"));
        assert!(!html.contains("<script>alert"));
    }

    #[test]
    fn dates_from_the_filter_are_days_in_india() {
        let start = day_start_ms("2026-11-22", false).unwrap();
        let end = day_start_ms("2026-11-22", true).unwrap();
        assert_eq!(end - start, 24 * 3_600_000);
        assert_eq!(date_time(start), "22-11-2026 00:00");
        assert_eq!(day_start_ms("22/11/2026", false), None);
        assert_eq!(day_start_ms("2026-02-30", false), None);
    }

    #[test]
    fn days_read_back_as_they_were_written() {
        let day = parse_day("2026-11-22").unwrap();
        assert_eq!(day_iso(day), "2026-11-22");
        assert_eq!(day_text(day), "22-11-2026");
        assert_eq!(count(1234567), "12,34,567");
    }

    #[test]
    fn a_csv_download_is_an_attachment_in_utf8() {
        let r = csv("x.csv", &["a"], [vec!["1".into()]]);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(
            r.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("x.csv")
        );
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; panjiyan_lang=en; b=2"),
        );
        assert_eq!(cookie(&h, "panjiyan_lang"), Some("en"));
        assert_eq!(chosen_lang(&h), Lang::En);
        assert_eq!(cookie(&h, "missing"), None);
    }
}
