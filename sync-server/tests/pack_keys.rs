//! Rotating the pack-signing key as operators do (docs/operations.md), against the real server
//! process and real phone sync clients: a phone enrolled on the old key follows the server's
//! endorsement to the new one at its next download and pins it, a card printed before still
//! checks, a phone that only syncs moves at that sync, a phone enrolled after gets the new key;
//! and an endorsement by a key the phone never pinned moves nothing.

use panjiyan_core::samagra::Member;
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig, SyncError};
use panjiyan_server::harness::{Backend, PASSWORD, ServerProcess, Setup, TestServer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn binary() -> PathBuf {
    env!("CARGO_BIN_EXE_panjiyan-server").into()
}

/// `panjiyan-server --database-url URL ARGS…` as an operator runs it: what it printed.
fn run(database_url: &str, args: &[&str]) -> String {
    let out = Command::new(binary())
        .arg("--database-url")
        .arg(database_url)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{args:?}: {text}");
    text
}

/// The key id `pack-key-new` or `pack-key-export` printed for the key it wrote.
fn key_id_written(printed: &str) -> String {
    printed
        .split_whitespace()
        .skip_while(|w| *w != "key")
        .nth(1)
        .unwrap_or_else(|| panic!("no key id in {printed:?}"))
        .to_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A phone's sync client for the server at `url`.
fn client(url: &str, dir: &Path) -> SyncClient {
    SyncClient::new(SyncConfig {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        ..SyncConfig::new(url, dir.join("downloads"))
    })
    .unwrap()
}

/// Downloads every unit that has a newer pack than the phone holds; the units it took.
fn download_all(client: &SyncClient, store: &DeviceStore) -> Result<Vec<String>, SyncError> {
    let mut took = Vec::new();
    for unit in client.units(store)? {
        if unit.needs_download() {
            client.download(store, &unit, &|_, _| {}, &AtomicBool::new(false))?;
            took.push(unit.code.clone());
        }
    }
    Ok(took)
}

/// The English name the phone shows for `member`.
fn name_on_phone(store: &DeviceStore, member: &Member, unit: &str) -> String {
    store
        .families_in_unit(&unit.parse().unwrap())
        .unwrap()
        .into_iter()
        .flat_map(|f| f.members)
        .find(|m| m.member.member_id == member.member_id)
        .map(|m| m.member.name_en)
        .unwrap()
}

/// The Samagra file of one member's changed record, as the department would send it.
fn samagra_change(dir: &Path, name: &str, member: &Member) -> PathBuf {
    let file = dir.join(format!("{name}.jsonl"));
    let line = serde_json::json!({ "member": member }).to_string();
    std::fs::write(&file, line + "\n").unwrap();
    file
}

/// `download_all` by the phone whose files are in `dir`, with a client of its own: the phone
/// client blocks, so it runs (and is dropped) outside the test's async context.
fn on_phone(url: &str, dir: &Path, store: &DeviceStore) -> Result<Vec<String>, SyncError> {
    tokio::task::block_in_place(|| download_all(&client(url, dir), store))
}

fn serve(s: &TestServer, dir: &Path, keys: &[&str]) -> ServerProcess {
    let notifications = dir.join("notifications.jsonl");
    let mut args = vec!["--notifications-file", path(&notifications)];
    args.extend_from_slice(keys);
    ServerProcess::start(&binary(), &s.database_url, &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_enrolled_before_a_pack_key_rotation_follow_it_and_later_ones_get_the_new_key() {
    let mut s = TestServer::seeded(Backend::Sqlite, Setup::every_role())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // Before: the server on the key its database made at its first start.
    let mut server = serve(&s, dir, &[]);
    s.url = server.url();
    let phone_dir = dir.join("phone-1");
    std::fs::create_dir_all(&phone_dir).unwrap();
    let phone = DeviceStore::open(phone_dir.join("phone.db"), &[1; 32]).unwrap();
    let url = s.url.clone();
    let (key_a, held) = tokio::task::block_in_place(|| {
        let c = client(&url, &phone_dir);
        let enrolled = c.enrol(&phone, "operator", PASSWORD).unwrap();
        (enrolled.server_key, download_all(&c, &phone).unwrap())
    });
    assert!(!held.is_empty(), "the operator's villages have packs");
    // Another phone of the same camp, which will only sync (push and pull) after the rotation.
    let syncing_dir = dir.join("phone-3");
    std::fs::create_dir_all(&syncing_dir).unwrap();
    let syncing = DeviceStore::open(syncing_dir.join("phone.db"), &[3; 32]).unwrap();
    tokio::task::block_in_place(|| {
        let c = client(&url, &syncing_dir);
        c.enrol(&syncing, "operator", PASSWORD).unwrap();
        download_all(&c, &syncing).unwrap();
    });

    // A worker registered at the camp, approved; the card printed then carries a statement
    // signed with the key the server ran on (`cards::statement`, what the card's QR holds).
    let camp = s.enrol("operator").await;
    let worker = camp.members_aged(20..=55).remove(0);
    let ids = camp.register(std::slice::from_ref(&worker));
    s.push_batch(&camp, 10).await.unwrap();
    assert_eq!(s.approve_all(&ids).await, 1);
    let row = s
        .app
        .db
        .registration(&ids[0].to_string())
        .await
        .unwrap()
        .unwrap();
    let (_, record) = s
        .app
        .db
        .member_record(worker.member_id.as_str())
        .await
        .unwrap()
        .unwrap();
    let card = panjiyan_server::cards::statement(&s.app, &row, &record).unwrap();
    assert_eq!(s.app.pack_key.key_id(), key_a.key_id);

    // The rotation: the database's key written out as the previous one, a new key made, the
    // server started again with both.
    let a_file = dir.join("previous.key");
    let b_file = dir.join("pack.key");
    let exported = run(
        &s.database_url,
        &["pack-key-export", "--out", path(&a_file)],
    );
    assert_eq!(key_id_written(&exported), key_a.key_id, "{exported}");
    let key_b = key_id_written(&run(
        &s.database_url,
        &["pack-key-new", "--out", path(&b_file)],
    ));
    assert_ne!(key_b, key_a.key_id);
    let rotated = [
        "--pack-key-file",
        path(&b_file),
        "--previous-pack-key-file",
        path(&a_file),
    ];
    let _ = server.terminate();
    let server = serve(&s, dir, &rotated);
    s.url = server.url();
    assert!(
        server
            .output()
            .contains(&format!("pack-key rotation: packs signed with key {key_b}")),
        "{}",
        server.output()
    );

    // The phone, still on key A, has every pack it needs: the packs signed again are the same
    // versions it holds.
    let url = s.url.clone();
    let took = on_phone(&url, &phone_dir, &phone).unwrap();
    assert!(took.is_empty(), "{took:?}");
    assert_eq!(phone.enrolment().unwrap().unwrap().server_key, key_a);

    // A phone that only syncs moves to B at that sync, before any pack changes.
    let report = tokio::task::block_in_place(|| {
        client(&url, &syncing_dir)
            .sync(&syncing, &|_, _| {})
            .unwrap()
    });
    assert_eq!(report.pack_key_pinned.as_deref(), Some(key_b.as_str()));
    assert_eq!(
        syncing.enrolment().unwrap().unwrap().server_key.key_id,
        key_b
    );

    // The village's Samagra record changes: a member's name is spelt anew. The import signs
    // the new pack with the new key, as the server does.
    let unit = held[0].clone();
    let family_units: std::collections::HashMap<_, _> = s
        .district
        .families
        .iter()
        .map(|f| (f.family_id.clone(), f.unit_code.to_string()))
        .collect();
    let mut member = s
        .district
        .members
        .iter()
        .find(|m| family_units[&m.family_id] == unit)
        .unwrap()
        .clone();
    let before = name_on_phone(&phone, &member, &unit);
    member.name_en = format!("{} Rotated", member.name_en);
    let change = samagra_change(dir, "renamed", &member);
    let mut import = rotated.to_vec();
    import.extend(["import-samagra", path(&change)]);
    let imported = run(&s.database_url, &import);
    assert!(imported.contains("1 villages/wards changed"), "{imported}");

    // The phone downloads it signed by B, follows A's endorsement of B and now pins B.
    let took = on_phone(&url, &phone_dir, &phone).unwrap();
    assert_eq!(took, vec![unit.clone()]);
    assert_eq!(name_on_phone(&phone, &member, &unit), member.name_en);
    assert_ne!(before, member.name_en);
    assert_eq!(phone.enrolment().unwrap().unwrap().server_key.key_id, key_b);

    // The card printed before the rotation still checks on the status page.
    let page = s
        .http
        .get(format!("{}/status/verify", s.url))
        .query(&[("s", card.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{}", page.text().await.unwrap());
    assert!(
        page.text()
            .await
            .unwrap()
            .contains(row.registration_number.as_deref().unwrap())
    );

    // A phone enrolled after the rotation is given B and takes every village signed with it.
    let second_dir = dir.join("phone-2");
    std::fs::create_dir_all(&second_dir).unwrap();
    let second = DeviceStore::open(second_dir.join("phone.db"), &[2; 32]).unwrap();
    let (enrolled, took) = tokio::task::block_in_place(|| {
        let c = client(&url, &second_dir);
        let enrolled = c.enrol(&second, "operator", PASSWORD).unwrap();
        (enrolled, download_all(&c, &second).unwrap())
    });
    assert_eq!(enrolled.server_key.key_id, key_b);
    assert_eq!(took.len(), held.len());
    assert_eq!(name_on_phone(&second, &member, &unit), member.name_en);
    assert_eq!(
        second.enrolment().unwrap().unwrap().server_key.key_id,
        key_b
    );

    // A server whose new key is endorsed by a key the phone never pinned (D, not B): the
    // phone refuses the pack, keeps B and the village as it was.
    let c_file = dir.join("other.key");
    let d_file = dir.join("stranger.key");
    run(&s.database_url, &["pack-key-new", "--out", path(&c_file)]);
    run(&s.database_url, &["pack-key-new", "--out", path(&d_file)]);
    let forged = [
        "--pack-key-file",
        path(&c_file),
        "--previous-pack-key-file",
        path(&d_file),
    ];
    drop(server);
    let server = serve(&s, dir, &forged);
    let renamed = member.name_en.clone();
    member.name_en = format!("{renamed} Again");
    let change = samagra_change(dir, "renamed-again", &member);
    let mut import = forged.to_vec();
    import.extend(["import-samagra", path(&change)]);
    run(&s.database_url, &import);
    let version_before = phone
        .units()
        .unwrap()
        .into_iter()
        .find(|u| u.code.as_str() == unit)
        .unwrap()
        .version;
    let refused = on_phone(&server.url(), &phone_dir, &phone);
    assert!(
        matches!(refused, Err(SyncError::UntrustedPackKey(_))),
        "{refused:?}"
    );
    assert_eq!(
        refused.unwrap_err().code(),
        "untrusted_pack_key",
        "a stable code for the app"
    );
    assert_eq!(phone.enrolment().unwrap().unwrap().server_key.key_id, key_b);
    assert_eq!(name_on_phone(&phone, &member, &unit), renamed);
    let version_after = phone
        .units()
        .unwrap()
        .into_iter()
        .find(|u| u.code.as_str() == unit)
        .unwrap()
        .version;
    assert_eq!(version_after, version_before);
    // Nor does a sync move the phone that only syncs: the sync itself goes through.
    let report = tokio::task::block_in_place(|| {
        client(&server.url(), &syncing_dir)
            .sync(&syncing, &|_, _| {})
            .unwrap()
    });
    assert_eq!(report.pack_key_pinned, None);
    assert_eq!(
        syncing.enrolment().unwrap().unwrap().server_key.key_id,
        key_b
    );
}
