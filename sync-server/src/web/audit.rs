//! The audit log for admins: every decision within their area (who, when, what, why), newest
//! first, by officer if asked, in pages.

use super::{Frame, PageError, PageUser, date_time, render, t};
use crate::app::App;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use panjiyan_core::messages::Lang;
use panjiyan_core::registration::reject_reason_text;

const PAGE: i64 = 100;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    before: Option<i64>,
}

/// `approve` / `reject` as the officer reads it.
pub fn action_text(lang: Lang, action: &str) -> String {
    match action {
        "approve" => t(lang, "page.state.approved"),
        "reject" => t(lang, "page.state.rejected"),
        other => other.to_owned(),
    }
}

/// One decision in the log, in the admin's language.
struct AuditLine {
    when: String,
    who: String,
    what: String,
    registration: String,
    why: String,
    note: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    frame: Frame,
    who: &'a str,
    columns: [&'static str; 6],
    entries: Vec<AuditLine>,
    /// The query of the next (older) page, when there may be one.
    older: Option<String>,
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    if !user.user.role.administers() {
        return Err(PageError::forbidden());
    }
    let lang = user.lang;
    let who = q.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let entries = app
        .db
        .audit_log(&user.user.jurisdiction, who, q.before, PAGE)
        .await?;
    let older = entries
        .last()
        .filter(|_| entries.len() as i64 == PAGE)
        .map(|last| {
            let mut next = form_urlencoded::Serializer::new(String::new());
            if let Some(w) = who {
                next.append_pair("user", w);
            }
            next.append_pair("before", &last.id.to_string());
            next.finish()
        });
    render(&AuditPage {
        frame: Frame::titled(&user, "page.audit.title"),
        who: who.unwrap_or_default(),
        columns: [
            "page.audit.when",
            "page.audit.who",
            "page.audit.what",
            "page.audit.registration",
            "page.audit.why",
            "page.field.note",
        ],
        entries: entries
            .into_iter()
            .map(|e| AuditLine {
                when: date_time(e.at),
                what: action_text(lang, &e.action),
                why: e
                    .reason
                    .as_deref()
                    .map(|r| reject_reason_text(r, lang))
                    .unwrap_or_default(),
                note: e.note.unwrap_or_default(),
                registration: e.registration_id,
                who: e.username,
            })
            .collect(),
        older,
    })
}
