//! A fault of ours is never the phone's fault: a database that fails in the middle of a push
//! answers 5xx, stores nothing of the batch, and the phone keeps every record queued (none
//! refused) and sends them again, exactly once, when the database is back. Both backends.

use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig, SyncError};
use panjiyan_server::harness::{Backend, TestServer, set_up_operator};
use panjiyan_server::on_both_backends;
use panjiyan_server::storage::Db;
use std::sync::Arc;
use std::time::Duration;

/// Makes every insert of a registration of `member_id` fail inside the database, as a full
/// disk or a dying connection would, half-way through the push's transaction.
async fn break_inserts_of(db: &Db, member_id: &str) {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TRIGGER broken BEFORE INSERT ON registrations WHEN NEW.member_id = '{member_id}'
                 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
            )))
            .execute(pool)
            .await
            .unwrap();
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "CREATE FUNCTION broken() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$ LANGUAGE plpgsql",
            )
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TRIGGER broken BEFORE INSERT ON registrations FOR EACH ROW
                 WHEN (NEW.member_id = '{member_id}') EXECUTE FUNCTION broken()"
            )))
            .execute(pool)
            .await
            .unwrap();
        }
    }
}

async fn mend(db: &Db) {
    let sql = match db {
        Db::Sqlite(_) => "DROP TRIGGER broken",
        Db::Postgres(_) => "DROP TRIGGER broken ON registrations",
    };
    match db {
        Db::Sqlite(pool) => drop(sqlx::query(sql).execute(pool).await.unwrap()),
        Db::Postgres(pool) => drop(sqlx::query(sql).execute(pool).await.unwrap()),
    }
}

async fn count_registrations(db: &Db) -> i64 {
    let sql = "SELECT count(*) FROM registrations";
    match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

async fn database_fails_mid_push(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = s.url.clone();
    let path = dir.path().to_owned();
    // A phone registers three workers at its camp.
    let (store, client, members) = tokio::task::spawn_blocking(move || {
        let store = DeviceStore::open(path.join("phone.db"), &[3; 32]).unwrap();
        let client = SyncClient::new(SyncConfig {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..SyncConfig::new(&url, path.join("downloads"))
        })
        .unwrap();
        let unit = set_up_operator(&store, &client);
        let today = panjiyan_core::india_time::today();
        let adults: Vec<_> = store
            .families_in_unit(&unit.code.parse().unwrap())
            .unwrap()
            .into_iter()
            .flat_map(|f| f.members.into_iter().map(|m| m.member))
            .filter(|m| (20..=55).contains(&m.birth.age_on(today)))
            .take(3)
            .collect();
        for m in &adults {
            let form = RegistrationForm {
                occupation_code: Some("construction".into()),
                facts: ApplicantFacts::no_land(),
                consent: true,
                channel: panjiyan_core::registration::Channel::ServiceCentre,
                ..RegistrationForm::new(m.member_id.clone(), "operator")
            };
            let id = store.create_draft(&form).unwrap();
            store
                .finalise(id, panjiyan_core::india_time::now_utc(), true)
                .unwrap();
        }
        let members: Vec<String> = adults.iter().map(|m| m.member_id.to_string()).collect();
        (Arc::new(store), Arc::new(client), members)
    })
    .await
    .unwrap();
    assert_eq!(members.len(), 3);

    // The database fails at the second record of the batch.
    break_inserts_of(&s.app.db, &members[1]).await;
    let (st, cl) = (store.clone(), client.clone());
    let failed = tokio::task::spawn_blocking(move || cl.sync(&st, &|_, _| {}))
        .await
        .unwrap();
    match failed {
        Err(SyncError::Unreachable { reason, .. }) => {
            assert!(
                reason.contains("500"),
                "retried as the server's fault: {reason}"
            )
        }
        other => panic!("a database failure must be the server's fault, got {other:?}"),
    }
    let stats = store.outbox_stats().unwrap();
    assert_eq!(
        (stats.queued, stats.refused),
        (3, 0),
        "nothing refused, nothing lost"
    );
    assert_eq!(
        count_registrations(&s.app.db).await,
        0,
        "the first record went back with the batch"
    );

    // The database is back: the same records arrive, once each.
    mend(&s.app.db).await;
    let (st, cl) = (store.clone(), client.clone());
    let report = tokio::task::spawn_blocking(move || cl.sync(&st, &|_, _| {}).unwrap())
        .await
        .unwrap();
    assert_eq!((report.acknowledged, report.refused.len()), (3, 0));
    assert_eq!(store.outbox_stats().unwrap().queued, 0);
    assert_eq!(count_registrations(&s.app.db).await, 3);
}

on_both_backends!(
    a_database_failing_mid_push_is_a_retry_not_a_refusal,
    database_fails_mid_push
);
