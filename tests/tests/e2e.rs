//! The end-to-end guarantee: through a link that cuts, resets and stalls, with the server
//! crashing and restarting mid-run, every registration the devices made is on the server
//! exactly once, every outbox ends empty, and every device ends with the final status of what
//! it sent. Runs on SQLite and on PostgreSQL.

use panjiyan_core::registration::{ApplicantFacts, RegistrationForm, RegistrationState};
use panjiyan_core::samagra::Member;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig, SyncError};
use panjiyan_server::harness::{Backend, PASSWORD, Setup, TestServer, fresh_database};
use panjiyan_tests::phone::{adults, set_up_retrying, sync_until_empty};
use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const DEVICES: usize = 20;
const PER_DEVICE: usize = 100;

fn config(url: &str, dir: &std::path::Path) -> SyncConfig {
    SyncConfig {
        attempts: 40,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(15),
        batch_size: 40,
        reuse_connections: false,
        ..SyncConfig::new(url, dir.join("downloads"))
    }
}

fn form(m: &Member) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("agricultural_labour".into()),
        mobile: Some("9876543210".into()),
        facts: ApplicantFacts::no_land(),
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        consent: true,
        ..RegistrationForm::new(m.member_id.clone(), "op")
    }
}

/// A phone: enrols, downloads every pack, all through the proxy, retrying until it has them.
fn phone(url: &str, dir: &std::path::Path, n: usize) -> (DeviceStore, SyncClient) {
    let store = DeviceStore::open(dir.join(format!("phone-{n}.db")), &[n as u8 + 1; 32]).unwrap();
    let client = SyncClient::new(config(url, &dir.join(format!("phone-{n}")))).unwrap();
    // Generous: twenty phones set up at once on two loaded cores, the server restarting.
    set_up_retrying(
        &store,
        &client,
        "operator",
        PASSWORD,
        60,
        &format!("phone {n}"),
    );
    (store, client)
}

async fn nothing_lost_nothing_doubled(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let mut server = TestServer::start_on(db, Setup::camp(110)).await;
    // Every request on a fresh connection; a third of them cut somewhere in their first 12 KiB
    // (half of those by reset), some stalled, some refused.
    let faults = Faults {
        cut: 0.33,
        reset_share: 0.5,
        stall_chance: 0.1,
        stall: Duration::from_millis(200),
        refuse: 0.1,
        cut_within: 12 * 1024,
    };
    let proxy = FaultProxy::start(server.addr(), LinkProfile::unlimited(), faults, 7).await;
    let url = proxy.url();
    let finished = Arc::new(AtomicBool::new(false));

    // Twenty phones work at once: set up, register offline, sync until their outboxes empty.
    let mut phones = Vec::new();
    for n in 0..DEVICES {
        let (url, path, finished) = (url.clone(), dir.path().to_owned(), finished.clone());
        phones.push(tokio::task::spawn_blocking(move || {
            let (store, client) = phone(&url, &path, n);
            let members = adults(&store);
            let mut ids = Vec::new();
            for m in members.iter().skip(n).step_by(DEVICES).take(PER_DEVICE) {
                let id = store.create_draft(&form(m)).unwrap();
                store
                    .finalise(id, panjiyan_core::india_time::now_utc(), true)
                    .unwrap();
                ids.push(id);
            }
            assert_eq!(
                ids.len(),
                PER_DEVICE,
                "phone {n} found enough eligible members"
            );
            sync_until_empty(&store, &client, 200, &format!("phone {n}"));
            let _ = &finished;
            (store, client, ids)
        }));
    }
    // Meanwhile the server crashes and comes back, several times.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        server.restart().await;
        proxy.set_upstream(server.addr());
    }
    let mut devices = Vec::new();
    for p in phones {
        devices.push(p.await.unwrap());
    }
    finished.store(true, Ordering::Relaxed);

    // Reconciliation: what the devices saw acknowledged equals what the server holds.
    let sent: BTreeSet<uuid::Uuid> = devices
        .iter()
        .flat_map(|(_, _, ids)| ids.iter().copied())
        .collect();
    assert_eq!(sent.len(), DEVICES * PER_DEVICE);
    let held = server.app.db.count_registrations().await.unwrap() as usize;
    let mut missing = 0;
    for id in &sent {
        if server
            .app
            .db
            .registration(&id.to_string())
            .await
            .unwrap()
            .is_none()
        {
            missing += 1;
        }
    }
    let unexpected = held - (sent.len() - missing);
    println!(
        "{backend:?}: {} sent, {held} held, lost {missing}, unexpected {unexpected}, {} restarts, {} cuts, {} refused connections",
        sent.len(),
        server.restarts,
        proxy.stats().cuts.load(Ordering::Relaxed),
        proxy.stats().refused.load(Ordering::Relaxed)
    );
    assert_eq!(
        (missing, unexpected),
        (0, 0),
        "lost or duplicated registrations"
    );
    assert!(
        proxy.stats().cuts.load(Ordering::Relaxed) > 30,
        "the link really was bad"
    );

    // The officer approves everything; every phone learns the final status, still through
    // the bad link.
    let ids: Vec<uuid::Uuid> = sent.iter().copied().collect();
    assert_eq!(server.approve_all(&ids).await, ids.len());
    let numbers: HashMap<uuid::Uuid, String> = {
        let mut m = HashMap::new();
        for id in &ids {
            let row = server
                .app
                .db
                .registration(&id.to_string())
                .await
                .unwrap()
                .unwrap();
            m.insert(*id, row.registration_number.unwrap());
        }
        m
    };
    let numbers = Arc::new(numbers);
    let mut checks = Vec::new();
    for (store, client, ids) in devices {
        let numbers = numbers.clone();
        checks.push(tokio::task::spawn_blocking(move || {
            for _ in 0..100 {
                let _ = client.sync(&store, &|_, _| {});
                let done = ids.iter().all(|id| {
                    store.registration(*id).unwrap().is_some_and(|r| {
                        r.status.state == RegistrationState::Approved
                            && r.status.registration_number.as_deref() == Some(numbers[id].as_str())
                    })
                });
                if done {
                    assert_eq!(store.outbox_stats().unwrap().queued, 0);
                    return;
                }
            }
            panic!("a phone never learnt the final status of what it sent");
        }));
    }
    for c in checks {
        c.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_or_doubled_through_faults_and_restarts_on_sqlite() {
    nothing_lost_nothing_doubled(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_or_doubled_through_faults_and_restarts_on_postgres() {
    nothing_lost_nothing_doubled(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_register_the_same_member_offline_and_both_learn_which_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(Backend::Sqlite, dir.path()).await.unwrap();
    let server = TestServer::start_on(db, Setup::camp(30)).await;
    let url = server.url.clone();
    let path = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let (a, ca) = phone(&url, &path, 0);
        let (b, cb) = phone(&url, &path, 1);
        let m = adults(&a)[0].clone();
        let first = a.create_draft(&form(&m)).unwrap();
        a.finalise(first, panjiyan_core::india_time::now_utc(), true)
            .unwrap();
        let second = b.create_draft(&form(&m)).unwrap();
        b.finalise(second, panjiyan_core::india_time::now_utc(), true)
            .unwrap();
        ca.sync(&a, &|_, _| {}).unwrap();
        let report = cb.sync(&b, &|_, _| {}).unwrap();
        assert_eq!(report.duplicates, 1);
        let dup = b.registration(second).unwrap().unwrap();
        assert_eq!(
            (dup.status.state, dup.status.duplicate_of),
            (RegistrationState::Duplicate, Some(first))
        );
        // Phone B also sees, in its camp view, that the member is registered by A's record.
        assert_eq!(
            b.member(&m.member_id).unwrap().unwrap().registered_state,
            Some(RegistrationState::PendingApproval)
        );
        ca.sync(&a, &|_, _| {}).unwrap();
        assert_eq!(
            a.registration(first).unwrap().unwrap().status.state,
            RegistrationState::PendingApproval
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_phone_is_told_so_and_keeps_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(Backend::Sqlite, dir.path()).await.unwrap();
    let server = TestServer::start_on(db, Setup::camp(30)).await;
    let url = server.url.clone();
    let path = dir.path().to_owned();
    let (store, client) = tokio::task::spawn_blocking(move || {
        let (store, client) = phone(&url, &path, 0);
        let m = adults(&store)[0].clone();
        let id = store.create_draft(&form(&m)).unwrap();
        store
            .finalise(id, panjiyan_core::india_time::now_utc(), true)
            .unwrap();
        (store, client)
    })
    .await
    .unwrap();
    server
        .app
        .db
        .revoke_device(store.device_id())
        .await
        .unwrap();
    let (store, result) = tokio::task::spawn_blocking(move || {
        let r = client.sync(&store, &|_, _| {});
        (store, r)
    })
    .await
    .unwrap();
    assert!(matches!(result, Err(SyncError::Revoked)), "{result:?}");
    assert_eq!(
        store.outbox_stats().unwrap().queued,
        1,
        "nothing leaves the outbox unacknowledged"
    );
}
