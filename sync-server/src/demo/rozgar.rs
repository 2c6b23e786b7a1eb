//! The demo's Rozgar Setu: minimum wages for the trades it uses, a dozen employers of the
//! district (most verified by the collector, some still waiting), their requirements (one in a
//! trade no returned migrant has, so the district cell sees a shortage), shortlists, and offers
//! sent, accepted, declined and joined: every step through the same services as the pages.

use super::DemoUser;
use crate::app::App;
use crate::auth::{hash_password, new_token};
use crate::roles::Role;
use crate::rozgar::employers::{self, EmployerForm};
use crate::rozgar::matching;
use crate::rozgar::offers::{self, Via};
use crate::rozgar::requirements::{self, RequirementForm};
use crate::storage::{MinWage, StorageError, User, now_ms};
use panjiyan_core::generator::SyntheticDistrict;
use panjiyan_core::india_time;
use panjiyan_core::location::Level;
use panjiyan_core::messages::Lang;

type DemoError = Box<dyn std::error::Error + Send + Sync>;

/// The trades of the demo's returned migrants, each with its daily minimum wage (₹).
pub const TRADES: [(&str, i64); 6] = [
    ("construction", 400),
    ("carpentry", 450),
    ("tailoring", 380),
    ("transport_driver", 500),
    ("security_guard", 420),
    ("brick_making", 380),
];

/// A trade with a minimum wage and a requirement but no returned migrant: training demand.
const SHORT_TRADE: (&str, i64) = ("pottery", 350);

/// The demo's employers: kind, name, whether the collector has verified it yet.
const EMPLOYERS: [(&str, &str, bool); 12] = [
    ("builder", "Narmada Builders", true),
    ("msme", "Malwa Garments", true),
    ("large_industry", "Vindhya Cement Works", true),
    ("contractor", "Shivam Road Contractors", true),
    ("placement_agency", "Rozgar Placement Services", true),
    ("shop", "Gupta Furniture Mart", true),
    ("msme", "Satpura Bricks", true),
    ("government", "Gram Sadak Nirman Vibhag", true),
    ("msme", "Mitti Kala Pottery Udyog", true),
    ("builder", "Omkar Housing", false),
    ("shop", "Sharma Transport", false),
    ("contractor", "Jai Security Agency", false),
];

/// What each verified employer wants: (employer, trade, workers, daily wage in ₹, food, stay).
const REQUIREMENTS: [(usize, &str, i64, i64, bool, bool); 10] = [
    (0, "construction", 6, 450, true, false),
    (1, "tailoring", 5, 400, false, false),
    (2, "construction", 4, 520, true, true),
    (3, "brick_making", 5, 400, true, true),
    (4, "security_guard", 3, 450, false, false),
    (5, "carpentry", 4, 480, false, false),
    (6, "brick_making", 4, 390, true, false),
    (7, "transport_driver", 3, 550, false, false),
    (4, "transport_driver", 2, 520, false, false),
    (8, SHORT_TRADE.0, 3, 380, false, false),
];

/// What the demo's Rozgar Setu holds, for the log and the test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    pub employers: usize,
    pub awaiting: usize,
    pub requirements: usize,
    pub offers: usize,
}

/// Seeds Rozgar Setu in `district` (whose returned migrants are already approved into the
/// skill register); the collector `collector` verifies. Adds the sign-ins of the first
/// employer and of one still waiting to `users`.
pub async fn seed(
    app: &App,
    district: &SyntheticDistrict,
    collector: &User,
    users: &mut Vec<DemoUser>,
) -> Result<Seeded, DemoError> {
    let db = &app.db;
    let now = now_ms();
    let today = india_time::india_day(now);
    let place = |level: Level| {
        district
            .hierarchy
            .places()
            .iter()
            .filter(move |p| p.level == level)
    };
    let state = place(Level::State)
        .next()
        .ok_or(StorageError::Corrupt("demo state"))?;
    let district_code = place(Level::District)
        .next()
        .ok_or(StorageError::Corrupt("demo district"))?
        .code
        .to_string();
    for (trade, daily_rupees) in TRADES.iter().chain([&SHORT_TRADE]) {
        let wage = MinWage {
            state_code: state.code.to_string(),
            trade_code: (*trade).to_owned(),
            from_day: today - 90,
            daily_rupees: *daily_rupees,
        };
        db.set_min_wage(&wage, Some(collector.id), now).await?;
    }
    // Workplaces in the villages and wards, spread over the district.
    let units: Vec<String> = place(Level::Village)
        .chain(place(Level::Ward))
        .map(|p| p.code.to_string())
        .collect();
    let mut seeded = Seeded::default();
    let mut verified = Vec::new();
    for (i, (kind, name, is_verified)) in EMPLOYERS.iter().enumerate() {
        let pan = format!("23AAAC{}{:04}F1Z", (b'A' + i as u8) as char, 1001 + i);
        let check = panjiyan_core::validate::gstin_check_char(&pan)
            .ok_or(StorageError::Corrupt("demo GSTIN"))?;
        let form = EmployerForm {
            kind: (*kind).to_owned(),
            name: (*name).to_owned(),
            gstin: if *kind == "government" {
                String::new()
            } else {
                format!("{pan}{check}")
            },
            udyam: if *kind == "msme" {
                format!("UDYAM-MP-23-{:07}", 4_100 + i)
            } else {
                String::new()
            },
            place_code: units[(i * 7) % units.len()].clone(),
            address: format!("{} Main Road", 10 + i),
            contact_name: format!("Contact {}", i + 1),
            contact_mobile: format!("94250{:05}", 10_000 + i),
        };
        let checked = employers::check(db, &form, &district_code)
            .await
            .map_err(|e| format!("demo employer {name}: {e}"))?;
        let username = match i {
            0 => "employer".to_owned(),
            9 => "employer-waiting".to_owned(),
            _ => format!("employer-{}", i + 1),
        };
        // A fresh random password per demo database; printed once for the two shown.
        let password = new_token().0[..12].to_owned();
        let id = employers::register(
            db,
            &checked,
            &username,
            &hash_password(&password),
            Some(collector.id),
        )
        .await
        .map_err(|e| format!("demo employer {name}: {e}"))?;
        let user = db
            .user_with_hash(&username)
            .await?
            .map(|(u, _)| u.id)
            .ok_or(StorageError::NotFound("demo employer's user"))?;
        if matches!(i, 0 | 9) {
            users.push(DemoUser {
                username,
                password,
                role: Role::Employer,
                jurisdiction: district_code.clone(),
                jurisdiction_name: (*name).to_owned(),
            });
        }
        seeded.employers += 1;
        if *is_verified {
            let employer = employers::decide(db, collector, id, None)
                .await
                .map_err(|e| format!("demo employer {name}: {e}"))?;
            verified.push((employer, user));
        } else {
            seeded.awaiting += 1;
        }
    }
    let day = |offset: i64| {
        india_time::india_date(today + offset)
            .map(|d| d.to_string())
            .ok_or(StorageError::Corrupt("demo day"))
    };
    // Offers are answered in turn: accepted, then joined, declined, left waiting.
    let mut answered = 0usize;
    for (n, (e, trade, workers, wage, food, stay)) in REQUIREMENTS.iter().enumerate() {
        let (employer, by) = (&verified[*e].0, verified[*e].1);
        let form = RequirementForm {
            trade_code: (*trade).to_owned(),
            workers: workers.to_string(),
            daily_rupees: wage.to_string(),
            place_code: units[(n * 5 + 3) % units.len()].clone(),
            starts_on: day(14 + n as i64)?,
            duration_days: "120".into(),
            closes_on: day(7)?,
            food: *food,
            stay: *stay,
        };
        let id = requirements::post(db, employer, &form, by)
            .await
            .map_err(|e| format!("demo requirement {n}: {e}"))?;
        seeded.requirements += 1;
        let requirement = db
            .requirement(id)
            .await?
            .ok_or(StorageError::NotFound("demo requirement"))?;
        // The employer looks at the shortlist (recorded as shown) and offers to the first.
        let shortlist = matching::shortlist(db, &requirement, Lang::Hi)
            .await
            .map_err(|e| format!("demo shortlist {n}: {e}"))?;
        let chosen: Vec<String> = shortlist
            .iter()
            .take((*workers as usize).min(4))
            .map(|r| r.candidate.member_id.clone())
            .collect();
        if chosen.is_empty() || n >= 8 {
            continue;
        }
        let sent = offers::send(db, employer, &requirement, &chosen, by)
            .await
            .map_err(|e| format!("demo offers {n}: {e}"))?;
        seeded.offers += sent.sent.len();
        for member in &sent.sent {
            let Some(offer) = db
                .offers_for(requirement.id)
                .await?
                .into_iter()
                .map(|l| l.offer)
                .find(|o| &o.member_id == member)
            else {
                continue;
            };
            let step = answered % 5;
            answered += 1;
            // Refusals (a worker who already holds an accepted offer) leave the offer waiting.
            let via = [Via::Sms, Via::Web, Via::Camp][answered % 3];
            match step {
                0 | 1 => {
                    let accepted = taken(offers::answer(db, &offer.id, true, via).await)?;
                    if accepted && step == 1 {
                        taken(offers::join(db, &offer.id, today, Via::Staff).await)?;
                    }
                }
                2 => {
                    taken(offers::answer(db, &offer.id, false, via).await)?;
                }
                _ => {}
            }
        }
    }
    Ok(seeded)
}

/// Whether a step the demo takes was taken: a refusal (a worker who already holds an accepted
/// offer) is `false` and leaves the offer as it was; a fault of ours stops the seeding.
fn taken<T>(step: Result<T, crate::rozgar::RozgarError>) -> Result<bool, StorageError> {
    match step {
        Ok(_) => Ok(true),
        Err(crate::rozgar::RozgarError::Refused(_)) => Ok(false),
        Err(crate::rozgar::RozgarError::Storage(e)) => Err(e),
    }
}
