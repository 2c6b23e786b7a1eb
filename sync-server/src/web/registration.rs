//! One registration beside the member's Samagra record and the eligibility result (each failed
//! or doubtful rule highlighted), the member's other applications (a duplicate links to what it
//! duplicates), its history, and the approve / reject form.

use super::{
    Frame, PageError, PageUser, PostedForm, date_time, form_value, place_name, render, see_other,
    t, tm,
};
use crate::app::App;
use crate::storage::{Decision, RegistrationRow, StorageError, now_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use panjiyan_core::eligibility::{Eligibility, RuleSet};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{REJECT_REASONS, RegistrationState, reject_reason_text};
use panjiyan_core::samagra::{BirthDate, Gender, Member};
use panjiyan_core::wire::RegistrationPayload;

/// What deciding one registration came to.
pub enum Outcome {
    Decided,
    /// Already decided, out of the officer's area, or gone: nothing changed.
    Skipped,
}

/// Decides one registration as `user`, within their area only; a registration that is no
/// longer pending is skipped, never an error.
pub async fn decide_one(
    app: &App,
    user: &PageUser,
    id: &str,
    decision: &Decision,
) -> Result<Outcome, PageError> {
    crate::api::decisions::check_decision(decision)?;
    let Some(row) = app.db.registration(id).await? else {
        return Ok(Outcome::Skipped);
    };
    if RegistrationState::parse(&row.state) != Some(RegistrationState::PendingApproval)
        || !app
            .db
            .is_within(&row.unit_code, &user.user.jurisdiction)
            .await?
    {
        return Ok(Outcome::Skipped);
    }
    match crate::decisions::decide(
        &app.db,
        id,
        decision,
        user.user.id,
        &app.settings.number_format,
        now_ms(),
    )
    .await
    {
        Ok(row) => {
            tracing::info!(registration = %id, officer = user.user.id, state = %row.state, "decision recorded");
            Ok(Outcome::Decided)
        }
        Err(StorageError::NotPending(_)) => Ok(Outcome::Skipped),
        Err(e) => Err(e.into()),
    }
}

/// The rejection reason codes with their texts in `lang`, for `templates/reason_select.html`.
pub fn reason_choices(lang: Lang) -> Vec<(&'static str, String)> {
    REJECT_REASONS
        .iter()
        .map(|code| (*code, reject_reason_text(code, lang)))
        .collect()
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

/// A value in a record table.
enum FieldValue {
    Text(String),
    /// A name in Devanagari with its Latin spelling.
    Names(String, String),
    /// A registration state, shown as a badge.
    State(String),
    /// The registration number.
    Number(String),
}

/// One row of a record table: the label's key and the value.
struct Field {
    label: &'static str,
    value: FieldValue,
}

fn field(label: &'static str, value: impl Into<String>) -> Field {
    Field {
        label,
        value: FieldValue::Text(value.into()),
    }
}

/// What the registration page says on top after a decision.
struct Done {
    class: &'static str,
    role: &'static str,
    text: String,
}

/// The eligibility result, re-evaluated on the server.
struct EligibilityView {
    class: &'static str,
    text: String,
    rules: Vec<RuleLine>,
}

struct RuleLine {
    class: &'static str,
    label: &'static str,
    rule: String,
    text: String,
}

/// Another application of the same member.
struct OtherApplication {
    id: String,
    state: String,
    number: String,
    received: String,
}

/// One decision in the registration's history.
struct HistoryLine {
    when: String,
    who: String,
    what: String,
    why: String,
}

#[derive(Template)]
#[template(path = "registration.html")]
struct RegistrationPage {
    frame: Frame,
    heading: String,
    id: String,
    done: Option<Done>,
    duplicate_of: Option<String>,
    application: Vec<Field>,
    samagra: Option<Vec<Field>>,
    eligibility: EligibilityView,
    others: Vec<OtherApplication>,
    pending: bool,
    /// An approved registration has a card to print.
    approved: bool,
    reasons: Vec<(&'static str, String)>,
    audit: Vec<HistoryLine>,
    /// A worker in the skill register (Rozgar Setu): whether consent is given, in words.
    consent: Option<(bool, String)>,
}

fn birth_text(lang: Lang, birth: &BirthDate) -> String {
    let date = match (birth.day, birth.month) {
        (Some(d), Some(m)) => format!("{d:02}-{m:02}-{}", birth.year),
        _ => birth.year.to_string(),
    };
    if birth.is_estimated() {
        tm(
            lang,
            Message::new("page.field.birth_estimated").with("date", date),
        )
    } else {
        date
    }
}

fn hectares(ares: Option<u32>) -> String {
    ares.map_or_else(|| "—".into(), |a| format!("{}.{:02}", a / 100, a % 100))
}

/// The eligibility result by rule set `rules` (id, version): the one the registration's pack
/// carried and the phone judged by.
fn eligibility_view(
    lang: Lang,
    result: Option<&Eligibility>,
    (rules_id, version): (&str, u32),
) -> EligibilityView {
    let Some(e) = result else {
        return EligibilityView {
            class: "doubtful",
            text: tm(
                lang,
                Message::new("page.detail.rules_unknown")
                    .with("rules", rules_id)
                    .with("version", version),
            ),
            rules: Vec::new(),
        };
    };
    let (class, key) = if e.eligible {
        ("eligible", "page.detail.eligible")
    } else {
        ("failed", "page.detail.not_eligible")
    };
    let line = |class, label| {
        move |o: &panjiyan_core::eligibility::RuleOutcome| RuleLine {
            class,
            label,
            rule: o.rule.clone(),
            text: o.message.text(lang),
        }
    };
    EligibilityView {
        class,
        text: tm(
            lang,
            Message::new(key)
                .with("rules", &e.rules_id)
                .with("version", e.rules_version),
        ),
        rules: e
            .failed
            .iter()
            .map(line("failed", "page.detail.failed"))
            .chain(
                e.doubtful
                    .iter()
                    .map(line("doubtful", "page.detail.doubtful")),
            )
            .collect(),
    }
}

fn samagra_fields(lang: Lang, m: &Member) -> Vec<Field> {
    let gender = match m.gender {
        Gender::Male => "page.gender.male",
        Gender::Female => "page.gender.female",
        Gender::Other => "page.gender.other",
    };
    vec![
        Field {
            label: "page.field.name",
            value: FieldValue::Names(m.name_hi.clone(), m.name_en.clone()),
        },
        Field {
            label: "page.field.guardian",
            value: FieldValue::Names(m.guardian_name_hi.clone(), m.guardian_name_en.clone()),
        },
        field("page.field.gender", t(lang, gender)),
        field("page.field.birth", birth_text(lang, &m.birth)),
        field("page.field.member", m.member_id.as_str()),
        field("page.field.family", m.family_id.as_str()),
    ]
}

fn application_fields(
    lang: Lang,
    reg: &RegistrationRow,
    unit_name: &str,
    p: Option<&RegistrationPayload>,
) -> Vec<Field> {
    let occupations = OccupationList::builtin();
    let occupation = occupations
        .get(&reg.occupation_code)
        .map_or(reg.occupation_code.as_str(), |o| o.name(lang));
    let mut fields = vec![Field {
        label: "page.field.state",
        value: FieldValue::State(reg.state.clone()),
    }];
    if let Some(n) = &reg.registration_number {
        fields.push(Field {
            label: "page.field.number",
            value: FieldValue::Number(n.clone()),
        });
    }
    if let Some(reason) = &reg.reason {
        fields.push(field("page.field.reason", reject_reason_text(reason, lang)));
    }
    if let Some(note) = &reg.reason_note {
        fields.push(field("page.field.note", note));
    }
    fields.push(field("page.field.unit", unit_name));
    fields.push(field("page.field.occupation", occupation));
    fields.push(field(
        "page.field.channel",
        t(lang, &format!("page.channel.{}", reg.channel)),
    ));
    if let Some(camp) = &reg.camp_id {
        fields.push(field("page.field.camp", camp));
    }
    if let Some(p) = p {
        fields.push(field(
            "page.field.mobile",
            p.mobile.as_ref().map_or("—", |m| m.as_str()),
        ));
        fields.push(field(
            "page.field.land",
            format!(
                "{} ({})",
                hectares(p.facts.land_ares),
                hectares(p.facts.irrigated_land_ares)
            ),
        ));
        let declared: Vec<String> = [
            (
                p.facts.government_servant,
                "page.declared.government_servant",
            ),
            (p.facts.income_tax_payer, "page.declared.income_tax_payer"),
            (p.facts.epfo_esic_member, "page.declared.epfo_esic_member"),
        ]
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, key)| t(lang, key))
        .collect();
        fields.push(field(
            "page.field.declarations",
            if declared.is_empty() {
                t(lang, "page.field.none_declared")
            } else {
                declared.join(", ")
            },
        ));
        let language = if p.language == Lang::En {
            "page.language.en"
        } else {
            "page.language.hi"
        };
        fields.push(field("page.field.language", t(lang, language)));
        fields.push(field("page.field.operator", &p.operator_id));
        if let Some(m) = &p.migrant {
            fields.extend(migrant_fields(lang, m, &occupations));
        }
        fields.push(field(
            "page.field.finalised",
            date_time((p.finalised_at.unix_timestamp_nanos() / 1_000_000) as i64),
        ));
    }
    fields.push(field("page.field.received", date_time(reg.received_at)));
    if let Some(claimed) = reg.device_time_doubted {
        fields.push(field(
            "page.field.clock_doubted",
            tm(
                lang,
                Message::new("page.detail.clock_doubted")
                    .with("device", date_time(claimed))
                    .with("received", date_time(reg.received_at)),
            ),
        ));
    }
    fields
}

/// A returned migrant worker's details as the phone recorded them.
fn migrant_fields(
    lang: Lang,
    m: &panjiyan_core::registration::MigrantDetails,
    occupations: &OccupationList,
) -> Vec<Field> {
    let or_dash = |v: Option<String>| {
        v.filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "—".into())
    };
    vec![
        field("page.field.migrant_state", &m.state_worked_in),
        field(
            "page.field.migrant_district",
            or_dash(m.district_or_city.clone()),
        ),
        field(
            "page.field.migrant_trade",
            or_dash(
                m.trade_code
                    .as_deref()
                    .map(|c| occupations.get(c).map_or(c, |o| o.name(lang)).to_owned()),
            ),
        ),
        field(
            "page.field.migrant_months",
            or_dash(m.months_away.map(|n| n.to_string())),
        ),
        field(
            "page.field.migrant_returned_on",
            or_dash(m.returned_on.clone()),
        ),
    ]
}

fn done(lang: Lang, done: Option<&str>, number: Option<&str>) -> Option<Done> {
    let (class, role, text) = match done? {
        "approved" => (
            "done",
            "status",
            tm(
                lang,
                Message::new("page.decide.approved").with("number", number.unwrap_or_default()),
            ),
        ),
        "rejected" => ("done", "status", t(lang, "page.decide.rejected")),
        "not_pending" => ("error", "alert", t(lang, "page.decide.not_pending")),
        "reason_required" => ("error", "alert", t(lang, "page.decide.reason_required")),
        _ => return None,
    };
    Some(Done { class, role, text })
}

pub async fn page(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Html<String>, PageError> {
    let lang = user.lang;
    let reg = crate::api::decisions::visible(&app, &user.user, &id).await?;
    let payload: Option<RegistrationPayload> = app
        .db
        .registration_payload(&id)
        .await?
        .and_then(|p| serde_json::from_str(&p).ok());
    let member = app.db.member_record(&reg.member_id).await?.map(|(_, m)| m);
    let unit_name = app.db.place(&reg.unit_code).await?.map_or_else(
        || reg.unit_code.clone(),
        |p| place_name(lang, &p).to_owned(),
    );
    let eligibility = match (&payload, &member) {
        (Some(p), Some(m)) => RuleSet::find(&p.rules_id, p.rules_version)
            .ok()
            .map(|rules| {
                // Judged on the day the server received it when the phone's clock is
                // doubted, as intake judged it.
                let on = match reg.device_time_doubted {
                    Some(_) => panjiyan_core::india_time::at_ms(reg.received_at),
                    None => p.finalised_at,
                };
                rules.evaluate(&m.birth, &p.facts, panjiyan_core::india_time::date_of(on))
            }),
        _ => None,
    };
    let rules = payload
        .as_ref()
        .map_or(("", 0), |p| (p.rules_id.as_str(), p.rules_version));
    let name = member.as_ref().map_or_else(
        || reg.member_id.clone(),
        |m| match lang {
            Lang::Hi => m.name_hi.clone(),
            Lang::En => m.name_en.clone(),
        },
    );
    let others = app.db.registrations_of_member(&reg.member_id).await?;
    let audit = app.db.audit_for(&reg.id).await?;
    let consent = app
        .db
        .job_seeker(&reg.member_id)
        .await?
        .map(|s| (s.consent_at.is_some(), super::jobs::consent_text(lang, &s)));
    let page = RegistrationPage {
        consent,
        heading: tm(lang, Message::new("page.detail.title").with("name", &name)),
        frame: Frame::new(lang, Some(&user), name),
        done: done(lang, q.done.as_deref(), reg.registration_number.as_deref()),
        duplicate_of: reg.duplicate_of.clone(),
        application: application_fields(lang, &reg, &unit_name, payload.as_ref()),
        samagra: member.as_ref().map(|m| samagra_fields(lang, m)),
        eligibility: eligibility_view(lang, eligibility.as_ref(), rules),
        others: others
            .into_iter()
            .filter(|r| r.id != reg.id)
            .map(|o| OtherApplication {
                number: o.registration_number.unwrap_or_default(),
                received: date_time(o.received_at),
                state: o.state,
                id: o.id,
            })
            .collect(),
        pending: RegistrationState::parse(&reg.state) == Some(RegistrationState::PendingApproval),
        approved: RegistrationState::parse(&reg.state) == Some(RegistrationState::Approved),
        reasons: reason_choices(lang),
        audit: audit
            .into_iter()
            .map(|a| HistoryLine {
                when: date_time(a.at),
                what: super::audit::action_text(lang, &a.action),
                why: a
                    .reason
                    .as_deref()
                    .map(|r| reject_reason_text(r, lang))
                    .unwrap_or_default(),
                who: a.username,
            })
            .collect(),
        id: reg.id,
    };
    render(&page)
}

pub async fn decide(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { user, pairs }: PostedForm,
) -> Result<Response, PageError> {
    let here = format!(
        "/officer/registrations/{}",
        form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    );
    let decision = match form_value(&pairs, "action") {
        Some("approve") => Decision::Approve,
        Some("reject") => match form_value(&pairs, "reason") {
            Some(reason) => Decision::Reject {
                reason: reason.to_owned(),
                note: form_value(&pairs, "note").map(|n| n.trim().to_owned()),
            },
            None => return Ok(see_other(&format!("{here}?done=reason_required"))),
        },
        _ => return Err(PageError::expired()),
    };
    let done = match decide_one(&app, &user, &id, &decision).await? {
        Outcome::Decided if decision == Decision::Approve => "approved",
        Outcome::Decided => "rejected",
        Outcome::Skipped => {
            // Out of the officer's area looks exactly like a missing registration.
            crate::api::decisions::visible(&app, &user.user, &id).await?;
            "not_pending"
        }
    };
    Ok(see_other(&format!("{here}?done={done}")))
}

/// The registration's card as a PDF for the officer to print (`crate::cards`); only an
/// approved registration in the officer's area has one.
pub async fn card(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    crate::api::decisions::visible(&app, &user.user, &id).await?;
    match crate::cards::card_pdf(&app, &id).await {
        Ok(Some(bytes)) => Ok(super::pdf(&format!("card-{id}.pdf"), bytes)),
        Ok(None) => Err(PageError::not_found()),
        Err(e) => Ok(super::card_failed(e)),
    }
}
