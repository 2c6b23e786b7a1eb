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
