//! Campaign progress for district and state admins: a place's registrations by status and
//! channel against its target, per day (charts), and by the areas under it (drill down),
//! with a projected completion date. Every table downloads as CSV.

use super::chart::{cumulative_vs_target, daily_bars};
use super::{
    CsvRow, Frame, PageError, PageUser, count, csv_of, day_iso, day_text, place_name, render, t, tm,
};
use crate::app::App;
use crate::campaign::{CHANNELS, Projection, STATES, Tally, percent, project, recent};
use crate::storage::{level_text, now_ms};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use panjiyan_core::india_time::india_day;
use panjiyan_core::location::Place;
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::registration::RegistrationState;
use std::collections::BTreeMap;

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

/// `percent` with one decimal, or nothing.
pub(crate) fn percent_text(part: i64, whole: Option<i64>) -> String {
    percent(part, whole).map_or_else(String::new, |p| format!("{p:.1}"))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ProgressQuery {
    place: Option<String>,
    format: Option<String>,
    table: Option<String>,
}

/// An area under the place: its target and its counts.
struct AreaLine {
    place: Place,
    target: Option<i64>,
    tally: Tally,
}

impl AreaLine {
    fn name(&self, lang: &Lang) -> &str {
        place_name(*lang, &self.place)
    }

    fn level_key(&self) -> String {
        format!("page.level.{}", level_text(self.place.level))
    }

    fn percent(&self) -> String {
        percent_text(self.tally.registered(), self.target)
    }
}

/// Counts by state, then by channel, as CSV cells.
fn tally_cells(tally: &Tally) -> impl Iterator<Item = String> + '_ {
    STATES
        .iter()
        .map(|s| tally.state(s).to_string())
        .chain(CHANNELS.iter().map(|c| tally.channel(c).to_string()))
}

/// The columns of `tally_cells`.
const TALLY_HEAD: [&str; 7] = [
    "approved",
    "pending_approval",
    "rejected",
    "duplicate",
    "camp",
    "service_centre",
    "self_registered",
];

/// `lead`, then `TALLY_HEAD`: the head of a table whose rows end in `tally_cells`.
const fn with_tally_head<const N: usize, const M: usize>(
    lead: [&'static str; N],
) -> [&'static str; M] {
    assert!(N + TALLY_HEAD.len() == M);
    let mut head = [""; M];
    let mut i = 0;
    while i < M {
        head[i] = if i < N { lead[i] } else { TALLY_HEAD[i - N] };
        i += 1;
    }
    head
}

impl CsvRow for AreaLine {
    const HEAD: &'static [&'static str] = &with_tally_head::<7, 14>([
        "code",
        "name_hi",
        "name_en",
        "level",
        "target",
        "registered",
        "percent_of_target",
    ]);

    fn cells(&self) -> Vec<String> {
        let mut cells = vec![
            self.place.code.to_string(),
            self.place.name_hi.clone(),
            self.place.name_en.clone(),
            level_text(self.place.level).to_owned(),
            self.target.map(|t| t.to_string()).unwrap_or_default(),
            self.tally.registered().to_string(),
            self.percent(),
        ];
        cells.extend(tally_cells(&self.tally));
        cells
    }
}

/// One day's counts for the place.
struct DayLine {
    day: i64,
    tally: Tally,
}

impl DayLine {
    fn day_text(&self) -> String {
        day_text(self.day)
    }
}

impl CsvRow for DayLine {
    const HEAD: &'static [&'static str] = &with_tally_head::<2, 9>(["day", "registered"]);

    fn cells(&self) -> Vec<String> {
        let mut cells = vec![day_iso(self.day), self.tally.registered().to_string()];
        cells.extend(tally_cells(&self.tally));
        cells
    }
}

/// The place's own count by one state or one channel.
struct SummaryLine {
    by: &'static str,
    name: &'static str,
    registrations: i64,
}

impl CsvRow for SummaryLine {
    const HEAD: &'static [&'static str] = &["by", "name", "registrations"];

    fn cells(&self) -> Vec<String> {
        vec![
            self.by.to_owned(),
            self.name.to_owned(),
            self.registrations.to_string(),
        ]
    }
}

/// What the progress of one place is made of, loaded once for the page and its CSVs.
struct Progress {
    code: String,
    lineage: Vec<Place>,
    here: Place,
    target: Option<i64>,
    areas: Vec<AreaLine>,
    /// Oldest first.
    days: BTreeMap<i64, Tally>,
    total: Tally,
}

impl Progress {
    /// From `db`: the primary, or the standby the figures pages read (`App::figures`).
    async fn load(db: &crate::storage::Db, code: String) -> Result<Self, PageError> {
        let lineage = db.lineage(&code).await?;
        let here = lineage.last().cloned().ok_or_else(PageError::not_found)?;
        let targets = db.targets_around(&code).await?;
        let mut per_child: BTreeMap<String, Tally> = BTreeMap::new();
        for row in db.progress_of_children(&code, None, None).await? {
            per_child
                .entry(row.place_code.clone())
                .or_default()
                .add(&row);
        }
        let areas = (db.children_of(&code).await?)
            .into_iter()
            .map(|place| AreaLine {
                target: targets.get(place.code.as_str()).copied(),
                tally: per_child.remove(place.code.as_str()).unwrap_or_default(),
                place,
            })
            .collect();
        let mut days: BTreeMap<i64, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        for row in db.progress_by_day(&code).await? {
            days.entry(row.day).or_default().add(&row);
            total.add(&row);
        }
        Ok(Self {
            target: targets.get(code.as_str()).copied(),
            code,
            lineage,
            here,
            areas,
            days,
            total,
        })
    }

    fn day_lines(&self) -> Vec<DayLine> {
        (self.days.iter())
            .map(|(&day, tally)| DayLine {
                day,
                tally: tally.clone(),
            })
            .collect()
    }

    fn summary_lines(&self) -> Vec<SummaryLine> {
        (STATES.iter())
            .map(|s| SummaryLine {
                by: "state",
                name: s.as_str(),
                registrations: self.total.state(s),
            })
            .chain(CHANNELS.iter().map(|c| SummaryLine {
                by: "channel",
                name: c,
                registrations: self.total.channel(c),
            }))
            .collect()
    }

    /// The CSV of one of the tables: `summary`, `daily`, or (by default) the areas.
    fn csv(&self, table: Option<&str>) -> Response {
        let code = &self.code;
        match table {
            Some("summary") => csv_of(
                &format!("progress-{code}-summary.csv"),
                &self.summary_lines(),
            ),
            Some("daily") => csv_of(&format!("progress-{code}-daily.csv"), &self.day_lines()),
            _ => csv_of(&format!("progress-{code}-areas.csv"), &self.areas),
        }
    }

    fn headline(&self, lang: Lang) -> String {
        let registered = self.total.registered();
        match self.target {
            Some(t) => tm(
                lang,
                Message::new("page.progress.registered")
                    .with("registered", count(registered))
                    .with("target", count(t))
                    .with("percent", percent_text(registered, Some(t))),
            ),
            None => tm(
                lang,
                Message::new("page.progress.registered_no_target")
                    .with("registered", count(registered)),
            ),
        }
    }

    fn projection(&self, lang: Lang, today: i64) -> Option<String> {
        let goal = self.target?;
        let recent = recent(&self.days, today);
        Some(
            match project(self.total.registered(), goal, recent, today) {
                Projection::Reached => t(lang, "page.progress.reached"),
                Projection::Stalled => t(lang, "page.progress.stalled"),
                Projection::By { per_day, day } => tm(
                    lang,
                    Message::new("page.progress.projection")
                        .with("rate", format!("{per_day:.1}"))
                        .with("date", day_text(day)),
                ),
            },
        )
    }

    /// The last 30 days' registrations as bars, and the running total against the target.
    fn charts(&self, lang: Lang, today: i64) -> (String, String) {
        let registered = |d: i64| self.days.get(&d).map_or(0, Tally::registered);
        let label = |d: i64| day_text(d)[..5].to_owned();
        let last30: Vec<(String, i64)> = (today - 29..=today)
            .map(|d| (label(d), registered(d)))
            .collect();
        let mut running = 0;
        let cumulative: Vec<(String, i64)> = match self.days.keys().next() {
            None => Vec::new(),
            Some(first) => (*first..=today)
                .map(|d| {
                    running += registered(d);
                    (label(d), running)
                })
                .collect(),
        };
        (
            daily_bars(&last30, &t(lang, "page.progress.daily_chart")),
            cumulative_vs_target(
                &cumulative,
                self.target,
                &t(lang, "page.progress.cumulative_chart"),
                &t(lang, "page.progress.target_line"),
            ),
        )
    }
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    frame: Frame,
    code: String,
    /// From the admin's own area down to this place: (code, name).
    crumbs: Vec<(String, String)>,
    /// When the figures come from a standby that lags: the time they are as of, in words.
    as_of: Option<String>,
    headline: String,
    projection: Option<String>,
    total: Tally,
    states: [RegistrationState; 4],
    channels: [&'static str; 3],
    daily_chart: String,
    cumulative_chart: String,
    area_columns: [&'static str; 9],
    areas: Vec<AreaLine>,
    day_columns: [&'static str; 6],
    /// Newest first.
    days: Vec<DayLine>,
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, PageError> {
    let code = admin_area(&app, &user, q.place.as_deref()).await?;
    crate::rollup::catch_up(&app).await?;
    let (figures, as_of) = app.figures().await;
    let progress = Progress::load(figures, code).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(progress.csv(q.table.as_deref()));
    }
    let lang = user.lang;
    let today = india_day(now_ms());
    let (daily_chart, cumulative_chart) = progress.charts(lang, today);
    let title = tm(
        lang,
        Message::new("page.progress.title").with("place", place_name(lang, &progress.here)),
    );
    let mut days = progress.day_lines();
    days.reverse();
    let page = ProgressPage {
        frame: Frame::new(lang, Some(&user), title),
        crumbs: (progress.lineage.iter())
            .skip_while(|p| p.code.as_str() != user.user.jurisdiction)
            .map(|p| (p.code.to_string(), place_name(lang, p).to_owned()))
            .collect(),
        as_of: as_of.map(|at| {
            tm(
                lang,
                Message::new("page.progress.as_of")
                    .with("time", panjiyan_core::india_time::date_time(at)),
            )
        }),
        headline: progress.headline(lang),
        projection: progress.projection(lang, today),
        states: STATES,
        channels: CHANNELS,
        daily_chart,
        cumulative_chart,
        area_columns: [
            "page.col.area",
            "page.col.level",
            "page.col.target",
            "page.col.registered",
            "page.col.percent",
            "page.col.approved",
            "page.col.pending_approval",
            "page.col.rejected",
            "page.col.duplicate",
        ],
        day_columns: [
            "page.col.day",
            "page.col.registered",
            "page.col.approved",
            "page.col.pending_approval",
            "page.col.rejected",
            "page.col.duplicate",
        ],
        days,
        total: progress.total,
        areas: progress.areas,
        code: progress.code,
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::TALLY_HEAD;
    use crate::campaign::{CHANNELS, STATES};

    #[test]
    fn the_tally_columns_are_named_in_the_order_of_the_cells() {
        let cells: Vec<&str> = (STATES.iter().map(|s| s.as_str()))
            .chain(CHANNELS)
            .collect();
        assert_eq!(cells, TALLY_HEAD);
    }
}
