//! The progress page read from a real PostgreSQL streaming replica: a primary and a standby
//! made with `pg_basebackup -R` on loopback (clusters of the test's own). Caught up, the page
//! and its CSV from the standby equal the primary's and the test's ledger; with the standby's
//! replay paused, the page says "figures as of …" and shows what it had, while decisions keep
//! going to the primary; resumed, it catches up.

use panjiyan_server::app::{App, Settings};
use panjiyan_server::harness::{PASSWORD, Serving, Setup, TestServer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The PostgreSQL programs (initdb, pg_ctl, pg_basebackup) of the installed server.
fn pg_bin() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .find(|bin| bin.join("initdb").exists())
}

/// A command run as the postgres user when the test runs as root (PostgreSQL refuses root).
fn as_postgres(program: &Path) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A primary and its streaming standby, each on a port of its own; stopped when dropped.
struct Pair {
    bin: PathBuf,
    dir: tempfile::TempDir,
    primary: u16,
    standby: u16,
}

impl Pair {
    fn start(bin: PathBuf) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let _ = Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .status();
        let (primary, standby) = (
            panjiyan_server::harness::free_port(),
            panjiyan_server::harness::free_port(),
        );
        let d = dir.path();
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.arg("-D").arg(d.join("primary")).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ]);
        run(initdb, "initdb");
        let pair = Pair {
            bin,
            dir,
            primary,
            standby,
        };
        pair.pg_ctl_start("primary", primary);
        let mut base = as_postgres(&pair.bin.join("pg_basebackup"));
        base.args([
            "-h",
            "127.0.0.1",
            "-p",
            &primary.to_string(),
            "-U",
            "postgres",
        ])
        .arg("-D")
        .arg(pair.dir.path().join("standby"))
        .args(["-R", "-X", "stream"]);
        run(base, "pg_basebackup -R");
        pair.pg_ctl_start("standby", standby);
        pair
    }

    fn pg_ctl_start(&self, name: &str, port: u16) {
        let d = self.dir.path();
        let mut c = as_postgres(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(d.join(name))
            .arg("-l")
            .arg(d.join(format!("{name}.log")))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-h 127.0.0.1 -p {port} -k {} -c fsync=off",
                d.display()
            ))
            .arg("start");
        run(c, &format!("pg_ctl start {name}"));
    }

    fn url(port: u16, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{db}")
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for name in ["standby", "primary"] {
            let mut c = as_postgres(&self.bin.join("pg_ctl"));
            c.arg("-D")
                .arg(self.dir.path().join(name))
                .args(["-m", "immediate", "stop"]);
            let _ = c.output();
        }
    }
}

/// What the collector's browser gets for `path` from `server`.
async fn get(http: &reqwest::Client, server: &str, cookie: &str, path: &str) -> String {
    let r = http
        .get(format!("{server}{path}"))
        .header("cookie", format!("{cookie}; panjiyan_lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

/// The collector signed in on the pages (sessions are in the database: both servers know it).
async fn collector(http: &reqwest::Client, server: &str) -> String {
    let r = http
        .post(format!("{server}/officer/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "username=collector&password={PASSWORD}&next=%2Fadmin%2Fprogress"
        ))
        .send()
        .await
        .unwrap();
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("panjiyan_session="))
        .expect("signed in")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The text of the page's headline paragraph.
fn headline(page: &str) -> &str {
    let start = page.find("id=\"headline\">").expect("a headline") + 14;
    &page[start..start + page[start..].find("</p>").unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_page_reads_a_streaming_replica_and_says_when_it_lags() {
    let Some(bin) = pg_bin().filter(|_| panjiyan_server::harness::postgres_server().is_some())
    else {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL must be here in CI"
        );
        eprintln!("skipped: no PostgreSQL here (run through scripts/with-postgres)");
        return;
    };
    let pair = tokio::task::block_in_place(|| Pair::start(bin));
    let primary_db = panjiyan_server::storage::create_scratch_database(
        &Pair::url(pair.primary, "postgres"),
        "panjiyan_replica",
    )
    .await
    .unwrap();
    let name = primary_db.rsplit('/').next().unwrap().to_owned();
    let standby_db = Pair::url(pair.standby, &name);
    // The new database reaches the standby with the stream.
    let standby = {
        let mut tries = 0;
        loop {
            match sqlx::PgPool::connect(&standby_db).await {
                Ok(pool) => break pool,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("the standby never had the database: {e}"),
            }
        }
    };
    let mut setup = Setup::every_role();
    setup.settings.replica_url = Some(standby_db.clone());
    let s = TestServer::start_on(primary_db.clone(), setup).await;
    // The same database served without a replica: what the primary says.
    let primary_only = Serving::start(
        App::open(Settings {
            database_url: primary_db.clone(),
            ..Settings::default()
        })
        .await
        .unwrap(),
    )
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = collector(&http, &s.url).await;
    let page = "/admin/progress";
    let csv = "/admin/progress?format=csv&table=summary";

    // The ledger: 30 registered, 10 approved.
    let phone = s.enrol("operator").await;
    let adults = phone.members_aged(20..=55);
    let first = phone.register(&adults[..30]);
    assert_eq!(s.push_outbox(&phone).await.status(), 200);
    assert_eq!(s.approve_all(&first[..10]).await, 10);
    let caught_up = |want: &'static str| {
        let (http, cookie, s_url, p_url) = (&http, &cookie, &s.url, primary_only.url());
        async move {
            for _ in 0..200 {
                let from_replica = get(http, s_url, cookie, page).await;
                let replica_csv = get(http, s_url, cookie, csv).await;
                let primary_csv = get(http, &p_url, cookie, csv).await;
                if replica_csv == primary_csv
                    && !from_replica.contains("id=\"as-of\"")
                    && headline(&from_replica).starts_with(&format!("{want} "))
                {
                    return (from_replica, replica_csv);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the replica never caught up to {want}");
        }
    };
    let (before, before_csv) = caught_up("30").await;
    assert!(
        headline(&before).starts_with("30 "),
        "{}",
        headline(&before)
    );

    // The standby stops replaying; the primary takes 10 more and 5 decisions.
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&standby)
        .await
        .unwrap();
    let more = phone.register(&adults[30..40]);
    assert_eq!(s.push_outbox(&phone).await.status(), 200);
    assert_eq!(s.approve_all(&more[..5]).await, 5);
    let paused_at = panjiyan_core::india_time::now_ms();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let lagging = get(&http, &s.url, &cookie, page).await;
    let note_start = lagging
        .find("id=\"as-of\">")
        .expect("the page says its figures are old");
    let note = &lagging[note_start..note_start + lagging[note_start..].find("</p>").unwrap()];
    println!("lagging: {note} / {}", headline(&lagging));
    assert!(note.contains("Figures as of"), "{note}");
    assert!(
        note.contains(&panjiyan_core::india_time::date(paused_at)),
        "India's date of the figures: {note}"
    );
    assert!(
        headline(&lagging).starts_with("30 "),
        "{}",
        headline(&lagging)
    );
    assert_eq!(get(&http, &s.url, &cookie, csv).await, before_csv);
    let now_primary = get(&http, &primary_only.url(), &cookie, page).await;
    assert!(
        headline(&now_primary).starts_with("40 "),
        "{}",
        headline(&now_primary)
    );
    let metrics = reqwest::get(format!("{}/metrics", s.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lag: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("panjiyan_replica_lag_seconds "))
        .expect("the lag gauge")
        .parse()
        .unwrap();
    assert!(lag >= 5.0, "{lag}");

    // Replay resumes: the standby's page catches up with the primary's.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby)
        .await
        .unwrap();
    let (after, _) = caught_up("40").await;
    assert!(headline(&after).starts_with("40 "));
    primary_only.stop().await;
    s.stop().await;
    drop(pair);
}
