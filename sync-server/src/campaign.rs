//! The campaign's rules: which registrations count towards a target, what is owed for the
//! approved ones (a rate per registration, `--payout-paise`), and when a target will be reached
//! at the pace of the last seven days.

use crate::storage::ProgressRow;
use panjiyan_core::registration::RegistrationState;
use std::collections::BTreeMap;

/// The states a place's counts are shown by, in this order.
pub const STATES: [RegistrationState; 4] = [
    RegistrationState::Approved,
    RegistrationState::PendingApproval,
    RegistrationState::Rejected,
    RegistrationState::Duplicate,
];

/// The channels registrations arrive by, in this order.
pub const CHANNELS: [&str; 3] = ["camp", "service_centre", "self_registered"];

/// Pending and approved registrations count towards a target; rejected and duplicate do not.
pub fn counts_towards_target(state: &str) -> bool {
    matches!(
        RegistrationState::parse(state),
        Some(RegistrationState::PendingApproval | RegistrationState::Approved)
    )
}

/// Counts by state and by channel for one place or one day.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    by_state: BTreeMap<String, i64>,
    by_channel: BTreeMap<String, i64>,
}

impl Tally {
    pub fn add(&mut self, row: &ProgressRow) {
        *self.by_state.entry(row.state.clone()).or_default() += row.n;
        // Channels count what counts: pending and approved registrations.
        if counts_towards_target(&row.state) {
            *self.by_channel.entry(row.channel.clone()).or_default() += row.n;
        }
    }

    pub fn state(&self, s: &RegistrationState) -> i64 {
        self.by_state.get(s.as_str()).copied().unwrap_or(0)
    }

    pub fn channel(&self, c: &str) -> i64 {
        self.by_channel.get(c).copied().unwrap_or(0)
    }

    /// Pending and approved: the registrations that count towards a target.
    pub fn registered(&self) -> i64 {
        self.state(&RegistrationState::PendingApproval) + self.state(&RegistrationState::Approved)
    }

    /// Every registration received, whatever became of it.
    pub fn received(&self) -> i64 {
        self.by_state.values().sum()
    }
}

/// `part` as a percentage of `whole` with one decimal; nothing without a whole.
pub fn percent(part: i64, whole: Option<i64>) -> Option<f64> {
    match whole {
        Some(w) if w > 0 => Some(part as f64 * 100.0 / w as f64),
        _ => None,
    }
}

/// An amount of money in paise.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Paise(pub i64);

impl Paise {
    /// As rupees with two decimals (`20.00`), what statements show.
    pub fn rupees(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let p = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", p / 100, p % 100)
    }
}

/// What is owed for `approved` registrations at `rate` per registration.
pub fn payout(approved: i64, rate: Paise) -> Paise {
    Paise(approved * rate.0)
}

/// Days whose registrations set the pace of a projection.
pub const PACE_DAYS: i64 = 7;

/// When a target will be reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Projection {
    /// The target is reached already.
    Reached,
    /// Nothing was registered in the last seven days: no date can be given.
    Stalled,
    /// At `per_day` (the last seven days' average), the target is reached on `day`.
    By { per_day: f64, day: i64 },
}

/// The projection for a place with `registered` of `target`, `recent` of them registered in
/// the last [`PACE_DAYS`] days up to `today` (IST days since 1970-01-01).
pub fn project(registered: i64, target: i64, recent: i64, today: i64) -> Projection {
    if registered >= target {
        Projection::Reached
    } else if recent <= 0 {
        Projection::Stalled
    } else {
        let per_day = recent as f64 / PACE_DAYS as f64;
        let days_left = ((target - registered) as f64 / per_day).ceil() as i64;
        Projection::By {
            per_day,
            day: today + days_left,
        }
    }
}

/// What registered in the last [`PACE_DAYS`] days up to `today`, from counts per day.
pub fn recent(per_day: &BTreeMap<i64, Tally>, today: i64) -> i64 {
    per_day
        .range(today - (PACE_DAYS - 1)..=today)
        .map(|(_, t)| t.registered())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: i64, state: &str, channel: &str, n: i64) -> ProgressRow {
        ProgressRow {
            place_code: "p".into(),
            day,
            channel: channel.into(),
            state: state.into(),
            n,
        }
    }

    #[test]
    fn only_pending_and_approved_count_towards_a_target() {
        let mut t = Tally::default();
        for r in [
            row(1, "approved", "camp", 4),
            row(1, "pending_approval", "self_registered", 2),
            row(1, "rejected", "camp", 3),
            row(1, "duplicate", "camp", 1),
        ] {
            t.add(&r);
        }
        assert_eq!(t.registered(), 6);
        assert_eq!(t.received(), 10);
        assert_eq!(
            t.channel("camp"),
            4,
            "rejected and duplicates are not a channel's"
        );
        assert_eq!(t.state(&RegistrationState::Rejected), 3);
    }

    #[test]
    fn payout_is_the_rate_for_each_approved_registration() {
        assert_eq!(payout(4, Paise(500)), Paise(2000));
        assert_eq!(payout(4, Paise(500)).rupees(), "20.00");
        assert_eq!(Paise(5).rupees(), "0.05");
        assert_eq!(payout(0, Paise(500)).rupees(), "0.00");
    }

    #[test]
    fn the_projection_follows_the_last_seven_days() {
        assert_eq!(project(40, 40, 0, 100), Projection::Reached);
        assert_eq!(project(10, 40, 0, 100), Projection::Stalled);
        // 14 in seven days is 2 a day: 30 to go takes 15 days.
        assert_eq!(
            project(10, 40, 14, 100),
            Projection::By {
                per_day: 2.0,
                day: 115
            }
        );
        // A part of a day still takes the whole day.
        assert_eq!(
            project(10, 41, 14, 100),
            Projection::By {
                per_day: 2.0,
                day: 116
            }
        );
    }

    #[test]
    fn only_the_last_seven_days_set_the_pace() {
        let mut per_day: BTreeMap<i64, Tally> = BTreeMap::new();
        for (day, n) in [(90, 100), (94, 3), (100, 4)] {
            per_day
                .entry(day)
                .or_default()
                .add(&row(day, "approved", "camp", n));
        }
        assert_eq!(recent(&per_day, 100), 7);
    }
}
