//! Target groups: departments' lists of Samagra members, and how much of each is registered.

use super::{BeginWrite, Db, StorageError, on_pool, placeholders};
use panjiyan_core::samagra::Member;
use serde::Serialize;
use std::collections::BTreeSet;

/// A department's list, imported as a target group.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TargetGroup {
    pub id: i64,
    pub name: String,
    pub department: String,
    pub imported_at: i64,
    pub members: i64,
    /// The area of the admin who imported it; only an admin of that area may replace it.
    pub owner_area: Option<String>,
}

/// How much of a target group is registered in one unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GroupCoverage {
    pub unit_code: String,
    pub name_hi: String,
    pub name_en: String,
    pub members: i64,
    pub registered: i64,
}

/// A member of a target group who is not registered yet.
#[derive(Debug, Clone, Serialize)]
pub struct Unregistered {
    pub member_id: String,
    pub unit_code: String,
    pub name_hi: String,
    pub name_en: String,
}

impl Db {
    /// Imports (or replaces) target group `name` for `owner_area`; returns its id and the
    /// member IDs not in Samagra. A list of that name owned by another area is left alone
    /// (`AlreadyExists`).
    pub async fn import_group(
        &self,
        name: &str,
        department: &str,
        owner_area: &str,
        member_ids: &[String],
        now: i64,
    ) -> Result<(i64, Vec<String>), StorageError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO target_groups(name, department, imported_at, owner_area) VALUES ($1, $2, $3, $4)
                 ON CONFLICT(name) DO UPDATE SET department = excluded.department, imported_at = excluded.imported_at
                 WHERE target_groups.owner_area = excluded.owner_area
                 RETURNING id",
            )
            .bind(name)
            .bind(department)
            .bind(now)
            .bind(owner_area)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                return Err(StorageError::AlreadyExists(
                    "a list of that name, of another area,",
                ));
            };
            sqlx::query("DELETE FROM target_group_members WHERE group_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let mut unknown = Vec::new();
            for chunk in member_ids.chunks(500) {
                let sql = format!(
                    "SELECT member_id FROM members WHERE member_id IN ({})",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
                for m in chunk {
                    q = q.bind(m);
                }
                let known: BTreeSet<String> = q.fetch_all(&mut *tx).await?.into_iter().collect();
                for m in chunk {
                    if known.contains(m) {
                        sqlx::query("INSERT INTO target_group_members(group_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(id)
                            .bind(m)
                            .execute(&mut *tx)
                            .await?;
                    } else {
                        unknown.push(m.clone());
                    }
                }
            }
            tx.commit().await?;
            Ok((id, unknown))
        })
    }

    /// The lists an admin of `area` sees: those of their area, of places within it, and of
    /// the areas above it.
    pub async fn target_groups(&self, area: &str) -> Result<Vec<TargetGroup>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT g.id, g.name, g.department, g.imported_at, g.owner_area,
                    (SELECT count(*) FROM target_group_members m WHERE m.group_id = g.id) AS members
                 FROM target_groups g
                 WHERE EXISTS (SELECT 1 FROM place_ancestors a
                    WHERE (a.code = g.owner_area AND a.ancestor = $1) OR (a.code = $1 AND a.ancestor = g.owner_area))
                 ORDER BY g.name",
            )
            .bind(area)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn group_coverage(
        &self,
        group: i64,
        area: &str,
    ) -> Result<Vec<GroupCoverage>, StorageError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT m.unit_code, p.name_hi, p.name_en, count(*) AS members,
                    CAST(sum(CASE WHEN EXISTS (SELECT 1 FROM registrations r WHERE r.member_id = g.member_id
                        AND r.state IN ('pending_approval', 'approved')) THEN 1 ELSE 0 END) AS BIGINT) AS registered
                 FROM target_group_members g JOIN members m ON m.member_id = g.member_id JOIN places p ON p.code = m.unit_code
                 JOIN place_ancestors a ON a.code = m.unit_code AND a.ancestor = $2
                 WHERE g.group_id = $1 GROUP BY m.unit_code, p.name_hi, p.name_en ORDER BY m.unit_code",
            )
            .bind(group)
            .bind(area)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn group_unregistered(
        &self,
        group: i64,
        area: &str,
        limit: i64,
    ) -> Result<Vec<Unregistered>, StorageError> {
        on_pool!(self, |pool| {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT m.member_id, m.unit_code, m.body FROM target_group_members g JOIN members m ON m.member_id = g.member_id
                 JOIN place_ancestors a ON a.code = m.unit_code AND a.ancestor = $2
                 WHERE g.group_id = $1 AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.member_id = g.member_id
                    AND r.state IN ('pending_approval', 'approved'))
                 ORDER BY m.unit_code, m.member_id LIMIT $3",
            )
            .bind(group)
            .bind(area)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.into_iter()
                .map(|(member_id, unit_code, body)| {
                    let member: Member = serde_json::from_str(&body)
                        .map_err(|_| StorageError::Corrupt("member record"))?;
                    Ok(Unregistered {
                        member_id,
                        unit_code,
                        name_hi: member.name_hi,
                        name_en: member.name_en,
                    })
                })
                .collect()
        })
    }
}
