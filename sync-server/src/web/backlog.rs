//! The server admin's watch over data still in the field: devices with unsent registrations
//! (grouped by district and block, silent ones flagged), the ingest rate per minute, the
//! notification queue, and pending approvals per officer. `/metrics` carries the same figures.

use super::chart::daily_bars;
use super::progress::admin_area;
use super::{PageError, PageUser, count, csv, date_time, day_text, escape, layout, t, table, tm};
use crate::app::App;
use crate::storage::{DeviceBacklog, now_ms};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
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
    if q.format.as_deref() == Some("csv") {
        match q.table.as_deref() {
            Some("ingest") => {
                let rows = app.db.ingest_per_minute(start).await?;
                return Ok(csv(
                    "ingest-per-minute.csv",
                    &["minute", "received"],
                    rows.into_iter()
                        .map(|(m, n)| vec![date_time(m), n.to_string()]),
                ));
            }
            Some("notifications") => {
                let rows = app.db.notification_counts().await?;
                return Ok(csv(
                    "notification-queue.csv",
                    &["state", "messages"],
                    rows.into_iter().map(|(s, n)| vec![s, n.to_string()]),
                ));
            }
            Some("officers") => {
                let rows = app.db.officer_backlog(&area).await?;
                return Ok(csv(
                    "pending-approvals.csv",
                    &["officer", "jurisdiction", "pending", "oldest_waiting_since"],
                    rows.into_iter().map(|o| {
                        vec![
                            o.username,
                            o.jurisdiction,
                            o.pending.to_string(),
                            o.oldest_day.map(day_text).unwrap_or_default(),
                        ]
                    }),
                ));
            }
            _ => {}
        }
    }
    let devices = app.db.device_backlog(&area).await?;
    if q.format.as_deref() == Some("csv") {
        let head = [
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
        let rows = devices.iter().map(|d| {
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
                is_silent(d, now, hours).to_string(),
            ]
        });
        return Ok(csv("sync-backlog.csv", &head, rows));
    }

    let holding: Vec<&DeviceBacklog> = devices.iter().filter(|d| d.pending > 0).collect();
    let silent = holding.iter().filter(|d| is_silent(d, now, hours)).count();
    let mut body = format!(
        "<h1>{}</h1><p class=\"summary\" id=\"backlog-summary\">{}</p>",
        t(lang, "page.backlog.title"),
        tm(
            lang,
            Message::new("page.backlog.summary")
                .with("devices", holding.len())
                .with("pending", count(holding.iter().map(|d| d.pending).sum()))
                .with("silent", silent)
                .with("hours", hours)
        ),
    );
    body.push_str(&format!(
        "<h2>{} <a class=\"csv\" href=\"/admin/backlog?format=csv\">{}</a></h2>",
        t(lang, "page.backlog.devices"),
        t(lang, "page.csv")
    ));
    let head: Vec<String> = [
        "page.col.district",
        "page.col.block",
        "page.col.device",
        "page.col.user",
        "page.col.last_seen",
        "page.col.pending",
        "page.col.oldest",
        "page.col.app_version",
        "page.col.last_error",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let place = |(hi, en): &(Option<String>, Option<String>)| {
        escape(
            if lang == Lang::Hi { hi } else { en }
                .as_deref()
                .unwrap_or_default(),
        )
    };
    let rows: Vec<Vec<String>> = devices
        .iter()
        .map(|d| {
            let flag = if is_silent(d, now, hours) {
                format!(
                    " <strong class=\"state rejected silent\">{}</strong>",
                    t(lang, "page.backlog.silent")
                )
            } else {
                String::new()
            };
            vec![
                place(&d.district_name),
                place(&d.block_name),
                format!("<code>{}</code>{flag}", escape(&d.device_id)),
                escape(&d.enrolled_by),
                d.last_seen_at.map(date_time).unwrap_or_else(|| "—".into()),
                count(d.pending),
                d.oldest_pending_at.map(date_time).unwrap_or_default(),
                escape(d.app_version.as_deref().unwrap_or_default()),
                escape(d.last_error.as_deref().unwrap_or_default()),
            ]
        })
        .collect();
    body.push_str(&table("devices", &head, &rows));

    // Ingest: the last hour, minute by minute.
    let per_minute: BTreeMap<i64, i64> =
        app.db.ingest_per_minute(start).await?.into_iter().collect();
    let minutes: Vec<(String, i64)> = (0..60)
        .map(|i| {
            let m = start + i * 60_000;
            let label = date_time(m)
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            (label, per_minute.get(&m).copied().unwrap_or(0))
        })
        .collect();
    body.push_str(&format!(
        "<h2>{} <a class=\"csv\" href=\"/admin/backlog?format=csv&amp;table=ingest\">{}</a></h2><p id=\"ingest-summary\">{}</p><figure id=\"ingest-chart\">{}</figure>",
        t(lang, "page.backlog.ingest"),
        t(lang, "page.csv"),
        tm(
            lang,
            Message::new("page.backlog.ingest_summary")
                .with("total", count(per_minute.values().sum()))
                .with("last", count(minutes.last().map_or(0, |m| m.1)))
        ),
        daily_bars(&minutes, &Message::new("page.backlog.ingest").text(lang)),
    ));

    let notifications: Vec<Vec<String>> = app
        .db
        .notification_counts()
        .await?
        .into_iter()
        .map(|(state, n)| vec![t(lang, &format!("page.notification.{state}")), count(n)])
        .collect();
    body.push_str(&format!(
        "<div class=\"columns\"><section><h2>{} <a class=\"csv\" href=\"/admin/backlog?format=csv&amp;table=notifications\">{}</a></h2>",
        t(lang, "page.backlog.notifications"),
        t(lang, "page.csv")
    ));
    body.push_str(&table(
        "notifications",
        &[t(lang, "page.col.state"), t(lang, "page.col.count")],
        &notifications,
    ));
    body.push_str(&format!(
        "</section><section><h2>{} <a class=\"csv\" href=\"/admin/backlog?format=csv&amp;table=officers\">{}</a></h2>",
        t(lang, "page.backlog.officers"),
        t(lang, "page.csv")
    ));
    let officers: Vec<Vec<String>> = app
        .db
        .officer_backlog(&area)
        .await?
        .into_iter()
        .map(|o| {
            vec![
                escape(&o.username),
                count(o.pending),
                o.oldest_day.map(day_text).unwrap_or_default(),
            ]
        })
        .collect();
    body.push_str(&table(
        "officers",
        &[
            t(lang, "page.col.officer"),
            t(lang, "page.col.pending_approval"),
            t(lang, "page.col.waiting_since"),
        ],
        &officers,
    ));
    body.push_str("</section></div>");
    Ok(Html(layout(
        lang,
        Some(&user),
        &t(lang, "page.backlog.title"),
        &body,
    ))
    .into_response())
}
