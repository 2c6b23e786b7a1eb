//! Camp packs: the server's pack-signing key, stored packs (immutable, one per unit and data
//! version), the units a user may download, and which pack each device last fetched.

use super::{BeginWrite, DESCENDANTS, Db, StorageError, on_pool, placeholders};
use serde::Serialize;

/// A stored pack (immutable).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PackRow {
    pub unit_code: String,
    pub version: i64,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// A unit a user may download, with its current pack.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitSummary {
    pub code: String,
    pub level: String,
    pub name_hi: String,
    pub name_en: String,
    #[sqlx(rename = "version")]
    pub pack_version: Option<i64>,
    #[sqlx(rename = "size")]
    pub pack_bytes: Option<i64>,
    #[sqlx(rename = "sha256")]
    pub pack_sha256: Option<String>,
}

impl Db {
    /// When the first pack of each of `units` was built (epoch ms): no registration of a unit
    /// can honestly be older. Units without a pack are absent.
    pub async fn first_pack_built(
        &self,
        units: &[String],
    ) -> Result<std::collections::HashMap<String, i64>, StorageError> {
        on_pool!(self, |pool| {
            if units.is_empty() {
                return Ok(Default::default());
            }
            let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
                "SELECT unit_code, min(built_at) FROM packs WHERE unit_code IN ({}) GROUP BY unit_code",
                placeholders(1, units.len())
            )));
            for u in units {
                q = q.bind(u.clone());
            }
            Ok(q.fetch_all(pool).await?.into_iter().collect())
        })
    }

    /// The server's pack-signing key (PKCS#8): the stored one, or `candidate` stored now.
    pub async fn server_key(
        &self,
        key_id: &str,
        candidate: &[u8],
        now: i64,
    ) -> Result<Vec<u8>, StorageError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let existing: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT pkcs8 FROM server_keys ORDER BY created_at LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(key) = existing {
                return Ok(key);
            }
            sqlx::query("INSERT INTO server_keys(key_id, pkcs8, created_at) VALUES ($1, $2, $3)")
                .bind(key_id)
                .bind(candidate)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(candidate.to_vec())
        })
    }

    /// Up to `limit` units whose current data has no pack yet (data arrived and the build did
    /// not follow, e.g. a crash between the two).
    pub async fn units_without_current_pack(
        &self,
        limit: i64,
    ) -> Result<Vec<String>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT d.unit_code FROM unit_data d
                 WHERE NOT EXISTS (SELECT 1 FROM packs k WHERE k.unit_code = d.unit_code AND k.version = d.data_version)
                 ORDER BY d.unit_code LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The delta of `unit` from `from` to `to`, if it was built before.
    pub async fn pack_delta(
        &self,
        unit: &str,
        from: i64,
        to: i64,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT bytes FROM pack_deltas WHERE unit_code = $1 AND from_version = $2 AND to_version = $3",
            )
            .bind(unit)
            .bind(from)
            .bind(to)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Up to `limit` current packs (each unit's pack of its current data) not known to be
    /// signed with key `key_id`, of units after `after_unit` in code order: what a pack-key
    /// rotation signs again.
    pub async fn packs_signed_otherwise(
        &self,
        key_id: &str,
        after_unit: &str,
        limit: i64,
    ) -> Result<Vec<PackRow>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT k.unit_code, k.version, k.bytes, k.sha256 FROM unit_data d
                 JOIN packs k ON k.unit_code = d.unit_code AND k.version = d.data_version
                 WHERE (k.signing_key_id IS NULL OR k.signing_key_id <> $1) AND k.unit_code > $2
                 ORDER BY k.unit_code LIMIT $3",
            )
            .bind(key_id)
            .bind(after_unit)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Puts `pack`, signed again with key `signing_key_id`, in place of the stored one it was
    /// made from (same unit, version and contents). A pack replaced meanwhile (another server
    /// signing it the same way) is left alone.
    pub async fn replace_pack_signature(
        &self,
        pack: &PackRow,
        bytes: &[u8],
        sha256: &str,
        signing_key_id: &str,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE packs SET bytes = $1, sha256 = $2, size = $3, signing_key_id = $4
                 WHERE unit_code = $5 AND version = $6 AND sha256 = $7",
            )
            .bind(bytes)
            .bind(sha256)
            .bind(bytes.len() as i64)
            .bind(signing_key_id)
            .bind(&pack.unit_code)
            .bind(pack.version)
            .bind(&pack.sha256)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The pack-signing key the database holds (PKCS#8), if one was ever made there.
    pub async fn stored_server_key(&self) -> Result<Option<Vec<u8>>, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT pkcs8 FROM server_keys ORDER BY created_at LIMIT 1")
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// Keeps a built delta; one kept before is replaced (a delta is signed again with the
    /// current key after a rotation, and two servers build the same delta the same way).
    pub async fn store_pack_delta(
        &self,
        unit: &str,
        from: i64,
        to: i64,
        bytes: &[u8],
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO pack_deltas(unit_code, from_version, to_version, bytes, built_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT(unit_code, from_version, to_version) DO UPDATE SET bytes = excluded.bytes, built_at = excluded.built_at",
            )
            .bind(unit)
            .bind(from)
            .bind(to)
            .bind(bytes)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Keeps a built pack, signed with key `signing_key_id` (a second server that built it too
    /// changes nothing).
    pub async fn store_pack(
        &self,
        unit: &str,
        version: i64,
        bytes: &[u8],
        sha256: &str,
        signing_key_id: &str,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO packs(unit_code, version, bytes, sha256, size, built_at, signing_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT(unit_code, version) DO NOTHING",
            )
            .bind(unit)
            .bind(version)
            .bind(bytes)
            .bind(sha256)
            .bind(bytes.len() as i64)
            .bind(now)
            .bind(signing_key_id)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    pub async fn pack(
        &self,
        unit: &str,
        version: Option<i64>,
    ) -> Result<Option<PackRow>, StorageError> {
        on_pool!(self, |pool| {
            let row = sqlx::query_as(
                "SELECT unit_code, version, bytes, sha256 FROM packs
                 WHERE unit_code = $1 AND ($2 IS NULL OR version = $2) ORDER BY version DESC LIMIT 1",
            )
            .bind(unit)
            .bind(version)
            .fetch_optional(pool)
            .await?;
            Ok(row)
        })
    }

    /// Villages and wards at or below `area`, with their current packs.
    pub async fn units_within(&self, area: &str) -> Result<Vec<UnitSummary>, StorageError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{DESCENDANTS}
                 SELECT p.code, p.level, p.name_hi, p.name_en, k.version, k.size, k.sha256
                 FROM places p JOIN sub ON sub.code = p.code
                 LEFT JOIN unit_data d ON d.unit_code = p.code
                 LEFT JOIN packs k ON k.unit_code = p.code AND k.version = d.data_version
                 WHERE p.level IN ('village', 'ward')
                 ORDER BY p.code"
            )))
            .bind(area)
            .fetch_all(pool)
            .await?;
            Ok(rows)
        })
    }

    pub async fn record_pack_download(
        &self,
        device_id: &str,
        unit: &str,
        version: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO pack_downloads(device_id, unit_code, version, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT(device_id, unit_code) DO UPDATE SET version = excluded.version, at = excluded.at
                 WHERE excluded.version >= pack_downloads.version",
            )
            .bind(device_id)
            .bind(unit)
            .bind(version)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(())
        })
    }
}
