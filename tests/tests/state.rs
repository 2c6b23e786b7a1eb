//! Running for a whole state: three `panjiyan-server` processes on one PostgreSQL behind real
//! nginx over HTTPS (the shipped deploy/nginx.conf, a certificate of the test's own CA). Twenty phones
//! sync through a faulty link into nginx while one instance is killed and restarted; every
//! registration is held once; the officer's approvals send every worker's SMS and voice
//! message once (counted by message id at the test's own SMS provider). Behind nginx, the
//! rate limits count each client, and a forged X-Forwarded-For changes nothing.

use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::DeviceStore;
use panjiyan_core::sync::{SyncClient, SyncConfig};
use panjiyan_server::harness::{
    Backend, PASSWORD, ServerProcess, Setup, TestServer, server_binary,
};
use panjiyan_tests::nginx::{self, Nginx};
use panjiyan_tests::phone::{adults, set_up_retrying, sync_until_empty};
use panjiyan_tests::proxy::{FaultProxy, Faults, LinkProfile};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PHONES: usize = 20;
const PER_PHONE: usize = 30;

/// The SMS and voice provider: takes every message, counts deliveries by message id.
async fn sms_provider() -> (String, Arc<Mutex<BTreeMap<i64, u32>>>) {
    let received: Arc<Mutex<BTreeMap<i64, u32>>> = Arc::default();
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |axum::Json(m): axum::Json<serde_json::Value>| {
            let seen = seen.clone();
            async move {
                let id = m["client_ref"].as_i64().unwrap_or(-1);
                *seen.lock().unwrap().entry(id).or_default() += 1;
                axum::Json(serde_json::json!({"reference": format!("p-{id}")}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn phone_config(url: &str, dir: &std::path::Path, certificate: &[u8]) -> SyncConfig {
    SyncConfig {
        attempts: 40,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(20),
        batch_size: 15,
        reuse_connections: false,
        extra_root_certificate_pem: Some(certificate.to_vec()),
        ..SyncConfig::new(url, dir.join("downloads"))
    }
}

/// A phone through nginx: enrols, downloads its packs, registers `PER_PHONE` workers (its
/// share of the adults), syncs until its outbox is empty; the ids it made.
fn phone_day(url: &str, dir: &std::path::Path, n: usize, certificate: &[u8]) -> Vec<uuid::Uuid> {
    let store = DeviceStore::open(dir.join(format!("phone-{n}.db")), &[n as u8 + 1; 32]).unwrap();
    let client = SyncClient::new(phone_config(
        url,
        &dir.join(format!("phone-{n}")),
        certificate,
    ))
    .unwrap();
    let label = format!("phone {n}");
    set_up_retrying(&store, &client, "operator", PASSWORD, 40, &label);
    let adults = adults(&store);
    let mut ids = Vec::new();
    for m in adults.iter().skip(n).step_by(PHONES).take(PER_PHONE) {
        let form = RegistrationForm {
            occupation_code: Some("agricultural_labour".into()),
            mobile: Some("9876543210".into()),
            facts: ApplicantFacts::no_land(),
            consent: true,
            ..RegistrationForm::new(m.member_id.clone(), "operator")
        };
        let id = store.create_draft(&form).unwrap();
        store
            .finalise(id, panjiyan_core::india_time::now_utc(), true)
            .unwrap();
        ids.push(id);
    }
    assert_eq!(ids.len(), PER_PHONE, "phone {n} found its share of adults");
    sync_until_empty(&store, &client, 300, &label);
    ids
}

/// The sum over the instances of one counter line of /metrics (as Prometheus would add them).
async fn summed(instances: &[ServerProcess], line_start: &str) -> u64 {
    let mut total = 0;
    for i in instances {
        let text = reqwest::get(format!("{}/metrics", i.url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        total += text
            .lines()
            .filter(|l| l.starts_with(line_start))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_behind_nginx_hold_every_registration_and_send_every_message_once() {
    if !nginx::available() {
        return;
    }
    let Some(mut s) = TestServer::seeded(Backend::Postgres, Setup::camp(110)).await else {
        return;
    };
    let (provider, received) = sms_provider().await;
    let binary = server_binary();
    let args = [
        "--trusted-proxy",
        "127.0.0.1",
        "--sms-gateway-url",
        provider.as_str(),
    ];
    let mut instances: Vec<ServerProcess> = (0..3)
        .map(|_| ServerProcess::start(&binary, &s.database_url, &args))
        .collect();
    let ports: Vec<u16> = instances.iter().map(|i| i.addr.port()).collect();
    let nginx = Nginx::start(&ports);
    // The phones' link into nginx cuts, resets and refuses some connections.
    let faults = Faults {
        cut: 0.15,
        reset_share: 0.5,
        stall_chance: 0.05,
        stall: Duration::from_millis(200),
        refuse: 0.05,
        cut_within: 16 * 1024,
    };
    let upstream = format!("127.0.0.1:{}", nginx.port).parse().unwrap();
    let link = FaultProxy::start(upstream, LinkProfile::unlimited(), faults, 11).await;
    // Phones name the server as they would in the field (the certificate is for localhost).
    let phone_url = format!(
        "https://localhost:{}",
        link.url().rsplit(':').next().unwrap()
    );

    let dir = tempfile::tempdir().unwrap();
    let mut phones = Vec::new();
    for n in 0..PHONES {
        let (url, path, cert) = (
            phone_url.clone(),
            dir.path().to_owned(),
            nginx.certificate.clone(),
        );
        phones.push(tokio::task::spawn_blocking(move || {
            phone_day(&url, &path, n, &cert)
        }));
    }
    // Meanwhile one instance dies (SIGKILL, mid-request) and comes back; nginx sends its
    // requests to the others.
    tokio::time::sleep(Duration::from_secs(3)).await;
    tokio::task::block_in_place(|| instances[1].kill());
    tokio::time::sleep(Duration::from_secs(3)).await;
    tokio::task::block_in_place(|| instances[1].restart());
    let mut made = BTreeSet::new();
    for p in phones {
        made.extend(p.await.unwrap());
    }
    assert_eq!(made.len(), PHONES * PER_PHONE);
    let held = s.app.db.count_registrations().await.unwrap() as usize;
    let mut missing = 0;
    for id in &made {
        if s.app
            .db
            .registration(&id.to_string())
            .await
            .unwrap()
            .is_none()
        {
            missing += 1;
        }
    }
    assert_eq!((missing, held), (0, made.len()), "lost or doubled");
    println!(
        "{} registrations through nginx and a bad link ({} cuts), instance 2 killed once",
        made.len(),
        link.stats().cuts.load(std::sync::atomic::Ordering::Relaxed)
    );

    // The officer approves everything through nginx; the three dispatchers share the outbox.
    s.url = nginx.url();
    s.http = nginx.client(None);
    let ids: Vec<uuid::Uuid> = made.iter().copied().collect();
    assert_eq!(s.approve_all(&ids).await, ids.len());
    let expected = 2 * ids.len(); // an SMS and a voice message each
    for _ in 0..600 {
        if received.lock().unwrap().len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A little longer: a message sent twice would arrive now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = received.lock().unwrap().clone();
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(
        received.len(),
        expected,
        "every message reached the provider"
    );
    assert!(twice.is_empty(), "messages sent more than once: {twice:?}");
    let sent = summed(
        &instances,
        "panjiyan_notification_attempts_total{channel=\"sms\",outcome=\"sent\"}",
    )
    .await
        + summed(
            &instances,
            "panjiyan_notification_attempts_total{channel=\"voice\",outcome=\"sent\"}",
        )
        .await;
    assert_eq!(sent as usize, expected, "the instances' counters add up");
    for i in &mut instances {
        assert!(tokio::task::block_in_place(|| i.terminate()).success());
    }
}

/// A status look-up through nginx from `client`, with an X-Forwarded-For of its own if given.
async fn look_up(http: &reqwest::Client, url: &str, forged: Option<&str>) -> reqwest::Response {
    let mut r = http.get(format!("{url}/api/v1/worker-status/123456789"));
    if let Some(f) = forged {
        r = r.header("x-forwarded-for", f);
    }
    r.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_nginx_each_client_has_its_own_budget_and_forged_addresses_change_nothing() {
    if !nginx::available() {
        return;
    }
    let Some(s) = TestServer::seeded(Backend::Postgres, Setup::every_role()).await else {
        return;
    };
    let binary = server_binary();
    let instances: Vec<ServerProcess> = (0..2)
        .map(|_| ServerProcess::start(&binary, &s.database_url, &["--trusted-proxy", "127.0.0.1"]))
        .collect();
    let ports: Vec<u16> = instances.iter().map(|i| i.addr.port()).collect();
    let nginx = Nginx::start(&ports);
    let url = nginx.url();
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let (a, b) = (nginx.client(ip("127.0.0.2")), nginx.client(ip("127.0.0.3")));

    // Twenty look-ups in ten minutes per client, whichever instance nginx picks.
    for _ in 0..20 {
        let r = look_up(&a, &url, None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["strict-transport-security"],
            "max-age=31536000",
            "HTTPS at the proxy: browsers are told to keep to it"
        );
    }
    assert_eq!(look_up(&a, &url, None).await.status(), 429);
    assert_eq!(
        look_up(&b, &url, None).await.status(),
        200,
        "another client has its own budget"
    );
    // A forged header through nginx: the server reads the address nginx appended.
    assert_eq!(
        look_up(&a, &url, Some("198.51.100.7")).await.status(),
        429,
        "forged through nginx"
    );
    // Straight to an instance from an address that is not a trusted proxy: the header is
    // not believed (the client is 127.0.0.4 itself), and no HSTS over plain HTTP.
    let direct = reqwest::Client::builder()
        .local_address(ip("127.0.0.4"))
        .build()
        .unwrap();
    for _ in 0..20 {
        let r = look_up(
            &direct,
            &instances[0].url(),
            Some("127.0.0.1, 198.51.100.8"),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("strict-transport-security").is_none());
    }
    assert_eq!(
        look_up(&direct, &instances[0].url(), Some("198.51.100.9"))
            .await
            .status(),
        429,
        "a forged X-Forwarded-For from an untrusted address is ignored"
    );
    // The officer's session cookie is Secure when nginx says HTTPS, and not when a client
    // straight at an instance claims it.
    let cookie_of = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("panjiyan_session="))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("signed in: {:?}", r.headers()))
    };
    let sign_in = |http: &reqwest::Client, url: String, forged: bool| {
        let mut r = http
            .post(format!("{url}/officer/sign-in"))
            .form(&[("username", "collector"), ("password", PASSWORD)]);
        if forged {
            r = r.header("x-forwarded-proto", "https");
        }
        r.send()
    };
    let quiet = |b: reqwest::ClientBuilder| b.redirect(reqwest::redirect::Policy::none());
    let through = quiet(nginx.client_builder(ip("127.0.0.5")))
        .build()
        .unwrap();
    let r = sign_in(&through, url.clone(), false).await.unwrap();
    assert!(cookie_of(&r).contains("; Secure"), "{}", cookie_of(&r));
    let straight = quiet(reqwest::Client::builder().local_address(ip("127.0.0.6")))
        .build()
        .unwrap();
    let r = sign_in(&straight, instances[0].url(), true).await.unwrap();
    assert!(!cookie_of(&r).contains("Secure"), "{}", cookie_of(&r));
    let _ = nginx.config_file();
}
