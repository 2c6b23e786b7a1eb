//! The device store as a camp uses it: packs in, look-ups, registrations, the outbox.

use panjiyan_core::keys::SigningKey;
use panjiyan_core::pack::{self, RegisteredMember};
use panjiyan_core::registration::{FormField, RegistrationState};
use panjiyan_core::samagra::Member;
use panjiyan_core::store::{DeviceStore, StoreError};
use panjiyan_core::wire::{PushOutcome, PushResponse, PushResult, StatusChange};

mod store_fixtures;

use store_fixtures::{KEY, NOW, camp, eligible, form, info, register};

#[test]
fn a_wrong_key_is_refused_and_the_right_key_still_opens() {
    let c = camp(50);
    let device = c.store.device_id().to_owned();
    drop(c.store);
    assert!(matches!(
        DeviceStore::open(&c.path, &[1; 32]),
        Err(StoreError::WrongKey)
    ));
    assert!(matches!(
        DeviceStore::open(&c.path, &[1; 16]),
        Err(StoreError::BadKeyLength(16))
    ));
    let again = DeviceStore::open(&c.path, &KEY).unwrap();
    assert_eq!(
        again.device_id(),
        device,
        "the device key survives reopening"
    );
    assert_eq!(
        again.units().unwrap()[0].member_count,
        c.contents.members.len() as u64
    );
}

#[test]
fn names_and_addresses_are_not_in_the_database_file_in_clear() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    register(&c.store, &m);
    drop(c.store);
    let mut raw = std::fs::read(&c.path).unwrap();
    if let Ok(wal) = std::fs::read(c.path.with_extension("db-wal")) {
        raw.extend(wal);
    }
    let haystack = String::from_utf8_lossy(&raw);
    for needle in [
        m.name_en.as_str(),
        m.name_hi.as_str(),
        c.contents.families[0].address_en.as_str(),
        "9876543210",
    ] {
        assert!(!haystack.contains(needle), "found personal data in clear");
    }
    // IDs stay in clear on purpose: they are what look-ups and sync index on.
    assert!(haystack.contains(m.member_id.as_str()));
}

#[test]
fn a_member_id_brings_up_the_whole_family_head_first() {
    let c = camp(500);
    let m = c
        .contents
        .members
        .iter()
        .find(|m| m.relation != panjiyan_core::samagra::Relation::Head)
        .unwrap();
    let view = c.store.member(&m.member_id).unwrap().unwrap();
    assert_eq!(&view.member, m);
    let family = c.store.family_of_member(&m.member_id).unwrap().unwrap();
    let expected = c
        .contents
        .members
        .iter()
        .filter(|x| x.family_id == m.family_id)
        .count();
    assert_eq!(family.members.len(), expected);
    assert_eq!(
        family.members[0].member.member_id,
        family.family.head_member_id
    );
    assert!(
        c.store
            .member(&"999999999".parse().unwrap())
            .unwrap()
            .is_none()
    );
    let families = c.store.families_in_unit(&c.unit).unwrap();
    assert_eq!(families.len(), c.contents.families.len());
}

#[test]
fn name_search_tolerates_spelling_variants_and_script() {
    let c = camp(2_000);
    let laxmi: Vec<&Member> = c
        .contents
        .members
        .iter()
        .filter(|m| m.name_hi.starts_with("लक्ष्मी "))
        .collect();
    assert!(!laxmi.is_empty(), "the generator makes some Laxmis");
    let surname_hi = laxmi[0].name_hi.split(' ').nth(1).unwrap();
    for query in [
        format!("Lakshmi {}", laxmi[0].name_en.split(' ').nth(1).unwrap()),
        format!("लक्ष्मी {surname_hi}"),
    ] {
        let hits = c.store.search_names(&query, Some(&c.unit), 50).unwrap();
        let ids: Vec<_> = hits.iter().map(|h| &h.member.member.member_id).collect();
        assert!(
            ids.contains(&&laxmi[0].member_id),
            "{query} did not find her"
        );
        assert!(
            hits.windows(2).all(|w| w[0].score >= w[1].score),
            "ranked best first"
        );
    }
    let partial = c.store.search_names("Laks", None, 500).unwrap();
    assert!(
        partial
            .iter()
            .any(|h| h.member.member.member_id == laxmi[0].member_id),
        "a half-typed name finds her"
    );
    assert!(c.store.search_names("Zzyzx", None, 10).unwrap().is_empty());
}

#[test]
fn a_corrupt_or_untrusted_pack_is_refused_and_the_old_version_stays_usable() {
    let c = camp(200);
    let mut next = c.contents.clone();
    next.members.truncate(100);
    let families: std::collections::HashSet<_> =
        next.members.iter().map(|m| m.family_id.clone()).collect();
    next.families.retain(|f| families.contains(&f.family_id));
    let mut bytes = pack::build_full(&info(&c.unit, 2), &next, &c.server).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    assert!(matches!(
        c.store.import_pack(&bytes, &[c.server.public_key()]),
        Err(StoreError::Pack(_))
    ));
    let stranger = SigningKey::generate().unwrap();
    let forged = pack::build_full(&info(&c.unit, 2), &next, &stranger).unwrap();
    assert!(matches!(
        c.store.import_pack(&forged, &[c.server.public_key()]),
        Err(StoreError::Pack(_))
    ));
    let unit = c.store.unit(&c.unit).unwrap().unwrap();
    assert_eq!(
        (unit.version, unit.member_count),
        (1, c.contents.members.len() as u64)
    );
    assert!(
        c.store
            .member(&c.contents.members[150].member_id)
            .unwrap()
            .is_some()
    );
}

#[test]
fn deltas_apply_only_onto_their_base_version() {
    let c = camp(300);
    let mut v2 = c.contents.clone();
    let gone = v2
        .members
        .iter()
        .position(|m| m.relation != panjiyan_core::samagra::Relation::Head)
        .unwrap();
    let removed = v2.members.remove(gone);
    v2.members[0].name_en = "Changed Name".into();
    v2.registered.push(RegisteredMember {
        member_id: v2.members[1].member_id.clone(),
        state: RegistrationState::Approved,
        registration_number: Some("MP-401-2026-0000001".into()),
    });
    let delta = pack::build_delta(&info(&c.unit, 2), 1, &c.contents, &v2, &c.server).unwrap();
    let wrong_base = pack::build_delta(&info(&c.unit, 3), 2, &v2, &v2, &c.server).unwrap();
    assert!(matches!(
        c.store.import_pack(&wrong_base, &[c.server.public_key()]),
        Err(StoreError::WrongBaseVersion { need: 2, .. })
    ));
    let summary = c
        .store
        .import_pack(&delta, &[c.server.public_key()])
        .unwrap();
    assert!(summary.was_delta);
    assert_eq!(c.store.unit(&c.unit).unwrap().unwrap().version, 2);
    assert!(c.store.member(&removed.member_id).unwrap().is_none());
    let first = c.store.member(&v2.members[0].member_id).unwrap().unwrap();
    assert_eq!(first.member.name_en, "Changed Name");
    let registered = c.store.member(&v2.members[1].member_id).unwrap().unwrap();
    assert_eq!(
        registered.registration_number.as_deref(),
        Some("MP-401-2026-0000001")
    );
    assert_eq!(
        c.store.unit(&c.unit).unwrap().unwrap().member_count,
        v2.members.len() as u64
    );
    // An older full pack never replaces a newer version.
    let old = pack::build_full(&info(&c.unit, 1), &c.contents, &c.server).unwrap();
    assert!(matches!(
        c.store.import_pack(&old, &[c.server.public_key()]),
        Err(StoreError::StalePack { .. })
    ));
}

#[test]
fn a_delta_never_touches_another_units_registered_members() {
    let c = camp(200);
    // A second village on the same phone, with a member already registered there.
    let other = panjiyan_core::validate::LgdCode::parse("500124").unwrap();
    let mut theirs = panjiyan_core::generator::generate_unit(12, &other, 50);
    let y = theirs.members[0].member_id.clone();
    theirs.registered.push(RegisteredMember {
        member_id: y.clone(),
        state: RegistrationState::Approved,
        registration_number: Some("MP-401-2026-0000009".into()),
    });
    let pack = pack::build_full(&info(&other, 1), &theirs, &c.server).unwrap();
    c.store
        .import_pack(&pack, &[c.server.public_key()])
        .unwrap();
    // A delta of the first village that claims to remove that registered entry.
    let mut base = c.contents.clone();
    base.registered.push(RegisteredMember {
        member_id: y.clone(),
        state: RegistrationState::Approved,
        registration_number: None,
    });
    let delta = pack::build_delta(&info(&c.unit, 2), 1, &base, &c.contents, &c.server).unwrap();
    c.store
        .import_pack(&delta, &[c.server.public_key()])
        .unwrap();
    let kept = c.store.member(&y).unwrap().unwrap();
    assert_eq!(
        kept.registration_number.as_deref(),
        Some("MP-401-2026-0000009")
    );
}

#[test]
fn finalising_checks_eligibility_again_and_names_the_failed_rule() {
    let c = camp(500);
    let child = c
        .contents
        .members
        .iter()
        .find(|m| m.birth.age_on(NOW.date()) < 16)
        .unwrap();
    let id = c.store.create_draft(&form(child)).unwrap();
    match c.store.finalise(id, NOW, false) {
        Err(StoreError::FormProblems(problems)) => {
            assert_eq!(problems[0].field, FormField::Eligibility);
            assert_eq!(problems[0].message.key, "eligibility.age_below_min");
        }
        other => panic!("expected form problems, got {other:?}"),
    }
    let view = c.store.registration(id).unwrap().unwrap();
    assert_eq!(
        view.status.state,
        RegistrationState::Draft,
        "the draft is kept for fixing"
    );
    assert_eq!(c.store.outbox_stats().unwrap().queued, 0);
}

#[test]
fn only_the_last_four_aadhaar_digits_are_kept_after_finalise() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    // 2345 6789 0124 has a valid Verhoeff check digit.
    let aadhaar = "234567890124";
    let mut f = form(&m);
    f.aadhaar = Some(aadhaar.into());
    let id = c.store.create_draft(&f).unwrap();
    assert_eq!(
        c.store
            .registration(id)
            .unwrap()
            .unwrap()
            .form
            .aadhaar
            .as_deref(),
        Some(aadhaar),
        "a draft keeps what was typed until it is finalised"
    );
    c.store.finalise(id, NOW, false).unwrap();
    let kept = c.store.registration(id).unwrap().unwrap().form;
    assert_eq!(kept.aadhaar, None);
    assert_eq!(kept.aadhaar_last4.as_deref(), Some("0124"));
    let outgoing = c.store.outbox_batch(10).unwrap();
    let payload = outgoing[0].signed.parse_unverified().unwrap();
    assert_eq!(payload.aadhaar_last4.as_deref(), Some("0124"));
    assert!(!outgoing[0].signed.payload.contains(aadhaar));
}

#[test]
fn a_pack_with_rules_this_app_does_not_know_is_refused_before_anything_changes() {
    let c = camp(50);
    for (id, version) in [("mp-2018", 99), ("gujarat-2030", 1)] {
        let mut newer = info(&c.unit, 2);
        newer.rules_id = id.into();
        newer.rules_version = version;
        let bytes = pack::build_full(&newer, &c.contents, &c.server).unwrap();
        let e = c
            .store
            .import_pack(&bytes, &[c.server.public_key()])
            .unwrap_err();
        assert_eq!(e.code(), "unknown_rules");
        assert!(
            e.to_string()
                .contains(&format!("rule set {id} version {version} is unknown")),
            "{e}"
        );
    }
    let unit = &c.store.units().unwrap()[0];
    assert_eq!(
        (unit.version, unit.rules_id.as_str()),
        (1, "mp-2018"),
        "the old pack stays"
    );
}

#[test]
fn a_campaigns_own_rule_set_travels_in_the_pack_and_judges_on_the_device() {
    let c = camp(300);
    let own = panjiyan_core::eligibility::RuleSet::from_json(
        r#"{"id": "camp-2026", "version": 3, "name_hi": "नियम", "name_en": "Rules",
            "rules": [{"kind": "age_range", "min": 40, "max": 60}]}"#,
    )
    .unwrap();
    let mut newer = info(&c.unit, 2);
    newer.rules_id = own.id.clone();
    newer.rules_version = own.version;
    newer.rules = Some(own.clone());
    let bytes = pack::build_full(&newer, &c.contents, &c.server).unwrap();
    c.store
        .import_pack(&bytes, &[c.server.public_key()])
        .unwrap();
    assert_eq!(
        c.store.rules("camp-2026", 3).unwrap(),
        own,
        "kept by id and version"
    );
    // A worker of 25 passes the built-in rules but not the campaign's own (40 and over).
    let young = c
        .contents
        .members
        .iter()
        .find(|m| (20..=30).contains(&m.birth.age_on(NOW.date())))
        .unwrap();
    let id = c.store.create_draft(&form(young)).unwrap();
    match c.store.finalise(id, NOW, false) {
        Err(StoreError::FormProblems(p)) => {
            assert_eq!(p[0].message.key, "eligibility.age_below_min")
        }
        other => panic!("expected the campaign's rule to refuse, got {other:?}"),
    }
    // A pack naming a rule set it does not carry (and the app does not have) is refused.
    let mut bare = info(&c.unit, 3);
    bare.rules_id = "camp-2027".into();
    let bytes = pack::build_full(&bare, &c.contents, &c.server).unwrap();
    assert_eq!(
        c.store
            .import_pack(&bytes, &[c.server.public_key()])
            .unwrap_err()
            .code(),
        "unknown_rules"
    );
}

#[test]
fn a_member_cannot_be_registered_twice_on_one_device() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    let first = register(&c.store, &m);
    assert!(matches!(
        c.store.create_draft(&form(&m)),
        Err(StoreError::AlreadyRegisteredOnDevice)
    ));
    let view = c.store.member(&m.member_id).unwrap().unwrap();
    assert_eq!(
        view.device_registration,
        Some((first, RegistrationState::Queued))
    );
    assert!(matches!(
        c.store.finalise(first, NOW, false),
        Err(StoreError::NotADraft)
    ));
}

#[test]
fn a_member_the_pack_says_is_registered_needs_confirmation() {
    let mut c = camp(300);
    let m = eligible(&c.contents, 2);
    c.contents.registered.push(RegisteredMember {
        member_id: m.member_id.clone(),
        state: RegistrationState::PendingApproval,
        registration_number: None,
    });
    let v2 = pack::build_full(&info(&c.unit, 2), &c.contents, &c.server).unwrap();
    c.store.import_pack(&v2, &[c.server.public_key()]).unwrap();
    let id = c.store.create_draft(&form(&m)).unwrap();
    match c.store.finalise(id, NOW, false) {
        Err(StoreError::NeedsConfirmation(w)) => {
            assert_eq!(w[0].key, "registration.already_applied_in_pack");
            assert!(
                !w[0]
                    .text(panjiyan_core::messages::Lang::Hi)
                    .contains("pending")
            );
        }
        other => panic!("expected a warning, got {other:?}"),
    }
    c.store.finalise(id, NOW, true).unwrap();
}

#[test]
fn the_outbox_sends_in_order_and_keeps_everything_not_acknowledged() {
    let c = camp(600);
    let ids: Vec<_> = (0..5)
        .map(|i| register(&c.store, &eligible(&c.contents, i)))
        .collect();
    let batch = c.store.outbox_batch(10).unwrap();
    assert_eq!(batch.iter().map(|b| b.id).collect::<Vec<_>>(), ids);
    assert_eq!(
        batch.iter().map(|b| b.device_seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let payload = batch[0]
        .signed
        .verify(&c.store.device_public_key())
        .unwrap();
    assert_eq!(payload.device_id, c.store.device_id());
    assert_eq!(payload.mobile.unwrap().as_str(), "9876543210");

    let stats = c.store.outbox_stats().unwrap();
    assert_eq!((stats.queued, stats.oldest_queued_at), (5, Some(NOW)));
    let response = PushResponse {
        results: vec![
            PushResult {
                id: ids[0],
                outcome: PushOutcome::Accepted,
            },
            PushResult {
                id: ids[1],
                outcome: PushOutcome::AlreadyHad,
            },
            PushResult {
                id: ids[2],
                outcome: PushOutcome::DuplicateOf { first: ids[0] },
            },
            PushResult {
                id: ids[3],
                outcome: PushOutcome::Invalid {
                    reasons: vec![panjiyan_core::messages::Message::new("push.member_unknown")],
                },
            },
            PushResult {
                id: uuid::Uuid::now_v7(),
                outcome: PushOutcome::Accepted,
            },
        ],
        ..PushResponse::default()
    };
    let summary = c.store.apply_push_response(&response).unwrap();
    assert_eq!(
        (
            summary.acknowledged,
            summary.duplicates,
            summary.refused,
            summary.ignored
        ),
        (3, 1, 1, 1)
    );
    let left: Vec<_> = c
        .store
        .outbox_batch(10)
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(left, [ids[4]], "only the unanswered record is still queued");
    let stats = c.store.outbox_stats().unwrap();
    assert_eq!((stats.queued, stats.refused), (1, 1));
    let refused = c.store.registration(ids[3]).unwrap().unwrap();
    assert_eq!(refused.refusal.unwrap()[0].key, "push.member_unknown");
    assert_eq!(
        c.store
            .registration(ids[2])
            .unwrap()
            .unwrap()
            .status
            .duplicate_of,
        Some(ids[0])
    );

    // A refused registration can be fixed and sent again under a new id.
    let reopened = c.store.reopen_refused(ids[3]).unwrap();
    assert_ne!(reopened, ids[3]);
    let fin = c.store.finalise(reopened, NOW, false).unwrap();
    assert_eq!(fin.device_seq, 6);

    let report = c.store.backlog_report("0.1.0", None).unwrap();
    assert_eq!(report.pending, 2);
}

#[test]
fn status_changes_reach_the_registration_and_the_camp_view() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    let id = register(&c.store, &m);
    c.store
        .apply_push_response(&PushResponse {
            results: vec![PushResult {
                id,
                outcome: PushOutcome::Accepted,
            }],
            ..PushResponse::default()
        })
        .unwrap();
    let change = StatusChange {
        id,
        member_id: m.member_id.clone(),
        state: RegistrationState::Approved,
        registration_number: Some("MP-401-2026-0000042".into()),
        reason: None,
        duplicate_of: None,
        changed_at: NOW,
    };
    assert_eq!(c.store.apply_status_changes(&[change], "17").unwrap(), 1);
    let view = c.store.registration(id).unwrap().unwrap();
    assert_eq!(view.status.state, RegistrationState::Approved);
    assert_eq!(
        view.status.registration_number.as_deref(),
        Some("MP-401-2026-0000042")
    );
    assert_eq!(
        c.store
            .member(&m.member_id)
            .unwrap()
            .unwrap()
            .registered_state,
        Some(RegistrationState::Approved)
    );
    assert_eq!(c.store.status_cursor().unwrap(), "17");
}

#[test]
fn look_ups_from_many_threads_keep_answering_during_an_import() {
    let c = std::sync::Arc::new(camp(3_000));
    let big = pack::build_full(&info(&c.unit, 2), &c.contents, &c.server).unwrap();
    let importer = {
        let c = c.clone();
        std::thread::spawn(move || c.store.import_pack(&big, &[c.server.public_key()]).unwrap())
    };
    let readers: Vec<_> = (0..4)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let m = &c.contents.members[(t * 200 + i) % c.contents.members.len()];
                    assert!(
                        c.store.member(&m.member_id).unwrap().is_some(),
                        "a look-up saw a half-imported unit"
                    );
                }
            })
        })
        .collect();
    for r in readers {
        r.join().unwrap();
    }
    importer.join().unwrap();
    assert_eq!(c.store.unit(&c.unit).unwrap().unwrap().version, 2);
}
