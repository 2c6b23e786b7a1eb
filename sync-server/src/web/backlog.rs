//! The server admin's watch over data still in the field: devices with unsent registrations
//! (grouped by district and block, silent ones flagged), the ingest rate per minute, the
//! notification queue, and pending approvals per officer. `/metrics` carries the same figures.

use super::chart::daily_bars;
use super::progress::admin_area;
use super::{
    CsvRow, Frame, PageError, PageUser, count, csv_of, date_time, day_text, render, t, tm,
};
use crate::app::App;
use crate::storage::{DeviceBacklog, OfficerBacklog, now_ms};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use panjiyan_core::messages::{Lang, Message};
use std::collections::BTreeMap;

/// A device holding unsent data that has not been seen for longer than the setting.
pub fn is_silent(d: &DeviceBacklog, now: i64, silent_after_hours: i64) -> bool {
    d.pending > 0
        && d.last_seen_at
            .is_none_or(|seen| now - seen > silent_after_hours * 3_600_000)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct BacklogQuery {
    format: Option<String>,
    /// devices (the default), ingest, notifications or officers.
    table: Option<String>,
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
    summary: String,
    device_columns: [&'static str; 9],
    devices: Vec<DeviceLine<'a>>,
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
fn summary(lang: Lang, lines: &[DeviceLine], hours: i64) -> String {
    let holding: Vec<&DeviceLine> = lines.iter().filter(|d| d.device.pending > 0).collect();
    tm(
        lang,
        Message::new("page.backlog.summary")
            .with("devices", holding.len())
            .with(
                "pending",
                count(holding.iter().map(|d| d.device.pending).sum()),
            )
            .with("silent", holding.iter().filter(|d| d.silent).count())
            .with("hours", hours),
    )
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<BacklogQuery>,
) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, None).await?;
    crate::rollup::catch_up(&app).await?;
    let lang = user.lang;
    let now = now_ms();
    let hours = app.settings.silent_after_hours;
    let start = (now / 60_000 - 59) * 60_000;
    let per_minute: BTreeMap<i64, i64> =
        app.db.ingest_per_minute(start).await?.into_iter().collect();
    let notifications: Vec<NotificationCount> = app
        .db
        .notification_counts()
        .await?
        .into_iter()
        .map(|(state, messages)| NotificationCount { state, messages })
        .collect();
    let officers: Vec<OfficerLine> = (app.db.officer_backlog(&area).await?)
        .into_iter()
        .map(OfficerLine)
        .collect();
    let devices = app.db.device_backlog(&area).await?;
    let names = district_and_block(&devices, lang);
    let lines: Vec<DeviceLine> = devices
        .iter()
        .zip(&names)
        .map(|(device, (district, block))| DeviceLine {
            device,
            district,
            block,
            silent: is_silent(device, now, hours),
        })
        .collect();
    if q.format.as_deref() == Some("csv") {
        return Ok(match q.table.as_deref() {
            Some("ingest") => {
                let minutes: Vec<IngestMinute> = per_minute
                    .iter()
                    .map(|(&minute, &received)| IngestMinute { minute, received })
                    .collect();
                csv_of("ingest-per-minute.csv", &minutes)
            }
            Some("notifications") => csv_of("notification-queue.csv", &notifications),
            Some("officers") => csv_of("pending-approvals.csv", &officers),
            _ => csv_of("sync-backlog.csv", &lines),
        });
    }
    let minutes = last_hour(start, &per_minute);
    let page = BacklogPage {
        frame: Frame::titled(&user, "page.backlog.title"),
        summary: summary(lang, &lines, hours),
        device_columns: DeviceLine::COLUMNS,
        ingest_summary: tm(
            lang,
            Message::new("page.backlog.ingest_summary")
                .with("total", count(per_minute.values().sum()))
                .with("last", count(minutes.last().map_or(0, |m| m.1))),
        ),
        ingest_chart: daily_bars(&minutes, &t(lang, "page.backlog.ingest")),
        devices: lines,
        notifications,
        officers,
    };
    Ok(render(&page)?.into_response())
}
