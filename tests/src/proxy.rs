//! A userspace TCP proxy on loopback that stands for a bad mobile link in tests, because this
//! kernel has no `tc netem` and tests must run without root: it shapes traffic (rate per
//! direction, latency with jitter) and injects faults (cuts at a byte offset, resets, stalls,
//! refusals, outages), deterministically from a seed.
//!
//! The proxy is one link: its rate limit is shared by all connections through it, as a phone's
//! radio is shared by its requests. Faults are drawn per connection, in accept order, from the
//! seed, so a run with the same seed and the same traffic meets the same faults. The upstream
//! can be switched at run time, so a server can restart on a new port.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

mod faults;
mod shaping;

pub use faults::Faults;
use faults::{Plan, Rng};
pub use shaping::LinkProfile;
use shaping::{Dir, Link};

/// Live counters, for assertions and the bytes-on-the-wire figures.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Connections accepted, refused ones included.
    pub connections: AtomicU64,
    /// Bytes delivered to the server.
    pub bytes_up: AtomicU64,
    /// Bytes delivered to the client.
    pub bytes_down: AtomicU64,
    /// Connections cut by a fault, resets included.
    pub cuts: AtomicU64,
    /// Cuts that were resets.
    pub resets: AtomicU64,
    /// Connections stalled by a fault.
    pub stalls: AtomicU64,
    /// Connections refused, by a fault or while paused.
    pub refused: AtomicU64,
    /// Connections held while the proxy was holding.
    pub held: AtomicU64,
}

impl ProxyStats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            connections: get(&self.connections),
            bytes_up: get(&self.bytes_up),
            bytes_down: get(&self.bytes_down),
            cuts: get(&self.cuts),
            resets: get(&self.resets),
            stalls: get(&self.stalls),
            refused: get(&self.refused),
            held: get(&self.held),
        }
    }

    fn count(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// The counters at one moment; see [`ProxyStats`] for what each counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub connections: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub cuts: u64,
    pub resets: u64,
    pub stalls: u64,
    pub refused: u64,
    pub held: u64,
}

/// What happens to new connections: an outage of the server looks like refusals, an outage of
/// the link like connections that hang until it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Open,
    Refuse,
    Hold,
}

/// The proxy; stops when dropped or with [`FaultProxy::stop`].
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    gate: watch::Sender<Gate>,
    task: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1 on a free port and forwards every connection to `upstream`.
    pub async fn start(
        upstream: SocketAddr,
        profile: LinkProfile,
        faults: Faults,
        seed: u64,
    ) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port for the proxy");
        let addr = listener.local_addr().expect("the proxy's own address");
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            faults: Mutex::new(faults),
            link: Link::new(profile),
            stats: ProxyStats::default(),
        });
        let (stop, stop_rx) = watch::channel(false);
        let (gate, gate_rx) = watch::channel(Gate::Open);
        let task = tokio::spawn(accept(listener, shared.clone(), seed, stop_rx, gate_rx));
        FaultProxy {
            addr,
            shared,
            stop,
            gate,
            task: Some(task),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// New connections go to `upstream`; open ones keep theirs.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().unwrap() = upstream;
    }

    /// New connections draw their faults from `faults`; open ones keep theirs.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    /// Takes effect at once, on open connections too.
    pub fn set_profile(&self, profile: LinkProfile) {
        self.shared.link.set_profile(profile);
    }

    /// A server outage: new connections are refused (reset at once) until [`Self::resume`].
    /// Open connections carry on.
    pub fn pause(&self) {
        self.gate.send_replace(Gate::Refuse);
    }

    /// A link outage: new connections are accepted but carry nothing until [`Self::resume`],
    /// then go through. Open connections carry on.
    pub fn hold(&self) {
        self.gate.send_replace(Gate::Hold);
    }

    pub fn resume(&self) {
        self.gate.send_replace(Gate::Open);
    }

    /// The live counters.
    pub fn stats(&self) -> &ProxyStats {
        &self.shared.stats
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// Stops listening, closes every connection and waits until every task has ended.
    pub async fn stop(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    faults: Mutex<Faults>,
    link: Link,
    stats: ProxyStats,
}

/// Resolves once the proxy is stopped (or dropped).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    seed: u64,
    mut stop: watch::Receiver<bool>,
    gate: watch::Receiver<Gate>,
) {
    let mut connections = JoinSet::new();
    let mut index = 0u64;
    loop {
        let accepted = tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((client, _)) = accepted else {
            // Out of descriptors, say: give the open connections time to end.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let plan = Plan::draw(seed, index, &shared.faults.lock().unwrap());
        index += 1;
        connections.spawn(serve(
            client,
            plan,
            shared.clone(),
            stop.clone(),
            gate.clone(),
        ));
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn serve(
    mut client: TcpStream,
    plan: Plan,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    mut gate: watch::Receiver<Gate>,
) {
    let stats = &shared.stats;
    ProxyStats::count(&stats.connections, 1);
    let mut state = *gate.borrow_and_update();
    if state == Gate::Hold {
        ProxyStats::count(&stats.held, 1);
        state = tokio::select! {
            _ = stopped(&mut stop) => return,
            open = gate.wait_for(|g| *g != Gate::Hold) => match open {
                Ok(g) => *g,
                Err(_) => return,
            },
        };
    }
    if state == Gate::Refuse || plan.refuse {
        ProxyStats::count(&stats.refused, 1);
        let _ = client.set_zero_linger();
        return;
    }
    let upstream = *shared.upstream.lock().unwrap();
    let connect = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(upstream));
    let mut server = tokio::select! {
        _ = stopped(&mut stop) => return,
        connected = connect => match connected {
            Ok(Ok(server)) => server,
            _ => {
                // The server is down: the client sees its connection reset, as through a NAT.
                let _ = client.set_zero_linger();
                return;
            }
        },
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let connection = Connection {
        shared: &shared,
        moved: AtomicU64::new(0),
        cut_at: plan.cut_at,
        stall_at: plan.stall_at,
        stall: plan.stall,
        stalled: AtomicBool::new(false),
    };
    let end = {
        let (client_read, client_write) = client.split();
        let (server_read, server_write) = server.split();
        let up = pump(client_read, server_write, Dir::Up, &connection, plan.up);
        let down = pump(server_read, client_write, Dir::Down, &connection, plan.down);
        tokio::select! {
            _ = stopped(&mut stop) => End::Closed,
            end = both(up, down) => end,
        }
    };
    if end == End::Cut {
        ProxyStats::count(&stats.cuts, 1);
        if plan.reset {
            ProxyStats::count(&stats.resets, 1);
            // Linger 0: closing sends RST instead of FIN.
            let _ = client.set_zero_linger();
            let _ = server.set_zero_linger();
        } else {
            let _ = client.shutdown().await;
            let _ = server.shutdown().await;
        }
    }
}

/// Runs both directions; a cut in one ends the other at once, a close lets the other finish.
async fn both(up: impl Future<Output = End>, down: impl Future<Output = End>) -> End {
    tokio::pin!(up, down);
    let (first, up_done) = tokio::select! {
        end = &mut up => (end, true),
        end = &mut down => (end, false),
    };
    if first == End::Cut {
        return End::Cut;
    }
    if up_done { down.await } else { up.await }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The sender closed (or failed); the close was passed on.
    Closed,
    /// A fault cut the connection.
    Cut,
}

/// What both directions of one connection share.
struct Connection<'a> {
    shared: &'a Shared,
    /// Bytes read so far, both directions together: where cuts and stalls land.
    moved: AtomicU64,
    cut_at: Option<u64>,
    stall_at: Option<u64>,
    stall: Duration,
    stalled: AtomicBool,
}

/// Copies one direction through the link: the reader takes each chunk at the link's rate and
/// hands it to a delay line, which delivers it `latency` (with jitter) later, keeping order; so
/// latency adds once to each exchange rather than to every chunk.
async fn pump(
    mut from: ReadHalf<'_>,
    mut to: WriteHalf<'_>,
    dir: Dir,
    connection: &Connection<'_>,
    mut rng: Rng,
) -> End {
    let link = &connection.shared.link;
    let stats = &connection.shared.stats;
    let (line, mut arrivals) = mpsc::channel::<(Instant, Vec<u8>)>(1024);
    let reader = async move {
        let mut last_due = Instant::now();
        loop {
            let mut chunk = vec![0u8; link.chunk(dir)];
            let n = match from.read(&mut chunk).await {
                Ok(0) | Err(_) => return End::Closed,
                Ok(n) => n as u64,
            };
            let before = connection.moved.fetch_add(n, Ordering::Relaxed);
            let (n, cut) = match connection.cut_at {
                Some(at) if before + n >= at => (at.saturating_sub(before), true),
                _ => (n, false),
            };
            chunk.truncate(n as usize);
            if let Some(at) = connection.stall_at
                && before + n >= at
                && !connection.stalled.swap(true, Ordering::Relaxed)
            {
                ProxyStats::count(&stats.stalls, 1);
                tokio::time::sleep(connection.stall).await;
            }
            let sent = link.send(dir, chunk.len());
            tokio::time::sleep_until(sent).await;
            let delay = link.delay(&mut rng);
            let due = (sent + delay).max(last_due);
            last_due = due;
            if line.send((due, chunk)).await.is_err() {
                return End::Closed;
            }
            if cut {
                return End::Cut;
            }
        }
    };
    let writer = async {
        while let Some((due, chunk)) = arrivals.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
            let counter = match dir {
                Dir::Up => &stats.bytes_up,
                Dir::Down => &stats.bytes_down,
            };
            ProxyStats::count(counter, chunk.len() as u64);
        }
    };
    let (end, ()) = tokio::join!(reader, writer);
    if end == End::Closed {
        let _ = to.shutdown().await;
    }
    end
}
