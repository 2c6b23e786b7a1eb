//! Running the server as its operators do, as a real process: SIGTERM in the middle of pushes
//! (exit 0, no request cut, nothing lost) on both backends, and a SQLite backup taken while a
//! phone pushes, restored after the database is wiped: the same registrations, numbers and
//! audit rows; and one server at a time leading the background jobs (PostgreSQL advisory lock).

use panjiyan_server::harness::{
    Backend, Phone, PushFailed as Failed, ServerProcess, Setup, TestServer, join_all,
};
use panjiyan_server::on_both_backends;
use std::collections::BTreeMap;

fn binary() -> std::path::PathBuf {
    env!("CARGO_BIN_EXE_panjiyan-server").into()
}

/// `n` working-age members registered on the phone, queued; their ids.
fn register(phone: &Phone, n: usize) -> Vec<uuid::Uuid> {
    let members = phone.members_aged(20..=55);
    assert!(
        members.len() >= n,
        "the district has {} adults",
        members.len()
    );
    phone.register(&members[..n])
}

async fn sigterm_during_pushes(backend: Backend) {
    let Some(mut s) = TestServer::seeded(backend, Setup::every_role()).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let notifications = dir.path().join("notifications.jsonl");
    let mut server = ServerProcess::start(
        &binary(),
        &s.database_url,
        &[
            "--shutdown-grace-secs",
            "30",
            "--notifications-file",
            notifications.to_str().unwrap(),
        ],
    );
    s.url = server.url();
    let phone = s.enrol("operator").await;
    let made = register(&phone, 120);

    // Pushes in flight when SIGTERM comes: three at once of the same 40 records (as a phone
    // retrying over a bad link would), the signal sent while the server works on them.
    let pushes = join_all((0..3).map(|_| s.push_batch(&phone, 40)));
    let signal = async {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        server.signal("-TERM");
    };
    let (answers, ()) = tokio::join!(pushes, signal);
    let status = tokio::task::block_in_place(|| server.wait());
    for a in &answers {
        match a {
            Ok(answer) => assert_eq!(answer.results.len(), 40),
            Err(Failed::Network(e)) => assert!(e.is_connect(), "a request cut in the middle: {e}"),
            Err(Failed::Answered(status, body)) => panic!(
                "a push in flight answered {status} {body}; the server said:\n{}",
                server.output()
            ),
        }
    }
    assert!(
        answers.iter().any(Result::is_ok),
        "the pushes in flight were answered"
    );
    // After the signal, nobody is let in: the next push is refused at the door.
    assert!(status.success(), "{status}\n{}", server.output());
    assert!(
        !server.output().contains("ERROR"),
        "the server logged no error:\n{}",
        server.output()
    );
    assert!(
        server.output().contains("SIGTERM: no new connections"),
        "{}",
        server.output()
    );
    let refused = s.push_batch(&phone, 40).await;
    assert!(matches!(refused, Err(Failed::Network(e)) if e.is_connect()));

    // Everything the phone was told is kept, is in the database, once.
    let acknowledged = made.len() as i64 - phone.store.outbox_stats().unwrap().queued as i64;
    assert!(acknowledged >= 40, "{acknowledged}");
    assert_eq!(s.app.db.count_registrations().await.unwrap(), acknowledged);
    // Started again, the server takes the rest, and nothing twice.
    tokio::task::block_in_place(|| server.restart());
    while phone.store.outbox_stats().unwrap().queued > 0 {
        s.push_batch(&phone, 40).await.unwrap();
    }
    assert_eq!(
        s.app.db.count_registrations().await.unwrap(),
        made.len() as i64
    );
    for id in &made {
        assert!(
            s.app
                .db
                .registration(&id.to_string())
                .await
                .unwrap()
                .is_some()
        );
    }
    let status = tokio::task::block_in_place(|| server.terminate());
    assert!(status.success(), "{status}");
}
on_both_backends!(sigterm, sigterm_during_pushes);

/// What a registration is on the server: state, number, and its audit rows.
async fn ledger(s: &TestServer, ids: &[uuid::Uuid]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for id in ids {
        let id = id.to_string();
        if let Some(r) = s.app.db.registration(&id).await.unwrap() {
            let audit = s.app.db.audit_for(&id).await.unwrap();
            out.insert(id, format!("{r:?} {audit:?}"));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_phones_push_restores_what_it_held() {
    let mut s = TestServer::seeded(Backend::Sqlite, Setup::every_role())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(&binary(), &s.database_url, &[]);
    s.url = server.url();
    let phone = s.enrol("operator").await;
    let made = register(&phone, 140);
    for _ in 0..2 {
        s.push_batch(&phone, 40).await.unwrap();
    }
    assert_eq!(s.approve_all(&made[..30]).await, 30);
    let before = ledger(&s, &made).await;
    assert_eq!(before.len(), 80);

    // The backup runs while the phone pushes the rest.
    let file = dir.path().join("backup.db");
    let backup = {
        let (db, file) = (s.database_url.clone(), file.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(binary())
                .args(["--database-url", &db, "backup", file.to_str().unwrap()])
                .output()
                .unwrap()
        })
    };
    while phone.store.outbox_stats().unwrap().queued > 0 {
        s.push_batch(&phone, 20).await.unwrap();
    }
    let backup = backup.await.unwrap();
    let said = String::from_utf8_lossy(&backup.stdout).into_owned();
    assert!(
        backup.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let held: i64 = said
        .split(" (")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the backup says what it holds: {said}"));
    println!("{said}");
    assert!((80..=140).contains(&held), "{said}");

    // A restore refuses while the server has the database open.
    let restore = |file: &std::path::Path| {
        std::process::Command::new(binary())
            .args([
                "--database-url",
                &s.database_url,
                "restore",
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let refused = restore(&file);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop it first"));
    // Stopped, wiped, restored: every registration the backup held, as it was.
    assert!(tokio::task::block_in_place(|| server.terminate()).success());
    s.app.db.close().await;
    let db_file = s.database_url.strip_prefix("sqlite:").unwrap().to_owned();
    std::fs::write(&db_file, b"").unwrap();
    let restored = restore(&file);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(&not_a_backup, "not a database").unwrap();
    let refused = restore(&not_a_backup);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is not a sound Panjiyan backup"));

    s.app = panjiyan_server::app::App::open(panjiyan_server::app::Settings {
        database_url: s.database_url.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    tokio::task::block_in_place(|| server.restart());
    let after = ledger(&s, &made).await;
    assert_eq!(after.len() as i64, held, "the backup's registrations");
    for (id, was) in &before {
        assert_eq!(
            after.get(id),
            Some(was),
            "registration {id}, its number and audit"
        );
    }
    let numbers = after.values().filter(|v| v.contains("approved")).count();
    assert_eq!(numbers, 30, "the approvals and their numbers");
}

/// The background jobs run on one server at a time: the first to ask leads, another does not
/// while it holds the lock, and takes over as soon as it is given up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_at_a_time_runs_the_background_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = panjiyan_server::harness::fresh_database(Backend::Postgres, dir.path()).await
    else {
        return;
    };
    let (a, b) = (
        panjiyan_server::storage::Db::connect(&url).await.unwrap(),
        panjiyan_server::storage::Db::connect(&url).await.unwrap(),
    );
    let (mut first, mut second) = (
        panjiyan_server::storage::Leadership::default(),
        panjiyan_server::storage::Leadership::default(),
    );
    assert!(first.check(&a).await.unwrap(), "the first leads");
    assert!(first.check(&a).await.unwrap(), "and keeps the lead");
    assert!(!second.check(&b).await.unwrap(), "not two at once");
    first.release().await;
    assert!(second.check(&b).await.unwrap(), "taken over once given up");
    assert!(!first.check(&a).await.unwrap());
}
