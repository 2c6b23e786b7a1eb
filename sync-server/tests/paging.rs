//! The sync backlog and the approval queue over more than one page, read as a person reads
//! them: every device and every registration of the test's own ledger shown exactly once
//! across the pages, the backlog's sums by district and by block equal to the ledger, each
//! area's link leading to its own devices, the queue's filters kept across pages, a bulk
//! decision coming back to the page it was made on, and the CSVs holding every row.

use panjiyan_core::keys::SigningKey;
use panjiyan_core::location::{Level, Place};
use panjiyan_core::validate::LgdCode;
use panjiyan_core::wire::BacklogReport;
use panjiyan_server::harness::{Backend, PASSWORD, Setup, TestServer, User};
use panjiyan_server::on_both_backends;
use panjiyan_server::roles::Role;
use panjiyan_server::storage::now_ms;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use std::collections::{BTreeMap, BTreeSet};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// `username` signed in on the pages: the `name=value` its browser sends back.
async fn cookie_of(s: &TestServer, username: &str) -> String {
    let r = client()
        .post(format!("{}/officer/sign-in", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={username}&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("panjiyan_session="))
        .unwrap_or_else(|| panic!("{username} not signed in ({})", r.status()))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn get(s: &TestServer, cookie: &str, path: &str) -> String {
    let r = client()
        .get(format!("{}{path}", s.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The text a person reads in `html`: tags dropped, entities read, spaces squeezed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The element with `id`, from its start tag to the end of `html`.
fn from_id<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let at = html.find(&format!("id=\"{id}\""))?;
    Some(&html[html[..at].rfind('<').unwrap()..])
}

/// The text of the element with `id` (up to its closing tag of the same name).
fn text_by_id(html: &str, id: &str) -> String {
    let rest = from_id(html, id).unwrap_or_else(|| panic!("no #{id}"));
    let tag: String = rest[1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let end = rest.find(&format!("</{tag}>")).unwrap();
    text_of(&rest[..end])
}

/// The `href` of the link with `id`, if the page has one.
fn link(html: &str, id: &str) -> Option<String> {
    let rest = from_id(html, id)?;
    let tag_end = rest.find('>').unwrap();
    let href = rest[..tag_end].split("href=\"").nth(1)?.split('"').next()?;
    Some(unescape(href))
}

/// The body rows of the table with `id`: each row's HTML and its cells' text.
fn rows(html: &str, id: &str) -> Vec<(String, Vec<String>)> {
    let Some(table) = from_id(html, id) else {
        return Vec::new();
    };
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let cells = row
                .split("<td")
                .skip(1)
                .map(|cell| text_of(&format!("<td{cell}")))
                .collect();
            (row.to_owned(), cells)
        })
        .collect()
}

fn number(text: &str) -> i64 {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{text:?}"))
}

/// A device in the test's ledger: where its user works, what it last said it holds.
struct HeldDevice {
    jurisdiction: String,
    pending: i64,
    silent: bool,
}

/// What the ledger says of a set of devices holding data: (devices, unsent, silent).
fn sums<'a>(devices: impl Iterator<Item = &'a HeldDevice>) -> (i64, i64, i64) {
    devices
        .filter(|d| d.pending > 0)
        .fold((0, 0, 0), |(n, p, s), d| {
            (n + 1, p + d.pending, s + i64::from(d.silent))
        })
}

/// Follows `next-page` links from `first`: each page's devices (the id a person reads).
async fn every_device_page(s: &TestServer, cookie: &str, first: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut path = Some(first.to_owned());
    while let Some(p) = path {
        let html = get(s, cookie, &p).await;
        let ids: Vec<String> = rows(&html, "devices")
            .into_iter()
            .map(|(_, cells)| cells[2].split(' ').next().unwrap().to_owned())
            .collect();
        if !pages.is_empty() {
            assert!(
                link(&html, "first-page").is_some(),
                "a later page leads back to the first: {p} {}",
                text_by_id(&html, "device-pages")
            );
        }
        pages.push(ids);
        path = link(&html, "next-page");
        assert!(pages.len() < 20, "the pages end");
    }
    pages
}

async fn backlog_pages(backend: Backend) {
    let mut setup = Setup::every_role();
    let district = setup
        .district
        .hierarchy
        .places()
        .iter()
        .find(|p| p.level == Level::District)
        .unwrap()
        .code
        .to_string();
    // An operator in every village and ward, and one over the whole district.
    let units: Vec<(String, String)> = (setup.district.hierarchy.places().iter())
        .filter(|p| matches!(p.level, Level::Village | Level::Ward))
        .map(|p| (format!("op-{}", p.code), p.code.to_string()))
        .collect();
    for (name, unit) in &units {
        setup.users.push(User::new(name, Role::Operator, unit));
    }
    setup
        .users
        .push(User::new("op-district", Role::Operator, &district));
    let Some(s) = TestServer::start_with(backend, setup).await else {
        return;
    };
    let hours = s.app.settings.silent_after_hours;
    let now = now_ms() / 1000 * 1000;
    let mut ledger: BTreeMap<String, HeldDevice> = BTreeMap::new();
    let mut operators: Vec<(String, String)> = units.clone();
    operators.push(("op-district".into(), district.clone()));
    // 236 devices: some hold nothing, some never said how old their data is, many share an
    // oldest time (the id orders them), some went silent days ago.
    let mut logins = BTreeMap::new();
    for (user, _) in &operators {
        logins.insert(user.clone(), s.login(user).await);
    }
    for (i, (user, jurisdiction)) in operators.iter().cycle().take(236).enumerate() {
        let login = &logins[user];
        let key = SigningKey::generate().unwrap().public_key();
        let r = s.enrol_key(login, &key).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let enrolled: serde_json::Value = r.json().await.unwrap();
        let pending = if i % 17 == 0 { 0 } else { 1 + i as i64 % 7 };
        let oldest = (i % 11 != 0 && pending > 0)
            .then(|| now - (i as i64 % 40) * 3_600_000)
            .map(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap());
        let report = BacklogReport {
            pending: pending as u64,
            oldest_pending_at: oldest,
            app_version: "0.1.0-test".into(),
            last_error: None,
        };
        let pushed = s
            .http
            .post(format!("{}/api/v1/push", s.url))
            .bearer_auth(enrolled["device_token"].as_str().unwrap())
            .json(&serde_json::json!({"protocol": 1, "registrations": [], "backlog": report}))
            .send()
            .await
            .unwrap();
        assert_eq!(pushed.status(), StatusCode::OK);
        let device_id = enrolled["device_id"].as_str().unwrap().to_owned();
        let silent = i % 13 == 5;
        if silent {
            // Last heard from four days ago, as a phone that went quiet.
            let four_days_ago = now - 4 * 86_400_000;
            s.app
                .db
                .record_backlog(&device_id, &report, four_days_ago)
                .await
                .unwrap();
        }
        ledger.insert(
            device_id,
            HeldDevice {
                jurisdiction: jurisdiction.clone(),
                pending,
                silent,
            },
        );
    }
    let holding: BTreeSet<&str> = (ledger.iter())
        .filter(|(_, d)| d.pending > 0)
        .map(|(id, _)| id.as_str())
        .collect();
    let (devices, unsent, silent) = sums(ledger.values());
    assert!(devices > 200, "more than two pages");

    // The state admin opens the backlog: the state by district, one district here.
    let state = cookie_of(&s, "state").await;
    let page = get(&s, &state, "/admin/backlog").await;
    assert_eq!(
        text_by_id(&page, "backlog-summary"),
        format!(
            "{devices} डिवाइस पर {unsent} पंजीयन अभी भेजे नहीं गए; इनमें से {silent} डिवाइस {hours} घंटे से अधिक समय से नहीं दिखे।"
        )
    );
    let areas = rows(&page, "backlog-areas");
    assert_eq!(areas.len(), 1, "{areas:?}");
    let (row, cells) = &areas[0];
    assert_eq!(
        cells[1..].iter().map(|c| c.as_str()).collect::<Vec<_>>()[..2],
        [devices.to_string(), unsent.to_string()]
    );
    assert_eq!(number(&cells[4]), silent);
    let to_district = unescape(
        row.split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap(),
    );
    assert_eq!(to_district, format!("/admin/backlog?place={district}"));

    // The district: a row per block and urban body, and one for the devices over all of it.
    let page = get(&s, &state, &to_district).await;
    let lineage = |code: &str| -> Vec<Place> {
        let code = LgdCode::parse(code).unwrap();
        s.district
            .hierarchy
            .ancestors(&code)
            .into_iter()
            .cloned()
            .collect()
    };
    let mut expected: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for d in ledger.values().filter(|d| d.pending > 0) {
        let below = lineage(&d.jurisdiction)
            .iter()
            .find(|p| p.parent.as_ref().map(|c| c.to_string()) == Some(district.clone()))
            .map_or(district.clone(), |p| p.code.to_string());
        let e = expected.entry(below).or_default();
        *e = (e.0 + 1, e.1 + d.pending, e.2 + i64::from(d.silent));
    }
    let mut shown: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut links = BTreeMap::new();
    for (row, cells) in rows(&page, "backlog-areas") {
        let code = row
            .split("data-code=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        if let Some(href) = row.split("href=\"").nth(1) {
            links.insert(code.clone(), unescape(href.split('"').next().unwrap()));
        } else {
            assert_eq!(code, district);
            assert!(cells[0].ends_with("(पूरे क्षेत्र के लिए)"), "{cells:?}");
        }
        shown.insert(
            code,
            (number(&cells[1]), number(&cells[2]), number(&cells[4])),
        );
    }
    assert_eq!(shown, expected, "the district's areas sum to the ledger");
    assert_eq!(
        shown.len(),
        4,
        "two blocks, an urban body and the whole district"
    );

    // Its devices, a hundred a page, oldest unsent first: every one exactly once.
    let pages = every_device_page(&s, &state, &to_district).await;
    assert_eq!(pages.len() as i64, (devices + 99) / 100);
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() == 100));
    let listed: Vec<&str> = pages.iter().flatten().map(String::as_str).collect();
    assert_eq!(listed.len(), holding.len(), "no device twice");
    assert_eq!(listed.iter().copied().collect::<BTreeSet<_>>(), holding);
    let first = get(&s, &state, &to_district).await;
    assert!(
        text_by_id(&first, "devices-shown")
            .starts_with(&format!("डेटा रखने वाले {devices} डिवाइस में से 100 दिखाए गए")),
        "{}",
        text_by_id(&first, "devices-shown")
    );
    assert_eq!(
        rows(&first, "devices")
            .iter()
            .filter(|(_, c)| c[2].contains("डेटा सहित चुप"))
            .count() as i64,
        (rows(&first, "devices").iter())
            .filter(|(_, c)| ledger[c[2].split(' ').next().unwrap()].silent)
            .count() as i64,
        "the silent ones are flagged"
    );

    // Each block's link: that block's devices only, with no areas below it.
    for (code, href) in &links {
        let page = get(&s, &state, href).await;
        assert!(
            rows(&page, "backlog-areas").is_empty(),
            "{code}: its devices, not its areas"
        );
        let listed: BTreeSet<String> = every_device_page(&s, &state, href)
            .await
            .into_iter()
            .flatten()
            .collect();
        let within: BTreeSet<String> = (ledger.iter())
            .filter(|(_, d)| {
                d.pending > 0
                    && lineage(&d.jurisdiction)
                        .iter()
                        .any(|p| p.code.to_string() == *code)
            })
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(listed, within, "{code}");
        assert_eq!(listed.len() as i64, expected[code].0);
    }

    // The CSVs: every device of the district, not a page; every area.
    let csv = get(
        &s,
        &state,
        &format!("/admin/backlog?place={district}&format=csv"),
    )
    .await;
    let ids: BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(csv.lines().count() - 1, holding.len());
    assert_eq!(ids, holding);
    let by_area = get(
        &s,
        &state,
        &format!("/admin/backlog?place={district}&format=csv&table=areas"),
    )
    .await;
    assert_eq!(by_area.lines().count() - 1, expected.len(), "{by_area}");

    // /metrics keeps its meaning: every device holding data, however many pages.
    let metrics = client()
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!("panjiyan_devices_with_unsent {devices}\n")),
        "{metrics}"
    );
    assert!(metrics.contains(&format!("panjiyan_devices_silent_with_unsent {silent}\n")));
    assert!(metrics.contains(&format!("panjiyan_registrations_on_devices {unsent}\n")));
}

on_both_backends!(
    the_backlog_pages_every_device_once_and_sums_by_area,
    backlog_pages
);

/// The hidden fields of the bulk form, as the browser sends them back.
fn bulk_fields(html: &str) -> Vec<(String, String)> {
    let form = from_id(html, "bulk").unwrap();
    let form = &form[..form.find("</form>").unwrap()];
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (name.to_owned(), unescape(value))
        })
        .collect()
}

/// The queue from `first` on, following `next-page`: each page's member IDs as shown.
async fn every_queue_page(s: &TestServer, cookie: &str, first: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut path = Some(first.to_owned());
    while let Some(p) = path {
        let html = get(s, cookie, &p).await;
        pages.push(
            rows(&html, "bulk")
                .into_iter()
                .map(|(_, c)| c[2].clone())
                .collect(),
        );
        path = link(&html, "next-page");
        assert!(pages.len() < 20, "the pages end");
    }
    pages
}

async fn queue_pages(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else {
        return;
    };
    // The operator's phone registers every adult of its two villages, pushed as a phone does.
    let phone = s.enrol("operator").await;
    let people = phone.members_aged(20..=55);
    assert!(people.len() > 100, "more than a page: {}", people.len());
    let ids = phone.register(&people);
    while phone.store.outbox_stats().unwrap().queued > 0 {
        s.push_batch(&phone, 100).await.unwrap();
    }
    // The ledger: each registration's member, and its village.
    let unit_of: BTreeMap<String, String> = (s.district.families.iter())
        .map(|f| (f.family_id.to_string(), f.unit_code.to_string()))
        .collect();
    let ledger: BTreeMap<String, String> = people
        .iter()
        .map(|m| {
            (
                m.member_id.to_string(),
                unit_of[&m.family_id.to_string()].clone(),
            )
        })
        .collect();
    assert_eq!(ids.len(), ledger.len());
    let total = ledger.len();

    let officer = cookie_of(&s, "officer").await;
    let first = get(&s, &officer, "/officer/queue").await;
    let summary = text_by_id(&first, "queue-summary");
    assert!(summary.starts_with(&format!("{total} लंबित;")), "{summary}");
    assert!(
        summary.contains(&format!("{total} में से 1 से 100 तक दिखाए गए")),
        "{summary}"
    );
    assert!(
        link(&first, "previous-page").is_none(),
        "nothing before the first page"
    );

    // Every page in turn: each registration exactly once, a hundred a page.
    let pages = every_queue_page(&s, &officer, "/officer/queue").await;
    assert_eq!(pages.len(), total.div_ceil(100));
    let shown: Vec<&String> = pages.iter().flatten().collect();
    assert_eq!(shown.len(), total, "no registration twice");
    assert_eq!(
        shown.into_iter().cloned().collect::<BTreeSet<_>>(),
        ledger.keys().cloned().collect()
    );

    // The second page leads back to the first.
    let second_path = link(&first, "next-page").unwrap();
    let second = get(&s, &officer, &second_path).await;
    assert!(text_by_id(&second, "queue-summary").contains(&format!("{total} में से 101 से")));
    let back = get(&s, &officer, &link(&second, "previous-page").unwrap()).await;
    assert_eq!(
        rows(&back, "bulk")
            .iter()
            .map(|(_, c)| c[2].clone())
            .collect::<Vec<_>>(),
        pages[0],
        "previous is the first page again"
    );

    // A filter is kept across pages: one village's registrations, all of them and no other.
    let village = ledger.values().next().unwrap().clone();
    let in_village: BTreeSet<String> = (ledger.iter())
        .filter(|(_, u)| **u == village)
        .map(|(m, _)| m.clone())
        .collect();
    let filtered = every_queue_page(&s, &officer, &format!("/officer/queue?unit={village}")).await;
    assert_eq!(
        filtered.iter().flatten().cloned().collect::<BTreeSet<_>>(),
        in_village
    );
    assert_eq!(filtered.iter().flatten().count(), in_village.len());
    if in_village.len() > 100 {
        let page = get(&s, &officer, &format!("/officer/queue?unit={village}")).await;
        assert!(
            link(&page, "next-page")
                .unwrap()
                .contains(&format!("unit={village}"))
        );
    }
    let csv = get(
        &s,
        &officer,
        &format!("/officer/queue?unit={village}&format=csv"),
    )
    .await;
    assert_eq!(
        csv.lines().count() - 1,
        in_village.len(),
        "the CSV holds every match, not a page"
    );
    let all = get(&s, &officer, "/officer/queue?format=csv").await;
    assert_eq!(all.lines().count() - 1, total);

    // Three approved from the second page: back on the second page, with them gone.
    let chosen: Vec<String> = rows(&second, "bulk")
        .iter()
        .take(3)
        .map(|(row, _)| {
            row.split("data-id=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let chosen_members: BTreeSet<String> = rows(&second, "bulk")
        .iter()
        .take(3)
        .map(|(_, c)| c[2].clone())
        .collect();
    let mut form = bulk_fields(&second);
    form.extend(chosen.iter().map(|id| ("id".to_owned(), id.clone())));
    form.push(("action".into(), "approve".into()));
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&form)
        .finish();
    let r = client()
        .post(format!("{}/officer/queue/decide", s.url))
        .header("cookie", &officer)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let after_first_page = second_path.split("after=").nth(1).unwrap();
    assert!(
        location.contains(&format!("after={after_first_page}")),
        "{location}"
    );
    let again = get(&s, &officer, &location).await;
    assert_eq!(
        text_by_id(&again, "bulk-result"),
        "3 स्वीकृत, 0 अस्वीकृत, 0 पहले से निर्णीत या आपके क्षेत्र से बाहर।"
    );
    assert!(text_by_id(&again, "queue-summary").starts_with(&format!("{} लंबित;", total - 3)));
    let left: Vec<String> = every_queue_page(&s, &officer, "/officer/queue")
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(left.len(), total - 3);
    assert!(left.iter().all(|m| !chosen_members.contains(m)));
}

on_both_backends!(
    the_queue_pages_every_registration_once_with_its_filters,
    queue_pages
);
