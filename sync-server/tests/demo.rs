//! `serve --demo`: the demo district comes with users of every role and a first camp's
//! registrations waiting in the right officer's queue; seeding twice changes nothing.

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
    assert_eq!(users.len(), 7);
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

    assert!(panjiyan_server::demo::seed(&app).await.unwrap().is_empty());
    assert_eq!(
        app.db.count_registrations().await.unwrap(),
        240,
        "seeding twice adds nothing"
    );
}
