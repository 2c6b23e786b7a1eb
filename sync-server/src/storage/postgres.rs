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
