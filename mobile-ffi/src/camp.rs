//! `CampStore`: the device store, its look-ups, registrations and sync, as one object for
//! Kotlin. Safe to call from several threads: each call takes the store out of a short lock
//! and works on it outside, so a long sync never blocks a look-up; after `close` every call
//! fails with `Closed`.

use crate::error::{PanjiyanError, lang};
use crate::records::*;
use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{
    ApplicantFacts, Channel, MigrantDetails, RegistrationForm, RegistrationState, WorkArea,
    check_form, reject_reason_text,
};
use panjiyan_core::store::{DeviceCamp, DeviceStore, MemberView, StoreError};
use panjiyan_core::sync::{SyncClient, SyncConfig};
use panjiyan_core::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// Progress of a long job; return false to cancel it.
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, done: u64, total: u64) -> bool;
}

#[derive(uniffi::Object)]
pub struct CampStore {
    store: Mutex<Option<Arc<DeviceStore>>>,
    downloads: PathBuf,
}

impl std::fmt::Debug for CampStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CampStore").finish_non_exhaustive()
    }
}

fn text_of(s: impl serde::Serialize) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn member_record(v: MemberView) -> Member {
    let today = panjiyan_core::india_time::today();
    let m = v.member;
    Member {
        member_id: m.member_id.to_string(),
        family_id: m.family_id.to_string(),
        unit_code: v.unit_code.to_string(),
        age: m.birth.age_on(today),
        birth_year: m.birth.year,
        birth_estimated: m.birth.is_estimated(),
        gender: text_of(m.gender),
        relation: text_of(m.relation),
        name_hi: m.name_hi,
        name_en: m.name_en,
        guardian_name_hi: m.guardian_name_hi,
        guardian_name_en: m.guardian_name_en,
        registered_state: v.registered_state.map(|s| s.as_str().to_owned()),
        registration_number: v.registration_number,
        device_registration_id: v.device_registration.map(|(id, _)| id.to_string()),
        device_registration_state: v.device_registration.map(|(_, s)| s.as_str().to_owned()),
    }
}

fn member_id(id: &str) -> Result<SamagraMemberId, PanjiyanError> {
    SamagraMemberId::parse(id).map_err(|e| PanjiyanError::invalid(e.to_string()))
}

fn uuid(id: &str) -> Result<uuid::Uuid, PanjiyanError> {
    uuid::Uuid::parse_str(id).map_err(|_| PanjiyanError::invalid("not a registration id"))
}

fn facts(f: &Facts) -> ApplicantFacts {
    ApplicantFacts {
        government_servant: f.government_servant,
        income_tax_payer: f.income_tax_payer,
        epfo_esic_member: f.epfo_esic_member,
        land_ares: f.land_ares,
        irrigated_land_ares: f.irrigated_land_ares,
    }
}

fn camp_day(c: DeviceCamp, now_ms: i64) -> CampDay {
    use panjiyan_core::india_time::{date_time, india_day};
    let today = india_day(now_ms);
    CampDay {
        today: india_day(c.info.starts_at) <= today && today <= india_day(c.info.ends_at - 1),
        starts: date_time(c.info.starts_at),
        ends: date_time(c.info.ends_at),
        id: c.info.id,
        area_code: c.info.area_code,
        venue: c.info.venue,
        units: c.info.units,
        unplanned: c.unplanned,
    }
}

/// The rule set named by the pack of `unit`, at its version: the one finalise judges by.
fn rules_of(store: &DeviceStore, unit: &LgdCode) -> Result<RuleSet, PanjiyanError> {
    let unit = store.unit(unit)?.ok_or(StoreError::MemberNotFound)?;
    Ok(store.rules(&unit.rules_id, unit.rules_version)?)
}

fn form(f: Form) -> Result<RegistrationForm, PanjiyanError> {
    Ok(RegistrationForm {
        member_id: member_id(&f.member_id)?,
        occupation_code: f.occupation_code,
        mobile: f.mobile,
        aadhaar: f.aadhaar,
        aadhaar_last4: f.aadhaar_last4,
        bank_ifsc: f.bank_ifsc,
        facts: facts(&f.facts),
        channel: match f.channel.as_str() {
            "camp" => Channel::Camp,
            "service_centre" => Channel::ServiceCentre,
            "self_registered" => Channel::SelfRegistered,
            _ => {
                return Err(PanjiyanError::invalid(
                    "channel must be camp, service_centre or self_registered",
                ));
            }
        },
        camp_id: f.camp_id,
        operator_id: f.operator_id,
        consent: f.consent,
        migrant: f.migrant.map(migrant_details).transpose()?,
        language: lang(&f.language),
    })
}

fn migrant_details(m: Migrant) -> Result<MigrantDetails, PanjiyanError> {
    let willing_to_work = match m.willing_to_work.as_deref() {
        None | Some("") => None,
        Some(text) => Some(WorkArea::parse(text).ok_or_else(|| {
            PanjiyanError::invalid("willing_to_work must be block, district or state")
        })?),
    };
    Ok(MigrantDetails {
        state_worked_in: m.state_worked_in,
        district_or_city: m.district_or_city,
        trade_code: m.trade_code,
        months_away: m.months_away,
        returned_on: m.returned_on,
        experience_years: m.experience_years,
        certificate: m.certificate,
        willing_to_work,
        job_consent: m.job_consent,
        ..Default::default()
    })
}

fn form_record(f: RegistrationForm) -> Form {
    Form {
        member_id: f.member_id.to_string(),
        occupation_code: f.occupation_code,
        mobile: f.mobile,
        aadhaar: f.aadhaar,
        aadhaar_last4: f.aadhaar_last4,
        bank_ifsc: f.bank_ifsc,
        facts: Facts {
            government_servant: f.facts.government_servant,
            income_tax_payer: f.facts.income_tax_payer,
            epfo_esic_member: f.facts.epfo_esic_member,
            land_ares: f.facts.land_ares,
            irrigated_land_ares: f.facts.irrigated_land_ares,
        },
        channel: text_of(f.channel),
        camp_id: f.camp_id,
        operator_id: f.operator_id,
        consent: f.consent,
        migrant: f.migrant.map(|m| Migrant {
            state_worked_in: m.state_worked_in,
            district_or_city: m.district_or_city,
            trade_code: m.trade_code,
            months_away: m.months_away,
            returned_on: m.returned_on,
            experience_years: m.experience_years,
            certificate: m.certificate,
            willing_to_work: m.willing_to_work.map(|w| w.as_str().to_owned()),
            job_consent: m.job_consent,
        }),
        language: text_of(f.language),
    }
}

impl CampStore {
    fn store(&self) -> Result<Arc<DeviceStore>, PanjiyanError> {
        self.store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(PanjiyanError::closed)
    }

    fn client(&self, store: &DeviceStore) -> Result<SyncClient, PanjiyanError> {
        let enrolment = store.enrolment()?.ok_or(PanjiyanError::Refused {
            code: "not_enrolled".into(),
            detail: "this device is not enrolled yet".into(),
        })?;
        Ok(SyncClient::new(SyncConfig::new(
            &enrolment.server_url,
            self.downloads.clone(),
        ))?)
    }
}

#[uniffi::export]
impl CampStore {
    /// Opens (or creates) the store at `path` with the app's 32-byte key.
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> Result<Arc<Self>, PanjiyanError> {
        let store = DeviceStore::open(&path, &key)?;
        Ok(Arc::new(Self {
            store: Mutex::new(Some(Arc::new(store))),
            downloads: PathBuf::from(format!("{path}.downloads")),
        }))
    }

    /// Closes the database now; calls after this fail with `Closed`. (Kotlin's `close()`,
    /// from AutoCloseable, also frees the object itself.)
    pub fn close_store(&self) {
        self.store.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    pub fn device_id(&self) -> Result<String, PanjiyanError> {
        Ok(self.store()?.device_id().to_owned())
    }

    /// Signs in as a secretary or operator and enrols this device with the server.
    pub fn enrol(
        &self,
        server_url: String,
        username: String,
        password: String,
    ) -> Result<Enrolment, PanjiyanError> {
        let store = self.store()?;
        let client = SyncClient::new(SyncConfig::new(&server_url, self.downloads.clone()))?;
        let e = client.enrol(&store, &username, &password)?;
        Ok(Enrolment {
            device_id: store.device_id().to_owned(),
            jurisdiction: e.jurisdiction,
            server_url: e.server_url,
        })
    }

    /// The units this device may download, with pack sizes and versions.
    pub fn units(&self) -> Result<Vec<CampUnit>, PanjiyanError> {
        let store = self.store()?;
        Ok(self
            .client(&store)?
            .units(&store)?
            .into_iter()
            .map(|u| CampUnit {
                needs_download: u.needs_download(),
                code: u.code,
                level: u.level,
                name_hi: u.name_hi,
                name_en: u.name_en,
                server_version: u.pack_version,
                pack_bytes: u.pack_bytes,
                local_version: u.local_version,
            })
            .collect())
    }

    /// Downloads (or updates) one unit's pack, reporting bytes; the listener cancels by
    /// returning false (nothing of it is kept). A download cut by the network is kept sealed
    /// in the store and resumes next time.
    pub fn download(
        &self,
        unit_code: String,
        listener: Arc<dyn ProgressListener>,
    ) -> Result<Option<LocalUnit>, PanjiyanError> {
        let store = self.store()?;
        let client = self.client(&store)?;
        let unit = client
            .units(&store)?
            .into_iter()
            .find(|u| u.code == unit_code)
            .ok_or(PanjiyanError::NotFound {
                code: "unit_not_found".into(),
            })?;
        let cancel = AtomicBool::new(false);
        let progress = |done: u64, total: u64| {
            if !listener.on_progress(done, total) {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        };
        client.download(&store, &unit, &progress, &cancel)?;
        Ok(self
            .local_units()?
            .into_iter()
            .find(|u| u.code == unit_code))
    }

    /// What the device holds: each unit's version and when it was imported.
    /// The camps of this phone's calendar that have not ended, soonest first: the operator
    /// starts today's camp from these.
    pub fn camps(&self) -> Result<Vec<CampDay>, PanjiyanError> {
        let now = panjiyan_core::india_time::now_ms();
        Ok(self
            .store()?
            .camps(now)?
            .into_iter()
            .map(|c| camp_day(c, now))
            .collect())
    }

    /// Starts a camp nobody planned in village or ward `unit_code` (its pack must be on the
    /// phone), from now to the end of today; registrations made there carry its id.
    pub fn start_unplanned_camp(
        &self,
        unit_code: String,
        venue: String,
    ) -> Result<CampDay, PanjiyanError> {
        let unit = LgdCode::parse(&unit_code)
            .map_err(|_| PanjiyanError::invalid("unit_code must be an LGD code of digits"))?;
        let camp = self.store()?.start_unplanned_camp(&unit, &venue)?;
        Ok(camp_day(camp, panjiyan_core::india_time::now_ms()))
    }

    /// The offers of work to member `member_id` this phone holds (from the last sync), newest
    /// first, each with the answer given here.
    pub fn offers(&self, member_id: String) -> Result<Vec<JobOffer>, PanjiyanError> {
        Ok(self
            .store()?
            .offers_for_member(member_id.trim())?
            .into_iter()
            .map(job_offer)
            .collect())
    }

    /// Records the worker's answer to offer `offer_id` (accept or decline) on this phone; the
    /// next sync carries it. An offer answered here once cannot be answered again.
    pub fn answer_offer(&self, offer_id: String, accept: bool) -> Result<(), PanjiyanError> {
        self.store()?
            .answer_offer(&offer_id, accept, panjiyan_core::india_time::now_utc())?;
        Ok(())
    }

    pub fn local_units(&self) -> Result<Vec<LocalUnit>, PanjiyanError> {
        Ok(self
            .store()?
            .units()?
            .into_iter()
            .map(|u| LocalUnit {
                code: u.code.to_string(),
                name_hi: u.name_hi,
                name_en: u.name_en,
                version: u.version,
                members: u.member_count,
                imported_at: u.imported_at,
            })
            .collect())
    }

    pub fn member(&self, member_id_text: String) -> Result<Option<Member>, PanjiyanError> {
        Ok(self
            .store()?
            .member(&member_id(&member_id_text)?)?
            .map(member_record))
    }

    /// The whole family of a member (9 digits) or of a family ID (8 digits), head first.
    pub fn family(&self, id: String) -> Result<Option<Family>, PanjiyanError> {
        let store = self.store()?;
        let view = match id.trim().len() {
            8 => store.family(
                &SamagraFamilyId::parse(&id).map_err(|e| PanjiyanError::invalid(e.to_string()))?,
            )?,
            _ => store.family_of_member(&member_id(&id)?)?,
        };
        Ok(view.map(|f| Family {
            family_id: f.family.family_id.to_string(),
            address_hi: f.family.address_hi,
            address_en: f.family.address_en,
            members: f.members.into_iter().map(member_record).collect(),
        }))
    }

    /// Name search in Devanagari or Latin, tolerant of spelling variants, best first.
    pub fn search(
        &self,
        query: String,
        unit_code: Option<String>,
        limit: u32,
    ) -> Result<Vec<SearchHit>, PanjiyanError> {
        let unit = unit_code
            .map(|c| LgdCode::parse(&c))
            .transpose()
            .map_err(|e| PanjiyanError::invalid(e.to_string()))?;
        Ok(self
            .store()?
            .search_names(&query, unit.as_ref(), limit as usize)?
            .into_iter()
            .map(|h| SearchHit {
                score: h.score,
                member: member_record(h.member),
            })
            .collect())
    }

    /// The eligibility of a member with the given declarations, each failed rule named.
    pub fn check_eligibility(
        &self,
        member_id_text: String,
        declared: Facts,
    ) -> Result<Eligibility, PanjiyanError> {
        let store = self.store()?;
        let view = store
            .member(&member_id(&member_id_text)?)?
            .ok_or(PanjiyanError::NotFound {
                code: "member_not_found".into(),
            })?;
        let e = rules_of(&store, &view.unit_code)?.evaluate(
            &view.member.birth,
            &facts(&declared),
            panjiyan_core::india_time::today(),
        );
        Ok(Eligibility {
            eligible: e.eligible,
            failed: e.failed.iter().map(|f| (&f.message).into()).collect(),
            doubtful: e.doubtful.iter().map(|f| (&f.message).into()).collect(),
        })
    }

    /// The occupation list, sorted by its name in `language` (hi or en), filtered by `query`.
    pub fn occupations(&self, query: String, language: String) -> Vec<Occupation> {
        let list = OccupationList::builtin();
        let lang = if language == "en" { Lang::En } else { Lang::Hi };
        list.search(&query, lang)
            .into_iter()
            .map(|o| Occupation {
                code: o.code.clone(),
                name_hi: o.name_hi.clone(),
                name_en: o.name_en.clone(),
            })
            .collect()
    }

    pub fn create_draft(&self, draft: Form) -> Result<String, PanjiyanError> {
        Ok(self.store()?.create_draft(&form(draft)?)?.to_string())
    }

    pub fn update_draft(&self, id: String, draft: Form) -> Result<(), PanjiyanError> {
        Ok(self.store()?.update_draft(uuid(&id)?, &form(draft)?)?)
    }

    /// The form of a registration on this device (a draft to go on with after the app was
    /// killed, or a refused one being fixed).
    pub fn registration_form(&self, id: String) -> Result<Option<Form>, PanjiyanError> {
        Ok(self
            .store()?
            .registration(uuid(&id)?)?
            .map(|r| form_record(r.form)))
    }

    /// Every problem of a form as the operator types it, with the same checks and texts as
    /// `finalise` (validation and eligibility), without saving anything.
    pub fn form_problems(&self, draft: Form) -> Result<Vec<Problem>, PanjiyanError> {
        let form = form(draft)?;
        let store = self.store()?;
        let view = store
            .member(&form.member_id)?
            .ok_or(PanjiyanError::NotFound {
                code: "member_not_found".into(),
            })?;
        // The rules of the member's pack, as finalise uses them.
        let rules = rules_of(&store, &view.unit_code)?;
        let problems = check_form(
            &form,
            &view.member,
            &OccupationList::builtin(),
            &rules,
            panjiyan_core::india_time::today(),
        )
        .err()
        .unwrap_or_default();
        Ok(problems.into_iter().map(Into::into).collect())
    }

    /// Puts a registration the server refused back into drafts (under a new id, returned)
    /// so that the operator can fix and save it again.
    pub fn reopen_refused(&self, id: String) -> Result<String, PanjiyanError> {
        Ok(self.store()?.reopen_refused(uuid(&id)?)?.to_string())
    }

    pub fn discard_draft(&self, id: String) -> Result<(), PanjiyanError> {
        Ok(self.store()?.discard_draft(uuid(&id)?)?)
    }

    /// Checks, signs and queues the draft; problems and warnings come back as errors.
    pub fn finalise(
        &self,
        id: String,
        acknowledge_warnings: bool,
    ) -> Result<Finalised, PanjiyanError> {
        let done = self.store()?.finalise(
            uuid(&id)?,
            panjiyan_core::india_time::now_utc(),
            acknowledge_warnings,
        )?;
        Ok(Finalised {
            id: done.id.to_string(),
            device_seq: done.device_seq,
        })
    }

    pub fn outbox(&self) -> Result<OutboxStats, PanjiyanError> {
        let s = self.store()?.outbox_stats()?;
        Ok(OutboxStats {
            queued: s.queued,
            refused: s.refused,
            oldest_queued_at: s.oldest_queued_at.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
        })
    }

    /// Registrations on this device, newest first, optionally of one state.
    pub fn registrations(&self, state: Option<String>) -> Result<Vec<Registration>, PanjiyanError> {
        let state = state
            .map(|s| {
                RegistrationState::parse(&s)
                    .ok_or_else(|| PanjiyanError::invalid("unknown registration state"))
            })
            .transpose()?;
        Ok(self
            .store()?
            .registrations(state)?
            .into_iter()
            .map(|r| Registration {
                id: r.id.to_string(),
                member_id: r.form.member_id.to_string(),
                state: r.status.state.as_str().to_owned(),
                registration_number: r.status.registration_number,
                reason_text: r.status.reason.as_deref().map(|code| Text {
                    key: format!("reject.{code}"),
                    hi: reject_reason_text(code, Lang::Hi),
                    en: reject_reason_text(code, Lang::En),
                }),
                reason: r.status.reason,
                duplicate_of: r.status.duplicate_of.map(|d| d.to_string()),
                device_seq: r.device_seq,
                refusal: r
                    .refusal
                    .unwrap_or_default()
                    .iter()
                    .map(Into::into)
                    .collect(),
                created_at: r.created_at,
            })
            .collect())
    }

    /// Pushes the outbox and pulls status; reports what happened.
    pub fn sync(&self, listener: Arc<dyn ProgressListener>) -> Result<SyncReport, PanjiyanError> {
        let store = self.store()?;
        let client = self.client(&store)?;
        let r = client.sync(&store, &|done, total| {
            listener.on_progress(done, total);
        })?;
        Ok(SyncReport {
            sent: r.sent,
            acknowledged: r.acknowledged,
            duplicates: r.duplicates,
            refused: r.refused.len() as u64,
            statuses_received: r.statuses_received,
            camps_received: r.camps_received,
            offers_received: r.offers_received,
            answers_taken: r.answers_taken,
            answers_refused: r.answers_refused.len() as u64,
            clock_skew_seconds: r.clock_skew_seconds.unwrap_or(0),
            round_trips: r.round_trips,
        })
    }
}

fn job_offer(o: panjiyan_core::store::StoredOffer) -> JobOffer {
    let i = o.info;
    let wage = panjiyan_core::messages::format_indian_number(i.daily_rupees.unsigned_abs());
    let text = Message::new("offer.read_out")
        .with("employer", &i.employer)
        .with("wage", &wage)
        .with("date", &i.starts_on);
    let hi = text
        .clone()
        .with("work", &i.trade_hi)
        .with("place", &i.place_hi)
        .text(Lang::Hi);
    let en = text
        .with("work", &i.trade_en)
        .with("place", &i.place_en)
        .text(Lang::En);
    let (answer, answer_state, refusal) = match &o.answer {
        None => ("none", "none".to_owned(), Vec::new()),
        Some(a) => (
            if a.accept { "accepted" } else { "declined" },
            a.state.clone(),
            a.refusal.iter().map(Text::from).collect(),
        ),
    };
    JobOffer {
        text: Text {
            key: "offer.read_out".into(),
            hi,
            en,
        },
        id: i.id,
        member_id: i.member_id,
        employer: i.employer,
        trade_code: i.trade_code,
        trade_hi: i.trade_hi,
        trade_en: i.trade_en,
        daily_wage: wage,
        place_hi: i.place_hi,
        place_en: i.place_en,
        starts_on: i.starts_on,
        answer: answer.into(),
        answer_state,
        refusal,
    }
}
