//! The districts and users the harness seeds: one small district per kind of test, and the
//! staff who work in it.

use crate::app::App;
use crate::auth::hash_password;
use crate::roles::Role;
use panjiyan_core::generator::{DistrictSpec, SyntheticDistrict, generate_district};
use panjiyan_core::location::Level;
use panjiyan_core::validate::LgdCode;

/// The server tests' district: two blocks of one gram panchayat with two villages each, an
/// urban body with one ward, 40 households in each village and ward.
pub fn small_district() -> SyntheticDistrict {
    generate_district(&DistrictSpec {
        seed: 5,
        blocks: 2,
        gram_panchayats_per_block: 1,
        villages_per_gram_panchayat: 2,
        urban_bodies: 1,
        wards_per_urban_body: 1,
        households_per_village: 40,
        households_per_ward: 40,
        ..DistrictSpec::default()
    })
}

/// The end-to-end tests' district: two blocks of two gram panchayats with two villages each and
/// one ward, about `households` households in each village and ward.
pub fn camp_district(households: u32) -> SyntheticDistrict {
    generate_district(&DistrictSpec {
        seed: 9,
        blocks: 2,
        gram_panchayats_per_block: 2,
        villages_per_gram_panchayat: 2,
        urban_bodies: 1,
        wards_per_urban_body: 1,
        households_per_village: households,
        households_per_ward: households,
        ..DistrictSpec::default()
    })
}

/// The ingest benchmark's district: villages and wards of the default size, about 26,000 people
/// (enough eligible members for each run of the bench to register its own).
pub fn bench_district() -> SyntheticDistrict {
    generate_district(&DistrictSpec {
        seed: 3,
        blocks: 6,
        gram_panchayats_per_block: 2,
        villages_per_gram_panchayat: 2,
        urban_bodies: 1,
        wards_per_urban_body: 2,
        ..DistrictSpec::default()
    })
}

/// The codes of every place of a level, in the district's order (the first is "home", the
/// second "another area").
pub fn places(district: &SyntheticDistrict, level: Level) -> Vec<LgdCode> {
    district
        .hierarchy
        .places()
        .iter()
        .filter(|p| p.level == level)
        .map(|p| p.code.clone())
        .collect()
}

/// A user to make, with the harness password.
#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub role: Role,
    pub jurisdiction: String,
}

impl User {
    pub fn new(username: &str, role: Role, jurisdiction: impl ToString) -> User {
        User {
            username: username.to_owned(),
            role,
            jurisdiction: jurisdiction.to_string(),
        }
    }
}

/// One user of every role: an operator and a secretary in the first gram panchayat, another
/// secretary in the second, an officer for each of the first two blocks, the collector and the
/// state admin.
pub fn every_role(district: &SyntheticDistrict) -> Vec<User> {
    let gps = places(district, Level::GramPanchayat);
    let blocks = places(district, Level::Block);
    vec![
        User::new("operator", Role::Operator, &gps[0]),
        User::new("secretary", Role::Secretary, &gps[0]),
        User::new("secretary-2", Role::Secretary, &gps[1]),
        User::new("officer", Role::DesignatedOfficer, &blocks[0]),
        User::new("officer-2", Role::DesignatedOfficer, &blocks[1]),
        User::new(
            "collector",
            Role::DistrictAdmin,
            &places(district, Level::District)[0],
        ),
        User::new("state", Role::StateAdmin, "23"),
    ]
}

/// An operator and an officer (the district admin), both for the whole district.
pub fn district_staff(district: &SyntheticDistrict) -> Vec<User> {
    let whole = &places(district, Level::District)[0];
    vec![
        User::new("operator", Role::Operator, whole),
        User::new("officer", Role::DistrictAdmin, whole),
    ]
}

/// Makes the users with the harness password; returns their ids in order.
pub async fn add_users(app: &App, users: &[User]) -> Vec<i64> {
    let hash = hash_password(super::PASSWORD);
    let mut ids = Vec::with_capacity(users.len());
    for u in users {
        ids.push(
            app.db
                .add_user(&u.username, &hash, u.role, &u.jurisdiction)
                .await
                .unwrap(),
        );
    }
    ids
}
