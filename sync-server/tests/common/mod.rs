//! Test support: a real server on 127.0.0.1:0 over a fresh SQLite file or a fresh PostgreSQL
//! database, seeded with a small synthetic district and one user of every role.

#![allow(dead_code)]

use panjiyan_core::generator::{DistrictSpec, SyntheticDistrict, generate_district};
use panjiyan_core::location::Level;
use panjiyan_server::app::{App, Settings, launch};
use panjiyan_server::auth::hash_password;
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;

pub const PASSWORD: &str = "test-password-1";

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL for a fresh, empty database of the backend, or None when PostgreSQL is not
/// available here (then the test says so; under CI it fails instead).
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite:{}", dir.join("server.db").display())),
        Backend::Postgres => {
            let Ok(base) = std::env::var("PANJIYAN_TEST_PG_URL") else {
                assert!(
                    std::env::var("CI").is_err(),
                    "PANJIYAN_TEST_PG_URL must be set in CI (scripts/with-postgres)"
                );
                eprintln!(
                    "skipped: PANJIYAN_TEST_PG_URL not set (run through scripts/with-postgres)"
                );
                return None;
            };
            Some(
                panjiyan_server::storage::create_scratch_database(&base, "panjiyan_test")
                    .await
                    .expect("PostgreSQL reachable"),
            )
        }
    }
}

pub struct TestServer {
    pub url: String,
    pub app: App,
    pub district: SyntheticDistrict,
    pub http: reqwest::Client,
    pub database_url: String,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

pub fn small_district() -> SyntheticDistrict {
    generate_district(&DistrictSpec {
        seed: 5,
        blocks: 2,
        gram_panchayats_per_block: 1,
        villages_per_gram_panchayat: 2,
        urban_bodies: 1,
        wards_per_urban_body: 1,
        households_per_village: 40,
        households_per_ward: 40,
        ..DistrictSpec::default()
    })
}

/// The first place of a level, and the second (for "another area").
pub fn places(district: &SyntheticDistrict, level: Level) -> Vec<String> {
    district
        .hierarchy
        .places()
        .iter()
        .filter(|p| p.level == level)
        .map(|p| p.code.to_string())
        .collect()
}

impl TestServer {
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, Settings::default()).await
    }

    pub async fn start_with(backend: Backend, settings: Settings) -> Option<TestServer> {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(backend, dir.path()).await?;
        let app = App::open(Settings {
            database_url: database_url.clone(),
            ..settings
        })
        .await
        .unwrap();
        let district = small_district();
        app.db
            .upsert_places(district.hierarchy.places())
            .await
            .unwrap();
        let changed = app
            .db
            .upsert_samagra(&district.families, &district.members, now_ms())
            .await
            .unwrap();
        for unit in &changed.changed_units {
            panjiyan_server::packs::ensure_current(&app, unit)
                .await
                .unwrap();
        }
        let gps = places(&district, Level::GramPanchayat);
        let blocks = places(&district, Level::Block);
        let users = [
            ("operator", Role::Operator, gps[0].clone()),
            ("secretary", Role::Secretary, gps[0].clone()),
            ("secretary-2", Role::Secretary, gps[1].clone()),
            ("officer", Role::DesignatedOfficer, blocks[0].clone()),
            ("officer-2", Role::DesignatedOfficer, blocks[1].clone()),
            (
                "collector",
                Role::DistrictAdmin,
                places(&district, Level::District)[0].clone(),
            ),
            ("state", Role::StateAdmin, "23".to_owned()),
        ];
        let hash = hash_password(PASSWORD);
        for (name, role, place) in users {
            app.db.add_user(name, &hash, role, &place).await.unwrap();
        }
        let server = Self::listen(app.clone(), district, database_url, dir).await;
        Some(server)
    }

    async fn listen(
        app: App,
        district: SyntheticDistrict,
        database_url: String,
        dir: tempfile::TempDir,
    ) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn({
            let app = app.clone();
            async move {
                launch(app, listener, async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            }
        });
        TestServer {
            url,
            app,
            district,
            http: reqwest::Client::new(),
            database_url,
            _dir: dir,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub async fn login(&self, username: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/login", self.url))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login of {username}");
        r.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Runs an async test body on both backends, each as its own #[tokio::test].
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                $body(common::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                $body(common::Backend::Postgres).await;
            }
        }
    };
}
