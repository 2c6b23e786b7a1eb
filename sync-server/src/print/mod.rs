//! Printing to PDF: registration cards for approved workers and a camp's pre-filled application
//! forms, from plain data to bytes (no database, no HTTP). ADR 0007 says why it is built this way.
//!
//! | module | owns |
//! |---|---|
//! | `fonts` | the four Noto fonts (Devanagari and Latin, regular and bold), read once from a directory |
//! | `shape` | text into positioned glyphs: runs by script, each shaped by rustybuzz |
//! | `document` | the PDF: pages drawn in millimetres, embedded font subsets, extractable text, QR codes |
//! | `card` | the registration card, one per page or eight to an A4 sheet with cut marks |
//! | `forms` | a camp's application forms (Annexure 1), family by family, with blanks to fill |
//!
//! Every text a page shows comes from its caller, whole, in Hindi and English: data as the
//! `Card` and `FormsCamp` fields, labels as `CardLabels` and `FormLabels` (`from_texts` reads
//! them from `data/pages.json`).

mod card;
mod document;
mod fonts;
mod forms;
mod shape;
#[cfg(test)]
mod tests;

pub use card::{Card, CardLabels, CardLayout, cards_pdf};
pub use fonts::{DEFAULT_FONT_DIR, Fonts};
pub use forms::{FormFamily, FormLabels, FormMember, FormsCamp, application_forms_pdf};

use std::path::PathBuf;

/// A label in both languages, as the page prints it: Hindi first, English second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub hi: String,
    pub en: String,
}

impl Label {
    /// The label of `key` from the server's texts (`crate::texts`).
    pub fn from_key(key: &str) -> Self {
        use panjiyan_core::messages::Lang;
        Self {
            hi: crate::texts::key(Lang::Hi, key),
            en: crate::texts::key(Lang::En, key),
        }
    }
}

/// Why a PDF could not be made. The texts name files and counts, never a person's data.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("the font file {path} cannot be read ({source}); Debian's fonts-noto-core has it")]
    FontMissing {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the font file {path} is not a font with the glyphs printing needs")]
    FontUnusable { path: PathBuf },
    #[error("the font {font} could not be subset for embedding")]
    FontSubset { font: &'static str },
    #[error("a QR text of {bytes} bytes does not fit in a QR code")]
    QrTooLong { bytes: usize },
    #[error("nothing to print: {what}")]
    Nothing { what: &'static str },
}
