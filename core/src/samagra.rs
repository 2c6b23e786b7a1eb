//! Samagra records: the state's family register as a camp holds it, families and their members.

use crate::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CasteCategory {
    Sc,
    St,
    Obc,
    General,
}

/// Relation to the head of the family, as Samagra records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Head,
    Spouse,
    Son,
    Daughter,
    DaughterInLaw,
    SonInLaw,
    Father,
    Mother,
    Brother,
    Sister,
    Grandchild,
    Other,
}

/// A date of birth as Samagra holds it: often only an estimated year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BirthDate {
    pub year: i32,
    /// 1-12, absent when only the year is known.
    pub month: Option<u8>,
    /// 1-31, absent when only the year (or year and month) is known.
    pub day: Option<u8>,
}

impl BirthDate {
    pub fn year_only(year: i32) -> Self {
        Self {
            year,
            month: None,
            day: None,
        }
    }

    /// True when Samagra knows only the year (the age is then estimated).
    pub fn is_estimated(&self) -> bool {
        self.month.is_none() || self.day.is_none()
    }

    /// Age in completed years on `on`. With only a year known, the birthday is taken to be
    /// 1 July (the middle of the year), the usual convention for estimated ages.
    pub fn age_on(&self, on: time::Date) -> i32 {
        let month = self.month.unwrap_or(7) as i32;
        let day = self.day.unwrap_or(1) as i32;
        let mut age = on.year() - self.year;
        let (m, d) = (on.month() as i32, on.day() as i32);
        if (m, d) < (month, day) {
            age -= 1;
        }
        age
    }
}

/// One person in the Samagra register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub member_id: SamagraMemberId,
    pub family_id: SamagraFamilyId,
    /// Name in Devanagari, as Samagra spells it.
    pub name_hi: String,
    /// Name in Latin letters, as Samagra spells it (spellings vary: search tolerates that).
    pub name_en: String,
    /// Father's or husband's name, Devanagari.
    pub guardian_name_hi: String,
    /// Father's or husband's name, Latin.
    pub guardian_name_en: String,
    pub gender: Gender,
    pub birth: BirthDate,
    pub relation: Relation,
    pub caste: CasteCategory,
}

/// A Samagra family: its address and the unit (village or ward) it lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub family_id: SamagraFamilyId,
    /// The village or ward (LGD code) the family lives in.
    pub unit_code: LgdCode,
    pub address_hi: String,
    pub address_en: String,
    pub head_member_id: SamagraMemberId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_counts_completed_years() {
        let b = BirthDate {
            year: 2000,
            month: Some(5),
            day: Some(20),
        };
        assert_eq!(b.age_on(date!(2018 - 05 - 19)), 17);
        assert_eq!(b.age_on(date!(2018 - 05 - 20)), 18);
    }

    #[test]
    fn estimated_birth_year_is_taken_as_mid_year() {
        let b = BirthDate::year_only(2000);
        assert!(b.is_estimated());
        assert_eq!(b.age_on(date!(2018 - 06 - 30)), 17);
        assert_eq!(b.age_on(date!(2018 - 07 - 01)), 18);
    }
}
