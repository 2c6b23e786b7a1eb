//! The outbox: finalised registrations wait here, in sequence order, until the server has
//! acknowledged them. Refused records stay, with the server's reasons, for the operator to fix.
//! Status changes pulled from the server land here too.

use super::registrations::signed_context;
use super::{DeviceStore, StoreError, meta_get, meta_set, now_rfc3339, parse_rfc3339};
use crate::messages::Message;
use crate::wire::{
    BacklogReport, PushOutcome, PushRequest, PushResponse, SignedRegistration, StatusChange,
};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One queued registration, ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: Uuid,
    pub device_seq: u64,
    pub signed: SignedRegistration,
}

/// The outbox at a glance: one call, for the home screen and the backlog report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxStats {
    /// Waiting to be sent.
    pub queued: u64,
    /// Refused by the server, kept for fixing.
    pub refused: u64,
    /// When the oldest queued registration was finalised.
    pub oldest_queued_at: Option<OffsetDateTime>,
}

impl OutboxStats {
    /// The backlog report these figures make: what the device tells the server with a push.
    pub fn backlog_report(&self, app_version: &str, last_error: Option<&str>) -> BacklogReport {
        BacklogReport {
            pending: self.queued + self.refused,
            oldest_pending_at: self.oldest_queued_at,
            app_version: app_version.to_owned(),
            last_error: last_error.map(str::to_owned),
        }
    }
}

/// What applying a server answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplySummary {
    pub acknowledged: u64,
    pub duplicates: u64,
    pub refused: u64,
    /// Answers for ids this device is not waiting on (already applied, or not ours).
    pub ignored: u64,
    /// Offer answers the server recorded (now or before).
    pub answers_taken: u64,
    /// Offer answers the server refused.
    pub answers_refused: u64,
}

impl DeviceStore {
    /// Signs a push's registrations as one batch with the device key (one signature a push
    /// on the wire instead of one a record).
    pub fn sign_push(&self, request: &mut PushRequest) {
        request.sign_batch(&self.device_key);
    }

    /// The next `n` queued registrations, in device sequence order.
    pub fn outbox_batch(&self, n: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, device_seq, signed FROM registrations WHERE outbox = 'queued'
                 ORDER BY device_seq LIMIT ?1",
            )?;
            let rows = stmt.query_map([n as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, seq, sealed) = row?;
                let id = Uuid::parse_str(&id).map_err(|_| StoreError::Corrupt)?;
                let signed = self.cipher.open_json(&signed_context(&id), &sealed)?;
                out.push(OutboxItem {
                    id,
                    device_seq: seq as u64,
                    signed,
                });
            }
            Ok(out)
        })
    }

    /// Applies the server's per-record answers. Only an acknowledgement takes a record out of
    /// the queue; a refusal keeps it, with its reasons, out of the sending queue.
    pub fn apply_push_response(&self, response: &PushResponse) -> Result<ApplySummary, StoreError> {
        self.write(|tx| {
            let mut summary = ApplySummary::default();
            let now = now_rfc3339();
            for result in &response.results {
                let id = result.id.to_string();
                let waiting: Option<String> = tx
                    .query_row("SELECT outbox FROM registrations WHERE id = ?1 AND outbox = 'queued'", [&id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if waiting.is_none() {
                    summary.ignored += 1;
                    continue;
                }
                match &result.outcome {
                    PushOutcome::Accepted | PushOutcome::AlreadyHad => {
                        tx.execute(
                            "UPDATE registrations SET outbox = NULL, state = 'synced', acknowledged_at = ?2,
                                updated_at = ?2 WHERE id = ?1",
                            params![id, now],
                        )?;
                        summary.acknowledged += 1;
                    }
                    PushOutcome::DuplicateOf { first } => {
                        tx.execute(
                            "UPDATE registrations SET outbox = NULL, state = 'duplicate', duplicate_of = ?2,
                                acknowledged_at = ?3, updated_at = ?3 WHERE id = ?1",
                            params![id, first.to_string(), now],
                        )?;
                        summary.acknowledged += 1;
                        summary.duplicates += 1;
                    }
                    refused => {
                        let reasons = match refused {
                            PushOutcome::Invalid { reasons } => reasons.clone(),
                            PushOutcome::BadSignature => vec![Message::new("push.bad_signature")],
                            _ => vec![Message::new("push.conflict")],
                        };
                        tx.execute(
                            "UPDATE registrations SET outbox = 'refused', refusal = ?2, updated_at = ?3 WHERE id = ?1",
                            params![id, serde_json::to_string(&reasons).expect("messages serialise"), now],
                        )?;
                        summary.refused += 1;
                    }
                }
            }
            (summary.answers_taken, summary.answers_refused) =
                DeviceStore::settle_offer_answers(tx, &response.offer_answers)?;
            Ok(summary)
        })
    }

    pub fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        self.read(|c| {
            let (queued, refused, oldest): (i64, i64, Option<String>) = c.query_row(
                "SELECT count(*) FILTER (WHERE outbox = 'queued'), count(*) FILTER (WHERE outbox = 'refused'),
                        min(finalised_at) FILTER (WHERE outbox = 'queued')
                 FROM registrations",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            Ok(OutboxStats {
                queued: queued as u64,
                refused: refused as u64,
                oldest_queued_at: oldest.as_deref().and_then(parse_rfc3339),
            })
        })
    }

    /// What the device tells the server about its backlog with every push.
    pub fn backlog_report(
        &self,
        app_version: &str,
        last_error: Option<&str>,
    ) -> Result<BacklogReport, StoreError> {
        Ok(self.outbox_stats()?.backlog_report(app_version, last_error))
    }

    /// Applies status changes pulled from the server to this device's registrations and to
    /// the camp's view of who is registered, and moves the status cursor, in one transaction.
    /// A change about a registration still queued here is itself the server's acknowledgement
    /// (its answer to the push was lost on the way): the record leaves the outbox rather than
    /// miss the change, which the cursor will not bring again. Returns how many local
    /// registrations changed.
    pub fn apply_status_changes(
        &self,
        changes: &[StatusChange],
        cursor: &str,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            let mut changed = 0;
            for ch in changes {
                changed += tx.execute(
                    "UPDATE registrations SET state = ?2, registration_number = ?3, reason = ?4,
                        duplicate_of = ?5, outbox = NULL, refusal = NULL,
                        acknowledged_at = coalesce(acknowledged_at, ?6), updated_at = ?6
                     WHERE id = ?1 AND state != 'draft'",
                    params![
                        ch.id.to_string(),
                        ch.state.as_str(),
                        ch.registration_number,
                        ch.reason,
                        ch.duplicate_of.map(|d| d.to_string()),
                        now_rfc3339()
                    ],
                )? as u64;
                let unit: Option<String> = tx
                    .query_row("SELECT unit_code FROM members WHERE member_id = ?1", [ch.member_id.as_str()], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if let Some(unit) = unit
                    && ch.state != crate::registration::RegistrationState::Duplicate
                {
                    tx.execute(
                        "INSERT INTO pack_registered(member_id, unit_code, state, registration_number)
                         VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT(member_id) DO UPDATE SET state = excluded.state,
                            registration_number = excluded.registration_number",
                        params![ch.member_id.as_str(), unit, ch.state.as_str(), ch.registration_number],
                    )?;
                }
            }
            meta_set(tx, "status_cursor", cursor.as_bytes())?;
            Ok(changed)
        })
    }

    /// Where the next status pull starts ("" before the first).
    pub fn status_cursor(&self) -> Result<String, StoreError> {
        self.read(|c| {
            Ok(meta_get(c, "status_cursor")?
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .unwrap_or_default())
        })
    }
}
