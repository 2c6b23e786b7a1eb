//! Rozgar Setu: registered returned migrants matched with employers near home, and offers
//! followed to the day the worker joins. Each step is one transaction of storage steps:
//! `register` (skill register from an approved registration, consent), `employers`
//! (registration, GSTIN/Udyam check, verification), `requirements` (checked against the
//! state's minimum wage and the employer's district), `matching` (the ranked, explained
//! shortlist), `offers` (sent by SMS and voice, answered by SMS reply, the worker's page, a
//! camp phone or staff; joining), `funnel` (what the district cell reads).

pub mod employers;
pub mod funnel;
pub mod matching;
pub mod offers;
pub mod register;
pub mod requirements;

use crate::storage::StorageError;
use panjiyan_core::messages::{Lang, Message};
use panjiyan_core::occupation::OccupationList;

/// Why a Rozgar Setu step was refused: the field (a form's name, or "" for the whole
/// request) and what to tell the person, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: Message,
}

impl Problem {
    pub fn new(field: &'static str, key: &str) -> Self {
        Self {
            field,
            message: Message::new(key),
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.message = self.message.with(name, value);
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RozgarError {
    /// The person's input or request cannot be taken; nothing was stored.
    #[error("refused: {}", .0.iter().map(|p| p.message.key.as_str()).collect::<Vec<_>>().join(", "))]
    Refused(Vec<Problem>),
    /// A fault of ours.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl RozgarError {
    pub fn refused(field: &'static str, key: &str) -> Self {
        RozgarError::Refused(vec![Problem::new(field, key)])
    }

    /// The message keys refused, for tests and logs (no personal data).
    pub fn keys(&self) -> Vec<String> {
        match self {
            RozgarError::Refused(p) => p.iter().map(|p| p.message.key.clone()).collect(),
            RozgarError::Storage(_) => Vec::new(),
        }
    }
}

/// What an employer may be: the kinds the state's portal registered.
pub const EMPLOYER_KINDS: [&str; 7] = [
    "large_industry",
    "msme",
    "contractor",
    "builder",
    "placement_agency",
    "shop",
    "government",
];

/// A place of work as typed on a form (field `place_code`), checked to lie in `district`:
/// its code and line, or the problem to show (`outside` the key when it lies elsewhere).
pub async fn checked_place(
    db: &crate::storage::Db,
    typed: &str,
    district: &str,
    outside: &str,
) -> Result<Result<(String, crate::storage::PlaceLine), Problem>, StorageError> {
    let code = match place_code(db, typed, district).await? {
        Ok(code) => code,
        Err(problem) => return Ok(Err(problem)),
    };
    let line = db.place_line(&code).await?;
    Ok(if code.is_empty() || line.district.is_empty() {
        Err(Problem::new("place_code", "page.jobs.place_unknown"))
    } else if line.district != district {
        Err(Problem::new("place_code", outside))
    } else {
        Ok((code, line))
    })
}

/// A place as typed: its LGD code, or the start of its name in Hindi or English within
/// `district`. A name that fits one place is that place's code; one that fits several is a
/// problem listing them (with their codes) to choose from; one that fits none is a problem
/// too. A code is returned as typed.
async fn place_code(
    db: &crate::storage::Db,
    typed: &str,
    district: &str,
) -> Result<Result<String, Problem>, StorageError> {
    let typed = typed.trim();
    if typed.is_empty() || typed.bytes().all(|b| b.is_ascii_digit()) || district.is_empty() {
        return Ok(Ok(typed.to_owned()));
    }
    let found = db.places_named(district, typed, PLACE_CHOICES + 1).await?;
    // A name typed whole picks its place even when longer names start with it.
    let exact: Vec<_> = found
        .iter()
        .filter(|p| p.name_en.eq_ignore_ascii_case(typed) || p.name_hi == typed)
        .cloned()
        .collect();
    match (found.as_slice(), exact.as_slice()) {
        ([], _) => Ok(Err(Problem::new("place_code", "page.jobs.place_unknown"))),
        ([one], _) | (_, [one]) => Ok(Ok(one.code.to_string())),
        (many, _) => {
            let choices: Vec<String> = many
                .iter()
                .take(PLACE_CHOICES as usize)
                .map(|p| format!("{} / {} ({})", p.name_hi, p.name_en, p.code))
                .collect();
            Ok(Err(Problem::new("place_code", "page.jobs.place_choose")
                .with("choices", choices.join("; "))))
        }
    }
}

/// How many places a name that fits several lists to choose from.
const PLACE_CHOICES: i64 = 8;

/// Days an offer may wait for an answer, and an accepted one for joining, before the
/// district cell is told.
pub const STALE_DAYS: i64 = 7;

/// A trade's name in `lang` (its code when it is not on the occupation list).
pub fn trade_name(code: &str, lang: Lang) -> String {
    OccupationList::shipped()
        .categories
        .iter()
        .find(|o| o.code == code)
        .map_or_else(|| code.to_owned(), |o| o.name(lang).to_owned())
}
