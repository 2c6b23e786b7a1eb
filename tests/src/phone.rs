//! A camp phone for page tests: a real device store and sync client that enrol, download
//! every pack of their area, register workers at a camp and push, straight to the server; and
//! the steps the fault and multi-server tests' phones share (set up retrying, adults, sync
//! until empty).

use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::samagra::Member;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig};
use std::sync::atomic::AtomicBool;

/// Enrols `store` as `username` (if it is not yet) and downloads every pack it may hold,
/// trying again up to `tries` times while the link or the server fails (a bad link, a
/// restarting server); `label` names the phone in what it prints.
pub fn set_up_retrying(
    store: &DeviceStore,
    client: &SyncClient,
    username: &str,
    password: &str,
    tries: u32,
    label: &str,
) {
    for attempt in 0.. {
        let done = (|| -> Result<(), panjiyan_core::sync::SyncError> {
            if store.enrolment()?.is_none() {
                client.enrol(store, username, password)?;
            }
            for unit in client.units(store)?.iter().filter(|u| u.needs_download()) {
                client.download(store, unit, &|_, _| {}, &AtomicBool::new(false))?;
            }
            Ok(())
        })();
        match done {
            Ok(()) => return,
            Err(e) if attempt < tries => eprintln!("{label}: setup retry after {}", e.code()),
            Err(e) => panic!("{label} could not set up: {e}"),
        }
    }
}

/// The members aged 19 to 59 today (India) in every pack the phone holds, by member ID.
pub fn adults(store: &DeviceStore) -> Vec<Member> {
    let today = panjiyan_core::india_time::today();
    let mut out: Vec<Member> = store
        .units()
        .unwrap()
        .iter()
        .flat_map(|u| store.families_in_unit(&u.code).unwrap())
        .flat_map(|f| f.members.into_iter().map(|m| m.member))
        .filter(|m| (19..=59).contains(&m.birth.age_on(today)))
        .collect();
    out.sort_by(|a, b| a.member_id.cmp(&b.member_id));
    out
}

/// Syncs until the outbox is empty, at most `rounds` times (a failed sync is tried again);
/// asserts nothing good was refused. The round trips it took.
pub fn sync_until_empty(store: &DeviceStore, client: &SyncClient, rounds: u32, label: &str) -> u64 {
    let mut round_trips = 0;
    for _ in 0..rounds {
        match client.sync(store, &|_, _| {}) {
            Ok(report) => round_trips += report.round_trips,
            Err(e) => eprintln!("{label}: sync failed ({}), trying again", e.code()),
        }
        let stats = store.outbox_stats().unwrap();
        if stats.queued == 0 {
            assert_eq!(stats.refused, 0, "{label}: the server refused good records");
            return round_trips;
        }
    }
    panic!("{label}: the outbox never emptied");
}

/// The device id of phone `n` under `dir` (its key id), as the server knows it.
pub fn device_id(dir: &std::path::Path, n: u8) -> String {
    DeviceStore::open(dir.join(format!("phone-{n}.db")), &[n + 1; 32])
        .unwrap()
        .device_id()
        .to_owned()
}

/// Where a phone registers, as its operator chooses on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtCamp {
    /// The soonest planned camp serving the first member's village or ward, from the phone's
    /// own calendar (received with its sync).
    Planned,
    /// An unplanned camp the phone starts in the first member's village or ward.
    Unplanned,
}

/// Phone `n` (its own store under `dir`) enrols as `username`, downloads its packs and syncs
/// its camp calendar, registers `members` at `camp` as brick-kiln workers and pushes; returns
/// the registration ids in order and the camp id the phone put on them.
pub fn register(
    url: &str,
    dir: &std::path::Path,
    n: u8,
    username: &str,
    password: &str,
    members: &[Member],
    camp: AtCamp,
) -> (Vec<String>, String) {
    let store = DeviceStore::open(dir.join(format!("phone-{n}.db")), &[n + 1; 32]).unwrap();
    let client = SyncClient::new(SyncConfig::new(url, dir.join(format!("phone-{n}")))).unwrap();
    client.enrol(&store, username, password).unwrap();
    for unit in client
        .units(&store)
        .unwrap()
        .iter()
        .filter(|u| u.needs_download())
    {
        client
            .download(&store, unit, &|_, _| {}, &AtomicBool::new(false))
            .unwrap();
    }
    client.sync(&store, &|_, _| {}).unwrap();
    let unit = |m: &Member| store.member(&m.member_id).unwrap().unwrap().unit_code;
    let camp_id = match camp {
        AtCamp::Planned => {
            let home = unit(&members[0]).to_string();
            store
                .camps(panjiyan_core::india_time::now_ms())
                .unwrap()
                .into_iter()
                .find(|c| !c.unplanned && c.info.units.contains(&home))
                .unwrap_or_else(|| panic!("phone {n} has no camp planned for {home}"))
                .info
                .id
        }
        AtCamp::Unplanned => {
            store
                .start_unplanned_camp(&unit(&members[0]), "")
                .unwrap()
                .info
                .id
        }
    };
    let mut ids = Vec::new();
    for m in members {
        let form = RegistrationForm {
            occupation_code: Some("brick_making".into()),
            mobile: Some("9876543210".into()),
            facts: ApplicantFacts::no_land(),
            camp_id: Some(camp_id.clone()),
            consent: true,
            ..RegistrationForm::new(m.member_id.clone(), username)
        };
        let id = store.create_draft(&form).unwrap();
        store
            .finalise(id, panjiyan_core::india_time::now_utc(), true)
            .unwrap();
        ids.push(id.to_string());
    }
    let report = client.sync(&store, &|_, _| {}).unwrap();
    assert_eq!(store.outbox_stats().unwrap().queued, 0, "{report:?}");
    (ids, camp_id)
}
