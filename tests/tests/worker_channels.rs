//! The worker's own channels in a real headless Chromium against a real server, on SQLite and
//! on PostgreSQL: a worker registers themselves after a code by SMS (a wrong code and an
//! expired one are refused in words; the family is shown masked; the form is the camp's, with
//! the same checks), the officer approves it in the queue, and the worker's status page shows
//! the number the approval SMS carried. An unknown member ID is answered exactly like a known
//! one and gets no SMS; a second registration of the same member is a duplicate. Every page is
//! saved as a screenshot.

use panjiyan_core::india_time;
use panjiyan_core::location::Level;
use panjiyan_server::harness::{Backend, PASSWORD, TestServer, pdf};
use panjiyan_server::notify::{FileGateway, dispatch_once};
use panjiyan_tests::browser::{Browser, screenshot_dir};
use std::path::Path;

/// What the test itself did and saw, to check the pages against.
#[derive(Default)]
struct Ledger {
    /// The SMS lines the gateway file held when last read.
    sms_seen: usize,
}

/// Sends what the outbox holds through the file gateway, and answers the SMS messages that
/// arrived since the last call.
async fn arrived(
    app: &panjiyan_server::app::App,
    file: &Path,
    ledger: &mut Ledger,
) -> Vec<serde_json::Value> {
    let gateway = FileGateway::new(file);
    while dispatch_once(app, &gateway).await.unwrap() > 0 {}
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

/// `arrived`, from the browser's blocking thread.
fn new_sms(
    handle: &tokio::runtime::Handle,
    app: &panjiyan_server::app::App,
    file: &Path,
    ledger: &mut Ledger,
) -> Vec<serde_json::Value> {
    handle.block_on(arrived(app, file, ledger))
}

/// The six-digit code an SMS body carries.
fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

/// The story moves the process's one clock (an expired code); the two backends' runs of it
/// take turns, so that one's eleven minutes never expire the other's code.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn a_worker_registers_themselves(backend: Backend) {
    let _clock = CLOCK.lock().await;
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
    let browser_sms = sms_file.clone();
    let (number_on_status, approval_sms, mut ledger) = tokio::task::spawn_blocking(move || {
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
        (status, (number, approval), ledger)
    })
    .await
    .unwrap();
    let (number, _) = &approval_sms;
    let number = number.clone();
    assert!(
        number_on_status.contains(number.as_str()),
        "the status page shows the number of the approval SMS: {number_on_status} / {number}"
    );

    // The worker's own card: a code goes only to the number of the approved registration.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ask = |mobile: &'static str| {
        let (http, url, member_id) = (
            http.clone(),
            format!("{}/card/code", server.url),
            member_id.clone(),
        );
        async move {
            let r = http
                .post(url)
                .form(&[("member_id", member_id.as_str()), ("mobile", mobile)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
            let to = r.headers()["location"].to_str().unwrap().to_owned();
            to.split("c=").nth(1).unwrap().to_owned()
        }
    };
    ask("9876500003").await;
    assert!(
        arrived(&server.app, &browser_sms, &mut ledger)
            .await
            .is_empty(),
        "no code to a number that is not the registration's"
    );
    let id = ask(mobile).await;
    let sms = arrived(&server.app, &browser_sms, &mut ledger).await;
    assert_eq!(sms.len(), 1, "{sms:?}");
    let code = code_in(sms[0]["body"].as_str().unwrap());
    let r = http
        .post(format!("{}/card/verify", server.url))
        .form(&[("c", id.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let r = http
        .get(format!("{}/card/download", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    let (file, pngs) = pdf::render(&format!("worker-card-{}", backend.label()), &pdf);
    assert_eq!(pngs.len(), 1, "one card, one page");
    let text = pdf::pdftotext(&file, None);
    assert!(text.contains(&number), "the card shows the number: {text}");
    assert!(
        text.contains(&worker.name_hi),
        "the card shows the Hindi name: {text}"
    );
    let codes = pdf::decode(&pngs[0]);
    assert_eq!(codes.len(), 1, "one QR code on the card: {codes:?}");

    // The status page says the card is genuine; one changed character makes it forged.
    let check = |statement: String| {
        let (http, url) = (http.clone(), format!("{}/status/verify", server.url));
        async move {
            let r = http
                .get(url)
                .query(&[("s", statement)])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, page) = check(codes[0].clone()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("यह कार्ड सही है") && page.contains(&number),
        "{page}"
    );
    assert!(page.contains("आज भी स्वीकृत"), "{page}");
    // A forger writes another name into the statement and keeps the signature.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = codes[0].split('.').collect();
    assert_eq!(parts.len(), 3, "PJ1.payload.signature: {}", codes[0]);
    let said = String::from_utf8(b64.decode(parts[1]).unwrap()).unwrap();
    assert!(said.contains(&worker.name_en), "{said}");
    let altered = said.replace(&worker.name_en, "Someone Else");
    let forged = format!("PJ1.{}.{}", b64.encode(altered), parts[2]);
    let (status, page) = check(forged).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("यह कार्ड सही नहीं है"), "{page}");

    // The officer prints the same card from the registration page.
    let first = server
        .app
        .db
        .registrations_of_member(&member_id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.state == "approved")
        .unwrap();
    let token = server.login("officer").await;
    let r = http
        .get(format!(
            "{}/officer/registrations/{}/card.pdf",
            server.url, first.id
        ))
        .header("cookie", format!("panjiyan_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (file, _) = pdf::render(
        &format!("officer-card-{}", backend.label()),
        &r.bytes().await.unwrap(),
    );
    assert!(pdf::pdftotext(&file, None).contains(&number));
    // Another block's officer finds no such registration.
    let other = server.login("officer-2").await;
    let r = http
        .get(format!(
            "{}/officer/registrations/{}/card.pdf",
            server.url, first.id
        ))
        .header("cookie", format!("panjiyan_session={other}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
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
