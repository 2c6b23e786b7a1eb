//! A camp over a slow link: one phone downloads a 2,000-member pack and pushes 500
//! registrations through the test proxy shaped as a 2G profile. Used by the link test (which
//! checks correctness) and by `scripts/bench` (which reports the figures).

use crate::proxy::{FaultProxy, Faults, LinkProfile};
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig};
use panjiyan_server::harness::{PASSWORD, Setup, TestServer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What one run over the link measured.
#[derive(Debug, Clone)]
pub struct LinkRun {
    pub pack_members: u64,
    pub download_s: f64,
    /// Bytes the proxy carried for the download (both directions).
    pub download_bytes: u64,
    pub registrations: u64,
    pub acknowledged: u64,
    pub push_s: f64,
    pub push_bytes: u64,
    /// Of those, the bytes the phone sent.
    pub push_bytes_up: u64,
    /// HTTP requests of the sync that pushed the 500 and pulled status.
    pub round_trips: u64,
}

fn bytes(proxy: &FaultProxy) -> u64 {
    proxy.stats().bytes_up.load(Ordering::Relaxed)
        + proxy.stats().bytes_down.load(Ordering::Relaxed)
}

/// Runs the camp through `profile`. The server holds villages of about 2,000 people.
pub async fn camp_over(
    database_url: String,
    profile: LinkProfile,
    dir: &std::path::Path,
) -> LinkRun {
    let server = TestServer::start_on(database_url, Setup::camp(440)).await;
    // Enrolment and the unit list go over a clean link; the measured steps over the profile.
    let proxy = FaultProxy::start(server.addr(), LinkProfile::unlimited(), Faults::none(), 1).await;
    let url = proxy.url();
    let dir = dir.to_owned();
    let (store, client, unit) = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            let store = DeviceStore::open(dir.join("phone.db"), &[9; 32]).unwrap();
            let client = SyncClient::new(SyncConfig {
                batch_size: 250,
                ..SyncConfig::new(&url, dir.join("downloads"))
            })
            .unwrap();
            client.enrol(&store, "operator", PASSWORD).unwrap();
            let units = client.units(&store).unwrap();
            // The largest village: about 2,000 people.
            let unit = units
                .into_iter()
                .filter(|u| u.level == "village")
                .max_by_key(|u| u.pack_bytes)
                .unwrap();
            (store, client, unit)
        }
    })
    .await
    .unwrap();
    proxy.set_profile(profile);
    let before = bytes(&proxy);
    let (store, client, download_s, pack_members) = tokio::task::spawn_blocking(move || {
        // A new client, so that its connections are made over the shaped link.
        let client = SyncClient::new(client.config().clone()).unwrap();
        let start = Instant::now();
        let summary = client
            .download(&store, &unit, &|_, _| {}, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        (
            store,
            client,
            start.elapsed().as_secs_f64(),
            summary.members,
        )
    })
    .await
    .unwrap();
    let download_bytes = bytes(&proxy) - before;

    let before = bytes(&proxy);
    let before_up = proxy.stats().bytes_up.load(Ordering::Relaxed);
    let (report, registrations, push_s) = tokio::task::spawn_blocking(move || {
        let today = panjiyan_core::india_time::now();
        let unit = store.units().unwrap().remove(0);
        let mut made = 0;
        for family in store.families_in_unit(&unit.code).unwrap() {
            for m in family
                .members
                .iter()
                .map(|v| &v.member)
                .filter(|m| (19..=59).contains(&m.birth.age_on(today.date())))
            {
                if made == 500 {
                    break;
                }
                let form = RegistrationForm {
                    occupation_code: Some("construction".into()),
                    mobile: Some("9876543210".into()),
                    bank_ifsc: Some("SBIN0001234".into()),
                    facts: ApplicantFacts::no_land(),
                    channel: panjiyan_core::registration::Channel::ServiceCentre,
                    consent: true,
                    ..RegistrationForm::new(m.member_id.clone(), "operator-1")
                };
                let id = store.create_draft(&form).unwrap();
                store.finalise(id, today, true).unwrap();
                made += 1;
            }
        }
        let start = Instant::now();
        let report = client.sync(&store, &|_, _| {}).unwrap();
        (report, made, start.elapsed().as_secs_f64())
    })
    .await
    .unwrap();
    LinkRun {
        pack_members,
        download_s,
        download_bytes,
        registrations,
        acknowledged: report.acknowledged,
        push_s,
        push_bytes: bytes(&proxy) - before,
        push_bytes_up: proxy.stats().bytes_up.load(Ordering::Relaxed) - before_up,
        round_trips: report.round_trips,
    }
}
