//! The running server: its settings, shared state, router and `launch`, which tests call with
//! a listener on 127.0.0.1:0.

use crate::metrics::Metrics;
use crate::storage::{Db, StorageError, now_ms};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::endorsement::KeyEndorsement;
use panjiyan_core::keys::{PublicKey, SigningKey};
use panjiyan_core::wire::PackKeys;
use std::future::Future;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::Predicate;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;

/// Compress JSON and text answers of some size; never camp packs, which are zstd already.
#[derive(Clone, Copy)]
struct JsonOnly;

impl Predicate for JsonOnly {
    fn should_compress<B: axum::body::HttpBody>(&self, response: &axum::http::Response<B>) -> bool {
        let json = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/"));
        json && response.body().size_hint().lower() >= 256
    }
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    /// Registration number template: `{state}`, `{district}`, `{year}`, `{seq:07}`.
    pub number_format: String,
    /// Largest request body accepted (after gzip decompression), in bytes.
    pub max_body_bytes: usize,
    /// Largest number of registrations in one push.
    pub max_batch: usize,
    /// How long a sign-in lasts, in hours.
    pub session_hours: i64,
    /// Sign-in attempts not followed by a success allowed in 15 minutes, per username and
    /// client.
    pub max_login_failures: i64,
    /// The same, per username from all clients together (guessing from many addresses).
    pub max_login_failures_per_user: i64,
    /// Failed sign-ins the whole server takes in 15 minutes before it refuses all for a while
    /// (each costs an argon2 hash).
    pub max_login_failures_global: i64,
    /// Proxies (nginx) whose `X-Forwarded-For` names the client; nobody else's is believed.
    pub trusted_proxies: Vec<crate::client_addr::Cidr>,
    /// The bearer token `/metrics` asks for; without one, it answers this computer only.
    pub metrics_token: Option<String>,
    /// The secret shared with the SMS provider: its inbound webhook (`/api/v1/sms/inbound`)
    /// signs each body with HMAC-SHA256 under it; without one, the webhook answers 404.
    pub sms_inbound_secret: Option<String>,
    /// Longest a request may take to arrive and be answered (a stalled upload is cut with
    /// 408, which phones retry): long enough for a 500-record push over GPRS.
    pub request_timeout: std::time::Duration,
    /// The pack-signing key (PKCS#8) from a file or the environment, kept out of the database
    /// and its backups; without it, the key the database holds (made on first start).
    pub pack_key_pkcs8: Option<Vec<u8>>,
    /// During a pack-key rotation, the key before `pack_key_pkcs8` (PKCS#8): still trusted
    /// for packs and cards it signed, and it endorses the current key for the phones that
    /// pinned it (`GET /api/v1/pack-keys`). Never used to sign anything else.
    pub previous_pack_key_pkcs8: Option<Vec<u8>>,
    /// Requests one server process works on at once; more are answered 503 at once (phones
    /// retry) instead of queueing until memory or the database gives out.
    pub max_in_flight: usize,
    /// Paid to a gram panchayat or urban body per approved registration, in paise.
    pub payout_paise: i64,
    /// Hours after which a device holding unsent data is flagged as silent.
    pub silent_after_hours: i64,
    /// The campaign's rule set: packs built from now on carry it (id and version), and the
    /// phones and the server judge their registrations by it.
    pub rules: panjiyan_core::eligibility::RuleSet,
    /// A PostgreSQL standby the progress and payout pages (and their CSVs) read from; writes,
    /// decisions and everything else use `database_url`.
    pub replica_url: Option<String>,
    /// How long a connection may wait for its next request (or the headers of one) before
    /// it is closed: idle keep-alives do not pile up.
    pub idle_timeout: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite:panjiyan.db".into(),
            number_format: "{state}-{district}-{year}-{seq:07}".into(),
            max_body_bytes: 4 * 1024 * 1024,
            max_batch: 500,
            session_hours: 12,
            max_login_failures: 5,
            max_login_failures_per_user: 20,
            max_login_failures_global: 2_000,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            sms_inbound_secret: None,
            request_timeout: std::time::Duration::from_secs(300),
            max_in_flight: 1_024,
            pack_key_pkcs8: None,
            previous_pack_key_pkcs8: None,
            payout_paise: 500,
            silent_after_hours: 48,
            rules: panjiyan_core::eligibility::RuleSet::mp_2018(),
            replica_url: None,
            idle_timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// What every handler shares. Nothing here is state that matters: the database holds it all,
/// so any number of replicas can run side by side.
#[derive(Clone)]
pub struct App {
    pub db: Arc<Db>,
    /// The standby the figures pages read from, if one is set (never written to).
    pub replica: Option<Arc<Db>>,
    pub pack_key: Arc<SigningKey>,
    /// The current pack key's public half and the endorsements leading to it from the
    /// previous key (none without a rotation), as phones are told them.
    pub pack_keys: Arc<PackKeys>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// Password hashing runs on the blocking pool, this many at a time (one per core).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Rule sets admins loaded (this run's and earlier ones'), beside the built-in ones.
    pub loaded_rules: Arc<Vec<RuleSet>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the stored pack-signing key is unreadable")]
    BadServerKey,
    #[error(
        "the pack-signing key given is not an Ed25519 key in PKCS#8 (make one with `pack-key new`)"
    )]
    BadPackKeyFile,
    #[error(
        "the previous pack-signing key given is not an Ed25519 key in PKCS#8 (it is the key file the server ran with before)"
    )]
    BadPreviousPackKey,
    #[error(
        "the previous pack-signing key is the current one: give the new key as --pack-key-file and the old one as --previous-pack-key-file"
    )]
    PreviousPackKeyIsCurrent,
    #[error("the replica (--replica-url): {0}")]
    Replica(StorageError),
    #[error("could not serve: {0}")]
    Io(#[from] std::io::Error),
    #[error("the campaign's rule set could not be written down")]
    BadRules,
    #[error("a rule set kept in the database does not read: {0}")]
    StoredRulesUnreadable(panjiyan_core::eligibility::RulesError),
    #[error(
        "rule set {id} version {version} was loaded before with other rules: give the changed rules a higher version"
    )]
    RulesVersionTaken { id: String, version: u32 },
    #[error("rule set id {0:?} is a built-in rule set's: give your own rules another id")]
    BuiltInRulesId(String),
}

impl App {
    /// Connects, migrates and loads (or makes, on first start) the pack-signing key.
    pub async fn open(settings: Settings) -> Result<App, StartError> {
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;
        let pack_key = match &settings.pack_key_pkcs8 {
            // Given from outside: never written to the database.
            Some(pkcs8) => SigningKey::from_pkcs8(pkcs8).map_err(|_| StartError::BadPackKeyFile)?,
            None => {
                let candidate = SigningKey::generate().map_err(|_| StartError::BadServerKey)?;
                let pkcs8 = db
                    .server_key(candidate.key_id(), candidate.pkcs8(), now_ms())
                    .await?;
                SigningKey::from_pkcs8(&pkcs8).map_err(|_| StartError::BadServerKey)?
            }
        };
        let mut endorsements = Vec::new();
        if let Some(pkcs8) = &settings.previous_pack_key_pkcs8 {
            let previous =
                SigningKey::from_pkcs8(pkcs8).map_err(|_| StartError::BadPreviousPackKey)?;
            if previous.key_id() == pack_key.key_id() {
                return Err(StartError::PreviousPackKeyIsCurrent);
            }
            // The previous private key signs this and nothing else; it is not kept.
            endorsements.push(KeyEndorsement::sign(&previous, &pack_key.public_key()));
        }
        let pack_keys = PackKeys {
            current: pack_key.public_key(),
            endorsements,
        };
        // A campaign's own rule set is kept by id and version, so that registrations judged
        // by it stay checkable after the campaign moves on to another.
        let rules = &settings.rules;
        if RuleSet::builtin(&rules.id).is_none() {
            let json = serde_json::to_string(rules).map_err(|_| StartError::BadRules)?;
            db.save_rule_set(&rules.id, rules.version, &json, now_ms())
                .await
                .map_err(|e| match e {
                    StorageError::AlreadyExists(_) => StartError::RulesVersionTaken {
                        id: rules.id.clone(),
                        version: rules.version,
                    },
                    other => StartError::Storage(other),
                })?;
        } else if RuleSet::builtin(&rules.id).as_ref() != Some(rules) {
            return Err(StartError::BuiltInRulesId(rules.id.clone()));
        }
        // A kept rule set that no longer reads is ours to fix: the server does not start,
        // rather than refuse the registrations it judged as if their phones were wrong.
        let loaded_rules = db
            .rule_sets()
            .await?
            .iter()
            .map(|j| RuleSet::from_json(j).map_err(StartError::StoredRulesUnreadable))
            .collect::<Result<Vec<_>, _>>()?;
        let replica = match &settings.replica_url {
            Some(url) => Some(Arc::new(
                Db::connect(url).await.map_err(StartError::Replica)?,
            )),
            None => None,
        };
        Ok(App {
            db: Arc::new(db),
            replica,
            pack_key: Arc::new(pack_key),
            pack_keys: Arc::new(pack_keys),
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            hashing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            loaded_rules: Arc::new(loaded_rules),
        })
    }

    /// Where the figures pages read: the standby when one is set, and the time its figures
    /// are as of when it lags by more than a few seconds (the page says so). A standby that
    /// does not answer is passed over for the primary: the figures are late, never missing.
    pub async fn figures(&self) -> (&Db, Option<i64>) {
        let Some(replica) = &self.replica else {
            return (&self.db, None);
        };
        match self.db.replica_lag(replica).await {
            Ok(lag) => (replica, lag.stale_as_of(now_ms(), 5_000)),
            Err(e) => {
                tracing::warn!(error = %e, "the replica does not answer; reading the primary");
                (&self.db, None)
            }
        }
    }

    /// The keys whose signatures on packs and cards this server accepts: the current pack key,
    /// then the previous one during a rotation (what it signed before stays good).
    pub fn trusted_pack_keys(&self) -> Vec<PublicKey> {
        std::iter::once(self.pack_keys.current.clone())
            .chain(
                self.pack_keys
                    .endorsements
                    .iter()
                    .map(|e| e.previous.clone()),
            )
            .collect()
    }

    /// Rule set `id` at exactly `version`: built in, or one an admin loaded; never another.
    pub fn rules(&self, id: &str, version: u32) -> Option<RuleSet> {
        RuleSet::find(id, version).ok().or_else(|| {
            self.loaded_rules
                .iter()
                .find(|r| r.id == id && r.version == version)
                .cloned()
        })
    }

    pub fn router(&self) -> Router {
        crate::api::routes()
            .merge(crate::web::routes())
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                crate::metrics::track,
            ))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                strict_transport,
            ))
            .layer(DefaultBodyLimit::max(self.settings.max_body_bytes))
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                self.settings.request_timeout,
            ))
            // Outermost but metrics: beyond the cap a request is shed with 503, not queued.
            .layer(
                tower::ServiceBuilder::new()
                    .layer(axum::error_handling::HandleErrorLayer::new(
                        |_: tower::BoxError| async {
                            crate::error::ApiError::new(
                                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                                "busy",
                                "the server is busy; try again shortly",
                            )
                        },
                    ))
                    .layer(tower::load_shed::LoadShedLayer::new())
                    .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                        self.settings.max_in_flight,
                    )),
            )
            .layer(RequestDecompressionLayer::new())
            // JSON answers shrink several-fold; packs are already compressed and skipped.
            .layer(CompressionLayer::new().compress_when(JsonOnly))
            .with_state(self.clone())
    }
}

/// Behind a trusted proxy that says the request came over HTTPS, every answer tells browsers
/// to use nothing else for a year (HSTS). Plain HTTP without such a proxy gets no such header:
/// it would lock browsers out of a server that has no TLS. An `X-Forwarded-Proto` from anyone
/// but a trusted proxy is removed here, so that nothing after (the session cookie's `Secure`)
/// believes it.
async fn strict_transport(
    axum::extract::State(app): axum::extract::State<App>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !crate::client_addr::is_trusted(peer.ip(), &app.settings.trusted_proxies) {
        request.headers_mut().remove("x-forwarded-proto");
    }
    let https = request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// How long, after the signal to stop, an open connection is still read before it is closed
/// when idle: long enough for a request already sent to arrive.
const LINGER: std::time::Duration = std::time::Duration::from_millis(500);

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting (serving the
/// connections already waiting in the listen queue), lets every connection finish the request
/// it is on, and returns when all have closed.
///
/// HTTP/1.1 through hyper, with a timer, so that a connection waiting for its next request
/// (an idle keep-alive) or for the headers of one is closed after `idle_timeout`: otherwise
/// idle connections would pile up without bound (`axum::serve` sets no timer).
pub async fn launch(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let router = app.router();
    let idle = app.settings.idle_timeout;
    // Each connection's task holds a `closed` receiver; all gone, all connections are done.
    let (all_closed, closed) = tokio::sync::watch::channel(());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let serve = |stream: tokio::net::TcpStream, peer: std::net::SocketAddr| {
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(
            move |request: axum::http::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        );
        let mut stopping = stopping.clone();
        let closed = closed.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(idle);
            let connection = http.serve_connection(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            );
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = async {
                    let _ = stopping.wait_for(|s| *s).await;
                    // A request its client had sent when the signal came may still be on its
                    // way in: hyper closes a connection it has not read a request from yet.
                    tokio::time::sleep(LINGER).await;
                } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(closed);
        });
    };
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        serve(stream, peer);
    }
    // Connections the kernel completed before the signal wait in the listen queue: their
    // clients were let in and have sent their requests, so they are served, not reset.
    let listener = listener.into_std()?;
    while let Ok((stream, peer)) = listener.accept() {
        match stream
            .set_nonblocking(true)
            .and_then(|()| tokio::net::TcpStream::from_std(stream))
        {
            Ok(stream) => serve(stream, peer),
            Err(e) => tracing::warn!(error = %e, "a connection waiting at shutdown was lost"),
        }
    }
    drop(listener);
    let _ = stop.send(true);
    drop(closed);
    all_closed.closed().await;
    Ok(())
}
