//! The employer's own pages (Rozgar Setu): its requirements, posting one, a requirement's
//! ranked shortlist (no contact details, no Samagra member ID: a row's form value is its rank
//! with a keyed token the server maps back), offers sent from it, the worker's mobile once
//! they accepted, and joining; and self-registration after an SMS code to the contact's
//! mobile. Nothing of workers is shown to an employer awaiting verification.

use super::session::{AnyForm, AnyUser};
use super::worker::{CodeQuery, answer, code_page, proven};
use super::{
    Frame, PageError, PageUser, chosen_lang, csrf_token, day_iso, day_text, form_pairs, form_value,
    parse_day, render, see_other, t, tm,
};
use crate::app::App;
use crate::client_addr::ClientAddr;
use crate::codes::Purpose;
use crate::roles::Role;
use crate::rozgar::employers::{self, EmployerForm};
use crate::rozgar::offers::{self, Via};
use crate::rozgar::requirements::{self, RequirementForm};
use crate::rozgar::{EMPLOYER_KINDS, Problem, RozgarError, matching, trade_name};
use crate::storage::{Employer, Requirement, StorageError};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/employer", get(home))
        .route(
            "/employer/requirements/new",
            get(new_requirement).post(post_requirement),
        )
        .route("/employer/requirements/{id}", get(requirement))
        .route("/employer/requirements/{id}/offers", post(send_offers))
        .route("/employer/requirements/{id}/join", post(record_joining))
        .route("/employer/register", get(ask_register))
        .route("/employer/register/code", post(send_register))
        .route(
            "/employer/register/verify",
            get(verify_register_page).post(verify_register),
        )
        .route("/employer/register/form", get(register_form).post(register))
}

/// What a Rozgar Setu step that failed answers on a page: a fault of ours is a 5xx.
pub(crate) fn fault(e: RozgarError) -> PageError {
    match e {
        RozgarError::Storage(e) => e.into(),
        RozgarError::Refused(_) => PageError::not_found(),
    }
}

/// A place's name in `lang`, or its code.
pub(crate) async fn place_text(app: &App, lang: Lang, code: &str) -> Result<String, PageError> {
    Ok(app.db.place(code).await?.map_or_else(
        || code.to_owned(),
        |p| super::place_name(lang, &p).to_owned(),
    ))
}

/// The occupation list as (code, name in `lang`).
pub(crate) fn trades(lang: Lang) -> Vec<(String, String)> {
    OccupationList::builtin()
        .categories
        .iter()
        .map(|o| (o.code.clone(), o.name(lang).to_owned()))
        .collect()
}

#[derive(Template)]
#[template(path = "employer_awaiting.html")]
struct AwaitingPage {
    frame: Frame,
    text: String,
    refused: Option<String>,
}

/// The verified employer `user` signs in for; an unverified one gets the page saying it
/// awaits verification (and nothing of workers); any other role is refused.
async fn verified(app: &App, user: &PageUser) -> Result<Result<Employer, Response>, PageError> {
    if user.user.role != Role::Employer {
        return Err(PageError::forbidden());
    }
    match employers::verified_employer_of(&app.db, &user.user).await {
        Ok(e) => Ok(Ok(e)),
        Err(e) if e.keys() == ["page.jobs.employer_not_verified"] => {
            let id = app.db.employer_of_user(user.user.id).await?;
            let employer = match id {
                Some(id) => app.db.employer(id).await?,
                None => None,
            };
            let employer = employer.ok_or(PageError::forbidden())?;
            let key = match employer.refused_reason {
                Some(_) => "page.employer.awaiting.refused",
                None => "page.employer.awaiting.text",
            };
            let page = AwaitingPage {
                frame: Frame::titled(user, "page.employer.awaiting.title"),
                text: tm(user.lang, Message::new(key).with("name", &employer.name)),
                refused: employer.refused_reason,
            };
            Ok(Err(render(&page)?.into_response()))
        }
        Err(RozgarError::Refused(_)) => Err(PageError::forbidden()),
        Err(RozgarError::Storage(e)) => Err(e.into()),
    }
}

/// `verified`, or return the page it answered.
macro_rules! verified_or_return {
    ($app:expr, $user:expr) => {
        match verified($app, $user).await? {
            Ok(e) => e,
            Err(page) => return Ok(page),
        }
    };
}

/// One of the employer's requirements as its list shows it.
struct RequirementRow {
    id: i64,
    trade: String,
    workers: i64,
    wage: i64,
    place: String,
    starts: String,
    closes: String,
    duration: i64,
    offered: i64,
    accepted: i64,
    joined: i64,
}

#[derive(Template)]
#[template(path = "employer_home.html")]
struct HomePage {
    frame: Frame,
    name: String,
    rows: Vec<RequirementRow>,
}

pub async fn home(State(app): State<App>, AnyUser(user): AnyUser) -> Result<Response, PageError> {
    let employer = verified_or_return!(&app, &user);
    let lang = user.lang;
    let mut rows = Vec::new();
    for line in app.db.requirements_of(employer.id).await? {
        let r = &line.requirement;
        rows.push(RequirementRow {
            id: r.id,
            trade: trade_name(&r.trade_code, lang),
            workers: r.workers,
            wage: r.daily_rupees,
            place: place_text(&app, lang, &r.place_code).await?,
            starts: day_text(r.starts_on),
            closes: day_text(r.closes_on),
            duration: r.duration_days,
            offered: line.offered,
            accepted: line.accepted,
            joined: line.joined,
        });
    }
    let page = HomePage {
        frame: Frame::titled(&user, "page.employer.home.title"),
        name: employer.name,
        rows,
    };
    Ok(render(&page)?.into_response())
}

/// Each field's problem in words, and the problems of the whole form.
pub(crate) struct Problems {
    by_field: Vec<(&'static str, String)>,
}

impl Problems {
    pub(crate) fn none() -> Self {
        Self {
            by_field: Vec::new(),
        }
    }

    pub(crate) fn of(lang: Lang, problems: Vec<Problem>) -> Self {
        Self {
            by_field: problems
                .into_iter()
                .map(|p| (p.field, tm(lang, p.message)))
                .collect(),
        }
    }

    /// The words for `field` ("" for the whole form), if it has a problem.
    pub(crate) fn get(&self, field: &str) -> Option<String> {
        let all: Vec<&str> = self
            .by_field
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect();
        (!all.is_empty()).then(|| all.join(" "))
    }

    pub(crate) fn any(&self) -> bool {
        !self.by_field.is_empty()
    }
}

#[derive(Template)]
#[template(path = "employer_requirement_form.html")]
struct RequirementFormPage {
    frame: Frame,
    trades: Vec<(String, String)>,
    typed: RequirementForm,
    problems: Problems,
}

pub async fn new_requirement(
    State(app): State<App>,
    AnyUser(user): AnyUser,
) -> Result<Response, PageError> {
    let employer = verified_or_return!(&app, &user);
    let page = RequirementFormPage {
        frame: Frame::titled(&user, "page.employer.post.title"),
        trades: trades(user.lang),
        typed: RequirementForm {
            place_code: employer.place_code,
            ..RequirementForm::default()
        },
        problems: Problems::none(),
    };
    Ok(render(&page)?.into_response())
}

fn requirement_form(pairs: &[(String, String)]) -> RequirementForm {
    let v = |name: &str| {
        form_value(pairs, name)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    RequirementForm {
        trade_code: v("trade_code"),
        workers: v("workers"),
        daily_rupees: v("daily_rupees"),
        place_code: v("place_code"),
        starts_on: v("starts_on"),
        duration_days: v("duration_days"),
        closes_on: v("closes_on"),
        food: form_value(pairs, "food").is_some(),
        stay: form_value(pairs, "stay").is_some(),
    }
}

pub async fn post_requirement(
    State(app): State<App>,
    AnyForm { user, pairs }: AnyForm,
) -> Result<Response, PageError> {
    let employer = verified_or_return!(&app, &user);
    let typed = requirement_form(&pairs);
    match requirements::post(&app.db, &employer, &typed, user.user.id).await {
        Ok(id) => Ok(see_other(&format!("/employer/requirements/{id}"))),
        Err(RozgarError::Refused(problems)) => {
            let page = RequirementFormPage {
                frame: Frame::titled(&user, "page.employer.post.title"),
                trades: trades(user.lang),
                typed,
                problems: Problems::of(user.lang, problems),
            };
            Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response())
        }
        Err(e) => Err(fault(e)),
    }
}

/// The employer's own requirement `id`; another's is not found.
async fn own_requirement(
    app: &App,
    employer: &Employer,
    id: i64,
) -> Result<Requirement, PageError> {
    match app.db.requirement(id).await? {
        Some(r) if r.employer_id == employer.id => Ok(r),
        _ => Err(PageError::not_found()),
    }
}

/// The form value standing for a worker of a shortlist: a keyed hash of the requirement and
/// the member, so the page never carries the member ID and a value cannot be made up.
fn row_token(app: &App, requirement: i64, member: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, app.pack_key.pkcs8());
    let tag = ring::hmac::sign(&key, format!("shortlist|{requirement}|{member}").as_bytes());
    panjiyan_core::keys::to_hex(&tag.as_ref()[..12])
}

struct ShortRow {
    rank: i64,
    value: String,
    trade: String,
    block: String,
    experience: i64,
    reasons: String,
}

struct OfferRow {
    number: usize,
    id: String,
    state_key: String,
    sent: String,
    answered: String,
    name: String,
    contact: Option<String>,
    joined: String,
    can_join: bool,
}

/// A worker left out of the offers just sent: their rank on the shortlist, and why.
struct LeftOut {
    rank: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "employer_requirement.html")]
struct RequirementPage {
    frame: Frame,
    id: i64,
    summary: RequirementRow,
    shortlist: Vec<ShortRow>,
    offers: Vec<OfferRow>,
    sent: Option<String>,
    left_out: Vec<LeftOut>,
    problem: Option<String>,
    today: String,
}

#[derive(serde::Deserialize, Default)]
pub struct AfterQuery {
    sent: Option<usize>,
    left: Option<String>,
    problem: Option<String>,
}

/// Why a worker was left out, the last part of its key (`page.jobs.left_out.*`).
const LEFT_OUT: [&str; 4] = [
    "already_offered",
    "no_consent",
    "not_available",
    "not_in_register",
];
/// What recording a joining may be refused for, and the words for it.
const JOIN_PROBLEMS: [(&str, &str); 3] = [
    ("joined_in_future", "page.jobs.joined_in_future"),
    ("join_needs_acceptance", "page.jobs.join_needs_acceptance"),
    ("joined_date_invalid", "page.employer.joined_date_invalid"),
];

pub async fn requirement(
    State(app): State<App>,
    AnyUser(user): AnyUser,
    Path(id): Path<i64>,
    Query(q): Query<AfterQuery>,
) -> Result<Response, PageError> {
    let employer = verified_or_return!(&app, &user);
    let lang = user.lang;
    let r = own_requirement(&app, &employer, id).await?;
    let ranked = matching::shortlist(&app.db, &r, lang)
        .await
        .map_err(fault)?;
    let mut shortlist = Vec::new();
    for x in &ranked {
        shortlist.push(ShortRow {
            rank: x.rank,
            value: format!(
                "{}-{}",
                x.rank,
                row_token(&app, r.id, &x.candidate.member_id)
            ),
            trade: trade_name(&x.candidate.trade_code, lang),
            block: place_text(&app, lang, &x.candidate.block_code).await?,
            experience: x.candidate.experience_years,
            reasons: x.reasons_text(lang),
        });
    }
    let left_out = q.left.as_deref().unwrap_or_default().split(',');
    let page = RequirementPage {
        summary: summary_row(&app, lang, &r).await?,
        offers: offer_rows(&app, lang, &r).await?,
        sent: q.sent.map(|n| {
            tm(
                lang,
                Message::new("page.employer.offers_sent").with("count", n),
            )
        }),
        left_out: left_out
            .filter_map(|l| l.split_once('.'))
            .filter(|(rank, why)| LEFT_OUT.contains(why) && rank.parse::<i64>().is_ok())
            .map(|(rank, why)| LeftOut {
                rank: rank.to_owned(),
                reason: t(lang, &format!("page.jobs.left_out.{why}")),
            })
            .collect(),
        problem: JOIN_PROBLEMS
            .iter()
            .find(|(p, _)| q.problem.as_deref() == Some(*p))
            .map(|(_, key)| t(lang, key)),
        today: day_iso(panjiyan_core::india_time::india_day(
            crate::storage::now_ms(),
        )),
        frame: Frame::titled(&user, "page.employer.requirement.title"),
        id,
        shortlist,
    };
    Ok(render(&page)?.into_response())
}

async fn summary_row(app: &App, lang: Lang, r: &Requirement) -> Result<RequirementRow, PageError> {
    let offers = app.db.offers_for(r.id).await?;
    let count = |states: &[&str]| {
        offers
            .iter()
            .filter(|o| states.contains(&o.offer.state.as_str()))
            .count() as i64
    };
    Ok(RequirementRow {
        id: r.id,
        trade: trade_name(&r.trade_code, lang),
        workers: r.workers,
        wage: r.daily_rupees,
        place: place_text(app, lang, &r.place_code).await?,
        starts: day_text(r.starts_on),
        closes: day_text(r.closes_on),
        duration: r.duration_days,
        offered: offers.len() as i64,
        accepted: count(&["accepted", "joined"]),
        joined: count(&["joined"]),
    })
}

/// The offers of `r`; a worker's name and mobile only once they accepted.
async fn offer_rows(app: &App, lang: Lang, r: &Requirement) -> Result<Vec<OfferRow>, PageError> {
    let mut rows = Vec::new();
    for (i, line) in app.db.offers_for(r.id).await?.into_iter().enumerate() {
        let o = line.offer;
        let contact = offers::contact_for(&app.db, &o).await?;
        let name = match &contact {
            Some(_) => app
                .db
                .member_record(&o.member_id)
                .await?
                .map(|(_, m)| match lang {
                    Lang::Hi => m.name_hi,
                    Lang::En => m.name_en,
                })
                .unwrap_or_default(),
            None => String::new(),
        };
        rows.push(OfferRow {
            number: i + 1,
            state_key: format!("page.employer.offer_state.{}", o.state),
            sent: super::date_time(o.sent_at),
            answered: o.answered_at.map(super::date_time).unwrap_or_default(),
            joined: o.joined_on.map(day_text).unwrap_or_default(),
            can_join: o.state == "accepted",
            id: o.id,
            name,
            contact,
        });
    }
    Ok(rows)
}

pub async fn send_offers(
    State(app): State<App>,
    Path(id): Path<i64>,
    AnyForm { user, pairs }: AnyForm,
) -> Result<Response, PageError> {
    let employer = verified_or_return!(&app, &user);
    let r = own_requirement(&app, &employer, id).await?;
    let token = |m: &str| row_token(&app, r.id, m);
    let now: Vec<String> = matching::candidates(&app.db, &r)
        .await?
        .into_iter()
        .map(|c| c.member_id)
        .collect();
    let offered: Vec<String> = app
        .db
        .offers_for(r.id)
        .await?
        .into_iter()
        .map(|o| o.offer.member_id)
        .collect();
    let (mut chosen, mut left, mut rank_of) = (Vec::new(), Vec::new(), Vec::new());
    for (rank, value) in pairs
        .iter()
        .filter(|(k, _)| k == "row")
        .filter_map(|(_, v)| v.split_once('-'))
    {
        if let Some(m) = now.iter().find(|m| token(m) == value) {
            chosen.push(m.clone());
            rank_of.push((m.clone(), rank.to_owned()));
        } else if offered.iter().any(|m| token(m) == value) {
            left.push(format!("{rank}.already_offered"));
        } else {
            left.push(format!("{rank}.not_available"));
        }
    }
    let sent = offers::send(&app.db, &employer, &r, &chosen, user.user.id)
        .await
        .map_err(fault)?;
    for (member, key) in &sent.left_out {
        let rank = rank_of.iter().find(|(m, _)| m == member).map(|x| &x.1);
        let why = key.rsplit('.').next().unwrap_or_default();
        left.push(format!("{}.{why}", rank.cloned().unwrap_or_default()));
    }
    Ok(see_other(&format!(
        "/employer/requirements/{id}?sent={}&left={}",
        sent.sent.len(),
        left.join(",")
    )))
}

pub async fn record_joining(
    State(app): State<App>,
    Path(id): Path<i64>,
    AnyForm { user, pairs }: AnyForm,
) -> Result<Response, PageError> {
    let employer = verified_or_return!(&app, &user);
    let r = own_requirement(&app, &employer, id).await?;
    let offer = form_value(&pairs, "offer").unwrap_or_default();
    if !app
        .db
        .offers_for(r.id)
        .await?
        .iter()
        .any(|o| o.offer.id == offer)
    {
        return Err(PageError::not_found());
    }
    let back = |p: &str| see_other(&format!("/employer/requirements/{id}?problem={p}"));
    let Some(day) = form_value(&pairs, "joined_on").and_then(|d| parse_day(d.trim())) else {
        return Ok(back("joined_date_invalid"));
    };
    match offers::join(&app.db, offer, day, Via::Staff).await {
        Ok(_) => Ok(see_other(&format!("/employer/requirements/{id}"))),
        Err(RozgarError::Refused(p)) => {
            let key = p.first().map_or("", |p| p.message.key.as_str());
            Ok(back(key.trim_start_matches("page.jobs.")))
        }
        Err(e) => Err(fault(e)),
    }
}

pub async fn ask_register(headers: HeaderMap) -> Response {
    let page = code_page(Purpose::EmployerRegistration, chosen_lang(&headers));
    answer(StatusCode::OK, &page)
}

pub async fn send_register(
    State(app): State<App>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    super::worker::send(app, Purpose::EmployerRegistration, client, headers, body).await
}

pub async fn verify_register_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    let lang = chosen_lang(&headers);
    let purpose = Purpose::EmployerRegistration;
    super::worker::verify_page(app, purpose, lang, q.c, None, StatusCode::OK).await
}

pub async fn verify_register(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    super::worker::verify(app, Purpose::EmployerRegistration, headers, body).await
}

/// What the employer typed, kept when the form is shown again.
#[derive(Default)]
pub(crate) struct TypedEmployer {
    form: EmployerForm,
    district: String,
    username: String,
}

impl TypedEmployer {
    /// The posted form's fields; the contact's mobile is `proven` when an SMS code proved it.
    fn of(pairs: &[(String, String)], proven: Option<&str>) -> Self {
        let v = |name: &str| {
            form_value(pairs, name)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        TypedEmployer {
            form: EmployerForm {
                kind: v("kind"),
                name: v("name"),
                gstin: v("gstin").to_uppercase(),
                udyam: v("udyam").to_uppercase(),
                place_code: v("place_code"),
                address: v("address"),
                contact_name: v("contact_name"),
                contact_mobile: proven.map_or_else(|| v("contact_mobile"), str::to_owned),
            },
            district: v("district"),
            username: v("username"),
        }
    }
}

/// Staff register the employer `pairs` describe, awaiting verification like any other, with
/// the sign-in they chose for it: the page again, saying so or naming each problem.
pub(crate) async fn staff_register(
    app: &App,
    user: &super::PageUser,
    pairs: &[(String, String)],
) -> Result<Response, PageError> {
    let mut page = staff_register_page(app, user).await?;
    page.typed = TypedEmployer::of(pairs, None);
    let password = form_value(pairs, "password").unwrap_or_default();
    match register_checked(app, &page, password, Some(user.user.id)).await {
        Ok(()) => {
            tracing::info!(staff = user.user.id, "employer registered by staff");
            page.done = Some(t(user.lang, "page.employer.register.done_by_staff"));
            Ok(answer(StatusCode::OK, &page))
        }
        Err(RozgarError::Refused(problems)) => {
            page.problems = Problems::of(user.lang, problems);
            Ok(answer(StatusCode::BAD_REQUEST, &page))
        }
        Err(RozgarError::Storage(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "employer_register.html")]
pub(crate) struct RegisterPage {
    frame: Frame,
    /// Where the form posts: the employer's own registration, or district staff's.
    action: &'static str,
    csrf: String,
    /// The contact's mobile the SMS code proved; `None` when staff type it.
    mobile: Option<String>,
    kinds: Vec<(&'static str, String)>,
    districts: Vec<(String, String)>,
    typed: TypedEmployer,
    problems: Problems,
    done: Option<String>,
}

/// The registration form of the employer whose mobile the session proved.
async fn register_page(
    app: &App,
    lang: Lang,
    token: &str,
    mobile: String,
) -> Result<RegisterPage, StorageError> {
    let mut page = employer_form_page(app, lang, None).await?;
    page.csrf = csrf_token(token);
    page.mobile = Some(mobile);
    Ok(page)
}

/// The form staff register an employer with: districts of their own area only, the
/// contact's mobile typed.
pub(crate) async fn staff_register_page(
    app: &App,
    user: &super::PageUser,
) -> Result<RegisterPage, StorageError> {
    let frame = Frame::titled(user, "page.employer.register.title");
    let mut page = employer_form_page(app, user.lang, Some(&user.user.jurisdiction)).await?;
    page.action = "/jobs/employers/new";
    page.csrf = frame.csrf().to_owned();
    page.frame = frame;
    Ok(page)
}

/// The employer form in `lang`, its districts those within `area` (all when `None`).
async fn employer_form_page(
    app: &App,
    lang: Lang,
    area: Option<&str>,
) -> Result<RegisterPage, StorageError> {
    let mut districts = Vec::new();
    let tops = match area {
        Some(area) => app.db.place(area).await?.into_iter().collect(),
        None => app.db.root_places().await?,
    };
    for top in tops {
        for d in app
            .db
            .places_at_levels(top.code.as_str(), &["district"])
            .await?
        {
            districts.push((d.code.to_string(), super::place_name(lang, &d).to_owned()));
        }
    }
    Ok(RegisterPage {
        frame: Frame::new(lang, None, t(lang, "page.employer.register.title")),
        action: "/employer/register/form",
        csrf: String::new(),
        mobile: None,
        kinds: EMPLOYER_KINDS
            .iter()
            .map(|k| (*k, t(lang, &format!("page.employer.kind.{k}"))))
            .collect(),
        districts,
        typed: TypedEmployer::default(),
        problems: Problems::none(),
        done: None,
    })
}

pub async fn register_form(State(app): State<App>, headers: HeaderMap) -> Response {
    let (proven, token) = match proven(&app, &headers, Purpose::EmployerRegistration).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match register_page(&app, chosen_lang(&headers), &token, proven.mobile).await {
        Ok(page) => answer(StatusCode::OK, &page),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// The username and password of the employer's sign-in, checked.
fn sign_in_problems(username: &str, password: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let fine = (3..=40).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if !fine {
        out.push(Problem::new("username", "page.employer.username_invalid"));
    }
    if password.chars().count() < 10 {
        out.push(Problem::new("password", "page.employer.password_short"));
    }
    out
}

pub async fn register(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = chosen_lang(&headers);
    let (proven, token) = match proven(&app, &headers, Purpose::EmployerRegistration).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let pairs = form_pairs(&body);
    if form_value(&pairs, "csrf") != Some(csrf_token(&token).as_str()) {
        return PageError::expired().into_response();
    }
    let mut page = match register_page(&app, lang, &token, proven.mobile.clone()).await {
        Ok(p) => p,
        Err(e) => return PageError::from(e).into_response(),
    };
    page.typed = TypedEmployer::of(&pairs, Some(&proven.mobile));
    let password = form_value(&pairs, "password").unwrap_or_default();
    match register_checked(&app, &page, password, None).await {
        Ok(()) => {
            let _ = crate::codes::end_session(&app, &token).await;
            page.done = Some(t(lang, "page.employer.register.done"));
            answer(StatusCode::OK, &page)
        }
        Err(RozgarError::Refused(problems)) => {
            page.problems = Problems::of(lang, problems);
            answer(StatusCode::BAD_REQUEST, &page)
        }
        Err(RozgarError::Storage(e)) => PageError::from(e).into_response(),
    }
}

/// Checks the form (the district among the page's, the employer's details, the sign-in)
/// and registers the employer, awaiting verification; `staff` registered it, if anyone.
async fn register_checked(
    app: &App,
    page: &RegisterPage,
    password: &str,
    staff: Option<i64>,
) -> Result<(), RozgarError> {
    let typed = &page.typed;
    let mut problems = sign_in_problems(&typed.username, password);
    if !page.districts.iter().any(|(c, _)| *c == typed.district) {
        problems.push(Problem::new("district", "page.employer.district_unknown"));
    }
    let checked = match employers::check(&app.db, &typed.form, &typed.district).await {
        Ok(c) if problems.is_empty() => c,
        Ok(_) => return Err(RozgarError::Refused(problems)),
        Err(RozgarError::Refused(more)) => {
            problems.extend(more);
            return Err(RozgarError::Refused(problems));
        }
        Err(e) => return Err(e),
    };
    let hash = crate::auth::hash_password(password);
    employers::register(&app.db, &checked, &typed.username, &hash, staff).await?;
    Ok(())
}
