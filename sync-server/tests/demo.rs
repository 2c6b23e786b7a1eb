//! `serve --demo`: the demo district comes with users of every role and a first camp's
//! registrations waiting in the right officer's queue, yesterday's returned migrants in Rozgar
//! Setu with employers, requirements and offers in every state; seeding twice changes nothing.

use panjiyan_server::app::{App, Settings};
use panjiyan_server::roles::Role;
use panjiyan_server::storage::QueueFilter;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_queue_for_its_officer() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(Settings {
        database_url: format!("sqlite:{}", dir.path().join("demo.db").display()),
        ..Settings::default()
    })
    .await
    .unwrap();
    let users = panjiyan_server::demo::seed(&app).await.unwrap();
    let roles: Vec<(&str, Role)> = users
        .iter()
        .map(|u| (u.username.as_str(), u.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("operator", Role::Operator),
            ("secretary", Role::Secretary),
            ("ward-incharge", Role::Secretary),
            ("ceo-janpad", Role::DesignatedOfficer),
            ("cmo", Role::DesignatedOfficer),
            ("collector", Role::DistrictAdmin),
            ("district-cell", Role::DistrictCell),
            ("state-admin", Role::StateAdmin),
            ("employer", Role::Employer),
            ("employer-waiting", Role::Employer),
        ]
    );
    let ceo = users.iter().find(|u| u.username == "ceo-janpad").unwrap();
    assert_eq!(ceo.role, Role::DesignatedOfficer);
    let (total, rows) = app
        .db
        .pending_queue(&ceo.jurisdiction, &QueueFilter::default(), 1_000)
        .await
        .unwrap();
    assert_eq!(
        total, 240,
        "the demo camp's registrations wait for the block officer"
    );
    // They came from today's camp on the calendar, whose results show them.
    let camp = rows[0].camp_id.clone().expect("a camp id");
    assert!(
        rows.iter()
            .all(|r| r.camp_id.as_deref() == Some(camp.as_str()))
    );
    let planned = app
        .db
        .camp(&camp)
        .await
        .unwrap()
        .expect("the camp is on the calendar");
    assert_eq!(planned.staff.len(), 2, "the operator and the secretary");
    assert_eq!(
        app.db.camp_results(&camp).await.unwrap(),
        vec![("pending_approval".to_owned(), 240)]
    );
    // A department list to compare against.
    let root = app.db.root_places().await.unwrap()[0].code.to_string();
    let groups = app.db.target_groups(&root).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].members, 120);
    assert!(
        rows.iter().all(|r| !r.name_hi.is_empty()),
        "names come from the Samagra records"
    );
    // The urban body's officer has none of them.
    let cmo = users.iter().find(|u| u.username == "cmo").unwrap();
    let (others, _) = app
        .db
        .pending_queue(&cmo.jurisdiction, &QueueFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(others, 0);

    let registrations = app.db.count_registrations().await.unwrap();
    assert_eq!(registrations, 240 + 80, "and yesterday's returned migrants");
    rozgar_setu(&app, &users).await;

    assert!(panjiyan_server::demo::seed(&app).await.unwrap().is_empty());
    assert_eq!(
        app.db.count_registrations().await.unwrap(),
        registrations,
        "seeding twice adds nothing"
    );
}

/// Rozgar Setu as the district cell and the employers find it.
async fn rozgar_setu(app: &App, users: &[panjiyan_server::demo::DemoUser]) {
    use panjiyan_server::rozgar;
    use panjiyan_server::storage::FunnelBy;
    let cell = users
        .iter()
        .find(|u| u.username == "district-cell")
        .unwrap();
    let district = &cell.jurisdiction;
    // Yesterday's 80 returned migrants were approved: all in the register, seven in eight
    // (the demo's ledger: every eighth said no) consenting to be contacted about jobs.
    let (_, total) = rozgar::funnel::funnel(&app.db, district, FunnelBy::Trade)
        .await
        .unwrap();
    assert_eq!(total.stage("registered"), 80);
    assert_eq!(total.stage("consent"), 70);
    let shortlisted = total.stage("shortlisted");
    let offered = total.stage("offered");
    let accepted = total.stage("accepted");
    let joined = total.stage("joined");
    assert!(
        shortlisted >= offered && offered > accepted && accepted > joined && joined > 0,
        "a funnel that narrows: {shortlisted} shortlisted, {offered} offered, {accepted} accepted, {joined} joined"
    );
    // A dozen employers, three still waiting for the labour officer, listed first.
    let employers = app.db.employers_within(district).await.unwrap();
    let standings: Vec<&str> = employers.iter().map(|e| e.standing.as_str()).collect();
    assert_eq!(employers.len(), 12);
    assert_eq!(standings[..3], ["awaiting"; 3]);
    assert!(standings[3..].iter().all(|s| *s == "verified"));
    // The printed employer sign-ins are the first (verified) and a waiting one.
    let named = |username: &str| {
        let u = users.iter().find(|u| u.username == username).unwrap();
        employers
            .iter()
            .find(|e| e.name == u.jurisdiction_name)
            .unwrap()
    };
    assert!(named("employer").is_verified());
    assert_eq!(named("employer-waiting").standing, "awaiting");
    // Ten requirements; offers in every state a worker's answer can leave them in.
    let today = panjiyan_core::india_time::india_day(panjiyan_core::india_time::now_ms());
    let requirements = app.db.requirements_within(district, today).await.unwrap();
    assert_eq!(requirements.len(), 10);
    let mut states = std::collections::BTreeMap::new();
    for r in &requirements {
        for line in app.db.offers_for(r.requirement.id).await.unwrap() {
            *states.entry(line.offer.state).or_insert(0) += 1;
        }
    }
    let states: Vec<&str> = states.keys().map(String::as_str).collect();
    assert_eq!(states, ["accepted", "declined", "joined", "sent"]);
    // Pottery is wanted, and nobody in the register has the trade: the cell sees a shortage.
    let pottery = requirements
        .iter()
        .find(|r| r.requirement.trade_code == "pottery")
        .unwrap();
    assert!(
        rozgar::matching::candidates(&app.db, &pottery.requirement)
            .await
            .unwrap()
            .is_empty()
    );
}
