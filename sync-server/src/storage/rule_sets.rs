//! Rule sets an admin loaded (by id and version, never changed once loaded) and how many
//! registrations each rule set and version judged.

use super::{DESCENDANTS, Db, StorageError, on_pool};

impl Db {
    /// Keeps rule set `id` at `version` (its JSON); loading the same again is a no-op, other
    /// rules under a version already loaded are refused (`AlreadyExists`): a version, once
    /// used, means one set of rules.
    pub async fn save_rule_set(
        &self,
        id: &str,
        version: u32,
        json: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO rule_sets(id, version, json, loaded_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT(id, version) DO NOTHING",
            )
            .bind(id)
            .bind(i64::from(version))
            .bind(json)
            .bind(now)
            .execute(pool)
            .await?;
            let kept: String =
                sqlx::query_scalar("SELECT json FROM rule_sets WHERE id = $1 AND version = $2")
                    .bind(id)
                    .bind(i64::from(version))
                    .fetch_one(pool)
                    .await?;
            if kept == json {
                Ok(())
            } else {
                Err(StorageError::AlreadyExists(
                    "that rule set version, with other rules,",
                ))
            }
        })
    }

    /// Every loaded rule set's JSON, oldest first.
    pub async fn rule_sets(&self) -> Result<Vec<String>, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT json FROM rule_sets ORDER BY loaded_at, id, version")
                    .fetch_all(pool)
                    .await?,
            )
        })
    }

    /// How many registrations within `area` each rule set and version judged:
    /// (id, version, registrations), by id and version.
    pub async fn judged_by(&self, area: &str) -> Result<Vec<(String, i64, i64)>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS} SELECT coalesce(r.rules_id, ''), coalesce(r.rules_version, 0), count(*)
                 FROM registrations r WHERE r.unit_code IN (SELECT code FROM sub)
                 GROUP BY r.rules_id, r.rules_version ORDER BY 1, 2"
            )))
            .bind(area)
            .fetch_all(pool)
            .await?)
        })
    }
}
