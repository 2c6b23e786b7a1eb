//! A campaign's own rule set, on both backends: loaded by the admin, carried signed in the
//! packs to the phones, judged by on the phone and on the server alike, shown on the rule-set
//! page with what it judged; a changed rule set under a version already used is refused.

use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::StoreError;
use panjiyan_core::wire::PushOutcome;
use panjiyan_server::app::{App, Settings, StartError};
use panjiyan_server::harness::{Backend, PASSWORD, Setup, TestServer};
use panjiyan_server::on_both_backends;

const OWN_RULES: &str = r#"{
 "id": "mp-camp-2026", "version": 1,
 "name_hi": "शिविर 2026 के नियम", "name_en": "Camp rules 2026",
 "rules": [{"kind": "age_range", "min": 21, "max": 60}, {"kind": "not", "flag": "income_tax_payer"}]
}"#;

async fn own_rule_set(backend: Backend) {
    let mut setup = Setup::every_role();
    setup.settings.rules = RuleSet::from_json(OWN_RULES).unwrap();
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let unit = &phone.store.units().unwrap()[0];
    assert_eq!(
        (unit.rules_id.as_str(), unit.rules_version),
        ("mp-camp-2026", 1),
        "the pack names it"
    );
    let nineteen = &phone.members_aged(19..=19)[0];
    let thirty = &phone.members_aged(30..=30)[0];
    let form = |m: &panjiyan_core::samagra::Member| RegistrationForm {
        occupation_code: Some("construction".into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        ..RegistrationForm::new(m.member_id.clone(), "operator")
    };
    // Old enough under the state's 2018 rules (18), not under the campaign's own (21).
    let young = phone.store.create_draft(&form(nineteen)).unwrap();
    match phone
        .store
        .finalise(young, panjiyan_core::india_time::now_utc(), true)
    {
        Err(StoreError::FormProblems(p)) => {
            assert_eq!(p[0].message.key, "eligibility.age_below_min");
            assert_eq!(
                p[0].message.params.get("min").map(String::as_str),
                Some("21")
            );
        }
        other => panic!("the phone did not judge by the pack's rules: {other:?}"),
    }
    let id = phone.store.create_draft(&form(thirty)).unwrap();
    phone
        .store
        .finalise(id, panjiyan_core::india_time::now_utc(), true)
        .unwrap();
    let answer: panjiyan_core::wire::PushResponse =
        s.push_outbox(&phone).await.json().await.unwrap();
    assert_eq!(
        answer.results[0].outcome,
        PushOutcome::Accepted,
        "the server knows the rules"
    );

    // The rule-set page: the campaign's own is current and judged one; 2018's judged none.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = http
        .post(format!("{}/officer/sign-in", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "username=state&password={PASSWORD}&next=%2Fadmin%2Frules"
        ))
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = http
        .get(format!("{}/admin/rules", s.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = |id: &str| {
        let start = page
            .find(&format!("data-rules=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}: {page}"));
        page[start..start + page[start..].find("</tr>").unwrap()].to_owned()
    };
    let own = row("mp-camp-2026");
    assert!(
        own.contains("class=\"current\"") && own.ends_with(">1</td>"),
        "{own}"
    );
    assert!(row("mp-2018").ends_with(">0</td>"), "{}", row("mp-2018"));

    // Changing the rules but keeping the version is refused when the server starts.
    let mut changed = RuleSet::from_json(OWN_RULES).unwrap();
    changed.name_en = "Camp rules 2026, changed".into();
    let again = App::open(Settings {
        database_url: s.app.settings.database_url.clone(),
        rules: changed,
        ..Settings::default()
    })
    .await;
    match again {
        Err(e @ StartError::RulesVersionTaken { .. }) => {
            assert!(e.to_string().contains("higher version"), "{e}")
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("other rules under a used version were accepted"),
    }
}

on_both_backends!(
    a_campaigns_own_rule_set_judges_on_phone_and_server,
    own_rule_set
);
