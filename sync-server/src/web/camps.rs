//! The camp calendar: plan and edit camps (date, time, venue, the villages or wards covered,
//! the staff), see upcoming camps per block, whether each camp's packs are current on its
//! staff's devices, and each camp's results afterwards. Devices read their camps from
//! `GET /api/v1/camps`.

use super::{
    PageError, PageUser, count, csv, date_time, day_start_ms, escape, form_pairs, form_value, ist,
    layout, place_name, see_other, t, table, tm,
};
use crate::app::App;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::roles::Role;
use crate::storage::{Camp, User, now_ms};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use panjiyan_core::location::Place;
use panjiyan_core::messages::Message;
use std::collections::BTreeMap;

const DAY_MS: i64 = 86_400_000;

/// Blocks and urban bodies the user may plan camps for.
async fn camp_areas(app: &App, user: &PageUser) -> Result<Vec<Place>, PageError> {
    Ok(app
        .db
        .places_at_levels(&user.user.jurisdiction, &["block", "urban_body"])
        .await?)
}

/// Operators and secretaries who work within `area`.
async fn staff_of(app: &App, area: &str) -> Result<Vec<User>, PageError> {
    let mut out = Vec::new();
    for u in app.db.users().await? {
        if matches!(u.role, Role::Operator | Role::Secretary)
            && !u.disabled
            && app.db.is_within(&u.jurisdiction, area).await?
        {
            out.push(u);
        }
    }
    Ok(out)
}

fn when(c: &Camp) -> String {
    let end = date_time(c.ends_at);
    format!(
        "{} – {}",
        date_time(c.starts_at),
        end.split(' ').nth(1).unwrap_or_default()
    )
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    format: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    let now = now_ms();
    let area = &user.user.jurisdiction;
    let upcoming = app
        .db
        .camps_within(area, now - DAY_MS, now + 90 * DAY_MS)
        .await?;
    let past = app
        .db
        .camps_within(area, now - 60 * DAY_MS, now - DAY_MS)
        .await?;
    if q.format.as_deref() == Some("csv") {
        let rows = past.iter().chain(&upcoming).map(|c| {
            vec![
                c.id.clone(),
                c.area_code.clone(),
                date_time(c.starts_at),
                date_time(c.ends_at),
                c.venue.clone(),
                c.units.join(" "),
                c.staff.len().to_string(),
            ]
        });
        return Ok(csv(
            "camps.csv",
            &[
                "camp_id", "area", "starts", "ends", "venue", "units", "staff",
            ],
            rows,
        ));
    }
    let mut places: BTreeMap<String, Place> = BTreeMap::new();
    for code in upcoming
        .iter()
        .chain(&past)
        .flat_map(|c| std::iter::once(c.area_code.clone()).chain(c.units.iter().cloned()))
        .collect::<std::collections::BTreeSet<_>>()
    {
        if let Some(p) = app.db.place(&code).await? {
            places.insert(code, p);
        }
    }
    let place_name = |code: &str| {
        places
            .get(code)
            .map_or_else(|| escape(code), |p| escape(place_name(lang, p)))
    };
    let mut body = format!(
        "<h1>{}</h1><p><a href=\"/admin/camps/new\" id=\"new-camp\">{}</a> · <a class=\"csv\" href=\"/admin/camps?format=csv\">{}</a></p><h2>{}</h2>",
        t(lang, "page.camps.title"),
        t(lang, "page.camps.new"),
        t(lang, "page.csv"),
        t(lang, "page.camps.upcoming"),
    );
    if upcoming.is_empty() {
        body.push_str(&format!(
            "<p class=\"empty\">{}</p>",
            t(lang, "page.camps.none")
        ));
    }
    // Grouped by block or urban body.
    let mut by_area: BTreeMap<&str, Vec<&Camp>> = BTreeMap::new();
    for c in &upcoming {
        by_area.entry(&c.area_code).or_default().push(c);
    }
    let head = [
        t(lang, "page.col.camp_id"),
        t(lang, "page.col.when"),
        t(lang, "page.camps.venue"),
        t(lang, "page.col.units"),
        t(lang, "page.col.packs"),
    ];
    for (area_code, camps) in by_area {
        body.push_str(&format!("<h3>{}</h3>", place_name(area_code)));
        let mut rows = Vec::new();
        for c in camps {
            let readiness = app.db.camp_readiness(&c.id).await?;
            let ready = readiness
                .iter()
                .filter(|r| {
                    r.downloaded_version.is_some() && r.downloaded_version == r.current_version
                })
                .count();
            rows.push(vec![
                format!("<a href=\"/admin/camps/{id}\">{id}</a>", id = escape(&c.id)),
                when(c),
                escape(&c.venue),
                c.units
                    .iter()
                    .map(|u| place_name(u))
                    .collect::<Vec<_>>()
                    .join(", "),
                format!("{ready} / {}", readiness.len()),
            ]);
        }
        body.push_str(&table("upcoming", &head, &rows));
    }
    if !past.is_empty() {
        body.push_str(&format!("<h2>{}</h2>", t(lang, "page.camps.past")));
        let head = [
            t(lang, "page.col.camp_id"),
            t(lang, "page.col.when"),
            t(lang, "page.camps.venue"),
            t(lang, "page.col.approved"),
            t(lang, "page.col.pending_approval"),
            t(lang, "page.col.rejected"),
            t(lang, "page.col.duplicate"),
        ];
        let mut rows = Vec::new();
        for c in &past {
            let results: BTreeMap<String, i64> =
                app.db.camp_results(&c.id).await?.into_iter().collect();
            let n = |s: &str| count(results.get(s).copied().unwrap_or(0));
            rows.push(vec![
                format!("<a href=\"/admin/camps/{id}\">{id}</a>", id = escape(&c.id)),
                when(c),
                escape(&c.venue),
                n("approved"),
                n("pending_approval"),
                n("rejected"),
                n("duplicate"),
            ]);
        }
        body.push_str(&table("past", &head, &rows));
    }
    Ok(Html(layout(
        lang,
        Some(&user),
        &t(lang, "page.camps.title"),
        &body,
    ))
    .into_response())
}

/// What the camp form holds, as typed: shown again with the problems when it does not save.
#[derive(Debug, Default, Clone)]
struct CampForm {
    id: Option<String>,
    area: String,
    date: String,
    from: String,
    to: String,
    venue: String,
    units: Vec<String>,
    staff: Vec<i64>,
}

impl CampForm {
    fn from_camp(c: &Camp) -> Self {
        let local = |ms: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
                .map(|t| t.to_offset(ist()))
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        };
        let (s, e) = (local(c.starts_at), local(c.ends_at));
        Self {
            id: Some(c.id.clone()),
            area: c.area_code.clone(),
            date: s.date().to_string(),
            from: format!("{:02}:{:02}", s.hour(), s.minute()),
            to: format!("{:02}:{:02}", e.hour(), e.minute()),
            venue: c.venue.clone(),
            units: c.units.clone(),
            staff: c.staff.clone(),
        }
    }
}

/// Minutes since midnight of `HH:MM`.
fn minutes(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

async fn form_page(
    app: &App,
    user: &PageUser,
    form: &CampForm,
    problems: &[&str],
) -> Result<Response, PageError> {
    let lang = user.lang;
    let title = if form.id.is_some() {
        t(lang, "page.camps.edit")
    } else {
        t(lang, "page.camps.new")
    };
    let mut body = format!("<h1>{title}</h1>");
    for p in problems {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            t(lang, p)
        ));
    }
    let areas = camp_areas(app, user).await?;
    if form.area.is_empty() {
        // First step: which block or urban body.
        body.push_str(&format!(
            "<form method=\"get\" action=\"/admin/camps/new\" class=\"filters\"><label for=\"area\">{}</label><select id=\"area\" name=\"area\">",
            t(lang, "page.camps.choose_area")
        ));
        for a in &areas {
            body.push_str(&format!(
                "<option value=\"{}\">{}</option>",
                escape(a.code.as_str()),
                escape(place_name(lang, a))
            ));
        }
        body.push_str(&format!(
            "</select><button type=\"submit\">{}</button></form>",
            t(lang, "page.camps.next")
        ));
        return Ok(Html(layout(lang, Some(user), &title, &body)).into_response());
    }
    let area = areas
        .iter()
        .find(|a| a.code.as_str() == form.area)
        .ok_or_else(PageError::not_found)?;
    let units = app
        .db
        .places_at_levels(area.code.as_str(), &["village", "ward"])
        .await?;
    let staff = staff_of(app, area.code.as_str()).await?;
    body.push_str(&format!(
        "<form method=\"post\" action=\"/admin/camps\" class=\"camp-form\" id=\"camp-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"area\" value=\"{area}\">{id}\
         <p><strong>{area_label}:</strong> {area_name}</p>\
         <p><label for=\"date\">{date_label}</label> <input type=\"date\" id=\"date\" name=\"date\" value=\"{date}\" required>\
         <label for=\"from\">{from_label}</label> <input type=\"time\" id=\"from\" name=\"from\" value=\"{from}\" required>\
         <label for=\"to\">{to_label}</label> <input type=\"time\" id=\"to\" name=\"to\" value=\"{to}\" required></p>\
         <p><label for=\"venue\">{venue_label}</label> <input id=\"venue\" name=\"venue\" value=\"{venue}\" maxlength=\"200\" size=\"60\" required></p>\
         <fieldset><legend>{units_label}</legend>",
        csrf = escape(&user.csrf),
        area = escape(&form.area),
        id = form
            .id
            .as_ref()
            .map(|i| format!("<input type=\"hidden\" name=\"id\" value=\"{}\">", escape(i)))
            .unwrap_or_default(),
        area_label = t(lang, "page.camps.choose_area"),
        area_name = escape(place_name(lang, area)),
        date_label = t(lang, "page.camps.date"),
        date = escape(&form.date),
        from_label = t(lang, "page.camps.from"),
        from = escape(&form.from),
        to_label = t(lang, "page.camps.to"),
        to = escape(&form.to),
        venue_label = t(lang, "page.camps.venue"),
        venue = escape(&form.venue),
        units_label = t(lang, "page.camps.units"),
    ));
    for u in &units {
        let checked = if form.units.iter().any(|c| c == u.code.as_str()) {
            " checked"
        } else {
            ""
        };
        body.push_str(&format!(
            "<label class=\"check\"><input type=\"checkbox\" name=\"unit\" value=\"{code}\"{checked}> {}</label>",
            escape(place_name(lang, u)),
            code = escape(u.code.as_str())
        ));
    }
    body.push_str(&format!(
        "</fieldset><fieldset><legend>{}</legend>",
        t(lang, "page.camps.staff")
    ));
    for s in &staff {
        let checked = if form.staff.contains(&s.id) {
            " checked"
        } else {
            ""
        };
        body.push_str(&format!(
            "<label class=\"check\"><input type=\"checkbox\" name=\"staff\" value=\"{}\"{checked}> {}</label>",
            s.id,
            escape(&s.username)
        ));
    }
    body.push_str(&format!(
        "</fieldset><p><button type=\"submit\" class=\"primary\" id=\"save-camp\">{}</button></p></form>",
        t(lang, "page.camps.save")
    ));
    Ok(Html(layout(lang, Some(user), &title, &body)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    area: Option<String>,
}

pub async fn new(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let areas = camp_areas(&app, &user).await?;
    // An officer of one block goes straight to that block's form.
    let area = q
        .area
        .or_else(|| (areas.len() == 1).then(|| areas[0].code.to_string()))
        .unwrap_or_default();
    form_page(
        &app,
        &user,
        &CampForm {
            area,
            ..CampForm::default()
        },
        &[],
    )
    .await
}

pub async fn edit(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let camp = visible_camp(&app, &user, &id).await?;
    form_page(&app, &user, &CampForm::from_camp(&camp), &[]).await
}

async fn visible_camp(app: &App, user: &PageUser, id: &str) -> Result<Camp, PageError> {
    let camp = app.db.camp(id).await?.ok_or_else(PageError::not_found)?;
    if !app
        .db
        .is_within(&camp.area_code, &user.user.jurisdiction)
        .await?
    {
        return Err(PageError::not_found());
    }
    Ok(camp)
}

pub async fn save(
    State(app): State<App>,
    user: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body);
    user.check_form(&pairs)?;
    let value = |k: &str| form_value(&pairs, k).unwrap_or_default().trim().to_owned();
    let form = CampForm {
        id: form_value(&pairs, "id").map(str::to_owned),
        area: value("area"),
        date: value("date"),
        from: value("from"),
        to: value("to"),
        venue: value("venue"),
        units: pairs
            .iter()
            .filter(|(k, _)| k == "unit")
            .map(|(_, v)| v.clone())
            .collect(),
        staff: pairs
            .iter()
            .filter(|(k, _)| k == "staff")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    };
    let areas = camp_areas(&app, &user).await?;
    let Some(area) = areas.iter().find(|a| a.code.as_str() == form.area) else {
        return Err(PageError::not_found());
    };
    if let Some(id) = &form.id {
        visible_camp(&app, &user, id).await?;
    }
    let mut problems = Vec::new();
    let day = day_start_ms(&form.date, false);
    let (start, end) = (minutes(&form.from), minutes(&form.to));
    let times = match (day, start, end) {
        (Some(d), Some(s), Some(e)) if e > s => Some((d + s * 60_000, d + e * 60_000)),
        _ => {
            problems.push("page.camps.problem_date");
            None
        }
    };
    if form.venue.is_empty() || form.venue.chars().count() > 200 {
        problems.push("page.camps.problem_venue");
    }
    let units = app
        .db
        .places_at_levels(area.code.as_str(), &["village", "ward"])
        .await?;
    if form.units.is_empty()
        || !form
            .units
            .iter()
            .all(|u| units.iter().any(|p| p.code.as_str() == u))
    {
        problems.push("page.camps.problem_units");
    }
    let staff = staff_of(&app, area.code.as_str()).await?;
    if !form.staff.iter().all(|s| staff.iter().any(|u| u.id == *s)) {
        problems.push("page.camps.problem_staff");
    }
    let Some((starts_at, ends_at)) = times.filter(|_| problems.is_empty()) else {
        let mut r = form_page(&app, &user, &form, &problems).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    let id = match &form.id {
        Some(id) => id.clone(),
        None => {
            let day_start = day.unwrap_or(starts_at);
            let same_day = app
                .db
                .camps_within(area.code.as_str(), day_start, day_start + DAY_MS)
                .await?;
            let date = form.date.replace('-', "");
            format!("{}-{date}-{}", area.code.as_str(), same_day.len() + 1)
        }
    };
    let camp = Camp {
        id: id.clone(),
        area_code: area.code.to_string(),
        starts_at,
        ends_at,
        venue: form.venue.clone(),
        units: form.units.clone(),
        staff: form.staff.clone(),
    };
    app.db.save_camp(&camp, user.user.id, now_ms()).await?;
    tracing::info!(camp = %id, user = user.user.id, "camp saved");
    Ok(see_other(&format!(
        "/admin/camps/{}?saved=1",
        form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    )))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ShowQuery {
    saved: Option<u8>,
    format: Option<String>,
    /// readiness (the default) or results.
    table: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    let camp = visible_camp(&app, &user, &id).await?;
    if q.format.as_deref() == Some("csv") {
        let name = |which: &str| format!("camp-{}-{which}.csv", camp.id);
        if q.table.as_deref() == Some("results") {
            let rows = app.db.camp_results(&camp.id).await?;
            return Ok(csv(
                &name("results"),
                &["state", "registrations"],
                rows.into_iter().map(|(s, n)| vec![s, n.to_string()]),
            ));
        }
        let rows = app.db.camp_readiness(&camp.id).await?;
        return Ok(csv(
            &name("readiness"),
            &[
                "unit_code",
                "staff",
                "device_id",
                "downloaded_version",
                "current_version",
                "downloaded_at",
            ],
            rows.into_iter().map(|r| {
                vec![
                    r.unit_code,
                    r.username,
                    r.device_id.unwrap_or_default(),
                    r.downloaded_version
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    r.current_version.map(|v| v.to_string()).unwrap_or_default(),
                    r.downloaded_at.map(date_time).unwrap_or_default(),
                ]
            }),
        ));
    }
    let area = app
        .db
        .place(&camp.area_code)
        .await?
        .ok_or_else(PageError::not_found)?;
    let mut unit_names = BTreeMap::new();
    for u in &camp.units {
        if let Some(p) = app.db.place(u).await? {
            unit_names.insert(u.clone(), escape(place_name(lang, &p)));
        }
    }
    let users: BTreeMap<i64, String> = app
        .db
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut body = String::new();
    if q.saved.is_some() {
        body.push_str(&format!(
            "<p class=\"done\" role=\"status\" id=\"saved\">{}</p>",
            t(lang, "page.camps.saved")
        ));
    }
    body.push_str(&format!(
        "<h1>{id}</h1><table class=\"record\" id=\"camp\"><tr><th>{area_label}</th><td>{area}</td></tr>\
         <tr><th>{when_label}</th><td>{when}</td></tr><tr><th>{venue_label}</th><td>{venue}</td></tr>\
         <tr><th>{units_label}</th><td>{units}</td></tr><tr><th>{staff_label}</th><td>{staff}</td></tr></table>\
         <p><a href=\"/admin/camps/{id}/edit\" id=\"edit-camp\">{edit}</a></p>",
        id = escape(&camp.id),
        area_label = t(lang, "page.camps.choose_area"),
        area = escape(place_name(lang, &area)),
        when_label = t(lang, "page.col.when"),
        when = when(&camp),
        venue_label = t(lang, "page.camps.venue"),
        venue = escape(&camp.venue),
        units_label = t(lang, "page.camps.units"),
        units = camp.units.iter().map(|u| unit_names.get(u).cloned().unwrap_or_else(|| escape(u))).collect::<Vec<_>>().join(", "),
        staff_label = t(lang, "page.camps.staff"),
        staff = camp.staff.iter().map(|s| escape(users.get(s).map_or("?", String::as_str))).collect::<Vec<_>>().join(", "),
        edit = t(lang, "page.camps.edit"),
    ));
    let readiness = app.db.camp_readiness(&camp.id).await?;
    let ready = readiness
        .iter()
        .filter(|r| r.downloaded_version.is_some() && r.downloaded_version == r.current_version)
        .count();
    body.push_str(&format!(
        "<h2>{} <a class=\"csv\" href=\"/admin/camps/{id}?format=csv\">{}</a></h2><p class=\"summary\" id=\"readiness-summary\">{}</p>",
        t(lang, "page.camps.readiness"),
        t(lang, "page.csv"),
        tm(
            lang,
            Message::new("page.camps.ready_summary")
                .with("ready", ready)
                .with("total", readiness.len())
        ),
        id = escape(&camp.id),
    ));
    let rows: Vec<Vec<String>> = readiness
        .iter()
        .map(|r| {
            let state = match (&r.device_id, r.downloaded_version, r.current_version) {
                (None, _, _) => ("rejected", "page.camps.no_device"),
                (_, None, _) => ("rejected", "page.camps.missing"),
                (_, Some(d), Some(c)) if d == c => ("approved", "page.camps.ready"),
                _ => ("pending_approval", "page.camps.stale"),
            };
            vec![
                unit_names
                    .get(&r.unit_code)
                    .cloned()
                    .unwrap_or_else(|| escape(&r.unit_code)),
                escape(&r.username),
                r.device_id
                    .as_deref()
                    .map(|d| format!("<code>{}</code>", escape(d)))
                    .unwrap_or_default(),
                format!(
                    "<span class=\"state {}\">{}</span>",
                    state.0,
                    t(lang, state.1)
                ),
                format!(
                    "{} / {}",
                    r.downloaded_version
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "—".into()),
                    r.current_version
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "—".into())
                ),
                r.downloaded_at.map(date_time).unwrap_or_default(),
            ]
        })
        .collect();
    body.push_str(&table(
        "readiness",
        &[
            t(lang, "page.col.unit"),
            t(lang, "page.col.staff"),
            t(lang, "page.col.device"),
            t(lang, "page.col.state"),
            t(lang, "page.col.version"),
            t(lang, "page.col.last_seen"),
        ],
        &rows,
    ));
    let results = app.db.camp_results(&camp.id).await?;
    body.push_str(&format!(
        "<h2>{} <a class=\"csv\" href=\"/admin/camps/{id}?format=csv&amp;table=results\">{}</a></h2>",
        t(lang, "page.camps.results"),
        t(lang, "page.csv"),
        id = escape(&camp.id)
    ));
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|(s, n)| vec![t(lang, &format!("page.state.{s}")), count(*n)])
        .collect();
    body.push_str(&table(
        "results",
        &[t(lang, "page.col.state"), t(lang, "page.col.count")],
        &rows,
    ));
    Ok(Html(layout(lang, Some(&user), &camp.id, &body)).into_response())
}

/// The camps covering the caller's villages and wards that have not ended: what a phone shows
/// as today's and the next camps.
pub async fn api_list(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<Camp>>> {
    Ok(Json(
        app.db.camps_for(caller.jurisdiction(), now_ms()).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::minutes;

    #[test]
    fn times_are_hours_and_minutes() {
        assert_eq!(minutes("09:30"), Some(570));
        assert_eq!(minutes("24:00"), None);
        assert_eq!(minutes("9"), None);
    }
}
