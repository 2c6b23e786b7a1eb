//! The camp calendar on the device: the planned camps of its area as the server sent them with
//! the last sync, and the unplanned camps the operator started here. Registrations carry the
//! id of the camp they were made at; the device never makes one up from a unit and a date.

use super::{DeviceStore, StoreError};
use crate::india_time;
use crate::validate::LgdCode;
use crate::wire::CampInfo;
use rusqlite::{OptionalExtension, params};

/// A camp on this device's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCamp {
    pub info: CampInfo,
    /// Started on this device without a plan; the server shows it as unplanned.
    pub unplanned: bool,
}

const SELECT: &str = "SELECT id, area_code, starts_at, ends_at, venue, units, unplanned FROM camps";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(CampInfo, bool, String)> {
    let units: String = r.get(5)?;
    Ok((
        CampInfo {
            id: r.get(0)?,
            area_code: r.get(1)?,
            starts_at: r.get(2)?,
            ends_at: r.get(3)?,
            venue: r.get(4)?,
            units: Vec::new(),
        },
        r.get::<_, i64>(6)? != 0,
        units,
    ))
}

fn camp_of(
    (mut info, unplanned, units): (CampInfo, bool, String),
) -> Result<DeviceCamp, StoreError> {
    info.units = serde_json::from_str(&units).map_err(|_| StoreError::Corrupt)?;
    Ok(DeviceCamp { info, unplanned })
}

impl DeviceStore {
    /// Replaces the planned camps with the calendar the server sent; unplanned camps started
    /// on this device stay.
    pub fn replace_camps(&self, camps: &[CampInfo]) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM camps WHERE unplanned = 0", [])?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO camps(id, area_code, starts_at, ends_at, venue, units, unplanned)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) ON CONFLICT(id) DO NOTHING",
            )?;
            for c in camps {
                let units = serde_json::to_string(&c.units).map_err(|_| StoreError::Corrupt)?;
                insert.execute(params![
                    c.id,
                    c.area_code,
                    c.starts_at,
                    c.ends_at,
                    c.venue,
                    units
                ])?;
            }
            Ok(())
        })
    }

    /// The camps that have not ended at `now_ms`, soonest first: what the operator starts
    /// today's camp from.
    pub fn camps(&self, now_ms: i64) -> Result<Vec<DeviceCamp>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "{SELECT} WHERE ends_at > ?1 ORDER BY starts_at, id"
            ))?;
            let rows = stmt
                .query_map([now_ms], row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(camp_of).collect()
        })
    }

    /// Camp `id` on this device's calendar, ended or not.
    pub fn camp(&self, id: &str) -> Result<Option<DeviceCamp>, StoreError> {
        self.read(|c| {
            let found = c
                .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
                .query_row([id], row)
                .optional()?;
            found.map(camp_of).transpose()
        })
    }

    /// Starts a camp nobody planned in `unit` (a village or ward whose pack is on this device):
    /// from now to the end of today in India, under an id made once here (`unplanned-` and a
    /// UUID), which the server shows as an unplanned camp.
    pub fn start_unplanned_camp(
        &self,
        unit: &LgdCode,
        venue: &str,
    ) -> Result<DeviceCamp, StoreError> {
        if self.unit(unit)?.is_none() {
            return Err(StoreError::UnitNotOnDevice);
        }
        let now = india_time::now_ms();
        let info = CampInfo {
            id: format!("unplanned-{}", uuid::Uuid::now_v7()),
            area_code: unit.to_string(),
            starts_at: now,
            ends_at: india_time::india_day_start(india_time::india_day(now) + 1),
            venue: venue.trim().to_owned(),
            units: vec![unit.to_string()],
        };
        self.write(|tx| {
            let units = serde_json::to_string(&info.units).map_err(|_| StoreError::Corrupt)?;
            tx.execute(
                "INSERT INTO camps(id, area_code, starts_at, ends_at, venue, units, unplanned)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
                params![
                    info.id,
                    info.area_code,
                    info.starts_at,
                    info.ends_at,
                    info.venue,
                    units
                ],
            )?;
            Ok(())
        })?;
        Ok(DeviceCamp {
            info,
            unplanned: true,
        })
    }
}
