//! A camp, end to end on one machine, with no network: the server side builds and signs a
//! camp pack for a synthetic village; the device verifies and imports it into an encrypted
//! store; an operator finds workers by Samagra ID and by name, registers one, is refused for
//! an ineligible one, and sees the outbox waiting for a signal.
//!
//! Run: `cargo run --release -p panjiyan-core --example camp_demo [-- --lang en] [--db PATH]`

use panjiyan_core::generator::{DistrictSpec, generate_district};
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::messages::{Lang, format_indian_number};
use panjiyan_core::pack::{self, PackContents, PackInfo};
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::{DeviceStore, StoreError};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let lang = match args
        .iter()
        .position(|a| a == "--lang")
        .and_then(|i| args.get(i + 1))
    {
        Some(l) if l == "en" => Lang::En,
        _ => Lang::Hi,
    };
    let db = args
        .iter()
        .position(|a| a == "--db")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("panjiyan-camp-demo-{}.db", std::process::id()))
        });

    println!("Panjiyan camp demo (offline)\n");
    let district = generate_district(&DistrictSpec::default());
    let village = district
        .hierarchy
        .places()
        .iter()
        .find(|p| p.level == Level::Village)
        .expect("a village");
    let families: Vec<_> = district
        .families
        .iter()
        .filter(|f| f.unit_code == village.code)
        .cloned()
        .collect();
    let ids: std::collections::HashSet<_> = families.iter().map(|f| f.family_id.clone()).collect();
    let contents = PackContents {
        members: district
            .members
            .iter()
            .filter(|m| ids.contains(&m.family_id))
            .cloned()
            .collect(),
        families,
        registered: Vec::new(),
    };
    println!(
        "District {}: {} people in {} villages and wards",
        district.hierarchy.places()[1].name_en,
        format_indian_number(district.members.len() as u64),
        district
            .hierarchy
            .places()
            .iter()
            .filter(|p| p.level.is_camp_unit())
            .count()
    );

    let server_key = SigningKey::generate()?;
    let info = PackInfo {
        unit_code: village.code.clone(),
        unit_level: Level::Village,
        unit_name_hi: village.name_hi.clone(),
        unit_name_en: village.name_en.clone(),
        version: 1,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    };
    let bytes = pack::build_full(&info, &contents, &server_key)?;
    let manifest = pack::read_manifest(&bytes)?;
    println!(
        "Camp pack for {} ({}): {} families, {} members, {} bytes, signed by key {}",
        village.name_en,
        village.name_hi,
        manifest.family_count,
        manifest.member_count,
        format_indian_number(bytes.len() as u64),
        manifest.signing_key_id
    );

    let store_key = [7u8; 32];
    let store = DeviceStore::open(&db, &store_key)?;
    let t = Instant::now();
    let summary = store.import_pack(&bytes, &[server_key.public_key()])?;
    println!(
        "Imported version {} on device {} in {:?}",
        summary.to_version,
        store.device_id(),
        t.elapsed()
    );

    let mut tampered = bytes.clone();
    let n = tampered.len();
    tampered[n - 10] ^= 1;
    match store.import_pack(&tampered, &[server_key.public_key()]) {
        Err(e) => println!("A tampered copy is refused: {e}"),
        Ok(_) => println!("BUG: a tampered pack was accepted"),
    }

    let today = panjiyan_core::india_time::now();
    let worker = contents
        .members
        .iter()
        .find(|m| (20..=55).contains(&m.birth.age_on(today.date())))
        .expect("an adult");
    let t = Instant::now();
    let family = store
        .family_of_member(&worker.member_id)?
        .expect("in the pack");
    println!(
        "\nSamagra member ID {} → family {} ({:?}):",
        worker.member_id,
        family.family.family_id,
        t.elapsed()
    );
    for m in &family.members {
        println!(
            "  {:<9} {:<28} {:<24} {:?}, born {}",
            m.member.member_id,
            m.member.name_hi,
            m.member.name_en,
            m.member.relation,
            m.member.birth.year
        );
    }
    let surname = worker.name_en.split(' ').next_back().unwrap_or_default();
    let query = format!(
        "{} {}",
        worker.name_en.split(' ').next().unwrap_or_default(),
        surname.to_lowercase()
    );
    let t = Instant::now();
    let hits = store.search_names(&query, Some(&village.code), 5)?;
    println!("\nName search {query:?} ({:?}):", t.elapsed());
    for h in &hits {
        println!(
            "  {:.2}  {:<9} {} / {}",
            h.score, h.member.member.member_id, h.member.member.name_hi, h.member.member.name_en
        );
    }

    let form = |m: &panjiyan_core::samagra::Member| RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some("+91 98765 43210".into()),
        facts: ApplicantFacts {
            land_ares: Some(40),
            irrigated_land_ares: Some(20),
            ..Default::default()
        },
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        consent: true,
        language: lang,
        ..RegistrationForm::new(m.member_id.clone(), "operator-1")
    };
    let draft = store.create_draft(&form(worker))?;
    let done = store.finalise(draft, today, true)?;
    println!(
        "\nRegistered {} as {} (device sequence {})",
        worker.member_id, done.id, done.device_seq
    );

    if let Some(child) = contents
        .members
        .iter()
        .find(|m| m.birth.age_on(today.date()) < 15)
    {
        let draft = store.create_draft(&form(child))?;
        match store.finalise(draft, today, true) {
            Err(StoreError::FormProblems(problems)) => {
                println!("Refused {}:", child.member_id);
                for p in problems {
                    println!("  - {}", p.message.text(lang));
                }
            }
            other => println!("BUG: expected a refusal, got {other:?}"),
        }
    }

    let stats = store.outbox_stats()?;
    println!(
        "\nOutbox: {} waiting for a signal; oldest finalised {:?}",
        stats.queued, stats.oldest_queued_at
    );
    println!("Device database: {}", db.display());
    Ok(())
}
