//! A camp over 2G: a 2,000-member pack comes down and 500 registrations go up, complete and
//! correct, through the "regular 2G" and "GPRS" profiles of the test proxy; on 2G the sync
//! is two round trips.

use panjiyan_server::harness::{Backend, fresh_database};
use panjiyan_tests::link::camp_over;
use panjiyan_tests::proxy::LinkProfile;

async fn over(profile: LinkProfile, name: &str) -> panjiyan_tests::link::LinkRun {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(Backend::Sqlite, dir.path()).await.unwrap();
    let run = camp_over(db, profile, dir.path()).await;
    println!("{name}: {run:?}");
    assert!(
        run.pack_members >= 2_000,
        "a village of 2,000 came down whole: {}",
        run.pack_members
    );
    assert_eq!(
        (run.registrations, run.acknowledged),
        (500, 500),
        "every registration acknowledged"
    );
    // The shaping is real: the bytes could not have moved faster than the profile allows.
    let (up, down) = (
        profile.up_bits_per_s.unwrap() as f64,
        profile.down_bits_per_s.unwrap() as f64,
    );
    assert!(
        run.push_s >= run.push_bytes as f64 * 8.0 / (up + down),
        "{run:?}"
    );
    assert!(
        run.download_s
            >= run.download_bytes as f64 * 8.0 / (up + down) + profile.latency.as_secs_f64(),
        "{run:?}"
    );
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camp_works_over_regular_2g() {
    let run = over(LinkProfile::regular_2g(), "regular 2G").await;
    // Two pushes of 250, the second bringing the status back: no trip of its own for it.
    assert_eq!(run.round_trips, 2, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camp_works_over_gprs() {
    over(LinkProfile::gprs(), "GPRS").await;
}
