//! A real server on 127.0.0.1:0: `Serving` runs an app on a listener until it is stopped or
//! crashed; `TestServer` adds the fresh database, the seeded district and its users, signs
//! users in, and restarts on the same data.

use super::fixtures::{User, add_users, camp_district, district_staff, every_role, small_district};
use super::{Backend, PASSWORD, fresh_database};
use crate::app::{App, Settings, launch};
use panjiyan_core::generator::SyntheticDistrict;
use panjiyan_core::location::Level;
use panjiyan_core::samagra::Member;
use panjiyan_core::validate::LgdCode;
use std::net::SocketAddr;

/// An app served on a fresh loopback port.
pub struct Serving {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Serving {
    pub async fn start(app: App) -> Serving {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            launch(app, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Serving {
            addr,
            shutdown: Some(tx),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts down gracefully: in-flight requests finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Crashes: the task is aborted and in-flight requests die wherever they are.
    pub async fn crash(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a test server starts with.
pub struct Setup {
    pub district: SyntheticDistrict,
    pub users: Vec<User>,
    pub settings: Settings,
}

impl Setup {
    /// The server tests' small district with one user of every role.
    pub fn every_role() -> Setup {
        let district = small_district();
        Setup {
            users: every_role(&district),
            district,
            settings: Settings::default(),
        }
    }

    /// The end-to-end tests' district of about `households` households per village, with an
    /// operator and an officer for the whole district.
    pub fn camp(households: u32) -> Setup {
        Setup::with_staff(camp_district(households), district_staff)
    }

    /// A district with its staff.
    pub fn with_staff(
        district: SyntheticDistrict,
        users: fn(&SyntheticDistrict) -> Vec<User>,
    ) -> Setup {
        Setup {
            users: users(&district),
            district,
            settings: Settings::default(),
        }
    }
}

/// A real server over a database of its own, seeded with a district and its users.
pub struct TestServer {
    pub url: String,
    pub app: App,
    pub district: SyntheticDistrict,
    pub http: reqwest::Client,
    pub database_url: String,
    /// How many times it has crashed and started again.
    pub restarts: u32,
    serving: Option<Serving>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// The small district with a user of every role, on a fresh database of the backend; None
    /// when the backend is not available here.
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, Setup::every_role()).await
    }

    pub async fn start_with(backend: Backend, setup: Setup) -> Option<TestServer> {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(backend, dir.path()).await?;
        let mut server = Self::start_on(database_url, setup).await;
        server._dir = Some(dir);
        Some(server)
    }

    /// A fresh database of the backend seeded like `start_with`'s, served by nobody yet: the
    /// test points `url` at the servers it runs itself (processes, a proxy in front of them).
    /// The app is the test's own view of the same database.
    pub async fn seeded(backend: Backend, setup: Setup) -> Option<TestServer> {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(backend, dir.path()).await?;
        let mut server = Self::start_on(database_url, setup).await;
        if let Some(s) = server.serving.take() {
            s.stop().await;
        }
        server.url = String::new();
        server._dir = Some(dir);
        Some(server)
    }

    /// Seeds the (empty) database at `database_url` and serves it.
    pub async fn start_on(database_url: String, setup: Setup) -> TestServer {
        let app = App::open(Settings {
            database_url: database_url.clone(),
            ..setup.settings
        })
        .await
        .unwrap();
        crate::demo::load_district(&app, &setup.district)
            .await
            .unwrap();
        add_users(&app, &setup.users).await;
        let serving = Serving::start(app.clone()).await;
        TestServer {
            url: serving.url(),
            app,
            district: setup.district,
            http: reqwest::Client::new(),
            database_url,
            restarts: 0,
            serving: Some(serving),
            _dir: None,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.serving.as_ref().expect("serving").addr
    }

    /// Shuts down gracefully.
    pub async fn stop(mut self) {
        if let Some(s) = self.serving.take() {
            s.stop().await;
        }
    }

    /// Crashes the server (in-flight requests die wherever they are) and starts a new one on
    /// the same database, with the same settings, on a new port.
    pub async fn restart(&mut self) {
        if let Some(s) = self.serving.take() {
            s.crash().await;
        }
        self.app = App::open((*self.app.settings).clone()).await.unwrap();
        let serving = Serving::start(self.app.clone()).await;
        self.url = serving.url();
        self.serving = Some(serving);
        self.restarts += 1;
    }

    /// The codes of every place of a level in the district.
    pub fn places(&self, level: Level) -> Vec<LgdCode> {
        super::fixtures::places(&self.district, level)
    }

    /// Signs `username` in through the API; returns the bearer token.
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

    /// A decision on a registration, sent with `token`.
    pub async fn decide_with(
        &self,
        token: &str,
        id: uuid::Uuid,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/registrations/{id}/decision", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Approves registrations through the HTTP API as "officer" would; returns how many were.
    pub async fn approve_all(&self, ids: &[uuid::Uuid]) -> usize {
        let token = self.login("officer").await;
        let approve = serde_json::json!({"decision": "approve"});
        let mut approved = 0;
        for id in ids {
            if self
                .decide_with(&token, *id, &approve)
                .await
                .status()
                .is_success()
            {
                approved += 1;
            }
        }
        approved
    }

    /// Working-age members (20 to 55 today) whose family lives within `area`, by member ID.
    pub fn adults_within(&self, area: &LgdCode) -> Vec<Member> {
        let today = panjiyan_core::india_time::india_date(panjiyan_core::india_time::india_day(
            crate::storage::now_ms(),
        ))
        .expect("today is a calendar date");
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
}
