//! Gateways that carry SMS and voice messages. The message id travels with each send as an
//! idempotency key, so a message re-sent after a crash is delivered once.

use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// A message as a gateway sends it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub template_id: String,
    pub language: String,
    pub body: String,
    #[sqlx(try_from = "i32")]
    pub attempts: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the gateway could not be reached: {0}")]
    Unreachable(String),
    #[error("the gateway refused the message: {0}")]
    Refused(String),
}

/// A send under way: the provider's reference once it is done.
pub type Sending<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, GatewayError>> + Send + 'a>>;

pub trait Gateway: Send + Sync {
    /// Sends one message; returns the provider's reference.
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a>;
}

/// The default gateway: appends each message as a JSON line to a file (what tests read, and
/// what a pilot without a provider keeps). A message id already in the file is not written
/// again.
pub struct FileGateway {
    path: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

impl FileGateway {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: tokio::sync::Mutex::new(()),
        }
    }
}

impl Gateway for FileGateway {
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let _guard = self.lock.lock().await;
            let reference = format!("file-{}", message.id);
            let marker = format!("\"id\":{},", message.id);
            let existing = std::fs::read_to_string(&self.path).unwrap_or_default();
            if existing
                .lines()
                .any(|l| l.starts_with("{") && l.contains(&marker))
            {
                return Ok(reference);
            }
            let line =
                serde_json::to_string(message).map_err(|e| GatewayError::Refused(e.to_string()))?;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| GatewayError::Unreachable(e.kind().to_string()))?;
            writeln!(file, "{line}")
                .map_err(|e| GatewayError::Unreachable(e.kind().to_string()))?;
            Ok(reference)
        })
    }
}

/// A generic HTTP gateway: POSTs each message as JSON to a provider URL (the message id as
/// `client_ref` for de-duplication), expecting 2xx with an optional `reference` field.
pub struct HttpGateway {
    url: String,
    http: reqwest::Client,
}

impl HttpGateway {
    pub fn new(url: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("an HTTP client builds");
        Self {
            url: url.to_owned(),
            http,
        }
    }
}

impl Gateway for HttpGateway {
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let body = serde_json::json!({
                "client_ref": message.id,
                "channel": message.channel,
                "to": message.recipient,
                "template_id": message.template_id,
                "language": message.language,
                "text": message.body,
            });
            let r = self
                .http
                .post(&self.url)
                .json(&body)
                .send()
                .await
                .map_err(|e| {
                    GatewayError::Unreachable(if e.is_timeout() {
                        "timed out".into()
                    } else {
                        "connection failed".into()
                    })
                })?;
            if !r.status().is_success() {
                return Err(GatewayError::Refused(format!("status {}", r.status())));
            }
            let answer: serde_json::Value = r.json().await.unwrap_or_default();
            Ok(answer["reference"]
                .as_str()
                .map_or_else(|| format!("http-{}", message.id), str::to_owned))
        })
    }
}
