//! Rozgar Setu's pages in a real headless Chromium against a real server, on SQLite and on
//! PostgreSQL: the state admin sets minimum wages on `/admin/wages`; an employer registers
//! itself after a code read from the SMS the file gateway delivered and, unverified, sees no
//! workers; the collector verifies it; it posts a requirement (refused below the minimum wage
//! first, in words beside the field, the form refilled), sees the ranked shortlist with
//! reasons and no contact details, sends offers (a second send names the worker left out);
//! workers answer on `/jobs/mine` after their own code (one accepts, one declines and
//! withdraws consent); the employer sees only the accepted worker's mobile and records joining;
//! the district cell's funnel equals the test's ledger and its CSV the page, and it registers an
//! employer that came to its office (awaiting verification, signing in). An employer cannot
//! open another's requirement (404) nor the officers' queue (403). Every employer and district
//! cell page is saved as a screenshot in Hindi and in English.

use panjiyan_core::india_time;
use panjiyan_core::location::Level;
use panjiyan_core::registration::{
    ApplicantFacts, Channel, MigrantDetails, RegistrationForm, WorkArea,
};
use panjiyan_server::harness::{Backend, PASSWORD, TestServer, User, add_users};
use panjiyan_server::notify::{FileGateway, dispatch_once};
use panjiyan_server::on_both_backends;
use panjiyan_server::roles::Role;
use panjiyan_server::rozgar::employers::{self, EmployerForm};
use panjiyan_server::rozgar::requirements::{self, RequirementForm};
use panjiyan_tests::browser::{Browser, screenshot_dir};
use std::path::Path;

/// The SMS messages the file gateway delivered since the last call.
fn new_sms(
    handle: &tokio::runtime::Handle,
    app: &panjiyan_server::app::App,
    file: &Path,
    seen: &mut usize,
) -> Vec<serde_json::Value> {
    handle.block_on(async {
        let gateway = FileGateway::new(file);
        while dispatch_once(app, &gateway).await.unwrap() > 0 {}
    });
    let all: Vec<serde_json::Value> = std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|m: &serde_json::Value| m["channel"] == "sms")
        .collect();
    let fresh = all[*seen..].to_vec();
    *seen = all.len();
    fresh
}

fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

fn mobile(i: usize) -> String {
    format!("98765{:05}", 43_210 + i)
}

/// GET `path` inside the page (its session): the status, a newline, the body.
fn fetch(b: &mut Browser, path: &str) -> String {
    b.run(&format!(
        "var x = new XMLHttpRequest(); x.open('GET', '{path}', false); x.send(); return x.status + '\\n' + x.responseText;"
    ))
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// POST `body` to `path` inside the page: the final URL, a newline, the body.
fn post(b: &mut Browser, path: &str, body: &str) -> String {
    b.run(&format!(
        "var x = new XMLHttpRequest(); x.open('POST', '{path}', false); \
         x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded'); x.send('{body}'); \
         return x.responseURL + '\\n' + x.responseText;"
    ))
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

fn sign_in(b: &mut Browser, base: &str, user: &str, password: &str) {
    b.goto(&format!("{base}/officer/sign-in"));
    b.fill("#username", user);
    b.fill("#password", password);
    b.follow("button[type=submit]");
}

fn sign_out(b: &mut Browser) {
    b.follow("header form button");
}

fn set_date(b: &mut Browser, id: &str, day: time::Date) {
    b.run(&format!("document.getElementById('{id}').value = '{day}';"));
}

async fn employer_story(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sms_file = dir.path().join("sms.jsonl");
    let district = s.places(Level::District)[0].to_string();
    add_users(&s.app, &[User::new("cell", Role::DistrictCell, &district)]).await;

    // Four returned migrants registered on a camp phone and approved: two builders and a
    // head loader who consent to be contacted, and a builder who does not.
    let trades = [
        "construction",
        "construction",
        "head_loader",
        "construction",
    ];
    let consents = [true, true, true, false];
    let phone = s.enrol("operator").await;
    let adults = phone.members_aged(20..=50);
    let mut ids = Vec::new();
    for i in 0..trades.len() {
        let form = RegistrationForm {
            occupation_code: Some("construction".into()),
            mobile: Some(mobile(i)),
            facts: ApplicantFacts::no_land(),
            consent: true,
            channel: Channel::Camp,
            migrant: Some(MigrantDetails {
                state_worked_in: "Gujarat".into(),
                trade_code: Some(trades[i].into()),
                experience_years: Some(5 - i as u8),
                willing_to_work: Some(WorkArea::District),
                job_consent: consents[i],
                ..MigrantDetails::default()
            }),
            ..RegistrationForm::new(adults[i].member_id.clone(), "operator")
        };
        let id = phone.store.create_draft(&form).unwrap();
        phone
            .store
            .finalise(id, india_time::now_utc(), true)
            .unwrap();
        ids.push(id);
    }
    assert!(s.push_outbox(&phone).await.status().is_success());
    assert_eq!(s.approve_all(&ids).await, ids.len());
    let members: Vec<String> = adults[..4]
        .iter()
        .map(|m| m.member_id.to_string())
        .collect();
    let work_place = phone.store.units().unwrap()[0].code.to_string();
    let work_place_hi = phone.store.units().unwrap()[0].name_hi.clone();

    // Another employer of the district, verified, whose requirement the first must not see.
    let db = s.app.db.clone();
    let users = db.users().await.unwrap();
    let collector = users
        .iter()
        .find(|u| u.username == "collector")
        .unwrap()
        .clone();
    let check = panjiyan_core::validate::gstin_check_char("23ABCDE9999F1Z").unwrap();
    let other = EmployerForm {
        kind: "msme".into(),
        name: "Satpura Garments".into(),
        gstin: format!("23ABCDE9999F1Z{check}"),
        udyam: String::new(),
        place_code: work_place.clone(),
        address: "Mill Road".into(),
        contact_name: "S. Jain".into(),
        contact_mobile: "9425099999".into(),
    };
    let checked = employers::check(&db, &other, &district).await.unwrap();
    let hash = panjiyan_server::auth::hash_password("garments-password");
    let other_id = employers::register(&db, &checked, "satpura", &hash, Some(collector.id))
        .await
        .unwrap();
    employers::decide(&db, &collector, other_id, None)
        .await
        .unwrap();
    let other_user = db
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "satpura")
        .unwrap();

    let base = s.url.clone();
    let label = backend.label();
    let shots = screenshot_dir("jobs");
    let app = s.app.clone();
    let handle = tokio::runtime::Handle::current();
    let today = india_time::today();
    let check = panjiyan_core::validate::gstin_check_char("23ABCDE1234F1Z").unwrap();
    tokio::task::spawn_blocking(move || {
        let mut seen = 0usize;
        // The approvals' SMS messages went before the story starts.
        new_sms(&handle, &app, &sms_file, &mut seen);
        let mut b = Browser::start(shots);
        // A page in Hindi, then in English, then back.
        let both = |b: &mut Browser, name: &str| {
            b.screenshot(&format!("{label}-{name}-hi"));
            b.follow("a.lang");
            assert_eq!(b.run("return document.documentElement.lang"), "en");
            b.screenshot(&format!("{label}-{name}-en"));
            b.follow("a.lang");
            assert_eq!(b.run("return document.documentElement.lang"), "hi");
        };

        // The state admin sets the minimum wages: building and tailoring from a month ago.
        sign_in(&mut b, &base, "state", PASSWORD);
        b.goto(&format!("{base}/admin/wages"));
        for (trade, rupees) in [("construction", "400"), ("tailoring", "350")] {
            b.choose("#trade_code", trade);
            set_date(&mut b, "from_on", today - time::Duration::days(30));
            b.fill("#daily_rupees", rupees);
            b.follow("#submit");
        }
        let wages = b.text("#wages");
        assert!(wages.contains("₹400") && wages.contains("₹350"), "{wages}");
        sign_out(&mut b);

        // The other employer's requirement: tailoring, which no registered worker does.
        let theirs = handle.block_on(async {
            let e = employers::verified_employer_of(&app.db, &other_user).await.unwrap();
            let form = RequirementForm {
                trade_code: "tailoring".into(),
                workers: "12".into(),
                daily_rupees: "380".into(),
                place_code: work_place.clone(),
                starts_on: (today + time::Duration::days(10)).to_string(),
                duration_days: "60".into(),
                closes_on: (today + time::Duration::days(5)).to_string(),
                food: false,
                stay: false,
            };
            requirements::post(&app.db, &e, &form, other_user.id).await.unwrap()
        });

        // The employer registers itself: a code by SMS to the contact's mobile first.
        b.goto(&format!("{base}/employer/register"));
        assert!(!b.exists("#member_id"), "an employer gives no Samagra ID");
        both(&mut b, "01-employer-register-mobile");
        b.fill("#mobile", "9425012345");
        b.follow("#send");
        both(&mut b, "02-employer-register-code");
        let sms = new_sms(&handle, &app, &sms_file, &mut seen);
        assert_eq!(sms.len(), 1, "{sms:?}");
        assert_eq!(sms[0]["recipient"], "XXXXXX2345");
        b.fill("#code", &code_in(sms[0]["body"].as_str().unwrap()));
        b.follow("#verify");
        assert!(b.url().ends_with("/employer/register/form"), "{}", b.url());
        assert_eq!(b.text("#mobile"), "9425012345");
        both(&mut b, "03-employer-register-form");
        b.choose("#kind", "builder");
        b.fill("#name", "Narmada Builders");
        b.fill("#gstin", "23ABCDE1234F1Z0");
        b.fill("#place_code", &work_place);
        b.fill("#address", "Station Road");
        b.fill("#contact_name", "R. K. Verma");
        b.fill("#username", "narmada");
        b.fill("#password", "builder-password");
        b.follow("#submit");
        // A wrong check character: named beside the field, the form refilled, nothing stored.
        assert!(b.exists("#problem-gstin"), "{}", b.text("main"));
        assert_eq!(b.run("return document.getElementById('name').value"), "Narmada Builders");
        // (A refused form is shown in one language: the language link reloads it empty.)
        b.screenshot(&format!("{label}-04-employer-register-problem-hi"));
        b.fill("#gstin", &format!("23ABCDE1234F1Z{check}"));
        b.fill("#password", "builder-password");
        b.follow("#submit");
        assert!(b.exists("#done"), "{}", b.text("main"));
        both(&mut b, "05-employer-registered");

        // Unverified, it sees that it awaits verification and nothing of workers.
        sign_in(&mut b, &base, "narmada", "builder-password");
        assert!(b.url().ends_with("/employer"), "{}", b.url());
        assert!(b.text("#awaiting").contains("Narmada Builders"));
        assert!(!b.exists("#requirements") && !b.exists("#shortlist"));
        both(&mut b, "06-employer-awaiting");
        b.goto(&format!("{base}/employer/requirements/new"));
        assert!(b.exists("#awaiting") && !b.exists("#requirement-form"));
        // Never the officers' pages.
        assert!(fetch(&mut b, "/officer/queue").starts_with("403"));
        sign_out(&mut b);

        // The collector verifies it.
        sign_in(&mut b, &base, "collector", PASSWORD);
        b.goto(&format!("{base}/jobs/employers"));
        let first = b.text("#employers tbody tr");
        assert!(first.contains("Narmada Builders"), "awaiting first: {first}");
        b.follow("#employers button.verify");
        assert!(!b.exists("#employers button.verify"));
        sign_out(&mut b);

        // Verified, it posts a requirement: below the minimum wage first.
        sign_in(&mut b, &base, "narmada", "builder-password");
        assert!(b.exists("#none"));
        both(&mut b, "07-employer-home-empty");
        b.follow("#post");
        both(&mut b, "08-employer-requirement-form");
        b.choose("#trade_code", "construction");
        b.fill("#workers", "3");
        b.fill("#daily_rupees", "350");
        set_date(&mut b, "starts_on", today + time::Duration::days(10));
        set_date(&mut b, "closes_on", today + time::Duration::days(5));
        b.fill("#duration_days", "90");
        b.click("#food");
        b.follow("#submit");
        let low = b.text("#problem-daily_rupees");
        assert!(low.contains("₹400"), "{low}");
        assert_eq!(b.run("return document.getElementById('workers').value"), "3");
        assert_eq!(b.run("return document.getElementById('food').checked"), true);
        b.screenshot(&format!("{label}-08-employer-requirement-refused-hi"));
        b.fill("#daily_rupees", "450");
        b.follow("#submit");
        assert!(b.url().contains("/employer/requirements/"), "{}", b.url());
        let mine_path = b.url().split(&base).nth(1).unwrap().to_owned();

        // The shortlist: the consenting three, builders first by experience, then the related
        // trade, with reasons in the page's language; no Samagra ID and no mobile anywhere.
        let rows = b.all("#shortlist tbody tr");
        assert_eq!(rows.len(), 3);
        let reasons = b.text("#shortlist tbody tr td.reasons");
        let same_trade = panjiyan_server::texts::key(
            panjiyan_core::messages::Lang::Hi,
            "page.jobs.reason.same_trade",
        );
        assert!(reasons.contains(&same_trade), "{reasons}");
        let html = b.run("return document.documentElement.outerHTML").as_str().unwrap().to_owned();
        for (i, member) in members.iter().enumerate() {
            assert!(!html.contains(member) && !html.contains(&mobile(i)), "worker {i} shown");
        }
        both(&mut b, "09-employer-shortlist");

        // Offers to all three; sending again names the worker left out.
        let values = b.run(
            "return Array.from(document.querySelectorAll('input[name=row]')).map(e => e.value)",
        );
        let first_value = values[0].as_str().unwrap().to_owned();
        let csrf = b.run("return document.querySelector('#offer-form input[name=csrf]').value");
        for rank in 1..=3 {
            b.click(&format!("#row-{rank}"));
        }
        b.follow("#send-offers");
        assert!(b.text("#sent").contains('3'), "{}", b.text("#sent"));
        assert_eq!(b.all("#offers tbody tr").len(), 3);
        assert!(b.exists("#no-match"), "everyone on the list was offered");
        let again = post(
            &mut b,
            &format!("{mine_path}/offers"),
            &format!("csrf={}&row={first_value}", csrf.as_str().unwrap()),
        );
        assert!(again.contains("id=\"left-out\""), "{again}");
        let already = panjiyan_server::texts::key(
            panjiyan_core::messages::Lang::Hi,
            "page.jobs.left_out.already_offered",
        );
        assert!(again.contains(&already), "{again}");
        // Another employer's requirement is not found.
        assert!(fetch(&mut b, &format!("/employer/requirements/{theirs}")).starts_with("404"));

        // Each worker got an offer by SMS with the employer's name and wage.
        let offers_sms = new_sms(&handle, &app, &sms_file, &mut seen);
        for i in 0..3 {
            let last4 = &mobile(i)[6..];
            assert!(
                offers_sms.iter().any(|m| m["recipient"].as_str().unwrap().ends_with(last4)
                    && m["body"].as_str().unwrap().contains("Narmada Builders")),
                "an offer SMS to worker {i}: {offers_sms:?}"
            );
        }

        // Worker 0 accepts on their own page after a code.
        b.goto(&format!("{base}/jobs/mine"));
        assert_eq!(b.run("return document.scripts.length"), 0, "no script");
        b.fill("#member_id", &members[0]);
        b.fill("#mobile", &mobile(0));
        b.follow("#send");
        let sms = new_sms(&handle, &app, &sms_file, &mut seen);
        b.fill("#code", &code_in(sms[0]["body"].as_str().unwrap()));
        b.follow("#verify");
        assert!(b.text("#offer-1").contains("Narmada Builders"));
        b.screenshot(&format!("{label}-10-worker-offers-hi"));
        b.follow("#offer-1 button.accept");
        assert!(!b.exists("#offer-1 button.accept"));
        // Worker 1 declines and withdraws consent (a code of their own replaces the session).
        let sent = post(
            &mut b,
            "/jobs/mine/code",
            &format!("member_id={}&mobile={}", members[1], mobile(1)),
        );
        let verify_url = sent.lines().next().unwrap().to_owned();
        assert!(verify_url.contains("/jobs/mine/verify?c="), "{verify_url}");
        b.goto(&verify_url);
        let sms = new_sms(&handle, &app, &sms_file, &mut seen);
        b.fill("#code", &code_in(sms[0]["body"].as_str().unwrap()));
        b.follow("#verify");
        b.follow("#offer-1 button.decline");
        b.follow("#withdraw");
        assert!(b.exists("#give"));
        b.screenshot(&format!("{label}-11-worker-consent-withdrawn-hi"));

        // The employer sees only the accepted worker's mobile, and records joining today.
        b.goto(&format!("{base}{mine_path}"));
        assert_eq!(b.all("#offers td.mobile").len(), 3);
        let shown = b.run(
            "return Array.from(document.querySelectorAll('#offers td.mobile')).map(e => e.innerText).filter(t => t)",
        );
        assert_eq!(shown, serde_json::json!([mobile(0)]));
        b.follow("#offers form.join button");
        assert!(!b.exists("#offers form.join"));
        both(&mut b, "12-employer-offers-joined");
        b.goto(&format!("{base}/employer"));
        let line = b.text("#requirements tbody tr");
        assert!(line.contains("450"), "{line}");
        both(&mut b, "13-employer-home");
        sign_out(&mut b);

        // The district cell lands on its page: the funnel equals the ledger — 4 registered,
        // 3 gave consent and 1 withdrew, 3 shortlisted, 3 offered, 1 accepted, 1 joined the
        // day the requirement was posted.
        sign_in(&mut b, &base, "cell", PASSWORD);
        assert!(b.url().ends_with("/jobs/cell"), "{}", b.url());
        assert!(fetch(&mut b, "/officer/queue").starts_with("403"));
        let expected = ["4", "2", "3", "3", "1", "1", "0.0"];
        for by in ["district", "block", "trade"] {
            b.goto(&format!("{base}/jobs/cell?by={by}"));
            let total = b.run(
                "return Array.from(document.querySelectorAll('#funnel tr.total td')).slice(1).map(e => e.innerText)",
            );
            assert_eq!(total, serde_json::json!(expected), "by {by}");
            assert!(b.exists("#funnel-chart svg rect"), "bars");
            // The CSV holds the page's rows.
            let csv = fetch(&mut b, &format!("/jobs/cell?by={by}&format=csv"));
            let (status, body) = csv.split_once('\n').unwrap();
            assert_eq!(status, "200");
            // The bytes themselves (a text decoder drops the BOM).
            b.run(&format!(
                "window.__bom = null; fetch('/jobs/cell?by={by}&format=csv').then(r => r.arrayBuffer()) \
                 .then(a => {{ window.__bom = Array.from(new Uint8Array(a).slice(0, 3)); }});"
            ));
            b.wait_for_script("return window.__bom !== null;");
            let bom = b.run("return window.__bom;");
            assert_eq!(bom, serde_json::json!([0xEF, 0xBB, 0xBF]), "a BOM first");
            let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
            assert!(lines[0].starts_with("code,name_hi,name_en,registered"), "{body}");
            let page_rows = b.run(
                "return Array.from(document.querySelectorAll('#funnel tbody tr')).map(r => [r.dataset.key].concat(Array.from(r.querySelectorAll('td')).map(e => e.innerText)))",
            );
            let page_rows = page_rows.as_array().unwrap();
            assert_eq!(lines.len() - 1, page_rows.len(), "{body}");
            for (line, row) in lines[1..].iter().zip(page_rows) {
                let cells: Vec<&str> = line.split(',').collect();
                let row: Vec<&str> = row.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                assert_eq!(cells[0], row[0]);
                assert_eq!(cells[1], row[1], "the Hindi name");
                assert_eq!(&cells[3..], &row[2..], "{line}");
            }
        }
        let by_trade = b.text("#funnel");
        assert!(by_trade.contains("कुल"));
        // The tailoring requirement nobody matches, and the trade short of workers.
        assert!(b.text("#unmatched").contains("Satpura Garments"));
        assert!(b.text("#short-trades").contains("12"));
        b.goto(&format!("{base}/jobs/cell"));
        // Usage by office: the collector registered Satpura and verified both employers; by
        // block: both requirements in the work place's block, three offers, one accepted and
        // joined.
        let collector = b.run(
            "return Array.from(document.querySelectorAll('#usage-offices tr[data-user=collector] td')).slice(1).map(e => e.innerText)",
        );
        assert_eq!(collector, serde_json::json!(["1", "2", "0", "0"]));
        let blocks = b.run(
            "return Array.from(document.querySelectorAll('#usage-blocks tbody tr')).map(r => Array.from(r.querySelectorAll('td')).slice(1).map(e => e.innerText))",
        );
        assert_eq!(blocks, serde_json::json!([["2", "3", "1", "1"]]));
        both(&mut b, "14-cell");
        b.goto(&format!("{base}/jobs/employers"));
        both(&mut b, "15-cell-employers");

        // The cell registers an employer that came to its office: a wrong mobile is named,
        // then it waits for verification like any other and signs in with what the cell chose.
        b.follow("#new-employer");
        assert!(b.url().ends_with("/jobs/employers/new"), "{}", b.url());
        both(&mut b, "16-cell-employer-form");
        b.choose("#kind", "shop");
        b.fill("#name", "Rewa Kirana Bhandar");
        // The place by its Hindi name, as the cell knows it; a name no place has is named.
        b.fill("#place_code", "कोई नहीं");
        b.fill("#address", "Gandhi Chowk");
        b.fill("#contact_name", "S. Tiwari");
        b.fill("#contact_mobile", "12345");
        b.fill("#username", "rewa-kirana");
        b.fill("#password", "kirana-password");
        b.follow("#submit");
        assert!(b.exists("#problem-contact_mobile"), "{}", b.text("main"));
        assert!(b.exists("#problem-place_code"), "{}", b.text("main"));
        assert!(!b.exists("#done"));
        b.fill("#place_code", &work_place_hi);
        b.fill("#contact_mobile", "9425054321");
        b.fill("#password", "kirana-password");
        b.follow("#submit");
        assert!(b.exists("#done"), "{}", b.text("main"));
        b.follow("#employers");
        let first = b.text("#employers tbody tr");
        assert!(
            first.contains("Rewa Kirana Bhandar") && first.contains("9425054321"),
            "awaiting first: {first}"
        );
        assert!(first.contains(&work_place_hi), "the place its name named: {first}");
        sign_out(&mut b);
        sign_in(&mut b, &base, "rewa-kirana", "kirana-password");
        assert!(b.text("#awaiting").contains("Rewa Kirana Bhandar"));
        // An employer may not register others.
        assert!(fetch(&mut b, "/jobs/employers/new").starts_with("403"));
        sign_out(&mut b);
    })
    .await
    .unwrap();
}

on_both_backends!(jobs_pages, employer_story);
