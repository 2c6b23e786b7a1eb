//! The queries of both backends, written once: `impl_storage!` expands them for a backend
//! type whose `pool` is a `sqlx::Pool` of that database. Placeholders are `$1`-style, which
//! PostgreSQL and SQLite both take; times are epoch milliseconds; no dialect-only SQL.

/// Fills a registration-number template: `{state}`, `{district}`, `{year}` and `{seq}` (with an
/// optional zero-padded width, `{seq:07}`).
pub fn format_number(template: &str, state: &str, district: &str, year: i32, seq: i64) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let field = &rest[open + 1..open + close];
        let (name, width) = match field.split_once(':') {
            Some((n, w)) => (n, w.trim_start_matches('0').parse::<usize>().unwrap_or(0)),
            None => (field, 0),
        };
        match name {
            "state" => out.push_str(state),
            "district" => out.push_str(district),
            "year" => out.push_str(&year.to_string()),
            "seq" => out.push_str(&format!("{seq:0width$}")),
            _ => out.push_str(&rest[open..open + close + 1]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

macro_rules! impl_storage {
    ($backend:ty, $db:ty) => {
        use panjiyan_core::location::Place;
        use panjiyan_core::pack::{PackContents, RegisteredMember};
        use panjiyan_core::registration::RegistrationState;
        use panjiyan_core::samagra::{Family, Member};
        use panjiyan_core::validate::{LgdCode, SamagraMemberId};
        use panjiyan_core::wire::{BacklogReport, PushOutcome, StatusChange};
        use sqlx::Row;
        use std::collections::{BTreeSet, HashMap};
        use $crate::storage::queries::format_number;
        use $crate::storage::{
            AuditEntry, AuditRow, Camp, Decision, DeviceBacklog, GroupCoverage, OfficerBacklog, PackReadiness, ProgressRow, TargetGroup, Unregistered, Device, IncomingRegistration, NotificationRow, PackRow, QueueFilter, QueueRow, SamagraUpsert, WorkerStatus, RegistrationRow, Role, StatusScope, Storage,
            StorageError, UnitSummary, User, level_text, parse_level,
        };

        /// `sub`: the place `$1` and every place under it, read from the hierarchy's closure
        /// (an index range, not a recursive walk: a state has tens of thousands of places).
        const DESCENDANTS: &str = "WITH sub(code) AS (SELECT code FROM place_ancestors WHERE ancestor = CAST($1 AS TEXT))";

        fn user_from(row: &<$db as sqlx::Database>::Row) -> Result<User, StorageError> {
            let role: String = row.try_get("role")?;
            Ok(User {
                id: row.try_get("id")?,
                username: row.try_get("username")?,
                role: Role::parse(&role).ok_or(StorageError::Corrupt("user role"))?,
                jurisdiction: row.try_get("jurisdiction")?,
                disabled: row.try_get("disabled")?,
            })
        }

        fn place_from(r: &<$db as sqlx::Database>::Row) -> Result<Place, StorageError> {
            let code: String = r.try_get("code")?;
            let level: String = r.try_get("level")?;
            let parent: Option<String> = r.try_get("parent")?;
            Ok(Place {
                code: LgdCode::parse(&code).map_err(|_| StorageError::Corrupt("place code"))?,
                level: parse_level(&level).ok_or(StorageError::Corrupt("place level"))?,
                name_hi: r.try_get("name_hi")?,
                name_en: r.try_get("name_en")?,
                parent: parent.map(|p| LgdCode::parse(&p)).transpose().map_err(|_| StorageError::Corrupt("place parent"))?,
            })
        }

        fn progress_from(r: &<$db as sqlx::Database>::Row) -> Result<ProgressRow, StorageError> {
            Ok(ProgressRow {
                place_code: r.try_get("place_code")?,
                day: r.try_get("day")?,
                channel: r.try_get("channel")?,
                state: r.try_get("state")?,
                n: r.try_get("n")?,
            })
        }

        /// Adds the registrations matching `condition` (an SQL condition on `r`) to `progress`
        /// under `state_column`, with `sign` "-" to take them away: the one statement the
        /// incremental rollup and the full rebuild share.
        fn fold_into_progress(state_column: &str, sign: &str, condition: &str) -> [String; 2] {
            [
                format!(
                    "INSERT INTO progress(place_code, day, channel, state, n)
                     SELECT a.ancestor, r.received_day, r.channel, {state_column}, {sign}count(*)
                     FROM registrations r JOIN place_ancestors a ON a.code = r.unit_code
                     WHERE {condition}
                     GROUP BY a.ancestor, r.received_day, r.channel, {state_column}
                     ON CONFLICT(place_code, day, channel, state) DO UPDATE SET n = progress.n + excluded.n"
                ),
                format!(
                    "INSERT INTO progress_totals(place_code, channel, state, n)
                     SELECT a.ancestor, r.channel, {state_column}, {sign}count(*)
                     FROM registrations r JOIN place_ancestors a ON a.code = r.unit_code
                     WHERE {condition}
                     GROUP BY a.ancestor, r.channel, {state_column}
                     ON CONFLICT(place_code, channel, state) DO UPDATE SET n = progress_totals.n + excluded.n"
                ),
            ]
        }

        /// Counts every registration into an emptied `progress` and moves the rollup's cursor
        /// to the last change: after the hierarchy moved, or to load a big backlog at once.
        async fn rebuild_progress_in(tx: &mut sqlx::Transaction<'_, $db>) -> Result<(), StorageError> {
            sqlx::query("UPDATE counters SET value = value WHERE name = 'progress_cursor'").execute(&mut **tx).await?;
            sqlx::query("DELETE FROM progress").execute(&mut **tx).await?;
            sqlx::query("DELETE FROM progress_totals").execute(&mut **tx).await?;
            sqlx::query("DELETE FROM target_sums").execute(&mut **tx).await?;
            sqlx::query(
                "INSERT INTO target_sums(place_code, below)
                 SELECT a.ancestor, sum(t.target) FROM targets t JOIN place_ancestors a ON a.code = t.unit_code
                 WHERE a.depth > 0 GROUP BY a.ancestor",
            )
            .execute(&mut **tx)
            .await?;
            for statement in fold_into_progress("r.state", "", "r.received_day IS NOT NULL") {
                sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut **tx).await?;
            }
            sqlx::query("UPDATE registrations SET counted_state = state WHERE counted_state IS NULL OR counted_state <> state")
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE counters SET value = (SELECT value FROM counters WHERE name = 'status_change') WHERE name = 'progress_cursor'",
            )
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// `$first, $first+1, …` for `n` values: an IN list of bound parameters.
        fn placeholders(first: usize, n: usize) -> String {
            (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        }

        async fn camp_with(pool: &sqlx::Pool<$db>, row: &<$db as sqlx::Database>::Row) -> Result<Camp, StorageError> {
            let id: String = row.try_get("id")?;
            let units: Vec<String> = sqlx::query_scalar("SELECT unit_code FROM camp_units WHERE camp_id = $1 ORDER BY unit_code")
                .bind(&id)
                .fetch_all(pool)
                .await?;
            let staff: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM camp_staff WHERE camp_id = $1 ORDER BY user_id")
                .bind(&id)
                .fetch_all(pool)
                .await?;
            Ok(Camp {
                id,
                area_code: row.try_get("area_code")?,
                starts_at: row.try_get("starts_at")?,
                ends_at: row.try_get("ends_at")?,
                venue: row.try_get("venue")?,
                units,
                staff,
            })
        }

        fn device_from(row: &<$db as sqlx::Database>::Row) -> Result<Device, StorageError> {
            Ok(Device {
                device_id: row.try_get("device_id")?,
                public_key: row.try_get("public_key")?,
                jurisdiction: row.try_get("jurisdiction")?,
                enrolled_by: row.try_get("enrolled_by")?,
                revoked: row.try_get("revoked")?,
            })
        }

        fn registration_from(row: &<$db as sqlx::Database>::Row) -> Result<RegistrationRow, StorageError> {
            Ok(RegistrationRow {
                id: row.try_get("id")?,
                member_id: row.try_get("member_id")?,
                unit_code: row.try_get("unit_code")?,
                device_id: row.try_get("device_id")?,
                state: row.try_get("state")?,
                registration_number: row.try_get("registration_number")?,
                reason: row.try_get("reason")?,
                reason_note: row.try_get("reason_note")?,
                duplicate_of: row.try_get("duplicate_of")?,
                camp_id: row.try_get("camp_id")?,
                occupation_code: row.try_get("occupation_code")?,
                channel: row.try_get("channel")?,
                received_at: row.try_get("received_at")?,
                decided_at: row.try_get("decided_at")?,
            })
        }

        const SELECT_REGISTRATION: &str = "SELECT id, member_id, unit_code, device_id, state, registration_number,
            reason, reason_note, duplicate_of, camp_id, occupation_code, channel, received_at, decided_at FROM registrations";

        async fn next_change(tx: &mut sqlx::Transaction<'_, $db>) -> Result<i64, StorageError> {
            Ok(sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'status_change' RETURNING value")
                .fetch_one(&mut **tx)
                .await?)
        }

        fn time_of(ms: i64) -> time::OffsetDateTime {
            time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        }

        impl Storage for $backend {
            async fn migrate(&self) -> Result<(), StorageError> {
                self.run_migrations().await
            }

            async fn ping(&self) -> Result<(), StorageError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn upsert_places(&self, places: &[Place]) -> Result<u64, StorageError> {
                let mut tx = self.begin_write().await?;
                // Parents before children, so the foreign key holds at every insert.
                let mut ordered: Vec<&Place> = places.iter().collect();
                ordered.sort_by_key(|p| p.level);
                let mut moved = false;
                for p in &ordered {
                    let before: Option<Option<String>> = sqlx::query_scalar("SELECT parent FROM places WHERE code = $1")
                        .bind(p.code.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    moved |= before.is_some_and(|b| b.as_deref() != p.parent.as_ref().map(|c| c.as_str()));
                    sqlx::query(
                        "INSERT INTO places(code, level, name_hi, name_en, parent) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT(code) DO UPDATE SET level = excluded.level, name_hi = excluded.name_hi,
                            name_en = excluded.name_en, parent = excluded.parent",
                    )
                    .bind(p.code.as_str())
                    .bind(level_text(p.level))
                    .bind(&p.name_hi)
                    .bind(&p.name_en)
                    .bind(p.parent.as_ref().map(|c| c.as_str()))
                    .execute(&mut *tx)
                    .await?;
                }
                // The closure of the hierarchy, rebuilt whole (places change rarely).
                sqlx::query("DELETE FROM place_ancestors").execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO place_ancestors(code, ancestor, depth)
                     WITH RECURSIVE up(code, ancestor, depth) AS (
                        SELECT code, code, 0 FROM places
                        UNION ALL SELECT up.code, p.parent, up.depth + 1 FROM up JOIN places p ON p.code = up.ancestor
                        WHERE p.parent IS NOT NULL)
                     SELECT code, ancestor, depth FROM up",
                )
                .execute(&mut *tx)
                .await?;
                if moved {
                    // A place moved: its counts belong to other ancestors now; count again.
                    rebuild_progress_in(&mut tx).await?;
                }
                tx.commit().await?;
                Ok(ordered.len() as u64)
            }

            async fn place(&self, code: &str) -> Result<Option<Place>, StorageError> {
                let row = sqlx::query("SELECT code, level, name_hi, name_en, parent FROM places WHERE code = $1")
                    .bind(code)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(place_from).transpose()
            }

            async fn is_within(&self, code: &str, area: &str) -> Result<bool, StorageError> {
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM place_ancestors WHERE ancestor = $1 AND code = $2")
                    .bind(area)
                    .bind(code)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n > 0)
            }

            async fn units_within(&self, area: &str) -> Result<Vec<UnitSummary>, StorageError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS}
                     SELECT p.code, p.level, p.name_hi, p.name_en, k.version, k.size, k.sha256
                     FROM places p JOIN sub ON sub.code = p.code
                     LEFT JOIN unit_data d ON d.unit_code = p.code
                     LEFT JOIN packs k ON k.unit_code = p.code AND k.version = d.data_version
                     WHERE p.level IN ('village', 'ward')
                     ORDER BY p.code"
                )))
                .bind(area)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(UnitSummary {
                            code: r.try_get("code")?,
                            level: r.try_get("level")?,
                            name_hi: r.try_get("name_hi")?,
                            name_en: r.try_get("name_en")?,
                            pack_version: r.try_get("version")?,
                            pack_bytes: r.try_get("size")?,
                            pack_sha256: r.try_get("sha256")?,
                        })
                    })
                    .collect()
            }

            async fn add_user(&self, username: &str, password_hash: &str, role: Role, jurisdiction: &str) -> Result<i64, StorageError> {
                let result = sqlx::query_scalar(
                    "INSERT INTO users(username, password_hash, role, jurisdiction, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(username)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(jurisdiction)
                .bind($crate::storage::now_ms())
                .fetch_one(&self.pool)
                .await;
                match result {
                    Ok(id) => Ok(id),
                    Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => {
                        Err(StorageError::AlreadyExists("user"))
                    }
                    Err(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
                        Err(StorageError::NotFound("jurisdiction"))
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, StorageError> {
                let row = sqlx::query("SELECT id, username, role, jurisdiction, disabled, password_hash FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| Ok((user_from(&r)?, r.try_get("password_hash")?))).transpose()
            }

            async fn users(&self) -> Result<Vec<User>, StorageError> {
                let rows = sqlx::query("SELECT id, username, role, jurisdiction, disabled FROM users ORDER BY username")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(user_from).collect()
            }

            async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<(), StorageError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE users SET disabled = $2 WHERE username = $1")
                    .bind(username)
                    .bind(disabled)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StorageError::NotFound("user"));
                }
                if disabled {
                    sqlx::query("UPDATE sessions SET revoked = TRUE WHERE user_id = (SELECT id FROM users WHERE username = $1)")
                        .bind(username)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, token_hash: &[u8], user_id: i64, expires_at: i64) -> Result<(), StorageError> {
                sqlx::query("INSERT INTO sessions(token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &[u8], now: i64) -> Result<Option<User>, StorageError> {
                let row = sqlx::query(
                    "SELECT u.id, u.username, u.role, u.jurisdiction, u.disabled FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND NOT s.revoked AND s.expires_at > $2 AND NOT u.disabled",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(user_from).transpose()
            }

            async fn revoke_session(&self, token_hash: &[u8]) -> Result<(), StorageError> {
                sqlx::query("UPDATE sessions SET revoked = TRUE WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn record_login_failure(&self, key: &str, at: i64) -> Result<(), StorageError> {
                sqlx::query("INSERT INTO login_failures(attempt_key, at) VALUES ($1, $2)").bind(key).bind(at).execute(&self.pool).await?;
                Ok(())
            }

            async fn login_failures_since(&self, key: &str, since: i64) -> Result<i64, StorageError> {
                Ok(sqlx::query_scalar("SELECT count(*) FROM login_failures WHERE attempt_key = $1 AND at > $2")
                    .bind(key)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM login_failures WHERE attempt_key = $1").bind(key).execute(&self.pool).await?;
                Ok(())
            }

            async fn enrol_device(&self, device: &Device, token_hash: &[u8], now: i64) -> Result<(), StorageError> {
                let mut tx = self.begin_write().await?;
                let revoked: Option<bool> = sqlx::query_scalar("SELECT revoked FROM devices WHERE device_id = $1")
                    .bind(&device.device_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match revoked {
                    Some(true) => return Err(StorageError::AlreadyExists("revoked device")),
                    Some(false) => {
                        sqlx::query("UPDATE devices SET token_hash = $2, jurisdiction = $3, enrolled_by = $4 WHERE device_id = $1")
                            .bind(&device.device_id)
                            .bind(token_hash)
                            .bind(&device.jurisdiction)
                            .bind(device.enrolled_by)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO devices(device_id, public_key, token_hash, enrolled_by, jurisdiction, enrolled_at)
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(&device.device_id)
                        .bind(&device.public_key)
                        .bind(token_hash)
                        .bind(device.enrolled_by)
                        .bind(&device.jurisdiction)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn device(&self, device_id: &str) -> Result<Option<Device>, StorageError> {
                let row = sqlx::query("SELECT device_id, public_key, jurisdiction, enrolled_by, revoked FROM devices WHERE device_id = $1")
                    .bind(device_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(device_from).transpose()
            }

            async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<Device>, StorageError> {
                let row = sqlx::query("SELECT device_id, public_key, jurisdiction, enrolled_by, revoked FROM devices WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(device_from).transpose()
            }

            async fn revoke_device(&self, device_id: &str) -> Result<(), StorageError> {
                let done = sqlx::query("UPDATE devices SET revoked = TRUE WHERE device_id = $1").bind(device_id).execute(&self.pool).await?;
                if done.rows_affected() == 0 {
                    return Err(StorageError::NotFound("device"));
                }
                Ok(())
            }

            async fn record_backlog(&self, device_id: &str, report: &BacklogReport, now: i64) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE devices SET last_seen_at = $2, pending = $3, oldest_pending_at = $4, app_version = $5,
                        last_error = $6 WHERE device_id = $1",
                )
                .bind(device_id)
                .bind(now)
                .bind(report.pending as i64)
                .bind(report.oldest_pending_at.map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64))
                .bind(&report.app_version)
                .bind(&report.last_error)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn server_key(&self, key_id: &str, candidate: &[u8], now: i64) -> Result<Vec<u8>, StorageError> {
                let mut tx = self.begin_write().await?;
                let existing: Option<Vec<u8>> =
                    sqlx::query_scalar("SELECT pkcs8 FROM server_keys ORDER BY created_at LIMIT 1").fetch_optional(&mut *tx).await?;
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
            }

            async fn upsert_samagra(&self, families: &[Family], members: &[Member], now: i64) -> Result<SamagraUpsert, StorageError> {
                let mut tx = self.begin_write().await?;
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
                    let unit: Option<String> = sqlx::query_scalar("SELECT unit_code FROM families WHERE family_id = $1")
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
                Ok(SamagraUpsert { changed_units: changed.into_iter().collect(), orphans })
            }

            async fn unit_data_version(&self, unit: &str) -> Result<Option<i64>, StorageError> {
                Ok(sqlx::query_scalar("SELECT data_version FROM unit_data WHERE unit_code = $1")
                    .bind(unit)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn unit_contents(&self, unit: &str) -> Result<PackContents, StorageError> {
                let families: Vec<String> =
                    sqlx::query_scalar("SELECT body FROM families WHERE unit_code = $1").bind(unit).fetch_all(&self.pool).await?;
                let members: Vec<String> =
                    sqlx::query_scalar("SELECT body FROM members WHERE unit_code = $1").bind(unit).fetch_all(&self.pool).await?;
                let registered = sqlx::query(
                    "SELECT member_id, state, registration_number FROM registrations
                     WHERE unit_code = $1 AND state IN ('pending_approval', 'approved')",
                )
                .bind(unit)
                .fetch_all(&self.pool)
                .await?;
                let parse = |s: &String| serde_json::from_str(s).map_err(|_| StorageError::Corrupt("samagra record"));
                Ok(PackContents {
                    families: families.iter().map(parse).collect::<Result<_, _>>()?,
                    members: members.iter().map(|s| serde_json::from_str(s).map_err(|_| StorageError::Corrupt("samagra record"))).collect::<Result<_, _>>()?,
                    registered: registered
                        .iter()
                        .map(|r| {
                            let id: String = r.try_get("member_id")?;
                            let state: String = r.try_get("state")?;
                            Ok(RegisteredMember {
                                member_id: SamagraMemberId::parse(&id).map_err(|_| StorageError::Corrupt("member id"))?,
                                state: RegistrationState::parse(&state).ok_or(StorageError::Corrupt("state"))?,
                                registration_number: r.try_get("registration_number")?,
                            })
                        })
                        .collect::<Result<_, StorageError>>()?,
                }
                .into_canonical())
            }

            async fn member_record(&self, member_id: &str) -> Result<Option<(String, Member)>, StorageError> {
                let row = sqlx::query("SELECT unit_code, body FROM members WHERE member_id = $1")
                    .bind(member_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    let body: String = r.try_get("body")?;
                    Ok((r.try_get("unit_code")?, serde_json::from_str(&body).map_err(|_| StorageError::Corrupt("member"))?))
                })
                .transpose()
            }

            async fn member_records(&self, member_ids: &[String]) -> Result<HashMap<String, (String, Member)>, StorageError> {
                let mut out = HashMap::with_capacity(member_ids.len());
                if member_ids.is_empty() {
                    return Ok(out);
                }
                let placeholders = (1..=member_ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT member_id, unit_code, body FROM members WHERE member_id IN ({placeholders})"
                )));
                for id in member_ids {
                    q = q.bind(id.clone());
                }
                for r in q.fetch_all(&self.pool).await? {
                    let body: String = r.try_get("body")?;
                    let member: Member = serde_json::from_str(&body).map_err(|_| StorageError::Corrupt("member"))?;
                    out.insert(r.try_get("member_id")?, (r.try_get("unit_code")?, member));
                }
                Ok(out)
            }

            async fn store_pack(&self, unit: &str, version: i64, bytes: &[u8], sha256: &str, now: i64) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO packs(unit_code, version, bytes, sha256, size, built_at) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT(unit_code, version) DO NOTHING",
                )
                .bind(unit)
                .bind(version)
                .bind(bytes)
                .bind(sha256)
                .bind(bytes.len() as i64)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn pack(&self, unit: &str, version: Option<i64>) -> Result<Option<PackRow>, StorageError> {
                let row = sqlx::query(
                    "SELECT unit_code, version, bytes, sha256 FROM packs
                     WHERE unit_code = $1 AND ($2 IS NULL OR version = $2) ORDER BY version DESC LIMIT 1",
                )
                .bind(unit)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(PackRow {
                        unit_code: r.try_get("unit_code")?,
                        version: r.try_get("version")?,
                        bytes: r.try_get("bytes")?,
                        sha256: r.try_get("sha256")?,
                    })
                })
                .transpose()
            }

            async fn push(&self, device_id: &str, records: &[IncomingRegistration], now: i64) -> Result<Vec<PushOutcome>, StorageError> {
                let mut tx = self.begin_write().await?;
                let placeholders = |n: usize| (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                // What the server already holds of this batch, and which of its members already
                // count: two queries for the whole batch, not two per record.
                let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
                let mut held: HashMap<String, (String, String, Option<String>)> = HashMap::new();
                if !ids.is_empty() {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT id, content_hash, state, duplicate_of FROM registrations WHERE id IN ({})",
                        placeholders(ids.len())
                    )));
                    for id in &ids {
                        q = q.bind(id.clone());
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        held.insert(row.try_get("id")?, (row.try_get("content_hash")?, row.try_get("state")?, row.try_get("duplicate_of")?));
                    }
                }
                let members: Vec<String> = records.iter().map(|r| r.member_id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
                let mut counting: HashMap<String, String> = HashMap::new();
                if !members.is_empty() {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT member_id, id FROM registrations
                         WHERE state IN ('pending_approval', 'approved') AND member_id IN ({})",
                        placeholders(members.len())
                    )));
                    for m in &members {
                        q = q.bind(m.clone());
                    }
                    for row in q.fetch_all(&mut *tx).await? {
                        counting.insert(row.try_get("member_id")?, row.try_get("id")?);
                    }
                }
                // One block of status-change numbers for the new records, taken in this
                // transaction so that numbers still follow commit order.
                let fresh = ids.iter().collect::<BTreeSet<_>>().iter().filter(|id| !held.contains_key(id.as_str())).count() as i64;
                let mut seq = if fresh > 0 {
                    let last: i64 = sqlx::query_scalar(
                        "UPDATE counters SET value = value + $1 WHERE name = 'status_change' RETURNING value",
                    )
                    .bind(fresh)
                    .fetch_one(&mut *tx)
                    .await?;
                    last - fresh + 1
                } else {
                    0
                };
                let mut outcomes = Vec::with_capacity(records.len());
                for (rec, id) in records.iter().zip(&ids) {
                    if let Some((hash, state, dup)) = held.get(id) {
                        if *hash != rec.content_hash {
                            sqlx::query("INSERT INTO conflicts(registration_id, device_id, received_at) VALUES ($1, $2, $3)")
                                .bind(id)
                                .bind(device_id)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            tracing::warn!(registration = %id, device = device_id, "same registration id with different content refused");
                            outcomes.push(PushOutcome::Conflict);
                            continue;
                        }
                        outcomes.push(match (state.as_str(), dup.as_deref().and_then(|d| uuid::Uuid::parse_str(d).ok())) {
                            ("duplicate", Some(first)) => PushOutcome::DuplicateOf { first },
                            _ => PushOutcome::AlreadyHad,
                        });
                        continue;
                    }
                    let this_seq = seq;
                    seq += 1;
                    let insert = |state: &'static str, duplicate_of: Option<String>, on_conflict: &'static str| {
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "INSERT INTO registrations(id, content_hash, payload, device_id, device_seq, member_id, family_id,
                                unit_code, channel, occupation_code, state, duplicate_of, received_at, change_seq, camp_id, received_day)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) {on_conflict}"
                        )))
                        .bind(id.clone())
                        .bind(rec.content_hash.clone())
                        .bind(rec.payload.clone())
                        .bind(device_id.to_owned())
                        .bind(rec.device_seq)
                        .bind(rec.member_id.clone())
                        .bind(rec.family_id.clone())
                        .bind(rec.unit_code.clone())
                        .bind(rec.channel.clone())
                        .bind(rec.occupation_code.clone())
                        .bind(state)
                        .bind(duplicate_of)
                        .bind(now)
                        .bind(this_seq)
                        .bind(rec.camp_id.clone())
                        .bind($crate::storage::india_day(now))
                    };
                    let first = match counting.get(&rec.member_id) {
                        Some(first) => Some(first.clone()),
                        None => {
                            // Another transaction may register the same member at this moment:
                            // the partial unique index decides, and the loser is the duplicate.
                            let done = insert(
                                "pending_approval",
                                None,
                                "ON CONFLICT (member_id) WHERE state IN ('pending_approval', 'approved') DO NOTHING",
                            )
                            .execute(&mut *tx)
                            .await?;
                            if done.rows_affected() == 1 {
                                counting.insert(rec.member_id.clone(), id.clone());
                                None
                            } else {
                                sqlx::query_scalar(
                                    "SELECT id FROM registrations WHERE member_id = $1 AND state IN ('pending_approval', 'approved')",
                                )
                                .bind(&rec.member_id)
                                .fetch_optional(&mut *tx)
                                .await?
                            }
                        }
                    };
                    match first {
                        None => {
                            held.insert(id.clone(), (rec.content_hash.clone(), "pending_approval".into(), None));
                            outcomes.push(PushOutcome::Accepted);
                        }
                        Some(first) => {
                            insert("duplicate", Some(first.clone()), "").execute(&mut *tx).await?;
                            held.insert(id.clone(), (rec.content_hash.clone(), "duplicate".into(), Some(first.clone())));
                            let first = uuid::Uuid::parse_str(&first).map_err(|_| StorageError::Corrupt("registration id"))?;
                            outcomes.push(PushOutcome::DuplicateOf { first });
                        }
                    }
                }
                tx.commit().await?;
                Ok(outcomes)
            }

            async fn status_changes(&self, scope: &StatusScope<'_>, after: i64, limit: i64) -> Result<Vec<(i64, StatusChange)>, StorageError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS}
                     SELECT change_seq, id, member_id, state, registration_number, reason, duplicate_of,
                            COALESCE(decided_at, received_at) AS changed_at
                     FROM registrations
                     WHERE change_seq > $2 AND (device_id = $3 OR unit_code IN (SELECT code FROM sub))
                     ORDER BY change_seq LIMIT $4"
                )))
                .bind(scope.jurisdiction)
                .bind(after)
                .bind(scope.device_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let id: String = r.try_get("id")?;
                        let member: String = r.try_get("member_id")?;
                        let state: String = r.try_get("state")?;
                        let dup: Option<String> = r.try_get("duplicate_of")?;
                        Ok((
                            r.try_get("change_seq")?,
                            StatusChange {
                                id: uuid::Uuid::parse_str(&id).map_err(|_| StorageError::Corrupt("registration id"))?,
                                member_id: SamagraMemberId::parse(&member).map_err(|_| StorageError::Corrupt("member id"))?,
                                state: RegistrationState::parse(&state).ok_or(StorageError::Corrupt("state"))?,
                                registration_number: r.try_get("registration_number")?,
                                reason: r.try_get("reason")?,
                                duplicate_of: dup.and_then(|d| uuid::Uuid::parse_str(&d).ok()),
                                changed_at: time_of(r.try_get("changed_at")?),
                            },
                        ))
                    })
                    .collect()
            }

            async fn registration(&self, id: &str) -> Result<Option<RegistrationRow>, StorageError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_REGISTRATION} WHERE id = $1"))).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(registration_from).transpose()
            }

            async fn decide(&self, id: &str, decision: &Decision, officer: i64, number_format: &str, now: i64) -> Result<RegistrationRow, StorageError> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_REGISTRATION} WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StorageError::NotFound("registration"))?;
                let current = registration_from(&row)?;
                match (decision, current.state.as_str()) {
                    (Decision::Approve, "approved") => return Ok(current),
                    (Decision::Reject { reason, .. }, "rejected") if current.reason.as_deref() == Some(reason.as_str()) => {
                        return Ok(current);
                    }
                    (_, "pending_approval") => {}
                    (_, other) => return Err(StorageError::NotPending(other.to_owned())),
                }
                let seq = next_change(&mut tx).await?;
                match decision {
                    Decision::Approve => {
                        // The district and state of the unit, for the number's scope and text.
                        let ancestors = sqlx::query(
                            "WITH RECURSIVE up(code, level, parent) AS (
                                SELECT code, level, parent FROM places WHERE code = $1
                                UNION ALL SELECT p.code, p.level, p.parent FROM places p JOIN up ON p.code = up.parent)
                             SELECT code, level FROM up",
                        )
                        .bind(&current.unit_code)
                        .fetch_all(&mut *tx)
                        .await?;
                        let mut district = String::new();
                        let mut state = String::new();
                        for a in &ancestors {
                            let level: String = a.try_get("level")?;
                            match level.as_str() {
                                "district" => district = a.try_get("code")?,
                                "state" => state = a.try_get("code")?,
                                _ => {}
                            }
                        }
                        let year = time_of(now).year();
                        let scope = format!("{district}-{year}");
                        sqlx::query("INSERT INTO number_sequences(scope, next) VALUES ($1, 1) ON CONFLICT(scope) DO NOTHING")
                            .bind(&scope)
                            .execute(&mut *tx)
                            .await?;
                        let n: i64 = sqlx::query_scalar(
                            "UPDATE number_sequences SET next = next + 1 WHERE scope = $1 RETURNING next - 1",
                        )
                        .bind(&scope)
                        .fetch_one(&mut *tx)
                        .await?;
                        let number = format_number(number_format, &state, &district, year, n);
                        sqlx::query(
                            "UPDATE registrations SET state = 'approved', registration_number = $2, decided_at = $3,
                                decided_by = $4, change_seq = $5 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&number)
                        .bind(now)
                        .bind(officer)
                        .bind(seq)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Decision::Reject { reason, note } => {
                        sqlx::query(
                            "UPDATE registrations SET state = 'rejected', reason = $2, decided_at = $3, decided_by = $4,
                                change_seq = $5, reason_note = $6 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(reason)
                        .bind(now)
                        .bind(officer)
                        .bind(seq)
                        .bind(note)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_REGISTRATION} WHERE id = $1"))).bind(id).fetch_one(&mut *tx).await?;
                let decided = registration_from(&row)?;
                // The worker is told in the same transaction: the messages exist if and only
                // if the decision does.
                let payload: String = sqlx::query_scalar("SELECT payload FROM registrations WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                let payload: panjiyan_core::wire::RegistrationPayload =
                    serde_json::from_str(&payload).map_err(|_| StorageError::Corrupt("registration payload"))?;
                let body: Option<String> = sqlx::query_scalar("SELECT body FROM members WHERE member_id = $1")
                    .bind(&decided.member_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let member: Option<Member> = body.and_then(|b| serde_json::from_str(&b).ok());
                let (name_hi, name_en) = member.map_or_else(Default::default, |m| (m.name_hi, m.name_en));
                let date = time_of(now).format(time::macros::format_description!("[day]-[month]-[year]")).unwrap_or_default();
                let language = if payload.language == panjiyan_core::messages::Lang::En { "en" } else { "hi" };
                let reason = decided.reason.as_deref().map(|code| panjiyan_core::registration::reject_reason_text(code, payload.language));
                let notices = crate::notify::notices_for(&crate::notify::Decided {
                    approved: matches!(decision, Decision::Approve),
                    mobile: payload.mobile.as_ref().map(|m| m.as_str()),
                    language,
                    name_hi: &name_hi,
                    name_en: &name_en,
                    number: decided.registration_number.as_deref(),
                    reason: reason.as_deref(),
                    date: &date,
                });
                for n in notices {
                    sqlx::query(
                        "INSERT INTO notifications(registration_id, kind, channel, language, recipient, template_id, body,
                            state, next_attempt_at, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)
                         ON CONFLICT(registration_id, kind, channel) DO NOTHING",
                    )
                    .bind(id)
                    .bind(n.kind)
                    .bind(n.channel)
                    .bind(&n.language)
                    .bind(&n.recipient)
                    .bind(&n.template_id)
                    .bind(&n.body)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let (action, reason, note) = match decision {
                    Decision::Approve => ("approve", None, None),
                    Decision::Reject { reason, note } => ("reject", Some(reason.as_str()), note.as_deref()),
                };
                sqlx::query("INSERT INTO audit_log(at, user_id, action, registration_id, reason, note) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(now)
                    .bind(officer)
                    .bind(action)
                    .bind(id)
                    .bind(reason)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(decided)
            }

            async fn count_registrations(&self) -> Result<i64, StorageError> {
                Ok(sqlx::query_scalar("SELECT count(*) FROM registrations").fetch_one(&self.pool).await?)
            }

            async fn claim_notifications(&self, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<$crate::notify::Outgoing>, StorageError> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(
                    "UPDATE notifications SET state = 'sending', attempts = attempts + 1, next_attempt_at = $1 + $2
                     WHERE id IN (SELECT id FROM notifications WHERE state IN ('pending', 'sending')
                                  AND next_attempt_at <= $1 ORDER BY id LIMIT $3)
                     RETURNING id, channel, recipient, template_id, language, body, attempts",
                )
                .bind(now)
                .bind(lease_ms)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::notify::Outgoing {
                            id: r.try_get("id")?,
                            channel: r.try_get("channel")?,
                            recipient: r.try_get("recipient")?,
                            template_id: r.try_get("template_id")?,
                            language: r.try_get("language")?,
                            body: r.try_get("body")?,
                            attempts: r.try_get::<i32, _>("attempts")? as i64,
                        })
                    })
                    .collect()
            }

            async fn notification_sent(&self, id: i64, reference: &str, now: i64) -> Result<(), StorageError> {
                sqlx::query("UPDATE notifications SET state = 'sent', provider_ref = $2, sent_at = $3, last_error = NULL WHERE id = $1")
                    .bind(id)
                    .bind(reference)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn notification_failed(&self, id: i64, error: &str, next_attempt_at: i64, give_up: bool) -> Result<(), StorageError> {
                sqlx::query("UPDATE notifications SET state = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1")
                    .bind(id)
                    .bind(if give_up { "failed" } else { "pending" })
                    .bind(error)
                    .bind(next_attempt_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn notifications_for(&self, registration_id: &str) -> Result<Vec<NotificationRow>, StorageError> {
                let rows = sqlx::query(
                    "SELECT channel, kind, language, state, attempts, body FROM notifications WHERE registration_id = $1 ORDER BY id",
                )
                .bind(registration_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(NotificationRow {
                            channel: r.try_get("channel")?,
                            kind: r.try_get("kind")?,
                            language: r.try_get("language")?,
                            state: r.try_get("state")?,
                            attempts: r.try_get::<i32, _>("attempts")? as i64,
                            body: r.try_get("body")?,
                        })
                    })
                    .collect()
            }

            async fn audit_for(&self, registration_id: &str) -> Result<Vec<AuditRow>, StorageError> {
                let rows = sqlx::query(
                    "SELECT a.at, u.username, a.action, a.reason FROM audit_log a JOIN users u ON u.id = a.user_id
                     WHERE a.registration_id = $1 ORDER BY a.id",
                )
                .bind(registration_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok(AuditRow { at: r.try_get("at")?, username: r.try_get("username")?, action: r.try_get("action")?, reason: r.try_get("reason")? }))
                    .collect()
            }

            async fn status_lookups(&self, client: &str, now: i64, since: i64) -> Result<i64, StorageError> {
                sqlx::query("INSERT INTO status_lookups(client, at) VALUES ($1, $2)").bind(client).bind(now).execute(&self.pool).await?;
                Ok(sqlx::query_scalar("SELECT count(*) FROM status_lookups WHERE client = $1 AND at > $2")
                    .bind(client)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn worker_status(&self, member_id: &str) -> Result<Option<WorkerStatus>, StorageError> {
                let row = sqlx::query(
                    "SELECT r.state, r.registration_number, r.reason, r.decided_at, m.body FROM registrations r
                     LEFT JOIN members m ON m.member_id = r.member_id
                     WHERE r.member_id = $1 AND r.state IN ('pending_approval', 'approved', 'rejected')
                     ORDER BY CASE WHEN r.state = 'rejected' THEN 1 ELSE 0 END, r.received_at DESC LIMIT 1",
                )
                .bind(member_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    let body: Option<String> = r.try_get("body")?;
                    let member: Option<Member> = body.and_then(|b| serde_json::from_str(&b).ok());
                    let (name_hi, name_en) = member.map_or_else(Default::default, |m| (m.name_hi, m.name_en));
                    Ok(WorkerStatus {
                        state: r.try_get("state")?,
                        registration_number: r.try_get("registration_number")?,
                        reason: r.try_get("reason")?,
                        decided_at: r.try_get("decided_at")?,
                        name_en,
                        name_hi,
                    })
                })
                .transpose()
            }

            async fn catch_up_progress(&self, limit: i64) -> Result<i64, StorageError> {
                // Every page view asks; most of the time there is nothing new, and finding that
                // out must not take the write lock that pushes and decisions need.
                let behind: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM counters c JOIN counters p ON p.name = 'progress_cursor'
                     WHERE c.name = 'status_change' AND c.value > p.value",
                )
                .fetch_one(&self.pool)
                .await?;
                if behind == 0 {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                // Taking the cursor row's lock makes the rollup one writer at a time.
                let cursor: i64 = sqlx::query_scalar("UPDATE counters SET value = value WHERE name = 'progress_cursor' RETURNING value")
                    .fetch_one(&mut *tx)
                    .await?;
                // Change numbers are taken under the counter row's lock and committed in order,
                // so every number up to the committed value is visible now.
                let last: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'status_change'")
                    .fetch_one(&mut *tx)
                    .await?;
                let upto = last.min(cursor + limit);
                if upto <= cursor {
                    return Ok(0);
                }
                for (state_column, sign, condition) in [
                    ("r.counted_state", "-", "r.change_seq > $1 AND r.change_seq <= $2 AND r.counted_state IS NOT NULL AND r.counted_state <> r.state"),
                    ("r.state", "", "r.change_seq > $1 AND r.change_seq <= $2 AND (r.counted_state IS NULL OR r.counted_state <> r.state)"),
                ] {
                    for statement in fold_into_progress(state_column, sign, condition) {
                        sqlx::query(sqlx::AssertSqlSafe(statement)).bind(cursor).bind(upto).execute(&mut *tx).await?;
                    }
                }
                sqlx::query(
                    "UPDATE registrations SET counted_state = state
                     WHERE change_seq > $1 AND change_seq <= $2 AND (counted_state IS NULL OR counted_state <> state)",
                )
                .bind(cursor)
                .bind(upto)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE counters SET value = $1 WHERE name = 'progress_cursor'").bind(upto).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(upto - cursor)
            }

            async fn rebuild_progress(&self) -> Result<(), StorageError> {
                let mut tx = self.begin_write().await?;
                rebuild_progress_in(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn progress_by_day(&self, place: &str) -> Result<Vec<ProgressRow>, StorageError> {
                let rows = sqlx::query(
                    "SELECT place_code, day, channel, state, n FROM progress WHERE place_code = $1 AND n <> 0 ORDER BY day, channel, state",
                )
                .bind(place)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(progress_from).collect()
            }

            async fn progress_of_children(&self, place: &str, from_day: Option<i64>, to_day: Option<i64>) -> Result<Vec<ProgressRow>, StorageError> {
                let rows = if from_day.is_none() && to_day.is_none() {
                    // All days: the totals, a dozen rows per child.
                    sqlx::query(
                        "SELECT g.place_code, CAST(0 AS BIGINT) AS day, g.channel, g.state, g.n
                         FROM progress_totals g JOIN places p ON p.code = g.place_code
                         WHERE p.parent = $1 AND g.n <> 0",
                    )
                    .bind(place)
                    .fetch_all(&self.pool)
                    .await?
                } else {
                    sqlx::query(
                        "SELECT g.place_code, CAST(0 AS BIGINT) AS day, g.channel, g.state, CAST(sum(g.n) AS BIGINT) AS n
                         FROM progress g JOIN places p ON p.code = g.place_code
                         WHERE p.parent = $1 AND ($2 IS NULL OR g.day >= $2) AND ($3 IS NULL OR g.day <= $3)
                         GROUP BY g.place_code, g.channel, g.state",
                    )
                    .bind(place)
                    .bind(from_day)
                    .bind(to_day)
                    .fetch_all(&self.pool)
                    .await?
                };
                rows.iter().map(progress_from).collect()
            }

            async fn progress_at_levels(&self, area: &str, levels: &[&str], from_day: Option<i64>, to_day: Option<i64>) -> Result<Vec<ProgressRow>, StorageError> {
                let sql = format!(
                    "SELECT g.place_code, CAST(0 AS BIGINT) AS day, g.channel, g.state, CAST(sum(g.n) AS BIGINT) AS n
                     FROM progress g JOIN places p ON p.code = g.place_code
                     JOIN place_ancestors a ON a.code = g.place_code AND a.ancestor = $1
                     WHERE ($2 IS NULL OR g.day >= $2) AND ($3 IS NULL OR g.day <= $3) AND p.level IN ({})
                     GROUP BY g.place_code, g.channel, g.state",
                    placeholders(4, levels.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(area).bind(from_day).bind(to_day);
                for l in levels {
                    q = q.bind(*l);
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter().map(progress_from).collect()
            }

            async fn children_of(&self, code: &str) -> Result<Vec<Place>, StorageError> {
                let rows = sqlx::query("SELECT code, level, name_hi, name_en, parent FROM places WHERE parent = $1 ORDER BY code")
                    .bind(code)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(place_from).collect()
            }

            async fn root_places(&self) -> Result<Vec<Place>, StorageError> {
                let rows = sqlx::query("SELECT code, level, name_hi, name_en, parent FROM places WHERE parent IS NULL ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(place_from).collect()
            }

            async fn lineage(&self, code: &str) -> Result<Vec<Place>, StorageError> {
                let rows = sqlx::query(
                    "SELECT p.code, p.level, p.name_hi, p.name_en, p.parent FROM place_ancestors a JOIN places p ON p.code = a.ancestor
                     WHERE a.code = $1 ORDER BY a.depth DESC",
                )
                .bind(code)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(place_from).collect()
            }

            async fn places_at_levels(&self, area: &str, levels: &[&str]) -> Result<Vec<Place>, StorageError> {
                let sql = format!(
                    "SELECT p.code, p.level, p.name_hi, p.name_en, p.parent FROM places p JOIN place_ancestors a ON a.code = p.code
                     WHERE a.ancestor = $1 AND p.level IN ({}) ORDER BY p.code",
                    placeholders(2, levels.len())
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(area);
                for l in levels {
                    q = q.bind(*l);
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter().map(place_from).collect()
            }

            async fn targets_around(&self, place: &str) -> Result<HashMap<String, i64>, StorageError> {
                // The place and its children; for each, its own target or the sum below it.
                let rows = sqlx::query(
                    "WITH around(code) AS (SELECT CAST($1 AS TEXT) UNION ALL SELECT code FROM places WHERE parent = $1)
                     SELECT around.code, t.target AS own, s.below FROM around
                     LEFT JOIN targets t ON t.unit_code = around.code LEFT JOIN target_sums s ON s.place_code = around.code",
                )
                .bind(place)
                .fetch_all(&self.pool)
                .await?;
                let mut out = HashMap::new();
                for r in &rows {
                    let own: Option<i64> = r.try_get("own")?;
                    let below: Option<i64> = r.try_get("below")?;
                    if let Some(t) = own.or(below) {
                        out.insert(r.try_get("code")?, t);
                    }
                }
                Ok(out)
            }

            async fn device_backlog(&self, area: &str) -> Result<Vec<DeviceBacklog>, StorageError> {
                let rows = sqlx::query(
                    "SELECT d.device_id, u.username, d.jurisdiction, d.last_seen_at, d.pending, d.oldest_pending_at, d.app_version,
                        d.last_error, d.revoked, pd.code AS district, pd.name_hi AS district_hi, pd.name_en AS district_en,
                        pb.code AS block, pb.name_hi AS block_hi, pb.name_en AS block_en
                     FROM devices d JOIN users u ON u.id = d.enrolled_by
                     LEFT JOIN (place_ancestors ad JOIN places pd ON pd.code = ad.ancestor AND pd.level = 'district')
                        ON ad.code = d.jurisdiction
                     LEFT JOIN (place_ancestors ab JOIN places pb ON pb.code = ab.ancestor AND pb.level IN ('block', 'urban_body'))
                        ON ab.code = d.jurisdiction
                     WHERE d.pending > 0 AND NOT d.revoked
                        AND EXISTS (SELECT 1 FROM place_ancestors w WHERE w.code = d.jurisdiction AND w.ancestor = $1)
                     ORDER BY pd.code, pb.code, d.pending DESC, d.device_id",
                )
                .bind(area)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeviceBacklog {
                            device_id: r.try_get("device_id")?,
                            enrolled_by: r.try_get("username")?,
                            jurisdiction: r.try_get("jurisdiction")?,
                            district: r.try_get("district")?,
                            district_name: (r.try_get::<Option<String>, _>("district_hi")?, r.try_get::<Option<String>, _>("district_en")?),
                            block: r.try_get("block")?,
                            block_name: (r.try_get::<Option<String>, _>("block_hi")?, r.try_get::<Option<String>, _>("block_en")?),
                            last_seen_at: r.try_get("last_seen_at")?,
                            pending: r.try_get::<Option<i64>, _>("pending")?.unwrap_or(0),
                            oldest_pending_at: r.try_get("oldest_pending_at")?,
                            app_version: r.try_get("app_version")?,
                            last_error: r.try_get("last_error")?,
                            revoked: r.try_get("revoked")?,
                        })
                    })
                    .collect()
            }

            async fn ingest_per_minute(&self, since: i64) -> Result<Vec<(i64, i64)>, StorageError> {
                let rows = sqlx::query(
                    "SELECT (received_at / 60000) * 60000 AS minute, count(*) AS n FROM registrations
                     WHERE received_at >= $1 GROUP BY (received_at / 60000) * 60000 ORDER BY minute",
                )
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("minute")?, r.try_get("n")?))).collect()
            }

            async fn notification_counts(&self) -> Result<Vec<(String, i64)>, StorageError> {
                // The queue, not the history: sent messages are millions at state scale and are
                // not counted here (the notifications_due index covers what is).
                let rows = sqlx::query(
                    "SELECT state, count(*) AS n FROM notifications WHERE state IN ('pending', 'sending', 'failed')
                     GROUP BY state ORDER BY state",
                )
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
            }

            async fn officer_backlog(&self, area: &str) -> Result<Vec<OfficerBacklog>, StorageError> {
                let rows = sqlx::query(
                    "SELECT u.username, u.jurisdiction,
                        (SELECT CAST(coalesce(sum(g.n), 0) AS BIGINT) FROM progress_totals g
                            WHERE g.place_code = u.jurisdiction AND g.state = 'pending_approval') AS pending,
                        (SELECT min(g.day) FROM progress g
                            WHERE g.place_code = u.jurisdiction AND g.state = 'pending_approval' AND g.n > 0) AS oldest_day
                     FROM users u JOIN place_ancestors a ON a.code = u.jurisdiction AND a.ancestor = $1
                     WHERE u.role = 'designated-officer' AND NOT u.disabled
                     ORDER BY pending DESC, u.username",
                )
                .bind(area)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(OfficerBacklog {
                            username: r.try_get("username")?,
                            jurisdiction: r.try_get("jurisdiction")?,
                            pending: r.try_get("pending")?,
                            oldest_day: r.try_get("oldest_day")?,
                        })
                    })
                    .collect()
            }

            async fn save_camp(&self, camp: &Camp, created_by: i64, now: i64) -> Result<(), StorageError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO camps(id, area_code, starts_at, ends_at, venue, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT(id) DO UPDATE SET area_code = excluded.area_code, starts_at = excluded.starts_at,
                        ends_at = excluded.ends_at, venue = excluded.venue, updated_at = excluded.updated_at",
                )
                .bind(&camp.id)
                .bind(&camp.area_code)
                .bind(camp.starts_at)
                .bind(camp.ends_at)
                .bind(&camp.venue)
                .bind(created_by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM camp_units WHERE camp_id = $1").bind(&camp.id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM camp_staff WHERE camp_id = $1").bind(&camp.id).execute(&mut *tx).await?;
                for unit in &camp.units {
                    sqlx::query("INSERT INTO camp_units(camp_id, unit_code) VALUES ($1, $2)").bind(&camp.id).bind(unit).execute(&mut *tx).await?;
                }
                for user in &camp.staff {
                    sqlx::query("INSERT INTO camp_staff(camp_id, user_id) VALUES ($1, $2)").bind(&camp.id).bind(user).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn camp(&self, id: &str) -> Result<Option<Camp>, StorageError> {
                let row = sqlx::query("SELECT id, area_code, starts_at, ends_at, venue FROM camps WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    Some(r) => Ok(Some(camp_with(&self.pool, &r).await?)),
                    None => Ok(None),
                }
            }

            async fn camps_within(&self, area: &str, from: i64, to: i64) -> Result<Vec<Camp>, StorageError> {
                let rows = sqlx::query(
                    "SELECT c.id, c.area_code, c.starts_at, c.ends_at, c.venue FROM camps c
                     JOIN place_ancestors a ON a.code = c.area_code AND a.ancestor = $1
                     WHERE c.starts_at >= $2 AND c.starts_at < $3 ORDER BY c.starts_at, c.id",
                )
                .bind(area)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(camp_with(&self.pool, r).await?);
                }
                Ok(out)
            }

            async fn camps_for(&self, area: &str, now: i64) -> Result<Vec<Camp>, StorageError> {
                // Camps with a unit inside `area`: a device of a gram panchayat sees the block's
                // camps that cover its villages.
                let rows = sqlx::query(
                    "SELECT DISTINCT c.id, c.area_code, c.starts_at, c.ends_at, c.venue FROM camps c
                     JOIN camp_units u ON u.camp_id = c.id JOIN place_ancestors a ON a.code = u.unit_code AND a.ancestor = $1
                     WHERE c.ends_at > $2 ORDER BY c.starts_at, c.id",
                )
                .bind(area)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(camp_with(&self.pool, r).await?);
                }
                Ok(out)
            }

            async fn camp_readiness(&self, id: &str) -> Result<Vec<PackReadiness>, StorageError> {
                let rows = sqlx::query(
                    "SELECT cu.unit_code, u.username, d.device_id, pd.version AS downloaded_version, pd.at AS downloaded_at,
                        ud.data_version AS current_version
                     FROM camp_units cu JOIN camp_staff cs ON cs.camp_id = cu.camp_id JOIN users u ON u.id = cs.user_id
                     LEFT JOIN devices d ON d.enrolled_by = u.id AND NOT d.revoked
                     LEFT JOIN pack_downloads pd ON pd.device_id = d.device_id AND pd.unit_code = cu.unit_code
                     LEFT JOIN unit_data ud ON ud.unit_code = cu.unit_code
                     WHERE cu.camp_id = $1 ORDER BY cu.unit_code, u.username, d.device_id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(PackReadiness {
                            unit_code: r.try_get("unit_code")?,
                            username: r.try_get("username")?,
                            device_id: r.try_get("device_id")?,
                            downloaded_version: r.try_get("downloaded_version")?,
                            downloaded_at: r.try_get("downloaded_at")?,
                            current_version: r.try_get("current_version")?,
                        })
                    })
                    .collect()
            }

            async fn camp_results(&self, id: &str) -> Result<Vec<(String, i64)>, StorageError> {
                let rows = sqlx::query("SELECT state, count(*) AS n FROM registrations WHERE camp_id = $1 GROUP BY state ORDER BY state")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
            }

            async fn record_pack_download(&self, device_id: &str, unit: &str, version: i64, now: i64) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO pack_downloads(device_id, unit_code, version, at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT(device_id, unit_code) DO UPDATE SET version = excluded.version, at = excluded.at
                     WHERE excluded.version >= pack_downloads.version",
                )
                .bind(device_id)
                .bind(unit)
                .bind(version)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn import_group(&self, name: &str, department: &str, member_ids: &[String], now: i64) -> Result<(i64, Vec<String>), StorageError> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO target_groups(name, department, imported_at) VALUES ($1, $2, $3)
                     ON CONFLICT(name) DO UPDATE SET department = excluded.department, imported_at = excluded.imported_at
                     RETURNING id",
                )
                .bind(name)
                .bind(department)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM target_group_members WHERE group_id = $1").bind(id).execute(&mut *tx).await?;
                let mut unknown = Vec::new();
                for chunk in member_ids.chunks(500) {
                    let sql = format!("SELECT member_id FROM members WHERE member_id IN ({})", placeholders(1, chunk.len()));
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
            }

            async fn target_groups(&self) -> Result<Vec<TargetGroup>, StorageError> {
                let rows = sqlx::query(
                    "SELECT g.id, g.name, g.department, g.imported_at,
                        (SELECT count(*) FROM target_group_members m WHERE m.group_id = g.id) AS members
                     FROM target_groups g ORDER BY g.name",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(TargetGroup {
                            id: r.try_get("id")?,
                            name: r.try_get("name")?,
                            department: r.try_get("department")?,
                            imported_at: r.try_get("imported_at")?,
                            members: r.try_get("members")?,
                        })
                    })
                    .collect()
            }

            async fn group_coverage(&self, group: i64, area: &str) -> Result<Vec<GroupCoverage>, StorageError> {
                let rows = sqlx::query(
                    "SELECT m.unit_code, p.name_hi, p.name_en, count(*) AS members,
                        CAST(sum(CASE WHEN EXISTS (SELECT 1 FROM registrations r WHERE r.member_id = g.member_id
                            AND r.state IN ('pending_approval', 'approved')) THEN 1 ELSE 0 END) AS BIGINT) AS registered
                     FROM target_group_members g JOIN members m ON m.member_id = g.member_id JOIN places p ON p.code = m.unit_code
                     JOIN place_ancestors a ON a.code = m.unit_code AND a.ancestor = $2
                     WHERE g.group_id = $1 GROUP BY m.unit_code, p.name_hi, p.name_en ORDER BY m.unit_code",
                )
                .bind(group)
                .bind(area)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(GroupCoverage {
                            unit_code: r.try_get("unit_code")?,
                            name_hi: r.try_get("name_hi")?,
                            name_en: r.try_get("name_en")?,
                            members: r.try_get("members")?,
                            registered: r.try_get("registered")?,
                        })
                    })
                    .collect()
            }

            async fn group_unregistered(&self, group: i64, area: &str, limit: i64) -> Result<Vec<Unregistered>, StorageError> {
                let rows = sqlx::query(
                    "SELECT m.member_id, m.unit_code, m.body FROM target_group_members g JOIN members m ON m.member_id = g.member_id
                     JOIN place_ancestors a ON a.code = m.unit_code AND a.ancestor = $2
                     WHERE g.group_id = $1 AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.member_id = g.member_id
                        AND r.state IN ('pending_approval', 'approved'))
                     ORDER BY m.unit_code, m.member_id LIMIT $3",
                )
                .bind(group)
                .bind(area)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let body: String = r.try_get("body")?;
                        let member: Member = serde_json::from_str(&body).map_err(|_| StorageError::Corrupt("member record"))?;
                        Ok(Unregistered {
                            member_id: r.try_get("member_id")?,
                            unit_code: r.try_get("unit_code")?,
                            name_hi: member.name_hi,
                            name_en: member.name_en,
                        })
                    })
                    .collect()
            }

            async fn registrations_of_member(&self, member_id: &str) -> Result<Vec<RegistrationRow>, StorageError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_REGISTRATION} WHERE member_id = $1 ORDER BY received_at, id")))
                    .bind(member_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(registration_from).collect()
            }

            async fn registration_payload(&self, id: &str) -> Result<Option<String>, StorageError> {
                Ok(sqlx::query_scalar("SELECT payload FROM registrations WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
            }

            async fn audit_log(&self, area: &str, username: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>, StorageError> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS} SELECT a.id, a.at, u.username, a.action, a.registration_id, a.reason, a.note
                     FROM audit_log a JOIN users u ON u.id = a.user_id JOIN registrations r ON r.id = a.registration_id
                     WHERE r.unit_code IN (SELECT code FROM sub) AND ($2 IS NULL OR u.username = $2) AND ($3 IS NULL OR a.id < $3)
                     ORDER BY a.id DESC LIMIT $4"
                )))
                .bind(area)
                .bind(username)
                .bind(before)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AuditEntry {
                            id: r.try_get("id")?,
                            at: r.try_get("at")?,
                            username: r.try_get("username")?,
                            action: r.try_get("action")?,
                            registration_id: r.try_get("registration_id")?,
                            reason: r.try_get("reason")?,
                            note: r.try_get("note")?,
                        })
                    })
                    .collect()
            }

            async fn pending_camps(&self, area: &str) -> Result<Vec<String>, StorageError> {
                Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS} SELECT DISTINCT r.camp_id FROM registrations r
                     WHERE r.state = 'pending_approval' AND r.camp_id IS NOT NULL AND r.unit_code IN (SELECT code FROM sub)
                     ORDER BY r.camp_id"
                )))
                .bind(area)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn pending_queue(&self, area: &str, filter: &QueueFilter, limit: i64) -> Result<(i64, Vec<QueueRow>), StorageError> {
                let condition = "r.state = 'pending_approval' AND r.unit_code IN (SELECT code FROM sub)
                    AND ($2 IS NULL OR r.unit_code = $2) AND ($3 IS NULL OR r.occupation_code = $3)
                    AND ($4 IS NULL OR r.received_at >= $4) AND ($5 IS NULL OR r.received_at < $5)
                    AND ($6 IS NULL OR r.camp_id = $6)";
                let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS} SELECT count(*) FROM registrations r WHERE {condition}"
                )))
                .bind(area)
                .bind(&filter.unit)
                .bind(&filter.occupation)
                .bind(filter.from)
                .bind(filter.to)
                .bind(&filter.camp)
                .fetch_one(&self.pool)
                .await?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{DESCENDANTS} SELECT r.id, r.member_id, r.unit_code, r.occupation_code, r.channel, r.camp_id, r.received_at,
                        m.body, p.name_hi AS unit_name_hi, p.name_en AS unit_name_en
                     FROM registrations r LEFT JOIN members m ON m.member_id = r.member_id JOIN places p ON p.code = r.unit_code
                     WHERE {condition} ORDER BY r.received_at, r.id LIMIT $7"
                )))
                .bind(area)
                .bind(&filter.unit)
                .bind(&filter.occupation)
                .bind(filter.from)
                .bind(filter.to)
                .bind(&filter.camp)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let rows = rows
                    .iter()
                    .map(|r| {
                        let body: Option<String> = r.try_get("body")?;
                        let member: Option<Member> = body.and_then(|b| serde_json::from_str(&b).ok());
                        let (name_hi, name_en) = member.map_or_else(Default::default, |m| (m.name_hi, m.name_en));
                        Ok(QueueRow {
                            id: r.try_get("id")?,
                            member_id: r.try_get("member_id")?,
                            name_hi,
                            name_en,
                            unit_code: r.try_get("unit_code")?,
                            unit_name_hi: r.try_get("unit_name_hi")?,
                            unit_name_en: r.try_get("unit_name_en")?,
                            occupation_code: r.try_get("occupation_code")?,
                            channel: r.try_get("channel")?,
                            camp_id: r.try_get("camp_id")?,
                            received_at: r.try_get("received_at")?,
                        })
                    })
                    .collect::<Result<_, StorageError>>()?;
                Ok((total, rows))
            }

            async fn set_target(&self, unit: &str, target: i64) -> Result<(), StorageError> {
                let mut tx = self.begin_write().await?;
                let before: Option<i64> = sqlx::query_scalar("SELECT target FROM targets WHERE unit_code = $1")
                    .bind(unit)
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO targets(unit_code, target) VALUES ($1, $2) ON CONFLICT(unit_code) DO UPDATE SET target = excluded.target",
                )
                .bind(unit)
                .bind(target)
                .execute(&mut *tx)
                .await?;
                // Every place above gains the difference.
                sqlx::query(
                    "INSERT INTO target_sums(place_code, below)
                     SELECT ancestor, $2 FROM place_ancestors WHERE code = $1 AND depth > 0
                     ON CONFLICT(place_code) DO UPDATE SET below = target_sums.below + excluded.below",
                )
                .bind(unit)
                .bind(target - before.unwrap_or(0))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_storage;

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn registration_numbers_follow_the_template() {
        assert_eq!(
            format_number("{state}-{district}-{year}-{seq:07}", "23", "401", 2026, 42),
            "23-401-2026-0000042"
        );
        assert_eq!(
            format_number("MP/{district}/{seq}", "23", "401", 2026, 7),
            "MP/401/7"
        );
    }
}
