//! Synthetic Samagra data: realistic families and members for any number of villages and
//! wards, deterministic from a seed. Used by the server's demo mode, tests and benchmarks.

use crate::pack::PackContents;
use crate::validate::LgdCode;

/// One village or ward with about `members` people in realistic families.
pub fn generate_unit(seed: u64, unit_code: &LgdCode, members: usize) -> PackContents {
    let _ = (seed, unit_code, members);
    unimplemented!("generator helper")
}
