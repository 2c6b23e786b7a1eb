//! Gateways that carry SMS and voice messages. The message id travels with each send as an
//! idempotency key, so a message re-sent after a crash is delivered once. A voice message goes
//! as its text for the provider's own speech engine or as audio made here (`speech`): the
//! file gateway keeps the audio beside its file, the HTTP gateway (`--voice-mode audio`) in the
//! database, behind a link with an unguessable token that any server instance answers.

use super::speech::{self, SpeechError};
use crate::storage::{Db, now_ms};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long the link to a voice message's audio works: long enough for a provider's retries
/// of an unanswered call over two days, short enough that an old link leads nowhere.
pub const AUDIO_LIFETIME: Duration = Duration::from_secs(48 * 3600);

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
    #[error("the voice message could not be turned into audio: {0}")]
    Speech(#[from] SpeechError),
    #[error("the voice message's audio could not be kept: {0}")]
    AudioNotKept(String),
}

/// A send under way: the provider's reference once it is done.
pub type Sending<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, GatewayError>> + Send + 'a>>;

pub trait Gateway: Send + Sync {
    /// Sends one message; returns the provider's reference.
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a>;
}

/// The default gateway: appends each message as a JSON line to a file (what tests read, and
/// what a pilot without a provider keeps), the worker's mobile number masked to its last four
/// digits. A voice message is spoken into `{file}.voice/{message id}.wav` first, its path in
/// the line as `audio`; audio that cannot be made is a failed attempt, tried again later. A
/// message id already in the file is not written again: the file's ids are read once, when the
/// first message is sent, and kept beside it.
pub struct FileGateway {
    path: PathBuf,
    /// The ids in the file, once read; the lock also keeps writes one at a time.
    written: tokio::sync::Mutex<Option<std::collections::HashSet<i64>>>,
}

impl FileGateway {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            written: tokio::sync::Mutex::new(None),
        }
    }

    /// Where the audio of voice message `id` is kept: `{file}.voice/{id}.wav`.
    pub fn audio_path(&self, id: i64) -> PathBuf {
        let mut folder = self.path.clone().into_os_string();
        folder.push(".voice");
        PathBuf::from(folder).join(format!("{id}.wav"))
    }

    /// Speaks voice message `message` into its audio file (written whole, then renamed into
    /// place: a crash leaves no half file under the name); its path.
    async fn keep_audio(&self, message: &Outgoing) -> Result<PathBuf, GatewayError> {
        let wav = speech::synthesize(&message.body, &message.language).await?;
        let path = self.audio_path(message.id);
        let unkept = |e: std::io::Error| GatewayError::AudioNotKept(e.kind().to_string());
        if let Some(folder) = path.parent() {
            tokio::fs::create_dir_all(folder).await.map_err(unkept)?;
        }
        let partial = path.with_extension("wav.partial");
        tokio::fs::write(&partial, &wav).await.map_err(unkept)?;
        tokio::fs::rename(&partial, &path).await.map_err(unkept)?;
        Ok(path)
    }
}

/// A line of the file gateway's file: the message, and where its audio is.
#[derive(Serialize)]
struct FileLine {
    #[serde(flatten)]
    message: Outgoing,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio: Option<String>,
}

impl Gateway for FileGateway {
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            use tokio::io::AsyncWriteExt;
            let unreachable = |e: std::io::Error| GatewayError::Unreachable(e.kind().to_string());
            let reference = format!("file-{}", message.id);
            let mut written = self.written.lock().await;
            if written.is_none() {
                let existing = match tokio::fs::read_to_string(&self.path).await {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(unreachable(e)),
                };
                let ids = existing
                    .lines()
                    .filter_map(|l| {
                        serde_json::from_str::<serde_json::Value>(l).ok()?["id"].as_i64()
                    })
                    .collect();
                *written = Some(ids);
            }
            let ids = written.get_or_insert_with(Default::default);
            if ids.contains(&message.id) {
                return Ok(reference);
            }
            let audio = match message.channel.as_str() {
                "voice" => Some(self.keep_audio(message).await?.display().to_string()),
                _ => None,
            };
            let shown = FileLine {
                message: Outgoing {
                    recipient: crate::codes::masked(&message.recipient),
                    ..message.clone()
                },
                audio,
            };
            let line =
                serde_json::to_string(&shown).map_err(|e| GatewayError::Refused(e.to_string()))?;
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .await
                .map_err(unreachable)?;
            file.write_all(format!("{line}\n").as_bytes())
                .await
                .map_err(unreachable)?;
            file.flush().await.map_err(unreachable)?;
            ids.insert(message.id);
            Ok(reference)
        })
    }
}

/// How the HTTP gateway hands a voice message to its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum VoiceMode {
    /// The text, for the provider's own speech engine (`text`).
    #[default]
    Text,
    /// A link to audio made here (`audio_url`), for a provider that dials out and plays it.
    Audio,
}

/// Where the audio of voice messages is kept for the provider to fetch.
struct AudioLinks {
    db: Arc<Db>,
    /// The server's address as providers reach it, without a trailing `/`.
    public_url: String,
}

impl AudioLinks {
    /// The voice message spoken and kept behind a new token: the link to it. Every attempt
    /// makes a link of its own, so a link a provider already holds keeps working.
    async fn link(&self, message: &Outgoing) -> Result<String, GatewayError> {
        let wav = speech::synthesize(&message.body, &message.language).await?;
        let (token, hash) = crate::auth::new_token();
        let now = now_ms();
        self.db
            .keep_voice_audio(
                message.id,
                &hash,
                &wav,
                now,
                now + AUDIO_LIFETIME.as_millis() as i64,
            )
            .await
            .map_err(|e| GatewayError::AudioNotKept(e.to_string()))?;
        Ok(format!("{}/voice/{token}.wav", self.public_url))
    }
}

/// A generic HTTP gateway: POSTs each message as JSON to a provider URL (the message id as
/// `client_ref` for de-duplication), expecting 2xx with an optional `reference` field. A voice
/// message carries its `text`, or with `with_audio_links` an `audio_url` instead.
pub struct HttpGateway {
    url: String,
    http: reqwest::Client,
    audio: Option<AudioLinks>,
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
            audio: None,
        }
    }

    /// Voice messages sent as links to their audio: spoken here, kept in `db` for
    /// `AUDIO_LIFETIME`, fetched from `{public_url}/voice/{token}.wav`.
    pub fn with_audio_links(self, db: Arc<Db>, public_url: &str) -> Self {
        Self {
            audio: Some(AudioLinks {
                db,
                public_url: public_url.trim_end_matches('/').to_owned(),
            }),
            ..self
        }
    }
}

impl Gateway for HttpGateway {
    fn send<'a>(&'a self, message: &'a Outgoing) -> Sending<'a> {
        Box::pin(async move {
            let mut body = serde_json::json!({
                "client_ref": message.id,
                "channel": message.channel,
                "to": message.recipient,
                "template_id": message.template_id,
                "language": message.language,
            });
            match &self.audio {
                Some(links) if message.channel == "voice" => {
                    body["audio_url"] = links.link(message).await?.into();
                }
                _ => body["text"] = message.body.clone().into(),
            }
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_file_keeps_only_the_last_four_digits() {
        assert_eq!(crate::codes::masked("9876543210"), "XXXXXX3210");
        assert_eq!(crate::codes::masked("321"), "321");
    }
}
