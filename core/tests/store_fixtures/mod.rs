//! A camp for the store tests: a device store holding version 1 of one generated village,
//! the server key that signed it, and forms for its members.

#![allow(dead_code)]

use panjiyan_core::generator::generate_unit;
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::pack::{self, PackContents, PackInfo};
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::samagra::Member;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::validate::LgdCode;
use time::OffsetDateTime;
use time::macros::datetime;

pub const KEY: [u8; 32] = [42; 32];
pub const NOW: OffsetDateTime = datetime!(2026-11-20 10:00 UTC);

pub struct Camp {
    _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    pub server: SigningKey,
    pub unit: LgdCode,
    pub contents: PackContents,
    pub store: DeviceStore,
}

pub fn info(unit: &LgdCode, version: u64) -> PackInfo {
    PackInfo {
        unit_code: unit.clone(),
        unit_level: Level::Village,
        unit_name_hi: "रामपुर".into(),
        unit_name_en: "Rampur".into(),
        version,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    }
}

pub fn camp(members: usize) -> Camp {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("camp.db");
    let server = SigningKey::generate().unwrap();
    let unit = LgdCode::parse("500123").unwrap();
    let contents = generate_unit(11, &unit, members);
    let store = DeviceStore::open(&path, &KEY).unwrap();
    let bytes = pack::build_full(&info(&unit, 1), &contents, &server).unwrap();
    store.import_pack(&bytes, &[server.public_key()]).unwrap();
    Camp {
        _dir: dir,
        path,
        server,
        unit,
        contents,
        store,
    }
}

/// A member who passes the MP 2018 age rule on NOW.
pub fn eligible(contents: &PackContents, nth: usize) -> Member {
    contents
        .members
        .iter()
        .filter(|m| {
            let age = m.birth.age_on(NOW.date());
            (20..=58).contains(&age) && !m.birth.is_estimated()
        })
        .nth(nth)
        .unwrap()
        .clone()
}

pub fn form(m: &Member) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some("9876543210".into()),
        facts: ApplicantFacts::no_land(),
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        consent: true,
        ..RegistrationForm::new(m.member_id.clone(), "op-1")
    }
}

pub fn register(store: &DeviceStore, m: &Member) -> uuid::Uuid {
    let id = store.create_draft(&form(m)).unwrap();
    store.finalise(id, NOW, false).unwrap();
    id
}
