//! The records Kotlin sees: plain data, converted from core types at the edge. IDs and dates
//! travel as text.

use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::registration::FormProblem;

/// A message in both languages, with its stable key.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Text {
    pub key: String,
    pub hi: String,
    pub en: String,
}

impl From<&Message> for Text {
    fn from(m: &Message) -> Self {
        Text {
            key: m.key.clone(),
            hi: m.text(Lang::Hi),
            en: m.text(Lang::En),
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Problem {
    /// Which input: member, occupation, mobile, aadhaar, bank_ifsc, consent, eligibility, ...
    pub field: String,
    pub text: Text,
}

impl From<FormProblem> for Problem {
    fn from(p: FormProblem) -> Self {
        let field = serde_json::to_value(p.field)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Problem {
            field,
            text: (&p.message).into(),
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Enrolment {
    pub device_id: String,
    pub jurisdiction: String,
    pub server_url: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CampUnit {
    pub code: String,
    pub level: String,
    pub name_hi: String,
    pub name_en: String,
    pub server_version: Option<u64>,
    pub pack_bytes: Option<u64>,
    pub local_version: Option<u64>,
    pub needs_download: bool,
}

/// A unit held on the device, for "how current is my data".
#[derive(Debug, Clone, uniffi::Record)]
pub struct LocalUnit {
    pub code: String,
    pub name_hi: String,
    pub name_en: String,
    pub version: u64,
    pub members: u64,
    pub imported_at: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Member {
    pub member_id: String,
    pub family_id: String,
    pub unit_code: String,
    pub name_hi: String,
    pub name_en: String,
    pub guardian_name_hi: String,
    pub guardian_name_en: String,
    pub gender: String,
    pub birth_year: i32,
    pub birth_estimated: bool,
    pub age: i32,
    pub relation: String,
    /// Per the pack or status pulls: pending_approval, approved, ...
    pub registered_state: Option<String>,
    pub registration_number: Option<String>,
    /// This device's registration of the member, if any.
    pub device_registration_id: Option<String>,
    pub device_registration_state: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Family {
    pub family_id: String,
    pub address_hi: String,
    pub address_en: String,
    /// The head first.
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct SearchHit {
    pub member: Member,
    pub score: f32,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Occupation {
    pub code: String,
    pub name_hi: String,
    pub name_en: String,
}

/// What the applicant declares for the rules.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct Facts {
    pub government_servant: bool,
    pub income_tax_payer: bool,
    pub epfo_esic_member: bool,
    pub land_ares: Option<u32>,
    pub irrigated_land_ares: Option<u32>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Eligibility {
    pub eligible: bool,
    pub failed: Vec<Text>,
    pub doubtful: Vec<Text>,
}

/// The registration form as the operator fills it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Form {
    pub member_id: String,
    pub occupation_code: Option<String>,
    pub mobile: Option<String>,
    /// As typed; gone after finalise, when only `aadhaar_last4` is kept.
    pub aadhaar: Option<String>,
    #[uniffi(default = None)]
    pub aadhaar_last4: Option<String>,
    pub bank_ifsc: Option<String>,
    pub facts: Facts,
    /// camp, service_centre or self_registered
    pub channel: String,
    pub camp_id: Option<String>,
    pub operator_id: String,
    pub consent: bool,
    /// hi or en: the language of the worker's SMS and voice message.
    pub language: String,
    /// For a worker who came back from work in another state.
    #[uniffi(default = None)]
    pub migrant: Option<Migrant>,
}

/// A returned migrant worker's details (asked when they worked in another state).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Migrant {
    /// The state worked in (name or 2-digit LGD state code).
    pub state_worked_in: String,
    #[uniffi(default = None)]
    pub district_or_city: Option<String>,
    /// The trade worked in there, an occupation code.
    #[uniffi(default = None)]
    pub trade_code: Option<String>,
    #[uniffi(default = None)]
    pub months_away: Option<u16>,
    /// YYYY-MM-DD.
    #[uniffi(default = None)]
    pub returned_on: Option<String>,
    #[uniffi(default = None)]
    pub experience_years: Option<u8>,
    /// An ITI or other certificate, as the worker names it.
    #[uniffi(default = None)]
    pub certificate: Option<String>,
    /// Where the worker will work: `block`, `district` or `state`.
    #[uniffi(default = None)]
    pub willing_to_work: Option<String>,
    /// The worker agreed to be contacted about jobs (Rozgar Setu).
    #[uniffi(default = false)]
    pub job_consent: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Finalised {
    pub id: String,
    pub device_seq: u64,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Registration {
    pub id: String,
    pub member_id: String,
    pub state: String,
    pub registration_number: Option<String>,
    /// A rejection's reason code (e.g. `not_resident`).
    pub reason: Option<String>,
    /// The reason as the worker is told it, in Hindi and English.
    pub reason_text: Option<Text>,
    pub duplicate_of: Option<String>,
    pub device_seq: Option<u64>,
    pub refusal: Vec<Text>,
    pub created_at: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct OutboxStats {
    pub queued: u64,
    pub refused: u64,
    /// RFC 3339, when the oldest waiting registration was saved.
    pub oldest_queued_at: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncReport {
    pub sent: u64,
    pub acknowledged: u64,
    pub duplicates: u64,
    pub refused: u64,
    pub statuses_received: u64,
    /// Camps on the calendar the server sent with this sync.
    #[uniffi(default = 0)]
    pub camps_received: u64,
    /// Open offers of work to the workers of the phone's units the server sent.
    #[uniffi(default = 0)]
    pub offers_received: u64,
    /// Workers' answers to offers the server recorded, and refused (see `offers`).
    #[uniffi(default = 0)]
    pub answers_taken: u64,
    #[uniffi(default = 0)]
    pub answers_refused: u64,
    /// How far the server's clock was ahead of the phone's at this sync, in seconds (0 when
    /// the server did not say); the app warns when it is more than a few minutes.
    #[uniffi(default = 0)]
    pub clock_skew_seconds: i64,
    pub round_trips: u64,
}

/// A camp on the phone's calendar: planned by the district (sent with each sync), or
/// started on this phone without a plan.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CampDay {
    /// The id registrations made at this camp carry.
    pub id: String,
    pub area_code: String,
    /// Start and end as `DD-MM-YYYY HH:MM` in India time.
    pub starts: String,
    pub ends: String,
    /// Whether the camp is on today, in India.
    pub today: bool,
    pub venue: String,
    /// The village and ward codes it serves.
    pub units: Vec<String>,
    pub unplanned: bool,
}

/// An offer of work to a worker, as the phone reads it out: who, what, the wage, where, from
/// when; with the answer given on this phone, if any.
#[derive(Debug, Clone, uniffi::Record)]
pub struct JobOffer {
    pub id: String,
    pub member_id: String,
    pub employer: String,
    pub trade_code: String,
    pub trade_hi: String,
    pub trade_en: String,
    /// Rupees a day, in Indian digit grouping (`1,200`).
    pub daily_wage: String,
    pub place_hi: String,
    pub place_en: String,
    /// The first day of work, `DD-MM-YYYY`.
    pub starts_on: String,
    /// The offer in one sentence each in Hindi and English, to read to the worker.
    pub text: Text,
    /// `none` (not answered here), `accepted` or `declined`.
    pub answer: String,
    /// `none`, `queued` (waiting for a sync), `taken` (the server recorded it) or `refused`.
    pub answer_state: String,
    /// Why the server refused the answer; empty otherwise.
    pub refusal: Vec<Text>,
}
