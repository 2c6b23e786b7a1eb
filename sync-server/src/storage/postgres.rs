//! The PostgreSQL backend: production. Its queries are the shared ones of the concept files.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// Connects with JIT compilation off: it pays for queries that run for seconds, and costs
/// hundreds of milliseconds of compiling on a page's short statements whenever the planner's
/// estimate for a state-wide area passes `jit_above_cost`.
pub(super) async fn connect(url: &str) -> Result<PgPool, super::StorageError> {
    let options: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(20)
        .connect_with(options.options([("jit", "off")]))
        .await?)
}

pub(super) async fn migrate(pool: &PgPool) -> Result<(), super::StorageError> {
    sqlx::migrate!("../migrations/server/postgres")
        .run(pool)
        .await?;
    Ok(())
}

impl super::BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }

    async fn begin_snapshot(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ")
            .await
    }
}

/// Creates an empty database with a unique name beside the one `server_url` points at and
/// returns its URL: for tests and benchmarks that each want a database of their own.
pub async fn create_scratch_database(
    server_url: &str,
    prefix: &str,
) -> Result<String, super::StorageError> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(server_url).await?;
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    // The name is made here from a fixed prefix and hex digits, never from input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let base = server_url
        .rsplit_once('/')
        .map_or(server_url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}
