//! The wire types of sync, shared by the device and the server so they never disagree.
//!
//! A registration travels as the exact JSON bytes its device signed (`payload`) with the
//! signature beside them: the server verifies those bytes before parsing them, so no
//! re-serialisation can ever break a signature. A push may instead carry one signature over
//! all its payloads ([`PushRequest::batch_signature`]): the same guarantee for 64 bytes a
//! push rather than 64 a registration, which is most of what a push weighs on 2G.

use crate::keys::{KeyError, PublicKey, SigningKey};
use crate::messages::{Lang, Message};
use crate::registration::{ApplicantFacts, Channel, MigrantDetails, RegistrationState};
use crate::validate::{Ifsc, LgdCode, Mobile, SamagraFamilyId, SamagraMemberId};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Bumped when a wire type changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;

/// A finalised registration as its device signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationPayload {
    /// UUIDv7, made on the device: the registration's identity everywhere.
    pub id: Uuid,
    /// Key id of the device key that signs this payload.
    pub device_id: String,
    /// 1, 2, 3 … per device, in finalise order.
    pub device_seq: u64,
    pub member_id: SamagraMemberId,
    pub family_id: SamagraFamilyId,
    /// The village or ward of the member's family.
    pub unit_code: LgdCode,
    pub occupation_code: String,
    pub occupations_version: u32,
    pub rules_id: String,
    pub rules_version: u32,
    pub mobile: Option<Mobile>,
    /// Only the last four digits of a checked Aadhaar number are kept and sent.
    pub aadhaar_last4: Option<String>,
    pub bank_ifsc: Option<Ifsc>,
    pub facts: ApplicantFacts,
    pub channel: Channel,
    pub camp_id: Option<String>,
    pub operator_id: String,
    pub consent: bool,
    pub migrant: Option<MigrantDetails>,
    pub language: Lang,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finalised_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the registration signature is not valid base64")]
    SignatureEncoding,
    #[error("the registration signature does not match its payload")]
    BadSignature,
    #[error("the registration payload is not a valid registration")]
    BadPayload,
}

/// A payload's signed bytes and its Ed25519 signature (base64). In a push that carries a
/// batch signature the record's own signature is left out (empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedRegistration {
    pub payload: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
}

impl SignedRegistration {
    pub fn sign(payload: &RegistrationPayload, key: &SigningKey) -> Self {
        let payload = serde_json::to_string(payload).expect("a registration always serialises");
        let signature = STANDARD.encode(key.sign(payload.as_bytes()));
        Self { payload, signature }
    }

    /// Checks the signature over the exact bytes, then parses them.
    pub fn verify(&self, device_key: &PublicKey) -> Result<RegistrationPayload, WireError> {
        self.signature_holds(device_key)?;
        self.parse_unverified()
    }

    /// Checks the signature over the exact bytes only: for a payload already parsed.
    pub fn signature_holds(&self, device_key: &PublicKey) -> Result<(), WireError> {
        let sig = STANDARD
            .decode(&self.signature)
            .map_err(|_| WireError::SignatureEncoding)?;
        device_key
            .verify(self.payload.as_bytes(), &sig)
            .map_err(|e| match e {
                KeyError::BadSignature | KeyError::BadKey | KeyError::Random => {
                    WireError::BadSignature
                }
            })
    }

    /// The SHA-256 of the payload's exact bytes.
    pub fn payload_digest(&self) -> PayloadDigest {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.payload.as_bytes());
        digest.as_ref().try_into().expect("SHA-256 is 32 bytes")
    }

    /// Parses the payload without checking the signature: for reading the id of a record
    /// whose signature failed, never for trusting it.
    pub fn parse_unverified(&self) -> Result<RegistrationPayload, WireError> {
        serde_json::from_str(&self.payload).map_err(|_| WireError::BadPayload)
    }
}

/// What a device says about the data it still holds, with every push: as it stood when the
/// push was sent, so counting the push's own registrations (see [`BacklogReport::after_push`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BacklogReport {
    /// Registrations finalised but not yet acknowledged by the server.
    pub pending: u64,
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub oldest_pending_at: Option<OffsetDateTime>,
    pub app_version: String,
    /// The last sync error the device saw (a stable code, never personal data).
    pub last_error: Option<String>,
}

impl BacklogReport {
    /// What the device holds once the server has acknowledged `acknowledged` of the push's
    /// registrations: the report was made before the push, so it still counted them. When
    /// nothing is left, nothing is oldest.
    pub fn after_push(&self, acknowledged: u64) -> BacklogReport {
        let pending = self.pending.saturating_sub(acknowledged);
        BacklogReport {
            pending,
            oldest_pending_at: self.oldest_pending_at.filter(|_| pending > 0),
            ..self.clone()
        }
    }
}

/// What a batch signature signs: the push's payloads, each by its SHA-256, in order, under a
/// label of its own so that no other signed message of a device can pass for one.
fn batch_message(digests: &[PayloadDigest]) -> Vec<u8> {
    const LABEL: &[u8] = b"panjiyan push batch v1\n";
    let mut message = Vec::with_capacity(LABEL.len() + 8 + 32 * digests.len());
    message.extend_from_slice(LABEL);
    message.extend_from_slice(&(digests.len() as u64).to_be_bytes());
    for d in digests {
        message.extend_from_slice(d);
    }
    message
}

/// The SHA-256 of a record's payload bytes: what a batch signature covers of each record,
/// and the content a server tells repeats and conflicts by.
pub type PayloadDigest = [u8; 32];

/// One batch pushed by a device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub protocol: u32,
    pub registrations: Vec<SignedRegistration>,
    pub backlog: BacklogReport,
    /// Workers' answers to offers of work, given on this device (absent from older phones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offer_answers: Vec<SignedOfferAnswer>,
    /// The device's status cursor (empty for its first sync), sent with the last push of a
    /// sync: the answer then carries the status page after it ([`PushResponse::status`]), so
    /// that a sync needs no trip of its own to pull. Absent: no status in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_cursor: Option<String>,
    /// One Ed25519 signature (base64) by the device key over every registration's payload
    /// (see `PushRequest::sign_batch`), in place of each record's own. Absent from older
    /// phones, whose records each carry theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_signature: Option<String>,
}

impl PushRequest {
    /// Signs the registrations as one batch with the device key and drops their own
    /// signatures, which the batch signature replaces.
    pub fn sign_batch(&mut self, key: &SigningKey) {
        for r in &mut self.registrations {
            r.signature.clear();
        }
        let digests: Vec<PayloadDigest> = self
            .registrations
            .iter()
            .map(SignedRegistration::payload_digest)
            .collect();
        self.batch_signature = Some(STANDARD.encode(key.sign(&batch_message(&digests))));
    }
}

/// Whether `signature` (base64) is the device's batch signature over exactly the payloads
/// with these digests ([`SignedRegistration::payload_digest`]), in this order.
pub fn batch_signature_holds(
    digests: &[PayloadDigest],
    signature: &str,
    device_key: &PublicKey,
) -> bool {
    STANDARD.decode(signature).is_ok_and(|signature| {
        device_key
            .verify(&batch_message(digests), &signature)
            .is_ok()
    })
}

/// The server's answer for one record of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Stored now.
    Accepted,
    /// Stored before with exactly this content: nothing changed.
    AlreadyHad,
    /// The same Samagra member was registered first by registration `first`.
    DuplicateOf { first: Uuid },
    /// Refused; the reasons are message keys. The device keeps the record for fixing.
    Invalid { reasons: Vec<Message> },
    /// The signature does not match the device's enrolled key.
    BadSignature,
    /// The same id arrived before with different content: refused and logged by the server.
    Conflict,
}

impl PushOutcome {
    /// True when the server now holds the record, so it may leave the outbox.
    pub fn is_acknowledged(&self) -> bool {
        matches!(
            self,
            Self::Accepted | Self::AlreadyHad | Self::DuplicateOf { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub id: Uuid,
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// One answer per offer answer pushed (absent when none were).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offer_answers: Vec<OfferAnswerResult>,
    /// The status changes after the request's `status_cursor`, read after this push was
    /// stored, as `GET /api/v1/status` would answer them; absent when the request asked for
    /// none, and from older servers. When `more` is set the device pulls the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusPage>,
}

/// A change in the status of a registration, pulled by devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub member_id: SamagraMemberId,
    pub state: RegistrationState,
    pub registration_number: Option<String>,
    pub reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub changed_at: OffsetDateTime,
}

/// A page of status changes and the cursor to ask from next time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusPage {
    pub changes: Vec<StatusChange>,
    pub cursor: String,
    pub more: bool,
    /// The camp calendar of the device's area (camps not yet ended, soonest first), on the
    /// last page of a sync; absent on the pages before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camps: Option<Vec<CampInfo>>,
    /// The open offers of work to workers of the device's units (sent, not yet answered), on
    /// the last page of a sync; absent on the pages before it and from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<Vec<OfferInfo>>,
    /// The key id of the key the server signs packs with, on the last page: a phone that
    /// pinned another key follows the endorsements to it (`GET /api/v1/pack-keys`) at this
    /// sync, not only at its next pack download. Absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_key_id: Option<String>,
}

/// A planned camp as a phone sees it: where, when, and which villages and wards it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampInfo {
    /// The server's id for the camp, which registrations made there carry.
    pub id: String,
    /// The block or urban body the camp is planned by.
    pub area_code: String,
    /// Start and end, epoch milliseconds.
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue: String,
    /// The village and ward codes it serves.
    pub units: Vec<String>,
}

/// An offer of work as a camp phone carries it to the worker: enough to read it out, nothing
/// about other workers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferInfo {
    /// The server's id of the offer, which the answer carries.
    pub id: String,
    /// The Samagra member offered the work.
    pub member_id: String,
    /// The member's village or ward.
    pub unit_code: String,
    /// The employer's name.
    pub employer: String,
    /// The trade, a code of the occupation list.
    pub trade_code: String,
    /// The trade's name in Hindi and English.
    pub trade_hi: String,
    pub trade_en: String,
    pub daily_rupees: i64,
    /// Where the work is: its LGD code and name in Hindi and English.
    pub place_code: String,
    pub place_hi: String,
    pub place_en: String,
    /// The first day of work, `DD-MM-YYYY` (India).
    pub starts_on: String,
    /// When the offer was sent, epoch milliseconds.
    pub sent_at: i64,
}

/// A worker's answer to an offer, as the camp phone signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferAnswerPayload {
    pub offer_id: String,
    pub member_id: String,
    /// Key id of the device key that signs it.
    pub device_id: String,
    pub accept: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub answered_at: OffsetDateTime,
}

/// An offer answer's signed bytes and its Ed25519 signature (base64), like a registration's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOfferAnswer {
    pub payload: String,
    pub signature: String,
}

impl SignedOfferAnswer {
    pub fn sign(payload: &OfferAnswerPayload, key: &SigningKey) -> Self {
        let payload = serde_json::to_string(payload).expect("an answer always serialises");
        let signature = STANDARD.encode(key.sign(payload.as_bytes()));
        Self { payload, signature }
    }

    /// Checks the signature over the exact bytes, then parses them.
    pub fn verify(&self, device_key: &PublicKey) -> Result<OfferAnswerPayload, WireError> {
        let sig = STANDARD
            .decode(&self.signature)
            .map_err(|_| WireError::SignatureEncoding)?;
        device_key
            .verify(self.payload.as_bytes(), &sig)
            .map_err(|_| WireError::BadSignature)?;
        self.parse_unverified()
    }

    /// Parses without checking the signature: for naming the offer of a refused answer.
    pub fn parse_unverified(&self) -> Result<OfferAnswerPayload, WireError> {
        serde_json::from_str(&self.payload).map_err(|_| WireError::BadPayload)
    }
}

/// The server's answer for one offer answer of a push. Every outcome is final: the answer
/// leaves the phone's outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OfferAnswerOutcome {
    /// Recorded now.
    Taken,
    /// The offer was already answered this way: nothing changed.
    AlreadyHad,
    /// Not taken; the reasons are message keys (answered otherwise before, the worker holds
    /// other work, no such offer for this member on this device's area).
    Refused { reasons: Vec<Message> },
    /// The signature does not match the device's enrolled key.
    BadSignature,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferAnswerResult {
    pub offer_id: String,
    #[serde(flatten)]
    pub outcome: OfferAnswerOutcome,
}

/// The server's pack-signing keys (`GET /api/v1/pack-keys`): the key new packs are signed with
/// and the endorsements leading to it from the keys before. Nothing here is trusted as sent: a
/// phone follows only endorsements signed by the key it holds (`endorsement::follow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackKeys {
    pub current: PublicKey,
    #[serde(default)]
    pub endorsements: Vec<crate::endorsement::KeyEndorsement>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(payload: &str) -> SignedRegistration {
        SignedRegistration {
            payload: payload.to_owned(),
            signature: "own".to_owned(),
        }
    }

    #[test]
    fn a_batch_signature_holds_for_exactly_its_payloads_in_order() {
        let key = SigningKey::generate().unwrap();
        let mut request = PushRequest {
            registrations: vec![record("{\"a\":1}"), record("{\"b\":2}")],
            ..PushRequest::default()
        };
        request.sign_batch(&key);
        assert!(request.registrations.iter().all(|r| r.signature.is_empty()));
        let signature = request.batch_signature.clone().unwrap();
        let holds = |records: &[SignedRegistration], k: &PublicKey| {
            let digests: Vec<PayloadDigest> = records
                .iter()
                .map(SignedRegistration::payload_digest)
                .collect();
            batch_signature_holds(&digests, &signature, k)
        };
        assert!(holds(&request.registrations, &key.public_key()));
        // Another key, a changed payload, another order, one record fewer: none holds.
        let other = SigningKey::generate().unwrap();
        assert!(!holds(&request.registrations, &other.public_key()));
        let mut changed = request.registrations.clone();
        changed[1].payload = "{\"b\":3}".into();
        assert!(!holds(&changed, &key.public_key()));
        let mut swapped = request.registrations.clone();
        swapped.reverse();
        assert!(!holds(&swapped, &key.public_key()));
        assert!(!holds(&request.registrations[..1], &key.public_key()));
        assert!(!batch_signature_holds(
            &[request.registrations[0].payload_digest()],
            "not base64!",
            &key.public_key()
        ));
        // A record's own signature is left off the wire when empty.
        let json = serde_json::to_string(&request).unwrap();
        assert!(!json.contains("\"signature\""), "{json}");
        assert!(json.contains("\"batch_signature\""));
    }

    #[test]
    fn the_backlog_after_a_push_counts_what_stays_on_the_device() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let report = BacklogReport {
            pending: 5,
            oldest_pending_at: Some(at),
            ..BacklogReport::default()
        };
        assert_eq!(report.after_push(2).pending, 3);
        assert_eq!(report.after_push(2).oldest_pending_at, Some(at));
        assert_eq!(report.after_push(5).pending, 0);
        assert_eq!(report.after_push(5).oldest_pending_at, None);
        assert_eq!(report.after_push(9).pending, 0);
    }
}
