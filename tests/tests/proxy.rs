//! The test proxy itself: bytes pass intact, links are shaped to their rate and latency, and
//! cuts happen and are counted.

use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that sends `n` bytes to whoever connects, after reading one byte.
async fn source(n: usize) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut one = [0u8; 1];
                if s.read_exact(&mut one).await.is_ok() {
                    let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
                    let _ = s.write_all(&data).await;
                }
            });
        }
    });
    addr
}

async fn fetch(proxy: &FaultProxy) -> Vec<u8> {
    let mut s = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
    s.write_all(b"x").await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    out
}

#[tokio::test]
async fn bytes_pass_intact_when_there_are_no_faults() {
    let proxy = FaultProxy::start(
        source(300_000).await,
        LinkProfile::unlimited(),
        Faults::none(),
        1,
    )
    .await;
    let got = fetch(&proxy).await;
    assert_eq!(got.len(), 300_000);
    assert!(got.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
}

#[tokio::test]
async fn a_2g_link_delivers_at_its_rate_plus_latency() {
    let proxy = FaultProxy::start(
        source(50_000).await,
        LinkProfile::regular_2g(),
        Faults::none(),
        2,
    )
    .await;
    let start = Instant::now();
    let got = fetch(&proxy).await;
    let took = start.elapsed();
    assert_eq!(got.len(), 50_000);
    // 50 kB at 250 kbit/s is 1.6 s, plus 300 ms each way.
    assert!(
        took > Duration::from_millis(1_800) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test]
async fn cuts_end_connections_early_and_are_counted() {
    let faults = Faults {
        cut: 1.0,
        cut_within: 10_000,
        ..Faults::none()
    };
    let proxy = FaultProxy::start(source(100_000).await, LinkProfile::unlimited(), faults, 3).await;
    for _ in 0..5 {
        assert!(fetch(&proxy).await.len() < 100_000);
    }
    assert_eq!(
        proxy
            .stats()
            .cuts
            .load(std::sync::atomic::Ordering::Relaxed),
        5
    );
}
