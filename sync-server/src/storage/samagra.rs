//! Samagra families and members as the server holds them, each unit's data version (bumped when
//! its records change, so its pack is rebuilt), and what a unit's pack contains.

use super::{BeginWrite, Db, StorageError, Tx, in_tx, on_pool, placeholders};
use panjiyan_core::pack::{PackContents, RegisteredMember};
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::samagra::{Family, Member};
use panjiyan_core::validate::SamagraMemberId;
use std::collections::{BTreeSet, HashMap};

/// What a Samagra upsert changed.
#[derive(Debug, Clone, Default)]
pub struct SamagraUpsert {
    /// Villages and wards whose data changed (their data version was bumped).
    pub changed_units: Vec<String>,
    /// Members skipped because their family is not known.
    pub orphans: Vec<String>,
}

impl Db {
    /// Stores families and members (a member whose family is unknown is skipped and named);
    /// bumps the data version of every unit that changed, in the same transaction.
    pub async fn upsert_samagra(
        &self,
        families: &[Family],
        members: &[Member],
        now: i64,
    ) -> Result<SamagraUpsert, StorageError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut changed = BTreeSet::new();
            let mut orphans = Vec::new();
            for f in families {
                let body = serde_json::to_string(f).expect("families serialise");
                let done = sqlx::query(
                    "INSERT INTO families(family_id, unit_code, head_member_id, body) VALUES ($1, $2, $3, $4)
                     ON CONFLICT(family_id) DO UPDATE SET unit_code = excluded.unit_code,
                        head_member_id = excluded.head_member_id, body = excluded.body
                     WHERE families.body <> excluded.body",
                )
                .bind(f.family_id.as_str())
                .bind(f.unit_code.as_str())
                .bind(f.head_member_id.as_str())
                .bind(&body)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() > 0 {
                    changed.insert(f.unit_code.to_string());
                }
            }
            for m in members {
                let body = serde_json::to_string(m).expect("members serialise");
                let unit: Option<String> =
                    sqlx::query_scalar("SELECT unit_code FROM families WHERE family_id = $1")
                        .bind(m.family_id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(unit) = unit else {
                    orphans.push(m.member_id.to_string());
                    continue;
                };
                let done = sqlx::query(
                    "INSERT INTO members(member_id, family_id, unit_code, body) VALUES ($1, $2, $3, $4)
                     ON CONFLICT(member_id) DO UPDATE SET family_id = excluded.family_id,
                        unit_code = excluded.unit_code, body = excluded.body
                     WHERE members.body <> excluded.body OR members.unit_code <> excluded.unit_code",
                )
                .bind(m.member_id.as_str())
                .bind(m.family_id.as_str())
                .bind(&unit)
                .bind(&body)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() > 0 {
                    changed.insert(unit);
                }
            }
            for unit in &changed {
                sqlx::query(
                    "INSERT INTO unit_data(unit_code, data_version, changed_at) VALUES ($1, 1, $2)
                     ON CONFLICT(unit_code) DO UPDATE SET data_version = unit_data.data_version + 1,
                        changed_at = excluded.changed_at",
                )
                .bind(unit)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(SamagraUpsert {
                changed_units: changed.into_iter().collect(),
                orphans,
            })
        })
    }

    pub async fn unit_data_version(&self, unit: &str) -> Result<Option<i64>, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT data_version FROM unit_data WHERE unit_code = $1")
                    .bind(unit)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    pub async fn unit_contents(&self, unit: &str) -> Result<PackContents, StorageError> {
        on_pool!(self, |pool| {
            let families: Vec<String> =
                sqlx::query_scalar("SELECT body FROM families WHERE unit_code = $1")
                    .bind(unit)
                    .fetch_all(pool)
                    .await?;
            let members: Vec<String> =
                sqlx::query_scalar("SELECT body FROM members WHERE unit_code = $1")
                    .bind(unit)
                    .fetch_all(pool)
                    .await?;
            let registered: Vec<(String, String, Option<String>)> = sqlx::query_as(
                "SELECT member_id, state, registration_number FROM registrations
                 WHERE unit_code = $1 AND state IN ('pending_approval', 'approved')",
            )
            .bind(unit)
            .fetch_all(pool)
            .await?;
            let parse = |s: &String| {
                serde_json::from_str(s).map_err(|_| StorageError::Corrupt("samagra record"))
            };
            Ok(PackContents {
                families: families.iter().map(parse).collect::<Result<_, _>>()?,
                members: members
                    .iter()
                    .map(|s| {
                        serde_json::from_str(s).map_err(|_| StorageError::Corrupt("samagra record"))
                    })
                    .collect::<Result<_, _>>()?,
                registered: registered
                    .into_iter()
                    .map(|(id, state, registration_number)| {
                        Ok(RegisteredMember {
                            member_id: SamagraMemberId::parse(&id)
                                .map_err(|_| StorageError::Corrupt("member id"))?,
                            state: RegistrationState::parse(&state)
                                .ok_or(StorageError::Corrupt("state"))?,
                            registration_number,
                        })
                    })
                    .collect::<Result<_, StorageError>>()?,
            }
            .into_canonical())
        })
    }

    pub async fn member_record(
        &self,
        member_id: &str,
    ) -> Result<Option<(String, Member)>, StorageError> {
        on_pool!(self, |pool| {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT unit_code, body FROM members WHERE member_id = $1")
                    .bind(member_id)
                    .fetch_optional(pool)
                    .await?;
            row.map(|(unit, body)| {
                Ok((
                    unit,
                    serde_json::from_str(&body).map_err(|_| StorageError::Corrupt("member"))?,
                ))
            })
            .transpose()
        })
    }

    /// Family `family_id` and its members' records, as the server holds them.
    pub async fn family(
        &self,
        family_id: &str,
    ) -> Result<Option<(Family, Vec<Member>)>, StorageError> {
        on_pool!(self, |pool| {
            let body: Option<String> =
                sqlx::query_scalar("SELECT body FROM families WHERE family_id = $1")
                    .bind(family_id)
                    .fetch_optional(pool)
                    .await?;
            let Some(body) = body else {
                return Ok(None);
            };
            let family: Family =
                serde_json::from_str(&body).map_err(|_| StorageError::Corrupt("family"))?;
            let bodies: Vec<String> = sqlx::query_scalar(
                "SELECT body FROM members WHERE family_id = $1 ORDER BY member_id",
            )
            .bind(family_id)
            .fetch_all(pool)
            .await?;
            let members = bodies
                .iter()
                .map(|b| serde_json::from_str(b).map_err(|_| StorageError::Corrupt("member")))
                .collect::<Result<_, _>>()?;
            Ok(Some((family, members)))
        })
    }

    /// The unit and record of each of `member_ids` that the server holds, in one query.
    pub async fn member_records(
        &self,
        member_ids: &[String],
    ) -> Result<HashMap<String, (String, Member)>, StorageError> {
        if member_ids.is_empty() {
            return Ok(HashMap::new());
        }
        const SQL: &str = "SELECT member_id, unit_code, body FROM members WHERE member_id";
        let rows: Vec<(String, String, String)> = match self {
            // One array: the same statement, parsed once, for every batch size.
            Db::Postgres(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{SQL} = ANY($1)")))
                    .bind(member_ids)
                    .fetch_all(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                let sql = format!("{SQL} IN ({})", placeholders(1, member_ids.len()));
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for id in member_ids {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            }
        };
        rows.into_iter()
            .map(|(member_id, unit, body)| {
                let member: Member =
                    serde_json::from_str(&body).map_err(|_| StorageError::Corrupt("member"))?;
                Ok((member_id, (unit, member)))
            })
            .collect()
    }
}

impl Tx {
    /// The stored record of member `member_id`, if there is one that reads.
    pub async fn member(&mut self, member_id: &str) -> Result<Option<Member>, StorageError> {
        in_tx!(self, |c| {
            let body: Option<String> =
                sqlx::query_scalar("SELECT body FROM members WHERE member_id = $1")
                    .bind(member_id)
                    .fetch_optional(&mut *c)
                    .await?;
            Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
        })
    }
}
