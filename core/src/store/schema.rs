//! The device schema: the SQL files of `migrations/device`, applied in order with
//! `PRAGMA user_version`, one transaction per version.

use super::{FieldCipher, StoreError};
use rusqlite::Connection;

/// The SQL of each schema version, oldest first; version N is `MIGRATIONS[N - 1]`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/device/0001_camp_data.sql"),
    include_str!("../../../migrations/device/0002_registrations.sql"),
    include_str!("../../../migrations/device/0003_camps.sql"),
    include_str!("../../../migrations/device/0004_downloads.sql"),
    include_str!("../../../migrations/device/0005_rule_sets.sql"),
    include_str!("../../../migrations/device/0006_offers.sql"),
    include_str!("../../../migrations/device/0007_lookup_index.sql"),
    include_str!("../../../migrations/device/0008_members_compact.sql"),
];

/// The schema version this build writes.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to the current version; a database from a newer build is refused
/// rather than damaged.
pub(crate) fn upgrade(conn: &mut Connection, cipher: &FieldCipher) -> Result<(), StoreError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > CURRENT_VERSION {
        return Err(StoreError::NewerSchema {
            found,
            known: CURRENT_VERSION,
        });
    }
    for version in found..CURRENT_VERSION {
        upgrade_from(conn, version, cipher)?;
    }
    Ok(())
}

/// One step: from `version` to `version + 1`, in its own transaction. There is no step from
/// the current version, so asking for one is `NewerSchema`, not a panic.
/// A step that re-seals data gets the store's cipher.
pub(crate) fn upgrade_from(
    conn: &mut Connection,
    version: u32,
    cipher: &FieldCipher,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    match version {
        // One arm per step, so a step that must also move data has a place to do it.
        0 => tx.execute_batch(MIGRATIONS[0])?,
        1 => tx.execute_batch(MIGRATIONS[1])?,
        2 => tx.execute_batch(MIGRATIONS[2])?,
        3 => tx.execute_batch(MIGRATIONS[3])?,
        4 => tx.execute_batch(MIGRATIONS[4])?,
        5 => tx.execute_batch(MIGRATIONS[5])?,
        6 => tx.execute_batch(MIGRATIONS[6])?,
        7 => {
            tx.execute_batch(MIGRATIONS[7])?;
            super::sealed_member::reseal_json_members(&tx, cipher)?;
        }
        found => {
            return Err(StoreError::NewerSchema {
                found,
                known: CURRENT_VERSION,
            });
        }
    }
    tx.pragma_update(None, "user_version", version + 1)?;
    tx.commit()?;
    Ok(())
}
