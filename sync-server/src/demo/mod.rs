//! `serve --demo`: fills an empty database with a synthetic district (blocks, gram panchayats,
//! villages, an urban body with wards, tens of thousands of people), builds its camp packs and
//! makes a demo user of every role, whose credentials are printed once; and holds camps (a demo
//! phone's registrations, pushed through the ordinary checks): yesterday's, of returned migrants
//! the block officer has approved into Rozgar Setu's skill register, and today's, waiting in the
//! officer's queue. Rozgar Setu's employers, requirements and offers come from `rozgar`.

pub mod rozgar;

use crate::app::App;
use crate::auth::{hash_password, new_token};
use crate::packs;
use crate::roles::Role;
use crate::storage::{Device, StorageError, now_ms};
use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::generator::{DistrictSpec, SyntheticDistrict, generate_district};
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::messages::Lang;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{ApplicantFacts, Channel};
use panjiyan_core::validate::{LgdCode, Mobile};
use panjiyan_core::wire::{PushOutcome, RegistrationPayload, SignedRegistration};

/// A demo user, with the password to print.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub jurisdiction: String,
    pub jurisdiction_name: String,
}

/// Loads a district's places and people and builds the camp pack of every unit they changed;
/// returns how many units changed.
pub async fn load_district(
    app: &App,
    district: &SyntheticDistrict,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    app.db.upsert_places(district.hierarchy.places()).await?;
    let changed = app
        .db
        .upsert_samagra(&district.families, &district.members, now_ms())
        .await?
        .changed_units;
    for unit in &changed {
        packs::ensure_current(app, unit).await?;
    }
    Ok(changed.len())
}

/// Seeds the demo district unless the database already has users. Returns the users made.
pub async fn seed(app: &App) -> Result<Vec<DemoUser>, Box<dyn std::error::Error + Send + Sync>> {
    if !app.db.users().await?.is_empty() {
        return Ok(Vec::new());
    }
    let spec = DistrictSpec {
        blocks: 3,
        gram_panchayats_per_block: 4,
        villages_per_gram_panchayat: 2,
        urban_bodies: 1,
        wards_per_urban_body: 6,
        households_per_ward: 250,
        ..DistrictSpec::default()
    };
    let district = generate_district(&spec);
    let changed = load_district(app, &district).await?;
    let first = |level: Level| {
        district
            .hierarchy
            .places()
            .iter()
            .find(|p| p.level == level)
            .expect("the demo district has every level")
    };
    let plan = [
        ("operator", Role::Operator, first(Level::GramPanchayat)),
        ("secretary", Role::Secretary, first(Level::GramPanchayat)),
        ("ward-incharge", Role::Secretary, first(Level::UrbanBody)),
        ("ceo-janpad", Role::DesignatedOfficer, first(Level::Block)),
        ("cmo", Role::DesignatedOfficer, first(Level::UrbanBody)),
        ("collector", Role::DistrictAdmin, first(Level::District)),
        ("district-cell", Role::DistrictCell, first(Level::District)),
        ("state-admin", Role::StateAdmin, first(Level::State)),
    ];
    let mut users = Vec::new();
    for (name, role, place) in plan {
        // A fresh random password per demo database; printed once, stored only hashed.
        let password = new_token().0[..12].to_owned();
        app.db
            .add_user(name, &hash_password(&password), role, place.code.as_str())
            .await
            .map_err(|e| match e {
                StorageError::AlreadyExists(_) => StorageError::AlreadyExists("demo user"),
                other => other,
            })?;
        users.push(DemoUser {
            username: name.to_owned(),
            password,
            role,
            jurisdiction: place.code.to_string(),
            jurisdiction_name: place.name_en.clone(),
        });
    }
    // Targets: about a third of each village's and ward's people, the campaign's usual aim.
    let mut people: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let unit_of: std::collections::HashMap<_, _> = district
        .families
        .iter()
        .map(|f| (f.family_id.clone(), f.unit_code.as_str()))
        .collect();
    for m in &district.members {
        if let Some(unit) = unit_of.get(&m.family_id) {
            *people.entry(unit).or_default() += 1;
        }
    }
    for (unit, n) in people {
        app.db.set_target(unit, (n / 3).max(1)).await?;
    }
    let operator = demo_user(app, "operator").await?;
    let [yesterday, today] = plan_camps(app, &district, &operator).await?;
    let phone = DemoPhone::enrol(app, &operator).await?;
    // Yesterday's camp: returned migrants, approved by the block officer since.
    let migrants = DemoCamp {
        id: yesterday,
        skip: CAMP_REGISTRATIONS,
        count: MIGRANT_REGISTRATIONS,
        returned_migrants: true,
    };
    let approved = camp(app, &district, &phone, &operator, &migrants).await?;
    let officer = demo_user(app, "ceo-janpad").await?;
    for id in &approved {
        crate::decisions::decide(
            &app.db,
            id,
            &crate::storage::Decision::Approve,
            officer.id,
            &app.settings.number_format,
            now_ms(),
        )
        .await?;
    }
    let queue = DemoCamp {
        id: today,
        skip: 0,
        count: CAMP_REGISTRATIONS,
        returned_migrants: false,
    };
    let held = camp(app, &district, &phone, &operator, &queue).await?.len();
    department_list(app, &district).await?;
    let collector = demo_user(app, "collector").await?;
    let jobs = rozgar::seed(app, &district, &collector, &mut users).await?;
    tracing::info!(
        members = district.members.len(),
        units = changed,
        registrations = held + approved.len(),
        employers = jobs.employers,
        requirements = jobs.requirements,
        offers = jobs.offers,
        "demo district seeded"
    );
    Ok(users)
}

/// The demo user `username`, made above.
async fn demo_user(app: &App, username: &str) -> Result<crate::storage::User, StorageError> {
    app.db
        .user_with_hash(username)
        .await?
        .map(|(u, _)| u)
        .ok_or(StorageError::NotFound("demo user"))
}

/// Registrations today's camp brings in: enough for a queue worth filtering.
const CAMP_REGISTRATIONS: usize = 240;

/// Returned migrants registered at yesterday's camp.
const MIGRANT_REGISTRATIONS: usize = 80;

/// The demo's phone, enrolled by the operator.
struct DemoPhone {
    key: SigningKey,
    device: Device,
    /// The device sequence number of its last registration.
    seq: std::sync::atomic::AtomicU64,
}

impl DemoPhone {
    async fn enrol(
        app: &App,
        operator: &crate::storage::User,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let key = SigningKey::generate().map_err(|_| StorageError::Corrupt("demo device key"))?;
        let device = Device {
            device_id: key.key_id().to_owned(),
            public_key: key.public_key().bytes,
            jurisdiction: operator.jurisdiction.clone(),
            enrolled_by: operator.id,
            revoked: false,
        };
        app.db
            .enrol_device(&device, &new_token().1, now_ms())
            .await?;
        Ok(DemoPhone {
            key,
            device,
            seq: 0.into(),
        })
    }
}

/// A camp the demo phone holds: which of the gram panchayat's working-age members it
/// registers (`count` of them after the first `skip`), and whether as returned migrants.
struct DemoCamp {
    id: String,
    skip: usize,
    count: usize,
    returned_migrants: bool,
}

/// Where the demo's returned migrants had worked.
const WORKED_IN: [&str; 5] = ["Gujarat", "Maharashtra", "Delhi", "Punjab", "Kerala"];

/// What the `i`-th returned migrant of a demo camp tells: the state and trade worked in,
/// years of it, sometimes an ITI certificate, how far from home they would work, and (seven in
/// eight) consent to be contacted about jobs.
fn migrant_details(i: usize) -> panjiyan_core::registration::MigrantDetails {
    use panjiyan_core::registration::{MigrantDetails, WorkArea};
    MigrantDetails {
        state_worked_in: WORKED_IN[i % WORKED_IN.len()].to_owned(),
        trade_code: Some(rozgar::TRADES[i % rozgar::TRADES.len()].0.to_owned()),
        months_away: Some(6 + (i % 30) as u16),
        returned_on: Some(format!("2020-{:02}-{:02}", 4 + i % 3, 1 + i % 28)),
        experience_years: Some(1 + (i % 12) as u8),
        certificate: i.is_multiple_of(5).then(|| "ITI".to_owned()),
        willing_to_work: Some([WorkArea::Block, WorkArea::District, WorkArea::State][i % 3]),
        job_consent: i % 8 != 7,
        ..MigrantDetails::default()
    }
}

/// A camp in the operator's gram panchayat: the demo phone registers working-age members of
/// its villages and pushes them through the same checks as any phone, so the officer pages
/// and reports have something to show. Returns the ids of the registrations accepted.
async fn camp(
    app: &App,
    district: &panjiyan_core::generator::SyntheticDistrict,
    phone: &DemoPhone,
    operator: &crate::storage::User,
    camp: &DemoCamp,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let (key, device) = (&phone.key, &phone.device);
    let area: LgdCode = operator.jurisdiction.parse()?;
    let occupations = OccupationList::builtin();
    let rules = RuleSet::mp_2018();
    let now = panjiyan_core::india_time::now_utc();
    let units: std::collections::HashMap<_, _> = district
        .families
        .iter()
        .filter(|f| district.hierarchy.is_within(&f.unit_code, &area))
        .map(|f| (f.family_id.clone(), f.unit_code.clone()))
        .collect();
    let signed: Vec<SignedRegistration> = district
        .members
        .iter()
        .filter(|m| (19..=59).contains(&m.birth.age_on(panjiyan_core::india_time::date_of(now))))
        .filter_map(|m| units.get(&m.family_id).map(|unit| (m, unit)))
        .skip(camp.skip)
        .take(camp.count)
        .enumerate()
        .map(|(i, (m, unit))| {
            let migrant = camp.returned_migrants.then(|| migrant_details(i));
            let occupation = match &migrant {
                Some(m) => m.trade_code.clone().unwrap_or_default(),
                None => occupations.categories[i % occupations.categories.len()]
                    .code
                    .clone(),
            };
            let payload = RegistrationPayload {
                id: uuid::Uuid::now_v7(),
                device_id: device.device_id.clone(),
                device_seq: phone.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                member_id: m.member_id.clone(),
                family_id: m.family_id.clone(),
                unit_code: unit.clone(),
                occupation_code: occupation,
                occupations_version: occupations.version,
                rules_id: rules.id.clone(),
                rules_version: rules.version,
                mobile: Mobile::parse(&format!("98{:08}", 26_000_000 + camp.skip + i)).ok(),
                aadhaar_last4: None,
                bank_ifsc: None,
                facts: ApplicantFacts::no_land(),
                channel: Channel::Camp,
                camp_id: Some(camp.id.clone()),
                operator_id: operator.username.clone(),
                consent: true,
                migrant,
                language: if i % 5 == 4 { Lang::En } else { Lang::Hi },
                created_at: now,
                finalised_at: now,
            };
            SignedRegistration::sign(&payload, key)
        })
        .collect();
    let mut held = Vec::new();
    for batch in signed.chunks(app.settings.max_batch) {
        let answers = crate::intake::receive(app, device, batch, None)
            .await
            .map_err(|e| format!("the demo camp's push was refused: {e}"))?;
        held.extend(
            answers
                .iter()
                .filter(|a| matches!(a.outcome, PushOutcome::Accepted))
                .map(|a| a.id.to_string()),
        );
    }
    Ok(held)
}

/// Yesterday's and today's camps for the operator's gram panchayat (where the demo phone
/// registers) and tomorrow's for the next one, all staffed by the operator and the secretary.
/// Returns the ids of yesterday's and today's.
async fn plan_camps(
    app: &App,
    district: &panjiyan_core::generator::SyntheticDistrict,
    operator: &crate::storage::User,
) -> Result<[String; 2], Box<dyn std::error::Error + Send + Sync>> {
    let gp: LgdCode = operator.jurisdiction.parse()?;
    let block = district
        .hierarchy
        .get(&gp)
        .and_then(|p| p.parent.clone())
        .ok_or(StorageError::NotFound("the demo block"))?;
    let gps: Vec<_> = district.hierarchy.children(&block).collect();
    let staff: Vec<i64> = app
        .db
        .users()
        .await?
        .into_iter()
        .filter(|u| {
            matches!(u.role, Role::Operator | Role::Secretary)
                && u.jurisdiction == operator.jurisdiction
        })
        .map(|u| u.id)
        .collect();
    let today = panjiyan_core::india_time::india_day(now_ms());
    let mut held = Vec::new();
    for (offset, gp) in [(-1, gps[0]), (0, gps[0]), (1, gps[1])] {
        let day = today + offset;
        // 10:00 to 17:00 IST.
        let start = panjiyan_core::india_time::india_day_start(day) + 10 * 3_600_000;
        let date =
            panjiyan_core::india_time::india_date(day).ok_or(StorageError::Corrupt("demo day"))?;
        let camp = crate::storage::Camp {
            id: String::new(),
            area_code: block.to_string(),
            starts_at: start,
            ends_at: start + 7 * 3_600_000,
            venue: format!("Panchayat Bhawan, {}", gp.name_en),
            units: district
                .hierarchy
                .children(&gp.code)
                .map(|v| v.code.to_string())
                .collect(),
            staff: staff.clone(),
        };
        let id = app.db.plan_camp(&camp, date, operator.id, now_ms()).await?;
        if offset <= 0 {
            held.push(id);
        }
    }
    let [yesterday, today] =
        <[String; 2]>::try_from(held).map_err(|_| StorageError::Corrupt("the demo's camps"))?;
    Ok([yesterday, today])
}

/// A department's list: the district's ASHA workers (women of working age in the first
/// block), some registered at today's camp and most not yet.
async fn department_list(
    app: &App,
    district: &panjiyan_core::generator::SyntheticDistrict,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let today = panjiyan_core::india_time::today();
    let ids: Vec<String> = district
        .members
        .iter()
        .filter(|m| {
            m.gender == panjiyan_core::samagra::Gender::Female
                && (25..=50).contains(&m.birth.age_on(today))
        })
        .step_by(7)
        .take(120)
        .map(|m| m.member_id.to_string())
        .collect();
    let owner = district
        .hierarchy
        .places()
        .iter()
        .find(|p| p.level == panjiyan_core::location::Level::District)
        .map(|p| p.code.to_string())
        .ok_or(StorageError::Corrupt("demo district"))?;
    app.db
        .import_group(
            "ASHA workers",
            "Public Health and Family Welfare",
            &owner,
            &ids,
            now_ms(),
        )
        .await?;
    Ok(())
}
