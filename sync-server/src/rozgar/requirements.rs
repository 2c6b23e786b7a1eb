//! Requirements: a verified employer (or district staff for it) posts a trade, how many
//! workers, the daily wage (never below the state's minimum wage for the trade on the start
//! day), a place of work in the employer's own district, the start, duration and closing
//! days, and whether food and stay are given.

use super::{Problem, RozgarError};
use crate::storage::{Db, Employer, NewRequirement, now_ms};
use panjiyan_core::india_time;
use panjiyan_core::occupation::OccupationList;

/// A requirement as typed on a page.
#[derive(Debug, Clone, Default)]
pub struct RequirementForm {
    pub trade_code: String,
    pub workers: String,
    pub daily_rupees: String,
    pub place_code: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    pub duration_days: String,
    pub closes_on: String,
    pub food: bool,
    pub stay: bool,
}

/// Most workers one requirement may ask for, and the longest work it may offer.
pub const MOST_WORKERS: i64 = 5_000;
pub const MOST_DAYS: i64 = 3_650;

/// Checks and posts `form` for `employer` (verified), by user `posted_by`. Every problem is
/// named at once; nothing is stored unless all pass.
pub async fn post(
    db: &Db,
    employer: &Employer,
    form: &RequirementForm,
    posted_by: i64,
) -> Result<i64, RozgarError> {
    if !employer.is_verified() {
        return Err(RozgarError::refused("", "page.jobs.employer_not_verified"));
    }
    let now = now_ms();
    let today = india_time::india_day(now);
    let mut problems = Vec::new();
    let trade = form.trade_code.trim();
    if !OccupationList::builtin()
        .categories
        .iter()
        .any(|o| o.code == trade)
    {
        problems.push(Problem::new("trade_code", "page.jobs.trade_unknown"));
    }
    let mut number =
        |field: &'static str, text: &str, least: i64, most: i64| match text.trim().parse::<i64>() {
            Ok(n) if (least..=most).contains(&n) => Some(n),
            _ => {
                problems.push(
                    Problem::new(field, "page.jobs.number_out_of_range")
                        .with("min", least)
                        .with("max", most),
                );
                None
            }
        };
    let workers = number("workers", &form.workers, 1, MOST_WORKERS);
    let duration = number("duration_days", &form.duration_days, 1, MOST_DAYS);
    let wage = number("daily_rupees", &form.daily_rupees, 1, 100_000);
    let day = |text: &str| crate::web::parse_day(text.trim());
    let starts_on = day(&form.starts_on);
    let closes_on = day(&form.closes_on);
    match starts_on {
        Some(d) if d >= today => {}
        _ => problems.push(Problem::new("starts_on", "page.jobs.start_invalid")),
    }
    match (closes_on, starts_on) {
        (Some(c), Some(s)) if c >= today && c <= s => {}
        (Some(c), None) if c >= today => {}
        _ => problems.push(Problem::new("closes_on", "page.jobs.closing_invalid")),
    }
    let outside = "page.jobs.requirement_other_district";
    let (place, line) =
        match super::checked_place(db, &form.place_code, &employer.district_code, outside).await? {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                Default::default()
            }
        };
    if let (Some(wage), Some(start)) = (wage, starts_on)
        && !line.state.is_empty()
        && problems.iter().all(|p| p.field != "trade_code")
    {
        match db.min_wage(&line.state, trade, start).await? {
            Some(least) if wage < least => problems.push(
                Problem::new("daily_rupees", "page.jobs.wage_below_minimum").with("min", least),
            ),
            Some(_) => {}
            None => problems.push(Problem::new("daily_rupees", "page.jobs.no_minimum_wage")),
        }
    }
    let (Some(workers), Some(duration), Some(wage), Some(starts_on), Some(closes_on), true) = (
        workers,
        duration,
        wage,
        starts_on,
        closes_on,
        problems.is_empty(),
    ) else {
        return Err(RozgarError::Refused(problems));
    };
    let new = NewRequirement {
        employer_id: employer.id,
        trade_code: trade,
        workers,
        daily_rupees: wage,
        place_code: &place,
        block_code: &line.block,
        district_code: &line.district,
        state_code: &line.state,
        starts_on,
        duration_days: duration,
        food: form.food,
        stay: form.stay,
        closes_on,
        posted_by,
    };
    let mut tx = db.begin_write().await?;
    let id = tx.add_requirement(&new, now).await?;
    tx.commit().await?;
    Ok(id)
}
