//! Rozgar Setu pages for staff and for the worker: employers of the user's area to verify or
//! refuse (`/jobs/employers`) and to register for them (`/jobs/employers/new`), the district cell's page (`/jobs/cell`: employers awaiting,
//! requirements nobody matches and the trades they lack, offers to chase, usage by office and
//! by block, the funnel by
//! district, block or trade with a chart and its CSV), the state's minimum wages
//! (`/admin/wages`), consent recorded by an officer on a worker's word, and the worker's own
//! offers after an SMS code (`/jobs/mine`, no script).

use super::chart::daily_bars;
use super::employer::{Problems, fault, place_text, trades};
use super::session::{AnyForm, AnyUser};
use super::worker::{CodeQuery, WORKER_COOKIE, answer, code_page, proven};
use super::{
    CsvRow, Frame, PageError, PageUser, PostedForm, chosen_lang, cookie, count, csrf_token, csv_of,
    date_time, day_iso, day_text, form_pairs, form_value, parse_day, render, see_other, t, tm,
};
use crate::app::App;
use crate::client_addr::ClientAddr;
use crate::codes::Purpose;
use crate::roles::Role;
use crate::rozgar::offers::{self, Via};
use crate::rozgar::register::{ConsentChannel, set_consent};
use crate::rozgar::{Problem, RozgarError, employers, funnel, matching, trade_name};
use crate::storage::{FUNNEL_STAGES, FunnelBy, MinWage, now_ms};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use panjiyan_core::india_time;
use panjiyan_core::messages::{Lang, Message};
use std::collections::BTreeMap;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/jobs/employers", get(employers_page))
        .route(
            "/jobs/employers/new",
            get(new_employer_form).post(new_employer),
        )
        .route("/jobs/employers/{id}/decide", post(decide_employer))
        .route("/jobs/cell", get(cell))
        .route("/admin/wages", get(wages).post(set_wage))
        .route("/officer/registrations/{id}/consent", post(officer_consent))
        .route("/jobs/mine", get(mine))
        .route("/jobs/mine/code", post(send_mine))
        .route("/jobs/mine/verify", get(verify_mine_page).post(verify_mine))
        .route("/jobs/mine/answer", post(answer_mine))
        .route("/jobs/mine/consent", post(consent_mine))
}

struct EmployerRow {
    id: i64,
    name: String,
    kind: String,
    district: String,
    place: String,
    address: String,
    contact: String,
    ids: String,
    standing: String,
    awaiting: bool,
    refused: String,
    registered: String,
}

#[derive(Template)]
#[template(path = "jobs_employers.html")]
struct EmployersPage {
    frame: Frame,
    rows: Vec<EmployerRow>,
    problem: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct ProblemQuery {
    problem: Option<String>,
}

pub async fn employers_page(
    State(app): State<App>,
    AnyUser(user): AnyUser,
    Query(q): Query<ProblemQuery>,
) -> Result<Response, PageError> {
    if !user.user.role.verifies_employers() {
        return Err(PageError::forbidden());
    }
    let lang = user.lang;
    let mut list = app.db.employers_within(&user.user.jurisdiction).await?;
    list.sort_by_key(|e| e.standing != "awaiting");
    let mut rows = Vec::new();
    for e in list {
        rows.push(EmployerRow {
            kind: t(lang, &format!("page.employer.kind.{}", e.kind)),
            district: place_text(&app, lang, &e.district_code).await?,
            place: place_text(&app, lang, &e.place_code).await?,
            contact: format!("{} · {}", e.contact_name, e.contact_mobile),
            ids: [e.gstin.as_deref(), e.udyam.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            standing: t(lang, &format!("page.jobs.standing.{}", e.standing)),
            awaiting: e.standing == "awaiting",
            refused: e.refused_reason.unwrap_or_default(),
            registered: date_time(e.created_at),
            id: e.id,
            name: e.name,
            address: e.address,
        });
    }
    let page = EmployersPage {
        frame: Frame::titled(&user, "page.jobs.employers.title"),
        rows,
        problem: (q.problem.as_deref() == Some("reason"))
            .then(|| t(lang, "page.jobs.refusal_reason_required")),
    };
    Ok(render(&page)?.into_response())
}

/// District staff register an employer (`/jobs/employers/new`).
pub async fn new_employer_form(
    State(app): State<App>,
    AnyUser(user): AnyUser,
) -> Result<Response, PageError> {
    if !user.user.role.verifies_employers() {
        return Err(PageError::forbidden());
    }
    let page = super::employer::staff_register_page(&app, &user).await?;
    Ok(render(&page)?.into_response())
}

pub async fn new_employer(
    State(app): State<App>,
    AnyForm { user, pairs }: AnyForm,
) -> Result<Response, PageError> {
    if !user.user.role.verifies_employers() {
        return Err(PageError::forbidden());
    }
    super::employer::staff_register(&app, &user, &pairs).await
}

pub async fn decide_employer(
    State(app): State<App>,
    Path(id): Path<i64>,
    AnyForm { user, pairs }: AnyForm,
) -> Result<Response, PageError> {
    if !user.user.role.verifies_employers() {
        return Err(PageError::forbidden());
    }
    let refusal = match form_value(&pairs, "verdict") {
        Some("verify") => None,
        Some("refuse") => Some(form_value(&pairs, "reason").unwrap_or_default()),
        _ => return Err(PageError::not_found()),
    };
    match employers::decide(&app.db, &user.user, id, refusal).await {
        Ok(_) => Ok(see_other("/jobs/employers")),
        Err(e) if e.keys() == ["page.jobs.refusal_reason_required"] => {
            Ok(see_other("/jobs/employers?problem=reason"))
        }
        Err(e) => Err(fault(e)),
    }
}

/// One line of the funnel, as the page shows it and the CSV downloads it.
struct FunnelRow {
    key: String,
    name_hi: String,
    name_en: String,
    stages: [i64; 6],
    mean_days: Option<f64>,
    total: bool,
}

impl FunnelRow {
    fn name(&self, lang: &Lang) -> &str {
        match *lang {
            Lang::Hi => &self.name_hi,
            Lang::En => &self.name_en,
        }
    }

    fn mean_days_text(&self) -> String {
        self.mean_days
            .map_or_else(String::new, |d| format!("{d:.1}"))
    }
}

impl CsvRow for FunnelRow {
    const HEAD: &'static [&'static str] = &[
        "code",
        "name_hi",
        "name_en",
        "registered",
        "consent",
        "shortlisted",
        "offered",
        "accepted",
        "joined",
        "mean_days_to_joining",
    ];

    fn cells(&self) -> Vec<String> {
        let mut cells = vec![self.key.clone(), self.name_hi.clone(), self.name_en.clone()];
        cells.extend(self.stages.iter().map(i64::to_string));
        cells.push(self.mean_days_text());
        cells
    }
}

/// The funnel's lines by `by` within `area`, named, then the area's total.
async fn funnel_rows(app: &App, area: &str, by: FunnelBy) -> Result<Vec<FunnelRow>, PageError> {
    let (lines, total) = funnel::funnel(&app.db, area, by).await?;
    let mut rows = Vec::new();
    for line in lines {
        let (name_hi, name_en) = match by {
            FunnelBy::Trade => (
                trade_name(&line.key, Lang::Hi),
                trade_name(&line.key, Lang::En),
            ),
            _ => (
                place_text(app, Lang::Hi, &line.key).await?,
                place_text(app, Lang::En, &line.key).await?,
            ),
        };
        rows.push(FunnelRow {
            mean_days: line.mean_days_to_join(),
            key: line.key,
            name_hi,
            name_en,
            stages: line.stages,
            total: false,
        });
    }
    rows.push(FunnelRow {
        mean_days: total.mean_days_to_join(),
        key: total.key,
        name_hi: t(Lang::Hi, "page.jobs.cell.total"),
        name_en: t(Lang::En, "page.jobs.cell.total"),
        stages: total.stages,
        total: true,
    });
    Ok(rows)
}

struct UnmatchedRow {
    employer: String,
    trade: String,
    workers: i64,
    place: String,
    closes: String,
}

struct StaleRow {
    employer: String,
    trade: String,
    state_key: String,
    sent: String,
    unit: String,
}

#[derive(Template)]
#[template(path = "jobs_cell.html")]
struct CellPage {
    frame: Frame,
    by: &'static str,
    awaiting: Vec<(String, String)>,
    unmatched: Vec<UnmatchedRow>,
    /// Trades short of workers: (trade, requirements, workers wanted).
    short: Vec<(String, i64, i64)>,
    stale: Vec<StaleRow>,
    offices: Vec<crate::storage::OfficeUsage>,
    /// Block usage, each with the block's name.
    blocks: Vec<(String, crate::storage::BlockUsage)>,
    funnel: Vec<FunnelRow>,
    /// The funnel's stages: (stage, its heading's key).
    stages: Vec<(&'static str, String)>,
    by_key: &'static str,
    chart: String,
}

#[derive(serde::Deserialize, Default)]
pub struct CellQuery {
    by: Option<String>,
    format: Option<String>,
}

pub async fn cell(
    State(app): State<App>,
    AnyUser(user): AnyUser,
    Query(q): Query<CellQuery>,
) -> Result<Response, PageError> {
    if !user.user.role.reads_job_cell() {
        return Err(PageError::forbidden());
    }
    let (lang, area) = (user.lang, user.user.jurisdiction.clone());
    let (by, name) = match q.by.as_deref() {
        Some("block") => (FunnelBy::Block, "block"),
        Some("trade") => (FunnelBy::Trade, "trade"),
        _ => (FunnelBy::District, "district"),
    };
    let funnel = funnel_rows(&app, &area, by).await?;
    if q.format.as_deref() == Some("csv") {
        return Ok(csv_of(&format!("funnel-{area}-{name}.csv"), &funnel));
    }
    let total = funnel.last().map_or([0; 6], |r| r.stages);
    let bars: Vec<(String, i64)> = FUNNEL_STAGES
        .iter()
        .zip(total)
        .map(|(s, n)| (t(lang, &format!("page.jobs.stage.{s}")), n))
        .collect();
    let (unmatched, short) = unmatched(&app, lang, &area).await?;
    let mut blocks = Vec::new();
    for b in app.db.usage_by_block(&area).await? {
        blocks.push((place_text(&app, lang, &b.block_code).await?, b));
    }
    let page = CellPage {
        offices: app.db.usage_by_office(&area).await?,
        blocks,
        frame: Frame::titled(&user, "page.jobs.cell.title"),
        by: name,
        awaiting: app
            .db
            .employers_within(&area)
            .await?
            .into_iter()
            .filter(|e| e.standing == "awaiting")
            .map(|e| (e.name, date_time(e.created_at)))
            .collect(),
        stale: stale_rows(&app, lang, &area).await?,
        chart: daily_bars(&bars, &t(lang, "page.jobs.cell.chart")),
        stages: FUNNEL_STAGES
            .iter()
            .map(|s| (*s, format!("page.jobs.stage.{s}")))
            .collect(),
        by_key: match by {
            FunnelBy::District => "page.jobs.cell.by_district",
            FunnelBy::Block => "page.jobs.cell.by_block",
            FunnelBy::Trade => "page.jobs.cell.by_trade",
        },
        unmatched,
        short,
        funnel,
    };
    Ok(render(&page)?.into_response())
}

/// Open requirements of `area` nobody would be shortlisted for, and the trades they lack.
async fn unmatched(
    app: &App,
    lang: Lang,
    area: &str,
) -> Result<(Vec<UnmatchedRow>, Vec<(String, i64, i64)>), PageError> {
    let today = india_time::india_day(now_ms());
    let (mut rows, mut short) = (Vec::new(), BTreeMap::<String, (i64, i64)>::new());
    for line in app.db.requirements_within(area, today).await? {
        let r = &line.requirement;
        if r.closes_on < today || !matching::candidates(&app.db, r).await?.is_empty() {
            continue;
        }
        let trade = trade_name(&r.trade_code, lang);
        let s = short.entry(trade.clone()).or_default();
        *s = (s.0 + 1, s.1 + r.workers);
        rows.push(UnmatchedRow {
            employer: line.employer_name.clone(),
            trade,
            workers: r.workers,
            place: place_text(app, lang, &r.place_code).await?,
            closes: day_text(r.closes_on),
        });
    }
    Ok((
        rows,
        short.into_iter().map(|(t, (n, w))| (t, n, w)).collect(),
    ))
}

async fn stale_rows(app: &App, lang: Lang, area: &str) -> Result<Vec<StaleRow>, PageError> {
    let mut rows = Vec::new();
    for line in offers::stale(&app.db, area).await? {
        rows.push(StaleRow {
            employer: line.employer_name,
            trade: trade_name(&line.trade_code, lang),
            state_key: format!("page.employer.offer_state.{}", line.offer.state),
            sent: date_time(line.offer.sent_at),
            unit: place_text(app, lang, &line.unit_code).await?,
        });
    }
    Ok(rows)
}

struct WageRow {
    trade: String,
    from: String,
    rupees: i64,
}

#[derive(Template)]
#[template(path = "jobs_wages.html")]
struct WagesPage {
    frame: Frame,
    rows: Vec<WageRow>,
    trades: Vec<(String, String)>,
    typed: (String, String, String),
    problems: Problems,
}

async fn wages_page(
    app: &App,
    user: &PageUser,
    typed: (String, String, String),
    problems: Problems,
) -> Result<WagesPage, PageError> {
    if user.user.role != Role::StateAdmin {
        return Err(PageError::forbidden());
    }
    let mut rows = Vec::new();
    for w in app.db.min_wages(&user.user.jurisdiction).await? {
        rows.push(WageRow {
            trade: trade_name(&w.trade_code, user.lang),
            from: day_text(w.from_day),
            rupees: w.daily_rupees,
        });
    }
    Ok(WagesPage {
        frame: Frame::titled(user, "page.jobs.wages.title"),
        trades: trades(user.lang),
        rows,
        typed,
        problems,
    })
}

pub async fn wages(State(app): State<App>, user: PageUser) -> Result<Response, PageError> {
    let today = day_iso(india_time::india_day(now_ms()));
    let page = wages_page(
        &app,
        &user,
        (String::new(), today, String::new()),
        Problems::none(),
    );
    Ok(render(&page.await?)?.into_response())
}

pub async fn set_wage(
    State(app): State<App>,
    PostedForm { user, pairs }: PostedForm,
) -> Result<Response, PageError> {
    if user.user.role != Role::StateAdmin {
        return Err(PageError::forbidden());
    }
    let v = |name: &str| {
        form_value(&pairs, name)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let typed = (v("trade_code"), v("from_on"), v("daily_rupees"));
    let mut problems = Vec::new();
    if !trades(Lang::En).iter().any(|(c, _)| *c == typed.0) {
        problems.push(Problem::new("trade_code", "page.jobs.trade_unknown"));
    }
    let from = parse_day(&typed.1);
    if from.is_none() {
        problems.push(Problem::new("from_on", "page.employer.date_invalid"));
    }
    let rupees = typed
        .2
        .parse::<i64>()
        .ok()
        .filter(|r| (1..=100_000).contains(r));
    if rupees.is_none() {
        problems.push(
            Problem::new("daily_rupees", "page.jobs.number_out_of_range")
                .with("min", 1)
                .with("max", 100_000),
        );
    }
    let (Some(from_day), Some(daily_rupees), true) = (from, rupees, problems.is_empty()) else {
        let page = wages_page(&app, &user, typed, Problems::of(user.lang, problems)).await?;
        return Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response());
    };
    let wage = MinWage {
        state_code: user.user.jurisdiction.clone(),
        trade_code: typed.0,
        from_day,
        daily_rupees,
    };
    app.db
        .set_min_wage(&wage, Some(user.user.id), now_ms())
        .await?;
    Ok(see_other("/admin/wages"))
}

pub async fn officer_consent(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { user, pairs }: PostedForm,
) -> Result<Response, PageError> {
    let reg = crate::api::decisions::visible(&app, &user.user, &id).await?;
    let give = form_value(&pairs, "consent") == Some("1");
    set_consent(&app.db, &reg.member_id, give, ConsentChannel::Officer)
        .await
        .map_err(fault)?;
    Ok(see_other(&format!("/officer/registrations/{id}")))
}

/// A worker's consent as a page shows it: given (when, how) or not.
pub(crate) fn consent_text(lang: Lang, seeker: &crate::storage::JobSeeker) -> String {
    match (seeker.consent_at, seeker.consent_channel.as_deref()) {
        (Some(at), Some(channel)) => tm(
            lang,
            Message::new("page.jobs.consent.given")
                .with("date", date_time(at))
                .with(
                    "channel",
                    t(lang, &format!("page.jobs.consent_channel.{channel}")),
                ),
        ),
        _ => t(lang, "page.jobs.consent.not_given"),
    }
}

struct MineOffer {
    id: String,
    employer: String,
    trade: String,
    wage: String,
    place: String,
    starts: String,
    state_key: String,
    open: bool,
}

#[derive(Template)]
#[template(path = "jobs_mine.html")]
struct MinePage {
    frame: Frame,
    csrf: String,
    offers: Vec<MineOffer>,
    /// In the register: whether consent is given, and the words for it.
    consent: Option<(bool, String)>,
    problem: Option<String>,
}

/// What answering may be refused for on the worker's page (`page.jobs.*`).
const MINE_PROBLEMS: [&str; 3] = ["already_holding", "offer_already_answered", "offer_unknown"];

pub async fn mine(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<ProblemQuery>,
) -> Response {
    let lang = chosen_lang(&headers);
    if cookie(&headers, WORKER_COOKIE).is_none() {
        return answer(StatusCode::OK, &code_page(Purpose::Jobs, lang));
    }
    let (proven, token) = match proven(&app, &headers, Purpose::Jobs).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let problem = MINE_PROBLEMS
        .iter()
        .find(|p| q.problem.as_deref() == Some(**p))
        .map(|p| t(lang, &format!("page.jobs.{p}")));
    match mine_page(&app, lang, &proven.member_id, &token, problem).await {
        Ok(page) => answer(StatusCode::OK, &page),
        Err(e) => e.into_response(),
    }
}

async fn mine_page(
    app: &App,
    lang: Lang,
    member: &str,
    token: &str,
    problem: Option<String>,
) -> Result<MinePage, PageError> {
    let mut offers = Vec::new();
    for line in app.db.offers_to(member).await? {
        offers.push(MineOffer {
            employer: line.employer_name,
            trade: trade_name(&line.trade_code, lang),
            wage: count(line.daily_rupees),
            place: place_text(app, lang, &line.work_place).await?,
            starts: day_text(line.starts_on),
            state_key: format!("page.employer.offer_state.{}", line.offer.state),
            open: line.offer.state == "sent",
            id: line.offer.id,
        });
    }
    let consent = app
        .db
        .job_seeker(member)
        .await?
        .map(|s| (s.consent_at.is_some(), consent_text(lang, &s)));
    Ok(MinePage {
        frame: Frame::new(lang, None, t(lang, "page.jobs.mine.title")),
        csrf: csrf_token(token),
        offers,
        consent,
        problem,
    })
}

pub async fn send_mine(
    State(app): State<App>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    super::worker::send(app, Purpose::Jobs, client, headers, body).await
}

pub async fn verify_mine_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    let lang = chosen_lang(&headers);
    super::worker::verify_page(app, Purpose::Jobs, lang, q.c, None, StatusCode::OK).await
}

pub async fn verify_mine(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    super::worker::verify(app, Purpose::Jobs, headers, body).await
}

/// The worker's session and form, the form token checked.
async fn worker_form(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, Vec<(String, String)>), Response> {
    let (proven, token) = proven(app, headers, Purpose::Jobs).await?;
    let pairs = form_pairs(body);
    if form_value(&pairs, "csrf") != Some(csrf_token(&token).as_str()) {
        return Err(PageError::expired().into_response());
    }
    Ok((proven.member_id, pairs))
}

pub async fn answer_mine(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let (member, pairs) = match worker_form(&app, &headers, &body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let id = form_value(&pairs, "offer").unwrap_or_default();
    let accept = form_value(&pairs, "answer") == Some("yes");
    let theirs = match app.db.offers_to(&member).await {
        Ok(o) => o.iter().any(|o| o.offer.id == id),
        Err(e) => return PageError::from(e).into_response(),
    };
    if !theirs {
        return see_other("/jobs/mine?problem=offer_unknown");
    }
    match offers::answer(&app.db, id, accept, Via::Web).await {
        Ok(_) => see_other("/jobs/mine"),
        Err(RozgarError::Refused(p)) => {
            let key = p.first().map_or("", |p| p.message.key.as_str());
            see_other(&format!(
                "/jobs/mine?problem={}",
                key.trim_start_matches("page.jobs.")
            ))
        }
        Err(e) => fault(e).into_response(),
    }
}

pub async fn consent_mine(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let (member, pairs) = match worker_form(&app, &headers, &body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let give = form_value(&pairs, "consent") == Some("1");
    match set_consent(&app.db, &member, give, ConsentChannel::Worker).await {
        Ok(_) => see_other("/jobs/mine"),
        Err(e) => fault(e).into_response(),
    }
}
