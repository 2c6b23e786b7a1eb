//! Campaign progress for district and state admins: a place's registrations by status and
//! channel against its target, per day (charts), and by the areas under it (drill down),
//! with a projected completion date; and the payout statement per gram panchayat and urban
//! body. Every table downloads as CSV.

use super::chart::{cumulative_vs_target, daily_bars};
use super::{
    PageError, PageUser, count, csv, day_iso, day_text, escape, layout, parse_day, place_name, t,
    table, tm,
};
use crate::app::App;
use crate::india_time::india_day;
use crate::storage::{ProgressRow, now_ms};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use panjiyan_core::messages::Message;
use std::collections::BTreeMap;

const STATES: [&str; 4] = ["approved", "pending_approval", "rejected", "duplicate"];
const CHANNELS: [&str; 3] = ["camp", "service_centre", "self_registered"];

/// Counts by state and by channel for one place or one day.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    by_state: BTreeMap<String, i64>,
    by_channel: BTreeMap<String, i64>,
}

impl Tally {
    fn add(&mut self, row: &ProgressRow) {
        *self.by_state.entry(row.state.clone()).or_default() += row.n;
        // Channels count what counts: pending and approved registrations.
        if counts(&row.state) {
            *self.by_channel.entry(row.channel.clone()).or_default() += row.n;
        }
    }

    fn state(&self, s: &str) -> i64 {
        self.by_state.get(s).copied().unwrap_or(0)
    }

    fn channel(&self, c: &str) -> i64 {
        self.by_channel.get(c).copied().unwrap_or(0)
    }

    /// Pending and approved: the registrations that count towards a target.
    fn registered(&self) -> i64 {
        self.state("pending_approval") + self.state("approved")
    }

    fn received(&self) -> i64 {
        self.by_state.values().sum()
    }
}

fn counts(state: &str) -> bool {
    state == "pending_approval" || state == "approved"
}

/// Admins only, and only within their own area.
pub(crate) async fn admin_area(
    app: &App,
    user: &PageUser,
    place: Option<&str>,
) -> Result<String, PageError> {
    if !user.user.role.administers() {
        return Err(PageError::forbidden());
    }
    let place = place
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(&user.user.jurisdiction);
    if !app.db.is_within(place, &user.user.jurisdiction).await? {
        return Err(PageError::not_found());
    }
    Ok(place.to_owned())
}

fn percent(part: i64, whole: Option<i64>) -> String {
    match whole {
        Some(w) if w > 0 => format!("{:.1}", part as f64 * 100.0 / w as f64),
        _ => String::new(),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ProgressQuery {
    place: Option<String>,
    format: Option<String>,
    table: Option<String>,
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, PageError> {
    let code = admin_area(&app, &user, q.place.as_deref()).await?;
    crate::rollup::catch_up(&app).await?;
    let lang = user.lang;
    let lineage = app.db.lineage(&code).await?;
    let here = lineage.last().cloned().ok_or_else(PageError::not_found)?;
    let children = app.db.children_of(&code).await?;
    let targets = app.db.targets_around(&code).await?;
    let mut per_child: BTreeMap<String, Tally> = BTreeMap::new();
    for row in app.db.progress_of_children(&code, None, None).await? {
        per_child
            .entry(row.place_code.clone())
            .or_default()
            .add(&row);
    }
    let mut per_day: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for row in app.db.progress_by_day(&code).await? {
        per_day.entry(row.day).or_default().add(&row);
        total.add(&row);
    }
    let today = india_day(now_ms());

    // The tables, as rows of plain values: the CSV and the page both come from these.
    let child_head = [
        "code",
        "name_hi",
        "name_en",
        "level",
        "target",
        "registered",
        "percent_of_target",
        "approved",
        "pending_approval",
        "rejected",
        "duplicate",
        "camp",
        "service_centre",
        "self_registered",
    ];
    let child_rows: Vec<Vec<String>> = children
        .iter()
        .map(|c| {
            let tally = per_child.get(c.code.as_str()).cloned().unwrap_or_default();
            let target = targets.get(c.code.as_str()).copied();
            let mut row = vec![
                c.code.to_string(),
                c.name_hi.clone(),
                c.name_en.clone(),
                crate::storage::level_text(c.level).to_owned(),
                target.map(|t| t.to_string()).unwrap_or_default(),
                tally.registered().to_string(),
                percent(tally.registered(), target),
            ];
            row.extend(STATES.iter().map(|s| tally.state(s).to_string()));
            row.extend(CHANNELS.iter().map(|ch| tally.channel(ch).to_string()));
            row
        })
        .collect();
    let day_head = [
        "day",
        "registered",
        "approved",
        "pending_approval",
        "rejected",
        "duplicate",
        "camp",
        "service_centre",
        "self_registered",
    ];
    let day_rows: Vec<Vec<String>> = per_day
        .iter()
        .map(|(day, tally)| {
            let mut row = vec![day_iso(*day), tally.registered().to_string()];
            row.extend(STATES.iter().map(|s| tally.state(s).to_string()));
            row.extend(CHANNELS.iter().map(|ch| tally.channel(ch).to_string()));
            row
        })
        .collect();
    if q.format.as_deref() == Some("csv") {
        return Ok(match q.table.as_deref() {
            // The place's own counts: by status, and (pending and approved) by channel.
            Some("summary") => csv(
                &format!("progress-{code}-summary.csv"),
                &["by", "name", "registrations"],
                STATES
                    .iter()
                    .map(|s| vec!["state".into(), (*s).into(), total.state(s).to_string()])
                    .chain(CHANNELS.iter().map(|c| {
                        vec!["channel".into(), (*c).into(), total.channel(c).to_string()]
                    })),
            ),
            Some("daily") => csv(&format!("progress-{code}-daily.csv"), &day_head, day_rows),
            _ => csv(
                &format!("progress-{code}-areas.csv"),
                &child_head,
                child_rows,
            ),
        });
    }

    let title = tm(
        lang,
        Message::new("page.progress.title").with("place", place_name(lang, &here)),
    );
    let mut body = String::from("<p class=\"crumbs\" id=\"crumbs\">");
    let mut shown = false;
    for p in &lineage {
        shown |= p.code.as_str() == user.user.jurisdiction;
        if shown {
            body.push_str(&format!(
                "<a href=\"/admin/progress?place={code}\">{}</a> › ",
                escape(place_name(lang, p)),
                code = escape(p.code.as_str())
            ));
        }
    }
    body.push_str(&format!("</p><h1>{title}</h1>"));

    // The headline: registered against the target, and when the target will be reached.
    let target = targets.get(code.as_str()).copied();
    let registered = total.registered();
    body.push_str("<p class=\"summary\" id=\"headline\">");
    body.push_str(&match target {
        Some(t) => tm(
            lang,
            Message::new("page.progress.registered")
                .with("registered", count(registered))
                .with("target", count(t))
                .with("percent", percent(registered, Some(t))),
        ),
        None => tm(
            lang,
            Message::new("page.progress.registered_no_target")
                .with("registered", count(registered)),
        ),
    });
    if let Some(goal) = target {
        let recent: i64 = per_day
            .range(today - 6..=today)
            .map(|(_, tally)| tally.registered())
            .sum();
        let projection = if registered >= goal {
            t(lang, "page.progress.reached")
        } else if recent == 0 {
            t(lang, "page.progress.stalled")
        } else {
            let rate = recent as f64 / 7.0;
            let days_left = ((goal - registered) as f64 / rate).ceil() as i64;
            tm(
                lang,
                Message::new("page.progress.projection")
                    .with("rate", format!("{rate:.1}"))
                    .with("date", day_text(today + days_left)),
            )
        };
        body.push_str(&format!(" <span id=\"projection\">{projection}</span>"));
    }
    body.push_str("</p>");

    // Status × channel for the place itself.
    let mut status_rows = Vec::new();
    for s in STATES {
        status_rows.push(vec![
            t(lang, &format!("page.state.{s}")),
            count(total.state(s)),
        ]);
    }
    body.push_str(&format!(
        "<p><a class=\"csv\" href=\"/admin/progress?place={}&amp;format=csv&amp;table=summary\">{}</a></p>",
        escape(&code),
        t(lang, "page.csv")
    ));
    body.push_str("<div class=\"columns\"><section>");
    body.push_str(&table(
        "by-status",
        &[t(lang, "page.col.state"), t(lang, "page.col.count")],
        &status_rows,
    ));
    body.push_str("</section><section>");
    let channel_rows: Vec<Vec<String>> = CHANNELS
        .iter()
        .map(|c| {
            vec![
                t(lang, &format!("page.channel.{c}")),
                count(total.channel(c)),
            ]
        })
        .collect();
    body.push_str(&table(
        "by-channel",
        &[t(lang, "page.col.channel"), t(lang, "page.col.registered")],
        &channel_rows,
    ));
    body.push_str("</section></div>");

    // Charts: the last 30 days' registrations, and the running total against the target.
    let last30: Vec<(String, i64)> = (today - 29..=today)
        .map(|d| {
            let n = per_day.get(&d).map_or(0, Tally::registered);
            (day_text(d)[..5].to_owned(), n)
        })
        .collect();
    let mut running = 0;
    let cumulative: Vec<(String, i64)> = match per_day.keys().next() {
        None => Vec::new(),
        Some(first) => (*first..=today)
            .map(|d| {
                running += per_day.get(&d).map_or(0, Tally::registered);
                (day_text(d)[..5].to_owned(), running)
            })
            .collect(),
    };
    body.push_str(&format!(
        "<div class=\"columns charts\"><figure id=\"daily-chart\">{}</figure><figure id=\"cumulative-chart\">{}</figure></div>",
        daily_bars(&last30, &Message::new("page.progress.daily_chart").text(lang)),
        cumulative_vs_target(
            &cumulative,
            target,
            &Message::new("page.progress.cumulative_chart").text(lang),
            &Message::new("page.progress.target_line").text(lang),
        ),
    ));

    // By area, with drill-down where there is something below.
    if !children.is_empty() {
        body.push_str(&format!(
            "<h2>{} <a class=\"csv\" href=\"/admin/progress?place={code}&amp;format=csv\">{}</a></h2>",
            t(lang, "page.progress.children"),
            t(lang, "page.csv"),
            code = escape(&code),
        ));
        let head: Vec<String> = [
            "page.col.area",
            "page.col.level",
            "page.col.target",
            "page.col.registered",
            "page.col.percent",
            "page.col.approved",
            "page.col.pending_approval",
            "page.col.rejected",
            "page.col.duplicate",
        ]
        .iter()
        .map(|k| t(lang, k))
        .chain(
            CHANNELS
                .iter()
                .map(|c| t(lang, &format!("page.channel.{c}"))),
        )
        .collect();
        let rows: Vec<Vec<String>> = children
            .iter()
            .zip(&child_rows)
            .map(|(c, values)| {
                let label = escape(place_name(lang, c));
                let area = if c.level.is_camp_unit() {
                    label
                } else {
                    format!(
                        "<a href=\"/admin/progress?place={}\">{label}</a>",
                        escape(c.code.as_str())
                    )
                };
                let mut row = vec![area, t(lang, &format!("page.level.{}", values[3]))];
                row.extend(values[4..].iter().map(|v| match v.parse::<i64>() {
                    Ok(n) => count(n),
                    Err(_) => escape(v),
                }));
                row
            })
            .collect();
        body.push_str(&table("by-area", &head, &rows));
    }
    body.push_str(&format!(
        "<h2>{} <a class=\"csv\" href=\"/admin/progress?place={code}&amp;format=csv&amp;table=daily\">{}</a></h2>",
        t(lang, "page.progress.daily"),
        t(lang, "page.csv"),
        code = escape(&code),
    ));
    let head: Vec<String> = [
        "page.col.day",
        "page.col.registered",
        "page.col.approved",
        "page.col.pending_approval",
        "page.col.rejected",
        "page.col.duplicate",
    ]
    .iter()
    .map(|k| t(lang, k))
    .chain(
        CHANNELS
            .iter()
            .map(|c| t(lang, &format!("page.channel.{c}"))),
    )
    .collect();
    let rows: Vec<Vec<String>> = per_day
        .keys()
        .rev()
        .zip(day_rows.iter().rev())
        .map(|(day, values)| {
            let mut row = vec![day_text(*day)];
            row.extend(values[1..].iter().map(|v| count(v.parse().unwrap_or(0))));
            row
        })
        .collect();
    body.push_str(&table("by-day", &head, &rows));
    Ok(Html(layout(lang, Some(&user), &title, &body)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct PayoutQuery {
    place: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// Per gram panchayat and urban body: registrations received in the period, the approved ones,
/// and what is owed for them.
pub async fn payout(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<PayoutQuery>,
) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, q.place.as_deref()).await?;
    crate::rollup::catch_up(&app).await?;
    let lang = user.lang;
    let today = india_day(now_ms());
    let here = app
        .db
        .place(&area)
        .await?
        .ok_or_else(PageError::not_found)?;
    // Default: this month so far.
    let month_start = {
        let iso = day_iso(today);
        parse_day(&format!("{}-01", &iso[..7])).unwrap_or(today)
    };
    let from = q.from.as_deref().and_then(parse_day).unwrap_or(month_start);
    let to =
        q.to.as_deref()
            .and_then(parse_day)
            .unwrap_or(today)
            .max(from);
    let levels = ["gram_panchayat", "urban_body"];
    // A state's page lists its districts (each opens its own statement); the CSV for accounts
    // always has every gram panchayat and urban body.
    let by_district =
        here.level == panjiyan_core::location::Level::State && q.format.as_deref() != Some("csv");
    let (places, counted) = if by_district {
        (
            app.db.children_of(&area).await?,
            app.db
                .progress_of_children(&area, Some(from), Some(to))
                .await?,
        )
    } else {
        (
            app.db.places_at_levels(&area, &levels).await?,
            app.db
                .progress_at_levels(&area, &levels, Some(from), Some(to))
                .await?,
        )
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for row in counted {
        tallies.entry(row.place_code.clone()).or_default().add(&row);
    }
    let rate = app.settings.payout_paise;
    let rupees = |paise: i64| format!("{}.{:02}", paise / 100, paise % 100);
    let rows: Vec<Vec<String>> = places
        .iter()
        .map(|p| {
            let tally = tallies.get(p.code.as_str()).cloned().unwrap_or_default();
            let approved = tally.state("approved");
            vec![
                p.code.to_string(),
                p.name_hi.clone(),
                p.name_en.clone(),
                crate::storage::level_text(p.level).to_owned(),
                tally.received().to_string(),
                approved.to_string(),
                rupees(rate),
                rupees(approved * rate),
            ]
        })
        .collect();
    if q.format.as_deref() == Some("csv") {
        return Ok(csv(
            &format!("payout-{}-{}.csv", day_iso(from), day_iso(to)),
            &[
                "code",
                "name_hi",
                "name_en",
                "level",
                "received",
                "approved",
                "rate_rupees",
                "amount_rupees",
            ],
            rows,
        ));
    }
    let approved_total: i64 = rows.iter().map(|r| r[5].parse::<i64>().unwrap_or(0)).sum();
    let mut body = format!(
        "<h1>{title}</h1><form method=\"get\" action=\"/admin/payout\" class=\"filters\">\
         <input type=\"hidden\" name=\"place\" value=\"{place}\">\
         <label for=\"f-from\">{from_label}</label><input type=\"date\" id=\"f-from\" name=\"from\" value=\"{from}\">\
         <label for=\"f-to\">{to_label}</label><input type=\"date\" id=\"f-to\" name=\"to\" value=\"{to}\">\
         <button type=\"submit\">{apply}</button></form><p>{explain}</p><p class=\"summary\" id=\"payout-total\">{total}</p>\
         <p><a class=\"csv\" href=\"/admin/payout?place={place}&amp;from={from}&amp;to={to}&amp;format=csv\">{csv}</a></p>",
        place = escape(&area),
        title = t(lang, "page.payout.title"),
        from_label = t(lang, "page.filter.from"),
        to_label = t(lang, "page.filter.to"),
        from = day_iso(from),
        to = day_iso(to),
        apply = t(lang, "page.filter.apply"),
        explain = tm(
            lang,
            Message::new("page.payout.explain")
                .with("from", day_text(from))
                .with("to", day_text(to))
                .with("rate", rupees(rate))
        ),
        total = tm(
            lang,
            Message::new("page.payout.total")
                .with("approved", count(approved_total))
                .with("amount", rupees(approved_total * rate))
        ),
        csv = t(lang, "page.csv"),
    );
    let head: Vec<String> = [
        "page.col.area",
        "page.col.level",
        "page.col.received",
        "page.col.approved",
        "page.col.rate",
        "page.col.amount",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let html_rows: Vec<Vec<String>> = places
        .iter()
        .zip(&rows)
        .map(|(p, r)| {
            let label = escape(place_name(lang, p));
            let area = if by_district {
                format!(
                    "<a href=\"/admin/payout?place={}&amp;from={}&amp;to={}\">{label}</a>",
                    escape(p.code.as_str()),
                    day_iso(from),
                    day_iso(to)
                )
            } else {
                label
            };
            vec![
                area,
                t(lang, &format!("page.level.{}", r[3])),
                count(r[4].parse().unwrap_or(0)),
                count(r[5].parse().unwrap_or(0)),
                r[6].clone(),
                r[7].clone(),
            ]
        })
        .collect();
    body.push_str(&table("payout", &head, &html_rows));
    Ok(Html(layout(
        lang,
        Some(&user),
        &t(lang, "page.payout.title"),
        &body,
    ))
    .into_response())
}
