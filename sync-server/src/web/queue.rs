//! The approval queue: pending registrations of the officer's area only, oldest first, a page
//! at a time (keyset `?after=` / `?before=` on received time and id), with filters (village or
//! ward, camp, dates, occupation) kept across pages, counts and age; approve or reject many at
//! once on the page shown.

use super::registration::{Outcome, decide_one, reason_choices};
use super::{
    CsvRow, Frame, PageError, PageUser, PostedForm, count, csv_of, date_time, day_start_ms,
    form_value, render, see_other, tm,
};
use crate::app::App;
use crate::storage::{
    Decision, PendingPage, QueueCursor, QueueFilter, QueuePosition, QueueRow, UnitSummary, now_ms,
};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;

/// Registrations on one page.
const PER_PAGE: i64 = 100;

/// Registrations the CSV reads from the database at a time (it holds every matching one).
const CSV_BATCH: i64 = 5_000;

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
    /// The page after this registration: `received_at.id` (`QueueCursor`).
    after: Option<String>,
    /// The page before this registration.
    before: Option<String>,
    /// `csv`: every matching registration as a CSV file, with the migrant details.
    format: Option<String>,
}

/// `received_at.id`, as the paging links carry a registration's place in the queue.
fn cursor_text(c: &QueueCursor) -> String {
    format!("{}.{}", c.received_at, c.id)
}

fn parse_cursor(text: &Option<String>) -> Option<QueueCursor> {
    let (received_at, id) = some(text)?
        .split_once('.')
        .map(|(r, i)| (r.to_owned(), i.to_owned()))?;
    Some(QueueCursor {
        received_at: received_at.parse().ok()?,
        id,
    })
}

/// One pending registration as the queue's CSV has it.
struct QueueCsvLine(QueueRow);

impl CsvRow for QueueCsvLine {
    const HEAD: &'static [&'static str] = &[
        "registration_id",
        "samagra_member_id",
        "name_hi",
        "name_en",
        "unit_code",
        "unit_name_en",
        "occupation",
        "channel",
        "camp_id",
        "received",
        "migrant_state",
        "migrant_district_or_city",
        "migrant_trade",
        "migrant_months_away",
        "migrant_returned_on",
    ];

    fn cells(&self) -> Vec<String> {
        let r = &self.0;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.clone(),
            r.member_id.clone(),
            r.name_hi.clone(),
            r.name_en.clone(),
            r.unit_code.clone(),
            r.unit_name_en.clone(),
            r.occupation_code.clone(),
            r.channel.clone(),
            text(&r.camp_id),
            date_time(r.received_at),
            text(&r.migrant_state),
            text(&r.migrant_district),
            text(&r.migrant_trade),
            r.migrant_months.map(|m| m.to_string()).unwrap_or_default(),
            text(&r.migrant_returned_on),
        ]
    }
}

fn some(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// One filter's choices: (value, label).
struct Select {
    name: &'static str,
    label: &'static str,
    chosen: Option<String>,
    options: Vec<(String, String)>,
}

/// One pending registration in the queue, in the officer's language.
struct QueueLine {
    id: String,
    name: String,
    member_id: String,
    unit: String,
    occupation: String,
    channel_key: String,
    camp: String,
    received: String,
    waiting: String,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    frame: Frame,
    bulk_result: Option<String>,
    problems: Vec<&'static str>,
    selects: [Select; 3],
    from: String,
    to: String,
    /// Pending registrations matching the filters, on every page.
    total: i64,
    summary: String,
    /// The filters, to keep across pages and decisions.
    keep: Vec<(&'static str, String)>,
    /// Where this page starts, so that a bulk decision comes back to it.
    position: Option<(&'static str, String)>,
    previous_page: Option<String>,
    next_page: Option<String>,
    /// The CSV of the same filtered queue.
    csv_href: String,
    columns: [&'static str; 8],
    rows: Vec<QueueLine>,
    reasons: Vec<(&'static str, String)>,
}

/// Header texts of the queue's columns after the selection box.
const COLUMNS: [&str; 8] = [
    "page.col.name",
    "page.col.member_id",
    "page.col.unit",
    "page.col.occupation",
    "page.col.channel",
    "page.col.camp",
    "page.col.received",
    "page.col.waiting",
];

fn bulk_problem(code: &str) -> Option<&'static str> {
    match code {
        "none_selected" => Some("page.bulk.none_selected"),
        "reason_required" => Some("page.decide.reason_required"),
        _ => None,
    }
}

impl QueueLine {
    fn new(r: QueueRow, lang: Lang, occupations: &OccupationList, now: i64) -> Self {
        let (name, unit) = match lang {
            Lang::Hi => (r.name_hi, r.unit_name_hi),
            Lang::En => (r.name_en, r.unit_name_en),
        };
        Self {
            occupation: occupations
                .get(&r.occupation_code)
                .map_or(r.occupation_code.clone(), |o| o.name(lang).to_owned()),
            name,
            unit,
            channel_key: format!("page.channel.{}", r.channel),
            camp: r.camp_id.unwrap_or_default(),
            received: date_time(r.received_at),
            waiting: tm(
                lang,
                Message::new("page.hours").with("hours", hours_since(r.received_at, now)),
            ),
            member_id: r.member_id,
            id: r.id,
        }
    }
}

fn hours_since(at: i64, now: i64) -> i64 {
    (now - at) / 3_600_000
}

/// The three filters that choose from a list: village or ward, camp, occupation.
fn selects(
    lang: Lang,
    filter: &QueueFilter,
    units: Vec<UnitSummary>,
    camps: Vec<String>,
    occupations: &OccupationList,
) -> [Select; 3] {
    [
        Select {
            name: "unit",
            label: "page.filter.unit",
            chosen: filter.unit.clone(),
            options: units
                .into_iter()
                .map(|u| {
                    let name = if lang == Lang::Hi {
                        u.name_hi
                    } else {
                        u.name_en
                    };
                    (u.code, name)
                })
                .collect(),
        },
        Select {
            name: "camp",
            label: "page.filter.camp",
            chosen: filter.camp.clone(),
            options: camps.into_iter().map(|c| (c.clone(), c)).collect(),
        },
        Select {
            name: "occupation",
            label: "page.filter.occupation",
            chosen: filter.occupation.clone(),
            options: occupations
                .categories
                .iter()
                .map(|o| (o.code.clone(), o.name(lang).to_owned()))
                .collect(),
        },
    ]
}

/// The count and the oldest's age, and which are shown when not all are.
fn summary(lang: Lang, page: &PendingPage, now: i64) -> String {
    let oldest = page.oldest_received_at.map_or(0, |at| hours_since(at, now));
    let mut summary = tm(
        lang,
        Message::new("page.queue.summary")
            .with("total", page.total)
            .with("hours", oldest),
    );
    if page.total > page.rows.len() as i64 && !page.rows.is_empty() {
        summary.push(' ');
        summary += &tm(
            lang,
            Message::new("page.queue.page")
                .with("first", count(page.before + 1))
                .with("last", count(page.before + page.rows.len() as i64))
                .with("total", count(page.total)),
        );
    }
    summary
}

/// `/officer/queue` with the filters `keep` and then `pairs` as its query.
fn queue_href(keep: &[(&str, Option<String>)], pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, v) in keep {
        if let Some(v) = v {
            query.append_pair(name, v);
        }
    }
    query.extend_pairs(pairs);
    format!("/officer/queue?{}", query.finish())
}

/// Every pending registration within `area` matching `filter`, read a batch at a time.
async fn every_pending(
    app: &App,
    area: &str,
    filter: &QueueFilter,
) -> Result<Vec<QueueRow>, PageError> {
    let mut all: Vec<QueueRow> = Vec::new();
    loop {
        let position = all
            .last()
            .map_or(QueuePosition::First, |r| QueuePosition::After(r.cursor()));
        let batch = (app.db)
            .pending_rows(area, filter, &position, CSV_BATCH)
            .await?;
        let last = (batch.len() as i64) < CSV_BATCH;
        all.extend(batch);
        if last {
            break;
        }
    }
    Ok(all)
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let lang = user.lang;
    let area = &user.user.jurisdiction;
    let mut problems = Vec::new();
    let mut date = |v: &Option<String>, next_day: bool| {
        let d = some(v)?;
        let ms = day_start_ms(&d, next_day);
        if ms.is_none() {
            problems.push("page.filter.bad_date");
        }
        ms
    };
    let filter = QueueFilter {
        unit: some(&q.unit),
        camp: some(&q.camp),
        occupation: some(&q.occupation),
        from: date(&q.from, false),
        to: date(&q.to, true),
    };
    problems.extend(q.problem.as_deref().and_then(bulk_problem));
    if q.format.as_deref() == Some("csv") && problems.is_empty() {
        let rows = every_pending(&app, area, &filter).await?;
        let lines: Vec<QueueCsvLine> = rows.into_iter().map(QueueCsvLine).collect();
        return Ok(csv_of("pending-registrations.csv", &lines));
    }
    let position = match (parse_cursor(&q.after), parse_cursor(&q.before)) {
        (Some(after), _) => QueuePosition::After(after),
        (None, Some(before)) => QueuePosition::Before(before),
        (None, None) => QueuePosition::First,
    };
    let pending = (app.db)
        .pending_queue_page(area, &filter, &position, PER_PAGE)
        .await?;
    let units = app.db.units_within(area).await?;
    let camps = app.db.pending_camps(area).await?;
    let occupations = OccupationList::builtin();
    let now = now_ms();
    let keep = [
        ("unit", filter.unit.clone()),
        ("camp", filter.camp.clone()),
        ("occupation", filter.occupation.clone()),
        ("from", some(&q.from)),
        ("to", some(&q.to)),
    ];
    let page = QueuePage {
        frame: Frame::titled(&user, "page.queue.title"),
        bulk_result: match (q.approved, q.rejected, q.skipped) {
            (Some(a), Some(r), Some(s)) => Some(tm(
                lang,
                Message::new("page.bulk.done")
                    .with("approved", a)
                    .with("rejected", r)
                    .with("skipped", s),
            )),
            _ => None,
        },
        problems,
        selects: selects(lang, &filter, units, camps, &occupations),
        from: some(&q.from).unwrap_or_default(),
        to: some(&q.to).unwrap_or_default(),
        summary: summary(lang, &pending, now),
        total: pending.total,
        csv_href: queue_href(&keep, &[("format", "csv")]),
        previous_page: (pending.earlier())
            .then(|| pending.rows.first().map(|r| cursor_text(&r.cursor())))
            .map(|before| match before {
                Some(before) => queue_href(&keep, &[("before", &before)]),
                // A page past the end: back to the last rows before it.
                None => queue_href(&keep, &[("before", &q.after.clone().unwrap_or_default())]),
            }),
        next_page: (pending.later())
            .then(|| pending.rows.last().map(|r| cursor_text(&r.cursor())))
            .flatten()
            .map(|after| queue_href(&keep, &[("after", &after)])),
        position: match &position {
            QueuePosition::First => None,
            QueuePosition::After(c) => Some(("after", cursor_text(c))),
            QueuePosition::Before(c) => Some(("before", cursor_text(c))),
        },
        keep: (keep.into_iter())
            .filter_map(|(name, v)| Some((name, v?)))
            .collect(),
        columns: COLUMNS,
        rows: (pending.rows.into_iter())
            .map(|r| QueueLine::new(r, lang, &occupations, now))
            .collect(),
        reasons: reason_choices(lang),
    };
    Ok(render(&page)?.into_response())
}

/// Approves or rejects every selected registration, each in its own transaction, and comes
/// back to the same filtered queue, at the same page, with what happened.
pub async fn decide_many(
    State(app): State<App>,
    PostedForm { user, pairs }: PostedForm,
) -> Result<Response, PageError> {
    // The filters to come back to (kept as pairs: the serializer is not Send across awaits).
    let mut back: Vec<(String, String)> = [
        "unit",
        "camp",
        "occupation",
        "from",
        "to",
        "after",
        "before",
    ]
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
