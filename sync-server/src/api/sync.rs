//! Push and pull. A push is a batch of signed registrations; each record gets its own answer,
//! and one bad record never fails the others. A pull returns status changes after a cursor.

use crate::app::App;
use crate::auth::EnrolledDevice;
use crate::error::{ApiError, ApiResult};
use crate::storage::{IncomingRegistration, StatusScope, now_ms};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::keys::{PublicKey, to_hex};
use panjiyan_core::messages::Message;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::wire::{
    PROTOCOL_VERSION, PushOutcome, PushRequest, PushResponse, PushResult, SignedRegistration,
    StatusPage,
};
use serde::Deserialize;
use std::sync::atomic::Ordering;

/// Checks one record: signature by the device's enrolled key, then the same rules the device
/// ran. Ok is a record ready to store; Err is the answer to send back.
async fn check(
    app: &App,
    device: &crate::storage::Device,
    key: &PublicKey,
    signed: &SignedRegistration,
    occupations: &OccupationList,
    members: &std::collections::HashMap<String, (String, panjiyan_core::samagra::Member)>,
    within: &mut std::collections::HashMap<String, bool>,
) -> Result<IncomingRegistration, (uuid::Uuid, PushOutcome)> {
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
    let payload = match signed.verify(key) {
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
    // A batch comes from one camp: its few units are checked once, not once per record.
    let inside = match within.get(&unit) {
        Some(&known) => known,
        None => {
            let known = app
                .db
                .is_within(&unit, &device.jurisdiction)
                .await
                .unwrap_or(false);
            within.insert(unit.clone(), known);
            known
        }
    };
    if !inside {
        return Err(invalid("push.outside_jurisdiction"));
    }
    let mut reasons = Vec::new();
    if !occupations.contains(&payload.occupation_code) {
        reasons.push(Message::new("form.occupation_unknown"));
    }
    if !payload.consent {
        reasons.push(Message::new("form.consent_required"));
    }
    let rules = RuleSet::builtin(&payload.rules_id).unwrap_or_else(RuleSet::mp_2018);
    let eligibility = rules.evaluate(&member.birth, &payload.facts, payload.finalised_at.date());
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
    })
}

pub async fn push(
    State(app): State<App>,
    EnrolledDevice(device): EnrolledDevice,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> ApiResult<Json<PushResponse>> {
    let Json(request) = body?;
    if request.protocol != PROTOCOL_VERSION {
        return Err(ApiError::bad_request(
            "unsupported_protocol",
            format!("this server speaks protocol {PROTOCOL_VERSION}"),
        ));
    }
    if request.registrations.len() > app.settings.max_batch {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "send at most {} registrations per push",
                app.settings.max_batch
            ),
        ));
    }
    let results = receive(&app, &device, &request.registrations).await?;
    app.db
        .record_backlog(&device.device_id, &request.backlog, now_ms())
        .await?;
    Ok(Json(PushResponse { results }))
}

/// Checks and stores a batch of signed registrations from `device`: one answer per record, in
/// order. The push handler and the demo's camp both come through here.
pub(crate) async fn receive(
    app: &App,
    device: &crate::storage::Device,
    registrations: &[SignedRegistration],
) -> ApiResult<Vec<PushResult>> {
    let key = PublicKey::from_bytes(&device.public_key).map_err(|_| ApiError::internal())?;
    let occupations = OccupationList::builtin();
    let mut within = std::collections::HashMap::new();
    // The Samagra records of the whole batch in one query (signatures are checked per record
    // below; a record whose payload does not even parse simply finds no member).
    let wanted: Vec<String> = registrations
        .iter()
        .filter_map(|s| s.parse_unverified().ok())
        .map(|p| p.member_id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let members = app.db.member_records(&wanted).await?;
    let mut answers: Vec<Option<PushResult>> = Vec::with_capacity(registrations.len());
    let mut ready = Vec::new();
    let mut slots = Vec::new();
    for signed in registrations {
        match check(
            app,
            device,
            &key,
            signed,
            &occupations,
            &members,
            &mut within,
        )
        .await
        {
            Ok(record) => {
                slots.push(answers.len());
                ready.push(record);
                answers.push(None);
            }
            Err((id, outcome)) => answers.push(Some(PushResult { id, outcome })),
        }
    }
    let now = now_ms();
    let outcomes = app.db.push(&device.device_id, &ready, now).await?;
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

#[derive(Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    cursor: String,
    limit: Option<i64>,
}

pub async fn status(
    State(app): State<App>,
    EnrolledDevice(device): EnrolledDevice,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> ApiResult<Json<StatusPage>> {
    let Query(query) = query?;
    let after: i64 = if query.cursor.is_empty() {
        0
    } else {
        query.cursor.parse().map_err(|_| {
            ApiError::bad_request("bad_cursor", "the cursor is not one this server gave")
        })?
    };
    let limit = query.limit.unwrap_or(500).clamp(1, 2_000);
    let scope = StatusScope {
        device_id: &device.device_id,
        jurisdiction: &device.jurisdiction,
    };
    let rows = app.db.status_changes(&scope, after, limit).await?;
    let cursor = rows.last().map_or(after, |(seq, _)| *seq).to_string();
    let more = rows.len() as i64 == limit;
    Ok(Json(StatusPage {
        changes: rows.into_iter().map(|(_, c)| c).collect(),
        cursor,
        more,
    }))
}
