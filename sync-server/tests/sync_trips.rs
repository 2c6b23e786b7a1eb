//! A sync spends no trip it can save: the last push asks for the status changes and gets them
//! in its own answer, so a camp's sync on 2G is one request when its outbox fits a batch (two
//! batches, two requests); the backlog the server records is what the phone holds after the
//! push, not before it. Both backends, with the real sync client.

use panjiyan_core::registration::RegistrationState;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig, SyncReport};
use panjiyan_core::wire::PushOutcome;
use panjiyan_server::harness::{
    Backend, TestServer, members_aged_on, register_workers, set_up_operator,
};
use panjiyan_server::on_both_backends;
use panjiyan_server::storage::Db;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// What the server last recorded of the device's backlog: registrations it holds unsent, and
/// whether it named an oldest one.
async fn recorded_backlog(db: &Db, device_id: &str) -> (i64, bool) {
    let sql = "SELECT pending, oldest_pending_at IS NOT NULL FROM devices WHERE device_id = $1";
    match db {
        Db::Sqlite(pool) => sqlx::query_as(sql)
            .bind(device_id)
            .fetch_one(pool)
            .await
            .unwrap(),
        Db::Postgres(pool) => sqlx::query_as(sql)
            .bind(device_id)
            .fetch_one(pool)
            .await
            .unwrap(),
    }
}

/// Registers the next `n` working-age members of the phone's packs not yet registered there:
/// their registration ids.
fn register(store: &DeviceStore, n: usize) -> Vec<Uuid> {
    let taken: Vec<_> = store
        .registrations(None)
        .unwrap()
        .into_iter()
        .map(|r| r.form.member_id)
        .collect();
    let next: Vec<_> = members_aged_on(store, 20..=55)
        .into_iter()
        .filter(|m| !taken.contains(&m.member_id))
        .take(n)
        .collect();
    register_workers(store, &next)
}

async fn sync(store: &Arc<DeviceStore>, client: &Arc<SyncClient>) -> SyncReport {
    let (st, cl) = (store.clone(), client.clone());
    tokio::task::spawn_blocking(move || cl.sync(&st, &|_, _| {}).unwrap())
        .await
        .unwrap()
}

async fn trips(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (url, path) = (s.url.clone(), dir.path().to_owned());
    let (store, client) = tokio::task::spawn_blocking(move || {
        let store = DeviceStore::open(path.join("phone.db"), &[5; 32]).unwrap();
        let client = SyncClient::new(SyncConfig {
            batch_size: 2,
            ..SyncConfig::new(&url, path.join("downloads"))
        })
        .unwrap();
        set_up_operator(&store, &client);
        (Arc::new(store), Arc::new(client))
    })
    .await
    .unwrap();
    let device_id = store.device_id().to_owned();

    // Two registrations, one batch: pushed, acknowledged and their status pulled in one trip.
    let first = register(&store, 2);
    let report = sync(&store, &client).await;
    assert_eq!(report.round_trips, 1, "{report:?}");
    assert_eq!((report.sent, report.acknowledged), (2, 2));
    assert_eq!(report.statuses_received, 2, "{report:?}");
    assert!(report.clock_skew_seconds.is_some(), "the push's Date read");
    assert_eq!(store.outbox_stats().unwrap().queued, 0);
    assert_eq!(
        recorded_backlog(&s.app.db, &device_id).await,
        (0, false),
        "the server counts what the phone holds after the push"
    );

    // An officer approves one; the next sync has nothing to push and still one trip, which
    // brings the number the officer's answer gave.
    let officer = s.login("officer").await;
    let approved: serde_json::Value = s
        .http
        .post(format!(
            "{}/api/v1/registrations/{}/decision",
            s.url, first[0]
        ))
        .bearer_auth(&officer)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = approved["registration_number"].as_str().unwrap().to_owned();
    let report = sync(&store, &client).await;
    assert_eq!(report.round_trips, 1, "{report:?}");
    assert_eq!((report.sent, report.statuses_received), (0, 1));
    let status = store.registration(first[0]).unwrap().unwrap().status;
    assert_eq!(status.state, RegistrationState::Approved);
    assert_eq!(status.registration_number.as_deref(), Some(number.as_str()));
    let other = store.registration(first[1]).unwrap().unwrap().status;
    assert_eq!(other.state, RegistrationState::PendingApproval);

    // Three more with batches of two: two pushes, the second bringing the status.
    let more = register(&store, 3);
    assert_eq!(more.len(), 3);
    let report = sync(&store, &client).await;
    assert_eq!(report.round_trips, 2, "{report:?}");
    assert_eq!((report.sent, report.acknowledged), (3, 3));
    assert_eq!(report.statuses_received, 3);
    assert_eq!(recorded_backlog(&s.app.db, &device_id).await, (0, false));
    for id in more {
        let status = store.registration(id).unwrap().unwrap().status;
        assert_eq!(status.state, RegistrationState::PendingApproval);
    }
}

on_both_backends!(a_sync_that_fits_one_batch_is_one_round_trip, trips);

/// A push asking for status with a cursor this server never gave is refused before anything
/// is stored: the phone's retry would otherwise meet a push that had landed.
async fn bad_cursor(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let members = phone.members_aged(20..=55);
    phone.register(&members[..1]);
    let batch: Vec<_> = phone.queued(10);
    let request = |cursor: &str| panjiyan_core::wire::PushRequest {
        protocol: 1,
        registrations: batch.clone(),
        status_cursor: Some(cursor.to_owned()),
        ..Default::default()
    };
    let r = s
        .http
        .post(format!("{}/api/v1/push", s.url))
        .bearer_auth(&phone.token)
        .json(&request("not-a-cursor"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_cursor");
    let r = s
        .http
        .post(format!("{}/api/v1/push", s.url))
        .bearer_auth(&phone.token)
        .json(&request(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: panjiyan_core::wire::PushResponse = r.json().await.unwrap();
    assert!(
        matches!(answer.results[0].outcome, PushOutcome::Accepted),
        "stored now, not before: {answer:?}"
    );
    let status = answer.status.expect("the status asked for");
    assert_eq!(status.changes.len(), 1);
    assert!(!status.more);
    assert!(status.camps.is_some() && status.pack_key_id.is_some());
}

on_both_backends!(a_bad_status_cursor_stores_nothing, bad_cursor);

/// One signature over a push stands for all its records: a push whose batch signature does
/// not hold (a record changed after signing, or another device's key) has every record
/// answered "bad signature" and stores nothing; the same push signed right is taken whole.
async fn batch_signature(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let members = phone.members_aged(20..=55);
    phone.register(&members[..3]);
    let mut request = panjiyan_core::wire::PushRequest {
        protocol: 1,
        registrations: phone.queued(10),
        ..Default::default()
    };
    phone.store.sign_push(&mut request);
    assert!(
        request.registrations.iter().all(|r| r.signature.is_empty()),
        "no record carries a signature of its own"
    );
    let push = |request: &panjiyan_core::wire::PushRequest| {
        s.http
            .post(format!("{}/api/v1/push", s.url))
            .bearer_auth(&phone.token)
            .json(request)
            .send()
    };
    let outcomes = |answer: panjiyan_core::wire::PushResponse| -> Vec<PushOutcome> {
        answer.results.into_iter().map(|r| r.outcome).collect()
    };

    // A record changed after the batch was signed (another occupation).
    let mut tampered = request.clone();
    tampered.registrations[1].payload = tampered.registrations[1]
        .payload
        .replace("\"construction\"", "\"agriculture\"");
    let answer = push(&tampered).await.unwrap().json().await.unwrap();
    assert_eq!(outcomes(answer), vec![PushOutcome::BadSignature; 3]);
    // Signed by another device's key.
    let dir = tempfile::tempdir().unwrap();
    let other = DeviceStore::open(dir.path().join("other.db"), &[7; 32]).unwrap();
    let mut forged = request.clone();
    other.sign_push(&mut forged);
    let answer = push(&forged).await.unwrap().json().await.unwrap();
    assert_eq!(outcomes(answer), vec![PushOutcome::BadSignature; 3]);

    // Signed right: all three taken now (so nothing was stored before).
    let answer = push(&request).await.unwrap().json().await.unwrap();
    assert_eq!(outcomes(answer), vec![PushOutcome::Accepted; 3]);
}

on_both_backends!(one_signature_stands_for_the_whole_push, batch_signature);
