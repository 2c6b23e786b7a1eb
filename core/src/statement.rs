//! A signed statement of one approved registration, as a card's QR code carries it: what a
//! person can check the card against, signed with the server's pack key, so that the status
//! page, or any phone holding the server's public key, can tell a true card from a forged or
//! altered one without a network.
//!
//! The text is `PJ1.<payload>.<signature>`, both base64url without padding: the payload is the
//! statement's JSON, the signature Ed25519 over the payload's bytes as written.

use crate::keys::{PublicKey, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

const PREFIX: &str = "PJ1.";

/// What a card says about its worker. The JSON keys are one letter each: a QR code's modules
/// stay large enough for a cheap phone's camera on a card eight to an A4 sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationStatement {
    /// The registration number.
    #[serde(rename = "n")]
    pub number: String,
    /// The worker's 9-digit Samagra member ID.
    #[serde(rename = "m")]
    pub member_id: String,
    #[serde(rename = "e")]
    pub name_en: String,
    #[serde(rename = "h")]
    pub name_hi: String,
    /// The occupation-list code.
    #[serde(rename = "o")]
    pub occupation: String,
    /// The date of approval, `DD-MM-YYYY` in India.
    #[serde(rename = "d")]
    pub approved_on: String,
    /// The key id of the key that signed it.
    #[serde(rename = "k")]
    pub key_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("this is not a Panjiyan registration statement")]
    NotAStatement,
    #[error("the statement was signed by another key than this server's")]
    OtherKey,
    #[error("the statement has been altered or forged: its signature does not match")]
    BadSignature,
}

impl RegistrationStatement {
    /// The statement as a QR code holds it, signed with `key` (its `key_id` set to the key's).
    pub fn sign(&self, key: &SigningKey) -> String {
        let statement = RegistrationStatement {
            key_id: key.key_id().to_owned(),
            ..self.clone()
        };
        let payload = serde_json::to_vec(&statement).expect("a statement serializes");
        let signature = key.sign(&payload);
        format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The statement `text` holds, if one of `trusted` (the server's current key and the
    /// keys before it that it still trusts) signed exactly it.
    pub fn verify(
        text: &str,
        trusted: &[PublicKey],
    ) -> Result<RegistrationStatement, StatementError> {
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(StatementError::NotAStatement)?;
        let (payload, signature) = body.split_once('.').ok_or(StatementError::NotAStatement)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| StatementError::NotAStatement)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| StatementError::NotAStatement)?;
        let statement: RegistrationStatement =
            serde_json::from_slice(&payload).map_err(|_| StatementError::NotAStatement)?;
        let key = trusted
            .iter()
            .find(|k| k.key_id == statement.key_id)
            .ok_or(StatementError::OtherKey)?;
        key.verify(&payload, &signature)
            .map_err(|_| StatementError::BadSignature)?;
        Ok(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> RegistrationStatement {
        RegistrationStatement {
            number: "23-401-2026-0000042".into(),
            member_id: "123456789".into(),
            name_en: "Laxmi Kushwaha".into(),
            name_hi: "लक्ष्मी कुशवाहा".into(),
            occupation: "agricultural_labour".into(),
            approved_on: "02-12-2026".into(),
            key_id: String::new(),
        }
    }

    #[test]
    fn a_signed_statement_verifies_and_an_altered_one_does_not() {
        let key = SigningKey::generate().unwrap();
        let text = statement().sign(&key);
        let back = RegistrationStatement::verify(&text, &[key.public_key()]).unwrap();
        assert_eq!(back.number, "23-401-2026-0000042");
        assert_eq!(back.key_id, key.key_id());

        // Another number written into the payload: the signature no longer matches.
        let (payload, signature) = text[PREFIX.len()..].split_once('.').unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let altered = format!(
            "{PREFIX}{}.{signature}",
            URL_SAFE_NO_PAD.encode(json.replace("0000042", "0000043"))
        );
        assert_eq!(
            RegistrationStatement::verify(&altered, &[key.public_key()]),
            Err(StatementError::BadSignature)
        );
        let other = SigningKey::generate().unwrap();
        assert_eq!(
            RegistrationStatement::verify(&text, &[other.public_key()]),
            Err(StatementError::OtherKey)
        );
        // A card printed before a rotation still reads while its key is trusted beside the new.
        assert_eq!(
            RegistrationStatement::verify(&text, &[other.public_key(), key.public_key()])
                .unwrap()
                .number,
            "23-401-2026-0000042"
        );
        assert_eq!(
            RegistrationStatement::verify("hello", &[key.public_key()]),
            Err(StatementError::NotAStatement)
        );
    }
}
