//! Core benchmarks (`scripts/bench`): one JSON line per figure, each with a baseline measured
//! in the same run on the same data where one exists. Run: `cargo bench -p panjiyan-core --bench core`.

use panjiyan_core::generator::generate_unit;
use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::Level;
use panjiyan_core::pack::{self, PackContents, PackInfo};
use panjiyan_core::validate::LgdCode;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn emit(bench: &str, value: f64, unit: &str, baseline: Option<f64>) {
    let ratio = baseline.filter(|b| *b > 0.0).map(|b| value / b);
    let line = serde_json::json!({
        "bench": bench,
        "value": round(value),
        "unit": unit,
        "baseline": baseline.map(round),
        "ratio": ratio.map(round),
    });
    println!("{line}");
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

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

fn main() {
    let key = SigningKey::generate().expect("key");
    let ward = LgdCode::parse("900001").unwrap();
    let ward_contents = generate_unit(7, &ward, 2_000);
    let members = ward_contents.members.len() as f64;

    let info = pack_info(&ward, Level::Ward);
    let bytes = pack::build_full(&info, &ward_contents, &key).expect("build");
    let xz = csv_xz_bytes(&ward_contents).map(|b| b as f64 / members);
    emit(
        "pack_bytes_per_member",
        bytes.len() as f64 / members,
        "bytes",
        xz,
    );

    let trusted = [key.public_key()];
    let build = time_per_call(Duration::from_secs(2), || {
        pack::build_full(&info, &ward_contents, &key).unwrap();
    });
    emit("pack_build", build.as_secs_f64() * 1e3, "ms", None);
    let verify = time_per_call(Duration::from_secs(2), || {
        pack::verify(&bytes, &trusted).unwrap();
    });
    emit("pack_verify", verify.as_secs_f64() * 1e3, "ms", None);
}
