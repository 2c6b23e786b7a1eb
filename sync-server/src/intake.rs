//! Push intake: what the server does with a batch of signed registrations from a device. Each
//! record is checked (the device's signature, its Samagra member, the unit within the
//! device's jurisdiction, the same form and eligibility rules the device ran) and answered on
//! its own; the good ones are stored exactly once: the same id with the same content is
//! "already had", with other content a conflict (logged, not stored), and a second
//! registration of a member who already has one that counts is stored as its duplicate.

use crate::app::App;
use crate::storage::{Db, Device, HeldRegistration, IncomingRegistration, StorageError, now_ms};
use panjiyan_core::india_time;
use panjiyan_core::keys::{PublicKey, to_hex};
use panjiyan_core::messages::Message;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::samagra::Member;
use panjiyan_core::wire::{PushOutcome, PushResult, SignedRegistration};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

/// Checks and stores a batch of signed registrations from `device`: one answer per record, in
/// order. `batch_signature`, when the push carries one, signs every record at once (and
/// their own signatures are not looked at); without it each record is checked by its own.
/// The push handler and the demo's camp both come through here.
pub async fn receive(
    app: &App,
    device: &Device,
    registrations: &[SignedRegistration],
    batch_signature: Option<&str>,
) -> Result<Vec<PushResult>, StorageError> {
    let key = PublicKey::from_bytes(&device.public_key)
        .map_err(|_| StorageError::Corrupt("device key"))?;
    let signatures = match batch_signature {
        None => Signatures::EachRecord,
        Some(signature) => Signatures::Batch {
            holds: panjiyan_core::wire::batch_signature_holds(registrations, signature, &key),
        },
    };
    let occupations = OccupationList::builtin();
    // The Samagra records of the whole batch in one query (signatures are checked per record
    // below; a record whose payload does not even parse simply finds no member).
    let wanted: Vec<String> = registrations
        .iter()
        .filter_map(|s| s.parse_unverified().ok())
        .map(|p| p.member_id.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let members = app.db.member_records(&wanted).await?;
    // Whether each unit the batch's members live in is within the device's area, asked once
    // per unit (a batch comes from one camp). A database fault here is ours: the push fails
    // (5xx, the phone retries), never "outside jurisdiction".
    let mut within = HashMap::new();
    for (unit, _) in members.values() {
        if !within.contains_key(unit) {
            let inside = app.db.is_within(unit, &device.jurisdiction).await?;
            within.insert(unit.clone(), inside);
        }
    }
    let units: Vec<String> = within.keys().cloned().collect();
    let batch = Batch {
        device,
        key: &key,
        signatures,
        occupations: &occupations,
        members: &members,
        within: &within,
        clock: Clock {
            now: now_ms(),
            first_pack_built: app.db.first_pack_built(&units).await?,
        },
        app,
    };
    let mut answers: Vec<Option<PushResult>> = Vec::with_capacity(registrations.len());
    let mut ready = Vec::new();
    let mut slots = Vec::new();
    for signed in registrations {
        match check(&batch, signed) {
            Ok(record) => {
                slots.push(answers.len());
                ready.push(record);
                answers.push(None);
            }
            Err((id, outcome)) => answers.push(Some(PushResult { id, outcome })),
        }
    }
    let now = now_ms();
    let outcomes = store(&app.db, &device.device_id, &ready, now).await?;
    let accepted = outcomes
        .iter()
        .filter(|o| matches!(o, PushOutcome::Accepted | PushOutcome::DuplicateOf { .. }))
        .count();
    app.metrics
        .registrations_ingested
        .fetch_add(accepted as u64, Ordering::Relaxed);
    for ((slot, record), outcome) in slots.into_iter().zip(&ready).zip(outcomes) {
        answers[slot] = Some(PushResult {
            id: record.id,
            outcome,
        });
    }
    Ok(answers.into_iter().flatten().collect())
}

/// What every record of one push is checked against, looked up once for the batch.
struct Batch<'a> {
    device: &'a Device,
    key: &'a PublicKey,
    signatures: Signatures,
    occupations: &'a OccupationList,
    /// The Samagra unit and record of each member the batch names.
    members: &'a HashMap<String, (String, Member)>,
    /// Whether each of those units is within the device's area.
    within: &'a HashMap<String, bool>,
    clock: Clock,
    /// Whose rule sets (built in, or loaded by an admin) judge the records.
    app: &'a App,
}

/// How a batch's records are signed.
#[derive(Debug, Clone, Copy)]
enum Signatures {
    /// Each by its own signature.
    EachRecord,
    /// All by one signature over the batch, checked once: whether it held.
    Batch { holds: bool },
}

/// How far ahead of the server a phone's clock may run before its times are doubted.
const CLOCK_SLACK_MS: i64 = 10 * 60_000;

/// What the server knows of time when a batch arrives: its own clock, and when the first
/// pack of each unit was built (nothing of a unit can be older).
struct Clock {
    now: i64,
    first_pack_built: HashMap<String, i64>,
}

impl Clock {
    /// The phone's finalise time `at` (epoch ms) if the server doubts it: in the future of
    /// receipt, or before any pack of `unit` existed.
    fn doubted(&self, at: i64, unit: &str) -> Option<i64> {
        let too_early = self
            .first_pack_built
            .get(unit)
            .is_some_and(|built| at < *built);
        (at > self.now + CLOCK_SLACK_MS || too_early).then_some(at)
    }
}

/// Checks one record: signature by the device's enrolled key, then the same rules the device
/// ran. Ok is a record ready to store; Err is the answer to send back.
fn check(
    batch: &Batch<'_>,
    signed: &SignedRegistration,
) -> Result<IncomingRegistration, (uuid::Uuid, PushOutcome)> {
    let Batch {
        device,
        key,
        signatures,
        occupations,
        members,
        within,
        clock,
        app,
    } = batch;
    let id = signed.parse_unverified().map(|p| p.id).unwrap_or_else(|_| {
        serde_json::from_str::<serde_json::Value>(&signed.payload)
            .ok()
            .and_then(|v| v.get("id")?.as_str()?.parse().ok())
            .unwrap_or_default()
    });
    let invalid = |key: &str| {
        (
            id,
            PushOutcome::Invalid {
                reasons: vec![Message::new(key)],
            },
        )
    };
    let verified = match signatures {
        Signatures::EachRecord => signed.verify(key),
        Signatures::Batch { holds: true } => signed.parse_unverified(),
        Signatures::Batch { holds: false } => Err(panjiyan_core::wire::WireError::BadSignature),
    };
    let payload = match verified {
        Ok(p) => p,
        Err(panjiyan_core::wire::WireError::BadPayload) => {
            return Err(invalid("push.payload_invalid"));
        }
        Err(_) => return Err((id, PushOutcome::BadSignature)),
    };
    if payload.device_id != device.device_id {
        return Err(invalid("push.device_mismatch"));
    }
    let record = members.get(payload.member_id.as_str()).cloned();
    let Some((unit, member)) = record else {
        return Err(invalid("push.member_unknown"));
    };
    if unit != payload.unit_code.as_str() || member.family_id != payload.family_id {
        return Err(invalid("push.member_unknown"));
    }
    // `within` holds the unit of every member in `members`.
    if within.get(&unit) != Some(&true) {
        return Err(invalid("push.outside_jurisdiction"));
    }
    let mut reasons = Vec::new();
    if !occupations.contains(&payload.occupation_code) {
        reasons.push(Message::new("form.occupation_unknown"));
    }
    if !payload.consent {
        reasons.push(Message::new("form.consent_required"));
    }
    // What the phone typed is bounded as its form bounds it: a record is not a place to keep
    // a megabyte.
    let migrant = payload.migrant.as_ref();
    for (field, value, most) in [
        ("operator_id", Some(payload.operator_id.as_str()), 64),
        ("camp_id", payload.camp_id.as_deref(), 100),
        (
            "migrant.state_worked_in",
            migrant.map(|m| m.state_worked_in.as_str()),
            100,
        ),
        (
            "migrant.district_or_city",
            migrant.and_then(|m| m.district_or_city.as_deref()),
            100,
        ),
        (
            "migrant.returned_on",
            migrant.and_then(|m| m.returned_on.as_deref()),
            10,
        ),
    ] {
        if value.is_some_and(|v| v.chars().count() > most) {
            reasons.push(
                Message::new("push.field_too_long")
                    .with("field", field)
                    .with("max", most),
            );
        }
    }
    if let Some(m) = migrant {
        if m.state_worked_in.trim().is_empty() {
            reasons.push(Message::new("form.migrant_state_required"));
        }
        if m.trade_code
            .as_deref()
            .is_some_and(|c| !occupations.contains(c))
        {
            reasons.push(Message::new("form.migrant_trade_unknown"));
        }
    }
    // The rule set and version the pack carried, as the device judged by; never another.
    let Some(rules) = app.rules(&payload.rules_id, payload.rules_version) else {
        return Err(invalid("push.rules_unknown"));
    };
    // A phone clock the server doubts is kept for the officer, and the age is judged on the
    // server's date instead (a phone saying 9999-12-31 would make everyone old enough).
    let device_time_doubted = clock.doubted(india_time::ms_of(payload.finalised_at), &unit);
    let judged_on = india_time::date_of(match device_time_doubted {
        Some(_) => india_time::at_ms(clock.now),
        None => payload.finalised_at,
    });
    let eligibility = rules.evaluate(&member.birth, &payload.facts, judged_on);
    reasons.extend(eligibility.failed.into_iter().map(|f| f.message));
    if !reasons.is_empty() {
        return Err((id, PushOutcome::Invalid { reasons }));
    }
    Ok(IncomingRegistration {
        id,
        content_hash: to_hex(
            ring::digest::digest(&ring::digest::SHA256, signed.payload.as_bytes()).as_ref(),
        ),
        payload: signed.payload.clone(),
        device_seq: payload.device_seq as i64,
        member_id: payload.member_id.to_string(),
        family_id: payload.family_id.to_string(),
        unit_code: unit,
        channel: serde_json::to_value(payload.channel)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        occupation_code: payload.occupation_code,
        camp_id: payload.camp_id.filter(|c| !c.trim().is_empty()),
        device_time_doubted,
        migrant: payload.migrant,
        rules_id: payload.rules_id,
        rules_version: payload.rules_version,
    })
}

/// Stores checked records from `device_id` exactly once, in one transaction: each gets its
/// own outcome, in order.
///
/// A phone that retries while its first push is still being stored sends the same records
/// twice at once. On PostgreSQL both transactions find none of them held, and the later
/// insert of the same id fails on the primary key when the first commits: the batch is then
/// stored again from the start, and now finds them held ("already had"). SQLite takes one
/// writer at a time and never meets this.
pub async fn store(
    db: &Db,
    device_id: &str,
    records: &[IncomingRegistration],
    now: i64,
) -> Result<Vec<PushOutcome>, StorageError> {
    let mut attempt = 0;
    loop {
        match store_once(db, device_id, records, now).await {
            Err(e) if e.is_unique_violation() && attempt < 3 => attempt += 1,
            done => return done,
        }
    }
}

async fn store_once(
    db: &Db,
    device_id: &str,
    records: &[IncomingRegistration],
    now: i64,
) -> Result<Vec<PushOutcome>, StorageError> {
    let mut tx = db.begin_write().await?;
    // What the server already holds of this batch, and which of its members already count:
    // two queries for the whole batch, not two per record.
    let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
    let mut held: HashMap<String, HeldRegistration> = tx
        .held_registrations(&ids)
        .await?
        .into_iter()
        .map(|h| (h.id.clone(), h))
        .collect();
    let members: Vec<String> = records
        .iter()
        .map(|r| r.member_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut counting: HashMap<String, String> = tx
        .counting_registrations(&members)
        .await?
        .into_iter()
        .collect();
    // One block of status-change numbers for the new records, taken in this transaction so
    // that numbers still follow commit order.
    let fresh = ids
        .iter()
        .collect::<BTreeSet<_>>()
        .iter()
        .filter(|id| !held.contains_key(id.as_str()))
        .count() as i64;
    let mut seq = if fresh > 0 {
        tx.take_changes(fresh).await? - fresh + 1
    } else {
        0
    };
    let mut outcomes = Vec::with_capacity(records.len());
    for (rec, id) in records.iter().zip(&ids) {
        if let Some(h) = held.get(id) {
            if h.content_hash != rec.content_hash {
                tx.record_conflict(id, device_id, now).await?;
                tracing::warn!(registration = %id, device = device_id, "same registration id with different content refused");
                outcomes.push(PushOutcome::Conflict);
                continue;
            }
            let first = h
                .duplicate_of
                .as_deref()
                .and_then(|d| uuid::Uuid::parse_str(d).ok());
            outcomes.push(match (RegistrationState::parse(&h.state), first) {
                (Some(RegistrationState::Duplicate), Some(first)) => {
                    PushOutcome::DuplicateOf { first }
                }
                _ => PushOutcome::AlreadyHad,
            });
            continue;
        }
        let this_seq = seq;
        seq += 1;
        let first = match counting.get(&rec.member_id) {
            Some(first) => Some(first.clone()),
            None => {
                if tx.insert_counting(rec, device_id, this_seq, now).await? {
                    counting.insert(rec.member_id.clone(), id.clone());
                    None
                } else {
                    // Another push registered the member meanwhile: this one is its duplicate.
                    tx.counting_registration(&rec.member_id).await?
                }
            }
        };
        let (state, duplicate_of) = match first {
            None => {
                outcomes.push(PushOutcome::Accepted);
                (RegistrationState::PendingApproval, None)
            }
            Some(first) => {
                tx.insert_duplicate(rec, device_id, &first, this_seq, now)
                    .await?;
                let first_id = uuid::Uuid::parse_str(&first)
                    .map_err(|_| StorageError::Corrupt("registration id"))?;
                outcomes.push(PushOutcome::DuplicateOf { first: first_id });
                (RegistrationState::Duplicate, Some(first))
            }
        };
        // A later record of the same batch with the same id is "already had".
        held.insert(
            id.clone(),
            HeldRegistration {
                id: id.clone(),
                content_hash: rec.content_hash.clone(),
                state: state.as_str().to_owned(),
                duplicate_of,
            },
        );
    }
    tx.commit().await?;
    Ok(outcomes)
}
