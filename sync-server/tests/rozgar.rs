//! Rozgar Setu on both backends, through its services over a real server's database:
//! returned migrants registered on a phone and approved enter the skill register (with their
//! consent as the form carried it); an employer registered by district staff is verified by
//! the district's officer; a requirement below the minimum wage, in another district or from
//! an unverified employer is refused in words with nothing stored; the shortlist is ranked and
//! explained; offers go out by SMS and voice; one worker accepts by SMS reply (the code read
//! from the SMS the gateway delivered), one declines, one accepts on the camp phone's behalf,
//! one never answers and is flagged a week later; a forged reply changes nothing; joining is
//! recorded; the funnel equals the test's own ledger.

use panjiyan_core::india_time;
use panjiyan_core::location::{Level, Place};
use panjiyan_core::registration::{
    ApplicantFacts, Channel, MigrantDetails, RegistrationForm, WorkArea,
};
use panjiyan_core::validate::LgdCode;
use panjiyan_server::harness::{Backend, TestServer};
use panjiyan_server::harness::{construction_work, narmada_builders};
use panjiyan_server::notify::{FileGateway, dispatch_once};
use panjiyan_server::on_both_backends;
use panjiyan_server::rozgar::employers;
use panjiyan_server::rozgar::offers::{self, Via};
use panjiyan_server::rozgar::requirements::{self, RequirementForm};
use panjiyan_server::rozgar::{funnel, matching, register};
use panjiyan_server::storage::{FunnelBy, MinWage};
use std::collections::BTreeMap;
use std::path::Path;

/// The story moves the process's one clock (a week later); the backends take turns.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One returned migrant as the test registers them.
struct Migrant {
    trade: &'static str,
    willing: WorkArea,
    consent: bool,
    years: u8,
    worked_in: &'static str,
}

fn mobile(i: usize) -> String {
    format!("98765{:05}", 43_210 + i)
}

/// SMS messages the file gateway delivered, by the last four digits of the number.
async fn delivered(app: &panjiyan_server::app::App, file: &Path) -> Vec<serde_json::Value> {
    let gateway = FileGateway::new(file);
    while dispatch_once(app, &gateway).await.unwrap() > 0 {}
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .collect()
}

fn form(
    member: &panjiyan_core::samagra::Member,
    i: usize,
    m: Option<&Migrant>,
) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some(mobile(i)),
        facts: ApplicantFacts::no_land(),
        consent: true,
        channel: Channel::Camp,
        migrant: m.map(|m| MigrantDetails {
            state_worked_in: m.worked_in.into(),
            trade_code: Some(m.trade.into()),
            experience_years: Some(m.years),
            willing_to_work: Some(m.willing),
            job_consent: m.consent,
            ..MigrantDetails::default()
        }),
        ..RegistrationForm::new(member.member_id.clone(), "operator")
    }
}

async fn employers_offers_and_joining(backend: Backend) {
    let _clock = CLOCK.lock().await;
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let db = &s.app.db;
    let dir = tempfile::tempdir().unwrap();
    let sms_file = dir.path().join("sms.jsonl");

    // Five returned migrants and one worker who never left, registered on the phone at a
    // camp of the first block and approved by its officer.
    let migrants = [
        Migrant {
            trade: "construction",
            willing: WorkArea::Block,
            consent: true,
            years: 4,
            worked_in: "Gujarat",
        },
        Migrant {
            trade: "construction",
            willing: WorkArea::State,
            consent: true,
            years: 2,
            worked_in: "Maharashtra",
        },
        Migrant {
            trade: "head_loader",
            willing: WorkArea::District,
            consent: true,
            years: 6,
            worked_in: "Delhi",
        },
        Migrant {
            trade: "construction",
            willing: WorkArea::State,
            consent: false,
            years: 9,
            worked_in: "Kerala",
        },
        Migrant {
            trade: "construction",
            willing: WorkArea::District,
            consent: true,
            years: 1,
            worked_in: "Punjab",
        },
    ];
    let phone = s.enrol("operator").await;
    let adults = phone.members_aged(20..=50);
    let mut ids = Vec::new();
    for (i, adult) in adults.iter().enumerate().take(migrants.len() + 1) {
        let f = form(adult, i, migrants.get(i));
        let id = phone.store.create_draft(&f).unwrap();
        phone
            .store
            .finalise(id, india_time::now_utc(), true)
            .unwrap();
        ids.push(id);
    }
    assert!(s.push_outbox(&phone).await.status().is_success());
    assert_eq!(s.approve_all(&ids).await, ids.len());
    let member = |i: usize| adults[i].member_id.to_string();

    // The register holds the five migrants, the worker who never left is not in it, and
    // consent is as each form carried it, recorded as given at the camp.
    for (i, m) in migrants.iter().enumerate() {
        let seeker = db
            .job_seeker(&member(i))
            .await
            .unwrap()
            .expect("in the register");
        assert_eq!(seeker.trade_code, m.trade);
        assert_eq!(seeker.consent_at.is_some(), m.consent);
        assert_eq!(
            seeker.consent_channel.as_deref(),
            m.consent.then_some("camp")
        );
    }
    assert!(db.job_seeker(&member(5)).await.unwrap().is_none());

    // The state's minimum wages, as the state admin sets them.
    let state = s.places(Level::State)[0].to_string();
    let district = s.places(Level::District)[0].to_string();
    let work_place = phone.store.units().unwrap()[0].code.to_string();
    let today = india_time::india_day(india_time::now_ms());
    db.set_min_wage(
        &MinWage {
            state_code: state.clone(),
            trade_code: "construction".into(),
            from_day: today - 30,
            daily_rupees: 400,
        },
        None,
        india_time::now_ms(),
    )
    .await
    .unwrap();

    // Another district of the state, with a block and a village, for the refusals.
    let other = [
        ("999", Level::District, Some(state.as_str())),
        ("9991", Level::Block, Some("999")),
        ("999101", Level::GramPanchayat, Some("9991")),
        ("99910101", Level::Village, Some("999101")),
    ];
    let places: Vec<Place> = other
        .iter()
        .map(|(code, level, parent)| Place {
            code: LgdCode::parse(code).unwrap(),
            level: *level,
            name_hi: format!("स्थान {code}"),
            name_en: format!("Place {code}"),
            parent: parent.map(|p| LgdCode::parse(p).unwrap()),
        })
        .collect();
    db.upsert_places(&places).await.unwrap();

    // An employer registered by the collector; a wrong GSTIN check character is refused first.
    let users = db.users().await.unwrap();
    let user = |name: &str| users.iter().find(|u| u.username == name).unwrap().clone();
    let collector = user("collector");
    // A wrong GSTIN check character is refused first.
    let mut typed = narmada_builders(&work_place);
    let good_gstin = std::mem::replace(&mut typed.gstin, "23ABCDE1234F1Z0".into());
    assert_ne!(good_gstin, typed.gstin);
    let refused = employers::check(db, &typed, &district).await.unwrap_err();
    assert!(
        refused
            .keys()
            .contains(&"page.jobs.gstin_check_failed".to_owned()),
        "{refused:?}"
    );
    typed.gstin = good_gstin;
    let checked = employers::check(db, &typed, &district).await.unwrap();
    let hash = panjiyan_server::auth::hash_password("builder-password");
    let employer_id = employers::register(db, &checked, "narmada", &hash, Some(collector.id))
        .await
        .unwrap();
    let employer_user = db
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "narmada")
        .unwrap();

    // Unverified, it sees nothing of workers and cannot post.
    let unverified = employers::verified_employer_of(db, &employer_user)
        .await
        .unwrap_err();
    assert_eq!(unverified.keys(), ["page.jobs.employer_not_verified"]);
    let employer = db.employer(employer_id).await.unwrap().unwrap();
    let wanted = construction_work(&work_place);
    let e = requirements::post(db, &employer, &wanted, employer_user.id)
        .await
        .unwrap_err();
    assert_eq!(e.keys(), ["page.jobs.employer_not_verified"]);

    // The officer of the second block cannot verify it (the district is not theirs); the
    // collector can.
    let e = employers::decide(db, &user("officer-2"), employer_id, None)
        .await
        .unwrap_err();
    assert_eq!(e.keys(), ["page.jobs.employer_unknown"]);
    let verified = employers::decide(db, &collector, employer_id, None)
        .await
        .unwrap();
    assert!(verified.is_verified());
    let employer = employers::verified_employer_of(db, &employer_user)
        .await
        .unwrap();

    // Below the minimum wage, in another district: refused, nothing stored.
    let low = RequirementForm {
        daily_rupees: "350".into(),
        ..wanted.clone()
    };
    let e = requirements::post(db, &employer, &low, employer_user.id)
        .await
        .unwrap_err();
    assert_eq!(e.keys(), ["page.jobs.wage_below_minimum"]);
    let elsewhere = RequirementForm {
        place_code: "99910101".into(),
        ..wanted.clone()
    };
    let e = requirements::post(db, &employer, &elsewhere, employer_user.id)
        .await
        .unwrap_err();
    assert_eq!(e.keys(), ["page.jobs.requirement_other_district"]);
    assert!(db.requirements_of(employer_id).await.unwrap().is_empty());
    let requirement_id = requirements::post(db, &employer, &wanted, employer_user.id)
        .await
        .unwrap();
    let requirement = db.requirement(requirement_id).await.unwrap().unwrap();

    // The shortlist: the same trade first, by experience (all of the same block, none
    // offered yet), then the related trade; the worker without consent is left out.
    let list = matching::shortlist(db, &requirement, panjiyan_core::messages::Lang::En)
        .await
        .unwrap();
    let order: Vec<String> = list.iter().map(|r| r.candidate.member_id.clone()).collect();
    assert_eq!(order, [member(0), member(1), member(4), member(2)]);
    let first = list[0].reasons_text(panjiyan_core::messages::Lang::En);
    assert!(first.contains("Same trade"), "{first}");
    assert!(first.contains("Same block"), "{first}");
    assert!(
        first.contains("4 years") && first.contains("Gujarat"),
        "{first}"
    );
    let last = list[3].reasons_text(panjiyan_core::messages::Lang::En);
    assert!(last.contains("Related trade"), "{last}");

    // Offers to the four and to the one without consent, who is left out and named.
    let chosen: Vec<String> = [0, 1, 2, 3, 4].into_iter().map(member).collect();
    let sent = offers::send(db, &employer, &requirement, &chosen, employer_user.id)
        .await
        .unwrap();
    assert_eq!(sent.sent, [member(0), member(1), member(2), member(4)]);
    assert_eq!(
        sent.left_out,
        [(member(3), "page.jobs.left_out.no_consent")]
    );
    let again = offers::send(db, &employer, &requirement, &chosen[..1], employer_user.id)
        .await
        .unwrap();
    assert_eq!(
        again.left_out,
        [(member(0), "page.jobs.left_out.already_offered")]
    );

    // What each worker received: an SMS with the employer, the wage and a reply code, and a
    // voice message.
    let messages = delivered(&s.app, &sms_file).await;
    let mut codes = BTreeMap::new();
    for i in [0usize, 1, 2, 4] {
        let last4 = &mobile(i)[6..];
        let mine: Vec<_> = messages
            .iter()
            .filter(|m| {
                m["recipient"].as_str().unwrap().ends_with(last4)
                    && m["body"].as_str().unwrap().contains("Narmada Builders")
            })
            .collect();
        assert_eq!(mine.len(), 2, "an SMS and a voice message to worker {i}");
        let sms = mine.iter().find(|m| m["channel"] == "sms").unwrap();
        let body = sms["body"].as_str().unwrap();
        assert!(
            body.contains("Narmada Builders") && body.contains("450"),
            "{body}"
        );
        let code = body
            .split("HAAN ")
            .nth(1)
            .unwrap()
            .chars()
            .take(6)
            .collect::<String>();
        codes.insert(i, code);
    }
    assert!(!messages.iter().any(|m| {
        m["recipient"].as_str().unwrap().ends_with(&mobile(3)[6..])
            && m["body"].as_str().unwrap().contains("Narmada Builders")
    }));

    // A forged reply (another number) changes nothing; the worker's own reply accepts.
    let forged = offers::answer_by_sms(db, "9000000001", &format!("HAAN {}", codes[&0]))
        .await
        .unwrap_err();
    assert_eq!(forged.keys(), ["page.jobs.reply_not_matched"]);
    let accepted = offers::answer_by_sms(db, &mobile(0), &format!("haan {}", codes[&0]))
        .await
        .unwrap();
    assert_eq!(accepted.state, "accepted");
    assert_eq!(accepted.answered_via.as_deref(), Some("sms"));
    // The second worker declines on their page; the third accepts at a camp.
    let offer_of = |i: usize| {
        let m = member(i);
        async move { db.offers_to(&m).await.unwrap().remove(0).offer }
    };
    let o1 = offer_of(1).await;
    assert_eq!(
        offers::answer(db, &o1.id, false, Via::Web)
            .await
            .unwrap()
            .state,
        "declined"
    );
    let e = offers::answer(db, &o1.id, true, Via::Web)
        .await
        .unwrap_err();
    assert_eq!(e.keys(), ["page.jobs.offer_already_answered"]);
    let o2 = offer_of(2).await;
    assert_eq!(
        offers::answer(db, &o2.id, true, Via::Camp)
            .await
            .unwrap()
            .state,
        "accepted"
    );

    // Contact details only once accepted.
    let o0 = offer_of(0).await;
    assert_eq!(offers::contact_for(db, &o0).await.unwrap(), Some(mobile(0)));
    assert_eq!(
        offers::contact_for(db, &offer_of(4).await).await.unwrap(),
        None
    );

    // The first joins today; the held worker is no longer shortlisted.
    let joined = offers::join(db, &o0.id, today, Via::Staff).await.unwrap();
    assert_eq!(joined.state, "joined");
    assert_eq!(
        db.job_seeker(&member(0)).await.unwrap().unwrap().standing,
        "placed"
    );

    // A week later the unanswered offer and the accepted-not-joined one are flagged.
    india_time::set_clock(india_time::now_utc() + time::Duration::days(8));
    let stale = offers::stale(db, &district).await.unwrap();
    india_time::set_clock(india_time::now_utc() - time::Duration::days(8));
    let mut flagged: Vec<String> = stale.iter().map(|o| o.offer.member_id.clone()).collect();
    flagged.sort();
    let mut expected = vec![member(2), member(4)];
    expected.sort();
    assert_eq!(flagged, expected);

    // Consent withdrawn by the worker: left out of the next shortlist.
    assert!(
        register::set_consent(db, &member(1), false, register::ConsentChannel::Worker)
            .await
            .unwrap()
    );

    // The funnel equals the ledger: 5 registered, 3 still consenting (4 gave, 1 withdrew),
    // 4 shortlisted, 4 offered, 2 accepted, 1 joined, after 0 days.
    let (_, total) = funnel::funnel(db, &district, FunnelBy::Block)
        .await
        .unwrap();
    assert_eq!(total.stages, [5, 3, 4, 4, 2, 1], "{total:?}");
    assert_eq!(total.mean_days_to_join(), Some(0.0));
    let (by_trade, _) = funnel::funnel(db, &state, FunnelBy::Trade).await.unwrap();
    let construction = by_trade.iter().find(|l| l.key == "construction").unwrap();
    let loaders = by_trade.iter().find(|l| l.key == "head_loader").unwrap();
    assert_eq!(construction.stage("registered"), 4);
    assert_eq!(loaders.stage("accepted"), 1);
}

on_both_backends!(rozgar_setu, employers_offers_and_joining);

/// A place of work typed by name: one that fits a single place is that place (a whole name
/// even when a longer one starts with it), one that fits several lists them with their codes
/// to choose from, one that fits none is named.
async fn places_typed_by_name(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let db = &s.app.db;
    let district = s.places(Level::District)[0].to_string();
    let gp = s.places(Level::GramPanchayat)[0].clone();
    let village = |code: &str, hi: &str, en: &str| Place {
        code: LgdCode::parse(code).unwrap(),
        level: Level::Village,
        name_hi: hi.into(),
        name_en: en.into(),
        parent: Some(gp.clone()),
    };
    let ours = [
        village("990001", "रामपुर", "Rampur"),
        village("990002", "रामपुरा", "Rampura"),
        village("990003", "रामगढ़", "Ramgarh"),
    ];
    db.upsert_places(&ours).await.unwrap();
    let district = district.as_str();
    let place_of = async |typed: &str| {
        let form = employers::EmployerForm {
            place_code: typed.into(),
            ..narmada_builders("")
        };
        match employers::check(db, &form, district).await {
            Ok(checked) => Ok(checked.place_code),
            Err(panjiyan_server::rozgar::RozgarError::Refused(p)) => Err(p[0].message.clone()),
            Err(e) => panic!("{e}"),
        }
    };
    let several = place_of("ram").await.unwrap_err();
    assert_eq!(several.key, "page.jobs.place_choose");
    for v in &ours {
        let listed = format!("{} / {} ({})", v.name_hi, v.name_en, v.code);
        assert!(several.params["choices"].contains(&listed), "{several:?}");
    }
    assert_eq!(place_of("RAMPUR").await.unwrap(), "990001");
    assert_eq!(place_of(" रामगढ़ ").await.unwrap(), "990003");
    assert_eq!(place_of("Rampura").await.unwrap(), "990002");
    assert_eq!(
        place_of("Nowhere").await.unwrap_err().key,
        "page.jobs.place_unknown"
    );
    // A code is still a code.
    assert_eq!(place_of("990002").await.unwrap(), "990002");
}

on_both_backends!(place_names, places_typed_by_name);
