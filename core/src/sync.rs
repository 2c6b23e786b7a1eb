//! The sync client: enrolment, camp-pack downloads that resume after a cut, and sync (push the
//! outbox in gzip batches, apply per-record answers, pull status). Every request has a timeout
//! and is retried with exponential backoff and jitter; every step is safe to interrupt at any
//! byte and run again, because the server stores by registration id and the outbox lets go of
//! a record only when the server has acknowledged it.

use crate::endorsement::EndorsementError;
use crate::keys::PublicKey;
use crate::messages::Message;
use crate::pack::PackError;
use crate::store::{DeviceStore, Enrolment, ImportSummary, StoreError};
use crate::wire::{
    OfferAnswerOutcome, PROTOCOL_VERSION, PackKeys, PushOutcome, PushRequest, PushResponse,
    StatusPage,
};
use base64::Engine;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Why a sync step failed. Carries no personal data.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server could not be reached after {attempts} attempts: {reason}")]
    Unreachable { attempts: u32, reason: String },
    #[error("the server refused the request ({status}): {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("this device is not enrolled yet")]
    NotEnrolled,
    #[error("this device has been revoked by the server")]
    Revoked,
    #[error("stopped by the user")]
    Cancelled,
    #[error("the server sent something unexpected: {0}")]
    BadResponse(String),
    #[error("the downloaded pack does not match what the server listed")]
    DownloadMismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not keep the partial download: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "a camp pack is signed by a key this device cannot trace to the server key it was enrolled with; nothing was imported: {0}"
    )]
    UntrustedPackKey(#[from] EndorsementError),
    #[error(
        "the server address must start with https:// (passwords and camp packs travel over it); http:// is only for this computer"
    )]
    InsecureServer,
}

impl SyncError {
    /// A stable code for the FFI and for backlog reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "unreachable",
            Self::Refused { .. } => "refused",
            Self::NotEnrolled => "not_enrolled",
            Self::Revoked => "revoked",
            Self::Cancelled => "cancelled",
            Self::BadResponse(_) => "bad_response",
            Self::DownloadMismatch => "download_mismatch",
            Self::Store(e) => e.code(),
            Self::Io(_) => "io",
            Self::InsecureServer => "insecure_server",
            Self::UntrustedPackKey(_) => "untrusted_pack_key",
        }
    }
}

/// How patient the client is.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub server_url: String,
    pub app_version: String,
    /// Registrations per push.
    pub batch_size: usize,
    /// Tries per request (the first included).
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub connect_timeout: Duration,
    /// Longest a request may take; pack downloads resume rather than wait longer.
    pub request_timeout: Duration,
    /// Where versions before 0.1 kept partial pack downloads in clear; whatever is left there
    /// is removed when a client starts (downloads now resume from the store, sealed).
    pub downloads_dir: PathBuf,
    /// Keep connections open between requests (HTTP keep-alive). Tests turn it off so that
    /// every request meets the faults of a fresh connection.
    pub reuse_connections: bool,
    /// A certificate authority (PEM) trusted besides the system's roots: a state's own CA,
    /// or a test's self-signed certificate.
    pub extra_root_certificate_pem: Option<Vec<u8>>,
}

impl SyncConfig {
    pub fn new(server_url: &str, downloads_dir: impl Into<PathBuf>) -> Self {
        Self {
            server_url: server_url.trim_end_matches('/').to_owned(),
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            batch_size: 200,
            attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(120),
            downloads_dir: downloads_dir.into(),
            reuse_connections: true,
            extra_root_certificate_pem: None,
        }
    }
}

/// A unit the server offers, with what this device holds of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitListing {
    pub code: String,
    pub level: String,
    pub name_hi: String,
    pub name_en: String,
    pub pack_version: Option<u64>,
    pub pack_bytes: Option<u64>,
    pub pack_sha256: Option<String>,
    #[serde(default)]
    pub local_version: Option<u64>,
}

impl UnitListing {
    /// True when the server has a newer pack than the device.
    pub fn needs_download(&self) -> bool {
        matches!((self.pack_version, self.local_version), (Some(remote), local) if local.is_none_or(|l| l < remote))
    }
}

/// What a sync did, for the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub sent: u64,
    pub acknowledged: u64,
    pub duplicates: u64,
    /// Records the server refused, with its reasons; they stay on the device for fixing.
    pub refused: Vec<(uuid::Uuid, Vec<Message>)>,
    pub statuses_received: u64,
    /// Camps on the calendar the server sent (planned camps of the device's area not ended).
    pub camps_received: u64,
    /// Open offers of work to the workers of the device's units the server sent.
    pub offers_received: u64,
    /// Workers' answers to offers the server recorded (now or before).
    pub answers_taken: u64,
    /// Answers the server refused (answered otherwise before, the worker holds other work),
    /// by offer id, with its reasons.
    pub answers_refused: Vec<(String, Vec<Message>)>,
    /// How far the server's clock (its `Date` header) was ahead of this device's, in seconds,
    /// at the last answer; the app warns when a phone's date is wrong.
    pub clock_skew_seconds: Option<i64>,
    /// The key id of the server's new pack key when this sync followed a key rotation and
    /// pinned it (an endorsement by the key held before led to it).
    #[serde(default)]
    pub pack_key_pinned: Option<String>,
    /// HTTP requests made, retries included.
    pub round_trips: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

enum Attempt {
    Retry(String),
    Fatal(SyncError),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

/// The sync client of one device store.
pub struct SyncClient {
    http: Client,
    config: SyncConfig,
    round_trips: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("server_url", &self.config.server_url)
            .finish_non_exhaustive()
    }
}

fn jitter(max: Duration) -> Duration {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 4];
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    max.mul_f64(u32::from_le_bytes(b) as f64 / u32::MAX as f64)
}

fn refused(status: StatusCode, response: Response) -> SyncError {
    let body: Option<ErrorBody> = response.json().ok();
    let (code, message) = body.map_or_else(
        || ("unknown".to_owned(), String::new()),
        |b| (b.error.code, b.error.message),
    );
    if code == "device_revoked" {
        return SyncError::Revoked;
    }
    SyncError::Refused {
        status: status.as_u16(),
        code,
        message,
    }
}

impl SyncClient {
    pub fn new(config: SyncConfig) -> Result<Self, SyncError> {
        if !secure_or_loopback(&config.server_url) {
            return Err(SyncError::InsecureServer);
        }
        remove_clear_downloads(&config.downloads_dir);
        let mut builder = Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout);
        if !config.reuse_connections {
            builder = builder.pool_max_idle_per_host(0);
        }
        if let Some(pem) = &config.extra_root_certificate_pem {
            let ca = reqwest::Certificate::from_pem(pem)
                .map_err(|e| SyncError::BadResponse(format!("the extra root certificate: {e}")))?;
            builder = builder.add_root_certificate(ca);
        }
        let http = builder
            .build()
            .map_err(|e| SyncError::BadResponse(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            config,
            round_trips: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.server_url)
    }

    /// Sends `build()` until it answers, retrying what may pass (network errors, timeouts,
    /// 408, 429, 5xx) with exponential backoff and full jitter.
    fn send(&self, build: impl Fn() -> RequestBuilder) -> Result<Response, SyncError> {
        self.retry(|| {
            self.round_trips.fetch_add(1, Ordering::Relaxed);
            match build().send() {
                Ok(r) if r.status().is_success() || r.status() == StatusCode::NOT_MODIFIED => Ok(r),
                Ok(r)
                    if r.status().is_server_error()
                        || r.status() == StatusCode::TOO_MANY_REQUESTS
                        || r.status() == StatusCode::REQUEST_TIMEOUT =>
                {
                    Err(Attempt::Retry(format!("server answered {}", r.status())))
                }
                Ok(r) => Err(Attempt::Fatal(refused(r.status(), r))),
                Err(e) => Err(Attempt::Retry(error_kind(&e))),
            }
        })
    }

    fn retry<T>(&self, mut step: impl FnMut() -> Result<T, Attempt>) -> Result<T, SyncError> {
        let mut reason = String::new();
        for attempt in 0..self.config.attempts.max(1) {
            if attempt > 0 {
                let backoff = self
                    .config
                    .base_delay
                    .saturating_mul(1 << (attempt - 1).min(16))
                    .min(self.config.max_delay);
                std::thread::sleep(jitter(backoff));
            }
            match step() {
                Ok(v) => return Ok(v),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry(why)) => reason = why,
            }
        }
        Err(SyncError::Unreachable {
            attempts: self.config.attempts,
            reason,
        })
    }

    /// Signs in as a secretary or operator and enrols this device; the token and the server's
    /// pack-signing key are kept in the store.
    pub fn enrol(
        &self,
        store: &DeviceStore,
        username: &str,
        password: &str,
    ) -> Result<Enrolment, SyncError> {
        #[derive(Deserialize)]
        struct Session {
            token: String,
        }
        #[derive(Deserialize)]
        struct Enrolled {
            device_token: String,
            server_key: PublicKey,
            jurisdiction: String,
        }
        let login = serde_json::json!({ "username": username, "password": password });
        let session: Session = self
            .send(|| self.http.post(self.url("/api/v1/login")).json(&login))?
            .json()
            .map_err(|e| SyncError::BadResponse(format!("sign-in answer: {e}")))?;
        let key = base64::engine::general_purpose::STANDARD.encode(store.device_public_key().bytes);
        let body = serde_json::json!({ "public_key": key });
        let enrolled: Enrolled = self
            .send(|| {
                self.http
                    .post(self.url("/api/v1/devices"))
                    .bearer_auth(&session.token)
                    .json(&body)
            })?
            .json()
            .map_err(|e| SyncError::BadResponse(format!("enrolment answer: {e}")))?;
        let enrolment = Enrolment {
            server_url: self.config.server_url.clone(),
            device_token: enrolled.device_token,
            server_key: enrolled.server_key,
            jurisdiction: enrolled.jurisdiction,
        };
        store.save_enrolment(&enrolment)?;
        Ok(enrolment)
    }

    fn enrolment(store: &DeviceStore) -> Result<Enrolment, SyncError> {
        store.enrolment()?.ok_or(SyncError::NotEnrolled)
    }

    /// The units this device may download, with sizes, and the version it holds of each.
    pub fn units(&self, store: &DeviceStore) -> Result<Vec<UnitListing>, SyncError> {
        let e = Self::enrolment(store)?;
        let mut units: Vec<UnitListing> = self
            .send(|| {
                self.http
                    .get(self.url("/api/v1/units"))
                    .bearer_auth(&e.device_token)
            })?
            .json()
            .map_err(|err| SyncError::BadResponse(format!("units: {err}")))?;
        let local = store.units()?;
        for u in &mut units {
            u.local_version = local
                .iter()
                .find(|l| l.code.as_str() == u.code)
                .map(|l| l.version);
        }
        Ok(units)
    }

    /// Brings one unit up to date: a delta when the device has an older version, otherwise
    /// the whole pack, resumed from where a broken download stopped. `progress(done, total)`
    /// is called as bytes arrive; setting `cancel` stops at the next chunk (the partial file
    /// is kept for next time).
    pub fn download(
        &self,
        store: &DeviceStore,
        unit: &UnitListing,
        progress: &dyn Fn(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<Option<ImportSummary>, SyncError> {
        let mut e = Self::enrolment(store)?;
        let (Some(_), Some(total), Some(sha)) = (
            unit.pack_version,
            unit.pack_bytes,
            unit.pack_sha256.as_deref(),
        ) else {
            return Ok(None);
        };
        if let Some(local) = unit.local_version {
            let r = self.send(|| {
                self.http
                    .get(self.url(&format!("/api/v1/units/{}/pack?from={local}", unit.code)))
                    .bearer_auth(&e.device_token)
            });
            match r {
                Ok(r) if r.status() == StatusCode::NOT_MODIFIED => return Ok(None),
                Ok(r) => {
                    let bytes = r
                        .bytes()
                        .map_err(|err| SyncError::BadResponse(format!("delta: {err}")))?;
                    progress(bytes.len() as u64, bytes.len() as u64);
                    match self.import_signed(store, &mut e, &bytes) {
                        Ok(summary) => return Ok(Some(summary)),
                        // A delta that does not fit what the device holds: take the whole pack.
                        Err(SyncError::Store(StoreError::WrongBaseVersion { .. })) => {}
                        Err(other) => return Err(other),
                    }
                }
                Err(SyncError::Refused { status: 410, .. }) => {}
                Err(other) => return Err(other),
            }
        }
        // What is held so far lives in the store, sealed with its key: a pack names a whole
        // village, and a phone can be lost with a download half done.
        let code = unit.code.as_str();
        let result = self.fetch_pack(store, unit, total, sha, progress, cancel);
        let outcome = result.and_then(|()| {
            let bytes = store.downloaded(code, sha)?;
            let got =
                crate::keys::to_hex(ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref());
            if got != sha {
                return Err(SyncError::DownloadMismatch);
            }
            self.import_signed(store, &mut e, &bytes)
        });
        match outcome {
            Ok(summary) => {
                store.discard_download(code)?;
                Ok(Some(summary))
            }
            // Cut short by the network: kept (sealed) to resume next time.
            Err(e @ SyncError::Unreachable { .. }) => Err(e),
            // Cancelled, refused, damaged: nothing of it stays.
            Err(e) => {
                store.discard_download(code)?;
                Err(e)
            }
        }
    }

    /// Imports pack `bytes` signed with the key `e` pins. A pack signed with another key (the
    /// server's pack key was rotated) is imported only when the server's endorsements lead to
    /// that key from the pinned one, each signed by the key before it; the key they lead to is
    /// then pinned in the stored enrolment in place of the old. Anything else is refused, and
    /// nothing is pinned or imported.
    fn import_signed(
        &self,
        store: &DeviceStore,
        e: &mut Enrolment,
        bytes: &[u8],
    ) -> Result<ImportSummary, SyncError> {
        let signer = match store.import_pack(bytes, std::slice::from_ref(&e.server_key)) {
            Err(StoreError::Pack(PackError::UnknownSigningKey { key_id })) => key_id,
            other => return Ok(other?),
        };
        self.follow_rotation(store, e, &signer)?;
        Ok(store.import_pack(bytes, std::slice::from_ref(&e.server_key))?)
    }

    /// Pins key `signer` in place of the key `e` pins, if the server's endorsements lead to it
    /// from the pinned key, each signed by the key before it; otherwise changes nothing.
    fn follow_rotation(
        &self,
        store: &DeviceStore,
        e: &mut Enrolment,
        signer: &str,
    ) -> Result<(), SyncError> {
        let keys: PackKeys = match self.send(|| {
            self.http
                .get(self.url("/api/v1/pack-keys"))
                .bearer_auth(&e.device_token)
        }) {
            Ok(r) => r
                .json()
                .map_err(|err| SyncError::BadResponse(format!("pack keys: {err}")))?,
            // A server that has never rotated its key has nothing to show for it.
            Err(SyncError::Refused { status: 404, .. }) => PackKeys {
                current: e.server_key.clone(),
                endorsements: Vec::new(),
            },
            Err(other) => return Err(other),
        };
        let next = crate::endorsement::follow(&e.server_key, &keys.endorsements, signer)?;
        let mut repinned = e.clone();
        repinned.server_key = next;
        store.save_enrolment(&repinned)?;
        *e = repinned;
        Ok(())
    }

    /// Fetches pack `sha` of `unit` (`total` bytes) into the store, resuming from what it holds.
    fn fetch_pack(
        &self,
        store: &DeviceStore,
        unit: &UnitListing,
        total: u64,
        sha: &str,
        progress: &dyn Fn(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<(), SyncError> {
        let e = Self::enrolment(store)?;
        let code = unit.code.as_str();
        self.retry(|| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Attempt::Fatal(SyncError::Cancelled));
            }
            let have = store
                .download_held(code, sha)
                .map_err(|err| Attempt::Fatal(err.into()))?;
            if have >= total {
                return Ok(());
            }
            self.round_trips.fetch_add(1, Ordering::Relaxed);
            let response = self
                .http
                .get(self.url(&format!("/api/v1/units/{code}/pack")))
                .bearer_auth(&e.device_token)
                .header("range", format!("bytes={have}-"))
                .header("if-range", format!("\"{sha}\""))
                .send();
            let mut response = match response {
                Ok(r)
                    if r.status() == StatusCode::PARTIAL_CONTENT
                        || r.status() == StatusCode::OK =>
                {
                    r
                }
                Ok(r) if r.status().is_server_error() => {
                    return Err(Attempt::Retry(format!("server answered {}", r.status())));
                }
                Ok(r) => return Err(Attempt::Fatal(refused(r.status(), r))),
                Err(err) => return Err(Attempt::Retry(error_kind(&err))),
            };
            let mut done = if response.status() == StatusCode::PARTIAL_CONTENT {
                have
            } else {
                // The whole pack from the start: what was held goes.
                store
                    .discard_download(code)
                    .map_err(|err| Attempt::Fatal(err.into()))?;
                0
            };
            // Sealed into the store a chunk at a time, so a cut keeps what arrived.
            let mut chunk = Vec::with_capacity(CHUNK_BYTES);
            let flush = |chunk: &mut Vec<u8>, done: &mut u64| -> Result<(), Attempt> {
                if !chunk.is_empty() {
                    store
                        .append_download(code, sha, *done, chunk)
                        .map_err(|err| Attempt::Fatal(err.into()))?;
                    *done += chunk.len() as u64;
                    chunk.clear();
                }
                Ok(())
            };
            let mut buf = [0u8; 16 * 1024];
            loop {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Attempt::Fatal(SyncError::Cancelled));
                }
                match response.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.extend_from_slice(&buf[..n]);
                        progress(done + chunk.len() as u64, total);
                        if chunk.len() >= CHUNK_BYTES {
                            flush(&mut chunk, &mut done)?;
                        }
                    }
                    Err(err) => {
                        flush(&mut chunk, &mut done)?;
                        return Err(Attempt::Retry(format!("download cut: {}", err.kind())));
                    }
                }
            }
            flush(&mut chunk, &mut done)?;
            if done < total {
                Err(Attempt::Retry("download ended early".into()))
            } else {
                Ok(())
            }
        })
    }

    /// Pushes the whole outbox in batches, the last of which asks for the status changes in
    /// its answer; pulls the rest of them, if any, until there are none. A sync whose outbox
    /// fits one batch and whose changes fit one page is one round trip (an empty outbox still
    /// pushes once, for the backlog report and the queued answers to offers). `progress(sent,
    /// total)` reports pushed records.
    pub fn sync(
        &self,
        store: &DeviceStore,
        progress: &dyn Fn(u64, u64),
    ) -> Result<SyncReport, SyncError> {
        let mut e = Self::enrolment(store)?;
        let start_trips = self.round_trips.load(Ordering::Relaxed);
        let mut report = SyncReport::default();
        let total = store.outbox_stats()?.queued;
        // The status page the last push brought back, when the server sends one.
        let mut pulled: Option<StatusPage>;
        loop {
            let batch = store.outbox_batch(self.config.batch_size)?;
            let stats = store.outbox_stats()?;
            // This batch empties the outbox: the last push, which asks for the status.
            let last = batch.len() as u64 >= stats.queued;
            let mut request = PushRequest {
                protocol: PROTOCOL_VERSION,
                registrations: batch.iter().map(|i| i.signed.clone()).collect(),
                backlog: stats.backlog_report(&self.config.app_version, None),
                // Answers to offers are small: every queued one rides along until settled.
                offer_answers: store.offer_answers_queued(self.config.batch_size)?,
                status_cursor: if last {
                    Some(store.status_cursor()?)
                } else {
                    None
                },
                ..PushRequest::default()
            };
            store.sign_push(&mut request);
            let json = serde_json::to_vec(&request).expect("requests serialise");
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&json)?;
            let body = gz.finish()?;
            let response = self.send(|| {
                self.http
                    .post(self.url("/api/v1/push"))
                    .bearer_auth(&e.device_token)
                    .header("content-type", "application/json")
                    .header("content-encoding", "gzip")
                    .body(body.clone())
            })?;
            report.clock_skew_seconds = clock_skew(&response).or(report.clock_skew_seconds);
            let text = response
                .bytes()
                .map_err(|err| SyncError::BadResponse(format!("push answer: {err}")))?;
            report.bytes_up += body.len() as u64;
            report.bytes_down += text.len() as u64;
            let answer: PushResponse = serde_json::from_slice(&text)
                .map_err(|err| SyncError::BadResponse(format!("push answer: {err}")))?;
            let applied = store.apply_push_response(&answer)?;
            report.sent += batch.len() as u64;
            report.acknowledged += applied.acknowledged;
            report.duplicates += applied.duplicates;
            report.answers_taken += applied.answers_taken;
            for a in &answer.offer_answers {
                match &a.outcome {
                    OfferAnswerOutcome::Refused { reasons } => report
                        .answers_refused
                        .push((a.offer_id.clone(), reasons.clone())),
                    OfferAnswerOutcome::BadSignature => report
                        .answers_refused
                        .push((a.offer_id.clone(), vec![Message::new("push.bad_signature")])),
                    _ => {}
                }
            }
            for r in &answer.results {
                match &r.outcome {
                    PushOutcome::Invalid { reasons } => {
                        report.refused.push((r.id, reasons.clone()))
                    }
                    PushOutcome::BadSignature => report
                        .refused
                        .push((r.id, vec![Message::new("push.bad_signature")])),
                    PushOutcome::Conflict => report
                        .refused
                        .push((r.id, vec![Message::new("push.conflict")])),
                    _ => {}
                }
            }
            progress(report.sent.min(total), total);
            pulled = answer.status;
            // The last batch was sent; a batch the server answered without settling anything
            // would repeat forever, so stop there too.
            if last || applied.acknowledged + applied.refused == 0 {
                break;
            }
        }
        loop {
            let page = match pulled.take() {
                Some(page) => page,
                None => self.pull_status(store, &e, &mut report)?,
            };
            store.apply_status_changes(&page.changes, &page.cursor)?;
            report.statuses_received += page.changes.len() as u64;
            if let Some(camps) = &page.camps {
                store.replace_camps(camps)?;
                report.camps_received = camps.len() as u64;
            }
            if let Some(offers) = &page.offers {
                store.replace_offers(offers)?;
                report.offers_received = offers.len() as u64;
            }
            if !page.more {
                // The server signs with another key than the one pinned: a rotation, followed
                // now so that the phone holds the new key before the old one is dropped. A
                // chain that does not verify pins nothing; the pushes and statuses above
                // stand, and the next pack download says why it refuses the pack.
                if let Some(key_id) = page.pack_key_id.filter(|k| *k != e.server_key.key_id) {
                    match self.follow_rotation(store, &mut e, &key_id) {
                        Ok(()) => report.pack_key_pinned = Some(key_id),
                        Err(SyncError::UntrustedPackKey(_)) => {}
                        Err(other) => return Err(other),
                    }
                }
                break;
            }
        }
        report.round_trips = self.round_trips.load(Ordering::Relaxed) - start_trips;
        Ok(report)
    }

    /// One page of status changes after the device's cursor (`GET /api/v1/status`).
    fn pull_status(
        &self,
        store: &DeviceStore,
        e: &Enrolment,
        report: &mut SyncReport,
    ) -> Result<StatusPage, SyncError> {
        let cursor = store.status_cursor()?;
        let response = self.send(|| {
            self.http
                .get(self.url("/api/v1/status"))
                .query(&[("cursor", cursor.as_str())])
                .bearer_auth(&e.device_token)
        })?;
        report.clock_skew_seconds = clock_skew(&response).or(report.clock_skew_seconds);
        let text = response
            .bytes()
            .map_err(|err| SyncError::BadResponse(format!("status: {err}")))?;
        report.bytes_down += text.len() as u64;
        serde_json::from_slice(&text)
            .map_err(|err| SyncError::BadResponse(format!("status: {err}")))
    }
}

/// How far the server's clock is ahead of this device's, in seconds, from the answer's
/// `Date` header (`Wed, 02 Dec 2026 01:55:09 GMT`); `None` without one.
fn clock_skew(response: &Response) -> Option<i64> {
    let date = response
        .headers()
        .get(reqwest::header::DATE)?
        .to_str()
        .ok()?;
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let server = time::PrimitiveDateTime::parse(date, format)
        .ok()?
        .assume_utc();
    Some((server - crate::india_time::now_utc()).whole_seconds())
}

/// Whether `url` is https, or http to this computer only (tests, a laptop's own server).
fn secure_or_loopback(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return true;
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return false;
    };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // No user info: `http://127.0.0.1@evil.example` is evil.example.
    if host_port.contains('@') {
        return false;
    }
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Removes the clear-text partial downloads older versions left in `dir`.
fn remove_clear_downloads(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.path().extension().is_some_and(|e| e == "part") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// How much of a pack download is sealed into the store at a time.
const CHUNK_BYTES: usize = 256 * 1024;

/// What kind of network failure happened, without URLs or bodies.
fn error_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_body() || e.is_decode() {
        "connection cut while reading".into()
    } else {
        "connection failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::secure_or_loopback;

    #[test]
    fn only_https_or_this_computer_is_a_server_address() {
        for ok in [
            "https://panjiyan.mp.gov.in",
            "HTTPS://x.example/api",
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "http://[::1]:9000",
        ] {
            assert!(secure_or_loopback(ok), "{ok}");
        }
        for bad in [
            "http://panjiyan.mp.gov.in",
            "http://10.0.0.5:8080",
            "http://127.0.0.1@evil.example",
            "http://localhost.evil.example",
            "ftp://127.0.0.1",
            "127.0.0.1:8080",
        ] {
            assert!(!secure_or_loopback(bad), "{bad}");
        }
    }
}
