//! A real sync server for end-to-end tests: on a fresh SQLite file or PostgreSQL database,
//! seeded with a synthetic district, and able to crash (its task aborted, connections dropped
//! mid-request) and start again on the same database.

use panjiyan_core::generator::{DistrictSpec, SyntheticDistrict, generate_district};
use panjiyan_core::location::Level;
use panjiyan_core::samagra::Member;
use panjiyan_server::app::{App, Settings, launch};
use panjiyan_server::auth::hash_password;
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;
use std::net::SocketAddr;

pub const PASSWORD: &str = "e2e-password-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database URL, or None (with a message) when PostgreSQL is not available; under
/// CI a missing PostgreSQL fails instead.
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
                panjiyan_server::storage::create_scratch_database(&base, "panjiyan_e2e")
                    .await
                    .expect("PostgreSQL reachable"),
            )
        }
    }
}

pub struct E2eServer {
    pub database_url: String,
    pub district: SyntheticDistrict,
    pub app: App,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    pub restarts: u32,
}

impl E2eServer {
    /// Starts a server over a district of about `households` households per village, with an
    /// operator and an officer for the whole district.
    pub async fn start(database_url: String, households: u32) -> E2eServer {
        let app = App::open(Settings {
            database_url: database_url.clone(),
            ..Settings::default()
        })
        .await
        .unwrap();
        let district = generate_district(&DistrictSpec {
            seed: 9,
            blocks: 2,
            gram_panchayats_per_block: 2,
            villages_per_gram_panchayat: 2,
            urban_bodies: 1,
            wards_per_urban_body: 1,
            households_per_village: households,
            households_per_ward: households,
            ..DistrictSpec::default()
        });
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
        let district_code = district
            .hierarchy
            .places()
            .iter()
            .find(|p| p.level == Level::District)
            .unwrap()
            .code
            .to_string();
        let hash = hash_password(PASSWORD);
        app.db
            .add_user("operator", &hash, Role::Operator, &district_code)
            .await
            .unwrap();
        app.db
            .add_user("officer", &hash, Role::DistrictAdmin, &district_code)
            .await
            .unwrap();
        let (addr, task) = Self::listen(app.clone()).await;
        E2eServer {
            database_url,
            district,
            app,
            addr,
            task,
            restarts: 0,
        }
    }

    async fn listen(app: App) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = launch(app, listener, std::future::pending()).await;
        });
        (addr, task)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Crashes the server (its task is aborted: in-flight requests die wherever they are) and
    /// starts a new one on the same database, on a new port.
    pub async fn restart(&mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
        self.app = App::open(Settings {
            database_url: self.database_url.clone(),
            ..Settings::default()
        })
        .await
        .unwrap();
        let (addr, task) = Self::listen(self.app.clone()).await;
        self.addr = addr;
        self.task = task;
        self.restarts += 1;
    }

    /// Working-age members (20 to 55 today) whose family lives within `area`, by member ID.
    pub fn adults_within(&self, area: &panjiyan_core::validate::LgdCode) -> Vec<Member> {
        let today = time::OffsetDateTime::now_utc().date();
        let unit_of: std::collections::HashMap<_, _> = self
            .district
            .families
            .iter()
            .map(|f| (&f.family_id, &f.unit_code))
            .collect();
        let mut adults: Vec<Member> = self
            .district
            .members
            .iter()
            .filter(|m| (20..=55).contains(&m.birth.age_on(today)))
            .filter(|m| {
                unit_of
                    .get(&m.family_id)
                    .is_some_and(|u| self.district.hierarchy.is_within(u, area))
            })
            .cloned()
            .collect();
        adults.sort_by(|a, b| a.member_id.cmp(&b.member_id));
        adults
    }

    /// Approves every pending registration through the HTTP API, as the officer would.
    pub async fn approve_all(&self, ids: &[uuid::Uuid]) -> usize {
        let http = reqwest::Client::new();
        let login: serde_json::Value = http
            .post(format!("{}/api/v1/login", self.url()))
            .json(&serde_json::json!({"username": "officer", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_owned();
        let mut approved = 0;
        for id in ids {
            let r = http
                .post(format!("{}/api/v1/registrations/{id}/decision", self.url()))
                .bearer_auth(&token)
                .json(&serde_json::json!({"decision": "approve"}))
                .send()
                .await
                .unwrap();
            if r.status().is_success() {
                approved += 1;
            }
        }
        approved
    }
}

impl Drop for E2eServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
