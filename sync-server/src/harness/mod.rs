//! The one test harness (feature `test-harness`): a real server on 127.0.0.1 over a fresh
//! SQLite file or PostgreSQL scratch database, seeded with a synthetic district and its users,
//! that can stop, crash and start again on the same data; `panjiyan-server` run as a real
//! process; and the fixtures the server's tests, the end-to-end tests and the benchmarks share
//! (districts, users, enrolled phones).

mod fixtures;
pub mod pdf;
mod phone;
mod process;
mod rozgar;
mod server;

pub use fixtures::{
    User, add_users, bench_district, camp_district, district_staff, every_role, places,
    small_district,
};
pub use phone::{Phone, PushFailed, members_aged_on, register_workers, set_up_operator};
pub use process::{ServerProcess, free_port, server_binary};
pub use rozgar::{construction_work, migrant_form, narmada_builders};
pub use server::{Serving, Setup, TestServer};

/// Every harness user's password.
pub const PASSWORD: &str = "test-password-1";

/// Which storage backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A short name for file names and messages.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The PostgreSQL server that tests and benchmarks make scratch databases on
/// (`PANJIYAN_TEST_PG_URL`, set by scripts/with-postgres), if there is one.
pub fn postgres_server() -> Option<String> {
    std::env::var("PANJIYAN_TEST_PG_URL").ok()
}

/// A new, empty PostgreSQL database on `server`, by URL.
pub async fn scratch_postgres(server: &str) -> String {
    crate::storage::create_scratch_database(server, "panjiyan_test")
        .await
        .expect("PostgreSQL reachable")
}

/// A database URL for a fresh, empty database of the backend (SQLite in `dir`), or None when
/// PostgreSQL is not available here (then the test says so; under CI it fails instead).
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite:{}", dir.join("server.db").display())),
        Backend::Postgres => {
            let Some(server) = postgres_server() else {
                assert!(
                    std::env::var("CI").is_err(),
                    "PANJIYAN_TEST_PG_URL must be set in CI (scripts/with-postgres)"
                );
                eprintln!(
                    "skipped: PANJIYAN_TEST_PG_URL not set (run through scripts/with-postgres)"
                );
                return None;
            };
            Some(scratch_postgres(&server).await)
        }
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
                $body($crate::harness::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                $body($crate::harness::Backend::Postgres).await;
            }
        }
    };
}

/// Runs every future at once on this task and waits for all, answers in order: their
/// requests are in flight together (races, concurrent pushes).
pub async fn join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in set.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}
