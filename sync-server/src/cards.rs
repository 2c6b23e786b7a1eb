//! Registration cards: what the card of an approved registration says (names, number,
//! occupation, date of approval, issuing office) and the signed statement its QR code carries
//! (`panjiyan_core::statement`, signed with the pack key phones already trust), checked again
//! by the status page.

use crate::app::App;
use crate::storage::{RegistrationRow, StorageError};
use panjiyan_core::india_time;
use panjiyan_core::messages::Lang;
use panjiyan_core::occupation::OccupationList;
use panjiyan_core::registration::RegistrationState;
use panjiyan_core::samagra::Member;
use panjiyan_core::statement::{RegistrationStatement, StatementError};

/// The statement of approved registration `row` of `member`, signed: what its card's QR holds.
pub fn statement(app: &App, row: &RegistrationRow, member: &Member) -> Option<String> {
    if row.registration_state() != Some(RegistrationState::Approved) {
        return None;
    }
    let statement = RegistrationStatement {
        number: row.registration_number.clone()?,
        member_id: row.member_id.clone(),
        name_en: member.name_en.clone(),
        name_hi: member.name_hi.clone(),
        occupation: row.occupation_code.clone(),
        approved_on: india_time::date(row.decided_at?),
        key_id: String::new(),
    };
    Some(statement.sign(&app.pack_key))
}

/// A statement checked: what it says, and whether the registration is still approved today.
#[derive(Debug, Clone)]
pub struct Checked {
    pub statement: RegistrationStatement,
    pub still_approved: bool,
}

/// Checks a statement a card's QR code held: signed by this server's key, unaltered, and
/// whether its registration still stands.
pub async fn check(app: &App, text: &str) -> Result<Result<Checked, StatementError>, StorageError> {
    let statement = match RegistrationStatement::verify(text, &app.pack_key.public_key()) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let now = app.db.worker_status(&statement.member_id).await?;
    let still_approved = now.is_some_and(|s| {
        RegistrationState::parse(&s.state) == Some(RegistrationState::Approved)
            && s.registration_number.as_deref() == Some(statement.number.as_str())
    });
    Ok(Ok(Checked {
        statement,
        still_approved,
    }))
}

/// An occupation's name in `lang` (its code when the list does not know it).
pub fn occupation_name(code: &str, lang: Lang) -> String {
    OccupationList::builtin()
        .get(code)
        .map_or_else(|| code.to_owned(), |o| o.name(lang).to_owned())
}
