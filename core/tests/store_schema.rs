//! Schema upgrades: a database written at an older schema version opens with this build, keeps
//! its data, and ends with exactly the schema a fresh database gets.

use panjiyan_core::generator::generate_unit;
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::pack::{self, PackInfo};
use panjiyan_core::store::schema::{CURRENT_VERSION, MIGRATIONS};
use panjiyan_core::store::{DeviceStore, StoreError};
use panjiyan_core::validate::LgdCode;
use rusqlite::Connection;

const KEY: [u8; 32] = [9; 32];

fn schema_of(path: &std::path::Path) -> Vec<(String, String)> {
    let c = Connection::open(path).unwrap();
    let mut stmt = c
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Writes a version-1 snapshot: the camp data tables of 0001 holding an imported pack, as a
/// build from before registrations existed left it.
fn version_one_snapshot(path: &std::path::Path) -> (LgdCode, usize, String) {
    let server = SigningKey::generate().unwrap();
    let unit = LgdCode::parse("500777").unwrap();
    let contents = generate_unit(3, &unit, 200);
    let info = PackInfo {
        unit_code: unit.clone(),
        unit_level: Level::Village,
        unit_name_hi: "सेमरी".into(),
        unit_name_en: "Semri".into(),
        version: 4,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    };
    let store = DeviceStore::open(path, &KEY).unwrap();
    store
        .import_pack(
            &pack::build_full(&info, &contents, &server).unwrap(),
            &[server.public_key()],
        )
        .unwrap();
    let device = store.device_id().to_owned();
    drop(store);
    let c = Connection::open(path).unwrap();
    c.execute_batch("DROP TABLE registrations; DROP TABLE camps; DROP TABLE download_chunks; DROP TABLE rule_sets; DROP TABLE offers; DROP TABLE offer_answers; PRAGMA user_version = 1;")
        .unwrap();
    let v1 = {
        let fresh = tempfile::NamedTempFile::new().unwrap();
        let f = Connection::open(fresh.path()).unwrap();
        f.execute_batch(MIGRATIONS[0]).unwrap();
        drop(f);
        schema_of(fresh.path())
    };
    drop(c);
    assert_eq!(
        schema_of(path),
        v1,
        "the snapshot has exactly the version-1 schema"
    );
    (unit, contents.members.len(), device)
}

#[test]
fn an_old_database_is_upgraded_with_its_data_and_matches_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    let (unit, members, device) = version_one_snapshot(&old);

    let store = DeviceStore::open(&old, &KEY).unwrap();
    assert_eq!(
        store.device_id(),
        device,
        "the device key survives the upgrade"
    );
    let info = store.unit(&unit).unwrap().unwrap();
    assert_eq!((info.version, info.member_count), (4, members as u64));
    assert_eq!(store.outbox_stats().unwrap().queued, 0);
    drop(store);

    let fresh = dir.path().join("fresh.db");
    drop(DeviceStore::open(&fresh, &KEY).unwrap());
    assert_eq!(schema_of(&old), schema_of(&fresh));
    let version: u32 = Connection::open(&old)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, CURRENT_VERSION);
}

#[test]
fn a_database_from_a_newer_build_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(DeviceStore::open(&path, &KEY).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    assert!(matches!(
        DeviceStore::open(&path, &KEY),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
}
