//! A district's day, driven only through real clients, at 00:30 India time (when the UTC date
//! is still yesterday's): an admin plans three camps in headless Chromium; three phones (the
//! app's library, `panjiyan-ffi`, as the Android app calls it) receive the calendar with their
//! sync over a 2G link, start
//! their camps from it and register workers there (a returned migrant, a child refused by the
//! age rule, the same member on two phones, an unplanned camp); a laptop registers ten more
//! with the `panjiyan-camp` binary as a service centre; the block officer approves and rejects
//! in the browser; the dispatcher sends. The test keeps its own ledger of what it did, and
//! every figure a person reads (progress by place, day, channel and state; each camp's
//! results; the unplanned camp; the payout; the backlog; the worker's SMS and status page; the
//! phones' own registrations) must equal it. Runs on SQLite and on PostgreSQL.

use panjiyan_core::india_time;
use panjiyan_core::location::Level;
use panjiyan_core::samagra::Member;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::validate::LgdCode;
use panjiyan_ffi::{CampStore, Facts, Form, Migrant, PanjiyanError, ProgressListener};
use panjiyan_server::harness::{
    Backend, PASSWORD, Setup, TestServer, User, add_users, fresh_database,
};
use panjiyan_server::notify::{FileGateway, dispatch_once};
use panjiyan_server::roles::Role;
use panjiyan_tests::browser::{Browser, screenshot_dir};
use panjiyan_tests::laptop::laptop;
use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, Once};

/// Registrations each phone makes at its camp.
const PER_PHONE: usize = 18;
/// Registrations the laptop makes at the service centre.
const LAPTOP: usize = 10;
/// Registrations at the unplanned camp the third phone starts.
const UNPLANNED: usize = 3;

/// Both backends' runs share this process's clock: set once, to 00:30 IST today.
fn half_past_midnight_in_india() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        let midnight = india_time::today()
            .midnight()
            .assume_offset(india_time::OFFSET);
        india_time::set_clock(midnight + time::Duration::minutes(30));
    });
}

/// One registration the test made, as it made it.
#[derive(Debug, Clone)]
struct Made {
    id: String,
    member_id: String,
    camp: Option<String>,
    channel: &'static str,
}

/// What the test did, to check every page against.
#[derive(Debug, Default)]
struct Ledger {
    /// Camp ids as the admin's page showed them after saving, in the order planned.
    planned: Vec<String>,
    /// The camp each phone started from its own calendar.
    started: Vec<String>,
    unplanned: Option<String>,
    made: Vec<Made>,
    duplicates: BTreeSet<String>,
    approved: BTreeSet<String>,
    rejected: BTreeSet<String>,
    migrant: Option<String>,
}

impl Ledger {
    fn state_of(&self, id: &str) -> &'static str {
        if self.duplicates.contains(id) {
            "duplicate"
        } else if self.approved.contains(id) {
            "approved"
        } else if self.rejected.contains(id) {
            "rejected"
        } else {
            "pending_approval"
        }
    }

    fn count(&self, keep: impl Fn(&Made) -> bool, state: &str) -> usize {
        self.made
            .iter()
            .filter(|m| keep(m) && self.state_of(&m.id) == state)
            .count()
    }
}

/// A synchronous GET from inside the page (with its session cookie): what a CSV link downloads.
fn fetch_in_page(b: &mut Browser, path: &str) -> String {
    let answer = b.run(&format!(
        "var x = new XMLHttpRequest(); x.open('GET', '{path}', false); x.send(); return x.status + '\\n' + x.responseText;"
    ));
    let answer = answer.as_str().unwrap_or_default();
    let body = answer
        .strip_prefix("200\n")
        .unwrap_or_else(|| panic!("{path}: {answer}"));
    body.trim_start_matches('\u{feff}').to_owned()
}

/// The rows of a downloaded CSV, each as header name → value.
fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            head.iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

fn cell(row: &BTreeMap<String, String>, name: &str) -> i64 {
    row.get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {row:?}"))
}

/// A phone's progress reports, ignored.
struct Quiet;

impl ProgressListener for Quiet {
    fn on_progress(&self, _done: u64, _total: u64) -> bool {
        true
    }
}

/// The form as the app's register screen fills it for worker `member_id` at `camp`.
fn form(member_id: &str, camp: &str) -> Form {
    Form {
        member_id: member_id.to_owned(),
        occupation_code: Some("construction".into()),
        mobile: Some("9876543210".into()),
        aadhaar: None,
        aadhaar_last4: None,
        bank_ifsc: None,
        facts: Facts {
            government_servant: false,
            income_tax_payer: false,
            epfo_esic_member: false,
            land_ares: Some(0),
            irrigated_land_ares: Some(0),
        },
        channel: "camp".into(),
        camp_id: Some(camp.to_owned()),
        operator_id: "operator".into(),
        consent: true,
        language: "hi".into(),
        migrant: None,
    }
}

/// Saves and finalises `form` on the phone and puts it in the ledger.
fn save(phone: &CampStore, form: Form, ledger: &Mutex<Ledger>) -> String {
    let draft = phone.create_draft(form.clone()).unwrap();
    let done = phone.finalise(draft, true).unwrap();
    ledger.lock().unwrap().made.push(Made {
        id: done.id.clone(),
        member_id: form.member_id,
        camp: form.camp_id,
        channel: "camp",
    });
    done.id
}

fn sync_until_sent(phone: &CampStore, label: &str) {
    for _ in 0..20 {
        if phone.sync(Arc::new(Quiet)).is_ok() && phone.outbox().unwrap().queued == 0 {
            assert_eq!(phone.outbox().unwrap().refused, 0, "{label}: refused");
            return;
        }
    }
    panic!("{label}: the outbox never emptied");
}

/// The village's people as their Samagra IDs say (workers bring them to the camp): working
/// age, and the children, by unit.
struct Villagers {
    adults: BTreeMap<String, Vec<Member>>,
    children: BTreeMap<String, Member>,
}

/// Phone `n` enrols over the 2G link through the app's library (the FFI the Android app
/// calls), syncs to receive its calendar, starts the `n`th camp of today from it, downloads
/// that camp's packs (and `extra_units`'), registers workers there.
fn phone_day(
    url: &str,
    dir: &Path,
    n: usize,
    extra_units: &[String],
    villagers: &Villagers,
    ledger: &Mutex<Ledger>,
) -> Arc<CampStore> {
    let path = dir.join(format!("phone-{n}.db")).display().to_string();
    let phone = CampStore::open(path, vec![n as u8 + 1; 32]).unwrap();
    phone
        .enrol(url.to_owned(), "operator".into(), PASSWORD.into())
        .unwrap();
    let report = phone.sync(Arc::new(Quiet)).unwrap();
    assert_eq!(
        report.camps_received, 3,
        "phone {n}: the calendar came with the sync"
    );
    let mut camps: Vec<_> = phone
        .camps()
        .unwrap()
        .into_iter()
        .filter(|c| !c.unplanned && c.today)
        .collect();
    camps.sort_by(|a, b| a.id.cmp(&b.id));
    let camp = camps[n].clone();
    let wanted: BTreeSet<&String> = camp.units.iter().chain(extra_units).collect();
    for unit in phone.units().unwrap() {
        if wanted.contains(&unit.code) && unit.needs_download {
            phone.download(unit.code, Arc::new(Quiet)).unwrap();
        }
    }
    ledger.lock().unwrap().started.push(camp.id.clone());
    let people: Vec<&Member> = camp
        .units
        .iter()
        .flat_map(|u| &villagers.adults[u])
        .take(PER_PHONE)
        .collect();
    assert_eq!(
        people.len(),
        PER_PHONE,
        "phone {n}: enough adults at the camp"
    );
    for (i, m) in people.iter().enumerate() {
        let id = m.member_id.to_string();
        assert!(
            phone.member(id.clone()).unwrap().is_some(),
            "in the phone's pack"
        );
        let mut f = form(&id, &camp.id);
        if n == 1 && i == 1 {
            // A returned migrant, asked on the phone (the second of the second camp: the
            // first there is rejected below, this one stays pending).
            f.migrant = Some(Migrant {
                state_worked_in: "Maharashtra".into(),
                district_or_city: Some("Pune".into()),
                trade_code: Some("construction".into()),
                months_away: Some(30),
                returned_on: Some("2026-03-15".into()),
                experience_years: None,
                certificate: None,
                willing_to_work: None,
                job_consent: false,
            });
        }
        let migrant = f.migrant.is_some();
        let id = save(&phone, f, ledger);
        if migrant {
            ledger.lock().unwrap().migrant = Some(id);
        }
    }
    if n == 1 {
        // A child at the camp: refused on the phone by the age rule, named; nothing is saved.
        let child = &villagers.children[&camp.units[0]];
        let draft = phone
            .create_draft(form(child.member_id.as_str(), &camp.id))
            .unwrap();
        match phone.finalise(draft.clone(), true) {
            Err(PanjiyanError::FormProblems { problems, .. }) => {
                assert_eq!(problems[0].text.key, "eligibility.age_below_min")
            }
            other => panic!("a child was not refused: {other:?}"),
        }
        phone.discard_draft(draft).unwrap();
    }
    phone
}

async fn district_day(backend: Backend) {
    half_past_midnight_in_india();
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let server = TestServer::start_on(db, Setup::camp(30)).await;
    let h = server.district.hierarchy.clone();
    let block = server.places(Level::Block)[0].clone();
    let villages: Vec<LgdCode> = server
        .places(Level::Village)
        .into_iter()
        .filter(|v| h.is_within(v, &block))
        .collect();
    assert_eq!(villages.len(), 4);
    add_users(
        &server.app,
        &[User::new("ceo", Role::DesignatedOfficer, &block)],
    )
    .await;
    for v in &villages {
        server.app.db.set_target(v.as_str(), 20).await.unwrap();
    }
    let ledger = std::sync::Arc::new(Mutex::new(Ledger::default()));
    let label = backend.label();
    let shots = screenshot_dir("district-day");
    let base = server.url.clone();
    let today = india_time::today();
    let india_date = india_time::format_date(today);

    // Morning, at the district office: the admin plans three camps for today.
    let camp_units: Vec<Vec<String>> = vec![
        vec![villages[0].to_string(), villages[1].to_string()],
        vec![villages[2].to_string()],
        vec![villages[3].to_string()],
    ];
    let mut b = tokio::task::spawn_blocking({
        let (base, block, ledger, camp_units) =
            (base.clone(), block.to_string(), ledger.clone(), camp_units.clone());
        move || {
            let mut b = Browser::start(shots);
            b.goto(&format!("{base}/admin/camps/new"));
            b.fill("#username", "officer");
            b.fill("#password", PASSWORD);
            b.follow("button[type=submit]");
            for (n, units) in camp_units.iter().enumerate() {
                b.goto(&format!("{base}/admin/camps/new"));
                b.choose("#area", &block);
                b.follow(".filters button[type=submit]");
                b.run(&format!("document.getElementById('date').value = '{today}';"));
                b.run("document.getElementById('from').value = '09:00'; document.getElementById('to').value = '17:00';");
                b.fill("#venue", &format!("Panchayat Bhawan {}", n + 1));
                for u in units {
                    b.click(&format!("input[name=unit][value=\"{u}\"]"));
                }
                b.follow("#save-camp");
                assert!(b.exists("#saved"), "{}", b.text("main"));
                ledger.lock().unwrap().planned.push(b.text("h1"));
            }
            b.screenshot(&format!("{label}-01-camps-planned"));
            b
        }
    })
    .await
    .unwrap();

    // In the villages, over 2G: three phones start their camps from their own calendars.
    let proxy =
        FaultProxy::start(server.addr(), LinkProfile::regular_2g(), Faults::none(), 7).await;
    let url = proxy.url();
    let villagers = Villagers {
        adults: villages
            .iter()
            .map(|v| (v.to_string(), server.adults_within(v)))
            .collect(),
        children: villages
            .iter()
            .map(|v| {
                let families: BTreeSet<_> = server
                    .district
                    .families
                    .iter()
                    .filter(|f| f.unit_code == *v)
                    .map(|f| f.family_id.clone())
                    .collect();
                let child = server
                    .district
                    .members
                    .iter()
                    .find(|m| families.contains(&m.family_id) && m.birth.age_on(today) < 14)
                    .expect("a child in the village")
                    .clone();
                (v.to_string(), child)
            })
            .collect(),
    };
    let phones = tokio::task::spawn_blocking({
        let (url, path, ledger) = (url.clone(), dir.path().to_owned(), ledger.clone());
        let first_unit = camp_units[0][0].clone();
        move || {
            let mut phones = Vec::new();
            for n in 0..3 {
                let extra = if n == 2 {
                    vec![first_unit.clone()]
                } else {
                    Vec::new()
                };
                phones.push(phone_day(&url, &path, n, &extra, &villagers, &ledger));
            }
            // The third phone: the first phone's first worker again (a duplicate), and a camp
            // nobody planned in its own village.
            let phone = &phones[2];
            let (first_member, camp) = {
                let l = ledger.lock().unwrap();
                (l.made[0].member_id.clone(), l.started[2].clone())
            };
            let dup = save(phone, form(&first_member, &camp), &ledger);
            ledger.lock().unwrap().duplicates.insert(dup);
            let unit = phone
                .camps()
                .unwrap()
                .into_iter()
                .find(|c| c.id == camp)
                .unwrap()
                .units[0]
                .clone();
            let walk_in = phone
                .start_unplanned_camp(unit.clone(), "School".into())
                .unwrap()
                .id;
            let taken: BTreeSet<String> = ledger
                .lock()
                .unwrap()
                .made
                .iter()
                .map(|m| m.member_id.clone())
                .collect();
            let people: Vec<&Member> = villagers.adults[&unit]
                .iter()
                .filter(|m| !taken.contains(m.member_id.as_str()))
                .take(UNPLANNED)
                .collect();
            for m in people {
                save(phone, form(m.member_id.as_str(), &walk_in), &ledger);
            }
            ledger.lock().unwrap().unplanned = Some(walk_in);
            for (n, phone) in phones.iter().enumerate() {
                sync_until_sent(phone, &format!("phone {n}"));
            }
            phones
        }
    })
    .await
    .unwrap();
    {
        let l = ledger.lock().unwrap();
        assert_eq!(
            l.started, l.planned,
            "each phone started a camp the admin planned, by its id"
        );
    }

    // At the service centre: the laptop client, with no camp.
    let taken: BTreeSet<String> = ledger
        .lock()
        .unwrap()
        .made
        .iter()
        .map(|m| m.member_id.clone())
        .collect();
    let walk_ins: Vec<Member> = server
        .adults_within(&villages[3])
        .into_iter()
        .filter(|m| !taken.contains(m.member_id.as_str()))
        .rev()
        .take(LAPTOP)
        .collect();
    let laptop_dir = dir.path().to_owned();
    let laptop_ids = tokio::task::spawn_blocking({
        let (base, unit, walk_ins) = (base.clone(), villages[3].to_string(), walk_ins.clone());
        move || {
            let d = &laptop_dir;
            laptop(
                d,
                &[
                    "enrol",
                    "--server",
                    &base,
                    "--username",
                    "operator",
                    "--password-env",
                    "LAPTOP_PASSWORD",
                ],
            );
            laptop(d, &["download", &unit]);
            for m in &walk_ins {
                let id = m.member_id.to_string();
                laptop(
                    d,
                    &[
                        "register",
                        "--member",
                        &id,
                        "--occupation",
                        "construction",
                        "--consent",
                    ],
                );
            }
            laptop(d, &["sync"]);
            assert!(laptop(d, &["outbox"]).contains("Waiting to upload: 0"));
            // Its store, read as the laptop keeps it: every registration as a service centre's.
            let store = DeviceStore::open(
                d.join("laptop.db"),
                &std::fs::read(d.join("laptop.key")).unwrap(),
            )
            .unwrap();
            store
                .registrations(None)
                .unwrap()
                .into_iter()
                .map(|r| {
                    assert_eq!(r.form.camp_id, None);
                    (r.id.to_string(), r.form.member_id.to_string())
                })
                .collect::<Vec<_>>()
        }
    })
    .await
    .unwrap();
    assert_eq!(laptop_ids.len(), LAPTOP);
    for (id, member_id) in laptop_ids {
        ledger.lock().unwrap().made.push(Made {
            id,
            member_id,
            camp: None,
            channel: "service_centre",
        });
    }

    // The block officer decides in the browser: the first camp's in bulk, one of the second's
    // rejected; the migrant's details are on the registration page.
    let (planned, migrant, second_camp_first) = {
        let l = ledger.lock().unwrap();
        let second = l
            .made
            .iter()
            .find(|m| m.camp.as_ref() == Some(&l.planned[1]))
            .unwrap()
            .id
            .clone();
        (l.planned.clone(), l.migrant.clone().unwrap(), second)
    };
    let pending_in_csv;
    (b, pending_in_csv) = tokio::task::spawn_blocking({
        let base = base.clone();
        let (first_camp, second) = (planned[0].clone(), second_camp_first.clone());
        move || {
            // The admin signs out; the block officer signs in.
            b.goto(&format!("{base}/admin/camps"));
            b.follow("header form button");
            b.goto(&format!("{base}/officer/queue"));
            b.fill("#username", "ceo");
            b.fill("#password", PASSWORD);
            b.follow("button[type=submit]");
            b.goto(&format!("{base}/officer/registrations/{migrant}"));
            let application = b.text("#application");
            assert!(
                application.contains("Maharashtra") && application.contains("Pune"),
                "{application}"
            );
            assert!(
                b.text("#eligibility").contains("mp-2018"),
                "the rule set that judged it is named"
            );
            b.goto(&format!("{base}/officer/queue?camp={first_camp}"));
            b.click("#select-all");
            b.follow("#bulk-approve");
            b.wait_for("#bulk-result");
            let result = b.text("#bulk-result");
            assert!(
                result.starts_with(&format!("{PER_PHONE} स्वीकृत, 0 अस्वीकृत")),
                "{result}"
            );
            b.goto(&format!("{base}/officer/registrations/{second}"));
            b.choose("#reason", "not_resident");
            b.follow("#reject");
            b.wait_for("#done");
            b.screenshot(&format!("{label}-02-rejected"));
            // The pending queue as CSV: the migrant's details in their own columns.
            let pending = csv_rows(&fetch_in_page(&mut b, "/officer/queue?format=csv"));
            let row = pending
                .iter()
                .find(|r| r["registration_id"] == migrant)
                .expect("the migrant is pending");
            let details = [
                "migrant_state",
                "migrant_district_or_city",
                "migrant_trade",
                "migrant_months_away",
                "migrant_returned_on",
            ]
            .map(|c| row[c].as_str());
            assert_eq!(
                details,
                ["Maharashtra", "Pune", "construction", "30", "2026-03-15"]
            );
            (b, pending.len())
        }
    })
    .await
    .unwrap();
    {
        let mut l = ledger.lock().unwrap();
        let approved: Vec<String> = l
            .made
            .iter()
            .filter(|m| m.camp.as_ref() == Some(&planned[0]))
            .map(|m| m.id.clone())
            .collect();
        l.approved.extend(approved);
        l.rejected.insert(second_camp_first.clone());
    }

    // The dispatcher sends; each approved worker's SMS carries their number and India's date.
    let sms_file = dir.path().join("sms.jsonl");
    let gateway = FileGateway::new(&sms_file);
    for _ in 0..20 {
        if dispatch_once(&server.app, &gateway).await.unwrap() == 0 {
            break;
        }
    }
    let sent: Vec<serde_json::Value> = std::fs::read_to_string(&sms_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sms: Vec<&str> = sent
        .iter()
        .filter(|m| m["channel"] == "sms")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(sms.len(), PER_PHONE + 1, "one SMS per decision");
    let dated = sms.iter().filter(|b| b.contains(&india_date)).count();
    assert_eq!(
        dated, PER_PHONE,
        "every approval's SMS is dated {india_date} (India): {sms:?}"
    );

    // The phones sync again: their own lists show what the officer decided.
    let phone_numbers = tokio::task::spawn_blocking(move || {
        let mut numbers = BTreeMap::new();
        let mut states = BTreeMap::new();
        for phone in &phones {
            phone.sync(Arc::new(Quiet)).unwrap();
            // What the app's status screen lists.
            for r in phone.registrations(None).unwrap() {
                states.insert(r.id.clone(), r.state.clone());
                if let Some(n) = r.registration_number {
                    numbers.insert(r.member_id.clone(), n);
                }
            }
        }
        (numbers, states)
    })
    .await
    .unwrap();
    // Every client is done: the ledger is read from here on, never written.
    let l = std::mem::take(&mut *ledger.lock().unwrap());
    let (numbers, phone_states) = phone_numbers;
    for m in l.made.iter().filter(|m| m.channel == "camp") {
        assert_eq!(
            phone_states[&m.id],
            l.state_of(&m.id),
            "phone's view of {}",
            m.id
        );
    }
    assert_eq!(
        numbers.len(),
        PER_PHONE,
        "every approval's number reached its phone"
    );
    let year = india_time::year_of(india_time::now());
    assert!(
        numbers.values().all(|n| n.contains(&format!("-{year}-"))),
        "{numbers:?}"
    );
    assert!(
        numbers
            .values()
            .all(|n| sms.iter().any(|b| b.contains(n.as_str()))),
        "the SMS carries the number the phone shows"
    );
    let everyone = |_: &Made| true;
    assert_eq!(
        pending_in_csv,
        l.count(everyone, "pending_approval"),
        "the queue's CSV"
    );
    let expected_registered = l.count(everyone, "pending_approval") + l.count(everyone, "approved");
    // Channels count what counts towards a target: pending and approved.
    let at_camps = |m: &Made| m.channel == "camp";
    let camp_total = l.count(at_camps, "pending_approval") + l.count(at_camps, "approved");
    assert_eq!(l.made.len(), 3 * PER_PHONE + 1 + UNPLANNED + LAPTOP);

    // What the collector reads.
    let (approved_member, approved_number) = numbers
        .iter()
        .next()
        .map(|(m, n)| (m.clone(), n.clone()))
        .unwrap();
    let block_code = block.to_string();
    // A department's list: one approved worker, one pending, one rejected, two never seen.
    let member_in = |state: &str| {
        l.made
            .iter()
            .find(|m| l.state_of(&m.id) == state && !l.duplicates.contains(&m.id))
            .map(|m| m.member_id.clone())
            .unwrap()
    };
    let made_members: BTreeSet<&str> = l.made.iter().map(|m| m.member_id.as_str()).collect();
    let mut list = vec![
        member_in("approved"),
        member_in("pending_approval"),
        member_in("rejected"),
    ];
    list.extend(
        server
            .adults_within(&villages[0])
            .into_iter()
            .map(|m| m.member_id.to_string())
            .filter(|m| !made_members.contains(m.as_str()))
            .take(2),
    );
    let list_file = dir.path().join("asha.csv");
    std::fs::write(
        &list_file,
        format!("samagra_member_id\n{}\n", list.join("\n")),
    )
    .unwrap();
    let ledger_view = (
        planned.clone(),
        l.unplanned.clone().unwrap(),
        [
            ("approved", l.count(everyone, "approved")),
            ("pending_approval", l.count(everyone, "pending_approval")),
            ("rejected", l.count(everyone, "rejected")),
            ("duplicate", l.count(everyone, "duplicate")),
        ],
        planned
            .iter()
            .map(|c| {
                let at = |m: &Made| m.camp.as_ref() == Some(c);
                ["approved", "pending_approval", "rejected", "duplicate"]
                    .map(|s| (s, l.count(at, s)))
            })
            .collect::<Vec<_>>(),
    );
    tokio::task::spawn_blocking(move || {
        let (planned, unplanned, states, per_camp) = ledger_view;
        b.follow("header form button");
        b.goto(&format!("{base}/admin/progress"));
        b.fill("#username", "officer");
        b.fill("#password", PASSWORD);
        b.follow("button[type=submit]");
        b.screenshot(&format!("{label}-03-progress"));
        let summary = csv_rows(&fetch_in_page(
            &mut b,
            "/admin/progress?format=csv&table=summary",
        ));
        let line = |by: &str, name: &str| {
            summary
                .iter()
                .find(|r| r["by"] == by && r["name"] == name)
                .map(|r| cell(r, "registrations"))
                .unwrap_or_else(|| panic!("{by} {name} in {summary:?}"))
        };
        for (state, n) in states {
            assert_eq!(line("state", state), n as i64, "state {state}");
        }
        assert_eq!(line("channel", "camp"), camp_total as i64);
        assert_eq!(line("channel", "service_centre"), LAPTOP as i64);
        // By day: everything today, India's date, though the UTC date is still yesterday.
        let daily = csv_rows(&fetch_in_page(
            &mut b,
            "/admin/progress?format=csv&table=daily",
        ));
        let days: Vec<&str> = daily
            .iter()
            .filter(|r| {
                cell(r, "approved")
                    + cell(r, "pending_approval")
                    + cell(r, "rejected")
                    + cell(r, "duplicate")
                    > 0
            })
            .map(|r| r["day"].as_str())
            .collect();
        assert_eq!(days, [today.to_string()], "{daily:?}");
        // By place: the block holds them all, against its 80.
        let areas = csv_rows(&fetch_in_page(&mut b, "/admin/progress?format=csv"));
        let home = areas.iter().find(|r| r["code"] == block_code).unwrap();
        assert_eq!(
            (cell(home, "target"), cell(home, "registered")),
            (80, expected_registered as i64)
        );
        // Each camp's results; the camp nobody planned, apart.
        for (id, expected) in planned.iter().zip(&per_camp) {
            let results = fetch_in_page(
                &mut b,
                &format!("/admin/camps/{id}?format=csv&table=results"),
            );
            for (state, n) in expected {
                let shown = results
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{state},")))
                    .map_or(0, |v| v.parse::<usize>().unwrap());
                assert_eq!(shown, *n, "camp {id}, {state}: {results}");
            }
        }
        b.goto(&format!("{base}/admin/camps"));
        let unplanned_table = b.text("#unplanned");
        assert!(
            unplanned_table
                .lines()
                .any(|l| l.contains(&unplanned) && l.trim_end().ends_with(&UNPLANNED.to_string())),
            "{unplanned_table}"
        );
        b.screenshot(&format!("{label}-04-camps"));
        // The payout: Rs 5 for each approval.
        let payout = csv_rows(&fetch_in_page(&mut b, "/admin/payout?format=csv"));
        let paise: i64 = payout
            .iter()
            .filter(|r| r["level"] == "gram_panchayat")
            .map(|r| {
                let (rupees, paise) = r["amount_rupees"].split_once('.').unwrap();
                rupees.parse::<i64>().unwrap() * 100 + paise.parse::<i64>().unwrap()
            })
            .sum();
        assert_eq!(paise, PER_PHONE as i64 * 500, "{payout:?}");
        // The backlog: nothing left on any device; the block officer's pending queue.
        let devices = csv_rows(&fetch_in_page(&mut b, "/admin/backlog?format=csv"));
        // (it lists the devices holding unsent data).
        assert!(
            devices.is_empty(),
            "no phone or laptop holds unsent data: {devices:?}"
        );
        let officers = csv_rows(&fetch_in_page(
            &mut b,
            "/admin/backlog?format=csv&table=officers",
        ));
        let ceo = officers.iter().find(|r| r["officer"] == "ceo").unwrap();
        let pending = states
            .iter()
            .find(|(s, _)| *s == "pending_approval")
            .unwrap()
            .1;
        assert_eq!(cell(ceo, "pending"), pending as i64);
        // The worker, with the Samagra member ID: the number and India's date.
        b.goto(&format!("{base}/status"));
        b.fill("#member_id", &approved_member);
        b.follow("form button[type=submit]");
        let answer = b.text("#answer");
        assert!(
            answer.contains(&approved_number) && answer.contains(&india_date),
            "{answer}"
        );
        b.screenshot(&format!("{label}-05-worker-status"));
        // The department's list against who is registered: two of its five.
        b.goto(&format!("{base}/admin/groups"));
        b.fill("#g-name", "ASHA workers");
        b.fill("#g-department", "Health");
        b.upload("#g-file", &list_file);
        b.wait_for_script("return document.getElementById('g-csv').value.length > 0");
        b.follow("#import");
        b.follow("#open-group");
        let group_path = b.url().replacen(&base, "", 1);
        let coverage = csv_rows(&fetch_in_page(&mut b, &format!("{group_path}?format=csv")));
        let members: i64 = coverage.iter().map(|r| cell(r, "members")).sum();
        let registered: i64 = coverage.iter().map(|r| cell(r, "registered")).sum();
        assert_eq!((members, registered), (5, 2), "{coverage:?}");
        b.screenshot(&format!("{label}-06-department-list"));
    })
    .await
    .unwrap();
    proxy.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_district_day_at_half_past_midnight_on_sqlite() {
    district_day(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_district_day_at_half_past_midnight_on_postgres() {
    district_day(Backend::Postgres).await;
}
