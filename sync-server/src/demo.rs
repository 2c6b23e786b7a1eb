//! `serve --demo`: fills an empty database with a synthetic district (blocks, gram panchayats,
//! villages, an urban body with wards, tens of thousands of people), builds its camp packs and
//! makes a demo user of every role, whose credentials are printed once.

use crate::app::App;
use crate::auth::{hash_password, new_token};
use crate::packs;
use crate::storage::{Role, Storage, StorageError, now_ms};
use panjiyan_core::generator::{DistrictSpec, generate_district};
use panjiyan_core::location::Level;

/// A demo user, with the password to print.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub jurisdiction: String,
    pub jurisdiction_name: String,
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
    app.db.upsert_places(district.hierarchy.places()).await?;
    let changed = app
        .db
        .upsert_samagra(&district.families, &district.members, now_ms())
        .await?
        .changed_units;
    for unit in &changed {
        packs::ensure_current(app, unit).await?;
    }
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
    tracing::info!(
        members = district.members.len(),
        units = changed.len(),
        "demo district seeded"
    );
    Ok(users)
}
