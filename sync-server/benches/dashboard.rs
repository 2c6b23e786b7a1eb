//! `dashboard_p95_ms`: the collector's and admin's pages at state scale. PostgreSQL is seeded
//! with a state-sized hierarchy (52 districts, 312 blocks, about 23,000 gram panchayats and
//! 55,000 villages, 400 urban bodies with 6,000 wards) and 10 million registrations
//! (PANJIYAN_BENCH_REGISTRATIONS to change) and 2,000 devices reporting backlogs
//! (PANJIYAN_BENCH_DEVICES to change), the progress rollup is built, and the real server
//! answers the pages over HTTP on loopback: each the page a person opens first (the state's
//! backlog summary by district, a block officer's first page of the queue). The baseline is the
//! same "by area" table counted straight from the registrations, measured in the same run. One
//! JSON line per figure.
//! Needs PANJIYAN_TEST_PG_URL (scripts/with-postgres).

use panjiyan_core::bench_line::emit;
use panjiyan_core::india_time::india_day;
use panjiyan_core::location::{Level, Place};
use panjiyan_core::validate::LgdCode;
use panjiyan_server::app::{App, Settings};
use panjiyan_server::harness::{
    PASSWORD, Serving, User, add_users, postgres_server, scratch_postgres,
};
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;
use sqlx::Connection;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const DISTRICTS: u32 = 52;
const BLOCKS: u32 = 6;
const GPS_PER_BLOCK: u32 = 75;
const URBAN_BODIES: u32 = 8;
const WARDS: u32 = 15;
const SAMPLES: usize = 40;

fn place(code: String, level: Level, en: String, hi: String, parent: Option<&str>) -> Place {
    Place {
        code: LgdCode::parse(&code).expect("bench codes are digits"),
        level,
        name_hi: hi,
        name_en: en,
        parent: parent.map(|p| LgdCode::parse(p).expect("digits")),
    }
}

/// The state: codes grow by a digit per level so they never collide.
fn state() -> (Vec<Place>, Vec<String>) {
    let mut places = vec![place(
        "23".into(),
        Level::State,
        "Bench State".into(),
        "परीक्षण राज्य".into(),
        None,
    )];
    let mut units = Vec::new();
    for d in 0..DISTRICTS {
        let district = (100 + d).to_string();
        places.push(place(
            district.clone(),
            Level::District,
            format!("District {d}"),
            format!("ज़िला {d}"),
            Some("23"),
        ));
        for b in 1..=BLOCKS {
            let block = format!("{district}{b}");
            places.push(place(
                block.clone(),
                Level::Block,
                format!("Block {block}"),
                format!("विकासखंड {block}"),
                Some(&district),
            ));
            for g in 0..GPS_PER_BLOCK {
                let gp = format!("{block}{g:02}");
                places.push(place(
                    gp.clone(),
                    Level::GramPanchayat,
                    format!("GP {gp}"),
                    format!("ग्राम पंचायत {gp}"),
                    Some(&block),
                ));
                for v in 0..(2 + (g % 3 == 0) as u32) {
                    let village = format!("{gp}{v}");
                    places.push(place(
                        village.clone(),
                        Level::Village,
                        format!("Village {village}"),
                        format!("गाँव {village}"),
                        Some(&gp),
                    ));
                    units.push(village);
                }
            }
        }
        for u in 0..URBAN_BODIES {
            let body = format!("{district}9{u:02}");
            places.push(place(
                body.clone(),
                Level::UrbanBody,
                format!("Town {body}"),
                format!("नगर {body}"),
                Some(&district),
            ));
            for w in 0..WARDS {
                let ward = format!("{body}{w:02}");
                places.push(place(
                    ward.clone(),
                    Level::Ward,
                    format!("Ward {ward}"),
                    format!("वार्ड {ward}"),
                    Some(&body),
                ));
                units.push(ward);
            }
        }
    }
    (places, units)
}

/// Registrations `from..to` as COPY text: spread over the units and the last 100 days; 60%
/// approved, 25% pending, 8% rejected, 7% duplicates; 80% from camps. Their status changes
/// are numbered `from + 1 ..` under transaction `xid`.
fn registrations(
    from: u64,
    to: u64,
    units: &[String],
    now: i64,
    counted: bool,
    xid: i64,
) -> String {
    let mut out = String::with_capacity(((to - from) * 200) as usize);
    for i in from..to {
        let unit = &units[(i as usize * 7919) % units.len()];
        let received = now - (i % 100) as i64 * 86_400_000 - (i % 80_000) as i64 * 1_000;
        let state = match i % 100 {
            0..60 => "approved",
            60..85 => "pending_approval",
            85..93 => "rejected",
            _ => "duplicate",
        };
        let channel = match i % 20 {
            0..16 => "camp",
            16..19 => "service_centre",
            _ => "self_registered",
        };
        let number = if state == "approved" {
            format!("23-B-{i}")
        } else {
            "\\N".into()
        };
        let reason = if state == "rejected" {
            "not_a_worker"
        } else {
            "\\N"
        };
        let counted_state = if counted { state } else { "\\N" };
        let _ = writeln!(
            out,
            "{id}\tx\t{{}}\tbench\t{i}\t{member}\t{family}\t{unit}\t{channel}\tagricultural_labour\t{state}\t{number}\t{reason}\t{received}\t{seq}\t{day}\t{counted_state}\t{xid}",
            id = uuid::Uuid::from_u64_pair(0x0190_0000_0000_7000, i),
            member = 100_000_000 + i,
            family = 10_000_000 + i / 4,
            seq = i + 1,
            day = india_day(received),
        );
    }
    out
}

async fn copy(conn: &mut sqlx::PgConnection, statement: &str, data: String) {
    let mut c = conn.copy_in_raw(statement).await.unwrap();
    c.send(data.into_bytes()).await.unwrap();
    c.finish().await.unwrap();
}

const REGISTRATION_COLUMNS: &str = "COPY registrations(id, content_hash, payload, device_id, device_seq, member_id, family_id,
    unit_code, channel, occupation_code, state, registration_number, reason, received_at, change_seq, received_day,
    counted_state, change_xid) FROM STDIN";

/// Signs in through the page and returns the session cookie.
async fn sign_in(http: &reqwest::Client, url: &str, username: &str) -> String {
    let r = http
        .post(format!("{url}/officer/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={username}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("panjiyan_session="))
        .unwrap_or_else(|| panic!("{username} could not sign in: {}", r.status()));
    cookie.split(';').next().unwrap().to_owned()
}

/// The p95 of `SAMPLES` timed answers after a warm-up, in milliseconds, and the samples.
async fn time_page(http: &reqwest::Client, url: &str, cookie: &str, path: &str) -> (f64, Vec<f64>) {
    let get = || async {
        let start = Instant::now();
        let r = http
            .get(format!("{url}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let body = r.text().await.unwrap();
        assert!(body.len() > 1_000, "{path} answered too little");
        start.elapsed().as_secs_f64() * 1_000.0
    };
    for _ in 0..3 {
        get().await;
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        samples.push(get().await);
    }
    (p95(&mut samples.clone()), samples)
}

fn p95(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[((samples.len() as f64 * 0.95).ceil() as usize)
        .saturating_sub(1)
        .min(samples.len() - 1)]
}

fn main() {
    let Some(pg) = postgres_server() else {
        eprintln!(
            "dashboard bench skipped: PANJIYAN_TEST_PG_URL not set (run through scripts/with-postgres)"
        );
        return;
    };
    let total: u64 = std::env::var("PANJIYAN_BENCH_REGISTRATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let url = scratch_postgres(&pg).await;
        let app = App::open(Settings { database_url: url.clone(), ..Settings::default() }).await.unwrap();
        let (places, units) = state();
        let started = Instant::now();
        app.db.upsert_places(&places).await.unwrap();
        let admin = add_users(&app, &[
            User::new("state-admin", Role::StateAdmin, "23"),
            User::new("collector", Role::DistrictAdmin, "100"),
            User::new("ceo", Role::DesignatedOfficer, "1001"),
        ]).await[0];
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        // Devices: the bench phone, and 2,000 more (or as many as asked) reporting backlogs.
        let device_count: usize = std::env::var("PANJIYAN_BENCH_DEVICES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2_000);
        let mut devices = format!("bench\t\\\\x00\t\\\\x01\t{admin}\t23\t0\t\\N\t0\t\\N\n");
        for d in 0..device_count {
            let unit = &units[d * 17 % units.len()];
            let seen = now_ms() - (d as i64 % 96) * 3_600_000;
            let pending = d % 7 * 3;
            // What a device holds was finalised up to five days before it was last seen.
            let oldest = if pending > 0 { (seen - (d as i64 % 120) * 3_600_000).to_string() } else { "\\N".into() };
            let _ = writeln!(
                devices,
                "dev{d}\t\\\\x00\t\\\\x{d:06x}02\t{admin}\t{unit}\t0\t{seen}\t{pending}\t{oldest}",
            );
        }
        copy(&mut conn, "COPY devices(device_id, public_key, token_hash, enrolled_by, jurisdiction, enrolled_at, last_seen_at, pending, oldest_pending_at) FROM STDIN", devices).await;
        let targets: String = units.iter().map(|u| format!("{u}\t150\n")).collect();
        copy(&mut conn, "COPY targets(unit_code, target) FROM STDIN", targets).await;
        eprintln!("dashboard bench: {} places in {:.1} s; loading {total} registrations", places.len(), started.elapsed().as_secs_f64());
        let now = now_ms();
        let chunk = 250_000;
        let load = Instant::now();
        let mut from = 0;
        while from < total {
            let to = (from + chunk).min(total);
            copy(&mut conn, REGISTRATION_COLUMNS, registrations(from, to, &units, now, true, 0)).await;
            from = to;
        }
        sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
        eprintln!("dashboard bench: loaded in {:.0} s", load.elapsed().as_secs_f64());

        // The rollup, rebuilt in one pass over everything.
        let start = Instant::now();
        app.db.rebuild_progress().await.unwrap();
        emit("progress_rebuild_s", start.elapsed().as_secs_f64(), "s", None);

        // Then kept current: 100,000 new registrations folded in by the incremental rollup.
        let more = 100_000;
        // As the changes of one committed transaction after the rebuild (a made-up id, -1,
        // with the next ticket).
        sqlx::query("WITH c AS (UPDATE counters SET value = value + 1 WHERE name = 'status_change' RETURNING value)
                     INSERT INTO change_tickets(xid, ticket) SELECT -1, value FROM c").execute(&mut conn).await.unwrap();
        copy(&mut conn, REGISTRATION_COLUMNS, registrations(total, total + more, &units, now_ms(), false, -1)).await;
        let start = Instant::now();
        let folded = panjiyan_server::rollup::catch_up(&app).await.unwrap();
        assert_eq!(folded, more as i64);
        emit("rollup_changes_per_s", more as f64 / start.elapsed().as_secs_f64(), "changes/s", None);

        // The baseline: the state's "by area" table counted straight from the registrations.
        let mut naive = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT a.ancestor, r.state, count(*) FROM registrations r JOIN place_ancestors a ON a.code = r.unit_code
                 JOIN places p ON p.code = a.ancestor WHERE p.parent = '23' GROUP BY a.ancestor, r.state",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert!(rows.len() >= DISTRICTS as usize);
            naive.push(start.elapsed().as_secs_f64() * 1_000.0);
        }
        let naive_p95 = p95(&mut naive);

        let server = Serving::start(app.clone()).await;
        let base = server.url();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(120)).build().unwrap();
        let state_admin = sign_in(&http, &base, "state-admin").await;
        let officer = sign_in(&http, &base, "ceo").await;
        let pages = [
            ("dashboard_progress_state_p95_ms", &state_admin, "/admin/progress"),
            ("dashboard_progress_district_p95_ms", &state_admin, "/admin/progress?place=100"),
            ("dashboard_progress_block_p95_ms", &state_admin, "/admin/progress?place=1001"),
            ("dashboard_payout_state_p95_ms", &state_admin, "/admin/payout"),
            ("dashboard_backlog_state_p95_ms", &state_admin, "/admin/backlog"),
            ("dashboard_queue_block_p95_ms", &officer, "/officer/queue"),
        ];
        let mut all = Vec::new();
        for (name, cookie, path) in pages {
            let (p, samples) = time_page(&http, &base, cookie, path).await;
            emit(name, p, "ms", None);
            all.extend(samples);
        }
        emit("dashboard_p95_ms", p95(&mut all), "ms", Some(naive_p95));
        server.crash().await;
    });
}
