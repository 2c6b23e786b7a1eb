//! Link benchmarks (`scripts/bench`): a camp over the test proxy's "regular 2G" profile (250
//! kbit/s down, 50 kbit/s up, 300 ms): a 2,000-member village pack down, 500 registrations up.

use panjiyan_tests::link::camp_over;
use panjiyan_tests::proxy::LinkProfile;

fn emit(bench: &str, value: f64, unit: &str) {
    panjiyan_core::bench_line::emit(bench, value, unit, None);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    let run = camp_over(db, LinkProfile::regular_2g(), dir.path()).await;
    assert_eq!(run.acknowledged, 500);
    eprintln!("link bench: pack of {} members", run.pack_members);
    emit("pack_download_2g_s", run.download_s, "s");
    emit("pack_download_2g_bytes", run.download_bytes as f64, "bytes");
    emit("push_500_2g_s", run.push_s, "s");
    emit("push_500_2g_bytes", run.push_bytes as f64, "bytes");
    emit("round_trips_per_sync", run.round_trips as f64, "requests");
    // Bytes on the wire per registration of that sync, each way (headers included).
    let per = |b: u64| (b as f64 / run.registrations as f64 * 10.0).round() / 10.0;
    emit(
        "push_bytes_up_per_registration",
        per(run.push_bytes_up),
        "bytes",
    );
    emit(
        "push_bytes_down_per_registration",
        per(run.push_bytes - run.push_bytes_up),
        "bytes",
    );
}
