//! The worker hears their registration. An officer approves through the API; the built-in
//! gateway speaks the voice message with espeak-ng into a WAV beside its file, over two
//! seconds long and not silence as sox measures it, whose text says the registration number
//! digit by digit in Hindi. On both backends.

use panjiyan_server::app::App;
use panjiyan_server::harness::{Backend, TestServer};
use panjiyan_server::notify::{FileGateway, Gateway, dispatch_once};
use panjiyan_server::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

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
