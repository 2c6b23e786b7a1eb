//! The proxy shapes a link: bytes pass intact, each direction is held to its rate, latency adds
//! to every round trip, the rate is shared by all connections, and a new profile applies at once.

use panjiyan_tests::loopback::{echo, pattern, sink, source};
use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Asks a `source` for its stream and reads it to the end.
async fn download(addr: SocketAddr) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"x").await.unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.unwrap();
    got
}

/// One byte to an `echo` and back, timed.
async fn round_trip(stream: &mut TcpStream) -> Duration {
    let start = Instant::now();
    stream.write_all(b"?").await.unwrap();
    let mut one = [0u8; 1];
    stream.read_exact(&mut one).await.unwrap();
    assert_eq!(&one, b"?");
    start.elapsed()
}

fn one_way(latency_ms: u64, jitter_ms: u64) -> LinkProfile {
    LinkProfile {
        latency: Duration::from_millis(latency_ms),
        jitter: Duration::from_millis(jitter_ms),
        ..LinkProfile::unlimited()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_pass_intact_both_ways_without_faults() {
    let proxy = FaultProxy::start(echo().await, LinkProfile::unlimited(), Faults::none(), 1).await;
    let sent = pattern(1_000_000);
    let stream = TcpStream::connect(proxy.addr()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn({
        let sent = sent.clone();
        async move {
            write.write_all(&sent).await.unwrap();
            write.shutdown().await.unwrap();
        }
    });
    let mut got = Vec::new();
    read.read_to_end(&mut got).await.unwrap();
    writer.await.unwrap();
    assert!(
        got == sent,
        "the echo came back changed ({} bytes)",
        got.len()
    );
    let stats = proxy.snapshot();
    assert_eq!(
        (stats.connections, stats.bytes_up, stats.bytes_down),
        (1, 1_000_000, 1_000_000)
    );
    assert_eq!(
        (stats.cuts, stats.resets, stats.stalls, stats.refused),
        (0, 0, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_kb_download_over_regular_2g_takes_about_3_2_seconds() {
    let proxy = FaultProxy::start(
        source(100_000).await,
        LinkProfile::regular_2g(),
        Faults::none(),
        2,
    )
    .await;
    let start = Instant::now();
    let got = download(proxy.addr()).await;
    let took = start.elapsed();
    println!("100 kB down over regular 2G: {took:?}");
    assert!(got == pattern(100_000), "the download came down whole");
    // 100 kB at 250 kbit/s is 3.2 s, plus 300 ms up for the request and 300 ms down.
    assert!(
        took > Duration::from_millis(3_300) && took < Duration::from_secs(6),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_regular_2g_is_held_to_50_kbit_s() {
    let proxy = FaultProxy::start(sink().await, LinkProfile::regular_2g(), Faults::none(), 3).await;
    let start = Instant::now();
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    stream.write_all(&pattern(10_000)).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut count = [0u8; 8];
    stream.read_exact(&mut count).await.unwrap();
    let took = start.elapsed();
    println!("10 kB up over regular 2G: {took:?}");
    assert_eq!(u64::from_be_bytes(count), 10_000);
    // 10 kB at 50 kbit/s is 1.6 s, plus 300 ms each way.
    assert!(
        took > Duration::from_millis(1_900) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_adds_twice_the_one_way_delay_to_a_round_trip() {
    let proxy = FaultProxy::start(echo().await, one_way(150, 0), Faults::none(), 4).await;
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    for _ in 0..4 {
        let took = round_trip(&mut stream).await;
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(400),
            "{took:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jitter_spreads_round_trips_around_twice_the_latency() {
    let proxy = FaultProxy::start(echo().await, one_way(150, 50), Faults::none(), 5).await;
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    let mut trips = Vec::new();
    for _ in 0..10 {
        trips.push(round_trip(&mut stream).await);
    }
    let mean = trips.iter().sum::<Duration>() / trips.len() as u32;
    println!("round trips at 150 ± 50 ms one way: mean {mean:?}, {trips:?}");
    assert!(
        trips
            .iter()
            .all(|t| *t >= Duration::from_millis(200) && *t < Duration::from_millis(450)),
        "{trips:?}"
    );
    assert!(
        trips.iter().max().unwrap() > trips.iter().min().unwrap(),
        "the round trips vary: {trips:?}"
    );
    assert!(
        mean > Duration::from_millis(250) && mean < Duration::from_millis(380),
        "{mean:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_downloads_share_the_link() {
    let proxy = FaultProxy::start(
        source(40_000).await,
        LinkProfile::regular_2g(),
        Faults::none(),
        6,
    )
    .await;
    let addr = proxy.addr();
    let start = Instant::now();
    let (a, b) = tokio::join!(download(addr), download(addr));
    let took = start.elapsed();
    println!("2 x 40 kB down over regular 2G at once: {took:?}");
    assert_eq!((a.len(), b.len()), (40_000, 40_000));
    // Together 80 kB at 250 kbit/s: 2.56 s; alone, each would take 1.28 s.
    assert!(
        took > Duration::from_millis(2_700) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_profile_applies_to_open_connections() {
    let proxy = FaultProxy::start(echo().await, LinkProfile::unlimited(), Faults::none(), 7).await;
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    let fast = round_trip(&mut stream).await;
    proxy.set_profile(one_way(200, 0));
    let slow = round_trip(&mut stream).await;
    proxy.set_profile(LinkProfile::unlimited());
    let fast_again = round_trip(&mut stream).await;
    assert!(fast < Duration::from_millis(100), "{fast:?}");
    assert!(slow >= Duration::from_millis(400), "{slow:?}");
    assert!(fast_again < Duration::from_millis(100), "{fast_again:?}");
}
