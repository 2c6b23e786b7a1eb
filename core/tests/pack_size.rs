//! How small a camp pack is: a 2,000-member ward against the same records as CSV under
//! `xz -9` (the bar the `pack_bytes_per_member` benchmark sets), and how fast it decodes.

mod pack_fixtures;

use pack_fixtures::{info, server_key, ward, ward_code};
use panjiyan_core::generator::generate_unit;
use panjiyan_core::pack::{self, PackContents};
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

/// One row a member with its family's address, as a spreadsheet export would hold them.
fn csv(contents: &PackContents) -> String {
    let families: HashMap<_, _> = contents
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
    csv
}

fn xz_bytes(text: &str) -> Option<usize> {
    let mut child = Command::new("xz")
        .args(["-9", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = text.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    output.status.success().then_some(output.stdout.len())
}

fn compare_with_xz(label: &str, contents: &PackContents) {
    let key = server_key();
    let bytes = pack::build_full(&info(1), contents, &key).unwrap();
    let members = contents.members.len() as f64;
    let Some(xz) = xz_bytes(&csv(contents)) else {
        println!("skipped: xz is not installed, so there is nothing to compare with");
        return;
    };
    let ours = bytes.len() as f64 / members;
    let theirs = xz as f64 / members;
    println!(
        "{label}: {} members, pack {:.2} bytes/member, CSV + xz -9 {:.2} bytes/member, ratio {:.3}",
        contents.members.len(),
        ours,
        theirs,
        ours / theirs
    );
    assert!(ours < theirs, "the pack must be smaller than xz'd CSV");

    let trusted = [key.public_key()];
    let start = Instant::now();
    pack::verify(&bytes, &trusted).unwrap();
    println!(
        "{label}: verify and decode took {:?} (an unoptimised build)",
        start.elapsed()
    );
}

#[test]
fn a_ward_pack_is_smaller_than_its_records_as_csv_under_xz() {
    compare_with_xz("test fixture ward", &ward(7, 2_000));
}

#[test]
fn a_generated_ward_pack_is_smaller_than_its_records_as_csv_under_xz() {
    compare_with_xz("generated ward", &generate_unit(7, &ward_code(), 2_000));
}
