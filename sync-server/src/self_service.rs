//! Workers registering themselves on the web: the same form and the same checks of the
//! campaign's rule set as at a camp, signed by the web's own device for the worker's state and
//! taken in by `intake` like any push. The officer finds it in the queue with channel
//! `self_registered`; a second registration of the same member is a duplicate, as everywhere.

use crate::app::App;
use crate::codes::Proven;
use crate::storage::{Device, StorageError, now_ms};
use panjiyan_core::india_time;
use panjiyan_core::keys::SigningKey;
use panjiyan_core::messages::Message;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{Channel, FormProblem, RegistrationForm, check_form};
use panjiyan_core::samagra::{Family, Member};
use panjiyan_core::validate::SamagraMemberId;
use panjiyan_core::wire::{PushOutcome, RegistrationPayload, SignedRegistration};

/// Who the web's registrations name as their operator.
pub const OPERATOR: &str = "self";

/// The worker's family as the self-registration page shows it.
#[derive(Debug, Clone)]
pub struct FamilyRecord {
    pub family: Family,
    pub members: Vec<Member>,
    /// The member who is registering.
    pub member: Member,
    /// The village or ward, then up to the state.
    pub place: Vec<panjiyan_core::location::Place>,
}

/// The family of the member a code proved, if the server holds it.
pub async fn family_of(app: &App, proven: &Proven) -> Result<Option<FamilyRecord>, StorageError> {
    let Some((unit, member)) = app.db.member_record(&proven.member_id).await? else {
        return Ok(None);
    };
    let Some((family, members)) = app.db.family(member.family_id.as_str()).await? else {
        return Ok(None);
    };
    let mut place = app.db.lineage(&unit).await?;
    place.reverse();
    Ok(Some(FamilyRecord {
        family,
        members,
        member,
        place,
    }))
}

/// What became of a self-registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// In the officer's queue.
    Accepted,
    /// The member already has a registration that counts; this one is kept as its duplicate.
    Duplicate,
    /// Refused by the server's checks (what `check_form` could not see, such as the area).
    Refused(Vec<Message>),
}

/// The key of the web's device for `state`: derived from the pack-signing key every server
/// holds, so that every server signs as the same device and no key is stored.
fn device_key(app: &App, state: &str) -> SigningKey {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app.pack_key.pkcs8());
    let tag = ring::hmac::sign(&key, format!("self-service device|{state}").as_bytes());
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&tag.as_ref()[..32]);
    SigningKey::from_seed(&seed).expect("any 32 bytes are an Ed25519 seed")
}

/// Checks `form` for the member a code proved, as a camp phone would (the campaign's rule
/// set, today in India), and takes it in through `intake`. `Err` holds the form's problems,
/// each pointing at its field; nothing is stored then.
pub async fn submit(
    app: &App,
    proven: &Proven,
    mut form: RegistrationForm,
) -> Result<Result<Submitted, Vec<FormProblem>>, StorageError> {
    let Some((unit, member)) = app.db.member_record(&proven.member_id).await? else {
        return Ok(Ok(Submitted::Refused(vec![Message::new(
            "push.member_unknown",
        )])));
    };
    // What the code proved is what is registered: the member, and the mobile number.
    form.member_id = SamagraMemberId::parse(&proven.member_id)
        .map_err(|_| StorageError::Corrupt("member id"))?;
    form.mobile = Some(proven.mobile.clone());
    form.channel = Channel::SelfRegistered;
    form.camp_id = None;
    form.operator_id = OPERATOR.to_owned();
    let occupations = OccupationList::builtin();
    let rules = &app.settings.rules;
    let checked = match check_form(&form, &member, &occupations, rules, india_time::today()) {
        Ok(checked) => checked,
        Err(problems) => return Ok(Err(problems)),
    };
    let lineage = app.db.lineage(&unit).await?;
    let Some(state) = lineage.first().map(|p| p.code.to_string()) else {
        return Err(StorageError::Corrupt("unit without a state"));
    };
    let key = device_key(app, &state);
    let device: Device = app
        .db
        .self_service_device(&state, key.key_id(), &key.public_key().bytes, now_ms())
        .await?;
    let seq = app
        .db
        .next_in_sequence(&format!("device_seq:{}", key.key_id()))
        .await?;
    let now = india_time::now_utc();
    let payload = RegistrationPayload {
        id: uuid::Uuid::now_v7(),
        device_id: key.key_id().to_owned(),
        device_seq: seq as u64,
        member_id: member.member_id.clone(),
        family_id: member.family_id.clone(),
        unit_code: panjiyan_core::validate::LgdCode::parse(&unit)
            .map_err(|_| StorageError::Corrupt("unit code"))?,
        occupation_code: checked.occupation_code,
        occupations_version: occupations.version,
        rules_id: rules.id.clone(),
        rules_version: rules.version,
        mobile: checked.mobile,
        aadhaar_last4: checked.aadhaar_last4,
        bank_ifsc: checked.bank_ifsc,
        facts: form.facts,
        channel: Channel::SelfRegistered,
        camp_id: None,
        operator_id: OPERATOR.to_owned(),
        consent: form.consent,
        migrant: form.migrant,
        language: form.language,
        created_at: now,
        finalised_at: now,
    };
    let signed = SignedRegistration::sign(&payload, &key);
    let answers = crate::intake::receive(app, &device, &[signed], None).await?;
    Ok(Ok(match answers.into_iter().next().map(|a| a.outcome) {
        Some(PushOutcome::Accepted | PushOutcome::AlreadyHad) => Submitted::Accepted,
        Some(PushOutcome::DuplicateOf { .. }) => Submitted::Duplicate,
        Some(PushOutcome::Invalid { reasons }) => Submitted::Refused(reasons),
        // A signature or content conflict of the server's own device is a fault of ours.
        _ => return Err(StorageError::Corrupt("self-registration signature")),
    }))
}
