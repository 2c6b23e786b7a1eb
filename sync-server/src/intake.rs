//! Push intake: what the server does with a batch of signed registrations from a device. Each
//! record is checked (the device's signature, its Samagra member, the unit within the
//! device's jurisdiction, the same form and eligibility rules the device ran) and answered on
//! its own; the good ones are stored exactly once: the same id with the same content is
//! "already had", with other content a conflict (logged, not stored), and a second
//! registration of a member who already has one that counts is stored as its duplicate.

use crate::app::App;
use crate::metrics::IngestPhases;
use crate::storage::{
    Db, Device, HeldRegistration, IncomingRegistration, NewRegistration, StorageError, now_ms,
};
use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::india_time;
use panjiyan_core::keys::{PublicKey, to_hex};
use panjiyan_core::messages::Message;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::samagra::Member;
use panjiyan_core::wire::{
    PayloadDigest, PushOutcome, PushResult, RegistrationPayload, SignedRegistration, WireError,
};
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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
    let phases = &app.metrics.ingest;
    let started = Instant::now();
    // Each payload's digest, once: what a batch signature covers, and the content hash.
    let digests: Vec<PayloadDigest> = registrations
        .iter()
        .map(SignedRegistration::payload_digest)
        .collect();
    let signatures = match batch_signature {
        None => Signatures::EachRecord,
        Some(signature) => Signatures::Batch {
            holds: panjiyan_core::wire::batch_signature_holds(&digests, signature, &key),
        },
    };
    IngestPhases::add(&phases.verify, started);
    let started = Instant::now();
    let occupations = OccupationList::shipped();
    // Each payload parsed once; whether it may be trusted is decided per record below.
    let parsed: Vec<Result<RegistrationPayload, WireError>> = registrations
        .iter()
        .map(SignedRegistration::parse_unverified)
        .collect();
    // The rule sets the batch names, each found once (a batch is judged by one or two).
    let mut rules: Vec<((String, u32), Option<RuleSet>)> = Vec::new();
    for p in parsed.iter().flatten() {
        if !rules
            .iter()
            .any(|((id, v), _)| *id == p.rules_id && *v == p.rules_version)
        {
            let found = app.rules(&p.rules_id, p.rules_version);
            rules.push(((p.rules_id.clone(), p.rules_version), found));
        }
    }
    // The Samagra records of the whole batch in one query (signatures are checked per record
    // below; a record whose payload does not even parse simply finds no member).
    let wanted: Vec<String> = parsed
        .iter()
        .flatten()
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
        occupations,
        members: &members,
        within: &within,
        rules: &rules,
        clock: Clock {
            now: now_ms(),
            first_pack_built: app.db.first_pack_built(&units).await?,
        },
        verifying: Cell::new(Duration::ZERO),
    };
    IngestPhases::add(&phases.lookup, started);
    let started = Instant::now();
    let mut answers: Vec<Option<PushResult>> = Vec::with_capacity(registrations.len());
    let mut ready = Vec::new();
    let mut slots = Vec::new();
    for ((signed, parsed), digest) in registrations.iter().zip(parsed).zip(&digests) {
        match check(&batch, signed, parsed, digest) {
            Ok(record) => {
                slots.push(answers.len());
                ready.push(record);
                answers.push(None);
            }
            Err((id, outcome)) => answers.push(Some(PushResult { id, outcome })),
        }
    }
    // Records' own signatures were checked among the rules: counted as signatures.
    let verifying = batch.verifying.get();
    phases
        .verify
        .fetch_add(verifying.as_nanos() as u64, Ordering::Relaxed);
    phases.check.fetch_add(
        started.elapsed().saturating_sub(verifying).as_nanos() as u64,
        Ordering::Relaxed,
    );
    let now = now_ms();
    let outcomes = store(&app.db, &device.device_id, &ready, now, phases).await?;
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
    /// The rule sets the batch names (built in, or loaded by an admin), None where the server
    /// has no such set at that version.
    rules: &'a [((String, u32), Option<RuleSet>)],
    clock: Clock,
    /// Time spent checking records' own signatures, for the breakdown.
    verifying: Cell<Duration>,
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
    parsed: Result<RegistrationPayload, WireError>,
    digest: &PayloadDigest,
) -> Result<IncomingRegistration, (uuid::Uuid, PushOutcome)> {
    let Batch {
        device,
        key,
        signatures,
        occupations,
        members,
        within,
        rules,
        clock,
        verifying,
    } = batch;
    let id = parsed.as_ref().map(|p| p.id).unwrap_or_else(|_| {
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
    let signature = match signatures {
        Signatures::EachRecord => {
            let started = Instant::now();
            let holds = signed.signature_holds(key);
            verifying.set(verifying.get() + started.elapsed());
            holds
        }
        Signatures::Batch { holds: true } => Ok(()),
        Signatures::Batch { holds: false } => Err(WireError::BadSignature),
    };
    // A bad signature is said before a bad payload, as when the signature was checked first.
    let payload = match signature.and(parsed) {
        Ok(p) => p,
        Err(WireError::BadPayload) => return Err(invalid("push.payload_invalid")),
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
    let rules = rules
        .iter()
        .find(|((id, v), _)| *id == payload.rules_id && *v == payload.rules_version)
        .and_then(|(_, found)| found.as_ref());
    let Some(rules) = rules else {
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
        content_hash: to_hex(digest),
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

/// Stores checked records from `device_id` exactly once, in one transaction of a few
/// set-based statements (what is held, which members count already, the new registrations
/// that count, then their duplicates; the inserts take their status-change numbers, so the
/// counter is held only from the first insert to the commit): each record gets its own
/// outcome, in order.
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
    phases: &IngestPhases,
) -> Result<Vec<PushOutcome>, StorageError> {
    let mut attempt = 0;
    loop {
        match store_once(db, device_id, records, now, phases).await {
            Err(e) if e.is_unique_violation() && attempt < 3 => attempt += 1,
            done => return done,
        }
    }
}

/// What becomes of one record of a batch.
enum Plan {
    /// Held before, or earlier in this batch: its answer, or the record it repeats.
    Answered(PushOutcome),
    Repeats(usize),
    /// New: the registration that counts for its member, if no other transaction got there
    /// first (then it becomes that one's duplicate).
    Counting,
    /// New: the duplicate of registration `first`, or of the record at `of` of this batch.
    DuplicateOf {
        first: Option<String>,
        of: Option<usize>,
    },
}

async fn store_once(
    db: &Db,
    device_id: &str,
    records: &[IncomingRegistration],
    now: i64,
    phases: &IngestPhases,
) -> Result<Vec<PushOutcome>, StorageError> {
    let started = Instant::now();
    let mut tx = db.begin_write().await?;
    // What the server already holds of this batch, and which of its members already count:
    // two queries for the whole batch, not two per record.
    let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
    let held: HashMap<String, HeldRegistration> = tx
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
    let counting: HashMap<String, String> = tx
        .counting_registrations(&members)
        .await?
        .into_iter()
        .collect();
    // Each record's plan, in order, without a statement: the batch's first new record of a
    // member counts (unless one counts already), later ones are its duplicates.
    let mut plans = Vec::with_capacity(records.len());
    let mut first_of_id: HashMap<&str, usize> = HashMap::new();
    let mut counting_in_batch: HashMap<&str, usize> = HashMap::new();
    for (i, (rec, id)) in records.iter().zip(&ids).enumerate() {
        let plan = if let Some(h) = held.get(id) {
            Plan::Answered(if h.content_hash != rec.content_hash {
                PushOutcome::Conflict
            } else {
                match (
                    RegistrationState::parse(&h.state),
                    h.duplicate_of.as_deref(),
                ) {
                    (Some(RegistrationState::Duplicate), Some(first)) => PushOutcome::DuplicateOf {
                        first: first
                            .parse()
                            .map_err(|_| StorageError::Corrupt("registration id"))?,
                    },
                    _ => PushOutcome::AlreadyHad,
                }
            })
        } else if let Some(&earlier) = first_of_id.get(id.as_str()) {
            if records[earlier].content_hash != rec.content_hash {
                Plan::Answered(PushOutcome::Conflict)
            } else {
                Plan::Repeats(earlier)
            }
        } else {
            first_of_id.insert(id, i);
            match (
                counting.get(&rec.member_id),
                counting_in_batch.get(rec.member_id.as_str()),
            ) {
                (Some(first), _) => Plan::DuplicateOf {
                    first: Some(first.clone()),
                    of: None,
                },
                (None, Some(&of)) => Plan::DuplicateOf {
                    first: None,
                    of: Some(of),
                },
                (None, None) => {
                    counting_in_batch.insert(&rec.member_id, i);
                    Plan::Counting
                }
            }
        };
        plans.push(plan);
    }
    for (plan, id) in plans.iter().zip(&ids) {
        if matches!(plan, Plan::Answered(PushOutcome::Conflict)) {
            tx.record_conflict(id, device_id, now).await?;
            tracing::warn!(registration = %id, device = device_id, "same registration id with different content refused");
        }
    }
    // The ones that count, in one statement; a member another push registered meanwhile
    // is left out by the partial unique index, and this record becomes its duplicate. (If
    // that one was rejected since, nothing counts and the record is tried again.)
    let mut candidates: Vec<usize> = (0..plans.len())
        .filter(|&i| matches!(plans[i], Plan::Counting))
        .collect();
    for _ in 0..3 {
        if candidates.is_empty() {
            break;
        }
        let rows: Vec<NewRegistration<'_>> = candidates
            .iter()
            .map(|&i| NewRegistration {
                record: &records[i],
                state: RegistrationState::PendingApproval,
                duplicate_of: None,
            })
            .collect();
        let stored: BTreeSet<String> = tx
            .insert_registrations(&rows, device_id, now)
            .await?
            .into_iter()
            .collect();
        candidates.retain(|&i| !stored.contains(&ids[i]));
        let lost: Vec<String> = candidates
            .iter()
            .map(|&i| records[i].member_id.clone())
            .collect();
        let won: HashMap<String, String> = tx
            .counting_registrations(&lost)
            .await?
            .into_iter()
            .collect();
        candidates.retain(|&i| match won.get(&records[i].member_id) {
            Some(first) => {
                plans[i] = Plan::DuplicateOf {
                    first: Some(first.clone()),
                    of: None,
                };
                false
            }
            None => true,
        });
    }
    if !candidates.is_empty() {
        return Err(StorageError::Corrupt(
            "a member's registration kept changing during a push",
        ));
    }
    // Then the duplicates, pointing at what counts now.
    let first_id = |plans: &[Plan], first: &Option<String>, of: Option<usize>| match (first, of) {
        (Some(first), _) => first.clone(),
        (None, Some(of)) => match &plans[of] {
            Plan::DuplicateOf { first: Some(f), .. } => f.clone(),
            _ => ids[of].clone(),
        },
        (None, None) => unreachable!("a duplicate names what it duplicates"),
    };
    let duplicates: Vec<NewRegistration<'_>> = plans
        .iter()
        .zip(records)
        .filter_map(|(plan, rec)| match plan {
            Plan::DuplicateOf { first, of } => Some(NewRegistration {
                record: rec,
                state: RegistrationState::Duplicate,
                duplicate_of: Some(first_id(&plans, first, *of)),
            }),
            _ => None,
        })
        .collect();
    tx.insert_registrations(&duplicates, device_id, now).await?;
    // The answers, in order; a repeat of a record of this batch answers as it does.
    let mut outcomes: Vec<PushOutcome> = Vec::with_capacity(records.len());
    for (i, plan) in plans.iter().enumerate() {
        let outcome = match plan {
            Plan::Answered(outcome) => outcome.clone(),
            Plan::Counting => PushOutcome::Accepted,
            Plan::DuplicateOf { first, of } => PushOutcome::DuplicateOf {
                first: first_id(&plans, first, *of)
                    .parse()
                    .map_err(|_| StorageError::Corrupt("registration id"))?,
            },
            Plan::Repeats(earlier) => match &outcomes[*earlier] {
                PushOutcome::DuplicateOf { first } => PushOutcome::DuplicateOf { first: *first },
                _ => PushOutcome::AlreadyHad,
            },
        };
        debug_assert!(i == outcomes.len());
        outcomes.push(outcome);
    }
    IngestPhases::add(&phases.write, started);
    let started = Instant::now();
    tx.commit().await?;
    IngestPhases::add(&phases.commit, started);
    Ok(outcomes)
}
