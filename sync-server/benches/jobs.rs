//! Rozgar Setu at state scale. PostgreSQL is seeded with a state of 50 districts and 300
//! blocks (each district bordering the next two) and 1,000,000 returned migrants in the skill
//! register (PANJIYAN_BENCH_JOB_SEEKERS to change), loaded by COPY straight into the tables:
//! the 36 trades, willing to work in their block, district or anywhere in the state, 0 to 20
//! years of experience, 85% consenting, some offered before, some holding an accepted offer
//! or placed; the funnel counts are summed from those rows, as the services would have kept
//! them. Figures, one JSON line each:
//! - `match_p95_ms`: a requirement's shortlist (`Db::shortlist`, 50 workers) for 200
//!   requirements of varied trades and blocks; baseline the same query with index scans off
//!   (`enable_indexscan`, `enable_bitmapscan`), so PostgreSQL ranks by a plain scan.
//! - `funnel_state_p95_ms`: the state's funnel by district and by trade
//!   (`rozgar::funnel::funnel`); baseline the same figures counted from `job_seekers` with
//!   GROUP BY.
//!
//! Needs PANJIYAN_TEST_PG_URL (scripts/with-postgres).

use panjiyan_core::bench_line::emit;
use panjiyan_core::location::{Level, Place};
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::validate::LgdCode;
use panjiyan_server::app::{App, Settings};
use panjiyan_server::harness::{postgres_server, scratch_postgres};
use panjiyan_server::rozgar::{funnel, matching};
use panjiyan_server::storage::{FunnelBy, Wanted, now_ms};
use sqlx::Connection;
use std::fmt::Write as _;
use std::time::Instant;

const DISTRICTS: u32 = 50;
const BLOCKS: u32 = 6;
const REQUIREMENTS: usize = 200;
const FUNNEL_SAMPLES: usize = 40;

/// A requirement as the shortlist reads it: trade, related trades, block, district and the
/// district's neighbours.
type Requirement = (String, Vec<String>, String, String, Vec<String>);

fn place(code: String, level: Level, parent: Option<&str>) -> Place {
    Place {
        name_hi: format!("स्थान {code}"),
        name_en: format!("Place {code}"),
        code: LgdCode::parse(&code).expect("bench codes are digits"),
        level,
        parent: parent.map(|p| LgdCode::parse(p).expect("digits")),
    }
}

/// The state, its districts and blocks, and a village per block (the workers' unit).
fn state() -> (Vec<Place>, Vec<(String, String, String)>) {
    let mut places = vec![place("23".into(), Level::State, None)];
    let mut units = Vec::new();
    for d in 0..DISTRICTS {
        let district = (100 + d).to_string();
        places.push(place(district.clone(), Level::District, Some("23")));
        for b in 1..=BLOCKS {
            let block = format!("{district}{b}");
            let gp = format!("{block}01");
            let village = format!("{gp}1");
            places.push(place(block.clone(), Level::Block, Some(&district)));
            places.push(place(gp.clone(), Level::GramPanchayat, Some(&block)));
            places.push(place(village.clone(), Level::Village, Some(&gp)));
            units.push((village, block, district.clone()));
        }
    }
    (places, units)
}

/// A cheap deterministic spread of `i` over `0..n`.
fn spread(i: u64, salt: u64, n: u64) -> u64 {
    (i.wrapping_mul(2_654_435_761)
        .wrapping_add(salt.wrapping_mul(40_503))
        >> 7)
        % n
}

/// Job seekers `from..to` as COPY text.
fn seekers(
    from: u64,
    to: u64,
    units: &[(String, String, String)],
    trades: &[String],
    now: i64,
) -> String {
    let mut out = String::with_capacity(((to - from) * 180) as usize);
    for i in from..to {
        let (unit, block, district) = &units[spread(i, 1, units.len() as u64) as usize];
        // Trades unevenly: the first dozen (farm work, construction's neighbours) commoner.
        let t = if i % 3 == 0 {
            spread(i, 2, 12)
        } else {
            spread(i, 3, trades.len() as u64)
        };
        let trade = &trades[t as usize];
        let willing = match i % 10 {
            0..4 => "block",
            4..7 => "district",
            _ => "state",
        };
        let consent = i % 20 < 17;
        let standing = match i % 50 {
            0 => "placed",
            1 | 2 => "holding",
            _ => "available",
        };
        let offers_made = match i % 50 {
            0..3 => 1,
            3..8 => 1 + (i % 3),
            _ => 0,
        };
        let at = |yes: bool| {
            if yes {
                (now - 86_400_000).to_string()
            } else {
                "\\N".into()
            }
        };
        let _ = writeln!(
            out,
            "{member}\treg-{i}\t{unit}\t{block}\t{district}\t23\t{trade}\t{years}\t{worked}\t\\N\t{willing}\t{consent_at}\t{channel}\t{standing}\t{offers_made}\t{short}\t{offered}\t{accepted}\t{joined}\t{now}",
            member = 100_000_000 + i,
            years = spread(i, 4, 21),
            worked = ["Gujarat", "Maharashtra", "Delhi", "Kerala", "Punjab"][(i % 5) as usize],
            consent_at = at(consent),
            channel = if consent { "camp" } else { "\\N" },
            short = at(offers_made > 0 || i % 50 < 12),
            offered = at(offers_made > 0),
            accepted = at(standing != "available"),
            joined = at(standing == "placed"),
        );
    }
    out
}

async fn copy(conn: &mut sqlx::PgConnection, statement: &str, data: String) {
    let mut c = conn.copy_in_raw(statement).await.unwrap();
    c.send(data.into_bytes()).await.unwrap();
    c.finish().await.unwrap();
}

fn p95(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[((samples.len() as f64 * 0.95).ceil() as usize)
        .saturating_sub(1)
        .min(samples.len() - 1)]
}

/// The funnel the district cell's state page reads: by district and by trade.
async fn state_funnel(app: &App) -> usize {
    let (districts, total) = funnel::funnel(&app.db, "23", FunnelBy::District)
        .await
        .unwrap();
    let (trades, _) = funnel::funnel(&app.db, "23", FunnelBy::Trade)
        .await
        .unwrap();
    assert!(total.stage("registered") > 0);
    districts.len() + trades.len()
}

/// The same figures counted from the register itself.
async fn counted_funnel(
    conn: &mut sqlx::PgConnection,
) -> Vec<(String, i64, i64, i64, i64, i64, i64)> {
    let mut out = Vec::new();
    for key in ["district_code", "trade_code"] {
        let sql = format!(
            "SELECT {key}, count(*), count(consent_at), count(shortlisted_at), count(offered_at),
                count(accepted_at), count(joined_at)
             FROM job_seekers WHERE state_code = '23' GROUP BY {key} ORDER BY {key}"
        );
        let rows: Vec<(String, i64, i64, i64, i64, i64, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        out.extend(rows);
    }
    out
}

fn main() {
    let Some(pg) = postgres_server() else {
        eprintln!(
            "jobs bench skipped: PANJIYAN_TEST_PG_URL not set (run through scripts/with-postgres)"
        );
        return;
    };
    let total: u64 = std::env::var("PANJIYAN_BENCH_JOB_SEEKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let url = scratch_postgres(&pg).await;
        let app = App::open(Settings {
            database_url: url.clone(),
            ..Settings::default()
        })
        .await
        .unwrap();
        let (places, units) = state();
        app.db.upsert_places(&places).await.unwrap();
        for d in 0..DISTRICTS {
            for step in [1, 2] {
                let n = (d + step) % DISTRICTS;
                app.db
                    .add_neighbours(&(100 + d).to_string(), &(100 + n).to_string())
                    .await
                    .unwrap();
            }
        }
        let trades: Vec<String> = OccupationList::builtin()
            .categories
            .into_iter()
            .map(|o| o.code)
            .collect();
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        // The register's rows name registrations that this bench does not load: the reads it
        // measures never join them, so the foreign key is not checked while loading.
        sqlx::query("SET session_replication_role = replica")
            .execute(&mut conn)
            .await
            .unwrap();
        let load = Instant::now();
        let now = now_ms();
        let chunk = 200_000;
        let mut from = 0;
        while from < total {
            let to = (from + chunk).min(total);
            copy(
                &mut conn,
                "COPY job_seekers(member_id, registration_id, unit_code, block_code, district_code, state_code,
                    trade_code, experience_years, worked_in, certificate, willing, consent_at, consent_channel,
                    standing, offers_made, shortlisted_at, offered_at, accepted_at, joined_at, updated_at) FROM STDIN",
                seekers(from, to, &units, &trades, now),
            )
            .await;
            from = to;
        }
        sqlx::query("SET session_replication_role = origin")
            .execute(&mut conn)
            .await
            .unwrap();
        // The funnel as the services count it: a person once at each stage they reached.
        sqlx::query(
            "INSERT INTO job_funnel(district_code, block_code, trade_code, stage, n)
             SELECT district_code, block_code, trade_code, stage, n FROM (
                SELECT district_code, block_code, trade_code, 'registered' AS stage, count(*) AS n FROM job_seekers GROUP BY 1, 2, 3
                UNION ALL SELECT district_code, block_code, trade_code, 'consent', count(consent_at) FROM job_seekers GROUP BY 1, 2, 3
                UNION ALL SELECT district_code, block_code, trade_code, 'shortlisted', count(shortlisted_at) FROM job_seekers GROUP BY 1, 2, 3
                UNION ALL SELECT district_code, block_code, trade_code, 'offered', count(offered_at) FROM job_seekers GROUP BY 1, 2, 3
                UNION ALL SELECT district_code, block_code, trade_code, 'accepted', count(accepted_at) FROM job_seekers GROUP BY 1, 2, 3
                UNION ALL SELECT district_code, block_code, trade_code, 'joined', count(joined_at) FROM job_seekers GROUP BY 1, 2, 3
                UNION ALL SELECT district_code, block_code, trade_code, 'join_days', 6 * count(joined_at) FROM job_seekers GROUP BY 1, 2, 3
             ) c WHERE n > 0",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
        eprintln!(
            "jobs bench: {total} job seekers loaded in {:.0} s",
            load.elapsed().as_secs_f64()
        );

        // 200 requirements: every trade, blocks all over the state.
        let wanted: Vec<Requirement> = (0..REQUIREMENTS)
            .map(|r| {
                let trade = trades[(r * 7) % trades.len()].clone();
                let (_, block, district) = &units[(r * 37) % units.len()];
                let neighbours = {
                    let d: u32 = district.parse::<u32>().unwrap() - 100;
                    let mut n: Vec<String> = [d + DISTRICTS - 2, d + DISTRICTS - 1, d + 1, d + 2]
                        .iter()
                        .map(|x| (100 + x % DISTRICTS).to_string())
                        .collect();
                    n.sort();
                    n
                };
                (
                    trade.clone(),
                    matching::related_trades(&trade),
                    block.clone(),
                    district.clone(),
                    neighbours,
                )
            })
            .collect();
        let shortlist = |i: usize| {
            let (trade, related, block, district, neighbours) = &wanted[i];
            Wanted {
                requirement_id: i as i64 + 1,
                trade_code: trade,
                related_trades: related,
                block_code: block,
                district_code: district,
                neighbours,
                state_code: "23",
                limit: matching::SHORTLIST,
            }
        };
        // Check the neighbours as stored match the ones the bench passes.
        assert_eq!(app.db.neighbours(&wanted[0].3).await.unwrap(), wanted[0].4);
        for i in 0..5 {
            app.db.shortlist(&shortlist(i)).await.unwrap();
        }
        let mut samples = Vec::with_capacity(REQUIREMENTS);
        let mut lists = Vec::with_capacity(REQUIREMENTS);
        for i in 0..REQUIREMENTS {
            let start = Instant::now();
            let list = app.db.shortlist(&shortlist(i)).await.unwrap();
            samples.push(start.elapsed().as_secs_f64() * 1_000.0);
            assert_eq!(list.len() as i64, matching::SHORTLIST, "a full shortlist");
            lists.push(list);
        }
        let matched = p95(&mut samples);

        // The baseline: the same query on a pool whose sessions never use an index.
        let plain = App::open(Settings {
            database_url: format!(
                "{url}{}options=-c%20enable_indexscan%3Doff%20-c%20enable_bitmapscan%3Doff",
                if url.contains('?') { "&" } else { "?" }
            ),
            ..Settings::default()
        })
        .await
        .unwrap();
        let mut naive = Vec::new();
        for (i, fast) in lists.iter().enumerate().take(REQUIREMENTS / 10) {
            let start = Instant::now();
            let list = plain.db.shortlist(&shortlist(i)).await.unwrap();
            naive.push(start.elapsed().as_secs_f64() * 1_000.0);
            assert_eq!(&list, fast, "the same ranking either way");
        }
        emit("match_p95_ms", matched, "ms", Some(p95(&mut naive)));

        // The state's funnel, and the same figures counted from the register.
        for _ in 0..3 {
            state_funnel(&app).await;
        }
        let mut samples = Vec::with_capacity(FUNNEL_SAMPLES);
        for _ in 0..FUNNEL_SAMPLES {
            let start = Instant::now();
            let lines = state_funnel(&app).await;
            samples.push(start.elapsed().as_secs_f64() * 1_000.0);
            assert_eq!(lines, DISTRICTS as usize + trades.len());
        }
        let mut naive = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let rows = counted_funnel(&mut conn).await;
            naive.push(start.elapsed().as_secs_f64() * 1_000.0);
            assert_eq!(rows.len(), DISTRICTS as usize + trades.len());
        }
        // The kept counts equal the counted ones.
        let (districts, _) = funnel::funnel(&app.db, "23", FunnelBy::District).await.unwrap();
        let counted = counted_funnel(&mut conn).await;
        for line in &districts {
            let row = counted.iter().find(|r| r.0 == line.key).unwrap();
            assert_eq!(line.stages, [row.1, row.2, row.3, row.4, row.5, row.6]);
        }
        emit("funnel_state_p95_ms", p95(&mut samples), "ms", Some(p95(&mut naive)));
    });
}
