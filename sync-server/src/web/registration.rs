//! One registration beside the member's Samagra record and the eligibility result (each failed
//! or doubtful rule highlighted), the member's other applications (a duplicate links to what it
//! duplicates), its history, and the approve / reject form.

use super::{
    PageError, PageUser, date_time, escape, form_pairs, form_value, layout, see_other, t, tm,
};
use crate::app::App;
use crate::storage::{Decision, RegistrationRow, StorageError, now_ms};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use panjiyan_core::eligibility::{Eligibility, RuleSet};
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::{REJECT_REASONS, reject_reason_text};
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
    if row.state != "pending_approval"
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

/// The reason codes as a `<select>` named `reason`, in `lang`.
pub fn reason_options(lang: Lang, id: &str) -> String {
    let mut html = format!(
        "<select id=\"{id}\" name=\"reason\"><option value=\"\">{}</option>",
        t(lang, "page.decide.choose")
    );
    for code in REJECT_REASONS {
        html.push_str(&format!(
            "<option value=\"{code}\">{}</option>",
            escape(&reject_reason_text(code, lang))
        ));
    }
    html.push_str("</select>");
    html
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

fn row(label: &str, value: &str) -> String {
    format!("<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>")
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
        escape(&date)
    }
}

fn state_badge(lang: Lang, state: &str) -> String {
    format!(
        "<span class=\"state {state}\">{}</span>",
        t(lang, &format!("page.state.{state}"))
    )
}

fn hectares(ares: Option<u32>) -> String {
    ares.map_or_else(|| "—".into(), |a| format!("{}.{:02}", a / 100, a % 100))
}

fn eligibility_html(lang: Lang, result: Option<&Eligibility>, rules_id: &str) -> String {
    let Some(e) = result else {
        return format!(
            "<p class=\"doubtful\">{}</p>",
            tm(
                lang,
                Message::new("page.detail.rules_unknown").with("rules", rules_id)
            )
        );
    };
    let mut html = if e.eligible {
        format!(
            "<p class=\"eligible\">{}</p>",
            tm(
                lang,
                Message::new("page.detail.eligible").with("rules", &e.rules_id)
            )
        )
    } else {
        format!(
            "<p class=\"failed\">{}</p>",
            tm(
                lang,
                Message::new("page.detail.not_eligible").with("rules", &e.rules_id)
            )
        )
    };
    if !e.failed.is_empty() || !e.doubtful.is_empty() {
        html.push_str("<ul class=\"rules\">");
        for (class, label, outcomes) in [
            ("failed", "page.detail.failed", &e.failed),
            ("doubtful", "page.detail.doubtful", &e.doubtful),
        ] {
            for o in outcomes {
                html.push_str(&format!(
                    "<li class=\"{class}\" data-rule=\"{rule}\"><strong>{label}:</strong> {text}</li>",
                    rule = escape(&o.rule),
                    label = t(lang, label),
                    text = escape(&o.message.text(lang)),
                ));
            }
        }
        html.push_str("</ul>");
    }
    html
}

fn samagra_html(lang: Lang, member: Option<&Member>) -> String {
    let Some(m) = member else {
        return format!(
            "<p class=\"doubtful\">{}</p>",
            t(lang, "page.detail.samagra_missing")
        );
    };
    let gender = match m.gender {
        Gender::Male => "page.gender.male",
        Gender::Female => "page.gender.female",
        Gender::Other => "page.gender.other",
    };
    let mut html = String::from("<table class=\"record\" id=\"samagra\">");
    html.push_str(&row(
        &t(lang, "page.field.name"),
        &format!(
            "{} <span class=\"latin\">{}</span>",
            escape(&m.name_hi),
            escape(&m.name_en)
        ),
    ));
    html.push_str(&row(
        &t(lang, "page.field.guardian"),
        &format!(
            "{} <span class=\"latin\">{}</span>",
            escape(&m.guardian_name_hi),
            escape(&m.guardian_name_en)
        ),
    ));
    html.push_str(&row(&t(lang, "page.field.gender"), &t(lang, gender)));
    html.push_str(&row(
        &t(lang, "page.field.birth"),
        &birth_text(lang, &m.birth),
    ));
    html.push_str(&row(
        &t(lang, "page.field.member"),
        &escape(m.member_id.as_str()),
    ));
    html.push_str(&row(
        &t(lang, "page.field.family"),
        &escape(m.family_id.as_str()),
    ));
    html.push_str("</table>");
    html
}

fn application_html(
    lang: Lang,
    reg: &RegistrationRow,
    unit_name: &str,
    p: Option<&RegistrationPayload>,
) -> String {
    let occupations = OccupationList::builtin();
    let occupation = occupations
        .get(&reg.occupation_code)
        .map_or(reg.occupation_code.as_str(), |o| o.name(lang));
    let mut html = String::from("<table class=\"record\" id=\"application\">");
    html.push_str(&row(
        &t(lang, "page.field.state"),
        &state_badge(lang, &reg.state),
    ));
    if let Some(n) = &reg.registration_number {
        html.push_str(&row(
            &t(lang, "page.field.number"),
            &format!("<strong id=\"number\">{}</strong>", escape(n)),
        ));
    }
    if let Some(reason) = &reg.reason {
        html.push_str(&row(
            &t(lang, "page.field.reason"),
            &escape(&reject_reason_text(reason, lang)),
        ));
    }
    if let Some(note) = &reg.reason_note {
        html.push_str(&row(&t(lang, "page.field.note"), &escape(note)));
    }
    html.push_str(&row(&t(lang, "page.field.unit"), &escape(unit_name)));
    html.push_str(&row(&t(lang, "page.field.occupation"), &escape(occupation)));
    html.push_str(&row(
        &t(lang, "page.field.channel"),
        &t(lang, &format!("page.channel.{}", reg.channel)),
    ));
    if let Some(camp) = &reg.camp_id {
        html.push_str(&row(&t(lang, "page.field.camp"), &escape(camp)));
    }
    if let Some(p) = p {
        html.push_str(&row(
            &t(lang, "page.field.mobile"),
            &escape(p.mobile.as_ref().map_or("—", |m| m.as_str())),
        ));
        html.push_str(&row(
            &t(lang, "page.field.land"),
            &format!(
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
        html.push_str(&row(
            &t(lang, "page.field.declarations"),
            &if declared.is_empty() {
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
        html.push_str(&row(&t(lang, "page.field.language"), &t(lang, language)));
        html.push_str(&row(
            &t(lang, "page.field.operator"),
            &escape(&p.operator_id),
        ));
        html.push_str(&row(
            &t(lang, "page.field.finalised"),
            &date_time((p.finalised_at.unix_timestamp_nanos() / 1_000_000) as i64),
        ));
    }
    html.push_str(&row(
        &t(lang, "page.field.received"),
        &date_time(reg.received_at),
    ));
    html.push_str("</table>");
    html
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
    let unit_name = app
        .db
        .place(&reg.unit_code)
        .await?
        .map(|p| {
            if lang == Lang::Hi {
                p.name_hi
            } else {
                p.name_en
            }
        })
        .unwrap_or_else(|| reg.unit_code.clone());
    let eligibility = match (&payload, &member) {
        (Some(p), Some(m)) => RuleSet::builtin(&p.rules_id)
            .map(|rules| rules.evaluate(&m.birth, &p.facts, p.finalised_at.date())),
        _ => None,
    };
    let rules_id = payload.as_ref().map_or("", |p| p.rules_id.as_str());
    let name = member
        .as_ref()
        .map(|m| {
            if lang == Lang::Hi {
                m.name_hi.clone()
            } else {
                m.name_en.clone()
            }
        })
        .unwrap_or_else(|| reg.member_id.clone());
    let title = tm(lang, Message::new("page.detail.title").with("name", &name));

    let mut body = format!(
        "<p><a href=\"/officer/queue\" id=\"back\">← {}</a></p><h1>{title}</h1>",
        t(lang, "page.back")
    );
    match q.done.as_deref() {
        Some("approved") => body.push_str(&format!(
            "<p class=\"done\" role=\"status\" id=\"done\">{}</p>",
            tm(
                lang,
                Message::new("page.decide.approved").with(
                    "number",
                    reg.registration_number.as_deref().unwrap_or_default()
                )
            )
        )),
        Some("rejected") => body.push_str(&format!(
            "<p class=\"done\" role=\"status\" id=\"done\">{}</p>",
            t(lang, "page.decide.rejected")
        )),
        Some("not_pending") => body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"done\">{}</p>",
            t(lang, "page.decide.not_pending")
        )),
        Some("reason_required") => body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"done\">{}</p>",
            t(lang, "page.decide.reason_required")
        )),
        _ => {}
    }
    if let Some(first) = &reg.duplicate_of {
        body.push_str(&format!(
            "<p class=\"duplicate\" id=\"duplicate-of\">{} <a href=\"/officer/registrations/{id}\">{id}</a></p>",
            t(lang, "page.detail.duplicate_of"),
            id = escape(first)
        ));
    }
    body.push_str(&format!(
        "<div class=\"columns\"><section><h2>{}</h2>{}</section><section><h2>{}</h2>{}<h2>{}</h2><div id=\"eligibility\">{}</div></section></div>",
        t(lang, "page.detail.application"),
        application_html(lang, &reg, &unit_name, payload.as_ref()),
        t(lang, "page.detail.samagra"),
        samagra_html(lang, member.as_ref()),
        t(lang, "page.detail.eligibility"),
        eligibility_html(lang, eligibility.as_ref(), rules_id),
    ));

    let others: Vec<RegistrationRow> = app
        .db
        .registrations_of_member(&reg.member_id)
        .await?
        .into_iter()
        .filter(|r| r.id != reg.id)
        .collect();
    if !others.is_empty() {
        body.push_str(&format!(
            "<h2>{}</h2><ul id=\"others\">",
            t(lang, "page.detail.others")
        ));
        for o in &others {
            body.push_str(&format!(
                "<li><a href=\"/officer/registrations/{id}\">{id}</a> {state} {number} · {received}</li>",
                id = escape(&o.id),
                state = state_badge(lang, &o.state),
                number = escape(o.registration_number.as_deref().unwrap_or("")),
                received = date_time(o.received_at),
            ));
        }
        body.push_str("</ul>");
    }

    if reg.state == "pending_approval" {
        body.push_str(&format!(
            "<section class=\"decide\"><p>{undecided}</p>\
             <form method=\"post\" action=\"/officer/registrations/{id}/decide\" class=\"inline\" id=\"approve-form\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"approve\">\
             <button type=\"submit\" class=\"primary\" id=\"approve\">{approve}</button></form>\
             <form method=\"post\" action=\"/officer/registrations/{id}/decide\" class=\"inline\" id=\"reject-form\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"reject\">\
             <label for=\"reason\">{reason}</label>{options}\
             <label for=\"note\">{note}</label><input id=\"note\" name=\"note\" maxlength=\"500\">\
             <button type=\"submit\" class=\"danger\" id=\"reject\">{reject}</button></form>\
             <p class=\"keys\">{keys}</p></section>",
            undecided = t(lang, "page.detail.undecided"),
            id = escape(&reg.id),
            csrf = escape(&user.csrf),
            approve = t(lang, "page.decide.approve"),
            reason = t(lang, "page.decide.reason"),
            options = reason_options(lang, "reason"),
            note = t(lang, "page.decide.note"),
            reject = t(lang, "page.decide.reject"),
            keys = t(lang, "page.keys.detail"),
        ));
    }

    let audit = app.db.audit_for(&reg.id).await?;
    if !audit.is_empty() {
        body.push_str(&format!(
            "<h2>{}</h2><table class=\"audit\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "page.nav.audit"),
            t(lang, "page.audit.when"),
            t(lang, "page.audit.who"),
            t(lang, "page.audit.what"),
            t(lang, "page.audit.why"),
        ));
        for a in &audit {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                date_time(a.at),
                escape(&a.username),
                super::audit::action_text(lang, &a.action),
                escape(
                    &a.reason
                        .as_deref()
                        .map(|r| reject_reason_text(r, lang))
                        .unwrap_or_default()
                ),
            ));
        }
        body.push_str("</tbody></table>");
    }
    Ok(Html(layout(lang, Some(&user), &name, &body)))
}

pub async fn decide(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body);
    user.check_form(&pairs)?;
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
