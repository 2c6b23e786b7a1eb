//! An officer's decision on a registration, as one transaction: the state check (deciding the
//! same way twice changes nothing), the registration number on approval, the messages to the
//! worker (`notify::notices_for`), an approved returned migrant's entry in Rozgar Setu's skill
//! register (`rozgar::register`) and the audit row. The messages exist if and only if the
//! decision does.

use crate::notify::{Decided, notices_for};
use crate::storage::{Db, Decision, Outcome, RegistrationRow, StorageError, format_number};
use panjiyan_core::india_time;
use panjiyan_core::messages::Lang;
use panjiyan_core::registration::{REJECT_REASONS, RegistrationState, reject_reason_text};

/// Why a decision as sent cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("the reason must be one of: {}", REJECT_REASONS.join(", "))]
    UnknownReason,
    #[error("the note may have at most 500 characters")]
    NoteTooLong,
}

impl Refusal {
    /// The stable code clients and pages match on.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::ReasonRequired => "reason_required",
            Refusal::UnknownReason => "unknown_reason",
            Refusal::NoteTooLong => "note_too_long",
        }
    }
}

/// A rejection names one of the reason codes (`REJECT_REASONS`); a note, if any, is short.
pub fn check(decision: &Decision) -> Result<(), Refusal> {
    if let Decision::Reject { reason, note } = decision {
        if reason.trim().is_empty() {
            return Err(Refusal::ReasonRequired);
        }
        if !REJECT_REASONS.contains(&reason.as_str()) {
            return Err(Refusal::UnknownReason);
        }
        if note.as_deref().is_some_and(|n| n.chars().count() > 500) {
            return Err(Refusal::NoteTooLong);
        }
    }
    Ok(())
}

/// Approves (allocating the number in the same transaction; approving twice is a no-op) or
/// rejects (rejecting twice for the same reason is a no-op) a pending registration.
pub async fn decide(
    db: &Db,
    id: &str,
    decision: &Decision,
    officer: i64,
    number_format: &str,
    now: i64,
) -> Result<RegistrationRow, StorageError> {
    let mut tx = db.begin_write().await?;
    // One decision at a time on a registration: a second waits here, then reads the first's.
    if !tx.lock_registration(id).await? {
        return Err(StorageError::NotFound("registration"));
    }
    let current = tx
        .registration(id)
        .await?
        .ok_or(StorageError::NotFound("registration"))?;
    match (decision, current.registration_state()) {
        (Decision::Approve, Some(RegistrationState::Approved)) => return Ok(current),
        (Decision::Reject { reason, .. }, Some(RegistrationState::Rejected))
            if current.reason.as_deref() == Some(reason.as_str()) =>
        {
            return Ok(current);
        }
        (_, Some(RegistrationState::PendingApproval)) => {}
        _ => return Err(StorageError::NotPending(current.state)),
    }
    let change = tx.next_change().await?;
    match decision {
        Decision::Approve => {
            // The district and state of the unit, for the number's scope and text.
            let (state, district) = tx.state_and_district(&current.unit_code).await?;
            let year = india_time::year_of(india_time::at_ms(now));
            let n = tx.allocate_number(&format!("{district}-{year}")).await?;
            let number = format_number(number_format, &state, &district, year, n);
            let outcome = Outcome::Approved { number: &number };
            tx.record_decision(id, &outcome, officer, change, now)
                .await?;
        }
        Decision::Reject { reason, note } => {
            let outcome = Outcome::Rejected {
                reason,
                note: note.as_deref(),
            };
            tx.record_decision(id, &outcome, officer, change, now)
                .await?;
        }
    }
    let decided = tx
        .registration(id)
        .await?
        .ok_or(StorageError::NotFound("registration"))?;
    // The worker is told in the same transaction.
    let payload = tx
        .registration_payload(id)
        .await?
        .ok_or(StorageError::NotFound("registration"))?;
    let payload: panjiyan_core::wire::RegistrationPayload = serde_json::from_str(&payload)
        .map_err(|_| StorageError::Corrupt("registration payload"))?;
    let member = tx.member(&decided.member_id).await?;
    let (name_hi, name_en) = member.map_or_else(Default::default, |m| (m.name_hi, m.name_en));
    let date = india_time::date(now);
    let language = if payload.language == Lang::En {
        "en"
    } else {
        "hi"
    };
    let reason = decided
        .reason
        .as_deref()
        .map(|code| reject_reason_text(code, payload.language));
    let notices = notices_for(&Decided {
        approved: matches!(decision, Decision::Approve),
        mobile: payload.mobile.as_ref().map(|m| m.as_str()),
        language,
        name_hi: &name_hi,
        name_en: &name_en,
        number: decided.registration_number.as_deref(),
        reason: reason.as_deref(),
        date: &date,
    });
    tx.queue_notices(Some(id), &notices, now).await?;
    if matches!(decision, Decision::Approve) {
        // An approved returned migrant enters Rozgar Setu's skill register with the decision.
        crate::rozgar::register::enter_approved(&mut tx, id, &decided.unit_code, &payload, now)
            .await?;
    }
    let (action, reason, note) = match decision {
        Decision::Approve => ("approve", None, None),
        Decision::Reject { reason, note } => ("reject", Some(reason.as_str()), note.as_deref()),
    };
    tx.audit_decision(id, officer, action, reason, note, now)
        .await?;
    tx.commit().await?;
    Ok(decided)
}

#[cfg(test)]
mod tests {
    use super::{Refusal, check};
    use crate::storage::Decision;

    fn reject(reason: &str, note: Option<&str>) -> Decision {
        Decision::Reject {
            reason: reason.to_owned(),
            note: note.map(str::to_owned),
        }
    }

    #[test]
    fn a_rejection_needs_a_known_reason_and_a_short_note() {
        assert_eq!(check(&Decision::Approve), Ok(()));
        assert_eq!(check(&reject(" ", None)), Err(Refusal::ReasonRequired));
        assert_eq!(
            check(&reject("no-such-reason", None)),
            Err(Refusal::UnknownReason)
        );
        let known = panjiyan_core::registration::REJECT_REASONS[0];
        assert_eq!(check(&reject(known, Some("seen at the camp"))), Ok(()));
        let long = "x".repeat(501);
        assert_eq!(
            check(&reject(known, Some(&long))),
            Err(Refusal::NoteTooLong)
        );
    }
}
