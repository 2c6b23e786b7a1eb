//! The PostgreSQL backend: production. Queries come from `queries.rs`.

use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PgStorage {
    pool: PgPool,
}

impl PgStorage {
    pub async fn connect(url: &str) -> Result<Self, super::StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    async fn run_migrations(&self) -> Result<(), super::StorageError> {
        sqlx::migrate!("../migrations/server/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }
}

super::queries::impl_storage!(PgStorage, sqlx::Postgres);

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
