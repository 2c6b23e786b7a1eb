//! Offers of work at a camp with no signal: the open offers to the workers of this device's
//! units as the last sync brought them, listed per member; a worker's answer given here,
//! signed with the device key and queued until the server has settled it, exactly once.

use super::{DeviceStore, StoreError, now_rfc3339, parse_rfc3339, rfc3339};
use crate::messages::Message;
use crate::wire::{
    OfferAnswerOutcome, OfferAnswerPayload, OfferAnswerResult, OfferInfo, SignedOfferAnswer,
};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

/// A worker's answer given on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferAnswer {
    pub accept: bool,
    pub answered_at: OffsetDateTime,
    /// `queued` (waiting to be sent), `taken` (the server recorded it) or `refused`.
    pub state: String,
    /// Why the server refused it, as message keys; empty otherwise.
    pub refusal: Vec<Message>,
}

/// An offer on this device, with the answer given here if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOffer {
    pub info: OfferInfo,
    pub answer: Option<OfferAnswer>,
}

fn info_context(id: &str) -> String {
    format!("offers:info:{id}")
}

fn answer_context(id: &str) -> String {
    format!("offers:answer:{id}")
}

impl DeviceStore {
    /// Keeps the open offers the server sent with the last sync: new ones added, changed ones
    /// replaced; an offer no longer open leaves unless an answer to it still waits to be sent
    /// (a settled answer leaves with it).
    pub fn replace_offers(&self, offers: &[OfferInfo]) -> Result<(), StoreError> {
        self.write(|tx| {
            let listed: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
            let listed_json = serde_json::to_string(&listed).map_err(|_| StoreError::Corrupt)?;
            tx.execute(
                "DELETE FROM offer_answers WHERE state <> 'queued'
                   AND offer_id NOT IN (SELECT value FROM json_each(?1))",
                [&listed_json],
            )?;
            tx.execute(
                "DELETE FROM offers WHERE id NOT IN (SELECT value FROM json_each(?1))
                   AND id NOT IN (SELECT offer_id FROM offer_answers)",
                [&listed_json],
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO offers(id, member_id, sent_at, info) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET member_id = excluded.member_id,
                    sent_at = excluded.sent_at, info = excluded.info",
            )?;
            for o in offers {
                let sealed = self.cipher.seal_json(&info_context(&o.id), o);
                upsert.execute(params![o.id, o.member_id, o.sent_at, sealed])?;
            }
            Ok(())
        })
    }

    /// The offers to member `member_id` on this device, newest first, each with its answer.
    pub fn offers_for_member(&self, member_id: &str) -> Result<Vec<StoredOffer>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT o.id, o.info, a.accept, a.answered_at, a.state, a.refusal
                 FROM offers o LEFT JOIN offer_answers a ON a.offer_id = o.id
                 WHERE o.member_id = ?1 ORDER BY o.sent_at DESC, o.id",
            )?;
            let rows = stmt
                .query_map([member_id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Option<bool>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, sealed, accept, at, state, refusal)| {
                    let info = self.cipher.open_json(&info_context(&id), &sealed)?;
                    let answer = match (accept, at, state) {
                        (Some(accept), Some(at), Some(state)) => Some(OfferAnswer {
                            accept,
                            answered_at: parse_rfc3339(&at).ok_or(StoreError::Corrupt)?,
                            state,
                            refusal: match refusal {
                                Some(r) => {
                                    serde_json::from_str(&r).map_err(|_| StoreError::Corrupt)?
                                }
                                None => Vec::new(),
                            },
                        }),
                        _ => None,
                    };
                    Ok(StoredOffer { info, answer })
                })
                .collect()
        })
    }

    /// Records the worker's answer to offer `offer_id` at `at`, signed with the device key and
    /// queued for the next sync. An offer answered here once cannot be answered again.
    pub fn answer_offer(
        &self,
        offer_id: &str,
        accept: bool,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let member: Option<String> = tx
                .query_row(
                    "SELECT member_id FROM offers WHERE id = ?1",
                    [offer_id],
                    |r| r.get(0),
                )
                .optional()?;
            let member = member.ok_or(StoreError::OfferNotFound)?;
            let answered: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM offer_answers WHERE offer_id = ?1",
                    [offer_id],
                    |r| r.get(0),
                )
                .optional()?;
            if answered.is_some() {
                return Err(StoreError::OfferAlreadyAnswered);
            }
            let payload = OfferAnswerPayload {
                offer_id: offer_id.to_owned(),
                member_id: member.clone(),
                device_id: self.device_key.key_id().to_owned(),
                accept,
                answered_at: at,
            };
            let signed = SignedOfferAnswer::sign(&payload, &self.device_key);
            let sealed = self.cipher.seal_json(&answer_context(offer_id), &signed);
            tx.execute(
                "INSERT INTO offer_answers(offer_id, member_id, accept, answered_at, signed, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
                params![offer_id, member, accept, rfc3339(at), sealed, now_rfc3339()],
            )?;
            Ok(())
        })
    }

    /// The answers waiting to be sent (at most `n`), oldest first.
    pub fn offer_answers_queued(&self, n: usize) -> Result<Vec<SignedOfferAnswer>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT offer_id, signed FROM offer_answers WHERE state = 'queued'
                 ORDER BY answered_at, offer_id LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([n as i64], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, sealed)| self.cipher.open_json(&answer_context(&id), &sealed))
                .collect()
        })
    }

    /// Applies the server's answers for pushed offer answers, in the push's transaction:
    /// every outcome settles the answer. Returns (taken, refused).
    pub(super) fn settle_offer_answers(
        tx: &rusqlite::Transaction<'_>,
        results: &[OfferAnswerResult],
    ) -> Result<(u64, u64), StoreError> {
        let now = now_rfc3339();
        let (mut taken, mut refused) = (0, 0);
        for r in results {
            let (state, refusal) = match &r.outcome {
                OfferAnswerOutcome::Taken | OfferAnswerOutcome::AlreadyHad => ("taken", None),
                OfferAnswerOutcome::Refused { reasons } => ("refused", Some(reasons.clone())),
                OfferAnswerOutcome::BadSignature => {
                    ("refused", Some(vec![Message::new("push.bad_signature")]))
                }
            };
            let refusal = refusal.map(|m| serde_json::to_string(&m).expect("messages serialise"));
            let changed = tx.execute(
                "UPDATE offer_answers SET state = ?2, refusal = ?3, updated_at = ?4
                 WHERE offer_id = ?1 AND state = 'queued'",
                params![r.offer_id, state, refusal, now],
            )?;
            if changed > 0 {
                if state == "taken" {
                    taken += 1;
                } else {
                    refused += 1;
                }
            }
        }
        Ok((taken, refused))
    }
}
