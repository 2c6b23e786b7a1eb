//! A phone enrolled over the raw HTTP API: a real device store, its device token and the
//! server's pack key, with every pack of its user's area imported.

use super::server::TestServer;
use base64::Engine;
use panjiyan_core::keys::PublicKey;
use panjiyan_core::store::DeviceStore;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct Phone {
    pub store: DeviceStore,
    pub token: String,
    pub server_key: PublicKey,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A new phone (its store in a directory of its own) enrolled by `user`.
    pub async fn enrol(&self, user: &str) -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let store = DeviceStore::open(dir.path().join("phone.db"), &[1; 32]).unwrap();
        let mut phone = self.enrol_store(user, store).await;
        phone._dir = Some(dir);
        phone
    }

    /// `store` enrolled by `user` (signed in for it), with every pack it may hold imported.
    pub async fn enrol_store(&self, user: &str, store: DeviceStore) -> Phone {
        let login = self.login(user).await;
        let r = self.enrol_key(&login, &store.device_public_key()).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["device_id"], store.device_id());
        let server_key: PublicKey = serde_json::from_value(body["server_key"].clone()).unwrap();
        let phone = Phone {
            store,
            token: body["device_token"].as_str().unwrap().to_owned(),
            server_key,
            _dir: None,
        };
        for u in self.units(&phone.token).await {
            let bytes = self
                .http
                .get(format!(
                    "{}/api/v1/units/{}/pack",
                    self.url,
                    u["code"].as_str().unwrap()
                ))
                .bearer_auth(&phone.token)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(bytes.len() as i64, u["pack_bytes"].as_i64().unwrap());
            phone
                .store
                .import_pack(&bytes, std::slice::from_ref(&phone.server_key))
                .unwrap();
        }
        phone
    }

    /// Asks, signed in with `login`, to enrol a device holding `key`: the server's answer.
    pub async fn enrol_key(&self, login: &str, key: &PublicKey) -> reqwest::Response {
        let key = base64::engine::general_purpose::STANDARD.encode(&key.bytes);
        self.http
            .post(format!("{}/api/v1/devices", self.url))
            .bearer_auth(login)
            .json(&json!({"public_key": key}))
            .send()
            .await
            .unwrap()
    }

    /// The units a device may hold (never none), as the server lists them.
    pub async fn units(&self, device_token: &str) -> Vec<Value> {
        let units: Vec<Value> = self
            .http
            .get(format!("{}/api/v1/units", self.url))
            .bearer_auth(device_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!units.is_empty());
        units
    }
}

impl Phone {
    /// The members of every pack this phone holds whose age today (India) is within `ages`,
    /// unit by unit and family by family, as the store lists them.
    pub fn members_aged(
        &self,
        ages: std::ops::RangeInclusive<i32>,
    ) -> Vec<panjiyan_core::samagra::Member> {
        members_aged_on(&self.store, ages)
    }

    /// Registers each of `members` as a construction worker with a mobile, as "operator",
    /// finalised now: queued in the outbox. Their ids, in order.
    pub fn register(&self, members: &[panjiyan_core::samagra::Member]) -> Vec<uuid::Uuid> {
        register_workers(&self.store, members)
    }

    /// The first `n` records of the outbox, signed as they are pushed (oldest first).
    pub fn queued(&self, n: usize) -> Vec<panjiyan_core::wire::SignedRegistration> {
        (self.store.outbox_batch(n).unwrap())
            .into_iter()
            .map(|i| i.signed)
            .collect()
    }
}

/// The members of every pack `store` holds whose age today (India) is within `ages`, unit by
/// unit and family by family, as the store lists them.
pub fn members_aged_on(
    store: &DeviceStore,
    ages: std::ops::RangeInclusive<i32>,
) -> Vec<panjiyan_core::samagra::Member> {
    let today = panjiyan_core::india_time::today();
    let mut out = Vec::new();
    for unit in store.units().unwrap() {
        for f in store.families_in_unit(&unit.code).unwrap() {
            out.extend(
                f.members
                    .into_iter()
                    .map(|m| m.member)
                    .filter(|m| ages.contains(&m.birth.age_on(today))),
            );
        }
    }
    out
}

/// Registers each of `members` on `store` as a construction worker with a mobile, as
/// "operator", finalised now: queued in the outbox. Their ids, in order.
pub fn register_workers(
    store: &DeviceStore,
    members: &[panjiyan_core::samagra::Member],
) -> Vec<uuid::Uuid> {
    use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
    members
        .iter()
        .map(|m| {
            let form = RegistrationForm {
                occupation_code: Some("construction".into()),
                mobile: Some("9876543210".into()),
                facts: ApplicantFacts::no_land(),
                consent: true,
                ..RegistrationForm::new(m.member_id.clone(), "operator")
            };
            let id = store.create_draft(&form).unwrap();
            store
                .finalise(id, panjiyan_core::india_time::now_utc(), true)
                .unwrap();
            id
        })
        .collect()
}

/// Sets a phone up on the real sync client as an operator does (blocking: call it from
/// `spawn_blocking`): `store` enrolled as "operator" through `client`, then the first unit the
/// server offers downloaded. That unit.
pub fn set_up_operator(
    store: &DeviceStore,
    client: &panjiyan_core::sync::SyncClient,
) -> panjiyan_core::sync::UnitListing {
    client.enrol(store, "operator", super::PASSWORD).unwrap();
    let unit = client.units(store).unwrap().remove(0);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    client.download(store, &unit, &|_, _| {}, &cancel).unwrap();
    unit
}

/// How a push went wrong: no connection (or one cut), or an answer that is not 200.
#[derive(Debug)]
pub enum PushFailed {
    Network(reqwest::Error),
    Answered(u16, String),
}

impl TestServer {
    /// One push of up to `n` queued records as the phone's sync sends it, the answer applied
    /// to the phone's store (acknowledged records leave the outbox); or what stopped it.
    pub async fn push_batch(
        &self,
        phone: &Phone,
        n: usize,
    ) -> Result<panjiyan_core::wire::PushResponse, PushFailed> {
        let r = self
            .push_request(phone, n)
            .send()
            .await
            .map_err(PushFailed::Network)?;
        let status = r.status().as_u16();
        if status != 200 {
            return Err(PushFailed::Answered(
                status,
                r.text().await.unwrap_or_default(),
            ));
        }
        let answer: panjiyan_core::wire::PushResponse =
            r.json().await.map_err(PushFailed::Network)?;
        phone.store.apply_push_response(&answer).unwrap();
        Ok(answer)
    }

    /// Pushes up to 100 records `phone` has queued straight to the API, as one batch with a
    /// plain backlog report: the server's answer, unread.
    pub async fn push_outbox(&self, phone: &Phone) -> reqwest::Response {
        self.push_request(phone, 100).send().await.unwrap()
    }

    /// The push of up to `n` queued records, as one batch with a plain backlog report.
    fn push_request(&self, phone: &Phone, n: usize) -> reqwest::RequestBuilder {
        let registrations: Vec<_> = phone.queued(n);
        self.http
            .post(format!("{}/api/v1/push", self.url))
            .bearer_auth(&phone.token)
            .json(&json!({"protocol": 1, "registrations": registrations,
                "backlog": {"pending": 1, "app_version": "test"}}))
    }
}
