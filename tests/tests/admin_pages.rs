//! The collector's and admin's pages in a real headless Chromium against a real server:
//! progress against targets with drill-down, charts and CSV; the payout statement; planning a
//! camp and watching its packs reach the staff's phone and its results come in; the sync
//! backlog with a silent phone flagged (and the same figures on /metrics); a department list
//! imported from a file and compared with who is registered. Every page is saved as a
//! screenshot. Runs on SQLite and on PostgreSQL.

use panjiyan_core::location::Level;
use panjiyan_core::validate::LgdCode;
use panjiyan_core::wire::BacklogReport;
use panjiyan_server::harness::{
    Backend, PASSWORD, Setup, TestServer, User, add_users, fresh_database, pdf,
};
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;
use panjiyan_tests::browser::{Browser, screenshot_dir};
use panjiyan_tests::phone::{AtCamp, device_id, register};

/// A synchronous GET from inside the page (with its session cookie): what a CSV link downloads.
fn fetch_in_page(b: &mut Browser, path: &str) -> String {
    b.run(&format!(
        "var x = new XMLHttpRequest(); x.open('GET', '{path}', false); x.send(); return x.status + '\\n' + x.responseText;"
    ))
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// The bytes of `path` fetched inside the page (with its session), and the status.
fn fetch_bytes_in_page(b: &mut Browser, path: &str) -> (u16, Vec<u8>) {
    use base64::Engine;
    let answer = b.run(&format!(
        "var x = new XMLHttpRequest(); x.open('GET', '{path}', false); \
         x.overrideMimeType('text/plain; charset=x-user-defined'); x.send(); var s = ''; \
         for (var i = 0; i < x.responseText.length; i++) s += String.fromCharCode(x.responseText.charCodeAt(i) & 255); \
         return x.status + ' ' + btoa(s);"
    ));
    let (status, body) = answer.as_str().unwrap().split_once(' ').unwrap();
    (
        status.parse().unwrap(),
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap(),
    )
}

async fn admin_pages(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let server = TestServer::start_on(db, Setup::camp(12)).await;
    let h = server.district.hierarchy.clone();
    let (blocks, gps, villages) = (
        server.places(Level::Block),
        server.places(Level::GramPanchayat),
        server.places(Level::Village),
    );
    let home = blocks[0].clone();
    let gp = gps.iter().find(|g| h.is_within(g, &home)).unwrap().clone();
    let gp_villages: Vec<LgdCode> = villages
        .iter()
        .filter(|v| h.is_within(v, &gp))
        .cloned()
        .collect();
    add_users(
        &server.app,
        &[
            User::new("sec", Role::Secretary, &gp),
            User::new("ceo", Role::DesignatedOfficer, &home),
        ],
    )
    .await;
    let db = server.app.db.clone();
    // A target of 10 for each village of the home block: 40 for the block and the district.
    for v in villages.iter().filter(|v| h.is_within(v, &home)) {
        db.set_target(v.as_str(), 10).await.unwrap();
    }

    let today = panjiyan_core::india_time::today();
    let (home_people, other_people) = (server.adults_within(&gp), server.adults_within(&blocks[1]));
    let url = server.url.clone();
    let path = dir.path().to_owned();
    let (home_batch, other_batch) = (home_people[..6].to_vec(), other_people[..3].to_vec());
    let home_batch_ids = |people: &[panjiyan_core::samagra::Member]| {
        people[..6]
            .iter()
            .map(|m| m.member_id.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    };
    let (ids, walk_in) = tokio::task::spawn_blocking(move || {
        let (mut ids, walk_in) = register(
            &url,
            &path,
            0,
            "operator",
            PASSWORD,
            &home_batch,
            AtCamp::Unplanned,
        );
        ids.extend(
            register(
                &url,
                &path,
                1,
                "operator",
                PASSWORD,
                &other_batch,
                AtCamp::Unplanned,
            )
            .0,
        );
        (ids, walk_in)
    })
    .await
    .unwrap();
    let first_four: Vec<uuid::Uuid> = ids[..4].iter().map(|i| i.parse().unwrap()).collect();
    assert_eq!(server.approve_all(&first_four).await, 4);

    let base = server.url.clone();
    let label = backend.label();
    let shots = screenshot_dir("admin");
    let list_file = dir.path().join("asha.csv");
    std::fs::write(
        &list_file,
        format!(
            "name,samagra_member_id\nA,{}\nB,{}\nC,{}\nD,{}\nE,{}\nF,12345\nG,999999999\n",
            home_people[0].member_id,
            home_people[1].member_id,
            home_people[2].member_id,
            home_people[10].member_id,
            home_people[11].member_id,
        ),
    )
    .unwrap();
    let tomorrow = (today + time::Duration::days(1)).to_string();
    let (gp_code, villages_of_gp) = (gp.to_string(), gp_villages.clone());
    let (url, path) = (server.url.clone(), dir.path().to_owned());
    let camp_people = home_people[20..22].to_vec();
    // The forms printed for the camp: every member of working age (the campaign's age rule on
    // the camp's day) in the gram panchayat's villages who is not registered by then (the six
    // of the first phone and the camp's two are).
    let camp_day = today + time::Duration::days(1);
    let (min, max) = panjiyan_core::eligibility::RuleSet::mp_2018()
        .age_range()
        .unwrap();
    let registered: std::collections::HashSet<String> = home_batch_ids(&home_people)
        .chain(camp_people.iter().map(|m| m.member_id.to_string()))
        .collect();
    let unit_of: std::collections::HashMap<_, _> = server
        .district
        .families
        .iter()
        .map(|f| (f.family_id.clone(), f.unit_code.clone()))
        .collect();
    let form_people: std::collections::BTreeSet<String> = server
        .district
        .members
        .iter()
        .filter(|m| gp_villages.contains(&unit_of[&m.family_id]))
        .filter(|m| (min..=max).contains(&m.birth.age_on(camp_day)))
        .map(|m| m.member_id.to_string())
        .filter(|id| !registered.contains(id))
        .collect();
    let camp_names: Vec<String> = camp_people.iter().map(|m| m.name_hi.clone()).collect();
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Handle::current();
        let mut b = Browser::start(shots);
        let shot = |b: &mut Browser, name: &str| b.screenshot(&format!("{label}-{name}"));
        b.goto(&format!("{base}/admin/progress"));
        b.fill("#username", "officer");
        b.fill("#password", PASSWORD);
        b.follow("button[type=submit]");
        assert!(b.url().ends_with("/admin/progress"), "{}", b.url());

        // The district: 9 registered against the 40 set below it, a projected date, charts.
        let headline = b.text("#headline");
        assert!(headline.starts_with("40 के लक्ष्य में से 9 पंजीकृत (22.5%)"), "{headline}");
        assert!(b.text("#projection").contains("तक पूरा होगा"), "{}", b.text("#projection"));
        assert!(b.exists("#daily-chart svg rect"), "daily bars");
        assert!(b.exists("#cumulative-chart svg polyline"), "cumulative line");
        let home_row = b.run(&format!(
            "return document.querySelector('#by-area a[href$=\"place={home}\"]').closest('tr').innerText"
        ));
        let home_row = home_row.as_str().unwrap_or_default();
        assert!(home_row.contains("40") && home_row.contains("15.0"), "{home_row}");
        shot(&mut b, "01-progress-district");
        let summary = fetch_in_page(&mut b, "/admin/progress?format=csv&table=summary");
        assert!(summary.contains("state,approved,4") && summary.contains("channel,camp,9"), "{summary}");
        // CSV of the same table.
        let csv = fetch_in_page(&mut b, "/admin/progress?format=csv");
        assert!(csv.starts_with("200\ncode,name_hi,name_en,level,target,registered"), "{csv}");
        let block_line = csv.lines().find(|l| l.starts_with(&format!("{home},"))).unwrap_or_default();
        assert!(block_line.ends_with(",block,40,6,15.0,4,2,0,0,6,0,0"), "{csv}");
        // Drill down to the block, then the gram panchayat.
        b.follow(&format!("#by-area a[href$=\"place={home}\"]"));
        assert!(b.url().ends_with(&format!("place={home}")));
        assert!(b.text("#crumbs").contains("›"));
        b.follow(&format!("#by-area a[href$=\"{gp_code}\"]"));
        assert!(b.text("#headline").starts_with("20 के लक्ष्य में से 6 पंजीकृत"), "{}", b.text("#headline"));
        shot(&mut b, "02-progress-gram-panchayat");
        // Outside the admin's area: nothing.
        b.goto(&format!("{base}/admin/progress?place=99"));
        assert!(b.text("main").contains("नहीं मिला"));

        // Payout: 4 approved × Rs 5.
        b.goto(&format!("{base}/admin/payout"));
        assert!(b.text("#payout-total").contains("4 स्वीकृत, रु. 20.00"), "{}", b.text("#payout-total"));
        let payout = fetch_in_page(&mut b, "/admin/payout?format=csv");
        assert!(payout.contains(&format!("{gp_code},")) && payout.contains(",gram_panchayat,6,4,5.00,20.00"), "{payout}");
        shot(&mut b, "03-payout");

        // Plan a camp for tomorrow: a mistake first (ends before it starts), then right.
        b.goto(&format!("{base}/admin/camps/new"));
        b.choose("#area", home.as_str());
        b.follow(".filters button[type=submit]");
        // Date and time inputs take their value as the browser's locale shows it; set it as
        // the picker would.
        b.run(&format!("document.getElementById('date').value = '{tomorrow}';"));
        b.run("document.getElementById('from').value = '16:00'; document.getElementById('to').value = '10:00';");
        b.fill("#venue", "Panchayat Bhawan");
        for v in &villages_of_gp {
            b.click(&format!("input[name=unit][value=\"{v}\"]"));
        }
        b.click("fieldset:nth-of-type(2) input[name=staff]");
        b.follow("#save-camp");
        assert!(b.text(".error").contains("HH:MM"), "the mistake is named");
        assert_eq!(b.run("return document.getElementById('venue').value"), "Panchayat Bhawan", "nothing typed is lost");
        b.run("document.getElementById('from').value = '10:00'; document.getElementById('to').value = '16:00';");
        b.follow("#save-camp");
        assert!(b.exists("#saved"), "{}", b.text("main"));
        let camp_id = b.text("h1");
        assert!(camp_id.starts_with(&format!("{home}-")), "{camp_id}");
        assert!(b.text("#readiness-summary").starts_with("कर्मचारियों के डिवाइस पर 2 में से 0"), "{}", b.text("#readiness-summary"));
        shot(&mut b, "04-camp-planned");

        // The secretary's phone downloads the camp's packs and registers two workers there.
        // The phone finds today's camp on its own calendar: the id it puts on the
        // registrations must be the one the admin's page showed.
        let (ids, phone_camp) = register(&url, &path, 2, "sec", PASSWORD, &camp_people, AtCamp::Planned);
        assert_eq!(phone_camp, camp_id);
        assert_eq!(ids.len(), 2);
        b.goto(&format!("{base}/admin/camps/{camp_id}"));
        assert!(b.text("#readiness-summary").contains("2 में से 2"), "{}", b.text("#readiness-summary"));
        assert!(b.text("#results").contains("2"));
        shot(&mut b, "05-camp-ready");

        let results = fetch_in_page(&mut b, &format!("/admin/camps/{camp_id}?format=csv&table=results"));
        assert!(results.contains("pending_approval,2"), "{results}");
        let readiness = fetch_in_page(&mut b, &format!("/admin/camps/{camp_id}?format=csv"));
        assert_eq!(readiness.lines().filter(|l| l.contains(",sec,")).count(), 2, "{readiness}");
        b.goto(&format!("{base}/admin/camps"));
        assert!(b.text("#upcoming").contains(&camp_id));
        // The camp the first phone started without a plan is shown apart, with its six.
        let unplanned = b.text("#unplanned");
        assert!(
            unplanned.lines().any(|l| l.contains(&walk_in) && l.trim_end().ends_with('6')),
            "{unplanned}"
        );
        shot(&mut b, "06-camps");

        // A phone that went quiet three days ago holding five registrations.
        let device = device_id(&path, 2);
        let three_days_ago = now_ms() - 3 * 86_400_000;
        rt.block_on(db2.record_backlog(
            &device,
            &BacklogReport {
                pending: 5,
                oldest_pending_at: Some(panjiyan_core::india_time::now_utc() - time::Duration::days(4)),
                app_version: "0.1.0-test".into(),
                last_error: Some("connect_timeout".into()),
            },
            three_days_ago,
        ))
        .unwrap();
        b.goto(&format!("{base}/admin/backlog"));
        assert!(b.text("#backlog-summary").starts_with("1 डिवाइस पर 5 पंजीयन"), "{}", b.text("#backlog-summary"));
        assert!(b.text("#backlog-summary").contains("इनमें से 1 डिवाइस 48 घंटे"));
        assert!(b.exists("#devices .silent"));
        assert!(b.text("#ingest-summary").starts_with("पिछले घंटे में 11 प्राप्त"), "{}", b.text("#ingest-summary"));
        assert!(b.text("#officers").contains("ceo"));
        shot(&mut b, "07-backlog");
        let officers = fetch_in_page(&mut b, "/admin/backlog?format=csv&table=officers");
        assert!(officers.contains(&format!("ceo,{home},4,")), "{officers}");
        let metrics = fetch_in_page(&mut b, "/metrics");
        assert!(metrics.contains("panjiyan_devices_silent_with_unsent 1"), "{metrics}");
        assert!(metrics.contains("panjiyan_registrations_on_devices 5"));
        assert!(metrics.contains(&format!("panjiyan_officer_pending_approvals{{area=\"{home}\"}} 4")), "{metrics}");

        // A department list from a file: five known members, one bad row, one unknown ID.
        b.goto(&format!("{base}/admin/groups"));
        b.fill("#g-name", "ASHA workers");
        b.fill("#g-department", "Health");
        b.upload("#g-file", &list_file);
        b.wait_for_script("return document.getElementById('g-csv').value.length > 0");
        b.follow("#import");
        assert!(
            b.text("#imported").starts_with("सूची में 5 सदस्य आयात हुए; 1 आईडी समग्र में नहीं हैं और 1 पंक्तियाँ"),
            "{}",
            b.text("#imported")
        );
        assert_eq!(b.text("#bad-rows"), "7");
        assert_eq!(b.text("#unknown-ids"), "999999999");
        shot(&mut b, "08-list-imported");
        b.follow("#open-group");
        assert!(b.text("#coverage-summary").starts_with("आपके क्षेत्र में 5 में से 3 पंजीकृत"), "{}", b.text("#coverage-summary"));
        assert_eq!(b.all("#unregistered tbody tr").len(), 2);
        let group_path = b.url().replacen(&base, "", 1);
        let missing = fetch_in_page(&mut b, &format!("{group_path}?format=csv&table=unregistered"));
        assert!(missing.contains(home_people[10].member_id.as_str()), "{missing}");
        shot(&mut b, "09-list");

        // In English.
        b.goto(&format!("{base}/admin/progress"));
        b.follow("header a.lang");
        assert!(b.text("#headline").starts_with("11 registered of a target of 40 (27.5%)"), "{}", b.text("#headline"));
        shot(&mut b, "10-progress-english");

        // The camp's forms, printed beforehand: one for each member of working age not yet
        // registered, and no one else.
        b.goto(&format!("{base}/admin/camps/{camp_id}"));
        assert!(b.exists("#print-forms") && b.exists("#print-cards"));
        let (status, forms) = fetch_bytes_in_page(&mut b, &format!("/admin/camps/{camp_id}/forms.pdf"));
        assert_eq!(status, 200);
        let (file, _) = pdf::render(&format!("camp-forms-{label}"), &forms);
        let text = pdf::pdftotext(&file, None);
        let printed: std::collections::BTreeSet<String> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() == 9 && form_people.contains(*w) || registered.contains(*w))
            .map(str::to_owned)
            .collect();
        assert_eq!(printed, form_people, "a form for each one not yet registered, and only them");
        // Before any approval there is no card to print.
        let (status, _) = fetch_bytes_in_page(&mut b, &format!("/admin/camps/{camp_id}/cards.pdf"));
        assert_eq!(status, 404);

        // The camp's two approved in bulk; their cards come on one A4 sheet, each QR checked.
        b.goto(&format!("{base}/officer/queue?camp={camp_id}"));
        b.click("#select-all");
        b.follow("#bulk-approve");
        b.wait_for("#bulk-result");
        let (status, cards) = fetch_bytes_in_page(&mut b, &format!("/admin/camps/{camp_id}/cards.pdf"));
        assert_eq!(status, 200);
        let (file, pngs) = pdf::render(&format!("camp-cards-{label}"), &cards);
        assert_eq!(pngs.len(), 1, "two cards on one A4 sheet");
        let text = pdf::pdftotext(&file, None);
        for name in &camp_names {
            assert!(text.contains(name.as_str()), "{name} has a card: {text}");
        }
        let codes = pdf::decode(&pngs[0]);
        assert_eq!(codes.len(), 2, "two cards, two QR codes");
        for code in &codes {
            b.goto(&format!("{base}/status/verify?s={code}"));
            assert!(b.text("#verdict").contains("genuine"), "{}", b.text("#verdict"));
        }
        shot(&mut b, "11-card-verified");
        b.goto(&format!("{base}/admin/progress"));

        // A block officer plans camps but does not see the district's dashboards.
        b.follow("header form button");
        b.goto(&format!("{base}/admin/camps"));
        b.fill("#username", "ceo");
        b.fill("#password", PASSWORD);
        b.follow("button[type=submit]");
        assert!(b.text("#upcoming").contains(&camp_id));
        b.goto(&format!("{base}/admin/progress"));
        assert!(b.text("main").contains("cannot open"));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_watches_the_campaign_in_chromium_on_sqlite() {
    admin_pages(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_watches_the_campaign_in_chromium_on_postgres() {
    admin_pages(Backend::Postgres).await;
}
