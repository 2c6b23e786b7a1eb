//! The worker's own pages: registering themselves (`/self`) and downloading their registration
//! card (`/card`), each after a code by SMS (`crate::codes`). Mobile-first and Hindi first,
//! with no script: a cheap phone's browser with JavaScript off works. What the code proved (the
//! member ID and the mobile number) is all a session holds; it lasts 30 minutes.

use super::{
    Frame, PageError, chosen_lang, cookie, csrf_token, form_pairs, form_value, render, see_other,
    t, tm,
};
use crate::app::App;
use crate::client_addr::ClientAddr;
use crate::codes::{CodeError, Proven, Purpose};
use crate::self_service::{FamilyRecord, Submitted};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{ApplicantFacts, MigrantDetails, RegistrationForm};
use panjiyan_core::samagra::Gender;
use panjiyan_core::validate::{Mobile, SamagraMemberId};

/// The cookie a right code sets: the session's token.
pub(crate) const WORKER_COOKIE: &str = "panjiyan_worker";

/// Where each purpose's pages live.
fn base(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::SelfRegistration => "/self",
        Purpose::Card => "/card",
        Purpose::Jobs => "/jobs/mine",
        Purpose::EmployerRegistration => "/employer/register",
    }
}

/// Where a right code leads.
fn after_code(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::SelfRegistration => "/self/form",
        Purpose::Card => "/card/download",
        Purpose::Jobs => "/jobs/mine",
        Purpose::EmployerRegistration => "/employer/register/form",
    }
}

/// The asking and the code steps of either purpose: one template.
#[derive(Template)]
#[template(path = "worker_code.html")]
pub(crate) struct CodePage {
    frame: Frame,
    base: &'static str,
    /// Whether the Samagra member ID is asked for (not for an employer).
    asks_member: bool,
    intro: String,
    /// The code's id once one was asked for: the page then asks for the code.
    code_id: Option<String>,
    /// "A code was sent to XXXXXX3210 …"
    sent: String,
    member_id: String,
    mobile: String,
    problem: Option<String>,
}

pub(crate) fn code_page(purpose: Purpose, lang: Lang) -> CodePage {
    let (title, intro) = match purpose {
        Purpose::SelfRegistration => ("page.self.title", "page.self.intro"),
        Purpose::Card => ("page.card.ask_title", "page.card.ask_intro"),
        Purpose::Jobs => ("page.jobs.mine.title", "page.jobs.mine.intro"),
        Purpose::EmployerRegistration => (
            "page.employer.register.title",
            "page.employer.register.intro",
        ),
    };
    CodePage {
        frame: Frame::new(lang, None, t(lang, title)),
        base: base(purpose),
        asks_member: purpose != Purpose::EmployerRegistration,
        intro: t(lang, intro),
        code_id: None,
        sent: String::new(),
        member_id: String::new(),
        mobile: String::new(),
        problem: None,
    }
}

pub(crate) fn answer(status: StatusCode, page: &impl Template) -> Response {
    match render(page) {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn ask_self(headers: HeaderMap) -> Response {
    answer(
        StatusCode::OK,
        &code_page(Purpose::SelfRegistration, chosen_lang(&headers)),
    )
}

pub async fn ask_card(headers: HeaderMap) -> Response {
    answer(
        StatusCode::OK,
        &code_page(Purpose::Card, chosen_lang(&headers)),
    )
}

pub async fn send_self(
    State(app): State<App>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    send(app, Purpose::SelfRegistration, client, headers, body).await
}

pub async fn send_card(
    State(app): State<App>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    send(app, Purpose::Card, client, headers, body).await
}

/// Asks for a code; the same answer whether or not the member ID is known.
pub(crate) async fn send(
    app: App,
    purpose: Purpose,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = chosen_lang(&headers);
    let pairs = form_pairs(&body);
    let mut page = code_page(purpose, lang);
    page.member_id = form_value(&pairs, "member_id")
        .unwrap_or_default()
        .trim()
        .to_owned();
    page.mobile = form_value(&pairs, "mobile")
        .unwrap_or_default()
        .trim()
        .to_owned();
    if purpose == Purpose::EmployerRegistration {
        page.member_id.clear();
    }
    let member = SamagraMemberId::parse(&page.member_id);
    let mobile = Mobile::parse(&page.mobile);
    if let (Purpose::EmployerRegistration, Ok(mobile)) = (purpose, &mobile) {
        let sent = crate::codes::send_to_mobile(&app, purpose, mobile, &client, lang).await;
        return sent_answer(purpose, lang, page, sent);
    }
    let (Ok(member), Ok(mobile)) = (member, mobile) else {
        let key = if purpose != Purpose::EmployerRegistration
            && SamagraMemberId::parse(&page.member_id).is_err()
        {
            "page.self.bad_member_id"
        } else {
            "page.self.bad_mobile"
        };
        page.problem = Some(t(lang, key));
        return answer(StatusCode::BAD_REQUEST, &page);
    };
    let sent = crate::codes::send(&app, purpose, &member, &mobile, &client, lang).await;
    sent_answer(purpose, lang, page, sent)
}

/// Where asking for a code leads: the page asking for it, or the reason in words.
fn sent_answer(
    purpose: Purpose,
    lang: Lang,
    mut page: CodePage,
    sent: Result<String, CodeError>,
) -> Response {
    match sent {
        Ok(id) => see_other(&format!("{}/verify?c={id}", base(purpose))),
        Err(CodeError::TooMany) => {
            page.problem = Some(t(lang, "page.self.too_many"));
            answer(StatusCode::TOO_MANY_REQUESTS, &page)
        }
        Err(CodeError::Storage(e)) => PageError::from(e).into_response(),
        Err(_) => PageError::server().into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct CodeQuery {
    pub(crate) c: String,
}

pub async fn verify_self_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    verify_page(
        app,
        Purpose::SelfRegistration,
        chosen_lang(&headers),
        q.c,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn verify_card_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    verify_page(
        app,
        Purpose::Card,
        chosen_lang(&headers),
        q.c,
        None,
        StatusCode::OK,
    )
    .await
}

/// The page asking for the code `id` went out with.
pub(crate) async fn verify_page(
    app: App,
    purpose: Purpose,
    lang: Lang,
    id: String,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let masked = match crate::codes::masked_mobile(&app, &id).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            let mut page = code_page(purpose, lang);
            page.problem = Some(t(lang, "page.self.expired"));
            return answer(StatusCode::NOT_FOUND, &page);
        }
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut page = code_page(purpose, lang);
    page.sent = tm(lang, Message::new("page.self.sent").with("mobile", masked));
    page.code_id = Some(id);
    page.problem = problem;
    answer(status, &page)
}

pub async fn verify_self(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    verify(app, Purpose::SelfRegistration, headers, body).await
}

pub async fn verify_card(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    verify(app, Purpose::Card, headers, body).await
}

/// Tries a code: a right one sets the session cookie and goes on; a wrong, expired or spent
/// one says so in words, with the tries left.
pub(crate) async fn verify(
    app: App,
    purpose: Purpose,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = chosen_lang(&headers);
    let pairs = form_pairs(&body);
    let id = form_value(&pairs, "c").unwrap_or_default().to_owned();
    let code = form_value(&pairs, "code").unwrap_or_default().to_owned();
    let problem = match crate::codes::verify(&app, purpose, &id, &code).await {
        Ok(token) => {
            let mut r = see_other(after_code(purpose));
            let cookie = super::session_cookie(
                &headers,
                WORKER_COOKIE,
                &token,
                crate::codes::SESSION_MS / 1000,
            );
            if let Some(v) = cookie {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            return r;
        }
        Err(CodeError::Wrong { tries_left }) => tm(
            lang,
            Message::new("page.self.wrong_code").with("tries", tries_left),
        ),
        Err(CodeError::Expired) => t(lang, "page.self.expired"),
        Err(CodeError::Spent) => t(lang, "page.self.spent"),
        Err(CodeError::TooMany) => t(lang, "page.self.too_many"),
        Err(CodeError::Storage(e)) => return PageError::from(e).into_response(),
    };
    verify_page(
        app,
        purpose,
        lang,
        id,
        Some(problem),
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// The worker a session cookie stands for, or the page that sends them back to ask again.
pub(crate) async fn proven(
    app: &App,
    headers: &HeaderMap,
    purpose: Purpose,
) -> Result<(Proven, String), Response> {
    let lang = chosen_lang(headers);
    let token = cookie(headers, WORKER_COOKIE)
        .unwrap_or_default()
        .to_owned();
    match crate::codes::session(app, purpose, &token).await {
        Ok(Some(p)) => Ok((p, token)),
        Ok(None) => {
            let mut page = code_page(purpose, lang);
            page.problem = Some(t(lang, "page.self.session_over"));
            Err(answer(StatusCode::FORBIDDEN, &page))
        }
        Err(e) => Err(PageError::from(e).into_response()),
    }
}

/// One member of the family as a stranger may see it: names masked, the year of birth only.
struct ShownMember {
    name: String,
    guardian: String,
    gender: String,
    birth_year: i32,
    is_you: bool,
}

/// What the worker typed, kept when the form is shown again.
#[derive(Default)]
struct Typed {
    occupation: String,
    aadhaar: String,
    ifsc: String,
    government_servant: bool,
    income_tax_payer: bool,
    epfo_esic_member: bool,
    land: String,
    irrigated: String,
    migrant_state: String,
    migrant_district: String,
    migrant_trade: String,
    migrant_months: String,
    migrant_returned_on: String,
    migrant_experience: String,
    language: String,
    consent: bool,
}

#[derive(Template)]
#[template(path = "self_form.html")]
struct FormPage {
    frame: Frame,
    csrf: String,
    place: String,
    family: Vec<ShownMember>,
    occupations: Vec<(String, String)>,
    typed: Typed,
    problems: Vec<String>,
}

fn gender_text(lang: Lang, g: Gender) -> String {
    t(
        lang,
        match g {
            Gender::Male => "page.gender.male",
            Gender::Female => "page.gender.female",
            _ => "page.gender.other",
        },
    )
}

fn form_page(
    lang: Lang,
    token: &str,
    record: &FamilyRecord,
    typed: Typed,
    problems: Vec<String>,
) -> FormPage {
    let name = |hi: &str, en: &str| {
        crate::api::worker::mask(if lang == Lang::Hi && !hi.is_empty() {
            hi
        } else {
            en
        })
    };
    let family = record
        .members
        .iter()
        .map(|m| ShownMember {
            name: name(&m.name_hi, &m.name_en),
            guardian: name(&m.guardian_name_hi, &m.guardian_name_en),
            gender: gender_text(lang, m.gender),
            birth_year: m.birth.year,
            is_you: m.member_id == record.member.member_id,
        })
        .collect();
    let place = record
        .place
        .iter()
        .map(|p| super::place_name(lang, p).to_owned())
        .collect::<Vec<_>>()
        .join(", ");
    let occupations = OccupationList::builtin()
        .categories
        .iter()
        .map(|o| (o.code.clone(), o.name(lang).to_owned()))
        .collect();
    FormPage {
        frame: Frame::new(lang, None, t(lang, "page.self.title")),
        csrf: csrf_token(token),
        place,
        family,
        occupations,
        typed,
        problems,
    }
}

pub async fn form(State(app): State<App>, headers: HeaderMap) -> Response {
    let lang = chosen_lang(&headers);
    let (proven, token) = match proven(&app, &headers, Purpose::SelfRegistration).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match crate::self_service::family_of(&app, &proven).await {
        Ok(Some(record)) => {
            let typed = Typed {
                language: if lang == Lang::En { "en" } else { "hi" }.into(),
                ..Typed::default()
            };
            answer(
                StatusCode::OK,
                &form_page(lang, &token, &record, typed, Vec::new()),
            )
        }
        // A code for an unknown member is never right, so this is a record gone since.
        Ok(None) => PageError::not_found().into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// Hectares as typed (`0`, `0.5`, `1.25`) in ares, the unit the rules count in.
fn ares(text: &str) -> Result<Option<u32>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (whole, part) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && part.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !part.bytes().all(|b| b.is_ascii_digit())
        || part.len() > 2
        || whole.len() > 6
    {
        return Err(());
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| ())?
    };
    let part: u32 = format!("{part:0<2}").parse().map_err(|_| ())?;
    Ok(Some(whole * 100 + part))
}

pub async fn submit(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = chosen_lang(&headers);
    let (proven, token) = match proven(&app, &headers, Purpose::SelfRegistration).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let pairs = form_pairs(&body);
    if form_value(&pairs, "csrf") != Some(csrf_token(&token).as_str()) {
        return PageError::expired().into_response();
    }
    let text = |name: &str| {
        form_value(&pairs, name)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let ticked = |name: &str| form_value(&pairs, name).is_some();
    let typed = Typed {
        occupation: text("occupation"),
        aadhaar: text("aadhaar"),
        ifsc: text("ifsc"),
        government_servant: ticked("government_servant"),
        income_tax_payer: ticked("income_tax_payer"),
        epfo_esic_member: ticked("epfo_esic_member"),
        land: text("land"),
        irrigated: text("irrigated"),
        migrant_state: text("migrant_state"),
        migrant_district: text("migrant_district"),
        migrant_trade: text("migrant_trade"),
        migrant_months: text("migrant_months"),
        migrant_returned_on: text("migrant_returned_on"),
        migrant_experience: text("migrant_experience"),
        language: text("language"),
        consent: ticked("consent"),
    };
    let mut problems = Vec::new();
    let (land, irrigated) = match (ares(&typed.land), ares(&typed.irrigated)) {
        (Ok(l), Ok(i)) => (l, i),
        _ => {
            problems.push(t(lang, "page.self.land_invalid"));
            (None, None)
        }
    };
    let mut number = |value: &str, label: &str| -> Option<u32> {
        if value.is_empty() {
            return None;
        }
        value.parse().ok().or_else(|| {
            problems.push(tm(
                lang,
                Message::new("page.self.number_invalid").with("field", t(lang, label)),
            ));
            None
        })
    };
    let months = number(&typed.migrant_months, "page.field.migrant_months");
    let experience = number(&typed.migrant_experience, "page.self.experience");
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let migrant = (!typed.migrant_state.is_empty()
        || !typed.migrant_district.is_empty()
        || !typed.migrant_trade.is_empty())
    .then(|| MigrantDetails {
        state_worked_in: typed.migrant_state.clone(),
        district_or_city: optional(&typed.migrant_district),
        trade_code: optional(&typed.migrant_trade),
        months_away: months.map(|m| m.min(u16::MAX.into()) as u16),
        returned_on: optional(&typed.migrant_returned_on),
        skills: Vec::new(),
        experience_years: experience.map(|y| y.min(u8::MAX.into()) as u8),
        expected_daily_wage_rupees: None,
        ..MigrantDetails::default()
    });
    let Ok(member_id) = SamagraMemberId::parse(&proven.member_id) else {
        return PageError::server().into_response();
    };
    let mut form = RegistrationForm::new(member_id, crate::self_service::OPERATOR);
    form.occupation_code = optional(&typed.occupation);
    form.aadhaar = optional(&typed.aadhaar);
    form.bank_ifsc = optional(&typed.ifsc);
    form.facts = ApplicantFacts {
        government_servant: typed.government_servant,
        income_tax_payer: typed.income_tax_payer,
        epfo_esic_member: typed.epfo_esic_member,
        land_ares: land,
        irrigated_land_ares: irrigated,
    };
    form.consent = typed.consent;
    form.migrant = migrant;
    form.language = if typed.language == "en" {
        Lang::En
    } else {
        Lang::Hi
    };
    let outcome = if problems.is_empty() {
        match crate::self_service::submit(&app, &proven, form).await {
            Ok(outcome) => outcome,
            Err(e) => return PageError::from(e).into_response(),
        }
    } else {
        Err(Vec::new())
    };
    let submitted = match outcome {
        Ok(s) => s,
        Err(form_problems) => {
            problems.extend(form_problems.into_iter().map(|p| tm(lang, p.message)));
            return match crate::self_service::family_of(&app, &proven).await {
                Ok(Some(record)) => answer(
                    StatusCode::BAD_REQUEST,
                    &form_page(lang, &token, &record, typed, problems),
                ),
                Ok(None) => PageError::not_found().into_response(),
                Err(e) => PageError::from(e).into_response(),
            };
        }
    };
    // Registered (or refused for good): the session has done its work.
    if let Err(e) = crate::codes::end_session(&app, &token).await {
        tracing::warn!(error = %e, "ending a worker's session failed; it expires by itself");
    }
    let masked = crate::codes::masked(&proven.mobile);
    let (status, said, reasons) = match submitted {
        Submitted::Accepted => (
            StatusCode::OK,
            tm(
                lang,
                Message::new("page.self.accepted").with("mobile", masked),
            ),
            Vec::new(),
        ),
        Submitted::Duplicate => (StatusCode::OK, t(lang, "page.self.duplicate"), Vec::new()),
        Submitted::Refused(reasons) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "page.self.refused"),
            reasons.into_iter().map(|m| tm(lang, m)).collect(),
        ),
    };
    answer(
        status,
        &DonePage {
            frame: Frame::new(lang, None, t(lang, "page.self.title")),
            said,
            reasons,
            member_id: proven.member_id,
        },
    )
}

#[derive(Template)]
#[template(path = "self_done.html")]
struct DonePage {
    frame: Frame,
    said: String,
    reasons: Vec<String>,
    member_id: String,
}

#[cfg(test)]
mod tests {
    use super::ares;

    #[test]
    fn hectares_are_read_as_ares() {
        assert_eq!(ares("0"), Ok(Some(0)));
        assert_eq!(ares("0.5"), Ok(Some(50)));
        assert_eq!(ares("1.25"), Ok(Some(125)));
        assert_eq!(ares(".75"), Ok(Some(75)));
        assert_eq!(ares(""), Ok(None));
        assert_eq!(ares("1.234"), Err(()));
        assert_eq!(ares("one"), Err(()));
        assert_eq!(ares("."), Err(()));
    }
}

#[derive(serde::Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    s: Option<String>,
}

#[derive(Template)]
#[template(path = "worker_verify.html")]
struct VerifyPage {
    frame: Frame,
    text: String,
    checked: Option<Result<crate::cards::Checked, String>>,
    occupation: String,
}

/// Checks the statement a card's QR code holds (`crate::cards::check`): anyone may, with the
/// card in hand; a forged or altered one is said to be so in words.
pub async fn verify_card_statement(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<VerifyQuery>,
) -> Response {
    use panjiyan_core::statement::StatementError;
    let lang = chosen_lang(&headers);
    let text = q.s.unwrap_or_default().trim().to_owned();
    let checked = if text.is_empty() {
        None
    } else {
        match crate::cards::check(&app, &text).await {
            Ok(Ok(c)) => Some(Ok(c)),
            Ok(Err(e)) => Some(Err(t(
                lang,
                match e {
                    StatementError::NotAStatement => "page.verify.not_statement",
                    StatementError::OtherKey => "page.verify.other_key",
                    StatementError::BadSignature => "page.verify.forged",
                },
            ))),
            Err(e) => return PageError::from(e).into_response(),
        }
    };
    let occupation = match &checked {
        Some(Ok(c)) => crate::cards::occupation_name(&c.statement.occupation, lang),
        _ => String::new(),
    };
    let status = match &checked {
        Some(Err(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    answer(
        status,
        &VerifyPage {
            frame: Frame::new(lang, None, t(lang, "page.verify.title")),
            text,
            checked,
            occupation,
        },
    )
}

/// The worker's own card, after a right code for the number of their approved registration.
pub async fn download_card(State(app): State<App>, headers: HeaderMap) -> Response {
    use panjiyan_core::registration::RegistrationState;
    let lang = chosen_lang(&headers);
    let (proven, _) = match proven(&app, &headers, Purpose::Card).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let no_card = || {
        let mut page = code_page(Purpose::Card, lang);
        page.problem = Some(t(lang, "page.card.none"));
        answer(StatusCode::NOT_FOUND, &page)
    };
    let approved = match app.db.registrations_of_member(&proven.member_id).await {
        Ok(rows) => rows
            .into_iter()
            .find(|r| r.registration_state() == Some(RegistrationState::Approved)),
        Err(e) => return PageError::from(e).into_response(),
    };
    let Some(approved) = approved else {
        return no_card();
    };
    match crate::cards::card_pdf(&app, &approved.id).await {
        Ok(Some(bytes)) => super::pdf(&format!("card-{}.pdf", proven.member_id), bytes),
        Ok(None) => no_card(),
        Err(e) => super::card_failed(e),
    }
}
