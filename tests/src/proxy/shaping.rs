//! The shape of the proxy's link: a rate limit per direction (a token bucket shared by all
//! connections) and a one-way delay with jitter.

use super::faults::Rng;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The shape of a link. "Down" is server to client, "up" client to server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkProfile {
    /// None: as fast as loopback.
    pub down_bits_per_s: Option<u64>,
    pub up_bits_per_s: Option<u64>,
    /// One-way delay added to every chunk, on average.
    pub latency: Duration,
    /// Each chunk's delay is `latency` plus or minus up to this much, at random; a chunk is
    /// never delivered before the one read before it.
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

    /// "Regular 2G": 250 kbit/s down, 50 kbit/s up, 300 ms ± 100 ms one way.
    pub fn regular_2g() -> Self {
        Self {
            down_bits_per_s: Some(250_000),
            up_bits_per_s: Some(50_000),
            latency: Duration::from_millis(300),
            jitter: Duration::from_millis(100),
        }
    }

    /// GPRS: 50 kbit/s down, 20 kbit/s up, 500 ms ± 150 ms one way.
    pub fn gprs() -> Self {
        Self {
            down_bits_per_s: Some(50_000),
            up_bits_per_s: Some(20_000),
            latency: Duration::from_millis(500),
            jitter: Duration::from_millis(150),
        }
    }

    pub(super) fn rate(&self, dir: Dir) -> Option<u64> {
        match dir {
            Dir::Up => self.up_bits_per_s,
            Dir::Down => self.down_bits_per_s,
        }
    }

    /// Never below zero: a jitter larger than the latency only lengthens delays.
    pub(super) fn delay(&self, rng: &mut Rng) -> Duration {
        let jitter = self.jitter.as_micros() as u64;
        if jitter == 0 {
            return self.latency;
        }
        let micros = self.latency.as_micros() as u64 + rng.below(2 * jitter + 1);
        Duration::from_micros(micros.saturating_sub(jitter))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    Up,
    Down,
}

/// The rate limit of each direction: a token bucket with a small burst, shared by all
/// connections. A chunk takes its bytes at once, going into debt if need be, and is sent when
/// the debt is paid; so chunks leave in the order they asked, at the link's rate.
pub(super) struct Link {
    profile: Mutex<LinkProfile>,
    up: Mutex<Bucket>,
    down: Mutex<Bucket>,
}

struct Bucket {
    /// Bytes that may leave now; negative while in debt.
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full() -> Self {
        Self {
            tokens: f64::INFINITY,
            at: Instant::now(),
        }
    }
}

impl Link {
    pub(super) fn new(profile: LinkProfile) -> Self {
        Self {
            profile: Mutex::new(profile),
            up: Mutex::new(Bucket::full()),
            down: Mutex::new(Bucket::full()),
        }
    }

    pub(super) fn set_profile(&self, profile: LinkProfile) {
        *self.profile.lock().unwrap() = profile;
    }

    /// How long a chunk read now takes to cross the link, after it has been sent.
    pub(super) fn delay(&self, rng: &mut Rng) -> Duration {
        self.profile.lock().unwrap().delay(rng)
    }

    /// When `n` bytes read now in direction `dir` have left the sender.
    pub(super) fn send(&self, dir: Dir, n: usize) -> Instant {
        let now = Instant::now();
        let Some(bits_per_s) = self.profile.lock().unwrap().rate(dir) else {
            return now;
        };
        let bytes_per_s = bits_per_s.max(8) as f64 / 8.0;
        let mut bucket = match dir {
            Dir::Up => self.up.lock().unwrap(),
            Dir::Down => self.down.lock().unwrap(),
        };
        let refilled = bucket.tokens + (now - bucket.at).as_secs_f64() * bytes_per_s;
        bucket.tokens = refilled.min(burst(bytes_per_s)) - n as f64;
        bucket.at = now;
        if bucket.tokens >= 0.0 {
            now
        } else {
            now + Duration::from_secs_f64(-bucket.tokens / bytes_per_s)
        }
    }

    /// How much to read at once: about 20 ms of the link, so the rate is smooth and cuts land
    /// mid-message.
    pub(super) fn chunk(&self, dir: Dir) -> usize {
        self.profile
            .lock()
            .unwrap()
            .rate(dir)
            .map_or(16 * 1024, |bits_per_s| {
                ((bits_per_s / 8 / 50) as usize).clamp(256, 16 * 1024)
            })
    }
}

/// A small burst: one full-size packet, or 20 ms of the link on a fast one.
fn burst(bytes_per_s: f64) -> f64 {
    (bytes_per_s / 50.0).max(1500.0)
}
