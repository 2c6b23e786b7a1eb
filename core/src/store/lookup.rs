//! Look-ups for the camp: a member by Samagra ID, a whole family, name search over the blind
//! index, and the families of a village or ward. All run on the reader connection.

use super::import::PREFIX_LENGTHS;
use super::{DeviceStore, StoreError};
use crate::registration::RegistrationState;
use crate::samagra::{Family, Member};
use crate::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// A member as the camp sees them: the Samagra record and what is known of their registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub member: Member,
    pub unit_code: LgdCode,
    /// Per the pack (or later status pulls): the server already holds a registration.
    pub registered_state: Option<RegistrationState>,
    pub registration_number: Option<String>,
    /// This device's registration of the member, if any (the newest).
    pub device_registration: Option<(Uuid, RegistrationState)>,
}

/// A family with all its members, the head first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyView {
    pub family: Family,
    pub members: Vec<MemberView>,
}

/// A name-search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub member: MemberView,
    /// 0.0 to 1.0 (see `names::similarity`).
    pub score: f32,
}

/// A member with its pack entry and this device's newest registration, by member ID.
const MEMBER_VIEW_SQL: &str =
    "SELECT m.unit_code, m.sealed, p.state, p.registration_number, r.id, r.state
     FROM members m
     LEFT JOIN pack_registered p ON p.member_id = m.member_id
     LEFT JOIN registrations r ON r.id = (
         SELECT id FROM registrations WHERE member_id = m.member_id
         ORDER BY created_at DESC LIMIT 1)
     WHERE m.member_id = ?1";

impl DeviceStore {
    pub fn member(&self, id: &SamagraMemberId) -> Result<Option<MemberView>, StoreError> {
        self.read(|c| self.member_view(c, id.as_str()))
    }

    pub fn family(&self, id: &SamagraFamilyId) -> Result<Option<FamilyView>, StoreError> {
        self.read(|c| self.family_view(c, id.as_str()))
    }

    /// The whole family of a member: what the operator sees after typing a member ID.
    pub fn family_of_member(&self, id: &SamagraMemberId) -> Result<Option<FamilyView>, StoreError> {
        self.read(|c| {
            let family: Option<String> = c
                .query_row(
                    "SELECT family_id FROM members WHERE member_id = ?1",
                    [id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            match family {
                Some(f) => self.family_view(c, &f),
                None => Ok(None),
            }
        })
    }

    /// Families of a village or ward, in family-ID order.
    pub fn families_in_unit(&self, unit: &LgdCode) -> Result<Vec<FamilyView>, StoreError> {
        self.read(|c| {
            let ids: Vec<String> = c
                .prepare_cached(
                    "SELECT family_id FROM families WHERE unit_code = ?1 ORDER BY family_id",
                )?
                .query_map([unit.as_str()], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(self.family_view(c, &id)?);
            }
            Ok(out)
        })
    }

    /// Name search in Devanagari or Latin that tolerates spelling variants: every word of the
    /// query must match a word of the name (by phonetic key, or key prefix for a short word);
    /// results ranked by similarity, best first.
    pub fn search_names(
        &self,
        query: &str,
        unit: Option<&LgdCode>,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let keys = crate::names::search_tokens(query);
        if keys.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        self.read(|c| {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for key in &keys {
                let mut tokens = vec![self.cipher.token(&format!("k:{key}"))];
                // A short word may be a name typed half-way: match on its prefix too.
                if PREFIX_LENGTHS.contains(&key.len()) {
                    tokens.push(self.cipher.token(&format!("p:{key}")));
                }
                let mut matched: Vec<String> = Vec::new();
                for token in tokens {
                    let mut stmt = c.prepare_cached(
                        "SELECT member_id FROM name_tokens WHERE token = ?1 AND (?2 IS NULL OR unit_code = ?2)",
                    )?;
                    let rows = stmt.query_map(rusqlite::params![token, unit.map(|u| u.as_str())], |r| r.get(0))?;
                    for id in rows {
                        matched.push(id?);
                    }
                }
                matched.sort();
                matched.dedup();
                for id in matched {
                    *counts.entry(id).or_default() += 1;
                }
            }
            let mut hits = Vec::new();
            for (id, n) in counts {
                if n < keys.len() {
                    continue;
                }
                if let Some(view) = self.member_view(c, &id)? {
                    let score = crate::names::similarity(query, &view.member.name_en)
                        .max(crate::names::similarity(query, &view.member.name_hi));
                    hits.push(SearchHit { member: view, score });
                }
            }
            hits.sort_by(|a, b| {
                b.score.total_cmp(&a.score).then_with(|| a.member.member.member_id.cmp(&b.member.member.member_id))
            });
            hits.truncate(limit);
            Ok(hits)
        })
    }

    /// One statement for the member, its pack entry and this device's newest registration:
    /// the three point queries it replaced were most of a look-up's time (issue 17).
    fn member_view(&self, c: &Connection, id: &str) -> Result<Option<MemberView>, StoreError> {
        let mut stmt = c.prepare_cached(MEMBER_VIEW_SQL)?;
        let row = stmt
            .query_row([id], |r| {
                // Opened from SQLite's own buffer: the sealed bytes are copied once, to decrypt.
                let sealed = r.get_ref(1)?.as_blob()?;
                let member = super::sealed_member::open(&self.cipher, id, sealed);
                Ok((
                    member,
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .optional()?;
        let Some((member, unit, registered_state, registration_number, device_id, device_state)) =
            row
        else {
            return Ok(None);
        };
        let device_registration = match (device_id, device_state) {
            (Some(rid), Some(s)) => Some((
                Uuid::parse_str(&rid).map_err(|_| StoreError::Corrupt)?,
                RegistrationState::parse(&s).ok_or(StoreError::Corrupt)?,
            )),
            _ => None,
        };
        Ok(Some(MemberView {
            member: member?,
            unit_code: LgdCode::parse(&unit).map_err(|_| StoreError::Corrupt)?,
            registered_state: registered_state
                .as_deref()
                .and_then(RegistrationState::parse),
            registration_number,
            device_registration,
        }))
    }

    fn family_view(
        &self,
        c: &Connection,
        family_id: &str,
    ) -> Result<Option<FamilyView>, StoreError> {
        let sealed: Option<Vec<u8>> = c
            .prepare_cached("SELECT sealed FROM families WHERE family_id = ?1")?
            .query_row([family_id], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let family: Family = self
            .cipher
            .open_json(&format!("families:{family_id}"), &sealed)?;
        let ids: Vec<String> = c
            .prepare_cached(
                "SELECT member_id FROM members WHERE family_id = ?1 ORDER BY member_id",
            )?
            .query_map([family_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut members = Vec::with_capacity(ids.len());
        for id in ids {
            members.extend(self.member_view(c, &id)?);
        }
        members.sort_by_key(|m| m.member.member_id != family.head_member_id);
        Ok(Some(FamilyView { family, members }))
    }
}

#[cfg(test)]
mod tests {
    use super::MEMBER_VIEW_SQL;
    use crate::store::schema::MIGRATIONS;

    #[test]
    fn a_member_look_up_is_index_searches_only() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS {
            c.execute_batch(sql).unwrap();
        }
        let plan: Vec<String> = c
            .prepare(&format!("EXPLAIN QUERY PLAN {MEMBER_VIEW_SQL}"))
            .unwrap()
            .query_map(["123456789"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // A sort or a scan here costs more than the rest of the look-up (issue 17).
        assert!(
            plan.iter()
                .all(|step| !step.contains("TEMP B-TREE") && !step.starts_with("SCAN")),
            "{plan:?}"
        );
    }
}
