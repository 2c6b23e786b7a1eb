//! Employers: registered by district staff or by themselves (after an SMS code to the
//! contact's mobile), checked (kind, name, GSTIN with its check character, Udyam number,
//! a place of the LGD hierarchy in the district, a mobile number), and verified or refused
//! by a labour officer of their district. An unverified employer sees nothing of workers.

use super::{EMPLOYER_KINDS, Problem, RozgarError};
use crate::roles::Role;
use crate::storage::{Db, Employer, NewEmployer, StorageError, User, now_ms};
use panjiyan_core::validate::{Gstin, Mobile, Udyam};

/// An employer's details as typed on a page.
#[derive(Debug, Clone, Default)]
pub struct EmployerForm {
    pub kind: String,
    pub name: String,
    pub gstin: String,
    pub udyam: String,
    /// LGD code of the village, ward, block or town.
    pub place_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_mobile: String,
}

/// Longest name, address or contact name accepted.
const MOST_CHARS: usize = 200;

/// An employer form that passed its checks.
#[derive(Debug, Clone)]
pub struct CheckedEmployer {
    pub kind: String,
    pub name: String,
    pub gstin: Option<Gstin>,
    pub udyam: Option<Udyam>,
    pub place_code: String,
    pub district_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_mobile: Mobile,
}

/// Checks `form` for an employer of district `district` (the staff member's, or the one
/// the employer chose): every problem at once.
pub async fn check(
    db: &Db,
    form: &EmployerForm,
    district: &str,
) -> Result<CheckedEmployer, RozgarError> {
    let mut problems = Vec::new();
    let kind = form.kind.trim();
    if !EMPLOYER_KINDS.contains(&kind) {
        problems.push(Problem::new("kind", "page.jobs.employer_kind_unknown"));
    }
    let mut text = |field: &'static str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            problems.push(Problem::new(field, "page.jobs.field_required"));
        } else if value.chars().count() > MOST_CHARS {
            problems.push(Problem::new(field, "page.jobs.field_too_long").with("max", MOST_CHARS));
        }
        value.to_owned()
    };
    let name = text("name", &form.name);
    let address = text("address", &form.address);
    let contact_name = text("contact_name", &form.contact_name);
    let gstin = match form.gstin.trim() {
        "" => None,
        g => match Gstin::parse(g) {
            Ok(g) => Some(g),
            Err(e) => {
                let key = match e {
                    panjiyan_core::validate::ValidationError::BadChecksum { .. } => {
                        "page.jobs.gstin_check_failed"
                    }
                    _ => "page.jobs.gstin_invalid",
                };
                problems.push(Problem::new("gstin", key));
                None
            }
        },
    };
    let udyam = match form.udyam.trim() {
        "" => None,
        u => Udyam::parse(u)
            .map_err(|_| problems.push(Problem::new("udyam", "page.jobs.udyam_invalid")))
            .ok(),
    };
    let contact_mobile = Mobile::parse(&form.contact_mobile)
        .map_err(|_| problems.push(Problem::new("contact_mobile", "page.jobs.mobile_invalid")))
        .ok();
    let outside = "page.jobs.place_outside_district";
    let place = super::checked_place(db, &form.place_code, district, outside)
        .await?
        .map_err(|p| problems.push(p))
        .ok();
    match (problems.is_empty(), contact_mobile, place) {
        (true, Some(contact_mobile), Some((place, line))) => Ok(CheckedEmployer {
            kind: kind.to_owned(),
            name,
            gstin,
            udyam,
            place_code: place,
            district_code: line.district,
            address,
            contact_name,
            contact_mobile,
        }),
        _ => Err(RozgarError::Refused(problems)),
    }
}

/// Registers a checked employer, awaiting verification, with its own sign-in
/// (`username`, the password already hashed). `registered_by` is the staff member, if any.
pub async fn register(
    db: &Db,
    e: &CheckedEmployer,
    username: &str,
    password_hash: &str,
    registered_by: Option<i64>,
) -> Result<i64, RozgarError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let new = NewEmployer {
        kind: &e.kind,
        name: &e.name,
        gstin: e.gstin.as_ref().map(|g| g.as_str()),
        udyam: e.udyam.as_ref().map(|u| u.as_str()),
        place_code: &e.place_code,
        district_code: &e.district_code,
        address: &e.address,
        contact_name: &e.contact_name,
        contact_mobile: e.contact_mobile.as_str(),
        registered_by,
    };
    let id = match tx.add_employer(&new, now).await {
        Err(StorageError::AlreadyExists(_)) => {
            return Err(RozgarError::refused("gstin", "page.jobs.employer_exists"));
        }
        other => other?,
    };
    let user = match tx
        .add_user(
            username,
            password_hash,
            Role::Employer,
            &e.district_code,
            now,
        )
        .await
    {
        Err(StorageError::AlreadyExists(_)) => {
            return Err(RozgarError::refused("username", "page.jobs.username_taken"));
        }
        other => other?,
    };
    tx.link_employer_user(user, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Verifies (`refusal` None) or refuses an employer awaiting verification. Only staff who
/// verify employers, within whose area the employer's district lies, may; deciding twice
/// changes nothing.
pub async fn decide(
    db: &Db,
    officer: &User,
    employer_id: i64,
    refusal: Option<&str>,
) -> Result<Employer, RozgarError> {
    let employer = db
        .employer(employer_id)
        .await?
        .ok_or_else(|| RozgarError::refused("", "page.jobs.employer_unknown"))?;
    if !officer.role.verifies_employers()
        || !db
            .is_within(&employer.district_code, &officer.jurisdiction)
            .await?
    {
        return Err(RozgarError::refused("", "page.jobs.employer_unknown"));
    }
    if refusal.is_some_and(|r| r.trim().is_empty() || r.chars().count() > 500) {
        return Err(RozgarError::refused(
            "reason",
            "page.jobs.refusal_reason_required",
        ));
    }
    let mut tx = db.begin_write().await?;
    let decided = tx
        .decide_employer(employer_id, officer.id, refusal.map(str::trim), now_ms())
        .await?;
    tx.commit().await?;
    if !decided && employer.standing != "awaiting" {
        // Already decided: the first decision stands.
        return Ok(employer);
    }
    Ok(db
        .employer(employer_id)
        .await?
        .ok_or(StorageError::NotFound("employer"))?)
}

/// The employer user `user` signs in for, only if it is verified: what every page that
/// shows workers asks first.
pub async fn verified_employer_of(db: &Db, user: &User) -> Result<Employer, RozgarError> {
    let employer = match db.employer_of_user(user.id).await? {
        Some(id) => db.employer(id).await?,
        None => None,
    };
    match employer {
        Some(e) if e.is_verified() => Ok(e),
        Some(_) => Err(RozgarError::refused("", "page.jobs.employer_not_verified")),
        None => Err(RozgarError::refused("", "page.jobs.employer_unknown")),
    }
}
