//! Registrations on the device: drafts that survive restarts, and finalising, which checks the
//! form again, signs it with the device key and queues it, all in one transaction.

use super::{DeviceStore, StoreError, meta_get, meta_set, now_rfc3339, parse_rfc3339, rfc3339};
use crate::eligibility::RuleSet;
use crate::messages::Message;
use crate::occupation::OccupationList;
use crate::registration::{RegistrationForm, RegistrationState, RegistrationStatus, check_form};
use crate::samagra::Member;
use crate::wire::{RegistrationPayload, SignedRegistration};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A finalised registration's identity on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finalised {
    pub id: Uuid,
    pub device_seq: u64,
}

/// A registration as the device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub id: Uuid,
    pub form: RegistrationForm,
    pub status: RegistrationStatus,
    pub device_seq: Option<u64>,
    /// Why the server refused it, when it did (the record stays for fixing).
    pub refusal: Option<Vec<Message>>,
    pub created_at: String,
    pub finalised_at: Option<String>,
}

fn form_context(id: &Uuid) -> String {
    format!("registrations:form:{id}")
}

pub(super) fn signed_context(id: &Uuid) -> String {
    format!("registrations:signed:{id}")
}

impl DeviceStore {
    /// Saves a new draft; the operator can leave and come back to it.
    pub fn create_draft(&self, form: &RegistrationForm) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.write(|tx| {
            if !member_exists(tx, form.member_id.as_str())? {
                return Err(StoreError::MemberNotFound);
            }
            if active_registration(tx, form.member_id.as_str(), None)? {
                return Err(StoreError::AlreadyRegisteredOnDevice);
            }
            let now = now_rfc3339();
            tx.execute(
                "INSERT INTO registrations(id, member_id, state, form, created_at, updated_at)
                 VALUES (?1, ?2, 'draft', ?3, ?4, ?4)",
                params![
                    id.to_string(),
                    form.member_id.as_str(),
                    self.cipher.seal_json(&form_context(&id), form),
                    now
                ],
            )?;
            Ok(id)
        })
    }

    pub fn update_draft(&self, id: Uuid, form: &RegistrationForm) -> Result<(), StoreError> {
        self.write(|tx| {
            require_draft(tx, &id)?;
            if !member_exists(tx, form.member_id.as_str())? {
                return Err(StoreError::MemberNotFound);
            }
            tx.execute(
                "UPDATE registrations SET member_id = ?2, form = ?3, updated_at = ?4 WHERE id = ?1",
                params![
                    id.to_string(),
                    form.member_id.as_str(),
                    self.cipher.seal_json(&form_context(&id), form),
                    now_rfc3339()
                ],
            )?;
            Ok(())
        })
    }

    pub fn discard_draft(&self, id: Uuid) -> Result<(), StoreError> {
        self.write(|tx| {
            require_draft(tx, &id)?;
            tx.execute("DELETE FROM registrations WHERE id = ?1", [id.to_string()])?;
            Ok(())
        })
    }

    /// Warnings the operator must see before saving: e.g. the pack says the member is already
    /// registered on the server.
    pub fn registration_warnings(
        &self,
        form: &RegistrationForm,
    ) -> Result<Vec<Message>, StoreError> {
        self.read(|c| warnings(c, form))
    }

    /// Checks the form again (validation and eligibility with the pack's rules), then assigns
    /// the next device sequence number, signs and queues it, in one transaction. Warnings need
    /// `acknowledge_warnings`; problems come back as `FormProblems`, the draft unchanged.
    pub fn finalise(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        acknowledge_warnings: bool,
    ) -> Result<Finalised, StoreError> {
        self.write(|tx| {
            require_draft(tx, &id)?;
            let sealed: Vec<u8> =
                tx.query_row("SELECT form FROM registrations WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
            let mut form: RegistrationForm = self.cipher.open_json(&form_context(&id), &sealed)?;
            let (member, unit_code, rules) = self.member_for_form(tx, &form)?;
            let occupations = OccupationList::builtin();
            let checked = check_form(&form, &member, &occupations, &rules, crate::india_time::date_of(now)).map_err(StoreError::FormProblems)?;
            // A registration names a camp of the device's calendar or none: never a made-up id.
            if let Some(camp) = &form.camp_id {
                let known: Option<i64> = tx
                    .query_row("SELECT 1 FROM camps WHERE id = ?1", [camp], |r| r.get(0))
                    .optional()?;
                if known.is_none() {
                    return Err(StoreError::UnknownCamp);
                }
            }
            if active_registration(tx, form.member_id.as_str(), Some(&id))? {
                return Err(StoreError::AlreadyRegisteredOnDevice);
            }
            let warnings = warnings(tx, &form)?;
            if !warnings.is_empty() && !acknowledge_warnings {
                return Err(StoreError::NeedsConfirmation(warnings));
            }
            let seq = next_device_seq(tx)?;
            let created_at: String =
                tx.query_row("SELECT created_at FROM registrations WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
            let payload = RegistrationPayload {
                id,
                device_id: self.device_id().to_owned(),
                device_seq: seq as u64,
                member_id: member.member_id.clone(),
                family_id: member.family_id.clone(),
                unit_code,
                occupation_code: checked.occupation_code,
                occupations_version: occupations.version,
                rules_id: rules.id.clone(),
                rules_version: rules.version,
                mobile: checked.mobile,
                aadhaar_last4: checked.aadhaar_last4.clone(),
                bank_ifsc: checked.bank_ifsc,
                facts: form.facts.clone(),
                channel: form.channel,
                camp_id: form.camp_id.clone(),
                operator_id: form.operator_id.clone(),
                consent: form.consent,
                migrant: form.migrant.clone(),
                language: form.language,
                created_at: parse_rfc3339(&created_at).unwrap_or(now),
                finalised_at: now,
            };
            let signed = SignedRegistration::sign(&payload, &self.device_key);
            // From here on only the last four Aadhaar digits are kept, as the form promises.
            form.aadhaar = None;
            form.aadhaar_last4 = checked.aadhaar_last4;
            tx.execute(
                "UPDATE registrations SET state = 'queued', outbox = 'queued', device_seq = ?2, signed = ?3,
                    finalised_at = ?4, updated_at = ?4, form = ?5 WHERE id = ?1",
                params![
                    id.to_string(),
                    seq,
                    self.cipher.seal_json(&signed_context(&id), &signed),
                    rfc3339(now),
                    self.cipher.seal_json(&form_context(&id), &form)
                ],
            )?;
            Ok(Finalised { id, device_seq: seq as u64 })
        })
    }

    /// Puts a registration the server refused back into drafts under a new id (the server may
    /// hold the old id with other content), keeping the form so the operator can fix it.
    pub fn reopen_refused(&self, id: Uuid) -> Result<Uuid, StoreError> {
        self.write(|tx| {
            let outbox: Option<Option<String>> = tx
                .query_row("SELECT outbox FROM registrations WHERE id = ?1", [id.to_string()], |r| r.get(0))
                .optional()?;
            match outbox {
                None => return Err(StoreError::RegistrationNotFound),
                Some(o) if o.as_deref() != Some("refused") => return Err(StoreError::NotRefused),
                Some(_) => {}
            }
            let sealed: Vec<u8> =
                tx.query_row("SELECT form FROM registrations WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
            let form: RegistrationForm = self.cipher.open_json(&form_context(&id), &sealed)?;
            let new_id = Uuid::now_v7();
            tx.execute(
                "UPDATE registrations SET id = ?2, state = 'draft', outbox = NULL, device_seq = NULL, signed = NULL,
                    refusal = NULL, form = ?3, finalised_at = NULL, updated_at = ?4 WHERE id = ?1",
                params![id.to_string(), new_id.to_string(), self.cipher.seal_json(&form_context(&new_id), &form), now_rfc3339()],
            )?;
            Ok(new_id)
        })
    }

    pub fn registration(&self, id: Uuid) -> Result<Option<RegistrationView>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("{SELECT_VIEW} WHERE id = ?1"))?;
            let row = stmt
                .query_row([id.to_string()], |r| Ok(self.view_row(r)))
                .optional()?;
            row.transpose()
        })
    }

    /// Registrations on this device, newest first, optionally only those in `state`.
    pub fn registrations(
        &self,
        state: Option<RegistrationState>,
    ) -> Result<Vec<RegistrationView>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "{SELECT_VIEW} WHERE (?1 IS NULL OR state = ?1) ORDER BY created_at DESC, id DESC"
            ))?;
            let rows = stmt.query_map([state.map(|s| s.as_str())], |r| Ok(self.view_row(r)))?;
            rows.map(|r| r.map_err(StoreError::from).and_then(|v| v))
                .collect()
        })
    }

    fn view_row(&self, r: &rusqlite::Row<'_>) -> Result<RegistrationView, StoreError> {
        let id: String = r.get(0)?;
        let id = Uuid::parse_str(&id).map_err(|_| StoreError::Corrupt)?;
        let state: String = r.get(1)?;
        let sealed: Vec<u8> = r.get(3)?;
        let refusal: Option<String> = r.get(4)?;
        let duplicate_of: Option<String> = r.get(7)?;
        Ok(RegistrationView {
            id,
            form: self.cipher.open_json(&form_context(&id), &sealed)?,
            status: RegistrationStatus {
                state: RegistrationState::parse(&state).ok_or(StoreError::Corrupt)?,
                registration_number: r.get(5)?,
                reason: r.get(6)?,
                duplicate_of: duplicate_of.and_then(|d| Uuid::parse_str(&d).ok()),
            },
            device_seq: r.get::<_, Option<i64>>(2)?.map(|s| s as u64),
            refusal: refusal
                .map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(|_| StoreError::Corrupt)?,
            created_at: r.get(8)?,
            finalised_at: r.get(9)?,
        })
    }

    fn member_for_form(
        &self,
        tx: &Transaction<'_>,
        form: &RegistrationForm,
    ) -> Result<(Member, crate::validate::LgdCode, RuleSet), StoreError> {
        let row: Option<(String, Vec<u8>, String, u32)> = tx
            .query_row(
                "SELECT m.unit_code, m.sealed, u.rules_id, u.rules_version FROM members m JOIN units u ON u.code = m.unit_code
                 WHERE m.member_id = ?1",
                [form.member_id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let (unit, sealed, rules_id, rules_version) = row.ok_or(StoreError::MemberNotFound)?;
        let rules = rule_set(tx, &rules_id, rules_version)?;
        let member = super::sealed_member::open(&self.cipher, form.member_id.as_str(), &sealed)?;
        let unit = crate::validate::LgdCode::parse(&unit).map_err(|_| StoreError::Corrupt)?;
        Ok((member, unit, rules))
    }
}

/// Rule set `id` at `version`: built in, or carried by a pack this device imported.
pub(super) fn rule_set(c: &Connection, id: &str, version: u32) -> Result<RuleSet, StoreError> {
    match RuleSet::find(id, version) {
        Ok(r) => Ok(r),
        Err(unknown) => {
            let json: Option<String> = c
                .query_row(
                    "SELECT json FROM rule_sets WHERE id = ?1 AND version = ?2",
                    params![id, version],
                    |r| r.get(0),
                )
                .optional()?;
            match json {
                Some(j) => Ok(RuleSet::from_json(&j)?),
                None => Err(unknown.into()),
            }
        }
    }
}

impl DeviceStore {
    /// Rule set `id` at `version`, as finalise judges by it: built in, or carried by a pack.
    pub fn rules(&self, id: &str, version: u32) -> Result<RuleSet, StoreError> {
        self.read(|c| rule_set(c, id, version))
    }
}

const SELECT_VIEW: &str =
    "SELECT id, state, device_seq, form, refusal, registration_number, reason, duplicate_of,
    created_at, finalised_at FROM registrations";

/// The next device sequence number. Numbers are never reused, not even when a refused record
/// is reopened and so gives its number up: a number names one signed record, for good.
fn next_device_seq(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    let recorded = match meta_get(tx, "last_device_seq")? {
        Some(v) => std::str::from_utf8(&v)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or(StoreError::Corrupt)?,
        None => 0,
    };
    let held: i64 = tx.query_row(
        "SELECT coalesce(max(device_seq), 0) FROM registrations",
        [],
        |r| r.get(0),
    )?;
    let next = recorded.max(held) + 1;
    meta_set(tx, "last_device_seq", next.to_string().as_bytes())?;
    Ok(next)
}

fn member_exists(c: &Connection, member_id: &str) -> Result<bool, StoreError> {
    Ok(c.query_row(
        "SELECT 1 FROM members WHERE member_id = ?1",
        [member_id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// Another registration of the member on this device that still counts: finalised and not
/// rejected (a draft does not block a second draft; finalising checks again).
fn active_registration(
    c: &Connection,
    member_id: &str,
    except: Option<&Uuid>,
) -> Result<bool, StoreError> {
    let except = except.map(Uuid::to_string).unwrap_or_default();
    Ok(c.query_row(
        "SELECT 1 FROM registrations WHERE member_id = ?1 AND id != ?2
             AND state NOT IN ('draft', 'rejected') AND coalesce(outbox, '') != 'refused'",
        params![member_id, except],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

fn require_draft(c: &Connection, id: &Uuid) -> Result<(), StoreError> {
    let state: Option<String> = c
        .query_row(
            "SELECT state FROM registrations WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match state.as_deref() {
        None => Err(StoreError::RegistrationNotFound),
        Some("draft") => Ok(()),
        Some(_) => Err(StoreError::NotADraft),
    }
}

fn warnings(c: &Connection, form: &RegistrationForm) -> Result<Vec<Message>, StoreError> {
    let registered: Option<String> = c
        .query_row(
            "SELECT state FROM pack_registered WHERE member_id = ?1",
            [form.member_id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(registered
        .filter(|s| s != "rejected")
        // One whole sentence per state: a state code never appears inside a Hindi sentence.
        .map(|s| match s.as_str() {
            "pending_approval" => Message::new("registration.already_applied_in_pack"),
            _ => Message::new("registration.already_registered_in_pack"),
        })
        .into_iter()
        .collect())
}
