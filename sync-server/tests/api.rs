//! The HTTP API against a real server on 127.0.0.1, on SQLite and on PostgreSQL, driven by
//! real device stores from panjiyan-core.

use base64::Engine;
use panjiyan_core::messages::Lang;
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm, reject_reason_text};
use panjiyan_core::samagra::Member;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::wire::{
    BacklogReport, PushOutcome, PushRequest, PushResponse, SignedRegistration, StatusPage,
};
use panjiyan_server::harness::{Backend, PASSWORD, Phone, Setup, TestServer};
use panjiyan_server::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn form(m: &Member) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some("9876543210".into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        ..RegistrationForm::new(m.member_id.clone(), "op")
    }
}

fn register(phone: &Phone, m: &Member) -> uuid::Uuid {
    let id = phone.store.create_draft(&form(m)).unwrap();
    phone
        .store
        .finalise(id, panjiyan_core::india_time::now_utc(), true)
        .unwrap();
    id
}

async fn push_raw(
    s: &TestServer,
    token: &str,
    registrations: Vec<SignedRegistration>,
) -> reqwest::Response {
    let request = PushRequest {
        protocol: 1,
        registrations,
        backlog: BacklogReport {
            pending: 1,
            app_version: "test".into(),
            ..Default::default()
        },
        ..PushRequest::default()
    };
    s.http
        .post(format!("{}/api/v1/push", s.url))
        .bearer_auth(token)
        .json(&request)
        .send()
        .await
        .unwrap()
}

/// Pushes the phone's outbox and applies the answer, as the sync client will.
async fn sync(s: &TestServer, phone: &Phone) -> PushResponse {
    let batch: Vec<_> = phone.queued(200);
    let r = push_raw(s, &phone.token, batch).await;
    assert_eq!(r.status(), StatusCode::OK);
    let response: PushResponse = r.json().await.unwrap();
    phone.store.apply_push_response(&response).unwrap();
    response
}

async fn pull(s: &TestServer, phone: &Phone) -> StatusPage {
    let cursor = phone.store.status_cursor().unwrap();
    let page: StatusPage = s
        .http
        .get(format!("{}/api/v1/status?cursor={cursor}", s.url))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    phone
        .store
        .apply_status_changes(&page.changes, &page.cursor)
        .unwrap();
    page
}

async fn decide(s: &TestServer, officer: &str, id: uuid::Uuid, body: Value) -> reqwest::Response {
    s.decide_with(&s.login(officer).await, id, &body).await
}

async fn exactly_once_push_and_status(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let a = s.enrol("operator").await;
    let b = s.enrol("secretary").await;
    let people = a.members_aged(20..=55);
    let (first, second) = (register(&a, &people[0]), register(&a, &people[1]));
    let replay: Vec<_> = a.queued(10);

    let answer = sync(&s, &a).await;
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.outcome == PushOutcome::Accepted),
        "{answer:?}"
    );
    assert_eq!(a.store.outbox_stats().unwrap().queued, 0);

    // The same batch again (a retry after a lost answer): nothing new is stored.
    let again: PushResponse = push_raw(&s, &a.token, replay.clone())
        .await
        .json()
        .await
        .unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == PushOutcome::AlreadyHad)
    );
    assert_eq!(s.app.db.count_registrations().await.unwrap(), 2);

    // Same id, different content: refused, not stored.
    let mut forged: Value = serde_json::from_str(&replay[0].payload).unwrap();
    forged["occupation_code"] = json!("tailoring");
    let payload = forged.to_string();
    let conflict = SignedRegistration {
        signature: replay[0].signature.clone(),
        payload,
    };
    let r: PushResponse = push_raw(&s, &a.token, vec![conflict])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        r.results[0].outcome,
        PushOutcome::BadSignature,
        "a changed payload no longer matches its signature"
    );

    // Another device registers the same member offline: kept as a duplicate of the first.
    let dup = register(&b, &people[0]);
    let r = sync(&s, &b).await;
    assert_eq!(r.results[0].outcome, PushOutcome::DuplicateOf { first });
    assert_eq!(
        b.store
            .registration(dup)
            .unwrap()
            .unwrap()
            .status
            .duplicate_of,
        Some(first)
    );

    // The officer approves one and rejects the other; both come back to the phone.
    let approved: Value = decide(&s, "officer", first, json!({"decision": "approve"}))
        .await
        .json()
        .await
        .unwrap();
    let number = approved["registration_number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("23-401-"), "{number}");
    let twice: Value = decide(&s, "officer", first, json!({"decision": "approve"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        twice["registration_number"],
        number.as_str(),
        "approving twice changes nothing"
    );
    let rejected = decide(
        &s,
        "officer",
        second,
        json!({"decision": "reject", "reason": "not_a_worker"}),
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let page = pull(&s, &a).await;
    assert!(page.changes.len() >= 2);
    let view = a.store.registration(first).unwrap().unwrap();
    assert_eq!(
        view.status.registration_number.as_deref(),
        Some(number.as_str())
    );
    assert_eq!(
        a.store
            .registration(second)
            .unwrap()
            .unwrap()
            .status
            .reason
            .as_deref(),
        Some("not_a_worker")
    );
    let empty = pull(&s, &a).await;
    assert!(
        empty.changes.is_empty(),
        "a cursor never gives the same change twice"
    );
    s.stop().await;
}
on_both_backends!(
    a_registration_is_stored_once_and_its_status_comes_back,
    exactly_once_push_and_status
);

async fn one_bad_record_never_fails_the_batch(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let a = s.enrol("operator").await;
    let people = a.members_aged(20..=55);
    register(&a, &people[0]);
    register(&a, &people[1]);
    let mut batch: Vec<_> = a.queued(10);
    // A device that skips the checks the real app runs: its key signs whatever it is given.
    let rogue = panjiyan_core::keys::SigningKey::generate().unwrap();
    let login = s.login("operator").await;
    let enrolled: Value = s
        .enrol_key(&login, &rogue.public_key())
        .await
        .json()
        .await
        .unwrap();
    let mut payload: panjiyan_core::wire::RegistrationPayload =
        serde_json::from_str(&batch[0].payload).unwrap();
    payload.id = uuid::Uuid::now_v7();
    payload.device_id = rogue.key_id().to_owned();
    payload.member_id = people[2].member_id.clone();
    payload.family_id = people[2].family_id.clone();
    payload.facts.income_tax_payer = true;
    payload.occupation_code = "astronaut".into();
    let ineligible = SignedRegistration::sign(&payload, &rogue);
    let r: PushResponse = push_raw(
        &s,
        enrolled["device_token"].as_str().unwrap(),
        vec![ineligible],
    )
    .await
    .json()
    .await
    .unwrap();
    match &r.results[0].outcome {
        PushOutcome::Invalid { reasons } => {
            let keys: Vec<_> = reasons.iter().map(|m| m.key.as_str()).collect();
            assert_eq!(
                keys,
                ["form.occupation_unknown", "eligibility.income_tax_payer"],
                "the server runs the device's rules"
            );
        }
        other => panic!("expected invalid, got {other:?}"),
    }

    // In one batch: a good record, a tampered signature, and garbage: each answered alone.
    batch[1].signature = base64::engine::general_purpose::STANDARD.encode([0u8; 64]);
    batch.push(SignedRegistration {
        payload: "{not json".into(),
        signature: "AAAA".into(),
    });
    let r: PushResponse = push_raw(&s, &a.token, batch).await.json().await.unwrap();
    assert_eq!(r.results.len(), 3);
    assert_eq!(r.results[0].outcome, PushOutcome::Accepted);
    assert_eq!(r.results[1].outcome, PushOutcome::BadSignature);
    assert_eq!(r.results[2].outcome, PushOutcome::BadSignature);
    assert_eq!(s.app.db.count_registrations().await.unwrap(), 1);
    s.stop().await;
}
on_both_backends!(
    a_bad_record_is_answered_alone,
    one_bad_record_never_fails_the_batch
);

async fn revoked_devices_and_limits(backend: Backend) {
    let settings = panjiyan_server::app::Settings {
        max_body_bytes: 64 * 1024,
        ..Default::default()
    };
    let Some(s) = TestServer::start_with(
        backend,
        Setup {
            settings,
            ..Setup::every_role()
        },
    )
    .await
    else {
        return;
    };
    let a = s.enrol("operator").await;
    register(&a, &a.members_aged(20..=55)[0]);
    // A gzip body is accepted.
    let batch: Vec<_> = a.queued(10);
    let json = serde_json::to_vec(&PushRequest {
        protocol: 1,
        registrations: batch,
        backlog: BacklogReport::default(),
        ..PushRequest::default()
    })
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &json).unwrap();
    let r = s
        .http
        .post(format!("{}/api/v1/push", s.url))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r: PushResponse = r.json().await.unwrap();
    assert_eq!(r.results[0].outcome, PushOutcome::Accepted);
    // An oversized body gets a clear 413.
    let big = "x".repeat(200 * 1024);
    let r = s
        .http
        .post(format!("{}/api/v1/push", s.url))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "body_too_large");
    // Revoked: refused at once, everywhere.
    let collector = s.login("collector").await;
    let r = s
        .http
        .post(format!(
            "{}/api/v1/devices/{}/revoke",
            s.url,
            a.store.device_id()
        ))
        .bearer_auth(&collector)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = push_raw(&s, &a.token, vec![]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "device_revoked"
    );
    let r = s
        .http
        .get(format!("{}/api/v1/units", s.url))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.stop().await;
}
on_both_backends!(
    revoked_devices_gzip_and_body_limits,
    revoked_devices_and_limits
);

async fn sign_in_and_jurisdiction(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let bad = |user: &str, pw: &str| {
        s.http
            .post(format!("{}/api/v1/login", s.url))
            .json(&json!({"username": user, "password": pw}))
            .send()
    };
    assert_eq!(
        bad("operator", "wrong").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bad("nobody", "wrong").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    for _ in 0..5 {
        bad("officer-2", "wrong").await.unwrap();
    }
    let limited = bad("officer-2", PASSWORD).await.unwrap();
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits after too many failures"
    );
    let r = s
        .http
        .post(format!("{}/api/v1/login", s.url))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );

    // An operator cannot decide; an officer of another block cannot see or decide.
    let a = s.enrol("operator").await;
    let id = register(&a, &a.members_aged(20..=55)[0]);
    sync(&s, &a).await;
    assert_eq!(
        decide(&s, "operator", id, json!({"decision": "approve"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = decide(
        &s,
        "collector",
        id,
        json!({"decision": "reject", "reason": " "}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A reason must be one of the codes, so the worker can be told it in their language.
    let r = decide(
        &s,
        "collector",
        id,
        json!({"decision": "reject", "reason": "looked wrong"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unknown_reason", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not_resident")
    );
    // officer-2 is rate limited above; use the other-area secretary's view instead.
    let other = s.login("secretary-2").await;
    let r = s
        .http
        .get(format!("{}/api/v1/registrations/{id}", s.url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let units: Vec<Value> = s
        .http
        .get(format!("{}/api/v1/units", s.url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<Value> = s
        .http
        .get(format!("{}/api/v1/units", s.url))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let foreign = mine[0]["code"].as_str().unwrap();
    assert!(units.iter().all(|u| u["code"] != foreign));
    let r = s
        .http
        .get(format!("{}/api/v1/units/{foreign}/pack", s.url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a pack outside the jurisdiction looks like no pack"
    );
    // The collector of the district reaches it.
    let r = s
        .http
        .get(format!("{}/api/v1/registrations/{id}", s.url))
        .bearer_auth(s.login("collector").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}
on_both_backends!(
    sign_in_rate_limits_and_jurisdictions,
    sign_in_and_jurisdiction
);

async fn pack_downloads_resume_and_revalidate(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let token = s.login("secretary").await;
    let units: Vec<Value> = s
        .http
        .get(format!("{}/api/v1/units", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!(
        "{}/api/v1/units/{}/pack",
        s.url,
        units[0]["code"].as_str().unwrap()
    );
    let full = s.http.get(&url).bearer_auth(&token).send().await.unwrap();
    let etag = full.headers()["etag"].to_str().unwrap().to_owned();
    let full = full.bytes().await.unwrap();
    let half = full.len() / 2;
    let rest = s
        .http
        .get(&url)
        .bearer_auth(&token)
        .header("range", format!("bytes={half}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    let mut joined = full[..half].to_vec();
    joined.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(
        joined,
        full.to_vec(),
        "a resumed download gives the same bytes"
    );
    let same = s
        .http
        .get(&url)
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::NOT_MODIFIED);
    // Resuming a pack that is no longer the current one: the whole current pack comes back.
    let stale = s
        .http
        .get(&url)
        .bearer_auth(&token)
        .header("range", format!("bytes={half}-"))
        .header("if-range", "\"an-older-pack\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(
        stale.bytes().await.unwrap(),
        full,
        "the whole pack, not its tail"
    );
    let current = s
        .http
        .get(&url)
        .bearer_auth(&token)
        .header("range", format!("bytes={half}-"))
        .header("if-range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), StatusCode::PARTIAL_CONTENT);
    let bad = s
        .http
        .get(&url)
        .bearer_auth(&token)
        .header("range", format!("bytes={}-", full.len() + 5))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let v1 = units[0]["pack_version"].as_i64().unwrap();
    assert_eq!(
        s.http
            .get(format!("{url}?from={v1}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_MODIFIED
    );

    // Samagra data changes: a new version, and a delta from the old one applies on a device.
    let mut members: Vec<_> = s
        .district
        .members
        .iter()
        .filter(|m| {
            s.district.families.iter().any(|f| {
                f.family_id == m.family_id
                    && f.unit_code.as_str() == units[0]["code"].as_str().unwrap()
            })
        })
        .cloned()
        .collect();
    members[0].name_en = "Renamed Person".into();
    let changed = s
        .app
        .db
        .upsert_samagra(&[], &members[..1], panjiyan_server::storage::now_ms())
        .await
        .unwrap();
    assert_eq!(changed.changed_units, [units[0]["code"].as_str().unwrap()]);
    // Listing never builds (the background loop does): until then the unit shows no pack.
    let listed: Vec<Value> = s
        .http
        .get(format!("{}/api/v1/units", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = units[0]["code"].as_str().unwrap();
    let same = listed.iter().find(|u| u["code"] == code).unwrap();
    assert!(same["pack_version"].is_null(), "{same}");
    assert_eq!(
        panjiyan_server::packs::build_missing(&s.app, 50)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        panjiyan_server::packs::build_missing(&s.app, 50)
            .await
            .unwrap(),
        0
    );
    let delta = s
        .http
        .get(format!("{url}?from={v1}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(delta.status(), StatusCode::OK);
    let delta = delta.bytes().await.unwrap();
    // Built once and kept: the next phone of the village gets the very same bytes, even a
    // second later (a rebuilt delta would carry another build time).
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let again = s
        .http
        .get(format!("{url}?from={v1}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, delta, "the kept delta");
    assert!(
        delta.len() < full.len() / 2,
        "a one-member delta is small: {} vs {}",
        delta.len(),
        full.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let store = DeviceStore::open(dir.path().join("d.db"), &[3; 32]).unwrap();
    let key = s.app.pack_key.public_key();
    store
        .import_pack(&full, std::slice::from_ref(&key))
        .unwrap();
    store
        .import_pack(&delta, std::slice::from_ref(&key))
        .unwrap();
    assert_eq!(
        store
            .member(&members[0].member_id)
            .unwrap()
            .unwrap()
            .member
            .name_en,
        "Renamed Person"
    );
    s.stop().await;
}
on_both_backends!(
    pack_downloads_resume_revalidate_and_delta,
    pack_downloads_resume_and_revalidate
);

#[tokio::test]
async fn health_readiness_metrics_and_openapi_answer() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    assert_eq!(
        s.http
            .get(format!("{}/healthz", s.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        s.http
            .get(format!("{}/readyz", s.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let doc: Value = s
        .http
        .get(format!("{}/api/openapi.json", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/login",
        "/api/v1/devices",
        "/api/v1/push",
        "/api/v1/status",
        "/api/v1/units/{code}/pack",
        "/api/v1/registrations/{id}/decision",
        "/api/v1/camps",
        "/api/v1/queue",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    let metrics = s
        .http
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("panjiyan_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{metrics}"
    );
    let r = s
        .http
        .get(format!("{}/no/such/path", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    s.stop().await;
}

async fn concurrent_pushes(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phones = [
        s.enrol("operator").await,
        s.enrol("secretary").await,
        s.enrol("operator").await,
    ];
    let people = phones[0].members_aged(20..=55);
    for (i, phone) in phones.iter().enumerate() {
        for m in people.iter().skip(i).step_by(phones.len()).take(12) {
            register(phone, m);
        }
    }
    // Every phone pushes its batches at the same moment: SQLite must queue writers, not fail.
    let pushes = phones.iter().map(|p| {
        let batches: Vec<Vec<SignedRegistration>> = p
            .store
            .outbox_batch(100)
            .unwrap()
            .chunks(4)
            .map(|c| c.iter().map(|i| i.signed.clone()).collect())
            .collect();
        let s = &s;
        let token = p.token.clone();
        async move {
            let mut outcomes = Vec::new();
            for batch in batches {
                let r = push_raw(s, &token, batch).await;
                assert_eq!(r.status(), StatusCode::OK);
                outcomes.extend(r.json::<PushResponse>().await.unwrap().results);
            }
            outcomes
        }
    });
    let all: Vec<_> = panjiyan_server::harness::join_all(pushes)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(all.len(), 36);
    assert!(
        all.iter().all(|r| r.outcome == PushOutcome::Accepted),
        "{all:?}"
    );
    assert_eq!(s.app.db.count_registrations().await.unwrap(), 36);
    s.stop().await;
}
on_both_backends!(
    concurrent_pushes_from_many_devices_all_land,
    concurrent_pushes
);

async fn every_role_outside_its_area(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // A registration in the second gram panchayat's village, made by its own secretary.
    let b = s.enrol("secretary-2").await;
    let id = register(&b, &b.members_aged(20..=55)[0]);
    sync(&s, &b).await;
    let row = s
        .app
        .db
        .registration(&id.to_string())
        .await
        .unwrap()
        .unwrap();
    let foreign_unit = row.unit_code.clone();
    let ward = s.places(panjiyan_core::location::Level::Ward)[0].to_string();
    for user in ["operator", "secretary", "officer"] {
        let token = s.login(user).await;
        for unit in [&foreign_unit, &ward] {
            let r = s
                .http
                .get(format!("{}/api/v1/units/{unit}/pack", s.url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            // The officer holds no camps: no pack at all; the others none outside their area.
            let refused = if user == "officer" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status(), refused, "{user} reached the pack of {unit}");
        }
        let units: Vec<Value> = s
            .http
            .get(format!("{}/api/v1/units", s.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            units
                .iter()
                .all(|u| u["code"] != foreign_unit.as_str() && u["code"] != ward.as_str()),
            "{user} lists a foreign unit"
        );
        let r = s
            .http
            .get(format!("{}/api/v1/registrations/{id}", s.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "{user} saw a registration outside its area"
        );
        let r = s
            .http
            .post(format!("{}/api/v1/registrations/{id}/decision", s.url))
            .bearer_auth(&token)
            .json(&json!({"decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{user} decided outside its area"
        );
    }
    // A device enrolled in the first panchayat cannot pull the second's pack either.
    let a = s.enrol("operator").await;
    let r = s
        .http
        .get(format!("{}/api/v1/units/{foreign_unit}/pack", s.url))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The district and the state reach every registration, but no village's pack (those are
    // for the staff who hold camps); the registration stays pending throughout.
    for user in ["collector", "state"] {
        let token = s.login(user).await;
        let r = s
            .http
            .get(format!("{}/api/v1/registrations/{id}", s.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{user}");
        let r = s
            .http
            .get(format!("{}/api/v1/units/{ward}/pack", s.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{user}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "packs_for_camp_staff");
    }
    assert_eq!(
        s.app
            .db
            .registration(&id.to_string())
            .await
            .unwrap()
            .unwrap()
            .state,
        "pending_approval"
    );
    s.stop().await;
}
on_both_backends!(
    every_role_is_kept_to_its_own_area,
    every_role_outside_its_area
);

/// A gateway that always fails, to see retries recorded.
struct DownGateway;

impl panjiyan_server::notify::Gateway for DownGateway {
    fn send<'a>(
        &'a self,
        _: &'a panjiyan_server::notify::Outgoing,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<String, panjiyan_server::notify::GatewayError>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(async {
            Err(panjiyan_server::notify::GatewayError::Unreachable(
                "test gateway is down".into(),
            ))
        })
    }
}

async fn the_worker_is_told(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let a = s.enrol("operator").await;
    let people = a.members_aged(20..=55);
    let (approved, rejected) = (register(&a, &people[0]), register(&a, &people[1]));
    register(&a, &people[2]);
    sync(&s, &a).await;
    decide(&s, "officer", approved, json!({"decision": "approve"})).await;
    decide(&s, "officer", approved, json!({"decision": "approve"})).await;
    decide(
        &s,
        "officer",
        rejected,
        json!({"decision": "reject", "reason": "not_a_worker"}),
    )
    .await;

    // The decision wrote one SMS and one voice message, in Hindi, with the number; approving
    // twice did not write them twice. The audit log names the officer.
    let token = s.login("officer").await;
    let history: Value = s
        .http
        .get(format!("{}/api/v1/registrations/{approved}/history", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let notes = history["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{history}");
    let number = s
        .app
        .db
        .registration(&approved.to_string())
        .await
        .unwrap()
        .unwrap()
        .registration_number
        .unwrap();
    assert_eq!(
        (notes[0]["channel"].as_str(), notes[1]["channel"].as_str()),
        (Some("sms"), Some("voice"))
    );
    assert!(
        notes[0]["body"].as_str().unwrap().contains(&number)
            && notes[0]["body"].as_str().unwrap().contains("स्वीकृत")
    );
    assert_eq!(history["audit"][0]["username"], "officer");
    assert_eq!(history["audit"][0]["action"], "approve");

    // The dispatcher delivers each once, across runs (a restart re-runs it).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sms.jsonl");
    assert_eq!(
        panjiyan_server::notify::dispatch_once(&s.app, &DownGateway)
            .await
            .unwrap(),
        0
    );
    let history: Value = s
        .http
        .get(format!("{}/api/v1/registrations/{approved}/history", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["notifications"][0]["attempts"], 1,
        "a failed attempt is recorded"
    );
    assert_eq!(
        history["notifications"][0]["state"], "pending",
        "and retried later"
    );
    // Make the retry due now, then deliver through the file gateway twice.
    let gateway = panjiyan_server::notify::FileGateway::new(&file);
    sqlx_due_now(&s).await;
    assert_eq!(
        panjiyan_server::notify::dispatch_once(&s.app, &gateway)
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        panjiyan_server::notify::dispatch_once(&s.app, &gateway)
            .await
            .unwrap(),
        0
    );
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        lines.lines().count(),
        4,
        "approved and rejected: an SMS and a voice message each"
    );
    // The file keeps the worker's number masked; a second gateway on the same file (the
    // server restarted) writes nothing twice.
    assert!(
        !lines.contains("9876543210") && lines.contains("XXXXXX3210"),
        "{lines}"
    );
    let again = panjiyan_server::notify::FileGateway::new(&file);
    for line in lines.lines() {
        use panjiyan_server::notify::Gateway;
        let sent: Value = serde_json::from_str(line).unwrap();
        let resent = panjiyan_server::notify::Outgoing {
            id: sent["id"].as_i64().unwrap(),
            channel: sent["channel"].as_str().unwrap().into(),
            recipient: "9876543210".into(),
            template_id: sent["template_id"].as_str().unwrap().into(),
            language: sent["language"].as_str().unwrap().into(),
            body: sent["body"].as_str().unwrap().into(),
            attempts: 2,
        };
        again.send(&resent).await.unwrap();
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 4);
    // The worker reads the reason as a sentence in their language, never as a code.
    assert!(!lines.contains("not_a_worker"), "{lines}");
    assert!(
        [Lang::Hi, Lang::En]
            .iter()
            .any(|l| lines.contains(&reject_reason_text("not_a_worker", *l))),
        "{lines}"
    );

    // The worker looks up their own status with only the Samagra member ID.
    let status = |id: String| {
        s.http
            .get(format!("{}/api/v1/worker-status/{id}", s.url))
            .send()
    };
    let a1: Value = status(people[0].member_id.to_string())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a1["status"], "approved");
    assert_eq!(a1["registration_number"], number.as_str());
    assert_ne!(a1["name"], people[0].name_en.as_str(), "the name is masked");
    assert!(a1["name"].as_str().unwrap().contains('*'));
    let a2: Value = status(people[1].member_id.to_string())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (a2["status"].as_str(), a2["reason"].as_str()),
        (Some("rejected"), Some("not_a_worker"))
    );
    let a3: Value = status(people[2].member_id.to_string())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a3["status"], "pending");
    let unknown: Value = status("999999999".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unregistered: Value = status(people[5].member_id.to_string())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unknown["status"], "not_found");
    assert_eq!(
        unknown, unregistered,
        "an unknown ID and an unregistered one answer the same"
    );
    assert_eq!(
        status("12".into()).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let page = s
        .http
        .get(format!(
            "{}/status?member_id={}",
            s.url, people[0].member_id
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&number) && page.contains("पंजीकृत"), "{page}");
    let mut last = StatusCode::OK;
    for _ in 0..25 {
        last = status("999999999".into()).await.unwrap().status();
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "look-ups are rate-limited per client"
    );
    s.stop().await;
}
on_both_backends!(
    the_worker_is_told_by_sms_and_voice_and_can_look_up_status,
    the_worker_is_told
);

/// Makes every pending message due now (the failed attempt scheduled a retry for later).
async fn sqlx_due_now(s: &TestServer) {
    let url = &s.database_url;
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query("UPDATE notifications SET next_attempt_at = 0")
            .execute(&pool)
            .await
            .unwrap();
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query("UPDATE notifications SET next_attempt_at = 0")
            .execute(&pool)
            .await
            .unwrap();
    }
}

async fn officers_queue(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let a = s.enrol("operator").await;
    let people = a.members_aged(20..=55);
    let ids: Vec<_> = people.iter().take(3).map(|m| register(&a, m)).collect();
    sync(&s, &a).await;
    decide(&s, "officer", ids[1], json!({"decision": "approve"})).await;
    let queue = |user: &'static str, query: &'static str| {
        let s = &s;
        async move {
            let token = s.login(user).await;
            s.http
                .get(format!("{}/api/v1/queue{query}", s.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let q: Value = queue("officer", "").await.json().await.unwrap();
    assert_eq!(q["total"], 2, "the approved one left the queue: {q}");
    let listed: Vec<&str> = q["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [ids[0].to_string(), ids[2].to_string()],
        "oldest first"
    );
    let unit = q["registrations"][0]["unit_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let none: Value = queue("officer", "?occupation=tailoring")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);
    let other_block: Value = queue("officer-2", "").await.json().await.unwrap();
    assert_eq!(
        other_block["total"], 0,
        "another block's officer sees none of it"
    );
    assert_eq!(queue("operator", "").await.status(), StatusCode::FORBIDDEN);
    let by_unit = s
        .http
        .get(format!(
            "{}/api/v1/queue?unit={unit}&occupation=construction",
            s.url
        ))
        .bearer_auth(s.login("collector").await)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(by_unit["total"].as_i64().unwrap() >= 1);
    s.stop().await;
}
on_both_backends!(
    an_officer_sees_the_pending_queue_of_their_area_oldest_first,
    officers_queue
);
