//! A registration as the camp operator fills it in: the form, its checks, and its states from
//! draft to approved.

use crate::messages::{Lang, Message};
use crate::validate::SamagraMemberId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the worker came to be registered; campaign reports count each channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Camp,
    ServiceCentre,
    SelfRegistered,
}

/// What the applicant declares for the eligibility rules. Land is in ares (1 hectare = 100
/// ares) so that no floating-point number is ever signed or compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantFacts {
    pub government_servant: bool,
    pub income_tax_payer: bool,
    pub epfo_esic_member: bool,
    /// All land held, in ares.
    pub land_ares: Option<u32>,
    /// Of which irrigated, in ares.
    pub irrigated_land_ares: Option<u32>,
}

/// Optional details of a returned migrant worker, kept for job matching (Rozgar Setu).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrantDetails {
    /// The state the worker worked in (name or 2-digit LGD state code).
    pub state_worked_in: String,
    /// ISO date (YYYY-MM-DD) the worker came back.
    pub returned_on: Option<String>,
    pub skills: Vec<String>,
    pub experience_years: Option<u8>,
    pub expected_daily_wage_rupees: Option<u32>,
}

/// The form as typed: raw text where the operator types, checked on finalise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationForm {
    pub member_id: SamagraMemberId,
    pub occupation_code: Option<String>,
    /// Mobile as typed (+91 / 0 prefixes are stripped on finalise).
    pub mobile: Option<String>,
    /// Aadhaar as typed; only its last four digits are kept once it has been checked.
    pub aadhaar: Option<String>,
    pub bank_ifsc: Option<String>,
    pub facts: ApplicantFacts,
    pub channel: Channel,
    pub camp_id: Option<String>,
    pub operator_id: String,
    /// The worker consented to registration and to SMS/voice messages.
    pub consent: bool,
    pub migrant: Option<MigrantDetails>,
    /// The language the worker wants SMS and voice messages in.
    pub language: Lang,
}

/// Where a registration is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    Draft,
    Queued,
    Synced,
    PendingApproval,
    Approved,
    Rejected,
    Duplicate,
}

impl RegistrationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Queued => "queued",
            Self::Synced => "synced",
            Self::PendingApproval => "pending_approval",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => Self::Draft,
            "queued" => Self::Queued,
            "synced" => Self::Synced,
            "pending_approval" => Self::PendingApproval,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "duplicate" => Self::Duplicate,
            _ => return None,
        })
    }
}

/// A registration's state with what the server said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationStatus {
    pub state: RegistrationState,
    pub registration_number: Option<String>,
    /// Reason code of a rejection (e.g. `not_a_worker`), with free text if the officer gave it.
    pub reason: Option<String>,
    /// For a duplicate: the registration it duplicates.
    pub duplicate_of: Option<Uuid>,
}

/// A field of the form, for pointing a problem at the right input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormField {
    Member,
    Occupation,
    Mobile,
    Aadhaar,
    BankIfsc,
    Consent,
    Eligibility,
    Migrant,
    Operator,
}

/// One thing wrong with a form: which field, and a message key with Hindi and English texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormProblem {
    pub field: FormField,
    pub message: Message,
}

/// A form that passed every check, with its values normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedForm {
    pub occupation_code: String,
    pub mobile: Option<crate::validate::Mobile>,
    pub aadhaar_last4: Option<String>,
    pub bank_ifsc: Option<crate::validate::Ifsc>,
    pub eligibility: crate::eligibility::Eligibility,
}

/// Checks a form against the member's Samagra record, the occupation list and the rules.
/// Every problem is reported, not just the first.
pub fn check_form(
    form: &RegistrationForm,
    member: &crate::samagra::Member,
    occupations: &crate::occupation::OccupationList,
    rules: &crate::eligibility::RuleSet,
    today: time::Date,
) -> Result<CheckedForm, Vec<FormProblem>> {
    let _ = (form, member, occupations, rules, today);
    unimplemented!("rules helper")
}
