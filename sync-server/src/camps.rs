//! Camps as the calendar plans them: who may staff a camp in an area, the times of its day,
//! a new camp's id, and whether a device of its staff holds the camp's current pack.

use crate::roles::Role;
use crate::storage::{Db, PackReadiness, StorageError, User};
use panjiyan_core::location::Place;

/// Operators and secretaries, not disabled, who work within `area`: who may staff its camps.
pub async fn staff_of(db: &Db, area: &str) -> Result<Vec<User>, StorageError> {
    let mut out = Vec::new();
    for u in db.users().await? {
        if can_staff(&u) && db.is_within(&u.jurisdiction, area).await? {
            out.push(u);
        }
    }
    Ok(out)
}

/// Whether a user's role and standing let them staff a camp at all.
pub fn can_staff(u: &User) -> bool {
    matches!(u.role, Role::Operator | Role::Secretary) && !u.disabled
}

/// Minutes since midnight of `HH:MM`.
pub fn minutes(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// What a camp's planner chose, as typed.
#[derive(Debug, Clone, Copy)]
pub struct CampPlan<'a> {
    /// The start of the camp's day in IST (epoch ms), if the date was one.
    pub day_start: Option<i64>,
    /// `HH:MM`
    pub from: &'a str,
    /// `HH:MM`
    pub to: &'a str,
    pub venue: &'a str,
    pub units: &'a [String],
    pub staff: &'a [i64],
}

/// What is wrong with a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanProblem {
    /// No date, a time that is not one, or an end not after the start.
    Times,
    /// No venue, or longer than 200 letters.
    Venue,
    /// No village or ward, or one outside the camp's block or urban body.
    Units,
    /// Someone who may not staff a camp there.
    Staff,
}

/// A plan's start and end (epoch ms) if it holds, with `units` and `staff` what the camp's
/// area allows; otherwise every problem it has.
pub fn check_plan(
    plan: &CampPlan,
    units: &[Place],
    staff: &[User],
) -> Result<(i64, i64), Vec<PlanProblem>> {
    let mut problems = Vec::new();
    let times = match (plan.day_start, minutes(plan.from), minutes(plan.to)) {
        (Some(d), Some(s), Some(e)) if e > s => Some((d + s * 60_000, d + e * 60_000)),
        _ => {
            problems.push(PlanProblem::Times);
            None
        }
    };
    if plan.venue.is_empty() || plan.venue.chars().count() > 200 {
        problems.push(PlanProblem::Venue);
    }
    let known_unit = |u: &String| units.iter().any(|p| p.code.as_str() == u);
    if plan.units.is_empty() || !plan.units.iter().all(known_unit) {
        problems.push(PlanProblem::Units);
    }
    if !plan.staff.iter().all(|s| staff.iter().any(|u| u.id == *s)) {
        problems.push(PlanProblem::Staff);
    }
    match times {
        Some(t) if problems.is_empty() => Ok(t),
        _ => Err(problems),
    }
}

/// How ready one device of the staff is for one unit of the camp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// The staff member has no device enrolled.
    NoDevice,
    /// The device never downloaded the unit's pack.
    Missing,
    /// The device holds the current pack.
    Ready,
    /// The device holds an older pack.
    Stale,
}

impl Readiness {
    pub fn of(r: &PackReadiness) -> Self {
        match (&r.device_id, r.downloaded_version, r.current_version) {
            (None, _, _) => Self::NoDevice,
            (_, None, _) => Self::Missing,
            (_, Some(d), Some(c)) if d == c => Self::Ready,
            _ => Self::Stale,
        }
    }
}

/// How many of a camp's devices hold the current pack.
pub fn ready_count(readiness: &[PackReadiness]) -> usize {
    readiness
        .iter()
        .filter(|r| Readiness::of(r) == Readiness::Ready)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(device: Option<&str>, downloaded: Option<i64>, current: Option<i64>) -> PackReadiness {
        PackReadiness {
            unit_code: "u".into(),
            username: "op".into(),
            device_id: device.map(str::to_owned),
            downloaded_version: downloaded,
            downloaded_at: None,
            current_version: current,
        }
    }

    #[test]
    fn times_are_hours_and_minutes() {
        assert_eq!(minutes("09:30"), Some(570));
        assert_eq!(minutes("24:00"), None);
        assert_eq!(minutes("9"), None);
    }

    #[test]
    fn a_device_is_ready_only_with_the_current_pack() {
        assert_eq!(
            Readiness::of(&held(None, None, Some(3))),
            Readiness::NoDevice
        );
        assert_eq!(
            Readiness::of(&held(Some("d"), None, Some(3))),
            Readiness::Missing
        );
        assert_eq!(
            Readiness::of(&held(Some("d"), Some(2), Some(3))),
            Readiness::Stale
        );
        assert_eq!(
            Readiness::of(&held(Some("d"), Some(3), Some(3))),
            Readiness::Ready
        );
        let all = [
            held(Some("d"), Some(3), Some(3)),
            held(Some("e"), Some(2), Some(3)),
        ];
        assert_eq!(ready_count(&all), 1);
    }

    #[test]
    fn a_plan_names_every_problem_it_has() {
        let plan = CampPlan {
            day_start: Some(1_000_000),
            from: "10:00",
            to: "09:00",
            venue: "",
            units: &[],
            staff: &[7],
        };
        assert_eq!(
            check_plan(&plan, &[], &[]),
            Err(vec![
                PlanProblem::Times,
                PlanProblem::Venue,
                PlanProblem::Units,
                PlanProblem::Staff
            ])
        );
        let plan = CampPlan {
            to: "13:30",
            venue: "Panchayat bhavan",
            staff: &[],
            ..plan
        };
        assert_eq!(check_plan(&plan, &[], &[]), Err(vec![PlanProblem::Units]));
        let no_date = CampPlan {
            day_start: None,
            ..plan
        };
        assert!(
            check_plan(&no_date, &[], &[])
                .unwrap_err()
                .contains(&PlanProblem::Times)
        );
    }
}
