//! Durability: a process killed with SIGKILL in the middle of pack imports and registration
//! writes, again and again, never loses a committed registration and never leaves the store
//! unopenable or a unit half-imported.
//!
//! The test re-runs its own binary as the child (selected by an environment variable); the
//! child prints each registration id after its commit returns, and the parent kills it at a
//! random moment.

use panjiyan_core::generator::{Rng, generate_unit};
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::pack::{self, PackContents, PackInfo};
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm, RegistrationState};
use panjiyan_core::store::{DeviceStore, StoreError};
use panjiyan_core::validate::LgdCode;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CHILD_ENV: &str = "PANJIYAN_DURABILITY_CHILD";
const KEY: [u8; 32] = [5; 32];
const ROUNDS: u64 = 25;
const MEMBERS: usize = 1_500;

fn unit() -> LgdCode {
    LgdCode::parse("500321").unwrap()
}

/// Version `v` of the unit: odd versions leave out every tenth family, so a half-done import
/// would show up as a member count that belongs to neither version.
fn contents(v: u64) -> PackContents {
    let mut c = generate_unit(21, &unit(), MEMBERS);
    if v % 2 == 1 {
        let dropped: std::collections::HashSet<_> = c
            .families
            .iter()
            .step_by(10)
            .map(|f| f.family_id.clone())
            .collect();
        c.families.retain(|f| !dropped.contains(&f.family_id));
        c.members.retain(|m| !dropped.contains(&m.family_id));
    }
    c
}

fn pack_bytes(v: u64, key: &SigningKey) -> Vec<u8> {
    let info = PackInfo {
        unit_code: unit(),
        unit_level: Level::Village,
        unit_name_hi: "पठारी".into(),
        unit_name_en: "Pathari".into(),
        version: v,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    };
    pack::build_full(&info, &contents(v), key).unwrap()
}

fn form(m: &panjiyan_core::samagra::Member) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("agricultural_labour".into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        ..RegistrationForm::new(m.member_id.clone(), "op")
    }
}

/// The child: imports ever newer packs and registers members until it is killed.
fn child(dir: &std::path::Path) {
    let key = SigningKey::from_pkcs8(&std::fs::read(dir.join("server.pk8")).unwrap()).unwrap();
    let store = DeviceStore::open(dir.join("camp.db"), &KEY).unwrap();
    let everyone = contents(0).members;
    let mut out = std::io::stdout().lock();
    loop {
        let next = store.unit(&unit()).unwrap().map_or(1, |u| u.version + 1);
        store
            .import_pack(&pack_bytes(next, &key), &[key.public_key()])
            .unwrap();
        writeln!(out, "imported {next}").unwrap();
        let mut made = 0;
        for m in &everyone {
            if made == 5 {
                break;
            }
            let Some(view) = store.member(&m.member_id).unwrap() else {
                continue;
            };
            if view.device_registration.is_some() {
                continue;
            }
            let id = match store.create_draft(&form(m)) {
                Ok(id) => id,
                Err(StoreError::AlreadyRegisteredOnDevice) => continue,
                Err(e) => panic!("{e}"),
            };
            match store.finalise(id, panjiyan_core::india_time::now_utc(), true) {
                Ok(_) => {
                    writeln!(out, "committed {id}").unwrap();
                    out.flush().unwrap();
                    made += 1;
                }
                Err(StoreError::FormProblems(_)) => store.discard_draft(id).unwrap(),
                Err(e) => panic!("{e}"),
            }
        }
    }
}

#[test]
fn committed_registrations_survive_sigkill_during_imports_and_writes() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(std::path::Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = SigningKey::generate().unwrap();
    std::fs::write(dir.path().join("server.pk8"), server.pkcs8()).unwrap();
    let counts = [
        contents(0).members.len() as u64,
        contents(1).members.len() as u64,
    ];
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng::new(2026);
    let mut committed: Vec<uuid::Uuid> = Vec::new();
    let mut imports_seen = 0;

    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "committed_registrations_survive_sigkill_during_imports_and_writes",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let stdout = child.stdout.take().unwrap();
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            })
        };
        std::thread::sleep(Duration::from_millis(rng.range(80, 700) as u64));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        for line in lines.lock().unwrap().iter() {
            if let Some(id) = line.strip_prefix("committed ") {
                committed.push(id.parse().unwrap());
            } else if line.starts_with("imported ") {
                imports_seen += 1;
            }
        }

        let store = DeviceStore::open(dir.path().join("camp.db"), &KEY)
            .unwrap_or_else(|e| panic!("round {round}: the store did not open after SIGKILL: {e}"));
        assert!(
            store.integrity_ok().unwrap(),
            "round {round}: integrity check failed"
        );
        if let Some(u) = store.unit(&unit()).unwrap() {
            assert_eq!(
                u.member_count,
                counts[(u.version % 2) as usize],
                "round {round}: unit half-imported"
            );
        }
        for id in &committed {
            let r = store.registration(*id).unwrap();
            assert_eq!(
                r.map(|r| r.status.state),
                Some(RegistrationState::Queued),
                "round {round}: lost {id}"
            );
        }
        let seqs: Vec<u64> = store
            .outbox_batch(usize::MAX >> 1)
            .unwrap()
            .iter()
            .map(|i| i.device_seq)
            .collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "round {round}: sequence has gaps"
        );
        assert!(seqs.len() >= committed.len());
    }
    println!(
        "{ROUNDS} kills, {} registrations committed, {imports_seen} imports completed",
        committed.len()
    );
    assert!(
        committed.len() > 20 && imports_seen > 5,
        "the children did too little work for the test to mean anything"
    );
}
