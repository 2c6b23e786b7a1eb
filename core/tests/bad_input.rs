//! Outside bytes the core parses, in any shape: a rule set file, a form as typed, a push body,
//! a signed record: never a panic, and every refusal says what is wrong.

use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{ApplicantFacts, MigrantDetails, RegistrationForm, check_form};
use panjiyan_core::samagra::Member;
use panjiyan_core::wire::{PushRequest, SignedRegistration};
use proptest::prelude::*;

fn jsonish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"id\"",
        "\"version\"",
        "\"rules\"",
        "\"kind\"",
        "\"age_range\"",
        "\"min\"",
        "\"max\"",
        "\"not\"",
        "\"flag\"",
        "1",
        "-5",
        "99999999999",
        "\"mp-2018\"",
        "null",
        "true",
        "\"\"",
        "\"registrations\"",
        "\"payload\"",
        "\"signature\"",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
}

fn member() -> Member {
    let contents = panjiyan_core::generator::generate_unit(
        3,
        &panjiyan_core::validate::LgdCode::parse("500777").unwrap(),
        20,
    );
    contents.members[0].clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_rule_set_file_in_any_shape_is_loaded_or_refused_in_words(text in jsonish()) {
        if let Err(e) = RuleSet::from_json(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn a_push_body_or_signed_record_in_any_shape_never_panics(text in jsonish()) {
        let _ = serde_json::from_str::<PushRequest>(&text);
        if let Ok(signed) = serde_json::from_str::<SignedRegistration>(&text) {
            let _ = signed.parse_unverified();
        }
    }

    #[test]
    fn a_form_typed_in_any_shape_is_checked_field_by_field(
        mobile in ".{0,20}",
        aadhaar in ".{0,20}",
        ifsc in ".{0,15}",
        operator in ".{0,10}",
        state in ".{0,10}",
        returned in ".{0,12}",
        years in proptest::option::of(any::<u8>()),
        wage in proptest::option::of(any::<u32>()),
        land in proptest::option::of(any::<u32>()),
    ) {
        let m = member();
        let form = RegistrationForm {
            occupation_code: Some("construction".into()),
            mobile: Some(mobile),
            aadhaar: Some(aadhaar),
            bank_ifsc: Some(ifsc),
            facts: ApplicantFacts { land_ares: land, irrigated_land_ares: land, ..Default::default() },
            consent: true,
            migrant: Some(MigrantDetails {
                state_worked_in: state,
                returned_on: Some(returned),
                experience_years: years,
                expected_daily_wage_rupees: wage,
                ..Default::default()
            }),
            ..RegistrationForm::new(m.member_id.clone(), &operator)
        };
        let today = time::macros::date!(2026 - 12 - 02);
        if let Err(problems) = check_form(&form, &m, &OccupationList::builtin(), &RuleSet::mp_2018(), today) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(!p.message.text(panjiyan_core::messages::Lang::En).is_empty());
                prop_assert!(!p.message.text(panjiyan_core::messages::Lang::Hi).is_empty());
            }
        }
    }
}
