//! India Standard Time (UTC+05:30, no daylight saving): the days registrations are counted
//! under and the dates and times officers read. Times elsewhere are epoch milliseconds (UTC).

/// India Standard Time as an offset.
pub fn offset() -> time::UtcOffset {
    time::UtcOffset::from_hms(5, 30, 0).expect("a valid offset")
}

const DAY_MS: i64 = 86_400_000;
const OFFSET_MS: i64 = 19_800_000;

/// The day of epoch milliseconds `ms` in India Standard Time, as days since 1970-01-01: the
/// day a registration is counted under.
pub fn india_day(ms: i64) -> i64 {
    (ms + OFFSET_MS).div_euclid(DAY_MS)
}

/// The epoch milliseconds at which India day `day` (as `india_day` counts) begins.
pub fn india_day_start(day: i64) -> i64 {
    day * DAY_MS - OFFSET_MS
}

/// India day `day` as a calendar date.
pub fn india_date(day: i64) -> Option<time::Date> {
    // 2,440,588 is the Julian day number of 1970-01-01.
    time::Date::from_julian_day(i32::try_from(day + 2_440_588).ok()?).ok()
}

/// Epoch milliseconds as a UTC date-time (the epoch itself when out of range).
pub fn utc(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Epoch milliseconds as `DD-MM-YYYY HH:MM` in IST.
pub fn date_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .map(|t| t.to_offset(offset()))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[day]-[month]-[year] [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// `YYYY-MM-DD` (what a date input sends) as the epoch milliseconds of that day's start in
/// IST; with `next_day`, of the following day's start (for an inclusive "up to" date).
pub fn day_start_ms(date: &str, next_day: bool) -> Option<i64> {
    let d = time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let d = if next_day { d.next_day()? } else { d };
    (d.midnight().assume_offset(offset()).unix_timestamp_nanos() / 1_000_000)
        .try_into()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_india_day_starts_at_midnight_ist() {
        let start = day_start_ms("2026-03-01", false).unwrap();
        assert_eq!(india_day_start(india_day(start)), start);
        assert_eq!(india_day(start - 1), india_day(start) - 1);
        assert_eq!(
            india_date(india_day(start)).unwrap().to_string(),
            "2026-03-01"
        );
        assert_eq!(date_time(start), "01-03-2026 00:00");
        assert_eq!(day_start_ms("2026-03-01", true), Some(start + DAY_MS));
    }
}
