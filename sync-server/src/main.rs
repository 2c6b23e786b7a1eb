//! `panjiyan-server`: the sync server's command line.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use panjiyan_server::app::{App, Settings, launch};
use panjiyan_server::import::{self, SamagraLine};
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Panjiyan sync server: serves camp packs to devices, takes registrations exactly once,
/// answers status pulls and records officers' decisions.
///
/// Start here: `panjiyan-server serve --demo` runs a complete server on a SQLite file with a
/// synthetic district and prints demo sign-ins. In production, point --database-url at
/// PostgreSQL (postgres://user@host/db).
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// Database: postgres://… for PostgreSQL, or sqlite:FILE for the embedded default.
    #[arg(
        long,
        global = true,
        env = "PANJIYAN_DATABASE_URL",
        default_value = "sqlite:panjiyan.db"
    )]
    database_url: String,
    /// Settings from this TOML file (the long flag names as keys); flags and environment
    /// variables override it.
    #[arg(long, global = true, env = "PANJIYAN_CONFIG")]
    config: Option<PathBuf>,
    /// The pack-signing key from this file (PKCS#8, from `pack-key-new`), kept out of the
    /// database and its backups; PANJIYAN_PACK_KEY may hold the same in base64. Every
    /// command that builds packs (serve, the imports) signs with it.
    #[arg(long, global = true, env = "PANJIYAN_PACK_KEY_FILE")]
    pack_key_file: Option<PathBuf>,
    /// During a pack-key rotation, the key the server signed with before (PKCS#8): packs and
    /// cards it signed stay good, and it endorses the --pack-key-file key for the phones
    /// that pinned it (GET /api/v1/pack-keys); PANJIYAN_PREVIOUS_PACK_KEY may hold the same
    /// in base64. Drop it once every phone has synced (docs/operations.md).
    #[arg(long, global = true, env = "PANJIYAN_PREVIOUS_PACK_KEY_FILE")]
    previous_pack_key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The settings of `serve` (and `check-config`): flags, environment variables or the
/// configuration file (`--config`), documented in docs/operations.md.
#[derive(clap::Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Seed an empty database with a synthetic district and demo users of every role.
    #[arg(long)]
    demo: bool,
    /// Registration number template: {state}, {district}, {year}, {seq:07}.
    #[arg(long, default_value = "{state}-{district}-{year}-{seq:07}")]
    number_format: String,
    /// Largest request body accepted, in bytes (after gzip decompression).
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Where the built-in gateway writes SMS and voice messages (one JSON line each).
    #[arg(long, default_value = "notifications.jsonl")]
    notifications_file: PathBuf,
    /// Send SMS and voice messages through this HTTP gateway instead of the file.
    #[arg(long)]
    sms_gateway_url: Option<String>,
    /// How the HTTP gateway hands over a voice message: `text` for the provider's own speech
    /// engine, or `audio`: spoken here (espeak-ng) and sent as `audio_url`, a link under
    /// --public-url that works for 48 hours.
    #[arg(long, value_enum, env = "PANJIYAN_VOICE_MODE", default_value = "text")]
    voice_mode: panjiyan_server::notify::VoiceMode,
    /// The server's address as the voice provider reaches it (https://panjiyan.example.in):
    /// the base of the audio links. Needed with --voice-mode audio.
    #[arg(long, env = "PANJIYAN_PUBLIC_URL")]
    public_url: Option<String>,
    /// What a gram panchayat or urban body is paid per approved registration, in paise.
    #[arg(long, default_value_t = 500)]
    payout_paise: i64,
    /// A device not seen for this many hours while holding unsent data is flagged.
    #[arg(long, default_value_t = 48)]
    silent_after_hours: i64,
    /// The campaign's rule set, mp-2018 or eshram: packs built from now on carry it, and
    /// registrations are judged by the rule set and version their pack carried.
    #[arg(long, default_value = "mp-2018", value_parser = ["mp-2018", "eshram"])]
    rules: String,
    /// The campaign's own rule set instead, as JSON (id, version, names, rules; see
    /// core/data/rules/): checked when the server starts; packs carry it, signed, to the
    /// phones. A changed rule set needs a higher version.
    #[arg(long, conflicts_with = "rules")]
    rules_file: Option<PathBuf>,
    /// A proxy in front of the server (nginx) whose X-Forwarded-For names the client, as an
    /// address or block (127.0.0.1, 10.0.0.0/8); repeat or separate with commas. Rate
    /// limits count clients by it; without it, nobody's X-Forwarded-For is believed.
    #[arg(
        long = "trusted-proxy",
        env = "PANJIYAN_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// The bearer token Prometheus must send for /metrics; without it, /metrics answers
    /// only requests from this computer.
    #[arg(long, env = "PANJIYAN_METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// The secret shared with the SMS provider for workers' replies: it POSTs each to
    /// /api/v1/sms/inbound with X-Panjiyan-Signature: sha256=<hex HMAC-SHA256 of the body>.
    /// Without it the webhook answers 404.
    #[arg(long, env = "PANJIYAN_SMS_INBOUND_SECRET")]
    sms_inbound_secret: Option<String>,
    /// Longest a request may take to arrive and be answered, in seconds (a stalled upload
    /// is answered 408, which phones retry).
    #[arg(long, default_value_t = 300)]
    request_timeout_secs: u64,
    /// Seconds a connection may wait for its next request (or a request's headers) before it
    /// is closed, so that idle keep-alive connections do not pile up.
    #[arg(long, default_value_t = 60)]
    idle_timeout_secs: u64,
    /// Requests worked on at once; more are answered 503 (phones retry).
    #[arg(long, default_value_t = 1024)]
    max_in_flight: usize,
    /// A PostgreSQL standby (streaming replica) the progress page and its CSV downloads read
    /// from; when it lags, the page says "figures as of …". Writes, decisions and every other
    /// page use --database-url.
    #[arg(long, env = "PANJIYAN_REPLICA_URL")]
    replica_url: Option<String>,
    /// On SIGTERM or Ctrl-C, how long to wait for the requests and messages in hand
    /// before stopping anyway, in seconds.
    #[arg(long, default_value_t = 30)]
    shutdown_grace_secs: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (migrates the database first). Stops on SIGTERM or Ctrl-C after
    /// finishing the requests in hand.
    Serve(ServeArgs),
    /// Check a configuration without serving: reads every setting (file, environment,
    /// flags), prints each and where it came from (secrets masked), loads the rule set and
    /// the pack key, connects to the database; exits 1 naming what is wrong.
    CheckConfig(ServeArgs),
    /// Copy the SQLite database to FILE while the server runs (a consistent snapshot; for
    /// PostgreSQL use its own base backups, see docs/operations.md).
    Backup { file: PathBuf },
    /// Put a backup made by `backup` in place of the SQLite database (the server stopped);
    /// the database it replaces is kept beside it as FILE.before-restore.
    Restore { file: PathBuf },
    /// Apply database migrations and exit.
    Migrate,
    /// Write a new pack-signing key (PKCS#8, readable only by you) for `serve --pack-key-file`.
    PackKeyNew {
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the pack-signing key the database holds (made on a first start without
    /// --pack-key-file) to a file readable only by you: the --previous-pack-key-file of a
    /// rotation away from it.
    PackKeyExport {
        #[arg(long)]
        out: PathBuf,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Import the LGD location hierarchy from CSV with the columns code, level, name_hi,
    /// name_en, parent (in any order). Exits with 3 when rows had to be skipped.
    ImportLocations { file: PathBuf },
    /// Import Samagra families and members from JSON Lines (.jsonl) or CSV (.csv). Resumable:
    /// progress is kept in FILE.progress; running it again continues, and re-importing the
    /// same data changes nothing. CSV columns are read by name (see README.md). Exits with 3
    /// when rows had to be skipped.
    ImportSamagra {
        file: PathBuf,
        /// Rows per committed chunk.
        #[arg(long, default_value_t = 2_000)]
        chunk: usize,
    },
    /// Import a department's list of workers (a CSV with a samagra_member_id column) as a
    /// target group; importing the same name again replaces the list.
    ImportGroup {
        file: PathBuf,
        /// The list's name, e.g. "ASHA workers 2026".
        #[arg(long)]
        name: String,
        /// The department that keeps the list.
        #[arg(long)]
        department: String,
        /// The LGD code of the area the list belongs to (only that area's admins may replace
        /// it); the top of the hierarchy if not given.
        #[arg(long)]
        area: Option<String>,
    },
    /// Import which districts border which, for Rozgar Setu's matching (workers of a
    /// neighbouring district come after the requirement's own): a CSV with the columns
    /// district_code and neighbour_code (LGD codes of districts already imported, in any
    /// order); each pair borders both ways. Exits with 3 when rows had to be skipped.
    ImportNeighbours { file: PathBuf },
    /// Write a synthetic district (locations CSV and Samagra JSON Lines) for trials.
    Generate {
        /// Folder to write locations.csv and samagra.jsonl into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 2)]
        blocks: u32,
    },
    /// Set the registration target of a unit (district, block, GP, village, urban body or ward).
    Target {
        #[command(subcommand)]
        action: TargetAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user; the password is read from standard input (one line) or prompted for.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// LGD code of the place the user works for (e.g. a block for a CEO Janpad).
        #[arg(long)]
        jurisdiction: String,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum TargetAction {
    /// Set a target: `target set --unit 401 --target 116124`.
    Set {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        target: i64,
    },
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let command = Cli::command();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let (args, from_file) = match config_file(&args) {
        None => (args, Default::default()),
        Some(file) => {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
                eprintln!(
                    "error: cannot read the configuration file {}: {e}",
                    file.display()
                );
                std::process::exit(2);
            });
            panjiyan_server::config::with_file(
                &command,
                args,
                &file.display().to_string(),
                &text,
                &|name| std::env::var_os(name).is_some(),
            )
            .unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(2);
            })
        }
    };
    let matches = command.clone().get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let report = panjiyan_server::config::report(&command, &matches, &from_file);
    match run(cli, report).await {
        Ok(Finished { skipped_rows: 0 }) => {}
        Ok(Finished { skipped_rows }) => {
            eprintln!("{skipped_rows} rows were skipped (each named above); the rest is imported");
            std::process::exit(EXIT_ROWS_SKIPPED);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// The configuration file named by `--config FILE`, `--config=FILE` or PANJIYAN_CONFIG.
fn config_file(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(file) = a.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(PathBuf::from(file));
        }
    }
    std::env::var_os("PANJIYAN_CONFIG").map(PathBuf::from)
}

/// Prints the settings in effect and where each came from, secrets masked.
fn print_settings(report: &[(String, String, panjiyan_server::config::Source)]) {
    println!("Settings (flag, environment, config file or default):");
    for (name, value, source) in report {
        println!("  {name:<22} {value:<40} ({})", source.as_str());
    }
}

/// The pack-signing key given from outside the database: `--pack-key-file`, or
/// PANJIYAN_PACK_KEY (base64); checked to be a key. The previous key of a rotation comes the
/// same way from `--previous-pack-key-file` or PANJIYAN_PREVIOUS_PACK_KEY.
fn pack_key(file: Option<&Path>, flag: &str, env: &str) -> Result<Option<Vec<u8>>, Error> {
    let key = match (file, std::env::var(env).ok()) {
        (Some(file), _) => {
            Some(std::fs::read(file).map_err(|e| format!("--{flag} {}: {e}", file.display()))?)
        }
        (None, Some(b64)) => Some(
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64.trim())
                .map_err(|_| format!("{env} is not base64"))?,
        ),
        (None, None) => None,
    };
    if let Some(key) = &key {
        panjiyan_core::keys::SigningKey::from_pkcs8(key).map_err(|_| {
            format!("the key of --{flag} is not a PKCS#8 Ed25519 key (make one with pack-key-new)")
        })?;
    }
    Ok(key)
}

/// Writes `secret` to a new file `out`, readable only by its owner; an existing file is never
/// replaced.
fn write_key_file(out: &Path, secret: &[u8]) -> Result<(), Error> {
    if out.exists() {
        return Err(format!("{} exists; the key in it is not replaced", out.display()).into());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(out)?, secret)?;
    Ok(())
}

/// The server's settings from `serve`'s: files read (pack key, rule set), addresses parsed,
/// each mistake named by its setting.
fn serve_settings(args: &ServeArgs, base: Settings) -> Result<Settings, Error> {
    let trusted_proxies = args
        .trusted_proxies
        .iter()
        .map(|p| p.parse::<panjiyan_server::client_addr::Cidr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--trusted-proxy: {e}"))?;
    let rules = match &args.rules_file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--rules-file {}: {e}", file.display()))?;
            panjiyan_core::eligibility::RuleSet::from_json(&text)
                .map_err(|e| format!("--rules-file {}: {e}", file.display()))?
        }
        None => panjiyan_core::eligibility::RuleSet::builtin(&args.rules)
            .ok_or_else(|| format!("unknown rule set {:?}", args.rules))?,
    };
    check_voice(args)?;
    if !args.number_format.contains("{seq") {
        return Err(
            "--number-format must hold {seq} (or {seq:07}): without it numbers repeat".into(),
        );
    }
    Ok(Settings {
        number_format: args.number_format.clone(),
        max_body_bytes: args.max_body_bytes,
        payout_paise: args.payout_paise,
        silent_after_hours: args.silent_after_hours,
        rules,
        trusted_proxies,
        metrics_token: args.metrics_token.clone(),
        sms_inbound_secret: args.sms_inbound_secret.clone().filter(|s| !s.is_empty()),
        request_timeout: std::time::Duration::from_secs(args.request_timeout_secs.max(1)),
        max_in_flight: args.max_in_flight.max(1),
        idle_timeout: std::time::Duration::from_secs(args.idle_timeout_secs.max(1)),
        replica_url: args.replica_url.clone(),
        ..base
    })
}

/// Audio links need an address the provider can reach.
fn check_voice(args: &ServeArgs) -> Result<(), Error> {
    use panjiyan_server::notify::VoiceMode;
    if let Some(url) = &args.public_url {
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or_default();
        if host.is_empty() || host.starts_with('/') {
            return Err(format!(
                "--public-url {url:?} is not an http:// or https:// address (the server as the voice provider reaches it, e.g. https://panjiyan.example.in)"
            )
            .into());
        }
    }
    if args.voice_mode == VoiceMode::Audio && args.public_url.is_none() {
        return Err("--voice-mode audio needs --public-url: the server's address as the voice provider reaches it (e.g. https://panjiyan.example.in), where it fetches each message's audio".into());
    }
    Ok(())
}

/// SIGTERM (systemd, a container runtime) and SIGINT (Ctrl-C), listened for from the moment
/// this is called (a signal during the start is kept, not lost); the future names the one
/// that came.
fn stop_signal() -> impl std::future::Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                },
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                    "Ctrl-C"
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The exit status of an import that kept its good rows but had to skip others, so that a
/// script notices (1 is a failure, 2 a mistake in the command line).
const EXIT_ROWS_SKIPPED: i32 = 3;

/// How a command ended: imports count the rows they had to skip.
#[derive(Debug, Default)]
struct Finished {
    skipped_rows: u64,
}

impl Finished {
    fn skipped(skipped_rows: u64) -> Self {
        Self { skipped_rows }
    }
}

/// `file`, opened for reading, or an error naming it.
fn open(file: &Path) -> Result<std::fs::File, Error> {
    std::fs::File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()).into())
}

async fn run(
    cli: Cli,
    report: Vec<(String, String, panjiyan_server::config::Source)>,
) -> Result<Finished, Error> {
    let settings = Settings {
        database_url: cli.database_url.clone(),
        pack_key_pkcs8: pack_key(
            cli.pack_key_file.as_deref(),
            "pack-key-file",
            "PANJIYAN_PACK_KEY",
        )?,
        previous_pack_key_pkcs8: pack_key(
            cli.previous_pack_key_file.as_deref(),
            "previous-pack-key-file",
            "PANJIYAN_PREVIOUS_PACK_KEY",
        )?,
        ..Settings::default()
    };
    match cli.command {
        Command::CheckConfig(args) => {
            print_settings(&report);
            let settings = serve_settings(&args, settings)?;
            let db = panjiyan_server::storage::Db::connect(&settings.database_url)
                .await
                .map_err(|e| format!("--database-url: {e}"))?;
            db.ping()
                .await
                .map_err(|e| format!("--database-url: {e}"))?;
            if let Some(url) = &settings.replica_url {
                let replica = panjiyan_server::storage::Db::connect(url)
                    .await
                    .map_err(|e| format!("--replica-url: {e}"))?;
                replica
                    .ping()
                    .await
                    .map_err(|e| format!("--replica-url: {e}"))?;
            }
            println!(
                "configuration is sound: rule set {} v{}, database reachable ({})",
                settings.rules.id,
                settings.rules.version,
                db.backend()
            );
        }
        Command::Serve(args) => {
            let signal = stop_signal();
            print_settings(&report);
            let ServeArgs {
                ref listen,
                demo,
                ref notifications_file,
                ref sms_gateway_url,
                voice_mode,
                ref public_url,
                shutdown_grace_secs,
                ..
            } = args;
            let app = App::open(serve_settings(&args, settings)?).await?;
            if demo {
                let users = panjiyan_server::demo::seed(&app).await?;
                if users.is_empty() {
                    println!(
                        "Demo data is already in {}; sign in with the users printed when it was made.",
                        cli.database_url
                    );
                } else {
                    println!("Demo district ready. Sign in with (shown once; stored only hashed):");
                    for u in &users {
                        println!(
                            "  {:<14} {:<12} {:<20} {} ({})",
                            u.username,
                            u.password,
                            u.role.as_str(),
                            u.jurisdiction_name,
                            u.jurisdiction
                        );
                    }
                }
            }
            if !app.pack_keys.endorsements.is_empty() {
                // Before anyone is let in: a phone enrolled now trusts only the new key.
                let done = panjiyan_server::packs::resign_current(&app).await?;
                println!(
                    "pack-key rotation: packs signed with key {} (endorsed by the previous key {}); {} signed again, {} already were{}",
                    app.pack_key.key_id(),
                    app.pack_keys.endorsements[0].previous.key_id,
                    done.resigned,
                    done.already,
                    if done.untrusted > 0 {
                        format!(
                            ", {} signed by no key given (left as they are, see the log)",
                            done.untrusted
                        )
                    } else {
                        String::new()
                    }
                );
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let addr = listener.local_addr()?;
            println!(
                "Panjiyan server on http://{addr} (database: {})",
                app.db.backend()
            );
            println!("Officer pages: http://{addr}/officer   Worker status: http://{addr}/status");
            println!(
                "Workers register themselves at http://{addr}/self and download their card at http://{addr}/card (a code by SMS first)"
            );
            use panjiyan_server::notify::{FileGateway, HttpGateway, VoiceMode};
            let gateway: Box<dyn panjiyan_server::notify::Gateway> =
                match (sms_gateway_url, voice_mode, public_url) {
                    (Some(url), VoiceMode::Audio, Some(public)) => {
                        Box::new(HttpGateway::new(url).with_audio_links(app.db.clone(), public))
                    }
                    (Some(url), _, _) => Box::new(HttpGateway::new(url)),
                    (None, _, _) => Box::new(FileGateway::new(notifications_file)),
                };
            match (sms_gateway_url, voice_mode) {
                (Some(_), VoiceMode::Audio) => println!(
                    "SMS and voice messages go to the HTTP gateway (--sms-gateway-url); voice as links to audio under {}/voice/",
                    public_url
                        .as_deref()
                        .unwrap_or_default()
                        .trim_end_matches('/')
                ),
                (Some(_), VoiceMode::Text) => println!(
                    "SMS and voice messages go to the HTTP gateway (--sms-gateway-url); voice as text for the provider's speech engine"
                ),
                (None, _) => println!(
                    "SMS and voice messages are written to {} (voice audio in {}.voice/)",
                    notifications_file.display(),
                    notifications_file.display()
                ),
            }
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let dispatcher = tokio::spawn(panjiyan_server::notify::run(
                app.clone(),
                gateway,
                stopped.clone(),
            ));
            let background = tokio::spawn(panjiyan_server::background::run(
                app.clone(),
                stopped.clone(),
            ));
            let db = app.db.clone();
            let mut stopping = stopped.clone();
            let mut serving = tokio::spawn(launch(app, listener, async move {
                let _ = stopping.wait_for(|s| *s).await;
            }));
            tokio::select! {
                // The server itself gave out (it has no other way to end before a signal).
                ended = &mut serving => {
                    let _ = stop.send(true);
                    ended??;
                }
                signal = signal => {
                    println!("{signal}: no new connections; finishing the requests and messages in hand (up to {shutdown_grace_secs} s)");
                    let _ = stop.send(true);
                    let finished = tokio::time::timeout(
                        std::time::Duration::from_secs(shutdown_grace_secs),
                        async {
                            let served = serving.await;
                            let _ = dispatcher.await;
                            let _ = background.await;
                            served
                        },
                    )
                    .await;
                    match finished {
                        Ok(served) => {
                            served??;
                            // SQLite writes its log back into the file on a clean close.
                            db.close().await;
                            println!("stopped");
                        }
                        Err(_) => println!(
                            "stopped after {shutdown_grace_secs} s with work still in hand; requests then in flight were cut (phones send them again)"
                        ),
                    }
                }
            }
        }
        Command::Backup { file } => {
            let db = panjiyan_server::storage::Db::connect(&cli.database_url).await?;
            let copied = db.backup_to(&file).await?;
            println!(
                "backup of {} written to {} ({copied})",
                cli.database_url,
                file.display()
            );
        }
        Command::Restore { file } => {
            let kept = panjiyan_server::storage::restore_sqlite(&cli.database_url, &file).await?;
            println!(
                "{} restored from {}; the database it replaced is kept as {}",
                cli.database_url,
                file.display(),
                kept.display()
            );
        }
        Command::PackKeyNew { out } => {
            let key = panjiyan_core::keys::SigningKey::generate()
                .map_err(|_| "the system could not make a key")?;
            write_key_file(&out, key.pkcs8())?;
            println!(
                "pack-signing key {} written to {}",
                key.key_id(),
                out.display()
            );
        }
        Command::PackKeyExport { out } => {
            let db = panjiyan_server::storage::Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            let pkcs8 = db.stored_server_key().await?.ok_or(
                "the database holds no pack-signing key (the server has always run with --pack-key-file)",
            )?;
            let key = panjiyan_core::keys::SigningKey::from_pkcs8(&pkcs8)
                .map_err(|_| "the stored pack-signing key is unreadable")?;
            write_key_file(&out, &pkcs8)?;
            println!(
                "pack-signing key {} (the database's) written to {}",
                key.key_id(),
                out.display()
            );
        }
        Command::Migrate => {
            // Only the schema: no key is made or stored here.
            let db = panjiyan_server::storage::Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            println!("database is at the current schema");
        }
        Command::User { action } => {
            let app = App::open(settings).await?;
            match action {
                UserAction::Add {
                    username,
                    role,
                    jurisdiction,
                } => {
                    if role == Role::Employer {
                        return Err("an employer's sign-in is made with the employer: on /employer/register, or by district staff on /jobs/employers".into());
                    }
                    if app.db.place(&jurisdiction).await?.is_none() {
                        return Err(format!("jurisdiction {jurisdiction} is not in the location hierarchy; import locations first").into());
                    }
                    let password = read_password()?;
                    if password.chars().count() < 8 {
                        return Err("the password must have at least 8 characters".into());
                    }
                    app.db
                        .add_user(
                            &username,
                            &panjiyan_server::auth::hash_password(&password),
                            role,
                            &jurisdiction,
                        )
                        .await?;
                    println!("added {username} ({}) for {jurisdiction}", role.as_str());
                }
                UserAction::List => {
                    for u in app.db.users().await? {
                        println!(
                            "{:<20} {:<20} {:<10} {}",
                            u.username,
                            u.role.as_str(),
                            u.jurisdiction,
                            if u.disabled { "disabled" } else { "active" }
                        );
                    }
                }
                UserAction::Disable { username } => {
                    app.db.set_user_disabled(&username, true).await?;
                    println!("disabled {username}; their sessions are ended");
                }
            }
        }
        Command::ImportLocations { file } => {
            let app = App::open(settings).await?;
            let (places, bad) = import::read_locations(open(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            for b in &bad {
                eprintln!("{}:{}: {}", file.display(), b.line, b.reason);
            }
            if let Err(e) = panjiyan_core::location::Hierarchy::new(0, places.clone()) {
                // Parents may already be in the database from an earlier import; only refuse
                // when a parent is missing from both.
                if let panjiyan_core::location::HierarchyError::MissingParent { parent, .. } = &e {
                    if app.db.place(parent).await?.is_none() {
                        return Err(format!("{e}").into());
                    }
                } else {
                    return Err(format!("{e}").into());
                }
            }
            let n = app.db.upsert_places(&places).await?;
            println!("imported {n} places; {} bad rows skipped", bad.len());
            return Ok(Finished::skipped(bad.len() as u64));
        }
        Command::ImportNeighbours { file } => {
            let app = App::open(settings).await?;
            let (pairs, mut bad) = import::read_neighbours(open(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let mut added = 0;
            for (line, a, b) in pairs {
                let mut unknown = Vec::new();
                for code in [&a, &b] {
                    let place = app.db.place(code).await?;
                    if place.is_none_or(|p| p.level != panjiyan_core::location::Level::District) {
                        unknown.push(code.clone());
                    }
                }
                if unknown.is_empty() {
                    app.db.add_neighbours(&a, &b).await?;
                    added += 1;
                } else {
                    bad.push(import::BadRow {
                        line,
                        reason: format!("not a district imported here: {}", unknown.join(", ")),
                    });
                }
            }
            bad.sort_by_key(|b| b.line);
            for b in &bad {
                eprintln!("{}:{}: {}", file.display(), b.line, b.reason);
            }
            println!(
                "imported {added} pairs of neighbouring districts; {} bad rows skipped",
                bad.len()
            );
            return Ok(Finished::skipped(bad.len() as u64));
        }
        Command::ImportSamagra { file, chunk } => {
            let app = App::open(settings).await?;
            return import_samagra(&app, &file, chunk.max(1)).await;
        }
        Command::ImportGroup {
            file,
            name,
            department,
            area,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {} as UTF-8 text: {e}", file.display()))?;
            let (ids, bad) = panjiyan_server::import::parse_member_list(&text)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            for b in &bad {
                eprintln!("{}:{}: {}", file.display(), b.line, b.reason);
            }
            if name.trim().is_empty() || department.trim().is_empty() {
                return Err("give the list a --name and a --department".into());
            }
            let app = App::open(settings).await?;
            let owner = match area {
                Some(a) => app
                    .db
                    .place(a.trim())
                    .await?
                    .ok_or_else(|| {
                        format!("--area {a}: no such place; import the locations first")
                    })?
                    .code
                    .to_string(),
                None => app
                    .db
                    .root_places()
                    .await?
                    .first()
                    .ok_or("there are no places yet: import the locations first")?
                    .code
                    .to_string(),
            };
            let (_, unknown) = app
                .db
                .import_group(
                    name.trim(),
                    department.trim(),
                    &owner,
                    &ids,
                    panjiyan_server::storage::now_ms(),
                )
                .await?;
            for u in unknown.iter().take(20) {
                eprintln!(
                    "{}: member {u} is not in the Samagra records",
                    file.display()
                );
            }
            println!(
                "{} members imported into \"{}\"; {} not in Samagra, {} rows not valid IDs",
                ids.len() - unknown.len(),
                name.trim(),
                unknown.len(),
                bad.len()
            );
            return Ok(Finished::skipped(bad.len() as u64));
        }
        Command::Generate { out, seed, blocks } => {
            let spec = panjiyan_core::generator::DistrictSpec {
                seed,
                blocks,
                ..Default::default()
            };
            let district = panjiyan_core::generator::generate_district(&spec);
            std::fs::create_dir_all(&out)?;
            let mut loc = csv::Writer::from_path(out.join("locations.csv"))?;
            for p in district.hierarchy.places() {
                loc.serialize(import::LocationRow::of(p))?;
            }
            loc.flush()?;
            let mut sam =
                std::io::BufWriter::new(std::fs::File::create(out.join("samagra.jsonl"))?);
            for f in &district.families {
                writeln!(
                    sam,
                    "{}",
                    serde_json::to_string(&SamagraLine::Family(f.clone()))?
                )?;
            }
            for m in &district.members {
                writeln!(
                    sam,
                    "{}",
                    serde_json::to_string(&SamagraLine::Member(m.clone()))?
                )?;
            }
            println!(
                "wrote {} places to {} and {} families, {} members to {}",
                district.hierarchy.places().len(),
                out.join("locations.csv").display(),
                district.families.len(),
                district.members.len(),
                out.join("samagra.jsonl").display()
            );
        }
        Command::Target {
            action: TargetAction::Set { unit, target },
        } => {
            let app = App::open(settings).await?;
            if app.db.place(&unit).await?.is_none() {
                return Err(format!("{unit} is not in the location hierarchy").into());
            }
            if target < 0 {
                return Err("a target cannot be negative".into());
            }
            app.db.set_target(&unit, target).await?;
            println!(
                "target for {unit} set to {}",
                panjiyan_core::messages::format_indian_number(target as u64)
            );
        }
    }
    Ok(Finished::default())
}

fn read_password() -> Result<String, Error> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// One Samagra import: the chunk being gathered and the tallies so far.
#[derive(Default)]
struct SamagraImport {
    families: Vec<panjiyan_core::samagra::Family>,
    members: Vec<panjiyan_core::samagra::Member>,
    /// Line of each member in the chunk, to name it if it has to be skipped.
    member_lines: std::collections::HashMap<String, u64>,
    changed_units: std::collections::BTreeSet<String>,
    imported: u64,
    bad: u64,
}

impl SamagraImport {
    fn add(&mut self, item: SamagraLine, line_no: u64) {
        match item {
            SamagraLine::Family(f) => self.families.push(f),
            SamagraLine::Member(m) => {
                self.member_lines.insert(m.member_id.to_string(), line_no);
                self.members.push(m);
            }
        }
    }

    /// Commits the chunk, then records in `progress` how far the file is done.
    async fn flush(&mut self, app: &App, last_line: u64, progress: &Path) -> Result<(), Error> {
        let done = app
            .db
            .upsert_samagra(&self.families, &self.members, now_ms())
            .await?;
        for orphan in &done.orphans {
            let line = self.member_lines.get(orphan).copied().unwrap_or_default();
            eprintln!(
                "\rline {line}: the member's family is not in this file or the database; skipped"
            );
        }
        self.bad += done.orphans.len() as u64;
        self.imported -= done.orphans.len() as u64;
        self.families.clear();
        self.members.clear();
        self.member_lines.clear();
        self.changed_units.extend(done.changed_units);
        std::fs::write(progress, last_line.to_string())?;
        Ok(())
    }
}

/// Streams the file in chunks; each chunk commits and then records its last line in
/// FILE.progress, so an interrupted import continues where it stopped.
async fn import_samagra(app: &App, file: &Path, chunk: usize) -> Result<Finished, Error> {
    let csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let total = std::fs::metadata(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?
        .len()
        .max(1);
    let progress = PathBuf::from(format!("{}.progress", file.display()));
    let resume: u64 = std::fs::read_to_string(&progress)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let mut reader = import::SamagraFile::open(open(file)?, csv)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    if resume > 0 {
        eprintln!("resuming after line {resume}");
    }
    let mut run = SamagraImport::default();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last_line = 0u64;
    let mut records = reader.records();
    while let Some(record) = records.next() {
        let (line_no, parsed) =
            record.map_err(|e| format!("{}: after line {last_line}: {e}", file.display()))?;
        last_line = line_no;
        if line_no <= resume {
            continue;
        }
        match parsed {
            Ok(items) => {
                for item in items {
                    run.add(item, line_no);
                }
                run.imported += 1;
            }
            Err(reason) => {
                run.bad += 1;
                eprintln!("\rline {line_no}: {reason}");
            }
        }
        if run.families.len() + run.members.len() >= chunk {
            run.flush(app, line_no, &progress)
                .await
                .map_err(|e| format!("line {line_no}: chunk failed, nothing of it was saved ({e}); run again to resume"))?;
            if tty {
                drop(records);
                eprint!(
                    "\r{:>5.1}%  {} rows imported, {} bad",
                    reader.bytes_read() as f64 * 100.0 / total as f64,
                    run.imported,
                    run.bad
                );
                records = reader.records();
            }
        }
    }
    drop(records);
    run.flush(app, last_line, &progress).await.map_err(|e| {
        format!("the last chunk failed, nothing of it was saved ({e}); run again to resume")
    })?;
    eprintln!("\r100.0%  {} rows imported, {} bad", run.imported, run.bad);
    for unit in &run.changed_units {
        panjiyan_server::packs::ensure_current(app, unit).await?;
    }
    let _ = std::fs::remove_file(&progress);
    println!(
        "imported {} rows ({} bad, skipped); {} villages/wards changed, their packs rebuilt",
        run.imported,
        run.bad,
        run.changed_units.len()
    );
    Ok(Finished::skipped(run.bad))
}
