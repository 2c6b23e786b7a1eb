//! The progress rollup on both backends: after pushes and decisions its counts at every level
//! equal the registrations themselves, decisions move counts between states without losing
//! any, and when a village moves to another gram panchayat the counts follow it.

use panjiyan_core::location::Level;
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::wire::StatusChange;
use panjiyan_server::app::{App, Settings};
use panjiyan_server::harness::{Backend, fresh_database};
use panjiyan_server::on_both_backends;
use panjiyan_server::storage::{
    ChangePosition, Decision, Outcome, ProgressRow, QueueFilter, QueueRow, StatusScope, now_ms,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// state → count, summed over days and channels.
fn by_state(rows: &[ProgressRow]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r.state.clone()).or_default() += r.n;
    }
    out.retain(|_, n| *n != 0);
    out
}

/// place → state → count.
fn by_place(rows: &[ProgressRow]) -> BTreeMap<String, BTreeMap<String, i64>> {
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.n != 0) {
        *out.entry(r.place_code.clone())
            .or_default()
            .entry(r.state.clone())
            .or_default() += r.n;
    }
    out
}

/// The server's state on a fresh database of `backend`, seeded with the demo district and
/// its camp's 240 registrations, and the demo users; `None` without PostgreSQL. The folder
/// holds a SQLite database: keep it for as long as the app.
async fn demo_app(
    backend: Backend,
) -> Option<(tempfile::TempDir, App, Vec<panjiyan_server::demo::DemoUser>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(backend, dir.path()).await?;
    let app = App::open(Settings {
        database_url: url,
        ..Settings::default()
    })
    .await
    .unwrap();
    let users = panjiyan_server::demo::seed(&app).await.unwrap();
    Some((dir, app, users))
}

async fn counts_follow_registrations(backend: Backend) {
    let Some((_dir, app, users)) = demo_app(backend).await else {
        return;
    };
    let collector = users.iter().find(|u| u.username == "collector").unwrap();
    let district = collector.jurisdiction.clone();
    let officer = app.db.user_with_hash("collector").await.unwrap().unwrap().0;
    panjiyan_server::rollup::catch_up(&app).await.unwrap();
    // The demo: yesterday's 80 returned migrants approved, today's camp's 240 waiting.
    let day = app.db.progress_by_day(&district).await.unwrap();
    assert_eq!(
        by_state(&day),
        BTreeMap::from([("approved".into(), 80), ("pending_approval".into(), 240)])
    );

    // Decide on some of today's: 30 approved, 10 rejected, the rest still pending.
    let (_, queue) = app
        .db
        .pending_queue(&district, &QueueFilter::default(), 1_000)
        .await
        .unwrap();
    assert_eq!(queue.len(), 240);
    let gp = app
        .db
        .place(&queue[0].unit_code)
        .await
        .unwrap()
        .unwrap()
        .parent
        .unwrap()
        .to_string();
    // Village by village, the counts before plus exactly what is decided here.
    let mut expected = by_place(&app.db.progress_of_children(&gp, None, None).await.unwrap());
    for (i, r) in queue.iter().enumerate() {
        let decision = match i {
            0..30 => Some(Decision::Approve),
            30..40 => Some(Decision::Reject {
                reason: "not_resident".into(),
                note: None,
            }),
            _ => None,
        };
        let state = match &decision {
            Some(Decision::Approve) => "approved",
            Some(Decision::Reject { .. }) => "rejected",
            None => "pending_approval",
        };
        if let Some(d) = decision {
            panjiyan_server::decisions::decide(
                &app.db,
                &r.id,
                &d,
                officer.id,
                &app.settings.number_format,
                now_ms(),
            )
            .await
            .unwrap();
        }
        let village = expected.entry(r.unit_code.clone()).or_default();
        *village.entry("pending_approval".into()).or_default() -= 1;
        *village.entry(state.into()).or_default() += 1;
    }
    for village in expected.values_mut() {
        village.retain(|_, n| *n != 0);
    }
    expected.retain(|_, village| !village.is_empty());
    // Twice: the second finds nothing new and changes nothing.
    assert!(panjiyan_server::rollup::catch_up(&app).await.unwrap() > 0);
    assert_eq!(panjiyan_server::rollup::catch_up(&app).await.unwrap(), 0);
    let totals = by_state(&app.db.progress_by_day(&district).await.unwrap());
    assert_eq!(
        totals,
        BTreeMap::from([
            ("approved".into(), 80 + 30),
            ("pending_approval".into(), 200),
            ("rejected".into(), 10)
        ])
    );
    let villages = by_place(&app.db.progress_of_children(&gp, None, None).await.unwrap());
    assert_eq!(villages, expected);
    // A period that excludes today has nothing.
    assert!(
        app.db
            .progress_of_children(&gp, Some(0), Some(1))
            .await
            .unwrap()
            .is_empty()
    );

    // A village moves to another gram panchayat: its counts go with it.
    let moving = queue[0].unit_code.clone();
    let mut place = app.db.place(&moving).await.unwrap().unwrap();
    let block = app.db.place(&gp).await.unwrap().unwrap().parent.unwrap();
    let other_gp = app
        .db
        .children_of(block.as_str())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.level == Level::GramPanchayat && p.code.as_str() != gp)
        .unwrap();
    place.parent = Some(other_gp.code.clone());
    app.db.upsert_places(&[place]).await.unwrap();
    let moved = by_place(
        &app.db
            .progress_of_children(other_gp.code.as_str(), None, None)
            .await
            .unwrap(),
    );
    assert_eq!(
        moved.get(&moving),
        expected.get(&moving),
        "counted under its new gram panchayat"
    );
    let left = by_place(&app.db.progress_of_children(&gp, None, None).await.unwrap());
    assert!(
        !left.contains_key(&moving),
        "and no longer under the old one"
    );
    let totals_after = by_state(&app.db.progress_by_day(&district).await.unwrap());
    assert_eq!(totals_after, totals, "nothing lost or doubled by the move");
    assert!(
        app.db
            .is_within(&moving, other_gp.code.as_str())
            .await
            .unwrap()
    );
    assert!(!app.db.is_within(&moving, &gp).await.unwrap());
}

on_both_backends!(
    progress_counts_follow_registrations,
    counts_follow_registrations
);

/// The demo's collector and the oldest `n` registrations pending in their district.
async fn collector_and_queue(app: &App, n: i64) -> (panjiyan_server::storage::User, Vec<QueueRow>) {
    let officer = app.db.user_with_hash("collector").await.unwrap().unwrap().0;
    let (_, queue) = app
        .db
        .pending_queue(&officer.jurisdiction, &QueueFilter::default(), n)
        .await
        .unwrap();
    (officer, queue)
}

/// Decisions committing while the rollup folds: the counts must still equal the
/// registrations (on PostgreSQL each statement of a fold would otherwise see another
/// snapshot, and a decision between them be counted twice).
async fn decisions_race_the_rollup(backend: Backend) {
    let Some((_dir, app, _)) = demo_app(backend).await else {
        return;
    };
    let (officer, queue) = collector_and_queue(&app, 1_000).await;
    let district = officer.jurisdiction.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The rollup, folding as fast as it can (each pass a few changes) while decisions land.
    let folder = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut passes = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && passes < 100_000 {
                match app.db.catch_up_progress(3).await {
                    Ok(_) => {}
                    Err(e) if e.is_serialization_failure() => {}
                    Err(e) => panic!("the rollup failed: {e}"),
                }
                passes += 1;
            }
        })
    };
    let decide = |i: usize, id: String| {
        let app = app.clone();
        async move {
            let d = if i.is_multiple_of(3) {
                Decision::Reject {
                    reason: "not_resident".into(),
                    note: None,
                }
            } else {
                Decision::Approve
            };
            panjiyan_server::decisions::decide(
                &app.db,
                &id,
                &d,
                officer.id,
                &app.settings.number_format,
                now_ms(),
            )
            .await
            .unwrap();
        }
    };
    let decisions: Vec<_> = queue
        .iter()
        .take(120)
        .enumerate()
        .map(|(i, r)| tokio::spawn(decide(i, r.id.clone())))
        .collect();
    for d in decisions {
        d.await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    folder.await.unwrap();
    panjiyan_server::rollup::catch_up(&app).await.unwrap();
    let folded = by_state(&app.db.progress_by_day(&district).await.unwrap());
    // A recount from scratch is the truth the fold must equal.
    app.db.rebuild_progress().await.unwrap();
    let recounted = by_state(&app.db.progress_by_day(&district).await.unwrap());
    assert_eq!(folded, recounted);
    assert_eq!(
        recounted,
        BTreeMap::from([
            // The demo's 80 approved yesterday, and 80 of the 120 decided here.
            ("approved".into(), 80 + 80),
            ("pending_approval".into(), 120),
            ("rejected".into(), 40)
        ])
    );
}

on_both_backends!(
    decisions_racing_the_rollup_are_counted_once,
    decisions_race_the_rollup
);

/// PostgreSQL, many writers: a decision that takes its change number first but commits last
/// neither holds up the one that commits first (no counter row is held until commit), nor is
/// skipped by a device whose cursor already passed the first (changes are read in commit
/// order), nor left out of the progress counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_late_is_neither_waited_for_nor_skipped() {
    let Some((_dir, app, _)) = demo_app(Backend::Postgres).await else {
        return;
    };
    let (officer, queue) = collector_and_queue(&app, 2).await;
    let district = officer.jurisdiction.clone();
    let (first, second) = (queue[0].id.clone(), queue[1].id.clone());
    panjiyan_server::rollup::catch_up(&app).await.unwrap();
    let before = by_state(&app.db.progress_by_day(&district).await.unwrap());
    let scope = StatusScope {
        device_id: "a-camp-phone",
        jurisdiction: &district,
    };
    let latest = |changes: &[(ChangePosition, StatusChange)]| changes.last().map(|(at, _)| *at);
    let all = app
        .db
        .status_changes(&scope, ChangePosition::default(), 10_000)
        .await
        .unwrap();
    let cursor = latest(&all).unwrap();
    let reject = |id: String| {
        let app = app.clone();
        async move {
            let mut tx = app.db.begin_write().await.unwrap();
            assert!(tx.lock_registration(&id).await.unwrap());
            let change = tx.next_change().await.unwrap();
            let outcome = Outcome::Rejected {
                reason: "not_resident",
                note: None,
            };
            tx.record_decision(&id, &outcome, officer.id, change, now_ms())
                .await
                .unwrap();
            (tx, change)
        }
    };
    // The late one takes its number and holds its transaction open.
    let (late, late_change) = reject(first.clone()).await;
    // The early one, with a higher number, commits meanwhile: it waits on nothing.
    let early_change = tokio::time::timeout(Duration::from_secs(10), async {
        let (tx, change) = reject(second.clone()).await;
        tx.commit().await.unwrap();
        change
    })
    .await
    .expect("a decision waited for another transaction's commit");
    assert!(early_change.seq > late_change.seq);
    let seen = app.db.status_changes(&scope, cursor, 100).await.unwrap();
    assert_eq!(
        seen.iter()
            .map(|(_, c)| c.id.to_string())
            .collect::<Vec<_>>(),
        vec![second.clone()],
        "only the committed decision is read"
    );
    let cursor = latest(&seen).unwrap();
    late.commit().await.unwrap();
    let seen = app.db.status_changes(&scope, cursor, 100).await.unwrap();
    assert_eq!(
        seen.iter()
            .map(|(_, c)| (c.id.to_string(), c.state))
            .collect::<Vec<_>>(),
        vec![(first, RegistrationState::Rejected)],
        "the decision committed last comes after the cursor"
    );
    panjiyan_server::rollup::catch_up(&app).await.unwrap();
    let after = by_state(&app.db.progress_by_day(&district).await.unwrap());
    assert_eq!(after["pending_approval"], before["pending_approval"] - 2);
    assert_eq!(
        after.get("rejected").copied().unwrap_or(0),
        before.get("rejected").copied().unwrap_or(0) + 2
    );
}
