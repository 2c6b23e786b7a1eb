//! The approval queue: pending registrations of the officer's area only, oldest first, with
//! filters (village or ward, camp, dates, occupation), counts and age; approve or reject many
//! at once.

use super::registration::{Outcome, decide_one, reason_options};
use super::{
    PageError, PageUser, date_time, day_start_ms, escape, form_pairs, form_value, layout,
    see_other, t, tm,
};
use crate::app::App;
use crate::storage::{Decision, QueueFilter, now_ms};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;

/// Rows shown at once; filters narrow the rest.
const SHOWN: i64 = 200;

#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueQuery {
    unit: Option<String>,
    camp: Option<String>,
    occupation: Option<String>,
    /// YYYY-MM-DD, inclusive.
    from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    to: Option<String>,
    approved: Option<u32>,
    rejected: Option<u32>,
    skipped: Option<u32>,
    problem: Option<String>,
}

fn some(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn select(
    name: &str,
    label: &str,
    any: &str,
    chosen: Option<&str>,
    options: &[(String, String)],
) -> String {
    let mut html = format!(
        "<label for=\"f-{name}\">{label}</label><select id=\"f-{name}\" name=\"{name}\"><option value=\"\">{any}</option>"
    );
    for (value, text) in options {
        let selected = if chosen == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        html.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            escape(value),
            escape(text)
        ));
    }
    html.push_str("</select>");
    html
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let area = &user.user.jurisdiction;
    let mut problems = Vec::new();
    let mut date = |v: &Option<String>, next_day: bool| match some(v) {
        None => None,
        Some(d) => {
            let ms = day_start_ms(&d, next_day);
            if ms.is_none() {
                problems.push("page.filter.bad_date");
            }
            ms
        }
    };
    let filter = QueueFilter {
        unit: some(&q.unit),
        camp: some(&q.camp),
        occupation: some(&q.occupation),
        from: date(&q.from, false),
        to: date(&q.to, true),
    };
    let (total, rows) = app.db.pending_queue(area, &filter, SHOWN).await?;
    let units: Vec<(String, String)> = app
        .db
        .units_within(area)
        .await?
        .into_iter()
        .map(|u| {
            let name = if lang == Lang::Hi {
                u.name_hi
            } else {
                u.name_en
            };
            (u.code, name)
        })
        .collect();
    let camps: Vec<(String, String)> = app
        .db
        .pending_camps(area)
        .await?
        .into_iter()
        .map(|c| (c.clone(), c))
        .collect();
    let occupations = OccupationList::builtin();
    let occupation_options: Vec<(String, String)> = occupations
        .categories
        .iter()
        .map(|o| (o.code.clone(), o.name(lang).to_owned()))
        .collect();

    let mut body = format!("<h1>{}</h1>", t(lang, "page.queue.title"));
    if let (Some(a), Some(r), Some(s)) = (q.approved, q.rejected, q.skipped) {
        body.push_str(&format!(
            "<p class=\"done\" role=\"status\" id=\"bulk-result\">{}</p>",
            tm(
                lang,
                Message::new("page.bulk.done")
                    .with("approved", a)
                    .with("rejected", r)
                    .with("skipped", s)
            )
        ));
    }
    for key in problems
        .iter()
        .copied()
        .chain(q.problem.as_deref().and_then(|p| match p {
            "none_selected" => Some("page.bulk.none_selected"),
            "reason_required" => Some("page.decide.reason_required"),
            _ => None,
        }))
    {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            t(lang, key)
        ));
    }

    // Filters: a plain GET form, so a filtered queue is a link that can be shared.
    body.push_str("<form method=\"get\" action=\"/officer/queue\" class=\"filters\">");
    body.push_str(&select(
        "unit",
        &t(lang, "page.filter.unit"),
        &t(lang, "page.filter.any"),
        filter.unit.as_deref(),
        &units,
    ));
    body.push_str(&select(
        "camp",
        &t(lang, "page.filter.camp"),
        &t(lang, "page.filter.any"),
        filter.camp.as_deref(),
        &camps,
    ));
    body.push_str(&select(
        "occupation",
        &t(lang, "page.filter.occupation"),
        &t(lang, "page.filter.any"),
        filter.occupation.as_deref(),
        &occupation_options,
    ));
    body.push_str(&format!(
        "<label for=\"f-from\">{}</label><input type=\"date\" id=\"f-from\" name=\"from\" value=\"{}\">\
         <label for=\"f-to\">{}</label><input type=\"date\" id=\"f-to\" name=\"to\" value=\"{}\">\
         <button type=\"submit\">{}</button> <a href=\"/officer/queue\">{}</a></form>",
        t(lang, "page.filter.from"),
        escape(&some(&q.from).unwrap_or_default()),
        t(lang, "page.filter.to"),
        escape(&some(&q.to).unwrap_or_default()),
        t(lang, "page.filter.apply"),
        t(lang, "page.filter.clear"),
    ));

    if rows.is_empty() {
        body.push_str(&format!(
            "<p class=\"empty\" id=\"queue-empty\">{}</p>",
            t(lang, "page.queue.empty")
        ));
        return Ok(Html(layout(
            lang,
            Some(&user),
            &t(lang, "page.queue.title"),
            &body,
        )));
    }
    let now = now_ms();
    let oldest_hours = (now - rows[0].received_at) / 3_600_000;
    body.push_str(&format!(
        "<p class=\"summary\" id=\"queue-summary\">{}",
        tm(
            lang,
            Message::new("page.queue.summary")
                .with("total", total)
                .with("hours", oldest_hours)
        )
    ));
    if total > rows.len() as i64 {
        body.push_str(&format!(
            " {}",
            tm(
                lang,
                Message::new("page.queue.shown").with("shown", rows.len())
            )
        ));
    }
    body.push_str("</p>");

    // The table sits inside the bulk form; the filters travel along so the officer comes back
    // to the same view.
    body.push_str(&format!(
        "<form method=\"post\" action=\"/officer/queue/decide\" id=\"bulk\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(&user.csrf)
    ));
    for (name, value) in [
        ("unit", &filter.unit),
        ("camp", &filter.camp),
        ("occupation", &filter.occupation),
        ("from", &some(&q.from)),
        ("to", &some(&q.to)),
    ] {
        if let Some(v) = value {
            body.push_str(&format!(
                "<input type=\"hidden\" name=\"keep_{name}\" value=\"{}\">",
                escape(v)
            ));
        }
    }
    body.push_str(&format!(
        "<table class=\"queue\"><thead><tr><th><input type=\"checkbox\" id=\"select-all\" title=\"{select_all}\" aria-label=\"{select_all}\"></th>\
         <th>{name}</th><th>{member}</th><th>{unit}</th><th>{occupation}</th><th>{channel}</th><th>{camp}</th><th>{received}</th><th>{waiting}</th></tr></thead><tbody>",
        select_all = t(lang, "page.select_all"),
        name = t(lang, "page.col.name"),
        member = t(lang, "page.col.member_id"),
        unit = t(lang, "page.col.unit"),
        occupation = t(lang, "page.col.occupation"),
        channel = t(lang, "page.col.channel"),
        camp = t(lang, "page.col.camp"),
        received = t(lang, "page.col.received"),
        waiting = t(lang, "page.col.waiting"),
    ));
    for r in &rows {
        let (name, unit_name) = match lang {
            Lang::Hi => (&r.name_hi, &r.unit_name_hi),
            Lang::En => (&r.name_en, &r.unit_name_en),
        };
        let occupation = occupations
            .get(&r.occupation_code)
            .map_or(r.occupation_code.as_str(), |o| o.name(lang));
        body.push_str(&format!(
            "<tr data-id=\"{id}\" tabindex=\"-1\"><td><input type=\"checkbox\" name=\"id\" value=\"{id}\" aria-label=\"{select}\"></td>\
             <td><a href=\"/officer/registrations/{id}\">{name}</a></td><td class=\"num\">{member}</td><td>{unit}</td>\
             <td>{occupation}</td><td>{channel}</td><td>{camp}</td><td class=\"num\">{received}</td><td class=\"num\">{waiting}</td></tr>",
            id = escape(&r.id),
            select = t(lang, "page.col.select"),
            name = escape(name),
            member = escape(&r.member_id),
            unit = escape(unit_name),
            occupation = escape(occupation),
            channel = t(lang, &format!("page.channel.{}", r.channel)),
            camp = escape(r.camp_id.as_deref().unwrap_or("")),
            received = date_time(r.received_at),
            waiting = tm(lang, Message::new("page.hours").with("hours", (now - r.received_at) / 3_600_000)),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"approve\" class=\"primary\" id=\"bulk-approve\">{approve}</button>\
         <label for=\"bulk-reason\">{reason}</label>{options}\
         <label for=\"bulk-note\">{note}</label><input id=\"bulk-note\" name=\"note\" maxlength=\"500\">\
         <button type=\"submit\" name=\"action\" value=\"reject\" class=\"danger\" id=\"bulk-reject\">{reject}</button></div></form>\
         <p class=\"keys\">{keys}</p>",
        approve = t(lang, "page.bulk.approve"),
        reason = t(lang, "page.decide.reason"),
        options = reason_options(lang, "bulk-reason"),
        note = t(lang, "page.decide.note"),
        reject = t(lang, "page.bulk.reject"),
        keys = t(lang, "page.keys.queue"),
    ));
    Ok(Html(layout(
        lang,
        Some(&user),
        &t(lang, "page.queue.title"),
        &body,
    )))
}

/// Approves or rejects every selected registration, each in its own transaction, and comes
/// back to the same filtered queue with what happened.
pub async fn decide_many(
    State(app): State<App>,
    user: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body);
    user.check_form(&pairs)?;
    // The filters to come back to (kept as pairs: the serializer is not Send across awaits).
    let mut back: Vec<(String, String)> = ["unit", "camp", "occupation", "from", "to"]
        .into_iter()
        .filter_map(|name| {
            form_value(&pairs, &format!("keep_{name}")).map(|v| (name.to_owned(), v.to_owned()))
        })
        .collect();
    let to_queue = |back: &[(String, String)]| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(back)
            .finish();
        see_other(&format!("/officer/queue?{query}"))
    };
    let ids: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str())
        .collect();
    let decision = match form_value(&pairs, "action") {
        Some("reject") => match form_value(&pairs, "reason") {
            Some(reason) => Decision::Reject {
                reason: reason.to_owned(),
                note: form_value(&pairs, "note").map(|n| n.trim().to_owned()),
            },
            None => {
                back.push(("problem".into(), "reason_required".into()));
                return Ok(to_queue(&back));
            }
        },
        _ => Decision::Approve,
    };
    if ids.is_empty() {
        back.push(("problem".into(), "none_selected".into()));
        return Ok(to_queue(&back));
    }
    let (mut approved, mut rejected, mut skipped) = (0u32, 0u32, 0u32);
    for id in ids {
        match decide_one(&app, &user, id, &decision).await? {
            Outcome::Decided if matches!(decision, Decision::Approve) => approved += 1,
            Outcome::Decided => rejected += 1,
            Outcome::Skipped => skipped += 1,
        }
    }
    back.push(("approved".into(), approved.to_string()));
    back.push(("rejected".into(), rejected.to_string()));
    back.push(("skipped".into(), skipped.to_string()));
    Ok(to_queue(&back))
}
