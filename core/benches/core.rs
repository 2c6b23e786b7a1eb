//! Core benchmarks (`scripts/bench`): one JSON line per figure, each with a baseline measured
//! in the same run on the same data where one exists. Run: `cargo bench -p panjiyan-core --bench core`.

use panjiyan_core::bench_line::emit;
use panjiyan_core::generator::generate_unit;
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::pack::{self, PackContents, PackInfo};
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::DeviceStore;
use panjiyan_core::validate::LgdCode;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `f` repeatedly for at least `min` and returns the mean time per call.
fn time_per_call(min: Duration, mut f: impl FnMut()) -> Duration {
    f();
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < min {
        f();
        n += 1;
    }
    start.elapsed() / n
}

fn pack_info(unit: &LgdCode, level: Level) -> PackInfo {
    PackInfo {
        unit_code: unit.clone(),
        unit_level: level,
        unit_name_hi: "बेंचमार्क".into(),
        unit_name_en: "Benchmark".into(),
        version: 1,
        rules_id: "mp-2018".into(),
        rules_version: 1,
        occupations_version: 1,
        rules: None,
    }
}

/// The same records as CSV, one row a member with its family's address, then `xz -9`.
fn csv_xz_bytes(contents: &PackContents) -> Option<usize> {
    let families: std::collections::HashMap<_, _> = contents
        .families
        .iter()
        .map(|f| (f.family_id.clone(), f))
        .collect();
    let mut csv = String::from(
        "member_id,family_id,name_hi,name_en,guardian_hi,guardian_en,gender,birth,relation,caste,unit,address_hi,address_en\n",
    );
    for m in &contents.members {
        let f = families[&m.family_id];
        let birth = match (m.birth.month, m.birth.day) {
            (Some(mo), Some(d)) => format!("{}-{mo:02}-{d:02}", m.birth.year),
            _ => m.birth.year.to_string(),
        };
        csv.push_str(&format!(
            "{},{},{},{},{},{},{:?},{},{:?},{:?},{},\"{}\",\"{}\"\n",
            m.member_id,
            m.family_id,
            m.name_hi,
            m.name_en,
            m.guardian_name_hi,
            m.guardian_name_en,
            m.gender,
            birth,
            m.relation,
            m.caste,
            f.unit_code,
            f.address_hi,
            f.address_en
        ));
    }
    let mut child = Command::new("xz")
        .args(["-9", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let writer = std::thread::spawn(move || stdin.write_all(csv.as_bytes()));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    Some(out.stdout.len())
}

/// Runs `f` for at least `min`; the time taken and the number of calls.
fn run_for(min: Duration, f: &mut impl FnMut()) -> (Duration, u32) {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < min {
        f();
        n += 1;
    }
    (start.elapsed(), n)
}

/// The mean time per call of `a` and of `b`, timed in alternating 100 ms slices for at least
/// `min` each, so that the load of other processes on a shared machine falls on both alike.
fn time_per_call_pair(
    min: Duration,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Duration, Duration) {
    a();
    b();
    let slice = Duration::from_millis(100);
    let (mut time_a, mut n_a, mut time_b, mut n_b) = (Duration::ZERO, 0, Duration::ZERO, 0);
    while time_a < min || time_b < min {
        let (t, n) = run_for(slice, &mut a);
        (time_a, n_a) = (time_a + t, n_a + n);
        let (t, n) = run_for(slice, &mut b);
        (time_b, n_b) = (time_b + t, n_b + n);
    }
    (time_a / n_a, time_b / n_b)
}

/// The raw baseline for look-ups: the same members, unencrypted, in a bare rusqlite table, to
/// be read with a prepared point query.
fn raw_copy(dir: &std::path::Path, contents: &PackContents) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("raw.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE members (member_id TEXT PRIMARY KEY, family_id TEXT, unit_code TEXT, body TEXT);",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for m in &contents.members {
        tx.execute(
            "INSERT INTO members VALUES (?1, ?2, '900001', ?3)",
            rusqlite::params![
                m.member_id.as_str(),
                m.family_id.as_str(),
                serde_json::to_string(m).unwrap()
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    conn
}

fn form(m: &panjiyan_core::samagra::Member) -> RegistrationForm {
    RegistrationForm {
        occupation_code: Some("construction".into()),
        mobile: Some("9876543210".into()),
        facts: ApplicantFacts::no_land(),
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        consent: true,
        ..RegistrationForm::new(m.member_id.clone(), "op")
    }
}

/// Set in the child process that `device_peak_rss_mb` measures: the folder with its pack and
/// its plan.
const RSS_CHILD: &str = "PANJIYAN_BENCH_RSS_CHILD";

/// The phone's day in one process of its own, as the app library does it: a downloaded pack
/// (read from a file) imported into a fresh encrypted store, names searched, workers
/// registered. Prints the process's peak resident memory in kB (`VmHWM`).
fn phone_day(dir: &std::path::Path) {
    let trusted: [panjiyan_core::keys::PublicKey; 1] =
        [serde_json::from_slice(&std::fs::read(dir.join("key")).unwrap()).unwrap()];
    let bytes = std::fs::read(dir.join("village.pack")).unwrap();
    let store = DeviceStore::open(dir.join("phone.db"), &[5; 32]).unwrap();
    store.import_pack(&bytes, &trusted).unwrap();
    drop(bytes);
    let plan = std::fs::read_to_string(dir.join("plan")).unwrap();
    let today = panjiyan_core::india_time::now();
    for line in plan.lines() {
        match line.split_once('\t') {
            Some(("search", query)) => {
                std::hint::black_box(store.search_names(query, None, 20).unwrap());
            }
            Some(("register", id)) => {
                let id = panjiyan_core::validate::SamagraMemberId::parse(id).unwrap();
                let member = store.member(&id).unwrap().unwrap().member;
                let draft = store.create_draft(&form(&member)).unwrap();
                store.finalise(draft, today, true).unwrap();
            }
            _ => panic!("plan line {line:?}"),
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    println!("{}", hwm.trim().trim_end_matches("kB").trim());
}

/// Peak resident memory of `phone_day` for a 10,000-member village: a few dozen searches and
/// 100 registrations. Measured in a child process so that the bench's own data does not count.
fn device_peak_rss_mb(
    dir: &std::path::Path,
    village_pack: &[u8],
    contents: &PackContents,
    key: &SigningKey,
) -> f64 {
    let child_dir = dir.join("phone");
    std::fs::create_dir_all(&child_dir).unwrap();
    std::fs::write(child_dir.join("village.pack"), village_pack).unwrap();
    std::fs::write(
        child_dir.join("key"),
        serde_json::to_vec(&key.public_key()).unwrap(),
    )
    .unwrap();
    let today = panjiyan_core::india_time::now();
    let mut plan = String::new();
    for m in contents.members.iter().step_by(250) {
        plan.push_str(&format!("search\t{}\n", m.name_en));
    }
    for m in contents
        .members
        .iter()
        .filter(|m| (19..=59).contains(&m.birth.age_on(today.date())))
        .take(100)
    {
        plan.push_str(&format!("register\t{}\n", m.member_id));
    }
    std::fs::write(child_dir.join("plan"), plan).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .env(RSS_CHILD, &child_dir)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "the phone-day child failed");
    let kb: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    kb / 1024.0
}

fn main() {
    if let Some(dir) = std::env::var_os(RSS_CHILD) {
        phone_day(std::path::Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let key = SigningKey::generate().expect("key");
    let trusted = [key.public_key()];
    let ward = LgdCode::parse("900001").unwrap();
    let ward_contents = generate_unit(7, &ward, 2_000);
    let members = ward_contents.members.len() as f64;

    // Pack size and speed: a 2,000-member ward.
    let info = pack_info(&ward, Level::Ward);
    let bytes = pack::build_full(&info, &ward_contents, &key).expect("build");
    let xz = csv_xz_bytes(&ward_contents).map(|b| b as f64 / members);
    emit(
        "pack_bytes_per_member",
        bytes.len() as f64 / members,
        "bytes",
        xz,
    );
    let build = time_per_call(Duration::from_secs(2), || {
        pack::build_full(&info, &ward_contents, &key).unwrap();
    });
    emit("pack_build", build.as_secs_f64() * 1e3, "ms", None);
    let verify = time_per_call(Duration::from_secs(2), || {
        pack::verify(&bytes, &trusted).unwrap();
    });
    emit("pack_verify", verify.as_secs_f64() * 1e3, "ms", None);

    // Import: verify and import the ward's pack into a fresh encrypted store, each time.
    let mut round = 0;
    let import = time_per_call(Duration::from_secs(3), || {
        round += 1;
        let store =
            DeviceStore::open(dir.path().join(format!("import-{round}.db")), &[3; 32]).unwrap();
        store.import_pack(&bytes, &trusted).unwrap();
    });
    emit("pack_import", import.as_secs_f64() * 1e3, "ms", None);

    // Look-ups by member ID: the store (decrypting) against raw rusqlite on a plain copy.
    let store = DeviceStore::open(dir.path().join("camp.db"), &[4; 32]).unwrap();
    store.import_pack(&bytes, &trusted).unwrap();
    let raw = raw_copy(dir.path(), &ward_contents);
    let mut raw_stmt = raw
        .prepare("SELECT family_id, unit_code, body FROM members WHERE member_id = ?1")
        .unwrap();
    let (mut i, mut j) = (0, 0);
    let (lookup, raw_lookup) = time_per_call_pair(
        Duration::from_secs(2),
        || {
            let m = &ward_contents.members[i % ward_contents.members.len()];
            i += 1;
            std::hint::black_box(store.member(&m.member_id).unwrap().unwrap());
        },
        || {
            let m = &ward_contents.members[j % ward_contents.members.len()];
            j += 1;
            let row: (String, String, String) = raw_stmt
                .query_row([m.member_id.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
            std::hint::black_box(row);
        },
    );
    drop(raw_stmt);
    drop(raw);
    emit(
        "member_lookup",
        lookup.as_nanos() as f64,
        "ns",
        Some(raw_lookup.as_nanos() as f64),
    );

    // Finalise: validated, eligibility checked, signed and queued.
    let today = panjiyan_core::india_time::now();
    let eligible: Vec<_> = ward_contents
        .members
        .iter()
        .filter(|m| (19..=59).contains(&m.birth.age_on(today.date())))
        .take(400)
        .collect();
    let drafts: Vec<_> = eligible
        .iter()
        .map(|m| store.create_draft(&form(m)).unwrap())
        .collect();
    let start = Instant::now();
    for id in &drafts {
        store.finalise(*id, today, true).unwrap();
    }
    emit(
        "registration_finalise",
        start.elapsed().as_secs_f64() * 1e6 / drafts.len() as f64,
        "us",
        None,
    );

    // Name search over a 10,000-member village.
    let village = LgdCode::parse("500001").unwrap();
    let village_contents = generate_unit(9, &village, 10_000);
    let village_pack = pack::build_full(
        &pack_info(&village, Level::Village),
        &village_contents,
        &key,
    )
    .unwrap();
    store.import_pack(&village_pack, &trusted).unwrap();
    let queries: Vec<String> = village_contents
        .members
        .iter()
        .step_by(97)
        .map(|m| m.name_en.clone())
        .collect();
    let mut q = 0;
    let search = time_per_call(Duration::from_secs(2), || {
        let query = &queries[q % queries.len()];
        q += 1;
        std::hint::black_box(store.search_names(query, Some(&village), 20).unwrap());
    });
    emit("name_search", search.as_secs_f64() * 1e3, "ms", None);

    let rss = device_peak_rss_mb(dir.path(), &village_pack, &village_contents, &key);
    emit("device_peak_rss_mb", rss, "MB", None);
}
