//! The worker hears their registration. An officer approves through the API; the built-in
//! gateway speaks the voice message with espeak-ng into a WAV beside its file, over two
//! seconds long and not silence as sox measures it, whose text says the registration number
//! digit by digit in Hindi. For a provider that dials out, the HTTP gateway sends a link to
//! the audio instead of the text: the provider fetches it from any server instance; a wrong
//! token and an expired one get the same 404. On both backends; and `check-config` refuses
//! audio links without the address providers reach the server at.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use panjiyan_server::app::App;
use panjiyan_server::harness::{Backend, Serving, TestServer};
use panjiyan_server::notify::{FileGateway, Gateway, HttpGateway, dispatch_once};
use panjiyan_server::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The test's own table: the Hindi word a listener hears for each digit.
const HINDI_DIGITS: [&str; 10] = [
    "शून्य",
    "एक",
    "दो",
    "तीन",
    "चार",
    "पाँच",
    "छह",
    "सात",
    "आठ",
    "नौ",
];

/// `23-401` as a Hindi listener should hear it: "दो तीन, चार शून्य एक".
fn in_hindi_words(number: &str) -> String {
    number
        .split('-')
        .map(|group| {
            group
                .chars()
                .map(|c| HINDI_DIGITS[c.to_digit(10).expect("a digit") as usize])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fails the test, naming the Debian package, when a tool it needs is not installed.
fn require(tool: &str, package: &str) {
    let ran = Command::new(tool).arg("--version").output();
    assert!(
        ran.is_ok(),
        "{tool} is missing: install Debian's package {package} (apt-get install {package})"
    );
}

/// What sox measures of an audio file.
#[derive(Debug)]
struct Measured {
    seconds: f64,
    rms: f64,
}

/// `sox FILE -n stat`, which reports on standard error.
fn measure(file: &Path) -> Measured {
    require("sox", "sox");
    let out = Command::new("sox")
        .arg(file)
        .args(["-n", "stat"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "sox {}: {report}", file.display());
    let figure = |label: &str| -> f64 {
        report
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.trim_start_matches(':').trim().parse().ok())
            .unwrap_or_else(|| panic!("no {label:?} in sox's report: {report}"))
    };
    Measured {
        seconds: figure("Length (seconds)"),
        rms: figure("RMS     amplitude"),
    }
}

/// The sample rate in a canonical WAV header.
fn sample_rate(wav: &[u8]) -> u32 {
    u32::from_le_bytes(wav[24..28].try_into().unwrap())
}

/// One working-age member registered on a phone, pushed, and approved by "officer" through
/// the API: the registration's id and the number the decision answered with.
async fn approved_registration(s: &TestServer) -> (uuid::Uuid, String) {
    let phone = s.enrol("operator").await;
    let members = phone.members_aged(20..=55);
    let id = phone.register(&members[..1])[0];
    let pushed = s.push_batch(&phone, 10).await.unwrap();
    assert!(
        pushed.results.iter().all(|r| r.outcome.is_acknowledged()),
        "{pushed:?}"
    );
    let officer = s.login("officer").await;
    let r = s
        .decide_with(&officer, id, &json!({"decision": "approve"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let decided: Value = r.json().await.unwrap();
    let number = decided["registration_number"]
        .as_str()
        .expect("an approval has a number")
        .to_owned();
    (id, number)
}

/// Runs the dispatcher until it has nothing left to send; how many it sent.
async fn dispatch_all(app: &App, gateway: &dyn Gateway) -> usize {
    let mut sent = 0;
    loop {
        match dispatch_once(app, gateway).await.unwrap() {
            0 => return sent,
            n => sent += n,
        }
    }
}

async fn the_approval_is_spoken(backend: Backend) {
    require("espeak-ng", "espeak-ng");
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let (id, number) = approved_registration(&s).await;
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("notifications.jsonl");
    let gateway = FileGateway::new(&outbox);
    let sent = dispatch_all(&s.app, &gateway).await;
    assert_eq!(
        sent,
        2,
        "an SMS and a voice message sent: {:?}",
        s.app.db.notifications_for(&id.to_string()).await.unwrap()
    );

    let lines: Vec<Value> = std::fs::read_to_string(&outbox)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let line = |channel: &str| {
        lines
            .iter()
            .find(|l| l["channel"] == channel)
            .unwrap_or_else(|| panic!("a {channel} line in {lines:?}"))
            .clone()
    };
    let (sms, voice) = (line("sms"), line("voice"));

    // The audio is kept beside the file, named by the message.
    let audio = PathBuf::from(
        voice["audio"]
            .as_str()
            .expect("the voice line names its audio"),
    );
    let expected = PathBuf::from(format!("{}.voice", outbox.display()))
        .join(format!("{}.wav", voice["id"].as_i64().unwrap()));
    assert_eq!(audio, expected);
    let wav = std::fs::read(&audio).expect("the approval's voice file exists");
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(&wav[8..12], b"WAVE");
    assert_eq!(sample_rate(&wav), 8_000, "telephone audio");
    let measured = measure(&audio);
    eprintln!(
        "{}: the approval's voice message: {:.2} s, RMS amplitude {:.4} (sox)",
        backend.label(),
        measured.seconds,
        measured.rms
    );
    assert!(
        measured.seconds > 2.0,
        "longer than two seconds: {measured:?}"
    );
    assert!(measured.rms > 0.01, "not silence: {measured:?}");

    // What espeak-ng was given says the number as a listener hears it; the SMS shows it.
    let body = voice["body"].as_str().unwrap();
    assert!(
        body.contains(&in_hindi_words(&number)),
        "{number} in Hindi words in {body}"
    );
    assert!(
        !body.chars().any(|c| c.is_ascii_digit()),
        "no figures: {body}"
    );
    assert!(sms["body"].as_str().unwrap().contains(&number));
    assert!(sms.get("audio").is_none(), "an SMS has no audio: {sms}");
    assert_ne!(
        sms["template_id"], voice["template_id"],
        "SMS and voice have their own DLT template ids"
    );
    assert!(
        !lines.iter().any(|l| l.to_string().contains("9876543210")),
        "the worker's number stays masked"
    );
    s.stop().await;
}
on_both_backends!(
    the_approvals_voice_message_is_spoken_and_says_the_number,
    the_approval_is_spoken
);

/// What the test's provider was sent, and what it got when it fetched the audio.
#[derive(Debug, Clone)]
struct Call {
    body: Value,
    audio: Option<(StatusCode, Option<String>, Vec<u8>)>,
}

#[derive(Clone, Default)]
struct Provider {
    calls: Arc<Mutex<Vec<Call>>>,
    http: reqwest::Client,
}

/// A provider that dials out: it takes the message, fetches any audio link it was given (as
/// it would before calling), and answers with its reference.
async fn provider_send(
    State(p): State<Provider>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let audio = match body["audio_url"].as_str() {
        Some(url) => {
            let r = p.http.get(url).send().await.unwrap();
            let kind = r
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            Some((r.status(), kind, r.bytes().await.unwrap().to_vec()))
        }
        None => None,
    };
    let reference = format!("provider-{}", body["client_ref"]);
    p.calls.lock().unwrap().push(Call { body, audio });
    axum::Json(json!({ "reference": reference }))
}

async fn start_provider() -> (String, Provider) {
    let provider = Provider::default();
    let router = axum::Router::new()
        .route("/send", axum::routing::post(provider_send))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/send"), provider)
}

/// Sets every kept audio's expiry to `at`, as the clock passing 48 hours would.
async fn expire_audio(s: &TestServer, at: i64) {
    let sql = "UPDATE voice_audio SET expires_at = $1";
    if s.database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&s.database_url).await.unwrap();
        sqlx::query(sql).bind(at).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&s.database_url).await.unwrap();
        sqlx::query(sql).bind(at).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn audio_for_a_dialling_provider(backend: Backend) {
    require("espeak-ng", "espeak-ng");
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let (url, provider) = start_provider().await;
    let (_, number) = approved_registration(&s).await;
    let gateway = HttpGateway::new(&url).with_audio_links(s.app.db.clone(), &format!("{}/", s.url));
    assert_eq!(dispatch_all(&s.app, &gateway).await, 2);

    let calls = provider.calls.lock().unwrap().clone();
    let call = |channel: &str| {
        calls
            .iter()
            .find(|c| c.body["channel"] == channel)
            .unwrap_or_else(|| panic!("a {channel} message in {calls:?}"))
            .clone()
    };
    let (sms, voice) = (call("sms"), call("voice"));
    assert!(sms.body["text"].as_str().unwrap().contains(&number));
    assert!(sms.body.get("audio_url").is_none() && sms.audio.is_none());
    assert!(
        voice.body.get("text").is_none(),
        "the audio instead of the text: {}",
        voice.body
    );
    assert_ne!(sms.body["template_id"], voice.body["template_id"]);

    // The link: the public address, an unguessable token (32 random bytes), .wav.
    let link = voice.body["audio_url"].as_str().unwrap().to_owned();
    let token = link
        .strip_prefix(&format!("{}/voice/", s.url))
        .and_then(|rest| rest.strip_suffix(".wav"))
        .unwrap_or_else(|| panic!("{link} is under {}/voice/", s.url));
    assert_eq!(token.len(), 43, "{token}");
    let (status, kind, wav) = voice.audio.clone().expect("the provider fetched the audio");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.as_deref(), Some("audio/wav"));
    assert_eq!((&wav[0..4], &wav[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    assert_eq!(sample_rate(&wav), 8_000);
    let dir = tempfile::tempdir().unwrap();
    let fetched = dir.path().join("fetched.wav");
    std::fs::write(&fetched, &wav).unwrap();
    let measured = measure(&fetched);
    eprintln!(
        "{}: the audio behind the link: {:.2} s, RMS amplitude {:.4} (sox)",
        backend.label(),
        measured.seconds,
        measured.rms
    );
    assert!(
        measured.seconds > 2.0 && measured.rms > 0.01,
        "{measured:?}"
    );

    // Another server on the same database answers the same link: the audio is in it.
    let other = Serving::start(App::open((*s.app.settings).clone()).await.unwrap()).await;
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status(), r.bytes().await.unwrap().to_vec())
        }
    };
    let (status, again) = get(format!("{}/voice/{token}.wav", other.url())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, wav);

    // A wrong token, or the token without .wav: not found, saying nothing more.
    let (wrong_token, _) = panjiyan_server::auth::new_token();
    let (status, unknown) = get(format!("{}/voice/{wrong_token}.wav", s.url)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(format!("{}/voice/{token}", s.url)).await.0,
        StatusCode::NOT_FOUND
    );

    // Expired: the same answer as a token that never was; then pruned.
    let now = panjiyan_server::storage::now_ms();
    expire_audio(&s, now - 1).await;
    let (status, expired) = get(link.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        expired, unknown,
        "an expired link and an unknown one answer the same"
    );
    assert_eq!(s.app.db.prune_voice_audio(now).await.unwrap(), 1);
    other.stop().await;
    s.stop().await;
}
on_both_backends!(
    a_dialling_provider_gets_a_link_to_the_audio_that_expires,
    audio_for_a_dialling_provider
);

/// `check-config` with the settings given by flags, environment and file: its exit status
/// and what it printed.
fn check_config(dir: &Path, args: &[&str], env: &[(&str, &str)], file: &str) -> (i32, String) {
    let config = dir.join("panjiyan.toml");
    std::fs::write(&config, file).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_panjiyan-server"))
        .arg("--database-url")
        .arg(format!("sqlite:{}", dir.join("check.db").display()))
        .arg("--config")
        .arg(&config)
        .arg("check-config")
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("PANJIYAN_VOICE_MODE")
        .env_remove("PANJIYAN_PUBLIC_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn audio_links_are_refused_without_the_address_providers_reach() {
    let dir = tempfile::tempdir().unwrap();
    let refusal = "--voice-mode audio needs --public-url";
    for (args, env, file) in [
        (&["--voice-mode", "audio"][..], &[][..], ""),
        (&[][..], &[("PANJIYAN_VOICE_MODE", "audio")][..], ""),
        (&[][..], &[][..], "voice-mode = \"audio\"\n"),
    ] {
        let (status, said) = check_config(dir.path(), args, env, file);
        assert_eq!(status, 1, "{said}");
        assert!(said.contains(refusal), "{said}");
    }
    let (status, said) = check_config(
        dir.path(),
        &[],
        &[("PANJIYAN_PUBLIC_URL", "https://panjiyan.example.in")],
        "voice-mode = \"audio\"\n",
    );
    assert_eq!(status, 0, "{said}");
    assert!(said.contains("configuration is sound"), "{said}");
    let (status, said) = check_config(
        dir.path(),
        &[
            "--voice-mode",
            "audio",
            "--public-url",
            "panjiyan.example.in",
        ],
        &[],
        "",
    );
    assert_eq!(status, 1, "{said}");
    assert!(
        said.contains("is not an http:// or https:// address"),
        "{said}"
    );
    let (status, said) = check_config(dir.path(), &[], &[], "");
    assert_eq!(status, 0, "text, the default, needs no address: {said}");
}
