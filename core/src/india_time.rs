//! India Standard Time (UTC+05:30, no daylight saving), the one clock of everything a person
//! reads or a rule judges: "now" and "today" in India, the India day a registration is counted
//! under, the calendar and financial year, and the dates and times people read. Machine times
//! elsewhere are UTC (RFC 3339 or epoch milliseconds); they become India time only here.

use std::sync::Once;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Date, OffsetDateTime, UtcOffset};

/// India Standard Time as an offset.
pub const OFFSET: UtcOffset = time::macros::offset!(+5:30);

const DAY_MS: i64 = 86_400_000;
const OFFSET_MS: i64 = 19_800_000;

/// India Standard Time as an offset (the same as [`OFFSET`]).
pub fn offset() -> UtcOffset {
    OFFSET
}

/// How far the clock every part reads is set from the system's, in nanoseconds: zero unless
/// a test (or `PANJIYAN_CLOCK_AT`) moves it.
static SHIFT_NS: AtomicI64 = AtomicI64::new(0);
static FROM_ENV: Once = Once::new();

/// Moves the clock of this process (server, phone library, laptop client) so that now is `t`,
/// from which it runs on. For tests that must run at a given hour (00:30 IST on 1 January);
/// a process started with `PANJIYAN_CLOCK_AT=<RFC 3339 instant>` starts at that instant.
pub fn set_clock(t: OffsetDateTime) {
    FROM_ENV.call_once(|| {});
    let shift = (t - OffsetDateTime::now_utc()).whole_nanoseconds();
    SHIFT_NS.store(shift as i64, Ordering::Relaxed);
}

/// Now (in UTC), from the one clock every part reads.
pub fn now_utc() -> OffsetDateTime {
    FROM_ENV.call_once(|| {
        let at = std::env::var("PANJIYAN_CLOCK_AT").ok().and_then(|v| {
            OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc3339).ok()
        });
        if let Some(at) = at {
            let shift = (at - OffsetDateTime::now_utc()).whole_nanoseconds();
            SHIFT_NS.store(shift as i64, Ordering::Relaxed);
        }
    });
    OffsetDateTime::now_utc() + time::Duration::nanoseconds(SHIFT_NS.load(Ordering::Relaxed))
}

/// Now, as epoch milliseconds.
pub fn now_ms() -> i64 {
    ms_of(now_utc())
}

/// Now, in India.
pub fn now() -> OffsetDateTime {
    now_utc().to_offset(OFFSET)
}

/// Today's date in India.
pub fn today() -> Date {
    now().date()
}

/// The date in India at instant `t`, whatever offset `t` was written with: a registration
/// finalised at 01:00 IST on 2 December (19:30 UTC on 1 December) was made on 2 December.
pub fn date_of(t: OffsetDateTime) -> Date {
    t.to_offset(OFFSET).date()
}

/// The calendar year in India at instant `t` (registration numbers carry it).
pub fn year_of(t: OffsetDateTime) -> i32 {
    date_of(t).year()
}

/// The financial year (1 April to 31 March) that India date `d` falls in, as `2026-27`.
pub fn financial_year(d: Date) -> String {
    let start = if d.month() >= time::Month::April {
        d.year()
    } else {
        d.year() - 1
    };
    format!("{start}-{:02}", (start + 1).rem_euclid(100))
}

/// Epoch milliseconds as an instant in India (the epoch itself when out of range).
pub fn at_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(OFFSET)
}

/// An instant as epoch milliseconds.
pub fn ms_of(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Epoch milliseconds as a UTC date-time (the epoch itself when out of range).
pub fn utc(ms: i64) -> OffsetDateTime {
    at_ms(ms).to_offset(UtcOffset::UTC)
}

/// The day of epoch milliseconds `ms` in India, as days since 1970-01-01: the day a
/// registration is counted under.
pub fn india_day(ms: i64) -> i64 {
    (ms + OFFSET_MS).div_euclid(DAY_MS)
}

/// The epoch milliseconds at which India day `day` (as [`india_day`] counts) begins.
pub fn india_day_start(day: i64) -> i64 {
    day * DAY_MS - OFFSET_MS
}

/// India day `day` as a calendar date.
pub fn india_date(day: i64) -> Option<Date> {
    // 2,440,588 is the Julian day number of 1970-01-01.
    Date::from_julian_day(i32::try_from(day + 2_440_588).ok()?).ok()
}

/// A date as people in India write it: `DD-MM-YYYY`.
pub fn format_date(d: Date) -> String {
    d.format(time::macros::format_description!("[day]-[month]-[year]"))
        .unwrap_or_default()
}

/// Epoch milliseconds as the India date `DD-MM-YYYY` (what an SMS or the status page says).
pub fn date(ms: i64) -> String {
    format_date(at_ms(ms).date())
}

/// Epoch milliseconds as `DD-MM-YYYY HH:MM` in India (what officers read).
pub fn date_time(ms: i64) -> String {
    at_ms(ms)
        .format(time::macros::format_description!(
            "[day]-[month]-[year] [hour]:[minute]"
        ))
        .unwrap_or_default()
}

/// `YYYY-MM-DD` (what a date input sends) as the epoch milliseconds of that India day's start;
/// with `next_day`, of the following day's start (for an inclusive "up to" date).
pub fn day_start_ms(date: &str, next_day: bool) -> Option<i64> {
    let d = Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let d = if next_day { d.next_day()? } else { d };
    Some(ms_of(d.midnight().assume_offset(OFFSET)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn an_india_day_starts_at_midnight_ist() {
        let start = day_start_ms("2026-03-01", false).unwrap();
        assert_eq!(india_day_start(india_day(start)), start);
        assert_eq!(india_day(start - 1), india_day(start) - 1);
        assert_eq!(india_date(india_day(start)), Some(date!(2026 - 03 - 01)));
        assert_eq!(date_time(start), "01-03-2026 00:00");
        assert_eq!(day_start_ms("2026-03-01", true), Some(start + DAY_MS));
    }

    #[test]
    fn half_past_midnight_on_new_year_is_already_the_new_year_in_india() {
        // 00:30 IST on 1 January 2027 is 19:00 UTC on 31 December 2026.
        let t = datetime!(2026-12-31 19:00 UTC);
        assert_eq!(date_of(t), date!(2027 - 01 - 01));
        assert_eq!(year_of(t), 2027);
        let ms = ms_of(t);
        assert_eq!(date(ms), "01-01-2027");
        assert_eq!(date_time(ms), "01-01-2027 00:30");
        assert_eq!(india_date(india_day(ms)), Some(date!(2027 - 01 - 01)));
        assert_eq!(financial_year(date_of(t)), "2026-27");
    }

    #[test]
    fn half_past_eleven_on_new_years_eve_is_still_the_old_year_in_india() {
        // 23:30 IST on 31 December 2026 is 18:00 UTC the same day.
        let t = datetime!(2026-12-31 18:00 UTC);
        assert_eq!(date_of(t), date!(2026 - 12 - 31));
        assert_eq!(year_of(t), 2026);
        assert_eq!(date_time(ms_of(t)), "31-12-2026 23:30");
        // One hour later it is the new year in India, still the old one in UTC.
        let later = t + time::Duration::hours(1);
        assert_eq!(later.year(), 2026);
        assert_eq!(year_of(later), 2027);
    }

    #[test]
    fn the_financial_year_turns_on_the_first_of_april() {
        assert_eq!(financial_year(date!(2027 - 03 - 31)), "2026-27");
        assert_eq!(financial_year(date!(2027 - 04 - 01)), "2027-28");
        assert_eq!(financial_year(date!(2099 - 12 - 01)), "2099-00");
    }
}
