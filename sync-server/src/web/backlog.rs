//! The server admin's watch over data still in the field: devices with unsent registrations
//! summed by area (a state by district, a district by block, `?place=` to drill down), the
//! devices themselves a page at a time oldest unsent first (`?after=`), silent ones flagged, the
//! ingest rate per minute, the notification queue, and pending approvals per officer.
//! `/metrics` carries the same figures.

use super::chart::daily_bars;
use super::progress::admin_area;
use super::{
    CsvRow, Frame, PageError, PageUser, count, csv_of, date_time, day_text, place_name, render, t,
    tm,
};
use crate::app::App;
use crate::storage::{AreaBacklog, DeviceBacklog, DeviceCursor, OfficerBacklog, now_ms};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use panjiyan_core::location::Level;
use panjiyan_core::messages::{Lang, Message};
use std::collections::BTreeMap;

/// A device holding unsent data that has not been seen for longer than the setting.
pub fn is_silent(d: &DeviceBacklog, now: i64, silent_after_hours: i64) -> bool {
    d.pending > 0
        && d.last_seen_at
            .is_none_or(|seen| now - seen > silent_after_hours * 3_600_000)
}

/// The moment before which a device not seen since is silent.
pub fn silent_before(now: i64, silent_after_hours: i64) -> i64 {
    now - silent_after_hours * 3_600_000
}

/// Devices listed on one page.
const DEVICES_PER_PAGE: i64 = 100;

#[derive(Debug, Default, serde::Deserialize)]
pub struct BacklogQuery {
    /// The area looked at (LGD code): the admin's own when absent.
    place: Option<String>,
    /// The device page after this device: `oldest.device_id` (`DeviceCursor`).
    after: Option<String>,
    format: Option<String>,
    /// devices (the default), areas, ingest, notifications or officers.
    table: Option<String>,
}

/// `oldest.device_id`, as the next page's link carries a device's place in the order.
fn cursor_text(c: &DeviceCursor) -> String {
    format!("{}.{}", c.oldest, c.device_id)
}

fn parse_cursor(text: &str) -> Option<DeviceCursor> {
    let (oldest, device_id) = text.split_once('.')?;
    Some(DeviceCursor {
        oldest: oldest.parse().ok()?,
        device_id: device_id.to_owned(),
    })
}

/// One area's devices holding data, in the page's language; `place` when it drills down.
struct AreaLine {
    area: AreaBacklog,
    name: String,
    place: Option<String>,
}

impl AreaLine {
    fn oldest_pending(&self) -> String {
        self.area
            .oldest_pending_at
            .map(date_time)
            .unwrap_or_default()
    }
}

impl CsvRow for AreaLine {
    const HEAD: &'static [&'static str] = &[
        "code",
        "level",
        "name_hi",
        "name_en",
        "devices",
        "pending",
        "oldest_pending",
        "silent_devices",
    ];

    fn cells(&self) -> Vec<String> {
        let a = &self.area;
        vec![
            a.code.clone(),
            a.level.clone(),
            a.name_hi.clone(),
            a.name_en.clone(),
            a.devices.to_string(),
            a.pending.to_string(),
            self.oldest_pending(),
            a.silent.to_string(),
        ]
    }
}

/// A device holding or having sent data, with its district and block in the page's language.
struct DeviceLine<'a> {
    device: &'a DeviceBacklog,
    district: &'a str,
    block: &'a str,
    silent: bool,
}

impl DeviceLine<'_> {
    const COLUMNS: [&'static str; 9] = [
        "page.col.district",
        "page.col.block",
        "page.col.device",
        "page.col.user",
        "page.col.last_seen",
        "page.col.pending",
        "page.col.oldest",
        "page.col.app_version",
        "page.col.last_error",
    ];

    fn last_seen(&self) -> String {
        self.device
            .last_seen_at
            .map_or_else(|| "—".into(), date_time)
    }

    fn oldest_pending(&self) -> String {
        self.device
            .oldest_pending_at
            .map(date_time)
            .unwrap_or_default()
    }
}

impl CsvRow for DeviceLine<'_> {
    const HEAD: &'static [&'static str] = &[
        "device_id",
        "enrolled_by",
        "jurisdiction",
        "district",
        "block",
        "last_seen",
        "pending",
        "oldest_pending",
        "app_version",
        "last_error",
        "silent",
    ];

    fn cells(&self) -> Vec<String> {
        let d = self.device;
        vec![
            d.device_id.clone(),
            d.enrolled_by.clone(),
            d.jurisdiction.clone(),
            d.district.clone().unwrap_or_default(),
            d.block.clone().unwrap_or_default(),
            d.last_seen_at.map(date_time).unwrap_or_default(),
            d.pending.to_string(),
            d.oldest_pending_at.map(date_time).unwrap_or_default(),
            d.app_version.clone().unwrap_or_default(),
            d.last_error.clone().unwrap_or_default(),
            self.silent.to_string(),
        ]
    }
}

/// Registrations received in one minute.
struct IngestMinute {
    minute: i64,
    received: i64,
}

impl CsvRow for IngestMinute {
    const HEAD: &'static [&'static str] = &["minute", "received"];

    fn cells(&self) -> Vec<String> {
        vec![date_time(self.minute), self.received.to_string()]
    }
}

/// Messages to workers in one state of the notification queue.
struct NotificationCount {
    state: String,
    messages: i64,
}

impl CsvRow for NotificationCount {
    const HEAD: &'static [&'static str] = &["state", "messages"];

    fn cells(&self) -> Vec<String> {
        vec![self.state.clone(), self.messages.to_string()]
    }
}

/// An officer with registrations waiting for their decision.
struct OfficerLine(OfficerBacklog);

impl OfficerLine {
    fn waiting_since(&self) -> String {
        self.0.oldest_day.map(day_text).unwrap_or_default()
    }
}

impl CsvRow for OfficerLine {
    const HEAD: &'static [&'static str] =
        &["officer", "jurisdiction", "pending", "oldest_waiting_since"];

    fn cells(&self) -> Vec<String> {
        vec![
            self.0.username.clone(),
            self.0.jurisdiction.clone(),
            self.0.pending.to_string(),
            self.waiting_since(),
        ]
    }
}

#[derive(Template)]
#[template(path = "backlog.html")]
struct BacklogPage<'a> {
    frame: Frame,
    /// The area looked at.
    code: String,
    /// From the admin's own area down to this place: (code, name).
    crumbs: Vec<(String, String)>,
    summary: String,
    /// By district (a state) or by block and urban body (a district); empty below.
    areas: Vec<AreaLine>,
    silent_column: String,
    device_columns: [&'static str; 9],
    devices: Vec<DeviceLine<'a>>,
    /// Which devices this page shows of how many, in how many pages.
    devices_shown: String,
    /// Set past the first page.
    first_page: Option<String>,
    next_page: Option<String>,
    ingest_summary: String,
    ingest_chart: String,
    notifications: Vec<NotificationCount>,
    officers: Vec<OfficerLine>,
}

/// Each device's district and block, named in `lang`.
fn district_and_block(devices: &[DeviceBacklog], lang: Lang) -> Vec<(String, String)> {
    let name = |(hi, en): &(Option<String>, Option<String>)| {
        if lang == Lang::Hi { hi } else { en }
            .clone()
            .unwrap_or_default()
    };
    devices
        .iter()
        .map(|d| (name(&d.district_name), name(&d.block_name)))
        .collect()
}

/// The hour from `start`, minute by minute (`HH:MM`, registrations received).
fn last_hour(start: i64, per_minute: &BTreeMap<i64, i64>) -> Vec<(String, i64)> {
    (0..60)
        .map(|i| {
            let m = start + i * 60_000;
            let label = date_time(m)
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            (label, per_minute.get(&m).copied().unwrap_or(0))
        })
        .collect()
}

/// Devices holding data, what they hold, and how many of them are silent.
fn summary(lang: Lang, areas: &[AreaBacklog], hours: i64) -> String {
    tm(
        lang,
        Message::new("page.backlog.summary")
            .with("devices", count(areas.iter().map(|a| a.devices).sum()))
            .with("pending", count(areas.iter().map(|a| a.pending).sum()))
            .with("silent", count(areas.iter().map(|a| a.silent).sum()))
            .with("hours", hours),
    )
}

/// The areas' lines: each area below `place` links to its own backlog; devices working over
/// all of `place` are named as such.
fn area_lines(lang: Lang, place: &str, areas: &[AreaBacklog]) -> Vec<AreaLine> {
    areas
        .iter()
        .map(|a| {
            let name = if lang == Lang::Hi {
                &a.name_hi
            } else {
                &a.name_en
            };
            let whole = a.code == place;
            AreaLine {
                name: if whole {
                    tm(
                        lang,
                        Message::new("page.backlog.whole_area").with("name", name),
                    )
                } else {
                    name.clone()
                },
                place: (!whole).then(|| a.code.clone()),
                area: a.clone(),
            }
        })
        .collect()
}

/// Each device with its district and block (`names`, in order) and whether it is silent.
fn device_lines<'a>(
    devices: &'a [DeviceBacklog],
    names: &'a [(String, String)],
    now: i64,
    hours: i64,
) -> Vec<DeviceLine<'a>> {
    devices
        .iter()
        .zip(names)
        .map(|(device, (district, block))| DeviceLine {
            device,
            district,
            block,
            silent: is_silent(device, now, hours),
        })
        .collect()
}

/// `/admin/backlog` with `pairs` as its query.
fn backlog_href(pairs: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("/admin/backlog?{query}")
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<BacklogQuery>,
) -> Result<Response, PageError> {
    let place = admin_area(&app, &user, q.place.as_deref()).await?;
    crate::rollup::catch_up(&app).await?;
    let lang = user.lang;
    let now = now_ms();
    let hours = app.settings.silent_after_hours;
    let areas = (app.db)
        .backlog_by_area(&place, silent_before(now, hours))
        .await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(match q.table.as_deref() {
            Some("ingest") => {
                let start = (now / 60_000 - 59) * 60_000;
                let minutes: Vec<IngestMinute> = (app.db.ingest_per_minute(start).await?)
                    .into_iter()
                    .map(|(minute, received)| IngestMinute { minute, received })
                    .collect();
                csv_of("ingest-per-minute.csv", &minutes)
            }
            Some("notifications") => {
                csv_of("notification-queue.csv", &notification_counts(&app).await?)
            }
            Some("officers") => {
                csv_of("pending-approvals.csv", &officer_lines(&app, &place).await?)
            }
            Some("areas") => csv_of(
                "sync-backlog-by-area.csv",
                &area_lines(lang, &place, &areas),
            ),
            _ => {
                // Every device of the area, not a page of them.
                let devices = app.db.device_backlog(&place).await?;
                let names = district_and_block(&devices, lang);
                csv_of(
                    "sync-backlog.csv",
                    &device_lines(&devices, &names, now, hours),
                )
            }
        });
    }
    let after = q.after.as_deref().and_then(parse_cursor);
    let devices = (app.db)
        .device_backlog_page(&place, after.as_ref(), DEVICES_PER_PAGE)
        .await?;
    let names = district_and_block(&devices, lang);
    let lines = device_lines(&devices, &names, now, hours);
    let holding: i64 = areas.iter().map(|a| a.devices).sum();
    let lineage = app.db.lineage(&place).await?;
    let level = lineage.last().map(|p| p.level);
    let by_area = matches!(level, Some(Level::State | Level::District));
    let next_page = (devices.len() as i64 == DEVICES_PER_PAGE)
        .then(|| devices.last().map(|d| cursor_text(&d.cursor())))
        .flatten()
        .map(|after| backlog_href(&[("place", &place), ("after", &after)]));
    let start = (now / 60_000 - 59) * 60_000;
    let per_minute: BTreeMap<i64, i64> =
        app.db.ingest_per_minute(start).await?.into_iter().collect();
    let minutes = last_hour(start, &per_minute);
    let page = BacklogPage {
        frame: Frame::titled(&user, "page.backlog.title"),
        crumbs: (lineage.iter())
            .skip_while(|p| p.code.as_str() != user.user.jurisdiction)
            .map(|p| (p.code.to_string(), place_name(lang, p).to_owned()))
            .collect(),
        summary: summary(lang, &areas, hours),
        areas: if by_area {
            area_lines(lang, &place, &areas)
        } else {
            Vec::new()
        },
        silent_column: tm(
            lang,
            Message::new("page.col.silent_devices").with("hours", hours),
        ),
        device_columns: DeviceLine::COLUMNS,
        devices_shown: tm(
            lang,
            Message::new("page.backlog.devices_shown")
                .with("shown", count(lines.len() as i64))
                .with("devices", count(holding))
                .with(
                    "pages",
                    count((holding + DEVICES_PER_PAGE - 1) / DEVICES_PER_PAGE),
                )
                .with("per_page", DEVICES_PER_PAGE),
        ),
        first_page: after.is_some().then(|| backlog_href(&[("place", &place)])),
        next_page,
        ingest_summary: tm(
            lang,
            Message::new("page.backlog.ingest_summary")
                .with("total", count(per_minute.values().sum()))
                .with("last", count(minutes.last().map_or(0, |m| m.1))),
        ),
        ingest_chart: daily_bars(&minutes, &t(lang, "page.backlog.ingest")),
        devices: lines,
        notifications: notification_counts(&app).await?,
        officers: officer_lines(&app, &place).await?,
        code: place,
    };
    Ok(render(&page)?.into_response())
}

async fn notification_counts(app: &App) -> Result<Vec<NotificationCount>, PageError> {
    Ok((app.db.notification_counts().await?)
        .into_iter()
        .map(|(state, messages)| NotificationCount { state, messages })
        .collect())
}

async fn officer_lines(app: &App, area: &str) -> Result<Vec<OfficerLine>, PageError> {
    Ok((app.db.officer_backlog(area).await?)
        .into_iter()
        .map(OfficerLine)
        .collect())
}
