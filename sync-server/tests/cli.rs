//! The admin command line, run as a real process on a SQLite file: generate, import (with bad
//! rows, twice, and resumed), users, targets.

use std::io::Write;
use std::process::{Command, Stdio};

fn server(db: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_panjiyan-server"))
        .args(["--database-url", db])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn an_admin_sets_up_a_district_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("admin.db").display());
    let out = dir.path().to_str().unwrap();
    let (ok, text) = server(
        &db,
        &["generate", "--out", out, "--seed", "4", "--blocks", "1"],
        "",
    );
    assert!(ok, "{text}");
    let (ok, text) = server(
        &db,
        &["import-locations", &format!("{out}/locations.csv")],
        "",
    );
    assert!(ok && text.contains("0 bad rows"), "{text}");

    // Damage the Samagra file: a garbage line and a member whose family exists nowhere.
    let path = dir.path().join("samagra.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
    let total = lines.len();
    lines.insert(2, "{\"member\": {\"oops\": true}}".into());
    let orphan = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("{\"member\""))
        .unwrap()
        .replace("\"family_id\":\"", "\"family_id\":\"9");
    let orphan = orphan.replacen("\"member_id\":\"", "\"member_id\":\"8", 1);
    let orphan: String = {
        // Keep IDs the right length: drop the digit the prefix pushed out.
        let v: serde_json::Value = serde_json::from_str(&orphan).unwrap_or_default();
        let mut m = v["member"].clone();
        if m.is_object() {
            m["family_id"] = serde_json::json!("99999999");
            m["member_id"] = serde_json::json!("899999999");
        }
        serde_json::json!({ "member": m }).to_string()
    };
    lines.push(orphan);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let file = path.to_str().unwrap();
    let (ok, text) = server(&db, &["import-samagra", file, "--chunk", "500"], "");
    assert!(ok, "{text}");
    assert!(
        text.contains("line 3: not a family or member record"),
        "the bad line is named: {text}"
    );
    assert!(
        text.contains("the member's family is not in this file or the database"),
        "{text}"
    );
    assert!(
        text.contains(&format!("imported {total} rows (2 bad, skipped)")),
        "{text}"
    );

    // Importing the same file again changes nothing.
    let (ok, text) = server(&db, &["import-samagra", file], "");
    assert!(ok && text.contains("0 villages/wards changed"), "{text}");

    // An interrupted import resumes after the last committed line.
    std::fs::write(format!("{file}.progress"), "100").unwrap();
    let (ok, text) = server(&db, &["import-samagra", file], "");
    assert!(ok && text.contains("resuming after line 100"), "{text}");

    // Users: a short password and an unknown area are refused with the reason.
    let (ok, text) = server(
        &db,
        &[
            "user",
            "add",
            "--username",
            "ceo",
            "--role",
            "designated-officer",
            "--jurisdiction",
            "4011",
        ],
        "short\n",
    );
    assert!(!ok && text.contains("at least 8 characters"), "{text}");
    let (ok, text) = server(
        &db,
        &[
            "user",
            "add",
            "--username",
            "ceo",
            "--role",
            "designated-officer",
            "--jurisdiction",
            "999",
        ],
        "long enough pw\n",
    );
    assert!(
        !ok && text.contains("not in the location hierarchy"),
        "{text}"
    );
    let (ok, text) = server(
        &db,
        &[
            "user",
            "add",
            "--username",
            "ceo",
            "--role",
            "designated-officer",
            "--jurisdiction",
            "4011",
        ],
        "long enough pw\n",
    );
    assert!(ok, "{text}");
    let (ok, text) = server(
        &db,
        &[
            "user",
            "add",
            "--username",
            "ceo",
            "--role",
            "operator",
            "--jurisdiction",
            "4011",
        ],
        "long enough pw\n",
    );
    assert!(!ok && text.contains("already exists"), "{text}");
    let (_, text) = server(&db, &["user", "list"], "");
    assert!(
        text.contains("ceo") && text.contains("designated-officer") && text.contains("active"),
        "{text}"
    );
    let (ok, _) = server(&db, &["user", "disable", "--username", "ceo"], "");
    assert!(ok);
    let (_, text) = server(&db, &["user", "list"], "");
    assert!(text.contains("disabled"), "{text}");

    let (ok, text) = server(
        &db,
        &["target", "set", "--unit", "401", "--target", "116124"],
        "",
    );
    assert!(ok && text.contains("1,16,124"), "{text}");
    let (ok, text) = server(
        &db,
        &["target", "set", "--unit", "777", "--target", "5"],
        "",
    );
    assert!(
        !ok && text.contains("not in the location hierarchy"),
        "{text}"
    );
    let (ok, text) = server("mysql://nope", &["migrate"], "");
    assert!(
        !ok && text.contains("neither postgres:// nor sqlite:"),
        "{text}"
    );
}
