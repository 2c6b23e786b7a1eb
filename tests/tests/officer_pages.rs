//! The officer pages in a real headless Chromium against a real server: phones register
//! workers at two camps and push; a block's designated officer signs in, sees only their
//! block's queue, filters it, opens a registration beside its Samagra record, approves it with
//! a key, rejects two in bulk, and the district admin reads the audit log. Every page is saved
//! as a screenshot. Runs on SQLite and on PostgreSQL.

use panjiyan_core::location::Level;
use panjiyan_core::samagra::Member;
use panjiyan_server::harness::{
    Backend, PASSWORD, Setup, TestServer, User, add_users, fresh_database,
};
use panjiyan_server::roles::Role;
use panjiyan_tests::browser::{Browser, ENTER, screenshot_dir};
use panjiyan_tests::phone::{AtCamp, register};

async fn officer_works_the_queue(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let server = TestServer::start_on(db, Setup::camp(12)).await;
    let blocks = server.places(Level::Block);
    let (home, other) = (blocks[0].clone(), blocks[1].clone());
    add_users(
        &server.app,
        &[User::new("ceo", Role::DesignatedOfficer, &home)],
    )
    .await;

    // Working-age members: five from each block at camp A, three more from the home block at
    // camp B; a second phone registers the first one again.
    let (home_people, other_people) = (server.adults_within(&home), server.adults_within(&other));
    let camp_a: Vec<Member> = home_people[..5]
        .iter()
        .chain(&other_people[..5])
        .cloned()
        .collect();
    let camp_b: Vec<Member> = home_people[5..8].to_vec();
    let first = home_people[0].clone();
    let first_id = first.member_id.to_string();
    let url = server.url.clone();
    let path = dir.path().to_owned();
    // Each phone starts its camp (nobody planned one); the camp ids are the phones' own.
    let (ids_a, (ids_b, camp_b), dup) = tokio::task::spawn_blocking(move || {
        let (a, _) = register(
            &url,
            &path,
            0,
            "operator",
            PASSWORD,
            &camp_a,
            AtCamp::Unplanned,
        );
        let b = register(
            &url,
            &path,
            1,
            "operator",
            PASSWORD,
            &camp_b,
            AtCamp::Unplanned,
        );
        let (dup, _) = register(
            &url,
            &path,
            2,
            "operator",
            PASSWORD,
            std::slice::from_ref(&first),
            AtCamp::Unplanned,
        );
        (a, b, dup[0].clone())
    })
    .await
    .unwrap();
    let dup_row = server.app.db.registration(&dup).await.unwrap().unwrap();
    assert_eq!(dup_row.state, "duplicate");

    let base = server.url.clone();
    let label = backend.label();
    let shots = screenshot_dir("officer");
    let db = server.app.db.clone();
    let ids_a2 = ids_a.clone();
    let decided = tokio::task::spawn_blocking(move || {
        let mut b = Browser::start(shots);
        let shot = |b: &mut Browser, name: &str| b.screenshot(&format!("{label}-{name}"));

        // Not signed in: the queue sends to sign-in, which comes back to the queue.
        b.goto(&format!("{base}/officer/queue"));
        assert!(b.url().contains("/officer/sign-in"), "{}", b.url());
        assert_eq!(b.run("return document.documentElement.lang"), "hi");
        shot(&mut b, "01-sign-in");
        b.fill("#username", "ceo");
        b.fill("#password", "wrong password");
        b.follow("button[type=submit]");
        assert!(b.text(".error").contains("गलत"), "wrong password is said in Hindi");
        b.fill("#password", PASSWORD);
        b.follow("button[type=submit]");
        assert!(b.url().ends_with("/officer/queue"), "{}", b.url());

        // The home block's eight only: the other block's five are not there, nor the duplicate.
        let rows = b.all("table.queue tbody tr");
        assert_eq!(rows.len(), 8, "only the officer's own block");
        assert!(b.text("#queue-summary").starts_with("8 लंबित"), "{}", b.text("#queue-summary"));
        for other in &ids_a2[5..] {
            assert!(!b.exists(&format!("tr[data-id=\"{other}\"]")), "another block's registration shown");
        }
        // Oldest first: camp A's (pushed first) before camp B's.
        let order: Vec<String> = b
            .run("return Array.from(document.querySelectorAll('table.queue tbody tr')).map(r => r.dataset.id)")
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(order[..5], ids_a2[..5], "oldest first");
        shot(&mut b, "02-queue");

        // Filter by camp.
        b.choose("#f-camp", &camp_b);
        b.follow(".filters button[type=submit]");
        assert_eq!(b.all("table.queue tbody tr").len(), 3);
        assert!(b.url().contains(&format!("camp={camp_b}")));
        shot(&mut b, "03-queue-camp-b");
        // A date filter that excludes everything shows the empty queue, not an error.
        b.goto(&format!("{base}/officer/queue?from=2001-01-01&to=2001-01-02"));
        assert!(b.exists("#queue-empty"));
        b.goto(&format!("{base}/officer/queue?from=not-a-date"));
        assert!(b.text(".error").contains("YYYY-MM-DD"));

        // Keyboard: j moves to the first row, Enter opens it, a approves it.
        b.goto(&format!("{base}/officer/queue"));
        b.press("j");
        b.press_and_follow(ENTER);
        b.wait_for("#samagra");
        assert!(b.url().ends_with(&ids_a2[0]), "{}", b.url());
        let first_name = b.text("#samagra tr:first-child td");
        assert!(first_name.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)), "{first_name}");
        assert!(b.exists("#eligibility .eligible"), "an eligible worker is shown as eligible");
        // The member's second application is listed, marked as a duplicate.
        assert!(b.text("#others").contains("दोहराव"));
        shot(&mut b, "04-registration");
        b.press_and_follow("a");
        let number = b.text("#number");
        assert!(b.text("#done").contains(&number), "the number is shown at once");
        shot(&mut b, "05-approved");

        // The duplicate links to what it duplicates.
        b.goto(&format!("{base}/officer/registrations/{dup}"));
        assert!(b.text("#duplicate-of").contains(&ids_a2[0]));
        assert!(!b.exists("#approve"), "a duplicate cannot be approved");
        shot(&mut b, "06-duplicate");

        // Rejecting with no reason is refused and changes nothing.
        b.goto(&format!("{base}/officer/registrations/{}", ids_a2[1]));
        b.follow("#reject");
        b.wait_for("#done");
        assert!(b.text("#done").contains("कारण चुनें"));
        assert!(b.exists("#approve"), "still pending");

        // Bulk: camp B's three rejected with one reason.
        b.goto(&format!("{base}/officer/queue?camp={camp_b}"));
        b.click("#select-all");
        b.choose("#bulk-reason", "not_resident");
        b.fill("#bulk-note", "moved to Indore");
        b.follow("#bulk-reject");
        b.wait_for("#bulk-result");
        assert!(b.text("#bulk-result").starts_with("0 स्वीकृत, 3 अस्वीकृत, 0"), "{}", b.text("#bulk-result"));
        assert!(b.url().contains(&format!("camp={camp_b}")), "back to the same filtered queue");
        assert!(b.exists("#queue-empty"));
        shot(&mut b, "07-bulk-rejected");

        // English.
        b.goto(&format!("{base}/officer/queue"));
        b.follow("header a.lang");
        assert_eq!(b.run("return document.documentElement.lang"), "en");
        assert!(b.text("h1").contains("awaiting approval"));
        assert!(b.text("#queue-summary").starts_with("4 pending"), "{}", b.text("#queue-summary"));
        shot(&mut b, "08-queue-english");

        // Another block's registration, by address: not found, not shown.
        b.goto(&format!("{base}/officer/registrations/{}", ids_a2[6]));
        assert!(b.text("main").contains("not in your area"));
        // The audit log is for admins only.
        b.goto(&format!("{base}/admin/audit"));
        assert!(b.text("main").contains("cannot open"));

        // Sign out, and the district admin reads the audit log.
        b.goto(&format!("{base}/officer/queue"));
        b.follow("header form button");
        assert!(b.url().contains("/officer/sign-in"));
        b.goto(&format!("{base}/officer/queue"));
        assert!(b.url().contains("/officer/sign-in"), "signed out means signed out");
        b.fill("#username", "officer");
        b.fill("#password", PASSWORD);
        b.follow("button[type=submit]");
        b.goto(&format!("{base}/admin/audit"));
        let audit = b.all("#audit tbody tr");
        assert_eq!(audit.len(), 4, "one approval and three rejections");
        assert!(b.text("#audit tbody tr:first-child").contains("ceo"));
        assert!(b.text("#audit").contains("moved to Indore"));
        shot(&mut b, "09-audit");

        // The worker, with only the Samagra member ID, on the public status page.
        b.goto(&format!("{base}/status"));
        b.fill("#member_id", &first_id);
        b.follow("form button[type=submit]");
        assert!(b.text("#answer").contains(&number), "{}", b.text("#answer"));
        assert!(b.text("#answer").contains('*'), "the name is masked");
        shot(&mut b, "10-worker-status");
        number
    })
    .await
    .unwrap();

    // What the pages did is what the database holds.
    let approved = db.registration(&ids_a[0]).await.unwrap().unwrap();
    assert_eq!(approved.state, "approved");
    assert_eq!(
        approved.registration_number.as_deref(),
        Some(decided.as_str())
    );
    for id in &ids_b {
        let r = db.registration(id).await.unwrap().unwrap();
        assert_eq!(
            (r.state.as_str(), r.reason.as_deref()),
            ("rejected", Some("not_resident"))
        );
        assert_eq!(r.reason_note.as_deref(), Some("moved to Indore"));
    }
    assert_eq!(
        db.registration(&ids_a[1]).await.unwrap().unwrap().state,
        "pending_approval"
    );
    // The worker is told why in their language, never the officer's note.
    let sms = db.notifications_for(&ids_b[0]).await.unwrap();
    assert!(
        sms.iter()
            .any(|n| n.body.contains("आवेदक इस क्षेत्र का निवासी नहीं है")),
        "{sms:?}"
    );
    assert!(sms.iter().all(|n| !n.body.contains("Indore")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_works_the_queue_in_chromium_on_sqlite() {
    officer_works_the_queue(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_works_the_queue_in_chromium_on_postgres() {
    officer_works_the_queue(Backend::Postgres).await;
}
