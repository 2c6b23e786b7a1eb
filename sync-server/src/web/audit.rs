//! The audit log for admins: every decision within their area (who, when, what, why), newest
//! first, by officer if asked, in pages.

use super::{PageError, PageUser, date_time, escape, layout, t};
use crate::app::App;
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
        other => escape(other),
    }
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
    let mut body = format!(
        "<h1>{title}</h1><form method=\"get\" action=\"/admin/audit\" class=\"filters\">\
         <label for=\"f-user\">{label}</label><input id=\"f-user\" name=\"user\" value=\"{who}\">\
         <button type=\"submit\">{apply}</button> <a href=\"/admin/audit\">{clear}</a></form>",
        title = t(lang, "page.audit.title"),
        label = t(lang, "page.audit.filter_user"),
        who = escape(who.unwrap_or_default()),
        apply = t(lang, "page.filter.apply"),
        clear = t(lang, "page.filter.clear"),
    );
    if entries.is_empty() {
        body.push_str(&format!(
            "<p class=\"empty\">{}</p>",
            t(lang, "page.audit.empty")
        ));
    } else {
        body.push_str(&format!(
            "<table class=\"audit\" id=\"audit\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "page.audit.when"),
            t(lang, "page.audit.who"),
            t(lang, "page.audit.what"),
            t(lang, "page.audit.registration"),
            t(lang, "page.audit.why"),
            t(lang, "page.field.note"),
        ));
        for e in &entries {
            body.push_str(&format!(
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td><a href=\"/officer/registrations/{id}\">{id}</a></td><td>{}</td><td>{}</td></tr>",
                date_time(e.at),
                escape(&e.username),
                action_text(lang, &e.action),
                escape(&e.reason.as_deref().map(|r| reject_reason_text(r, lang)).unwrap_or_default()),
                escape(e.note.as_deref().unwrap_or_default()),
                id = escape(&e.registration_id),
            ));
        }
        body.push_str("</tbody></table>");
        if entries.len() as i64 == PAGE
            && let Some(last) = entries.last()
        {
            let mut next = form_urlencoded::Serializer::new(String::new());
            if let Some(w) = who {
                next.append_pair("user", w);
            }
            next.append_pair("before", &last.id.to_string());
            body.push_str(&format!(
                "<p><a href=\"/admin/audit?{}\" id=\"older\">{}</a></p>",
                escape(&next.finish()),
                t(lang, "page.audit.older")
            ));
        }
    }
    Ok(Html(layout(
        lang,
        Some(&user),
        &t(lang, "page.audit.title"),
        &body,
    )))
}
