//! Camp-pack downloads in progress, held in the store encrypted with its key (never as a
//! clear file): chunks appended as they arrive, so a download cut on 2G resumes where it
//! stopped, read back whole for import, and removed once imported, refused or cancelled.

use super::{DeviceStore, StoreError, now_rfc3339};
use rusqlite::params;

/// Downloads not touched for this long are dropped when the store opens.
const STALE_AFTER_DAYS: i64 = 3;

fn context(unit: &str, sha: &str, offset: u64) -> String {
    format!("downloads:{unit}:{sha}:{offset}")
}

impl DeviceStore {
    /// How many bytes of pack `sha` for `unit` are held so far; other downloads of the unit
    /// (an older pack) are dropped, since they can never be resumed.
    pub fn download_held(&self, unit: &str, sha: &str) -> Result<u64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM download_chunks WHERE unit_code = ?1 AND sha256 <> ?2",
                params![unit, sha],
            )?;
            let held: i64 = tx.query_row(
                "SELECT coalesce(sum(len), 0) FROM download_chunks WHERE unit_code = ?1 AND sha256 = ?2",
                params![unit, sha],
                |r| r.get(0),
            )?;
            Ok(held as u64)
        })
    }

    /// Appends `bytes` at `offset` of pack `sha` for `unit`, sealed.
    pub fn append_download(
        &self,
        unit: &str,
        sha: &str,
        offset: u64,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let sealed = self.cipher.seal(&context(unit, sha, offset), bytes);
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO download_chunks(unit_code, sha256, offset, len, sealed, written_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![unit, sha, offset as i64, bytes.len() as i64, sealed, now_rfc3339()],
            )?;
            Ok(())
        })
    }

    /// The whole of pack `sha` for `unit` as downloaded so far, in order.
    pub fn downloaded(&self, unit: &str, sha: &str) -> Result<Vec<u8>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT offset, sealed FROM download_chunks WHERE unit_code = ?1 AND sha256 = ?2 ORDER BY offset",
            )?;
            let chunks = stmt
                .query_map(params![unit, sha], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut out = Vec::new();
            for (offset, sealed) in chunks {
                if offset as usize != out.len() {
                    return Err(StoreError::Corrupt);
                }
                out.extend(self.cipher.open(&context(unit, sha, offset as u64), &sealed)?);
            }
            Ok(out)
        })
    }

    /// Drops what is held of `unit`'s downloads (after import, a refusal or a cancel).
    pub fn discard_download(&self, unit: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM download_chunks WHERE unit_code = ?1", [unit])?;
            Ok(())
        })
    }

    /// Drops downloads nobody came back to for days (called when the store opens).
    pub(super) fn discard_stale_downloads(&self) -> Result<(), StoreError> {
        let cutoff =
            super::rfc3339(crate::india_time::now_utc() - time::Duration::days(STALE_AFTER_DAYS));
        self.write(|tx| {
            tx.execute(
                "DELETE FROM download_chunks WHERE written_at < ?1",
                [cutoff],
            )?;
            Ok(())
        })
    }
}
