//! The four fonts the printed pages use, read once from a directory: Noto Sans Devanagari for
//! Hindi and Noto Sans for Latin letters (the Devanagari font has digits and punctuation but no
//! Latin letters), each regular and bold, as Debian's fonts-noto-core installs them.

use super::PrintError;
use rustybuzz::ttf_parser;
use std::path::Path;

/// Where Debian's fonts-noto-core puts the fonts.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/truetype/noto";

/// The writing systems the pages are set in, each with its own font.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Script {
    Devanagari,
    Latin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One of the four fonts, by script and weight; also its index in `Fonts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FontId(pub usize);

impl FontId {
    pub const ALL: [FontId; 4] = [FontId(0), FontId(1), FontId(2), FontId(3)];

    pub fn of(script: Script, weight: Weight) -> Self {
        match (script, weight) {
            (Script::Devanagari, Weight::Regular) => FontId(0),
            (Script::Devanagari, Weight::Bold) => FontId(1),
            (Script::Latin, Weight::Regular) => FontId(2),
            (Script::Latin, Weight::Bold) => FontId(3),
        }
    }

    pub fn script(self) -> Script {
        if self.0 < 2 {
            Script::Devanagari
        } else {
            Script::Latin
        }
    }

    /// The font's file name in the font directory.
    pub fn file(self) -> &'static str {
        FILES[self.0].0
    }

    /// The six capital letters that tag the embedded subset's name (PDF 32000-1, 9.6.4).
    pub fn subset_tag(self) -> &'static str {
        ["PJDVRG", "PJDVBD", "PJLTRG", "PJLTBD"][self.0]
    }
}

/// The file of each font and a letter it must have for the text it sets.
const FILES: [(&str, char); 4] = [
    ("NotoSansDevanagari-Regular.ttf", 'क'),
    ("NotoSansDevanagari-Bold.ttf", 'क'),
    ("NotoSans-Regular.ttf", 'A'),
    ("NotoSans-Bold.ttf", 'A'),
];

/// The fonts' bytes, read once (a server keeps one for its life) and lent to each PDF made.
pub struct Fonts {
    data: [Vec<u8>; 4],
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("files", &FILES.map(|(file, _)| file))
            .finish()
    }
}

impl Fonts {
    /// Reads the four fonts from `dir` (usually `DEFAULT_FONT_DIR`); an error names the file
    /// that is missing or not a usable font.
    pub fn load(dir: &Path) -> Result<Fonts, PrintError> {
        let mut data: [Vec<u8>; 4] = Default::default();
        for (slot, (file, needed)) in data.iter_mut().zip(FILES) {
            let path = dir.join(file);
            let bytes = std::fs::read(&path).map_err(|source| PrintError::FontMissing {
                path: path.clone(),
                source,
            })?;
            let usable = ttf_parser::Face::parse(&bytes, 0)
                .is_ok_and(|face| face.glyph_index(needed).is_some());
            if !usable {
                return Err(PrintError::FontUnusable { path });
            }
            *slot = bytes;
        }
        Ok(Fonts { data })
    }

    pub(crate) fn data(&self, font: FontId) -> &[u8] {
        &self.data[font.0]
    }
}
