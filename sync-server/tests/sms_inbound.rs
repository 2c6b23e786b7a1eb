//! The SMS provider's inbound webhook on both backends, over HTTP: two returned migrants
//! registered at a camp and approved receive offers (through the services); the reply code is
//! read from the SMS the file gateway delivered; a forged signature is refused 401 and the
//! offer stays as it was; a reply from another number matches nothing; a garbled text is
//! refused in words; the worker's own signed reply accepts, and the provider delivering it a
//! second time gets the same answer; the other worker declines.

use panjiyan_server::api::sms::signature;
use panjiyan_server::app::Settings;
use panjiyan_server::harness::{Backend, Setup, TestServer};
use panjiyan_server::notify::{FileGateway, dispatch_once};
use panjiyan_server::on_both_backends;
use serde_json::{Value, json};
use std::path::Path;

const SECRET: &str = "shared-with-the-sms-provider";
const MOBILES: [&str; 2] = ["9876500011", "9876500022"];

/// The SMS the file gateway delivered to the number ending in `last4` naming the employer.
async fn offer_sms(app: &panjiyan_server::app::App, file: &Path, last4: &str) -> String {
    let gateway = FileGateway::new(file);
    while dispatch_once(app, &gateway).await.unwrap() > 0 {}
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|m| {
            m["channel"] == "sms"
                && m["recipient"].as_str().unwrap().ends_with(last4)
                && m["body"].as_str().unwrap().contains("Narmada Builders")
        })
        .expect("an offer by SMS")["body"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The reply code an offer's SMS asks for (`HAAN 123456`).
fn reply_code(sms: &str) -> String {
    sms.split("HAAN ").nth(1).unwrap().chars().take(6).collect()
}

/// Posts `body` to the webhook with `signature` (or none): status and JSON answer.
async fn deliver(s: &TestServer, body: &Value, signature: Option<String>) -> (u16, Value) {
    let raw = serde_json::to_vec(body).unwrap();
    let mut r = s
        .http
        .post(format!("{}/api/v1/sms/inbound", s.url))
        .header("content-type", "application/json")
        .body(raw);
    if let Some(sig) = signature {
        r = r.header("X-Panjiyan-Signature", sig);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn signed(body: &Value) -> Option<String> {
    Some(signature(SECRET, &serde_json::to_vec(body).unwrap()))
}

async fn replies_by_sms(backend: Backend) {
    let setup = Setup {
        settings: Settings {
            sms_inbound_secret: Some(SECRET.into()),
            ..Settings::default()
        },
        ..Setup::every_role()
    };
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    let db = &s.app.db;
    let dir = tempfile::tempdir().unwrap();
    let sms_file = dir.path().join("sms.jsonl");

    let phone = s.enrol("operator").await;
    let adults: Vec<_> = phone.members_aged(20..=50).into_iter().take(2).collect();
    s.register_migrants(&phone, &adults, &MOBILES).await;
    let members: Vec<String> = adults.iter().map(|m| m.member_id.to_string()).collect();
    let place = phone.store.units().unwrap()[0].code.to_string();
    let (_, requirement, sent) = s.offer_work(&place, &members).await;
    assert_eq!(sent.sent, members);
    let first = reply_code(&offer_sms(&s.app, &sms_file, &MOBILES[0][6..]).await);
    let second = reply_code(&offer_sms(&s.app, &sms_file, &MOBILES[1][6..]).await);
    let state = |i: usize| {
        let member = members[i].clone();
        async move { db.offers_to(&member).await.unwrap().remove(0).offer }
    };

    // A forged signature, and none at all: 401, the offer as it was.
    let reply = json!({"from": MOBILES[0], "text": format!("HAAN {first}"), "id": "p-1"});
    let forged = Some(signature(
        "not-the-secret",
        &serde_json::to_vec(&reply).unwrap(),
    ));
    let (status, body) = deliver(&s, &reply, forged).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "bad_signature");
    let (status, _) = deliver(&s, &reply, None).await;
    assert_eq!(status, 401);
    // Signed, but the body changed on the way: the signature no longer holds.
    let tampered = json!({"from": MOBILES[0], "text": format!("NA {first}"), "id": "p-1"});
    let (status, _) = deliver(&s, &tampered, signed(&reply)).await;
    assert_eq!(status, 401);
    assert_eq!(state(0).await.state, "sent");

    // The worker's code from another number matches nothing; nothing changes.
    let other = json!({"from": "9000000001", "text": format!("HAAN {first}"), "id": "p-2"});
    let (status, body) = deliver(&s, &other, signed(&other)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "not_matched");
    assert_eq!(state(0).await.state, "sent");

    // A garbled text: refused in words, the field and how to reply named.
    let garbled = json!({"from": MOBILES[0], "text": "haan ji kab se", "id": "p-3"});
    let (status, body) = deliver(&s, &garbled, signed(&garbled)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "reply_unreadable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("six-digit code"),
        "{body}"
    );
    assert_eq!(state(0).await.state, "sent");

    // A body that is not an SMS at all, signed: 400 naming the field.
    let not_sms = json!({"from": MOBILES[0], "id": "p-4"});
    let (status, body) = deliver(&s, &not_sms, signed(&not_sms)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("text"));

    // The worker's own reply accepts; delivered again, the same answer and one acceptance.
    let (status, body) = deliver(&s, &reply, signed(&reply)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "accepted");
    assert_eq!(body["id"], "p-1");
    let accepted = state(0).await;
    let (status, again) = deliver(&s, &reply, signed(&reply)).await;
    assert_eq!(status, 200);
    assert_eq!(again, body);
    assert_eq!(state(0).await, accepted, "answered once");
    assert_eq!(accepted.state, "accepted");
    assert_eq!(accepted.answered_via.as_deref(), Some("sms"));

    // The other worker declines in Hindi, with +91 before the number.
    let decline =
        json!({"from": format!("+91{}", MOBILES[1]), "text": format!("ना {second}"), "id": "p-5"});
    let (status, body) = deliver(&s, &decline, signed(&decline)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "declined");
    // Changing their mind by SMS afterwards is refused in words.
    let change = json!({"from": MOBILES[1], "text": format!("HAAN {second}"), "id": "p-6"});
    let (status, body) = deliver(&s, &change, signed(&change)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "offer_already_answered");
    assert_eq!(state(1).await.state, "declined");

    // What the employer's list shows: one accepted, one declined.
    let mut states: Vec<String> = db
        .offers_for(requirement.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.offer.state)
        .collect();
    states.sort();
    assert_eq!(states, ["accepted", "declined"]);
}

/// Without a secret the webhook is off, and says so.
async fn off_without_a_secret(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let reply = json!({"from": MOBILES[0], "text": "HAAN 123456", "id": "p-1"});
    let (status, body) = deliver(&s, &reply, signed(&reply)).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "sms_inbound_off");
}

on_both_backends!(sms_replies, replies_by_sms);
on_both_backends!(sms_off, off_without_a_secret);
