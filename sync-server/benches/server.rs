//! Server benchmarks (`scripts/bench`), one JSON line per figure. Ingest runs through the real
//! push endpoint over HTTP on loopback from several concurrent devices, against a raw COPY of
//! the same rows into a bare table of the same PostgreSQL in the same run (the median of three).
//! Needs PANJIYAN_TEST_PG_URL (scripts/with-postgres) for the PostgreSQL figures. Pushes are
//! signed as phones sign them (one signature a batch); the breakdown says where the server's
//! time goes, per registration, by phase (`server_ingest_{phase}_us`), and the same ingest
//! with one signature per record (as phones before the batch signature) says what that cost.

use panjiyan_core::bench_line::emit;
use panjiyan_core::location::Level;
use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
use panjiyan_core::store::DeviceStore;
use panjiyan_core::validate::LgdCode;
use panjiyan_core::wire::{BacklogReport, PushRequest, PushResponse, SignedRegistration};
use panjiyan_server::app::Settings;
use panjiyan_server::harness::{
    Phone, Setup, TestServer, User, bench_district, places, postgres_server, scratch_postgres,
};
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;
use std::time::{Duration, Instant};

const DEVICES: usize = 4;
const PER_DEVICE: usize = 2_000;
const BATCH: usize = 200;
const PER_RECORD: usize = 800;
/// The older phones' run: half the main run per device (enough for a steady rate).
const SIGNED_EACH: usize = PER_DEVICE / 2;

async fn start(database_url: String) -> TestServer {
    let district = bench_district();
    TestServer::start_on(
        database_url,
        Setup {
            users: vec![User::new(
                "bench",
                Role::Operator,
                &places(&district, Level::District)[0],
            )],
            district,
            settings: Settings {
                max_body_bytes: 16 << 20,
                ..Settings::default()
            },
        },
    )
    .await
}

struct Device {
    token: String,
    store: DeviceStore,
    registrations: Vec<SignedRegistration>,
}

/// Enrols `n` real device stores, imports every pack, and finalises registrations of distinct
/// eligible members on each: `per_device` each, skipping the first `skip` eligible members.
async fn devices(
    s: &TestServer,
    dir: &std::path::Path,
    n: usize,
    per_device: usize,
    skip: usize,
) -> Vec<Device> {
    let today = panjiyan_core::india_time::now();
    let mut out = Vec::new();
    for d in 0..n {
        let store = DeviceStore::open(
            dir.join(format!("device-{skip}-{d}.db")),
            &[d as u8 + 1; 32],
        )
        .unwrap();
        let Phone { store, token, .. } = s.enrol_store("bench", store).await;
        // In the server's order of units, as they were downloaded.
        let mut eligible = Vec::new();
        for u in s.units(&token).await {
            let code: LgdCode = u["code"].as_str().unwrap().parse().unwrap();
            for f in store.families_in_unit(&code).unwrap() {
                eligible.extend(
                    f.members
                        .into_iter()
                        .map(|m| m.member)
                        .filter(|m| (19..=59).contains(&m.birth.age_on(today.date()))),
                );
            }
        }
        for m in eligible
            .iter()
            .skip(skip)
            .skip(d)
            .step_by(n)
            .take(per_device)
        {
            let form = RegistrationForm {
                occupation_code: Some("construction".into()),
                mobile: Some("9876543210".into()),
                facts: ApplicantFacts::no_land(),
                consent: true,
                ..RegistrationForm::new(m.member_id.clone(), "bench")
            };
            let id = store.create_draft(&form).unwrap();
            store.finalise(id, today, true).unwrap();
        }
        let registrations: Vec<SignedRegistration> = store
            .outbox_batch(usize::MAX >> 1)
            .unwrap()
            .into_iter()
            .map(|i| i.signed)
            .collect();
        // A run of fewer records than it says would be a figure of noise.
        assert_eq!(
            registrations.len(),
            per_device,
            "the bench district has too few eligible members for device {d} (skipping {skip})"
        );
        out.push(Device {
            token,
            store,
            registrations,
        });
    }
    out
}

/// How a bench push is signed.
#[derive(Clone, Copy, PartialEq)]
enum Signing {
    /// One signature over the batch, as phones sign.
    Batch,
    /// Each record by its own, as phones did before.
    EachRecord,
}

/// Every device's pushes in batches of `batch`, signed and serialised before any is timed.
fn requests(devices: &[Device], batch: usize, signing: Signing) -> Vec<Vec<Vec<u8>>> {
    devices
        .iter()
        .map(|d| {
            d.registrations
                .chunks(batch)
                .map(|chunk| {
                    let mut request = PushRequest {
                        protocol: 1,
                        registrations: chunk.to_vec(),
                        backlog: BacklogReport::default(),
                        ..PushRequest::default()
                    };
                    if signing == Signing::Batch {
                        d.store.sign_push(&mut request);
                    }
                    serde_json::to_vec(&request).unwrap()
                })
                .collect()
        })
        .collect()
}

/// Pushes every device's registrations in batches, devices in parallel; returns seconds.
async fn push_all(s: &TestServer, devices: &[Device], batch: usize, signing: Signing) -> f64 {
    let bodies = requests(devices, batch, signing);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (d, bodies) in devices.iter().zip(bodies) {
        let (http, url, token) = (s.http.clone(), s.url.clone(), d.token.clone());
        tasks.push(tokio::spawn(async move {
            for body in bodies {
                let r = http
                    .post(format!("{url}/api/v1/push"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "push failed: {}", r.status());
                let answer: PushResponse = r.json().await.unwrap();
                assert!(
                    answer.results.iter().all(|r| r.outcome.is_acknowledged()),
                    "{:?}",
                    answer.results.first()
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed().as_secs_f64()
}

/// How many times the baseline's COPY runs; its median is the baseline (one COPY of 8,000
/// rows takes some 50 ms, and single runs varied by 2×).
const COPIES: usize = 3;

/// The raw baseline: the same rows by COPY into a bare table of the same database, each time
/// into a new one; the median rate of `COPIES` runs.
async fn copy_rate(pg_url: &str, devices: &[Device]) -> f64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(pg_url).await.unwrap();
    let mut data = String::new();
    let mut rows = 0;
    for d in devices {
        for r in &d.registrations {
            let p = r.parse_unverified().unwrap();
            let escaped = r
                .payload
                .replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n");
            let hash = panjiyan_core::keys::to_hex(
                ring::digest::digest(&ring::digest::SHA256, r.payload.as_bytes()).as_ref(),
            );
            data.push_str(&format!(
                "{}\t{hash}\t{escaped}\t{}\t{}\t{}\t{}\tpending_approval\t{}\n",
                p.id,
                p.device_id,
                p.device_seq,
                p.member_id,
                p.unit_code,
                now_ms()
            ));
            rows += 1;
        }
    }
    let mut rates = Vec::with_capacity(COPIES);
    for run in 0..COPIES {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE TABLE bench_copy_{run} (id TEXT, content_hash TEXT, payload TEXT, device_id TEXT, device_seq BIGINT, member_id TEXT, unit_code TEXT, state TEXT, received_at BIGINT)")))
            .execute(&mut conn)
            .await
            .unwrap();
        let start = Instant::now();
        let mut copy = conn
            .copy_in_raw(&format!("COPY bench_copy_{run} FROM STDIN"))
            .await
            .unwrap();
        copy.send(data.as_bytes()).await.unwrap();
        copy.finish().await.unwrap();
        rates.push(rows as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates[COPIES / 2]
}

/// Where the server's time went while `run` pushed `n` registrations: one figure per phase,
/// in microseconds per registration, named `{prefix}_{phase}_us`.
async fn breakdown<F: std::future::Future<Output = f64>>(
    s: &TestServer,
    prefix: &str,
    n: usize,
    run: F,
) -> f64 {
    let before = s.app.metrics.ingest.seconds();
    let secs = run.await;
    for ((phase, after), (_, before)) in s.app.metrics.ingest.seconds().iter().zip(before) {
        emit(
            &format!("{prefix}_{phase}_us"),
            (after - before) * 1e6 / n as f64,
            "µs/registration",
            None,
        );
    }
    secs
}

/// JSON decoding of the pushes, which the server does before intake: timed here on the same
/// bodies, in microseconds per registration.
fn decode_us(devices: &[Device]) -> f64 {
    let bodies = requests(devices, BATCH, Signing::Batch);
    let n: usize = devices.iter().map(|d| d.registrations.len()).sum();
    let start = Instant::now();
    for body in bodies.iter().flatten() {
        let request: PushRequest = serde_json::from_slice(body).unwrap();
        std::hint::black_box(request);
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

async fn ingest_suite(database_url: String, pg: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let s = start(database_url).await;
    let devs = devices(&s, dir.path(), DEVICES, PER_DEVICE, 0).await;
    let total: usize = devs.iter().map(|d| d.registrations.len()).sum();
    let prefix = if pg.is_some() {
        "server_ingest"
    } else {
        "server_ingest_sqlite"
    };
    emit(
        &format!("{prefix}_decode_us"),
        decode_us(&devs),
        "µs/registration",
        None,
    );
    let secs = breakdown(
        &s,
        prefix,
        total,
        push_all(&s, &devs, BATCH, Signing::Batch),
    )
    .await;
    let rate = total as f64 / secs;
    match pg {
        Some(url) => {
            let copy = copy_rate(url, &devs).await;
            emit("server_ingest", rate, "registrations/s", Some(copy));
            let before = s.app.db.count_registrations().await.unwrap();
            let replay = push_all(&s, &devs, BATCH, Signing::Batch).await;
            let added = s.app.db.count_registrations().await.unwrap() - before;
            emit(
                "server_ingest_replay",
                total as f64 / replay,
                "registrations/s",
                None,
            );
            emit(
                "server_ingest_replay_rows_added",
                added as f64,
                "rows",
                None,
            );
            let single = devices(
                &s,
                dir.path(),
                DEVICES,
                PER_RECORD / DEVICES,
                PER_DEVICE * DEVICES,
            )
            .await;
            let n: usize = single.iter().map(|d| d.registrations.len()).sum();
            let secs = push_all(&s, &single, 1, Signing::Batch).await;
            emit(
                "server_ingest_per_record",
                n as f64 / secs,
                "registrations/s",
                Some(rate),
            );
            // The same ingest with one signature per record, as older phones push.
            let older = devices(
                &s,
                dir.path(),
                DEVICES,
                SIGNED_EACH,
                PER_DEVICE * DEVICES + PER_RECORD,
            )
            .await;
            let n: usize = older.iter().map(|d| d.registrations.len()).sum();
            let secs = breakdown(
                &s,
                "server_ingest_signed_each",
                n,
                push_all(&s, &older, BATCH, Signing::EachRecord),
            )
            .await;
            emit(
                "server_ingest_signed_each",
                n as f64 / secs,
                "registrations/s",
                Some(rate),
            );
            pack_serve(&s).await;
        }
        None => emit("server_ingest_sqlite", rate, "registrations/s", None),
    }
    s.stop().await;
}

/// Downloads per second of one ward's pack by 8 concurrent clients for 3 seconds.
async fn pack_serve(s: &TestServer) {
    let token = devices(s, &tempfile::tempdir().unwrap().keep(), 1, 0, 0)
        .await
        .remove(0)
        .token;
    let units = s.units(&token).await;
    let url = format!(
        "{}/api/v1/units/{}/pack",
        s.url,
        units[0]["code"].as_str().unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (http, url, token) = (reqwest::Client::new(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let bytes = http
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                assert!(!bytes.is_empty());
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    emit("pack_serve", total as f64 / 3.0, "downloads/s", None);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    ingest_suite(
        format!("sqlite:{}", dir.path().join("bench.db").display()),
        None,
    )
    .await;
    match postgres_server() {
        Some(server) => {
            let url = scratch_postgres(&server).await;
            ingest_suite(url.clone(), Some(&url)).await;
        }
        None => eprintln!(
            "server benches: PANJIYAN_TEST_PG_URL not set; PostgreSQL figures skipped (run scripts/bench)"
        ),
    }
}
