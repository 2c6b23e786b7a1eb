//! The proxy's faults: what may go wrong on a connection, and each connection's draw of it
//! from the seed.

use std::time::Duration;

/// Faults, drawn once per connection when it is accepted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Chance that the connection is cut after a random number of bytes (counted over both
    /// directions, so the cut lands in whichever direction is flowing then).
    pub cut: f64,
    /// Chance that a cut is an abrupt reset (RST) rather than a clean close (FIN).
    pub reset_share: f64,
    /// Chance that the connection stalls once, at a random byte offset, for `stall`: bursty
    /// loss as TCP sees it.
    pub stall_chance: f64,
    pub stall: Duration,
    /// Chance that a new connection is refused (reset at once).
    pub refuse: f64,
    /// Cuts and stalls happen within this many bytes of the start.
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

    /// A bad link, from `level` 0.0 (no faults) to 1.0 (a third of connections cut in their
    /// first 64 KiB, half of those by reset; a fifth stalled for 300 ms; a tenth refused).
    pub fn chaos(level: f64) -> Self {
        let level = level.clamp(0.0, 1.0);
        Self {
            cut: level / 3.0,
            reset_share: 0.5,
            stall_chance: level / 5.0,
            stall: Duration::from_millis(300),
            refuse: level / 10.0,
            cut_within: 64 * 1024,
        }
    }
}

/// One connection's faults, drawn when it is accepted.
pub(super) struct Plan {
    pub(super) refuse: bool,
    pub(super) cut_at: Option<u64>,
    pub(super) reset: bool,
    pub(super) stall_at: Option<u64>,
    pub(super) stall: Duration,
    pub(super) up: Rng,
    pub(super) down: Rng,
}

impl Plan {
    /// Every draw is made whatever the outcome, so that changing one probability does not
    /// shift the faults of later connections.
    pub(super) fn draw(seed: u64, index: u64, faults: &Faults) -> Plan {
        let mut rng = Rng(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let refuse = rng.chance(faults.refuse);
        let cut = rng.chance(faults.cut);
        let cut_at = rng.below(faults.cut_within);
        let reset = rng.chance(faults.reset_share);
        let stall = rng.chance(faults.stall_chance);
        let stall_at = rng.below(faults.cut_within);
        Plan {
            refuse,
            cut_at: cut.then_some(cut_at),
            reset: cut && reset,
            stall_at: stall.then_some(stall_at),
            stall: faults.stall,
            up: Rng(rng.next()),
            down: Rng(rng.next()),
        }
    }
}

/// SplitMix64: tiny, fast, and good enough to draw faults and jitter reproducibly.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
