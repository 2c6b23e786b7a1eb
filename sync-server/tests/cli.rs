//! The admin command line, run as a real process on a SQLite file: generate, import (with bad
//! rows, twice, and resumed), users, targets.

use std::io::Write;
use std::process::{Command, Stdio};

fn server(db: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let (status, text) = run(db, args, stdin);
    (status == Some(0), text)
}

/// The exit status and everything printed.
fn run(db: &str, args: &[&str], stdin: &str) -> (Option<i32>, String) {
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
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A SQLite database in `dir` holding the locations of a district `generate` wrote there with
/// `seed` (its Samagra file is left for the test to import).
fn generated_district(dir: &std::path::Path, seed: &str) -> String {
    let db = format!("sqlite:{}", dir.join("admin.db").display());
    let out = dir.to_str().unwrap();
    let (ok, text) = server(
        &db,
        &["generate", "--out", out, "--seed", seed, "--blocks", "1"],
        "",
    );
    assert!(ok, "{text}");
    let (ok, text) = server(
        &db,
        &["import-locations", &format!("{out}/locations.csv")],
        "",
    );
    assert!(ok && text.contains("0 bad rows"), "{text}");
    db
}

#[test]
fn an_admin_sets_up_a_district_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = generated_district(dir.path(), "4");

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
    let (status, text) = run(&db, &["import-samagra", file, "--chunk", "500"], "");
    assert_eq!(
        status,
        Some(3),
        "skipped rows have an exit status of their own: {text}"
    );
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

    // Importing the same file again changes nothing (and skips the same two rows).
    let (status, text) = run(&db, &["import-samagra", file], "");
    assert_eq!(status, Some(3), "{text}");
    assert!(text.contains("0 villages/wards changed"), "{text}");

    // An interrupted import resumes after the last committed line.
    std::fs::write(format!("{file}.progress"), "100").unwrap();
    let (status, text) = run(&db, &["import-samagra", file], "");
    assert_eq!(
        status,
        Some(3),
        "the orphan after line 100 is skipped again: {text}"
    );
    assert!(text.contains("resuming after line 100"), "{text}");

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

/// A Samagra CSV as a spreadsheet exports it: columns in their own order, an extra column, a
/// BOM, CRLF line ends, and addresses with commas and line breaks inside quotes.
fn spreadsheet_samagra(jsonl: &str, members: usize) -> (String, usize) {
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let families: std::collections::HashMap<String, serde_json::Value> = lines
        .iter()
        .filter_map(|v| v.get("family"))
        .map(|f| (f["family_id"].as_str().unwrap().to_owned(), f.clone()))
        .collect();
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = String::from(
        "\u{feff}Caste,relation,member_id,Remarks,name_en,name_hi,gender,birth_year,birth_month,birth_day,\
         guardian_name_en,guardian_name_hi,head_member_id,address_en,address_hi,unit_code,family_id\r\n",
    );
    let mut n = 0;
    for m in lines.iter().filter_map(|v| v.get("member")).take(members) {
        let f = &families[m["family_id"].as_str().unwrap()];
        let s = |v: &serde_json::Value| match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let row = [
            s(&m["caste"]),
            s(&m["relation"]),
            s(&m["member_id"]),
            quote("seen at camp, \"twice\""),
            quote(&s(&m["name_en"])),
            s(&m["name_hi"]),
            s(&m["gender"]),
            s(&m["birth"]["year"]),
            s(&m["birth"]["month"]),
            s(&m["birth"]["day"]),
            quote(&s(&m["guardian_name_en"])),
            s(&m["guardian_name_hi"]),
            s(&f["head_member_id"]),
            quote(&format!("{},\r\nnear the well", s(&f["address_en"]))),
            quote(&s(&f["address_hi"])),
            s(&f["unit_code"]),
            s(&f["family_id"]),
        ];
        csv.push_str(&row.join(","));
        csv.push_str("\r\n");
        n += 1;
    }
    (csv, n)
}

#[test]
fn a_samagra_spreadsheet_imports_by_column_name_and_a_wrong_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = generated_district(dir.path(), "5");

    let jsonl = std::fs::read_to_string(dir.path().join("samagra.jsonl")).unwrap();
    let (csv, rows) = spreadsheet_samagra(&jsonl, 312);
    assert_eq!(rows, 312);

    // Without member_id the file is refused before any row, naming the column.
    let missing = dir.path().join("missing.csv");
    std::fs::write(&missing, csv.replacen(",member_id,", ",samagra_no,", 1)).unwrap();
    let (status, text) = run(&db, &["import-samagra", missing.to_str().unwrap()], "");
    assert_eq!(status, Some(1), "{text}");
    assert!(text.contains("no member_id column"), "{text}");
    assert!(!text.contains("imported"), "nothing is imported: {text}");

    let file = dir.path().join("samagra.csv");
    std::fs::write(&file, &csv).unwrap();
    let (status, text) = run(&db, &["import-samagra", file.to_str().unwrap()], "");
    assert_eq!(status, Some(0), "{text}");
    assert!(
        text.contains(&format!("imported {rows} rows (0 bad, skipped)")),
        "{text}"
    );
    let (ok, text) = server(&db, &["import-samagra", file.to_str().unwrap()], "");
    assert!(ok && text.contains("0 villages/wards changed"), "{text}");

    // A bad row is named by the line it starts on (two lines a row: the quoted address
    // breaks), the good rows are kept, and the exit status says rows were skipped.
    let mut damaged: Vec<String> = csv.split("\r\n").map(str::to_owned).collect();
    damaged[3] = damaged[3].replacen(",male,", ",unknown,", 1);
    damaged[3] = damaged[3].replacen(",female,", ",unknown,", 1);
    std::fs::write(&file, damaged.join("\r\n")).unwrap();
    let (status, text) = run(&db, &["import-samagra", file.to_str().unwrap()], "");
    assert_eq!(status, Some(3), "{text}");
    assert!(text.contains("line 4: gender"), "{text}");
    assert!(text.contains("1 rows were skipped"), "{text}");

    // A locations file with a misspelt column is refused with the column named.
    let places = dir.path().join("places.csv");
    std::fs::write(
        &places,
        "code,level,name_hindi,name_en,parent\r\n23,state,म,M,\r\n",
    )
    .unwrap();
    let (status, text) = run(&db, &["import-locations", places.to_str().unwrap()], "");
    assert_eq!(status, Some(1), "{text}");
    assert!(text.contains("no name_hi column"), "{text}");
}

#[tokio::test]
async fn a_pack_key_from_a_file_signs_the_packs_and_stays_out_of_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    let key_file = dir.path().join("pack.key");
    let key_path = key_file.display().to_string();
    let (ok, text) = server(&db, &["pack-key-new", "--out", &key_path], "");
    assert!(ok, "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable only by its owner");
    }
    let (ok, again) = server(&db, &["pack-key-new", "--out", &key_path], "");
    assert!(!ok && again.contains("is not replaced"), "{again}");
    let key_id = text.split_whitespace().nth(2).unwrap().to_owned();
    // Migrating (as the systemd unit does before each start) makes and stores no key.
    let (ok, text) = server(&db, &["--pack-key-file", &key_path, "migrate"], "");
    assert!(ok, "{text}");
    let app = panjiyan_server::app::App::open(panjiyan_server::app::Settings {
        database_url: db.clone(),
        pack_key_pkcs8: Some(std::fs::read(&key_file).unwrap()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(app.pack_key.key_id(), key_id);
    let panjiyan_server::storage::Db::Sqlite(pool) = &*app.db else {
        unreachable!()
    };
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM server_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "the key is not in the database or its backups");
    // A file that is not a key is refused in words.
    std::fs::write(&key_file, b"not a key").unwrap();
    let bad = panjiyan_server::app::App::open(panjiyan_server::app::Settings {
        database_url: db,
        pack_key_pkcs8: Some(std::fs::read(&key_file).unwrap()),
        ..Default::default()
    })
    .await;
    assert!(
        bad.err()
            .unwrap()
            .to_string()
            .contains("not an Ed25519 key in PKCS#8"),
        "a bad key file"
    );
}

#[test]
fn every_setting_of_serve_is_documented_for_operators() {
    let (ok, help) = server("sqlite::memory:", &["serve", "--help"], "");
    assert!(ok, "{help}");
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/operations.md"
    ))
    .unwrap();
    let flags: Vec<&str> = help
        .split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| {
            w.trim_end_matches([',', '.', ')'])
                .split('=')
                .next()
                .unwrap()
        })
        .filter(|f| *f != "--help")
        .collect();
    assert!(flags.len() > 10, "{help}");
    for f in flags {
        assert!(
            docs.contains(&format!("`{f}`")),
            "{f} is not in docs/operations.md"
        );
    }
}

#[tokio::test]
async fn neighbouring_districts_are_imported_by_column_name_and_bad_rows_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    let places = dir.path().join("places.csv");
    std::fs::write(
        &places,
        "code,level,name_hi,name_en,parent\n23,state,मध्य प्रदेश,Madhya Pradesh,\n\
         101,district,भोपाल,Bhopal,23\n102,district,सीहोर,Sehore,23\n\
         103,district,रायसेन,Raisen,23\n1011,block,फंदा,Phanda,101\n",
    )
    .unwrap();
    let (status, text) = run(&db, &["import-locations", places.to_str().unwrap()], "");
    assert_eq!(status, Some(0), "{text}");
    // Columns in another order, with a BOM and CRLF: two good pairs, three bad rows.
    let file = dir.path().join("neighbours.csv");
    std::fs::write(
        &file,
        "\u{feff}neighbour_code,district_code\r\n102,101\r\n101,101\r\n103,102\r\n1011,101\r\nx,101\r\n",
    )
    .unwrap();
    let (status, text) = run(&db, &["import-neighbours", file.to_str().unwrap()], "");
    assert_eq!(status, Some(3), "rows were skipped: {text}");
    assert!(text.contains("imported 2 pairs"), "{text}");
    assert!(
        text.contains(":3: a district does not border itself"),
        "{text}"
    );
    assert!(
        text.contains(":5: not a district imported here: 1011"),
        "{text}"
    );
    assert!(text.contains(":6: neighbour_code"), "{text}");
    let app = panjiyan_server::app::App::open(panjiyan_server::app::Settings {
        database_url: db.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(app.db.neighbours("102").await.unwrap(), ["101", "103"]);
    assert_eq!(app.db.neighbours("101").await.unwrap(), ["102"]);
    drop(app);
    // A file without one of the columns is refused before any row, naming it.
    std::fs::write(&file, "district_code,neighbour\n101,102\n").unwrap();
    let (status, text) = run(&db, &["import-neighbours", file.to_str().unwrap()], "");
    assert_eq!(status, Some(1), "{text}");
    assert!(text.contains("no neighbour_code column"), "{text}");
}
