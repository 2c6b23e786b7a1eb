//! Signing in to the pages: the session token lives in an HttpOnly, SameSite=Strict cookie;
//! every form carries a token derived from it (CSRF); an expired session sends the officer
//! back to sign in and then to the page they wanted.

use super::{Frame, PageError, chosen_lang, cookie, form_pairs, form_value, render, see_other, t};
use crate::app::App;
use crate::auth::token_hash;
use crate::storage::{User, now_ms};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use panjiyan_core::messages::Lang;

const SESSION_COOKIE: &str = "panjiyan_session";

/// The form token for a session: a hash of the session token, so it needs no storage and a
/// page from another site cannot know it.
pub fn csrf_token(session_token: &str) -> String {
    let digest = token_hash(&format!("csrf|{session_token}"));
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed-in officer or admin on a page, with their language and form token.
pub struct PageUser {
    pub user: User,
    pub lang: Lang,
    pub csrf: String,
}

impl PageUser {
    /// Refuses a form whose token is not this session's.
    pub fn check_form(&self, pairs: &[(String, String)]) -> Result<(), PageError> {
        if form_value(pairs, "csrf") == Some(self.csrf.as_str()) {
            Ok(())
        } else {
            Err(PageError::expired())
        }
    }
}

impl FromRequestParts<App> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let user = signed_in(parts, app).await?;
        if !user.user.role.decides() {
            return Err(PageError::forbidden().into_response());
        }
        Ok(user)
    }
}

/// A signed-in user of any role (employers, the district cell): the page itself says which
/// roles it serves. `PageUser` stays the officers' and admins' own.
pub struct AnyUser(pub PageUser);

impl FromRequestParts<App> for AnyUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        signed_in(parts, app).await.map(AnyUser)
    }
}

/// A form posted by a signed-in user of any role, refused unless it carries the session's
/// form token.
pub struct AnyForm {
    pub user: PageUser,
    pub pairs: Vec<(String, String)>,
}

impl FromRequest<App> for AnyForm {
    type Rejection = Response;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = signed_in(&mut parts, app).await?;
        let pairs = checked_form(&user, parts, body, app).await?;
        Ok(AnyForm { user, pairs })
    }
}

/// The session's user whatever the role; signed out goes to sign in and back.
async fn signed_in(parts: &mut Parts, app: &App) -> Result<PageUser, Response> {
    let lang = chosen_lang(&parts.headers);
    let token = cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned);
    let user = match &token {
        Some(token) => app
            .db
            .session_user(&token_hash(token), now_ms())
            .await
            .map_err(|e| PageError::from(e).into_response())?,
        None => None,
    };
    let (Some(user), Some(token)) = (user, token) else {
        // Back to where they were going, once signed in; only pages of this site.
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| parts.method == axum::http::Method::GET && p.starts_with('/'))
            .unwrap_or("/officer/queue");
        let to: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish();
        return Err(see_other(&format!("/officer/sign-in?{to}")));
    };
    Ok(PageUser {
        csrf: csrf_token(&token),
        user,
        lang,
    })
}

/// Where a user of `role` goes after signing in: officers and admins where they were going,
/// an employer to its own pages, the district cell to its page.
fn landing(role: crate::roles::Role, next: &str) -> Option<String> {
    use crate::roles::Role;
    let within = |section: &str, default: &str| {
        if next == section || next.starts_with(&format!("{section}/")) {
            next.to_owned()
        } else {
            default.to_owned()
        }
    };
    match role {
        r if r.decides() => Some(next.to_owned()),
        Role::Employer => Some(within("/employer", "/employer")),
        Role::DistrictCell => Some(within("/jobs", "/jobs/cell")),
        _ => None,
    }
}

/// A form posted by a signed-in officer or admin, refused unless it carries the session's form
/// token: the user first (signed out goes to sign in), then the body, then the token.
pub struct PostedForm {
    pub user: PageUser,
    pub pairs: Vec<(String, String)>,
}

impl FromRequest<App> for PostedForm {
    type Rejection = Response;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, app).await?;
        let pairs = checked_form(&user, parts, body, app).await?;
        Ok(PostedForm { user, pairs })
    }
}

/// The fields of a form posted by `user`, once its body is read and its token is this
/// session's (`AnyForm` and `PostedForm` alike).
async fn checked_form(
    user: &PageUser,
    parts: Parts,
    body: axum::body::Body,
    app: &App,
) -> Result<Vec<(String, String)>, Response> {
    let body = Bytes::from_request(Request::from_parts(parts, body), app)
        .await
        .map_err(IntoResponse::into_response)?;
    let pairs = form_pairs(&body);
    user.check_form(&pairs)
        .map_err(IntoResponse::into_response)?;
    Ok(pairs)
}

#[derive(serde::Deserialize)]
pub struct SignInQuery {
    next: Option<String>,
}

/// Where sign-in may send back to: a path of the officer or admin pages, in plain characters
/// only (a tab, a backslash or a second slash can make a browser leave the site).
fn local_path(next: Option<&str>) -> &str {
    path_within(next, &["/officer", "/admin", "/employer", "/jobs"])
}

/// Where the language link goes back to: the officers' pages, or the worker's own.
fn language_back(referer: Option<&str>) -> &str {
    path_within(
        referer,
        &[
            "/officer",
            "/admin",
            "/self",
            "/card",
            "/status",
            "/employer",
            "/jobs",
        ],
    )
}

/// `next` if it is a path under one of `sections`, in plain characters only; else the queue.
fn path_within<'a>(next: Option<&'a str>, sections: &[&str]) -> &'a str {
    let ours = |n: &&str| {
        sections
            .iter()
            .any(|p| *n == *p || n.strip_prefix(p).is_some_and(|r| r.starts_with(['/', '?'])))
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_.?=&%+".contains(&b))
            && !n.contains("//")
            && !n.contains("/.")
    };
    next.filter(ours).unwrap_or("/officer/queue")
}

#[cfg(test)]
mod redirect_tests {
    use super::local_path;

    #[test]
    fn sign_in_sends_back_only_to_our_own_pages() {
        for ok in [
            "/officer/queue",
            "/admin/progress?place=2301",
            "/officer/registrations/abc-1",
            "/admin",
        ] {
            assert_eq!(local_path(Some(ok)), ok);
        }
        for bad in [
            "/\t/evil.example",
            "/\\evil.example",
            "//evil.example",
            "/officer//evil.example",
            "https://evil.example",
            "/officer/../../evil",
            "/officerx",
            "/status",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/officer/queue", "{bad:?}");
        }
        assert_eq!(local_path(None), "/officer/queue");
        // The language link goes back to the worker's pages too, never off the site.
        assert_eq!(super::language_back(Some("/self/form")), "/self/form");
        assert_eq!(
            super::language_back(Some("/status?member_id=1")),
            "/status?member_id=1"
        );
        assert_eq!(
            super::language_back(Some("//evil.example")),
            "/officer/queue"
        );
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    frame: Frame,
    next: &'a str,
    username: &'a str,
    problem: Option<&'a str>,
}

fn sign_in_form(
    lang: Lang,
    next: &str,
    username: &str,
    problem: Option<&str>,
) -> Result<Html<String>, PageError> {
    render(&SignInPage {
        frame: Frame::new(lang, None, t(lang, "page.sign_in.title")),
        next,
        username,
        problem,
    })
}

pub async fn sign_in_page(
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Result<Html<String>, PageError> {
    sign_in_form(
        chosen_lang(&headers),
        local_path(q.next.as_deref()),
        "",
        None,
    )
}

pub async fn sign_in(
    State(app): State<App>,
    client: crate::client_addr::ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = chosen_lang(&headers);
    let pairs = form_pairs(&body);
    let username = form_value(&pairs, "username").unwrap_or_default().trim();
    let password = form_value(&pairs, "password").unwrap_or_default();
    let next = local_path(form_value(&pairs, "next")).to_owned();
    let again = |status: StatusCode, key: &str| {
        (status, sign_in_form(lang, &next, username, Some(key))).into_response()
    };
    match crate::api::session::sign_in(&app, &client, username, password).await {
        Ok((user, token, _)) if landing(user.role, &next).is_some() => {
            let mut r = see_other(&landing(user.role, &next).unwrap_or_default());
            let cookie = super::session_cookie(
                &headers,
                SESSION_COOKIE,
                &token,
                app.settings.session_hours * 3600,
            );
            if let Some(v) = cookie {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Ok((_, token, _)) => {
            // Signed in, but not someone these pages serve: end that session at once.
            let _ = app.db.revoke_session(&token_hash(&token)).await;
            again(StatusCode::FORBIDDEN, "page.sign_in.role")
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            again(e.status, "page.sign_in.too_many")
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => again(e.status, "page.sign_in.failed"),
        Err(e) => PageError::from(e).into_response(),
    }
}

pub async fn sign_out(
    State(app): State<App>,
    AnyUser(user): AnyUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    user.check_form(&form_pairs(&body))?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        app.db.revoke_session(&token_hash(token)).await?;
    }
    let mut r = see_other("/officer/sign-in");
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("panjiyan_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(r)
}

#[derive(serde::Deserialize)]
pub struct LanguageQuery {
    to: String,
}

/// Sets the language cookie and goes back to the page the link was on.
pub async fn choose_language(headers: HeaderMap, Query(q): Query<LanguageQuery>) -> Response {
    let lang = if q.to == "en" { "en" } else { "hi" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()));
    let mut r = see_other(language_back(back.as_deref()));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "panjiyan_lang={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            local_path(Some("/officer/queue?unit=1")),
            "/officer/queue?unit=1"
        );
        assert_eq!(local_path(Some("https://evil.example/")), "/officer/queue");
        assert_eq!(local_path(Some("//evil.example/")), "/officer/queue");
        assert_eq!(local_path(None), "/officer/queue");
    }

    #[test]
    fn form_tokens_differ_per_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a"), csrf_token("a"));
        assert_eq!(csrf_token("a").len(), 32);
    }
}
