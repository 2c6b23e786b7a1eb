//! Department lists (ASHA and anganwadi workers, MGNREGA workers, mid-day-meal cooks …):
//! imported from a CSV of Samagra member IDs as target groups; how many of each are
//! registered per village or ward of the admin's area, and who is not yet (CSV for the
//! field teams). Also imported with `panjiyan-server import-group`.

use super::progress::admin_area;
use super::{
    CsvRow, Frame, PageError, PageUser, count, csv_of, date_time, form_pairs, form_value, render,
    t, tm,
};
use crate::app::App;
use crate::storage::{GroupCoverage, TargetGroup, Unregistered, now_ms};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use panjiyan_core::messages::{Lang, Message};

/// Unregistered members shown on the page; the CSV has all.
const SHOWN: i64 = 200;

/// Members and registered members of a list, summed over the admin's area.
struct Totals {
    members: i64,
    registered: i64,
}

impl Totals {
    fn of(coverage: &[GroupCoverage]) -> Self {
        Self {
            members: coverage.iter().map(|c| c.members).sum(),
            registered: coverage.iter().map(|c| c.registered).sum(),
        }
    }

    fn percent(&self) -> String {
        if self.members > 0 {
            format!(
                "{:.1}",
                self.registered as f64 * 100.0 / self.members as f64
            )
        } else {
            String::new()
        }
    }
}

/// A list with its coverage in the admin's area.
struct GroupLine {
    group: TargetGroup,
    coverage: Totals,
}

impl GroupLine {
    fn imported(&self) -> String {
        date_time(self.group.imported_at)
    }
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage<'a> {
    frame: Frame,
    problem: Option<String>,
    groups: Vec<GroupLine>,
    name: &'a str,
    department: &'a str,
}

pub async fn list(State(app): State<App>, user: PageUser) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, None).await?;
    let mut groups = Vec::new();
    for group in app.db.target_groups(&area).await? {
        let coverage = Totals::of(&app.db.group_coverage(group.id, &area).await?);
        groups.push(GroupLine { group, coverage });
    }
    let page = GroupsPage {
        frame: Frame::titled(&user, "page.groups.title"),
        problem: None,
        groups,
        name: "",
        department: "",
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "group_imported.html")]
struct ImportedPage<'a> {
    frame: Frame,
    id: i64,
    name: &'a str,
    summary: String,
    bad_lines: String,
    unknown_ids: String,
}

/// Imports the posted list (the file's text, read into the form by the page's script, or
/// pasted) and shows what came of it.
pub async fn import(
    State(app): State<App>,
    user: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    let area = admin_area(&app, &user, None).await?;
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
    let list = form_value(&pairs, "csv").unwrap_or_default();
    let again = |problem: String| -> Result<Response, PageError> {
        let page = GroupsPage {
            frame: Frame::titled(&user, "page.groups.title"),
            problem: Some(problem),
            groups: Vec::new(),
            name: &name,
            department: &department,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    if name.is_empty()
        || department.is_empty()
        || name.chars().count() > 100
        || department.chars().count() > 100
    {
        return again(t(lang, "page.groups.problem_name"));
    }
    let (ids, bad) = match crate::import::parse_member_list(list) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return again(tm(
                lang,
                Message::new("page.groups.problem_file").with("problem", problem),
            ));
        }
    };
    // The list belongs to the admin's own area; another area's list of that name stays.
    let imported = app
        .db
        .import_group(&name, &department, &area, &ids, now_ms())
        .await;
    let (id, unknown) = match imported {
        Err(crate::storage::StorageError::AlreadyExists(_)) => {
            return again(tm(
                lang,
                Message::new("page.groups.problem_taken").with("name", &name),
            ));
        }
        other => other?,
    };
    tracing::info!(
        group = id,
        members = ids.len() - unknown.len(),
        "department list imported"
    );
    let page = ImportedPage {
        frame: Frame::new(lang, Some(&user), name.clone()),
        id,
        name: &name,
        summary: tm(
            lang,
            Message::new("page.groups.imported")
                .with("added", count((ids.len() - unknown.len()) as i64))
                .with("unknown", count(unknown.len() as i64))
                .with("bad", count(bad.len() as i64)),
        ),
        bad_lines: bad
            .iter()
            .take(50)
            .map(|b| b.line.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        unknown_ids: unknown
            .iter()
            .take(50)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct GroupQuery {
    format: Option<String>,
    table: Option<String>,
}

/// How much of a list is registered in one village or ward.
struct CoverageLine(GroupCoverage);

impl CoverageLine {
    fn name(&self, lang: &Lang) -> &str {
        match lang {
            Lang::Hi => &self.0.name_hi,
            Lang::En => &self.0.name_en,
        }
    }

    fn percent(&self) -> String {
        format!(
            "{:.1}",
            self.0.registered as f64 * 100.0 / self.0.members.max(1) as f64
        )
    }
}

impl CsvRow for CoverageLine {
    const HEAD: &'static [&'static str] =
        &["unit_code", "name_hi", "name_en", "members", "registered"];

    fn cells(&self) -> Vec<String> {
        let c = &self.0;
        vec![
            c.unit_code.clone(),
            c.name_hi.clone(),
            c.name_en.clone(),
            c.members.to_string(),
            c.registered.to_string(),
        ]
    }
}

/// A member of the list not registered yet.
struct MissingLine(Unregistered);

impl MissingLine {
    fn name(&self, lang: &Lang) -> &str {
        match lang {
            Lang::Hi => &self.0.name_hi,
            Lang::En => &self.0.name_en,
        }
    }
}

impl CsvRow for MissingLine {
    const HEAD: &'static [&'static str] = &["samagra_member_id", "unit_code", "name_hi", "name_en"];

    fn cells(&self) -> Vec<String> {
        let u = &self.0;
        vec![
            u.member_id.clone(),
            u.unit_code.clone(),
            u.name_hi.clone(),
            u.name_en.clone(),
        ]
    }
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    frame: Frame,
    summary: String,
    group: TargetGroup,
    coverage: Vec<CoverageLine>,
    shown_first: Option<String>,
    missing: Vec<MissingLine>,
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
        .target_groups(&area)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(PageError::not_found)?;
    let coverage = app.db.group_coverage(id, &area).await?;
    let totals = Totals::of(&coverage);
    let coverage: Vec<CoverageLine> = coverage.into_iter().map(CoverageLine).collect();
    let csv_wanted = q.format.as_deref() == Some("csv");
    if csv_wanted && q.table.as_deref() != Some("unregistered") {
        return Ok(csv_of(&format!("list-{id}-coverage.csv"), &coverage));
    }
    let limit = if csv_wanted { 10_000_000 } else { SHOWN };
    let missing: Vec<MissingLine> = (app.db.group_unregistered(id, &area, limit).await?)
        .into_iter()
        .map(MissingLine)
        .collect();
    if csv_wanted {
        return Ok(csv_of(&format!("list-{id}-unregistered.csv"), &missing));
    }
    let page = GroupPage {
        frame: Frame::new(lang, Some(&user), group.name.clone()),
        summary: tm(
            lang,
            Message::new("page.groups.coverage")
                .with("registered", count(totals.registered))
                .with("members", count(totals.members)),
        ),
        group,
        coverage,
        shown_first: (missing.len() as i64 == SHOWN).then(|| {
            tm(
                lang,
                Message::new("page.groups.shown_first").with("shown", SHOWN),
            )
        }),
        missing,
    };
    Ok(render(&page)?.into_response())
}
