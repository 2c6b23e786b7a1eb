//! Rate limits that hold behind the HTTPS proxy a deployment runs, on both backends: each
//! worker behind nginx has their own status look-up budget (an IPv6 client by its /64), a
//! forged X-Forwarded-For from outside changes nothing, one officer's wrong passwords lock out
//! only that client, guessing from many clients stops at the per-username limit, and twenty
//! guesses at once get no more password checks than five. Idle keep-alive connections (and
//! ones that never send a request) are closed after the idle timeout; busy ones are kept.

use panjiyan_server::client_addr::Cidr;
use panjiyan_server::harness::{Backend, PASSWORD, Setup, TestServer};
use panjiyan_server::on_both_backends;
use reqwest::StatusCode;

/// A status look-up as `client` (sent as nginx would forward it).
async fn look_up(s: &TestServer, client: &str) -> StatusCode {
    s.http
        .get(format!("{}/api/v1/worker-status/123456789", s.url))
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap()
        .status()
}

async fn sign_in(s: &TestServer, client: &str, username: &str, password: &str) -> StatusCode {
    s.http
        .post(format!("{}/api/v1/login", s.url))
        .header("x-forwarded-for", client)
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn behind_the_proxy(backend: Backend) {
    let mut setup = Setup::every_role();
    setup.settings.trusted_proxies = vec!["127.0.0.1".parse::<Cidr>().unwrap()];
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    // Twenty look-ups in ten minutes per client; the next is refused, for that client only.
    for _ in 0..20 {
        assert_eq!(look_up(&s, "198.51.100.1").await, StatusCode::OK);
    }
    assert_eq!(
        look_up(&s, "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        look_up(&s, "198.51.100.2").await,
        StatusCode::OK,
        "another worker"
    );
    // A forged address to the left of what nginx appended changes nothing.
    assert_eq!(
        look_up(&s, "10.9.9.9, 198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // IPv6: addresses within one /64 are one client.
    for i in 0..20 {
        assert_eq!(
            look_up(&s, &format!("2001:db8:1:2::{i:x}")).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        look_up(&s, "2001:db8:1:2:ffff::1").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a rotated address in the same /64"
    );
    assert_eq!(look_up(&s, "2001:db8:1:3::1").await, StatusCode::OK);
    // Pruned after their day, the rows no longer count (nothing else keeps the addresses).
    assert!(s.app.db.prune_limits(i64::MAX).await.unwrap() >= 40);
    assert_eq!(look_up(&s, "198.51.100.1").await, StatusCode::OK);

    // Five wrong passwords lock out that client, not the officer everywhere.
    for _ in 0..5 {
        assert_eq!(
            sign_in(&s, "203.0.113.1", "officer", "wrong").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in(&s, "203.0.113.1", "officer", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in(&s, "203.0.113.2", "officer", PASSWORD).await,
        StatusCode::OK
    );
    // An unknown name is told exactly what a wrong password is.
    assert_eq!(
        sign_in(&s, "203.0.113.3", "nobody-at-all", "x").await,
        StatusCode::UNAUTHORIZED
    );

    // Guessing one officer's password from many addresses stops at twenty attempts.
    for client in 0..4 {
        for _ in 0..5 {
            sign_in(&s, &format!("192.0.2.{client}"), "collector", "wrong").await;
        }
    }
    assert_eq!(
        sign_in(&s, "192.0.2.200", "collector", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the per-username limit"
    );

    // Twenty guesses at once from one client: no more than five reach the password check.
    let answers = panjiyan_server::harness::join_all(
        (0..20).map(|_| sign_in(&s, "198.51.100.77", "state", "wrong")),
    )
    .await;
    let checked = answers
        .iter()
        .filter(|a| **a == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|a| **a == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(checked <= 5, "{checked} guesses checked");
    assert_eq!(checked + refused, 20);
}

async fn without_a_proxy(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // Nobody is trusted: a new X-Forwarded-For on each request is still the same client.
    for i in 0..20 {
        assert_eq!(
            look_up(&s, &format!("198.51.100.{i}")).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        look_up(&s, "198.51.100.250").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

on_both_backends!(
    limits_count_the_client_behind_a_trusted_proxy,
    behind_the_proxy
);
on_both_backends!(
    a_forged_forwarded_for_changes_nothing_without_a_proxy,
    without_a_proxy
);

async fn metrics_behind_a_token(backend: Backend) {
    let mut setup = Setup::every_role();
    setup.settings.metrics_token = Some("scrape-secret".into());
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    let get = |token: Option<&'static str>| {
        let mut r = s.http.get(format!("{}/metrics", s.url));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap() }
    };
    assert_eq!(get(None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get(Some("guess")).await.status(), StatusCode::UNAUTHORIZED);
    let ok = get(Some("scrape-secret")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let text = ok.text().await.unwrap();
    assert!(
        text.contains("panjiyan_officer_pending_approvals"),
        "{text}"
    );
    for user in ["officer", "collector", "secretary"] {
        assert!(
            !text.contains(&format!("\"{user}\"")),
            "no usernames in labels: {text}"
        );
    }
}

on_both_backends!(
    metrics_need_the_token_and_name_nobody,
    metrics_behind_a_token
);

async fn texts_are_bounded(backend: Backend) {
    use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
    use panjiyan_core::wire::PushOutcome;
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let adult = phone.members_aged(20..=55).remove(0);
    // A megabyte of operator id: the phone signs whatever it is given.
    let form = RegistrationForm {
        occupation_code: Some("construction".into()),
        facts: ApplicantFacts::no_land(),
        consent: true,
        channel: panjiyan_core::registration::Channel::ServiceCentre,
        ..RegistrationForm::new(adult.member_id.clone(), &"x".repeat(1 << 20))
    };
    let id = phone.store.create_draft(&form).unwrap();
    phone
        .store
        .finalise(id, panjiyan_core::india_time::now_utc(), true)
        .unwrap();
    let batch: Vec<_> = phone.queued(1);
    let push = |backlog: serde_json::Value| {
        let batch = batch.clone();
        let s = &s;
        let token = phone.token.clone();
        async move {
            s.http
                .post(format!("{}/api/v1/push", s.url))
                .bearer_auth(token)
                .json(
                    &serde_json::json!({"protocol": 1, "registrations": batch, "backlog": backlog}),
                )
                .send()
                .await
                .unwrap()
        }
    };
    let long_error =
        push(serde_json::json!({"pending": 1, "app_version": "t", "last_error": "e".repeat(200)}))
            .await;
    assert_eq!(long_error.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = long_error.json().await.unwrap();
    assert_eq!(body["error"]["code"], "field_too_long");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("backlog.last_error")
    );
    let answer: panjiyan_core::wire::PushResponse =
        push(serde_json::json!({"pending": 1, "app_version": "t"}))
            .await
            .json()
            .await
            .unwrap();
    match &answer.results[0].outcome {
        PushOutcome::Invalid { reasons } => {
            assert_eq!(reasons[0].key, "push.field_too_long");
            assert_eq!(
                reasons[0].params.get("field").map(String::as_str),
                Some("operator_id")
            );
        }
        other => panic!("a megabyte of operator id was taken: {other:?}"),
    }
    assert!(
        s.app
            .db
            .registration(&id.to_string())
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
}

on_both_backends!(texts_of_a_push_are_bounded_and_said_so, texts_are_bounded);

async fn stalled_upload(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut setup = Setup::every_role();
    setup.settings.request_timeout = std::time::Duration::from_secs(1);
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    // A sign-in that announces 1,000 bytes and sends eleven, then nothing: a client gone quiet.
    let mut conn = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    conn.write_all(
        b"POST /api/v1/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"username",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), conn.read(&mut answer))
        .await
        .expect("the server cut the stalled request")
        .unwrap();
    let head = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
}

on_both_backends!(a_stalled_upload_is_cut_with_408, stalled_upload);

async fn busy_server(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let mut setup = Setup::every_role();
    setup.settings.max_in_flight = 2;
    setup.settings.request_timeout = std::time::Duration::from_secs(2);
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    // Two requests that hold their place (uploads gone quiet) fill the server.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut conn = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
        conn.write_all(
            b"POST /api/v1/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
        held.push(conn);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let busy = s
        .http
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        busy.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "shed, not queued"
    );
    let body: serde_json::Value = busy.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy");
    // Once they are cut (408), the server answers again.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let ok = s
        .http
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    drop(held);
}

on_both_backends!(a_full_server_sheds_with_503, busy_server);

/// Reads one answer to `GET /healthz` from `socket`: whether it came.
async fn healthz_on(socket: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .is_err()
    {
        return false;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"ok") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    true
}

/// Whether the server closed `socket` (end of stream within two seconds).
async fn closed_by_server(socket: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), socket.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_busy_ones_are_kept() {
    let mut setup = Setup::every_role();
    setup.settings.idle_timeout = std::time::Duration::from_secs(1);
    let s = TestServer::start_with(Backend::Sqlite, setup)
        .await
        .unwrap();
    let connect = || tokio::net::TcpStream::connect(s.addr());
    // A keep-alive connection that asks once and then waits is closed after the timeout.
    let mut idle = connect().await.unwrap();
    assert!(healthz_on(&mut idle).await);
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    assert!(closed_by_server(&mut idle).await, "an idle keep-alive");
    // So is one that never sends a request.
    let mut silent = connect().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    assert!(
        closed_by_server(&mut silent).await,
        "a connection that sends nothing"
    );
    // One that keeps asking stays open past the timeout.
    let mut busy = connect().await.unwrap();
    for _ in 0..6 {
        assert!(healthz_on(&mut busy).await, "a busy connection is kept");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
