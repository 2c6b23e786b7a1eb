//! The skill register: a returned migrant enters it when their registration is approved
//! (inside the decision's transaction), with the trade, experience and where they will work;
//! their consent to be contacted is recorded with its day and channel, and may be withdrawn.

use super::RozgarError;
use crate::storage::{Db, NewJobSeeker, StorageError, Tx, now_ms};
use panjiyan_core::registration::{Channel, WorkArea};
use panjiyan_core::wire::RegistrationPayload;

/// How consent was given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentChannel {
    /// On the form: at a camp, a service centre or the worker's own registration.
    Form(Channel),
    /// By an officer, on the worker's word.
    Officer,
    /// By the worker on their status page, after an SMS code.
    Worker,
}

impl ConsentChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChannel::Form(Channel::Camp) => "camp",
            ConsentChannel::Form(Channel::ServiceCentre) => "service_centre",
            ConsentChannel::Form(Channel::SelfRegistered) => "self_registered",
            ConsentChannel::Officer => "officer",
            ConsentChannel::Worker => "worker",
        }
    }
}

/// Puts an approved registration's worker into the register when the form carried migrant
/// details with a trade (the migrant trade, else the registered occupation). Called inside the
/// decision's transaction, so the register holds exactly the approved migrants.
pub async fn enter_approved(
    tx: &mut Tx,
    registration_id: &str,
    unit_code: &str,
    payload: &RegistrationPayload,
    now: i64,
) -> Result<bool, StorageError> {
    let Some(m) = &payload.migrant else {
        return Ok(false);
    };
    let trade = m
        .trade_code
        .as_deref()
        .unwrap_or(payload.occupation_code.as_str());
    if trade.is_empty() {
        return Ok(false);
    }
    let line = tx.place_line(unit_code).await?;
    let willing = m.willing_to_work.unwrap_or(WorkArea::District);
    let seeker = NewJobSeeker {
        member_id: payload.member_id.as_str(),
        registration_id,
        unit_code,
        block_code: &line.block,
        district_code: &line.district,
        state_code: &line.state,
        trade_code: trade,
        experience_years: m.experience_years.map_or(0, i64::from),
        worked_in: Some(m.state_worked_in.as_str()).filter(|s| !s.trim().is_empty()),
        certificate: m.certificate.as_deref(),
        willing: willing.as_str(),
        consent: m
            .job_consent
            .then(|| ConsentChannel::Form(payload.channel).as_str()),
    };
    tx.add_job_seeker(&seeker, now).await
}

/// Gives or withdraws a worker's consent to be contacted about jobs. A worker not in the
/// register (not an approved returned migrant) is refused in words.
pub async fn set_consent(
    db: &Db,
    member_id: &str,
    consent: bool,
    channel: ConsentChannel,
) -> Result<bool, RozgarError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let changed = match tx
        .set_job_consent(member_id, consent.then(|| channel.as_str()), now)
        .await
    {
        Err(StorageError::NotFound(_)) => {
            return Err(RozgarError::refused("", "page.jobs.not_in_register"));
        }
        other => other?,
    };
    tx.commit().await?;
    Ok(changed)
}
