//! Ed25519 keys (ring): the server's pack-signing key and each device's registration-signing
//! key. A key is named by its key id: the first 8 bytes of SHA-256 of the public key, in hex.

use ring::signature::{self, Ed25519KeyPair, KeyPair};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key bytes are not a valid Ed25519 PKCS#8 document")]
    BadKey,
    #[error("the system random generator failed")]
    Random,
    #[error("the signature does not match")]
    BadSignature,
}

/// A private Ed25519 key with its PKCS#8 bytes (to keep) and its key id.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
    key_id: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    pub fn generate() -> Result<Self, KeyError> {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError::Random)?;
        Self::from_pkcs8(doc.as_ref())
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError::BadKey)?;
        let key_id = key_id(pair.public_key().as_ref());
        Ok(Self {
            pair,
            pkcs8: pkcs8.to_vec(),
            key_id,
        })
    }

    /// The key whose 32-byte secret seed is `seed`: the same seed gives the same key on every
    /// server (a key derived from a secret they share, never stored).
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| KeyError::BadKey)?;
        // PKCS#8 v2 as ring writes it: the seed, then the public key.
        let mut pkcs8 = vec![
            0x30, 0x53, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        pkcs8.extend_from_slice(seed);
        pkcs8.extend_from_slice(&[0xa1, 0x23, 0x03, 0x21, 0x00]);
        pkcs8.extend_from_slice(pair.public_key().as_ref());
        Self::from_pkcs8(&pkcs8)
    }

    /// The PKCS#8 document, for storing the key. Secret: never log it.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key_id: self.key_id.clone(),
            bytes: self.pair.public_key().as_ref().to_vec(),
        }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// A public Ed25519 key (32 bytes) with its key id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicKey {
    pub key_id: String,
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, content_encoding = "base64"))]
    pub bytes: Vec<u8>,
}

impl PublicKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::BadKey);
        }
        Ok(Self {
            key_id: key_id(bytes),
            bytes: bytes.to_vec(),
        })
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.bytes)
            .verify(message, signature)
            .map_err(|_| KeyError::BadSignature)
    }
}

/// The key id of a public key: hex of the first 8 bytes of its SHA-256.
pub fn key_id(public_key: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    to_hex(&digest.as_ref()[..8])
}

pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Serde helper: bytes as standard base64 text.
pub mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_seed_gives_the_same_key_every_time() {
        let a = super::SigningKey::from_seed(&[7; 32]).unwrap();
        let b = super::SigningKey::from_seed(&[7; 32]).unwrap();
        let c = super::SigningKey::from_seed(&[8; 32]).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        assert_ne!(a.public_key(), c.public_key());
        let signature = a.sign(b"registration");
        b.public_key().verify(b"registration", &signature).unwrap();
        assert_eq!(
            super::SigningKey::from_pkcs8(a.pkcs8())
                .unwrap()
                .public_key(),
            a.public_key()
        );
    }

    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let sig = key.sign(b"camp pack");
        assert!(key.public_key().verify(b"camp pack", &sig).is_ok());
        assert_eq!(
            key.public_key().verify(b"camp pacK", &sig),
            Err(KeyError::BadSignature)
        );
        assert_eq!(
            other.public_key().verify(b"camp pack", &sig),
            Err(KeyError::BadSignature)
        );
        assert_ne!(key.key_id(), other.key_id());
        let again = SigningKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }
}
