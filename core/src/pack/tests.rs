//! Refusals that only a server bug or a stolen key could produce (signed bodies that break the
//! rules), and the body codec's exactness on awkward values.

use super::*;
use crate::registration::RegistrationState;
use crate::samagra::{BirthDate, CasteCategory, Family, Gender, Member, Relation};
use proptest::prelude::*;

fn unit() -> LgdCode {
    LgdCode::parse("0417").unwrap()
}

fn info() -> PackInfo {
    PackInfo {
        unit_code: unit(),
        unit_level: Level::Village,
        unit_name_hi: "गाँव".into(),
        unit_name_en: "Gaon".into(),
        version: 2,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    }
}

fn member(id: &str, family: &str) -> Member {
    Member {
        member_id: SamagraMemberId::parse(id).unwrap(),
        family_id: SamagraFamilyId::parse(family).unwrap(),
        name_hi: "सीता  बाई ".into(),
        name_en: "".into(),
        guardian_name_hi: "राम".into(),
        guardian_name_en: " Ram".into(),
        gender: Gender::Other,
        birth: BirthDate {
            year: -3,
            month: None,
            day: Some(31),
        },
        relation: Relation::SonInLaw,
        caste: CasteCategory::St,
    }
}

fn family(id: &str, head: &str) -> Family {
    Family {
        family_id: SamagraFamilyId::parse(id).unwrap(),
        unit_code: unit(),
        address_hi: "".into(),
        address_en: "1,  Main Road".into(),
        head_member_id: SamagraMemberId::parse(head).unwrap(),
    }
}

/// Awkward on purpose: leading zeros, empty and doubled-space texts, a negative year, a day
/// without a month, an empty registration number.
fn awkward() -> PackContents {
    let mut a = member("000000007", "00000001");
    a.birth = BirthDate {
        year: i32::MAX,
        month: Some(255),
        day: None,
    };
    a.gender = Gender::Female;
    PackContents {
        families: vec![
            family("00000001", "000000007"),
            family("99999999", "999999999"),
        ],
        members: vec![
            a,
            member("000000008", "00000001"),
            member("999999999", "99999999"),
        ],
        registered: vec![
            RegisteredMember {
                member_id: SamagraMemberId::parse("000000007").unwrap(),
                state: RegistrationState::Duplicate,
                registration_number: Some(String::new()),
            },
            RegisteredMember {
                member_id: SamagraMemberId::parse("999999999").unwrap(),
                state: RegistrationState::Approved,
                registration_number: Some("MP/2018/१२३".into()),
            },
        ],
    }
}

/// A pack around any body, signed without the builder's checks.
fn signed_unchecked(
    raw: &[u8],
    counted: &PackBody,
    base: Option<u64>,
    key: &SigningKey,
) -> Vec<u8> {
    let compressed = envelope::compress(raw).unwrap();
    let manifest = manifest_for(&info(), base, counted, raw, &compressed, key);
    envelope::seal(&manifest, &compressed, key).unwrap()
}

fn refusal(contents: PackContents) -> PackError {
    let key = SigningKey::generate().unwrap();
    let body = PackBody::Full(contents);
    let bytes = signed_unchecked(&codec::encode(&body), &body, None, &key);
    verify(&bytes, &[key.public_key()]).unwrap_err()
}

#[test]
fn awkward_values_survive_a_pack_exactly() {
    let key = SigningKey::generate().unwrap();
    let bytes = build_full(&info(), &awkward(), &key).unwrap();
    let verified = verify(&bytes, &[key.public_key()]).unwrap();
    assert_eq!(verified.body, PackBody::Full(awkward()));
}

#[test]
fn a_signed_body_with_a_member_whose_family_is_missing_is_refused() {
    let mut contents = awkward();
    contents.families.remove(1);
    assert_eq!(
        refusal(contents),
        PackError::Inconsistent(Inconsistency::MemberWithoutFamily)
    );
}

#[test]
fn a_signed_body_with_a_family_of_another_unit_is_refused() {
    let mut contents = awkward();
    contents.families[0].unit_code = LgdCode::parse("418").unwrap();
    assert_eq!(
        refusal(contents),
        PackError::Inconsistent(Inconsistency::FamilyOfAnotherUnit)
    );
}

#[test]
fn a_signed_body_with_a_member_twice_is_refused() {
    let mut contents = awkward();
    contents.members.insert(1, contents.members[0].clone());
    assert_eq!(
        refusal(contents),
        PackError::Inconsistent(Inconsistency::DuplicateMember)
    );
}

#[test]
fn a_signed_body_out_of_canonical_order_is_refused() {
    let mut contents = awkward();
    contents.members.swap(0, 1);
    assert_eq!(
        refusal(contents),
        PackError::Inconsistent(Inconsistency::NotInCanonicalOrder)
    );
}

#[test]
fn a_signed_full_body_under_a_delta_manifest_is_refused() {
    let key = SigningKey::generate().unwrap();
    let body = PackBody::Full(awkward());
    let bytes = signed_unchecked(&codec::encode(&body), &body, Some(1), &key);
    assert_eq!(
        verify(&bytes, &[key.public_key()]),
        Err(PackError::Inconsistent(Inconsistency::BodyKindMismatch))
    );
}

#[test]
fn a_signed_body_that_is_not_a_pack_body_is_refused() {
    let key = SigningKey::generate().unwrap();
    let counted = PackBody::Full(PackContents::default());
    let bytes = signed_unchecked(b"\x01\x05garbage", &counted, None, &key);
    assert!(matches!(
        verify(&bytes, &[key.public_key()]),
        Err(PackError::BodyUndecodable { .. })
    ));
}

#[test]
fn a_delta_that_changes_and_removes_the_same_member_is_refused() {
    let key = SigningKey::generate().unwrap();
    let contents = awkward();
    let body = PackBody::Delta(PackDelta {
        upsert_members: vec![contents.members[0].clone()],
        removed_members: vec![contents.members[0].member_id.clone()],
        ..Default::default()
    });
    let bytes = signed_unchecked(&codec::encode(&body), &body, Some(1), &key);
    assert_eq!(
        verify(&bytes, &[key.public_key()]),
        Err(PackError::Inconsistent(Inconsistency::UpsertedAndRemoved))
    );
}

#[test]
fn refusals_name_no_personal_data() {
    let mut contents = awkward();
    contents.families.remove(1);
    let message = refusal(contents).to_string();
    for secret in ["999999999", "99999999", "सीता", "Ram"] {
        assert!(!message.contains(secret), "{message}");
    }
}

proptest! {
    #[test]
    fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = codec::decode(&bytes);
    }

    #[test]
    fn decoding_a_damaged_body_never_panics(at in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let mut raw = codec::encode(&PackBody::Full(awkward()));
        let i = at.index(raw.len());
        raw[i] ^= mask;
        let _ = codec::decode(&raw);
    }
}

#[test]
fn a_resigned_pack_carries_the_same_contents_under_the_new_key_only() {
    let old = SigningKey::generate().unwrap();
    let new = SigningKey::generate().unwrap();
    let bytes = build_full(&info(), &awkward(), &old).unwrap();
    let resigned = resign(&bytes, &[old.public_key()], &new).unwrap();
    let back = verify(&resigned, &[new.public_key()]).unwrap();
    assert_eq!(back.manifest.signing_key_id, new.key_id());
    assert_eq!(back.body, verify(&bytes, &[old.public_key()]).unwrap().body);
    assert_eq!(
        verify(&resigned, &[old.public_key()]),
        Err(PackError::UnknownSigningKey {
            key_id: new.key_id().to_owned()
        })
    );
    // Deterministic, and a pack already signed by the key comes back unchanged.
    assert_eq!(resign(&bytes, &[old.public_key()], &new).unwrap(), resigned);
    assert_eq!(
        resign(&resigned, &[new.public_key()], &new).unwrap(),
        resigned
    );
    // Nothing the caller does not trust is signed again.
    let stranger = SigningKey::generate().unwrap();
    assert!(matches!(
        resign(&bytes, &[stranger.public_key()], &new),
        Err(PackError::UnknownSigningKey { .. })
    ));
}
