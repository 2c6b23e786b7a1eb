//! Races and take-overs, on both backends: twenty decisions at once on one registration (a
//! double-clicked Approve, an approve racing a reject) take effect once: one state, at most one
//! number, one SMS, one audit row; the rest change nothing and say why. A device is enrolled
//! again only by its own enroller, and a disabled user's devices stop syncing. The same batch
//! pushed eight times at once (a phone retrying) is stored once and answered 200 each time.

use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_server::harness::{Backend, TestServer};
use panjiyan_server::on_both_backends;
use serde_json::json;

async fn twenty_decisions_at_once(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let adult = phone.members_aged(20..=55).remove(0);
    let form = RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some("9876543210".into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        ..RegistrationForm::new(adult.member_id.clone(), "operator")
    };
    let id = phone.store.create_draft(&form).unwrap();
    phone
        .store
        .finalise(id, panjiyan_core::india_time::now_utc(), true)
        .unwrap();
    assert!(s.push_outbox(&phone).await.status().is_success());

    // Ten approvals and ten rejections, all sent before any is answered.
    let token = s.login("officer").await;
    let approve = json!({"decision": "approve"});
    let reject = json!({"decision": "reject", "reason": "not_resident"});
    let answers = panjiyan_server::harness::join_all((0..20).map(|i| {
        let (s, token) = (&s, &token);
        let body = if i % 2 == 0 { &approve } else { &reject };
        async move {
            let r = s.decide_with(token, id, body).await;
            let status = r.status().as_u16();
            (
                i % 2 == 0,
                status,
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    }))
    .await;

    let db = &s.app.db;
    let row = db.registration(&id.to_string()).await.unwrap().unwrap();
    let approved = row.state == "approved";
    assert!(approved || row.state == "rejected", "{}", row.state);
    assert_eq!(
        row.registration_number.is_some(),
        approved,
        "a number only if approved"
    );
    for (was_approve, status, body) in &answers {
        if *was_approve == approved {
            // The same decision again changes nothing and answers what was decided.
            assert_eq!(*status, 200, "{body}");
            assert_eq!(body["state"], row.state.as_str());
            assert_eq!(body["registration_number"], json!(row.registration_number));
        } else {
            assert_eq!(*status, 409, "{body}");
            assert_eq!(body["error"]["code"], "not_pending");
            let words = body["error"]["message"].as_str().unwrap();
            assert!(words.contains("not pending approval"), "{words}");
        }
    }
    let sms = db
        .notifications_for(&id.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.channel == "sms")
        .count();
    assert_eq!(sms, 1, "one SMS");
    assert_eq!(
        db.audit_for(&id.to_string()).await.unwrap().len(),
        1,
        "one audit row"
    );
    if approved {
        // The number sequence moved by one: the next approval gets the next number.
        let number = row.registration_number.unwrap();
        assert!(number.ends_with("0000001"), "{number}");
    }
}

on_both_backends!(
    twenty_decisions_at_once_take_effect_once,
    twenty_decisions_at_once
);

async fn enrolment_takeover(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let status = |token: String| {
        let s = &s;
        async move {
            s.http
                .get(format!("{}/api/v1/status", s.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    // Another user cannot enrol the operator's phone again (and take its area).
    let other = s.login("secretary-2").await;
    let r = s.enrol_key(&other, &phone.store.device_public_key()).await;
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("enrolled by another user"),
        "{body}"
    );
    assert_eq!(
        status(phone.token.clone()).await.status(),
        200,
        "the phone syncs as before"
    );
    // Its own enroller may: the old token stops, the new one works.
    let own = s.login("operator").await;
    let r = s.enrol_key(&own, &phone.store.device_public_key()).await;
    assert_eq!(r.status(), 201);
    let token = r.json::<serde_json::Value>().await.unwrap()["device_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status(phone.token.clone()).await.status(), 401);
    assert_eq!(status(token.clone()).await.status(), 200);
    // A disabled user's devices stop syncing.
    s.app.db.set_user_disabled("operator", true).await.unwrap();
    let r = status(token).await;
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "device_revoked");
}

on_both_backends!(
    a_device_is_enrolled_again_only_by_its_enroller_and_stops_with_them,
    enrolment_takeover
);

/// A phone retrying over a bad link sends its batch again while the first is still being
/// stored: eight identical pushes at once are all answered 200, each record stored once.
async fn the_same_batch_pushed_eight_times_at_once(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let adults = phone.members_aged(20..=55);
    let ids = phone.register(&adults[..30]);
    let answers = panjiyan_server::harness::join_all((0..8).map(|_| s.push_outbox(&phone))).await;
    for r in answers {
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    assert_eq!(s.app.db.count_registrations().await.unwrap(), 30);
    for id in ids {
        let row = s
            .app
            .db
            .registration(&id.to_string())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.state, "pending_approval", "not a duplicate of itself");
    }
}
on_both_backends!(
    same_batch_at_once,
    the_same_batch_pushed_eight_times_at_once
);

/// Four phones registered the same twenty workers offline (four camps in one village) and
/// push at the same moment: for each worker exactly one registration counts, and every other
/// is stored as its duplicate and answered so, naming that one; the partial unique index
/// decides between transactions that both found the worker unregistered.
async fn the_same_workers_from_four_phones_at_once(backend: Backend) {
    use panjiyan_core::wire::PushOutcome;
    use std::collections::HashMap;
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let mut phones = Vec::new();
    for _ in 0..4 {
        phones.push(s.enrol("operator").await);
    }
    let workers = phones[0].members_aged(20..=55)[..20].to_vec();
    // The test's ledger: which registration each phone made for each worker.
    let mut made: HashMap<uuid::Uuid, String> = HashMap::new();
    for phone in &phones {
        for (id, m) in phone.register(&workers).into_iter().zip(&workers) {
            made.insert(id, m.member_id.to_string());
        }
    }
    let answers = panjiyan_server::harness::join_all(phones.iter().map(|p| s.push_outbox(p))).await;
    let mut results = Vec::new();
    for r in answers {
        assert_eq!(r.status(), 200);
        results.extend(
            r.json::<panjiyan_core::wire::PushResponse>()
                .await
                .unwrap()
                .results,
        );
    }
    assert_eq!(results.len(), 80);
    let counting: HashMap<String, uuid::Uuid> = results
        .iter()
        .filter(|r| r.outcome == PushOutcome::Accepted)
        .map(|r| (made[&r.id].clone(), r.id))
        .collect();
    assert_eq!(counting.len(), 20, "one registration counts per worker");
    for r in &results {
        match &r.outcome {
            PushOutcome::Accepted => {}
            PushOutcome::DuplicateOf { first } => {
                assert_eq!(
                    Some(first),
                    counting.get(&made[&r.id]),
                    "the duplicate names the one that counts"
                )
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(s.app.db.count_registrations().await.unwrap(), 80);
    for (member, id) in &counting {
        let row = s
            .app
            .db
            .registration(&id.to_string())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.state.as_str(), &row.member_id),
            ("pending_approval", member)
        );
    }
}
on_both_backends!(
    same_workers_from_four_phones,
    the_same_workers_from_four_phones_at_once
);
