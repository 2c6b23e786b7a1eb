//! A camp pack names a whole village: while it downloads, it never sits on the phone in clear.
//! A download cut by the link is kept sealed in the store and resumes; a cancelled one leaves
//! nothing; clear leftovers of older versions are removed. The phone's files are searched for
//! the pack's own bytes.

use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig, SyncError};
use panjiyan_server::harness::{Backend, PASSWORD, Setup, TestServer, fresh_database};
use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Every file under `dir`, read whole.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// Whether any 48-byte window of `secret` (taken every 1,000 bytes) is in any file under `dir`.
fn leaks(dir: &Path, secret: &[u8]) -> Option<String> {
    let files = files_under(dir);
    for start in (0..secret.len().saturating_sub(48)).step_by(1_000) {
        let window = &secret[start..start + 48];
        for (name, bytes) in &files {
            if bytes.windows(48).any(|w| w == window) {
                return Some(format!("{name} holds pack bytes at {start}"));
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_download_is_sealed_while_it_is_cut_resumed_or_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_database(Backend::Sqlite, dir.path()).await else {
        return;
    };
    let server = TestServer::start_on(db, Setup::camp(300)).await;
    let proxy = FaultProxy::start(server.addr(), LinkProfile::unlimited(), Faults::none(), 3).await;
    let phone_dir = dir.path().join("phone");
    std::fs::create_dir_all(phone_dir.join("downloads")).unwrap();
    // What an older version left: a clear partial download.
    let legacy = phone_dir.join("downloads").join("500123-abc.part");
    std::fs::write(&legacy, b"clear village data").unwrap();
    let (url, direct) = (proxy.url(), server.url.clone());
    let (pd, proxy) = (phone_dir.clone(), std::sync::Arc::new(proxy));
    let p = proxy.clone();
    tokio::task::spawn_blocking(move || {
        let config = |url: &str| SyncConfig {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            reuse_connections: false,
            ..SyncConfig::new(url, pd.join("downloads"))
        };
        let store = DeviceStore::open(pd.join("phone.db"), &[5; 32]).unwrap();
        let client = SyncClient::new(config(&url)).unwrap();
        assert!(
            !legacy.exists(),
            "the clear leftover is removed when the client starts"
        );
        client.enrol(&store, "operator", PASSWORD).unwrap();
        let unit = client
            .units(&store)
            .unwrap()
            .into_iter()
            .filter(|u| u.level == "village")
            .max_by_key(|u| u.pack_bytes)
            .unwrap();
        let total = unit.pack_bytes.unwrap();
        let sha = unit.pack_sha256.clone().unwrap();
        // The pack as the server serves it, to look for on the phone.
        let pack = reqwest::blocking::Client::new()
            .get(format!("{direct}/api/v1/units/{}/pack", unit.code))
            .bearer_auth(store.enrolment().unwrap().unwrap().device_token)
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        assert_eq!(pack.len() as u64, total);

        // Every connection cut within its first quarter of the pack: three tries, then the
        // phone gives up for now with part of it held.
        p.set_faults(Faults {
            cut: 1.0,
            cut_within: total / 4,
            ..Faults::none()
        });
        match client.download(&store, &unit, &|_, _| {}, &AtomicBool::new(false)) {
            Err(SyncError::Unreachable { .. }) => {}
            other => panic!("expected the link to give out, got {other:?}"),
        }
        let held = store.download_held(&unit.code, &sha).unwrap();
        assert!(
            held > 0 && held < total,
            "part of the pack is held: {held} of {total}"
        );
        drop(client);
        drop(store);
        assert_eq!(
            leaks(&pd, &pack[..held as usize]),
            None,
            "nothing of the pack in clear"
        );

        // The phone restarts; the link is good again: the download resumes where it stopped.
        p.set_faults(Faults::none());
        let store = DeviceStore::open(pd.join("phone.db"), &[5; 32]).unwrap();
        assert_eq!(
            store.download_held(&unit.code, &sha).unwrap(),
            held,
            "kept across a restart"
        );
        let client = SyncClient::new(config(&url)).unwrap();
        let before = p.snapshot();
        let summary = client
            .download(&store, &unit, &|_, _| {}, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        assert!(summary.members > 0);
        let fetched = p.snapshot().bytes_down - before.bytes_down;
        assert!(
            fetched < total,
            "resumed, not fetched again: {fetched} of {total}"
        );
        assert_eq!(
            store.download_held(&unit.code, &sha).unwrap(),
            0,
            "gone once imported"
        );

        // A cancelled download leaves nothing behind.
        let other = client
            .units(&store)
            .unwrap()
            .into_iter()
            .find(|u| u.needs_download() && u.pack_bytes.unwrap_or(0) > 0)
            .unwrap();
        let other_sha = other.pack_sha256.clone().unwrap();
        let cancel = AtomicBool::new(false);
        let r = client.download(
            &store,
            &other,
            &|done, _| {
                if done > 0 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        );
        assert!(matches!(r, Err(SyncError::Cancelled)), "{r:?}");
        assert_eq!(store.download_held(&other.code, &other_sha).unwrap(), 0);

        // And the client refuses to send passwords and packs over plain HTTP to elsewhere.
        assert!(matches!(
            SyncClient::new(config("http://panjiyan.example.in")),
            Err(SyncError::InsecureServer)
        ));
    })
    .await
    .unwrap();
}
