//! Camp packs as a device meets them: what comes back from a verified pack, deltas, and every
//! way a pack is refused.

mod pack_fixtures;

use pack_fixtures::{assemble, info, server_key, split, ward};
use panjiyan_core::keys::SigningKey;
use panjiyan_core::pack::{
    self, Inconsistency, PackBody, PackContents, PackError, PackManifest, RegisteredMember,
};
use panjiyan_core::registration::RegistrationState;

fn full(contents: &PackContents) -> PackContents {
    contents.clone().into_canonical()
}

#[test]
fn a_verified_full_pack_gives_back_exactly_its_contents_in_canonical_order() {
    let key = server_key();
    let contents = ward(1, 300);
    let bytes = pack::build_full(&info(3), &contents, &key).unwrap();
    let verified = pack::verify(&bytes, &[key.public_key()]).unwrap();

    let canonical = full(&contents);
    assert_ne!(contents, canonical, "the fixture must start out of order");
    assert_eq!(verified.body, PackBody::Full(canonical.clone()));
    assert_eq!(
        verified.manifest.family_count,
        canonical.families.len() as u64
    );
    assert_eq!(
        verified.manifest.member_count,
        canonical.members.len() as u64
    );
    assert_eq!(verified.manifest.version, 3);
    assert_eq!(verified.manifest.base_version, None);
    assert_eq!(verified.manifest.signing_key_id, key.key_id());
    assert!(
        canonical
            .members
            .windows(2)
            .all(|w| w[0].member_id < w[1].member_id)
    );
}

/// The current version of the ward: a family moved away, a new one arrived, names corrected,
/// registrations approved, one withdrawn, one new.
fn next_version(base: &PackContents) -> PackContents {
    let mut current = full(base);
    let gone = current.families.remove(5).family_id;
    current.members.retain(|m| m.family_id != gone);
    let newcomers = full(&ward(99, 6));
    current.families.push(newcomers.families[0].clone());
    current.members.extend(
        newcomers
            .members
            .iter()
            .filter(|m| m.family_id == newcomers.families[0].family_id)
            .cloned(),
    );
    current.members[10].name_en.push('a');
    current.members[20].guardian_name_hi = "रामेश्वर यादव".into();
    current.families[2].address_en = "House No. 7, Naya Mohalla, Ward 12".into();
    current.registered[0].state = RegistrationState::Approved;
    current.registered[0].registration_number = Some("MP/2018/0000001".into());
    current.registered.remove(1);
    current.registered.push(RegisteredMember {
        member_id: current.members[30].member_id.clone(),
        state: RegistrationState::PendingApproval,
        registration_number: None,
    });
    current
        .registered
        .retain(|r| current.members.iter().any(|m| m.member_id == r.member_id));
    current.into_canonical()
}

#[test]
fn a_delta_applied_to_its_base_gives_the_current_contents() {
    let key = server_key();
    let base = full(&ward(2, 400));
    let current = next_version(&base);
    let bytes = pack::build_delta(&info(8), 7, &base, &current, &key).unwrap();
    let verified = pack::verify(&bytes, &[key.public_key()]).unwrap();

    assert_eq!(verified.manifest.base_version, Some(7));
    assert_eq!(verified.manifest.version, 8);
    let PackBody::Delta(delta) = verified.body else {
        panic!("a delta pack must verify as a delta");
    };
    assert_eq!(delta.removed_families.len(), 1);
    assert!(!delta.removed_members.is_empty());
    assert!(!delta.removed_registered.is_empty());
    assert!(delta.upsert_registered.len() >= 2);
    // Counts describe the delta's own records.
    assert_eq!(
        verified.manifest.family_count,
        (delta.upsert_families.len() + delta.removed_families.len()) as u64
    );
    assert_eq!(pack::apply_delta(&base, &delta), current);
}

#[test]
fn a_delta_between_equal_contents_changes_nothing() {
    let key = server_key();
    let base = full(&ward(3, 100));
    let bytes = pack::build_delta(&info(2), 1, &base, &base, &key).unwrap();
    let verified = pack::verify(&bytes, &[key.public_key()]).unwrap();
    let PackBody::Delta(delta) = verified.body else {
        panic!("a delta pack must verify as a delta");
    };
    assert_eq!(delta, Default::default());
    assert_eq!(pack::apply_delta(&base, &delta), base);
}

#[test]
fn a_delta_for_one_percent_of_members_is_much_smaller_than_a_full_pack() {
    let key = server_key();
    let base = full(&ward(4, 2_000));
    let mut current = base.clone();
    let changed = current.members.len() / 100;
    for m in current.members.iter_mut().step_by(100).take(changed) {
        m.name_en.push_str(" Kumar");
    }
    let full_bytes = pack::build_full(&info(2), &current, &key).unwrap().len();
    let delta_bytes = pack::build_delta(&info(2), 1, &base, &current, &key)
        .unwrap()
        .len();
    println!("full pack {full_bytes} bytes, delta for {changed} members {delta_bytes} bytes");
    assert!(delta_bytes * 10 < full_bytes);
}

#[test]
fn a_delta_whose_base_is_not_older_is_not_built() {
    let key = server_key();
    let base = full(&ward(5, 50));
    assert_eq!(
        pack::build_delta(&info(4), 4, &base, &base, &key),
        Err(PackError::Inconsistent(Inconsistency::BaseNotOlder {
            base: 4,
            version: 4
        }))
    );
}

#[test]
fn a_pack_signed_by_an_untrusted_key_is_refused_naming_the_key() {
    let server = server_key();
    let stranger = server_key();
    let bytes = pack::build_full(&info(1), &ward(6, 50), &stranger).unwrap();
    assert_eq!(
        pack::verify(&bytes, &[server.public_key()]),
        Err(PackError::UnknownSigningKey {
            key_id: stranger.key_id().to_owned()
        })
    );
}

fn manifest_of(bytes: &[u8]) -> PackManifest {
    pack::read_manifest(bytes).unwrap()
}

/// The pack with its manifest changed by `edit` and signed again by `signer`.
fn resigned(bytes: &[u8], signer: &SigningKey, edit: impl FnOnce(&mut PackManifest)) -> Vec<u8> {
    let (_, _, body) = split(bytes);
    let mut manifest = manifest_of(bytes);
    edit(&mut manifest);
    let json = serde_json::to_vec(&manifest).unwrap();
    assemble(1, &json, &signer.sign(&json), &body)
}

#[test]
fn a_manifest_tampered_with_and_signed_by_another_key_under_the_trusted_id_is_refused() {
    let server = server_key();
    let attacker = server_key();
    let bytes = pack::build_full(&info(1), &ward(7, 50), &server).unwrap();
    let forged = resigned(&bytes, &attacker, |m| m.version = 99);
    assert_eq!(
        pack::verify(&forged, &[server.public_key()]),
        Err(PackError::BadSignature)
    );
}

#[test]
fn a_manifest_tampered_with_and_not_signed_again_is_refused() {
    let server = server_key();
    let bytes = pack::build_full(&info(1), &ward(8, 50), &server).unwrap();
    let (json, signature, body) = split(&bytes);
    let tampered = String::from_utf8(json)
        .unwrap()
        .replace("\"version\":1", "\"version\":2");
    let forged = assemble(1, tampered.as_bytes(), &signature, &body);
    assert_eq!(
        pack::verify(&forged, &[server.public_key()]),
        Err(PackError::BadSignature)
    );
}

#[test]
fn a_signed_manifest_whose_counts_disagree_with_the_body_is_refused() {
    let server = server_key();
    let bytes = pack::build_full(&info(1), &ward(9, 50), &server).unwrap();
    let stated = manifest_of(&bytes).member_count + 1;
    let forged = resigned(&bytes, &server, |m| m.member_count = stated);
    assert_eq!(
        pack::verify(&forged, &[server.public_key()]),
        Err(PackError::Inconsistent(Inconsistency::MemberCount {
            stated,
            found: stated - 1
        }))
    );
}

#[test]
fn a_body_that_decompresses_past_its_stated_size_is_refused() {
    let server = server_key();
    let bytes = pack::build_full(&info(1), &ward(10, 50), &server).unwrap();
    let forged = resigned(&bytes, &server, |m| m.body_uncompressed_bytes = 100);
    assert_eq!(
        pack::verify(&forged, &[server.public_key()]),
        Err(PackError::BodyTooLarge { stated: 100 })
    );
}

#[test]
fn a_body_that_does_not_match_its_hash_is_refused() {
    let server = server_key();
    let mut bytes = pack::build_full(&info(1), &ward(11, 50), &server).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    assert_eq!(
        pack::verify(&bytes, &[server.public_key()]),
        Err(PackError::BodyHashMismatch)
    );
}

#[test]
fn a_pack_with_bytes_after_its_body_is_refused() {
    let server = server_key();
    let mut bytes = pack::build_full(&info(1), &ward(12, 50), &server).unwrap();
    let stated = manifest_of(&bytes).body_bytes;
    bytes.push(0);
    assert_eq!(
        pack::verify(&bytes, &[server.public_key()]),
        Err(PackError::BodySizeMismatch {
            stated,
            present: stated + 1
        })
    );
}

#[test]
fn a_truncated_pack_says_how_many_bytes_were_expected_and_present() {
    let server = server_key();
    let bytes = pack::build_full(&info(1), &ward(13, 50), &server).unwrap();
    let cut = bytes.len() - 10;
    assert_eq!(
        pack::verify(&bytes[..cut], &[server.public_key()]),
        Err(PackError::Truncated {
            expected: bytes.len() as u64,
            present: cut as u64
        })
    );
}

#[test]
fn a_file_that_is_not_a_pack_or_of_another_format_is_refused() {
    let server = server_key();
    let trusted = [server.public_key()];
    assert_eq!(
        pack::verify(b"PK\x03\x04 a zip file", &trusted),
        Err(PackError::NotAPack)
    );
    let bytes = pack::build_full(&info(1), &ward(14, 50), &server).unwrap();
    let (json, signature, body) = split(&bytes);
    assert_eq!(
        pack::verify(&assemble(2, &json, &signature, &body), &trusted),
        Err(PackError::UnsupportedFormat {
            found: 2,
            supported: 1
        })
    );
}

#[test]
fn the_manifest_is_readable_from_a_download_head_that_holds_only_the_manifest() {
    let server = server_key();
    let contents = ward(15, 500);
    let bytes = pack::build_full(&info(1), &contents, &server).unwrap();
    let (json, _, _) = split(&bytes);
    let head = &bytes[..14 + json.len()];

    let manifest = pack::read_manifest(head).unwrap();
    assert_eq!(manifest.member_count, contents.members.len() as u64);
    assert_eq!(manifest.family_count, contents.families.len() as u64);
    assert_eq!(
        14 + json.len() as u64 + 64 + manifest.body_bytes,
        bytes.len() as u64,
        "the manifest tells the whole file's size"
    );
    assert_eq!(
        pack::read_manifest(&head[..head.len() - 1]),
        Err(PackError::Truncated {
            expected: head.len() as u64,
            present: head.len() as u64 - 1
        })
    );
}

#[test]
fn contents_a_device_would_refuse_are_not_built() {
    let server = server_key();
    let good = full(&ward(16, 50));
    let refused = |contents: &PackContents| match pack::build_full(&info(1), contents, &server) {
        Err(PackError::Inconsistent(why)) => why,
        other => panic!("expected an inconsistency, got {other:?}"),
    };

    let mut orphan = good.clone();
    orphan
        .families
        .retain(|f| f.family_id != good.members[0].family_id);
    assert_eq!(refused(&orphan), Inconsistency::MemberWithoutFamily);

    let mut elsewhere = good.clone();
    elsewhere.families[0].unit_code = "802418".parse().unwrap();
    assert_eq!(refused(&elsewhere), Inconsistency::FamilyOfAnotherUnit);

    let mut twice = good.clone();
    twice.members.push(good.members[3].clone());
    assert_eq!(refused(&twice), Inconsistency::DuplicateMember);
}
