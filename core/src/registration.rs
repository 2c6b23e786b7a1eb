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

impl ApplicantFacts {
    /// Holds no land and declares none of the exclusions: what most camp applicants declare.
    pub fn no_land() -> Self {
        Self {
            land_ares: Some(0),
            irrigated_land_ares: Some(0),
            ..Self::default()
        }
    }
}

/// Optional details of a returned migrant worker, kept for job matching (Rozgar Setu).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrantDetails {
    /// The state the worker worked in (name or 2-digit LGD state code).
    pub state_worked_in: String,
    /// The district or city the worker worked in, as they name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_or_city: Option<String>,
    /// The trade the worker worked in there, as an occupation-list code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_code: Option<String>,
    /// How many months the worker was away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_away: Option<u16>,
    /// ISO date (YYYY-MM-DD) the worker came back.
    pub returned_on: Option<String>,
    pub skills: Vec<String>,
    pub experience_years: Option<u8>,
    pub expected_daily_wage_rupees: Option<u32>,
    /// An ITI or other certificate the worker holds, as they name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Where the worker is willing to work, for job matching; `None` when not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub willing_to_work: Option<WorkArea>,
    /// The worker agreed to be contacted about jobs (Rozgar Setu). The server records the
    /// day and the channel; the worker or an officer may withdraw it later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub job_consent: bool,
}

/// How far from home a returned migrant is willing to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkArea {
    /// Their own block (or town).
    Block,
    /// Anywhere in their own district.
    District,
    /// Anywhere in the state.
    State,
}

impl WorkArea {
    /// The stored and sent text: `block`, `district` or `state`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkArea::Block => "block",
            WorkArea::District => "district",
            WorkArea::State => "state",
        }
    }

    pub fn parse(s: &str) -> Option<WorkArea> {
        [WorkArea::Block, WorkArea::District, WorkArea::State]
            .into_iter()
            .find(|w| w.as_str() == s)
    }
}

/// The form as typed: raw text where the operator types, checked on finalise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationForm {
    pub member_id: SamagraMemberId,
    pub occupation_code: Option<String>,
    /// Mobile as typed (+91 / 0 prefixes are stripped on finalise).
    pub mobile: Option<String>,
    /// Aadhaar as typed; dropped at finalise, when only its last four digits are kept.
    pub aadhaar: Option<String>,
    /// The last four digits of the Aadhaar number, kept from finalise on (a refused
    /// registration reopened for fixing keeps them without the full number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aadhaar_last4: Option<String>,
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

impl RegistrationForm {
    /// A new form for `member_id`, started by `operator_id` at a camp: nothing entered yet and
    /// consent not yet given. The form screen, the camp client and tests start from here.
    pub fn new(member_id: SamagraMemberId, operator_id: &str) -> Self {
        Self {
            member_id,
            occupation_code: None,
            mobile: None,
            aadhaar: None,
            aadhaar_last4: None,
            bank_ifsc: None,
            facts: ApplicantFacts::default(),
            channel: Channel::Camp,
            camp_id: None,
            operator_id: operator_id.to_owned(),
            consent: false,
            migrant: None,
            language: Lang::default(),
        }
    }
}

/// Why an officer may reject a registration: stable codes (stored, sent to the device, shown
/// in reports), each with a Hindi and English sentence under `reject.<code>`. The officer's own
/// note goes beside the code, never into what the worker is told.
pub const REJECT_REASONS: &[&str] = &[
    "age_outside_limits",
    "excluded_declaration",
    "land_above_limit",
    "not_a_worker",
    "details_mismatch",
    "not_resident",
    "other",
];

/// The reason as the worker reads it: the sentence of a known code, or (for a reason stored
/// before codes existed) the text as it was recorded.
pub fn reject_reason_text(code: &str, lang: Lang) -> String {
    if REJECT_REASONS.contains(&code) {
        Message::new(&format!("reject.{code}")).text(lang)
    } else {
        code.to_owned()
    }
}

/// Where a registration is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Lowest and highest expected daily wage accepted on the migrant form, in rupees.
const WAGE_RANGE: (u32, u32) = (50, 5_000);

/// Longest certificate name accepted on the migrant form.
pub const MOST_CERTIFICATE_CHARS: usize = 100;

/// Most years of work experience accepted on the migrant form.
const MOST_EXPERIENCE_YEARS: i32 = 60;

/// Checks a form against the member's Samagra record, the occupation list and the rules.
/// Every problem is reported, not just the first.
pub fn check_form(
    form: &RegistrationForm,
    member: &crate::samagra::Member,
    occupations: &crate::occupation::OccupationList,
    rules: &crate::eligibility::RuleSet,
    today: time::Date,
) -> Result<CheckedForm, Vec<FormProblem>> {
    use crate::messages::format_indian_number;
    use crate::validate::{Aadhaar, Ifsc, Mobile};
    let mut problems = Vec::new();
    let mut problem = |field: FormField, key: &str| {
        problems.push(FormProblem {
            field,
            message: Message::new(key),
        })
    };

    if form.member_id != member.member_id {
        problem(FormField::Member, "form.member_mismatch");
    }
    let occupation_code = match form.occupation_code.as_deref().map(str::trim) {
        None | Some("") => {
            problem(FormField::Occupation, "form.occupation_required");
            String::new()
        }
        Some(code) if !occupations.contains(code) => {
            problem(FormField::Occupation, "form.occupation_unknown");
            String::new()
        }
        Some(code) => code.to_owned(),
    };
    let typed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mobile = typed(&form.mobile).and_then(|m| {
        Mobile::parse(&m)
            .map_err(|_| problem(FormField::Mobile, "form.mobile_invalid"))
            .ok()
    });
    let kept_last4 = form
        .aadhaar_last4
        .clone()
        .filter(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()));
    let aadhaar_last4 = match typed(&form.aadhaar) {
        Some(a) => match Aadhaar::parse(&a) {
            Ok(a) => Some(a.as_str()[8..].to_owned()),
            Err(_) => {
                problem(FormField::Aadhaar, "form.aadhaar_invalid");
                None
            }
        },
        None => kept_last4,
    };
    let bank_ifsc = typed(&form.bank_ifsc).and_then(|i| {
        Ifsc::parse(&i)
            .map_err(|_| problem(FormField::BankIfsc, "form.ifsc_invalid"))
            .ok()
    });
    if !form.consent {
        problem(FormField::Consent, "form.consent_required");
    }
    if form.operator_id.trim().is_empty() {
        problem(FormField::Operator, "form.operator_required");
    }
    if let Some(m) = &form.migrant {
        if m.state_worked_in.trim().is_empty() {
            problem(FormField::Migrant, "form.migrant_state_required");
        }
        if let Some(d) = &m.returned_on {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            match time::Date::parse(d, format) {
                Ok(d) if d <= today => {}
                _ => problem(FormField::Migrant, "form.migrant_return_date_invalid"),
            }
        }
        if let Some(code) = &m.trade_code
            && !occupations.contains(code)
        {
            problem(FormField::Migrant, "form.migrant_trade_unknown");
        }
        // Nobody was away, or has worked, longer than they have lived.
        let most_months = (member.birth.age_on(today).max(0) as i64) * 12;
        if m.months_away.is_some_and(|n| i64::from(n) > most_months) {
            problems.push(FormProblem {
                field: FormField::Migrant,
                message: Message::new("form.migrant_months_implausible").with("max", most_months),
            });
        }
        let most_experience = member.birth.age_on(today).clamp(0, MOST_EXPERIENCE_YEARS);
        if m.experience_years
            .is_some_and(|y| i32::from(y) > most_experience)
        {
            problems.push(FormProblem {
                field: FormField::Migrant,
                message: Message::new("form.migrant_experience_implausible")
                    .with("max", most_experience),
            });
        }
        if m.certificate
            .as_deref()
            .is_some_and(|c| c.chars().count() > MOST_CERTIFICATE_CHARS)
        {
            problems.push(FormProblem {
                field: FormField::Migrant,
                message: Message::new("form.migrant_certificate_too_long")
                    .with("max", MOST_CERTIFICATE_CHARS),
            });
        }
        if m.job_consent && m.trade_code.is_none() && form.occupation_code.is_none() {
            problems.push(FormProblem {
                field: FormField::Migrant,
                message: Message::new("form.migrant_job_trade_required"),
            });
        }
        if m.expected_daily_wage_rupees
            .is_some_and(|w| w < WAGE_RANGE.0 || w > WAGE_RANGE.1)
        {
            problems.push(FormProblem {
                field: FormField::Migrant,
                message: Message::new("form.migrant_wage_implausible")
                    .with("min", format_indian_number(WAGE_RANGE.0.into()))
                    .with("max", format_indian_number(WAGE_RANGE.1.into())),
            });
        }
    }
    let eligibility = rules.evaluate(&member.birth, &form.facts, today);
    problems.extend(eligibility.failed.iter().map(|f| FormProblem {
        field: FormField::Eligibility,
        message: f.message.clone(),
    }));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CheckedForm {
        occupation_code,
        mobile,
        aadhaar_last4,
        bank_ifsc,
        eligibility,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_reject_reason_reads_in_hindi_and_english() {
        for code in REJECT_REASONS {
            let m = Message::new(&format!("reject.{code}"));
            assert!(m.is_known(), "{code} has no message");
            assert_ne!(reject_reason_text(code, Lang::Hi), *code);
        }
        assert_eq!(
            reject_reason_text("written before codes", Lang::Hi),
            "written before codes"
        );
    }

    use super::*;
    use crate::eligibility::RuleSet;
    use crate::occupation::OccupationList;
    use crate::samagra::{BirthDate, CasteCategory, Gender, Member, Relation};
    use crate::validate::{SamagraFamilyId, verhoeff_check_digit};
    use time::macros::date;

    fn member(year: i32) -> Member {
        Member {
            member_id: SamagraMemberId::parse("123456789").unwrap(),
            family_id: SamagraFamilyId::parse("12345678").unwrap(),
            name_hi: "सुनीता".into(),
            name_en: "Sunita".into(),
            guardian_name_hi: "रमेश".into(),
            guardian_name_en: "Ramesh".into(),
            gender: Gender::Female,
            birth: BirthDate {
                year,
                month: Some(3),
                day: Some(10),
            },
            relation: Relation::Spouse,
            caste: CasteCategory::Obc,
        }
    }

    fn good_form() -> RegistrationForm {
        let body = "23456789012";
        RegistrationForm {
            member_id: SamagraMemberId::parse("123456789").unwrap(),
            occupation_code: Some("construction".into()),
            mobile: Some("+91 98765 43210".into()),
            aadhaar: Some(format!("{body}{}", verhoeff_check_digit(body))),
            aadhaar_last4: None,
            bank_ifsc: Some("sbin0001234".into()),
            facts: ApplicantFacts {
                land_ares: Some(0),
                irrigated_land_ares: Some(0),
                ..Default::default()
            },
            channel: Channel::Camp,
            camp_id: Some("camp-1".into()),
            operator_id: "op-7".into(),
            consent: true,
            migrant: None,
            language: Lang::Hi,
        }
    }

    fn check(form: &RegistrationForm, m: &Member) -> Result<CheckedForm, Vec<FormProblem>> {
        check_form(
            form,
            m,
            &OccupationList::builtin(),
            &RuleSet::mp_2018(),
            date!(2018 - 04 - 15),
        )
    }

    #[test]
    fn a_good_form_is_normalised_and_keeps_only_the_aadhaar_last_four() {
        let checked = check(&good_form(), &member(1985)).unwrap();
        assert_eq!(checked.mobile.unwrap().as_str(), "9876543210");
        assert_eq!(
            checked.aadhaar_last4.as_deref(),
            Some(&good_form().aadhaar.unwrap()[8..])
        );
        assert_eq!(checked.bank_ifsc.unwrap().as_str(), "SBIN0001234");
        assert!(checked.eligibility.eligible);
    }

    #[test]
    fn a_form_with_five_problems_reports_all_five() {
        let mut form = good_form();
        form.occupation_code = Some("astronaut".into());
        form.mobile = Some("12345".into());
        form.aadhaar = Some("234567890123".into());
        form.consent = false;
        form.facts.income_tax_payer = true;
        let problems = check(&form, &member(1985)).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                FormField::Occupation,
                FormField::Mobile,
                FormField::Aadhaar,
                FormField::Consent,
                FormField::Eligibility
            ]
        );
        assert_eq!(problems[4].message.key, "eligibility.income_tax_payer");
    }

    #[test]
    fn an_underage_worker_is_refused_with_the_age_rule() {
        let problems = check(&good_form(), &member(2003)).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].message.key, "eligibility.age_below_min");
    }

    #[test]
    fn migrant_details_are_checked_for_sense() {
        let mut form = good_form();
        form.migrant = Some(MigrantDetails {
            state_worked_in: " ".into(),
            trade_code: Some("astronaut".into()),
            months_away: Some(900),
            returned_on: Some("2030-01-01".into()),
            skills: vec!["masonry".into()],
            experience_years: Some(70),
            expected_daily_wage_rupees: Some(10),
            district_or_city: None,
            certificate: Some("ITI ".repeat(30)),
            willing_to_work: Some(WorkArea::State),
            job_consent: true,
        });
        let keys: Vec<_> = check(&form, &member(1985))
            .unwrap_err()
            .into_iter()
            .map(|p| p.message.key)
            .collect();
        assert_eq!(
            keys,
            [
                "form.migrant_state_required",
                "form.migrant_return_date_invalid",
                "form.migrant_trade_unknown",
                "form.migrant_months_implausible",
                "form.migrant_experience_implausible",
                "form.migrant_certificate_too_long",
                "form.migrant_wage_implausible"
            ]
        );
    }

    #[test]
    fn consent_to_be_contacted_about_jobs_needs_a_trade() {
        let mut form = good_form();
        form.occupation_code = None;
        form.migrant = Some(MigrantDetails {
            state_worked_in: "24".into(),
            job_consent: true,
            ..MigrantDetails::default()
        });
        let keys: Vec<_> = check(&form, &member(1985))
            .unwrap_err()
            .into_iter()
            .map(|p| p.message.key)
            .collect();
        assert!(
            keys.contains(&"form.migrant_job_trade_required".to_string()),
            "{keys:?}"
        );
        form.occupation_code = good_form().occupation_code;
        assert!(check(&form, &member(1985)).is_ok());
    }

    #[test]
    fn every_kind_of_problem_is_reported_and_reads_whole_in_both_languages() {
        let mut form = good_form();
        form.member_id = SamagraMemberId::parse("987654321").unwrap();
        form.occupation_code = Some(" ".into());
        form.mobile = Some("5876543210".into());
        form.aadhaar = Some("1234 5678 9012".into());
        form.bank_ifsc = Some("SBIN1234567".into());
        form.consent = false;
        form.operator_id = "  ".into();
        form.facts.government_servant = true;
        form.migrant = Some(MigrantDetails {
            state_worked_in: String::new(),
            returned_on: Some("15-04-2018".into()),
            skills: Vec::new(),
            experience_years: Some(40),
            expected_daily_wage_rupees: Some(9_000),
            ..Default::default()
        });
        let problems = check(&form, &member(1985)).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                FormField::Member,
                FormField::Occupation,
                FormField::Mobile,
                FormField::Aadhaar,
                FormField::BankIfsc,
                FormField::Consent,
                FormField::Operator,
                FormField::Migrant,
                FormField::Migrant,
                FormField::Migrant,
                FormField::Migrant,
                FormField::Eligibility,
            ]
        );
        for p in &problems {
            assert!(p.message.is_known(), "{}", p.message.key);
            for lang in [Lang::Hi, Lang::En] {
                let text = p.message.text(lang);
                assert!(!text.contains('{'), "{lang:?} {}: {text}", p.message.key);
            }
        }
        let english: Vec<_> = problems.iter().map(|p| p.message.text(Lang::En)).collect();
        assert!(english.contains(&"Years of experience must be between 0 and 33.".to_owned()));
        assert!(
            english.contains(&"The expected daily wage must be between ₹50 and ₹5,000.".to_owned())
        );
    }

    #[test]
    fn blank_optional_fields_are_left_out_not_refused() {
        let mut form = good_form();
        form.mobile = Some("  ".into());
        form.aadhaar = None;
        form.bank_ifsc = Some(String::new());
        let checked = check(&form, &member(1985)).unwrap();
        assert_eq!(checked.mobile, None);
        assert_eq!(checked.aadhaar_last4, None);
        assert_eq!(checked.bank_ifsc, None);
    }

    #[test]
    fn a_doubtful_age_is_saved_with_the_doubt_kept_for_the_officer() {
        let mut m = member(2000);
        m.birth = BirthDate::year_only(2000);
        let checked = check(&good_form(), &m).unwrap();
        assert!(checked.eligibility.eligible);
        assert_eq!(
            checked.eligibility.doubtful[0].message.key,
            "eligibility.age_estimated_near_limit"
        );
    }

    #[test]
    fn a_migrant_who_came_back_today_with_sane_details_passes() {
        let mut form = good_form();
        form.migrant = Some(MigrantDetails {
            state_worked_in: "27".into(),
            returned_on: Some("2018-04-15".into()),
            skills: vec!["masonry".into()],
            experience_years: Some(12),
            expected_daily_wage_rupees: Some(450),
            district_or_city: Some("Surat".into()),
            trade_code: None,
            months_away: Some(30),
            ..MigrantDetails::default()
        });
        assert!(check(&form, &member(1985)).is_ok());
    }
}
