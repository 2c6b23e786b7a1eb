//! No damaged pack is ever accepted: any single changed byte, or any truncation, makes
//! `verify` refuse it (without panicking).

mod pack_fixtures;

use pack_fixtures::{info, ward};
use panjiyan_core::keys::{PublicKey, SigningKey};
use panjiyan_core::pack;
use proptest::prelude::*;
use std::sync::OnceLock;

fn signed_pack() -> &'static (Vec<u8>, PublicKey) {
    static PACK: OnceLock<(Vec<u8>, PublicKey)> = OnceLock::new();
    PACK.get_or_init(|| {
        let key = SigningKey::generate().unwrap();
        let bytes = pack::build_full(&info(1), &ward(21, 40), &key).unwrap();
        (bytes, key.public_key())
    })
}

#[test]
fn the_untouched_pack_verifies() {
    let (bytes, key) = signed_pack();
    assert!(pack::verify(bytes, std::slice::from_ref(key)).is_ok());
}

#[test]
fn every_single_byte_flipped_in_turn_is_refused() {
    let (bytes, key) = signed_pack();
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x01;
        assert!(
            pack::verify(&damaged, std::slice::from_ref(key)).is_err(),
            "accepted a pack with byte {at} changed"
        );
    }
}

proptest! {
    #[test]
    fn a_pack_with_any_byte_changed_is_refused(at in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let (bytes, key) = signed_pack();
        let mut damaged = bytes.clone();
        damaged[at.index(bytes.len())] ^= mask;
        prop_assert!(pack::verify(&damaged, std::slice::from_ref(key)).is_err());
    }

    #[test]
    fn a_pack_cut_short_anywhere_is_refused(at in any::<prop::sample::Index>()) {
        let (bytes, key) = signed_pack();
        let cut = at.index(bytes.len());
        let result = pack::verify(&bytes[..cut], std::slice::from_ref(key));
        prop_assert!(
            matches!(result, Err(pack::PackError::Truncated { present, .. }) if present == cut as u64),
            "cut at {} gave {:?}", cut, result
        );
    }
}
