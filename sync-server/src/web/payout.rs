//! The payout statement per gram panchayat and urban body: registrations received in a
//! period, the approved ones, and what is owed for them at the rate per registration.

use super::progress::admin_area;
use super::{
    CsvRow, Frame, PageError, PageUser, count, csv_of, day_iso, day_text, parse_day, place_name,
    render, tm,
};
use crate::app::App;
use crate::campaign::{Paise, Tally, payout};
use crate::storage::{level_text, now_ms};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use panjiyan_core::india_time::india_day;
use panjiyan_core::location::{Level, Place};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::registration::RegistrationState;
use std::collections::BTreeMap;

#[derive(Debug, Default, serde::Deserialize)]
pub struct PayoutQuery {
    place: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// What one gram panchayat or urban body (or, on a state's page, district) is owed.
struct PayoutLine {
    place: Place,
    received: i64,
    approved: i64,
    rate: Paise,
}

impl PayoutLine {
    fn name(&self, lang: &Lang) -> &str {
        place_name(*lang, &self.place)
    }

    fn level_key(&self) -> String {
        format!("page.level.{}", level_text(self.place.level))
    }

    fn amount(&self) -> Paise {
        payout(self.approved, self.rate)
    }
}

impl CsvRow for PayoutLine {
    const HEAD: &'static [&'static str] = &[
        "code",
        "name_hi",
        "name_en",
        "level",
        "received",
        "approved",
        "rate_rupees",
        "amount_rupees",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.place.code.to_string(),
            self.place.name_hi.clone(),
            self.place.name_en.clone(),
            level_text(self.place.level).to_owned(),
            self.received.to_string(),
            self.approved.to_string(),
            self.rate.rupees(),
            self.amount().rupees(),
        ]
    }
}

#[derive(Template)]
#[template(path = "payout.html")]
struct PayoutPage {
    frame: Frame,
    place: String,
    from: String,
    to: String,
    explain: String,
    total: String,
    by_district: bool,
    columns: [&'static str; 6],
    lines: Vec<PayoutLine>,
}

/// The period asked for, in IST days: by default this month so far; never ending before it
/// starts.
fn period(q: &PayoutQuery, today: i64) -> (i64, i64) {
    let month_start = parse_day(&format!("{}-01", &day_iso(today)[..7])).unwrap_or(today);
    let from = q.from.as_deref().and_then(parse_day).unwrap_or(month_start);
    let to = q.to.as_deref().and_then(parse_day).unwrap_or(today);
    (from, to.max(from))
}

/// What each place is owed for the period: the districts of a state, or every gram
/// panchayat and urban body of `area`.
async fn payout_lines(
    app: &App,
    area: &str,
    by_district: bool,
    (from, to): (i64, i64),
    rate: Paise,
) -> Result<Vec<PayoutLine>, PageError> {
    let levels = ["gram_panchayat", "urban_body"];
    let (places, counted) = if by_district {
        let places = app.db.children_of(area).await?;
        let counted = app.db.progress_of_children(area, Some(from), Some(to));
        (places, counted.await?)
    } else {
        let places = app.db.places_at_levels(area, &levels).await?;
        let counted = app
            .db
            .progress_at_levels(area, &levels, Some(from), Some(to));
        (places, counted.await?)
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for row in counted {
        tallies.entry(row.place_code.clone()).or_default().add(&row);
    }
    Ok(places
        .into_iter()
        .map(|place| {
            let tally = tallies.remove(place.code.as_str()).unwrap_or_default();
            PayoutLine {
                place,
                received: tally.received(),
                approved: tally.state(&RegistrationState::Approved),
                rate,
            }
        })
        .collect())
}

/// Per gram panchayat and urban body: registrations received in the period, the approved ones,
/// and what is owed for them.
pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Query(q): Query<PayoutQuery>,
) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, q.place.as_deref()).await?;
    crate::rollup::catch_up(&app).await?;
    let lang = user.lang;
    let here = app
        .db
        .place(&area)
        .await?
        .ok_or_else(PageError::not_found)?;
    let (from, to) = period(&q, india_day(now_ms()));
    let csv = q.format.as_deref() == Some("csv");
    // A state's page lists its districts (each opens its own statement); the CSV for accounts
    // always has every gram panchayat and urban body.
    let by_district = here.level == Level::State && !csv;
    let rate = Paise(app.settings.payout_paise);
    let lines = payout_lines(&app, &area, by_district, (from, to), rate).await?;
    if csv {
        let name = format!("payout-{}-{}.csv", day_iso(from), day_iso(to));
        return Ok(csv_of(&name, &lines));
    }
    let approved: i64 = lines.iter().map(|l| l.approved).sum();
    let page = PayoutPage {
        frame: Frame::titled(&user, "page.payout.title"),
        place: area,
        from: day_iso(from),
        to: day_iso(to),
        explain: tm(
            lang,
            Message::new("page.payout.explain")
                .with("from", day_text(from))
                .with("to", day_text(to))
                .with("rate", rate.rupees()),
        ),
        total: tm(
            lang,
            Message::new("page.payout.total")
                .with("approved", count(approved))
                .with("amount", payout(approved, rate).rupees()),
        ),
        by_district,
        columns: [
            "page.col.area",
            "page.col.level",
            "page.col.received",
            "page.col.approved",
            "page.col.rate",
            "page.col.amount",
        ],
        lines,
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_this_month_so_far_unless_asked_and_never_ends_before_it_starts() {
        let day = |d: &str| parse_day(d).unwrap();
        let today = day("2026-11-22");
        assert_eq!(
            period(&PayoutQuery::default(), today),
            (day("2026-11-01"), today)
        );
        let backwards = PayoutQuery {
            from: Some("2026-11-10".into()),
            to: Some("2026-11-05".into()),
            ..PayoutQuery::default()
        };
        assert_eq!(
            period(&backwards, today),
            (day("2026-11-10"), day("2026-11-10"))
        );
    }
}
