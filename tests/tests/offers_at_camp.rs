//! Answering an offer of work at a camp with no signal, on both backends: a returned migrant
//! registered on the panchayat's phone and approved is offered work (through the services);
//! the phone's sync brings the open offer for that member; the signal goes (the phone's server
//! address answers nothing); the worker accepts on the phone; the server comes back (crashed
//! and started again on the same data) and the phone syncs twice: the offer is accepted once,
//! through the camp, the funnel counts one acceptance, and another phone of the area that
//! declines the same offer afterwards is told it was already answered.

use panjiyan_core::india_time;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig, SyncError, SyncReport};
use panjiyan_server::harness::{Backend, PASSWORD, TestServer, free_port, migrant_form};
use panjiyan_server::on_both_backends;
use panjiyan_server::rozgar::funnel;
use panjiyan_server::storage::FunnelBy;
use panjiyan_tests::phone::set_up_retrying;
use std::sync::Arc;
use std::time::Duration;

fn client(url: &str, dir: &std::path::Path) -> SyncClient {
    SyncClient::new(SyncConfig {
        attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        connect_timeout: Duration::from_secs(2),
        ..SyncConfig::new(url, dir.join("downloads"))
    })
    .unwrap()
}

/// One sync of `store` with the server at `url`, as the app runs it (a blocking client, made
/// and dropped off the test's runtime).
async fn sync(store: &Arc<DeviceStore>, url: &str) -> Result<SyncReport, SyncError> {
    let (store, url) = (store.clone(), url.to_owned());
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        client(&url, dir.path()).sync(&store, &|_, _| {})
    })
    .await
    .unwrap()
}

/// A phone of the operator's area: enrolled, every pack downloaded.
async fn phone(s: &TestServer, dir: &std::path::Path, n: u8) -> Arc<DeviceStore> {
    let store = Arc::new(DeviceStore::open(dir.join(format!("phone-{n}.db")), &[n; 32]).unwrap());
    let (st, url, dir) = (store.clone(), s.url.clone(), dir.join(format!("phone-{n}")));
    tokio::task::spawn_blocking(move || {
        let cl = client(&url, &dir);
        set_up_retrying(&st, &cl, "operator", PASSWORD, 3, &format!("phone {n}"))
    })
    .await
    .unwrap();
    store
}

async fn accepted_offline_synced_once(backend: Backend) {
    let Some(mut s) = TestServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = phone(&s, dir.path(), 1).await;
    let other = phone(&s, dir.path(), 2).await;

    // A returned migrant registered on the phone, synced and approved by the officer.
    let today = india_time::today();
    let migrant = store
        .units()
        .unwrap()
        .iter()
        .flat_map(|u| store.families_in_unit(&u.code).unwrap())
        .flat_map(|f| f.members)
        .map(|m| m.member)
        .find(|m| (20..=50).contains(&m.birth.age_on(today)))
        .unwrap();
    let member = migrant.member_id.to_string();
    let id = store
        .create_draft(&migrant_form(&migrant, "9876500033"))
        .unwrap();
    store.finalise(id, india_time::now_utc(), true).unwrap();
    assert_eq!(sync(&store, &s.url).await.unwrap().acknowledged, 1);
    assert_eq!(s.approve_all(&[id]).await, 1);

    // Work offered to them; both phones' next sync brings it, for that member only.
    let place = store.units().unwrap()[0].code.to_string();
    let (_, requirement, sent) = s.offer_work(&place, std::slice::from_ref(&member)).await;
    assert_eq!(sent.sent, std::slice::from_ref(&member));
    let report = sync(&store, &s.url).await.unwrap();
    assert_eq!(report.offers_received, 1);
    assert_eq!(sync(&other, &s.url).await.unwrap().offers_received, 1);
    let offers = store.offers_for_member(&member).unwrap();
    assert_eq!(offers.len(), 1);
    let offer = &offers[0].info;
    assert_eq!(offer.employer, "Narmada Builders");
    assert_eq!(offer.daily_rupees, 450);
    assert_eq!(offer.trade_code, "construction");
    assert!(!offer.place_hi.is_empty() && !offer.place_en.is_empty());
    assert_eq!(
        offer.starts_on,
        india_time::date(india_time::india_day_start(requirement.starts_on))
    );
    assert!(offers[0].answer.is_none());
    let others = store
        .units()
        .unwrap()
        .iter()
        .flat_map(|u| store.families_in_unit(&u.code).unwrap())
        .flat_map(|f| f.members)
        .filter(|m| m.member.member_id.to_string() != member)
        .map(|m| {
            store
                .offers_for_member(m.member.member_id.as_str())
                .unwrap()
                .len()
        })
        .sum::<usize>();
    assert_eq!(others, 0, "no other member has an offer");

    // No signal: the phone reaches nothing. The worker accepts on the phone all the same.
    let dead = format!("http://127.0.0.1:{}", free_port());
    assert!(matches!(
        sync(&store, &dead).await,
        Err(SyncError::Unreachable { .. })
    ));
    store
        .answer_offer(&offer.id, true, india_time::now_utc())
        .unwrap();
    assert!(matches!(
        store.answer_offer(&offer.id, false, india_time::now_utc()),
        Err(panjiyan_core::store::StoreError::OfferAlreadyAnswered)
    ));
    assert!(sync(&store, &dead).await.is_err());
    let waiting = store.offers_for_member(&member).unwrap()[0]
        .answer
        .clone()
        .unwrap();
    assert!(waiting.accept);
    assert_eq!(waiting.state, "queued");
    assert_eq!(
        s.app.db.offer(&offer.id).await.unwrap().unwrap().state,
        "sent"
    );

    // The server comes back (crashed and started again, on a new port); the phone syncs twice.
    s.restart().await;
    let first = sync(&store, &s.url).await.unwrap();
    assert_eq!(first.answers_taken, 1, "{first:?}");
    assert!(first.answers_refused.is_empty());
    let second = sync(&store, &s.url).await.unwrap();
    assert_eq!(second.answers_taken, 0, "nothing left to send");
    assert_eq!(second.offers_received, 0, "the offer is no longer open");
    assert!(store.offers_for_member(&member).unwrap().is_empty());

    let db = &s.app.db;
    let answered = db.offer(&offer.id).await.unwrap().unwrap();
    assert_eq!(answered.state, "accepted");
    assert_eq!(answered.answered_via.as_deref(), Some("camp"));
    let district = s.places(panjiyan_core::location::Level::District)[0].to_string();
    let (_, total) = funnel::funnel(db, &district, FunnelBy::Block)
        .await
        .unwrap();
    assert_eq!(total.stage("accepted"), 1, "{total:?}");

    // The other phone still holds the offer from before; its decline is refused in words.
    other
        .answer_offer(&offer.id, false, india_time::now_utc())
        .unwrap();
    let late = sync(&other, &s.url).await.unwrap();
    assert_eq!(late.answers_taken, 0);
    assert_eq!(late.answers_refused.len(), 1, "{late:?}");
    assert_eq!(late.answers_refused[0].0, offer.id);
    assert_eq!(
        late.answers_refused[0].1[0].key, "offer.already_answered",
        "{late:?}"
    );
    assert_eq!(
        late.answers_refused[0].1[0].text(panjiyan_core::messages::Lang::En),
        "This offer was already answered otherwise; the answer given here was not recorded."
    );
    let still = db.offer(&offer.id).await.unwrap().unwrap();
    assert_eq!(still, answered, "unchanged");
    let (_, total) = funnel::funnel(db, &district, FunnelBy::Block)
        .await
        .unwrap();
    assert_eq!(total.stage("accepted"), 1);
}

on_both_backends!(offers_at_camp, accepted_offline_synced_once);
