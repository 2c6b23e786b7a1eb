//! Camp pack import: a pack is verified before anything touches the store, then a unit's data
//! is replaced (full pack) or changed (delta) in one transaction, so a failed import leaves the
//! previous version usable.

use super::{DeviceStore, FieldCipher, StoreError, now_rfc3339};
use crate::keys::PublicKey;
use crate::location::Level;
use crate::pack::{self, PackBody, PackManifest, RegisteredMember};
use crate::samagra::{Family, Member};
use crate::validate::LgdCode;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub unit_code: LgdCode,
    pub from_version: Option<u64>,
    pub to_version: u64,
    pub was_delta: bool,
    pub families: u64,
    pub members: u64,
}

/// A unit (village or ward) held on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    pub code: LgdCode,
    pub level: Level,
    pub name_hi: String,
    pub name_en: String,
    pub version: u64,
    pub family_count: u64,
    pub member_count: u64,
    pub rules_id: String,
    pub rules_version: u32,
    pub occupations_version: u32,
    pub built_at: String,
    pub imported_at: String,
}

pub(super) fn level_text(level: Level) -> String {
    serde_json::to_value(level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse_level(text: &str) -> Result<Level, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt)
}

impl DeviceStore {
    /// Verifies a pack against the trusted server keys, then imports it atomically.
    pub fn import_pack(
        &self,
        bytes: &[u8],
        trusted: &[PublicKey],
    ) -> Result<ImportSummary, StoreError> {
        let verified = pack::verify(bytes, trusted)?;
        let manifest = verified.manifest;
        // A pack whose rules this app cannot evaluate is refused before anything changes: they
        // must be built in, or carried (signed) in the manifest itself, whole and valid.
        let carried =
            match crate::eligibility::RuleSet::find(&manifest.rules_id, manifest.rules_version) {
                Ok(_) => None,
                Err(unknown) => match &manifest.rules {
                    Some(r) if r.id == manifest.rules_id && r.version == manifest.rules_version => {
                        let json = serde_json::to_string(r).map_err(|_| StoreError::Corrupt)?;
                        crate::eligibility::RuleSet::from_json(&json)?;
                        Some(json)
                    }
                    _ => return Err(unknown.into()),
                },
            };
        self.write(|tx| {
            if let Some(json) = &carried {
                tx.execute(
                    "INSERT OR REPLACE INTO rule_sets(id, version, json) VALUES (?1, ?2, ?3)",
                    params![manifest.rules_id, manifest.rules_version, json],
                )?;
            }
            let have = unit_version(tx, &manifest.unit_code)?;
            let summary = match verified.body {
                PackBody::Full(contents) => {
                    if let Some(have) = have
                        && have > manifest.version
                    {
                        return Err(StoreError::StalePack {
                            have,
                            offered: manifest.version,
                        });
                    }
                    upsert_unit(tx, &manifest)?;
                    clear_unit(tx, &manifest.unit_code)?;
                    for f in &contents.families {
                        put_family(tx, &self.cipher, f)?;
                    }
                    for m in &contents.members {
                        put_member(tx, &self.cipher, m, &manifest.unit_code)?;
                    }
                    for r in &contents.registered {
                        put_registered(tx, r, &manifest.unit_code)?;
                    }
                    ImportSummary {
                        unit_code: manifest.unit_code.clone(),
                        from_version: have,
                        to_version: manifest.version,
                        was_delta: false,
                        families: contents.families.len() as u64,
                        members: contents.members.len() as u64,
                    }
                }
                PackBody::Delta(delta) => {
                    let need = manifest.base_version.unwrap_or_default();
                    if have != Some(need) {
                        let have = have.map_or_else(|| "none".to_owned(), |v| v.to_string());
                        return Err(StoreError::WrongBaseVersion { have, need });
                    }
                    let unit = manifest.unit_code.as_str();
                    for id in &delta.removed_members {
                        delete_member(tx, id.as_str(), unit)?;
                    }
                    for id in &delta.removed_families {
                        delete_family(tx, id.as_str(), unit)?;
                    }
                    for f in &delta.upsert_families {
                        put_family(tx, &self.cipher, f)?;
                    }
                    for m in &delta.upsert_members {
                        put_member(tx, &self.cipher, m, &manifest.unit_code)?;
                    }
                    // Only this unit's entries: a delta never touches another unit's.
                    for id in &delta.removed_registered {
                        tx.execute(
                            "DELETE FROM pack_registered WHERE member_id = ?1 AND unit_code = ?2",
                            params![id.as_str(), unit],
                        )?;
                    }
                    for r in &delta.upsert_registered {
                        put_registered(tx, r, &manifest.unit_code)?;
                    }
                    upsert_unit(tx, &manifest)?;
                    ImportSummary {
                        unit_code: manifest.unit_code.clone(),
                        from_version: have,
                        to_version: manifest.version,
                        was_delta: true,
                        families: (delta.upsert_families.len() + delta.removed_families.len())
                            as u64,
                        members: (delta.upsert_members.len() + delta.removed_members.len()) as u64,
                    }
                }
            };
            // Counts always describe what the device now holds, whichever kind of pack came.
            tx.execute(
                "UPDATE units SET
                    family_count = (SELECT count(*) FROM families WHERE unit_code = ?1),
                    member_count = (SELECT count(*) FROM members WHERE unit_code = ?1)
                 WHERE code = ?1",
                [manifest.unit_code.as_str()],
            )?;
            Ok(summary)
        })
    }

    /// Every unit on the device with its pack version and counts.
    pub fn units(&self) -> Result<Vec<UnitInfo>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT code, level, name_hi, name_en, version, family_count, member_count, rules_id,
                        rules_version, occupations_version, built_at, imported_at
                 FROM units ORDER BY name_en",
            )?;
            let rows = stmt.query_map([], unit_row)?;
            rows.map(|r| r.map_err(StoreError::from).and_then(|r| r)).collect()
        })
    }

    /// One unit, if its pack is on the device.
    pub fn unit(&self, code: &LgdCode) -> Result<Option<UnitInfo>, StoreError> {
        self.read(|c| unit_info(c, code))
    }
}

pub(super) fn unit_info(c: &Connection, code: &LgdCode) -> Result<Option<UnitInfo>, StoreError> {
    c.query_row(
        "SELECT code, level, name_hi, name_en, version, family_count, member_count, rules_id,
                rules_version, occupations_version, built_at, imported_at
         FROM units WHERE code = ?1",
        [code.as_str()],
        unit_row,
    )
    .optional()?
    .transpose()
}

fn unit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<UnitInfo, StoreError>> {
    let code: String = r.get(0)?;
    let level: String = r.get(1)?;
    Ok((|| {
        Ok(UnitInfo {
            code: LgdCode::parse(&code).map_err(|_| StoreError::Corrupt)?,
            level: parse_level(&level)?,
            name_hi: r.get(2)?,
            name_en: r.get(3)?,
            version: r.get::<_, i64>(4)? as u64,
            family_count: r.get::<_, i64>(5)? as u64,
            member_count: r.get::<_, i64>(6)? as u64,
            rules_id: r.get(7)?,
            rules_version: r.get(8)?,
            occupations_version: r.get(9)?,
            built_at: r.get(10)?,
            imported_at: r.get(11)?,
        })
    })())
}

fn unit_version(tx: &Transaction<'_>, code: &LgdCode) -> Result<Option<u64>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT version FROM units WHERE code = ?1",
            [code.as_str()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .map(|v| v as u64))
}

fn upsert_unit(tx: &Transaction<'_>, m: &PackManifest) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO units(code, level, name_hi, name_en, version, family_count, member_count, rules_id,
                           rules_version, occupations_version, signing_key_id, built_at, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(code) DO UPDATE SET level = excluded.level, name_hi = excluded.name_hi,
            name_en = excluded.name_en, version = excluded.version, rules_id = excluded.rules_id,
            rules_version = excluded.rules_version, occupations_version = excluded.occupations_version,
            signing_key_id = excluded.signing_key_id, built_at = excluded.built_at,
            imported_at = excluded.imported_at",
        params![
            m.unit_code.as_str(),
            level_text(m.unit_level),
            m.unit_name_hi,
            m.unit_name_en,
            m.version as i64,
            m.rules_id,
            m.rules_version,
            m.occupations_version,
            m.signing_key_id,
            m.built_at,
            now_rfc3339(),
        ],
    )?;
    Ok(())
}

fn clear_unit(tx: &Transaction<'_>, code: &LgdCode) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM name_tokens WHERE unit_code = ?1",
        "DELETE FROM members WHERE unit_code = ?1",
        "DELETE FROM families WHERE unit_code = ?1",
        "DELETE FROM pack_registered WHERE unit_code = ?1",
    ] {
        tx.execute(sql, [code.as_str()])?;
    }
    Ok(())
}

/// Removes a member of `unit` and their search tokens; a delta signed for one unit never
/// reaches into another.
fn delete_member(tx: &Transaction<'_>, id: &str, unit: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM name_tokens WHERE member_id = ?1 AND unit_code = ?2",
        [id, unit],
    )?;
    tx.execute(
        "DELETE FROM members WHERE member_id = ?1 AND unit_code = ?2",
        [id, unit],
    )?;
    Ok(())
}

/// Removes a family of `unit` with every member still filed under it.
fn delete_family(tx: &Transaction<'_>, id: &str, unit: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM name_tokens WHERE unit_code = ?2
            AND member_id IN (SELECT member_id FROM members WHERE family_id = ?1)",
        [id, unit],
    )?;
    tx.execute(
        "DELETE FROM members WHERE family_id = ?1 AND unit_code = ?2",
        [id, unit],
    )?;
    tx.execute(
        "DELETE FROM families WHERE family_id = ?1 AND unit_code = ?2",
        [id, unit],
    )?;
    Ok(())
}

fn put_family(tx: &Transaction<'_>, cipher: &FieldCipher, f: &Family) -> Result<(), StoreError> {
    let id = f.family_id.as_str();
    tx.prepare_cached(
        "INSERT INTO families(family_id, unit_code, head_member_id, sealed) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(family_id) DO UPDATE SET unit_code = excluded.unit_code,
            head_member_id = excluded.head_member_id, sealed = excluded.sealed",
    )?
    .execute(params![
        id,
        f.unit_code.as_str(),
        f.head_member_id.as_str(),
        cipher.seal_json(&format!("families:{id}"), f)
    ])?;
    Ok(())
}

/// Short prefixes of each key are indexed too, so a name typed half-way finds its people.
pub(super) const PREFIX_LENGTHS: [usize; 2] = [2, 3];

pub(super) fn index_keys(member: &Member) -> Vec<String> {
    let mut keys = crate::names::search_tokens(&member.name_en);
    for k in crate::names::search_tokens(&member.name_hi) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut out = Vec::with_capacity(keys.len() * 3);
    for k in &keys {
        out.push(format!("k:{k}"));
        for n in PREFIX_LENGTHS {
            if k.len() > n {
                let p = format!("p:{}", &k[..n]);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    out
}

fn put_member(
    tx: &Transaction<'_>,
    cipher: &FieldCipher,
    m: &Member,
    unit: &LgdCode,
) -> Result<(), StoreError> {
    let id = m.member_id.as_str();
    tx.prepare_cached("DELETE FROM name_tokens WHERE member_id = ?1")?
        .execute([id])?;
    tx.prepare_cached(
        "INSERT INTO members(member_id, family_id, unit_code, sealed) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(member_id) DO UPDATE SET family_id = excluded.family_id,
            unit_code = excluded.unit_code, sealed = excluded.sealed",
    )?
    .execute(params![
        id,
        m.family_id.as_str(),
        unit.as_str(),
        super::sealed_member::seal(cipher, m)
    ])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO name_tokens(token, member_id, unit_code) VALUES (?1, ?2, ?3)",
    )?;
    for key in index_keys(m) {
        insert.execute(params![cipher.token(&key), id, unit.as_str()])?;
    }
    Ok(())
}

fn put_registered(
    tx: &Transaction<'_>,
    r: &RegisteredMember,
    unit: &LgdCode,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO pack_registered(member_id, unit_code, state, registration_number) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(member_id) DO UPDATE SET unit_code = excluded.unit_code, state = excluded.state,
            registration_number = excluded.registration_number",
    )?
    .execute(params![r.member_id.as_str(), unit.as_str(), r.state.as_str(), r.registration_number])?;
    Ok(())
}
