//! A userspace TCP proxy for tests, because this kernel has no `tc netem` and tests must run
//! without root: it shapes each direction (rate, latency with jitter) and injects faults (cuts
//! at random byte offsets, resets, stalls, refused connections). Deterministic from a seed.
//! The upstream can be switched at run time, so a server can restart on a new port.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The shape of a link, per direction. "Down" is server to device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkProfile {
    pub down_bits_per_s: Option<u64>,
    pub up_bits_per_s: Option<u64>,
    /// One-way delay added to every chunk.
    pub latency: Duration,
    /// Up to this much more, at random, per chunk (order is kept).
    pub jitter: Duration,
}

impl LinkProfile {
    pub fn unlimited() -> Self {
        Self {
            down_bits_per_s: None,
            up_bits_per_s: None,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
        }
    }

    /// "Regular 2G": 250 kbit/s down, 50 kbit/s up, 300 ms.
    pub fn regular_2g() -> Self {
        Self {
            down_bits_per_s: Some(250_000),
            up_bits_per_s: Some(50_000),
            latency: Duration::from_millis(300),
            jitter: Duration::from_millis(100),
        }
    }

    /// GPRS: 50 kbit/s down, 20 kbit/s up, 500 ms.
    pub fn gprs() -> Self {
        Self {
            down_bits_per_s: Some(50_000),
            up_bits_per_s: Some(20_000),
            latency: Duration::from_millis(500),
            jitter: Duration::from_millis(150),
        }
    }
}

/// Faults, as probabilities per connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// The connection is cut (both sides closed) after a random number of bytes, in a random
    /// direction.
    pub cut: f64,
    /// The cut is an abrupt reset rather than a clean close.
    pub reset_share: f64,
    /// The connection stalls once for `stall` (bursty loss as TCP sees it).
    pub stall_chance: f64,
    pub stall: Duration,
    /// New connections are refused outright.
    pub refuse: f64,
    /// Cuts happen within this many bytes of the start.
    pub cut_within: u64,
}

impl Faults {
    pub fn none() -> Self {
        Self {
            cut: 0.0,
            reset_share: 0.0,
            stall_chance: 0.0,
            stall: Duration::ZERO,
            refuse: 0.0,
            cut_within: 1,
        }
    }

    /// A bad link: a quarter of connections cut somewhere in their first 64 KiB, some resets,
    /// stalls and refusals.
    pub fn chaos() -> Self {
        Self {
            cut: 0.25,
            reset_share: 0.4,
            stall_chance: 0.05,
            stall: Duration::from_millis(300),
            refuse: 0.05,
            cut_within: 64 * 1024,
        }
    }
}

/// Counters, for assertions and the bytes-on-the-wire figures.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub connections: AtomicU64,
    pub bytes_up: AtomicU64,
    pub bytes_down: AtomicU64,
    pub cuts: AtomicU64,
    pub refused: AtomicU64,
    pub stalls: AtomicU64,
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    profile: Mutex<LinkProfile>,
    faults: Mutex<Faults>,
    rng: Mutex<u64>,
    stats: ProxyStats,
}

impl Shared {
    fn random(&self) -> u64 {
        let mut s = self.rng.lock().unwrap();
        *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&self, p: f64) -> bool {
        p > 0.0 && (self.random() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(
        upstream: SocketAddr,
        profile: LinkProfile,
        faults: Faults,
        seed: u64,
    ) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            profile: Mutex::new(profile),
            faults: Mutex::new(faults),
            rng: Mutex::new(seed),
            stats: ProxyStats::default(),
        });
        let task = tokio::spawn({
            let shared = shared.clone();
            async move {
                let mut conns = tokio::task::JoinSet::new();
                while let Ok((client, _)) = listener.accept().await {
                    conns.spawn(handle(client, shared.clone()));
                    while conns.try_join_next().is_some() {}
                }
            }
        });
        FaultProxy { addr, shared, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().unwrap() = upstream;
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    pub fn set_profile(&self, profile: LinkProfile) {
        *self.shared.profile.lock().unwrap() = profile;
    }

    pub fn stats(&self) -> &ProxyStats {
        &self.shared.stats
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy)]
enum Dir {
    Up,
    Down,
}

async fn handle(client: TcpStream, shared: Arc<Shared>) {
    let faults = *shared.faults.lock().unwrap();
    let profile = *shared.profile.lock().unwrap();
    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
    if shared.chance(faults.refuse) {
        shared.stats.refused.fetch_add(1, Ordering::Relaxed);
        let _ = client.set_zero_linger();
        return;
    }
    let upstream = *shared.upstream.lock().unwrap();
    let Ok(server) = TcpStream::connect(upstream).await else {
        let _ = client.set_zero_linger();
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    // Where (if anywhere) this connection will be cut: after so many bytes in total, in
    // whichever direction they happen to be flowing then.
    let cut = shared
        .chance(faults.cut)
        .then(|| shared.random() % faults.cut_within.max(1));
    if cut.is_some() && shared.chance(faults.reset_share) {
        // Linger 0: closing sends RST instead of FIN, an abrupt reset.
        let _ = client.set_zero_linger();
        let _ = server.set_zero_linger();
    }
    let stall = shared.chance(faults.stall_chance).then_some(faults.stall);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let moved = Arc::new(AtomicU64::new(0));
    let up = pump(
        cr,
        sw,
        Dir::Up,
        profile,
        (cut, moved.clone()),
        stall,
        shared.clone(),
    );
    let down = pump(
        sr,
        cw,
        Dir::Down,
        profile,
        (cut, moved),
        None,
        shared.clone(),
    );
    tokio::pin!(up, down);
    // A cut in either direction drops the other at once, closing both sockets; a clean end
    // lets the other direction finish.
    let cut_happened = tokio::select! {
        finished = &mut up => if finished { !down.await } else { true },
        finished = &mut down => if finished { !up.await } else { true },
    };
    if cut_happened {
        shared.stats.cuts.fetch_add(1, Ordering::Relaxed);
    }
}

/// Copies one direction with shaping; stops when the bytes moved in both directions reach the
/// cut (returns false) or at EOF (returns true). The reader holds the stream to its rate; a delay line then delivers
/// each chunk `latency` (plus jitter) after it was read, keeping order, so latency adds to
/// each exchange rather than to every chunk.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dir: Dir,
    profile: LinkProfile,
    (limit, moved): (Option<u64>, Arc<AtomicU64>),
    stall: Option<Duration>,
    shared: Arc<Shared>,
) -> bool {
    let rate = match dir {
        Dir::Up => profile.up_bits_per_s,
        Dir::Down => profile.down_bits_per_s,
    };
    // Small chunks on a slow link so that the rate is smooth and cuts land mid-message.
    let chunk = rate.map_or(16 * 1024, |bps| {
        ((bps / 8 / 20) as usize).clamp(256, 16 * 1024)
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(tokio::time::Instant, Vec<u8>)>(4096);
    let reader = {
        let shared = shared.clone();
        async move {
            let mut buf = vec![0u8; chunk];
            let mut read = 0u64;
            let mut stalled = false;
            let mut last_due = tokio::time::Instant::now();
            let started = tokio::time::Instant::now();
            loop {
                let n = match from.read(&mut buf).await {
                    Ok(0) | Err(_) => return true,
                    Ok(n) => n,
                };
                let before = moved.fetch_add(n as u64, Ordering::Relaxed);
                let (n, cut) = match limit {
                    Some(l) if before + n as u64 >= l => (l.saturating_sub(before) as usize, true),
                    _ => (n, false),
                };
                read += n as u64;
                if let Some(bps) = rate {
                    let due = started + Duration::from_secs_f64(read as f64 * 8.0 / bps as f64);
                    tokio::time::sleep_until(due).await;
                }
                if let (Some(d), false) = (stall, stalled) {
                    stalled = true;
                    shared.stats.stalls.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(d).await;
                }
                let jitter = if profile.jitter.is_zero() {
                    Duration::ZERO
                } else {
                    Duration::from_micros(
                        shared.random() % profile.jitter.as_micros().max(1) as u64,
                    )
                };
                let due = (tokio::time::Instant::now() + profile.latency + jitter).max(last_due);
                last_due = due;
                if tx.send((due, buf[..n].to_vec())).await.is_err() {
                    return true;
                }
                if cut {
                    return false;
                }
            }
        }
    };
    let writer = async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            match dir {
                Dir::Up => shared
                    .stats
                    .bytes_up
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed),
                Dir::Down => shared
                    .stats
                    .bytes_down
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed),
            };
        }
        let _ = to.shutdown().await;
    };
    let (clean, ()) = tokio::join!(reader, writer);
    clean
}
