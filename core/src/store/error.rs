//! The store's typed errors. Messages say what is wrong and never carry personal data.

use crate::messages::Message;
use crate::pack::PackError;
use crate::registration::FormProblem;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store key must be 32 bytes, got {0}")]
    BadKeyLength(usize),
    #[error("the store key is wrong: this database was created with another key")]
    WrongKey,
    #[error(
        "the database was written by a newer version of Panjiyan (schema {found}, this build knows {known})"
    )]
    NewerSchema { found: u32, known: u32 },
    #[error("the camp pack was refused: {0}")]
    Pack(#[from] PackError),
    #[error("the delta applies to version {need} of this unit, but the device has {have}")]
    WrongBaseVersion { have: String, need: u64 },
    #[error("this device already has version {have} of the unit, newer than the pack's {offered}")]
    StalePack { have: u64, offered: u64 },
    #[error("the Samagra member is not in any camp pack on this device")]
    MemberNotFound,
    #[error("that village or ward has no camp pack on this device")]
    UnitNotOnDevice,
    #[error(
        "the camp is not on this device's calendar: sync to receive it, or start an unplanned camp"
    )]
    UnknownCamp,
    #[error("no registration with that id on this device")]
    RegistrationNotFound,
    #[error("the registration is not a draft any more, so it cannot be changed")]
    NotADraft,
    #[error("the registration was not refused by the server, so it cannot be reopened")]
    NotRefused,
    #[error("this member already has a registration on this device")]
    AlreadyRegisteredOnDevice,
    #[error("the registration needs the operator to confirm {} warning(s)", .0.len())]
    NeedsConfirmation(Vec<Message>),
    #[error("the form has {} problem(s)", .0.len())]
    FormProblems(Vec<FormProblem>),
    #[error("{0}: update the app to use this camp pack")]
    UnknownRules(#[from] crate::eligibility::RulesError),
    #[error("no offer of work with that id on this device")]
    OfferNotFound,
    #[error("this offer was already answered on this device")]
    OfferAlreadyAnswered,
    #[error("the stored data is damaged or was not written by this store")]
    Corrupt,
    #[error("the device database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// A stable code for the FFI and for sync reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadKeyLength(_) => "bad_key_length",
            Self::WrongKey => "wrong_key",
            Self::OfferNotFound => "offer_not_found",
            Self::OfferAlreadyAnswered => "offer_already_answered",
            Self::NewerSchema { .. } => "newer_schema",
            Self::Pack(_) => "pack_refused",
            Self::WrongBaseVersion { .. } => "wrong_base_version",
            Self::StalePack { .. } => "stale_pack",
            Self::MemberNotFound => "member_not_found",
            Self::UnitNotOnDevice => "unit_not_on_device",
            Self::UnknownCamp => "unknown_camp",
            Self::RegistrationNotFound => "registration_not_found",
            Self::NotADraft => "not_a_draft",
            Self::NotRefused => "not_refused",
            Self::AlreadyRegisteredOnDevice => "already_registered_on_device",
            Self::NeedsConfirmation(_) => "needs_confirmation",
            Self::FormProblems(_) => "form_problems",
            Self::UnknownRules(_) => "unknown_rules",
            Self::Corrupt => "corrupt",
            Self::Sqlite(_) => "database",
        }
    }
}
