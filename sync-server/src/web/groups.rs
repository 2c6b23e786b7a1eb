//! Department lists (ASHA and anganwadi workers, MGNREGA workers, mid-day-meal cooks …):
//! imported from a CSV of Samagra member IDs as target groups; how many of each are
//! registered per village or ward of the admin's area, and who is not yet (CSV for the
//! field teams). Also imported with `panjiyan-server import-group`.

use super::progress::admin_area;
use super::{
    PageError, PageUser, count, csv, date_time, escape, form_pairs, form_value, layout, t, table,
    tm,
};
use crate::app::App;
use crate::storage::now_ms;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use panjiyan_core::messages::{Lang, Message};

/// Unregistered members shown on the page; the CSV has all.
const SHOWN: i64 = 200;

fn import_form(lang: Lang, csrf: &str, name: &str, department: &str) -> String {
    format!(
        "<h2>{title}</h2><form method=\"post\" action=\"/admin/groups\" id=\"import-form\" class=\"camp-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label for=\"g-name\">{name_label}</label> <input id=\"g-name\" name=\"name\" value=\"{name}\" maxlength=\"100\" required>\
         <label for=\"g-department\">{department_label}</label> <input id=\"g-department\" name=\"department\" value=\"{department}\" maxlength=\"100\" required></p>\
         <p><label for=\"g-file\">{file_label}</label> <input type=\"file\" id=\"g-file\" accept=\".csv,text/csv\"></p>\
         <p><textarea id=\"g-csv\" name=\"csv\" rows=\"4\" cols=\"60\" placeholder=\"samagra_member_id\"></textarea></p>\
         <p><button type=\"submit\" class=\"primary\" id=\"import\">{button}</button></p></form>",
        title = t(lang, "page.groups.import"),
        csrf = escape(csrf),
        name_label = t(lang, "page.groups.name"),
        name = escape(name),
        department_label = t(lang, "page.groups.department"),
        department = escape(department),
        file_label = t(lang, "page.groups.file"),
        button = t(lang, "page.groups.button"),
    )
}

pub async fn list(State(app): State<App>, user: PageUser) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, None).await?;
    let lang = user.lang;
    let groups = app.db.target_groups().await?;
    let mut body = format!("<h1>{}</h1>", t(lang, "page.groups.title"));
    if groups.is_empty() {
        body.push_str(&format!(
            "<p class=\"empty\">{}</p>",
            t(lang, "page.groups.none")
        ));
    } else {
        let mut rows = Vec::new();
        for g in &groups {
            let coverage = app.db.group_coverage(g.id, &area).await?;
            let members: i64 = coverage.iter().map(|c| c.members).sum();
            let registered: i64 = coverage.iter().map(|c| c.registered).sum();
            rows.push(vec![
                format!("<a href=\"/admin/groups/{}\">{}</a>", g.id, escape(&g.name)),
                escape(&g.department),
                count(members),
                count(registered),
                if members > 0 {
                    format!("{:.1}", registered as f64 * 100.0 / members as f64)
                } else {
                    String::new()
                },
                date_time(g.imported_at),
            ]);
        }
        body.push_str(&table(
            "groups",
            &[
                t(lang, "page.col.list"),
                t(lang, "page.groups.department"),
                t(lang, "page.col.members"),
                t(lang, "page.col.registered"),
                "%".into(),
                t(lang, "page.col.imported"),
            ],
            &rows,
        ));
    }
    body.push_str(&import_form(lang, &user.csrf, "", ""));
    Ok(Html(layout(
        lang,
        Some(&user),
        &t(lang, "page.groups.title"),
        &body,
    ))
    .into_response())
}

/// Imports the posted list (the file's text, read into the form by the page's script, or
/// pasted) and shows what came of it.
pub async fn import(
    State(app): State<App>,
    user: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    admin_area(&app, &user, None).await?;
    let pairs = form_pairs(&body);
    user.check_form(&pairs)?;
    let lang = user.lang;
    let name = form_value(&pairs, "name")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let department = form_value(&pairs, "department")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let text = form_value(&pairs, "csv").unwrap_or_default();
    let again = |problem: String| {
        let page = format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\" id=\"problem\">{problem}</p>{}",
            t(lang, "page.groups.title"),
            import_form(lang, &user.csrf, &name, &department)
        );
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(layout(
                lang,
                Some(&user),
                &t(lang, "page.groups.title"),
                &page,
            )),
        )
            .into_response()
    };
    if name.is_empty()
        || department.is_empty()
        || name.chars().count() > 100
        || department.chars().count() > 100
    {
        return Ok(again(t(lang, "page.groups.problem_name")));
    }
    let (ids, bad) = match crate::import::parse_member_list(text) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return Ok(again(tm(
                lang,
                Message::new("page.groups.problem_file").with("problem", problem),
            )));
        }
    };
    let (id, unknown) = app
        .db
        .import_group(&name, &department, &ids, now_ms())
        .await?;
    tracing::info!(
        group = id,
        members = ids.len() - unknown.len(),
        "department list imported"
    );
    let mut page = format!(
        "<h1>{}</h1><p class=\"done\" role=\"status\" id=\"imported\">{}</p><p><a href=\"/admin/groups/{id}\" id=\"open-group\">{}</a></p>",
        escape(&name),
        tm(
            lang,
            Message::new("page.groups.imported")
                .with("added", count((ids.len() - unknown.len()) as i64))
                .with("unknown", count(unknown.len() as i64))
                .with("bad", count(bad.len() as i64))
        ),
        escape(&name),
    );
    if !bad.is_empty() {
        page.push_str(&format!(
            "<h2>{}</h2><p id=\"bad-rows\">{}</p>",
            t(lang, "page.groups.bad_rows"),
            bad.iter()
                .take(50)
                .map(|b| b.line.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !unknown.is_empty() {
        page.push_str(&format!(
            "<h2>{}</h2><p id=\"unknown-ids\">{}</p>",
            t(lang, "page.groups.unknown_ids"),
            unknown
                .iter()
                .take(50)
                .map(|u| escape(u))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Html(layout(lang, Some(&user), &name, &page)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct GroupQuery {
    format: Option<String>,
    table: Option<String>,
}

pub async fn show(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<GroupQuery>,
) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, None).await?;
    let lang = user.lang;
    let group = app
        .db
        .target_groups()
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(PageError::not_found)?;
    let coverage = app.db.group_coverage(id, &area).await?;
    if q.format.as_deref() == Some("csv") {
        if q.table.as_deref() == Some("unregistered") {
            let rows = app.db.group_unregistered(id, &area, 10_000_000).await?;
            return Ok(csv(
                &format!("list-{id}-unregistered.csv"),
                &["samagra_member_id", "unit_code", "name_hi", "name_en"],
                rows.into_iter()
                    .map(|u| vec![u.member_id, u.unit_code, u.name_hi, u.name_en]),
            ));
        }
        return Ok(csv(
            &format!("list-{id}-coverage.csv"),
            &["unit_code", "name_hi", "name_en", "members", "registered"],
            coverage.iter().map(|c| {
                vec![
                    c.unit_code.clone(),
                    c.name_hi.clone(),
                    c.name_en.clone(),
                    c.members.to_string(),
                    c.registered.to_string(),
                ]
            }),
        ));
    }
    let members: i64 = coverage.iter().map(|c| c.members).sum();
    let registered: i64 = coverage.iter().map(|c| c.registered).sum();
    let mut body = format!(
        "<h1>{name}</h1><p>{department}</p><p class=\"summary\" id=\"coverage-summary\">{summary}</p>\
         <p><a class=\"csv\" href=\"/admin/groups/{id}?format=csv\">{csv}</a></p>",
        name = escape(&group.name),
        department = escape(&group.department),
        summary = tm(
            lang,
            Message::new("page.groups.coverage")
                .with("registered", count(registered))
                .with("members", count(members))
        ),
        csv = t(lang, "page.csv"),
    );
    let rows: Vec<Vec<String>> = coverage
        .iter()
        .map(|c| {
            vec![
                escape(if lang == Lang::Hi {
                    &c.name_hi
                } else {
                    &c.name_en
                }),
                count(c.members),
                count(c.registered),
                format!(
                    "{:.1}",
                    c.registered as f64 * 100.0 / c.members.max(1) as f64
                ),
            ]
        })
        .collect();
    body.push_str(&table(
        "coverage",
        &[
            t(lang, "page.col.unit"),
            t(lang, "page.col.members"),
            t(lang, "page.col.registered"),
            "%".into(),
        ],
        &rows,
    ));
    let missing = app.db.group_unregistered(id, &area, SHOWN).await?;
    body.push_str(&format!(
        "<h2>{} <a class=\"csv\" href=\"/admin/groups/{id}?format=csv&amp;table=unregistered\">{}</a></h2>",
        t(lang, "page.groups.unregistered"),
        t(lang, "page.csv")
    ));
    if missing.is_empty() {
        body.push_str(&format!(
            "<p class=\"done\" id=\"all-registered\">{}</p>",
            t(lang, "page.groups.all_registered")
        ));
    } else {
        if missing.len() as i64 == SHOWN {
            body.push_str(&format!(
                "<p>{}</p>",
                tm(
                    lang,
                    Message::new("page.groups.shown_first").with("shown", SHOWN)
                )
            ));
        }
        let rows: Vec<Vec<String>> = missing
            .iter()
            .map(|m| {
                vec![
                    escape(&m.member_id),
                    escape(if lang == Lang::Hi {
                        &m.name_hi
                    } else {
                        &m.name_en
                    }),
                    escape(&m.unit_code),
                ]
            })
            .collect();
        body.push_str(&table(
            "unregistered",
            &[
                t(lang, "page.col.member_id"),
                t(lang, "page.col.name"),
                t(lang, "page.col.unit"),
            ],
            &rows,
        ));
    }
    Ok(Html(layout(lang, Some(&user), &group.name, &body)).into_response())
}
