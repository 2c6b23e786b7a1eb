//! Registration cards: what the card of an approved registration says (names, number,
//! occupation, date of approval, issuing office) and the signed statement its QR code carries
//! (`panjiyan_core::statement`, signed with the pack key phones already trust), checked again
//! by the status page; and a planned camp's application forms, printed beforehand.

use crate::app::App;
use crate::print::{
    Card, CardLabels, CardLayout, DEFAULT_FONT_DIR, Fonts, FormFamily, FormLabels, FormMember,
    FormsCamp, PrintError, application_forms_pdf, cards_pdf,
};
use crate::storage::{RegistrationRow, StorageError};
use panjiyan_core::india_time;
use panjiyan_core::messages::{Lang, Message};
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

/// Checks a statement a card's QR code held: signed by this server's key (or, during a
/// rotation, the previous one: cards printed before it still check), unaltered, and
/// whether its registration still stands.
pub async fn check(app: &App, text: &str) -> Result<Result<Checked, StatementError>, StorageError> {
    let statement = match RegistrationStatement::verify(text, &app.trusted_pack_keys()) {
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

/// The fonts cards and forms are printed with, read once (`PANJIYAN_FONT_DIR`, else Debian's
/// fonts-noto-core directory).
fn fonts() -> Result<&'static Fonts, PrintError> {
    static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
    if let Some(f) = FONTS.get() {
        return Ok(f);
    }
    let dir = std::env::var_os("PANJIYAN_FONT_DIR")
        .map_or_else(|| std::path::PathBuf::from(DEFAULT_FONT_DIR), Into::into);
    let loaded = Fonts::load(&dir)?;
    Ok(FONTS.get_or_init(|| loaded))
}

/// Why a card or a camp's forms could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Print(#[from] PrintError),
}

/// The district office that issues a card for a worker of `unit`, in both languages.
async fn office_of(app: &App, unit: &str) -> Result<(String, String), StorageError> {
    let lineage = app.db.lineage(unit).await?;
    let district = lineage
        .iter()
        .find(|p| p.level == panjiyan_core::location::Level::District);
    let (hi, en) =
        district.map_or_else(Default::default, |d| (d.name_hi.clone(), d.name_en.clone()));
    Ok((
        crate::texts::text(
            Lang::Hi,
            &Message::new("page.card.office_of").with("district", hi),
        ),
        crate::texts::text(
            Lang::En,
            &Message::new("page.card.office_of").with("district", en),
        ),
    ))
}

/// The card of registration `row`, if it is approved and its member is known.
async fn card_for(app: &App, row: &RegistrationRow) -> Result<Option<Card>, StorageError> {
    let Some((_, member)) = app.db.member_record(&row.member_id).await? else {
        return Ok(None);
    };
    let Some(qr) = statement(app, row, &member) else {
        return Ok(None);
    };
    let (office_hi, office_en) = office_of(app, &row.unit_code).await?;
    Ok(Some(Card {
        name_hi: member.name_hi.clone(),
        name_en: member.name_en.clone(),
        registration_number: row.registration_number.clone().unwrap_or_default(),
        occupation_hi: occupation_name(&row.occupation_code, Lang::Hi),
        occupation_en: occupation_name(&row.occupation_code, Lang::En),
        approved_on: row.decided_at.map(india_time::date).unwrap_or_default(),
        office_hi,
        office_en,
        qr,
    }))
}

/// The card of registration `id` as a PDF of card size; `None` when it is not approved.
pub async fn card_pdf(app: &App, id: &str) -> Result<Option<Vec<u8>>, CardError> {
    let Some(row) = app.db.registration(id).await? else {
        return Ok(None);
    };
    let Some(card) = card_for(app, &row).await? else {
        return Ok(None);
    };
    let fonts = fonts()?;
    Ok(Some(cards_pdf(
        fonts,
        &CardLabels::from_texts(),
        &[card],
        CardLayout::Single,
    )?))
}

/// The cards of every approved registration made at camp `camp_id`, eight to an A4 sheet;
/// `None` when there is none.
pub async fn camp_cards_pdf(app: &App, camp_id: &str) -> Result<Option<Vec<u8>>, CardError> {
    let mut cards = Vec::new();
    for row in app.db.approved_at_camp(camp_id).await? {
        if let Some(card) = card_for(app, &row).await? {
            cards.push(card);
        }
    }
    if cards.is_empty() {
        return Ok(None);
    }
    let fonts = fonts()?;
    Ok(Some(cards_pdf(
        fonts,
        &CardLabels::from_texts(),
        &cards,
        CardLayout::A4Eight,
    )?))
}

/// The application forms of planned camp `camp`, pre-filled for every member of working age
/// (the campaign's age rule on the camp's day) in its villages who has no registration that
/// counts yet, family by family.
pub async fn camp_forms_pdf(app: &App, camp: &crate::storage::Camp) -> Result<Vec<u8>, CardError> {
    let day = india_time::date_of(india_time::at_ms(camp.starts_at));
    let (min, max) = app.settings.rules.age_range().unwrap_or((18, 60));
    let mut families = Vec::new();
    let mut place_hi = Vec::new();
    let mut place_en = Vec::new();
    for unit in &camp.units {
        if let Some(p) = app.db.place(unit).await? {
            place_hi.push(p.name_hi.clone());
            place_en.push(p.name_en.clone());
        }
        let contents = app.db.unit_contents(unit).await?;
        // Who already has a registration that counts needs no form.
        let registered: std::collections::HashSet<String> = contents
            .registered
            .iter()
            .filter(|r| {
                matches!(
                    r.state,
                    RegistrationState::PendingApproval | RegistrationState::Approved
                )
            })
            .map(|r| r.member_id.to_string())
            .collect();
        for family in &contents.families {
            let members: Vec<FormMember> = contents
                .members
                .iter()
                .filter(|m| m.family_id == family.family_id)
                .filter(|m| !registered.contains(m.member_id.as_str()))
                .filter(|m| (min..=max).contains(&m.birth.age_on(day)))
                .map(|m| form_member(m, day))
                .collect();
            if !members.is_empty() {
                families.push(FormFamily {
                    family_id: family.family_id.to_string(),
                    address_hi: family.address_hi.clone(),
                    address_en: family.address_en.clone(),
                    members,
                });
            }
        }
    }
    let forms = FormsCamp {
        camp_id: camp.id.clone(),
        place_hi: place_hi.join(", "),
        place_en: place_en.join(", "),
        date: india_time::date(camp.starts_at),
        families,
    };
    Ok(application_forms_pdf(
        fonts()?,
        &FormLabels::from_texts(),
        &forms,
    )?)
}

fn form_member(m: &Member, day: time::Date) -> FormMember {
    let gender = |lang| {
        crate::texts::key(
            lang,
            match m.gender {
                panjiyan_core::samagra::Gender::Male => "page.gender.male",
                panjiyan_core::samagra::Gender::Female => "page.gender.female",
                _ => "page.gender.other",
            },
        )
    };
    let birth = match (m.birth.day, m.birth.month) {
        (Some(d), Some(mo)) => format!("{d:02}-{mo:02}-{}", m.birth.year),
        _ => m.birth.year.to_string(),
    };
    FormMember {
        member_id: m.member_id.to_string(),
        name_hi: m.name_hi.clone(),
        name_en: m.name_en.clone(),
        guardian_hi: m.guardian_name_hi.clone(),
        guardian_en: m.guardian_name_en.clone(),
        gender_hi: gender(Lang::Hi),
        gender_en: gender(Lang::En),
        birth,
        age: m.birth.age_on(day).to_string(),
    }
}
