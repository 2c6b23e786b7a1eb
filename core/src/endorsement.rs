//! Pack-key rotation: an endorsement is the server's previous pack-signing key vouching for
//! the key that follows it, so that a phone which pinned the old key at enrolment can move to
//! the new one, trusting nothing but what the key it already holds has signed.
//!
//! The signed message is `panjiyan pack-key endorsement v1`, a NUL byte, then the previous
//! key's 32 public bytes and the next key's 32 public bytes: domain-separated from packs (whose
//! signature covers a JSON manifest) and card statements (`PJ1.` JSON), and naming both keys
//! by their bytes, never by an id alone.

use crate::keys::{PublicKey, SigningKey, key_id};
use serde::{Deserialize, Serialize};

const DOMAIN: &[u8] = b"panjiyan pack-key endorsement v1\0";

/// The longest chain of rotations a phone follows in one go (each endorsement one rotation).
pub const MAX_CHAIN: usize = 8;

/// `previous` vouching that `next` signs packs after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyEndorsement {
    /// The key that signed this endorsement: the one phones pinned before the rotation.
    pub previous: PublicKey,
    /// The key that signs packs from the rotation on.
    pub next: PublicKey,
    /// Ed25519 by `previous` over the domain, `previous`'s bytes and `next`'s bytes.
    #[serde(with = "crate::keys::b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, content_encoding = "base64"))]
    pub signature: Vec<u8>,
}

/// Why an endorsement, or a chain of them, was not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndorsementError {
    #[error(
        "an endorsement names a key whose id does not match its bytes, or that is not 32 bytes"
    )]
    MalformedKey,
    #[error("an endorsement vouches for the key that signed it")]
    EndorsesItself,
    #[error("the endorsement's signature does not match: it was not signed by the key it names")]
    BadSignature,
    #[error("no endorsement leads from the key this device trusts to key {key_id}")]
    NoChain { key_id: String },
}

/// The bytes an endorsement's signature covers.
fn message(previous: &[u8], next: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + previous.len() + next.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(previous);
    m.extend_from_slice(next);
    m
}

/// A public key as it must be: 32 bytes, its id the id of those bytes.
fn well_formed(key: &PublicKey) -> Result<(), EndorsementError> {
    if key.bytes.len() != 32 || key.key_id != key_id(&key.bytes) {
        return Err(EndorsementError::MalformedKey);
    }
    Ok(())
}

impl KeyEndorsement {
    /// `previous` endorsing `next`.
    pub fn sign(previous: &SigningKey, next: &PublicKey) -> KeyEndorsement {
        let previous_key = previous.public_key();
        let signature = previous.sign(&message(&previous_key.bytes, &next.bytes));
        KeyEndorsement {
            previous: previous_key,
            next: next.clone(),
            signature,
        }
    }

    /// The key this endorsement vouches for, if `trusted` signed exactly it. The key it names
    /// as `previous` must be `trusted` byte for byte: a look-alike id is not enough.
    pub fn verify(&self, trusted: &PublicKey) -> Result<PublicKey, EndorsementError> {
        well_formed(&self.previous)?;
        well_formed(&self.next)?;
        if self.previous.bytes != trusted.bytes {
            return Err(EndorsementError::BadSignature);
        }
        if self.next.bytes == self.previous.bytes {
            return Err(EndorsementError::EndorsesItself);
        }
        trusted
            .verify(
                &message(&self.previous.bytes, &self.next.bytes),
                &self.signature,
            )
            .map_err(|_| EndorsementError::BadSignature)?;
        Ok(self.next.clone())
    }
}

/// The key with id `target`, reached from `pinned` through `endorsements`, each signed by the
/// key before it (`pinned` signing the first): what a phone may trust next. Endorsements that
/// do not verify are passed over, never followed; at most `MAX_CHAIN` steps.
pub fn follow(
    pinned: &PublicKey,
    endorsements: &[KeyEndorsement],
    target: &str,
) -> Result<PublicKey, EndorsementError> {
    let mut current = pinned.clone();
    for _ in 0..MAX_CHAIN {
        if current.key_id == target {
            break;
        }
        let Some(next) = endorsements
            .iter()
            .filter(|e| e.previous.bytes == current.bytes)
            .find_map(|e| e.verify(&current).ok())
        else {
            break;
        };
        current = next;
    }
    if current.key_id == target && current.bytes != pinned.bytes {
        Ok(current)
    } else {
        Err(EndorsementError::NoChain {
            // The id comes from an unverified pack manifest: bound what reaches a log.
            key_id: target.chars().take(32).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_key_endorsing_the_next_leads_to_it() {
        let a = SigningKey::generate().unwrap();
        let b = SigningKey::generate().unwrap();
        let endorsement = KeyEndorsement::sign(&a, &b.public_key());
        assert_eq!(endorsement.verify(&a.public_key()), Ok(b.public_key()));
        assert_eq!(
            follow(&a.public_key(), &[endorsement], b.key_id()),
            Ok(b.public_key())
        );
    }

    #[test]
    fn a_chain_of_rotations_is_followed_from_the_pinned_key() {
        let keys: Vec<SigningKey> = (0..4).map(|_| SigningKey::generate().unwrap()).collect();
        // Listed newest first: the order the server sends them in does not matter.
        let chain: Vec<KeyEndorsement> = keys
            .windows(2)
            .rev()
            .map(|w| KeyEndorsement::sign(&w[0], &w[1].public_key()))
            .collect();
        assert_eq!(
            follow(&keys[0].public_key(), &chain, keys[3].key_id()),
            Ok(keys[3].public_key())
        );
        assert_eq!(
            follow(&keys[2].public_key(), &chain, keys[3].key_id()),
            Ok(keys[3].public_key())
        );
        // Never backwards: the newer key does not lead to an older one.
        assert!(matches!(
            follow(&keys[3].public_key(), &chain, keys[0].key_id()),
            Err(EndorsementError::NoChain { .. })
        ));
    }

    #[test]
    fn an_endorsement_by_a_key_the_phone_never_pinned_is_refused() {
        let pinned = SigningKey::generate().unwrap();
        let stranger = SigningKey::generate().unwrap();
        let next = SigningKey::generate().unwrap();
        let forged = KeyEndorsement::sign(&stranger, &next.public_key());
        assert_eq!(
            forged.verify(&pinned.public_key()),
            Err(EndorsementError::BadSignature)
        );
        assert_eq!(
            follow(&pinned.public_key(), &[forged], next.key_id()),
            Err(EndorsementError::NoChain {
                key_id: next.key_id().to_owned()
            })
        );
    }

    #[test]
    fn an_endorsement_claiming_the_pinned_key_without_its_signature_is_refused() {
        let pinned = SigningKey::generate().unwrap();
        let attacker = SigningKey::generate().unwrap();
        let real = KeyEndorsement::sign(&pinned, &SigningKey::generate().unwrap().public_key());
        // The pinned key named as signer, the attacker's key put in as the next one.
        let swapped = KeyEndorsement {
            next: attacker.public_key(),
            ..real.clone()
        };
        assert_eq!(
            swapped.verify(&pinned.public_key()),
            Err(EndorsementError::BadSignature)
        );
        // Signed by the attacker but naming the pinned key as its signer.
        let claimed = KeyEndorsement {
            previous: pinned.public_key(),
            ..KeyEndorsement::sign(&attacker, &SigningKey::generate().unwrap().public_key())
        };
        assert_eq!(
            claimed.verify(&pinned.public_key()),
            Err(EndorsementError::BadSignature)
        );
        assert!(follow(&pinned.public_key(), &[swapped, claimed], attacker.key_id()).is_err());
    }

    #[test]
    fn a_key_endorsing_itself_is_refused() {
        let a = SigningKey::generate().unwrap();
        let itself = KeyEndorsement::sign(&a, &a.public_key());
        assert_eq!(
            itself.verify(&a.public_key()),
            Err(EndorsementError::EndorsesItself)
        );
    }

    #[test]
    fn a_key_whose_id_does_not_match_its_bytes_is_refused() {
        let a = SigningKey::generate().unwrap();
        let b = SigningKey::generate().unwrap();
        let c = SigningKey::generate().unwrap();
        let mut tampered = KeyEndorsement::sign(&a, &b.public_key());
        // B's bytes under C's id: a phone comparing ids alone would pin bytes it never checked.
        tampered.next.key_id = c.key_id().to_owned();
        assert_eq!(
            tampered.verify(&a.public_key()),
            Err(EndorsementError::MalformedKey)
        );
        assert!(follow(&a.public_key(), &[tampered], c.key_id()).is_err());
        let mut short = KeyEndorsement::sign(&a, &b.public_key());
        short.next.bytes.truncate(31);
        assert_eq!(
            short.verify(&a.public_key()),
            Err(EndorsementError::MalformedKey)
        );
    }

    #[test]
    fn the_message_is_not_a_pack_or_statement_signature() {
        // Another kind of thing the pack key signs never passes as an endorsement.
        let a = SigningKey::generate().unwrap();
        let b = SigningKey::generate().unwrap();
        let mut plain = b.public_key().bytes.clone();
        plain.splice(0..0, a.public_key().bytes.iter().copied());
        let endorsement = KeyEndorsement {
            previous: a.public_key(),
            next: b.public_key(),
            signature: a.sign(&plain),
        };
        assert_eq!(
            endorsement.verify(&a.public_key()),
            Err(EndorsementError::BadSignature)
        );
    }
}
