//! Employers of Rozgar Setu: who they are, where, their contact person, and whether a labour
//! officer of their district has verified them.

use super::{DESCENDANTS, Db, StorageError, Tx, in_tx, on_pool};
use serde::Serialize;

/// An employer as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Employer {
    pub id: i64,
    /// large_industry | msme | contractor | builder | placement_agency | shop | government
    pub kind: String,
    pub name: String,
    pub gstin: Option<String>,
    pub udyam: Option<String>,
    /// The village, ward, block or town of the workplace or office.
    pub place_code: String,
    pub district_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_mobile: String,
    /// awaiting | verified | refused
    pub standing: String,
    pub verified_at: Option<i64>,
    pub refused_reason: Option<String>,
    pub created_at: i64,
}

impl Employer {
    pub fn is_verified(&self) -> bool {
        self.standing == "verified"
    }
}

/// An employer to register.
#[derive(Debug, Clone)]
pub struct NewEmployer<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub gstin: Option<&'a str>,
    pub udyam: Option<&'a str>,
    pub place_code: &'a str,
    pub district_code: &'a str,
    pub address: &'a str,
    pub contact_name: &'a str,
    pub contact_mobile: &'a str,
    /// The staff member who registered it; `None` when it registered itself.
    pub registered_by: Option<i64>,
}

const COLUMNS: &str =
    "id, kind, name, gstin, udyam, place_code, district_code, address, contact_name,
    contact_mobile, standing, verified_at, refused_reason, created_at";

impl Db {
    pub async fn employer(&self, id: i64) -> Result<Option<Employer>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM employers WHERE id = $1");
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Employers of the districts within `area`, those awaiting verification first, then by name.
    pub async fn employers_within(&self, area: &str) -> Result<Vec<Employer>, StorageError> {
        let sql = format!(
            "{DESCENDANTS} SELECT {COLUMNS} FROM employers WHERE district_code IN (SELECT code FROM sub)
             ORDER BY CASE standing WHEN 'awaiting' THEN 0 WHEN 'verified' THEN 1 ELSE 2 END, created_at, id"
        );
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(area)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The employer a user signs in for, if the user is an employer's.
    pub async fn employer_of_user(&self, user_id: i64) -> Result<Option<i64>, StorageError> {
        on_pool!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT employer_id FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(pool)
                    .await?
                    .flatten(),
            )
        })
    }
}

impl Tx {
    /// Registers an employer, awaiting verification. A GSTIN or Udyam number already
    /// registered is `AlreadyExists`.
    pub async fn add_employer(
        &mut self,
        e: &NewEmployer<'_>,
        now: i64,
    ) -> Result<i64, StorageError> {
        let result = in_tx!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO employers(kind, name, gstin, udyam, place_code, district_code, address, contact_name,
                    contact_mobile, registered_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(e.kind)
            .bind(e.name)
            .bind(e.gstin)
            .bind(e.udyam)
            .bind(e.place_code)
            .bind(e.district_code)
            .bind(e.address)
            .bind(e.contact_name)
            .bind(e.contact_mobile)
            .bind(e.registered_by)
            .bind(now)
            .fetch_one(&mut *c)
            .await
        });
        match result {
            Ok(id) => Ok(id),
            Err(e)
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation()) =>
            {
                Err(StorageError::AlreadyExists(
                    "an employer with that GSTIN or Udyam number",
                ))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Verifies (`refusal` None) or refuses an employer awaiting verification. Returns whether
    /// it was awaiting (a second decision changes nothing).
    pub async fn decide_employer(
        &mut self,
        id: i64,
        officer: i64,
        refusal: Option<&str>,
        now: i64,
    ) -> Result<bool, StorageError> {
        in_tx!(self, |c| {
            let done = sqlx::query(
                "UPDATE employers SET standing = $2, verified_by = $3, verified_at = $4, refused_reason = $5
                 WHERE id = $1 AND standing = 'awaiting'",
            )
            .bind(id)
            .bind(if refusal.is_some() { "refused" } else { "verified" })
            .bind(officer)
            .bind(now)
            .bind(refusal)
            .execute(&mut *c)
            .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Makes user `user_id` the sign-in of employer `employer_id`.
    pub async fn link_employer_user(
        &mut self,
        user_id: i64,
        employer_id: i64,
    ) -> Result<(), StorageError> {
        in_tx!(self, |c| {
            sqlx::query("UPDATE users SET employer_id = $2 WHERE id = $1")
                .bind(user_id)
                .bind(employer_id)
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }
}
