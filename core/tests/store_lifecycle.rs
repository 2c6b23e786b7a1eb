//! The device store across restarts, pack replacements, tampering and status pulls.

mod store_fixtures;

use panjiyan_core::messages::Message;
use panjiyan_core::pack;
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::store::{DeviceStore, StoreError};
use panjiyan_core::wire::{PushOutcome, PushResponse, PushResult, StatusChange};
use store_fixtures::{KEY, NOW, camp, eligible, form, info, register};

#[test]
fn the_store_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<DeviceStore>();
}

#[test]
fn a_draft_survives_closing_and_reopening_the_store() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    let mut draft = form(&m);
    draft.mobile = None;
    let id = c.store.create_draft(&draft).unwrap();
    draft.mobile = Some("9123456789".into());
    c.store.update_draft(id, &draft).unwrap();
    drop(c.store);

    let store = DeviceStore::open(&c.path, &KEY).unwrap();
    let view = store.registration(id).unwrap().unwrap();
    assert_eq!(view.status.state, RegistrationState::Draft);
    assert_eq!(view.form, draft, "the last saved form comes back");
    assert_eq!(
        store
            .member(&m.member_id)
            .unwrap()
            .unwrap()
            .device_registration,
        Some((id, RegistrationState::Draft))
    );
    let done = store.finalise(id, NOW, false).unwrap();
    assert_eq!(done.device_seq, 1);
}

#[test]
fn a_discarded_draft_is_gone_and_a_finalised_one_cannot_be_discarded() {
    let c = camp(300);
    let first = c
        .store
        .create_draft(&form(&eligible(&c.contents, 0)))
        .unwrap();
    c.store.discard_draft(first).unwrap();
    assert!(c.store.registration(first).unwrap().is_none());
    let second = register(&c.store, &eligible(&c.contents, 1));
    assert!(matches!(
        c.store.discard_draft(second),
        Err(StoreError::NotADraft)
    ));
    assert_eq!(c.store.outbox_stats().unwrap().queued, 1);
}

#[test]
fn a_full_pack_replaces_the_people_of_its_unit() {
    let c = camp(400);
    let dropped = c.contents.families[3].clone();
    let gone = c
        .contents
        .members
        .iter()
        .find(|m| m.family_id == dropped.family_id)
        .unwrap()
        .clone();
    let mut v2 = c.contents.clone();
    v2.families.retain(|f| f.family_id != dropped.family_id);
    v2.members.retain(|m| m.family_id != dropped.family_id);
    let before = c
        .store
        .search_names(&gone.name_en, Some(&c.unit), 500)
        .unwrap();
    assert!(
        before
            .iter()
            .any(|h| h.member.member.member_id == gone.member_id)
    );

    let bytes = pack::build_full(&info(&c.unit, 2), &v2, &c.server).unwrap();
    let summary = c
        .store
        .import_pack(&bytes, &[c.server.public_key()])
        .unwrap();
    assert_eq!((summary.from_version, summary.to_version), (Some(1), 2));

    assert!(c.store.member(&gone.member_id).unwrap().is_none());
    assert!(c.store.family(&dropped.family_id).unwrap().is_none());
    let after = c
        .store
        .search_names(&gone.name_en, Some(&c.unit), 500)
        .unwrap();
    assert!(
        after
            .iter()
            .all(|h| h.member.member.member_id != gone.member_id),
        "a member no longer in the pack is not found by name"
    );
    let unit = c.store.unit(&c.unit).unwrap().unwrap();
    assert_eq!(
        (unit.version, unit.family_count, unit.member_count),
        (2, v2.families.len() as u64, v2.members.len() as u64)
    );
    assert_eq!(
        c.store.families_in_unit(&c.unit).unwrap().len(),
        v2.families.len()
    );
}

#[test]
fn a_delta_removing_a_family_leaves_none_of_its_members_searchable() {
    let c = camp(400);
    let dropped = c.contents.families[5].family_id.clone();
    let mut v2 = c.contents.clone();
    v2.families.retain(|f| f.family_id != dropped);
    v2.members.retain(|m| m.family_id != dropped);
    let delta = pack::build_delta(&info(&c.unit, 2), 1, &c.contents, &v2, &c.server).unwrap();
    c.store
        .import_pack(&delta, &[c.server.public_key()])
        .unwrap();
    drop(c.store);

    let raw = rusqlite::Connection::open(&c.path).unwrap();
    let left: i64 = raw
        .query_row(
            "SELECT count(*) FROM name_tokens t LEFT JOIN members m USING (member_id)
             WHERE m.member_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "no search tokens point at removed members");
}

#[test]
fn a_sealed_record_moved_to_another_row_does_not_open() {
    let c = camp(100);
    let (a, b) = (&c.contents.members[0], &c.contents.members[1]);
    drop(c.store);
    let raw = rusqlite::Connection::open(&c.path).unwrap();
    raw.execute(
        "UPDATE members SET sealed = (SELECT sealed FROM members WHERE member_id = ?2)
         WHERE member_id = ?1",
        [a.member_id.as_str(), b.member_id.as_str()],
    )
    .unwrap();
    drop(raw);

    let store = DeviceStore::open(&c.path, &KEY).unwrap();
    assert!(
        matches!(store.member(&a.member_id), Err(StoreError::Corrupt)),
        "another person's record must not show under this ID"
    );
    assert_eq!(store.member(&b.member_id).unwrap().unwrap().member, *b);
}

#[test]
fn a_status_change_for_a_registration_still_queued_takes_it_out_of_the_outbox() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    let id = register(&c.store, &m);
    // The server stored the push but its answer never arrived; the status pull says approved.
    let change = StatusChange {
        id,
        member_id: m.member_id.clone(),
        state: RegistrationState::Approved,
        registration_number: Some("MP-401-2026-0000007".into()),
        reason: None,
        duplicate_of: None,
        changed_at: NOW,
    };
    assert_eq!(c.store.apply_status_changes(&[change], "3").unwrap(), 1);
    assert!(c.store.outbox_batch(10).unwrap().is_empty());
    let view = c.store.registration(id).unwrap().unwrap();
    assert_eq!(view.status.state, RegistrationState::Approved);
    assert_eq!(
        view.status.registration_number.as_deref(),
        Some("MP-401-2026-0000007")
    );
    assert_eq!(c.store.outbox_stats().unwrap().queued, 0);
}

#[test]
fn a_status_change_never_turns_a_draft_into_something_else() {
    let c = camp(300);
    let m = eligible(&c.contents, 0);
    let id = c.store.create_draft(&form(&m)).unwrap();
    let change = StatusChange {
        id,
        member_id: m.member_id.clone(),
        state: RegistrationState::Approved,
        registration_number: None,
        reason: None,
        duplicate_of: None,
        changed_at: NOW,
    };
    assert_eq!(c.store.apply_status_changes(&[change], "4").unwrap(), 0);
    assert_eq!(
        c.store.registration(id).unwrap().unwrap().status.state,
        RegistrationState::Draft
    );
    assert_eq!(c.store.status_cursor().unwrap(), "4");
}

#[test]
fn a_reopened_registration_gets_a_new_sequence_number_never_a_used_one() {
    let c = camp(300);
    let first = register(&c.store, &eligible(&c.contents, 0));
    let last = register(&c.store, &eligible(&c.contents, 1));
    c.store
        .apply_push_response(&PushResponse {
            results: vec![
                PushResult {
                    id: first,
                    outcome: PushOutcome::Accepted,
                },
                PushResult {
                    id: last,
                    outcome: PushOutcome::Invalid {
                        reasons: vec![Message::new("push.member_unknown")],
                    },
                },
            ],
            ..PushResponse::default()
        })
        .unwrap();
    let reopened = c.store.reopen_refused(last).unwrap();
    drop(c.store);

    let store = DeviceStore::open(&c.path, &KEY).unwrap();
    let again = store.finalise(reopened, NOW, false).unwrap();
    assert_eq!(
        again.device_seq, 3,
        "number 2 already named the refused record"
    );
}
