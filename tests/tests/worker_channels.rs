//! The worker's own channels in a real headless Chromium against a real server, on SQLite and
//! on PostgreSQL: a worker registers themselves after a code by SMS (a wrong code and an
//! expired one are refused in words; the family is shown masked; the form is the camp's, with
//! the same checks), the officer approves it in the queue, and the worker's status page shows
//! the number the approval SMS carried. An unknown member ID is answered exactly like a known
//! one and gets no SMS; a second registration of the same member is a duplicate. Every page is
//! saved as a screenshot.

use panjiyan_core::india_time;
use panjiyan_core::location::Level;
use panjiyan_server::harness::{Backend, PASSWORD, TestServer};
use panjiyan_server::notify::{FileGateway, dispatch_once};
use panjiyan_tests::browser::{Browser, screenshot_dir};
use std::path::Path;

/// What the test itself did and saw, to check the pages against.
#[derive(Default)]
struct Ledger {
    /// The SMS lines the gateway file held when last read.
    sms_seen: usize,
}

/// Sends what the outbox holds through the file gateway, and answers the bodies of the SMS
/// messages that arrived since the last call.
fn new_sms(
    handle: &tokio::runtime::Handle,
    app: &panjiyan_server::app::App,
    file: &Path,
    ledger: &mut Ledger,
) -> Vec<serde_json::Value> {
    let gateway = FileGateway::new(file);
    handle.block_on(async { while dispatch_once(app, &gateway).await.unwrap() > 0 {} });
    let all: Vec<serde_json::Value> = std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|m: &serde_json::Value| m["channel"] == "sms")
        .collect();
    let fresh = all[ledger.sms_seen..].to_vec();
    ledger.sms_seen = all.len();
    fresh
}

/// The six-digit code an SMS body carries.
fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

async fn a_worker_registers_themselves(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sms_file = dir.path().join("sms.jsonl");
    // The officer decides for the first block; the worker lives there.
    let block = server.places(Level::Block)[0].clone();
    let people = server.adults_within(&block);
    let worker = people[0].clone();
    let member_id = worker.member_id.to_string();
    let mobile = "9876500001";
    // A member ID nobody holds: the generator's are nine digits from 1.
    let unknown = "999999999";
    assert!(
        server
            .app
            .db
            .member_record(unknown)
            .await
            .unwrap()
            .is_none()
    );

    let base = server.url.clone();
    let label = backend.label();
    let shots = screenshot_dir("worker");
    let app = server.app.clone();
    let handle = tokio::runtime::Handle::current();
    let name_en = worker.name_en.clone();
    let member = member_id.clone();
    let (number_on_status, approval_sms) = tokio::task::spawn_blocking(move || {
        let member_id = member;
        let mut ledger = Ledger::default();
        let mut b = Browser::start(shots);
        let shot = |b: &mut Browser, name: &str| b.screenshot(&format!("{label}-{name}"));

        // Hindi first; the worker gives their member ID and number.
        b.goto(&format!("{base}/self"));
        assert_eq!(b.run("return document.documentElement.lang"), "hi");
        assert_eq!(
            b.run("return document.scripts.length"),
            0,
            "no script: a phone with JavaScript off works"
        );
        shot(&mut b, "01-self-start");
        b.fill("#member_id", "12345");
        b.fill("#mobile", mobile);
        b.follow("#send");
        assert!(
            b.text("#problem").contains("9 अंकों"),
            "{}",
            b.text("#problem")
        );

        // An unknown member ID: the same answer as a known one, and no SMS.
        b.fill("#member_id", unknown);
        b.fill("#mobile", "9876500009");
        b.follow("#send");
        let unknown_said = b.text("#sent");
        assert!(unknown_said.contains("XXXXXX0009"), "{unknown_said}");
        assert!(
            new_sms(&handle, &app, &sms_file, &mut ledger).is_empty(),
            "no SMS for an unknown member"
        );

        b.goto(&format!("{base}/self"));
        b.fill("#member_id", &member_id);
        b.fill("#mobile", mobile);
        b.follow("#send");
        let known_said = b.text("#sent");
        assert_eq!(
            known_said.replace("0001", "0009"),
            unknown_said,
            "known and unknown IDs are answered alike"
        );
        shot(&mut b, "02-self-code");
        let sms = new_sms(&handle, &app, &sms_file, &mut ledger);
        assert_eq!(sms.len(), 1, "one SMS with the code: {sms:?}");
        assert_eq!(sms[0]["recipient"], "XXXXXX0001");
        let code = code_in(sms[0]["body"].as_str().unwrap());

        // A wrong code is refused in words, with the tries left.
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        b.fill("#code", &wrong);
        b.follow("#verify");
        assert!(
            b.text("#problem").contains("कोड सही नहीं है। 4 प्रयास बाकी हैं"),
            "{}",
            b.text("#problem")
        );
        shot(&mut b, "03-self-wrong-code");

        // Eleven minutes later the right code has expired.
        india_time::set_clock(india_time::now_utc() + time::Duration::minutes(11));
        b.fill("#code", &code);
        b.follow("#verify");
        assert!(
            b.text("#problem").contains("समाप्त"),
            "{}",
            b.text("#problem")
        );
        shot(&mut b, "04-self-expired-code");
        india_time::set_clock(time::OffsetDateTime::now_utc());

        // A new code, given in time, opens the family's record, masked, and the form.
        b.follow("#ask-again");
        b.fill("#member_id", &member_id);
        b.fill("#mobile", mobile);
        b.follow("#send");
        let sms = new_sms(&handle, &app, &sms_file, &mut ledger);
        let code = code_in(sms[0]["body"].as_str().unwrap());
        b.fill("#code", &code);
        b.follow("#verify");
        assert!(b.url().ends_with("/self/form"), "{}", b.url());
        let family = b.text("#family");
        assert!(family.contains('*'), "names are masked: {family}");
        assert!(
            !b.text("main, body").contains(&name_en),
            "the worker's full name is not shown to whoever holds the code"
        );
        assert!(b.exists("#family tr.you"));
        shot(&mut b, "05-self-form");

        // The camp's checks: without consent nothing is stored, and the page says why.
        let occupation = "agricultural_labour";
        b.choose("#occupation", occupation);
        b.fill("#land", "0");
        b.fill("#irrigated", "0");
        b.fill("#migrant_state", "Gujarat");
        b.fill("#migrant_district", "Surat");
        b.fill("#migrant_experience", "4");
        b.follow("#submit");
        assert!(
            b.text("#problems").contains("सहमति"),
            "{}",
            b.text("#problems")
        );
        assert_eq!(
            b.run("return document.querySelector('#migrant_district').value"),
            "Surat",
            "nothing typed is lost"
        );
        shot(&mut b, "06-self-no-consent");
        b.click("#consent");
        b.follow("#submit");
        assert!(b.text("#said").contains("मिल गया"), "{}", b.text("#said"));
        shot(&mut b, "07-self-received");

        // The officer finds it in the queue, marked as self-registered, and approves it.
        b.goto(&format!("{base}/officer/sign-in"));
        b.fill("#username", "officer");
        b.fill("#password", PASSWORD);
        b.follow("button[type=submit]");
        let rows = b.all("table.queue tbody tr");
        assert_eq!(rows.len(), 1, "the one self-registration: {rows:?}");
        let row = b.text("table.queue tbody tr");
        assert!(row.contains("स्वयं"), "marked as self-registered: {row}");
        b.follow("table.queue tbody tr a");
        b.wait_for("#approve");
        shot(&mut b, "08-officer-registration");
        b.follow("#approve");
        let number = b.text("#number");
        assert!(!number.is_empty());
        b.follow("header form button");

        // The approval SMS carries the number; the worker's status page shows the same.
        let sms = new_sms(&handle, &app, &sms_file, &mut ledger);
        let approval = sms
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .find(|b| b.contains("स्वीकृत"))
            .expect("an approval SMS");
        assert!(approval.contains(&number), "{approval}");
        b.goto(&format!("{base}/status?member_id={member_id}"));
        let status = b.text("#answer");
        shot(&mut b, "09-status-approved");

        // A second registration of the same member, from another number: a duplicate.
        b.goto(&format!("{base}/self"));
        b.follow("header a.lang");
        assert_eq!(b.run("return document.documentElement.lang"), "en");
        b.fill("#member_id", &member_id);
        b.fill("#mobile", "9876500002");
        b.follow("#send");
        let sms = new_sms(&handle, &app, &sms_file, &mut ledger);
        assert_eq!(sms[0]["language"], "en");
        b.fill("#code", &code_in(sms[0]["body"].as_str().unwrap()));
        b.follow("#verify");
        b.choose("#occupation", occupation);
        b.fill("#land", "0");
        b.fill("#irrigated", "0");
        b.click("#consent");
        b.follow("#submit");
        assert!(
            b.text("#said").contains("already registered"),
            "{}",
            b.text("#said")
        );
        shot(&mut b, "10-self-duplicate-english");
        (status, (number, approval))
    })
    .await
    .unwrap();
    let (number, _) = &approval_sms;
    assert!(
        number_on_status.contains(number.as_str()),
        "the status page shows the number of the approval SMS: {number_on_status} / {number}"
    );
    let regs = server
        .app
        .db
        .registrations_of_member(&member_id)
        .await
        .unwrap();
    assert_eq!(regs.len(), 2, "the first and its duplicate");
    assert!(regs.iter().all(|r| r.channel == "self_registered"));
    assert!(regs.iter().any(|r| r.state == "duplicate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_registers_themselves_in_chromium_on_sqlite() {
    a_worker_registers_themselves(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_registers_themselves_in_chromium_on_postgres() {
    a_worker_registers_themselves(Backend::Postgres).await;
}
