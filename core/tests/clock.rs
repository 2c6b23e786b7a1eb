//! The one clock can be set for a test (its own process, so no other test sees it moved).

use panjiyan_core::india_time;
use time::macros::{date, datetime};

#[test]
fn the_clock_set_to_half_past_midnight_on_new_year_runs_on_from_there() {
    let at = datetime!(2026-12-31 19:00 UTC);
    india_time::set_clock(at);
    let now = india_time::now();
    assert!(now - at >= time::Duration::ZERO && now - at < time::Duration::seconds(5));
    assert_eq!(india_time::today(), date!(2027 - 01 - 01));
    assert_eq!(india_time::date(india_time::now_ms()), "01-01-2027");
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(india_time::now() > now, "the set clock keeps running");
}
