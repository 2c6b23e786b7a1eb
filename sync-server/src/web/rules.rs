//! The campaign's rule sets for admins: which one packs are built with now, every rule set
//! and version the server knows (built in, or loaded by an admin), and how many registrations
//! within the admin's area each judged.

use super::progress::admin_area;
use super::{Frame, PageError, PageUser, render};
use crate::app::App;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use panjiyan_core::eligibility::RuleSet;
use panjiyan_core::messages::Lang;

/// One rule set and version, and what it judged.
struct RulesLine {
    id: String,
    version: i64,
    name: String,
    current: bool,
    judged: i64,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    frame: Frame,
    lines: Vec<RulesLine>,
}

pub async fn page(State(app): State<App>, user: PageUser) -> Result<Html<String>, PageError> {
    let area = admin_area(&app, &user, None).await?;
    let judged = app.db.judged_by(&area).await?;
    let current = &app.settings.rules;
    let known: Vec<RuleSet> = [RuleSet::mp_2018(), RuleSet::eshram()]
        .into_iter()
        .chain(app.loaded_rules.iter().cloned())
        .collect();
    let name = |r: &RuleSet| match user.lang {
        Lang::Hi => r.name_hi.clone(),
        Lang::En => r.name_en.clone(),
    };
    let mut lines: Vec<RulesLine> = known
        .iter()
        .map(|r| RulesLine {
            id: r.id.clone(),
            version: i64::from(r.version),
            name: name(r),
            current: r.id == current.id && r.version == current.version,
            judged: judged
                .iter()
                .find(|(id, v, _)| *id == r.id && *v == i64::from(r.version))
                .map_or(0, |j| j.2),
        })
        .collect();
    // Registrations judged by a rule set this server no longer knows are counted too.
    for (id, version, n) in &judged {
        if !lines.iter().any(|l| l.id == *id && l.version == *version) {
            lines.push(RulesLine {
                id: id.clone(),
                version: *version,
                name: String::new(),
                current: false,
                judged: *n,
            });
        }
    }
    render(&RulesPage {
        frame: Frame::titled(&user, "page.rules.title"),
        lines,
    })
}
