//! Offers: sent to chosen workers of a shortlist (an SMS and a voice message in the worker's
//! language, saying who, what, the wage, where, from when, and how to answer), answered by an
//! SMS reply (`HAAN 123456` / `NA 123456`), on the worker's page after an SMS code, on a camp
//! phone, or by staff; joining recorded. Each step is one transaction with its funnel counts
//! and messages; answering twice the same way changes nothing.

use super::RozgarError;
use crate::storage::{
    Db, Employer, FunnelPlace, JOIN_DAYS, Offer, Requirement, StorageError, now_ms,
};
use panjiyan_core::india_time;
use panjiyan_core::keys::PublicKey;
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::wire::{
    OfferAnswerOutcome, OfferAnswerResult, OfferInfo, RegistrationPayload, SignedOfferAnswer,
};
use ring::rand::{SecureRandom, SystemRandom};

/// How an answer or a joining reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Sms,
    /// The worker's own page, after an SMS code.
    Web,
    /// A camp phone, synced.
    Camp,
    /// An officer, the district cell or the employer, on the worker's word.
    Staff,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Sms => "sms",
            Via::Web => "web",
            Via::Camp => "camp",
            Via::Staff => "staff",
        }
    }
}

/// What sending offers came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: Vec<String>,
    /// Workers left out, each with the message key saying why.
    pub left_out: Vec<(String, &'static str)>,
}

fn reply_code() -> String {
    let mut bytes = [0u8; 4];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000)
}

/// Sends offers of `requirement` (of `employer`, verified) to `members`, by user `sent_by`.
/// A worker without consent, no longer available, not in the register or already offered
/// this work is left out and named.
pub async fn send(
    db: &Db,
    employer: &Employer,
    requirement: &Requirement,
    members: &[String],
    sent_by: i64,
) -> Result<Sent, RozgarError> {
    if !employer.is_verified() || requirement.employer_id != employer.id {
        return Err(RozgarError::refused("", "page.jobs.employer_not_verified"));
    }
    let now = now_ms();
    if requirement.closes_on < india_time::india_day(now) {
        return Err(RozgarError::refused("", "page.jobs.requirement_closed"));
    }
    let mut out = Sent::default();
    let mut tx = db.begin_write().await?;
    for member in members {
        let Some(seeker) = tx.job_seeker(member).await? else {
            out.left_out
                .push((member.clone(), "page.jobs.left_out.not_in_register"));
            continue;
        };
        if seeker.consent_at.is_none() {
            out.left_out
                .push((member.clone(), "page.jobs.left_out.no_consent"));
            continue;
        }
        if seeker.standing != "available" {
            out.left_out
                .push((member.clone(), "page.jobs.left_out.not_available"));
            continue;
        }
        let payload = tx
            .registration_payload(&seeker.registration_id)
            .await?
            .ok_or(StorageError::NotFound("registration"))?;
        let payload: RegistrationPayload = serde_json::from_str(&payload)
            .map_err(|_| StorageError::Corrupt("registration payload"))?;
        let mut code = reply_code();
        while tx.reply_code_taken(&code).await? {
            code = reply_code();
        }
        let id = uuid::Uuid::now_v7().to_string();
        if !tx
            .add_offer(&id, &code, requirement.id, member, sent_by, now)
            .await?
        {
            out.left_out
                .push((member.clone(), "page.jobs.left_out.already_offered"));
            continue;
        }
        if let Some(mobile) = &payload.mobile {
            let lang = payload.language;
            let name = tx
                .member(member)
                .await?
                .map(|m| match lang {
                    Lang::Hi => m.name_hi,
                    Lang::En => m.name_en,
                })
                .unwrap_or_default();
            let place = tx
                .place_name(&requirement.place_code, lang)
                .await?
                .unwrap_or_else(|| requirement.place_code.clone());
            let notices = crate::notify::offer_notices(&crate::notify::Offered {
                mobile: mobile.as_str(),
                language: lang,
                name: &name,
                employer: &employer.name,
                work: &super::trade_name(&requirement.trade_code, lang),
                place: &place,
                wage: &panjiyan_core::messages::format_indian_number(
                    requirement.daily_rupees.unsigned_abs(),
                ),
                start: &india_time::date(india_time::india_day_start(requirement.starts_on)),
                code: &code,
            });
            tx.queue_notices(None, &notices, now).await?;
        }
        tx.set_standing(member, "available", true, now).await?;
        tx.reach_stage(&seeker, "offered", now).await?;
        out.sent.push(member.clone());
    }
    tx.commit().await?;
    Ok(out)
}

/// Accepts or declines offer `id`. An offer already answered the same way is left as it is;
/// one answered otherwise, joined or withdrawn is refused; a worker who holds another
/// accepted offer (or joined work) cannot accept a second.
pub async fn answer(db: &Db, id: &str, accept: bool, via: Via) -> Result<Offer, RozgarError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let offer = tx
        .lock_offer(id)
        .await?
        .ok_or_else(|| RozgarError::refused("", "page.jobs.offer_unknown"))?;
    let wanted = if accept { "accepted" } else { "declined" };
    match offer.state.as_str() {
        s if s == wanted => return Ok(offer),
        "sent" => {}
        _ => return Err(RozgarError::refused("", "page.jobs.offer_already_answered")),
    }
    let seeker = tx
        .job_seeker(&offer.member_id)
        .await?
        .ok_or(StorageError::NotFound("job seeker"))?;
    if accept {
        if seeker.standing != "available" {
            return Err(RozgarError::refused("", "page.jobs.already_holding"));
        }
        tx.set_standing(&offer.member_id, "holding", false, now)
            .await?;
        tx.reach_stage(&seeker, "accepted", now).await?;
    }
    tx.set_offer_state(id, wanted, via.as_str(), None, now)
        .await?;
    let answered = tx
        .lock_offer(id)
        .await?
        .ok_or(StorageError::NotFound("offer"))?;
    tx.commit().await?;
    Ok(answered)
}

/// What an SMS reply asks: `HAAN 123456` / `YES 123456` / `हाँ 123456` to accept,
/// `NA 123456` / `NO 123456` / `ना 123456` to decline. `None` when it says neither.
pub fn parse_reply(text: &str) -> Option<(bool, String)> {
    let mut words = text.split_whitespace();
    let word = words.next()?.to_lowercase();
    let code = words.next()?.trim_matches(|c: char| !c.is_ascii_digit());
    if words.next().is_some() || code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let accept = match word.as_str() {
        "haan" | "han" | "ha" | "yes" | "y" | "हाँ" | "हां" | "हा" => true,
        "na" | "nahi" | "no" | "n" | "ना" | "नहीं" => false,
        _ => return None,
    };
    Some((accept, code.to_owned()))
}

/// Answers an offer by an SMS reply from `from` (the gateway's sender number): the reply
/// code must be an offer to the worker whose approved registration has that mobile number;
/// anything else is refused without saying which part was wrong.
pub async fn answer_by_sms(db: &Db, from: &str, text: &str) -> Result<Offer, RozgarError> {
    let Some((accept, code)) = parse_reply(text) else {
        return Err(RozgarError::refused("text", "page.jobs.reply_unreadable"));
    };
    let from = panjiyan_core::validate::Mobile::parse(from)
        .map_err(|_| RozgarError::refused("from", "page.jobs.reply_not_matched"))?;
    let id = db.offer_by_reply_code(&code).await?;
    let Some(id) = id else {
        return Err(RozgarError::refused("text", "page.jobs.reply_not_matched"));
    };
    let member = db
        .offer(&id)
        .await?
        .ok_or(StorageError::NotFound("offer"))?
        .member_id;
    if db.approved_mobile(&member).await?.as_deref() != Some(from.as_str()) {
        return Err(RozgarError::refused("text", "page.jobs.reply_not_matched"));
    }
    answer(db, &id, accept, Via::Sms).await
}

/// Records that the worker of offer `id` (accepted) joined on India day `day`.
pub async fn join(db: &Db, id: &str, day: i64, via: Via) -> Result<Offer, RozgarError> {
    let now = now_ms();
    if day > india_time::india_day(now) {
        return Err(RozgarError::refused(
            "joined_on",
            "page.jobs.joined_in_future",
        ));
    }
    let mut tx = db.begin_write().await?;
    let offer = tx
        .lock_offer(id)
        .await?
        .ok_or_else(|| RozgarError::refused("", "page.jobs.offer_unknown"))?;
    match offer.state.as_str() {
        "joined" => return Ok(offer),
        "accepted" => {}
        _ => return Err(RozgarError::refused("", "page.jobs.join_needs_acceptance")),
    }
    let requirement = tx
        .requirement(offer.requirement_id)
        .await?
        .ok_or(StorageError::NotFound("requirement"))?;
    let seeker = tx
        .job_seeker(&offer.member_id)
        .await?
        .ok_or(StorageError::NotFound("job seeker"))?;
    tx.set_offer_state(id, "joined", via.as_str(), Some(day), now)
        .await?;
    tx.set_standing(&offer.member_id, "placed", false, now)
        .await?;
    if tx.reach_stage(&seeker, "joined", now).await? {
        let days = (day - india_time::india_day(requirement.posted_at)).max(0);
        tx.count_funnel(&FunnelPlace::of(&seeker), JOIN_DAYS, days)
            .await?;
    }
    let joined = tx
        .lock_offer(id)
        .await?
        .ok_or(StorageError::NotFound("offer"))?;
    tx.commit().await?;
    Ok(joined)
}

/// Offers to workers of `area` the district cell must chase: sent more than `STALE_DAYS`
/// ago and not answered, or accepted that long ago and not joined.
pub async fn stale(db: &Db, area: &str) -> Result<Vec<crate::storage::OfferLine>, StorageError> {
    let before = now_ms() - super::STALE_DAYS * 24 * 60 * 60 * 1000;
    db.stale_offers(area, before, before).await
}

/// The worker's mobile number, for the employer, only once the worker accepted.
pub async fn contact_for(db: &Db, offer: &Offer) -> Result<Option<String>, StorageError> {
    if matches!(offer.state.as_str(), "accepted" | "joined") {
        db.approved_mobile(&offer.member_id).await
    } else {
        Ok(None)
    }
}

/// The open offers to workers of `area` (a device's jurisdiction) as a camp phone carries
/// them: who offers what, the wage, where and from when, in Hindi and English.
pub async fn for_camp(db: &Db, area: &str) -> Result<Vec<OfferInfo>, StorageError> {
    Ok(db
        .open_offers_within(area)
        .await?
        .into_iter()
        .map(|o| {
            let l = o.line;
            OfferInfo {
                trade_hi: super::trade_name(&l.trade_code, Lang::Hi),
                trade_en: super::trade_name(&l.trade_code, Lang::En),
                place_hi: o.place_hi.unwrap_or_else(|| l.work_place.clone()),
                place_en: o.place_en.unwrap_or_else(|| l.work_place.clone()),
                starts_on: india_time::date(india_time::india_day_start(l.starts_on)),
                id: l.offer.id,
                member_id: l.offer.member_id,
                unit_code: l.unit_code,
                employer: l.employer_name,
                trade_code: l.trade_code,
                daily_rupees: l.daily_rupees,
                place_code: l.work_place,
                sent_at: l.offer.sent_at,
            }
        })
        .collect())
}

/// The phone's words for a refusal of the services (core's catalogue, which phones carry).
fn camp_reason(key: &str) -> Message {
    Message::new(match key {
        "page.jobs.offer_already_answered" => "offer.already_answered",
        "page.jobs.already_holding" => "offer.already_holding",
        _ => "offer.unknown",
    })
}

/// Takes the answers a camp phone (`device`) pushed, each on its own: signed by the device's
/// key, to an offer made to that member, who lives within the device's area; then answered
/// through `answer` (`Via::Camp`). The same answer again is `AlreadyHad`; an offer answered
/// otherwise is refused in words. A storage fault fails the whole push (the phone retries).
pub async fn take_camp_answers(
    db: &Db,
    device: &crate::storage::Device,
    answers: &[SignedOfferAnswer],
) -> Result<Vec<OfferAnswerResult>, StorageError> {
    // A stored key that does not read is ours to fix, never the phone's bad signature.
    let key = PublicKey::from_bytes(&device.public_key)
        .map_err(|_| StorageError::Corrupt("device key"))?;
    let mut out = Vec::with_capacity(answers.len());
    for signed in answers {
        let unverified = signed.parse_unverified().ok();
        let offer_id = unverified
            .as_ref()
            .map(|p| p.offer_id.clone())
            .unwrap_or_default();
        let result = |outcome| OfferAnswerResult {
            offer_id: offer_id.clone(),
            outcome,
        };
        let payload = match signed.verify(&key) {
            Ok(p) if p.device_id == device.device_id => p,
            _ => {
                out.push(result(OfferAnswerOutcome::BadSignature));
                continue;
            }
        };
        let unknown = || {
            result(OfferAnswerOutcome::Refused {
                reasons: vec![Message::new("offer.unknown")],
            })
        };
        let Some(offer) = db.offer(&payload.offer_id).await? else {
            out.push(unknown());
            continue;
        };
        let inside = match db.job_seeker(&offer.member_id).await? {
            Some(s) => db.is_within(&s.unit_code, &device.jurisdiction).await?,
            None => false,
        };
        if offer.member_id != payload.member_id || !inside {
            out.push(unknown());
            continue;
        }
        let wanted = if payload.accept {
            "accepted"
        } else {
            "declined"
        };
        if offer.state == wanted {
            out.push(result(OfferAnswerOutcome::AlreadyHad));
            continue;
        }
        out.push(
            match answer(db, &offer.id, payload.accept, Via::Camp).await {
                Ok(_) => result(OfferAnswerOutcome::Taken),
                Err(RozgarError::Refused(problems)) => result(OfferAnswerOutcome::Refused {
                    reasons: problems
                        .iter()
                        .map(|p| camp_reason(&p.message.key))
                        .collect(),
                }),
                Err(RozgarError::Storage(e)) => return Err(e),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_reply;

    #[test]
    fn replies_are_read_in_hindi_and_english_and_anything_else_is_not() {
        assert_eq!(parse_reply("HAAN 123456"), Some((true, "123456".into())));
        assert_eq!(
            parse_reply(" haan  123456. "),
            Some((true, "123456".into()))
        );
        assert_eq!(parse_reply("हाँ 004321"), Some((true, "004321".into())));
        assert_eq!(parse_reply("NA 123456"), Some((false, "123456".into())));
        assert_eq!(parse_reply("नहीं 123456"), Some((false, "123456".into())));
        assert_eq!(parse_reply("HAAN"), None);
        assert_eq!(parse_reply("HAAN 12345"), None);
        assert_eq!(parse_reply("MAYBE 123456"), None);
        assert_eq!(parse_reply("HAAN 123456 extra"), None);
    }
}
