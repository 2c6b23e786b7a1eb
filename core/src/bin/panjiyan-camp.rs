//! `panjiyan-camp`: the camp client for laptops at service centres, and for scripts. Built on
//! panjiyan-core with no logic of its own: it reads arguments, calls the core, prints.

use clap::{Parser, Subcommand};
use panjiyan_core::messages::{Lang, Message, format_indian_number};
use panjiyan_core::registration::{
    ApplicantFacts, Channel, MigrantDetails, RegistrationForm, WorkArea,
};
use panjiyan_core::store::{DeviceStore, StoreError};
use panjiyan_core::sync::{SyncClient, SyncConfig};
use panjiyan_core::validate::{LgdCode, SamagraMemberId};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Panjiyan camp client: enrol this computer, download camp packs, find workers, register
/// them offline, and sync when there is a connection.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The device database (created on first use).
    #[arg(
        long,
        global = true,
        env = "PANJIYAN_CAMP_DB",
        default_value = "panjiyan-camp.db"
    )]
    db: PathBuf,
    /// File holding the 32-byte database key (made on first use, readable only by you).
    #[arg(long, global = true, env = "PANJIYAN_CAMP_KEY")]
    key_file: Option<PathBuf>,
    /// Language of messages: hi or en.
    #[arg(long, global = true, default_value = "hi")]
    lang: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
// Parsed once per run, so the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Enrol this device with a server, signing in as a secretary or operator.
    Enrol {
        #[arg(long)]
        server: String,
        #[arg(long)]
        username: String,
        /// Read the password from this environment variable instead of prompting.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// The villages and wards you may download, with sizes and versions.
    Units,
    /// Download (or update) camp packs: one unit, or all with --all.
    Download {
        unit: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Find a worker by 9-digit Samagra member ID (shows the family) or by name.
    Find { query: String },
    /// Register a worker (checked and queued; use --json for a whole form from a file or -).
    Register {
        /// Samagra member ID.
        #[arg(long)]
        member: Option<String>,
        #[arg(long)]
        occupation: Option<String>,
        #[arg(long)]
        mobile: Option<String>,
        #[arg(long)]
        aadhaar: Option<String>,
        #[arg(long)]
        ifsc: Option<String>,
        /// Land held, in ares (1 hectare = 100 ares).
        #[arg(long)]
        land_ares: Option<u32>,
        #[arg(long)]
        irrigated_land_ares: Option<u32>,
        #[arg(long)]
        government_servant: bool,
        #[arg(long)]
        income_tax_payer: bool,
        #[arg(long)]
        epfo_esic_member: bool,
        /// camp, service-centre or self; a laptop at a service centre has no camp, so
        /// service-centre unless a camp is given.
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        camp: Option<String>,
        #[arg(long, default_value = "operator")]
        operator: String,
        /// The worker has consented.
        #[arg(long)]
        consent: bool,
        /// State worked in, for a returned migrant worker (the other --migrant-* need it).
        #[arg(long)]
        migrant_state: Option<String>,
        /// District or city worked in.
        #[arg(long, requires = "migrant_state")]
        migrant_district: Option<String>,
        /// Trade worked in there (an occupation code, see `occupations`).
        #[arg(long, requires = "migrant_state")]
        migrant_trade: Option<String>,
        /// Months away.
        #[arg(long, requires = "migrant_state")]
        migrant_months: Option<u16>,
        /// Date of return, YYYY-MM-DD.
        #[arg(long, requires = "migrant_state")]
        migrant_returned_on: Option<String>,
        /// Years of experience in the trade.
        #[arg(long, requires = "migrant_state")]
        migrant_experience: Option<u8>,
        /// An ITI or other certificate, as the worker names it.
        #[arg(long, requires = "migrant_state")]
        migrant_certificate: Option<String>,
        /// Where the worker will work, for job matching (Rozgar Setu): block, district or state.
        #[arg(long, requires = "migrant_state", value_parser = ["block", "district", "state"])]
        willing_to_work: Option<String>,
        /// The worker agreed to be contacted about jobs (Rozgar Setu).
        #[arg(long, requires = "migrant_state")]
        job_consent: bool,
        /// A registration form as JSON (a file, or - for standard input).
        #[arg(long)]
        json: Option<PathBuf>,
        /// Save even if the pack says the worker is already registered.
        #[arg(long)]
        confirm: bool,
        /// Ask for each field in turn (the default when no --member or --json is given on a
        /// terminal).
        #[arg(long)]
        interactive: bool,
    },
    /// What is waiting to be uploaded, and what the server refused.
    Outbox,
    /// Upload registrations and fetch their status.
    Sync,
    /// The status of registrations made on this device.
    Status,
    /// The camps on this device's calendar (sent by the server with each sync) not yet ended.
    Camps,
    /// Start a camp nobody planned, in a village or ward whose pack is on this device; prints
    /// its id, for `register --camp`.
    StartCamp {
        #[arg(long)]
        unit: String,
        #[arg(long, default_value = "")]
        venue: String,
    },
}

type Error = Box<dyn std::error::Error>;

fn main() {
    let cli = Cli::parse();
    let lang = if cli.lang == "en" { Lang::En } else { Lang::Hi };
    if let Err(e) = run(cli, lang) {
        eprintln!(
            "{}",
            Message::new("camp.error").with("detail", e).text(lang)
        );
        std::process::exit(1);
    }
}

fn key(cli: &Cli) -> Result<Vec<u8>, Error> {
    let path = cli
        .key_file
        .clone()
        .unwrap_or_else(|| cli.db.with_extension("key"));
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() != 32 {
            return Err(format!("{} must hold exactly 32 bytes", path.display()).into());
        }
        return Ok(bytes);
    }
    let mut bytes = vec![0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| "no system randomness")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&path)?.write_all(&bytes)?;
    Ok(bytes)
}

fn client(store: &DeviceStore, db: &std::path::Path) -> Result<SyncClient, Error> {
    let enrolment = store
        .enrolment()?
        .ok_or("this device is not enrolled: run `panjiyan-camp enrol` first")?;
    Ok(SyncClient::new(SyncConfig::new(
        &enrolment.server_url,
        db.with_extension("downloads"),
    ))?)
}

fn progress(label: &str) -> impl Fn(u64, u64) + '_ {
    let tty = std::io::stderr().is_terminal();
    move |done, total| {
        if tty && total > 0 {
            eprint!(
                "\r{label} {:>3}%  {}/{}",
                done * 100 / total,
                format_indian_number(done),
                format_indian_number(total)
            );
            if done >= total {
                eprintln!();
            }
        }
    }
}

fn run(cli: Cli, lang: Lang) -> Result<(), Error> {
    let store = DeviceStore::open(&cli.db, &key(&cli)?)?;
    match cli.command {
        Command::Enrol {
            server,
            username,
            password_env,
        } => {
            let password = match password_env {
                Some(var) => std::env::var(&var)
                    .map_err(|_| format!("environment variable {var} is not set"))?,
                None => {
                    eprint!("password: ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end().to_owned()
                }
            };
            let client =
                SyncClient::new(SyncConfig::new(&server, cli.db.with_extension("downloads")))?;
            let e = client.enrol(&store, &username, &password)?;
            println!(
                "{}",
                Message::new("camp.enrolled")
                    .with("area", &e.jurisdiction)
                    .with("device", store.device_id())
                    .text(lang)
            );
        }
        Command::Units => {
            for u in client(&store, &cli.db)?.units(&store)? {
                let name = if lang == Lang::Hi {
                    &u.name_hi
                } else {
                    &u.name_en
                };
                let v = |x: Option<u64>| x.map_or_else(|| "-".to_owned(), |v| v.to_string());
                println!(
                    "{}",
                    Message::new("camp.unit_line")
                        .with("code", &u.code)
                        .with("name", name)
                        .with("remote", v(u.pack_version))
                        .with("local", v(u.local_version))
                        .with("bytes", format_indian_number(u.pack_bytes.unwrap_or(0)))
                        .text(lang)
                );
            }
        }
        Command::Download { unit, all } => {
            let client = client(&store, &cli.db)?;
            let units = client.units(&store)?;
            let chosen: Vec<_> = units
                .iter()
                .filter(|u| all || unit.as_deref() == Some(u.code.as_str()))
                .collect();
            if chosen.is_empty() {
                return Err(
                    "name a village or ward code from `panjiyan-camp units`, or use --all".into(),
                );
            }
            for u in chosen {
                let name = if lang == Lang::Hi {
                    &u.name_hi
                } else {
                    &u.name_en
                };
                match client.download(&store, u, &progress(name), &AtomicBool::new(false))? {
                    Some(s) => println!(
                        "{}",
                        Message::new("camp.downloaded")
                            .with("name", name)
                            .with("version", s.to_version)
                            .with("members", s.members)
                            .text(lang)
                    ),
                    None => println!(
                        "{}",
                        Message::new("camp.up_to_date")
                            .with("name", name)
                            .text(lang)
                    ),
                }
            }
        }
        Command::Find { query } => {
            let members: Vec<_> = match SamagraMemberId::parse(&query) {
                Ok(id) => store
                    .family_of_member(&id)?
                    .map(|f| f.members)
                    .unwrap_or_default(),
                Err(_) => store
                    .search_names(&query, None, 20)?
                    .into_iter()
                    .map(|h| h.member)
                    .collect(),
            };
            if members.is_empty() {
                println!("{}", Message::new("camp.not_found").text(lang));
            }
            let today = panjiyan_core::india_time::today();
            for m in members {
                let name = if lang == Lang::Hi {
                    &m.member.name_hi
                } else {
                    &m.member.name_en
                };
                let registered = m
                    .registered_state
                    .map(|s| s.as_str())
                    .or(m.device_registration.map(|(_, s)| s.as_str()))
                    .unwrap_or("");
                println!(
                    "{}  {:<28} {:?} {:>3}  {:?}  {registered}",
                    m.member.member_id,
                    name,
                    m.member.gender,
                    m.member.birth.age_on(today),
                    m.member.relation
                );
            }
        }
        Command::Register {
            member,
            occupation,
            mobile,
            aadhaar,
            ifsc,
            land_ares,
            irrigated_land_ares,
            government_servant,
            income_tax_payer,
            epfo_esic_member,
            channel,
            camp,
            operator,
            consent,
            migrant_state,
            migrant_district,
            migrant_trade,
            migrant_months,
            migrant_returned_on,
            migrant_experience,
            migrant_certificate,
            willing_to_work,
            job_consent,
            json,
            confirm,
            interactive,
        } => {
            let ask = interactive
                || (member.is_none() && json.is_none() && std::io::stdin().is_terminal());
            let form: RegistrationForm = match json {
                None if ask => prompt_form(&store, lang, &operator)?,
                Some(path) => {
                    let text = if path.as_os_str() == "-" {
                        std::io::read_to_string(std::io::stdin())?
                    } else {
                        std::fs::read_to_string(&path)?
                    };
                    serde_json::from_str(&text)
                        .map_err(|e| format!("the form JSON is not valid: {e}"))?
                }
                None => RegistrationForm {
                    member_id: SamagraMemberId::parse(
                        member.as_deref().ok_or("--member is required")?,
                    )?,
                    occupation_code: occupation,
                    mobile,
                    aadhaar,
                    aadhaar_last4: None,
                    bank_ifsc: ifsc,
                    facts: ApplicantFacts {
                        government_servant,
                        income_tax_payer,
                        epfo_esic_member,
                        land_ares,
                        irrigated_land_ares,
                    },
                    channel: match channel.as_deref().unwrap_or(if camp.is_some() {
                        "camp"
                    } else {
                        "service-centre"
                    }) {
                        "camp" => Channel::Camp,
                        "service-centre" => Channel::ServiceCentre,
                        "self" => Channel::SelfRegistered,
                        other => {
                            return Err(format!(
                                "unknown channel {other:?}: camp, service-centre or self"
                            )
                            .into());
                        }
                    },
                    camp_id: camp,
                    operator_id: operator,
                    consent,
                    migrant: migrant_state.map(|s| MigrantDetails {
                        state_worked_in: s,
                        district_or_city: migrant_district,
                        trade_code: migrant_trade,
                        months_away: migrant_months,
                        returned_on: migrant_returned_on,
                        experience_years: migrant_experience,
                        certificate: migrant_certificate,
                        willing_to_work: willing_to_work.as_deref().and_then(WorkArea::parse),
                        job_consent,
                        ..Default::default()
                    }),
                    language: lang,
                },
            };
            if let Some(camp) = &form.camp_id
                && store.camp(camp)?.is_none()
            {
                return Err(Message::new("camp.unknown_camp")
                    .with("camp", camp)
                    .text(lang)
                    .into());
            }
            let id = store.create_draft(&form)?;
            match store.finalise(id, panjiyan_core::india_time::now_utc(), confirm) {
                Ok(done) => println!(
                    "{}",
                    Message::new("camp.saved")
                        .with("seq", done.device_seq)
                        .with("id", done.id)
                        .text(lang)
                ),
                Err(e) => {
                    // The draft stays only if it can be fixed; a refused form is not kept.
                    let _ = store.discard_draft(id);
                    match e {
                        StoreError::FormProblems(problems) => {
                            for p in problems {
                                eprintln!("  - {}", p.message.text(lang));
                            }
                            return Err(e_text(lang));
                        }
                        StoreError::NeedsConfirmation(warnings) => {
                            for w in warnings {
                                eprintln!("  - {}", w.text(lang));
                            }
                            return Err(Message::new("camp.needs_confirmation").text(lang).into());
                        }
                        other => return Err(other.into()),
                    }
                }
            }
        }
        Command::Outbox => {
            let stats = store.outbox_stats()?;
            println!(
                "{}",
                Message::new("camp.outbox")
                    .with("queued", stats.queued)
                    .with("refused", stats.refused)
                    .text(lang)
            );
            for r in store
                .registrations(None)?
                .into_iter()
                .filter(|r| r.refusal.is_some())
            {
                for reason in r.refusal.unwrap_or_default() {
                    println!("  {} {}: {}", r.id, r.form.member_id, reason.text(lang));
                }
            }
        }
        Command::Sync => {
            let r = client(&store, &cli.db)?.sync(&store, &progress("sync"))?;
            println!(
                "{}",
                Message::new("camp.synced")
                    .with("sent", r.sent)
                    .with("acknowledged", r.acknowledged)
                    .with("duplicates", r.duplicates)
                    .with("refused", r.refused.len())
                    .with("statuses", r.statuses_received)
                    .text(lang)
            );
        }
        Command::Camps => {
            let camps = store.camps(panjiyan_core::india_time::now_ms())?;
            if camps.is_empty() {
                println!("{}", Message::new("camp.no_camps").text(lang));
            }
            for c in camps {
                let kind = if c.unplanned {
                    "camp.unplanned"
                } else {
                    "camp.planned"
                };
                println!(
                    "{}  {} - {}  {}  {}  [{}]",
                    c.info.id,
                    panjiyan_core::india_time::date_time(c.info.starts_at),
                    panjiyan_core::india_time::date_time(c.info.ends_at),
                    Message::new(kind).text(lang),
                    c.info.venue,
                    c.info.units.join(" ")
                );
            }
        }
        Command::StartCamp { unit, venue } => {
            let unit =
                LgdCode::parse(&unit).map_err(|_| format!("--unit {unit:?} is not an LGD code"))?;
            let camp = store.start_unplanned_camp(&unit, &venue)?;
            println!("{}", camp.info.id);
        }
        Command::Status => {
            for r in store.registrations(None)? {
                println!(
                    "{}  {}  {:<16} {}",
                    r.id,
                    r.form.member_id,
                    r.status.state.as_str(),
                    r.status
                        .registration_number
                        .or(r.status.reason)
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

/// Reads one answer after showing the prompt with key `key`.
fn ask(lang: Lang, key: &str) -> Result<String, Error> {
    eprint!("{}", Message::new(key).text(lang));
    std::io::stderr().flush()?;
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        return Err("the input ended before the form was complete".into());
    }
    Ok(line.trim().to_owned())
}

fn yes(answer: &str) -> bool {
    matches!(answer, "y" | "Y" | "yes" | "हाँ" | "हां")
}

/// Walks a person through the form: member (showing the family), occupation from the list,
/// mobile, land, the exclusions, consent. Checks happen when it is saved, as on the phone.
fn prompt_form(store: &DeviceStore, lang: Lang, operator: &str) -> Result<RegistrationForm, Error> {
    let member_id = loop {
        match SamagraMemberId::parse(&ask(lang, "camp.prompt_member")?) {
            Ok(id) => match store.family_of_member(&id)? {
                Some(family) => {
                    for m in &family.members {
                        let name = if lang == Lang::Hi {
                            &m.member.name_hi
                        } else {
                            &m.member.name_en
                        };
                        eprintln!("  {} {name} {:?}", m.member.member_id, m.member.relation);
                    }
                    break id;
                }
                None => eprintln!("{}", Message::new("camp.not_found").text(lang)),
            },
            Err(e) => eprintln!("{e}"),
        }
    };
    let occupations = panjiyan_core::occupation::OccupationList::builtin();
    let occupation = loop {
        let hits = occupations.search(&ask(lang, "camp.prompt_occupation")?, lang);
        if hits.is_empty() {
            continue;
        }
        for (i, o) in hits.iter().enumerate() {
            eprintln!("  {}. {}", i + 1, o.name(lang));
        }
        if let Ok(n) = ask(lang, "camp.prompt_pick")?.parse::<usize>()
            && let Some(o) = hits.get(n.wrapping_sub(1))
        {
            break o.code.clone();
        }
    };
    let mobile = Some(ask(lang, "camp.prompt_mobile")?).filter(|m| !m.is_empty());
    let land: Option<u32> = ask(lang, "camp.prompt_land")?.parse().ok();
    let government_servant = yes(&ask(lang, "camp.prompt_government_servant")?);
    let income_tax_payer = yes(&ask(lang, "camp.prompt_income_tax")?);
    let consent = yes(&ask(lang, "camp.prompt_consent")?);
    let answer = |key: &str| ask(lang, key).map(|a| Some(a).filter(|a| !a.is_empty()));
    let migrant = match answer("camp.prompt_migrant_state")? {
        None => None,
        Some(state_worked_in) => Some(MigrantDetails {
            state_worked_in,
            district_or_city: answer("camp.prompt_migrant_district")?,
            months_away: answer("camp.prompt_migrant_months")?.and_then(|m| m.parse().ok()),
            returned_on: answer("camp.prompt_migrant_returned_on")?,
            experience_years: answer("camp.prompt_migrant_experience")?
                .and_then(|y| y.parse().ok()),
            certificate: answer("camp.prompt_migrant_certificate")?,
            willing_to_work: answer("camp.prompt_willing_to_work")?.and_then(|w| {
                match w.as_str() {
                    "1" => Some(WorkArea::Block),
                    "2" => Some(WorkArea::District),
                    "3" => Some(WorkArea::State),
                    _ => None,
                }
            }),
            job_consent: yes(&ask(lang, "camp.prompt_job_consent")?),
            ..Default::default()
        }),
    };
    Ok(RegistrationForm {
        member_id,
        occupation_code: Some(occupation),
        mobile,
        aadhaar: None,
        aadhaar_last4: None,
        bank_ifsc: None,
        facts: ApplicantFacts {
            government_servant,
            income_tax_payer,
            epfo_esic_member: false,
            land_ares: land,
            irrigated_land_ares: land,
        },
        // A laptop at a service centre has no camp.
        channel: Channel::ServiceCentre,
        camp_id: None,
        operator_id: operator.to_owned(),
        consent,
        migrant,
        language: lang,
    })
}

fn e_text(lang: Lang) -> Error {
    Message::new("form.has_problems").text(lang).into()
}
