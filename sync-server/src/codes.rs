//! Codes by SMS: a worker proves they hold a mobile number before registering themselves or
//! downloading their card. A code is six random digits, kept only as a keyed hash, valid for
//! ten minutes and five tries; asking for one is limited per number, per member ID and per
//! client. Asking always answers the same: only the number's owner learns whether the member
//! ID is known, by the SMS coming or not.

use crate::app::App;
use crate::client_addr::ClientAddr;
use crate::storage::{StorageError, VerificationCode, now_ms};
use panjiyan_core::keys::to_hex;
use panjiyan_core::messages::Lang;
use panjiyan_core::validate::{Mobile, SamagraMemberId};
use ring::rand::{SecureRandom, SystemRandom};

/// How long a code may be used.
pub const LIFETIME_MS: i64 = 10 * 60_000;
/// Tries of one code.
pub const MOST_TRIES: i64 = 5;
/// How long a right code keeps the worker's pages open.
pub const SESSION_MS: i64 = 30 * 60_000;
/// The window the limits below count in.
const WINDOW_MS: i64 = 60 * 60_000;
/// Codes per mobile number, per member ID, per client, and for the whole server, in a window.
const PER_NUMBER: i64 = 3;
const PER_MEMBER: i64 = 5;
const PER_CLIENT: i64 = 10;
const PER_SERVER: i64 = 20_000;

/// What a code lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Register themselves (`crate::self_service`).
    SelfRegistration,
    /// Download their registration card.
    Card,
    /// See and answer their job offers, give or withdraw consent (Rozgar Setu, `/jobs/mine`).
    Jobs,
    /// An employer registering itself: proves the contact's mobile; the code row's member ID
    /// column holds that mobile number.
    EmployerRegistration,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SelfRegistration => "self_registration",
            Purpose::Card => "card",
            Purpose::Jobs => "jobs",
            Purpose::EmployerRegistration => "employer_registration",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("too many codes were asked for; try again in an hour")]
    TooMany,
    #[error("the code is not right")]
    Wrong { tries_left: i64 },
    #[error("the code has expired or was used")]
    Expired,
    #[error("the code was tried too often")]
    Spent,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a right code proved: its holder has this mobile number and gave this member ID.
#[derive(Debug, Clone)]
pub struct Proven {
    pub member_id: String,
    pub mobile: String,
    pub purpose: Purpose,
}

/// A rate-limit key that does not keep the number or ID itself.
fn limit_key(kind: &str, value: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, value.as_bytes());
    format!("code:{kind}:{}", &to_hex(digest.as_ref())[..16])
}

/// The keyed hash a code is kept as: keyed by the pack-signing key that every server holds
/// and the database does not, so a copy of the database does not give the codes away.
fn code_hash(app: &App, id: &str, code: &str) -> Vec<u8> {
    ring::hmac::sign(&code_key(app), &hashed_text(id, code))
        .as_ref()
        .to_vec()
}

fn code_key(app: &App) -> ring::hmac::Key {
    ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app.pack_key.pkcs8())
}

fn hashed_text(id: &str, code: &str) -> Vec<u8> {
    format!("verification code|{id}|{code}").into_bytes()
}

/// Six random digits, every value as likely as another.
fn random_code() -> String {
    let rng = SystemRandom::new();
    loop {
        let mut b = [0u8; 4];
        rng.fill(&mut b).expect("system random works");
        let n = u32::from_le_bytes(b);
        // Below the largest multiple of a million, so that no code is likelier.
        if n < u32::MAX - u32::MAX % 1_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// Whether the worker behind `member_id` may get a code for `purpose` at `mobile`: a known
/// member (to register), or an approved registration with that mobile number (for a card).
async fn deserves_code(
    app: &App,
    purpose: Purpose,
    member_id: &str,
    mobile: &str,
) -> Result<bool, StorageError> {
    Ok(match purpose {
        Purpose::SelfRegistration => app.db.member_record(member_id).await?.is_some(),
        Purpose::Card | Purpose::Jobs => {
            app.db.approved_mobile(member_id).await?.as_deref() == Some(mobile)
        }
        Purpose::EmployerRegistration => true,
    })
}

/// Asks for a code for `purpose`: counts the limits, keeps a new code, and queues its SMS
/// when the member ID deserves one. Answers the code's id, whether or not an SMS went.
pub async fn send(
    app: &App,
    purpose: Purpose,
    member_id: &SamagraMemberId,
    mobile: &Mobile,
    client: &ClientAddr,
    lang: Lang,
) -> Result<String, CodeError> {
    send_for(app, purpose, member_id.as_str(), mobile, client, lang).await
}

/// Asks for a code proving `mobile` alone (an employer registering itself): the same limits,
/// the number standing for the member ID.
pub async fn send_to_mobile(
    app: &App,
    purpose: Purpose,
    mobile: &Mobile,
    client: &ClientAddr,
    lang: Lang,
) -> Result<String, CodeError> {
    send_for(app, purpose, mobile.as_str(), mobile, client, lang).await
}

async fn send_for(
    app: &App,
    purpose: Purpose,
    member_id: &str,
    mobile: &Mobile,
    client: &ClientAddr,
    lang: Lang,
) -> Result<String, CodeError> {
    let now = now_ms();
    let since = now - WINDOW_MS;
    for (key, most) in [
        (limit_key("number", mobile.as_str()), PER_NUMBER),
        (limit_key("member", member_id), PER_MEMBER),
        (format!("code:client:{}", client.limit_key()), PER_CLIENT),
        ("code:*".to_owned(), PER_SERVER),
    ] {
        if app.db.status_lookups(&key, now, since).await? > most {
            return Err(CodeError::TooMany);
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let code = random_code();
    let sms = deserves_code(app, purpose, member_id, mobile.as_str())
        .await?
        .then(|| crate::notify::code_notice(mobile.as_str(), &code, LIFETIME_MS / 60_000, lang));
    let kept = VerificationCode {
        code_hash: code_hash(app, &id, &code),
        id: id.clone(),
        purpose: purpose.as_str().to_owned(),
        member_id: member_id.to_owned(),
        mobile: mobile.to_string(),
        expires_at: now + LIFETIME_MS,
        tries: 0,
        verified_at: None,
    };
    let mut tx = app.db.begin_write().await?;
    tx.add_code(&kept, now).await?;
    if let Some(sms) = sms {
        tx.queue_notices(None, &[sms], now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A mobile number as a page or a file may show it: `XXXXXX3210`.
pub fn masked(number: &str) -> String {
    let digits = number.chars().count();
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < digits { 'X' } else { c })
        .collect()
}

/// The mobile number code `id` went to, masked, for the page that asks for it.
pub async fn masked_mobile(app: &App, id: &str) -> Result<Option<String>, StorageError> {
    Ok(app.db.code(id).await?.map(|c| masked(&c.mobile)))
}

/// Tries `code` for code `id` of `purpose`; a right one opens a session and answers its token
/// (for a cookie), good for `SESSION_MS`.
pub async fn verify(
    app: &App,
    purpose: Purpose,
    id: &str,
    code: &str,
) -> Result<String, CodeError> {
    let now = now_ms();
    let Some(c) = app.db.try_code(id, MOST_TRIES, now).await? else {
        return Err(match app.db.code(id).await? {
            Some(c) if c.verified_at.is_none() && c.expires_at > now => CodeError::Spent,
            _ => CodeError::Expired,
        });
    };
    let given = code.trim();
    let right = c.purpose == purpose.as_str()
        && given.len() == 6
        && ring::hmac::verify(&code_key(app), &hashed_text(id, given), &c.code_hash).is_ok();
    if !right {
        return Err(CodeError::Wrong {
            tries_left: MOST_TRIES - c.tries,
        });
    }
    let (token, hash) = crate::auth::new_token();
    if !app
        .db
        .open_code_session(id, &hash, now + SESSION_MS, now)
        .await?
    {
        return Err(CodeError::Expired);
    }
    Ok(token)
}

/// Who the session `token` belongs to, while it lasts and only for `purpose`.
pub async fn session(
    app: &App,
    purpose: Purpose,
    token: &str,
) -> Result<Option<Proven>, StorageError> {
    let found = app
        .db
        .code_session(&crate::auth::token_hash(token), now_ms())
        .await?;
    Ok(found
        .filter(|c| c.purpose == purpose.as_str())
        .map(|c| Proven {
            member_id: c.member_id,
            mobile: c.mobile,
            purpose,
        }))
}

/// Ends the session `token` (the worker is done).
pub async fn end_session(app: &App, token: &str) -> Result<(), StorageError> {
    app.db
        .end_code_session(&crate::auth::token_hash(token))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_differ() {
        let codes: std::collections::BTreeSet<String> = (0..50).map(|_| random_code()).collect();
        assert!(codes.len() > 45, "random codes repeat too often");
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
    }

    #[test]
    fn limit_keys_keep_no_number() {
        let key = limit_key("number", "9876543210");
        assert!(!key.contains("9876543210") && key.starts_with("code:number:"));
        assert_eq!(key, limit_key("number", "9876543210"));
    }
}
