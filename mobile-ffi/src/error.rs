//! The one error type Kotlin sees. Each variant has a stable code; messages never carry
//! personal data or internal error text.

use panjiyan_core::messages::Lang;
use panjiyan_core::store::StoreError;
use panjiyan_core::sync::SyncError;

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PanjiyanError {
    /// The store key is not the one the database was made with.
    #[error("the store key is wrong")]
    WrongKey { code: String },
    /// The form has problems; each names its field and has Hindi and English texts.
    #[error("the form has problems")]
    FormProblems {
        code: String,
        problems: Vec<crate::records::Problem>,
    },
    /// Warnings the operator must confirm before saving.
    #[error("the operator must confirm")]
    NeedsConfirmation {
        code: String,
        warnings: Vec<crate::records::Text>,
    },
    /// Something the caller asked for is not there (member, registration, unit).
    #[error("not found: {code}")]
    NotFound { code: String },
    /// The request cannot be done as asked (e.g. a second registration of one member).
    #[error("refused: {code}")]
    Refused { code: String, detail: String },
    /// The server or the network: try again later.
    #[error("sync failed: {code}")]
    Sync { code: String, detail: String },
    /// The store was closed; open it again.
    #[error("the store is closed")]
    Closed { code: String },
    /// An argument from the app is not valid.
    #[error("invalid input: {detail}")]
    InvalidInput { code: String, detail: String },
    /// Anything else: logged on the device, shown as a generic failure.
    #[error("internal failure")]
    Internal { code: String },
}

impl PanjiyanError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            code: "invalid_input".into(),
            detail: message.into(),
        }
    }

    pub(crate) fn closed() -> Self {
        Self::Closed {
            code: "closed".into(),
        }
    }
}

impl From<StoreError> for PanjiyanError {
    fn from(e: StoreError) -> Self {
        let code = e.code().to_owned();
        match e {
            StoreError::WrongKey => Self::WrongKey { code },
            StoreError::BadKeyLength(n) => Self::InvalidInput {
                code,
                detail: format!("the key must be 32 bytes, not {n}"),
            },
            StoreError::FormProblems(problems) => Self::FormProblems {
                code,
                problems: problems.into_iter().map(Into::into).collect(),
            },
            StoreError::NeedsConfirmation(warnings) => Self::NeedsConfirmation {
                code,
                warnings: warnings.iter().map(Into::into).collect(),
            },
            StoreError::MemberNotFound
            | StoreError::RegistrationNotFound
            | StoreError::UnitNotOnDevice
            | StoreError::OfferNotFound => Self::NotFound { code },
            StoreError::AlreadyRegisteredOnDevice
            | StoreError::NotADraft
            | StoreError::NotRefused
            | StoreError::StalePack { .. }
            | StoreError::WrongBaseVersion { .. }
            | StoreError::Pack(_)
            | StoreError::NewerSchema { .. }
            | StoreError::UnknownRules(_)
            | StoreError::UnknownCamp
            | StoreError::OfferAlreadyAnswered => Self::Refused {
                code,
                detail: e.to_string(),
            },
            StoreError::Corrupt | StoreError::Sqlite(_) => Self::Internal { code },
        }
    }
}

impl From<SyncError> for PanjiyanError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(s) => s.into(),
            // A pack signed by a key the device cannot trace to its own: not for retrying.
            e @ SyncError::UntrustedPackKey(_) => Self::Refused {
                code: e.code().to_owned(),
                detail: e.to_string(),
            },
            other => {
                // Sync messages name what failed (a status, a code), never personal data.
                let code = other.code().to_owned();
                Self::Sync {
                    code,
                    detail: other.to_string(),
                }
            }
        }
    }
}

pub(crate) fn lang(code: &str) -> Lang {
    if code == "en" { Lang::En } else { Lang::Hi }
}
