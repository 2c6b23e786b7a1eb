//! The camp calendar: plan and edit camps (date, time, venue, the villages or wards covered,
//! the staff), see upcoming camps per block, whether each camp's packs are current on its
//! staff's devices, and each camp's results afterwards. Devices read their camps from
//! `GET /api/v1/camps`.

use super::{
    CsvRow, Frame, Number, PageError, PageUser, PostedForm, csv_of, date_time, day_start_ms,
    form_value, ist, place_name, render, see_other, tm,
};
use crate::app::App;
use crate::campaign::STATES;
use crate::camps::{CampPlan, PlanProblem, Readiness, check_plan, ready_count, staff_of};
use crate::storage::{Camp, PackReadiness, now_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use panjiyan_core::location::Place;
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::registration::RegistrationState;
use std::collections::{BTreeMap, BTreeSet};

const DAY_MS: i64 = 86_400_000;

/// Blocks and urban bodies the user may plan camps for.
async fn camp_areas(app: &App, user: &PageUser) -> Result<Vec<Place>, PageError> {
    Ok(app
        .db
        .places_at_levels(&user.user.jurisdiction, &["block", "urban_body"])
        .await?)
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

/// A camp on the calendar, with its villages and wards named in the page's language, how many
/// of its staff's devices hold the current pack, and (once held) its results.
struct CampLine {
    camp: Camp,
    units: String,
    ready: usize,
    devices: usize,
    results: BTreeMap<String, i64>,
}

impl CampLine {
    fn when(&self) -> String {
        when(&self.camp)
    }

    fn result(&self, s: &RegistrationState) -> i64 {
        self.results.get(s.as_str()).copied().unwrap_or(0)
    }
}

impl CsvRow for CampLine {
    const HEAD: &'static [&'static str] = &[
        "camp_id", "area", "starts", "ends", "venue", "units", "staff",
    ];

    fn cells(&self) -> Vec<String> {
        let c = &self.camp;
        vec![
            c.id.clone(),
            c.area_code.clone(),
            date_time(c.starts_at),
            date_time(c.ends_at),
            c.venue.clone(),
            c.units.join(" "),
            c.staff.len().to_string(),
        ]
    }
}

#[derive(Template)]
#[template(path = "camps.html")]
struct CampsPage {
    frame: Frame,
    /// Upcoming camps by the name of their block or urban body.
    upcoming: Vec<(String, Vec<CampLine>)>,
    past: Vec<CampLine>,
    /// Camps phones started without a plan: (camp, village or ward name).
    unplanned: Vec<(crate::storage::UnplannedCamp, String)>,
    states: [RegistrationState; 4],
}

/// Names of `codes` in `lang`, by code; a code without a place keeps the code.
async fn names_of(
    app: &App,
    lang: Lang,
    codes: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, String>, PageError> {
    let mut names = BTreeMap::new();
    for code in codes.into_iter().collect::<BTreeSet<_>>() {
        if let Some(p) = app.db.place(&code).await? {
            names.insert(code, place_name(lang, &p).to_owned());
        }
    }
    Ok(names)
}

fn name_in<'a>(names: &'a BTreeMap<String, String>, code: &'a str) -> &'a str {
    names.get(code).map_or(code, String::as_str)
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
    let unplanned = app.db.unplanned_camps_within(area, 200).await?;
    let names = names_of(
        &app,
        lang,
        upcoming
            .iter()
            .chain(&past)
            .flat_map(|c| std::iter::once(c.area_code.clone()).chain(c.units.iter().cloned()))
            .chain(unplanned.iter().map(|u| u.unit_code.clone())),
    )
    .await?;
    let line = |camp: Camp| CampLine {
        units: camp
            .units
            .iter()
            .map(|u| name_in(&names, u))
            .collect::<Vec<_>>()
            .join(", "),
        camp,
        ready: 0,
        devices: 0,
        results: BTreeMap::new(),
    };
    let mut past: Vec<CampLine> = past.into_iter().map(line).collect();
    let mut upcoming: Vec<CampLine> = upcoming.into_iter().map(line).collect();
    if q.format.as_deref() == Some("csv") {
        return Ok(csv_of("camps.csv", past.iter().chain(&upcoming)));
    }
    for c in &mut upcoming {
        let readiness = app.db.camp_readiness(&c.camp.id).await?;
        (c.ready, c.devices) = (ready_count(&readiness), readiness.len());
    }
    for c in &mut past {
        c.results = app.db.camp_results(&c.camp.id).await?.into_iter().collect();
    }
    let mut by_area: BTreeMap<String, Vec<CampLine>> = BTreeMap::new();
    for c in upcoming {
        by_area.entry(c.camp.area_code.clone()).or_default().push(c);
    }
    let page = CampsPage {
        frame: Frame::titled(&user, "page.camps.title"),
        upcoming: by_area
            .into_iter()
            .map(|(code, camps)| (name_in(&names, &code).to_owned(), camps))
            .collect(),
        past,
        unplanned: unplanned
            .into_iter()
            .map(|u| {
                let name = name_in(&names, &u.unit_code).to_owned();
                (u, name)
            })
            .collect(),
        states: STATES,
    };
    Ok(render(&page)?.into_response())
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

impl CampForm {
    /// The form as posted.
    fn read(pairs: &[(String, String)]) -> Self {
        let value = |k: &str| form_value(pairs, k).unwrap_or_default().trim().to_owned();
        let all = |k: &'static str| {
            pairs
                .iter()
                .filter(move |(name, _)| name == k)
                .map(|(_, v)| v)
        };
        Self {
            id: form_value(pairs, "id").map(str::to_owned),
            area: value("area"),
            date: value("date"),
            from: value("from"),
            to: value("to"),
            venue: value("venue"),
            units: all("unit").cloned().collect(),
            staff: all("staff").filter_map(|v| v.parse().ok()).collect(),
        }
    }

    fn has_unit(&self, code: &str) -> bool {
        self.units.iter().any(|u| u == code)
    }

    fn has_staff(&self, id: impl Number) -> bool {
        self.staff.contains(&id.value())
    }
}

#[derive(Template)]
#[template(path = "camp_form.html")]
struct CampFormPage<'a> {
    frame: Frame,
    problems: &'a [&'a str],
    form: &'a CampForm,
    /// The block or urban body's name, once chosen.
    chosen: Option<String>,
    /// Blocks and urban bodies to choose from: (code, name).
    areas: Vec<(String, String)>,
    /// Villages and wards of the chosen area: (code, name).
    units: Vec<(String, String)>,
    staff: Vec<crate::storage::User>,
}

async fn form_page(
    app: &App,
    user: &PageUser,
    form: &CampForm,
    problems: &[&str],
) -> Result<Response, PageError> {
    let lang = user.lang;
    let title = if form.id.is_some() {
        "page.camps.edit"
    } else {
        "page.camps.new"
    };
    let areas = camp_areas(app, user).await?;
    let named = |places: &[Place]| -> Vec<(String, String)> {
        places
            .iter()
            .map(|p| (p.code.to_string(), place_name(lang, p).to_owned()))
            .collect()
    };
    let mut page = CampFormPage {
        frame: Frame::titled(user, title),
        problems,
        form,
        chosen: None,
        areas: named(&areas),
        units: Vec::new(),
        staff: Vec::new(),
    };
    if !form.area.is_empty() {
        let area = areas
            .iter()
            .find(|a| a.code.as_str() == form.area)
            .ok_or_else(PageError::not_found)?;
        let units = app
            .db
            .places_at_levels(area.code.as_str(), &["village", "ward"])
            .await?;
        page.chosen = Some(place_name(lang, area).to_owned());
        page.units = named(&units);
        page.staff = staff_of(&app.db, area.code.as_str()).await?;
    }
    Ok(render(&page)?.into_response())
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

fn problem_key(p: PlanProblem) -> &'static str {
    match p {
        PlanProblem::Times => "page.camps.problem_date",
        PlanProblem::Venue => "page.camps.problem_venue",
        PlanProblem::Units => "page.camps.problem_units",
        PlanProblem::Staff => "page.camps.problem_staff",
    }
}

pub async fn save(
    State(app): State<App>,
    PostedForm { user, pairs }: PostedForm,
) -> Result<Response, PageError> {
    let form = CampForm::read(&pairs);
    let areas = camp_areas(&app, &user).await?;
    let Some(area) = areas.iter().find(|a| a.code.as_str() == form.area) else {
        return Err(PageError::not_found());
    };
    let area = area.code.as_str();
    if let Some(id) = &form.id {
        visible_camp(&app, &user, id).await?;
    }
    let day = day_start_ms(&form.date, false);
    let plan = CampPlan {
        day_start: day,
        from: &form.from,
        to: &form.to,
        venue: &form.venue,
        units: &form.units,
        staff: &form.staff,
    };
    let units = app.db.places_at_levels(area, &["village", "ward"]).await?;
    let staff = staff_of(&app.db, area).await?;
    let (starts_at, ends_at) = match check_plan(&plan, &units, &staff) {
        Ok(times) => times,
        Err(problems) => {
            let problems: Vec<&str> = problems.into_iter().map(problem_key).collect();
            let mut r = form_page(&app, &user, &form, &problems).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let mut camp = Camp {
        id: form.id.clone().unwrap_or_default(),
        area_code: area.to_owned(),
        starts_at,
        ends_at,
        venue: form.venue,
        units: form.units,
        staff: form.staff,
    };
    let now = now_ms();
    let id = if form.id.is_some() {
        app.db.update_camp(&camp, now).await?;
        camp.id
    } else {
        let date = panjiyan_core::india_time::at_ms(starts_at).date();
        camp.id = app.db.plan_camp(&camp, date, user.user.id, now).await?;
        camp.id
    };
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

/// One unit of the camp on one device of its staff, the unit named in the page's language.
struct ReadinessLine {
    row: PackReadiness,
    unit: String,
}

impl ReadinessLine {
    fn readiness(&self) -> Readiness {
        Readiness::of(&self.row)
    }

    /// Readiness borrows the colours of the registration states' badges.
    fn badge_class(&self) -> &'static str {
        match self.readiness() {
            Readiness::NoDevice | Readiness::Missing => RegistrationState::Rejected.as_str(),
            Readiness::Ready => RegistrationState::Approved.as_str(),
            Readiness::Stale => RegistrationState::PendingApproval.as_str(),
        }
    }

    fn badge_key(&self) -> &'static str {
        match self.readiness() {
            Readiness::NoDevice => "page.camps.no_device",
            Readiness::Missing => "page.camps.missing",
            Readiness::Ready => "page.camps.ready",
            Readiness::Stale => "page.camps.stale",
        }
    }

    fn versions(&self) -> String {
        let v = |v: Option<i64>| v.map_or_else(|| "—".into(), |v| v.to_string());
        format!(
            "{} / {}",
            v(self.row.downloaded_version),
            v(self.row.current_version)
        )
    }

    fn downloaded_at(&self) -> String {
        self.row.downloaded_at.map(date_time).unwrap_or_default()
    }
}

impl CsvRow for ReadinessLine {
    const HEAD: &'static [&'static str] = &[
        "unit_code",
        "staff",
        "device_id",
        "downloaded_version",
        "current_version",
        "downloaded_at",
    ];

    fn cells(&self) -> Vec<String> {
        let r = &self.row;
        let v = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        vec![
            r.unit_code.clone(),
            r.username.clone(),
            r.device_id.clone().unwrap_or_default(),
            v(r.downloaded_version),
            v(r.current_version),
            self.downloaded_at(),
        ]
    }
}

/// Registrations of the camp in one state.
struct ResultLine {
    state: String,
    registrations: i64,
}

impl CsvRow for ResultLine {
    const HEAD: &'static [&'static str] = &["state", "registrations"];

    fn cells(&self) -> Vec<String> {
        vec![self.state.clone(), self.registrations.to_string()]
    }
}

#[derive(Template)]
#[template(path = "camp.html")]
struct CampPage {
    frame: Frame,
    saved: bool,
    camp: Camp,
    area: String,
    when: String,
    units: String,
    staff: String,
    ready_summary: String,
    readiness: Vec<ReadinessLine>,
    results: Vec<ResultLine>,
}

pub async fn show(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    let camp = visible_camp(&app, &user, &id).await?;
    let names = names_of(&app, lang, camp.units.iter().cloned()).await?;
    let results: Vec<ResultLine> = (app.db.camp_results(&camp.id).await?)
        .into_iter()
        .map(|(state, registrations)| ResultLine {
            state,
            registrations,
        })
        .collect();
    let readiness: Vec<ReadinessLine> = (app.db.camp_readiness(&camp.id).await?)
        .into_iter()
        .map(|row| ReadinessLine {
            unit: name_in(&names, &row.unit_code).to_owned(),
            row,
        })
        .collect();
    if q.format.as_deref() == Some("csv") {
        let name = |which: &str| format!("camp-{}-{which}.csv", camp.id);
        return Ok(if q.table.as_deref() == Some("results") {
            csv_of(&name("results"), &results)
        } else {
            csv_of(&name("readiness"), &readiness)
        });
    }
    let area = app
        .db
        .place(&camp.area_code)
        .await?
        .ok_or_else(PageError::not_found)?;
    let users: BTreeMap<i64, String> = (app.db.users().await?)
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let ready = readiness
        .iter()
        .filter(|r| r.readiness() == Readiness::Ready)
        .count();
    let page = CampPage {
        frame: Frame::new(lang, Some(&user), camp.id.clone()),
        saved: q.saved.is_some(),
        area: place_name(lang, &area).to_owned(),
        when: when(&camp),
        units: (camp.units.iter())
            .map(|u| name_in(&names, u))
            .collect::<Vec<_>>()
            .join(", "),
        staff: (camp.staff.iter())
            .map(|s| users.get(s).map_or("?", String::as_str))
            .collect::<Vec<_>>()
            .join(", "),
        ready_summary: tm(
            lang,
            Message::new("page.camps.ready_summary")
                .with("ready", ready)
                .with("total", readiness.len()),
        ),
        camp,
        readiness,
        results,
    };
    Ok(render(&page)?.into_response())
}

/// The cards of the camp's approved registrations, eight to an A4 sheet, for the panchayat to
/// print in one go.
pub async fn cards(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let camp = visible_camp(&app, &user, &id).await?;
    match crate::cards::camp_cards_pdf(&app, &camp.id).await {
        Ok(Some(bytes)) => Ok(super::pdf(&format!("cards-{}.pdf", camp.id), bytes)),
        Ok(None) => Err(PageError::not_found()),
        Err(e) => Ok(super::card_failed(e)),
    }
}

/// The camp's application forms, pre-filled for every member of working age in its villages
/// who is not yet registered, to print before the camp.
pub async fn forms(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let camp = visible_camp(&app, &user, &id).await?;
    match crate::cards::camp_forms_pdf(&app, &camp).await {
        Ok(bytes) => Ok(super::pdf(&format!("forms-{}.pdf", camp.id), bytes)),
        Err(e) => Ok(super::card_failed(e)),
    }
}
