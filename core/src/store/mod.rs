//! The device store: camp packs, registrations and the outbox in one SQLite database, with
//! personal data encrypted at rest under a key the app supplies.
//!
//! One writer connection and one reader connection (WAL), each behind its own lock, so a long
//! pack import never makes a look-up wait. Writers take a `Transaction`, readers a `Connection`.

mod camps;
mod cipher;
mod downloads;
mod error;
mod import;
mod lookup;
mod offers;
mod outbox;
mod registrations;
pub mod schema;
mod sealed_member;

pub use camps::DeviceCamp;
pub use error::StoreError;
pub use import::{ImportSummary, UnitInfo};
pub use lookup::{FamilyView, MemberView, SearchHit};
pub use offers::{OfferAnswer, StoredOffer};
pub use outbox::{ApplySummary, OutboxItem, OutboxStats};
pub use registrations::{Finalised, RegistrationView};

use crate::keys::{PublicKey, SigningKey};
use cipher::FieldCipher;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

const KEY_CHECK: &[u8] = b"panjiyan key check";

/// The device's database. Safe to share between threads.
pub struct DeviceStore {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    cipher: FieldCipher,
    device_key: SigningKey,
}

impl std::fmt::Debug for DeviceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceStore")
            .field("device_id", &self.device_key.key_id())
            .finish_non_exhaustive()
    }
}

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl DeviceStore {
    /// Opens (creating if needed) the store at `path` with the app's 32-byte key. A wrong key
    /// is `StoreError::WrongKey`; the file is never changed by a failed open.
    pub fn open(path: impl AsRef<Path>, key: &[u8]) -> Result<Self, StoreError> {
        let cipher = FieldCipher::new(key)?;
        let mut writer = Connection::open(path.as_ref())?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // FULL, not WAL's usual NORMAL: NORMAL keeps commits across an app crash but may roll
        // the last ones back on power loss, and a camp phone's battery dying must not undo a
        // registration the operator saw saved. It costs one fsync per commit, at human pace.
        writer.pragma_update(None, "synchronous", "FULL")?;
        let found: u32 = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > 0 {
            check_key(&writer, &cipher)?;
        }
        schema::upgrade(&mut writer, &cipher)?;
        let device_key = {
            let tx = writer.transaction()?;
            let key = device_key(&tx, &cipher)?;
            tx.commit()?;
            key
        };
        let reader = Connection::open_with_flags(
            path.as_ref(),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        configure(&reader)?;
        let store = Self {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            cipher,
            device_key,
        };
        store.discard_stale_downloads()?;
        Ok(store)
    }

    /// The device id: the key id of its registration-signing key.
    pub fn device_id(&self) -> &str {
        self.device_key.key_id()
    }

    pub fn device_public_key(&self) -> PublicKey {
        self.device_key.public_key()
    }

    /// Runs `f` in one write transaction, committed when it returns Ok.
    fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on the reader connection (sees every committed write).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&conn)
    }

    /// `PRAGMA integrity_check` said ok: for tests and a support screen.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))? == "ok")
        })
    }
}

fn meta_get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

fn meta_set(tx: &Transaction<'_>, key: &str, value: &[u8]) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

fn check_key(conn: &Connection, cipher: &FieldCipher) -> Result<(), StoreError> {
    match meta_get(conn, "key_check")? {
        Some(sealed) => match cipher.open("meta:key_check", &sealed) {
            Ok(plain) if plain == KEY_CHECK => Ok(()),
            _ => Err(StoreError::WrongKey),
        },
        None => Ok(()),
    }
}

/// The device's signing key, made and sealed on first open.
fn device_key(tx: &Transaction<'_>, cipher: &FieldCipher) -> Result<SigningKey, StoreError> {
    if meta_get(tx, "key_check")?.is_none() {
        meta_set(tx, "key_check", &cipher.seal("meta:key_check", KEY_CHECK))?;
    }
    if let Some(sealed) = meta_get(tx, "device_key")? {
        let pkcs8 = cipher
            .open("meta:device_key", &sealed)
            .map_err(|_| StoreError::WrongKey)?;
        return SigningKey::from_pkcs8(&pkcs8).map_err(|_| StoreError::Corrupt);
    }
    let key = SigningKey::generate().map_err(|_| StoreError::Corrupt)?;
    meta_set(
        tx,
        "device_key",
        &cipher.seal("meta:device_key", key.pkcs8()),
    )?;
    Ok(key)
}

fn now_rfc3339() -> String {
    rfc3339(crate::india_time::now_utc())
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("UTC times format")
}

fn parse_rfc3339(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// What enrolment gave this device: where its server is, its token, and the key its packs
/// must be signed with. Kept sealed in the store.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enrolment {
    pub server_url: String,
    pub device_token: String,
    pub server_key: PublicKey,
    pub jurisdiction: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("server_url", &self.server_url)
            .field("server_key", &self.server_key.key_id)
            .field("jurisdiction", &self.jurisdiction)
            .finish_non_exhaustive()
    }
}

impl DeviceStore {
    pub fn save_enrolment(&self, enrolment: &Enrolment) -> Result<(), StoreError> {
        self.write(|tx| {
            meta_set(
                tx,
                "enrolment",
                &self.cipher.seal_json("meta:enrolment", enrolment),
            )
        })
    }

    pub fn enrolment(&self) -> Result<Option<Enrolment>, StoreError> {
        self.read(|c| match meta_get(c, "enrolment")? {
            Some(sealed) => Ok(Some(self.cipher.open_json("meta:enrolment", &sealed)?)),
            None => Ok(None),
        })
    }
}
