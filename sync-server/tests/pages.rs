//! The officer pages' edges, over HTTP without a browser: where an unsigned visitor is sent,
//! the session cookie's flags (Secure behind an HTTPS proxy), a form without this session's
//! token refused with nothing changed, a role the pages do not serve, a tampered reason code.

use panjiyan_server::client_addr::Cidr;
use panjiyan_server::harness::{Backend, PASSWORD, Setup, TestServer};
use panjiyan_server::on_both_backends;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn sign_in(s: &TestServer, username: &str, https: bool) -> reqwest::Response {
    let mut r = client()
        .post(format!("{}/officer/sign-in", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "username={username}&password={PASSWORD}&next=%2Fofficer%2Fqueue"
        ));
    if https {
        r = r.header("x-forwarded-proto", "https");
    }
    r.send().await.unwrap()
}

fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("panjiyan_session="))
        .unwrap_or_else(|| panic!("no session cookie ({})", r.status()))
        .to_owned()
}

/// `username` signed in on the pages: the `name=value` its browser sends back.
async fn cookie_of(s: &TestServer, username: &str) -> String {
    session_cookie(&sign_in(s, username, false).await)
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn edges(backend: Backend) {
    // The instance trusts loopback as its HTTPS proxy, so that `X-Forwarded-Proto` counts
    // (a claim from any other peer is dropped: tests/tests/state.rs checks that behind nginx).
    let mut setup = Setup::every_role();
    setup.settings.trusted_proxies = vec!["127.0.0.1".parse::<Cidr>().unwrap()];
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    // Not signed in: to the sign-in page, with the way back.
    let r = client()
        .get(format!("{}/officer/queue?unit=1", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/officer/sign-in?next=%2Fofficer%2Fqueue%3Funit%3D1"
    );

    // The cookie: HttpOnly and SameSite=Strict always, Secure behind HTTPS.
    let plain = session_cookie(&sign_in(&s, "officer", false).await);
    assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
    assert!(!plain.contains("Secure"));
    let behind_https = sign_in(&s, "officer", true).await;
    assert_eq!(behind_https.headers()["location"], "/officer/queue");
    assert!(session_cookie(&behind_https).contains("; Secure"));

    // An operator signs in on the phone, not here: refused, and that session is ended.
    let r = sign_in(&s, "operator", false).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("पदाभिहित अधिकारियों"));

    // A form without this session's token changes nothing, and says so.
    let cookie = plain.split(';').next().unwrap().to_owned();
    let r = client()
        .post(format!("{}/officer/sign-out", s.url))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let queue = client()
        .get(format!("{}/officer/queue", s.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), StatusCode::OK, "still signed in");
    let page = queue.text().await.unwrap();
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        token,
        panjiyan_server::web::csrf_token(cookie.split('=').nth(1).unwrap())
    );

    // A reason code that is not one of the list (a tampered form): a clear refusal.
    let r = client()
        .post(format!(
            "{}/officer/registrations/00000000-0000-7000-8000-000000000000/decide",
            s.url
        ))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={token}&action=reject&reason=made_up"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("nothing was changed"));

    // Signing out ends the session on the server, not only in the browser.
    let r = client()
        .post(format!("{}/officer/sign-out", s.url))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let again = client()
        .get(format!("{}/officer/queue", s.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
}

on_both_backends!(officer_page_edges, edges);

/// A name an admin typed, with markup in it, shows as text on every page that names it.
async fn typed_markup(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let cookie = cookie_of(&s, "state").await;
    let token = panjiyan_server::web::csrf_token(cookie.split('=').nth(1).unwrap());
    let name = "<script>alert(1)</script> & <b>ASHA</b>";
    let body: String = form_urlencoded_pairs(&[
        ("csrf", &token),
        ("name", name),
        ("department", "<i>health</i>"),
        ("csv", "samagra_member_id\n999999999\n"),
    ]);
    let page = |r: reqwest::Response| async move {
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.unwrap()
    };
    let imported = page(
        client()
            .post(format!("{}/admin/groups", s.url))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    // askama writes the escapes as numeric character references.
    let shown = "&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#60;b&#62;ASHA&#60;/b&#62;";
    assert!(
        imported.contains(&format!("<h1>{shown}</h1>")),
        "{imported}"
    );
    assert!(!imported.contains("<script>alert"), "{imported}");
    let list = page(
        client()
            .get(format!("{}/admin/groups", s.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list.contains(shown), "{list}");
    assert!(list.contains("&#60;i&#62;health&#60;/i&#62;"), "{list}");
    assert!(
        !list.contains("<script>alert") && !list.contains("<i>health"),
        "{list}"
    );
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

on_both_backends!(a_typed_name_with_markup_shows_as_text, typed_markup);

/// Plans a camp in `area` on `date` (`YYYY-MM-DD`) at `venue` for `unit`, or moves camp `id`
/// there, as an admin's browser posts the form; answers the camp's id from where the page sends.
async fn save_camp(
    s: &TestServer,
    cookie: &str,
    id: Option<&str>,
    (area, date, venue, unit): (&str, &str, &str, &str),
) -> String {
    let token = panjiyan_server::web::csrf_token(cookie.split('=').nth(1).unwrap());
    let mut pairs = vec![
        ("csrf", token.as_str()),
        ("area", area),
        ("date", date),
        ("from", "10:00"),
        ("to", "16:00"),
        ("venue", venue),
        ("unit", unit),
    ];
    if let Some(id) = id {
        pairs.push(("id", id));
    }
    let r = client()
        .post(format!("{}/admin/camps", s.url))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_urlencoded_pairs(&pairs))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let id = to
        .strip_prefix("/admin/camps/")
        .and_then(|rest| rest.strip_suffix("?saved=1"))
        .unwrap_or_else(|| panic!("sent to {to}"));
    id.to_owned()
}

async fn camp_ids(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let cookie = cookie_of(&s, "state").await;
    let block = s.places(panjiyan_core::location::Level::Block)[0].clone();
    let villages: Vec<_> = s
        .places(panjiyan_core::location::Level::Village)
        .into_iter()
        .filter(|v| s.district.hierarchy.is_within(v, &block))
        .collect();
    let (first, second) = (villages[0].as_str(), villages[1].as_str());
    let block = block.as_str();
    let a = save_camp(&s, &cookie, None, (block, "2027-01-04", "School", first)).await;
    assert_eq!(a, format!("{block}-20270104-1"));
    // Camp A moves to the next day; a new camp on the old day must not take its id.
    let moved = save_camp(
        &s,
        &cookie,
        Some(&a),
        (block, "2027-01-05", "School", first),
    )
    .await;
    assert_eq!(moved, a, "a camp keeps its id when it moves");
    let b = save_camp(
        &s,
        &cookie,
        None,
        (block, "2027-01-04", "Anganwadi", second),
    )
    .await;
    assert_ne!(b, a, "an id is never given twice");
    assert_eq!(b, format!("{block}-20270104-2"));
    let db = &s.app.db;
    let (a, b) = (
        db.camp(&a).await.unwrap().unwrap(),
        db.camp(&b).await.unwrap().unwrap(),
    );
    assert_eq!(
        (a.venue.as_str(), a.units.as_slice()),
        ("School", &[first.to_owned()][..])
    );
    assert_eq!(
        panjiyan_core::india_time::date(a.starts_at),
        "05-01-2027",
        "the moved camp is on its new day"
    );
    assert_eq!(
        (b.venue.as_str(), b.units.as_slice()),
        ("Anganwadi", &[second.to_owned()][..])
    );
    // Moving a camp that is not there is refused, not created.
    let token = panjiyan_server::web::csrf_token(cookie.split('=').nth(1).unwrap());
    let r = client()
        .post(format!("{}/admin/camps", s.url))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_urlencoded_pairs(&[
            ("csrf", &token),
            ("id", "nope-1"),
            ("area", block),
            ("date", "2027-01-04"),
            ("from", "10:00"),
            ("to", "16:00"),
            ("venue", "School"),
            ("unit", first),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(db.camp("nope-1").await.unwrap().is_none());
}

on_both_backends!(camp_ids_are_given_once_and_kept_when_a_camp_moves, camp_ids);

async fn wrong_phone_clock(backend: Backend) {
    use panjiyan_core::registration::{ApplicantFacts, RegistrationForm};
    use panjiyan_core::wire::PushOutcome;
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let phone = s.enrol("operator").await;
    let adults = phone.members_aged(25..=50);
    let (adult, other_adult) = (&adults[0], &adults[1]);
    let minor = &phone.members_aged(16..=16)[0];
    // A cheap phone whose date is three years ahead (and one three days behind, before its
    // pack was built): on the phone, the 16-year-old is 19, so it lets them through.
    let register = |m: &panjiyan_core::samagra::Member, at: time::OffsetDateTime| {
        let form = RegistrationForm {
            occupation_code: Some("construction".into()),
            facts: ApplicantFacts::no_land(),
            consent: true,
            ..RegistrationForm::new(m.member_id.clone(), "operator")
        };
        let id = phone.store.create_draft(&form).unwrap();
        phone.store.finalise(id, at, true).unwrap();
        id
    };
    let future = panjiyan_core::india_time::now_utc() + time::Duration::days(3 * 366);
    let future = future.replace_nanosecond(0).unwrap();
    let (a, child, past) = (
        register(adult, future),
        register(minor, future),
        register(
            other_adult,
            panjiyan_core::india_time::now_utc() - time::Duration::days(3),
        ),
    );
    let pushed = s.push_outbox(&phone).await;
    assert_eq!(pushed.status(), StatusCode::OK);
    let answers = pushed
        .json::<panjiyan_core::wire::PushResponse>()
        .await
        .unwrap()
        .results;
    let outcome = |id| &answers.iter().find(|r| r.id == id).unwrap().outcome;
    assert_eq!(
        outcome(a),
        &PushOutcome::Accepted,
        "stored, not refused, for a wrong clock"
    );
    assert_eq!(outcome(past), &PushOutcome::Accepted);
    match outcome(child) {
        PushOutcome::Invalid { reasons } => {
            assert_eq!(
                reasons[0].key, "eligibility.age_below_min",
                "judged on the server's date"
            )
        }
        other => panic!("the minor was not refused: {other:?}"),
    }
    let db = &s.app.db;
    let stored = db.registration(&a.to_string()).await.unwrap().unwrap();
    assert_eq!(
        stored.device_time_doubted,
        Some(panjiyan_core::india_time::ms_of(future))
    );
    let early = db.registration(&past.to_string()).await.unwrap().unwrap();
    assert!(
        early.device_time_doubted.is_some(),
        "older than any pack of its village"
    );
    // The officer sees both times.
    let cookie = cookie_of(&s, "officer").await;
    let page = client()
        .get(format!("{}/officer/registrations/{a}", s.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let received = panjiyan_core::india_time::date_time(stored.received_at);
    assert!(
        page.contains(&panjiyan_core::india_time::date_time(
            panjiyan_core::india_time::ms_of(future)
        )) && page.contains(&received),
        "{page}"
    );
}

on_both_backends!(
    a_phone_clock_in_the_future_or_the_past_is_flagged_not_trusted,
    wrong_phone_clock
);

/// Posts a department list named `name` as `username`'s browser would; the status and page.
async fn import_list(
    s: &TestServer,
    username: &str,
    name: &str,
    ids: &[&str],
) -> (StatusCode, String) {
    let cookie = cookie_of(s, username).await;
    let token = panjiyan_server::web::csrf_token(cookie.split('=').nth(1).unwrap());
    let csv = format!("samagra_member_id\n{}\n", ids.join("\n"));
    let r = client()
        .post(format!("{}/admin/groups", s.url))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_urlencoded_pairs(&[
            ("csrf", &token),
            ("name", name),
            ("department", "Health"),
            ("csv", &csv),
        ]))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn list_owners(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    let ids: Vec<String> = s
        .district
        .members
        .iter()
        .take(6)
        .map(|m| m.member_id.to_string())
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (status, _) = import_list(&s, "state", "ASHA workers", &ids[..4]).await;
    assert_eq!(status, StatusCode::OK);
    // The district's admin cannot replace the state's list of that name.
    let (status, page) = import_list(&s, "collector", "ASHA workers", &ids[4..]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("ASHA workers") && page.contains("कुछ नहीं बदला गया"),
        "{page}"
    );
    let root = s.app.db.root_places().await.unwrap()[0].code.to_string();
    let lists = s.app.db.target_groups(&root).await.unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(
        (lists[0].members, lists[0].owner_area.as_deref()),
        (4, Some(root.as_str())),
        "unchanged"
    );
    // Its own list is its own; the state's admin sees it below, and it sees the state's above.
    let (status, _) = import_list(&s, "collector", "Anganwadi workers", &ids[4..]).await;
    assert_eq!(status, StatusCode::OK);
    let district = s.places(panjiyan_core::location::Level::District)[0].to_string();
    assert_eq!(s.app.db.target_groups(&root).await.unwrap().len(), 2);
    let seen: Vec<String> = s
        .app
        .db
        .target_groups(&district)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(seen, ["ASHA workers", "Anganwadi workers"]);
    // The district's admin may replace its own list.
    let (status, _) = import_list(&s, "collector", "Anganwadi workers", &ids[..1]).await;
    assert_eq!(status, StatusCode::OK);
}

on_both_backends!(
    a_department_list_is_replaced_only_by_its_own_area,
    list_owners
);
