//! Encryption at rest for personal fields (AES-256-GCM, ring) and the keyed blind index that
//! lets names be searched without storing them in clear. See docs/adr/0001-field-encryption.md.

use super::StoreError;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, KeyType, Salt};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

const SALT: &[u8] = b"panjiyan device store v1";

/// Bytes of a blind-index token: enough that collisions in a district are rare; a collision
/// only adds a candidate that ranking then drops.
const TOKEN_LEN: usize = 10;

struct Len(usize);
impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// Keys derived from the app's store key: one to seal fields, one for index tokens.
pub struct FieldCipher {
    seal: LessSafeKey,
    index: hmac::Key,
    rng: SystemRandom,
}

impl FieldCipher {
    pub fn new(key: &[u8]) -> Result<Self, StoreError> {
        if key.len() != 32 {
            return Err(StoreError::BadKeyLength(key.len()));
        }
        let prk = Salt::new(HKDF_SHA256, SALT).extract(key);
        let mut seal_key = [0u8; 32];
        prk.expand(&[b"seal"], Len(32))
            .and_then(|okm| okm.fill(&mut seal_key))
            .map_err(|_| StoreError::Corrupt)?;
        let mut index_key = [0u8; 32];
        prk.expand(&[b"index"], Len(32))
            .and_then(|okm| okm.fill(&mut index_key))
            .map_err(|_| StoreError::Corrupt)?;
        let unbound = UnboundKey::new(&AES_256_GCM, &seal_key).map_err(|_| StoreError::Corrupt)?;
        Ok(Self {
            seal: LessSafeKey::new(unbound),
            index: hmac::Key::new(hmac::HMAC_SHA256, &index_key),
            rng: SystemRandom::new(),
        })
    }

    /// Encrypts `plain`, bound to `context` (table, column and row) so that a sealed value
    /// moved to another row or column fails to open. Output: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .expect("the system random generator works");
        let mut out = Vec::with_capacity(NONCE_LEN + plain.len() + 16);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = self
            .seal
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut out[NONCE_LEN..],
            )
            .expect("sealing cannot fail for in-memory sizes");
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// Decrypts what `seal` made for the same `context`; any change is `Corrupt`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(StoreError::Corrupt);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| StoreError::Corrupt)?;
        let mut buf = rest.to_vec();
        let plain_len = self
            .seal
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| StoreError::Corrupt)?
            .len();
        // The plaintext is the head of `buf`: keep it there rather than copy it out.
        buf.truncate(plain_len);
        Ok(buf)
    }

    pub fn seal_json<T: serde::Serialize>(&self, context: &str, value: &T) -> Vec<u8> {
        self.seal(
            context,
            &serde_json::to_vec(value).expect("store values serialise"),
        )
    }

    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        context: &str,
        sealed: &[u8],
    ) -> Result<T, StoreError> {
        serde_json::from_slice(&self.open(context, sealed)?).map_err(|_| StoreError::Corrupt)
    }

    /// The blind-index token of a search key.
    pub fn token(&self, key: &str) -> Vec<u8> {
        hmac::sign(&self.index, key.as_bytes()).as_ref()[..TOKEN_LEN].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let a = FieldCipher::new(&[7; 32]).unwrap();
        let b = FieldCipher::new(&[8; 32]).unwrap();
        let sealed = a.seal("members:123", b"Laxmi");
        assert_eq!(a.open("members:123", &sealed).unwrap(), b"Laxmi");
        assert!(matches!(
            a.open("members:124", &sealed),
            Err(StoreError::Corrupt)
        ));
        assert!(matches!(
            b.open("members:123", &sealed),
            Err(StoreError::Corrupt)
        ));
        assert!(!sealed.windows(5).any(|w| w == b"Laxmi"));
        assert_ne!(a.token("lksm"), b.token("lksm"));
        assert!(matches!(
            FieldCipher::new(&[0; 16]),
            Err(StoreError::BadKeyLength(16))
        ));
    }
}
