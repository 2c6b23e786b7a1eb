//! The proxy's faults and controls: cuts land at byte offsets and are counted, resets look
//! like resets, stalls hold a connection, refusals carry nothing, the same seed meets the same
//! faults, pause and hold mimic outages until resume, and stop ends every connection and task.

use panjiyan_tests::loopback::{echo, pattern, sink, source};
use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Asks a `source` for its stream: what came before the end, and how the stream ended.
async fn download(addr: SocketAddr) -> (Vec<u8>, Result<(), ErrorKind>) {
    let mut got = Vec::new();
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return (got, Err(ErrorKind::ConnectionRefused));
    };
    if let Err(e) = stream.write_all(b"x").await {
        return (got, Err(e.kind()));
    }
    let end = stream.read_to_end(&mut got).await;
    (got, end.map(|_| ()).map_err(|e| e.kind()))
}

/// Sends one byte through an `echo` and waits for it.
async fn echoes(stream: &mut TcpStream) -> bool {
    if stream.write_all(b"?").await.is_err() {
        return false;
    }
    let mut one = [0u8; 1];
    stream.read_exact(&mut one).await.is_ok() && &one == b"?"
}

fn cuts(cut: f64, reset_share: f64, within: u64) -> Faults {
    Faults {
        cut,
        reset_share,
        cut_within: within,
        ..Faults::none()
    }
}

#[tokio::test]
async fn clean_cuts_end_downloads_early_with_a_close_and_are_counted() {
    let faults = cuts(1.0, 0.0, 10_000);
    let proxy = FaultProxy::start(source(100_000).await, LinkProfile::unlimited(), faults, 3).await;
    for _ in 0..5 {
        let (got, end) = download(proxy.addr()).await;
        assert_eq!(end, Ok(()), "a clean cut closes");
        assert!(got.len() < 10_000, "cut within 10 kB: {}", got.len());
        assert!(
            got == pattern(got.len()),
            "what came before the cut is intact"
        );
    }
    let stats = proxy.snapshot();
    assert_eq!((stats.connections, stats.cuts, stats.resets), (5, 5, 0));
}

#[tokio::test]
async fn reset_cuts_end_downloads_with_a_connection_reset() {
    let faults = cuts(1.0, 1.0, 10_000);
    let proxy = FaultProxy::start(source(100_000).await, LinkProfile::unlimited(), faults, 4).await;
    for _ in 0..3 {
        let (got, end) = download(proxy.addr()).await;
        assert_eq!(end, Err(ErrorKind::ConnectionReset));
        assert!(got.len() < 10_000);
    }
    let stats = proxy.snapshot();
    assert_eq!((stats.cuts, stats.resets), (3, 3));
}

#[tokio::test]
async fn an_upload_is_cut_partway() {
    let proxy = FaultProxy::start(
        sink().await,
        LinkProfile::unlimited(),
        cuts(1.0, 0.0, 10_000),
        5,
    )
    .await;
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    // The cut may come while writing or while waiting for the answer; either way no answer.
    let _ = stream.write_all(&pattern(100_000)).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    assert!(answer.is_empty(), "the server never got the whole upload");
    let stats = proxy.snapshot();
    assert_eq!(stats.cuts, 1);
    assert!(stats.bytes_up < 10_000, "{stats:?}");
}

#[tokio::test]
async fn the_same_seed_cuts_the_same_connections_at_the_same_offsets() {
    let upstream = source(50_000).await;
    let faults = cuts(0.5, 0.0, 60_000);
    let mut runs = Vec::new();
    for seed in [42, 42, 43] {
        let proxy = FaultProxy::start(upstream, LinkProfile::unlimited(), faults, seed).await;
        let mut lengths = Vec::new();
        for _ in 0..12 {
            lengths.push(download(proxy.addr()).await.0.len());
        }
        runs.push(lengths);
    }
    println!("lengths by seed 42, 42, 43: {runs:?}");
    assert_eq!(runs[0], runs[1]);
    assert_ne!(runs[0], runs[2]);
    assert!(runs[0].contains(&50_000), "some connections are not cut");
    assert!(runs[0].iter().any(|n| *n < 50_000), "some are");
}

#[tokio::test]
async fn refused_connections_carry_nothing_and_are_counted() {
    let faults = Faults {
        refuse: 1.0,
        ..Faults::none()
    };
    let proxy = FaultProxy::start(source(1_000).await, LinkProfile::unlimited(), faults, 6).await;
    for _ in 0..3 {
        let (got, end) = download(proxy.addr()).await;
        assert!(got.is_empty());
        assert!(end.is_err(), "{end:?}");
    }
    let stats = proxy.snapshot();
    assert_eq!(
        (stats.connections, stats.refused, stats.bytes_down),
        (3, 3, 0)
    );
}

#[tokio::test]
async fn a_stall_holds_a_connection_for_its_duration() {
    let faults = Faults {
        stall_chance: 1.0,
        stall: Duration::from_millis(400),
        cut_within: 5_000,
        ..Faults::none()
    };
    let proxy = FaultProxy::start(source(10_000).await, LinkProfile::unlimited(), faults, 7).await;
    let start = Instant::now();
    let (got, end) = download(proxy.addr()).await;
    let took = start.elapsed();
    assert_eq!(end, Ok(()));
    assert!(got == pattern(10_000), "a stall loses nothing");
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert_eq!(proxy.snapshot().stalls, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_cuts_resets_and_refuses_some_of_sixty_connections_and_none_at_level_zero() {
    let upstream = source(100_000).await;
    let proxy = FaultProxy::start(upstream, LinkProfile::unlimited(), Faults::chaos(1.0), 8).await;
    let addr = proxy.addr();
    let downloads: Vec<_> = (0..60).map(|_| tokio::spawn(download(addr))).collect();
    let mut whole = 0;
    for d in downloads {
        let (got, end) = d.await.unwrap();
        if end.is_ok() && got.len() == 100_000 {
            whole += 1;
        }
    }
    let stats = proxy.snapshot();
    println!("chaos(1.0), 60 connections: {whole} whole, {stats:?}");
    assert!((5..=35).contains(&stats.cuts), "{stats:?}");
    assert!(stats.resets >= 1 && stats.resets < stats.cuts, "{stats:?}");
    assert!(stats.refused >= 1 && stats.stalls >= 1, "{stats:?}");
    assert_eq!(whole + stats.cuts + stats.refused, 60);

    proxy.set_faults(Faults::chaos(0.0));
    for _ in 0..10 {
        assert_eq!(download(addr).await.0.len(), 100_000);
    }
    assert_eq!(proxy.snapshot().cuts, stats.cuts);
}

#[tokio::test]
async fn pause_refuses_new_connections_and_resume_restores_them() {
    let proxy = FaultProxy::start(echo().await, LinkProfile::unlimited(), Faults::none(), 9).await;
    let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
    assert!(echoes(&mut open).await);
    proxy.pause();
    let mut refused = TcpStream::connect(proxy.addr()).await.unwrap();
    assert!(!echoes(&mut refused).await, "a new connection is refused");
    assert!(echoes(&mut open).await, "an open one carries on");
    proxy.resume();
    let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
    assert!(echoes(&mut again).await);
    assert_eq!(proxy.snapshot().refused, 1);
}

#[tokio::test]
async fn hold_stalls_new_connections_until_resume() {
    let proxy = FaultProxy::start(echo().await, LinkProfile::unlimited(), Faults::none(), 10).await;
    proxy.hold();
    let mut held = TcpStream::connect(proxy.addr()).await.unwrap();
    held.write_all(b"?").await.unwrap();
    let mut one = [0u8; 1];
    let early = timeout(Duration::from_millis(300), held.read_exact(&mut one)).await;
    assert!(early.is_err(), "nothing comes back while held");
    proxy.resume();
    timeout(Duration::from_secs(2), held.read_exact(&mut one))
        .await
        .expect("the byte comes back after resume")
        .unwrap();
    assert_eq!(&one, b"?");
    assert_eq!(proxy.snapshot().held, 1);
}

#[tokio::test]
async fn new_connections_go_to_a_new_upstream() {
    let proxy = FaultProxy::start(
        source(1_000).await,
        LinkProfile::unlimited(),
        Faults::none(),
        11,
    )
    .await;
    assert_eq!(download(proxy.addr()).await.0.len(), 1_000);
    proxy.set_upstream(source(2_000).await);
    assert_eq!(download(proxy.addr()).await.0.len(), 2_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_every_connection_and_task() {
    let proxy = FaultProxy::start(
        source(1_000_000).await,
        LinkProfile::gprs(),
        Faults::none(),
        12,
    )
    .await;
    let addr = proxy.addr();
    let slow = tokio::spawn(download(addr));
    // The request goes up in 500 ms and the first bytes take 500 ms to come down.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    proxy.hold();
    let mut held = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    timeout(Duration::from_secs(2), proxy.stop())
        .await
        .expect("stop returns once every task has ended");
    let (got, _) = timeout(Duration::from_secs(2), slow)
        .await
        .expect("the download ends when the proxy stops")
        .unwrap();
    assert!(!got.is_empty() && got.len() < 1_000_000, "{}", got.len());
    let mut rest = Vec::new();
    let ended = timeout(Duration::from_secs(2), held.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "the held connection is closed");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "nothing listens any more"
    );
}
